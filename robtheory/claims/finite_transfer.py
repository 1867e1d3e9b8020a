"""Finite-sample transferability and robustness by feature selection (issue 14, items 2 and 3).

The paper (Sec. 4, "the origin of transferability"; Fig. 5, robustness by feature selection)
makes these as empirical observations. In D(p, eta, d) they are exact statements about linear
models trained on ``n`` samples (:mod:`robtheory.finite.transfer`,
:mod:`robtheory.finite.feature_selection`). Each record holds its analytic check (the exact
formula against an independent computation, and the expectation over training sets estimated
with a standard error) and its Monte Carlo runs (test points drawn from the stream, scored with the
explicit attack).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.special import ndtr

from robtheory.classifiers import LinearClassifier
from robtheory.claims.record import CheckResult, Claim, Point, _result
from robtheory.claims.runs import LinearRun, MeanRun, _require
from robtheory.finite import feature_selection as FS
from robtheory.finite import transfer as TR
from robtheory.finite.learners import training_set
from robtheory.model import ThreatModel, ToyModel
from robtheory.theory.closed_form import linear_accuracy

#: The seed of the training sets the Monte Carlo runs' models are trained on (data, not sampling).
_TRAIN_SEED = 2026


# ----------------------------------------------------------------------------- transfer: exact per pair
def _trained_pair(pt: Point, n: int) -> tuple[np.ndarray, np.ndarray]:
    return TR.fit_pair_weights(pt.model, n, 0, _TRAIN_SEED)


def _check_transfer_exact(claim: Claim) -> CheckResult:
    """Bivariate CDF against an independent quadrature; a self-pair's fool rate against the closed form."""
    from scipy import integrate

    rng = np.random.default_rng(14)
    worst_cdf = 0.0
    for _ in range(20):
        h, k = rng.normal(0, 1.5, 2)
        rho = rng.uniform(-0.98, 0.98)
        r = math.sqrt(1 - rho * rho)
        quad = integrate.quad(lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi) * ndtr((k - rho * x) / r),
                              -np.inf, h, epsabs=1e-14, epsrel=1e-13)[0]
        worst_cdf = max(worst_cdf, abs(float(TR.bvn_cdf(h, k, rho)) - quad))
    if worst_cdf > 1e-12:
        return _result(False, 20, f"bivariate normal CDF off the quadrature by {worst_cdf:.1e}")
    n_pts, worst = 0, 0.0
    for pt in claim.points():
        if pt.d > 100 or n_pts >= 60:
            continue
        for norm in ("linf", "l2"):
            threat = ThreatModel(norm, pt.eps)
            w = np.r_[2 * pt.p - 1, pt.eta + rng.normal(0, 0.5, pt.d)]
            got = TR.pair_rates(pt.model, w, w, threat)["fool_rate"]
            worst = max(worst, abs(got - (1 - linear_accuracy(pt.model, w, threat).robust_accuracy)))
        n_pts += 1
    ok = worst <= 1e-12
    return _result(ok, n_pts + 20, f"Phi_2 = quadrature within {worst_cdf:.1e}; a model against itself: "
                                   f"fool rate = 1 - robust accuracy within {worst:.1e} (l_inf and l_2)")


def _transfer_run(pt: Point, norm: str, n: int, *, rates: Callable[..., Any] | None = None) -> MeanRun:
    """Test points of the stream, attacked explicitly against A: the frequencies of the three events
    of the rates against their exact values for one pair trained on ``n`` samples (training sets 0
    and 1 of seed ``_TRAIN_SEED``). ``rates(model, stats)`` replaces :func:`transfer_rates` (control)."""
    rates = TR.transfer_rates if rates is None else rates
    model, threat = pt.model, ThreatModel(norm, pt.eps)
    wA, wB = _trained_pair(pt, n)
    g = TR._direction(wA[None, :], threat)[0]
    exact = {k: float(v[0]) for k, v in rates(model, TR.pair_statistics(wA, wB, threat)).items()}

    def statistic(X: np.ndarray, y: np.ndarray) -> np.ndarray:
        Xa = X - threat.eps * y[:, None] * g
        mA, mB, mAa, mBa = y * (X @ wA), y * (X @ wB), y * (Xa @ wA), y * (Xa @ wB)
        succ = (mA > 0) & (mB > 0) & (mAa <= 0)
        return np.column_stack([mBa <= 0, succ, succ & (mBa <= 0)]).astype(float)

    q = ("B errs at x + delta_A", "attack succeeds on A (both right at x)", "and transfers to B")
    return MeanRun(f"transfer A->B, two mean learners on n={n}, p={pt.p:g}, eta={pt.eta:g}, d={pt.d}, "
                   f"{norm} eps={pt.eps:g}", model, statistic, q,
                   {q[0]: exact["fool_rate"], q[1]: exact["attack_success"], q[2]: exact["transfer_joint"]})


def _runs_transfer_exact(pt: Point) -> list[Any]:
    _require(pt.eps > 0 and pt.d <= 200, "eps > 0 and d <= 200", pt)
    return [_transfer_run(pt, norm, 30) for norm in ("linf", "l2")]


def _plan_transfer_exact() -> list[Any]:
    return _runs_transfer_exact(Point(0.8, 0.3, 10, 0.4))


def _control_transfer_exact(claim: Claim, pt: Point = Point(0.8, 0.3, 10, 0.4)) -> MeanRun:
    """The run with the correlation of the two margins dropped: the Monte Carlo test must FAIL."""
    def independent(model: ToyModel, st: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return TR.transfer_rates(model, {**st, "C": st["C"] * 0, "sin": st["sin"] * 0 + 1})
    return _transfer_run(pt, "linf", 30, rates=independent)


# ----------------------------------------------------------------------------- transfer: the limit in n
_LIMIT_POINTS = (Point(0.8, 0.3, 10, 0.6), Point(0.9, 0.2, 10, 0.4))


def _check_transfer_limit(claim: Claim, *, limit_fn: Callable[..., dict[str, float]] | None = None) -> CheckResult:
    """Mean over 20 pairs of training sets at n = 20, 200, 2000 (standard -> standard): the gap to the
    population pair's rates shrinks by a factor of at least 2 per decade of n (the weights approach the
    limit like 1/sqrt(n), a factor 3.2), or is within 5 standard errors; the limit itself is the closed-form adversarial error of
    (2p - 1, eta, ..., eta). ``limit_fn(model, threat)`` replaces the population rates (control)."""
    limit_fn = TR.population_transfer if limit_fn is None else limit_fn
    details: list[str] = []
    for pt in _LIMIT_POINTS:
        threat = ThreatModel("linf", pt.eps)
        w_inf = np.r_[2 * pt.p - 1, np.full(pt.d, pt.eta)]
        closed = 1 - linear_accuracy(pt.model, w_inf, threat).robust_accuracy
        lim = limit_fn(pt.model, threat)
        if abs(TR.population_transfer(pt.model, threat)["fool_rate"] - closed) > 1e-12:
            return _result(False, 0, "the population pair's fool rate is not the closed-form adversarial error")
        c = TR.transfer_curve(pt.model, [20, 200, 2000], [pt.eps], pairs=20, seed=_TRAIN_SEED,
                              kinds=("standard->standard",))
        for q in ("fool_rate", "transfer_rate"):
            m, se = c.mean[q][0, 0], c.se[q][0, 0]
            gap = np.abs(m - lim[q])
            if not np.all(gap[1:] <= np.maximum(gap[:-1] / 2, 5 * se[1:])):
                return _result(False, len(details), f"{q} at p={pt.p:g}, eta={pt.eta:g}, d={pt.d}: means "
                                                    f"{np.round(m, 4).tolist()} vs limit {lim[q]:.4f}")
        details.append(f"eps={pt.eps:g}=2eta: transfer {c.mean['transfer_rate'][0, 0].round(3).tolist()} -> 1, "
                       f"fool {c.mean['fool_rate'][0, 0].round(3).tolist()} -> {closed:.3f}"
                       if math.isclose(pt.eps, 2 * pt.eta) else
                       f"eps={pt.eps:g}: fool -> {closed:.3f}")
    return _result(True, len(_LIMIT_POINTS), "; ".join(details))


def _runs_transfer_limit(pt: Point) -> list[Any]:
    """The population pair (limit n -> infinity): B's error under A's attack, for B standard and robust."""
    _require(pt.eps > 0, "eps > 0", pt)
    threat = ThreatModel("linf", pt.eps)
    w_inf = TR.population_weights(pt.model, "standard")
    w_rob = TR.population_weights(pt.model, "robust")
    out = []
    for kind, wB in (("standard->standard", w_inf), ("standard->robust", w_rob)):
        fool = TR.population_transfer(pt.model, threat, kind)["fool_rate"]
        g = TR._direction(w_inf[None, :], threat)[0]

        def statistic(X: np.ndarray, y: np.ndarray, wB_: np.ndarray = wB, g: np.ndarray = g) -> np.ndarray:
            fooled: np.ndarray = (y * ((X - threat.eps * y[:, None] * g) @ wB_) <= 0).astype(float)
            return fooled[:, None]

        q = ("B errs at x + delta_A",)
        out.append(MeanRun(f"population pair {kind}, p={pt.p:g}, eta={pt.eta:g}, d={pt.d}, linf eps={pt.eps:g}",
                           pt.model, statistic, q, {q[0]: fool}))
    return out


def _plan_transfer_limit() -> list[Any]:
    return _runs_transfer_limit(_LIMIT_POINTS[0])


# ----------------------------------------------------------------------------- feature selection: the law
_LAW_CASES = ((5, 0.3, 0.5), (12, 0.2, 0.3), (40, 0.1, 0.25))


def _check_selection_law(claim: Claim, *, pass_fn: Callable[..., float] | None = None) -> CheckResult:
    """E[weak features kept] over 200 engine training sets against d * P(pass) (z-test, family-wise 1e-3,
    3 n x 2 t cells), and the fraction keeping x1 against the binomial tail. ``pass_fn`` replaces
    :func:`weak_pass_probability` (control)."""
    from scipy.special import ndtri

    pass_fn = FS.weak_pass_probability if pass_fn is None else pass_fn
    model = ToyModel(0.7, 0.2, 20)
    ns, ts = [4, 10, 40], [0.3, 0.5]
    c = FS.selection_curve(model, ns, ts, ThreatModel("linf", 0.1), trials=200, seed=_TRAIN_SEED)
    z = float(-ndtri(1e-3 / (4 * len(ns) * len(ts))))
    exact = np.array([[model.d * pass_fn(n, model.eta, t) for n in ns] for t in ts])
    dev = np.abs(c.data["weak_kept"] - exact) / c.data["weak_kept_se"]
    p1 = c.data["x1_kept_exact"]
    dev1 = np.abs(c.data["x1_kept"] - p1) / np.maximum(np.sqrt(p1 * (1 - p1) / c.trials), 1e-300)
    ok = bool(np.all(dev <= z) and np.all((dev1 <= z) | (np.abs(c.data["x1_kept"] - p1) < 1e-12)))
    return _result(ok, dev.size, f"max |z| {dev.max():.2f} (weak count), {dev1.max():.2f} (x1) vs critical {z:.2f}; "
                                 f"P(weak kept) at n=4,10,40, t=0.3: {np.round(exact[0] / model.d, 3).tolist()}")


def _selection_law_run(pt: Point, t: float, *, pass_fn: Callable[..., float] | None = None) -> MeanRun:
    """Each stream row of D(p, eta, n) holds one weak column of a training set of size n: the n values
    y x_j are i.i.d. N(eta, 1), as the values y_i x_ij of one weak feature over n samples. The frequency
    of |r| >= t against the exact P(pass). ``pass_fn`` replaces it (control)."""
    pass_fn = FS.weak_pass_probability if pass_fn is None else pass_fn
    n = pt.d

    def statistic(X: np.ndarray, y: np.ndarray) -> np.ndarray:
        v = y[:, None] * X[:, 1:]
        r = v.sum(1) / (math.sqrt(n) * np.linalg.norm(v, axis=1))
        kept: np.ndarray = (np.abs(r) >= t).astype(float)
        return kept[:, None]

    q = (f"|r| >= {t:g}",)
    return MeanRun(f"weak feature kept, n={n} samples, eta={pt.eta:g}, t={t:g}", pt.model, statistic, q,
                   {q[0]: pass_fn(n, pt.eta, t)})


def _runs_selection_law(pt: Point) -> list[Any]:
    _require(2 <= pt.d <= 200, "2 <= d <= 200 (d plays the training-set size n)", pt)
    return [_selection_law_run(pt, t) for t in (0.2, 0.5)]


def _plan_selection_law() -> list[Any]:
    return [r for n, eta, _ in _LAW_CASES for r in _runs_selection_law(Point(0.7, eta, n))]


def _wrong_df(n: int, eta: float, t: float) -> float:
    """A planted error for the controls: the threshold of T with n degrees of freedom instead of n - 1."""
    from scipy import stats as sps
    tau = t * math.sqrt(n / (1 - t * t))
    d = sps.nct(n - 1, eta * math.sqrt(n))
    return float(d.sf(tau) + d.cdf(-tau))


# ----------------------------------------------------------------------------- feature selection: limit
_SEL_POINT = Point(0.8, 0.2, 25, 0.4)


def _check_selection_limit(claim: Claim) -> CheckResult:
    """At t = 0.05, 0.4, 0.8 (around the population correlations 0.196 and 2p - 1 = 0.6): the mean exact
    accuracies over 16 training sets at n = 3000 equal the population learner's within 5 SE + 0.01,
    and at t = 0.4 (between the two) the finite-n robust accuracy at n = 20 is below the limit p by
    more than that (weak features pass by noise)."""
    pt = _SEL_POINT
    threat = ThreatModel("linf", pt.eps)
    c = FS.selection_curve(pt.model, [20, 3000], [0.05, 0.4, 0.8], threat, trials=16, seed=_TRAIN_SEED)
    for q in ("standard", "robust"):
        gap = np.abs(c.data[q][:, -1] - c.data[f"{q}_limit"])
        if np.any(gap > 5 * c.data[f"{q}_se"][:, -1] + 0.01):
            return _result(False, 3, f"{q} accuracy at n=3000 off the population learner's by {gap.max():.3f}")
    if not math.isclose(c.data["robust_limit"][1], pt.p, abs_tol=1e-12):
        return _result(False, 3, "between the correlations the population learner is not sign(x1)")
    small = c.data["robust"][1, 0]
    if not small < pt.p - 5 * c.data["robust_se"][1, 0] - 0.01:
        return _result(False, 3, f"at n=20, t=0.4 the robust accuracy {small:.3f} is already p")
    return _result(True, 3, f"t=0.4: robust accuracy {small:.3f} at n=20 (weak kept "
                            f"{c.data['weak_kept'][1, 0]:.1f} of 25), {c.data['robust'][1, 1]:.3f} at n=3000 -> p")


def _runs_selection_limit(pt: Point) -> list[Any]:
    """A feature-selected model trained on one training set: its exact accuracies against test points."""
    _require(pt.eps > 0 and pt.d <= 200, "eps > 0 and d <= 200", pt)
    X, y = training_set(pt.model, 20, 0, _TRAIN_SEED)
    w = FS.fit_selected(X, y, 0.4)
    if not np.any(w):
        w[0] = 1.0  # pragma: no cover - a training set keeping nothing; any direction tests the formula
    threat = ThreatModel("linf", pt.eps)
    acc = linear_accuracy(pt.model, w, threat)
    return [LinearRun(f"feature-selected mean learner (n=20, t=0.4), p={pt.p:g}, eta={pt.eta:g}, d={pt.d}, "
                      f"linf eps={pt.eps:g}", pt.model, LinearClassifier(w), threat,
                      {"standard": acc.standard_accuracy, "robust": acc.robust_accuracy})]


def _plan_selection_limit() -> list[Any]:
    return _runs_selection_limit(_SEL_POINT)


# ----------------------------------------------------------------------------- the records
TRANSFER_EXACT = Claim(
    "transfer_exact", "Transfer rate of a linear pair is a bivariate normal probability",
    "Sec. 4 (transferability), made exact in the toy model",
    "For linear models A, B without bias, the worst-case perturbation of A is -eps y sign(w_A) (l_inf) or "
    "-eps y w_A/|w_A| (l_2); the probability that it fools B, and the transfer rate P(B fooled | A fooled, both "
    "right on x), are mixtures over x1 of bivariate normal rectangle probabilities.",
    lambda pt: pt.eps > 0, _check_transfer_exact,
    notes="Exact per pair; the conditional rate is undefined (NaN) when A has no adversarial example.",
    mc_plan=_plan_transfer_exact, mc_at=_runs_transfer_exact, stream_block=21,
    campaign=(Point(0.8, 0.3, 10, 0.4), Point(0.95, 0.1, 100, 0.2)),
    controls={"transfer_run": _control_transfer_exact})

TRANSFER_LIMIT = Claim(
    "transfer_limit", "Standard models transfer to each other as n grows",
    "Sec. 4 (origin of transferability), made exact in the toy model",
    "Between difference-of-means models trained on independent samples of size n, the expected transfer rate "
    "tends to 1 and the expected fool rate to the adversarial error of (2p - 1, eta, ..., eta) as n grows; "
    "a robust target (weak features dropped) is fooled only where x1 disagrees with y when eps < 1.",
    lambda pt: pt.eps > 0, _check_transfer_limit,
    notes="The limit is trivial (the two models converge to one); the content is the rate at finite n, "
          "driven by the shared eta component of the weak weights (their correlation ~ eta^2/(eta^2 + 1/n)).",
    mc_plan=_plan_transfer_limit, mc_at=_runs_transfer_limit, stream_block=22,
    # (campaign points are exact in both conventions, Point(p, eta, d) = Point(p, mu/sqrt(d), d))
    campaign=(_LIMIT_POINTS[0], Point(0.9, 0.25, 10, 0.5)),
    controls={"limit_fn": _check_transfer_limit})

SELECTION_LAW = Claim(
    "feature_selection_law", "Law of feature selection by empirical correlation",
    "Fig. 5 (feature selection), made exact in the toy model",
    "With r_j the uncentred empirical correlation of feature j with y over n samples, a weak feature is kept "
    "(|r_j| >= t) with probability P(|T| >= t sqrt((n-1)/(1-t^2))), T noncentral t with n-1 degrees of freedom "
    "and noncentrality eta sqrt(n); x1 with probability P(|2K/n - 1| >= t), K ~ Binomial(n, p).",
    lambda pt: True, _check_selection_law,
    mc_plan=_plan_selection_law, mc_at=_runs_selection_law, stream_block=23,
    proofs=("finite_transfer",), proof_steps=("finite_transfer:LAW",),
    campaign=(Point(0.7, 0.3, 5), Point(0.7, 0.2, 12), Point(0.7, 0.1, 49)),
    controls={"pass_fn": _check_selection_law, "law_run": _selection_law_run})

SELECTION_LIMIT = Claim(
    "feature_selection_limit", "Feature selection reaches robustness only with enough data",
    "Fig. 5 (feature selection), made exact in the toy model",
    "The difference-of-means learner on features with |r_j| >= t tends, as n grows, to the population learner "
    "(x1 kept iff 2p - 1 >= t, weak features iff eta/sqrt(1 + eta^2) >= t): for t between the two it is "
    "sign(x1), robust for eps < 1; at small n weak features pass by noise and it is not.",
    lambda pt: pt.eps > 0, _check_selection_limit,
    mc_plan=_plan_selection_limit, mc_at=_runs_selection_limit, stream_block=24,
    campaign=(_SEL_POINT,))

#: The records of this family.
RECORDS = (TRANSFER_EXACT, TRANSFER_LIMIT, SELECTION_LAW, SELECTION_LIMIT)
