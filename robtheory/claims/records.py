r"""The records of the Monte Carlo tests: one dict per test, built here and nowhere else.

Three kinds of test, each with its record builder:

* **agreement** (:func:`_agreement_record`) -- :math:`H_0: P(\text{correct}) = a` for a
  closed-form probability :math:`a`, by the exact binomial test of
  :func:`robtheory.stats.agreement_test`;
* **bound** -- one-sided tests of a claim's inequality: of a probability from Clopper--Pearson
  confidence limits (:func:`_bound_record`), of a mean from its CLT confidence limit
  (:func:`_mean_bound_record`, critical value :func:`robtheory.stats.moments.one_sided_z`);
* **mean** (:func:`_mean_record`) -- :math:`H_0: E[T] = a` for a per-sample statistic, a
  two-sided CLT z-test.

Every record gets a three-way verdict from :func:`_judge` (PASS, INCONCLUSIVE, FAIL) against a
stated resolution. The keys of a record are those of the ``checks`` of ``verify --json``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

from scipy.special import ndtr

from robtheory import stats
from robtheory.stats.moments import mean_z, one_sided_z
from robtheory.theory.closed_form import theorem_2_1_bound

__all__ = ["CI_ALPHA", "MAX_SKEWNESS_OF_MEAN", "CheckRecord", "Theorem21Sample", "theorem_2_1_sampled"]

class CheckRecord(TypedDict, total=False):
    """One Monte Carlo test: a dict with these keys (those of ``verify --json``'s ``checks``;
    the campaign CSV reads them too). Which keys a record has depends on its ``test``."""

    label: str
    quantity: str
    #: ``agreement``, ``bound`` or ``mean``.
    test: str
    estimate: float
    count: int
    n: int
    ci: list[float]
    #: The closed form (agreement, mean) or the bound's value (bound).
    analytic: float
    passed: bool
    p_value: float
    z: float
    alpha: float
    min_detectable: float
    min_detectable_below: float | None
    min_detectable_above: float | None
    #: ``<=`` or ``>=`` (bound tests).
    relation: str
    #: What the bound says (bound tests).
    bound: str
    confidence_limit: float
    std_error: float
    critical_z: float
    skewness_of_mean: float
    verdict: str
    resolution: float | None
    n_needed: int | None
    inconclusive: bool
    backend: str
    start: int
    claim: str
    seed: int
    bound_at_closed_form: float
    method: str
    stream_seed: int

#: Confidence level of the reported intervals is ``1 - CI_ALPHA`` (the tests use their own alpha).
CI_ALPHA = 0.05


def _n_needed(checks: Iterable[Mapping[str, Any]]) -> int | None:
    """Largest ``n_needed`` over the inconclusive records (None if there are none or one has none)."""
    need = [c.get("n_needed") for c in checks if c.get("verdict") == stats.INCONCLUSIVE]
    if not need or any(v is None for v in need):
        return None
    return max(int(v) for v in need if v is not None)


def _judge(rec: CheckRecord, res: stats.Resolution | None, *, cannot_judge: bool = False) -> CheckRecord:
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
                      alpha: float, resolution: float | None = None) -> CheckRecord:
    r = stats.agreement_test(count, n, float(analytic), alpha)
    rec: CheckRecord = {"label": label, "quantity": quantity, "test": "agreement",
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
                  resolution: float | None = None) -> CheckRecord:
    r"""One-sided test of the claim's inequality ``P(correct) <relation> bound``.

    ``<=`` fails iff the lower one-sided :math:`1-\alpha` Clopper--Pearson limit exceeds the
    bound; ``>=`` iff the upper limit falls short of it. ``limit`` overrides the limit (the
    Theorem 2.1 test supplies it with half the alpha, see :class:`TradeoffRun`).
    """
    if limit is None:
        limit = _one_sided_limit(count, n, alpha, "lower" if relation == "<=" else "upper")
    passed = limit <= bound if relation == "<=" else limit >= bound
    rec: CheckRecord = {"label": label, "quantity": quantity, "test": "bound", "relation": relation,
           "estimate": count / n, "count": count, "n": n, "ci": _ci(count, n),
           "analytic": float(bound), "bound": what, "confidence_limit": float(limit),
           "passed": bool(passed), "alpha": alpha,
           "min_detectable": _bound_detectable(n, float(bound), alpha, relation)}
    return _judge(rec, _bound_resolution(n, float(bound), alpha, relation, resolution))


# ----------------------------------------------------------------------------- runs
def _stamp(records: list[CheckRecord], backend: str, start: int) -> list[CheckRecord]:
    for r in records:
        r["backend"], r["start"] = backend, start
    return records


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
                 analytic: float, alpha: float, resolution: float | None = None) -> CheckRecord:
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
    z = mean_z(mean, se, float(analytic))
    g = float(skew) / math.sqrt(n)
    # A sample without any variation that misses the closed form (e.g. ten hinge losses,
    # all 0, of a statistic that is positive on 0.1% of samples) says nothing about the
    # mean's law: the CLT does not apply, so no verdict either way.
    inconclusive = abs(g) > MAX_SKEWNESS_OF_MEAN or (se == 0 and math.isinf(z))
    zcrit = math.inf if inconclusive else one_sided_z(alpha / 2, g)
    p_value = float(2 * ndtr(-abs(z)))
    half = 1.959963984540054 * se  # the reported interval is at level 1 - CI_ALPHA
    rec: CheckRecord = {"label": label, "quantity": quantity, "test": "mean", "estimate": float(mean),
           "std_error": se, "n": n, "ci": [float(mean - half), float(mean + half)],
           "analytic": float(analytic), "passed": bool(abs(z) <= zcrit), "p_value": p_value,
           "z": float(z), "critical_z": zcrit, "alpha": alpha, "min_detectable": zcrit * se,
           "skewness_of_mean": g}
    return _judge(rec, _mean_resolution(n, var, skew, alpha / 2, resolution), cannot_judge=inconclusive)


def _mean_bound_record(label: str, quantity: str, mean: float, var: float, skew: float, n: int,
                       relation: str, bound: float, alpha: float, what: str,
                       resolution: float | None = None) -> CheckRecord:
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
    rec: CheckRecord = {"label": label, "quantity": quantity, "test": "bound", "relation": relation,
           "estimate": float(mean), "std_error": se, "n": n,
           "ci": [float(mean - 1.959963984540054 * se), float(mean + 1.959963984540054 * se)],
           "analytic": float(bound), "bound": what, "confidence_limit": float(limit),
           "critical_z": z, "passed": bool(passed), "alpha": alpha, "min_detectable": z * se,
           "skewness_of_mean": g}
    return _judge(rec, _mean_resolution(n, var, skew, alpha, resolution), cannot_judge=inconclusive)


@dataclass(frozen=True)
class Theorem21Sample:
    """The sampled test of Theorem 2.1's inequality (:func:`theorem_2_1_sampled`)."""

    #: Upper one-sided Clopper--Pearson limit, at alpha/2, of the standard error rate.
    error_upper: float
    #: Lower one-sided Clopper--Pearson limit, at alpha/2, of the robust accuracy.
    robust_lower: float
    #: The theorem's bound at ``error_upper``: p/(1-p) U_err.
    bound: float
    #: False exactly when the test rejects the theorem: ``robust_lower > bound``.
    consistent: bool


def theorem_2_1_sampled(p: float, std_count: int, std_n: int, rob_count: int, rob_n: int, alpha: float,
                        bound_fn: Callable[..., Any] = theorem_2_1_bound) -> Theorem21Sample:
    r"""The one sampled test of Theorem 2.1: :math:`\mathrm{acc}_\varepsilon \le \frac{p}{1-p}(1-\mathrm{acc})`.

    ``std_count`` of ``std_n`` samples classified correctly (standard) and ``rob_count`` of
    ``rob_n`` (under the attack), on independent samples. Rejects iff
    :math:`L_{\text{rob}} > \frac{p}{1-p} U_{\text{err}}`, with :math:`L_{\text{rob}}` the lower
    one-sided Clopper--Pearson limit of the robust accuracy and :math:`U_{\text{err}}` the upper one
    of the standard error rate, each at :math:`\alpha/2`. Why this statistic: if the theorem holds,
    both limits lie on the right side of the truths with probability :math:`\ge 1 - \alpha` (union
    bound), and then :math:`L_{\text{rob}} \le \mathrm{acc}_\varepsilon \le \frac{p}{1-p}(1 -
    \mathrm{acc}) \le \frac{p}{1-p}U_{\text{err}}`: a false alarm has probability :math:`\le \alpha`,
    exactly (no normal approximation). :math:`U_{\text{err}}` is computed from the *error* count
    (beta-quantile symmetry makes it :math:`1 - L_{\text{std}}`, the lower limit of the accuracy),
    so it keeps its digits when the error rate is small, where :math:`1 - L_{\text{std}}` would
    cancel. ``bound_fn(p, error_rate=delta)`` is the theorem's right-hand side (replaceable only to
    show that the test rejects a wrong bound).
    """
    err_hi = _one_sided_limit(std_n - std_count, std_n, alpha / 2, "upper")
    rob_lo = _one_sided_limit(rob_count, rob_n, alpha / 2, "lower")
    bound = float(bound_fn(p, error_rate=err_hi))
    return Theorem21Sample(err_hi, rob_lo, bound, bool(rob_lo <= bound))
