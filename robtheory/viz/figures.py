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
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, out: Path, stem: str, formats: Sequence[str], dpi: int) -> list[Path]:
    paths = []
    for ext in formats:
        path = out / f"{stem}.{ext}"
        fig.savefig(path, dpi=dpi)
        paths.append(path)
    return paths


def save_frontier_figure(out_dir: str | Path, front: Frontier, mc: FrontierMC | Mapping[str, Any] | None = None, *,
                         stem: str = "frontier", formats: Sequence[str] = ("png", "pdf")) -> list[Path]:
    """Draw ``front`` (and the Monte Carlo points of ``mc``, a
    :class:`robtheory.claims.frontier_mc.FrontierMC`) into ``out_dir/stem.{formats}``."""
    from robtheory.viz.plot import plot_frontier, plot_frontier_mc

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 4))
    plot_frontier(ax, front)
    if mc is not None:
        plot_frontier_mc(ax, mc)
    fig.tight_layout()
    try:
        return _save(fig, Path(out_dir), stem, formats, 150)
    finally:
        plt.close(fig)


def phase_axes(ds: Any) -> tuple[str, str]:
    """The (x, y) axes of a phase figure: the two longest grid axes, the threat radius on y and
    the weak-feature mean on x when they are among them."""
    dims = sorted(ds["regime"].dims, key=lambda k: (-ds.sizes[k], _AXIS_ORDER.index(k)))
    x, y = dims[0], dims[1]
    if x in ("eps", "eps_over_eta") or y in ("eta", "mu"):
        x, y = y, x
    return x, y


def save_phase_figures(out_dir: str | Path, ds: Any, *, variables: Sequence[str] = PHASE_FIGURE_VARIABLES,
                       formats: Sequence[str] = ("png", "pdf")) -> list[Path]:
    """One figure per variable of the phase grid ``ds`` (:func:`robtheory.phase.phase_grid`),
    ``out_dir/phase_VAR.{formats}``, over the axes :func:`phase_axes` picks."""
    from robtheory.viz.plot import plot_phase

    plt = _pyplot()
    x, y = phase_axes(ds)
    paths: list[Path] = []
    for var in variables:
        fig, ax = plt.subplots(figsize=(5.5, 4.2))
        plot_phase(ax, ds, var, x, y)
        fig.tight_layout()
        try:
            paths += _save(fig, Path(out_dir), f"phase_{var}", formats, 120)
        finally:
            plt.close(fig)
    return paths


def save_phase_mc_figure(out_dir: str | Path, mc: Any, *, stem: str = "phase_mc_residuals",
                         formats: Sequence[str] = ("png", "pdf")) -> list[Path]:
    """The residual figure of a phase-grid Monte Carlo overlay
    (:func:`robtheory.experiments.phase_mc.mc_overlay`), ``out_dir/stem.{formats}``."""
    from robtheory.viz.plot import plot_mc_residuals

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8.0, 4.2))
    plot_mc_residuals(ax, mc)
    fig.tight_layout()
    try:
        return _save(fig, Path(out_dir), stem, formats, 120)
    finally:
        plt.close(fig)
