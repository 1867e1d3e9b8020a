"""Redraw the figures of a saved torch experiment from its ``metrics.json`` (no training, and no
torch import: only what the file holds is drawn).

:data:`FROM_METRICS` maps an experiment name to the function that draws its figure from the
metrics; an experiment whose figures need arrays that ``metrics.json`` does not hold (images,
gradients, per-sample margins) is not in it, and :func:`replot_metrics` says so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["FROM_METRICS", "REPLOTTER", "replot_metrics"]


def _sample_size(m: Mapping[str, Any]) -> list[tuple[str, Any]]:
    from robtheory.torch_bridge.figures import sample_size_figure

    data = m.get("data") or {}
    fig = sample_size_figure(m["results"]["curves"], str(data.get("source", "?")),
                             list(m["settings"]["repeats"]), tuple(data.get("classes") or ("?", "?")))
    return [("fig1_fig6_sample_size", fig)]


#: Experiment name -> a function of the metrics returning (file stem, figure) pairs.
FROM_METRICS: dict[str, Callable[[Mapping[str, Any]], list[tuple[str, Any]]]] = {
    "sample-size": _sample_size,
}


def replot_metrics(metrics: Mapping[str, Any], out_dir: str | Path, *, formats: Sequence[str] = ("png", "pdf", "svg"),
                   style: Mapping[str, Any] | str | None = None) -> list[Path]:
    """Draw the figures of the experiment whose ``metrics.json`` is ``metrics`` into ``out_dir``."""
    from robtheory.viz.style import save
    from robtheory.viz.style import style as _style

    name = str(metrics.get("experiment"))
    if name not in FROM_METRICS:
        raise ValueError(f"the figures of torch experiment {name!r} need arrays that metrics.json does not hold; "
                         f"rerun 'robtheory torch {name} --out DIR' (redrawn from metrics: "
                         f"{', '.join(FROM_METRICS)})")
    paths: list[Path] = []
    with _style(style):
        for stem, fig in FROM_METRICS[name](metrics):
            paths += save(fig, out_dir, stem, formats)
    return paths


def _draw(doc, path, out, formats, style) -> list[Path]:
    return replot_metrics(doc, out, formats=formats, style=style)


def _row():
    from robtheory.viz.replot import Replotter

    return Replotter("torch experiment metrics (robtheory torch --out)", ".json",
                     lambda d: isinstance(d, dict) and "experiment" in d and "results" in d, _draw)


#: The row of :data:`robtheory.viz.replot.REPLOTTERS`'s table for a torch ``metrics.json``
#: (``robtheory plot`` adds it; the viz layer does not import the torch bridge).
REPLOTTER = _row()
