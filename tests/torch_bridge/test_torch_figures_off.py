"""``robtheory verify`` runs the torch column's experiment without drawing figures unless it writes
a report: the figures are shown nowhere else, and drawing them was a quarter of the column's time."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("torch", reason="torch not installed (pip install 'robtheory[torch]')")

from robtheory import cli
from robtheory.torch_bridge import column as torch_column
from robtheory.torch_bridge import experiments, figures
from robtheory.torch_bridge.experiments import RunContext


def _counting_figures(monkeypatch) -> list[str]:
    drawn: list[str] = []

    def fake(result, arrays):
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        drawn.append(sorted(arrays)[0] if arrays else "-")
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, 1])
        return [("fake", fig)]

    monkeypatch.setitem(figures.FIGURES, "toy", fake)
    return drawn


@pytest.mark.parametrize("draw", [True, False])
def test_run_context_saves_the_arrays_and_draws_only_when_asked(tmp_path, monkeypatch, draw):
    drawn = _counting_figures(monkeypatch)
    ctx = RunContext(out=tmp_path, quick=True, draw_figures=draw)
    result: dict = {}
    ctx.draw("toy", result, {"margins": np.arange(3.0)})
    # the numbers a later 'robtheory plot' draws from are saved either way
    with np.load(tmp_path / figures.ARRAYS_FILE) as z:
        assert z["margins"].tolist() == [0.0, 1.0, 2.0]
    assert result["figure_data"]["arrays"] == figures.ARRAYS_FILE
    assert drawn == (["margins"] if draw else [])
    assert ctx.figures == (["fake.png"] if draw else [])
    assert (tmp_path / "fake.png").exists() is draw


@pytest.mark.parametrize("draw", [True, False])
def test_run_experiment_passes_figures_to_the_experiment(tmp_path, monkeypatch, draw):
    drawn = _counting_figures(monkeypatch)

    def tiny(ctx):  # stands in for the toy experiment: one figure from one array
        out = {"checks": {}, "effect": {"reproduced": True, "detail": ""}}
        ctx.draw("toy", out, {"a": np.zeros(2)})
        return out

    monkeypatch.setattr("robtheory.torch_bridge.experiments.toy.run", tiny)
    m = experiments.run_experiment("toy", tmp_path, quick=True, figures=draw)
    assert drawn == (["a"] if draw else []) and m["figures"] == (["fake.png"] if draw else [])
    assert json.loads((tmp_path / "metrics.json").read_text())["figure_data"]["arrays"] == figures.ARRAYS_FILE


class _Stop(Exception):
    pass


@pytest.mark.parametrize("report", [False, True])
def test_verify_draws_the_torch_figures_only_for_a_report(tmp_path, monkeypatch, report):
    made = []

    class Recorder:
        def __init__(self, quick=True, seed=0, figures=True):
            made.append({"quick": quick, "seed": seed, "figures": figures})
            raise _Stop  # the options are what this test is about: nothing is trained

    monkeypatch.setattr(torch_column, "TorchColumn", Recorder)
    monkeypatch.setattr("robtheory.torch_bridge.torch_available", lambda: True)
    argv = ["verify", "--claim", "claim_a", "--no-mc", "--no-proofs"]
    if report:
        argv += ["--report", str(tmp_path / "rep")]
    with pytest.raises(_Stop):
        cli.main(argv)
    assert made == [{"quick": True, "seed": 0, "figures": report}]
