r"""The Monte Carlo column of ``robtheory verify``: each claim's closed forms checked by sampling.

For every claim where sampling means something, a fixed *plan* of sampling runs draws
every coordinate of every sample with :mod:`robtheory.mc.engine` and tests the closed-form
values the claim relies on:

* **agreement** tests -- :math:`H_0: P(\text{correct}) = a` for the closed form :math:`a`,
  by the exact binomial test of :func:`robtheory.stats.agreement_test`;
* **bound** tests -- the claim's own inequality, one-sided, from Clopper--Pearson
  confidence limits (e.g. Lemma D.3's :math:`\mathrm{acc} \ge \Phi(\mu - 1)`; Theorem 2.1's
  :math:`\mathrm{acc}_{\text{shift}} \le \frac{p}{1-p}(1 - \mathrm{acc})`, with both accuracies
  estimated).

All tests of one run -- the selected claims' plans plus the five sampler-marginal tests of
:func:`robtheory.mc.engine.check_marginals` -- share one family-wise false-alarm rate
(default :math:`10^{-6}`), Bonferroni-split: a run in which every closed form is right
reports a failure with probability at most that rate, whatever the dependence between the
tests. Each test also reports the smallest deviation it detects (power 1/2) at its n.

Samples. Run ``j`` of the claim at position ``i`` of the registry is run
``k = 64 (i + 1) + j`` (run 0 is the marginals) and uses rows ``k * 2**40 .. k * 2**40 + n - 1``
of the Philox stream of ``seed``: the runs are disjoint, and ``--claim NAME`` draws exactly
the samples of the full run. Hence ``n <= 2**39`` (a Theorem 2.1 run splits its block in two).

Nothing here is imported by ``import robtheory``: :func:`registered` adds the ``"mc"``
column to :data:`robtheory.claims.COLUMNS` only for the duration of one ``verify``.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import ndtr

from .. import stats
from ..claims import REGISTRY, CheckResult, Claim
from ..classifiers import (
    LinearClassifier,
    StructuredLinear,
    averaging,
    bayes,
    robust_x1,
)
from ..closed_form import (
    bayes_accuracy,
    linear_accuracy,
    optimal_robust_accuracy,
    theorem_2_1_bound,
)
from ..model import ThreatModel, ToyModel
from . import engine
from . import reference as ref

__all__ = [
    "MAX_N",
    "RUN_STRIDE",
    "CallableRun",
    "LinearRun",
    "MCResult",
    "MonteCarloColumn",
    "TradeoffRun",
    "plan",
    "registered",
]

#: Rows of the stream reserved for each run of the plan.
RUN_STRIDE = 1 << 40
#: Runs reserved for each claim (claim ``i`` of the registry owns runs ``(i + 1) * 64 ..``).
RUNS_PER_CLAIM = 64
#: Largest ``n`` per run (runs must not overlap).
MAX_N = RUN_STRIDE // 2  # a TradeoffRun uses two half-blocks
#: Confidence level of the reported intervals is ``1 - CI_ALPHA`` (the tests use their own alpha).
CI_ALPHA = 0.05


# ----------------------------------------------------------------------------- results
@dataclass(frozen=True)
class MCResult(CheckResult):
    """A :class:`~robtheory.claims.CheckResult` that also carries every test's numbers."""

    checks: tuple = ()

    def to_dict(self) -> dict:
        """JSON-ready: infinite or undefined numbers (an undetectable deviation) become None."""
        return {"passed": self.passed, "n_points": self.n_points, "detail": self.detail,
                "checks": [_json_ready(c) for c in self.checks]}


def _json_ready(obj):
    if isinstance(obj, dict):
        return {k: _json_ready(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_ready(v) for v in obj]
    if isinstance(obj, (float, np.floating)):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


def _ci(count: int, n: int) -> list[float]:
    lo, hi = stats.clopper_pearson_interval(count, n, CI_ALPHA)
    return [float(lo), float(hi)]


def _agreement_record(label: str, quantity: str, count: int, n: int, analytic: float,
                      alpha: float) -> dict:
    r = stats.agreement_test(count, n, float(analytic), alpha)
    return {"label": label, "quantity": quantity, "test": "agreement",
            "estimate": count / n, "count": count, "n": n, "ci": _ci(count, n),
            "analytic": float(analytic), "passed": bool(r.passed), "p_value": r.p_value,
            "z": r.z, "alpha": alpha, "min_detectable": r.min_detectable,
            "min_detectable_below": _side_detectable(n, float(analytic), alpha, "below"),
            "min_detectable_above": _side_detectable(n, float(analytic), alpha, "above")}


def _side_detectable(n: int, p0: float, alpha: float, side: str) -> float | None:
    """One side of :func:`robtheory.stats.min_detectable` (None: no room on that side)."""
    if (side == "below" and p0 == 0.0) or (side == "above" and p0 == 1.0):
        return None
    return stats.min_detectable(n, p0, alpha, side=side)


def _one_sided_limit(count: int, n: int, alpha: float, side: str) -> float:
    """Clopper--Pearson lower (``side="lower"``) or upper confidence limit at one-sided ``alpha``."""
    lo, hi = stats.clopper_pearson_interval(count, n, 2 * alpha)
    return float(lo if side == "lower" else hi)


def _bound_detectable(n: int, bound: float, alpha: float, relation: str) -> float:
    """Smallest excess over (``<=``) or shortfall under (``>=``) the bound detected w.p. 1/2."""
    if not 0.0 <= bound <= 1.0:
        return math.inf
    side = "above" if relation == "<=" else "below"
    if (side == "above" and bound == 1.0) or (side == "below" and bound == 0.0):
        return math.inf
    return stats.min_detectable(n, bound, min(2 * alpha, 0.5), side=side)


def _bound_record(label: str, quantity: str, count: int, n: int, relation: str, bound: float,
                  alpha: float, limit: float | None = None, what: str = "") -> dict:
    r"""One-sided test of the claim's inequality ``P(correct) <relation> bound``.

    ``<=`` fails iff the lower one-sided :math:`1-\alpha` Clopper--Pearson limit exceeds the
    bound; ``>=`` iff the upper limit falls short of it. ``limit`` overrides the limit (the
    Theorem 2.1 test supplies it with half the alpha, see :class:`TradeoffRun`).
    """
    if limit is None:
        limit = _one_sided_limit(count, n, alpha, "lower" if relation == "<=" else "upper")
    passed = limit <= bound if relation == "<=" else limit >= bound
    return {"label": label, "quantity": quantity, "test": "bound", "relation": relation,
            "estimate": count / n, "count": count, "n": n, "ci": _ci(count, n),
            "analytic": float(bound), "bound": what, "confidence_limit": float(limit),
            "passed": bool(passed), "alpha": alpha,
            "min_detectable": _bound_detectable(n, float(bound), alpha, relation)}


# ----------------------------------------------------------------------------- runs
def _stamp(records: list, backend: str, start: int) -> list:
    for r in records:
        r["backend"], r["start"] = backend, start
    return records


@dataclass(frozen=True)
class LinearRun:
    """One :func:`~robtheory.mc.engine.estimate_linear` run (numba/CuPy/NumPy).

    ``analytic`` maps ``"standard"`` / ``"robust"`` to the closed-form value to test (only
    the keys present are tested); ``bounds`` holds ``(quantity, relation, value, what)``
    inequalities of the claim, each a one-sided test.
    """

    label: str
    model: ToyModel
    clf: Any
    threat: ThreatModel | None
    analytic: dict
    bounds: tuple = ()

    @property
    def n_tests(self) -> int:
        return len(self.analytic) + len(self.bounds)

    def run(self, n: int, seed: int, start: int, backend: str, alpha: float) -> list:
        res = engine.estimate_linear(self.model, self.clf, self.threat, n, seed, backend, start=start)
        out = [_agreement_record(self.label, q, res[q]["count"], n, a, alpha)
               for q, a in self.analytic.items()]
        out += [_bound_record(self.label, q, res[q]["count"], n, rel, val, alpha, what=what)
                for q, rel, val, what in self.bounds]
        return _stamp(out, res["backend"], start)


@dataclass(frozen=True)
class CallableRun:
    """One :func:`~robtheory.mc.engine.estimate_callable` run (NumPy, materialised samples).

    ``attack`` is None, ``"shift"`` (Theorem 2.1's adversary) or a callable; every
    attacked input is checked to lie in ``threat``. The count is tested against
    ``analytic`` under the name ``quantity``, and against ``bounds`` as in
    :class:`LinearRun`.
    """

    label: str
    model: ToyModel
    classifier: Callable
    attack: Any
    threat: ThreatModel | None
    quantity: str
    analytic: float
    bounds: tuple = ()

    @property
    def n_tests(self) -> int:
        return 1 + len(self.bounds)

    def run(self, n: int, seed: int, start: int, backend: str, alpha: float) -> list:
        res = engine.estimate_callable(self.model, self.classifier, n, seed, attack=self.attack,
                                       threat=self.threat, start=start)
        k = res["count"]
        out = [_agreement_record(self.label, self.quantity, k, n, self.analytic, alpha)]
        out += [_bound_record(self.label, self.quantity, k, n, rel, val, alpha, what=what)
                for _, rel, val, what in self.bounds]
        return _stamp(out, "numpy", start)


@dataclass(frozen=True)
class TradeoffRun:
    r"""Theorem 2.1 for one linear classifier ``clf`` with non-negative weak weights.

    Two estimates on disjoint samples: the standard accuracy (:func:`estimate_linear`) and
    the accuracy against the shift adversary :math:`x_i \to x_i - 2\eta y`
    (:func:`estimate_callable`, ``attack="shift"``, checked to lie in the weak-only
    :math:`\ell_\infty` ball of radius :math:`2\eta`). Three tests:

    * each estimate against its closed form (with non-negative weak weights the shift is
      the exact worst case of that ball, so the closed form is the weak-only robust
      accuracy at :math:`\varepsilon = 2\eta`);
    * the bound :math:`\mathrm{acc}_{\text{shift}} \le \frac{p}{1-p}(1-\mathrm{acc})`, failed
      iff :math:`L_{\text{shift}} > \frac{p}{1-p}(1 - L_{\text{std}})` with :math:`L` the
      lower one-sided Clopper--Pearson limits at :math:`\alpha/2` each. If the bound holds,
      both limits lie below the truths with probability :math:`\ge 1-\alpha`, and then
      :math:`L_{\text{shift}} \le \mathrm{acc}_{\text{shift}} \le \frac{p}{1-p}(1-\mathrm{acc})
      \le \frac{p}{1-p}(1 - L_{\text{std}})`: a false alarm has probability :math:`\le\alpha`.
      For ``sign(x1)`` the bound is attained (tightness), so this is a sharp check.
    """

    label: str
    model: ToyModel
    clf: Any
    #: ``bound_fn(p, standard_accuracy)``: the right-hand side of the theorem (replaceable
    #: only to show that the test rejects a wrong bound).
    bound_fn: Callable = theorem_2_1_bound
    n_tests: int = field(default=3, init=False)

    def run(self, n: int, seed: int, start: int, backend: str, alpha: float) -> list:
        model = self.model
        w, b = ref.linear_weights(model, self.clf)
        if np.any(w[1:] < 0):
            raise ValueError("TradeoffRun needs non-negative weak weights (the shift is then the worst case)")
        threat = ThreatModel.weak_only("linf", 2 * model.eta)
        acc = linear_accuracy(model, self.clf, threat)
        res = engine.estimate_linear(model, self.clf, None, n, seed, backend, start=start)
        k_std = res["standard"]["count"]
        # Half a stride further on: samples disjoint from the standard run's.
        start_sh = start + RUN_STRIDE // 2
        k_sh = engine.estimate_callable(model, lambda X: X @ w + b, n, seed, attack="shift",
                                        threat=threat, start=start_sh)["count"]
        lo_std = _one_sided_limit(k_std, n, alpha / 2, "lower")
        lo_sh = _one_sided_limit(k_sh, n, alpha / 2, "lower")
        bound = float(self.bound_fn(model.p, lo_std))
        rec_bound = _bound_record(self.label, "shift", k_sh, n, "<=", bound, alpha, limit=lo_sh,
                                  what="p/(1-p) (1 - L_std), L_std the lower confidence limit of "
                                       "the standard accuracy")
        rec_bound["bound_at_closed_form"] = float(self.bound_fn(model.p, acc.standard_accuracy))
        return (_stamp([_agreement_record(self.label, "standard", k_std, n, acc.standard_accuracy, alpha)],
                       res["backend"], start)
                + _stamp([_agreement_record(self.label, "shift", k_sh, n, acc.robust_accuracy, alpha),
                          rec_bound], "numpy", start_sh))


# ----------------------------------------------------------------------------- the plan
def _model(p: float, mu: float, d: int) -> ToyModel:
    return ToyModel(p, mu / math.sqrt(d), d)


def _tag(model: ToyModel, eps: float | None = None) -> str:
    s = f"p={model.p:g}, mu={model.mu:g}, d={model.d}"
    return s if eps is None else f"{s}, eps={eps:g}"


def _linear_score(clf, model: ToyModel) -> Callable:
    w, b = ref.linear_weights(model, clf)
    return lambda X: X @ w + b


def _plan_claim_a():
    m = _model(0.9, 3.0, 100)
    return [LinearRun(f"averaging, {_tag(m)}", m, averaging(m.d), None,
                      {"standard": float(ndtr(m.mu))})]


def _plan_claim_b():
    m = _model(0.9, 3.0, 100)
    t = ThreatModel("linf", 2 * m.eta)
    return [LinearRun(f"averaging, {_tag(m, t.eps)} (= 2 eta)", m, averaging(m.d), t,
                      {"robust": float(ndtr(-m.mu))})]


def _plan_theorem_2_1():
    m = _model(0.75, 1.0, 10)
    tau_b = bayes(m).a
    clfs = [("averaging", averaging(m.d)),
            ("f_tau, tau=1", StructuredLinear(1.0, 1 / math.sqrt(m.d), m.d)),
            (f"Bayes, tau={tau_b:.3g}", bayes(m)),
            ("sign(x1)", robust_x1(m.d))]
    return [TradeoffRun(f"{name}, {_tag(m)}, shift 2 eta", m, clf) for name, clf in clfs]


def _plan_bayes():
    out = []
    for p, mu, d in ((0.75, 1.0, 100), (0.975, 0.5, 10)):
        m = _model(p, mu, d)
        out.append(LinearRun(f"Bayes, {_tag(m)}", m, bayes(m), None,
                             {"standard": bayes_accuracy(m).standard_accuracy}))
    return out


def _plan_robust_x1():
    m = _model(0.9, 1.0, 10)
    out = []
    for norm in ("linf", "l2"):
        for eps in (0.5, 1.5):
            expected = {"robust": m.p if eps < 1 else 0.0}
            if norm == "linf" and eps < 1:
                expected = {"standard": m.p, **expected}
            out.append(LinearRun(f"sign(x1), {_tag(m, eps)}, {norm}", m, robust_x1(m.d),
                                 ThreatModel(norm, eps), expected))
    return out


def _plan_tightness():
    m = _model(0.75, 1.0, 10)
    out = []
    for eps in (2 * m.eta, 0.99):
        bound = float(theorem_2_1_bound(m.p, m.p))  # delta = 1 - p: the bound is p
        out.append(LinearRun(f"sign(x1), {_tag(m, eps)}, linf", m, robust_x1(m.d),
                             ThreatModel("linf", eps), {"standard": m.p, "robust": bound}))
    return out


def _rounded_worst_case(model: ToyModel, eps: float) -> Callable:
    r"""Exact worst case of ``sign(tau sign(x1) + s(x))`` in the l_inf ball of radius eps < 1.

    :math:`\min_{\lVert\delta\rVert_\infty\le\varepsilon} y\,(\tau\,\mathrm{sign}(x_1+\delta_1)
    + s(x+\delta)) = y\tau\,\mathrm{sign}(x_1) + y\,s(x) - \varepsilon\sqrt d`, attained by
    moving every weak feature by :math:`-\varepsilon y`. x1 is moved by :math:`-\varepsilon y`
    too: with :math:`|x_1| = 1 > \varepsilon` its sign cannot change, and the sampled check
    exercises that the classifier really rounds it.
    """
    if not eps < 1:
        raise ValueError(f"the rounded worst case needs eps < 1, got eps={eps!r}")

    def attack(X, y):
        return X - (eps * y)[:, None]

    return attack


def _plan_optimal_robust():
    out = []
    # eps < min(eta, 1): the rounded Bayes rule of the shifted model (not linear).
    m = ToyModel(0.75, 0.5, 10)
    t = ThreatModel("linf", 0.2)
    opt = optimal_robust_accuracy(m, t)
    tau, sd = opt.classifier.tau, math.sqrt(m.d)

    def rounded(X, tau=tau, sd=sd):
        return tau * np.sign(X[:, 0]) + X[:, 1:].sum(axis=1) / sd

    out.append(CallableRun(f"rounded rule tau={tau:.4g}, {_tag(m, t.eps)}, linf, exact worst case",
                           m, rounded, _rounded_worst_case(m, t.eps), t, "robust", opt.value))
    # eta <= eps < 1: sign(x1); eps >= 1: averaging (x1 neutralised).
    for m, eps in ((ToyModel(0.75, 0.2, 10), 0.5), (ToyModel(0.75, 2.0, 1), 1.5)):
        t = ThreatModel("linf", eps)
        opt = optimal_robust_accuracy(m, t)
        out.append(LinearRun(f"{opt.description}, {_tag(m, eps)}, linf", m, opt.classifier, t,
                             {"robust": opt.value}))
    return out


def _svm_classifier(m: ToyModel) -> StructuredLinear:
    from ..claims import svm_unit_norm_optimum

    w1, v = svm_unit_norm_optimum(m.p, m.eta, m.d)
    return StructuredLinear(float(w1), float(v) / math.sqrt(m.d), m.d)


def _plan_theorem_2_2_part1():
    m = _model(0.9, 4.0, 100)
    t = ThreatModel("linf", 2 * m.eta)
    clf = _svm_classifier(m)
    acc = linear_accuracy(m, clf, t)
    return [LinearRun(f"unit-norm SVM optimum (w1={clf.a:.4f}, v={clf.c * math.sqrt(m.d):.4f}), "
                      f"{_tag(m, t.eps)} (= 2 eta), linf", m, clf, t,
                      {"standard": acc.standard_accuracy, "robust": acc.robust_accuracy})]


def _plan_lemma_d3():
    m = _model(0.75, 4.0, 10)
    clf = _svm_classifier(m)
    acc = linear_accuracy(m, clf)
    return [LinearRun(f"unit-norm SVM optimum (v={clf.c * math.sqrt(m.d):.4f}), {_tag(m)}", m, clf, None,
                      {"standard": acc.standard_accuracy},
                      bounds=(("standard", ">=", float(ndtr(m.mu - 1)), "Phi(mu - 1)"),))]


def _plan_lemma_d4():
    m = _model(0.75, 4.0, 10)
    clf = _svm_classifier(m)
    t = ThreatModel.weak_only("linf", 2 * m.eta)
    acc = linear_accuracy(m, clf, t)  # v > 0: the shift is the exact worst case of this ball
    return [CallableRun(f"unit-norm SVM optimum (v={clf.c * math.sqrt(m.d):.4f}), {_tag(m)}, shift 2 eta",
                        m, _linear_score(clf, m), "shift", t, "shift", acc.robust_accuracy,
                        bounds=(("shift", "<=", float(ndtr(-(m.mu - 1))), "1 - Phi(mu - 1)"),))]


def _plan_theorem_2_2_part2():
    from ..claims import adversarial_svm_closed_form

    m = ToyModel(0.9, 0.2, 10)
    eps_train, lam = 0.5, 0.1  # 2 eta <= eps_train < 2p - 1
    w1 = float(adversarial_svm_closed_form(m.p, eps_train, lam))
    w = np.zeros(m.d + 1)
    w[0] = w1
    t = ThreatModel("linf", 0.5)
    return [LinearRun(f"adversarial SVM optimum w=({w1:g}, 0) (eps_train={eps_train:g}, lam={lam:g}), "
                      f"{_tag(m, t.eps)}, linf", m, LinearClassifier(w, 0.0), t,
                      {"standard": m.p, "robust": m.p})]


#: Claim name -> builder of its runs. Claims not listed have no meaningful sampling check.
PLANS: dict[str, Callable[[], list]] = {
    "claim_a": _plan_claim_a,
    "claim_b": _plan_claim_b,
    "theorem_2_1": _plan_theorem_2_1,
    "theorem_2_2_part1": _plan_theorem_2_2_part1,
    "theorem_2_2_part2": _plan_theorem_2_2_part2,
    "lemma_d3": _plan_lemma_d3,
    "lemma_d4": _plan_lemma_d4,
    "bayes_optimality": _plan_bayes,
    "robust_x1": _plan_robust_x1,
    "tightness": _plan_tightness,
    "optimal_robust": _plan_optimal_robust,
}

#: The model whose marginals are tested (run 0 of the stream).
MARGINAL_MODEL = ToyModel(0.9, 0.3, 100)
_N_MARGINAL_TESTS = 5


def plan(name: str) -> list:
    """The runs of claim ``name`` (empty when sampling has nothing meaningful to check)."""
    builder = PLANS.get(name)
    return [] if builder is None else builder()


def _first_run(name: str) -> int:
    """Index of the first run of claim ``name``: block ``1 + registry position`` of
    :data:`RUNS_PER_CLAIM` runs (block 0 holds the marginals)."""
    names = [c.name for c in REGISTRY]
    return (1 + names.index(name)) * RUNS_PER_CLAIM if name in names else 0


# ----------------------------------------------------------------------------- the column
class MonteCarloColumn:
    """Runs the plans of ``claims`` at ``n`` samples per run with one family-wise alpha.

    Parameters
    ----------
    claims : sequence of Claim
        The claims ``verify`` checks; they fix the family (their tests + 5 marginal tests).
    n : int, in [1, 2**40]
        Samples per run.
    seed : int, in [0, 2**64)
    backend : {"auto", "numpy", "numba", "cupy"}
        For the linear runs and the marginals (callable runs always use NumPy).
    total_alpha : float, in (0, 1)
        Family-wise false-alarm rate of the whole run.
    """

    def __init__(self, claims, n: int = 10**6, seed: int = 0, backend: str = "auto",
                 total_alpha: float = engine.DEFAULT_TOTAL_ALPHA):
        n, _ = ref.check_n_start(n)
        if n > MAX_N:
            raise ValueError(f"n must be <= 2**39 per run (runs use disjoint stream blocks), got n={n}")
        self.n, self.seed = n, ref.check_seed(seed)
        self.backend = engine.resolve_backend(backend)
        self.requested_backend = backend
        self.plans = {c.name: plan(c.name) for c in claims}
        for name, runs in self.plans.items():
            if len(runs) > RUNS_PER_CLAIM:  # pragma: no cover - a plan outgrew its block
                raise AssertionError(f"claim {name!r} has more than {RUNS_PER_CLAIM} runs")
        self.n_checks = sum(r.n_tests for runs in self.plans.values() for r in runs) + _N_MARGINAL_TESTS
        self.total_alpha = float(total_alpha)
        self.alpha = stats.familywise_alpha(self.total_alpha, self.n_checks)
        self.results: dict[str, MCResult | None] = {}
        self.marginal_result: dict | None = None
        self.backends_used: set[str] = set()

    def __call__(self, claim: Claim) -> MCResult | None:
        runs = self.plans.get(claim.name)
        if runs is None:  # not in the family fixed at construction
            runs = plan(claim.name)
            if runs:
                raise ValueError(f"claim {claim.name!r} was not in the family of this Monte Carlo run")
        if not runs:
            self.results[claim.name] = None
            return None
        checks = []
        for j, run in enumerate(runs):
            start = (_first_run(claim.name) + j) * RUN_STRIDE
            recs = run.run(self.n, self.seed, start, self.backend, self.alpha)
            for r in recs:
                r.update({"claim": claim.name, "seed": self.seed})
                self.backends_used.add(r["backend"])
            checks += recs
        res = MCResult(all(c["passed"] for c in checks), len(checks), _detail(checks), tuple(checks))
        self.results[claim.name] = res
        return res

    def marginals(self) -> dict:
        """The sampler's marginal tests (run 0), five members of the family."""
        if self.marginal_result is None:
            m = engine.check_marginals(MARGINAL_MODEL, self.n, self.seed, self.backend,
                                       total_alpha=self.alpha * _N_MARGINAL_TESTS, start=0)
            self.backends_used.add(m["backend"])
            tests = {k: m[k] for k in ("y", "x1_pos", "x1_neg", "mean", "var")}
            self.marginal_result = {
                "model": {"p": MARGINAL_MODEL.p, "eta": MARGINAL_MODEL.eta, "d": MARGINAL_MODEL.d},
                "n": m["n"], "backend": m["backend"], "alpha": self.alpha, "passed": bool(m["passed"]),
                "tests": tests,
                "detail": _marginal_detail(m),
            }
        return self.marginal_result

    def passed(self) -> bool:
        ok = all(r is None or r.passed for r in self.results.values())
        return ok and (self.marginal_result is None or self.marginal_result["passed"])

    def summary(self) -> dict:
        """Run-level facts for the JSON report (the per-claim tests are in the claim rows)."""
        return {"n": self.n, "seed": self.seed, "backend": self.requested_backend,
                "backends_used": sorted(self.backends_used), "total_alpha": self.total_alpha,
                "n_checks": self.n_checks, "alpha_per_check": self.alpha,
                "correction": "Bonferroni", "marginals": _json_ready(self.marginal_result),
                "passed": self.passed()}

    def statement(self) -> str:
        n_pass = sum(c["passed"] for r in self.results.values() if r is not None for c in r.checks)
        n_pass += 0 if self.marginal_result is None else sum(
            t is None or t["passed"] for t in self.marginal_result["tests"].values())
        return (f"Monte Carlo: {n_pass}/{self.n_checks} tests pass at n = {self.n} samples per run "
                f"(seed {self.seed}, backend {'/'.join(sorted(self.backends_used)) or self.backend}); "
                f"family-wise false-alarm rate {self.total_alpha:g} over all {self.n_checks} tests "
                f"(Bonferroni: {self.alpha:.3g} per test)")


def _fmt_md(x: float) -> str:
    return "inf" if not math.isfinite(x) else f"{x:.2g}"


def _detail(checks: list) -> str:
    agree = [c for c in checks if c["test"] == "agreement"]
    bounds = [c for c in checks if c["test"] == "bound"]
    parts = []
    if agree:
        zmax = max(abs(c["z"]) for c in agree)
        # The smallest deviation each test detects, on its better side: near 0 or 1 a shift
        # towards the boundary can be too small to see (e.g. 10 expected errors in 1e6).
        md = [min(v for v in (c["min_detectable_below"], c["min_detectable_above"]) if v is not None)
              for c in agree]
        one_sided = sum(not math.isfinite(c["min_detectable"]) for c in agree)
        rng = _fmt_md(min(md)) if min(md) == max(md) else f"{_fmt_md(min(md))}..{_fmt_md(max(md))}"
        parts.append(f"{len(agree)} closed-form agreement test{'s' * (len(agree) > 1)}, max |z| {zmax:.2f}, "
                     f"detects deviations >= {rng}"
                     + (f" ({one_sided} only away from 0/1)" if one_sided else ""))
    if bounds:
        parts.append(f"{len(bounds)} bound test{'s' * (len(bounds) > 1)} "
                     f"({sum(c['passed'] for c in bounds)} hold)")
    bad = [c for c in checks if not c["passed"]]
    if bad:
        c = bad[0]
        parts.append(f"FIRST FAILURE: {c['label']} {c['quantity']}: estimate {c['estimate']:.6g} "
                     f"vs {c['analytic']:.6g}")
    return "; ".join(parts)


def _marginal_detail(m: dict) -> str:
    bits = []
    for k in ("y", "x1_pos", "x1_neg", "mean", "var"):
        t = m[k]
        if t is not None:
            bits.append(f"{k} z={t['z']:+.2f}")
    return (f"D({MARGINAL_MODEL.p:g}, {MARGINAL_MODEL.eta:g}, {MARGINAL_MODEL.d}), n={m['n']}: "
            + ", ".join(bits))


@contextlib.contextmanager
def registered(col: MonteCarloColumn):
    """Register ``col`` as the ``"mc"`` column for the duration of a ``with`` block; yields it."""
    from .. import claims as _claims

    previous = _claims.COLUMNS.get("mc")
    _claims.register_column("mc", col)
    try:
        yield col
    finally:
        if previous is None:
            _claims.COLUMNS.pop("mc", None)
        else:
            _claims.COLUMNS["mc"] = previous
