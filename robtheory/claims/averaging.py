"""The averaging, Bayes and sign(x1) claims: (a), (b), Bayes optimality, robust_x1, A*_rob.

Each record below holds its analytic check and its Monte Carlo builders, defined in this module.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, cast

import numpy as np
from scipy.special import ndtr

from robtheory.classifiers import (
    LinearClassifier,
    RoundedClassifier,
    averaging,
    bayes,
    robust_x1,
)
from robtheory.claims.record import (
    CheckResult,
    Claim,
    Point,
    _mu_at_least,
    _random_family_stats,
    _result,
    _tau_family,
)
from robtheory.claims.runs import (
    CallableRun,
    FrontierRun,
    LinearRun,
    _require,
    _tag,
)
from robtheory.model import ThreatModel, ToyModel
from robtheory.theory.closed_form import (
    accuracy_stats,
    bayes_accuracy,
    linear_accuracy,
    best_robust_classifier,
    best_robust_linear_classifier,
)

#: sqrt(10): campaign points at d = 10 written with mu = eta sqrt(10).
_S10 = math.sqrt(10)


# ----------------------------------------------------------------------------- analytic checks
def _check_claim_a(claim: Claim) -> CheckResult:
    worst = 1.0
    pts = [pt for pt in claim.points() if pt.eps == 0]
    for pt in pts:
        acc = linear_accuracy(pt.model, averaging(pt.d)).standard_accuracy
        worst = min(worst, acc)
    return _result(worst > 0.99, len(pts), f"min standard accuracy {worst:.6f} (Phi(3) = {ndtr(3):.6f})")


def _check_claim_b(claim: Claim) -> CheckResult:
    worst = 0.0
    pts = claim.points()
    for pt in pts:
        acc = linear_accuracy(pt.model, averaging(pt.d), ThreatModel("linf", pt.eps)).robust_accuracy
        worst = max(worst, acc)
    return _result(worst < 0.01, len(pts), f"max robust accuracy {worst:.3e} at eps = 2 eta")


def _log_gap(other_log_err: Any, best_log_err: float) -> float:
    """``min(other) - best`` of log error rates (``inf`` when nothing beats a zero-error optimum).

    Optima are compared in log error rate, never in accuracy: in the tail every accuracy rounds
    to 1.0 and an accuracy comparison could not see a classifier that beats the optimum.
    """
    other = float(np.min(other_log_err))
    if best_log_err == -math.inf:
        return math.inf if other > -math.inf else 0.0
    return other - best_log_err

#: Relative tolerance of a comparison of log error rates (each accurate to ~1e-13 relative).
LOG_RTOL = 1e-9


def _check_bayes(claim: Claim) -> CheckResult:
    n = 0
    worst = math.inf
    for pt in claim.points():
        if pt.eps != 0:
            continue
        model = pt.model
        best = bayes_accuracy(model).log_standard_error_rate
        taus = np.concatenate([np.linspace(0, 5, 201), [50.0]])
        sd = math.sqrt(pt.d)
        log_tau = accuracy_stats(pt.p, pt.eta, 0.0, taus, 0.0, sd, 1.0, sd, "standard")[2]
        a, b, S, Q, U1 = _random_family_stats(pt)
        log_rand = accuracy_stats(pt.p, pt.eta, 0.0, a, b, S, Q, U1, "standard")[2]
        gap = _log_gap(np.concatenate([log_tau, log_rand]), best)
        worst = min(worst, gap / max(1.0, abs(best)) if math.isfinite(gap) else gap)
        n += taus.size + log_rand.size
    return _result(worst >= -LOG_RTOL, n,
                   f"(log error of the best other linear rule - log Bayes error)/max(1, |log Bayes error|) "
                   f">= {worst:.3e}")


def _check_robust_x1(claim: Claim) -> CheckResult:
    n = 0
    for pt in claim.points():
        for norm in ("linf", "l2"):
            acc = linear_accuracy(pt.model, robust_x1(pt.d), ThreatModel(norm, pt.eps))
            expected = pt.p if pt.eps < 1 else 0.0
            if not (math.isclose(acc.standard_accuracy, pt.p) and math.isclose(acc.robust_accuracy, expected)):
                return _result(False, n, f"sign(x1) at {pt}, {norm}: {acc}")
            n += 1
    return _result(True, n, "standard = robust = p for eps < 1; robust = 0 for eps >= 1")


def _check_optimal_robust(claim: Claim) -> CheckResult:
    """A*_rob dominates the robust-optimal linear classifier and every f_tau (in log error rate)."""
    n, worst = 0, math.inf
    for pt in claim.points():
        if pt.d not in (1, 100) or pt.p not in (0.5, 0.75, 0.95):
            continue
        model = pt.model
        for threat in (ThreatModel("linf", pt.eps), ThreatModel.weak_only("linf", pt.eps)):
            opt = best_robust_classifier(model, threat)
            lin = best_robust_linear_classifier(model, threat)
            fam = [linear_accuracy(model, c, threat).log_robust_error_rate for c in _tau_family(pt.d)]
            gap = _log_gap(np.array([lin.log_error_rate, *fam]), opt.log_error_rate)
            best = abs(opt.log_error_rate)
            worst = min(worst, gap / max(1.0, best) if math.isfinite(gap) else gap)
            n += 1
    return _result(worst >= -LOG_RTOL, n,
                   f"(log robust error of the best linear rule - log(1 - A*_rob))/max(1, |log(1 - A*_rob)|) "
                   f">= {worst:.3e}")


# ----------------------------------------------------------------------------- Monte Carlo runs
# Each _runs_* builds the runs of one claim at one parameter point (p, eta, d, eps): the
# analytic values and the samplers come from the same point. ``robtheory verify`` uses the
# points of the _plan_* functions below; validation/claims_campaign.py sweeps a grid.
def _runs_claim_a(pt: Point) -> list[Any]:
    """Averaging: standard accuracy Phi(mu) (mu >= 3); ``eps`` is not used."""
    _require(pt.mu >= 3 - 1e-12, "mu = eta sqrt(d) >= 3", pt)
    m = pt.model
    return [LinearRun(f"averaging, {_tag(m)}", m, averaging(m.d), None, {"standard": float(ndtr(m.mu))})]


def _runs_claim_b(pt: Point) -> list[Any]:
    """Averaging: robust accuracy Phi(-mu) at the l_inf radius 2 eta (``eps`` is not used)."""
    _require(pt.mu >= 3 - 1e-12, "mu = eta sqrt(d) >= 3", pt)
    m = pt.model
    t = ThreatModel("linf", 2 * m.eta)
    return [LinearRun(f"averaging, {_tag(m, t.eps)} (= 2 eta)", m, averaging(m.d), t,
                      {"robust": float(ndtr(-m.mu))})]


def _plan_claim_a() -> list[Any]:
    return _runs_claim_a(Point(0.9, 0.3, 100))


def _plan_claim_b() -> list[Any]:
    return _runs_claim_b(Point(0.9, 0.3, 100))


def _runs_bayes(pt: Point) -> list[Any]:
    _require(pt.p < 1, "p < 1", pt)
    m = pt.model
    return [LinearRun(f"Bayes, {_tag(m)}", m, bayes(m), None, {"standard": bayes_accuracy(m).standard_accuracy})]


def _plan_bayes() -> list[Any]:
    return [r for p, mu, d in ((0.75, 1.0, 100), (0.975, 0.5, 10))
            for r in _runs_bayes(Point(p, mu / math.sqrt(d), d))]


def _runs_robust_x1(pt: Point, norms: tuple[str, ...] = ("linf", "l2")) -> list[Any]:
    """sign(x1) at radius ``eps``: robust accuracy p (eps < 1) or 0, standard p (l_inf, eps < 1)."""
    m, eps = pt.model, pt.eps
    out = []
    for norm in norms:
        expected = {"robust": m.p if eps < 1 else 0.0}
        if norm == "linf" and eps < 1:
            expected = {"standard": m.p, **expected}
        out.append(LinearRun(f"sign(x1), {_tag(m, eps)}, {norm}", m, robust_x1(m.d), ThreatModel(norm, eps),
                             expected))
    return out


def _runs_x1_per_class(pt: Point, backends: tuple[str | None, ...] = (None, "numpy")) -> list[Any]:
    """sign(x1 + b), b = +-1/2, against the l_inf ball of radius 1/2 (x1 perturbable).

    The worst case moves x1 by -y/2 and the penalty is 1/2, so the robust margin is
    y x1 + (y b - 1/2): positive iff x1 = y = sign(b), and exactly 0 (an error, the tie
    convention) for x1 = y = -sign(b). Robust accuracy p/2 and standard accuracy p: the
    robust count is a per-class count of x1 = y, and it counts exact ties. Run on the
    column's backend and on the NumPy oracle (``backends``), so both are asked.
    """
    m = pt.model
    w = np.zeros(m.d + 1)
    w[0] = 1.0
    t = ThreatModel("linf", 0.5)
    return [LinearRun(f"x1 per class: sign(x1 {'+' if b > 0 else '-'} 1/2), {_tag(m, t.eps)}, linf, "
                      f"robust iff x1 = y = {'+1' if b > 0 else '-1'} (ties in the other class)"
                      + (f" [{be}]" if be else ""), m, LinearClassifier(w, b), t,
                      {"standard": m.p, "robust": m.p / 2}, backend=be)
            for be in backends for b in (0.5, -0.5)]


def _plan_robust_x1() -> list[Any]:
    eta = 1 / math.sqrt(10)
    return ([r for norm in ("linf", "l2") for eps in (0.5, 1.5)
             for r in _runs_robust_x1(Point(0.9, eta, 10, eps), norms=(norm,))]
            # eps = 1 exactly: every sample's robust margin is 0 or negative (ties are errors)
            + [r for norm in ("linf", "l2") for r in _runs_robust_x1(Point(0.9, eta, 11, 1.0), norms=(norm,))]
            + _runs_x1_per_class(Point(0.9, eta, 1)))


def _rounded_worst_case(rule: RoundedClassifier, threat: ThreatModel
                        ) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """The attack ``(X, y) -> X'`` of :meth:`robtheory.classifiers.RoundedClassifier.worst_case`
    (the exact worst case of the rounded rule in a ball of radius eps < 1)."""
    if not threat.eps < 1:
        raise ValueError(f"the rounded worst case needs eps < 1, got eps={threat.eps!r}")

    def attack(X: np.ndarray, y: np.ndarray) -> np.ndarray:
        return rule.worst_case(X, y, threat)

    return attack


def _runs_optimal_robust(pt: Point) -> list[Any]:
    """A*_rob(eps) (l_inf) attained by its classifier: the rounded rule under its exact worst
    case when eps < min(eta, 1); sign(x1) (eta <= eps < 1) or averaging (eps >= 1) otherwise."""
    _require(pt.eps > 0, "eps > 0", pt)
    m, eps = pt.model, pt.eps
    t = ThreatModel("linf", eps)
    opt = best_robust_classifier(m, t)
    if eps < min(m.eta, 1.0):
        rule = cast(RoundedClassifier, opt.classifier)
        return [CallableRun(f"rounded rule tau={rule.tau:.4g}, {_tag(m, eps)}, linf, exact worst case",
                            m, rule.score, _rounded_worst_case(rule, t), t, "robust", opt.value)]
    return [LinearRun(f"{opt.description}, {_tag(m, eps)}, linf", m, opt.classifier, t, {"robust": opt.value})]


def _best_unbiased_linear(model: ToyModel, threat: ThreatModel, grid: int = 20001) -> float:
    """Brute force: the highest robust accuracy of ``sign(a x1 + c sum x_i)`` over a grid of
    ``grid`` directions ``(a, c) = (sin theta, cos theta / sqrt d)``, theta in [0, pi/2] (the
    last one is sign(x1)), and of the constant rule: an optimiser-free reference for
    :func:`robtheory.theory.closed_form.best_robust_linear_classifier` (the grid step in theta is 8e-5, so the
    grid maximum is below the true one by ~1e-9, far below what sampling resolves)."""
    from robtheory.theory.closed_form import accuracy_stats, variant

    d, sd = model.d, math.sqrt(model.d)
    th = np.linspace(0.0, math.pi / 2, grid)
    a, c = np.sin(th), np.cos(th) / sd
    c[-1] = 0.0
    rob = accuracy_stats(model.p, model.eta, threat.eps, a, 0.0, c * d, c * sd, c * d, variant(threat))[0]
    return max(float(np.max(rob)), 0.5)

#: Signed, mixed and zero weights with a bias (d = 9): the dual-norm penalty sees |w|.
_MIXED_W = np.array([0.6, 1.0, -0.5, 0.8, 0.0, -0.2, 1.1, 0.3, -0.7, 0.9])

_MIXED_B = -0.15


def _runs_optimal_robust_threat(model: ToyModel, threat: ThreatModel) -> list[Any]:
    """A*_rob(eps) (:func:`~robtheory.theory.closed_form.best_robust_classifier`) and the robust-optimal
    linear classifier (:func:`~robtheory.theory.closed_form.best_robust_linear_classifier`) under any ball.

    * the robust-optimal linear classifier, sampled under its exact worst case, against an
      optimiser-free value: A*_rob itself in the weak-only balls (x1 never moves, so the
      rounded Bayes rule of the shifted model *is* linear and the two optima coincide), the
      brute-force best over the directions of :func:`_best_unbiased_linear` in the full balls;
      and as the claim's inequality acc_eps <= A*_rob;
    * the rounded rule that attains A*_rob under the full ball (eps < 1) under its exact
      worst case (:func:`_rounded_worst_case`), against A*_rob;
    * a linear classifier with signed, mixed and zero weights and a bias (d = 9): standard
      and robust accuracy against their closed forms, and acc_eps <= A*_rob.
    """
    from robtheory.theory.closed_form import best_robust_linear_classifier

    t, m = threat, model
    star = best_robust_classifier(m, t)
    lin = best_robust_linear_classifier(m, t)
    kind = f"{t.norm}, {'x1 perturbable' if t.perturb_x1 else 'weak-only'}"
    bound = (("robust", "<=", float(star.value), "A*_rob(eps)"),)
    ref_val = float(star.value) if not t.perturb_x1 else _best_unbiased_linear(m, t)
    out: list[Any] = [LinearRun(f"robust-optimal linear ({lin.description}), {_tag(m, t.eps)}, {kind}, vs "
                     + ("A*_rob" if not t.perturb_x1 else "the brute-force best direction"),
                     m, lin.classifier, t, {"robust": ref_val}, bounds=bound)]
    if t.perturb_x1 and isinstance(star.classifier, RoundedClassifier) and math.isfinite(star.classifier.tau):
        rule = star.classifier
        out.append(CallableRun(f"rounded rule tau={rule.tau:.4g}, {_tag(m, t.eps)}, {kind}, exact worst case",
                               m, rule.score, _rounded_worst_case(rule, t), t, "robust", star.value))
    if m.d == _MIXED_W.size - 1:
        clf = LinearClassifier(_MIXED_W, _MIXED_B)
        acc = linear_accuracy(m, clf, t)
        out.append(LinearRun(f"signed/mixed/zero weights with bias b={_MIXED_B:g}, {_tag(m, t.eps)}, {kind}",
                             m, clf, t, {"standard": acc.standard_accuracy, "robust": acc.robust_accuracy},
                             bounds=bound))
    return out


def _plan_optimal_robust() -> list[Any]:
    # eps < min(eta, 1): the rounded Bayes rule of the shifted model (not linear);
    # eta <= eps < 1: sign(x1); eps >= 1: averaging (x1 neutralised).
    runs = [r for pt in (Point(0.75, 0.5, 10, 0.2), Point(0.75, 0.2, 10, 0.5), Point(0.75, 2.0, 1, 1.5))
            for r in _runs_optimal_robust(pt)]
    # Every (norm, x1 perturbable) pair, odd d. The weak-only points are where the weak
    # margin mu - eps sqrt(d) (l_inf) or mu - eps (l_2) decides the optimum: a wrong margin
    # there picks a classifier ~0.03-0.05 below A*_rob.
    strong, full = ToyModel(0.8, 1.0, 9), ToyModel(0.75, 0.5, 9)
    for m, t in ((strong, ThreatModel.weak_only("linf", 0.75)), (strong, ThreatModel.weak_only("l2", 2.25)),
                 (full, ThreatModel("linf", 0.2)), (full, ThreatModel("l2", 0.6))):
        runs += _runs_optimal_robust_threat(m, t)
    # The rounded rules' curve under an l_2 ball (Theorem F's family outside its setting: the
    # frontier Monte Carlo with the l_2 worst case, weak features moved by eps/sqrt(d) each).
    from robtheory.theory.frontier import frontier

    runs.append(FrontierRun("rounded rules, l2 eps=0.6, p=0.75, mu=1, d=4",
                            frontier(ToyModel(0.75, 0.5, 4), ThreatModel("l2", 0.6), "all", n=41), points=3))
    return runs


# ----------------------------------------------------------------------------- the records
CLAIM_A = Claim(
    "claim_a", "Averaging classifier is accurate", "Sec. 2.1, eq. (4)",
    "f_avg = sign(mean of weak features) has standard accuracy Phi(eta sqrt(d)) > 99% when eta >= 3/sqrt(d).",
    _mu_at_least(3), _check_claim_a,
    mc_plan=_plan_claim_a, mc_at=_runs_claim_a, stream_block=1,
    campaign=(Point.from_mu(0.9, 3.0, 100), Point.from_mu(0.6, 3.0, 10), Point.from_mu(0.975, 4.0, 1),
              Point.from_mu(0.75, 4.5, 10)),
    proofs=("derivations",), proof_steps=("derivations:claim_a",))

CLAIM_B = Claim(
    "claim_b", "Averaging classifier is not robust", "Sec. 2.1",
    "Under an l_inf adversary with eps = 2 eta its robust accuracy is Phi(-eta sqrt(d)) < 1%.",
    lambda pt: pt.mu >= 3 - 1e-12 and math.isclose(pt.eps, 2 * pt.eta), _check_claim_b,
    notes="The submission transcript prints N(eta, 1) where N(eta, 1/d) is meant.",
    mc_plan=_plan_claim_b, mc_at=_runs_claim_b, stream_block=2,
    campaign=(Point.from_mu(0.9, 3.0, 100), Point.from_mu(0.6, 3.0, 10), Point.from_mu(0.975, 4.0, 1),
              Point.from_mu(0.75, 4.5, 10)),
    proofs=("derivations",), proof_steps=("derivations:claim_b",))

BAYES_OPTIMALITY = Claim(
    "bayes_optimality", "Bayes classifier is the standard-optimal linear one", "Sec. 2.1; theory §3.3",
    "sign(L x1 + 2 eta sum x_i) maximises standard accuracy; among f_tau the optimum is tau = L/(2 mu).",
    lambda pt: pt.p < 1, _check_bayes,
    mc_plan=_plan_bayes, mc_at=_runs_bayes, stream_block=11,
    campaign=(Point.from_mu(0.75, 1.0, 100), Point.from_mu(0.975, 0.5, 10), Point.from_mu(0.6, 2.0, 1),
              Point.from_mu(0.99, 0.5, 100)),
    proofs=("derivations",), proof_steps=("derivations:standard_optimal.maximum",))

ROBUST_X1 = Claim(
    "robust_x1", "sign(x1) is robust for eps < 1", "Sec. 2.1",
    "sign(x1) has standard and l_inf/l_2 robust accuracy p for every eps < 1 (0 for eps >= 1).",
    lambda pt: True, _check_robust_x1,
    mc_plan=_plan_robust_x1, mc_at=_runs_robust_x1, stream_block=12,
    campaign=(Point.from_mu(0.9, 1.0, 10, 0.5), Point.from_mu(0.9, 1.0, 10, 1.5), Point.from_mu(0.6, 2.0, 100, 0.99),
              Point.from_mu(0.975, 0.5, 1, 1.2)),
    proofs=("derivations",), proof_steps=("derivations:robust_x1.robust_linf", "derivations:robust_x1.robust_l2"))

OPTIMAL_ROBUST = Claim(
    "optimal_robust", "Optimal robust accuracy A*_rob(eps)", "theory §3.8 (derived, not in the paper)",
    "No linear classifier exceeds A*_rob(eps) (l_inf, full and weak-only balls).",
    lambda pt: True, _check_optimal_robust,
    mc_plan=_plan_optimal_robust, mc_at=_runs_optimal_robust, stream_block=14,
    campaign=(Point.from_mu(0.75, 0.5 * _S10, 10, 0.2), Point.from_mu(0.9, 3.0, 10, 0.5),
              Point.from_mu(0.75, 0.2 * _S10, 10, 0.5), Point.from_mu(0.75, 2.0, 1, 1.5),
              Point.from_mu(0.6, 1.0, 100, 0.3)),
    proofs=("derivations",), proof_steps=("derivations:a_star.attained",),
    proof_partial=(
        "A*_rob for eps < min(eta, 1): the upper bound (Bayes accuracy of D(p, eta - eps, d)) and its "
        "attainment by the rounded rule",
        "the regimes eta <= eps < 1 and eps >= 1 (checked numerically by the analytic column)"))

#: The records of this family.
RECORDS = (CLAIM_A, CLAIM_B, BAYES_OPTIMALITY, ROBUST_X1, OPTIMAL_ROBUST)
