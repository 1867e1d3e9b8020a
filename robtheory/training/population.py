r"""The exact global optimum of a population objective (:class:`~robtheory.training.objective.Objective`).

The objective is :math:`\lambda`-strongly convex, so it has one
minimiser and every point ``x`` satisfies

.. math::

    \lVert x - x^*\rVert \le \sigma(x)/\lambda, \qquad
    J(x) - J(x^*) \le \sigma(x)^2 / (2\lambda), \qquad
    \sigma(x) = \operatorname{dist}(0, \partial J(x)) = -\min_{\lVert d\rVert = 1} J'(x; d),

which is the optimality certificate every solver result carries (``kkt_residual``). The solver
(:func:`solve`) first minimises exactly on the line ``v = 0`` (a piecewise quadratic for the
hinge), then decides from the one-sided derivative of the marginal
:math:`\varphi(v) = \min_{w_1} J(w_1, v)` at 0 whether the weak features are used; if they are,
``J`` is smooth in each open quadrant and L-BFGS-B solves each closed quadrant.

Also here: :func:`unit_norm_optimum`, Theorem 2.2's tuning of ``lambda`` for a unit-norm optimum.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from robtheory.classifiers import ConstantClassifier, StructuredLinear
from robtheory.model import ThreatModel, ToyModel
from robtheory.theory.closed_form import Accuracy, linear_accuracy
from robtheory.training.objective import Objective, embed

__all__ = ["PopulationOptimum", "solve", "unit_norm_optimum"]


# ----------------------------------------------------------------------------------------
# Exact optimum


@dataclass(frozen=True)
class PopulationOptimum:
    """The global minimiser :math:`(w_1^*, v^*)` of a population objective, with its certificate.

    The objective is a :class:`~robtheory.training.objective.Objective`; :func:`solve` and
    :func:`unit_norm_optimum` return this record (named ``Optimum`` before the split).

    Attributes
    ----------
    w1, v : float
        Weight on x1 and on :math:`z = d^{-1/2}\\sum x_i` (each weak weight is ``v/sqrt(d)``).
    value : float
        :math:`J(w_1^*, v^*)`.
    lam : float
        The regularisation (tuned for unit norm by :func:`unit_norm_optimum`).
    kkt_residual : float
        :math:`\\sigma = \\operatorname{dist}(0, \\partial J)` at the returned point; the true
        optimum lies within ``distance_bound = kkt_residual / lam``.
    method : str
        ``"line"`` (optimum on ``v = 0``, certified by the marginal derivatives ``dphi``) or
        ``"quadrant"`` (smooth problem in an open quadrant) or ``"sphere"``.
    dphi : tuple
        :math:`(\\varphi'(0;+1), \\varphi'(0;-1))` at the line optimum.
    kkt_floor : float
        The accuracy of the gradients ``kkt_residual`` is computed from
        (:meth:`~robtheory.training.objective.Objective.gradient_floor`; 0 for the hinge): the residual is only known to within
        it, so ``distance_bound`` is ``(kkt_residual + kkt_floor) / lam``.

    Examples
    --------
    >>> from robtheory import ThreatModel, ToyModel
    >>> from robtheory.training import Objective
    >>> opt = solve(Objective(ToyModel(0.95, 0.4, 100), 0.1, ThreatModel("linf", 0.8)))
    >>> round(opt.w1, 9), opt.v, opt.method          # x1 only: w1* = min((2p-1-eps)/lam, 1/(1-eps))
    (1.0, 0.0, 'line')
    """

    objective: Objective
    w1: float
    v: float
    value: float
    lam: float
    kkt_residual: float
    method: str
    dphi: tuple = (math.nan, math.nan)
    kkt_floor: float = 0.0

    @property
    def distance_bound(self) -> float:
        return (self.kkt_residual + self.kkt_floor) / self.lam if self.lam > 0 else math.inf

    @property
    def norm(self) -> float:
        return math.hypot(self.w1, self.v)

    @property
    def c(self) -> float:
        """The weight on each weak feature, ``v / sqrt(d)``."""
        return self.v / math.sqrt(self.objective.d)

    def weights(self) -> np.ndarray:
        return embed(self.w1, self.v, self.objective.d)

    def classifier(self) -> StructuredLinear | ConstantClassifier:
        """``StructuredLinear(w1, v/sqrt(d))``, or the constant ``sign(0)`` when ``w = 0``."""
        d = self.objective.d
        if self.w1 == 0 and self.v == 0:
            return ConstantClassifier(d, 0.0)
        return StructuredLinear(self.w1, self.c, d)

    def accuracy(self, threat: ThreatModel | None = None) -> Accuracy:
        """Standard and robust accuracy of ``sign(w^T x)`` (a 0 score counts as an error)."""
        return linear_accuracy(self.objective.model, self.classifier(), threat)

    def to_dict(self) -> dict:
        return {"w1": self.w1, "v": self.v, "c": self.c, "lam": self.lam, "value": self.value,
                "norm": self.norm, "kkt_residual": self.kkt_residual, "kkt_floor": self.kkt_floor,
                "distance_bound": self.distance_bound, "method": self.method}


def _line_hinge(obj: Objective) -> float:
    """Exact minimiser of the piecewise quadratic :math:`J(w_1, 0)` (hinge).

    On ``v = 0`` the hinge is :math:`\\sum_s \\pi_s\\max(0, 1 - s w_1 + \\varepsilon n(w_1))` with
    :math:`n = |w_1|` when x1 can be perturbed; between consecutive breakpoints (``0`` and the
    zeros of each hinge argument) ``J`` is a quadratic whose stationary point is a candidate,
    and the breakpoints are candidates too. The best candidate is the minimiser.
    """
    p, lam, eps = obj.model.p, obj.lam, obj.eps
    full = obj.kind in ("linf_full", "l2_full")
    bps = {0.0}
    for s in (1.0, -1.0):
        for side in (1.0, -1.0):
            slope = s - (eps * side if full else 0.0)  # m = 1 - slope * w1 on this side
            if slope != 0:
                r = 1.0 / slope
                if r * side > 0:
                    bps.add(r)
    bps = sorted(bps)
    big = (2.0 + 2.0 * eps) / lam + max(abs(b) for b in bps) + 1.0
    edges = [-big] + bps + [big]
    cands = list(bps)
    for lo, hi in zip(edges[:-1], edges[1:]):
        mid = 0.5 * (lo + hi)
        side = 1.0 if mid > 0 else -1.0
        coef = 0.0
        for s, prob in ((1.0, p), (-1.0, 1 - p)):
            slope = s - (eps * side if full else 0.0)
            if 1.0 - slope * mid > 0:
                coef -= prob * slope
        stat = -coef / lam
        if lo < stat < hi:
            cands.append(stat)
    vals = [obj.value(c, 0.0) for c in cands]
    return float(cands[int(np.argmin(vals))])


def _line_smooth(obj: Objective) -> float:
    """Minimiser of the convex :math:`J(w_1, 0)`, smooth except at ``w1 = 0`` (logistic)."""
    right = float(obj.directional_derivative(0.0, 0.0, 1.0, 0.0))
    left = float(obj.directional_derivative(0.0, 0.0, -1.0, 0.0))
    if right >= 0 and left >= 0:
        return 0.0
    side, slope = (1.0, right) if right < 0 else (-1.0, left)

    def deriv(t: float) -> float:  # derivative of t -> J(side * t, 0), increasing (convexity)
        return float(obj.directional_derivative(side * t, 0.0, side, 0.0))

    hi = -slope / obj.lam  # strong convexity: |w1*| <= |J'(0; side)| / lam
    while deriv(hi) < 0:  # pragma: no cover - rounding only
        hi *= 1.0 + 1e-9
    return side * float(optimize.brentq(deriv, 0.0, hi, xtol=1e-300, rtol=1e-15, maxiter=500))


def _quadrant(obj: Objective, sw: float, sv: float, x0: tuple[float, float]) -> tuple[float, float, float]:
    """L-BFGS-B on the closed quadrant ``sign(w1) = sw`` (free when ``sw = 0``), ``sign(v) = sv``.

    ``J`` is smooth in the open quadrant; a few Newton steps (finite-difference Hessian of
    the exact gradient) polish an interior L-BFGS-B point to full precision.
    """
    scale = np.array([sw if sw else 1.0, sv])

    def fg(x: np.ndarray) -> tuple[float, np.ndarray]:
        w1, v = scale * x
        g = obj.gradient(w1, v, side_w1=sw, side_v=sv)
        return obj.value(w1, v), scale * g

    start = np.array([max(sw * x0[0], 0.0) if sw else x0[0], max(sv * x0[1], 1e-3)])
    bounds = [(0, None) if sw else (None, None), (0, None)]
    res = optimize.minimize(fg, start, jac=True, method="L-BFGS-B", bounds=bounds,
                            options={"ftol": 1e-16, "gtol": 1e-13, "maxiter": 2000, "maxcor": 20})
    x = res.x
    fx, gx = fg(x)
    for _ in range(8):
        if (sw and x[0] <= 0) or x[1] <= 0 or not np.any(gx):
            break
        h = 1e-6 * max(1.0, float(np.max(np.abs(x))))
        H = np.empty((2, 2))
        for j in range(2):
            e = np.zeros(2)
            e[j] = h
            H[:, j] = (fg(x + e)[1] - fg(x - e)[1]) / (2 * h)
        try:
            xn = x - np.linalg.solve(0.5 * (H + H.T), gx)
        except np.linalg.LinAlgError:
            break
        if (sw and xn[0] <= 0) or xn[1] <= 0:
            break
        fn, gn = fg(xn)
        if fn > fx or np.linalg.norm(gn) >= np.linalg.norm(gx):
            break
        x, fx, gx = xn, fn, gn
    w1, v = scale * x
    return float(w1), float(v), float(fx)


def solve(obj: Objective) -> PopulationOptimum:
    """The global minimiser of ``obj`` over all linear classifiers without bias.

    By Lemma D.1 (equal weak weights at the optimum) this is a 2-d convex problem in
    :math:`(w_1, v)`; see the module docstring for the method and the certificate.

    Parameters
    ----------
    obj : Objective
        The population objective (``lam > 0``).

    Returns
    -------
    PopulationOptimum
        :math:`(w_1^*, v^*)`, the value, and the certificate ``distance_bound``: the true optimum
        lies within it.

    Raises
    ------
    ValueError
        If ``lam <= 0``.

    Examples
    --------
    >>> from robtheory import ThreatModel, ToyModel
    >>> from robtheory.training import Objective
    >>> model = ToyModel(0.95, 0.4, 100)
    >>> std = solve(Objective(model, 0.1))                        # standard training uses z
    >>> std.v > 0, std.distance_bound < 1e-9
    (True, True)
    >>> adv = solve(Objective(model, 0.1, ThreatModel("linf", 0.8)))   # eps_train = 2 eta drops it
    >>> adv.v
    0.0
    """
    if obj.lam <= 0:
        raise ValueError(f"the solver needs lam > 0 (strong convexity), got lam={obj.lam!r}")
    w1 = _line_hinge(obj) if obj.loss == "hinge" else _line_smooth(obj)
    dplus = obj.marginal_derivative(w1, 1.0)
    dminus = obj.marginal_derivative(w1, -1.0)
    tol = 1e-10
    if dplus >= -tol and dminus >= -tol:
        res = max(0.0, -min(dplus, dminus))
        return PopulationOptimum(obj, w1, 0.0, obj.value(w1, 0.0), obj.lam, res, "line", (dplus, dminus),
                       obj.gradient_floor(w1, 0.0))
    sv = 1.0 if dplus < dminus else -1.0
    sides = (1.0, -1.0) if obj.kind == "linf_full" else (0.0,)
    best = None
    for sw in sides:
        cand = _quadrant(obj, sw, sv, (w1, 0.1 * sv))
        if best is None or cand[2] < best[2]:
            best = cand
    w1s, vs, val = best
    sigma = obj.steepest_descent_rate(w1s, vs)
    if sigma > 1e-9 * (1.0 + math.hypot(w1s, vs)):
        # L-BFGS-B can stall against the steep wall of the hinge near v = 0; fall back on
        # nested one-dimensional convex minimisations, then polish.
        for sw in sides:
            x0 = _nested(obj, sw, sv)
            cand = _quadrant(obj, sw, sv, x0)
            if cand[2] < val:
                w1s, vs, val = cand
        sigma = obj.steepest_descent_rate(w1s, vs)
    return PopulationOptimum(obj, w1s, vs, val, obj.lam, sigma, "quadrant", (dplus, dminus),
                   obj.gradient_floor(w1s, vs))


def _nested(obj: Objective, sw: float, sv: float) -> tuple[float, float]:
    r"""Minimise :math:`\varphi(v) = \min_{w_1} J(w_1, v)` (convex) by nested bounded Brent.

    The box comes from :math:`\frac\lambda2\lVert x^*\rVert^2 \le J(x^*) \le J(0)`.
    """
    B = math.sqrt(2 * obj.value(0.0, 0.0) / obj.lam) * 1.01 + 1e-12
    lo, hi = (0.0, B) if sw > 0 else (-B, 0.0) if sw < 0 else (-B, B)

    def inner(v: float) -> tuple[float, float]:
        r = optimize.minimize_scalar(lambda t: obj.value(t, v), bounds=(lo, hi), method="bounded",
                                     options={"xatol": 1e-12 * B})
        return float(r.x), float(r.fun)

    r = optimize.minimize_scalar(lambda t: inner(sv * t)[1], bounds=(0.0, B), method="bounded",
                                 options={"xatol": 1e-12 * B})
    v = sv * float(r.x)
    return inner(v)[0], v


# ----------------------------------------------------------------------------------------
# Unit norm (Theorem 2.2's tuning of lambda)


def _sphere_standard(obj: Objective) -> tuple[float, float, float]:
    """Minimiser of the loss over the unit circle; the lambda that makes it the J-optimum.

    A grid in the angle (fine for the hinge, coarse for the quadrature-based logistic loss)
    is refined by bounded Brent. The returned point is certified afterwards, so the grid
    only has to land in the right basin.
    """
    grid = 1441 if obj.loss == "hinge" else 145
    th = np.linspace(-math.pi, math.pi, grid)
    vals = obj.loss_value(np.cos(th), np.sin(th))
    k = int(np.argmin(vals))
    step = th[1] - th[0]
    res = optimize.minimize_scalar(lambda t: float(obj.loss_value(math.cos(t), math.sin(t))),
                                   bounds=(th[k] - step, th[k] + step), method="bounded",
                                   options={"xatol": 1e-13})
    t = float(res.x)
    w1, v = math.cos(t), math.sin(t)
    # J = loss + lam/2 |x|^2 is stationary at a unit x iff grad loss = -lam x: lam = -x . grad loss
    g = Objective(obj.model, 0.0, obj.threat, obj.loss).gradient(w1, v)
    lam = -(w1 * g[0] + v * g[1])
    return w1, v, lam


def unit_norm_optimum(model: ToyModel, threat: ThreatModel | None = None, loss: str = "hinge",
                      lam_bracket: tuple[float, float] = (1e-6, 1e3)) -> PopulationOptimum:
    """The global optimum of :math:`J_\\lambda` with :math:`\\lambda` tuned so that :math:`\\lVert w^*\\rVert = 1`.

    If :math:`w^*` minimises :math:`J_\\lambda` and has unit norm, it minimises the loss over
    the unit sphere; conversely a point ``x`` of the circle with ``grad loss(x) = -lam x``,
    ``lam > 0``, is the (unique) minimiser of :math:`J_\\lambda`. This point does not depend on
    which such ``lam`` is taken (two of them would give two minimisers of one strictly convex
    function). Standard training: the circle is searched directly and ``lam`` read off the
    gradient; adversarial training (not smooth at ``v = 0``), or if that fails: :math:`\\lVert w^*(\\lambda)\\rVert`, non-increasing in ``lam``, is
    solved for 1 by Brent's method. Raises ``ValueError`` when no ``lam`` gives norm 1.

    Parameters
    ----------
    model : ToyModel
        D(p, eta, d).
    threat : ThreatModel, optional
        The training adversary (None: standard training).
    loss : {"hinge", "logistic"}
    lam_bracket : (float, float), default (1e-6, 1e3)
        Where to look for ``lam`` (``0 < lo < hi``).

    Returns
    -------
    PopulationOptimum
        With ``lam`` the tuned regularisation and ``norm`` 1.

    Examples
    --------
    >>> from robtheory import ToyModel
    >>> opt = unit_norm_optimum(ToyModel(0.95, 0.4, 100))
    >>> round(opt.norm, 9), bool(opt.lam > 0)
    (1.0, True)
    """
    if threat is None or threat.eps == 0:
        probe = Objective(model, 1.0, None, loss)
        w1, v, lam = _sphere_standard(probe)
        if lam > 0 and v != 0:
            obj = Objective(model, lam, None, loss)
            sigma = obj.steepest_descent_rate(w1, v)
            if sigma < 1e-6:
                return PopulationOptimum(obj, w1, v, obj.value(w1, v), lam, sigma, "sphere",
                               kkt_floor=obj.gradient_floor(w1, v))

    def gap(loglam: float) -> float:
        return solve(Objective(model, math.exp(loglam), threat, loss)).norm - 1.0

    lo, hi = math.log(lam_bracket[0]), math.log(lam_bracket[1])
    glo, ghi = gap(lo), gap(hi)
    if glo < 0:
        raise ValueError(f"no lambda in [{lam_bracket[0]:g}, {lam_bracket[1]:g}] gives a unit-norm "
                         f"optimum: the norm is {glo + 1:.6g} < 1 already at lam = {lam_bracket[0]:g}")
    if ghi > 0:
        raise ValueError(f"the optimum still has norm {ghi + 1:.6g} > 1 at lam = {lam_bracket[1]:g}")
    loglam = optimize.brentq(gap, lo, hi, xtol=1e-13, rtol=1e-13)
    return solve(Objective(model, math.exp(loglam), threat, loss))


def __getattr__(name: str) -> type:
    # ``Optimum`` was this class's name until the architecture refactor; it clashed with
    # robtheory.theory.closed_form.Optimum (an unrelated record). Kept one release, deprecated.
    if name == "Optimum":
        warnings.warn("robtheory.training Optimum is deprecated: it is now PopulationOptimum",
                      DeprecationWarning, stacklevel=2)
        return PopulationOptimum
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
