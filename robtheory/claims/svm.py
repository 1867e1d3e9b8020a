"""The SVM theorem 2.2 (both parts) and Lemmas D.3 and D.4 (accuracies of the unit-norm optimum).

Lemmas D.1, D.2 and D.5 (statements about the hinge objective) are in
:mod:`robtheory.claims.svm_lemmas`. Each record holds its analytic check and its Monte Carlo
builders, defined in this module.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.special import ndtr, ndtri

from robtheory.classifiers import (
    ConstantClassifier,
    LinearClassifier,
    StructuredLinear,
)
from robtheory.claims.record import (
    CheckResult,
    Claim,
    Point,
    Stats,
    _mu_at_least,
    _result,
)
from robtheory.claims.runs import (
    CallableRun,
    LinearRun,
    MeanRun,
    _linear_score,
    _require,
    _tag,
)
from robtheory.model import ThreatModel, ToyModel
from robtheory.theory.closed_form import (
    accuracy_stats,
    linear_accuracy,
)

#: sqrt(10): campaign points at d = 10 written with mu = eta sqrt(10).
_S10 = math.sqrt(10)


# ----------------------------------------------------------------------------- analytic checks
def _reduced_stats(w1: Any, v: Any, d: int) -> Stats:
    """(a, b, S, Q, U1) of w = (w1, v/sqrt(d) * 1): v is the weight on z = d^{-1/2} sum x_i."""
    from robtheory.training import reduced_stats

    a, b, S, Q, U1 = reduced_stats(w1, v, d)
    return a, b, S, Q, U1


def svm_unit_norm_optimum(p: float, eta: float, d: int) -> tuple[float, float]:
    """The unit-norm population SVM optimum ``(w1, v)`` (Theorem 2.2 (1)).

    By Lemma D.1 a global minimiser of (5) has equal weak weights, so it is ``(w1, v)`` in
    the reduced coordinates; :func:`robtheory.training.unit_norm_optimum` finds it and the
    ``lam`` that makes it the optimum of (5), with a KKT certificate.
    """
    from robtheory.training import unit_norm_optimum

    opt = unit_norm_optimum(ToyModel(p, eta, d))
    return opt.w1, opt.v


def adversarial_svm_closed_form(p: float, eps_train: float, lam: float) -> Any:
    """Closed-form minimiser of J^adv once the weak weights are zero (theory §2.2).

    :math:`w_1^* = \\min\\{(2p-1-\\varepsilon)/\\lambda, 1/(1-\\varepsilon)\\}` if
    :math:`\\varepsilon < 2p - 1`, else ``0``.
    """
    from robtheory.training import adversarial_hinge_closed_form

    return adversarial_hinge_closed_form(p, eps_train, lam)


def adversarial_svm_optimum(p: float, eta: float, d: int, eps_train: float, lam: float
                            ) -> tuple[float, float, float, Callable[[Any], float]]:
    """Certified global minimiser of the l_inf adversarial SVM objective in (w1, v).

    Returns ``(w1, v, J(w1, v), J)`` with ``J`` the objective as a function of ``(w1, v)``.
    """
    from robtheory.training import Objective, solve

    obj = Objective(ToyModel(p, eta, d), lam, ThreatModel("linf", eps_train))
    opt = solve(obj)
    return opt.w1, opt.v, opt.value, lambda x: obj.value(x[0], x[1])


def _svm_points() -> list[Point]:
    pts = []
    for p, d, mu in itertools.product((0.5, 0.75, 0.9, 0.95, 0.975), (1, 100, 10**4), (4.0, 5.0, 8.0)):
        pts.append(Point(p, mu / math.sqrt(d), d, 2 * mu / math.sqrt(d)))
    return pts


def _check_theorem_2_2_part1(claim: Claim, v_threshold: float = 1 / math.sqrt(2)) -> CheckResult:
    """The unit-norm SVM optimum's accuracies, and Lemma D.2's conclusion v* >= ``v_threshold``
    (1/sqrt2; replaceable only to show that the check can fail) on which the proof rests."""
    from robtheory.training import unit_norm_optimum

    worst_std, worst_rob, min_v, worst_kkt = 1.0, 0.0, math.inf, 0.0
    pts = [pt for pt in _svm_points() if claim.hypotheses(pt)]
    for pt in pts:
        opt = unit_norm_optimum(pt.model)
        if not (opt.lam > 0 and math.isclose(opt.norm, 1.0, abs_tol=1e-12)):
            return _result(False, len(pts), f"no certified unit-norm optimum at {pt}: {opt.to_dict()}")
        # robust accuracy is non-increasing in eps, so eps = 2 eta covers every eps >= 2 eta
        acc = opt.accuracy(ThreatModel("linf", 2 * pt.eta))
        worst_std = min(worst_std, acc.standard_accuracy)
        worst_rob = max(worst_rob, acc.robust_accuracy)
        min_v, worst_kkt = min(min_v, opt.v), max(worst_kkt, opt.distance_bound)
    ok = worst_std > 0.99 and worst_rob < 0.01 and worst_kkt < 1e-6 and min_v >= v_threshold
    # "can be adapted ... e.g. logistic regression" (paper, Sec. 2.2): the same statement for the logistic loss
    log_std, log_rob = 1.0, 0.0
    for p, d in ((0.9, 100), (0.975, 10**4)):
        opt = unit_norm_optimum(ToyModel(p, 4 / math.sqrt(d), d), loss="logistic")
        acc = opt.accuracy(ThreatModel("linf", 8 / math.sqrt(d)))
        log_std, log_rob = min(log_std, acc.standard_accuracy), max(log_rob, acc.robust_accuracy)
    ok = ok and log_std > 0.99 and log_rob < 0.01
    return _result(ok, len(pts) + 2, f"unit-norm SVM optimum (|w - w*| <= {worst_kkt:.1e}): min std {worst_std:.5f}, "
                                     f"max rob {worst_rob:.2e}, min v {min_v:.3f} (Lemma D.2: must be >= {v_threshold:.3f}); "
                                     f"logistic (mu = 4): min std {log_std:.5f}, max rob {log_rob:.2e}")


def _check_theorem_2_2_part2(claim: Claim) -> CheckResult:
    from robtheory.training import Objective, solve

    n, worst = 0, 0.0
    for p, lam, mu, d in itertools.product((0.6, 0.9, 0.975), (0.05, 2.0), (4.0,), (1, 100)):
        eta = mu / math.sqrt(d)
        model = ToyModel(p, eta, d)
        for eps_tr in (2 * eta, 2 * eta + 0.5 * (2 * p - 1 - 2 * eta), 0.999 * (2 * p - 1), 2 * p - 1, 0.99):
            if eps_tr < 2 * eta:
                continue
            opt = solve(Objective(model, lam, ThreatModel("linf", eps_tr)))
            w1_cf = adversarial_svm_closed_form(p, eps_tr, lam)
            if opt.v != 0.0 or abs(opt.w1 - w1_cf) > 1e-12 * max(1.0, w1_cf) or opt.kkt_residual > 1e-10:
                return _result(False, n, f"p={p}, lam={lam}, eps={eps_tr}: closed form ({w1_cf}, 0) "
                                         f"vs certified optimum ({opt.w1}, {opt.v})")
            worst = max(worst, abs(opt.w1 - w1_cf))
            n += 1
            accs = [opt.accuracy(ThreatModel("linf", e)) for e in (0.0, 0.5, 0.99)]
            if claim.hypotheses(Point(p, eta, d, eps_tr)):
                if not all(math.isclose(a.standard_accuracy, p) and math.isclose(a.robust_accuracy, p)
                           for a in accs):
                    return _result(False, n, f"optimum accuracies {accs} != p={p}")
            elif p > 0.5 and (opt.w1 != 0.0 or math.isclose(accs[0].standard_accuracy, p)):
                return _result(False, n, "eps_train >= 2p-1 but the optimum is not w = 0")
    # logistic loss: v* = 0 for eps_train >= eta, w1* > 0 iff eps_train < 2p - 1 (no closed form for w1*)
    for p, eps_tr in ((0.9, 0.5), (0.9, 0.85), (0.6, 0.4)):
        model = ToyModel(p, 0.4, 100)
        opt = solve(Objective(model, 0.5, ThreatModel("linf", eps_tr), "logistic"))
        if opt.v != 0.0 or (opt.w1 > 0) != (eps_tr < 2 * p - 1) or opt.kkt_residual > 1e-8:
            return _result(False, n, f"logistic adversarial optimum ({opt.w1}, {opt.v}) at p={p}, eps={eps_tr}")
        n += 1
    return _result(True, n, f"certified optimum = closed form (max |dw1| {worst:.1e}), v* = 0, acc = p; "
                            f"w = 0 when eps_train >= 2p-1; same pattern for the logistic loss")


def _unit_circle_high_v(n: int = 721) -> tuple[np.ndarray, np.ndarray]:
    th = np.linspace(math.pi / 4, 3 * math.pi / 4, n)  # v = sin(th) >= 1/sqrt2 >= |w1|
    return np.cos(th), np.sin(th)


def _check_lemma_d3(claim: Claim) -> CheckResult:
    w1, v = _unit_circle_high_v()
    worst = 1.0
    n = 0
    for pt in claim.points():
        if pt.eps != 0:
            continue
        stats = _reduced_stats(w1, v, pt.d)
        std = accuracy_stats(pt.p, pt.eta, 0.0, *stats, "standard")[0]
        if np.any(std < ndtr(pt.mu - 1) - 1e-12):
            return _result(False, n, f"std < Phi(mu-1) at {pt}")
        worst = min(worst, float(np.min(std)))
        n += std.size
    return _result(worst >= 0.99, n, f"min standard accuracy {worst:.5f} >= Phi(mu-1) >= Phi(3)")


def _check_lemma_d4(claim: Claim) -> CheckResult:
    w1, v = _unit_circle_high_v()
    worst = 0.0
    n = 0
    for pt in claim.points():
        if not math.isclose(pt.eps, 2 * pt.eta):
            continue
        stats = _reduced_stats(w1, v, pt.d)
        rob = accuracy_stats(pt.p, pt.eta, pt.eps, *stats, "linf_weak")[0]
        if np.any(rob > 1 - ndtr(pt.mu - 1) + 1e-12):
            return _result(False, n, f"rob > 1 - Phi(mu-1) at {pt}")
        worst = max(worst, float(np.max(rob)))
        n += rob.size
    return _result(worst <= 0.01, n, f"max robust accuracy (shift adversary) {worst:.2e} <= 0.01")


# ----------------------------------------------------------------------------- Monte Carlo runs
def _svm_classifier(m: ToyModel) -> StructuredLinear:
    w1, v = svm_unit_norm_optimum(m.p, m.eta, m.d)
    return StructuredLinear(float(w1), float(v) / math.sqrt(m.d), m.d)


def _runs_theorem_2_2_part1(pt: Point) -> list[Any]:
    _require(pt.mu >= 4 - 1e-12 and pt.p <= 0.975, "mu >= 4 and p <= 0.975 (Theorem 2.2)", pt)
    m = pt.model
    t = ThreatModel("linf", 2 * m.eta)
    clf = _svm_classifier(m)
    acc = linear_accuracy(m, clf, t)
    return [LinearRun(f"unit-norm SVM optimum (w1={clf.a:.4f}, v={clf.c * math.sqrt(m.d):.4f}), "
                      f"{_tag(m, t.eps)} (= 2 eta), linf", m, clf, t,
                      {"standard": acc.standard_accuracy, "robust": acc.robust_accuracy})]


def _plan_theorem_2_2_part1() -> list[Any]:
    return _runs_theorem_2_2_part1(Point(0.9, 0.4, 100))


def _runs_lemma_d3(pt: Point) -> list[Any]:
    _require(pt.mu >= 4 - 1e-12 and pt.p <= 0.975, "mu >= 4 and p <= 0.975 (Theorem 2.2)", pt)
    m = pt.model
    clf = _svm_classifier(m)
    acc = linear_accuracy(m, clf)
    return [LinearRun(f"unit-norm SVM optimum (v={clf.c * math.sqrt(m.d):.4f}), {_tag(m)}", m, clf, None,
                      {"standard": acc.standard_accuracy},
                      bounds=(("standard", ">=", float(ndtr(m.mu - 1)), "Phi(mu - 1)"),))]


def _plan_lemma_d3() -> list[Any]:
    return _runs_lemma_d3(Point(0.75, 4 / math.sqrt(10), 10))


def _runs_lemma_d4(pt: Point) -> list[Any]:
    _require(pt.mu >= 4 - 1e-12 and pt.p <= 0.975, "mu >= 4 and p <= 0.975 (Theorem 2.2)", pt)
    m = pt.model
    clf = _svm_classifier(m)
    t = ThreatModel.weak_only("linf", 2 * m.eta)
    acc = linear_accuracy(m, clf, t)  # v > 0: the shift is the exact worst case of this ball
    return [CallableRun(f"unit-norm SVM optimum (v={clf.c * math.sqrt(m.d):.4f}), {_tag(m)}, shift 2 eta",
                        m, _linear_score(clf, m), "shift", t, "shift", acc.robust_accuracy,
                        bounds=(("shift", "<=", float(ndtr(-(m.mu - 1))), "1 - Phi(mu - 1)"),))]


def _plan_lemma_d4() -> list[Any]:
    return _runs_lemma_d4(Point(0.75, 4 / math.sqrt(10), 10))

#: A per-sample hinge argument within this distance of 0 is the kink itself (the margin at
#: v = 0 depends only on y x1, so it is 0 exactly or bounded away from 0).
_KINK_TOL = 1e-11


def _adversarial_optimality_run(model: ToyModel, eps_train: float, lam: float, w1: float | None = None) -> MeanRun:
    r"""Theorem 2.2 (2)'s closed form :math:`x^* = (w_1^*, 0)` is optimal: sampled one-sided derivatives.

    :math:`J^{adv}(w) = E\max(0, 1 - y\,w^Tx + \varepsilon\lVert w\rVert_1) + \frac\lambda2\lVert w\rVert^2`
    (l_inf, x1 perturbable), in the reduced coordinates ``(w1, v)`` (``v`` the weight on
    :math:`z = d^{-1/2}\sum_i x_i`, i.e. every weak weight :math:`v/\sqrt d`). At ``(w1, 0)``,
    ``w1 > 0``, a sample's hinge argument is :math:`m = 1 - w_1(s - \varepsilon)`, ``s = y x1``;
    moving in the direction :math:`(\alpha, \beta)` changes it at the rate
    :math:`m' = -(s - \varepsilon)\alpha - \beta\,yz + \varepsilon\sqrt d|\beta|`, so the sample's
    one-sided derivative is :math:`m'` if ``m > 0``, :math:`\max(0, m')` at the kink ``m = 0``, and
    0 if ``m < 0`` (plus :math:`\lambda w_1\alpha`). Their means are the one-sided derivatives of
    :math:`J^{adv}` (the kink has probability 0 or is exactly the case ``s = +1``, where ``m`` is
    linear). Tested, each against the closed form
    :meth:`robtheory.training.Objective.directional_derivative` (mean tests) and as the optimality
    condition it must satisfy:

    * **interior** :math:`w_1^* = (2p-1-\varepsilon)/\lambda < 1/(1-\varepsilon)`: every hinge is
      active, :math:`J` is differentiable in :math:`w_1` and :math:`\partial J/\partial w_1 = 0`
      (a mean test against 0: the stationarity that *defines* :math:`w_1^*`; a tested point off
      the kink is tested the same way);
    * **kink** :math:`w_1^* = 1/(1-\varepsilon)`: the right derivative in :math:`w_1` is
      :math:`\ge 0` and the left one :math:`\le 0` (one-sided bound tests: they bracket 0);
      and along the worst joint direction :math:`(\alpha^*, 1)` (the minimiser of
      :math:`J'((w_1^*, 0); (\alpha, 1))`, at :math:`\Phi(c - (1-\varepsilon)\alpha^*) = \kappa` with
      :math:`c = \sqrt d(\varepsilon - \eta)` and :math:`\kappa` of
      :func:`robtheory.training._kink_marginal`) the derivative is :math:`\ge 0`;
    * the weak-weight direction: the right derivative in ``v`` at 0 is :math:`\ge 0` (the left one
      is :math:`\mu + \varepsilon\sqrt d > 0` on every sample-mean scale, not tested).

    Which case applies is read off the tested point ``w1`` (default: the closed form
    :func:`robtheory.training.adversarial_hinge_closed_form`; any other value is a negative
    control, e.g. :math:`(2p-1)/\lambda` with eps dropped).
    """
    from robtheory.training import Objective, _kink_kappa, adversarial_hinge_closed_form

    p, sd = model.p, math.sqrt(model.d)
    w_cf = float(adversarial_hinge_closed_form(p, eps_train, lam))
    w1 = w_cf if w1 is None else float(w1)
    if not w1 > 0:
        raise ValueError(f"the optimality run needs w1 > 0 (eps_train < 2p - 1), got w1={w1!r}")
    obj = Objective(model, lam, ThreatModel("linf", eps_train))
    m_plus = 1.0 - w1 * (1.0 - eps_train)  # hinge argument of the samples with y x1 = +1
    kink = abs(m_plus) <= _KINK_TOL
    alpha = 0.0
    if kink:
        c = sd * (eps_train - model.eta)
        kappa = _kink_kappa(p, eps_train, lam)
        alpha = (c - float(ndtri(min(kappa, 1.0)))) / (1 - eps_train) if kappa < 1 else 0.0

    def one_sided(m0: np.ndarray, rate: np.ndarray) -> np.ndarray:
        return np.where(m0 > _KINK_TOL, rate, np.where(m0 >= -_KINK_TOL, np.maximum(rate, 0.0), 0.0))

    def statistic(X: np.ndarray, y: np.ndarray) -> np.ndarray:
        s = y * X[:, 0]
        yz = y * X[:, 1:].sum(axis=1) / sd
        m0 = 1.0 - w1 * (s - eps_train)
        g1 = -(s - eps_train)
        right_w1 = one_sided(m0, g1) + lam * w1
        left_w1 = -one_sided(m0, -g1) + lam * w1
        dv = -yz + eps_train * sd
        right_v = one_sided(m0, dv)
        joint = one_sided(m0, alpha * g1 + dv) + lam * w1 * alpha
        return np.column_stack([right_w1, left_w1, right_v, joint])

    q = ("dJ/dw1 (right)", "dJ/dw1 (left)", "dJ/dv (right, at v = 0)", f"J'(x*; (alpha*={alpha:.4g}, 1))")
    closed = {q[0]: float(obj.directional_derivative(w1, 0.0, 1.0, 0.0)),
              q[1]: -float(obj.directional_derivative(w1, 0.0, -1.0, 0.0)),
              q[2]: float(obj.directional_derivative(w1, 0.0, 0.0, 1.0))}
    bounds = [(q[2], ">=", 0.0, "moving the weak weights off 0 does not lower J^adv (v* = 0)")]
    if kink:
        closed[q[3]] = float(obj.directional_derivative(w1, 0.0, alpha, 1.0))
        analytic = dict(closed)
        bounds = [(q[0], ">=", 0.0, "kink w1* = 1/(1-eps): the right derivative in w1 is >= 0"),
                  (q[1], "<=", 0.0, "kink w1* = 1/(1-eps): the left derivative in w1 is <= 0"),
                  *bounds,
                  (q[3], ">=", 0.0, "no joint direction (alpha, 1) lowers J^adv at the kink")]
        case = "kink w1* = 1/(1-eps)"
    else:
        # differentiable in w1 (interior w1* = (2p-1-eps)/lam): the stationarity that defines
        # w1* -- mean 0, not the closed form at w1 (the left derivative is the same statistic)
        analytic = {q[0]: 0.0, q[2]: closed[q[2]]}
        case = "interior w1* = (2p-1-eps)/lam" if m_plus > 0 else "beyond the kink"
    return MeanRun(f"adversarial SVM optimality at (w1={w1:.6g}, 0) ({case}; closed form {w_cf:.6g}), "
                   f"linf eps_train={eps_train:g}, lam={lam:g}, {_tag(model)}", model, statistic, q,
                   analytic, bounds=tuple(bounds))


def _runs_theorem_2_2_part2(pt: Point, lams: tuple[float, ...] = (0.1, 0.5), eps_eval: float = 0.5) -> list[Any]:
    """The adversarial SVM optimum (w1*, 0) at eps_train = ``eps``: accuracy p, standard and
    robust at ``eps_eval`` < 1 (corrected hypothesis 2 eta <= eps_train < 2p - 1), at the first
    ``lam``; and its optimality (sampled one-sided derivatives of J^adv, :func:`_adversarial_optimality_run`)
    at every ``lam`` (the default pair gives the kink and the interior case at the plan's point)."""
    _require(2 * pt.eta <= pt.eps < 2 * pt.p - 1, "2 eta <= eps_train = eps < 2p - 1", pt)
    m, eps_train = pt.model, pt.eps
    lam = lams[0]
    w1 = float(adversarial_svm_closed_form(m.p, eps_train, lam))
    w = np.zeros(m.d + 1)
    w[0] = w1
    t = ThreatModel("linf", eps_eval)
    return [LinearRun(f"adversarial SVM optimum w=({w1:g}, 0) (eps_train={eps_train:g}, lam={lam:g}), "
                      f"{_tag(m, t.eps)}, linf", m, LinearClassifier(w, 0.0), t,
                      {"standard": m.p, "robust": m.p}),
            *(_adversarial_optimality_run(m, eps_train, lm) for lm in lams)]


def _runs_theorem_2_2_part2_zero(pt: Point, lam: float = 0.1, eps_eval: float = 0.5) -> list[Any]:
    """The counterexample to the theorem as printed: for eps_train = ``eps`` >= 2p - 1 the
    adversarial optimum is w = 0, whose score is 0 on every sample, so it is wrong on every
    sample (ties are errors), standard and robust: accuracy 0, not p."""
    _require(2 * pt.eta <= pt.eps and pt.eps >= 2 * pt.p - 1, "2 eta <= eps_train = eps and eps >= 2p - 1", pt)
    m, eps_train = pt.model, pt.eps
    w = np.zeros(m.d + 1)
    w[0] = float(adversarial_svm_closed_form(m.p, eps_train, lam))  # 0 here
    t = ThreatModel("linf", eps_eval)
    clf = ConstantClassifier(m.d, 0.0) if w[0] == 0 else LinearClassifier(w, 0.0)  # sign(0 . x + 0)
    return [LinearRun(f"adversarial SVM optimum w=({w[0]:g}, 0) (eps_train={eps_train:g} >= 2p - 1, lam={lam:g}), "
                      f"b=0: every score is 0, {_tag(m, t.eps)}, linf", m, clf, t,
                      {"standard": 0.0, "robust": 0.0})]


def _plan_theorem_2_2_part2() -> list[Any]:
    return (_runs_theorem_2_2_part2(Point(0.9, 0.2, 10, 0.5))  # 2 eta <= eps_train < 2p - 1
            + _runs_theorem_2_2_part2_zero(Point(0.9, 0.2, 9, 0.85)))


# ----------------------------------------------------------------------------- the records
THEOREM_2_2_PART1 = Claim(
    "theorem_2_2_part1", "Standard SVM is accurate but not robust", "Thm 2.2 (1), App. D",
    "For eta >= 4/sqrt(d), p <= 0.975 the unit-norm population SVM optimum has standard accuracy > 99% "
    "and l_inf robust accuracy < 1% at eps = 2 eta.",
    lambda pt: pt.mu >= 4 - 1e-12 and pt.p <= 0.975, _check_theorem_2_2_part1,
    mc_plan=_plan_theorem_2_2_part1, mc_at=_runs_theorem_2_2_part1, stream_block=4,
    campaign=(Point.from_mu(0.9, 4.0, 100), Point.from_mu(0.75, 5.0, 10), Point.from_mu(0.975, 4.0, 10),
              Point.from_mu(0.6, 4.0, 1)),
    proofs=("lemma_d1", "lemma_d2", "lemma_d3", "lemma_d4"),
    proof_steps=("lemma_d1:LEMMA", "lemma_d2:LEMMA", "lemma_d3:LEMMA", "lemma_d4:LEMMA"),
    torch_experiment="toy", controls={"v_threshold": _check_theorem_2_2_part1})

THEOREM_2_2_PART2 = Claim(
    "theorem_2_2_part2", "Adversarial SVM drops the weak features", "Thm 2.2 (2), App. D",
    "For 2 eta <= eps_train < 2p - 1 (corrected hypothesis) the adversarial SVM optimum is "
    "w1* = min((2p-1-eps)/lam, 1/(1-eps)), v* = 0, with accuracy p standard and robust for eps < 1; "
    "for eps_train >= 2p - 1 the optimum is w = 0.",
    lambda pt: 2 * pt.eta <= pt.eps < 2 * pt.p - 1, _check_theorem_2_2_part2,
    notes="As stated in the paper (any eps_train >= 2 eta) part 2 is false: w = 0 when eps_train >= 2p-1.",
    mc_plan=_plan_theorem_2_2_part2, mc_at=_runs_theorem_2_2_part2, stream_block=5,
    campaign=(Point.from_mu(0.9, 0.2 * _S10, 10, 0.5), Point.from_mu(0.75, 0.2, 1, 0.4),
              Point.from_mu(0.975, 1.0, 100, 0.3)),
    proofs=("lemma_d5", "derivations"), proof_steps=("lemma_d5:THM2.2.part2", "derivations:robust_x1.robust_linf"),
    torch_experiment="toy", controls={"optimality_run": _adversarial_optimality_run})

LEMMA_D3 = Claim(
    "lemma_d3", "Standard accuracy of such a classifier", "Lemma D.3",
    "v >= 1/sqrt(2) >= |w1| on the unit circle gives standard accuracy >= Phi(mu - 1) >= 0.99 for mu >= 4.",
    _mu_at_least(4), _check_lemma_d3,
    mc_plan=_plan_lemma_d3, mc_at=_runs_lemma_d3, stream_block=8,
    campaign=(Point.from_mu(0.75, 4.0, 10), Point.from_mu(0.9, 5.0, 1), Point.from_mu(0.975, 4.0, 4)),
    proofs=("lemma_d3",), proof_steps=("lemma_d3:LEMMA",))

LEMMA_D4 = Claim(
    "lemma_d4", "Robust accuracy of such a classifier", "Lemma D.4",
    "Against the shift adversary (eps = 2 eta) its robust accuracy is <= 1 - Phi(mu - 1) <= 0.01.",
    _mu_at_least(4), _check_lemma_d4,
    mc_plan=_plan_lemma_d4, mc_at=_runs_lemma_d4, stream_block=9,
    campaign=(Point.from_mu(0.75, 4.0, 10), Point.from_mu(0.9, 5.0, 1), Point.from_mu(0.975, 4.0, 4)),
    proofs=("lemma_d4",), proof_steps=("lemma_d4:LEMMA",))

#: The records of this family.
RECORDS = (THEOREM_2_2_PART1, THEOREM_2_2_PART2, LEMMA_D3, LEMMA_D4)
