"""Runaway inputs are refused before any work, and long runs show progress only on a terminal.

Every command but frontier estimates its running time from its arguments (robtheory._cost) and
refuses, in one line naming the estimate, a run over --max-seconds. The tests replace the first
piece of real work of each command by a function that fails the test if called, so a refusal is
seen to come before any work. The estimates are checked against an independent order of magnitude:
10^19 samples of 102 variates at <= 1e10 variates/s (a GPU; the CPU is slower) is >= 3 years.
"""

from __future__ import annotations

import io
import math
import re
import sys

import pytest

from robtheory import cli

MC = ["mc", "--p", "0.95", "--eta", "0.3", "--d", "100", "--eps", "0.6", "--classifier", "bayes"]


def _no_work(*args, **kwargs):
    raise AssertionError("work started although the run should have been refused")


def _refusal(capsys, argv):
    rc = cli.main(argv)
    out, err = capsys.readouterr()
    assert rc == 2 and out == "", (rc, out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "--max-seconds" in lines[0] and "would take about" in lines[0], err
    return lines[0]


def _years(line: str) -> float:
    m = re.search(r"about ([0-9.e+]+) years", line)
    assert m, line
    return float(m.group(1))


def test_mc_n_1e19_refused_at_once_naming_the_estimate(monkeypatch, capsys):
    from robtheory.mc import engine

    monkeypatch.setattr(engine, "check_against_closed_form", _no_work)
    for backend in ("numpy", "auto"):
        line = _refusal(capsys, [*MC, "--n", "1e19", "--backend", backend])
        # independent bound: 1e19 * 102 variates at 1e10 per second (faster than any backend here)
        assert _years(line) >= 1e19 * 102 / 1e10 / (365.25 * 86400), line
        assert "--n 10000000000000000000" in line


def test_raising_max_seconds_lets_the_run_start(monkeypatch, capsys):
    from robtheory.mc import engine

    class Started(Exception):
        pass

    def started(*a, **k):
        raise Started

    monkeypatch.setattr(engine, "check_against_closed_form", started)
    _refusal(capsys, [*MC, "--n", "1e11", "--backend", "numpy"])
    with pytest.raises(Started):
        cli.main([*MC, "--n", "1e11", "--backend", "numpy", "--max-seconds", "1e9"])


def test_small_runs_are_not_refused(monkeypatch, capsys):
    rc = cli.main([*MC, "--n", "1000", "--backend", "numpy", "--json"])
    assert rc != 2 and "would take" not in capsys.readouterr().err  # it ran (its verdict does not matter)


def test_verify_and_report_refused_before_any_claim(monkeypatch, capsys, tmp_path):
    from robtheory.claims import mc_column as claims_mc

    # no Monte Carlo column is built, and no claim row is printed (stdout stays empty)
    monkeypatch.setattr(claims_mc, "MonteCarloColumn", _no_work)
    _refusal(capsys, ["verify", "--n", "1e10", "--no-proofs", "--no-torch"])
    _refusal(capsys, ["report", "--out", str(tmp_path / "r"), "--n", "1e10", "--no-proofs", "--no-torch"])
    assert not (tmp_path / "r" / "index.html").exists()
    # one claim and a short limit: the analytic column alone is over 1 s
    _refusal(capsys, ["verify", "--claim", "claim_a", "--no-mc", "--no-proofs", "--no-torch", "--max-seconds", "0.01"])


def test_phase_refused_before_the_grid(monkeypatch, capsys, tmp_path):
    from robtheory import phase

    monkeypatch.setattr(phase, "phase_grid", _no_work)
    out = tmp_path / "ph"
    line = _refusal(capsys, ["phase", "--p", "0.9", "--mu", "0.5:8:1000", "--eps-over-eta", "0:3:1000", "--d", "1",
                             "--out", str(out), "--max-seconds", "10"])
    assert "1000000 grid points" in line
    line = _refusal(capsys, ["phase", "--p", "0.9", "--mu", "1,2", "--eps-over-eta", "1", "--d", "100",
                             "--out", str(out), "--mc", "1e12"])
    # 8 points x 2 classifiers x 1e12 samples x 102 variates at <= 1e10 variates/s
    assert "--mc 1000000000000" in line
    assert list(out.iterdir()) == []


def test_svm_and_torch_refused_before_work(monkeypatch, capsys, tmp_path):
    from robtheory import training

    monkeypatch.setattr(training, "solve", _no_work)
    monkeypatch.setattr(training, "unit_norm_optimum", _no_work)
    _refusal(capsys, ["svm", "--p", "0.9", "--eta", "0.1", "--d", "10", "--lam", "0.1", "--max-seconds", "0.5"])

    import robtheory.torch_bridge as tb
    import robtheory.torch_bridge.experiments as ex

    monkeypatch.setattr(tb, "torch_available", lambda: True)
    monkeypatch.setattr(ex, "run_experiment", _no_work)
    line = _refusal(capsys, ["torch", "all", "--out", str(tmp_path / "t"), "--max-seconds", "60"])
    assert "torch all" in line
    assert not (tmp_path / "t").exists()


@pytest.mark.parametrize(("bad", "why"), [("0", "must be > 0"), ("-5", "must be > 0"), ("nan", "finite"),
                                         ("x", "not a number")])
def test_max_seconds_must_be_positive(capsys, bad, why):
    try:
        code = cli.main([*MC, "--n", "10", "--max-seconds", bad])
    except SystemExit as e:  # argparse's own errors
        code = e.code
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--max-seconds" in err[0] and why in err[0], err


def test_fmt_seconds_units():
    from robtheory._cost import fmt_seconds

    assert fmt_seconds(42) == "42 s"
    assert fmt_seconds(3 * 3600) == "3 h"
    assert fmt_seconds(math.inf) == "forever"
    assert fmt_seconds(2e5 * 365.25 * 86400) == "2e+05 years"


# --------------------------------------------------------------------------- progress
class _Terminal(io.StringIO):
    def isatty(self):
        return True


def _report_stub(monkeypatch):
    from robtheory.viz import report

    monkeypatch.setattr(report, "figures", lambda out, frontier_mc=None: [])
    monkeypatch.setattr(report, "mc_residual_figure", lambda out, rows: None)
    return report


def test_report_progress_only_on_a_terminal(monkeypatch, tmp_path, capsys):
    report = _report_stub(monkeypatch)
    report.write_report(tmp_path / "a", [], [])
    assert capsys.readouterr().err == ""
    term = _Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    report.write_report(tmp_path / "b", [], [])
    assert "report" in term.getvalue() and "figures" in term.getvalue()


def test_phase_mc_progress_only_on_a_terminal(monkeypatch, capsys):
    from robtheory.phase import phase_grid
    from robtheory.experiments.phase_mc import mc_overlay

    grid = phase_grid([0.9], [10], mu=[1.0, 2.0], eps_over_eta=[0.5])
    a = mc_overlay(grid, 200, points=2, seed=0, backend="numpy", serial=True)
    assert capsys.readouterr().err == ""
    term = _Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    b = mc_overlay(grid, 200, points=2, seed=0, backend="numpy", serial=True)
    assert "phase --mc" in term.getvalue() and "/2 " in term.getvalue()
    assert (a["count"].values == b["count"].values).all()  # the bar changes nothing else
