"""Smoke test of the benchmark script (validation/svm_curve_speed.py): it runs and reports every case."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("numba")


def test_svm_curve_speed_script_runs(tmp_path) -> None:
    from robtheory.validation import svm_curve_speed

    out = tmp_path / "speed.json"
    assert svm_curve_speed.main(["--n", "40", "--d", "5", "--old-trials", "1", "--new-trials", "2", "--workers", "2",
                                 "--json", str(out)]) == 0
    rows = json.loads(out.read_text())["rows"]
    assert [r["case"] for r in rows] == [c for c, _ in svm_curve_speed.CASES]
    assert all(r["old_s_per_model"] > 0 and r["new_s_per_model"] > 0 for r in rows)
    assert all(r["new_max_accuracy_error_bound"] <= 1e-4 for r in rows)
