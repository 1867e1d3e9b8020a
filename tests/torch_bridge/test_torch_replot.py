"""``robtheory plot DIR/metrics.json`` redraws every torch experiment's figures from what the run
saved (``metrics.json`` and its ``figure_data.npz``), without training or importing torch.

Each experiment runs once in quick mode; while it runs, every figure its drawing function
returns is recorded as the data its panels draw (line and marker coordinates, image pixels).
The redraw must write the same figure files and draw the same data in every panel.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch not installed (pip install 'robtheory[torch]')")
import matplotlib  # noqa: E402

matplotlib.use("Agg")
from matplotlib.collections import Collection  # noqa: E402
from matplotlib.image import AxesImage  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from robtheory import cli  # noqa: E402
from robtheory.torch_bridge import figures as F  # noqa: E402
from robtheory.torch_bridge.experiments import run_experiment  # noqa: E402

#: every torch experiment of the catalogue (all have figures, all are redrawn)
REDRAWN = ["toy", "sample-size", "eps-sweep", "linear-features", "gradients", "large-eps", "interpolation"]


def _drawn(fig) -> list[list[np.ndarray]]:
    """What each panel of ``fig`` draws: its lines' points, its collections' points and its
    images' pixels, in drawing order (colour bars and empty panels count too)."""
    out = []
    for ax in fig.axes:
        items = []
        for a in ax.get_children():
            if isinstance(a, Line2D) and len(np.atleast_1d(a.get_xdata())):
                items.append(np.asarray(a.get_xydata(), dtype=float))
            elif isinstance(a, Collection) and len(a.get_paths()):
                items.append(np.asarray(a.get_offsets(), dtype=float).ravel())
                items.extend(np.asarray(p.vertices, dtype=float) for p in a.get_paths()[:50])
            elif isinstance(a, AxesImage):
                items.append(np.ma.filled(np.asarray(a.get_array(), dtype=float), np.nan))
        out.append(items)
    return out


def _spy(monkeypatch, record: dict):
    """Record the drawn data of every figure any FIGURES function returns, by file stem."""
    for name, fn in list(F.FIGURES.items()):
        def spy(m, arrays, fn=fn):
            figs = fn(m, arrays)
            for stem, fig in figs:
                record[stem] = _drawn(fig)
            return figs
        monkeypatch.setitem(F.FIGURES, name, spy)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out = {}
    with pytest.MonkeyPatch.context() as mp:
        for name in REDRAWN:
            record: dict = {}
            _spy(mp, record)
            d = tmp_path_factory.mktemp(name.replace("-", "_"))
            run_experiment(name, d, quick=True, seed=0, progress=False)
            out[name] = (d, record)
            mp.undo()
    return out


def _same(a, b) -> bool:
    return len(a) == len(b) and all(
        len(pa) == len(pb) and all(x.shape == y.shape and np.allclose(x, y, equal_nan=True, rtol=1e-12, atol=0)
                                   for x, y in zip(pa, pb))
        for pa, pb in zip(a, b))


def _forbid_training(monkeypatch):
    """Training, attacking or importing torch during the redraw fails the test."""
    import robtheory.torch_bridge.attacks as A
    import robtheory.torch_bridge.experiments.digits_common as dc
    import robtheory.torch_bridge.train as T

    def boom(*a, **k):
        raise AssertionError("the redraw recomputed something")

    for mod, attr in ((T, "train"), (dc, "_fit"), (dc, "_evaluate"), (A, "pgd")):
        monkeypatch.setattr(mod, attr, boom)
    monkeypatch.setitem(sys.modules, "torch", None)  # 'import torch' now raises ImportError


@pytest.mark.parametrize("name", REDRAWN)
def test_plot_redraws_the_run_figures_from_saved_results(runs, name, tmp_path, monkeypatch, capsys):
    d, at_run = runs[name]
    metrics = json.loads((d / "metrics.json").read_text())
    stems = {f.rsplit(".", 1)[0] for f in metrics["figures"]}
    assert stems == set(at_run), "each figure the run saved was drawn by its FIGURES function"
    redrawn: dict = {}
    _spy(monkeypatch, redrawn)
    _forbid_training(monkeypatch)
    out = tmp_path / "redrawn"
    assert cli.main(["plot", str(d / "metrics.json"), "--out", str(out), "--format", "png"]) == 0, \
        capsys.readouterr().err
    assert {p.stem for p in out.glob("*.png")} == stems
    for stem in stems:
        blank = [i for i, items in enumerate(redrawn[stem]) if not items]
        assert not blank, f"{stem}: panels {blank} draw nothing"
        assert _same(redrawn[stem], at_run[stem]), f"{stem}: the redraw draws other data than the run"


@pytest.mark.parametrize("name", REDRAWN)
def test_a_metrics_json_without_its_figure_data_says_rerun(runs, name, tmp_path):
    """The negative control: a result missing what its figures need is refused, naming the experiment."""
    from robtheory.torch_bridge.replot import replot_metrics

    d, _ = runs[name]
    metrics = json.loads((d / "metrics.json").read_text())
    metrics["results"] = {}
    with pytest.raises(ValueError, match=f"'{name}'.*rerun 'robtheory torch {name}"):
        replot_metrics(metrics, tmp_path, formats=("png",), source_dir=d)


def test_a_missing_array_sidecar_is_named(runs, tmp_path):
    """metrics.json names its figure_data.npz; a copy of metrics.json without it is refused with the path."""
    import shutil

    from robtheory.torch_bridge.replot import replot_metrics

    d, _ = runs["linear-features"]
    metrics = json.loads((d / "metrics.json").read_text())
    assert metrics["figure_data"]["arrays"] == F.ARRAYS_FILE and (d / F.ARRAYS_FILE).is_file()
    shutil.copy(d / "metrics.json", tmp_path / "metrics.json")
    with pytest.raises(ValueError, match="figure_data.npz.*does not exist"):
        replot_metrics(metrics, tmp_path / "out", formats=("png",), source_dir=tmp_path)
    assert cli.main(["plot", str(tmp_path / "metrics.json"), "--out", str(tmp_path / "out")]) == 2


def test_every_catalogued_experiment_is_redrawn():
    from robtheory.torch_bridge.experiments import CATALOGUE
    from robtheory.torch_bridge.replot import FROM_METRICS

    assert set(REDRAWN) == set(CATALOGUE) == set(FROM_METRICS)
