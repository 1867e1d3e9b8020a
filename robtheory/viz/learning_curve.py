"""Figures of the learning curves (the paper's Fig. 1 in the toy model) and of the crossover planes.

Plot functions take an Axes and return it; :func:`save_learning_curve_figures` writes the files
(PDF, SVG and PNG) of ``robtheory learning-curve``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["plot_learning_curve", "plot_gap_plane", "save_learning_curve_figures"]

#: Normal quantile of the 95% bands.
_Z95 = 1.959963984540054


def plot_learning_curve(ax: Any, ds: Any, *, learner: str | None = None) -> Any:
    """Expected standard accuracy against n, one line per eps_train, with 95% bands (Monte Carlo),
    the exact curve where there is one (dashed) and the exact weak-features-dropped curve (dotted);
    crossover sample sizes as vertical lines."""
    learner = str(ds.learner.values[0]) if learner is None else learner
    sub = ds.sel(learner=learner)
    n = sub.n.values
    for e in sub.eps_train.values:
        row = sub.sel(eps_train=e)
        m, se = row.standard_accuracy.values, row.standard_accuracy_se.values
        label = "standard training" if e == 0 else rf"adversarial training, $\varepsilon_{{train}}={e:g}$"
        (line,) = ax.plot(n, m, marker="o", ms=3, label=label)
        ax.fill_between(n, m - _Z95 * se, m + _Z95 * se, color=line.get_color(), alpha=0.2, lw=0)
        ex = row.standard_accuracy_exact.values
        if np.any(np.isfinite(ex)):
            ax.plot(n, ex, ls="--", color=line.get_color(), lw=1, label="exact expectation")
        c = int(row.crossover_n_exact.values) if "crossover_n_exact" in row else -1
        if c > 0:
            ax.axvline(c, color=line.get_color(), ls=":", lw=1)
    if learner == "mean" and "dropped_standard_accuracy_exact" in sub:
        ax.plot(n, sub.dropped_standard_accuracy_exact.values, ls=":", color="k", lw=1,
                label=r"weak features dropped (exact; $n\to\infty$ limit for $\varepsilon_{train}\geq\eta$)")
    ax.set_xscale("log")
    ax.set_xlabel("training-set size $n$")
    ax.set_ylabel("expected standard accuracy")
    ax.set_title(rf"$p={ds.attrs['p']:g}$, $\eta={ds.attrs['eta']:g}$, $d={ds.attrs['d']}$, learner: {learner}")
    ax.legend(fontsize="small", loc="lower right")
    return ax


def _edges(v: np.ndarray, log: bool) -> np.ndarray:
    """Cell edges around the values ``v`` (increasing): midpoints, geometric ones on a log axis."""
    v = np.asarray(v, dtype=float)
    t = np.log(v) if log else v
    if t.size == 1:
        half = 0.5 * np.log(10) if log else 0.5 * max(abs(t[0]), 1.0)
        e = np.array([t[0] - half, t[0] + half])
    else:
        mid = (t[1:] + t[:-1]) / 2
        e = np.concatenate([[t[0] - (mid[0] - t[0])], mid, [t[-1] + (t[-1] - mid[-1])]])
    return np.exp(e) if log else e


def plot_gap_plane(ax: Any, n: np.ndarray, y: np.ndarray, gap: np.ndarray, ylabel: str,
                   crossover: np.ndarray | None = None, log_y: bool = False) -> Any:
    """The accuracy gap (standard minus adversarial training) over (n, y), diverging colours at 0,
    with the crossover n* curve; cells centred on the values (geometrically on log axes)."""
    lim = float(np.nanmax(np.abs(gap))) or 1.0
    mesh = ax.pcolormesh(_edges(n, True), _edges(y, log_y), gap, cmap="RdBu", vmin=-lim, vmax=lim, shading="flat")
    ax.figure.colorbar(mesh, ax=ax, label="standard minus adversarial training, standard accuracy")
    if crossover is not None:
        ok = crossover > 0
        ax.plot(crossover[ok], y[ok], "k-o", ms=3, label=r"crossover $n^*$")
        ax.legend(fontsize="small", loc="upper right")
    ax.set_xscale("log")
    if log_y:
        ax.set_yscale("log")
    ax.set_xlabel("training-set size $n$")
    ax.set_ylabel(ylabel)
    return ax


def save_learning_curve_figures(out_dir: str | Path, datasets: list[Any], formats=("png", "pdf", "svg")) -> list[Path]:
    """Write ``learning_curve[_d{d}].{png,pdf,svg}``; with several eps_train the (n, eps_train)
    gap plane, with several d the (n, d) plane of the exact mean-learner gap."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from robtheory.viz.style import save as _save

    out = Path(out_dir)
    paths: list[Path] = []

    def save(fig: Any, stem: str) -> None:
        paths.extend(_save(fig, out, stem, formats))

    for ds in datasets:
        stem = "learning_curve" if len(datasets) == 1 else f"learning_curve_d{ds.attrs['d']}"
        fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
        plot_learning_curve(ax, ds)
        save(fig, stem)
        sub = ds.isel(learner=0)
        if sub.eps_train.size > 1 and sub.n.size > 1 and 0 in sub.eps_train.values:
            base = sub.sel(eps_train=0).standard_accuracy.values
            gap = base[None, :] - sub.standard_accuracy.values
            fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
            plot_gap_plane(ax, sub.n.values, sub.eps_train.values, gap, r"$\varepsilon_{train}$",
                           sub.crossover_n.values.astype(float))
            save(fig, stem.replace("learning_curve", "gap_n_eps_train"))
    if len(datasets) > 1 and all("gap_exact" in ds for ds in datasets):
        d = np.array([ds.attrs["d"] for ds in datasets])
        gap = np.stack([ds.gap_exact.values for ds in datasets])
        cross = np.array([float(ds.attrs.get("crossover_n_dropped", -1)) for ds in datasets])
        fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
        plot_gap_plane(ax, datasets[0].n.values, d, gap, "$d$ (weak features)", cross, log_y=True)
        ax.set_yscale("log")
        ax.set_title("mean learner: standard minus weak-features-dropped (exact)")
        save(fig, "gap_n_d")
    return paths
