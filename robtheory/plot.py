"""Plotting functions: each takes a matplotlib Axes, draws on it and returns it.

Figures are created and saved by the caller (the CLI, the validation scripts), so these
functions work under any backend; tests run them under Agg. matplotlib is imported by the
caller, never by ``import robtheory``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["plot_frontier"]


def plot_frontier(ax, front, *, label=None, show_bound: bool = True, **style):
    """Draw a :class:`robtheory.frontier.Frontier`: robust against standard accuracy.

    The Theorem 2.1 bound :math:`\\frac{p}{1-p}(1-\\mathrm{acc})` is drawn dashed where it is
    below 1, and the endpoint ``(p, p)`` (``sign(x1)``) is marked.
    """
    m, t = front.model, front.threat
    if label is None:
        label = f"{front.family} ({'exact' if front.exact else 'achievable'})"
    ax.plot(front.standard_accuracy, front.robust_accuracy, label=label, **style)
    if show_bound and np.all(np.isfinite(front.bound)):
        s = np.linspace(front.standard_accuracy.min(), front.standard_accuracy.max(), 200)
        b = m.p / (1 - m.p) * (1 - s)
        ok = b <= 1
        ax.plot(s[ok], b[ok], "--", color="gray", lw=1, label="Theorem 2.1 bound")
    ax.plot([m.p], [m.p if t.eps < 1 or not t.perturb_x1 else 0.0], "o", color="black", ms=4)
    ax.set_xlabel("standard accuracy")
    ax.set_ylabel(f"robust accuracy ({t.norm}, eps={t.eps:g}{', weak-only' if not t.perturb_x1 else ''})")
    ax.set_title(f"p={m.p:g}, eta={m.eta:g}, d={m.d}  (mu={m.mu:.3g})")
    ax.legend(loc="best", fontsize="small")
    return ax
