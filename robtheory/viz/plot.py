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
    below 1 (its legend entry says when it coincides with the curve, as it does at eps = 2 eta,
    where the frontier is exact); the point of :math:`\\mathrm{sign}(x_1)` is marked and named in
    the legend when it lies in the curve's range. The axes are fitted to the curve.
    """
    m, t = front.model, front.threat
    sa = np.asarray(front.standard_accuracy, float)
    ra = np.asarray(front.robust_accuracy, float)
    if label is None:
        label = f"{_FAMILY_WORDS.get(front.family, front.family)} ({'exact' if front.exact else 'achievable'})"
    att = getattr(front, "attained", None)
    if att is None or np.all(att):
        ax.plot(sa, ra, label=label, zorder=3, **style)
    else:  # a staircase: the steps (points no classifier attains, each dominated) dashed
        att = np.asarray(att, dtype=bool)
        solid = att[:-1] & att[1:]
        line = ax.plot(np.where(np.r_[solid, False] | np.r_[False, solid], sa, np.nan),
                       np.where(np.r_[solid, False] | np.r_[False, solid], ra, np.nan), label=label, zorder=3,
                       **style)[0]
        xs, ys = [], []  # each run of segments with an end not attained, as one polyline (one dash pattern)
        seg = np.r_[False, ~solid, False].astype(int)
        for a, b in zip(np.flatnonzero(np.diff(seg) == 1), np.flatnonzero(np.diff(seg) == -1)):
            xs += [*sa[a:b + 1], np.nan]
            ys += [*ra[a:b + 1], np.nan]
        ax.plot(xs, ys, ls=(0, (2, 2)), color=line.get_color(), lw=line.get_linewidth(), zorder=3,
                label="step of the frontier (dominated by the corner's classifier, not attained)")
    xlo, xhi = _fit(sa)
    ylo, yhi = _fit(ra)
    if show_bound and np.all(np.isfinite(front.bound)) and m.p < 1:
        s = np.linspace(sa.min(), sa.max(), 200)
        b = m.p / (1 - m.p) * (1 - s)
        ok = b <= 1
        on_curve = m.p / (1 - m.p) * (1 - sa)
        # "coincide" as a reader sees it: within 0.5% of the plotted range everywhere
        span = max(float(np.ptp(ra)), float(np.ptp(sa)), 1e-12)
        coincide = bool(np.all(np.abs(on_curve - ra) <= 5e-3 * span))
        bl = "Theorem 2.1 bound $\\frac{p}{1-p}(1-\\mathrm{standard})$"
        if coincide:
            bl += f" (coincides with the curve of {label.split(' (')[0]})"
        ax.plot(s[ok], b[ok], ls=(0, (4, 3)), color="black", lw=1.0, label=bl, zorder=4)
    # sign(x1): standard accuracy p; robust p unless the adversary can flip x1
    px = (m.p, m.p if t.eps < 1 or not t.perturb_x1 else 0.0)
    if xlo <= px[0] <= xhi and ylo <= px[1] <= yhi:
        ax.plot([px[0]], [px[1]], "o", color="black", ms=4, zorder=5,
                label=f"$\\mathrm{{sign}}(x_1)$: standard {px[0]:g}, robust {px[1]:g}")
    ax.autoscale(enable=True, tight=False)  # the axes follow what is drawn: the curve (and bound)
    ax.set_xlabel("standard accuracy")
    sub = "\\infty" if t.norm == "linf" else "2"
    rad = f"$\\ell_{{{sub}}}$, $\\varepsilon = {t.eps:g}$"
    ax.set_ylabel(f"robust accuracy ({rad}{', weak features only' if not t.perturb_x1 else ''})")
    ax.set_title(f"$p = {m.p:g}$, $\\eta = {m.eta:g}$, $d = {m.d}$  ($\\mu=\\eta\\sqrt{{d}} = {m.mu:.3g}$)")
    _legend_outside(ax, "below")
    return ax


_FAMILY_WORDS = {"all": "all classifiers", "linear": "linear classifiers with bias",
                 "linear-unbiased": "linear classifiers without bias"}


def _fit(v, frac: float = 0.06, floor: float = 1e-4):
    """Axis limits around the values ``v``: their range padded by ``frac`` of it (at least
    ``floor``), clipped to [0, 1] where the values are accuracies."""
    v = np.asarray(v, float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return 0.0, 1.0
    lo, hi = float(v.min()), float(v.max())
    pad = max(frac * (hi - lo), floor)
    return max(lo - pad, 0.0 if lo >= 0 else lo - pad), min(hi + pad, 1.0 + pad if hi <= 1 else hi + pad)


def _legend_outside(ax, where: str = "right", **kw):
    """A legend outside the data: to the right of the axes, or below them (``where="below"``,
    for long entries; constrained layout makes room for it)."""
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return
    if where == "below":
        ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.16), borderaxespad=0.0, **kw)
    else:
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, **kw)


def plot_phase(ax, ds, var: str, x: str, y: str | None = None, *, boundaries: bool = True, **sel):
    """``ds[var]`` over the axes ``x`` (and ``y``) of a phase grid, the other axes fixed by
    ``sel`` or at their first value: a heat map over (x, y) (:func:`robtheory.viz.phase.plot_phase_map`,
    ``regime`` as named categories) or, with ``y`` None or of one value, a line plot over x
    (:func:`robtheory.viz.phase.plot_phase_line`); with the eps = eta, 2 eta and 1 boundaries."""
    from robtheory.viz.phase import plot_phase_line, plot_phase_map

    keep = (x,) if y is None else (x, y)
    fixed = {dim: sel.get(dim, ds[dim].values[0]) for dim in ds[var].dims if dim not in keep}
    sl = ds.sel(fixed, method="nearest")
    if y is None or sl.sizes.get(y, 1) < 2:
        if y is not None:
            sl = sl.isel({y: 0})
        return plot_phase_line(ax, sl, var, x, boundaries=boundaries)
    plot_phase_map(ax, sl, var, x, y, boundaries=boundaries)
    _legend_outside(ax)
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
    _legend_outside(ax, "below")
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
