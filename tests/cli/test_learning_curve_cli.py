"""``robtheory learning-curve``: files, JSON, exit statuses."""

from __future__ import annotations

import json

import pytest
import xarray as xr

from robtheory.cli.main import main
from robtheory.finite.learning_curve import crossover_exact
from robtheory.model import ToyModel


def test_learning_curve_writes_dataset_figures_and_json(tmp_path, capsys) -> None:
    out = tmp_path / "lc"
    rc = main(["learning-curve", "--p", "0.9", "--eta", "0.3", "--d", "10", "--n", "log:1:64:4",
               "--eps-train", "0,0.5", "--trials", "20", "--out", str(out), "--json"])
    assert rc == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["eps_train_values"] == [0.0, 0.5]
    from robtheory.vocabulary import check_document

    assert check_document(doc) == []
    assert doc["crossover_n"][0] is None and doc["crossover_n_exact"][0] is None
    assert doc["crossover_n_exact"][1] == crossover_exact(ToyModel(0.9, 0.3, 10)).n_star
    for ext in ("nc", "csv", "png", "pdf", "svg"):
        assert (out / f"learning_curve.{ext}").stat().st_size > 0
    ds = xr.open_dataset(out / "learning_curve.nc")
    assert dict(ds.sizes) == {"learner": 1, "eps_train": 2, "n": 4}
    assert ds.n.values.tolist() == [1, 4, 16, 64]


def test_learning_curve_n_d_plane(tmp_path, capsys) -> None:
    out = tmp_path / "lc"
    assert main(["learning-curve", "--p", "0.95", "--eta", "0.3", "--d", "10,100", "--n", "1,10,100",
                 "--trials", "5", "--out", str(out)]) == 0
    assert (out / "gap_n_d.svg").exists() and (out / "learning_curve_d100.nc").exists()


@pytest.mark.parametrize("argv, option", [
    (["--n", "0"], "--n"), (["--n", "5", "--eps-train", "-1"], "--eps-train"), (["--n", "5", "--d", "2.5"], "--d"),
    (["--n", "5", "--trials", "1"], "--trials"), (["--n", "5", "--learner", "knn"], "--learner"),
    (["--n", "5", "--learner", "svm", "--accuracy-tol", "0"], "--accuracy-tol"),
    (["--n", "5", "--workers", "0"], "--workers"),
])
def test_bad_options_exit_2_naming_the_option(tmp_path, capsys, argv, option) -> None:
    base = ["learning-curve", "--p", "0.9", "--eta", "0.3", "--d", "3", "--out", str(tmp_path / "o")]
    if "--d" in argv:
        base = base[:5] + base[7:]
    try:
        rc = main(base + argv)
    except SystemExit as exc:  # argparse's own errors (a bad choice) exit from the parser
        rc = exc.code
    err = capsys.readouterr().err
    assert rc == 2 and option in err and len(err.strip().splitlines()) == 1


def test_logistic_learner_runs(tmp_path, capsys) -> None:
    out = tmp_path / "lc"
    assert main(["learning-curve", "--p", "0.9", "--eta", "0.3", "--d", "3", "--n", "5,20", "--eps-train", "0,0.2",
                 "--learner", "logistic", "--lam", "0.05", "--trials", "3", "--out", str(out), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["learner"] == "logistic" and len(doc["crossover_n"]) == 2
