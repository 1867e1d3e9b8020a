"""Phase diagrams over (p, eta, eps, d) as labelled xarray Datasets (theory §3.7-§3.9).

A grid is given by one SPEC per axis (:func:`parse_spec`). The weak-feature axis may be given
as ``eta`` or in the reduced coordinate ``mu = eta sqrt(d)``, and the radius as ``eps`` or as
``eps/eta``; the Dataset keeps the axes the user chose and carries the others as derived
variables. Every accuracy is the closed form of theory §3.2 without bias, evaluated over the
whole grid by the fast path :func:`robtheory.theory._grid.unbiased_accuracy` (one fused pass per
classifier; equal to the generated :func:`robtheory.theory.closed_form.accuracy_stats` to rounding,
which the tests check point by point).

Variables (l_inf unless ``norm="l2"``; the adversary may move x1):

* ``{averaging,bayes,robust_x1}_{standard,robust}``: the named classifiers;
* ``optimal_robust``: :math:`A^*_{rob}(\\varepsilon)` over all classifiers (theory §3.8);
* ``frontier_standard``: the best standard accuracy of a rounded rule
  ``sign(tau sign(x1) + s(x))`` whose robust accuracy is at least ``required_robust``, solved
  for ``tau`` to the last bit by a bracketing bisection (:func:`rounded_rule_frontier`); at
  eps = 2 eta (l_inf) it is the best over all classifiers (Theorem F), elsewhere an achievable
  value;
* ``price``: Bayes standard accuracy minus ``frontier_standard`` -- the accuracy price of
  robustness;
* ``regime``: compares the per-coordinate budget ``eps_c`` with eta, where ``eps_c = eps``
  for l_inf and ``eps_c = eps/sqrt(d)`` for l_2 (the move of each weak coordinate under the
  worst case of the averaging direction): 0 eps_c < eta (weak features still usable robustly),
  1 eta <= eps_c < 2 eta, 2 eps_c >= 2 eta (the shift by -2 eta y is inside the ball:
  Theorem 2.1 applies), 3 eps >= 1 (even x1 breaks).

Undefined values: ``frontier_standard`` and ``price`` are NaN where eps >= 1 (the adversary
can flip x1, and the rounded-rule frontier is not derived there) and where no rule reaches
``required_robust``; ``optimal_robust`` is NaN for l2 with eps >= 1; a derived
``eps_over_eta`` is ``inf`` wherever eta = 0 (also at eps = 0: with no signal in the weak
features every radius counts as "eps >= 2 eta", regime 2). NetCDF and CSV keep NaN and inf.

Size: a grid costs about :data:`BYTES_PER_POINT` bytes of memory per point (all variables,
their temporaries and the CSV writer); :func:`check_grid_size` refuses grids that would need
more than :func:`memory_limit` (half the physical memory) before anything is allocated.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from robtheory._provenance import netcdf_attrs
from robtheory._provenance import provenance as _provenance
from robtheory.theory._grid import unbiased_accuracy
from robtheory.theory.closed_form import best_robust_accuracy_grid
from robtheory.model import ToyModel
from robtheory.model import fmt_number as _num

__all__ = ["parse_spec", "spec_length", "phase_grid", "REGIMES", "regime_meanings", "rounded_rule_frontier",
           "save", "provenance", "check_grid_size", "memory_limit", "BYTES_PER_POINT"]

REGIMES = {0: "eps < eta", 1: "eta <= eps < 2 eta", 2: "eps >= 2 eta (Theorem 2.1)", 3: "eps >= 1 (x1 breaks)"}


def regime_meanings(norm: str) -> dict:
    """The ``regime`` codes and what each one compares, for ``norm`` (:data:`REGIMES` for l_inf).

    Under l_2 the grid compares the per-coordinate budget eps/sqrt(d) with eta, so the text says so.

    Parameters
    ----------
    norm : {"linf", "l2"}

    Returns
    -------
    dict
        ``{code: meaning}`` for the codes 0-3 of the ``regime`` variable of :func:`phase_grid`.

    Examples
    --------
    >>> regime_meanings("linf")[2]
    'eps >= 2 eta (Theorem 2.1)'
    """
    if norm == "linf":
        return dict(REGIMES)
    return {0: "eps/sqrt(d) < eta", 1: "eta <= eps/sqrt(d) < 2 eta",
            2: "eps/sqrt(d) >= 2 eta (Theorem 2.1)", 3: "eps >= 1 (x1 breaks)"}


#: Peak memory per grid point (measured at 10^5-10^6 points: about 460 bytes for
#: :func:`phase_grid`, 680 with :func:`save`'s CSV writer, 830 for a whole ``robtheory phase``
#: run with its figures; rounded up).
BYTES_PER_POINT = 1024


def memory_limit() -> int:
    """The most memory one grid may plan to use: half the physical memory (bytes).

    Read with ``os.sysconf``; 8 GiB where the platform does not report it.

    Returns
    -------
    int
        Bytes.

    Examples
    --------
    >>> memory_limit() > 0
    True
    """
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    except (AttributeError, ValueError, OSError):  # pragma: no cover - non-POSIX
        return 8 * 2**30


def check_grid_size(lengths: dict) -> int:
    """The number of points of a grid with axes ``{name: length}``; ValueError (with the point
    count and the estimated memory) if it would need more than :func:`memory_limit`.

    Parameters
    ----------
    lengths : dict
        ``{axis name: number of values}``.

    Returns
    -------
    int
        The number of grid points (the product of the lengths).

    Examples
    --------
    >>> check_grid_size({"p": 2, "mu": 40, "eps_over_eta": 31, "d": 1})
    2480
    >>> check_grid_size({"mu": 10**9, "eps": 10**9})
    Traceback (most recent call last):
    ...
    ValueError: the grid has 1000000000000000000 points (mu 1000000000 x eps 1000000000) and would need ...
    """
    n = math.prod(int(v) for v in lengths.values())
    need = n * BYTES_PER_POINT
    if need > memory_limit():
        shape = " x ".join(f"{k} {v}" for k, v in lengths.items())
        raise ValueError(f"the grid has {n} points ({shape}) and would need about {need / 2**30:.3g} GiB; "
                         f"the limit is {memory_limit() / 2**30:.3g} GiB (half the physical memory): "
                         f"use a coarser grid")
    return n


def _spec(text, name):
    """A SPEC as ``(values, None)`` for a list or ``((lo, hi, num, geometric), None)`` for a range."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{name}: empty grid spec {text!r}")
    t = text.strip()
    try:
        if ":" in t:
            geometric = t.startswith("log:")
            parts = (t[4:] if geometric else t).split(":")
            if len(parts) != 3:
                raise ValueError
            lo, hi, num = float(parts[0]), float(parts[1]), int(parts[2])
            if not (math.isfinite(lo) and math.isfinite(hi)):
                raise ValueError(f"{name}: grid spec {text!r} has non-finite values")
            if geometric and (lo <= 0 or hi <= 0):
                raise ValueError(f"{name}: log range needs positive ends, got {text!r}")
            if num < 1:
                raise ValueError(f"{name}: number of points must be >= 1, got {text!r}")
            return None, (lo, hi, num, geometric)
        vals = [float(x) for x in t.split(",")]
    except ValueError as exc:
        if exc.args and str(exc.args[0]).startswith(name):
            raise
        raise ValueError(f"{name}: cannot parse grid spec {text!r} (number, list a,b,c, start:stop:num "
                         f"or log:start:stop:num)") from None
    if not all(math.isfinite(v) for v in vals):
        raise ValueError(f"{name}: grid spec {text!r} has non-finite values")
    return vals, None


def spec_length(text: str, name: str = "value") -> int:
    """The number of values of a grid SPEC, without building it (see :func:`parse_spec`).

    Parameters
    ----------
    text : str
        A grid SPEC.
    name : str, default "value"
        The option it came from, for error messages.

    Returns
    -------
    int

    Examples
    --------
    >>> spec_length("0.5:8:40"), spec_length("1,2,3"), spec_length("log:1:1e6:7")
    (40, 3, 7)
    """
    vals, rng = _spec(text, name)
    return len(vals) if rng is None else rng[2]


def parse_spec(text: str, name: str = "value") -> np.ndarray:
    """Parse a grid SPEC: a number, a comma-separated list, ``start:stop:num`` (linear, both ends
    included) or ``log:start:stop:num`` (geometric, both ends included). A range longer than
    :func:`check_grid_size` allows for a whole grid is refused before it is allocated.

    Parameters
    ----------
    text : str
        The SPEC (what ``robtheory phase --mu`` and the other axis options take).
    name : str, default "value"
        The option it came from: every ValueError names it.

    Returns
    -------
    ndarray, shape (number of values,)

    Examples
    --------
    >>> parse_spec("0:1:5")
    array([0.  , 0.25, 0.5 , 0.75, 1.  ])
    >>> parse_spec("log:1:100:3"), parse_spec("0.9,0.95")
    (array([  1.,  10., 100.]), array([0.9 , 0.95]))
    """
    vals, rng = _spec(text, name)
    if rng is None:
        return np.array(vals)
    lo, hi, num, geometric = rng
    check_grid_size({name: num})
    out = np.geomspace(lo, hi, num) if geometric else np.linspace(lo, hi, num)
    if not np.all(np.isfinite(out)):  # e.g. linspace(-1e308, 1e308, 3) overflows
        raise ValueError(f"{name}: grid spec {text!r} has non-finite values")
    return out


def provenance() -> dict[str, str]:
    """Version, git commit, date and library versions of the code that produced a grid, as netCDF
    attributes (:func:`robtheory._provenance.netcdf_attrs` of the one provenance record).

    Returns
    -------
    dict
        ``{attribute: text}``: ``robtheory_version``, ``commit``, ``date``, ``python``, the
        versions of the numeric libraries.

    Examples
    --------
    >>> {"robtheory_version", "commit", "date"} <= set(provenance())
    True
    """
    return netcdf_attrs(_provenance())


def _validate_axes(axes: dict, names: dict) -> None:
    """Check each axis the caller gave, naming it as the caller did (``names``: ``--mu`` for ``mu``)."""
    for pv in np.unique(axes["p"]):
        ToyModel(float(pv), 0.0, 1)  # the model's own message (names p, explains p < 1/2)
    for dv in np.unique(axes["d"]):
        if not (dv >= 1 and float(dv).is_integer()):
            raise ValueError(f"{names['d']} must be positive integers, got {_num(dv)}")
    for key, vals in axes.items():
        if key not in ("p", "d"):
            low = float(np.min(vals))
            if low < 0:
                raise ValueError(f"{names[key]} must be >= 0, got {_num(low)}")


def _validate_derived(eta, eps):
    # eta = mu / sqrt(d) and eps = (eps/eta) * eta are finite and >= 0 once the axes are; only an
    # overflow of the product (e.g. eps/eta = 1e300, eta = 1e10) is left to report.
    for name, v in (("eta", eta), ("eps", eps)):
        if not np.all(np.isfinite(v)):
            raise ValueError(f"{name} must be finite; the grid gives {name} = inf")


def phase_grid(p, d, *, eta=None, mu=None, eps=None, eps_over_eta=None, norm: str = "linf",
               required_robust: float = 0.5, n_tau: int | None = None, lam: float | None = None,
               names: dict | None = None):
    """Evaluate the closed forms on a grid and return an ``xarray.Dataset``.

    With ``lam`` (the SVM regularisation), the Dataset also holds ``adv_training_threshold``: the
    l_inf adversarial-training radius above which the population hinge-SVM optimum puts no weight
    on the weak features (:func:`robtheory.training.weak_feature_threshold`, one exact solve per
    (p, eta, d); at most 2000 of them), and ``adv_training_keeps_weak`` = eps < threshold.

    Exactly one of ``eta``/``mu`` and one of ``eps``/``eps_over_eta`` must be given (1-d arrays).
    ``d`` values within 1e-9 (relative) of an integer, as a geometric range gives them
    (8.000000000000002), are rounded to it; other non-integers are refused. ``names`` maps the
    keywords to the names used in error messages (the CLI passes its option names, ``--mu``).
    ``n_tau`` is accepted and ignored (deprecated): ``frontier_standard`` is no longer read off
    a grid of ``tau`` but solved (:func:`rounded_rule_frontier`).
    A grid larger than :func:`check_grid_size` allows is refused before it is allocated.

    Parameters
    ----------
    p : array_like, 1-d, values in [1/2, 1]
        ``P(x1 = y)``.
    d : array_like, 1-d, positive integers
        Numbers of weak features.
    eta, mu : array_like, 1-d, >= 0 (keyword; exactly one)
        The weak features' mean, or :math:`\\mu = \\eta\\sqrt d` (then eta = mu / sqrt(d) per d).
    eps, eps_over_eta : array_like, 1-d, >= 0 (keyword; exactly one)
        The adversary's radius, or the radius in units of eta.
    norm : {"linf", "l2"}
    required_robust : float in [0, 1], default 0.5
        The robust accuracy at which ``frontier_standard`` (the best standard accuracy of a
        rounded rule that is at least this robust) and ``price`` (the Bayes accuracy minus it)
        are read.
    lam : float > 0, optional
        The SVM regularisation for ``adv_training_threshold``.

    Returns
    -------
    xarray.Dataset
        Dimensions ``(p, eta or mu, eps or eps_over_eta, d)``; variables the standard and
        robust accuracies of ``averaging``, ``bayes`` and ``robust_x1``, ``optimal_robust``
        (A*_rob), ``frontier_standard``, ``price``, ``regime`` (codes of
        :func:`regime_meanings`) and the derived axis (``eta`` or ``eps``); provenance in the
        attributes. :func:`save` writes it as ``phase.nc``; ``xarray.open_dataset`` reads it back.

    Examples
    --------
    >>> ds = phase_grid([0.95], [100], mu=[1.0, 3.0], eps_over_eta=[0.0, 2.0])
    >>> dict(ds.sizes)
    {'p': 1, 'mu': 2, 'eps_over_eta': 2, 'd': 1}
    >>> float(ds["robust_x1_robust"].sel(mu=3.0, eps_over_eta=2.0).item())   # sign(x1): p
    0.95
    >>> int(ds["regime"].sel(mu=3.0, eps_over_eta=2.0).item())
    2
    """
    import xarray as xr

    if n_tau is not None:
        import warnings

        warnings.warn("phase_grid(n_tau=...) is ignored: frontier_standard is solved exactly now",
                      DeprecationWarning, stacklevel=2)
    if (eta is None) == (mu is None):
        raise ValueError("give exactly one of eta and mu")
    if (eps is None) == (eps_over_eta is None):
        raise ValueError("give exactly one of eps and eps_over_eta")
    if norm not in ("linf", "l2"):
        raise ValueError(f"norm must be 'linf' or 'l2', got {norm!r}")
    if not 0 <= required_robust <= 1:
        raise ValueError(f"required_robust must lie in [0, 1], got {required_robust!r}")
    wname, wvals = ("eta", eta) if eta is not None else ("mu", mu)
    rname, rvals = ("eps", eps) if eps is not None else ("eps_over_eta", eps_over_eta)
    names = {k: k for k in ("p", "d", wname, rname)} | dict(names or {})
    axes = {}
    for key, vals in (("p", p), (wname, wvals), (rname, rvals), ("d", d)):
        v = np.atleast_1d(np.asarray(vals, float))
        if v.ndim != 1 or v.size == 0:
            raise ValueError(f"{names[key]} must be a non-empty 1-d array, got shape {v.shape}")
        if not np.all(np.isfinite(v)):
            raise ValueError(f"{names[key]} must be finite, got {_num(v[~np.isfinite(v)][0])}")
        axes[key] = v
    check_grid_size({names[k]: v.size for k, v in axes.items()})
    near = np.round(axes["d"])
    axes["d"] = np.where(np.abs(axes["d"] - near) <= 1e-9 * np.abs(near), near, axes["d"])
    _validate_axes(axes, names)
    p, wvals, rvals, d = axes["p"], axes[wname], axes[rname], axes["d"]
    P, W, R, Dd = np.meshgrid(p, wvals, rvals, d, indexing="ij")
    sd = np.sqrt(Dd)
    ETA = W if wname == "eta" else W / sd
    with np.errstate(over="ignore"):
        EPS = R if rname == "eps" else R * ETA
    _validate_derived(ETA, EPS)
    MU = ETA * sd
    with np.errstate(divide="ignore"):
        L = np.where(P < 1, np.log(P) - np.log1p(-np.minimum(P, 1 - 1e-300)), np.inf)
    kind = f"{norm}_full"
    per_coord = EPS if norm == "linf" else EPS / sd
    zero = np.zeros_like(P)

    def acc(a, S, Q, U1, k="standard", e=zero, eta_=ETA):
        return unbiased_accuracy(P, eta_, e, a, S, Q, U1, k)

    # Named classifiers (as summary statistics).
    avg = (zero, np.ones_like(P), 1 / sd, np.ones_like(P))
    x1 = (np.ones_like(P), zero, zero, zero)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        tau_b = np.where((MU > 0) & np.isfinite(L), L / (2 * MU), np.inf)
    finite = np.isfinite(tau_b)
    bay = (np.where(finite, tau_b, 1.0), np.where(finite, sd, 0.0), np.where(finite, 1.0, 0.0),
           np.where(finite, sd, 0.0))
    out = {}
    for name, st in (("averaging", avg), ("bayes", bay), ("robust_x1", x1)):
        out[f"{name}_standard"] = acc(*st)
        out[f"{name}_robust"] = acc(*st, k=kind, e=EPS)

    # A*_rob: the one vectorised implementation (robtheory.theory.closed_form)
    out["optimal_robust"] = best_robust_accuracy_grid(P, ETA, EPS, Dd, norm)
    x1_breaks = EPS >= 1

    # Accuracy price of robustness along the rounded-rule frontier (solved, not sampled).
    best = rounded_rule_frontier(P, ETA, EPS, sd, L, per_coord, required_robust, norm,
                                 bayes=bay, bayes_standard=out["bayes_standard"])
    out["frontier_standard"] = np.where(x1_breaks, np.nan, best)
    out["price"] = out["bayes_standard"] - out["frontier_standard"]

    regime = np.where(EPS >= 1, 3, np.where(per_coord >= 2 * ETA, 2, np.where(per_coord >= ETA, 1, 0)))
    regime = np.where((ETA == 0) & (EPS < 1), 2, regime)

    dims = ("p", wname, rname, "d")
    # d as integers where netCDF-3 (scipy engine: int32) can store them, else as float64, which
    # is exact for every integer up to 2**53 and round-trips through the file
    coords = {"p": p, wname: wvals, rname: rvals, "d": d.astype(np.int64) if d.max() < 2**31 else d}
    data = {k: (dims, v) for k, v in out.items()}
    data["regime"] = (dims, regime.astype(np.int8))
    data["mu" if wname == "eta" else "eta"] = (dims, MU if wname == "eta" else ETA)
    data["eps_over_eta" if rname == "eps" else "eps"] = (
        dims, (np.divide(EPS, ETA, out=np.full(P.shape, np.inf), where=ETA > 0)) if rname == "eps" else EPS)
    if lam is not None:
        thr = _adv_training_threshold(P[:, :, 0, :], ETA[:, :, 0, :], Dd[:, :, 0, :], lam)
        data["adv_training_threshold"] = (("p", wname, "d"), thr)
        data["adv_training_keeps_weak"] = (dims, (EPS < thr[:, :, None, :]).astype(np.int8))
    ds = xr.Dataset(data, coords=coords)
    if lam is not None:
        ds.attrs["lam"] = float(lam)
    meanings = regime_meanings(norm)
    ds["regime"].attrs["flag_values"] = list(meanings)
    ds["regime"].attrs["flag_meanings"] = "; ".join(meanings.values())
    ds["regime"].attrs["long_name"] = ("regime of the per-coordinate budget "
                                       + ("eps" if norm == "linf" else "eps/sqrt(d)") + " against eta")
    rule = "sign(tau sign(x1) + sum_i x_i / sqrt(d))"
    ds["frontier_standard"].attrs.update({
        "long_name": "best standard accuracy at the required robust accuracy",
        "definition": (f"max over tau in [0, inf] of the standard accuracy of {rule} subject to its robust "
                       f"accuracy >= required_robust (tau = inf: sign(x1)); tau solved by bisection to the "
                       f"last bit; NaN where eps >= 1 or no tau reaches required_robust. At eps = 2 eta "
                       f"(l_inf) this is the best over all classifiers (Theorem F); elsewhere achievable"),
        "units": "1",
    })
    ds["price"].attrs.update({
        "long_name": "accuracy price of robustness",
        "definition": "bayes_standard - frontier_standard (standard accuracy given up to reach required_robust)",
        "units": "1",
    })
    ds.attrs.update(provenance())
    ds.attrs.update({
        "norm": norm, "x1_perturbable": 1, "required_robust": float(required_robust),
        "seed": "none (closed forms)", "source": "robtheory.phase.phase_grid",
        "frontier_note": "frontier_standard/price: the rounded-rule family solved exactly (tau to the last "
                         "bit); the best over all classifiers at eps = 2 eta (Theorem F), achievable "
                         "values elsewhere",
    })
    return ds


_INF_BITS = np.float64(np.inf).view(np.int64)


def _bisect_doubles(lo, hi, ok):
    """The smallest double ``t`` in ``(lo, hi]`` with ``ok(t, idx)``, for each element.

    ``lo`` and ``hi`` are arrays of non-negative doubles (``hi`` may be ``inf``) with ``ok``
    false at ``lo`` and true at ``hi``, and ``ok`` monotone in between. Non-negative doubles are
    ordered as their bit patterns (as int64), so bisecting the integers ends, after at most 63
    halvings, with ``lo`` and ``hi`` adjacent doubles: ``hi`` is the answer to the last bit.
    ``ok(t, idx)`` receives the trial values and the indices (into ``lo``) they belong to.
    """
    lo_i = np.asarray(lo, dtype=np.float64).view(np.int64).copy()
    hi_i = np.asarray(hi, dtype=np.float64).view(np.int64).copy()
    active = np.flatnonzero(hi_i - lo_i > 1)
    while active.size:
        mid = lo_i[active] + (hi_i[active] - lo_i[active]) // 2
        good = np.asarray(ok(mid.view(np.float64), active), dtype=bool)
        hi_i[active[good]] = mid[good]
        lo_i[active[~good]] = mid[~good]
        active = active[hi_i[active] - lo_i[active] > 1]
    return hi_i.view(np.float64)


def _robust_enough(p, m_eps, tau, r):
    r"""``Rob(tau) >= r`` for the rounded rules, decided without cancellation.

    With :math:`u = m_\varepsilon + \tau` and :math:`v = m_\varepsilon - \tau`,
    :math:`\mathrm{Rob} = p\Phi(u) + (1-p)\Phi(v)`. Every comparison below involves only tails
    :math:`\Phi(x)`, :math:`x \le 0`, which SciPy's ``ndtr`` gives to full relative accuracy:

    * :math:`u \ge 0 \ge v` (:math:`\tau \ge |m_\varepsilon|`): :math:`\mathrm{Rob} \ge r \iff
      p\Phi(-u) - (1-p)\Phi(v) \le p - r` (``p - r`` is exact for ``r`` in [p/2, 2p]), which
      decides even ``r = p`` next to ``tau = inf``, where Rob approaches p (for ``r = p`` the
      two tails are compared in logs, :func:`scipy.special.log_ndtr`, which do not underflow);
    * :math:`v > 0` (so u > 0): compare the robust error :math:`p\Phi(-u) + (1-p)\Phi(-v)` with
      ``1 - r`` (exact for r >= 1/2), so ``r`` next to 1 is decided correctly;
    * :math:`u < 0`: compare :math:`p\Phi(u) + (1-p)\Phi(v)` with ``r`` directly.
    """
    from scipy.special import log_ndtr, ndtr

    with np.errstate(invalid="ignore"):
        u, v = m_eps + tau, m_eps - tau
    out = np.empty(np.shape(u), dtype=bool)
    mid = (u >= 0) & (v <= 0)
    hi = v > 0
    lo = ~(mid | hi)
    q = 1.0 - p
    pm, qm, um, vm = p[mid], q[mid], u[mid], v[mid]
    slack = pm - r
    with np.errstate(divide="ignore"):
        # slack 0 (r = p): the two tails are compared in logs, which do not underflow
        out[mid] = np.where(slack == 0, np.log(pm) + log_ndtr(-um) <= np.log(qm) + log_ndtr(vm),
                            pm * ndtr(-um) - qm * ndtr(vm) <= slack)
    # r = 1: no rule of the family has a zero robust error (its tails underflow only in floating point)
    out[hi] = (p[hi] * ndtr(-u[hi]) + q[hi] * ndtr(-v[hi]) <= 1.0 - r) & (r < 1)
    out[lo] = p[lo] * ndtr(u[lo]) + q[lo] * ndtr(v[lo]) >= r
    return out


def rounded_rule_frontier(P, ETA, EPS, sd, L, per_coord, required_robust, norm, *, bayes, bayes_standard):
    r"""The best standard accuracy of a rounded rule with robust accuracy at least ``required_robust``.

    The rules ``f_tau = sign(tau sign(x1) + s(x))`` (``s = sum x_i / sqrt d``, ``tau = inf``:
    ``sign(x1)``) have, against a ball of radius < 1 (which cannot flip ``sign(x1)``),

    .. math::

        \mathrm{Std}(\tau) = p\Phi(\mu+\tau) + (1-p)\Phi(\mu-\tau),\qquad
        \mathrm{Rob}(\tau) = p\Phi(m_\varepsilon+\tau) + (1-p)\Phi(m_\varepsilon-\tau),

    with :math:`m_\varepsilon = \sqrt d\,(\eta - \varepsilon_c)` and :math:`\varepsilon_c` the
    per-coordinate budget (``eps`` for l_inf, ``eps/sqrt(d)`` for l_2). Since
    :math:`\mathrm{Rob}'(\tau) = p\varphi(m_\varepsilon+\tau) - (1-p)\varphi(m_\varepsilon-\tau)`
    is positive exactly for :math:`2 m_\varepsilon\tau < L` (``L = log(p/(1-p))``), and likewise
    Std' for :math:`2\mu\tau < L`, on :math:`[\tau_B, \tau_\varepsilon] = [L/(2\mu),
    L/(2 m_\varepsilon)]` (``tau_eps = inf`` when :math:`m_\varepsilon \le 0`) Std falls and Rob
    rises, and every other ``tau`` is dominated. So the answer is the Bayes ratio's Std if it is
    robust enough; NaN if even :math:`\tau_\varepsilon` (or ``sign(x1)``, robust accuracy p) is
    not; otherwise Std at the smallest ``tau`` with :math:`\mathrm{Rob}(\tau) \ge r`, found by
    :func:`_bisect_doubles` (certified: a bracketing bisection on a monotone predicate, to the
    last bit of ``tau``), with the predicate decided in a form that does not round next to 0
    or 1 (:func:`_robust_enough`). About 63 passes over the points that need it.

    Parameters
    ----------
    P, ETA, EPS, sd, L, per_coord : ndarray
        The grid's p, eta, eps, sqrt(d), log-odds and per-coordinate budget, broadcast together.
    required_robust : float in [0, 1]
    norm : {"linf", "l2"}
    bayes : tuple of ndarray, keyword
        The statistics ``(a, b, S, Q, U1)`` of the Bayes rule at each point
        (:class:`~robtheory.classifiers.LinearStats`).
    bayes_standard : ndarray, keyword
        The Bayes rule's standard accuracy at each point.

    Returns
    -------
    ndarray
        The best standard accuracy at each point (NaN where no rounded rule is robust enough).

    Examples
    --------
    At eps = 2 eta the Theorem 2.1 bound is attained: robust accuracy 1/2 needs a standard error of
    at least (1 - p)/p * 1/2, so p = 0.6 gives 2/3:

    >>> ds = phase_grid([0.6], [10**6], eta=[0.3], eps=[0.6])      # calls this function
    >>> round(float(ds["frontier_standard"].item()), 6)
    0.666667
    """
    r = float(required_robust)
    shape = P.shape
    Pf, SD = (np.broadcast_to(x, shape).ravel() for x in (P, sd))
    bay = [np.broadcast_to(x, shape).ravel() for x in bayes]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        m_eps = (np.broadcast_to(ETA - per_coord, shape) * np.broadcast_to(sd, shape)).ravel()
        Lf = np.broadcast_to(L, shape).ravel()
        tau_e = np.where((m_eps > 0) & np.isfinite(Lf), Lf / (2 * m_eps), np.inf)
    tau_b = np.where(bay[2] > 0, bay[0], np.inf)  # Q = 0: the Bayes rule is sign(x1)
    ok_bayes = _robust_enough(Pf, m_eps, tau_b, r)
    ok_end = _robust_enough(Pf, m_eps, tau_e, r)
    need = np.flatnonzero(~ok_bayes & ok_end & np.isfinite(tau_b))
    result = np.where(ok_bayes, np.broadcast_to(bayes_standard, shape).ravel(), np.nan)
    if need.size:
        tau = _bisect_doubles(tau_b[need], tau_e[need],
                              lambda t, k: _robust_enough(Pf[need[k]], m_eps[need[k]], t, r))
        tf = np.isfinite(tau)
        s_ = SD[need]
        eta_n = np.broadcast_to(ETA, shape).ravel()[need]
        result[need] = unbiased_accuracy(Pf[need], eta_n, 0.0, np.where(tf, tau, 1.0), np.where(tf, s_, 0.0),
                                         np.where(tf, 1.0, 0.0), np.where(tf, s_, 0.0))
    return result.reshape(shape)


def _adv_training_threshold(P, ETA, D, lam):
    from robtheory.training import weak_feature_threshold

    if not (isinstance(lam, (int, float)) and math.isfinite(lam) and lam > 0):
        raise ValueError(f"lam must be a positive number, got {lam!r}")
    if P.size > 2000:
        raise ValueError(f"the adversarial-training boundary needs one solve per (p, eta, d): "
                         f"{P.size} > 2000; use a coarser grid")
    out = np.full(P.shape, np.nan)
    for idx in np.ndindex(P.shape):
        p, eta = float(P[idx]), float(ETA[idx])
        if p > 0.5 and eta < 1:  # the range where the threshold is derived
            out[idx] = weak_feature_threshold(ToyModel(p, eta, int(D[idx])), float(lam))
    return out


def save(ds, out_dir) -> dict:
    """Write ``phase.nc`` (netCDF, scipy engine) and ``phase.csv``; return their paths.

    Parameters
    ----------
    ds : xarray.Dataset
        A grid of :func:`phase_grid`.
    out_dir : str or path-like
        Created if missing.

    Returns
    -------
    dict
        ``{"netcdf": Path, "csv": Path}``.

    Examples
    --------
    >>> import tempfile, xarray as xr
    >>> ds = phase_grid([0.95], [100], mu=[1.0, 3.0], eps_over_eta=[0.0, 2.0])
    >>> paths = save(ds, tempfile.mkdtemp())
    >>> with xr.open_dataset(paths["netcdf"], engine="scipy") as saved:   # drawn again without recomputing
    ...     bool((saved["averaging_robust"] == ds["averaging_robust"]).all())
    True
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    nc = out / "phase.nc"
    csv = out / "phase.csv"
    ds.to_netcdf(nc, engine="scipy")
    ds.to_dataframe().to_csv(csv)
    return {"netcdf": nc, "csv": csv}
