"""``robtheory plot FILE`` / ``replot``: redraw saved results without recomputing; bad input is
one line on stderr naming what is wrong, exit status 2."""

from __future__ import annotations

import json

import pytest

from robtheory.cli import main


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A phase grid and a frontier written by their commands (small)."""
    d = tmp_path_factory.mktemp("plot_cli")
    assert main(["phase", "--p", "0.95", "--mu", "1:6:5", "--eps-over-eta", "0:3:4", "--d", "100",
                 "--out", str(d / "phase")]) == 0
    assert main(["frontier", "--p", "0.95", "--eta", "0.3", "--d", "100", "--points", "21",
                 "--out", str(d / "frontier")]) == 0
    return d


def test_replot_a_phase_grid_in_the_formats_asked(saved, tmp_path, capsys, monkeypatch):
    import robtheory.phase as phase

    # nothing is recomputed: the closed forms are not called
    monkeypatch.setattr(phase, "phase_grid", lambda *a, **k: pytest.fail("phase_grid called"))
    assert main(["plot", str(saved / "phase" / "phase.nc"), "--out", str(tmp_path), "--format", "svg,pdf"]) == 0
    out = capsys.readouterr()
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(f"phase_{v}.{e}" for v in ("bayes_standard", "averaging_robust", "bayes_robust",
                                                          "optimal_robust", "price", "regime") for e in ("svg", "pdf"))
    assert sorted(out.out.split()) == sorted(str(tmp_path / n) for n in written)  # one path a line
    assert "phase grid" in out.err


def test_replot_alias_and_frontier_json_redraws_the_same_figure(saved, tmp_path):
    # the same formats in the same order as the command wrote (each savefig re-runs the layout)
    assert main(["replot", str(saved / "frontier" / "frontier.json"), "--out", str(tmp_path)]) == 0
    assert (tmp_path / "frontier.svg").read_bytes() == (saved / "frontier" / "frontier.svg").read_bytes()


def test_replot_a_frontier_csv_uses_its_json_for_the_model(saved, tmp_path, capsys):
    assert main(["plot", str(saved / "frontier" / "frontier.csv"), "--out", str(tmp_path), "--format", "png"]) == 0
    assert (tmp_path / "frontier.png").stat().st_size > 0
    capsys.readouterr()
    lone = tmp_path / "lone"
    lone.mkdir()
    (lone / "f.csv").write_text((saved / "frontier" / "frontier.csv").read_text())
    assert main(["plot", str(lone / "f.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "f.json" in err and "p, eta, d, eps" in err


@pytest.mark.parametrize("args, needle", [
    (["--format", "png,gif"], "--format"),
    (["--style", "no-such-style"], "--style"),
])
def test_bad_options_name_themselves(saved, tmp_path, capsys, args, needle):
    assert main(["plot", str(saved / "frontier" / "frontier.json"), "--out", str(tmp_path), *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and needle in err


def test_files_that_are_not_results(tmp_path, capsys):
    (tmp_path / "x.json").write_text(json.dumps({"something": 1}))
    (tmp_path / "x.txt").write_text("hello")
    for name, needle in (("x.json", "none of the results"), ("x.txt", "'.txt'"), ("missing.nc", "does not exist")):
        assert main(["plot", str(tmp_path / name)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and needle in err and name in err


def test_the_dispatcher_is_a_table_a_row_can_be_added(tmp_path, monkeypatch):
    from robtheory.viz import replot as rp

    seen = []
    row = rp.Replotter("test result", ".json", lambda d: d.get("kind") == "test",
                       lambda d, path, out, formats, style: seen.append((d["x"], tuple(formats))) or [])
    monkeypatch.setattr(rp, "REPLOTTERS", [*rp.REPLOTTERS, row])
    (tmp_path / "t.json").write_text(json.dumps({"kind": "test", "x": 3}))
    assert rp.replot(tmp_path / "t.json", formats="png")[0] == "test result"
    assert seen == [(3, ("png",))]


def test_replot_torch_metrics(tmp_path, capsys):
    curve = {"n": [10, 100], "mean": [0.9, 0.95], "se": [0.01, 0.01]}
    metrics = {"experiment": "sample-size", "data": {"source": "mnist", "classes": [5, 7]},
               "settings": {"repeats": [3, 2]},
               "results": {"curves": [dict(curve, constraint=None, eps_train=0.0),
                                      dict(curve, constraint="2", eps_train=0.5),
                                      dict(curve, constraint="inf", eps_train=0.1)]}}
    (tmp_path / "metrics.json").write_text(json.dumps(metrics))
    assert main(["plot", str(tmp_path / "metrics.json"), "--format", "png"]) == 0
    assert (tmp_path / "fig1_fig6_sample_size.png").stat().st_size > 0
    assert "torch experiment" in capsys.readouterr().err
    (tmp_path / "metrics.json").write_text(json.dumps(dict(metrics, experiment="gradients")))
    assert main(["plot", str(tmp_path / "metrics.json")]) == 2
    assert "rerun 'robtheory torch gradients" in capsys.readouterr().err


@pytest.mark.parametrize("command,stem,args", [
    ("learning-curve", "learning_curve", ["--n", "1,4,16", "--eps-train", "0,0.5", "--trials", "4"]),
    ("transfer", "transfer", ["--n", "10,100", "--eps", "0.2", "--trials", "4"]),
    ("feature-selection", "feature_selection", ["--n", "10,100", "--t", "0.2,0.5", "--eps", "0.2", "--trials", "4"]),
])
def test_replot_finite_sample_results_without_recomputing(command, stem, args, tmp_path, capsys, monkeypatch):
    """learning-curve, transfer and feature-selection datasets are rows of the dispatch table."""
    import robtheory.finite.learning_curve as lc
    import robtheory.finite.transfer as tr

    run = tmp_path / "run"
    assert main([command, "--p", "0.9", "--eta", "0.3", "--d", "10", *args, "--out", str(run)]) == 0
    capsys.readouterr()
    for mod in (lc, tr):  # nothing is recomputed
        for name in [n for n in dir(mod) if n.startswith(("learning_curve", "transfer_curve"))]:
            monkeypatch.setattr(mod, name, lambda *a, **k: pytest.fail("recomputed"))
    out = tmp_path / "re"
    assert main(["plot", str(run / f"{stem}.nc"), "--out", str(out), "--format", "svg"]) == 0
    drawn = sorted(p.name for p in out.iterdir())
    assert drawn and all(n.endswith(".svg") for n in drawn)
    assert all((out / n).stat().st_size > 5000 for n in drawn)
    assert command.replace("-", " ") in capsys.readouterr().err.replace("-", " ")
