"""``robtheory transfer`` and ``robtheory feature-selection``: JSON in the vocabulary, files, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from robtheory import ThreatModel, ToyModel
from robtheory.cli import main
from robtheory.finite.feature_selection import weak_pass_probability
from robtheory.finite.transfer import population_transfer
from robtheory.vocabulary import check_document

MODEL = ["--p", "0.8", "--eta", "0.3", "--d", "5"]


def _run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_transfer_json(capsys, tmp_path) -> None:
    code, out, err = _run(["transfer", *MODEL, "--n", "log:5:50:2", "--eps", "0.3,0.6", "--trials", "4",
                           "--json", "--out", str(tmp_path)], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert check_document(doc) == []
    assert {r["n"] for r in doc["results"]} == {5, 50}
    assert len(doc["results"]) == 3 * 2 * 2
    lim = {(r["kind"], r["eps"]): r for r in doc["limits"]}
    want = population_transfer(ToyModel(0.8, 0.3, 5), ThreatModel("linf", 0.6))["fool_rate"]
    assert lim[("standard->standard", 0.6)]["fool_rate"] == pytest.approx(want, abs=1e-14)
    assert lim[("robust->standard", 0.3)]["transfer_rate"] is None  # no adversarial example of sign(x1) at eps < 1
    for ext in ("nc", "csv", "pdf", "svg", "png"):
        assert (tmp_path / f"transfer.{ext}").stat().st_size > 0
    import xarray as xr

    ds = xr.open_dataset(tmp_path / "transfer.nc")
    row = next(r for r in doc["results"] if r["kind"] == "standard->standard" and r["eps"] == 0.3 and r["n"] == 50)
    assert float(ds["fool_rate"].sel(kind="standard->standard", eps=0.3, n=50)) == pytest.approx(row["fool_rate"])
    ds.close()


def test_feature_selection_json(capsys, tmp_path) -> None:
    code, out, err = _run(["feature-selection", *MODEL, "--n", "4,20", "--t", "0,0.5", "--eps", "0.2",
                           "--trials", "3", "--json", "--out", str(tmp_path)], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert check_document(doc) == []
    row = next(r for r in doc["results"] if r["t"] == 0.5 and r["n"] == 20)
    assert row["weak_kept_exact"] == pytest.approx(5 * weak_pass_probability(20, 0.3, 0.5), rel=1e-12)
    t0 = [r for r in doc["results"] if r["t"] == 0.0]
    std = [r for r in doc["reference_learners"] if r["learner"] == "standard_learner"]
    # threshold 0 keeps every feature: the standard learner
    assert np.allclose([r["robust_accuracy"] for r in t0], [r["robust_accuracy"] for r in std], atol=1e-14)
    for ext in ("nc", "csv", "pdf", "svg", "png"):
        assert (tmp_path / f"feature_selection.{ext}").stat().st_size > 0


@pytest.mark.parametrize("argv,option", [
    (["transfer", *MODEL, "--n", "0", "--eps", "0.3"], "--n"),
    (["transfer", *MODEL, "--n", "10", "--eps", "-1"], "--eps"),
    (["transfer", *MODEL, "--n", "10", "--eps", "0.3", "--trials", "1"], "--trials"),
    (["feature-selection", *MODEL, "--n", "10", "--t", "1.5", "--eps", "0.1"], "--t"),
    (["feature-selection", "--p", "0.3", "--eta", "0.3", "--d", "5", "--n", "10", "--t", "0.1", "--eps", "0.1"], "p"),
])
def test_bad_values_are_one_line_errors(argv, option, capsys) -> None:
    code, out, err = _run(argv, capsys)
    assert code == 2 and out == "" and err.count("\n") == 1 and option in err, err


def test_figures_have_data(tmp_path) -> None:
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from robtheory.finite.feature_selection import selection_curve
    from robtheory.finite.transfer import transfer_curve
    from robtheory.viz.transfer import plot_selection, plot_transfer

    model = ToyModel(0.8, 0.3, 4)
    ds = transfer_curve(model, [5, 20], [0.6], pairs=3, seed=1).to_dataset()
    fig, ax = plt.subplots()
    plot_transfer(ax, ds, "fool_rate")
    assert len(ax.lines) >= 3 and "fool_rate" not in ax.get_ylabel()
    ds2 = selection_curve(model, [5, 20], [0.0, 0.4], ThreatModel("linf", 0.2), trials=3).to_dataset()
    fig2, ax2 = plt.subplots()
    plot_selection(ax2, ds2)
    assert len(ax2.lines) >= 5 and "robust accuracy" in ax2.get_ylabel()
    plt.close("all")


def test_feature_selection_with_the_adversarial_svm(capsys) -> None:
    from robtheory.finite.learners import training_set
    from robtheory.theory.closed_form import linear_accuracy
    from robtheory.training import fit_svm

    code, out, err = _run(["feature-selection", *MODEL, "--n", "8,30", "--t", "0.5", "--eps", "0.3",
                           "--trials", "2", "--svm-lam", "0.05", "--json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert check_document(doc) == []
    rows = [r for r in doc["reference_learners"] if r["learner"] == "adversarial_svm"]
    assert [r["n"] for r in rows] == [8, 30]
    model, threat = ToyModel(0.8, 0.3, 5), ThreatModel("linf", 0.3)
    ws = [fit_svm(*training_set(model, 30, k, 0), 0.05, threat).w for k in range(2)]
    assert all(np.any(w) for w in ws)
    want = np.mean([linear_accuracy(model, w, threat).robust_accuracy for w in ws])
    assert rows[1]["robust_accuracy"] == pytest.approx(want, abs=1e-12)
    code, _, err = _run(["feature-selection", *MODEL, "--n", "8", "--t", "0.5", "--eps", "0.6", "--svm-lam", "0"],
                        capsys)
    assert code == 2 and "--svm-lam" in err
