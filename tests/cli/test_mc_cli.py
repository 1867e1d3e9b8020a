"""``robtheory mc``: the JSON contract, the table, and one-line errors with status 2."""

from __future__ import annotations

import json

import numpy as np
import pytest

from robtheory import ThreatModel, ToyModel, bayes, linear_accuracy
from robtheory.cli import main

ARGS = ["--p", "0.9", "--eta", "0.2", "--d", "20", "--eps", "0.1", "--classifier", "bayes"]


def _json(capsys, *extra):
    # a coarse resolution: these small runs are conclusive about deviations of 0.1
    assert main(["mc", *ARGS, *extra, "--resolution", "0.1", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("backend", ["numpy", "auto"])
def test_mc_json_contract(capsys, backend, monkeypatch):
    monkeypatch.setenv("ROBTHEORY_DISABLE_CUPY", "1")
    out = _json(capsys, "--n", "20000", "--seed", "5", "--backend", backend)
    acc = linear_accuracy(ToyModel(0.9, 0.2, 20), bayes(ToyModel(0.9, 0.2, 20)),
                          ThreatModel("linf", 0.1))
    for kind, value in (("standard", acc.standard_accuracy), ("robust", acc.robust_accuracy)):
        e = out[kind]
        assert {"estimate", "count", "n", "ci", "analytic"} <= e.keys()
        assert e["n"] == 20000 and e["estimate"] == e["count"] / 20000
        assert len(e["ci"]) == 2 and all(isinstance(v, float) for v in e["ci"])
        assert e["ci"][0] <= e["estimate"] <= e["ci"][1]
        assert e["analytic"] == pytest.approx(value, abs=1e-15)
        assert e["passed"]
    assert out["backend"] in ("numpy", "numba")


def test_mc_same_seed_same_counts_on_every_backend(capsys, monkeypatch):
    monkeypatch.setenv("ROBTHEORY_DISABLE_CUPY", "1")
    a = _json(capsys, "--n", "5000", "--seed", "11", "--backend", "numpy")
    b = _json(capsys, "--n", "5e3", "--seed", "11", "--backend", "auto")
    assert (a["standard"]["count"], a["robust"]["count"]) == (b["standard"]["count"], b["robust"]["count"])


def test_mc_table_and_weights_file(capsys, tmp_path):
    w = tmp_path / "w.txt"
    w.write_text(" ".join(["0.5"] + ["0.05"] * 20))
    assert main(["mc", "--p", "0.9", "--eta", "0.2", "--d", "20", "--classifier", "weights",
                 "--w", str(w), "--b", "0.1", "--n", "3000", "--backend", "numpy", "--resolution", "0.1"]) == 0
    text = capsys.readouterr().out
    assert "standard" in text and "robust" in text and "closed form" in text and "interval" in text


@pytest.mark.parametrize("bad, needle", [
    (["--n", "0"], "--n"),
    (["--n", "-4"], "--n"),
    (["--backend", "gpu"], "gpu"),
    (["--seed", "-1"], "--seed"),
    (["--n", "10", "--alpha", "2"], "alpha"),
    (["--n", "10", "--dtype", "float16"], "float16"),
])
def test_mc_bad_arguments_exit_2_with_one_line(capsys, bad, needle):
    try:  # argparse rejects bad syntax (SystemExit), the library bad values (return 2)
        code = main(["mc", *ARGS, *bad])
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and needle in err and err.count("\n") == 1


def test_mc_bad_values_exit_2_with_one_line(capsys, tmp_path):
    w = tmp_path / "w.npy"
    np.save(w, np.ones(4))
    for argv, needle in (
        (["--p", "0.3", "--eta", "0.2", "--d", "5", "--classifier", "bayes", "--n", "10"], "--p must lie in [1/2, 1], got 0.3"),
        (["--p", "0.9", "--eta", "0.2", "--d", "5", "--classifier", "weights", "--w", str(w),
          "--n", "10"], "d + 1 = 6"),
        (["--p", "0.9", "--eta", "0.2", "--d", "5", "--classifier", "weights", "--n", "10"], "--w"),
    ):
        assert main(["mc", *argv]) == 2
        err = capsys.readouterr().err
        assert needle in err and err.count("\n") == 1


def test_progress_bar_only_on_a_terminal(monkeypatch):
    import io
    import sys

    from robtheory import cli

    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert cli._progress_bar(100) is None
    fake = Tty()
    monkeypatch.setattr(sys, "stderr", fake)
    bar = cli._progress_bar(100)
    assert bar is not None
    bar.update(100)
    bar.close()
