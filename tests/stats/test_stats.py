"""Tests of robtheory.stats: intervals, estimates, agreement tests and planning helpers."""

from __future__ import annotations

import dataclasses
import importlib
import math

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import special
from scipy import stats as sps

from robtheory import stats as S

EPS = np.finfo(np.float64).eps

# --------------------------------------------------------------------------- strategies
ns = st.integers(1, 2**40)
alphas = st.floats(1e-12, 0.5)


@st.composite
def count_n(draw, n_strategy=ns):
    n = draw(n_strategy)
    k = draw(st.one_of(st.integers(0, n), st.sampled_from([0, n]), st.integers(0, min(n, 5))))
    return k, n


INTERVALS = [S.wilson_interval, S.clopper_pearson_interval]
CP_RTOL = 4096 * EPS  # accuracy of scipy.stats.beta.ppf/isf, see test_interval_properties


# --------------------------------------------------------------------------- Estimate
def test_estimate_fields_and_derived_value():
    e = S.Estimate(count=3, n=10, ci=(0.1, 0.6), level=0.95)
    assert (e.count, e.n, e.estimate, e.ci, e.level) == (3, 10, 0.3, (0.1, 0.6), 0.95)
    assert e.std_error == pytest.approx(math.sqrt(0.3 * 0.7 / 10))
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.count = 4  # type: ignore[misc]
    big = S.Estimate(count=np.int64(3 * 2**31), n=2**33, ci=(0.0, 1.0), level=0.5)
    assert big.estimate == 0.75 and type(big.count) is int


@pytest.mark.parametrize(
    "count, n, match",
    [
        (-1, 10, "count=-1"),
        (11, 10, "count=11 > n=10"),
        (0, 0, "n=0"),
        (0, -5, "n=-5"),
        (2.5, 10, "2.5"),
        (3, 10.0, "10.0"),
        (True, 10, "True"),
        ("3", 10, "'3'"),
    ],
)
def test_estimate_rejects_bad_counts(count, n, match):
    with pytest.raises(ValueError, match=match):
        S.Estimate(count=count, n=n, ci=(0.0, 1.0), level=0.95)


@pytest.mark.parametrize(
    "ci, level, match",
    [
        ((0.4, 0.6), 0.95, "ci"),
        ((0.2, 0.1), 0.95, "ci"),
        ((0.1,), 0.95, "ci"),
        ((0.1, 0.6), 1.0, "level"),
    ],
)
def test_estimate_rejects_bad_interval(ci, level, match):
    with pytest.raises(ValueError, match=match):
        S.Estimate(count=3, n=10, ci=ci, level=level)


@pytest.mark.parametrize("method", ["clopper-pearson", "wilson"])
def test_binomial_estimate(method):
    e = S.binomial_estimate(7, 40, alpha=0.01, method=method)
    fn = S.clopper_pearson_interval if method == "clopper-pearson" else S.wilson_interval
    assert e.ci == tuple(float(v) for v in fn(7, 40, 0.01))
    assert e.level == 0.99 and e.estimate == 7 / 40
    with pytest.raises(ValueError, match="method"):
        S.binomial_estimate(7, 40, method="agresti")


# --------------------------------------------------------------------------- intervals
def _wilson_mp(k: int, n: int, a: float) -> tuple[float, float]:
    """Textbook Wilson roots (B -+ sqrt(B^2 - 4AC)) / 2A in 50-digit arithmetic."""
    with mpmath.workdps(50):
        z = -mpmath.sqrt(2) * mpmath.erfinv(mpmath.mpf(a) - 1)  # Phi^{-1}(a/2) = -z
        A, B, C = n + z * z, 2 * k + z * z, mpmath.mpf(k) ** 2 / n
        root = mpmath.sqrt(B * B - 4 * A * C)
        return float((B - root) / (2 * A)), float((B + root) / (2 * A))


CASES = [(3, 10, 0.05), (0, 17, 0.01), (250, 1000, 1e-6), (999, 1000, 0.2), (7, 2**40, 1e-9)]


@pytest.mark.parametrize("k, n, a", CASES)
def test_wilson_matches_high_precision_and_scipy(k, n, a):
    lo, hi = S.wilson_interval(k, n, a)
    ref_lo, ref_hi = _wilson_mp(k, n, a)
    # a few roundings in ndtri, the quadratic and the reflection: 16 eps relative
    assert lo == pytest.approx(ref_lo, rel=16 * EPS, abs=1e-300)
    assert hi == pytest.approx(ref_hi, rel=16 * EPS)
    # scipy forms z from ndtri(1 - a/2), whose rounding costs ~eps / a relative in the
    # tail probability, so it is only compared loosely.
    ref = sps.binomtest(k, n).proportion_ci(confidence_level=1 - a, method="wilson")
    assert lo == pytest.approx(ref.low, rel=1e-8, abs=1e-300)
    assert hi == pytest.approx(ref.high, rel=1e-8)


@pytest.mark.parametrize("k, n, a", CASES[:4])
def test_clopper_pearson_matches_scipy(k, n, a):
    lo, hi = S.clopper_pearson_interval(k, n, a)
    ref = sps.binomtest(k, n).proportion_ci(confidence_level=1 - a, method="exact")
    assert lo == pytest.approx(ref.low, rel=1e-10, abs=1e-300)
    assert hi == pytest.approx(ref.high, rel=1e-10)


@pytest.mark.parametrize("fn", INTERVALS)
@pytest.mark.parametrize("n", [1, 10, 2**31 + 7, 2**45])
def test_intervals_exact_at_the_ends(fn, n):
    lo0, hi0 = fn(0, n, 0.05)
    lon, hin = fn(n, n, 0.05)
    assert lo0 == 0.0 and 0.0 < hi0 < 1.0
    assert hin == 1.0 and 0.0 < lon < 1.0
    # count = 0 at 1 - alpha/2 has the closed form hi = 1 - (alpha/2)^(1/n) for CP
    if fn is S.clopper_pearson_interval:
        assert hi0 == pytest.approx(-math.expm1(math.log(0.025) / n), rel=1e-9)


@pytest.mark.parametrize("fn", INTERVALS)
def test_intervals_vectorised_with_int64_past_2_31(fn):
    n = np.array([2**33, 2**33, 10], dtype=np.int64)
    k = np.array([3 * 2**31, 0, 10], dtype=np.int64)
    lo, hi = fn(k, n, np.array([[0.05], [1e-6]]))
    assert lo.shape == hi.shape == (2, 3)
    assert np.all(lo <= k / n) and np.all(k / n <= hi)
    assert np.all(hi[:, 0] - lo[:, 0] < 1e-4)
    assert np.all(lo[1] <= lo[0]) and np.all(hi[1] >= hi[0])


@given(kn=count_n(), a1=alphas, a2=alphas)
def test_interval_properties(kn, a1, a2):
    k, n = kn
    a1, a2 = min(a1, a2), max(a1, a2)
    for fn in INTERVALS:
        lo1, hi1 = fn(k, n, a1)
        lo2, hi2 = fn(k, n, a2)
        assert 0.0 <= lo1 <= k / n <= hi1 <= 1.0
        # lo > 0 for k > 0 is representable (>= ~alpha / 2n); hi < 1 for k < n may round
        # to 1.0 (1 - (alpha/2)/n is within half an ulp of 1 for large n), so only "=>"
        assert (k == 0) == (lo1 == 0.0)
        assert k < n or hi1 == 1.0
        # smaller alpha -> wider interval. Wilson is monotone to the last bit (every step
        # is a monotone correctly rounded operation); scipy's beta quantile behind
        # Clopper-Pearson stops its root finding short of full precision (worst seen:
        # ~530 eps relative over 2e4 random cases), hence CP_RTOL.
        rtol = 0.0 if fn is S.wilson_interval else CP_RTOL
        assert lo1 <= lo2 * (1 + rtol) and hi1 >= hi2 * (1 - rtol)


@given(kn=count_n(st.integers(1, 10**6)), a=alphas)
def test_interval_symmetry(kn, a):
    """Swapping successes and failures reflects the interval: lo(k) = 1 - hi(n - k)."""
    k, n = kn
    lo, hi = S.wilson_interval(k, n, a)
    lo_r, hi_r = S.wilson_interval(n - k, n, a)
    # hi is computed as 1 - lo(n - k); only the rounding of 1 - x separates them
    assert lo == pytest.approx(1.0 - hi_r, rel=0, abs=EPS) and hi == pytest.approx(
        1.0 - lo_r, rel=0, abs=EPS
    )
    lo, hi = S.clopper_pearson_interval(k, n, a)
    lo_r, hi_r = S.clopper_pearson_interval(n - k, n, a)
    assert lo == pytest.approx(1.0 - hi_r, rel=1e-8, abs=4 * EPS)
    assert hi == pytest.approx(1.0 - lo_r, rel=1e-8, abs=4 * EPS)


@pytest.mark.parametrize("alpha", [0.05, 0.01])
def test_clopper_pearson_coverage_is_guaranteed(alpha):
    """Exact coverage sum_k pmf(k; n, p) [lo_k <= p <= hi_k] >= 1 - alpha, for all p."""
    n = 60
    k = np.arange(n + 1)
    lo, hi = S.clopper_pearson_interval(k, n, alpha)
    for p in np.linspace(0.001, 0.999, 211):
        cover = np.sum(sps.binom.pmf(k, n, p) * ((lo <= p) & (p <= hi)))
        assert cover >= 1 - alpha - 1e-12


def test_interval_argument_validation():
    with pytest.raises(ValueError, match="alpha"):
        S.wilson_interval(1, 10, 0.0)
    with pytest.raises(ValueError, match="count=11"):
        S.clopper_pearson_interval([1, 11], 10)
    with pytest.raises(ValueError, match="integers"):
        S.wilson_interval([1.5], 10)


# --------------------------------------------------------------------------- p-values
def test_two_sided_z():
    assert S.two_sided_z(0.05) == pytest.approx(1.959963984540054, rel=1e-14)
    assert S.two_sided_z(1e-6) == pytest.approx(4.891638475698358, rel=1e-12)


def test_exact_p_value_is_binomtest_at_one_half():
    """At p0 = 1/2 the equal-tailed and the minimum-likelihood rules coincide."""
    n = 301
    for k in [0, 5, 120, 150, 151, 200, 301]:
        ours = S.binomial_p_value(k, n, 0.5, method="exact")
        assert ours == pytest.approx(sps.binomtest(k, n, 0.5).pvalue, rel=1e-10, abs=1e-300)


@pytest.mark.parametrize("n", [10**3, 10**4, 10**5])
@pytest.mark.parametrize("p0", [0.05, 0.3, 0.5])
def test_exact_and_normal_p_values_agree(n, p0):
    """|exact - normal| <= 2 B, B the Berry-Esseen bound of one tail (see the docstring)."""
    sd = math.sqrt(n * p0 * (1 - p0))
    k = np.unique(np.clip(np.round(n * p0 + sd * np.linspace(-6, 6, 97)), 0, n)).astype(np.int64)
    exact = S.binomial_p_value(k, n, p0, method="exact")
    approx = S.binomial_p_value(k, n, p0, method="normal")
    assert np.max(np.abs(exact - approx)) <= 2 * S.berry_esseen_bound(n, p0)


@given(kn=count_n(st.integers(1, 10**6)), a=st.floats(1e-9, 0.5))
def test_exact_test_is_dual_to_clopper_pearson(kn, a):
    """p_value > alpha  <=>  p0 inside the Clopper-Pearson interval at the same alpha."""
    k, n = kn
    lo, hi = S.clopper_pearson_interval(k, n, a)
    assert S.binomial_p_value(k, n, 0.5 * (lo + hi), method="exact") > a
    if lo > 1e-300:
        assert S.binomial_p_value(k, n, lo * (1 - 1e-4), method="exact") <= a
        assert S.binomial_p_value(k, n, lo + 1e-4 * (k / n - lo), method="exact") > a
    if hi < 1.0:
        assert S.binomial_p_value(k, n, hi + 1e-4 * (1 - hi), method="exact") <= a
        assert S.binomial_p_value(k, n, hi - 1e-4 * (hi - k / n), method="exact") > a


# --------------------------------------------------------------------------- agreement
def test_agreement_fields():
    r = S.agreement_test(330, 1000, 0.3, 0.01)
    sd = math.sqrt(0.3 * 0.7 / 1000)
    assert r.z == pytest.approx((0.33 - 0.3) / sd)
    assert r.p_value == pytest.approx(S.binomial_p_value(330, 1000, 0.3, method="exact"))
    assert r.passed == (r.p_value > 0.01) and r.method == "exact"
    assert r.min_detectable == pytest.approx(S.two_sided_z(0.01) * sd + 0.5 / 1000)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.passed = False  # type: ignore[misc]


@pytest.mark.parametrize(
    "count, n, p0, passed, z",
    [
        (0, 50, 0.0, True, 0.0),
        (1, 50, 0.0, False, math.inf),
        (50, 50, 1.0, True, 0.0),
        (49, 50, 1.0, False, -math.inf),
    ],
)
def test_agreement_degenerate_p0(count, n, p0, passed, z):
    r = S.agreement_test(count, n, p0, 1e-6)
    assert r.passed is passed and r.z == z and r.p_value == (1.0 if passed else 0.0)
    assert r.min_detectable == pytest.approx(1 - 0.5 ** (1 / n))


@pytest.mark.parametrize(
    "n, p0",
    [(10**4, 0.3), (10**6, 0.02), (3 * 2**31, 0.45), (2**40, 1e-3), (2**40, 0.0)],
)
def test_agreement_accepts_truth_and_rejects_negative_control(n, p0):
    """At alpha = 1e-6 the true p0 passes; p0 + 4 * min_detectable is rejected.

    min_detectable (power 1/2) is the rejection threshold a itself, so at p1 = p0 + 4a
    the acceptance region |k/n - p0| <= a lies >= 3a ~ 3 z sd below the mean: a miss
    has probability about Phi(-3 * 4.89) < 1e-30 (and 0.5^4 at p0 = 0).
    """
    alpha = 1e-6
    rng = np.random.default_rng(20190101)
    k_true = int(rng.binomial(n, p0))
    ok = S.agreement_test(k_true, n, p0, alpha)
    assert ok.passed, ok
    assert ok.method == "exact"
    p1 = p0 + 4 * ok.min_detectable
    assert p1 < 1
    k_wrong = int(rng.binomial(n, p1))
    bad = S.agreement_test(k_wrong, n, p0, alpha)
    assert not bad.passed, bad
    assert bad.z > 0


def test_agreement_past_exact_range_uses_normal():
    n = 2**54
    k = n // 4 + 3 * 2**26
    r = S.agreement_test(k, n, 0.25, 1e-6)
    assert r.method == "normal"
    assert r.z == pytest.approx(3 * 2**26 / math.sqrt(n * 0.25 * 0.75), rel=1e-9)
    assert r.p_value == pytest.approx(math.erfc(r.z / math.sqrt(2)), rel=1e-6)


def test_agreement_argument_validation():
    with pytest.raises(ValueError, match="p0"):
        S.agreement_test(1, 10, 1.5, 0.01)
    with pytest.raises(ValueError, match="alpha"):
        S.agreement_test(1, 10, 0.5, 1.0)
    with pytest.raises(ValueError, match="count=11"):
        S.agreement_test(11, 10, 0.5, 0.01)
    with pytest.raises(ValueError, match="power"):
        S.agreement_test(1, 10, 0.5, 0.01, power=0.3)
    with pytest.raises(ValueError, match="method"):
        S.agreement_test(1, 10, 0.5, 0.01, method="bayes")


# --------------------------------------------------------------------------- detectability
def _exact_power(n: int, p0: float, p1: float, alpha: float) -> float:
    """P_{p1}(exact test rejects), summing the binomial over the rejection region."""
    sd = math.sqrt(n * max(p0 * (1 - p0), p1 * (1 - p1)))
    lo = max(0, int(min(n * p0, n * p1) - 12 * sd))
    hi = min(n, int(max(n * p0, n * p1) + 12 * sd) + 1)
    k = np.arange(lo, hi + 1)
    reject = S.binomial_p_value(k, n, p0, method="exact") <= alpha
    inside = np.sum(sps.binom.pmf(k[reject], n, p1))
    outside = sps.binom.cdf(lo - 1, n, p1) + sps.binom.sf(hi, n, p1)
    return float(inside + outside)


@pytest.mark.parametrize("power", [0.5, 0.9])
@pytest.mark.parametrize("p0", [0.3, 0.05])
def test_min_detectable_is_calibrated(power, p0):
    """The exact power at p0 + min_detectable matches the requested power.

    Error budget (n = 1e6): the normal approximation of the rejection threshold is off
    by at most 2 B(p0) in p-value, i.e. 2 B / (2 phi(z)) in z units, which moves the
    power by at most phi(0) times that; the power tail itself is within B(p1).
    """
    n, alpha = 10**6, 0.05
    md = S.min_detectable(n, p0, alpha, power, side="above")
    got = _exact_power(n, p0, p0 + md, alpha)
    z = S.two_sided_z(alpha)
    b0, b1 = S.berry_esseen_bound(n, p0), S.berry_esseen_bound(n, p0 + md)
    tol = 2 * b0 / (2 * sps.norm.pdf(z)) * sps.norm.pdf(0) + b1
    assert abs(got - power) <= tol


def test_min_detectable_cases():
    z = S.two_sided_z(1e-6)
    assert S.min_detectable(10**6, 0.3, 1e-6) == pytest.approx(
        z * math.sqrt(0.21 / 10**6) + 0.5e-6, rel=1e-12
    )
    assert S.min_detectable(100, 0.01, 0.05, side="below") == math.inf
    assert S.min_detectable(100, 0.01, 0.05) == math.inf
    assert math.isfinite(S.min_detectable(100, 0.01, 0.05, side="above"))
    assert S.min_detectable(10, 0.0, 0.05) == pytest.approx(1 - 0.5**0.1)
    with pytest.raises(ValueError, match="side"):
        S.min_detectable(10, 0.0, 0.05, side="below")


@given(
    n=st.integers(1, 2**50),
    p0=st.floats(0.0, 1.0),
    alpha=st.floats(1e-12, 0.5),
    power=st.floats(0.5, 0.999),
)
def test_min_detectable_monotone(n, p0, alpha, power):
    """More samples detect smaller deviations; more power or less alpha needs larger ones."""
    md = S.min_detectable(n, p0, alpha, power)
    assert md > 0
    assert S.min_detectable(2 * n, p0, alpha, power) <= md
    assert S.min_detectable(n, p0, alpha / 10, power) >= md
    assert S.min_detectable(n, p0, alpha, min(0.9995, power + 0.0005)) >= md


@given(
    delta=st.floats(1e-6, 0.5),
    p0=st.floats(0.0, 1.0),
    alpha=st.floats(1e-9, 0.2),
    power=st.floats(0.5, 0.99),
)
def test_n_for_detectable_is_smallest(delta, p0, alpha, power):
    """n is the first sample size at which every possible deviation >= delta is detected."""
    sides = [s for s, room in (("above", 1 - p0), ("below", p0)) if room >= delta]

    def md(n):
        return max(S.min_detectable(n, p0, alpha, power, side=s) for s in sides)

    n = S.n_for_detectable(delta, p0, alpha, power)
    assert md(n) <= delta
    if n > 1:
        assert md(n - 1) > delta
    if p0 >= delta and 1 - p0 >= delta:
        assert S.min_detectable(n, p0, alpha, power) <= delta


def test_n_for_detectable_matches_closed_form():
    """For n p0 q0 >> z^2: n ~ ((z_a sqrt(p0 q0) + z_b sqrt(p1 q1)) / delta)^2."""
    delta, p0, alpha, power = 1e-3, 0.3, 1e-6, 0.9
    z_a, z_b = S.two_sided_z(alpha), special.ndtri(power)
    s_max = max(
        z_a * math.sqrt(p0 * (1 - p0)) + z_b * math.sqrt(p1 * (1 - p1))
        for p1 in (p0 - delta, p0 + delta)
    )
    assert S.n_for_detectable(delta, p0, alpha, power) == pytest.approx(
        (s_max / delta) ** 2, rel=2e-3
    )


def test_familywise_alpha():
    assert S.familywise_alpha(1e-3, 20) == pytest.approx(5e-5)
    assert S.familywise_alpha(0.05, 1) == 0.05
    for bad in [0, -1, 2.0, True]:
        with pytest.raises(ValueError, match="n_checks"):
            S.familywise_alpha(0.05, bad)
    with pytest.raises(ValueError, match="total_alpha"):
        S.familywise_alpha(1.5, 3)


# --------------------------------------------------------------------------- resolution and verdicts
def _threshold(n, p0, alpha):
    """Rejection threshold of the continuity-corrected normal test, written out here."""
    z = -float(special.ndtri(alpha / 2))
    return z * math.sqrt(p0 * (1 - p0) / n) + 0.5 / n


@pytest.mark.parametrize("n, p0, alpha, res", [
    (10**6, 0.5, 1e-8, 5e-3), (10**6, 0.9, 1e-6, 1e-3), (2000, 0.3, 1e-3, 0.05), (10, 0.7, 1e-6, 5e-3),
])
def test_proportion_resolution_against_the_threshold(n, p0, alpha, res):
    r = S.proportion_resolution(n, p0, alpha, res)
    # interior p0 with room >= res on both sides: at power 1/2 the detectable deviation is
    # the threshold itself (or inf when the threshold leaves no room)
    a = _threshold(n, p0, alpha)
    assert r.min_detectable == (pytest.approx(a) if a <= min(p0, 1 - p0) else math.inf)
    assert r.resolved == (a <= res)
    m = r.n_needed  # the smallest n whose threshold is within the resolution
    assert _threshold(m, p0, alpha) <= res < _threshold(m - 1, p0, alpha)


def test_proportion_resolution_counts_only_sides_with_room():
    # an error rate of 1e-5 cannot fall by 0.005: only a rise must be detectable
    r = S.proportion_resolution(10**6, 1e-5, 1e-8, 5e-3)
    assert S.min_detectable(10**6, 1e-5, 1e-8) == math.inf  # the two-sided value
    assert r.resolved and r.min_detectable == pytest.approx(S.min_detectable(10**6, 1e-5, 1e-8, side="above"))
    # a bound test '<=' at 1 - 1e-5 can only be violated by 1e-5 < resolution: nothing to detect
    assert S.proportion_resolution(10, 1 - 1e-5, 1e-6, 5e-3, side="above").resolved
    # but '>=' at the same value must see a shortfall of 0.005, which 10 samples cannot
    assert not S.proportion_resolution(10, 1 - 1e-5, 1e-6, 5e-3, side="below").resolved
    with pytest.raises(ValueError, match="resolution"):
        S.proportion_resolution(10, 0.5, 0.1, 0.0)
    with pytest.raises(ValueError, match="resolution"):
        S.proportion_resolution(10, 0.5, 0.1, math.nan)


def test_mean_resolution():
    r = S.mean_resolution(10**6, 2.0, 6.0, 0.02)
    assert r.min_detectable == pytest.approx(6.0 * 2.0 / 1000) and r.resolved
    assert r.n_needed == math.ceil((6.0 * 2.0 / 0.02) ** 2) == 360000
    assert not S.mean_resolution(1000, 2.0, 6.0, 0.02).resolved
    # a critical value that is infinite below 5000 samples (too skewed to judge)
    r = S.mean_resolution(10, 0.001, math.inf, 0.02, z_at=lambda m: 6.0 if m >= 5000 else math.inf)
    assert not r.resolved and r.min_detectable == math.inf and r.n_needed >= 5000
    assert S.mean_resolution(10, 0.0, 6.0, 0.02).resolved  # a constant statistic


def test_verdicts():
    assert S.verdict(True, True) == S.verdict(True, False) == "FAIL"  # a rejection whatever the power
    assert S.verdict(False, True) == "PASS" and S.verdict(False, False) == "INCONCLUSIVE"
    assert S.worst_verdict([]) == "PASS"
    assert S.worst_verdict(["PASS", "INCONCLUSIVE", "PASS"]) == "INCONCLUSIVE"
    assert S.worst_verdict(["INCONCLUSIVE", "FAIL"]) == "FAIL"
    with pytest.raises(ValueError, match="MAYBE"):
        S.worst_verdict(["MAYBE"])


# --------------------------------------------------------------------------- layout
# The public API as it stood when robtheory.stats was one module: every name keeps
# working from robtheory.stats, and each lives in the module of its subject.
_SUBJECTS = {
    "robtheory.stats.intervals": [
        "DEFAULT_ALPHA", "Estimate", "binomial_estimate", "clopper_pearson_interval",
        "two_sided_z", "wilson_interval",
    ],
    "robtheory.stats.tests": [
        "BERRY_ESSEEN_C", "EXACT_MAX_N", "AgreementResult", "agreement_test",
        "berry_esseen_bound", "binomial_p_value", "familywise_alpha", "residuals", "z_threshold",
    ],
    "robtheory.stats.resolution": [
        "DEFAULT_MEAN_RESOLUTION", "DEFAULT_RESOLUTION", "FAIL", "INCONCLUSIVE", "PASS",
        "VERDICTS", "Resolution", "mean_resolution", "min_detectable", "n_for_detectable",
        "proportion_resolution", "verdict", "worst_verdict",
    ],
}


@pytest.mark.parametrize("module", sorted(_SUBJECTS))
def test_public_names_live_in_their_subject_module_and_are_reexported(module):
    mod = importlib.import_module(module)
    for name in _SUBJECTS[module]:
        assert name in S.__all__, name
        assert getattr(S, name) is getattr(mod, name), name
        obj = getattr(mod, name)
        if callable(obj):
            assert obj.__module__ == module, (name, obj.__module__)
    # the listed names are the whole public API of the package (nothing lost), apart from
    # those of robtheory.stats.moments, a module added beside the split
    try:
        added = set(vars(importlib.import_module("robtheory.stats.moments")))
    except ImportError:
        added = set()
    assert sorted(sum(_SUBJECTS.values(), [])) == sorted(set(S.__all__) - added)

