"""Plotting functions: each takes a matplotlib Axes, draws on it and returns it.

Figures are created and saved by the caller (the CLI, the validation scripts), so these
functions work under any backend; tests run them under Agg. matplotlib is imported by the
caller, never by ``import robtheory``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["plot_frontier", "plot_frontier_mc", "plot_mc_residuals", "plot_phase", "plot_residuals"]


def plot_frontier(ax, front, *, label=None, show_bound: bool = True, **style):
    """Draw a :class:`robtheory.theory.frontier.Frontier`: robust against standard accuracy.

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
                if "adv_training_threshold" in sl and y in ("eps", "eps_over_eta"):
                    thr = sl["adv_training_threshold"].values
                    wv = sl[x].values
                    eta_pts = wv if x == "eta" else (wv / np.sqrt(dval) if dval else None)
                    if eta_pts is not None:
                        with np.errstate(divide="ignore", invalid="ignore"):
                            yy_thr = thr if y == "eps" else thr / eta_pts
                        ok = np.isfinite(yy_thr)
                        ax.plot(wv[ok], yy_thr[ok], "-.", color="red", lw=1.2,
                                label=f"adv. training drops weak features (lam={ds.attrs.get('lam', 0):g})")
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


def plot_mc_residuals(ax, ds_mc, *, threshold: bool = True):
    """Residuals (Monte Carlo - closed form) in standard-error units at each Monte Carlo point
    of :func:`robtheory.experiments.phase_mc.mc_overlay`, one marker per (classifier, kind), with the
    Bonferroni band ``+-z_threshold`` of the whole family."""
    markers = {"standard": "o", "robust": "s"}
    colors = {"averaging": "tab:blue", "bayes": "tab:orange"}
    x = np.arange(ds_mc.sizes["point"])
    width = 0.18
    for ci, c in enumerate(ds_mc["classifier"].values):
        for ki, k in enumerate(ds_mc["kind"].values):
            r = ds_mc["residual"].sel(classifier=c, kind=k).values
            shown = np.clip(r, -1e3, 1e3)  # an infinite residual (analytic 0 or 1) stays on the plot
            ax.plot(x + (2 * ci + ki - 1.5) * width, shown, markers.get(str(k), "o"),
                    color=colors.get(str(c)), ms=5, label=f"{c} {k}")
    ax.axhline(0.0, color="black", lw=0.8)
    z = ds_mc.attrs.get("z_threshold")
    if threshold and z is not None:
        for s in (-1, 1):
            ax.axhline(s * float(z), ls="--", color="gray", lw=1,
                       label=f"Bonferroni +-{float(z):.2f} (alpha={ds_mc.attrs.get('total_alpha', '?')})" if s > 0 else None)
    dims = [d for d in str(ds_mc.attrs.get("grid_dims", "p,eta,eps,d")).split(",") if d in ds_mc.coords]
    short = {"eps_over_eta": "eps/eta"}
    labels = ["\n".join(f"{short.get(d, d)}={float(ds_mc[d].values[i]):.3g}" for d in dims) for i in x]
    ax.set_xticks(x)
    ax.set_xticklabels(labels, fontsize="xx-small")
    ax.set_ylabel("(MC - closed form) / SE")
    ax.set_title(f"Monte Carlo residuals (n={ds_mc.attrs.get('n', '?')} per point, seed {ds_mc.attrs.get('seed', '?')})",
                 fontsize="small")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="x-small")
    return ax


def plot_frontier_mc(ax, mc, *, label=None, **style):
    """Overlay the Monte Carlo points of :func:`robtheory.claims.frontier_mc.frontier_mc` on a frontier plot.

    ``mc`` is a :class:`robtheory.claims.frontier_mc.FrontierMC` (or the dict ``frontier_mc``
    returns, read through it).

    Each estimated point is drawn at (standard estimate, robust estimate) with its
    Clopper--Pearson intervals as error bars in both directions, filled if both of its
    agreement tests pass and as a red cross if one fails.
    """
    from robtheory.claims.frontier_mc import FrontierMC

    if not isinstance(mc, FrontierMC):
        mc = FrontierMC.from_dict(mc)
    pts = mc.points
    ok = [p for p in pts if p.standard.passed and p.robust.passed]
    bad = [p for p in pts if p not in ok]
    if label is None:
        level = pts[0].standard.level if pts else 0.95
        label = f"Monte Carlo (n={mc.n}, {100 * level:g}% CI)"
    for group, fmt, color, lab in ((ok, "o", style.pop("color", "tab:red"), label),
                                   (bad, "x", "red", "Monte Carlo point rejected")):
        if not group:
            continue
        xs = np.array([p.standard.estimate for p in group])
        ys = np.array([p.robust.estimate for p in group])
        xerr = np.array([[x - p.standard.ci[0], p.standard.ci[1] - x] for x, p in zip(xs, group)]).T
        yerr = np.array([[y - p.robust.ci[0], p.robust.ci[1] - y] for y, p in zip(ys, group)]).T
        ax.errorbar(xs, ys, xerr=xerr, yerr=yerr, fmt=fmt, color=color, ms=4, capsize=2, lw=1,
                    label=lab, zorder=5, **style)
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_residuals(ax, labels, z, *, groups=None, threshold=None, threshold_label=None, clip: float = 10.0,
                   ylabel="(MC - closed form) / SE"):
    """Residuals in standard-error units, one column per label, with a +-threshold band.

    Parameters
    ----------
    ax : matplotlib Axes
    labels : sequence of str
        The column of each residual (e.g. the claim it belongs to); columns keep the order
        of first appearance, residuals of one column are spread slightly apart.
    z : sequence of float
        Residuals; ``None``/NaN/inf (an infinite residual: a closed form of 0 or 1 missed)
        are drawn as triangles at ``+-clip``.
    groups : sequence of str, optional
        A category per residual (e.g. ``"standard"``/``"robust"``), one marker each.
    threshold : float, optional
        The two-sided Bonferroni threshold of the family, drawn as dashed lines.
    """
    labels = [str(v) for v in labels]
    cols = list(dict.fromkeys(labels))
    pos = {c: i for i, c in enumerate(cols)}
    z = np.array([np.nan if v is None else float(v) for v in z], dtype=float)
    groups = ["residual"] * len(labels) if groups is None else [str(g) for g in groups]
    markers = ["o", "s", "D", "^", "v", "P"]
    seen: dict = {}
    offsets: dict = {}
    counts = {c: labels.count(c) for c in cols}
    for lab, zi, g in zip(labels, z, groups):
        k = offsets.get(lab, 0)
        offsets[lab] = k + 1
        width = min(0.1, 0.8 / counts[lab])  # the residuals of one column, centred on it
        x = pos[lab] + width * (k - (counts[lab] - 1) / 2)
        m = markers[list(dict.fromkeys(groups)).index(g) % len(markers)]
        if np.isfinite(zi) and abs(zi) <= clip:
            ax.plot([x], [zi], m, color=f"C{list(dict.fromkeys(groups)).index(g) % 10}", ms=4,
                    label=None if g in seen else g)
            seen[g] = True
        else:
            y = clip if (np.isnan(zi) or zi > 0) else -clip
            ax.plot([x], [y], "^" if y > 0 else "v", color="red", ms=6,
                    label=None if "beyond" in seen else f"|z| > {clip:g} or undefined")
            seen["beyond"] = True
    ax.axhline(0.0, color="black", lw=0.8)
    if threshold is not None and np.isfinite(threshold):
        for s in (-1, 1):
            ax.axhline(s * threshold, ls="--", color="gray", lw=1,
                       label=(threshold_label or f"+-{threshold:.2f}") if s > 0 else None)
    ax.set_xticks(range(len(cols)))
    ax.set_xticklabels(cols, rotation=60, ha="right", fontsize="x-small")
    ax.set_xlim(-0.6, len(cols) - 0.4)
    ax.set_ylabel(ylabel)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="x-small")
    return ax
