"""Phase diagrams over (p, eta, eps, d) as labelled xarray Datasets (spec §3.7-§3.9).

A grid is given by one SPEC per axis (:func:`parse_spec`). The weak-feature axis may be given
as ``eta`` or in the reduced coordinate ``mu = eta sqrt(d)``, and the radius as ``eps`` or as
``eps/eta``; the Dataset keeps the axes the user chose and carries the others as derived
variables. Every accuracy is the closed form of spec §3.2 without bias, evaluated over the
whole grid by the fast path :func:`robtheory._grid.unbiased_accuracy` (one fused pass per
classifier; equal to the generated :func:`robtheory.closed_form.accuracy_stats` to rounding,
which the tests check point by point).

Variables (l_inf unless ``norm="l2"``; the adversary may move x1):

* ``{averaging,bayes,robust_x1}_{standard,robust}``: the named classifiers;
* ``optimal_robust``: :math:`A^*_{rob}(\\varepsilon)` over all classifiers (spec §3.8);
* ``frontier_standard``: the best standard accuracy of a rounded rule
  ``sign(tau sign(x1) + s(x))`` whose robust accuracy is at least ``required_robust`` (exactly
  the best over all classifiers at eps = 2 eta, Theorem F; an achievable value elsewhere);
* ``price``: Bayes standard accuracy minus ``frontier_standard`` -- the accuracy price of
  robustness;
* ``regime``: 0 eps < eta (weak features still usable robustly), 1 eta <= eps < 2 eta,
  2 eps >= 2 eta (Theorem 2.1 applies), 3 eps >= 1 (even x1 breaks).
"""

from __future__ import annotations

import math
import subprocess
from pathlib import Path

import numpy as np

from ._grid import unbiased_accuracy
from .model import ThreatModel, ToyModel

__all__ = ["parse_spec", "phase_grid", "REGIMES", "save", "provenance"]

REGIMES = {0: "eps < eta", 1: "eta <= eps < 2 eta", 2: "eps >= 2 eta (Theorem 2.1)", 3: "eps >= 1 (x1 breaks)"}


def parse_spec(text: str, name: str = "value") -> np.ndarray:
    """Parse a grid SPEC: a number, a comma-separated list, ``start:stop:num`` (linear, both ends
    included) or ``log:start:stop:num`` (geometric, both ends included)."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{name}: empty grid spec {text!r}")
    t = text.strip()
    try:
        if t.startswith("log:"):
            parts = t[4:].split(":")
            if len(parts) != 3:
                raise ValueError
            lo, hi, num = float(parts[0]), float(parts[1]), int(parts[2])
            if not (math.isfinite(lo) and math.isfinite(hi)):
                raise ValueError(f"{name}: grid spec {text!r} has non-finite values")
            if lo <= 0 or hi <= 0:
                raise ValueError(f"{name}: log range needs positive ends, got {text!r}")
            if num < 1:
                raise ValueError(f"{name}: number of points must be >= 1, got {text!r}")
            vals = np.geomspace(lo, hi, num)
        elif ":" in t:
            parts = t.split(":")
            if len(parts) != 3:
                raise ValueError
            lo, hi, num = float(parts[0]), float(parts[1]), int(parts[2])
            if not (math.isfinite(lo) and math.isfinite(hi)):
                raise ValueError(f"{name}: grid spec {text!r} has non-finite values")
            if num < 1:
                raise ValueError(f"{name}: number of points must be >= 1, got {text!r}")
            vals = np.linspace(lo, hi, num)
        else:
            vals = np.array([float(x) for x in t.split(",")])
    except ValueError as exc:
        if exc.args and str(exc.args[0]).startswith(name):
            raise
        raise ValueError(f"{name}: cannot parse grid spec {text!r} (number, list a,b,c, start:stop:num "
                         f"or log:start:stop:num)") from None
    if not np.all(np.isfinite(vals)):
        raise ValueError(f"{name}: grid spec {text!r} has non-finite values")
    return vals


def provenance() -> dict:
    """Version and git commit of the code that produced a grid."""
    from . import __version__

    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                cwd=Path(__file__).resolve().parent, timeout=5).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        commit = "unknown"
    return {"robtheory_version": __version__, "commit": commit}


def _validate(p, eta, eps, d):
    # Reuse the model's validation on every distinct value (names the bad one).
    for pv in np.unique(p):
        ToyModel(float(pv), 0.0, 1)
    for ev in np.unique(eta):
        ToyModel(0.5, float(ev), 1)
    for dv in np.unique(d):
        if float(dv) != int(dv):
            raise ValueError(f"d must be a positive integer, got d={dv!r}")
        ToyModel(0.5, 0.0, int(dv))
    for e in np.unique(eps):
        ThreatModel("linf", float(e))


def phase_grid(p, d, *, eta=None, mu=None, eps=None, eps_over_eta=None, norm: str = "linf",
               required_robust: float = 0.5, n_tau: int = 256, lam: float | None = None):
    """Evaluate the closed forms on a grid and return an ``xarray.Dataset``.

    With ``lam`` (the SVM regularisation), the Dataset also holds ``adv_training_threshold``: the
    l_inf adversarial-training radius above which the population hinge-SVM optimum puts no weight
    on the weak features (:func:`robtheory.training.weak_feature_threshold`, one exact solve per
    (p, eta, d); at most 2000 of them), and ``adv_training_keeps_weak`` = eps < threshold.

    Exactly one of ``eta``/``mu`` and one of ``eps``/``eps_over_eta`` must be given (1-d arrays).
    """
    import xarray as xr

    if (eta is None) == (mu is None):
        raise ValueError("give exactly one of eta and mu")
    if (eps is None) == (eps_over_eta is None):
        raise ValueError("give exactly one of eps and eps_over_eta")
    if norm not in ("linf", "l2"):
        raise ValueError(f"norm must be 'linf' or 'l2', got {norm!r}")
    if not 0 <= required_robust <= 1:
        raise ValueError(f"required_robust must lie in [0, 1], got {required_robust!r}")
    p = np.atleast_1d(np.asarray(p, float))
    d = np.atleast_1d(np.asarray(d, float))
    wname, wvals = ("eta", eta) if eta is not None else ("mu", mu)
    rname, rvals = ("eps", eps) if eps is not None else ("eps_over_eta", eps_over_eta)
    wvals = np.atleast_1d(np.asarray(wvals, float))
    rvals = np.atleast_1d(np.asarray(rvals, float))
    P, W, R, Dd = np.meshgrid(p, wvals, rvals, d, indexing="ij")
    sd = np.sqrt(Dd)
    ETA = W if wname == "eta" else W / sd
    EPS = R if rname == "eps" else R * ETA
    _validate(P, ETA, EPS, Dd)
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

    # A*_rob (spec §3.8): Bayes accuracy of the model shifted by the per-coordinate budget.
    eta_s = np.maximum(ETA - per_coord, 0.0)
    mu_s = eta_s * sd
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        tau_s = np.where((mu_s > 0) & np.isfinite(L), L / (2 * mu_s), np.inf)
    fs = np.isfinite(tau_s)
    bayes_shift = acc(np.where(fs, tau_s, 1.0), np.where(fs, sd, 0.0), np.where(fs, 1.0, 0.0),
                      np.where(fs, sd, 0.0), eta_=eta_s)
    x1_breaks = EPS >= 1
    avg_shift = acc(*avg, eta_=eta_s)
    a_star = np.where(per_coord < ETA, np.where(x1_breaks, avg_shift, bayes_shift),
                      np.where(x1_breaks, 0.5, P))
    if norm == "l2":
        a_star = np.where(x1_breaks, np.nan, a_star)  # not derived for l2 with eps >= 1
    out["optimal_robust"] = a_star

    # Accuracy price of robustness along the rounded-rule frontier.
    theta = np.linspace(0.0, math.pi / 2, n_tau)
    tau = np.tan(theta[:-1])
    best = np.full(P.shape, -np.inf)
    weak_kind = f"{norm}_weak"
    for t in tau:
        st_ = unbiased_accuracy(P, ETA, 0.0, t, sd, 1.0, sd, "standard")
        rb_ = unbiased_accuracy(P, ETA, EPS, t, sd, 1.0, sd, weak_kind)
        best = np.where(rb_ >= required_robust, np.maximum(best, st_), best)
    # The Bayes ratio itself (the most accurate rule), which the tau grid only approaches.
    st_ = acc(*bay)
    rb_ = unbiased_accuracy(P, ETA, EPS, *bay, weak_kind)
    best = np.where(rb_ >= required_robust, np.maximum(best, st_), best)
    rob_x1 = np.where(EPS < 1, P, 0.0)  # tau = inf: sign(x1)
    best = np.where(rob_x1 >= required_robust, np.maximum(best, P), best)
    best = np.where(x1_breaks, np.nan, best)
    out["frontier_standard"] = np.where(np.isfinite(best), best, np.nan)
    out["price"] = out["bayes_standard"] - out["frontier_standard"]

    regime = np.where(EPS >= 1, 3, np.where(per_coord >= 2 * ETA, 2, np.where(per_coord >= ETA, 1, 0)))
    regime = np.where((ETA == 0) & (EPS < 1), 2, regime)

    dims = ("p", wname, rname, "d")
    coords = {"p": p, wname: wvals, rname: rvals, "d": d.astype(int)}
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
    ds["regime"].attrs["flag_values"] = list(REGIMES)
    ds["regime"].attrs["flag_meanings"] = "; ".join(REGIMES.values())
    ds.attrs.update(provenance())
    ds.attrs.update({
        "norm": norm, "x1_perturbable": 1, "required_robust": float(required_robust),
        "seed": "none (closed forms)", "source": "robtheory.phase.phase_grid",
        "frontier_note": "frontier_standard/price are exact over all classifiers at eps = 2 eta "
                         "(Theorem F) and achievable values elsewhere",
    })
    return ds


def _adv_training_threshold(P, ETA, D, lam):
    from .training import weak_feature_threshold

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
    """Write ``phase.nc`` (netCDF, scipy engine) and ``phase.csv``; return their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    nc = out / "phase.nc"
    csv = out / "phase.csv"
    ds.to_netcdf(nc, engine="scipy")
    ds.to_dataframe().to_csv(csv)
    return {"netcdf": nc, "csv": csv}
