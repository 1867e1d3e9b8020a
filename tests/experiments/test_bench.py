"""``robtheory bench``: the JSON shape only (timings are never asserted)."""

from __future__ import annotations

import json

import numpy as np
import pytest

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
    # the peers a user would write instead, measured in the same run (issue 16, item 1)
    peers = report["peers"]
    names = {q["peer"] for q in peers}
    assert {"numpy-1thread", "numpy-2threads", "numpy-bare", "robtheory-bare"} <= names
    assert {(q["d"], q["dtype"]) for q in peers} == {(d, t) for d in (10, 100, 1000, 10000)
                                                      for t in ("float64", "float32")}
    for r in rows:
        same = [q for q in peers if q["d"] == r["d"] and q["dtype"] == r["dtype"]
                and q["peer"] in ("numpy-1thread", "numpy-2threads", "torch")]
        best = max(same, key=lambda q: q["normals_per_second"])
        assert r["best_peer"] == best["peer"]
        assert r["ratio_to_best_peer"] == r["normals_per_second"] / best["normals_per_second"]
    grid = report["grid"]  # issue 5, item 6: shape only, never the time
    assert {"points", "seconds", "ndtr_seconds", "ratio"} <= grid.keys()
    assert isinstance(grid["points"], int) and grid["points"] > 0
    assert grid["seconds"] > 0 and grid["ndtr_seconds"] > 0
    assert grid["ratio"] == grid["ndtr_seconds"] / grid["seconds"]
    # the JSON says what was timed and how many Gaussian tails each point needs
    assert "Bayes" in grid["quantity"] and grid["ndtr_per_point"] == 2
    assert grid["ratio_per_ndtr"] == pytest.approx(2 * grid["ratio"], rel=1e-12)
    assert grid["peak_memory_bytes"] > 0 and grid["backend"] in ("numba", "numpy")
    assert grid["cpu_seconds"] >= 0 and grid["ndtr_cpu_seconds"] >= 0
    assert len(grid["variants"]) == 3
    for v in grid["variants"]:
        assert {"quantity", "ndtr_per_point", "seconds", "ratio", "ratio_per_ndtr"} <= v.keys()
        assert v["ratio"] == pytest.approx(grid["ndtr_seconds"] / v["seconds"], rel=1e-12)


def test_benchmarked_grid_computes_what_it_says():
    """The timed grid is the Bayes rule's standard accuracy (and exact error rate) at each (p, mu)
    (p = 1/2 included), and its robust variant the l_inf accuracy at eps = 2 eta."""
    from robtheory import ThreatModel, ToyModel, bayes, linear_accuracy
    from robtheory.experiments.bench import _grid_axes, _grid_fast

    d = 100
    _, p, mu = _grid_axes(400, d)
    (acc, err), rob = _grid_fast(p, mu, d, robust=True, error_rate=True)
    assert np.array_equal(_grid_fast(p, mu, d), acc)  # the headline quantity
    assert acc.shape == err.shape == rob.shape == (20, 20)
    with pytest.raises(ValueError, match="mu=0.0"):
        _grid_fast(p, np.array([0.0, 1.0]), d)
    for i in (0, 3, 19):
        for j in (0, 1, 10, 19):
            m = ToyModel(float(p[i]), float(mu[j]) / 10, d)
            ref = linear_accuracy(m, bayes(m), ThreatModel("linf", 2 * m.eta))
            assert acc[i, j] == pytest.approx(ref.standard_accuracy, abs=1e-15)
            assert err[i, j] == pytest.approx(ref.standard_error_rate, rel=1e-12, abs=1e-300)
            assert rob[i, j] == pytest.approx(ref.robust_accuracy, abs=1e-15)


def test_bench_table_and_backend_choice(capsys):
    assert main(["bench", "--quick", "--d", "10", "--backend", "numpy"]) == 0
    text = capsys.readouterr().out
    assert "numpy" in text and "machine" in text and "numba" not in text.splitlines()[1]
    assert "closed-form grid" in text


def test_kernels_are_compared_with_the_fastest_peer_pipeline_not_a_bare_generator():
    from robtheory.experiments.bench import _compare_with_peers

    def peer(name, d, speed, dtype="float64"):
        return {"peer": name, "d": d, "dtype": dtype, "normals_per_second": speed}

    peers = [peer("numpy-1thread", 10, 5.0), peer("numpy-2threads", 10, 8.0), peer("torch", 10, 6.0),
             peer("numpy-bare", 10, 50.0), peer("robtheory-bare", 10, 40.0),  # generators alone: not peers
             peer("torch", 10, 99.0, "float32"), peer("torch", 100, 99.0)]  # other precision, other d
    rows = [{"backend": "numba", "d": 10, "dtype": "float64", "normals_per_second": 32.0},
            {"backend": "numpy", "d": 10, "dtype": "float64", "normals_per_second": 4.0},
            {"backend": "numba", "d": 1000, "dtype": "float64", "normals_per_second": 1.0}]
    _compare_with_peers(rows, peers)
    assert rows[0]["best_peer"] == "numpy-2threads" and rows[0]["ratio_to_best_peer"] == 4.0
    assert rows[0]["ratio_to_bare"] == 0.8
    assert rows[1]["ratio_to_best_peer"] == 0.5 and rows[1]["ratio_to_bare"] is None  # bare: numba only
    assert rows[2]["best_peer"] is None and rows[2]["ratio_to_best_peer"] is None  # no peer at that d
