"""Plotting functions: each takes a matplotlib Axes, draws on it and returns it.

Figures are created and saved by the caller (the CLI, the validation scripts), so these
functions work under any backend; tests run them under Agg. matplotlib is imported by the
caller, never by ``import robtheory``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["plot_frontier", "plot_phase"]


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


def plot_phase(ax, ds, var: str, x: str, y: str, *, boundaries: bool = True, cmap="viridis", **sel):
    """Heat map of ``ds[var]`` over dimensions ``x`` and ``y`` (others fixed by ``sel`` or at
    their first value), with the analytic regime boundaries eps = eta, eps = 2 eta and eps = 1."""
    da = ds[var]
    fixed = {dim: sel.get(dim, ds[dim].values[0]) for dim in da.dims if dim not in (x, y)}
    sl = ds.sel(fixed, method="nearest")
    z = sl[var].transpose(y, x).values
    xs, ys = sl[x].values, sl[y].values
    mesh = ax.pcolormesh(xs, ys, z, shading="nearest", cmap=cmap)
    ax.figure.colorbar(mesh, ax=ax, label=var)
    if boundaries:
        # eta along the x axis (the other weak coordinate if x is mu or eta), then eps on y.
        if x in ("eta", "mu"):
            xx = np.linspace(xs.min(), xs.max(), 400)
            dval = float(sl["d"].values) if "d" in sl.coords and sl["d"].ndim == 0 else None
            eta = xx if x == "eta" else (xx / np.sqrt(dval) if dval else None)
            if eta is not None:
                if y == "eps":
                    curves = {"eps = eta": eta, "eps = 2 eta": 2 * eta, "eps = 1": np.ones_like(eta)}
                elif y == "eps_over_eta":
                    with np.errstate(divide="ignore"):
                        curves = {"eps = eta": np.ones_like(eta), "eps = 2 eta": 2 * np.ones_like(eta),
                                  "eps = 1": 1 / eta}
                else:
                    curves = {}
                for (name, yy), ls in zip(curves.items(), ("-", "--", ":")):
                    ok = np.isfinite(yy) & (yy >= ys.min()) & (yy <= ys.max())
                    if ok.any():
                        ax.plot(xx[ok], yy[ok], ls, color="white", lw=1.2, label=name)
                if curves:
                    ax.legend(loc="upper right", fontsize="x-small", facecolor="0.6", framealpha=0.7)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(f"{var}  ({', '.join(f'{k}={float(v):g}' for k, v in fixed.items())})", fontsize="small")
    return ax
