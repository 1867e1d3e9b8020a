"""The command-line interface: JSON contract, error handling, verify and prove."""

import json
import subprocess
import sys

import numpy as np
import pytest
from scipy.special import ndtr

from robtheory.cli import main

KEYS = {"standard_accuracy", "robust_accuracy", "standard_error_rate", "robust_error_rate"}


def run_json(capsys, *args):
    assert main(["accuracy", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_accuracy_json_contract_and_values(capsys):
    out = run_json(capsys, "--p", "0.95", "--eta", "0.3", "--d", "100", "--eps", "0.6",
                   "--norm", "linf", "--classifier", "averaging")
    assert KEYS <= out.keys()
    assert out["standard_accuracy"] == pytest.approx(ndtr(3.0), abs=1e-12)
    assert out["robust_accuracy"] == pytest.approx(ndtr(-3.0), abs=1e-12)
    assert out["standard_error_rate"] == pytest.approx(ndtr(-3.0), rel=1e-9)


def test_accuracy_reports_tiny_error_rates(capsys):
    # mu = eta*sqrt(d) = 30: the accuracy rounds to 1 but the error rate does not.
    out = run_json(capsys, "--p", "0.9", "--eta", "3", "--d", "100", "--classifier", "averaging")
    assert out["standard_accuracy"] == 1.0
    assert out["standard_error_rate"] == pytest.approx(ndtr(-30.0), rel=1e-9)


@pytest.mark.parametrize("clf", ["averaging", "robust", "bayes", "robust-optimal"])
@pytest.mark.parametrize("norm", ["linf", "l2"])
def test_every_named_classifier_runs(capsys, clf, norm):
    out = run_json(capsys, "--p", "0.9", "--eta", "0.2", "--d", "50", "--eps", "0.3",
                   "--norm", norm, "--classifier", clf)
    assert 0 <= out["robust_accuracy"] <= out["standard_accuracy"] <= 1


def test_weights_from_text_and_npy(tmp_path, capsys):
    w = np.array([0.5, 1.0, -0.2, 0.3])
    txt = tmp_path / "w.txt"
    txt.write_text(" ".join(map(str, w)))
    npy = tmp_path / "w.npy"
    np.save(npy, w)
    a = run_json(capsys, "--p", "0.8", "--eta", "0.5", "--d", "3", "--eps", "0.1",
                 "--classifier", "weights", "--w", str(txt), "--b", "0.1")
    b = run_json(capsys, "--p", "0.8", "--eta", "0.5", "--d", "3", "--eps", "0.1",
                 "--classifier", "weights", "--w", str(npy), "--b", "0.1")
    assert a == b


BAD = [
    ["--p", "0.3", "--eta", "1", "--d", "3", "--classifier", "bayes"],
    ["--p", "1.5", "--eta", "1", "--d", "3", "--classifier", "bayes"],
    ["--p", "nan", "--eta", "1", "--d", "3", "--classifier", "bayes"],
    ["--p", "0.9", "--eta", "-1", "--d", "3", "--classifier", "bayes"],
    ["--p", "0.9", "--eta", "1", "--d", "0", "--classifier", "bayes"],
    ["--p", "0.9", "--eta", "1", "--d", "2.5", "--classifier", "bayes"],
    ["--p", "0.9", "--eta", "1", "--d", "3", "--eps", "-0.1", "--classifier", "bayes"],
    ["--p", "0.9", "--eta", "1", "--d", "3", "--eps", "inf", "--classifier", "bayes"],
    ["--p", "0.9", "--eta", "1", "--d", "3", "--norm", "l1", "--classifier", "bayes"],
    ["--p", "0.9", "--eta", "1", "--d", "3", "--classifier", "svm"],
    ["--p", "0.9", "--eta", "1", "--d", "3", "--classifier", "weights"],
    ["--p", "0.9", "--eta", "1", "--d", "3", "--classifier", "weights", "--w", "/nonexistent/w.txt"],
    ["--p", "0.9", "--eta", "1", "--d", "3", "--classifier", "bayes", "--w", "/tmp/w.txt"],
    ["--eta", "1", "--d", "3", "--classifier", "bayes"],
]


@pytest.mark.parametrize("args", BAD, ids=lambda a: " ".join(a))
def test_bad_arguments_exit_2_with_one_line(args, capsys):
    with pytest.raises(SystemExit) as exc:
        code = main(["accuracy", *args])
        raise SystemExit(code)
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err and len(err.splitlines()) == 1, err
    assert "Traceback" not in err


def test_weights_of_wrong_length_and_all_zero(tmp_path, capsys):
    short = tmp_path / "short.txt"
    short.write_text("1 2")
    zero = tmp_path / "zero.txt"
    zero.write_text("0 0 0 0")
    for path, word in ((short, "d + 1"), (zero, "all zero")):
        assert main(["accuracy", "--p", "0.9", "--eta", "1", "--d", "3", "--classifier", "weights",
                     "--w", str(path)]) == 2
        assert word in capsys.readouterr().err


def test_console_script_and_module_entry_point():
    for cmd in (["robtheory"], [sys.executable, "-m", "robtheory"]):
        proc = subprocess.run([*cmd, "accuracy", "--p", "0.2", "--eta", "1", "--d", "3",
                               "--classifier", "bayes"], capture_output=True, text=True)
        assert proc.returncode == 2
        assert "mirror image" in proc.stderr and "Traceback" not in proc.stderr


def test_verify_selected_claims_json(tmp_path, capsys):
    out = tmp_path / "v.json"
    assert main(["verify", "--claim", "claim_a", "--claim", "lemma_d2", "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["passed"] is True
    assert [c["name"] for c in data["claims"]] == ["claim_a", "lemma_d2"]
    assert main(["verify", "--claim", "no_such_claim"]) == 2


def test_verify_exits_1_when_a_claim_fails(monkeypatch, capsys):
    from robtheory import claims

    failing = claims.CheckResult(False, 1, "forced failure")
    monkeypatch.setitem(claims.COLUMNS, "forced", lambda claim: failing)
    assert main(["verify", "--claim", "lemma_d2"]) == 1
    assert "FAIL" in capsys.readouterr().out


# ------------------------------------------------------------------ the CLI's layout (issue 13)
def _commands():
    import argparse

    from robtheory.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices


def _spec(parser, option):
    action = next(a for a in parser._actions if option in a.option_strings)
    return (action.type, action.help, action.required, action.default, action.choices, action.dest)


@pytest.mark.parametrize("option, commands", [
    ("--p", ("accuracy", "mc", "frontier", "svm")),
    ("--eta", ("accuracy", "mc", "frontier", "svm")),
    ("--d", ("accuracy", "mc", "frontier", "svm")),
    ("--norm", ("accuracy", "mc", "frontier", "phase")),
    ("--weak-only", ("accuracy", "mc", "frontier")),
    ("--b", ("accuracy", "mc")),
    ("--max-seconds", ("mc", "verify", "report", "phase", "svm", "torch", "frontier")),
    ("--n", ("verify", "report")),
    ("--alpha", ("verify", "report")),
    ("--mean-resolution", ("verify", "report")),
])
def test_shared_options_are_one_definition(option, commands):
    """An option that several commands share reads its value alike and says the same in --help."""
    cmds = _commands()
    specs = {cmd: _spec(cmds[cmd], option) for cmd in commands}
    assert len(set(map(repr, specs.values()))) == 1, specs


def test_every_command_has_its_own_module():
    """``robtheory.cli.<command>`` holds each command's ``add_parser`` and ``run``."""
    import importlib

    from robtheory.cli.main import COMMANDS

    # an alias (replot) is another name of the same parser, not a command of its own
    assert set(COMMANDS) == {p.prog.split()[-1] for p in _commands().values()}
    for name, run in COMMANDS.items():
        module = importlib.import_module(f"robtheory.cli.{name.replace('-', '_')}")  # learning-curve
        assert module.run is run and callable(module.add_parser)
