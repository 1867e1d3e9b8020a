"""Closed forms and phase boundaries of adversarial training on D(p, eta, d).

When does adversarial training drop the weak features (``v* = 0``)? The restricted hinge
optimum on ``v = 0`` in closed form (theory §2.2), the exact l_inf boundary from the sign of
the marginal derivative :math:`\varphi'(0; +1)`, the whole set of radii where the weak
features are dropped, and the l_2 radius from which the optimum is ``w = 0``.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize
from scipy.special import ndtri

from robtheory.model import ThreatModel, ToyModel
from robtheory.training.objective import Objective
from robtheory.training.population import _line_hinge, _line_smooth

__all__ = [
    "adversarial_hinge_closed_form",
    "l2_zero_threshold",
    "weak_feature_dropped_intervals",
    "weak_feature_threshold",
    "weak_feature_threshold_closed_form",
]

_INV_SQRT_2PI = 0.3989422804014327


def adversarial_hinge_closed_form(p: float, eps_train: float, lam: float) -> float:
    """:math:`w_1^*` of the adversarial hinge objective restricted to ``v = 0`` (theory §2.2).

    .. math::

        w_1^* = \\min\\{(2p - 1 - \\varepsilon)/\\lambda,\\ 1/(1 - \\varepsilon)\\}
        \\ \\text{if}\\ \\varepsilon < 2p - 1, \\qquad w_1^* = 0\\ \\text{otherwise}.

    It is the global optimum whenever the weak features are dropped (Lemma D.5:
    ``eps_train >= eta`` suffices; :func:`weak_feature_threshold` gives the exact boundary).

    Parameters
    ----------
    p : float in [1/2, 1]
    eps_train : float >= 0
        The l_inf training radius.
    lam : float > 0
        The regularisation.

    Returns
    -------
    float
        :math:`w_1^*`.

    Examples
    --------
    >>> adversarial_hinge_closed_form(0.95, 0.2, 0.1)     # min(0.7 / 0.1, 1 / 0.8)
    1.25
    >>> adversarial_hinge_closed_form(0.95, 0.9, 0.1)     # eps_train >= 2p - 1: w = 0
    0.0
    """
    if eps_train >= 2 * p - 1:
        return 0.0
    return min((2 * p - 1 - eps_train) / lam, 1 / (1 - eps_train))


def _kink_kappa(p: float, eps: float, lam: float) -> float:
    """:math:`\\kappa = ((1-p)(1+\\varepsilon) + \\lambda/(1-\\varepsilon))/(p(1-\\varepsilon))`: the steepest
    joint direction :math:`(\\alpha^*, 1)` at the kink optimum has :math:`\\Phi(c - (1-\\varepsilon)\\alpha^*)
    = \\kappa` (:func:`_kink_marginal`); no such direction descends when :math:`\\kappa \\ge 1`."""
    return ((1 - p) * (1 + eps) + lam / (1 - eps)) / (p * (1 - eps))


def _kink_marginal(p: float, eta: float, d: int, eps: float, lam: float) -> float:
    """:math:`\\varphi'(0; +1)` at the kink optimum :math:`w_1^* = 1/(1-\\varepsilon)` (l_inf, hinge).

    Near :math:`x^* = (1/(1-\\varepsilon), 0)` the directional derivative in
    :math:`(\\alpha, 1)` is :math:`pR(c - (1-\\varepsilon)\\alpha, 1) + (1-p)[(1+\\varepsilon)\\alpha + c]
    + \\lambda\\alpha/(1-\\varepsilon)` with :math:`c = \\sqrt d(\\varepsilon - \\eta)`; its minimum
    over :math:`\\alpha` is attained at :math:`\\Phi(t) = \\kappa` with
    :math:`\\kappa = ((1-p)(1+\\varepsilon) + \\lambda/(1-\\varepsilon))/(p(1-\\varepsilon))` and equals
    :math:`p\\varphi(\\Phi^{-1}(\\kappa)) + c\\,(1 - p + p\\kappa)`.
    """
    c = math.sqrt(d) * (eps - eta)
    kappa = min(_kink_kappa(p, eps, lam), 1.0)
    t = ndtri(kappa)
    phi_t = _INV_SQRT_2PI * math.exp(-0.5 * t * t) if math.isfinite(t) else 0.0
    return p * phi_t + c * (1 - p + p * kappa)


def weak_feature_threshold_closed_form(model: ToyModel, lam: float) -> float:
    """The smallest ``eps_train`` above which l_inf adversarial hinge training has ``v* = 0``.

    From the one-sided derivative of the marginal :math:`\\varphi(v) = \\min_{w_1} J(w_1, v)`
    at ``v = 0`` (its sign decides whether the weak features are used):

    * restricted optimum interior, :math:`(2p-1-\\varepsilon)(1-\\varepsilon) < \\lambda`, or
      :math:`w_1^* = 0`: :math:`\\varphi'(0;+1) = \\sqrt d(\\varepsilon - \\eta)`, so the boundary
      is :math:`\\varepsilon = \\eta`;
    * restricted optimum at the kink :math:`w_1^* = 1/(1-\\varepsilon)`:
      :math:`\\varphi'(0;+1) = p\\varphi(\\Phi^{-1}(\\kappa)) + \\sqrt d(\\varepsilon-\\eta)(1-p+p\\kappa)`
      (:func:`_kink_marginal`), positive at :math:`\\varepsilon = \\eta`, so the boundary lies
      below :math:`\\eta` and depends on :math:`\\lambda`.

    The threshold is the largest zero of :math:`\\varphi'(0;+1)` in :math:`[0, \\eta]`, found
    by a scan and Brent's method (0 if there is none); ``v* = 0`` for every ``eps`` above it
    (``phi'(0;-1) > 0`` always holds). Assumes ``p > 1/2`` and ``eta < 1``.

    Parameters
    ----------
    model : ToyModel
    lam : float > 0

    Returns
    -------
    float

    Examples
    --------
    >>> from robtheory import ToyModel
    >>> round(weak_feature_threshold_closed_form(ToyModel(0.95, 0.1, 1600), 0.05), 7)
    0.0710278
    """
    p, eta, d = model.p, model.eta, model.d

    def F(eps: float) -> float:
        if eps < 2 * p - 1 and (2 * p - 1 - eps) * (1 - eps) >= lam:
            return _kink_marginal(p, eta, d, eps, lam)
        return math.sqrt(d) * (eps - eta)

    if eta == 0:
        return 0.0
    grid = np.linspace(0.0, eta, 401)
    vals = np.array([F(e) for e in grid])
    if vals[-1] < 0:  # pragma: no cover - F(eta) >= 0 always
        raise RuntimeError("phi'(0;+1) < 0 at eps = eta")
    neg = np.flatnonzero(vals < 0)
    if neg.size == 0:
        return 0.0
    k = int(neg[-1])
    if vals[k + 1] == 0:
        return float(grid[k + 1])
    return float(optimize.brentq(F, grid[k], grid[k + 1], xtol=1e-15, rtol=1e-14))


def _drops_weak(model: ToyModel, lam: float, loss: str, eps: float) -> float:
    """``min(phi'(0;+1), phi'(0;-1))`` at the exact line optimum (l_inf, radius ``eps``): ``v* = 0``
    iff it is ``>= 0`` (the solver's own test, :func:`~robtheory.training.population.solve`)."""
    obj = Objective(model, lam, ThreatModel("linf", eps), loss)
    w1 = _line_hinge(obj) if loss == "hinge" else _line_smooth(obj)
    return min(obj.marginal_derivative(w1, 1.0), obj.marginal_derivative(w1, -1.0))


def weak_feature_dropped_intervals(model: ToyModel, lam: float, loss: str = "hinge", norm: str = "linf",
                                   n_scan: int = 161, tol: float = 1e-12) -> list:
    """The set of training radii ``eps_train`` whose adversarial optimum has no weight on the weak features.

    Returned as a sorted list of disjoint closed intervals ``(lo, hi)`` of ``[0, inf)``, the last
    one ``(t, inf)``. The set need not be an interval: for the hinge under l_inf the restricted
    optimum can sit at the kink ``w1 = 1/(1 - eps)``, where the weak features are dropped too, so
    at ``p = 0.8, eta = 0.5, d = 1, lam = 0.1`` it is ``[0, 0.4051] u [0.5, inf)``.

    l_inf: ``v* = 0`` for every ``eps >= eta`` (Lemma D.5); on ``[0, eta]`` the solver's marginal
    derivatives (:func:`_drops_weak`) are evaluated at ``n_scan`` equally spaced radii and every
    change of sign is located by Brent's method (to 1e-14); a component narrower than the scan's
    spacing ``eta / (n_scan - 1)`` can be missed. l_2 (x1 perturbable): the weak features are
    dropped only together with x1, from :func:`l2_zero_threshold` on.

    Parameters
    ----------
    model : ToyModel
    lam : float > 0
    loss : {"hinge", "logistic"}
    norm : {"linf", "l2"}
    n_scan : int >= 2, default 161
    tol : float >= 0, default 1e-12

    Returns
    -------
    list of (float, float)
        Disjoint closed intervals, the last ending at ``inf``.

    Examples
    --------
    >>> from robtheory import ToyModel
    >>> [(lo, round(hi, 4)) for lo, hi in weak_feature_dropped_intervals(ToyModel(0.8, 0.5, 1), 0.1)]
    [(0.0, 0.4051), (0.5, inf)]
    """
    if norm == "l2":
        return [(l2_zero_threshold(model), math.inf)]
    eta = model.eta
    if eta == 0:
        return [(0.0, math.inf)]
    grid = np.linspace(0.0, eta, n_scan)
    vals = np.array([_drops_weak(model, lam, loss, e) for e in grid])
    drop = vals >= -tol
    drop[-1] = True  # eps = eta: Lemma D.5

    def F(e: float) -> float:
        return _drops_weak(model, lam, loss, e)

    out, start = [], (0.0 if drop[0] else None)
    for k in range(n_scan - 1):
        if drop[k] == drop[k + 1]:
            continue
        if k + 2 == n_scan and not drop[k] and abs(vals[-1]) <= tol:  # F(eta) = 0 (Lemma D.5's end)
            edge = float(eta)
        elif vals[k] * vals[k + 1] < 0:  # a zero (or a jump across 0) of the marginal derivative
            edge = float(optimize.brentq(F, grid[k], grid[k + 1], xtol=1e-14, rtol=1e-13))
        else:  # one end within tol of 0: the change of sign is at the tolerance itself
            edge = float(optimize.brentq(lambda e: F(e) + tol, grid[k], grid[k + 1], xtol=1e-14, rtol=1e-13))
        if drop[k]:
            out.append((start, edge))
            start = None
        else:
            start = edge
    out.append((start, math.inf))
    return out


def weak_feature_threshold(model: ToyModel, lam: float, loss: str = "hinge", norm: str = "linf",
                           tol: float = 1e-12) -> float:
    """The radius from which on adversarial training puts no weight on the weak features.

    Precisely: the smallest ``t`` such that ``v* = 0`` for every ``eps_train >= t`` (the start of
    the last interval of :func:`weak_feature_dropped_intervals`). Below ``t`` the weak features
    are *not* necessarily used: the set where they are dropped can have a component below ``t``
    (p = 0.8, eta = 0.5, d = 1, lam = 0.1: dropped on [0, 0.4051] and from 0.5 on, so this
    returns 0.5); use :func:`weak_feature_dropped_intervals` for the whole set.

    Computed from the solver's marginal derivative :math:`\\varphi'(0;+1)` at the exact line
    optimum (no closed form used): its largest zero in ``[0, eta]`` (l_inf). For the logistic
    loss the answer is exactly ``eta`` (its loss is smooth in ``v`` at 0, so
    :math:`\\varphi'(0;+1) = \\sqrt d(\\varepsilon-\\eta)\\,E\\sigma(\\cdot)`); for l_2 the weak
    features are dropped only together with x1, at :func:`l2_zero_threshold`.

    Parameters
    ----------
    model : ToyModel
    lam : float > 0
    loss : {"hinge", "logistic"}
    norm : {"linf", "l2"}
    tol : float >= 0, default 1e-12

    Returns
    -------
    float
        The radius ``t`` (0 when the weak features are never used).

    Examples
    --------
    >>> from robtheory import ToyModel
    >>> round(weak_feature_threshold(ToyModel(0.95, 0.1, 1600), 0.05), 7)    # below eta = 0.1
    0.0710278
    >>> weak_feature_threshold(ToyModel(0.8, 0.5, 1), 0.1)                  # the last interval's start
    0.5
    """
    if norm == "l2":
        return l2_zero_threshold(model)

    def F(eps: float) -> float:
        obj = Objective(model, lam, ThreatModel("linf", eps), loss)
        w1 = _line_hinge(obj) if loss == "hinge" else _line_smooth(obj)
        return obj.marginal_derivative(w1, 1.0)

    eta = model.eta
    if eta == 0:
        return 0.0
    grid = np.linspace(0.0, eta, 81)
    vals = np.array([F(e) for e in grid])
    neg = np.flatnonzero(vals < -tol)
    if neg.size == 0:
        return 0.0
    k = int(neg[-1])
    if k + 1 >= grid.size or vals[k + 1] <= tol:
        return float(grid[min(k + 1, grid.size - 1)])
    return float(optimize.brentq(F, grid[k], grid[k + 1], xtol=1e-14, rtol=1e-13))


def l2_zero_threshold(model: ToyModel) -> float:
    """l_2 adversarial training (x1 perturbable): ``w* = 0`` iff :math:`\\varepsilon \\ge \\sqrt{(2p-1)^2+\\mu^2}`.

    At ``w = 0`` every hinge/logistic case has the same argument, and the directional
    derivative is :math:`c\\,[(1-2p)\\alpha - \\mu\\beta + \\varepsilon\\lVert(\\alpha,\\beta)\\rVert]`
    (``c = 1`` hinge, ``1/2`` logistic), non-negative in every direction iff
    :math:`\\varepsilon \\ge \\lVert(2p-1, \\mu)\\rVert`. Elsewhere ``v = 0`` is not a kink of
    the l_2 objective, and :math:`\\partial_v J = -\\mu(\\dots) < 0`: the weak features are kept.

    Parameters
    ----------
    model : ToyModel

    Returns
    -------
    float
        :math:`\\sqrt{(2p-1)^2+\\mu^2}`.

    Examples
    --------
    >>> from robtheory import ToyModel
    >>> round(l2_zero_threshold(ToyModel(0.95, 0.3, 100)), 6)      # hypot(0.9, 3)
    3.132092
    """
    return math.hypot(2 * model.p - 1, model.mu)
