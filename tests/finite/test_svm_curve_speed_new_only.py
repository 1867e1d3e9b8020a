"""The benchmark script's --old-trials 0: the new path alone (the old one is not run, its figures are NaN)."""

from __future__ import annotations

import json
import math

import pytest

pytest.importorskip("numba")


def test_svm_curve_speed_script_new_path_only(tmp_path) -> None:
    from robtheory.validation import svm_curve_speed

    out = tmp_path / "speed.json"
    assert svm_curve_speed.main(["--n", "40", "--d", "5", "--old-trials", "0", "--new-trials", "2", "--workers", "1",
                                 "--cases", "linf 0.2", "l2 0.05", "--json", str(out)]) == 0
    rows = json.loads(out.read_text())["rows"]
    assert [r["case"] for r in rows] == ["linf 0.2", "l2 0.05"]
    assert all(math.isnan(r["old_s_per_model"]) and r["new_s_per_model"] > 0 for r in rows)
