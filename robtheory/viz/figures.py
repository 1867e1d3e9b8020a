"""Figure files of the commands: each function draws with :mod:`robtheory.viz.plot` on a fresh
figure, saves it in the given formats into a folder and returns the paths written.

These are the callers that :mod:`robtheory.viz.plot` leaves the saving to (``robtheory frontier
--out``, ``robtheory phase``); matplotlib is imported here, under the Agg backend, only when a
function runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from robtheory.viz.style import FORMATS

if TYPE_CHECKING:
    from robtheory.claims.frontier_mc import FrontierMC
    from robtheory.theory.frontier import Frontier

__all__ = ["PHASE_FIGURE_VARIABLES", "phase_axes", "save_frontier_figure", "save_phase_figures",
           "save_phase_mc_figure"]

#: The variables of a phase grid drawn by ``robtheory phase``, one figure each.
PHASE_FIGURE_VARIABLES = ("bayes_standard", "averaging_robust", "bayes_robust", "optimal_robust", "price", "regime")

#: Order in which grid axes are preferred for a phase figure (among axes of equal length).
_AXIS_ORDER = ("eta", "mu", "eps", "eps_over_eta", "p", "d")


def _pyplot() -> Any:
    from robtheory.viz.style import pyplot

    return pyplot()


def _save(fig: Any, out: Path, stem: str, formats: Sequence[str], dpi: int | None = None) -> list[Path]:
    from robtheory.viz.style import save

    return save(fig, out, stem, formats)


def save_frontier_figure(out_dir: str | Path, front: Frontier, mc: FrontierMC | Mapping[str, Any] | None = None, *,
                         stem: str = "frontier", formats: Sequence[str] = FORMATS,
                         style: Mapping[str, Any] | str | None = None) -> list[Path]:
    """Draw ``front`` (and the Monte Carlo points of ``mc``, a
    :class:`robtheory.claims.frontier_mc.FrontierMC`) into ``out_dir/stem.{formats}``."""
    from robtheory.viz.plot import plot_frontier, plot_frontier_mc
    from robtheory.viz.style import style as _style

    with _style(style):
        plt = _pyplot()
        fig, ax = plt.subplots(figsize=(5.6, 5.0))
        plot_frontier(ax, front)
        if mc is not None:
            plot_frontier_mc(ax, mc)
        return _save(fig, Path(out_dir), stem, formats)


def phase_axes(ds: Any) -> tuple[str, str]:
    """The (x, y) axes of a phase heat map: the two longest grid axes, the threat radius on y and
    the weak-feature mean on x when they are among them (see :func:`robtheory.viz.phase.layout`)."""
    from robtheory.viz.phase import AXIS_ORDER, layout

    lay = layout(ds)
    if lay["mode"] == "map":
        return lay["x"], lay["y"]
    dims = sorted(ds["regime"].dims, key=lambda k: (-ds.sizes[k], AXIS_ORDER.index(k)))
    return dims[0], dims[1]


def _slice_stem(stem: str, fixed: Mapping[str, Any]) -> str:
    """``phase_price__p=0.9_d=10``: the file of one slice, named by its fixed values."""
    import numpy as np

    def fmt(k: str, v: Any) -> str:
        v = float(np.asarray(v))
        return f"{k}={int(v)}" if k == "d" and v.is_integer() else f"{k}={v:.6g}"

    return stem + "__" + "_".join(fmt(k, v) for k, v in fixed.items()) if fixed else stem


def _outside_legend(fig: Any, axes: Sequence[Any], extra: Sequence[tuple[Any, str]] = ()) -> None:
    """One legend for the figure, below the panels (never over data), of every labelled artist."""
    seen: dict[str, Any] = {}
    for h, lab in extra:
        seen.setdefault(lab, h)
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            seen.setdefault(lab, h)
    if seen:
        fig.legend(list(seen.values()), list(seen), loc="outside lower center", ncol=min(3, len(seen)))


def save_phase_figures(out_dir: str | Path, ds: Any, *, variables: Sequence[str] = PHASE_FIGURE_VARIABLES,
                       formats: Sequence[str] = FORMATS, style: Mapping[str, Any] | str | None = None) -> list[Path]:
    """The figures of the phase grid ``ds`` (:func:`robtheory.phase.phase_grid`); return the paths.

    Laid out by :func:`robtheory.viz.phase.layout`: a grid of one point gives ``phase_point``
    (its accuracies as bars); otherwise one figure per variable, ``phase_VAR`` -- line plots
    for a 1-D sweep, heat maps over the two longest axes else -- with every slice of the other
    axes drawn: as panels of one figure up to :data:`robtheory.viz.phase.MAX_PANELS`, else as
    one file per slice, ``phase_VAR__p=0.9_d=10``.
    """
    import numpy as np

    from robtheory.viz.phase import (MAX_PANELS, REGIME_COLORS, layout, plot_phase_line, plot_phase_map,
                                     plot_phase_point, regime_labels, slices)
    from robtheory.viz.style import style as _style

    out = Path(out_dir)
    lay = layout(ds)
    paths: list[Path] = []
    with _style(style):
        plt = _pyplot()
        if lay["mode"] == "point":
            fig, ax = plt.subplots(figsize=(6.4, 3.6))
            plot_phase_point(ax, ds)
            return _save(fig, out, "phase_point", formats)
        combos = slices(ds, lay["facets"])
        per_file = len(combos) > MAX_PANELS
        groups = [[c] for c in combos] if per_file else [combos]
        for var in variables:
            if var not in ds:
                continue
            finite = ds[var].values[np.isfinite(ds[var].values)]
            vmin, vmax = (float(finite.min()), float(finite.max())) if finite.size else (None, None)
            for group in groups:
                n = len(group)
                ncols = ds.sizes[lay["facets"][-1]] if len(lay["facets"]) == 2 and n > 1 else min(n, 3)
                nrows = -(-n // ncols)
                w, h = (4.2, 3.2) if lay["mode"] == "map" else (4.6, 3.0)
                fig, axs = plt.subplots(nrows, ncols, figsize=(w * ncols + 1.0, h * nrows + 0.9), squeeze=False,
                                        sharex=True, sharey=True)
                used = []
                for ax, fixed in zip(axs.flat, group):
                    sl = ds.sel(fixed) if fixed else ds
                    others = {k: sl[k].values[0] for k in sl["regime"].dims
                              if k not in (lay["x"], lay["y"], lay["hue"]) and sl.sizes[k] == 1}
                    sl = sl.isel({k: 0 for k in others})
                    if lay["mode"] == "map":
                        plot_phase_map(ax, sl, var, lay["x"], lay["y"], vmin=vmin, vmax=vmax, colorbar=False)
                    else:
                        plot_phase_line(ax, sl, var, lay["x"], lay["hue"])
                    used.append(ax)
                for ax in list(axs.flat)[n:]:
                    ax.remove()
                extra = []
                if lay["mode"] == "map" and var == "regime":
                    import matplotlib.patches as mpatches

                    extra = [(mpatches.Patch(color=c), lab)
                             for c, lab in zip(REGIME_COLORS, regime_labels(ds["regime"]).values())]
                elif lay["mode"] == "map":
                    from robtheory.viz.style import label, wrap

                    fig.colorbar(used[0].collections[0], ax=used, label=wrap(label(var, ds[var].attrs)), shrink=0.9)
                _outside_legend(fig, used, extra)
                stem = _slice_stem(f"phase_{var}", group[0]) if per_file else f"phase_{var}"
                paths += _save(fig, out, stem, formats)
    return paths


def save_phase_mc_figure(out_dir: str | Path, mc: Any, *, stem: str = "phase_mc_residuals",
                         formats: Sequence[str] = FORMATS, style: Mapping[str, Any] | str | None = None) -> list[Path]:
    """The residual figure of a phase-grid Monte Carlo overlay
    (:func:`robtheory.experiments.phase_mc.mc_overlay`), ``out_dir/stem.{formats}``."""
    from robtheory.viz.plot import plot_mc_residuals
    from robtheory.viz.style import style as _style

    with _style(style):
        fig, ax = _pyplot().subplots(figsize=(8.0, 4.2))
        plot_mc_residuals(ax, mc)
        return _save(fig, Path(out_dir), stem, formats)
