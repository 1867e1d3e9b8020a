r"""The Monte Carlo column of ``robtheory verify``: each claim's closed forms checked by sampling.

For every claim where sampling means something, a fixed *plan* of sampling runs draws
every coordinate of every sample with :mod:`robtheory.mc.engine` and tests the closed-form
values the claim relies on:

* **agreement** tests -- :math:`H_0: P(\text{correct}) = a` for the closed form :math:`a`,
  by the exact binomial test of :func:`robtheory.stats.agreement_test`;
* **bound** tests -- the claim's own inequality, one-sided, from Clopper--Pearson
  confidence limits (e.g. Lemma D.3's :math:`\mathrm{acc} \ge \Phi(\mu - 1)`; Theorem 2.1's
  :math:`\mathrm{acc}_{\text{shift}} \le \frac{p}{1-p}(1 - \mathrm{acc})`, with both accuracies
  estimated), or for a mean from its CLT confidence limit (:func:`one_sided_z`);
* **mean** tests -- :math:`H_0: E[T] = a` for a per-sample statistic :math:`T` (a hinge loss,
  a difference of hinge losses on the same samples, a component of the loss gradient) and
  its closed form :math:`a`, by a two-sided CLT z-test (:class:`MeanRun`). Lemmas D.1, D.2
  and D.5 are statements about the population hinge objective and are checked this way:
  D.1 by swap invariance, the Jensen step and stationarity of the equal-weight optimum in
  all ``d + 1`` coordinates; D.2 by its two constants, its threshold :math:`p^* = 0.9775`,
  and the unit-norm optimum's stationarity on the circle; D.5 by the Jensen step at the
  adversarial optimum :math:`(w_1^*, 0)`; Theorem 2.2 (2)'s closed form :math:`w_1^*` by the
  sampled one-sided derivatives of :math:`J^{adv}` at :math:`(w_1^*, 0)` (stationary in
  :math:`w_1` when interior, bracketing 0 at the kink :math:`1/(1-\varepsilon)`, non-negative
  in the weak weight). The Gaussian robust MLE of Ilyas et al. (registered,
  not from the paper) is checked the same way on Gaussian samples: the mean squared
  perturbation of the exact Lagrangian adversary (:math:`= \varepsilon^2`, the relation that
  fixes :math:`\lambda`), the robust NLLs, and the stationarity of :math:`(\mu^*, \Sigma_r)`
  (:func:`_gaussian_mle_run`).

All tests of one run -- the selected claims' plans plus the five sampler-marginal tests of
:func:`robtheory.mc.engine.check_marginals` -- share one family-wise false-alarm rate
(default :math:`10^{-6}`), Bonferroni-split: a run in which every closed form is right
reports a failure with probability at most that rate, whatever the dependence between the
tests (for the mean tests, to the accuracy of the normal approximation: see
:class:`MeanRun`). Each test also reports the smallest deviation it detects (power 1/2) at
its n.

Samples. Run ``j`` of the claim at position ``i`` of the registry is run
``k = 64 (i + 1) + j`` (run 0 is the marginals) and uses rows ``k * 2**40 .. k * 2**40 + n - 1``
of the Philox stream of ``seed``: the runs are disjoint, and ``--claim NAME`` draws exactly
the samples of the full run. Hence ``n <= 2**39`` (a Theorem 2.1 run splits its block in two).
Theorem F's :class:`FrontierRun` instead draws one Philox stream per frontier point, keyed by
its run index (same property: disjoint from the other runs, the same for a subset).

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
from scipy.optimize import brentq
from scipy.special import ndtr, ndtri

from robtheory import stats
from robtheory._jsonio import json_ready
from robtheory.claims import REGISTRY, CheckResult, Claim, Point
from robtheory.classifiers import (
    ConstantClassifier,
    LinearClassifier,
    RoundedClassifier,
    StructuredLinear,
    averaging,
    bayes,
    robust_x1,
)
from robtheory.theory.closed_form import (
    bayes_accuracy,
    linear_accuracy,
    optimal_robust_accuracy,
    theorem_2_1_bound,
)
from robtheory.model import ThreatModel, ToyModel
from robtheory.mc import engine
from robtheory.mc import reference as ref

__all__ = [
    "MAX_N",
    "check_n",
    "MAX_SKEWNESS_OF_MEAN",
    "POINT_RUNS",
    "RUN_STRIDE",
    "CallableRun",
    "FrontierRun",
    "LinearRun",
    "MCResult",
    "MeanRun",
    "MonteCarloColumn",
    "TradeoffRun",
    "one_sided_z",
    "plan",
    "plan_at",
    "registered",
    "sample_moments",
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
    """A :class:`~robtheory.claims.CheckResult` that also carries every test's numbers.

    ``passed`` is False exactly when some test rejected (``verdict == "FAIL"``); ``verdict``
    is the worst of the tests' verdicts (PASS, INCONCLUSIVE, FAIL).
    """

    checks: tuple = ()
    verdict: str = stats.PASS

    @property
    def inconclusive(self) -> int:
        """How many tests are inconclusive."""
        return sum(c.get("verdict") == stats.INCONCLUSIVE for c in self.checks)

    @property
    def n_needed(self) -> int | None:
        """The n that would make every inconclusive test conclusive (None: none, or no n does)."""
        return _n_needed(self.checks)

    def to_dict(self) -> dict:
        """JSON-ready: infinite or undefined numbers (an undetectable deviation) become None."""
        return {"passed": self.passed, "verdict": self.verdict, "inconclusive": self.inconclusive,
                "n_needed": self.n_needed, "n_points": self.n_points, "detail": self.detail,
                "checks": [json_ready(c) for c in self.checks]}


def _n_needed(checks) -> int | None:
    """Largest ``n_needed`` over the inconclusive records (None if there are none or one has none)."""
    need = [c.get("n_needed") for c in checks if c.get("verdict") == stats.INCONCLUSIVE]
    if not need or any(v is None for v in need):
        return None
    return max(need)


def _judge(rec: dict, res: stats.Resolution | None, *, cannot_judge: bool = False) -> dict:
    """Add ``verdict``, ``resolution``, ``n_needed`` and ``inconclusive`` to a test record.

    ``res`` None: no resolution was stated (library callers that only want the test):
    the verdict is FAIL on a rejection, INCONCLUSIVE when the test ``cannot_judge`` (a
    mean too skewed for the normal approximation), else PASS. With a resolution the
    record's ``min_detectable`` is the one judged against it.
    """
    rejected = not rec["passed"]
    if res is None:
        rec["verdict"] = stats.verdict(rejected, not cannot_judge)
        rec["resolution"], rec["n_needed"] = None, None
    else:
        rec["verdict"] = stats.verdict(rejected, res.resolved and not cannot_judge)
        rec["resolution"], rec["n_needed"] = res.resolution, res.n_needed
        rec["min_detectable"] = res.min_detectable
    rec["inconclusive"] = rec["verdict"] == stats.INCONCLUSIVE
    return rec


def _ci(count: int, n: int) -> list[float]:
    lo, hi = stats.clopper_pearson_interval(count, n, CI_ALPHA)
    return [float(lo), float(hi)]


def _agreement_record(label: str, quantity: str, count: int, n: int, analytic: float,
                      alpha: float, resolution: float | None = None) -> dict:
    r = stats.agreement_test(count, n, float(analytic), alpha)
    rec = {"label": label, "quantity": quantity, "test": "agreement",
           "estimate": count / n, "count": count, "n": n, "ci": _ci(count, n),
           "analytic": float(analytic), "passed": bool(r.passed), "p_value": r.p_value,
           "z": r.z, "alpha": alpha, "min_detectable": r.min_detectable,
           "min_detectable_below": _side_detectable(n, float(analytic), alpha, "below"),
           "min_detectable_above": _side_detectable(n, float(analytic), alpha, "above")}
    res = None if resolution is None else stats.proportion_resolution(n, float(analytic), alpha, resolution)
    return _judge(rec, res)


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


def _bound_resolution(n: int, bound: float, alpha: float, relation: str,
                      resolution: float | None) -> stats.Resolution | None:
    """Resolution of a one-sided bound test of a probability: only violations count."""
    if resolution is None:
        return None
    side = "above" if relation == "<=" else "below"
    if not 0.0 <= bound <= 1.0:
        # a bound outside [0, 1]: no probability violates it (or every one does, which the
        # test always sees): nothing of any size is left to detect
        return stats.Resolution(float(resolution), _bound_detectable(n, bound, alpha, relation), True, 1)
    return stats.proportion_resolution(n, float(bound), min(2 * alpha, 0.5), resolution, side=side)


def _bound_record(label: str, quantity: str, count: int, n: int, relation: str, bound: float,
                  alpha: float, limit: float | None = None, what: str = "",
                  resolution: float | None = None) -> dict:
    r"""One-sided test of the claim's inequality ``P(correct) <relation> bound``.

    ``<=`` fails iff the lower one-sided :math:`1-\alpha` Clopper--Pearson limit exceeds the
    bound; ``>=`` iff the upper limit falls short of it. ``limit`` overrides the limit (the
    Theorem 2.1 test supplies it with half the alpha, see :class:`TradeoffRun`).
    """
    if limit is None:
        limit = _one_sided_limit(count, n, alpha, "lower" if relation == "<=" else "upper")
    passed = limit <= bound if relation == "<=" else limit >= bound
    rec = {"label": label, "quantity": quantity, "test": "bound", "relation": relation,
           "estimate": count / n, "count": count, "n": n, "ci": _ci(count, n),
           "analytic": float(bound), "bound": what, "confidence_limit": float(limit),
           "passed": bool(passed), "alpha": alpha,
           "min_detectable": _bound_detectable(n, float(bound), alpha, relation)}
    return _judge(rec, _bound_resolution(n, float(bound), alpha, relation, resolution))


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
    #: Run on this backend whatever the column's (``"numpy"``: the oracle is checked too).
    backend: str | None = None

    @property
    def n_tests(self) -> int:
        return len(self.analytic) + len(self.bounds)

    def run(self, n: int, seed: int, start: int, backend: str, alpha: float, *,
            resolution: float | None = None, mean_resolution: float | None = None) -> list:
        res = engine.estimate_linear(self.model, self.clf, self.threat, n, seed, self.backend or backend,
                                     start=start)
        out = [_agreement_record(self.label, q, res[q]["count"], n, a, alpha, resolution)
               for q, a in self.analytic.items()]
        out += [_bound_record(self.label, q, res[q]["count"], n, rel, val, alpha, what=what,
                              resolution=resolution)
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

    def run(self, n: int, seed: int, start: int, backend: str, alpha: float, *,
            resolution: float | None = None, mean_resolution: float | None = None) -> list:
        res = engine.estimate_callable(self.model, self.classifier, n, seed, attack=self.attack,
                                       threat=self.threat, start=start)
        k = res["count"]
        out = [_agreement_record(self.label, self.quantity, k, n, self.analytic, alpha, resolution)]
        out += [_bound_record(self.label, self.quantity, k, n, rel, val, alpha, what=what,
                              resolution=resolution)
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
      lower one-sided Clopper--Pearson limits at :math:`\alpha/2` each (:math:`1 - L_{\text{std}}`
      is computed as the upper limit of the error rate from the error count). If the bound holds,
      both limits lie below the truths with probability :math:`\ge 1-\alpha`, and then
      :math:`L_{\text{shift}} \le \mathrm{acc}_{\text{shift}} \le \frac{p}{1-p}(1-\mathrm{acc})
      \le \frac{p}{1-p}(1 - L_{\text{std}})`: a false alarm has probability :math:`\le\alpha`.
      For ``sign(x1)`` the bound is attained (tightness), so this is a sharp check.
    """

    label: str
    model: ToyModel
    clf: Any
    #: ``bound_fn(p, error_rate=delta)``: the right-hand side of the theorem (replaceable
    #: only to show that the test rejects a wrong bound).
    bound_fn: Callable = theorem_2_1_bound
    n_tests: int = field(default=3, init=False)

    def run(self, n: int, seed: int, start: int, backend: str, alpha: float, *,
            resolution: float | None = None, mean_resolution: float | None = None) -> list:
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
        # 1 - L_std is the upper Clopper--Pearson limit of the error rate at the same level
        # (beta-quantile symmetry); computed from the error count it keeps its digits when
        # the error rate is small.
        hi_err = _one_sided_limit(n - k_std, n, alpha / 2, "upper")
        lo_sh = _one_sided_limit(k_sh, n, alpha / 2, "lower")
        bound = float(self.bound_fn(model.p, error_rate=hi_err))
        rec_bound = _bound_record(self.label, "shift", k_sh, n, "<=", bound, alpha, limit=lo_sh,
                                  what="p/(1-p) U_err, U_err = 1 - L_std the upper confidence limit of "
                                       "the standard error rate", resolution=resolution)
        rec_bound["bound_at_closed_form"] = float(self.bound_fn(model.p, error_rate=acc.standard_error_rate))
        return (_stamp([_agreement_record(self.label, "standard", k_std, n, acc.standard_accuracy, alpha,
                                          resolution)],
                       res["backend"], start)
                + _stamp([_agreement_record(self.label, "shift", k_sh, n, acc.robust_accuracy, alpha, resolution),
                          rec_bound], "numpy", start_sh))


@dataclass(frozen=True)
class FrontierRun:
    r"""Points of a frontier re-estimated with the classifiers that attain them (Theorem F).

    :func:`robtheory.claims.frontier_mc.frontier_mc` estimates ``points`` points spread along ``front``
    (both ends included: the Bayes point and (p, p)) with the rule that attains each one --
    the rounded rule :math:`\operatorname{sign}(\tau\operatorname{sign}(x_1) + s(x))` clean and
    under its exact worst case -- and each of the ``2 * points`` counts is tested against the
    frontier's value by the exact binomial test at the run's per-test alpha (the records are
    those of every agreement test of this column). ``front`` is replaceable (a lowered or raised
    frontier is a negative control).

    Samples: point ``k`` of the frontier draws the Philox stream of
    :func:`robtheory.mc.seeds.point_seed` ``(s, k)`` with ``s = point_seed(seed, run)`` and ``run``
    the run's index in this column (``start // RUN_STRIDE``): keyed by the run, so disjoint from
    the other runs' streams, and the same whether one claim or all are verified.
    """

    label: str
    front: Any
    points: int = 5

    @property
    def n_tests(self) -> int:
        return 2 * min(self.points, self.front.tau.size)

    def run(self, n: int, seed: int, start: int, backend: str, alpha: float, *,
            resolution: float | None = None, mean_resolution: float | None = None) -> list:
        from robtheory.claims.frontier_mc import frontier_mc
        from robtheory.mc.seeds import point_seed

        k_pts = min(self.points, self.front.tau.size)
        run_seed = point_seed(seed, start // RUN_STRIDE)
        res = frontier_mc(self.front, n, points=k_pts, seed=run_seed, total_alpha=alpha * 2 * k_pts,
                          backend=backend)
        out = []
        for e in res["points"]:
            tau = "inf" if e["tau"] is None else f"{e['tau']:.6g}"
            for key in ("standard", "robust"):
                r = _agreement_record(f"{self.label}: point {e['index']} (tau={tau}), {e['classifier']}", key,
                                      e[key]["count"], n, e[key]["analytic"], alpha)
                r["passed"] = bool(r["passed"] and e[key]["passed"])
                res_k = None if resolution is None else stats.proportion_resolution(
                    n, min(max(float(e[key]["analytic"]), 0.0), 1.0), alpha, resolution)
                _judge(r, res_k)
                r["method"], r["stream_seed"] = e["method"], e["seed"]
                out.append(r)
        backends = "numpy" if all(e["method"].startswith("estimate_callable") for e in res["points"]) else backend
        return _stamp(out, backends, start)


# ----------------------------------------------------------------------------- sample means
def _chunk_moments(V: np.ndarray) -> dict:
    """Count, mean and central moment sums M2, M3 of the columns of ``V`` (rows = samples)."""
    mean = V.mean(axis=0)
    dev = V - mean
    dev2 = dev * dev
    return {"n": V.shape[0], "mean": mean, "m2": dev2.sum(axis=0), "m3": (dev2 * dev).sum(axis=0)}


def _merge_moments(a: dict | None, b: dict) -> dict:
    """Pairwise update of (n, mean, M2, M3) (Chan, Golub and LeVeque; Pebay 2008)."""
    if a is None:
        return b
    na, nb = a["n"], b["n"]
    n = na + nb
    delta = b["mean"] - a["mean"]
    m2 = a["m2"] + b["m2"] + delta * delta * (na * nb / n)
    m3 = (a["m3"] + b["m3"] + delta**3 * (na * nb * (na - nb) / (n * n))
          + 3.0 * delta * (na * b["m2"] - nb * a["m2"]) / n)
    return {"n": n, "mean": a["mean"] + delta * (nb / n), "m2": m2, "m3": m3}


def _chunks(model: ToyModel, seed: int, n: int, start: int, chunk: int | None, backend: str):
    """``(y, X)`` chunks of rows ``start .. start + n - 1``: NumPy oracle or numba kernels."""
    if backend != "numba":
        for _, y, X in ref.iter_chunks(model, seed, n, start=start, chunk=chunk):
            yield y, X
        return
    from robtheory.mc import cpu

    rows = min(ref.chunk_rows(model.d, chunk), cpu.MAX_CALL)
    done = 0
    while done < n:
        c = min(rows, n - done)
        yield cpu.sample_chunk(model.eta, model.p, model.d, seed, start + done, c)
        done += c


def sample_moments(model: ToyModel, statistic: Callable, n: int, seed: int, start: int = 0,
                   chunk: int | None = None, backend: str = "numpy") -> dict:
    r"""Mean, variance and skewness of per-sample statistics over ``n`` samples of the stream.

    Parameters
    ----------
    model : ToyModel
    statistic : callable
        ``statistic(X, y)`` with ``X`` of shape ``(rows, d + 1)`` and ``y`` of shape
        ``(rows,)`` returns an array of shape ``(rows, m)``: ``m`` values per sample.
    n : int, >= 2
    seed : int, in [0, 2**64)
    start, chunk
        As in :func:`robtheory.mc.reference.iter_chunks`; the samples are rows
        ``start .. start + n - 1`` of the Philox stream whatever the chunking.
    backend : {"numpy", "numba"}
        Who materialises the samples: the NumPy oracle, or the numba kernels
        (:func:`robtheory.mc.cpu.sample_chunk`: the same labels and x1, weak features within
        a few ulps, ~20x faster). Any other value (``"cupy"``) uses numba when it is usable,
        else NumPy.

    Returns
    -------
    dict
        ``n``; ``mean``, ``var`` (unbiased) and ``skew`` (sample skewness
        :math:`\hat\gamma = m_3 / m_2^{3/2}`, 0 where the variance is 0), arrays of length ``m``.
    """
    n, start = ref.check_n_start(n, start)
    if n < 2:
        raise ValueError(f"n must be >= 2 for a sample variance, got n={n}")
    if backend not in ("numpy", "numba"):
        backend = "numba" if engine.backend_status()["numba"][0] else "numpy"
    acc = None
    for y, X in _chunks(model, ref.check_seed(seed), n, start, chunk, backend):
        V = np.asarray(statistic(X, y), dtype=np.float64)
        if V.ndim != 2 or V.shape[0] != y.size:
            raise ValueError(f"statistic must return shape (rows, m), got {V.shape} for {y.size} rows")
        acc = _merge_moments(acc, _chunk_moments(V))
    m2 = acc["m2"] / n
    with np.errstate(divide="ignore", invalid="ignore"):
        skew = np.where(m2 > 0, (acc["m3"] / n) / np.maximum(m2, 1e-300) ** 1.5, 0.0)
    return {"n": n, "mean": acc["mean"], "var": acc["m2"] / (n - 1), "skew": skew, "backend": backend}


def _mean_z(mean: float, se: float, analytic: float) -> float:
    diff = mean - analytic
    if se > 0:
        return diff / se
    # a constant statistic: agreement iff it equals the closed form to rounding
    return 0.0 if abs(diff) <= 1e-12 * max(1.0, abs(analytic)) else math.copysign(math.inf, diff)


#: Largest skewness of the mean :math:`|\hat\gamma|/\sqrt n` at which a mean test gives a
#: verdict; above it the test is reported inconclusive (it cannot reject, and says so).
MAX_SKEWNESS_OF_MEAN = 0.1


def _mean_resolution(n: int, var: float, skew: float, alpha_tail: float,
                     resolution: float | None) -> stats.Resolution | None:
    """Resolution of a CLT test of a mean whose critical value is :func:`one_sided_z` at
    ``alpha_tail`` (``inf`` while the skewness of the mean exceeds the limit)."""
    if resolution is None:
        return None

    def z_at(m: int) -> float:
        g = float(skew) / math.sqrt(m)
        return math.inf if abs(g) > MAX_SKEWNESS_OF_MEAN else one_sided_z(alpha_tail, g)

    return stats.mean_resolution(n, math.sqrt(max(var, 0.0)), z_at(n), resolution, z_at=z_at)


def _mean_record(label: str, quantity: str, mean: float, var: float, skew: float, n: int,
                 analytic: float, alpha: float, resolution: float | None = None) -> dict:
    r"""Two-sided CLT z-test of :math:`H_0: E[T] = a` from the sample mean and variance.

    Rejects iff :math:`|z| > z^*` with :math:`z^*` = :func:`one_sided_z` ``(alpha / 2, g)``:
    each tail at :math:`lpha/2` after the first Edgeworth correction for the skewness of
    the mean :math:`g` (the heavier tail of a skewed statistic is what produces false
    alarms; the other one is lighter). With :math:`|g|` >
    :data:`MAX_SKEWNESS_OF_MEAN` the normal approximation is not trusted at all and the test
    cannot reject (``min_detectable = inf``) and its verdict is INCONCLUSIVE: raise ``n``.
    With a ``resolution`` (an absolute deviation of the mean) the test is also INCONCLUSIVE
    when ``min_detectable`` exceeds it.
    """
    se = math.sqrt(max(var, 0.0) / n)
    z = _mean_z(mean, se, float(analytic))
    g = float(skew) / math.sqrt(n)
    # A sample without any variation that misses the closed form (e.g. ten hinge losses,
    # all 0, of a statistic that is positive on 0.1% of samples) says nothing about the
    # mean's law: the CLT does not apply, so no verdict either way.
    inconclusive = abs(g) > MAX_SKEWNESS_OF_MEAN or (se == 0 and math.isinf(z))
    zcrit = math.inf if inconclusive else one_sided_z(alpha / 2, g)
    p_value = float(2 * ndtr(-abs(z)))
    half = 1.959963984540054 * se  # the reported interval is at level 1 - CI_ALPHA
    rec = {"label": label, "quantity": quantity, "test": "mean", "estimate": float(mean),
           "std_error": se, "n": n, "ci": [float(mean - half), float(mean + half)],
           "analytic": float(analytic), "passed": bool(abs(z) <= zcrit), "p_value": p_value,
           "z": float(z), "critical_z": zcrit, "alpha": alpha, "min_detectable": zcrit * se,
           "skewness_of_mean": g}
    return _judge(rec, _mean_resolution(n, var, skew, alpha / 2, resolution), cannot_judge=inconclusive)


def one_sided_z(alpha: float, skew_of_mean: float = 0.0) -> float:
    r"""Critical value of a one-sided test of a mean, widened for the skewness of the mean.

    The studentised mean :math:`T` has the Edgeworth expansion (Hall 1992, §2.6)
    :math:`P(T \le x) = \Phi(x) + g\,(2x^2 + 1)\,\varphi(x)/6 + O(n^{-1})` with
    :math:`g = \gamma/\sqrt n` the skewness of the mean; whichever the side, one tail is
    heavier by :math:`|g|(2x^2+1)\varphi(x)/6`. The returned :math:`z` solves

    .. math:: \bar\Phi(z) + |g|\,(2z^2 + 1)\,\varphi(z)/6 = \alpha ,

    so the one-sided false-alarm rate is :math:`\alpha` to :math:`O(n^{-1})` (for a
    two-sided test the :math:`n^{-1/2}` terms of the two tails cancel and no widening is
    needed).
    """
    if not 0 < alpha < 0.5:
        raise ValueError(f"alpha must lie in (0, 1/2), got alpha={alpha!r}")
    z0 = float(-ndtri(alpha))
    g = abs(float(skew_of_mean))
    if g == 0 or not math.isfinite(g):
        return z0 if g == 0 else math.inf

    def excess(z):
        return float(ndtr(-z)) + g * (2 * z * z + 1) * math.exp(-0.5 * z * z) / (6 * math.sqrt(2 * math.pi)) - alpha

    hi = z0 + 1.0
    while excess(hi) > 0:
        hi += 1.0
    return float(brentq(excess, z0, hi, xtol=1e-10))


def _mean_bound_record(label: str, quantity: str, mean: float, var: float, skew: float, n: int,
                       relation: str, bound: float, alpha: float, what: str,
                       resolution: float | None = None) -> dict:
    r"""One-sided test of the claim's inequality :math:`E[T] \mathrel{R} b` (``R`` in ``<=``, ``>=``).

    ``>=`` fails iff the upper confidence limit :math:`\bar T + z\,s/\sqrt n` falls below
    ``b``; ``<=`` iff the lower limit exceeds it; ``z`` from :func:`one_sided_z` (infinite,
    i.e. inconclusive, above :data:`MAX_SKEWNESS_OF_MEAN`).
    """
    se = math.sqrt(max(var, 0.0) / n)
    g = float(skew) / math.sqrt(n)
    # as in _mean_record: a sample without variation that violates the bound is no evidence
    violated = mean < bound if relation == ">=" else mean > bound
    inconclusive = abs(g) > MAX_SKEWNESS_OF_MEAN or (se == 0 and violated)
    z = math.inf if inconclusive else one_sided_z(alpha, g)
    sign = 1.0 if relation == ">=" else -1.0
    # an inconclusive test cannot reject: its confidence limit is the whole half-line
    limit = sign * math.inf if inconclusive else mean + sign * z * se
    passed = limit >= bound if relation == ">=" else limit <= bound
    rec = {"label": label, "quantity": quantity, "test": "bound", "relation": relation,
           "estimate": float(mean), "std_error": se, "n": n,
           "ci": [float(mean - 1.959963984540054 * se), float(mean + 1.959963984540054 * se)],
           "analytic": float(bound), "bound": what, "confidence_limit": float(limit),
           "critical_z": z, "passed": bool(passed), "alpha": alpha, "min_detectable": z * se,
           "skewness_of_mean": g}
    return _judge(rec, _mean_resolution(n, var, skew, alpha, resolution), cannot_judge=inconclusive)


@dataclass(frozen=True)
class MeanRun:
    r"""Sample means of per-sample statistics (hinge losses, their differences, gradients).

    One pass over ``n`` samples evaluates ``statistic(X, y)`` (``m`` values per sample,
    named by ``quantities``); every quantity in ``analytic`` is tested against its closed
    form by a two-sided CLT z-test, and every ``(quantity, relation, value, what)`` of
    ``bounds`` by a one-sided test of the claim's inequality (:func:`one_sided_z`).

    The z-tests are asymptotic: their false-alarm rate is the stated one to the accuracy
    of the normal approximation of the studentised mean, corrected to first order for its
    skewness (:func:`one_sided_z`). Hinge losses near an optimum are 0 on most samples and
    strongly skewed, and the Bonferroni critical values (~5.8) sit deep in the tail, so
    each record reports ``skewness_of_mean`` :math:`g = \hat\gamma/\sqrt n`, and a test with
    :math:`|g| >` :data:`MAX_SKEWNESS_OF_MEAN` is reported ``inconclusive`` instead of
    judged. (A simulation of the most skewed statistic here, Lemma D.2's :math:`c_2`, at
    :math:`n = 10^6`, :math:`g = 0.05`: the two-sided normal tail at :math:`|z| > 4` is
    exceeded twice as often as nominal; the first-order correction recovers about half
    of the heavy tail. Treat the family-wise rate of the mean tests as approximate.)
    """

    label: str
    model: ToyModel
    statistic: Callable
    quantities: tuple
    analytic: dict
    bounds: tuple = ()
    #: Sample variances need two samples.
    min_n: int = field(default=2, init=False)

    @property
    def n_tests(self) -> int:
        return len(self.analytic) + len(self.bounds)

    def run(self, n: int, seed: int, start: int, backend: str, alpha: float, *,
            resolution: float | None = None, mean_resolution: float | None = None) -> list:
        mom = sample_moments(self.model, self.statistic, n, seed, start, backend=backend)
        idx = {q: k for k, q in enumerate(self.quantities)}
        for q in [*self.analytic, *(b[0] for b in self.bounds)]:
            if q not in idx:
                raise ValueError(f"unknown quantity {q!r}; the statistic has {self.quantities}")

        def pick(q):
            k = idx[q]
            return float(mom["mean"][k]), float(mom["var"][k]), float(mom["skew"][k])

        out = [_mean_record(self.label, q, *pick(q), n, a, alpha, mean_resolution)
               for q, a in self.analytic.items()]
        out += [_mean_bound_record(self.label, q, *pick(q), n, rel, val, alpha, what, mean_resolution)
                for q, rel, val, what in self.bounds]
        return _stamp(out, mom["backend"], start)


# ----------------------------------------------------------------------------- the plan
def _tag(model: ToyModel, eps: float | None = None) -> str:
    s = f"p={model.p:g}, mu={model.mu:g}, d={model.d}"
    return s if eps is None else f"{s}, eps={eps:g}"


def _linear_score(clf, model: ToyModel) -> Callable:
    w, b = ref.linear_weights(model, clf)
    return lambda X: X @ w + b


def _require(ok: bool, what: str, pt: Point) -> None:
    if not ok:
        raise ValueError(f"the Monte Carlo check needs {what}; got p={pt.p!r}, eta={pt.eta!r}, d={pt.d!r}, "
                         f"eps={pt.eps!r} (mu={pt.mu:g})")


# Each _runs_* builds the runs of one claim at one parameter point (p, eta, d, eps): the
# analytic values and the samplers come from the same point. ``robtheory verify`` uses the
# points of the _plan_* functions below; validation/claims_campaign.py sweeps a grid.
def _runs_claim_a(pt: Point) -> list:
    """Averaging: standard accuracy Phi(mu) (mu >= 3); ``eps`` is not used."""
    _require(pt.mu >= 3 - 1e-12, "mu = eta sqrt(d) >= 3", pt)
    m = pt.model
    return [LinearRun(f"averaging, {_tag(m)}", m, averaging(m.d), None, {"standard": float(ndtr(m.mu))})]


def _runs_claim_b(pt: Point) -> list:
    """Averaging: robust accuracy Phi(-mu) at the l_inf radius 2 eta (``eps`` is not used)."""
    _require(pt.mu >= 3 - 1e-12, "mu = eta sqrt(d) >= 3", pt)
    m = pt.model
    t = ThreatModel("linf", 2 * m.eta)
    return [LinearRun(f"averaging, {_tag(m, t.eps)} (= 2 eta)", m, averaging(m.d), t,
                      {"robust": float(ndtr(-m.mu))})]


def _runs_theorem_2_1(pt: Point) -> list:
    """Theorem 2.1 at the shift adversary (radius 2 eta) for four linear classifiers."""
    _require(pt.p < 1 and pt.eta > 0, "p < 1 and eta > 0", pt)
    m = pt.model
    tau_b = bayes(m).a
    clfs = [("averaging", averaging(m.d)),
            ("f_tau, tau=1", StructuredLinear(1.0, 1 / math.sqrt(m.d), m.d)),
            (f"Bayes, tau={tau_b:.3g}", bayes(m)),
            ("sign(x1)", robust_x1(m.d))]
    return [TradeoffRun(f"{name}, {_tag(m)}, shift 2 eta", m, clf) for name, clf in clfs]


def _runs_bayes(pt: Point) -> list:
    _require(pt.p < 1, "p < 1", pt)
    m = pt.model
    return [LinearRun(f"Bayes, {_tag(m)}", m, bayes(m), None, {"standard": bayes_accuracy(m).standard_accuracy})]


def _runs_robust_x1(pt: Point, norms=("linf", "l2")) -> list:
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


def _runs_tightness(pt: Point) -> list:
    """sign(x1) attains the bound of Theorem 2.1 (delta = 1 - p) for 2 eta <= eps < 1."""
    _require(pt.p < 1 and 2 * pt.eta <= pt.eps < 1, "p < 1 and 2 eta <= eps < 1", pt)
    m, eps = pt.model, pt.eps
    bound = float(theorem_2_1_bound(m.p, error_rate=1 - m.p))  # delta = 1 - p: the bound is p
    return [LinearRun(f"sign(x1), {_tag(m, eps)}, linf", m, robust_x1(m.d), ThreatModel("linf", eps),
                      {"standard": m.p, "robust": bound})]


def _runs_optimal_robust(pt: Point) -> list:
    """A*_rob(eps) (l_inf) attained by its classifier: the rounded rule under its exact worst
    case when eps < min(eta, 1); sign(x1) (eta <= eps < 1) or averaging (eps >= 1) otherwise."""
    _require(pt.eps > 0, "eps > 0", pt)
    m, eps = pt.model, pt.eps
    t = ThreatModel("linf", eps)
    opt = optimal_robust_accuracy(m, t)
    if eps < min(m.eta, 1.0):
        rule = opt.classifier
        return [CallableRun(f"rounded rule tau={rule.tau:.4g}, {_tag(m, eps)}, linf, exact worst case",
                            m, rule.score, _rounded_worst_case(rule, t), t, "robust", opt.value)]
    return [LinearRun(f"{opt.description}, {_tag(m, eps)}, linf", m, opt.classifier, t, {"robust": opt.value})]


def _runs_theorem_2_2_part1(pt: Point) -> list:
    _require(pt.mu >= 4 - 1e-12 and pt.p <= 0.975, "mu >= 4 and p <= 0.975 (Theorem 2.2)", pt)
    m = pt.model
    t = ThreatModel("linf", 2 * m.eta)
    clf = _svm_classifier(m)
    acc = linear_accuracy(m, clf, t)
    return [LinearRun(f"unit-norm SVM optimum (w1={clf.a:.4f}, v={clf.c * math.sqrt(m.d):.4f}), "
                      f"{_tag(m, t.eps)} (= 2 eta), linf", m, clf, t,
                      {"standard": acc.standard_accuracy, "robust": acc.robust_accuracy})]


def _runs_lemma_d3(pt: Point) -> list:
    _require(pt.mu >= 4 - 1e-12 and pt.p <= 0.975, "mu >= 4 and p <= 0.975 (Theorem 2.2)", pt)
    m = pt.model
    clf = _svm_classifier(m)
    acc = linear_accuracy(m, clf)
    return [LinearRun(f"unit-norm SVM optimum (v={clf.c * math.sqrt(m.d):.4f}), {_tag(m)}", m, clf, None,
                      {"standard": acc.standard_accuracy},
                      bounds=(("standard", ">=", float(ndtr(m.mu - 1)), "Phi(mu - 1)"),))]


def _runs_lemma_d4(pt: Point) -> list:
    _require(pt.mu >= 4 - 1e-12 and pt.p <= 0.975, "mu >= 4 and p <= 0.975 (Theorem 2.2)", pt)
    m = pt.model
    clf = _svm_classifier(m)
    t = ThreatModel.weak_only("linf", 2 * m.eta)
    acc = linear_accuracy(m, clf, t)  # v > 0: the shift is the exact worst case of this ball
    return [CallableRun(f"unit-norm SVM optimum (v={clf.c * math.sqrt(m.d):.4f}), {_tag(m)}, shift 2 eta",
                        m, _linear_score(clf, m), "shift", t, "shift", acc.robust_accuracy,
                        bounds=(("shift", "<=", float(ndtr(-(m.mu - 1))), "1 - Phi(mu - 1)"),))]


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

    def one_sided(m0, rate):
        return np.where(m0 > _KINK_TOL, rate, np.where(m0 >= -_KINK_TOL, np.maximum(rate, 0.0), 0.0))

    def statistic(X, y):
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


def _runs_theorem_2_2_part2(pt: Point, lams: tuple = (0.1, 0.5), eps_eval: float = 0.5) -> list:
    """The adversarial SVM optimum (w1*, 0) at eps_train = ``eps``: accuracy p, standard and
    robust at ``eps_eval`` < 1 (corrected hypothesis 2 eta <= eps_train < 2p - 1), at the first
    ``lam``; and its optimality (sampled one-sided derivatives of J^adv, :func:`_adversarial_optimality_run`)
    at every ``lam`` (the default pair gives the kink and the interior case at the plan's point)."""
    from robtheory.claims import adversarial_svm_closed_form

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


def _plan_claim_a():
    return _runs_claim_a(Point(0.9, 0.3, 100))


def _plan_claim_b():
    return _runs_claim_b(Point(0.9, 0.3, 100))


def _plan_theorem_2_1():
    return _runs_theorem_2_1(Point(0.75, 1 / math.sqrt(10), 10))


def _plan_bayes():
    return [r for p, mu, d in ((0.75, 1.0, 100), (0.975, 0.5, 10))
            for r in _runs_bayes(Point(p, mu / math.sqrt(d), d))]


def _runs_x1_per_class(pt: Point, backends=(None, "numpy")) -> list:
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


def _plan_robust_x1():
    eta = 1 / math.sqrt(10)
    return ([r for norm in ("linf", "l2") for eps in (0.5, 1.5)
             for r in _runs_robust_x1(Point(0.9, eta, 10, eps), norms=(norm,))]
            # eps = 1 exactly: every sample's robust margin is 0 or negative (ties are errors)
            + [r for norm in ("linf", "l2") for r in _runs_robust_x1(Point(0.9, eta, 11, 1.0), norms=(norm,))]
            + _runs_x1_per_class(Point(0.9, eta, 1)))


def _plan_tightness():
    eta = 1 / math.sqrt(10)
    return [r for eps in (2 * eta, 0.99) for r in _runs_tightness(Point(0.75, eta, 10, eps))]


def _rounded_worst_case(rule: RoundedClassifier, threat: ThreatModel) -> Callable:
    """The attack ``(X, y) -> X'`` of :meth:`robtheory.classifiers.RoundedClassifier.worst_case`
    (the exact worst case of the rounded rule in a ball of radius eps < 1)."""
    if not threat.eps < 1:
        raise ValueError(f"the rounded worst case needs eps < 1, got eps={threat.eps!r}")

    def attack(X, y):
        return rule.worst_case(X, y, threat)

    return attack


def _best_unbiased_linear(model: ToyModel, threat: ThreatModel, grid: int = 20001) -> float:
    """Brute force: the highest robust accuracy of ``sign(a x1 + c sum x_i)`` over a grid of
    ``grid`` directions ``(a, c) = (sin theta, cos theta / sqrt d)``, theta in [0, pi/2] (the
    last one is sign(x1)), and of the constant rule: an optimiser-free reference for
    :func:`robtheory.theory.closed_form.robust_optimal_linear` (the grid step in theta is 8e-5, so the
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


def _runs_optimal_robust_threat(model: ToyModel, threat: ThreatModel) -> list:
    """A*_rob(eps) (:func:`~robtheory.theory.closed_form.optimal_robust_accuracy`) and the robust-optimal
    linear classifier (:func:`~robtheory.theory.closed_form.robust_optimal_linear`) under any ball.

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
    from robtheory.theory.closed_form import robust_optimal_linear

    t, m = threat, model
    star = optimal_robust_accuracy(m, t)
    lin = robust_optimal_linear(m, t)
    kind = f"{t.norm}, {'x1 perturbable' if t.perturb_x1 else 'weak-only'}"
    bound = (("robust", "<=", float(star.value), "A*_rob(eps)"),)
    ref_val = float(star.value) if not t.perturb_x1 else _best_unbiased_linear(m, t)
    out = [LinearRun(f"robust-optimal linear ({lin.description}), {_tag(m, t.eps)}, {kind}, vs "
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


def _plan_optimal_robust():
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


def _svm_classifier(m: ToyModel) -> StructuredLinear:
    from robtheory.claims import svm_unit_norm_optimum

    w1, v = svm_unit_norm_optimum(m.p, m.eta, m.d)
    return StructuredLinear(float(w1), float(v) / math.sqrt(m.d), m.d)


def _plan_theorem_2_2_part1():
    return _runs_theorem_2_2_part1(Point(0.9, 0.4, 100))


def _plan_lemma_d3():
    return _runs_lemma_d3(Point(0.75, 4 / math.sqrt(10), 10))


def _plan_lemma_d4():
    return _runs_lemma_d4(Point(0.75, 4 / math.sqrt(10), 10))


def _runs_theorem_2_2_part2_zero(pt: Point, lam: float = 0.1, eps_eval: float = 0.5) -> list:
    """The counterexample to the theorem as printed: for eps_train = ``eps`` >= 2p - 1 the
    adversarial optimum is w = 0, whose score is 0 on every sample, so it is wrong on every
    sample (ties are errors), standard and robust: accuracy 0, not p."""
    from robtheory.claims import adversarial_svm_closed_form

    _require(2 * pt.eta <= pt.eps and pt.eps >= 2 * pt.p - 1, "2 eta <= eps_train = eps and eps >= 2p - 1", pt)
    m, eps_train = pt.model, pt.eps
    w = np.zeros(m.d + 1)
    w[0] = float(adversarial_svm_closed_form(m.p, eps_train, lam))  # 0 here
    t = ThreatModel("linf", eps_eval)
    clf = ConstantClassifier(m.d, 0.0) if w[0] == 0 else LinearClassifier(w, 0.0)  # sign(0 . x + 0)
    return [LinearRun(f"adversarial SVM optimum w=({w[0]:g}, 0) (eps_train={eps_train:g} >= 2p - 1, lam={lam:g}), "
                      f"b=0: every score is 0, {_tag(m, t.eps)}, linf", m, clf, t,
                      {"standard": 0.0, "robust": 0.0})]


def _plan_theorem_2_2_part2():
    return (_runs_theorem_2_2_part2(Point(0.9, 0.2, 10, 0.5))  # 2 eta <= eps_train < 2p - 1
            + _runs_theorem_2_2_part2_zero(Point(0.9, 0.2, 9, 0.85)))


def _runs_theorem_f(pt: Point, points: int = 5) -> list:
    """Theorem F's frontier at (p, eta, d), l_inf eps = 2 eta < 1 (``eps`` must be 2 eta): five
    points, Bayes point to (p, p), each estimated with its rounded rule (:class:`FrontierRun`)."""
    from robtheory.theory.frontier import frontier, theorem_f_applies

    m = pt.model
    t = ThreatModel("linf", pt.eps)
    _require(pt.p < 1 and theorem_f_applies(m, t), "p < 1, eta > 0 and eps = 2 eta < 1 (l_inf)", pt)
    front = frontier(m, t, "all")
    return [FrontierRun(f"Theorem F frontier, {_tag(m, t.eps)} (= 2 eta), linf", front, points)]


def _plan_theorem_f():
    return _runs_theorem_f(Point(0.75, 0.45, 4, 0.9))


# Lemmas D.1, D.2 and D.5 are statements about the population hinge objective: their
# Monte Carlo checks are sample means of per-sample hinge losses, loss differences on the
# same samples, and per-sample (sub)gradients (MeanRun), against the generated closed forms.
def _hinge(X: np.ndarray, y: np.ndarray, w: np.ndarray, penalty: float) -> np.ndarray:
    r"""Per-sample (adversarial) hinge loss :math:`\max(0, 1 - y\,w^Tx + \varepsilon\lVert w_P\rVert_*)`."""
    return np.maximum(0.0, 1.0 - y * (X @ w) + penalty)


def _penalty_gradient(w: np.ndarray, threat: ThreatModel | None) -> np.ndarray:
    r"""Gradient of :math:`\varepsilon\lVert w_P\rVert_*` where it is differentiable."""
    g = np.zeros_like(w)
    if threat is None or threat.eps == 0:
        return g
    lo = 0 if threat.perturb_x1 else 1
    u = w[lo:]
    if threat.norm == "linf":
        if np.any(u == 0):
            raise ValueError("the l_inf penalty is not differentiable at a zero weight")
        g[lo:] = np.sign(u)
    else:
        g[lo:] = u / np.sqrt(np.sum(u * u))
    return threat.eps * g


def _closed_hinge(model: ToyModel, w: np.ndarray, threat: ThreatModel | None) -> float:
    from robtheory.theory.closed_form import hinge_loss

    return hinge_loss(model, LinearClassifier(w, 0.0), threat)


def _threat_tag(threat: ThreatModel | None) -> str:
    return "standard" if threat is None else f"{threat.norm} eps_train={threat.eps:g}"


def _symmetry_run(model: ToyModel, lam: float, threat: ThreatModel | None, at_lam: float | None = None) -> MeanRun:
    r"""Lemma D.1 on the samples, at the certified optimum :math:`w^*` of :math:`J_\lambda`.

    :math:`w^*` has equal weak weights ``c`` (the reduced solver); ``w`` adds the zero-sum
    pattern :math:`\pm c/2` to them, ``pi w`` reverses the weak coordinates, and the
    symmetrisation of ``w`` (the average over permutations) is :math:`w^*` itself. Tested:
    swap invariance :math:`L(w) = L(\pi w)` (the weak features are exchangeable); the
    Jensen step :math:`L(w) - L(\mathrm{sym}\,w)` against its closed form and as the claim's
    inequality :math:`\ge 0`; and :math:`\partial J_\lambda/\partial w_k = 0` at :math:`w^*`
    for every one of the ``d + 1`` coordinates -- stationarity in the full weight space,
    so by convexity the equal-weight point is the global minimiser (the lemma's
    conclusion). ``at_lam`` takes the optimum of another :math:`\lambda` (negative control).
    """
    from robtheory.training import Objective, embed, solve
    from robtheory.mc.hinge import closed_form_hinge

    opt = solve(Objective(model, lam if at_lam is None else at_lam, threat))
    d = model.d
    w_sym = embed(opt.w1, opt.v, d)
    pattern = np.zeros(d + 1)
    pattern[1:] = 0.5 * w_sym[1] * (-1.0) ** np.arange(d)
    pattern[1:] -= pattern[1:].mean()  # zero sum: symmetrising w gives w_sym back
    w = w_sym + pattern
    w_pi = np.concatenate([w[:1], w[1:][::-1]])
    pens = [ref.robust_penalty(v, threat) for v in (w, w_pi, w_sym)]
    dpen = _penalty_gradient(w_sym, threat)

    def statistic(X, y):
        lw, lpi, lsym = (_hinge(X, y, v, pen) for v, pen in zip((w, w_pi, w_sym), pens))
        active = lsym > 0
        grad = active[:, None] * (dpen[None, :] - y[:, None] * X) + lam * w_sym[None, :]
        return np.column_stack([lw - lpi, lw - lsym, grad])

    q_swap, q_jensen = "L(w) - L(pi w)", "L(w) - L(sym w)"
    q_grad = [f"dJ/dw{k}" for k in range(d + 1)]
    _, grad_cf = closed_form_hinge(model, LinearClassifier(w_sym, 0.0), threat)
    hl = [_closed_hinge(model, v, threat) for v in (w, w_pi, w_sym)]
    analytic = {q_swap: hl[0] - hl[1], q_jensen: hl[0] - hl[2],
                **{q: float(g) for q, g in zip(q_grad, grad_cf[:-1] + lam * w_sym)}}
    return MeanRun(f"{_threat_tag(threat)}, lam={lam:g}: optimum (w1={opt.w1:.4f}, v={opt.v:.4f}), "
                   f"w = optimum +- c/2 on the weak weights, {_tag(model)}", model, statistic,
                   (q_swap, q_jensen, *q_grad), analytic,
                   bounds=((q_jensen, ">=", 0.0, "Jensen: symmetrising does not increase the hinge term"),))


def _runs_lemma_d1(pt: Point, lam: float = 0.1) -> list:
    """Lemma D.1 for the standard objective and the l_inf and l_2 adversarial ones at radius
    ``eps`` (an adversarial objective whose optimum drops the weak features is skipped:
    there is nothing to symmetrise, and Lemma D.5 covers it)."""
    from robtheory.training import Objective, solve

    _require(pt.d >= 2 and pt.eps > 0, "d >= 2 (two weak weights to swap) and eps > 0", pt)
    m = pt.model
    threats = [None] + [t for t in (ThreatModel("linf", pt.eps), ThreatModel("l2", pt.eps))
                        if solve(Objective(m, lam, t)).v != 0]
    return [_symmetry_run(m, lam, t) for t in threats]


def _plan_lemma_d1():
    return _runs_lemma_d1(Point(0.9, 0.5, 10, 0.1))


#: Lemma D.2's inequality must hold at Theorem 2.2's largest p.
_D2_P_HOLDS = 0.975


def _lemma_d2_constants_run(model: ToyModel, c1: float | None = None) -> MeanRun:
    r"""Lemma D.2's two constants and its threshold, estimated on the samples of ``model``.

    * :math:`c_1 = E[\max(0, 1 + w_1 - v\,yz) \mid y x_1 = -1]` at :math:`w_1 = v = 1/\sqrt2`
      (0.016993 at :math:`\mu = 4`): the hinge loss of :math:`(1/\sqrt2, 1/\sqrt2)` with x1
      pointing the wrong way. The weak features are independent of x1, so every sample
      contributes :math:`\max(0, 1 + w_1 - y\,w_{2:}^Tx_{2:})` (ten times the samples of
      the wrong-x1 ones alone at p = 0.9). Closed form: the generated hinge loss of
      :math:`(-1/\sqrt2, 1/\sqrt2)` under :math:`D(1, \eta, d)`, i.e. :math:`R(1 + w_1 - \mu v, v)`.
    * :math:`c_2 = E\max(0, 1 - N(\mu, 1))` (0.000382): the hinge loss of :math:`(0, 1)`.
    * the threshold :math:`p^* = 1 - c_2/c_1`, tested exactly through the mean of
      :math:`T = q_2 - (1 - p^*) q_1`, which is 0 iff :math:`p^*` is right;
    * the lemma's inequality :math:`(1-p)c_1 > c_2` at :math:`p = 0.975` (it must hold) and
      its failure at :math:`p = 0.99 > p^*`, as one-sided tests.

    ``c1`` overrides the closed form of :math:`c_1` (and hence :math:`p^*`): negative controls.
    """
    from robtheory.training import embed

    s2 = 1 / math.sqrt(2)
    d = model.d
    w_half, w_v1 = embed(s2, s2, d), embed(0.0, 1.0, d)
    if c1 is None:
        c1 = _closed_hinge(ToyModel(1.0, model.eta, d), embed(-s2, s2, d), None)
    c2 = _closed_hinge(model, w_v1, None)
    p_star = 1 - c2 / c1
    p_fails = 1 - (1 - p_star) / 2  # halfway between p* and 1: the inequality is reversed

    def statistic(X, y):
        q1 = np.maximum(0.0, 1.0 + w_half[0] - y * (X[:, 1:] @ w_half[1:]))
        q2 = _hinge(X, y, w_v1, 0.0)
        return np.column_stack([q1, q2, q2 - (1 - p_star) * q1,
                                (1 - _D2_P_HOLDS) * q1 - q2, (1 - p_fails) * q1 - q2])

    q = ("c1 = E[hinge of (1/sqrt2, 1/sqrt2) | x1 = -y]", "c2 = hinge of (0, 1)",
         f"c2 - (1 - p*) c1 at p* = 1 - c2/c1 = {p_star:.5f}",
         f"(1 - {_D2_P_HOLDS:g}) c1 - c2", f"(1 - {p_fails:.5f}) c1 - c2")
    return MeanRun(f"Lemma D.2 constants, {_tag(model)}", model, statistic, q,
                   {q[0]: c1, q[1]: c2, q[2]: 0.0},
                   bounds=((q[3], ">=", 0.0, f"(0, 1) beats every unit-norm w with v < 1/sqrt2 at p = {_D2_P_HOLDS:g}"),
                           (q[4], "<=", 0.0, f"the argument fails at p = {p_fails:.5f} > p*")))


def _unit_norm_stationarity_run(model: ToyModel, point: tuple | None = None) -> MeanRun:
    r"""The unit-norm SVM optimum :math:`x^* = (w_1^*, v^*)`, :math:`v^* \ge 1/\sqrt2`, on the samples.

    At :math:`x^*` the loss gradient is :math:`-\lambda x^*`: its component along the
    circle's tangent :math:`(-v^*, w_1^*)` is 0 and along :math:`x^*` it is :math:`-\lambda`
    (both computed per sample from :math:`\mathbb 1[\ell > 0](-y x)` in the reduced
    coordinates :math:`(x_1, z)`); and its loss is below that of :math:`(0, 1)`, the
    comparison point of the lemma's proof. ``point`` replaces :math:`x^*` (negative control).
    """
    from robtheory.training import embed, unit_norm_optimum

    opt = unit_norm_optimum(model)
    w1, v = (opt.w1, opt.v) if point is None else point
    d, sd = model.d, math.sqrt(model.d)
    w, w_v1 = embed(w1, v, d), embed(0.0, 1.0, d)
    from robtheory.mc.hinge import closed_form_hinge

    loss_cf, g = closed_form_hinge(model, LinearClassifier(w, 0.0))
    gw1, gv = float(g[0]), float(g[1:-1].sum() / sd)

    def statistic(X, y):
        lw = _hinge(X, y, w, 0.0)
        act = lw > 0
        g1 = np.where(act, -y * X[:, 0], 0.0)
        g2 = np.where(act, -y * X[:, 1:].sum(axis=1) / sd, 0.0)
        return np.column_stack([lw, -v * g1 + w1 * g2, w1 * g1 + v * g2, lw - _hinge(X, y, w_v1, 0.0)])

    q = ("L(x*)", "tangential derivative", f"radial derivative (-lam = {-opt.lam:.4g})", "L(x*) - L((0, 1))")
    return MeanRun(f"unit-norm SVM optimum (w1={w1:.4f}, v={v:.4f} >= 1/sqrt2), {_tag(model)}", model,
                   statistic, q,
                   {q[0]: loss_cf, q[1]: -v * gw1 + w1 * gv, q[2]: w1 * gw1 + v * gv,
                    q[3]: loss_cf - _closed_hinge(model, w_v1, None)},
                   bounds=((q[3], "<=", 0.0, "the optimum is at least as good as (0, 1)"),))


def _runs_lemma_d2(pt: Point) -> list:
    _require(pt.mu >= 4 - 1e-12 and pt.p <= 0.975, "mu >= 4 and p <= 0.975 (Theorem 2.2)", pt)
    m = pt.model
    return [_lemma_d2_constants_run(m), _unit_norm_stationarity_run(m)]


def _plan_lemma_d2():
    return _runs_lemma_d2(Point(0.9, 4 / math.sqrt(10), 10))


def _zero_weak_run(model: ToyModel, eps_train: float, lam: float, delta: float = 0.1) -> MeanRun:
    r"""Lemma D.5 on the samples: moving weak weights off 0 never lowers the adversarial hinge term.

    At the adversarial optimum :math:`x^* = (w_1^*, 0)` (closed form of
    :func:`robtheory.training.adversarial_hinge_closed_form`) the weak weights are moved
    by ``delta`` in three directions (all, one, alternating signs). The proof's Jensen step
    says :math:`L(x^* + \delta e) - L(x^*) \ge 0` when :math:`\varepsilon \ge \eta`
    (the :math:`w_i`-dependent part :math:`-y w_i x_i + \varepsilon |w_i|` has mean
    :math:`\ge 0`); each difference (same samples) is tested against its closed form and as
    that inequality, and :math:`L(x^*)` against its closed form.
    """
    from robtheory.training import adversarial_hinge_closed_form

    threat = ThreatModel("linf", eps_train)
    d = model.d
    w_star = np.zeros(d + 1)
    w_star[0] = adversarial_hinge_closed_form(model.p, eps_train, lam)
    dirs = {"all weak +delta": np.ones(d), "w2 + delta": np.eye(d)[0],
            "alternating +-delta": (-1.0) ** np.arange(d)}
    ws = [w_star] + [w_star + delta * np.concatenate([[0.0], e]) for e in dirs.values()]
    pens = [ref.robust_penalty(v, threat) for v in ws]

    def statistic(X, y):
        L = [_hinge(X, y, v, pen) for v, pen in zip(ws, pens)]
        return np.column_stack([L[0], *(lk - L[0] for lk in L[1:])])

    q = ("L(x*)", *(f"L(x* + {k}) - L(x*)" for k in dirs))
    cf = [_closed_hinge(model, v, threat) for v in ws]
    return MeanRun(f"adversarial optimum (w1*={w_star[0]:.4g}, 0), linf eps_train={eps_train:g}, lam={lam:g}, "
                   f"delta={delta:g}, {_tag(model)}", model, statistic, q,
                   {q[0]: cf[0], **{qk: ck - cf[0] for qk, ck in zip(q[1:], cf[1:])}},
                   bounds=tuple((qk, ">=", 0.0, "zeroing the weak weights never increases the hinge term")
                                for qk in q[1:]))


def _runs_lemma_d5(pt: Point, lams=(0.1, 0.5)) -> list:
    """Lemma D.5 at eps_train = ``eps`` >= eta (the strengthening of the paper's 2 eta)."""
    _require(pt.eta > 0 and pt.eta <= pt.eps < 1, "eta <= eps_train = eps < 1", pt)
    return [_zero_weak_run(pt.model, pt.eps, lam) for lam in lams]


def _plan_lemma_d5():
    # eta <= eps_train < 2 eta (the strengthening), and eps_train >= 2 eta
    return [r for eps, lam in ((0.3, 0.1), (0.5, 0.5)) for r in _runs_lemma_d5(Point(0.9, 0.2, 10, eps), (lam,))]


# ----------------------------------------------------------------------------- Ilyas et al.
def _gaussian_data(pt: Point) -> tuple[np.ndarray, np.ndarray]:
    r"""The Gaussian model of a point: :math:`x \mid y \sim \mathcal N(y\mu^*, \Sigma^*)` in dimension ``d``.

    :math:`\mu^* = \eta\,\mathbf 1` (at :math:`\Sigma^* = I` these are the weak features of
    D(1/2, eta, d)); :math:`\Sigma^* = Q\,\mathrm{diag}(10^{-1} \dots 10)\,Q^T`, eigenvalues
    log-spaced over two decades (1 when ``d = 1``) so that the covariance is anisotropic,
    ``Q`` a fixed rotation (QR of a ``default_rng(d)`` Gaussian matrix: data, not sampling).
    """
    d = pt.d
    spectrum = np.geomspace(0.1, 10.0, d) if d > 1 else np.ones(1)
    Q, _ = np.linalg.qr(np.random.default_rng(d).standard_normal((d, d)))
    S = (Q * spectrum) @ Q.T
    return np.full(d, float(pt.eta)), 0.5 * (S + S.T)


def _gaussian_mle_run(pt: Point, *, covariance: Callable | None = None, energy: Callable | None = None,
                      mu_shift: float = 0.5) -> MeanRun:
    r"""Ilyas et al. Thm 2 on samples :math:`x \sim \mathcal N(y\mu^*, \Sigma^*)`, :math:`y` uniform.

    With :math:`\lambda = \lambda(\varepsilon)` (:func:`robtheory.training.lam_for_budget`),
    :math:`t = 1/\lambda`, :math:`\Sigma = \Sigma_r(\lambda)`
    (:func:`robtheory.training.robust_covariance`) and :math:`z = x - y\mu^*`, each sample's
    exact worst case of the Lagrangian adversary
    :math:`\max_\delta \ell(x + \delta; y\mu^*, \Sigma) - \frac\lambda2\lVert\delta\rVert^2`
    (concave for :math:`\Sigma \succ tI`, unique stationary point) is
    :math:`\delta^* = t(\Sigma - tI)^{-1}z`. The statistics, from :math:`u = z + \delta^*`
    and :math:`v = \Sigma^{-1}u` (the NLL :math:`\ell` without its :math:`\frac k2\log 2\pi`):

    * :math:`\lVert\delta^*\rVert^2`, mean :math:`t^2\operatorname{tr}((\Sigma - tI)^{-2}\Sigma^*)`
      (:func:`~robtheory.training.perturbation_energy`), which is :math:`\varepsilon^2`: the
      relation that fixes :math:`\lambda`;
    * :math:`\ell(x + \delta^*)`, mean the robust NLL under the mean-square budget
      :math:`E\lVert\delta\rVert^2 \le \varepsilon^2`
      (:func:`~robtheory.training.robust_gaussian_nll` with ``eps``: a minimum over the dual
      variable, attained at :math:`t = 1/\lambda(\varepsilon)`);
    * :math:`\ell(x + \delta^*) - \frac\lambda2\lVert\delta^*\rVert^2`, mean
      :math:`\frac12\operatorname{tr}((\Sigma - tI)^{-1}\Sigma^*) + \frac12\log\det\Sigma`
      (``robust_gaussian_nll`` with ``lam``);
    * the gradient of that per-sample objective (Danskin: the gradient at fixed
      :math:`\delta^*`) in :math:`\Sigma`, :math:`\frac12(\Sigma^{-1} - vv^T)` (entries
      :math:`i \le j`), and in :math:`\mu`, :math:`-yv`: mean 0 -- the theorem itself,
      :math:`(\mu^*, \Sigma_r)` is stationary, and for any other :math:`\Sigma` (e.g. without
      the :math:`\frac1\lambda I` term) some entry has a non-zero mean;
    * the penalised objective at :math:`\mu^* + s\mathbf e_1` minus that at :math:`\mu^*`
      (same samples), mean :math:`\frac{s^2}2\mathbf e_1^T(\Sigma - tI)^{-1}\mathbf e_1 \ge 0`
      (the closed form with :math:`M = \Sigma^* + s^2\mathbf e_1\mathbf e_1^T`), also tested
      as the inequality :math:`\mu_r = \mu^*` implies.

    The samples: the label and weak-feature streams of D(1/2, 0, d) (so ``X[:, 1:]`` are the
    Philox normals :math:`g` of the rows; ``x1`` is unused) mapped to
    :math:`x = y\mu^* + Lg`, :math:`LL^T = \Sigma^*`. ``covariance(Sigma_star, lam)`` and
    ``energy(Sigma_star, lam)`` replace the closed forms (negative controls).
    """
    from robtheory.training import (
        lam_for_budget,
        perturbation_energy,
        robust_covariance,
        robust_gaussian_nll,
    )

    covariance = robust_covariance if covariance is None else covariance
    energy = perturbation_energy if energy is None else energy
    mu_star, S = _gaussian_data(pt)
    k, eps = pt.d, float(pt.eps)
    lam = lam_for_budget(S, eps)
    t = 1.0 / lam
    Sig = np.asarray(covariance(S, lam), dtype=float)
    B = Sig - t * np.eye(k)
    if np.linalg.eigvalsh(B).min() <= 0:
        raise ValueError(f"Sigma - I/lam must be positive definite for a finite inner max (lam={lam:g})")
    L = np.linalg.cholesky(S)
    Binv, Sinv = np.linalg.inv(B), np.linalg.inv(Sig)
    Binv, Sinv = 0.5 * (Binv + Binv.T), 0.5 * (Sinv + Sinv.T)
    half_logdet = 0.5 * np.linalg.slogdet(Sig)[1]
    iu = np.triu_indices(k)
    shift = np.zeros(k)
    shift[0] = mu_shift

    def penalised(x, y, mu):
        z = x - y[:, None] * mu
        # (Sigma - tI) delta = t z, per row. einsum: a (rows, k) x (k, k) matmul goes through
        # BLAS, several times slower for so small a k
        delta = t * np.einsum("ij,jk->ik", z, Binv)
        u = z + delta
        v = np.einsum("ij,jk->ik", u, Sinv)
        ell = 0.5 * np.einsum("ij,ij->i", u, v) + half_logdet
        d2 = np.einsum("ij,ij->i", delta, delta)
        return ell, d2, v

    def statistic(X, y):
        x = y[:, None] * mu_star + np.einsum("ij,kj->ik", X[:, 1:], L)
        ell, d2, v = penalised(x, y, mu_star)
        pen = ell - 0.5 * lam * d2
        g_sigma = 0.5 * (Sinv[iu][None, :] - v[:, iu[0]] * v[:, iu[1]])
        ell_s, d2_s, _ = penalised(x, y, mu_star + shift)
        pen_shift = ell_s - 0.5 * lam * d2_s
        return np.column_stack([d2, ell, pen, g_sigma, -y[:, None] * v, pen_shift - pen])

    q_grad_s = tuple(f"dL/dSigma[{i},{j}]" for i, j in zip(*iu))
    q_grad_m = tuple(f"dL/dmu[{i}]" for i in range(k))
    q_shift = f"L(mu* + {mu_shift:g} e1) - L(mu*)"
    q = (f"|delta*|^2 (= eps^2 = {eps * eps:.4g})", "NLL(x + delta*) (mean-square budget eps)",
         "NLL(x + delta*) - lam/2 |delta*|^2", *q_grad_s, *q_grad_m, q_shift)
    nll_lam = robust_gaussian_nll(Sig, mu_star, S, mu_star, lam=lam)
    analytic = {q[0]: float(energy(S, lam)),
                q[1]: float(robust_gaussian_nll(Sig, mu_star, S, mu_star, eps=eps)),
                q[2]: float(nll_lam),
                **{g: 0.0 for g in (*q_grad_s, *q_grad_m)},
                q_shift: float(robust_gaussian_nll(Sig, mu_star + shift, S, mu_star, lam=lam) - nll_lam)}
    spec = ", ".join(f"{s:.3g}" for s in np.linalg.eigvalsh(S))
    return MeanRun(f"Gaussian x|y ~ N(y mu*, Sigma*), d={k}, eig(Sigma*)=({spec}), mu*={pt.eta:g}*1, l2 "
                   f"eps={eps:g}, lam(eps)={lam:.4g}, Sigma_r(lam)", ToyModel(0.5, 0.0, k), statistic, q,
                   analytic, bounds=((q_shift, ">=", 0.0, "mu_r = mu*: moving the mean never lowers it"),))


def _runs_gaussian_mle(pt: Point) -> list:
    """Ilyas et al. Thm 2 at ``(p, eta, d, eps)``: dimension ``d``, mean ``eta * 1``, l2 budget ``eps``."""
    _require(pt.p == 0.5 and pt.eps > 0 and 1 <= pt.d <= 10,
             "p = 1/2 (uniform labels, no robust feature), an l2 budget eps > 0 and dimension 1 <= d <= 10", pt)
    return [_gaussian_mle_run(pt)]


def _plan_gaussian_mle():
    # The anisotropic 3-d covariance (eigenvalues 0.1, 1, 10) of the claim's analytic check,
    # at a small budget (lam = 11.2: Sigma_r near Sigma*, and Sigma_r without its I/lam term
    # still above I/lam, so the negative control of tests/test_mc_claims.py is finite) and a
    # large one (lam = 1.15: Sigma_r far from Sigma*).
    return [r for eps in (0.2, 1.0) for r in _runs_gaussian_mle(Point(0.5, 1.0, 3, eps))]


#: Claim name -> builder of its runs. Claims not listed have no meaningful sampling check.
PLANS: dict[str, Callable[[], list]] = {
    "claim_a": _plan_claim_a,
    "claim_b": _plan_claim_b,
    "theorem_2_1": _plan_theorem_2_1,
    "theorem_2_2_part1": _plan_theorem_2_2_part1,
    "theorem_2_2_part2": _plan_theorem_2_2_part2,
    "lemma_d3": _plan_lemma_d3,
    "lemma_d4": _plan_lemma_d4,
    "lemma_d1": _plan_lemma_d1,
    "lemma_d2": _plan_lemma_d2,
    "lemma_d5": _plan_lemma_d5,
    "bayes_optimality": _plan_bayes,
    "robust_x1": _plan_robust_x1,
    "tightness": _plan_tightness,
    "optimal_robust": _plan_optimal_robust,
    "gaussian_robust_mle": _plan_gaussian_mle,
    "theorem_f": _plan_theorem_f,
}

#: The model whose marginals are tested (run 0 of the stream).
MARGINAL_MODEL = ToyModel(0.9, 0.3, 101)  # odd d: the last block of a pair of normals is half used
_N_MARGINAL_TESTS = 5


#: Claim name -> builder of its runs at one point ``(p, eta, d, eps)`` (the campaigns).
POINT_RUNS: dict[str, Callable[[Point], list]] = {
    "claim_a": _runs_claim_a,
    "claim_b": _runs_claim_b,
    "theorem_2_1": _runs_theorem_2_1,
    "theorem_2_2_part1": _runs_theorem_2_2_part1,
    "theorem_2_2_part2": _runs_theorem_2_2_part2,
    "lemma_d1": _runs_lemma_d1,
    "lemma_d2": _runs_lemma_d2,
    "lemma_d3": _runs_lemma_d3,
    "lemma_d4": _runs_lemma_d4,
    "lemma_d5": _runs_lemma_d5,
    "bayes_optimality": _runs_bayes,
    "robust_x1": _runs_robust_x1,
    "tightness": _runs_tightness,
    "optimal_robust": _runs_optimal_robust,
    "gaussian_robust_mle": _runs_gaussian_mle,
    "theorem_f": _runs_theorem_f,
}


def plan(name: str) -> list:
    """The runs of claim ``name`` (empty when sampling has nothing meaningful to check)."""
    builder = PLANS.get(name)
    return [] if builder is None else builder()


def plan_at(name: str, point: Point) -> list:
    """The runs of claim ``name`` at one parameter point (``robtheory verify`` uses fixed points).

    Raises ValueError, naming the values, for an unknown claim, a claim without a Monte
    Carlo check, or a point outside the region the check needs.
    """
    if name not in POINT_RUNS:
        raise ValueError(f"no Monte Carlo check for claim {name!r}; those with one: {sorted(POINT_RUNS)}")
    if not isinstance(point, Point):
        raise ValueError(f"point must be a robtheory.claims.Point, got {point!r}")  # noqa: TRY004 (module convention)
    return POINT_RUNS[name](point)


def _first_run(name: str) -> int:
    """Index of the first run of claim ``name``: block ``1 + registry position`` of
    :data:`RUNS_PER_CLAIM` runs (block 0 holds the marginals)."""
    names = [c.name for c in REGISTRY]
    return (1 + names.index(name)) * RUNS_PER_CLAIM if name in names else 0


# ----------------------------------------------------------------------------- the column
def check_n(n) -> int:
    """``n`` as an int if it is a valid sample count per run (1 <= n <= 2**39), else a ValueError."""
    n, _ = ref.check_n_start(n)
    if n > MAX_N:
        raise ValueError(f"n must be <= 2**39 per run (runs use disjoint stream blocks), got n={n}")
    return n


class MonteCarloColumn:
    """Runs the plans of ``claims`` at ``n`` samples per run with one family-wise alpha.

    Parameters
    ----------
    claims : sequence of Claim
        The claims ``verify`` checks; they fix the family (their tests + 5 marginal tests).
    n : int, in [1, 2**39]
        Samples per run (at least 2 when a selected claim has mean tests: Theorem 2.2 (2),
        Lemmas D.1, D.2, D.5, the Gaussian robust MLE).
    seed : int, in [0, 2**64)
    backend : {"auto", "numpy", "numba", "cupy"}
        For the linear runs and the marginals (callable runs always use NumPy).
    total_alpha : float, in (0, 1)
        Family-wise false-alarm rate of the whole run.
    resolution : float, > 0
        Deviation of a probability (an accuracy, a marginal frequency) that every
        agreement and bound test of a probability must detect (with probability 1/2):
        a test that does not reject but cannot detect it is INCONCLUSIVE, not PASS.
    mean_resolution : float, > 0
        The same for the tests of means (hinge losses, loss differences, gradient
        components, the weak-feature moments of the marginals), in the statistic's units.
    """

    def __init__(self, claims, n: int = 10**6, seed: int = 0, backend: str = "auto",
                 total_alpha: float = engine.DEFAULT_TOTAL_ALPHA,
                 resolution: float = stats.DEFAULT_RESOLUTION,
                 mean_resolution: float = stats.DEFAULT_MEAN_RESOLUTION):
        n = check_n(n)
        self.n, self.seed = n, ref.check_seed(seed)
        self.resolution = stats.proportion_resolution(1, 0.5, 0.5, resolution).resolution  # validates
        self.mean_resolution = stats.mean_resolution(1, 0.0, 1.0, mean_resolution).resolution
        self.backend = engine.resolve_backend(backend)
        self.requested_backend = backend
        self.plans = {c.name: plan(c.name) for c in claims}
        for name, runs in self.plans.items():
            if len(runs) > RUNS_PER_CLAIM:  # pragma: no cover - a plan outgrew its block
                raise AssertionError(f"claim {name!r} has more than {RUNS_PER_CLAIM} runs")
            need = max((getattr(r, "min_n", 1) for r in runs), default=1)
            if n < need:
                raise ValueError(f"n must be >= {need} for the Monte Carlo check of claim {name!r} "
                                 f"(sample variances), got n={n}")
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
            recs = run.run(self.n, self.seed, start, self.backend, self.alpha,
                           resolution=self.resolution, mean_resolution=self.mean_resolution)
            for r in recs:
                r.update({"claim": claim.name, "seed": self.seed})
                self.backends_used.add(r["backend"])
            checks += recs
        res = MCResult(all(c["passed"] for c in checks), len(checks), _detail(checks), tuple(checks),
                       stats.worst_verdict(c["verdict"] for c in checks))
        self.results[claim.name] = res
        return res

    def marginals(self) -> dict:
        """The sampler's marginal tests (run 0), five members of the family."""
        if self.marginal_result is None:
            m = engine.check_marginals(MARGINAL_MODEL, self.n, self.seed, self.backend,
                                       total_alpha=self.alpha * _N_MARGINAL_TESTS, start=0)
            self.backends_used.add(m["backend"])
            tests = {k: m[k] for k in ("y", "x1_pos", "x1_neg", "mean", "var")}
            self._judge_marginals(m, tests)
            verdict = stats.worst_verdict(t["verdict"] for t in tests.values())
            self.marginal_result = {
                "model": {"p": MARGINAL_MODEL.p, "eta": MARGINAL_MODEL.eta, "d": MARGINAL_MODEL.d},
                "n": m["n"], "backend": m["backend"], "alpha": self.alpha, "passed": bool(m["passed"]),
                "verdict": verdict, "resolution": self.resolution, "mean_resolution": self.mean_resolution,
                "inconclusive": sum(t["verdict"] == stats.INCONCLUSIVE for t in tests.values()),
                "n_needed": _n_needed(tests.values()),
                "tests": tests,
                "detail": _marginal_detail(m, tests),
            }
        return self.marginal_result

    def _judge_marginals(self, m: dict, tests: dict) -> None:
        """Give each marginal test a verdict at the run's resolutions (in place; a test that
        could not run -- no sample of a class -- becomes an INCONCLUSIVE stub)."""
        n, n_pos = m["n"], m["sums"]["n_pos"]
        props = {"y": (n, 0.5), "x1_pos": (n_pos, MARGINAL_MODEL.p), "x1_neg": (n - n_pos, MARGINAL_MODEL.p)}
        # mean of y x_k (sd 1) and of x_k^2 (sd sqrt(2 + 4 eta^2)) over n d terms
        eta = MARGINAL_MODEL.eta
        sds = {"mean": 1.0, "var": math.sqrt(2 + 4 * eta**2)}
        zcrit = float(stats.two_sided_z(self.alpha))
        for key, t in list(tests.items()):
            if t is None:
                tests[key] = {"passed": True, "verdict": stats.INCONCLUSIVE, "resolution": self.resolution,
                              "min_detectable": math.inf, "n_needed": None,
                              "reason": "no sample of this class"}
                continue
            # n_needed in samples of the run: a class holds about half of them, and a
            # moment test averages n d terms
            if key in props:
                size, p0 = props[key]
                res = stats.proportion_resolution(size, p0, self.alpha, self.resolution)
                scale = 1 if key == "y" else 2
                need = None if res.n_needed is None else scale * res.n_needed
            else:
                res = stats.mean_resolution(n * m["d"], sds[key], zcrit, self.mean_resolution)
                need = None if res.n_needed is None else -(-res.n_needed // m["d"])
            res = stats.Resolution(res.resolution, res.min_detectable, res.resolved, need)
            t = dict(t)
            _judge(t, res)
            t.pop("inconclusive")
            tests[key] = t

    def passed(self) -> bool:
        """No test rejected (inconclusive tests do not count: see :meth:`verdict`)."""
        ok = all(r is None or r.passed for r in self.results.values())
        return ok and (self.marginal_result is None or self.marginal_result["passed"])

    def _all_checks(self) -> list:
        recs = [c for r in self.results.values() if r is not None for c in r.checks]
        if self.marginal_result is not None:
            recs += list(self.marginal_result["tests"].values())
        return recs

    def verdict(self) -> str:
        """FAIL if a test rejected, else INCONCLUSIVE if one could not resolve its resolution, else PASS."""
        return stats.worst_verdict(c["verdict"] for c in self._all_checks())

    def summary(self) -> dict:
        """Run-level facts for the JSON report (the per-claim tests are in the claim rows)."""
        recs = self._all_checks()
        return {"n": self.n, "seed": self.seed, "backend": self.requested_backend,
                "backends_used": sorted(self.backends_used), "total_alpha": self.total_alpha,
                "n_checks": self.n_checks, "alpha_per_check": self.alpha,
                "correction": "Bonferroni", "marginals": json_ready(self.marginal_result),
                "resolution": self.resolution, "mean_resolution": self.mean_resolution,
                "inconclusive": sum(c["verdict"] == stats.INCONCLUSIVE for c in recs),
                "n_needed": _n_needed(recs), "verdict": self.verdict(),
                "passed": self.passed()}

    def statement(self) -> str:
        recs = self._all_checks()
        count = {v: sum(c["verdict"] == v for c in recs) for v in stats.VERDICTS}
        text = (f"Monte Carlo: {count[stats.PASS]}/{self.n_checks} tests pass, "
                f"{count[stats.INCONCLUSIVE]} inconclusive, {count[stats.FAIL]} fail at n = {self.n} samples "
                f"per run (seed {self.seed}, backend {'/'.join(sorted(self.backends_used)) or self.backend}); "
                f"family-wise false-alarm rate {self.total_alpha:g} over all {self.n_checks} tests "
                f"(Bonferroni: {self.alpha:.3g} per test); resolution {self.resolution:g} in a probability, "
                f"{self.mean_resolution:g} in a mean")
        if count[stats.INCONCLUSIVE]:
            need = _n_needed(recs)
            text += ("; " + (f"--n {need} would make the inconclusive tests conclusive" if need is not None
                             else "no n makes every inconclusive test conclusive")
                     + " (or a coarser --resolution / --mean-resolution)")
        return text


def _fmt_md(x: float) -> str:
    return "inf" if not math.isfinite(x) else f"{x:.2g}"


def _detail(checks: list) -> str:
    agree = [c for c in checks if c["test"] == "agreement"]
    means = [c for c in checks if c["test"] == "mean"]
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
    if means:
        zmax = max(abs(c["z"]) for c in means)
        skew = max(abs(c["skewness_of_mean"]) for c in means)
        parts.append(f"{len(means)} mean test{'s' * (len(means) > 1)} (CLT z, closed-form losses/"
                     f"gradients), max |z| {zmax:.2f}, max skewness of a mean {skew:.2g}")
    inc = [c for c in checks if c.get("verdict") == stats.INCONCLUSIVE]
    if inc:
        need = _n_needed(inc)
        skewed = sum(not math.isfinite(c.get("critical_z", 0.0)) for c in inc)
        parts.append(f"{len(inc)} INCONCLUSIVE (cannot detect a deviation of the resolution"
                     + (f"; {skewed} with skewness of the mean > {MAX_SKEWNESS_OF_MEAN:g}" if skewed else "")
                     + (f": n >= {need} would resolve them" if need is not None else "") + ")")
    if bounds:
        parts.append(f"{len(bounds)} bound test{'s' * (len(bounds) > 1)} "
                     f"({sum(c['passed'] for c in bounds)} hold)")
    bad = [c for c in checks if not c["passed"]]
    if bad:
        c = bad[0]
        parts.append(f"FIRST FAILURE: {c['label']} {c['quantity']}: estimate {c['estimate']:.6g} "
                     f"vs {c['analytic']:.6g}")
    return "; ".join(parts)


def _marginal_detail(m: dict, tests: dict | None = None) -> str:
    bits = []
    for k in ("y", "x1_pos", "x1_neg", "mean", "var"):
        t = m[k]
        if t is not None:
            bits.append(f"{k} z={t['z']:+.2f}")
    text = f"D({MARGINAL_MODEL.p:g}, {MARGINAL_MODEL.eta:g}, {MARGINAL_MODEL.d}), n={m['n']}: " + ", ".join(bits)
    inc = [k for k, t in (tests or {}).items() if t["verdict"] == stats.INCONCLUSIVE]
    if inc:
        need = _n_needed([tests[k] for k in inc])
        text += f"; INCONCLUSIVE: {', '.join(inc)}" + (f" (n >= {need} would resolve them)" if need else "")
    return text


@contextlib.contextmanager
def registered(col: MonteCarloColumn):
    """Register ``col`` as the ``"mc"`` column for the duration of a ``with`` block; yields it."""
    from robtheory import claims as _claims

    with _claims.column_registered("mc", col):
        yield col
