"""Smoke test of the finite-sample convergence campaign (validation/training_convergence.py)."""

from __future__ import annotations

import csv
import json

from robtheory.validation import training_convergence


def test_training_convergence_smoke(tmp_path, capsys):
    rc = training_convergence.main(["--ns", "60,120", "--seeds", "2", "--d", "8", "--eta", "0.5",
                                    "--eps-train", "0.5", "--out", str(tmp_path)])
    assert rc == 0
    for ext in ("csv", "json", "png"):
        assert (tmp_path / f"training_convergence.{ext}").stat().st_size > 0
    rows = list(csv.DictReader(open(tmp_path / "training_convergence.csv")))
    assert len(rows) == 2 * 2 * 2  # n x seeds x (standard, adversarial)
    assert all(float(r["duality_gap"]) < 1e-6 for r in rows)
    meta = json.loads((tmp_path / "training_convergence.json").read_text())
    assert set(meta["population"]) == {"standard", "linf eps=0.5"}
    assert meta["population"]["linf eps=0.5"]["v"] == 0.0  # eps_train >= eta: Lemma D.5
    assert {"machine", "date", "commit"} <= set(meta["provenance"])
    assert "RMS err" in capsys.readouterr().out


def test_gaussian_mle_smoke(tmp_path, capsys):
    from robtheory.validation import gaussian_mle

    rc = gaussian_mle.main(["--k", "2", "--eps", "0.1,1", "--per-sample", "--n-per-sample", "300",
                            "--out", str(tmp_path)])
    assert rc == 0
    for ext in ("csv", "json", "png"):
        assert (tmp_path / f"gaussian_mle.{ext}").stat().st_size > 0
    meta = json.loads((tmp_path / "gaussian_mle.json").read_text())
    assert "not a result of Tsipras" in meta["source"]
    for row in meta["rows"]:
        assert row["err_direct"] < 1e-4 and row["align_r"] > row["align_std"]
    assert "align_r" in capsys.readouterr().out


def test_svm_solvers_benchmark_runs_on_its_issue_instances():
    # the benchmark imports fit_svm's private certificate (robtheory.training.finite_sample) and
    # replays the issue's instances, defined by training.sample's draws
    from robtheory.validation import svm_solvers

    out = svm_solvers.run(svm_solvers.CASES[:1], repeats=1, seeds=2)
    (row,) = out["cases"]
    assert row["current_gap"] <= 1e-9
    # seed 1 is the issue's instance (BENCHMARKS.md: the previous solver stopped at gap 0.59):
    # it stays reproducible only while training.sample keeps its draws
    assert out["issue_shape"]["seeds"] == 2
    assert out["issue_shape"]["previous_gap_above_1e-9"] >= 1
    assert out["issue_shape"]["current_gap_above_1e-9"] == 0
