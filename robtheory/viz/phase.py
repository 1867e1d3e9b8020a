"""Phase-diagram figures of a :func:`robtheory.phase.phase_grid` Dataset.

A grid has four axes (p, eta or mu, eps or eps/eta, d), any of which may hold one value. Its
figures follow the axes that vary (:func:`layout`):

* none: one bar chart of the accuracies at the single point (:func:`plot_phase_point`);
* one, or a second one with fewer than 3 values: line plots over the longest axis, one line per
  value of the second (:func:`plot_phase_line`);
* two or more: heat maps over the two longest axes (:func:`plot_phase_map`), one panel per
  combination of the other axes' values (faceted in one figure up to :data:`MAX_PANELS` panels,
  else one file per slice named by its fixed values).

``regime`` is drawn as four named categories, and the analytic boundaries eps = eta and
eps = 2 eta (per coordinate: eps/sqrt(d) under l_2) and eps = 1 are drawn on every plane and
line where the budget varies across them, computed from the coordinates on a fine mesh (not read
off the grid's cells).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from robtheory.viz.style import label, value_label, wrap

__all__ = ["MAX_PANELS", "REGIME_COLORS", "layout", "plot_phase_line", "plot_phase_map", "plot_phase_point",
           "regime_labels"]

#: At most this many panels in one faceted figure; a grid with more slices gets one file per slice.
MAX_PANELS = 12

#: One colour per regime code 0-3 (Paul Tol's bright scheme: distinguishable in grey and for
#: colour-blind readers).
REGIME_COLORS = ("#4477AA", "#66CCEE", "#CCBB44", "#EE6677")

#: Order in which grid axes are preferred (among axes of equal length).
AXIS_ORDER = ("eta", "mu", "eps", "eps_over_eta", "p", "d")

_BOUNDARIES = ((1.0, "-", r"$\varepsilon = \eta$"), (2.0, "--", r"$\varepsilon = 2\eta$"))


def _math(text: str) -> str:
    """A regime meaning ('eta <= eps < 2 eta (Theorem 2.1)') as mathematics."""
    formula, _, remark = text.partition(" (")
    f = formula
    for a, b in (("eps/sqrt(d)", r"\varepsilon/\sqrt{d}"), ("<=", r"\leq"), (">=", r"\geq"), ("2 eta", r"2\eta"),
                 ("eps", r"\varepsilon"), ("eta", r"\eta")):
        f = f.replace(a, b)
    f = f.replace(r"\\eta", r"\eta")
    return f"${f}$" + (f" ({remark}" if remark else "")


def regime_labels(da: Any) -> dict[int, str]:
    """Regime code -> its meaning as mathematics, from the ``flag_values``/``flag_meanings``
    attributes of ``phase.nc``'s ``regime`` (the l_inf meanings if they are missing)."""
    from robtheory.phase import REGIMES

    vals = da.attrs.get("flag_values")
    means = da.attrs.get("flag_meanings")
    if vals is None or means is None:
        return {k: _math(v) for k, v in REGIMES.items()}
    return {int(v): _math(m.strip()) for v, m in zip(np.atleast_1d(vals), str(means).split(";"))}


def _norm_of(ds: Any) -> str:
    return str(ds.attrs.get("norm", "linf"))


def _budget(ds: Any, coords: dict[str, Any]) -> tuple[Any, Any]:
    """(per-coordinate budget / eta, eps) at coordinate values ``coords`` (arrays that broadcast),
    from the grid's own parametrisation (eta or mu; eps or eps/eta)."""
    d = np.asarray(coords["d"], float)
    eta = np.asarray(coords["eta"], float) if "eta" in coords else np.asarray(coords["mu"], float) / np.sqrt(d)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        eps = np.asarray(coords["eps"], float) if "eps" in coords else np.asarray(coords["eps_over_eta"], float) * eta
        per = eps if _norm_of(ds) == "linf" else eps / np.sqrt(d)
        ratio = np.where(eta > 0, per / np.where(eta > 0, eta, 1.0), np.inf)
    return ratio, eps


def layout(ds: Any) -> dict[str, Any]:
    """How the grid ``ds`` is drawn: ``mode`` ("point", "line" or "map"), ``x``, ``y`` (maps),
    ``hue`` (lines: the axis drawn as one line per value, or None) and ``facets`` (the other
    axes with more than one value: one panel or file per combination)."""
    dims = [k for k in ds["regime"].dims]
    long = sorted((k for k in dims if ds.sizes[k] > 1), key=lambda k: (-ds.sizes[k], AXIS_ORDER.index(k)))
    if not long:
        return {"mode": "point", "x": None, "y": None, "hue": None, "facets": []}
    if len(long) == 1 or ds.sizes[long[1]] < 3:
        return {"mode": "line", "x": long[0], "y": None, "hue": long[1] if len(long) > 1 else None,
                "facets": long[2:]}
    x, y = long[0], long[1]
    if x in ("eps", "eps_over_eta") or y in ("eta", "mu") or (y == "p" and x == "d"):
        x, y = y, x
    return {"mode": "map", "x": x, "y": y, "hue": None, "facets": long[2:]}


def slices(ds: Any, facets: list[str]) -> list[dict[str, Any]]:
    """Every combination of values of the ``facets`` axes (one dict per slice, in grid order)."""
    if not facets:
        return [{}]
    return [dict(zip(facets, vals)) for vals in itertools.product(*(ds[k].values for k in facets))]


def _fixed_title(sl: Any, skip: tuple) -> str:
    parts = [value_label(k, sl[k].values) for k in AXIS_ORDER
             if k in sl.coords and sl[k].ndim == 0 and k in sl["regime"].coords and k not in skip]
    return ", ".join(parts)


def _scalar_coords(sl: Any) -> dict[str, float]:
    return {k: float(sl[k].values) for k in AXIS_ORDER if k in sl.coords and sl[k].ndim == 0}


def plot_phase_map(ax: Any, sl: Any, var: str, x: str, y: str, *, boundaries: bool = True,
                   vmin: float | None = None, vmax: float | None = None, colorbar: bool = True) -> Any:
    """Heat map of ``sl[var]`` over the axes ``x`` and ``y`` of a 2-D slice ``sl`` (every other
    axis fixed), with the analytic boundaries where the budget varies across the plane. Returns
    the Axes; the mappable is ``ax.collections[0]``."""
    import matplotlib.colors as mcolors

    z = sl[var].transpose(y, x).values.astype(float)
    xs, ys = sl[x].values.astype(float), sl[y].values.astype(float)
    cmap: Any
    if var == "regime":
        cmap = mcolors.ListedColormap(REGIME_COLORS)
        norm = mcolors.BoundaryNorm([-0.5, 0.5, 1.5, 2.5, 3.5], cmap.N)
        mesh = ax.pcolormesh(xs, ys, z, shading="nearest", cmap=cmap, norm=norm)
    else:
        import matplotlib

        cmap = matplotlib.colormaps["viridis"].with_extremes(bad="0.85")  # grey: not derived (NaN)
        mesh = ax.pcolormesh(xs, ys, np.ma.masked_invalid(z), shading="nearest", cmap=cmap, vmin=vmin, vmax=vmax)
        if colorbar:
            ax.figure.colorbar(mesh, ax=ax, label=wrap(label(var, sl[var].attrs)))
    mesh.set_rasterized(True)  # vector files stay small; axes, labels and lines stay vectors
    if boundaries:
        _map_boundaries(ax, sl, x, y, xs, ys, line_color="k" if var == "regime" else "w")
    if "adv_training_threshold" in sl and x in ("eta", "mu") and y in ("eps", "eps_over_eta"):
        thr = sl["adv_training_threshold"].values
        c = _scalar_coords(sl)
        eta_pts = xs if x == "eta" else xs / np.sqrt(c["d"])
        with np.errstate(divide="ignore", invalid="ignore"):
            yy = thr if y == "eps" else thr / eta_pts
        ok = np.isfinite(yy)
        ax.plot(xs[ok], yy[ok], "-.", color="tab:red", lw=1.2,
                label=rf"adversarial training drops the weak features ($\lambda$ = {sl.attrs.get('lam', 0):g})")
    ax.set_xlim(xs.min() - _half_step(xs), xs.max() + _half_step(xs))
    ax.set_ylim(ys.min() - _half_step(ys), ys.max() + _half_step(ys))
    ax.set_xlabel(label(x))
    ax.set_ylabel(label(y))
    ax.set_title(_fixed_title(sl, (x, y)))
    return ax


def _half_step(v: Any) -> float:
    return 0.5 * float(np.min(np.diff(np.sort(v)))) if v.size > 1 else 0.5


def _map_boundaries(ax: Any, sl: Any, x: str, y: str, xs: Any, ys: Any, line_color: str) -> None:
    fx = np.linspace(xs.min(), xs.max(), 301)
    fy = np.linspace(ys.min(), ys.max(), 301)
    X, Y = np.meshgrid(fx, fy)
    coords: dict[str, Any] = dict(_scalar_coords(sl))
    coords[x], coords[y] = X, Y
    ratio, eps = _budget(sl, coords)
    levels = [(ratio, lev, ls, lab) for lev, ls, lab in _BOUNDARIES]
    levels.append((eps, 1.0, ":", r"$\varepsilon = 1$ ($x_1$ can be flipped)"))
    for field, lev, ls, lab in levels:
        f = np.where(np.isfinite(field), field, 1e300)
        if not (np.nanmin(f) < lev < np.nanmax(f)):
            continue  # this boundary does not cross the plane
        ax.contour(X, Y, f, levels=[lev], colors=line_color, linestyles=ls, linewidths=1.2)
        ax.plot([], [], ls, color="k", lw=1.2, label=lab)  # the legend entry (contours have none)


def plot_phase_line(ax: Any, sl: Any, var: str, x: str, hue: str | None = None, *, boundaries: bool = True) -> Any:
    """``sl[var]`` against the axis ``x`` of a slice with every other axis fixed, one line per
    value of ``hue`` if given; vertical lines where the budget crosses eps = eta, 2 eta and 1."""
    xs = sl[x].values.astype(float)
    groups = [(None, sl)] if hue is None else [(v, sl.sel({hue: v})) for v in sl[hue].values]
    for i, (hv, g) in enumerate(groups):
        yv = g[var].values.astype(float)
        lab = None if hv is None or hue is None else value_label(hue, hv)
        if var == "regime":
            ax.step(xs, yv, where="mid", color=f"C{i}", label=lab)
        else:
            ax.plot(xs, yv, "-", color=f"C{i}", marker="o" if xs.size <= 12 else None, ms=3, label=lab)
    if var == "regime":
        labs = regime_labels(sl["regime"])
        ax.set_yticks(list(labs), list(labs.values()))
        ax.set_ylim(-0.5, 3.5)
    if boundaries:
        fx = np.linspace(xs.min(), xs.max(), 2001)
        coords: dict[str, Any] = dict(_scalar_coords(sl))
        for hv, _ in groups[:1] if hue is None else groups:
            if hv is not None and hue is not None:
                coords[hue] = float(hv)
            coords[x] = fx
            ratio, eps = _budget(sl, coords)
            for field, lev, ls, lab in [(ratio, lev, ls, lab) for lev, ls, lab in _BOUNDARIES] + [
                    (eps, 1.0, ":", r"$\varepsilon = 1$")]:
                f = np.where(np.isfinite(field), field, 1e300)
                side = f >= lev  # a point on the boundary counts as past it: one crossing, not two
                cross = np.nonzero(side[1:] != side[:-1])[0]
                for j in cross:
                    ax.axvline(0.5 * (fx[j] + fx[j + 1]), ls=ls, color="0.4", lw=1,
                               label=lab if lab not in ax.get_legend_handles_labels()[1] else None)
    ax.set_xlabel(label(x))
    ax.set_ylabel(wrap(label(var, sl[var].attrs)) if var != "regime" else "")
    ax.set_title(_fixed_title(sl, (x,) + ((hue,) if hue else ())))
    return ax


#: The variables of the single-point bar chart.
POINT_VARIABLES = ("bayes_standard", "bayes_robust", "averaging_standard", "averaging_robust", "optimal_robust",
                   "frontier_standard", "price")


def plot_phase_point(ax: Any, ds: Any) -> Any:
    """A grid of one point: its accuracies as horizontal bars, with the point and its regime in
    the title (a heat map of one cell says nothing)."""
    sl = ds.squeeze()
    names = [v for v in POINT_VARIABLES if v in sl]
    vals = [float(sl[v].values) for v in names]
    ypos = np.arange(len(names))[::-1]
    ax.barh(ypos, np.nan_to_num(vals), color=["C0" if "standard" in v else "C1" if "robust" in v else "C2"
                                              for v in names])
    for yp, v in zip(ypos, vals):
        ax.text(min(v, 1.0) + 0.01 if np.isfinite(v) else 0.01, yp, f"{v:.4f}" if np.isfinite(v) else "not derived",
                va="center", fontsize="small")
    ax.set_yticks(ypos, [label(v) for v in names])
    ax.set_xlim(0, 1.15)
    ax.set_xlabel("accuracy (price: accuracy given up)")
    regime = regime_labels(ds["regime"]).get(int(sl["regime"].values), "")
    ax.set_title(f"single grid point: {_fixed_title(sl, ())}\nregime {regime}")
    return ax
