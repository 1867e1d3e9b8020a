"""The claims registry: every statement of the paper as an object with an analytic check.

Each :class:`Claim` has a name, the paper reference, its hypotheses as a predicate over
parameter points ``(p, eta, d, eps)``, and an analytic check that evaluates the closed
forms at every point of :data:`GRID` that satisfies the hypotheses (plus claim-specific
points). The CLI (``robtheory verify``), the tests and the README's claims table iterate
over :data:`REGISTRY`; later layers (Monte Carlo, proofs, torch) add verdict columns with
:func:`register_column`.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy.special import ndtr

from robtheory.theory import _generated as G
from robtheory.classifiers import StructuredLinear, averaging, bayes, robust_x1
from robtheory.theory.closed_form import (
    accuracy_stats,
    bayes_accuracy,
    linear_accuracy,
    log_accuracy_stats,
    optimal_robust_accuracy,
    robust_optimal_linear,
    theorem_2_1_bound,
)
from robtheory.model import ThreatModel, ToyModel

__all__ = ["Point", "CheckResult", "Claim", "cell_verdict", "REGISTRY", "GRID", "get", "register_column", "column_registered", "COLUMNS",
           "svm_unit_norm_optimum", "adversarial_svm_optimum"]


@dataclass(frozen=True)
class Point:
    """A parameter point ``(p, eta, d, eps)``; ``eps`` is the l_inf radius unless stated."""

    p: float
    eta: float
    d: int
    eps: float = 0.0

    @property
    def mu(self) -> float:
        return self.eta * math.sqrt(self.d)

    @property
    def model(self) -> ToyModel:
        return ToyModel(self.p, self.eta, self.d)


@dataclass(frozen=True)
class CheckResult:
    """Verdict of one check: ``passed`` over ``n_points`` points, with the tightest case."""

    passed: bool
    n_points: int
    detail: str


@dataclass(frozen=True)
class Claim:
    name: str
    title: str
    reference: str
    statement: str
    hypotheses: Callable[[Point], bool]
    analytic: Callable[["Claim"], CheckResult]
    notes: str = ""

    def points(self) -> list[Point]:
        """The grid points that satisfy this claim's hypotheses."""
        return [pt for pt in GRID if self.hypotheses(pt)]

    def check(self) -> CheckResult:
        return self.analytic(self)


def _grid() -> tuple[Point, ...]:
    ps = (0.5, 0.6, 0.75, 0.9, 0.95, 0.975, 0.99)
    ds = (1, 10, 100, 10**4, 10**6)
    mus = (0.5, 1.0, 3.0, 4.0, 6.0, 10.0, 40.0)
    out = []
    for p, d, mu in itertools.product(ps, ds, mus):
        eta = mu / math.sqrt(d)
        for eps in sorted({0.0, eta / 2, eta, 2 * eta, 3 * eta, 0.5, 0.99, 1.5}):
            out.append(Point(p, eta, d, eps))
    return tuple(out)


#: The default parameter grid (p, eta = mu/sqrt(d), d, eps) shared by every analytic check.
GRID = _grid()

#: Extra verdict columns added by other layers: name -> callable(Claim) -> CheckResult | None.
COLUMNS: dict[str, Callable[[Claim], CheckResult | None]] = {}


def register_column(name: str, fn: Callable[[Claim], CheckResult | None]) -> None:
    """Add a verdict column (e.g. ``"mc"``) computed for every claim."""
    COLUMNS[name] = fn


@contextlib.contextmanager
def column_registered(name: str, fn: Callable[[Claim], CheckResult | None]):
    """Register ``fn`` as column ``name`` for the duration of a ``with`` block; yields ``fn``.

    Whatever was registered under ``name`` before is restored afterwards.
    """
    previous = COLUMNS.get(name)
    register_column(name, fn)
    try:
        yield fn
    finally:
        if previous is None:
            COLUMNS.pop(name, None)
        else:
            COLUMNS[name] = previous


def cell_verdict(cell: dict) -> str:
    """The word a verify cell shows: its three-way ``verdict`` (Monte Carlo: PASS / FAIL /
    INCONCLUSIVE), else its ``mark`` (proofs: PARTIAL), else PASS or FAIL from ``passed``."""
    return cell.get("verdict") or cell.get("mark") or ("PASS" if cell.get("passed") else "FAIL")


def _result(ok: bool, n: int, detail: str) -> CheckResult:
    return CheckResult(bool(ok), int(n), detail)


# ----------------------------------------------------------------------------------------
# Helpers shared by several checks


def _tau_family(d: int, taus=(0.0, 0.05, 0.2, 0.5, 1.0, 2.0, 5.0, 20.0)) -> list:
    return [StructuredLinear(t, 1 / math.sqrt(d), d) for t in taus] + [robust_x1(d)]


def random_linear_stats(rng: np.random.Generator, d: int, n: int, k_max: int = 40):
    """Summary statistics of ``n`` random but realisable linear classifiers in dimension ``d``.

    ``u = c*1 + (noise on k <= min(d, k_max) coordinates)`` so that S, Q and U1 are those of
    an actual vector at any ``d`` (no O(d) memory). Returns arrays (a, b, S, Q, U1).
    """
    k = min(d, k_max)
    a = rng.normal(size=n) * rng.choice([0.0, 0.3, 1.0, 3.0], size=n)
    b = rng.normal(size=n) * rng.choice([0.0, 0.0, 0.1, 1.0], size=n)
    c = rng.normal(size=n) / math.sqrt(d) * rng.choice([0.0, 1.0, 1.0, 3.0], size=n)
    noise = rng.normal(size=(n, k)) * rng.choice([0.0, 0.1, 1.0], size=(n, 1)) / math.sqrt(k)
    head = c[:, None] + noise
    S = c * (d - k) + head.sum(axis=1)
    Q = np.sqrt(c**2 * (d - k) + (head**2).sum(axis=1))
    U1 = np.abs(c) * (d - k) + np.abs(head).sum(axis=1)
    zero = (Q == 0) & (a == 0)
    a = np.where(zero, 1.0, a)  # keep a direction
    return a, b, S, Q, U1


def _random_family_stats(pt: Point, n: int = 200, seed: int = 0):
    """Statistics (a, b, S, Q, U1) of ``n`` random linear classifiers, seeded by the point."""
    rng = np.random.default_rng([seed, pt.d, int(pt.p * 1000), int(pt.mu * 1000)])
    return random_linear_stats(rng, pt.d, n)


# ----------------------------------------------------------------------------------------
# Analytic checks


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


#: Machine epsilon of float64: the tolerances of the Theorem 2.1 checks are a few of these, relative.
_EPS64 = float(np.finfo(float).eps)


def log_theorem_2_1_bound(p, log_error_rate, bound_fn=theorem_2_1_bound):
    """log of the Theorem 2.1 bound at the error rate ``exp(log_error_rate)``, without underflow.

    The bound ``bound_fn(p, error_rate=delta)`` is p/(1-p) delta, linear in delta: it is
    evaluated at delta = 1 and ``log delta`` is added (``bound_fn`` is replaceable only to show
    that a wrong bound is rejected).
    """
    with np.errstate(divide="ignore"):
        return np.log(np.asarray(bound_fn(p, error_rate=np.ones_like(np.asarray(log_error_rate, float))), float)) \
            + log_error_rate


def theorem_2_1_log_slack(p, eta, eps, stats, kind, bound_fn=theorem_2_1_bound):
    """(log bound - log robust accuracy, its tolerance) for classifiers given by summary ``stats``.

    The bound is p/(1-p) delta with the exact standard error rate delta (its log, from the
    generated complementary sums), and the robust accuracy is taken in log space too
    (:func:`log_accuracy_stats`), so the comparison is relative at every scale: a violation
    by a factor 2 is seen at delta = 1e-20 as at delta = exp(-800). The tolerance is
    ``16 eps64 (1 + |log bound|)``: both logs carry an absolute rounding error proportional to
    their size (the Gaussian tail's argument mu is rounded to a few ulps, and
    d log Phi(-mu)/d mu ~ mu ~ sqrt(2 |log Phi(-mu)|)).
    """
    log_err = accuracy_stats(p, eta, 0.0, *stats, "standard")[2]
    log_bound = log_theorem_2_1_bound(p, log_err, bound_fn)
    log_rob = log_accuracy_stats(p, eta, eps, *stats, kind)
    with np.errstate(invalid="ignore"):  # -inf - (-inf): a rule with zero robust accuracy and zero error
        slack = np.where(np.isneginf(log_rob), np.inf, log_bound - log_rob)
    return slack, 16 * _EPS64 * (1 + np.abs(log_bound))


def theorem_2_1_gap_tolerance(terms, tau: float, mu: float) -> float:
    """Rounding allowance of the gap identity (bound - acc_shift = closed-form gap) along ``f_tau``.

    The gap is a difference of two accuracies, so its absolute error is relative to the
    *terms* (``terms`` = bound + acc_shift + |identity|), not to the gap: 8 ulps times
    ``1 + (|tau| + mu)^2`` (each Phi(x) has relative error ~|x| times the rounding of its argument
    x, itself ~ulps of |tau| + mu). Nothing absolute: at delta = 1e-20 the allowance is ~1e-35.
    """
    return 8 * _EPS64 * (1 + (abs(tau) + mu) ** 2) * terms


def _theorem_2_1_family(pt: Point) -> list:
    """The classifiers of the Theorem 2.1 check at ``pt`` as summary statistics (a, b, S, Q, U1):
    f_tau, the Bayes rule, sign(x1) and 200 random linear classifiers with bias."""
    model = pt.model
    taus = np.array([0.0, 0.05, 0.2, 0.5, 1.0, 2.0, 5.0, 20.0])
    sd = math.sqrt(pt.d)
    bc = bayes(model).c
    rng = np.random.default_rng([0, pt.d, int(pt.p * 1000), int(pt.mu * 1000)])
    return [
        (taus, 0.0, sd, 1.0, sd),
        (np.array([bayes(model).a if bc else 1.0]), 0.0, sd if bc else 0.0, 1.0 if bc else 0.0, sd if bc else 0.0),
        (1.0, 0.0, 0.0, 0.0, 0.0),
        random_linear_stats(rng, pt.d, 200),
    ]


def theorem_2_1_scan(points, bound_fn=theorem_2_1_bound) -> tuple[int, dict | None]:
    """Theorem 2.1's inequality for the check's classifiers at ``points``, in log space.

    Returns ``(n, worst)``: ``n`` comparisons, and the one with the smallest ratio
    ``slack / tolerance`` of :func:`theorem_2_1_log_slack` (the inequality is violated beyond
    rounding iff that ratio is < -1) as a dict with ``ratio``, ``slack``, ``point``, ``kind`` and
    ``delta`` (the classifier's standard error rate, exact).
    """
    n, worst = 0, None
    for pt in points:
        threats = [("linf_full", pt.eps), ("linf_weak", pt.eps)]
        if pt.eps >= 2 * pt.mu:
            threats.append(("l2_full", pt.eps))
        for stats in _theorem_2_1_family(pt):
            log_err = accuracy_stats(pt.p, pt.eta, 0.0, *stats, "standard")[2]
            for kind, eps in threats:
                slack, tol = theorem_2_1_log_slack(pt.p, pt.eta, eps, stats, kind, bound_fn)
                ratio = np.ravel(slack / tol)
                k = int(np.argmin(ratio))
                if worst is None or ratio[k] < worst["ratio"]:
                    worst = {"ratio": float(ratio[k]), "slack": float(np.ravel(slack)[k]), "point": pt,
                             "kind": kind, "delta": float(np.exp(np.ravel(np.broadcast_to(log_err, slack.shape))[k]))}
                n += ratio.size
    return n, worst


def _check_theorem_2_1(claim: Claim, bound_fn=theorem_2_1_bound) -> CheckResult:
    """Theorem 2.1 at every grid point, relatively: log acc_eps <= log(p/(1-p)) + log delta.

    ``bound_fn(p, error_rate=delta)`` is the right-hand side (replaceable only to show that the
    check rejects a wrong bound at any delta: tests/test_claims.py).
    """
    n, worst = theorem_2_1_scan(claim.points(), bound_fn)
    if worst is None:
        return _result(False, 0, "no point")
    pt = worst["point"]
    where = f"p={pt.p:g}, mu={pt.mu:g}, d={pt.d}, eps={pt.eps:g}, {worst['kind']}, delta={worst['delta']:.3e}"
    if worst["ratio"] < -1:
        return _result(False, n, f"bound violated: log(bound) - log(acc_eps) = {worst['slack']:.3e} at {where}")
    # The exact gap identity along f_tau (weak-only shift adversary, eps = 2 eta):
    # (p/(1-p))(1 - acc) - acc_shift = (2p-1)/(2(1-p)) (1 - p_{++} + p_{--}), with
    # 1 - p_{++} = Phi(-tau - mu) = p_{--}. The bound uses the exact error rate.
    for pt_g in claim.points():
        for tau in (0.0, 0.3, 1.0, 3.0):
            clf = StructuredLinear(tau, 1 / math.sqrt(pt_g.d), pt_g.d)
            acc = linear_accuracy(pt_g.model, clf, ThreatModel.weak_only("linf", 2 * pt_g.eta))
            bound = float(bound_fn(pt_g.p, error_rate=acc.standard_error_rate))
            gap = bound - acc.robust_accuracy
            identity = (2 * pt_g.p - 1) / (2 * (1 - pt_g.p)) * 2 * float(ndtr(-tau - pt_g.mu))
            tol = theorem_2_1_gap_tolerance(bound + acc.robust_accuracy + abs(identity), tau, pt_g.mu)
            if not abs(gap - identity) <= tol:
                return _result(False, n, f"gap identity fails at {pt_g}, tau={tau}: {gap!r} vs {identity!r} "
                                         f"(allowed {tol:.2e})")
    return _result(True, n, f"log(bound) - log(acc_eps) >= {worst['slack']:.3e} (tightest: {where}; "
                            f"{worst['ratio']:.2f} x the rounding allowance 16 eps64 (1 + |log bound|)); "
                            f"exact error rates, so relative at every delta; gap identity holds to rounding")


def _reduced_stats(w1, v, d):
    """(a, b, S, Q, U1) of w = (w1, v/sqrt(d) * 1): v is the weight on z = d^{-1/2} sum x_i."""
    from robtheory.training import reduced_stats

    return reduced_stats(w1, v, d)


def svm_unit_norm_optimum(p: float, eta: float, d: int):
    """The unit-norm population SVM optimum ``(w1, v)`` (Theorem 2.2 (1)).

    By Lemma D.1 a global minimiser of (5) has equal weak weights, so it is ``(w1, v)`` in
    the reduced coordinates; :func:`robtheory.training.unit_norm_optimum` finds it and the
    ``lam`` that makes it the optimum of (5), with a KKT certificate.
    """
    from robtheory.training import unit_norm_optimum

    opt = unit_norm_optimum(ToyModel(p, eta, d))
    return opt.w1, opt.v


def adversarial_svm_closed_form(p: float, eps_train: float, lam: float):
    """Closed-form minimiser of J^adv once the weak weights are zero (theory §2.2).

    :math:`w_1^* = \\min\\{(2p-1-\\varepsilon)/\\lambda, 1/(1-\\varepsilon)\\}` if
    :math:`\\varepsilon < 2p - 1`, else ``0``.
    """
    from robtheory.training import adversarial_hinge_closed_form

    return adversarial_hinge_closed_form(p, eps_train, lam)


def adversarial_svm_optimum(p: float, eta: float, d: int, eps_train: float, lam: float):
    """Certified global minimiser of the l_inf adversarial SVM objective in (w1, v).

    Returns ``(w1, v, J(w1, v), J)`` with ``J`` the objective as a function of ``(w1, v)``.
    """
    from robtheory.training import Objective, solve

    obj = Objective(ToyModel(p, eta, d), lam, ThreatModel("linf", eps_train))
    opt = solve(obj)
    return opt.w1, opt.v, opt.value, lambda x: obj.value(x[0], x[1])


def _svm_points():
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


def _check_lemma_d1(claim: Claim) -> CheckResult:
    rng = np.random.default_rng(1)
    n, worst = 0, math.inf
    for pt in claim.points():
        if pt.eps != 0:
            continue
        a, b, S, Q, U1 = random_linear_stats(rng, pt.d, 50)
        b = np.zeros_like(b)
        lam = 0.1
        sd = math.sqrt(pt.d)
        Qsym = np.abs(S) / sd  # equal weights with the same sum
        # the standard objective (5) and, since the l_inf and l_2 balls are permutation
        # invariant too, the adversarial objectives at eps = 0.3
        for kind, eps in (("standard", 0.0), ("linf_full", 0.3), ("l2_full", 0.3)):
            hinge = getattr(G, f"hinge_{kind}")
            h = hinge(pt.p, pt.eta, eps, a, b, S, Q, U1) + lam / 2 * (a**2 + Q**2)
            hs = hinge(pt.p, pt.eta, eps, a, b, S, Qsym, np.abs(S)) + lam / 2 * (a**2 + Qsym**2)
            diff = h - hs
            unequal = Q > Qsym * (1 + 1e-9) + 1e-12
            worst = min(worst, float(np.min(diff)))
            if np.any(diff[unequal] <= 0):
                return _result(False, n, f"symmetrisation did not decrease J ({kind}) at {pt}")
            n += a.size
    return _result(worst >= -1e-12, n, f"J(w) - J(sym w) >= {worst:.3e} (standard, l_inf, l_2); strict when "
                                       f"weights differ; proof: proofs/lemma_d1.py")


def _lemma_d2_hypotheses(pt: Point) -> bool:
    """Lemma D.2's setting (Theorem 2.2's): mu >= 4, p <= 0.975; the lemma is about the standard
    objective, so one point per (p, d, mu) (eps = 0)."""
    return pt.mu >= 4 - 1e-12 and pt.p <= 0.975 and pt.eps == 0


def _check_lemma_d2(claim: Claim, v_threshold: float = 1 / math.sqrt(2)) -> CheckResult:
    """Lemma D.2's constants and threshold, and its conclusion: the certified unit-norm optimum
    has v* >= ``v_threshold`` (1/sqrt2; replaceable only to show that the check can fail) at every
    grid point meeting the hypotheses where that optimum is computable in float64.

    At mu = 40 the hinge loss underflows to 0 on an arc of the unit circle around v = 1, so
    :func:`robtheory.training.unit_norm_optimum` has no unit-norm lambda to find; those points are
    counted and named in the detail (proofs/lemma_d2.py covers every mu >= 4).
    """
    from robtheory.training import unit_norm_optimum

    s2 = 1 / math.sqrt(2)
    # Directly: E max(0, 1 + w1 - N(4v, v^2)) at w1 = v = 1/sqrt2 is R(1 + s2 - 4 s2, s2).
    from robtheory._special import ramp

    c1 = float(ramp(1 + s2 - 4 * s2, s2))
    c2 = float(ramp(1 - 4.0, 1.0))
    thr = 1 - c2 / c1
    v = np.linspace(0, s2, 2001)
    w1 = np.sqrt(1 - v**2)
    wrong = ramp(1 + w1 - 4 * v, v)
    argmin_ok = bool(np.argmin(wrong) == v.size - 1)
    ok = abs(c1 - 0.016993) < 5e-7 and abs(c2 - 0.000382) < 5e-7 and 0.975 < thr < 0.978 and argmin_ok
    # The conclusion v* >= 1/sqrt2 at the grid points (the optimum depends on (p, mu) only).
    min_v, at, n_opt, worst_kkt = math.inf, None, 0, 0.0
    skipped = set()
    for pt in claim.points():
        if pt.mu in skipped:  # the same underflow for every (p, d) at this mu
            continue
        try:
            opt = unit_norm_optimum(pt.model)
        except ValueError as exc:
            if pt.mu < 20:  # only the underflow regime may be left out
                return _result(False, n_opt, f"no unit-norm optimum at {pt}: {exc}")
            skipped.add(pt.mu)
            continue
        if not (opt.lam > 0 and math.isclose(opt.norm, 1.0, abs_tol=1e-12) and opt.distance_bound < 1e-6):
            return _result(False, n_opt, f"no certified unit-norm optimum at {pt}: {opt.to_dict()}")
        worst_kkt = max(worst_kkt, opt.distance_bound)
        if opt.v - opt.distance_bound < min_v:
            min_v, at = opt.v - opt.distance_bound, pt
        n_opt += 1
    ok = ok and n_opt > 0 and min_v >= v_threshold
    skip = (f"; {len(claim.points()) - n_opt} points at mu = {', '.join(f'{m:g}' for m in sorted(skipped))} "
            f"not computable (hinge underflows on the circle)") if skipped else ""
    where = "" if at is None else f" (p={at.p:g}, mu={at.mu:g})"
    return _result(ok, 3 + n_opt, f"(1-p)*{c1:.6f} > {c2:.6f} iff p < {thr:.5f}; wrong-x1 hinge minimal at v=1/sqrt2: "
                                  f"{argmin_ok}; certified unit-norm optimum at {n_opt} grid points: "
                                  f"min v* - |w - w*| = {min_v:.5f}{where} (must be >= {v_threshold:.5f}){skip}; "
                                  f"interval proof for all mu >= 4: proofs/lemma_d2.py")


def _unit_circle_high_v(n=721):
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


def _check_lemma_d5(claim: Claim) -> CheckResult:
    """The certified adversarial optimum has v* = 0 whenever eps_train >= eta (grid, two lams)."""
    from robtheory.training import Objective, solve

    n = 0
    worst = 0.0
    for pt in claim.points():
        if pt.eps >= 1 or pt.d not in (1, 100, 10**4) or pt.p not in (0.5, 0.75, 0.95, 0.99):
            continue
        for lam in (0.05, 1.0):
            opt = solve(Objective(pt.model, lam, ThreatModel("linf", pt.eps)))
            if opt.v != 0.0 or opt.kkt_residual > 1e-10:
                return _result(False, n, f"certified adversarial optimum has v = {opt.v} at {pt}, lam={lam}")
            worst = max(worst, opt.kkt_residual)
            n += 1
    return _result(True, n, f"certified optimum has v* = 0 at every point with eps_train >= eta (residual "
                            f"<= {worst:.1e}); eta is sharp for large lam, the exact threshold is "
                            f"training.weak_feature_threshold")


def _check_gaussian_mle(claim: Claim) -> CheckResult:
    """Ilyas et al. Thm 2: Sigma_r(lam) against direct minimisation with the inner max exact."""
    from robtheory.training import (alignment, fit_robust_gaussian, lam_for_budget, perturbation_energy,
                           robust_covariance)

    n, worst = 0, 0.0
    for seed in (0, 1):
        rng = np.random.default_rng(seed)
        Q, _ = np.linalg.qr(rng.standard_normal((3, 3)))
        S = Q @ np.diag([0.1, 1.0, 10.0]) @ Q.T
        S = 0.5 * (S + S.T)
        mu = rng.standard_normal(3)
        last = alignment(S, mu)
        for kw in ({"lam": 3.0}, {"lam": 0.3}, {"eps": 0.1}, {"eps": 1.0}):
            lam = kw.get("lam") or lam_for_budget(S, kw["eps"])
            if "eps" in kw and not math.isclose(perturbation_energy(S, lam), kw["eps"] ** 2, rel_tol=1e-9):
                return _result(False, n, f"lambda-eps relation fails at eps={kw['eps']}")
            Sr = robust_covariance(S, lam)
            mu_hat, S_hat, _ = fit_robust_gaussian(S, mu, **kw)
            err = max(float(np.abs(S_hat - Sr).max()), float(np.abs(mu_hat - mu).max()))
            worst = max(worst, err)
            if err > 1e-4:
                return _result(False, n, f"direct minimisation differs from Sigma_r by {err:.2e} ({kw})")
            if "eps" in kw:
                a = alignment(Sr, mu)
                if not a > last:
                    return _result(False, n, "alignment of Sigma_r^-1 mu with mu does not grow with eps")
                last = a
            n += 1
    return _result(True, n, f"Sigma_r(lam) = direct minimiser of the robust NLL (max error {worst:.1e}); "
                            f"E|delta|^2 = eps^2 fixes lam; cos(Sigma_r^-1 mu, mu) grows with eps")


def _log_gap(other_log_err, best_log_err) -> float:
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


def _check_tightness(claim: Claim) -> CheckResult:
    n = 0
    for pt in claim.points():
        acc = linear_accuracy(pt.model, robust_x1(pt.d), ThreatModel("linf", pt.eps))
        bound = float(theorem_2_1_bound(pt.p, error_rate=acc.standard_error_rate))
        if not (math.isclose(bound, pt.p) and math.isclose(acc.robust_accuracy, bound)):
            return _result(False, n, f"not tight at {pt}: rob {acc.robust_accuracy}, bound {bound}")
        # Along f_tau the gap tends to 0 as tau grows: (2p-1) Phi(-mu - tau)/(1-p).
        n += 1
    return _result(True, n, "sign(x1): delta = 1-p, robust accuracy p = (p/(1-p)) delta")


def _check_optimal_robust(claim: Claim) -> CheckResult:
    """A*_rob dominates the robust-optimal linear classifier and every f_tau (in log error rate)."""
    n, worst = 0, math.inf
    for pt in claim.points():
        if pt.d not in (1, 100) or pt.p not in (0.5, 0.75, 0.95):
            continue
        model = pt.model
        for threat in (ThreatModel("linf", pt.eps), ThreatModel.weak_only("linf", pt.eps)):
            opt = optimal_robust_accuracy(model, threat)
            lin = robust_optimal_linear(model, threat)
            fam = [linear_accuracy(model, c, threat).log_robust_error_rate for c in _tau_family(pt.d)]
            gap = _log_gap(np.array([lin.log_error_rate, *fam]), opt.log_error_rate)
            best = abs(opt.log_error_rate)
            worst = min(worst, gap / max(1.0, best) if math.isfinite(gap) else gap)
            n += 1
    return _result(worst >= -LOG_RTOL, n,
                   f"(log robust error of the best linear rule - log(1 - A*_rob))/max(1, |log(1 - A*_rob)|) "
                   f">= {worst:.3e}")


# ----------------------------------------------------------------------------------------
# Theorem F (theory §3.7): the exact frontier at eps = 2 eta < 1


def theorem_f_hypotheses(pt: Point) -> bool:
    """l_inf ball of radius eps = 2 eta < 1 (x1 perturbable or not), p < 1, eta > 0."""
    return pt.p < 1 and pt.eta > 0 and math.isclose(pt.eps, 2 * pt.eta, rel_tol=1e-12) and pt.eps < 1


def supporting_lambda(p: float, mu: float, tau) -> np.ndarray:
    r"""The weight :math:`\lambda` whose Neyman--Pearson maximiser of :math:`\lambda\mathrm{Std} +
    (1-\lambda)\mathrm{Rob}` is :math:`f_\tau` (:mod:`robtheory.symbolic.frontier`): inverting
    :math:`e^{2\mu\tau} = (\lambda + p - 1)/(\lambda - p)` gives
    :math:`\lambda = p + (2p - 1)/(e^{2\mu\tau} - 1)`; 1 at the Bayes ratio, p at tau = inf."""
    tau = np.asarray(tau, dtype=float)
    with np.errstate(divide="ignore", over="ignore"):
        return np.where(np.isinf(tau), p, p + (2 * p - 1) / np.expm1(2 * mu * tau))


#: Absolute tolerance of the Theorem F support inequalities (values in [0, 1]; rounding ~1e-15).
THEOREM_F_TOL = 1e-12
#: Relative tolerance of the frontier's values against theory's closed forms (same Phi terms,
#: arguments rounded differently: observed <= 1e-13), with an absolute floor for subnormal tails.
THEOREM_F_REL = 1e-9


def theorem_f_candidates(pt: Point, kind: str, n_grid: int = 61, n_random: int = 400):
    """(std, rob) of the rules the frontier must not be beaten by, at ``pt`` (radius 2 eta).

    * threshold rules on (x1, s): ``+1`` iff ``sigma s > t(x1)``, thresholds ``t(+1), t(-1)`` on an
      ``n_grid`` x ``n_grid`` grid (tan-spaced over the line) and both orientations ``sigma = +-1``.
      On x1 = +-1 such a rule is ``sign(a x1 + b + sigma s)``: a linear rule with bias, evaluated as
      the *rounded* rule (``sign(x1)`` in place of x1), whose worst case ignores x1 (weak-only ball);
    * the same (a, b, sigma) as linear classifiers without rounding, against the threat's ball
      (``kind``: ``linf_full`` or ``linf_weak``);
    * ``n_random`` random linear classifiers with bias (:func:`random_linear_stats`), against the ball.
    """
    sd = math.sqrt(pt.d)
    a, b, S, std_thr, rob_rounded = _threshold_rules(pt, n_grid)
    rng = np.random.default_rng([7, pt.d, int(pt.p * 1000), int(pt.mu * 1000)])
    ra, rb, rS, rQ, rU = random_linear_stats(rng, pt.d, n_random)
    rob_linear = accuracy_stats(pt.p, pt.eta, pt.eps, a, b, S, 1.0, sd, kind)[0]
    std_rand = accuracy_stats(pt.p, pt.eta, 0.0, ra, rb, rS, rQ, rU, "standard")[0]
    rob_rand = accuracy_stats(pt.p, pt.eta, pt.eps, ra, rb, rS, rQ, rU, kind)[0]
    return np.concatenate([std_thr, std_thr, std_rand]), np.concatenate([rob_rounded, rob_linear, rob_rand])


@functools.lru_cache(maxsize=4)
def _threshold_rules(pt: Point, n_grid: int):
    """(a, b, S, std, rob of the rounded rule) of the threshold rules of :func:`theorem_f_candidates`."""
    sd = math.sqrt(pt.d)
    t = np.tan(np.linspace(-math.pi / 2, math.pi / 2, n_grid + 2)[1:-1]) * max(1.0, pt.mu)
    tp, tm = (x.ravel() for x in np.meshgrid(t, t, indexing="ij"))
    a = np.concatenate([-(tp - tm) / 2, (tp - tm) / 2])
    b = np.concatenate([-(tp + tm) / 2, (tp + tm) / 2])
    S = np.concatenate([np.full(tp.size, sd), np.full(tp.size, -sd)])
    std = accuracy_stats(pt.p, pt.eta, 0.0, a, b, S, 1.0, sd, "standard")[0]
    rob = accuracy_stats(pt.p, pt.eta, pt.eps, a, b, S, 1.0, sd, "linf_weak")[0]
    for arr in (a, b, S, std, rob):
        arr.setflags(write=False)
    return a, b, S, std, rob


def theorem_f_point_check(pt: Point, threat: ThreatModel, front) -> dict:
    r"""Theorem F at one point for one frontier ``front`` (that of :func:`robtheory.theory.frontier.frontier`).

    Returns a dict of the separate verdicts:

    * ``exact``: the frontier says it is Theorem F's;
    * ``endpoints``: it starts at the Bayes point (tau = L/(2 mu), standard accuracy = Bayes
      accuracy) and ends at (p, p) (tau = inf);
    * ``attained`` / ``max_rel_dev``: every point equals theory's (Std(tau), Rob(tau)) and the exact
      robust accuracy of the rounded rule that attains it (:func:`robtheory.theory.closed_form.rounded_accuracy`)
      to :data:`THEOREM_F_REL` -- a raised frontier fails here;
    * ``not_beaten`` / ``max_excess``: for each point k and its Neyman--Pearson weight
      :math:`\lambda_k` (:func:`supporting_lambda`; :math:`\lambda \in \{1-p, 1/2, p\}` at (p, p), also
      1 at the Bayes point, 1/2 everywhere when p = 1/2, where the frontier is the segment
      Std + Rob = 1) no candidate of :func:`theorem_f_candidates` has
      :math:`\lambda_k\mathrm{std} + (1-\lambda_k)\mathrm{rob} > \lambda_k S_k + (1-\lambda_k)R_k`
      + :data:`THEOREM_F_TOL`. These half-planes contain the frontier's convex hull, so a candidate
      above or beyond the curve (a lowered frontier) fails, with no interpolation between points.
    """
    from robtheory.classifiers import RoundedClassifier
    from robtheory.theory.closed_form import rounded_accuracy

    model = pt.model
    p, mu, d = pt.p, pt.mu, pt.d
    tau = np.asarray(front.tau, dtype=float)
    S, R = np.asarray(front.standard_accuracy, float), np.asarray(front.robust_accuracy, float)
    out = {"exact": bool(front.exact), "n_frontier": int(tau.size)}
    tau_b = model.log_odds / (2 * mu)
    out["endpoints"] = bool(
        math.isclose(tau[0], tau_b, rel_tol=1e-12, abs_tol=1e-15)
        and math.isclose(S[0], bayes_accuracy(model).standard_accuracy, rel_tol=1e-12)
        and math.isinf(tau[-1]) and math.isclose(S[-1], p, rel_tol=1e-15) and math.isclose(R[-1], p, rel_tol=1e-15))
    fin = np.isfinite(tau)
    std_spec = np.where(fin, p * ndtr(mu + tau) + (1 - p) * ndtr(mu - tau), p)
    rob_spec = np.where(fin, p * ndtr(tau - mu) + (1 - p) * ndtr(-tau - mu), p)
    sub = np.unique(np.linspace(0, tau.size - 1, 7).round().astype(int))  # both ends and 5 between
    rounded = np.array([rounded_accuracy(model, RoundedClassifier(t, d), threat).robust_accuracy for t in tau[sub]])
    rob_sub = R[sub]

    def rel(x, y):
        return float(np.max(np.abs(x - y) / np.maximum(np.maximum(np.abs(x), np.abs(y)), 1e-300)))

    out["max_rel_dev"] = max(rel(S, std_spec), rel(R, rob_spec), rel(rob_sub, rounded))
    out["attained"] = out["max_rel_dev"] <= THEOREM_F_REL
    kind = "linf_full" if threat.perturb_x1 else "linf_weak"
    std_c, rob_c = theorem_f_candidates(pt, kind)
    lam_pts = [(supporting_lambda(p, mu, tau[fin]) if p > 0.5 else np.full(int(fin.sum()), 0.5), fin)]
    extra = [(1.0, 0), (1 - p, -1), (0.5, -1), (p, -1)]  # Bayes point; (p, p)
    lams = np.concatenate([lam_pts[0][0], [e[0] for e in extra]])
    idx = np.concatenate([np.flatnonzero(fin), [e[1] % tau.size for e in extra]])
    support = lams * S[idx] + (1 - lams) * R[idx]
    worst = -np.inf
    for lo in range(0, std_c.size, 4096):
        val = lams[:, None] * std_c[None, lo:lo + 4096] + (1 - lams)[:, None] * rob_c[None, lo:lo + 4096]
        worst = max(worst, float(np.max(val - support[:, None])))
    out["max_excess"] = worst
    out["not_beaten"] = worst <= THEOREM_F_TOL
    out["n_candidates"] = int(std_c.size)
    out["passed"] = out["exact"] and out["endpoints"] and out["attained"] and out["not_beaten"]
    return out


def _check_theorem_f(claim: Claim, frontier_fn=None) -> CheckResult:
    """Theorem F at every grid point, for the full l_inf ball and the weak-only one.

    ``frontier_fn(model, threat)`` gives the frontier to check (default
    ``robtheory.theory.frontier.frontier(model, threat, "all")``; replaceable only for negative controls).
    The Neyman--Pearson step itself is derived by :func:`robtheory.symbolic.frontier.neyman_pearson`
    and certified by proofs/theorem_f.py; its derived threshold must match theory's tau(lambda).
    """
    from robtheory.theory.frontier import frontier
    from robtheory.symbolic.frontier import neyman_pearson

    if frontier_fn is None:
        def frontier_fn(model, threat):
            return frontier(model, threat, "all")

    NP = neyman_pearson().results
    if not (NP["matches_spec"] and NP["thresholds_symmetric"] and NP["shifted_law"]):
        return _result(False, 0, "the Neyman-Pearson derivation does not give theory's tau(lambda)")
    n, n_cand, worst_dev, worst_exc = 0, 0, 0.0, -math.inf
    for pt in claim.points():
        for threat in (ThreatModel("linf", pt.eps), ThreatModel.weak_only("linf", pt.eps)):
            r = theorem_f_point_check(pt, threat, frontier_fn(pt.model, threat))
            if not r["passed"]:
                what = [k for k in ("exact", "endpoints", "attained", "not_beaten") if not r[k]]
                return _result(False, n, f"{', '.join(what)} fails at {pt}, {threat.norm} "
                                         f"{'full' if threat.perturb_x1 else 'weak-only'}: max relative deviation "
                                         f"{r['max_rel_dev']:.2e}, max excess over a support line {r['max_excess']:.2e}")
            worst_dev = max(worst_dev, r["max_rel_dev"])
            worst_exc = max(worst_exc, r["max_excess"])
            n += r["n_frontier"]
            n_cand += r["n_candidates"]
    return _result(True, n, f"Neyman-Pearson threshold = spec tau(lambda) (sympy); frontier = (Std(tau), Rob(tau)) of "
                            f"the rounded rules to {worst_dev:.1e} relative, Bayes point to (p, p); {n_cand} threshold "
                            f"rules on (x1, s) and linear rules with bias never above a supporting line "
                            f"lambda_k Std + (1-lambda_k) Rob (max excess {worst_exc:.1e} <= {THEOREM_F_TOL:g})")


def _mu_at_least(k):
    return lambda pt: pt.mu >= k - 1e-12


REGISTRY: tuple[Claim, ...] = (
    Claim("claim_a", "Averaging classifier is accurate", "Sec. 2.1, eq. (4)",
          "f_avg = sign(mean of weak features) has standard accuracy Phi(eta sqrt(d)) > 99% when eta >= 3/sqrt(d).",
          _mu_at_least(3), _check_claim_a),
    Claim("claim_b", "Averaging classifier is not robust", "Sec. 2.1",
          "Under an l_inf adversary with eps = 2 eta its robust accuracy is Phi(-eta sqrt(d)) < 1%.",
          lambda pt: pt.mu >= 3 - 1e-12 and math.isclose(pt.eps, 2 * pt.eta), _check_claim_b,
          notes="The submission transcript prints N(eta, 1) where N(eta, 1/d) is meant."),
    Claim("theorem_2_1", "Robustness-accuracy trade-off", "Thm 2.1, App. C",
          "If acc(f) >= 1 - delta then acc_eps(f) <= p/(1-p) delta for every eps >= 2 eta (l_inf).",
          lambda pt: pt.p < 1 and pt.eps >= 2 * pt.eta - 1e-15, _check_theorem_2_1,
          notes="Checked for linear families, random linear classifiers (with bias), and the exact gap "
                "identity; the proof for all measurable classifiers is proofs/theorem_2_1.py."),
    Claim("theorem_2_2_part1", "Standard SVM is accurate but not robust", "Thm 2.2 (1), App. D",
          "For eta >= 4/sqrt(d), p <= 0.975 the unit-norm population SVM optimum has standard accuracy > 99% "
          "and l_inf robust accuracy < 1% at eps = 2 eta.",
          lambda pt: pt.mu >= 4 - 1e-12 and pt.p <= 0.975, _check_theorem_2_2_part1),
    Claim("theorem_2_2_part2", "Adversarial SVM drops the weak features", "Thm 2.2 (2), App. D",
          "For 2 eta <= eps_train < 2p - 1 (corrected hypothesis) the adversarial SVM optimum is "
          "w1* = min((2p-1-eps)/lam, 1/(1-eps)), v* = 0, with accuracy p standard and robust for eps < 1; "
          "for eps_train >= 2p - 1 the optimum is w = 0.",
          lambda pt: 2 * pt.eta <= pt.eps < 2 * pt.p - 1, _check_theorem_2_2_part2,
          notes="As stated in the paper (any eps_train >= 2 eta) part 2 is false: w = 0 when eps_train >= 2p-1."),
    Claim("lemma_d1", "Symmetry of the SVM optimum", "Lemma D.1",
          "Every global minimiser of J_lam has equal weak weights (symmetrisation strictly lowers J).",
          lambda pt: True, _check_lemma_d1),
    Claim("lemma_d2", "The SVM optimum uses the weak features", "Lemma D.2",
          "Unit-norm optimum has v* >= 1/sqrt(2): (1-p)*0.016993 > 0.000382 iff p < 0.9775.",
          _lemma_d2_hypotheses, _check_lemma_d2,
          notes="Grid: mu >= 4, p <= 0.975 (Theorem 2.2), eps = 0 (the lemma is about standard training)."),
    Claim("lemma_d3", "Standard accuracy of such a classifier", "Lemma D.3",
          "v >= 1/sqrt(2) >= |w1| on the unit circle gives standard accuracy >= Phi(mu - 1) >= 0.99 for mu >= 4.",
          _mu_at_least(4), _check_lemma_d3),
    Claim("lemma_d4", "Robust accuracy of such a classifier", "Lemma D.4",
          "Against the shift adversary (eps = 2 eta) its robust accuracy is <= 1 - Phi(mu - 1) <= 0.01.",
          _mu_at_least(4), _check_lemma_d4),
    Claim("lemma_d5", "Adversarial SVM has zero weak weights", "Lemma D.5",
          "For eps_train >= 2 eta every minimiser of J^adv has w_i = 0 for i >= 2.",
          lambda pt: pt.eps >= pt.eta - 1e-15 and pt.eta > 0, _check_lemma_d5,
          notes="The argument needs only eps_train >= eta; the check runs on that larger region."),
    Claim("bayes_optimality", "Bayes classifier is the standard-optimal linear one", "Sec. 2.1; theory §3.3",
          "sign(L x1 + 2 eta sum x_i) maximises standard accuracy; among f_tau the optimum is tau = L/(2 mu).",
          lambda pt: pt.p < 1, _check_bayes),
    Claim("robust_x1", "sign(x1) is robust for eps < 1", "Sec. 2.1",
          "sign(x1) has standard and l_inf/l_2 robust accuracy p for every eps < 1 (0 for eps >= 1).",
          lambda pt: True, _check_robust_x1),
    Claim("tightness", "Theorem 2.1 is tight", "Sec. 2.1, remark after Thm 2.1",
          "At delta = 1 - p, sign(x1) attains robust accuracy p = p/(1-p) delta for eps < 1.",
          lambda pt: pt.p < 1 and 2 * pt.eta <= pt.eps < 1, _check_tightness),
    Claim("optimal_robust", "Optimal robust accuracy A*_rob(eps)", "theory §3.8 (derived, not in the paper)",
          "No linear classifier exceeds A*_rob(eps) (l_inf, full and weak-only balls).",
          lambda pt: True, _check_optimal_robust),
)


#: Ilyas et al. (2019), not Tsipras et al.: registered, and flagged as such in its reference and notes.
GAUSSIAN_ROBUST_MLE = Claim(
    "gaussian_robust_mle", "Robust Gaussian MLE covariance (NOT from this paper)",
    "Ilyas et al. 2019, Sec. 4, Thm 2; theory §2.4",
    "Under an l2 adversary with Lagrange multiplier lam (equivalently a mean-square budget E|delta|^2 = eps^2) "
    "the robust Gaussian MLE is mu_r = mu*, Sigma_r = Sigma*/2 + I/lam + (Sigma*/lam + Sigma*^2/4)^(1/2).",
    lambda pt: pt.p == 0.5 and pt.eps > 0 and pt.d == 1, _check_gaussian_mle,
    notes="Not a result of Tsipras et al. 2019 (the paper has no Theorem 2.3; theory §2.4). Exact for the "
          "Lagrangian / mean-square-budget adversary; the per-sample ball |delta| <= eps gives a different "
          "optimum (validation/gaussian_mle.py --per-sample). The grid points are irrelevant to this claim.")

THEOREM_F = Claim(
    "theorem_f", "Exact robustness-accuracy frontier (Theorem F)", "theory §3.7 (derived, not in the paper)",
    "For l_inf eps = 2 eta < 1 (x1 perturbable or not) the Pareto frontier of (acc, acc_eps) over all classifiers is "
    "(p Phi(mu+tau) + (1-p) Phi(mu-tau), p Phi(tau-mu) + (1-p) Phi(-tau-mu)), tau in [L/(2 mu), oo], attained by "
    "sign(tau sign(x1) + s(x)): from the Bayes point to (p, p).",
    theorem_f_hypotheses, _check_theorem_f,
    notes="Neyman-Pearson step derived in robtheory.symbolic.frontier and certified in proofs/theorem_f.py; checked "
          "against threshold rules on (x1, s) and linear classifiers with bias. Registered after the Gaussian claim so "
          "that the Monte Carlo streams of the other claims do not move.")

REGISTRY = REGISTRY + (GAUSSIAN_ROBUST_MLE, THEOREM_F)


def get(name: str) -> Claim:
    for claim in REGISTRY:
        if claim.name == name:
            return claim
    raise KeyError(f"no claim named {name!r}; known: {[c.name for c in REGISTRY]}")


def markdown_table() -> str:
    """The README's claims table, one row per registered claim (a test keeps them in sync)."""
    lines = ["| claim | paper | statement | grid points meeting the hypotheses |",
             "|---|---|---|---|"]
    for c in REGISTRY:
        statement = c.statement.replace("|", "\\|")
        lines.append(f"| `{c.name}` | {c.reference} | {statement} | {len(c.points())} |")
    return "\n".join(lines)
