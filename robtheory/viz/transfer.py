"""Figures of ``robtheory transfer`` and ``robtheory feature-selection``.

Plot functions take an Axes and return it (:func:`plot_transfer`, :func:`plot_selection`); the
``save_*`` functions draw them on a fresh figure and write ``DIR/<stem>.{pdf,svg,png}``.
matplotlib is imported only when a function runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["plot_transfer", "plot_selection", "save_transfer_figure", "save_selection_figure"]

_FORMATS = ("pdf", "svg", "png")


def plot_transfer(ax: Any, ds: Any, rate: str = "transfer_rate") -> Any:
    """``rate`` against the training-set size n (log axis), one line per (kind, eps), with a band of
    +-2 standard errors and the population limit (n -> infinity) as a dotted line."""
    label = {"transfer_rate": "transfer rate P(B fooled | A fooled, both right)",
             "fool_rate": r"fool rate P(B errs at $x + \delta_A$)"}[rate]
    n = ds["n"].values
    colours = iter(f"C{i}" for i in range(20))
    for kind in ds["kind"].values:
        for eps in ds["eps"].values:
            m = ds[rate].sel(kind=kind, eps=eps).values
            if not np.any(np.isfinite(m)):
                continue
            se = ds[f"{rate}_se"].sel(kind=kind, eps=eps).values
            c = next(colours)
            ax.plot(n, m, "o-", color=c, ms=3, label=rf"{kind}, $\varepsilon$={eps:g}")
            ax.fill_between(n, m - 2 * se, m + 2 * se, color=c, alpha=0.2, lw=0)
            lim = float(ds[f"{rate}_limit"].sel(kind=kind, eps=eps))
            if np.isfinite(lim):
                ax.axhline(lim, color=c, ls=":", lw=1)
    ax.set_xscale("log")
    ax.set_xlabel("training-set size $n$ (each model)")
    ax.set_ylabel(label)
    ax.set_ylim(-0.02, 1.02)
    ax.legend(fontsize=7, loc="best")
    return ax


def plot_selection(ax: Any, ds: Any, quantity: str = "robust_accuracy") -> Any:
    """Standard or robust accuracy of the feature-selected learner against n, one line per threshold t,
    +-2 SE bands, the robust learner (weak features dropped) in black and the limits dotted."""
    key = {"robust_accuracy": "robust", "standard_accuracy": "standard"}[quantity]
    n = ds["n"].values
    for i, t in enumerate(ds["t"].values):
        m = ds[key].sel(t=t).values
        se = ds[f"{key}_se"].sel(t=t).values
        c = f"C{i % 10}"
        ax.plot(n, m, "o-", color=c, ms=3, label=f"$|r_j| \\geq {t:g}$")
        ax.fill_between(n, m - 2 * se, m + 2 * se, color=c, alpha=0.2, lw=0)
        ax.axhline(float(ds[f"{key}_limit"].sel(t=t)), color=c, ls=":", lw=1)
    ax.plot(n, ds[f"robust_learner_{key}"].values, "k--", lw=1.5, label="robust learner ($x_1$ only)")
    if f"adversarial_svm_{key}" in ds:
        m, se = ds[f"adversarial_svm_{key}"].values, ds[f"adversarial_svm_{key}_se"].values
        ax.plot(n, m, "s-", color="0.4", ms=3, label="adversarially trained SVM")
        ax.fill_between(n, m - 2 * se, m + 2 * se, color="0.4", alpha=0.2, lw=0)
    ax.set_xscale("log")
    ax.set_xlabel("training-set size $n$")
    ax.set_ylabel({"robust": r"robust accuracy ($\varepsilon$ = " + f"{ds.attrs['eps']:g}, {ds.attrs['norm']})",
                   "standard": "standard accuracy"}[key])
    ax.set_ylim(-0.02, 1.02)
    ax.legend(fontsize=7, loc="best")
    return ax


def _two_panels(out_dir: str | Path, ds: Any, stem: str, formats: Sequence[str], draw: Any,
                quantities: tuple[str, str], title: str) -> list[Path]:
    """``draw(ax, ds, q)`` for each of the two quantities, side by side, written by
    :func:`robtheory.viz.style.save` as ``out_dir/stem.{formats}``."""
    from robtheory.viz.style import pyplot, save

    fig, axes = pyplot().subplots(1, 2, figsize=(10.4, 4.2), layout="constrained")
    for ax, q in zip(axes, quantities):
        draw(ax, ds, q)
    fig.suptitle(title, fontsize=9)
    return save(fig, out_dir, stem, formats)


def save_transfer_figure(out_dir: str | Path, ds: Any, *, stem: str = "transfer",
                         formats: Sequence[str] = _FORMATS) -> list[Path]:
    """Fool rate and transfer rate against n (two panels) into ``out_dir/stem.{formats}``."""
    a = ds.attrs
    return _two_panels(out_dir, ds, stem, formats, plot_transfer, ("fool_rate", "transfer_rate"),
                       f"Transfer between difference-of-means models: D(p={a['p']:g}, eta={a['eta']:g}, d={a['d']}), "
                       f"{a['norm']}, {a['pairs']} pairs of training sets")


def save_selection_figure(out_dir: str | Path, ds: Any, *, stem: str = "feature_selection",
                          formats: Sequence[str] = _FORMATS) -> list[Path]:
    """Standard and robust accuracy of feature selection against n (two panels) into ``out_dir/stem.{formats}``."""
    a = ds.attrs
    return _two_panels(out_dir, ds, stem, formats, plot_selection, ("standard_accuracy", "robust_accuracy"),
                       f"Feature selection by |empirical correlation| >= t: D(p={a['p']:g}, eta={a['eta']:g}, "
                       f"d={a['d']}), {a['trials']} training sets")
