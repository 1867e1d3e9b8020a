"""``robtheory bench``: the JSON shape only (timings are never asserted)."""

from __future__ import annotations

import json

from robtheory.cli import main


def test_bench_quick_json_shape(capsys, monkeypatch):
    monkeypatch.setenv("ROBTHEORY_DISABLE_CUPY", "1")
    assert main(["bench", "--quick", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {"results", "machine", "date", "commit"} <= report.keys()
    assert report["quick"] is True
    rows = report["results"]
    assert {r["d"] for r in rows} == {10, 100, 1000, 10000}
    for r in rows:
        assert {"backend", "d", "normals_per_second", "ratio_to_numpy", "peak_memory_bytes"} <= r.keys()
        assert r["normals_per_second"] > 0 and r["peak_memory_bytes"] > 0
    numpy_rows = [r for r in rows if r["backend"] == "numpy"]
    assert len(numpy_rows) == 4 and all(r["ratio_to_numpy"] == 1.0 for r in numpy_rows)
    assert report["machine"]["nproc"] >= 1 and report["machine"]["cpu_model"]
    grid = report["grid"]  # issue 5, item 6: shape only, never the time
    assert {"points", "seconds", "ndtr_seconds", "ratio"} <= grid.keys()
    assert isinstance(grid["points"], int) and grid["points"] > 0
    assert grid["seconds"] > 0 and grid["ndtr_seconds"] > 0
    assert grid["ratio"] == grid["ndtr_seconds"] / grid["seconds"]


def test_bench_table_and_backend_choice(capsys):
    assert main(["bench", "--quick", "--d", "10", "--backend", "numpy"]) == 0
    text = capsys.readouterr().out
    assert "numpy" in text and "machine" in text and "numba" not in text.splitlines()[1]
    assert "closed-form grid" in text
