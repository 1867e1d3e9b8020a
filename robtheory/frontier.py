"""Trade-off frontiers of (standard accuracy, robust accuracy) (spec §3.7, §3.8).

Theorem F (spec §3.7): at eps = 2 eta < 1 (l_inf, x1 perturbable or not) the Pareto frontier
over **all** measurable classifiers is traced by ``f_tau = sign(tau x1 + s(x))`` (rounded in
x1) for :math:`\\tau \\in [L/(2\\mu), \\infty]`:

.. math::

    \\mathrm{Std}(\\tau) = p\\Phi(\\mu+\\tau) + (1-p)\\Phi(\\mu-\\tau),\\qquad
    \\mathrm{Rob}(\\tau) = p\\Phi(\\tau-\\mu) + (1-p)\\Phi(-\\tau-\\mu),

from the Bayes point (tau = L/(2 mu)) to (p, p) (tau = inf, ``sign(x1)``). Both coordinates
are evaluated by the generated closed forms (the robust one as the weak-only l_inf accuracy,
which the rounded rule attains). Along it the Theorem 2.1 bound has the exact gap
:math:`\\frac{2p-1}{2(1-p)}(1 - \\Phi(\\tau+\\mu) + \\Phi(-\\tau-\\mu))`.

For other radii the same rounded family is an achievable lower curve for ``family="all"``
(``exact`` is then False). ``family="linear"`` is the frontier of linear classifiers with a
bias (:func:`_linear_frontier`: a grid over the two class offsets a + b, a - b and, for
l_inf with eps > eta, the spread of the weak weights): a bias can lift it far above the
unbiased family, e.g. at p = .95, eta = .3, d = 100 from robust accuracy 0.19 to 0.42 at
standard accuracy 0.96 under the l_2 ball eps = 4. ``family="linear-unbiased"`` keeps the
paper's ``f_tau`` family (exact among unbiased classifiers for l_2 and for l_inf with
eps <= eta; a (tau, r) grid for l_inf with eps > eta).

Monte Carlo points (:func:`frontier_mc`): a few points of a frontier are re-estimated by
sampling with the classifier that attains each of them (:func:`attaining_classifier`) and
tested against the curve with exact binomial tests at a stated family-wise false-alarm rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from .closed_form import accuracy_stats, theorem_2_1_bound
from .model import ThreatModel, ToyModel

__all__ = ["FAMILIES", "Frontier", "attaining_classifier", "frontier", "frontier_mc", "theorem_f_applies"]


@dataclass(frozen=True)
class Frontier:
    """Points of a frontier, ordered from the most accurate to the most robust."""

    model: ToyModel
    threat: ThreatModel
    family: str
    exact: bool
    tau: np.ndarray
    standard_accuracy: np.ndarray
    robust_accuracy: np.ndarray
    bound: np.ndarray  # Theorem 2.1 bound p/(1-p)(1 - std) at each point; NaN where it does not apply
    note: str
    #: ``r = ||u||_1 / ||u||_2`` of the weak weights at each point (``None``: equal weights,
    #: ``r = sqrt(d)``, at every point); only the l_inf linear frontier with eps > eta sets it.
    r: np.ndarray | None = None
    #: Bias ``b/||u||_2`` of each point (``None``: no bias at any point); family ``"linear"`` sets it.
    bias: np.ndarray | None = None

    def to_dict(self) -> dict:
        m, t = self.model, self.threat
        pts = []
        for k, (tau, s, r, b) in enumerate(zip(self.tau, self.standard_accuracy, self.robust_accuracy, self.bound)):
            pt = {"tau": (None if not math.isfinite(tau) else float(tau)),
                  "standard_accuracy": float(s), "robust_accuracy": float(r),
                  "theorem_2_1_bound": (None if not math.isfinite(b) else float(b))}
            if self.r is not None:
                pt["weak_weight_ratio"] = None if not math.isfinite(self.r[k]) else float(self.r[k])
            if self.bias is not None:
                pt["bias"] = float(self.bias[k])
            pts.append(pt)
        return {
            "p": m.p, "eta": m.eta, "d": m.d, "eps": t.eps, "norm": t.norm,
            "weak_only": not t.perturb_x1, "family": self.family, "exact": self.exact, "note": self.note,
            "points": pts,
        }


def theorem_f_applies(model: ToyModel, threat: ThreatModel) -> bool:
    """Theorem F's setting: l_inf, eps = 2 eta (to rounding), eps < 1."""
    return (threat.norm == "linf" and threat.eps < 1 and model.eta > 0
            and math.isclose(threat.eps, 2 * model.eta, rel_tol=1e-12))


def _pareto(std, rob):
    """Indices of the non-dominated points, ordered by decreasing standard accuracy."""
    order = np.lexsort((-rob, -std))
    keep, best_rob = [], -np.inf
    for i in order:
        if rob[i] > best_rob:
            keep.append(i)
            best_rob = rob[i]
    return np.array(keep, dtype=int)


FAMILIES = ("all", "linear", "linear-unbiased")


def frontier(model: ToyModel, threat: ThreatModel, family: str = "all", n: int = 201) -> Frontier:
    """The (standard, robust) accuracy frontier.

    Parameters
    ----------
    model, threat
        D(p, eta, d) and the threat ball.
    family : {"all", "linear", "linear-unbiased"}
        Over all measurable classifiers (rounded rules), over linear classifiers
        ``sign(a x1 + u.z + b)`` with a bias (:func:`_linear_frontier`), or over linear
        classifiers without bias (the paper's ``f_tau`` family and its l_inf variant).
    n : int >= 2
        Number of values of ``tau`` (uniform in ``arctan tau``), including ``tau = inf``; for
        ``"linear"``, the number of values of each offset (and of ``r`` where it varies).
    """
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {FAMILIES}, got {family!r}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n must be an integer >= 2, got {n!r}")
    if family == "linear":
        return _linear_frontier(model, threat, int(n))
    p, eta, d, eps = model.p, model.eta, model.d, threat.eps
    mu, L = model.mu, model.log_odds
    sd = math.sqrt(d)
    if family == "all":
        if threat.perturb_x1 and eps >= 1:
            raise ValueError(f"the frontier over all classifiers is derived for eps < 1, got eps={eps!r}")
        kind = f"{threat.norm}_weak"  # rounded rules ignore x1-perturbations below 1
        exact = theorem_f_applies(model, threat)
        tau_lo = (L / (2 * mu) if mu > 0 else math.inf) if exact else 0.0
        note = ("Theorem F: exact frontier over all measurable classifiers" if exact else
                "rounded rules sign(tau sign(x1) + s(x)): achievable, not proved optimal at this eps")
    else:
        kind = f"{threat.norm}_{'full' if threat.perturb_x1 else 'weak'}"
        tau_lo = 0.0
        if threat.norm == "linf" and eps > eta:
            # The l_inf penalty eps*||u||_1 rewards concentrated weak weights while accuracy rewards
            # spread ones: trace the two-parameter family (tau, r = ||u||_1/||u||_2 in [1, sqrt d]).
            return _linf_unbiased_frontier(model, threat, kind, n)
        exact = True
        note = ("linear classifiers without bias: f_tau (equal weak weights, optimal among unbiased "
                "linear classifiers for this threat at every trade-off point; a bias can do better, "
                "see family 'linear')")
    theta_lo = math.atan(tau_lo) if math.isfinite(tau_lo) else math.pi / 2
    theta = np.linspace(theta_lo, math.pi / 2, n)
    tau = np.tan(theta[:-1])
    if family != "all" and mu > 0:
        tau = np.union1d(tau, [L / (2 * mu)])  # the Bayes rule: the most accurate linear classifier
    # Finite taus as f_tau; the last point is sign(x1) (a = 1, no weak weight).
    a = np.append(tau, 1.0)
    S = np.append(np.full(tau.shape, sd), 0.0)
    Q = np.append(np.ones(tau.shape), 0.0)
    std, err = accuracy_stats(p, eta, 0.0, a, 0.0, S, Q, S, "standard")[:2]
    rob = accuracy_stats(p, eta, eps, a, 0.0, S, Q, S, kind)[0]
    taus = np.append(tau, np.inf)
    keep = _pareto(std, rob) if not exact or family != "all" else np.arange(taus.size)
    return Frontier(model, threat, family, bool(exact), taus[keep], std[keep], rob[keep],
                    _bound(model, threat, err[keep]), note)


def _bound(model: ToyModel, threat: ThreatModel, err: np.ndarray) -> np.ndarray:
    """Theorem 2.1's bound from the exact standard error rates; NaN where it does not apply
    (it needs the shift -2 eta y (0, 1, ..., 1) inside the ball, spec §2.1)."""
    eta, mu, eps = model.eta, model.mu, threat.eps
    applies = model.p < 1 and (eps >= 2 * eta if threat.norm == "linf" else eps >= 2 * mu)
    if not applies:
        return np.full(np.shape(err), np.nan)
    return np.asarray(theorem_2_1_bound(model.p, error_rate=err), dtype=float)


def _linf_unbiased_frontier(model: ToyModel, threat: ThreatModel, kind: str, n: int) -> Frontier:
    """Linear classifiers without bias under an l_inf ball with eps > eta.

    For weak weights of one sign, S = U1 and only (a/Q, r = U1/Q) matter, with r in [1, sqrt d]
    (r = sqrt d: equal weights; r = 1: one weak feature); mixed signs only lower eta*S. The
    frontier is the Pareto set of this two-parameter family, sampled on an n x n grid.
    ``tau`` reported is a/Q for the chosen point.
    """
    p, eta, d, eps = model.p, model.eta, model.d, threat.eps
    theta = np.linspace(0.0, math.pi / 2, n)[:-1]
    tau = np.tan(theta)
    r = np.sqrt(np.linspace(1.0, float(d), n))
    T, R = np.meshgrid(tau, r, indexing="ij")
    # The Bayes rule (tau = L/(2 mu), equal weights) and sign(x1) (a = 1, no weak weight) close it.
    T = np.append(T.ravel(), model.log_odds / (2 * model.mu) if model.mu > 0 else 0.0)
    R = np.append(R.ravel(), math.sqrt(d))
    a, S = np.append(T, 1.0), np.append(R, 0.0)
    Q = np.append(np.ones(T.size), 0.0)
    std, err = accuracy_stats(p, eta, 0.0, a, 0.0, S, Q, S, "standard")[:2]
    rob = accuracy_stats(p, eta, eps, a, 0.0, S, Q, S, kind)[0]
    keep = _pareto(std, rob)
    taus = np.append(T, np.inf)[keep]
    rs = np.append(R, np.nan)[keep]
    note = ("linear classifiers without bias, l_inf with eps > eta: Pareto set of (tau, r = |u|_1/|u|_2) "
            "on a grid; equal weak weights (the f_tau family) are NOT optimal here, and a bias can do "
            "better (family 'linear')")
    return Frontier(model, threat, "linear-unbiased", False, taus, std[keep], rob[keep],
                    _bound(model, threat, err[keep]), note, r=rs)


def _linear_frontier(model: ToyModel, threat: ThreatModel, n: int) -> Frontier:
    r"""Linear classifiers with a bias, ``sign(a x1 + u^T z + b)``, under the threat.

    Scale so that :math:`\lVert u\rVert_2 = 1` and let :math:`c_1 = a + b`, :math:`c_2 = a - b`
    (the score's offset for a sample whose x1 agrees with y, in class +1 and in class -1). With
    :math:`m = \eta S` and :math:`g(c; m) = p\Phi(c + m) + (1-p)\Phi(-c + m)`,

    .. math::

        \mathrm{Std} = \tfrac12\,[g(c_1; m) + g(c_2; m)],\qquad
        \mathrm{Rob} = \tfrac12\,[g(c_1; m_\varepsilon) + g(c_2; m_\varepsilon)],

    where :math:`m_\varepsilon` subtracts the worst case (:math:`\varepsilon(U_1 + |a|)` for the
    full l_inf ball, :math:`\varepsilon U_1` for the weak-only one, :math:`\varepsilon\sqrt{1 + a^2}`
    or :math:`\varepsilon` for l_2). Without bias :math:`c_1 = c_2`: a bias lets the two classes
    sit at different points of the unbiased trade-off, which can lift the frontier far above it
    (the average of two points of a curve lies on its chord).

    The weak weights enter only through S, Q = 1 and U1; among weights with the same U1 and Q,
    one sign maximises S, so S = U1 = r with r in [1, sqrt d]. r = sqrt d (equal weights) is
    optimal unless the penalty is eps*U1 with eps > eta (l_inf), where r is a third parameter.
    The frontier is the Pareto set of the grid ``c_1 >= c_2`` (swapping them flips b and changes
    nothing) with ``n`` values of arctan(c) in (-pi/2, pi/2) and ``n`` values of r^2 in
    [1, d], together with the points of the unbiased family (``"linear-unbiased"``, which ends
    at ``sign(x1)``). Every point is attained by the classifier in ``tau`` (= a),
    ``bias`` (= b) and ``r``; the true frontier lies above the sampled one by at most the grid's
    resolution, so ``exact`` is False.
    """
    p, eta, d, eps = model.p, model.eta, model.d, threat.eps
    kind = f"{threat.norm}_{'full' if threat.perturb_x1 else 'weak'}"
    r_free = threat.norm == "linf" and eps > eta and d > 1
    rs = np.sqrt(np.linspace(1.0, float(d), n)) if r_free else np.array([math.sqrt(d)])
    c = np.tan(np.linspace(-math.pi / 2, math.pi / 2, n + 2)[1:-1])
    parts = []  # Pareto candidates: (std, rob, a, b, r)
    rows = max(1, (1 << 20) // n)  # ~10^6 pairs per evaluation: memory stays ~100 MB for any n
    for r in rs:
        for i0 in range(0, n, rows):
            c2, c1 = np.meshgrid(c[i0:i0 + rows], c, indexing="ij")
            upper = c1 >= c2  # c_1 >= c_2
            c1, c2 = c1[upper], c2[upper]
            a, b = (c1 + c2) / 2, (c1 - c2) / 2
            std = accuracy_stats(p, eta, 0.0, a, b, r, 1.0, r, "standard")[0]
            rob = accuracy_stats(p, eta, eps, a, b, r, 1.0, r, kind)[0]
            k = _pareto(std, rob)
            parts.append((std[k], rob[k], a[k], b[k], np.full(k.size, r)))
    # The unbiased family (finer in tau, and its last point is sign(x1)) is a candidate too, so
    # this frontier is never below it.
    unb = frontier(model, threat, "linear-unbiased", n)
    parts.append((unb.standard_accuracy, unb.robust_accuracy, unb.tau, np.zeros(unb.tau.size),
                  np.full(unb.tau.size, math.sqrt(d)) if unb.r is None else unb.r))
    std, rob, taus, bias, rr = (np.concatenate(col) for col in zip(*parts))
    keep = _pareto(std, rob)
    std, rob, taus, bias, rr = std[keep], rob[keep], taus[keep], bias[keep], rr[keep]
    # Exact standard error rates of the kept points, for the bound (sign(x1): a = 1, Q = 0).
    fin = np.isfinite(taus)
    A, Q = np.where(fin, taus, 1.0), np.where(fin, 1.0, 0.0)
    R = np.where(fin, rr, 0.0)
    err = accuracy_stats(p, eta, 0.0, A, bias, R, Q, R, "standard")[1]
    note = ("linear classifiers with bias sign(a x1 + u.z + b), |u|_2 = 1: Pareto set of a grid over "
            "(a + b, a - b" + (", r = |u|_1/|u|_2" if r_free else "") + "); every point is attained, "
            "the exact frontier lies above it by at most the grid's resolution")
    return Frontier(model, threat, "linear", False, taus, std, rob, _bound(model, threat, err), note,
                    r=rr if r_free else None, bias=bias)


def exact_gap(p: float, mu: float, tau) -> np.ndarray:
    """The exact gap of Theorem 2.1 along ``f_tau`` at eps = 2 eta (spec §2.1):
    :math:`\\frac{2p-1}{2(1-p)}(1 - \\Phi(\\tau+\\mu) + \\Phi(-\\tau-\\mu)) =
    \\frac{2p-1}{1-p}\\Phi(-\\tau-\\mu)` (the second form keeps every digit when the gap is tiny)."""
    tau = np.asarray(tau, dtype=float)
    return (2 * p - 1) / (1 - p) * ndtr(-tau - mu)


# --------------------------------------------------------------------------- Monte Carlo points
def _weak_weights(d: int, r: float) -> np.ndarray:
    """Non-negative weak weights ``u`` with ``||u||_2 = 1`` and ``||u||_1 = r`` (``1 <= r <= sqrt d``).

    One weight ``s`` and ``d - 1`` equal weights ``t``: ``s^2 + (d-1) t^2 = 1`` and
    ``s + (d-1) t = r`` give :math:`s = (r + \\sqrt{(d-1)(d-r^2)})/d`,
    :math:`t = (r - s)/(d-1) \\ge 0` (``r = sqrt d`` gives equal weights ``1/sqrt d``).
    """
    if d == 1:
        return np.ones(1)
    r = min(max(float(r), 1.0), math.sqrt(d))
    s = (r + math.sqrt((d - 1) * max(d - r * r, 0.0))) / d
    u = np.full(d, max(r - s, 0.0) / (d - 1))
    u[0] = s
    return u


def _rounded_rule(tau: float, d: int):
    """The vectorised rule ``sign(tau sign(x1) + s(x))`` (``sign(x1)`` for ``tau = inf``)."""
    inv_sd = 1.0 / math.sqrt(d)

    def rule(X):
        x1 = np.sign(X[:, 0])
        if math.isinf(tau):
            return x1
        return tau * x1 + X[:, 1:].sum(axis=1) * inv_sd

    return rule


def _uniform_shift(model: ToyModel, threat: ThreatModel):
    """The worst case of the rounded rule over the weak coordinates: every weak feature moved by
    ``-eps y`` (l_inf) or ``-eps y / sqrt(d)`` (l_2); ``"shift"`` (the Theorem 2.1 adversary) when
    this is the move by ``-2 eta y``."""
    step = threat.eps if threat.norm == "linf" else threat.eps / math.sqrt(model.d)
    if threat.norm == "linf" and step == 2 * model.eta:
        return "shift"

    def attack(X, y):
        Xa = np.array(X, copy=True)
        Xa[:, 1:] -= (X.dtype.type(step) * y)[:, None]
        return Xa

    return attack


def attaining_classifier(front: Frontier, index: int):
    """The classifier that attains point ``index`` of ``front``, and how to estimate it.

    Returns
    -------
    (kind, clf, description)
        ``kind == "rounded"``: ``clf`` is a callable ``f(X)`` for
        :func:`robtheory.mc.engine.estimate_callable` (family ``"all"``: the rounded rule
        ``sign(tau sign(x1) + s(x))``, whose worst case over a ball of radius < 1 is the uniform
        shift of the weak features); ``kind == "linear"``: a linear classifier for
        :func:`robtheory.mc.engine.estimate_linear` (the linear families: equal weak weights
        ``1/sqrt(d)``, or the weights of :func:`_weak_weights` with the point's ``r``, and the
        point's bias).
    """
    from .classifiers import LinearClassifier, StructuredLinear, robust_x1

    n_pts = front.tau.size
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not 0 <= int(index) < n_pts:
        raise ValueError(f"index must be an integer in [0, {n_pts}), got index={index!r}")
    d = front.model.d
    tau = float(front.tau[int(index)])
    if front.family == "all":
        desc = "sign(x1)" if math.isinf(tau) else f"sign({tau:.6g}*sign(x1) + s(x)) (rounded rule)"
        return "rounded", _rounded_rule(tau, d), desc
    if math.isinf(tau):
        return "linear", robust_x1(d), "sign(x1)"
    b = 0.0 if front.bias is None else float(front.bias[int(index)])
    with_b = f" + {b:.6g}" if b else ""
    if front.r is None:
        return ("linear", StructuredLinear(tau, 1 / math.sqrt(d), d, b),
                f"sign({tau:.6g}*x1 + s(x){with_b})" + ("" if b else " (f_tau)"))
    r = float(front.r[int(index)])
    w = np.concatenate([[tau], _weak_weights(d, r)])
    return ("linear", LinearClassifier(w, b),
            f"sign({tau:.6g}*x1 + u.z{with_b}), |u|_2 = 1, |u|_1 = {r:.6g}")


def _finite_or_none(x: float):
    return float(x) if math.isfinite(x) else None


def _select(n_pts: int, points: int) -> np.ndarray:
    if isinstance(points, bool) or not isinstance(points, (int, np.integer)) or int(points) < 1:
        raise ValueError(f"points must be a positive integer, got points={points!r}")
    return np.unique(np.round(np.linspace(0, n_pts - 1, min(int(points), n_pts))).astype(int))


def frontier_mc(front: Frontier, n: int, *, points: int = 5, seed: int = 0, total_alpha: float = 1e-6,
                backend: str = "auto", resolution: float | None = None) -> dict:
    r"""Monte Carlo estimates of a few points of a frontier, each tested against its claimed value.

    ``points`` points spread evenly along ``front`` (both ends included) are estimated with
    the classifier that attains each one (:func:`attaining_classifier`): the standard
    accuracy on clean samples, the robust accuracy under that classifier's exact worst case
    (the rounded rules of family ``"all"`` through :func:`robtheory.mc.engine.estimate_callable`
    with the uniform shift of the weak features, ``attack="shift"`` at eps = 2 eta; linear
    classifiers through :func:`robtheory.mc.engine.estimate_linear`, whose robust count uses
    the exact worst-case margin :math:`y(w^Tx) - \varepsilon\lVert w\rVert_*`). The ``2K``
    counts are each tested against the frontier's value with the exact binomial test
    (:func:`robtheory.stats.agreement_test`) at :math:`\alpha = \alpha_{\mathrm{total}}/(2K)`
    (Bonferroni: a correct frontier fails the whole family with probability at most
    ``total_alpha``). The verdict of a count is that test's: FAIL when its p-value is at
    most :math:`\alpha`; otherwise PASS if the test detects (with probability 1/2) every
    deviation of at least ``resolution`` from the claimed value, else INCONCLUSIVE. The
    residuals in standard-error units

    .. math:: r = \frac{\hat a - a_0}{\sqrt{a_0(1-a_0)/n}}

    and the normal threshold :math:`z_{1-\alpha/2}` are reported for plots; they are not
    what is judged (at small n the normal approximation of the exact test is poor).

    Parameters
    ----------
    front : Frontier
    n : int, >= 1
        Samples per point (the standard and robust counts use the same samples).
    points : int, >= 1
        Points to estimate (all of them if the frontier has fewer; ``robtheory frontier
        --mc-points`` refuses more than the frontier has, naming both numbers).
    seed : int, in [0, 2**64)
        Point ``k`` of the frontier draws the stream of
        :func:`robtheory.phase_mc.point_seed` ``(seed, k)``.
    total_alpha : float, in (0, 1)
        Family-wise false-alarm rate of the whole call.
    backend : {"auto", "numpy", "numba", "cupy"}
        Backend of the linear runs (the rounded rules run on the NumPy sampler).
    resolution : float, in (0, 1), optional
        Deviation of an accuracy every test must detect (default
        :data:`robtheory.stats.DEFAULT_RESOLUTION`).

    Returns
    -------
    dict
        ``points``: one entry per estimated point with ``index`` (into ``front``), ``tau``,
        ``classifier``, ``method`` and, for ``standard`` and ``robust``, ``{analytic, estimate,
        count, n, ci, level, std_error, z, p_value, passed, verdict, resolution, min_detectable,
        n_needed}`` (``z`` is the residual in standard-error units, ``passed`` is False exactly for a
        FAIL); and ``n``, ``seed``, ``total_alpha``, ``alpha_per_check``, ``n_checks``,
        ``z_threshold``, ``max_abs_z``, ``min_p_value``, ``resolution``, ``verdict``,
        ``inconclusive`` (a count), ``n_needed`` (the n that would make every inconclusive test
        conclusive, None if there are none) and ``passed``. A ``z`` is ``None`` where it is
        infinite (a claimed value of 0 or 1 that the estimate misses), so the dict is valid JSON.
    """
    from . import stats
    from .mc.engine import estimate_callable, estimate_linear
    from .phase_mc import point_seed, residuals, z_threshold

    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or int(n) < 1:
        raise ValueError(f"n must be a positive integer, got n={n!r}")
    n = int(n)
    resolution = stats.DEFAULT_RESOLUTION if resolution is None else resolution
    stats.proportion_resolution(1, 0.5, 0.5, resolution)  # validates it
    idx = _select(front.tau.size, points)
    m_checks = 2 * idx.size
    alpha = stats.familywise_alpha(total_alpha, m_checks)
    zt = z_threshold(total_alpha, m_checks)
    model, threat = front.model, front.threat
    out_pts = []
    for k in idx:
        kind, clf, desc = attaining_classifier(front, int(k))
        s = point_seed(seed, int(k))
        claimed = {"standard": float(front.standard_accuracy[k]), "robust": float(front.robust_accuracy[k])}
        if kind == "rounded":
            attack = _uniform_shift(model, threat)
            est = {"standard": estimate_callable(model, clf, n, s),
                   "robust": estimate_callable(model, clf, n, s, attack=attack, threat=threat)}
            method = ("estimate_callable (NumPy sampler): clean, and under "
                      + ("attack='shift' (x_i -> x_i - 2 eta y)" if attack == "shift" else
                         "the uniform shift of the weak features to the ball's edge"))
        else:
            res = estimate_linear(model, clf, threat, n, s, backend)
            est = {"standard": res["standard"], "robust": res["robust"]}
            method = f"estimate_linear (backend {res['backend']}): exact worst-case margin"
        entry = {"index": int(k), "tau": None if math.isinf(front.tau[k]) else float(front.tau[k]),
                 "classifier": desc, "method": method, "seed": int(s)}
        for key in ("standard", "robust"):
            e = est[key]
            a0 = claimed[key]
            a0c = min(max(a0, 0.0), 1.0)
            t = stats.agreement_test(int(e["count"]), n, a0c, alpha)
            rs = stats.proportion_resolution(n, a0c, alpha, resolution)
            r = _finite_or_none(float(residuals(e["count"], n, a0c)))
            entry[key] = {
                "analytic": a0, "estimate": float(e["estimate"]), "count": int(e["count"]), "n": n,
                "ci": [float(e["ci"][0]), float(e["ci"][1])], "level": float(e["level"]),
                "std_error": math.sqrt(a0c * (1 - a0c) / n), "z": r,
                "p_value": t.p_value, "passed": bool(t.passed),
                "verdict": stats.verdict(not t.passed, rs.resolved), "resolution": resolution,
                "min_detectable": rs.min_detectable, "n_needed": rs.n_needed,
            }
        out_pts.append(entry)
    res_all = [math.inf if e[k]["z"] is None else abs(e[k]["z"])
               for e in out_pts for k in ("standard", "robust")]
    cells = [e[k] for e in out_pts for k in ("standard", "robust")]
    inconclusive = [c for c in cells if c["verdict"] == stats.INCONCLUSIVE]
    needs = [c["n_needed"] for c in inconclusive]
    return {
        "n": n, "seed": int(seed), "total_alpha": float(total_alpha), "alpha_per_check": alpha,
        "n_checks": m_checks, "z_threshold": zt, "max_abs_z": _finite_or_none(max(res_all)),
        "min_p_value": min(c["p_value"] for c in cells), "resolution": float(resolution),
        "verdict": stats.worst_verdict(c["verdict"] for c in cells), "inconclusive": len(inconclusive),
        "n_needed": None if not needs or None in needs else max(needs),
        "passed": all(e[k]["passed"] for e in out_pts for k in ("standard", "robust")),
        "test": "exact two-sided binomial test of each count against the frontier's value, "
                "Bonferroni over all standard and robust counts",
        "points": out_pts,
    }
