"""Redraw the figures of a saved torch experiment from its ``metrics.json`` (no training, and no
torch import: only what was saved is drawn).

Each experiment's figures are drawn by one function of
:data:`robtheory.torch_bridge.figures.FIGURES`, called both by the experiment's run and here. It
reads the experiment's results in ``metrics.json`` and, for figures that draw large arrays
(images, weights, gradients, per-sample margins), the sidecar ``figure_data.npz`` written beside
it (named in ``metrics.json`` under ``figure_data.arrays``). A ``metrics.json`` written before
these arrays were saved is not redrawn: :func:`replot_metrics` says to rerun the experiment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from robtheory.torch_bridge.figures import FIGURES

__all__ = ["FROM_METRICS", "REPLOTTER", "replot_metrics"]

#: Experiment name -> a function of (metrics, arrays) returning (file stem, figure) pairs (the
#: experiments' own drawing functions).
FROM_METRICS = FIGURES


def _rerun(name: str, why: str) -> ValueError:
    return ValueError(f"the figures of torch experiment {name!r} need {why}; rerun 'robtheory torch {name} "
                      f"--out DIR' (redrawn from metrics: {', '.join(FROM_METRICS)})")


def _arrays(metrics: Mapping[str, Any], name: str, source_dir: str | Path | None) -> dict:
    """The arrays of the sidecar that ``metrics`` names (empty if it names none)."""
    import numpy as np

    file = (metrics.get("figure_data") or {}).get("arrays")
    if file is None:
        return {}
    if source_dir is None:
        raise ValueError(f"the figures of torch experiment {name!r} draw arrays from {file!r}; "
                         "pass source_dir, the folder of its metrics.json")
    path = Path(source_dir) / str(file)
    if not path.is_file():
        raise ValueError(f"the figures of torch experiment {name!r} draw arrays from {str(path)!r}, "
                         "which does not exist (copy it beside metrics.json)")
    with np.load(path) as z:
        return {k: z[k] for k in z.files}


def replot_metrics(metrics: Mapping[str, Any], out_dir: str | Path, *, formats: Sequence[str] = ("png", "pdf", "svg"),
                   style: Mapping[str, Any] | str | None = None, source_dir: str | Path | None = None) -> list[Path]:
    """Draw the figures of the experiment whose ``metrics.json`` is ``metrics`` into ``out_dir``.

    ``source_dir`` is the folder of that ``metrics.json``, where its ``figure_data.npz`` (if it
    names one) lies. Raises ValueError if the experiment is unknown or its metrics lack the saved
    figure data (written by an older robtheory: rerun it).
    """
    from robtheory.viz.style import save
    from robtheory.viz.style import style as _style

    name = str(metrics.get("experiment"))
    if name not in FROM_METRICS:
        raise _rerun(name, "data that robtheory plot cannot draw")
    arrays = _arrays(metrics, name, source_dir)
    paths: list[Path] = []
    with _style(style):
        try:
            figures = FROM_METRICS[name](metrics, arrays)
        except KeyError as exc:  # saved by a version that did not keep the figure data
            raise _rerun(name, f"figure data that this metrics.json does not hold ({exc.args[0]!r} is missing)") from None
        except TypeError as exc:
            raise _rerun(name, f"figure data that this metrics.json does not hold ({exc})") from None
        for stem, fig in figures:
            paths += save(fig, out_dir, stem, formats)
    return paths


def _draw(doc, path, out, formats, style) -> list[Path]:
    return replot_metrics(doc, out, formats=formats, style=style, source_dir=Path(path).parent)


def _row():
    from robtheory.viz.replot import Replotter

    return Replotter("torch experiment metrics (robtheory torch --out)", ".json",
                     lambda d: isinstance(d, dict) and "experiment" in d and "results" in d, _draw)


#: The row of :data:`robtheory.viz.replot.REPLOTTERS`'s table for a torch ``metrics.json``
#: (``robtheory plot`` adds it; the viz layer does not import the torch bridge).
REPLOTTER = _row()
