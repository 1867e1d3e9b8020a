"""Figures of the torch experiments that can be drawn from saved numbers alone (no torch import),
so that ``robtheory plot metrics.json`` redraws them without training."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_sample_size", "sample_size_figure", "source_title"]

#: How a figure title names each source (a reader has not seen the option value "digits8").
_SOURCE_TITLES = {"mnist": "MNIST (5,000-image subset)", "digits8": "scikit-learn 8x8 digits"}


def source_title(source: str) -> str:
    """The data source as a figure title names it: ``"digits8"`` -> ``"scikit-learn 8x8 digits"``."""
    return _SOURCE_TITLES.get(source, source)


def plot_sample_size(ax: Axes, curves: list[dict[str, Any]], constraint: str) -> Axes:
    """Standard accuracy against training-set size, one line per eps_train (error bars: SE)."""
    for c in curves:
        if c["constraint"] not in (constraint, None):
            continue
        label = ("standard training ($\\varepsilon_{train} = 0$)" if c["eps_train"] == 0
                 else f"$\\varepsilon_{{train}} = {c['eps_train']:.3g}$")
        ax.errorbar(c["n"], c["mean"], yerr=np.nan_to_num(c["se"]), marker="o", ms=3, capsize=2,
                    label=label, color="black" if c["eps_train"] == 0 else None)
    ax.set_xscale("log")
    ax.set_xlabel("training-set size n")
    ax.set_ylabel("standard test accuracy")
    ax.set_title(("$\\ell_\\infty$" if constraint == "inf" else "$\\ell_2$") + " adversarial training")
    ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)  # below: off the data
    return ax


def sample_size_figure(curves: list[dict[str, Any]], source: str, repeats: list[int], classes) -> Any:
    """Fig. 1 / Fig. 6 from the saved curves (``metrics.json``'s ``results.curves``): standard
    accuracy against n, l_2 and l_inf adversarial training side by side."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), layout="constrained", sharey=True)
    plot_sample_size(axes[0], [dict(c, constraint=c["constraint"] or "2") for c in curves], "2")
    plot_sample_size(axes[1], [dict(c, constraint=c["constraint"] or "inf") for c in curves], "inf")
    lo, hi = min(repeats), max(repeats)
    subsets = f"{lo}" if lo == hi else f"{lo} to {hi}"
    fig.suptitle(f"Fig. 1 / Fig. 6: {source_title(source)}, digit {classes[0]} vs {classes[1]}\n"
                 f"each point: the mean over {subsets} random training subsets of size n; error bars: standard error")
    return fig
