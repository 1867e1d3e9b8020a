"""robtheory.finite.schmidt against independent computations: brute-force Monte Carlo of x, the law
of z_bar against training sets of D(p, eta, d), mpmath at high precision, and properties.

Statistical tests state their false-alarm rate ALPHA (per test) and derive their tolerance from the
sample size; each has a negative control (a planted wrong formula or law that the same test flags).
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from robtheory.finite import schmidt as S
from robtheory.model import ToyModel

#: False-alarm rate of each statistical test in this module.
ALPHA = 1e-6
Z = float(sps.norm.isf(ALPHA / 2))


def _brute_force_error(w, theta, eps, norm, n, rng):
    """Robust error by sampling x ~ N(y theta, I) and applying the worst perturbation of the ball
    to each point explicitly (linf: -y eps sign(w); l2: -y eps w/|w|_2), then counting mistakes."""
    d = theta.size
    y = rng.choice([-1.0, 1.0], size=n)
    x = y[:, None] * theta + rng.standard_normal((n, d))
    delta = -eps * (np.sign(w) if norm == "linf" else w / np.linalg.norm(w))
    xa = x + y[:, None] * delta
    assert np.all(np.abs(xa - x).max(axis=1) <= eps + 1e-12) if norm == "linf" else True
    return int(np.sum(y * (xa @ w) <= 0))


def _binomial_ok(k, n, p):
    return abs(k - n * p) <= Z * math.sqrt(n * p * (1 - p)) + 1


@pytest.mark.parametrize("norm", ["linf", "l2"])
def test_exact_robust_error_matches_brute_force_monte_carlo(norm, seed):
    rng = np.random.default_rng([seed, 1])
    theta = np.full(5, 0.4)
    w = theta + rng.standard_normal(5) * 0.5
    n = 200_000
    for eps in (0.0, 0.1, 0.3):
        p = float(S.robust_error(w, theta, eps, norm=norm))
        k = _brute_force_error(w, theta, eps, norm, n, rng)
        assert _binomial_ok(k, n, p), (eps, k / n, p)
    # negative control: the l2 dual norm used for an l_inf ball is flagged by the same test
    if norm == "linf":
        wrong = float(S.robust_error(w, theta, 0.3, norm="l2"))
        k = _brute_force_error(w, theta, 0.3, "linf", n, rng)
        assert not _binomial_ok(k, n, wrong)


def test_robust_error_of_zero_weights_is_one_half_and_bad_input_is_named():
    assert float(S.robust_error(np.zeros(3), np.ones(3), 0.1)) == 0.5
    with pytest.raises(ValueError, match="norm='l1'"):
        S.robust_error(np.ones(2), np.ones(2), 0.1, norm="l1")
    with pytest.raises(ValueError, match="eps=-0.1"):
        S.robust_error(np.ones(2), np.ones(2), -0.1)


def _law_rejected(Z_std):
    """Is N(0, 1) rejected for the standardised draws (mean z-test and variance chi-square test)?"""
    v = Z_std.ravel()
    k = v.size
    mean_bad = abs(v.mean()) * math.sqrt(k) > float(sps.norm.isf(ALPHA / 4))
    ss = float(np.sum(v * v))
    var_bad = not (sps.chi2.ppf(ALPHA / 4, k) <= ss <= sps.chi2.isf(ALPHA / 4, k))
    return mean_bad or var_bad


def test_zbar_of_training_sets_follows_the_exact_law(seed):
    """z_bar of training sets of D(p, eta, d) (weak features) is N(eta 1, I/n); the sampler of the
    exact law gives the same law; a wrong variance (1/(n - 1)) is rejected."""
    model, n, trials = ToyModel(0.8, 0.4, 6), 12, 300
    zb = S.zbar_from_training_sets(model, n, trials, seed)
    assert not _law_rejected((zb - 0.4) * math.sqrt(n))
    # the exact-law sampler, on a sample large enough to tell variance 1/n from 1/(n - 1) (9%)
    exact = S.sample_zbar(np.full(6, 0.4), n, 4000, seed, start=2**45)
    assert not _law_rejected((exact - 0.4) * math.sqrt(n))
    # negative control at the same size: a planted variance 2/n
    assert _law_rejected((zb - 0.4) * math.sqrt(n / 2))
    # the training sets are those of the engine: same seed, same draws
    assert np.array_equal(zb, S.zbar_from_training_sets(model, n, trials, seed))


def test_sample_zbar_is_counter_based():
    a = S.sample_zbar(np.zeros(4), 3, 10, 7, start=100)
    b = S.sample_zbar(np.zeros(4), 3, 4, 7, start=104)
    assert np.array_equal(a[4:8], b)


def _mp_lower_bound(n, d, eps, sigma, rho=1):
    mp.mp.dps = 50
    if n == 0:
        return mp.mpf(1) / 2
    s = mp.mpf(rho) ** 2 * mp.sqrt(mp.mpf(n) / (n * mp.mpf(rho) ** 2 + mp.mpf(sigma) ** 2))
    return mp.mpf(1) / 2 * mp.erf(mp.mpf(eps) / (s * mp.sqrt(2))) ** d


@settings(max_examples=60)
@given(n=st.integers(0, 10**6), d=st.integers(1, 10**6), eps=st.floats(1e-3, 3.0),
       sigma=st.floats(0.1, 100.0), rho=st.sampled_from([1.0, 0.3, 2.0]))
def test_lower_bound_matches_mpmath(n, d, eps, sigma, rho):
    ref = _mp_lower_bound(n, d, eps, sigma, rho)
    got = S.log_lower_bound(n, d, eps, sigma, rho)
    if ref == 0:
        assert got < -700
        return
    assert got == pytest.approx(float(mp.log(ref)), rel=1e-10, abs=1e-12)


@settings(max_examples=60)
@given(n=st.integers(1, 10**5), d=st.integers(1, 10**4), eps=st.floats(1e-3, 2.0), sigma=st.floats(0.1, 30.0))
def test_lower_bound_monotone_and_limits(n, d, eps, sigma):
    lb = S.log_lower_bound
    # more data, a smaller budget or more coordinates to learn never raise... the bound falls in n
    # and in d and rises in eps
    assert lb(n + 1, d, eps, sigma) <= lb(n, d, eps, sigma) + 1e-12
    assert lb(n, d + 1, eps, sigma) <= lb(n, d, eps, sigma) + 1e-12
    assert lb(n, d, eps * 1.1, sigma) >= lb(n, d, eps, sigma) - 1e-12
    assert S.lower_bound(n, d, eps, sigma) <= 0.5
    # n -> infinity: the posterior mean is theta itself, the bound 1/2 P(|theta|_inf <= eps)
    far = S.lower_bound(10**15, d, eps, sigma)
    assert far == pytest.approx(float(_mp_lower_bound(10**15, d, eps, sigma)), rel=1e-6, abs=1e-300)
    assert far == pytest.approx(0.5 * math.erf(eps / math.sqrt(2)) ** d, rel=1e-6, abs=1e-300)


def test_exact_threshold_is_the_root_and_beats_corollary_23():
    for d, sigma, eps in ((100, 10.0, 1.0), (10**4, 10.0, 0.25), (10, 5.0, 1.0)):
        n_ex = S.lower_bound_n(eps, d, sigma)
        assert S.lower_bound(n_ex, d, eps, sigma) == pytest.approx((1 - 1 / d) / 2, rel=1e-9)
        n23 = S.corollary23_n(eps, d, sigma)
        assert S.lower_bound(n23, d, eps, sigma) >= (1 - 1 / d) / 2
        assert n_ex > 2 * n23  # the corollary's constant 8 gives up more than a factor 2


def test_theorem21_and_corollary22_formulas():
    # Theorem 21 at n -> infinity: 1 - sigma sqrt(2 log(1/beta)/d)
    assert S.theorem21_eps(10**12, 100, 2.0, 0.05) == pytest.approx(1 - 2 * math.sqrt(2 * math.log(20) / 100),
                                                                     abs=1e-5)
    assert S.theorem21_failure(80, 1.0) == pytest.approx(2 * math.exp(-5))
    d = 4096  # d^(1/4) = 8
    assert S.corollary22_n(0.5 / 8 / 4, d, 0.25) == 1
    assert S.corollary22_n(0.25, d, 0.25) == 256
    with pytest.raises(ValueError, match="sigma=0.3"):
        S.corollary22_n(0.1, d, 0.3)
    with pytest.raises(ValueError, match="eps=0.3"):
        S.corollary22_n(0.3, d, 0.25)
    assert S.to_paper_units(0.25, 0.05) == (4.0, 0.2)


def test_learners_never_beat_the_lower_bound(seed):
    """Over a grid of (d, sigma, eps, n) the prior-averaged robust error of every learner is >= the
    bound (one-sided: mean + Z SE >= bound); a planted bound of 1/2 (the n = 0 value) is flagged."""
    flagged = False
    for d, sigma, eps in ((10, 5.0, 1.0), (100, 10.0, 1.0), (100, 3.0, 0.5)):
        for n in (1, 4, 16):
            lb = S.lower_bound(n, d, eps, sigma)
            errs = S.bayes_robust_errors(n, d, eps, 400, seed, sigma=sigma, start=2**41 * n)
            for v in errs.values():
                se = v.std(ddof=1) / math.sqrt(v.size)
                assert v.mean() + Z * se + 1e-12 >= lb
                flagged |= v.mean() + Z * se < 0.5
    assert flagged


def test_zbar_sufficient_n_is_consistent_with_its_definition():
    eta, d, eps = 0.1, 400, 0.02
    n = S.zbar_sufficient_n(eta, d, eps, 0.1, trials=100, seed=3)
    assert n > 1
    g = S.sample_zbar(np.zeros(d), 1, 100, 3)
    theta = np.full(d, eta)
    q = lambda k: np.quantile(S.robust_error(theta + g / math.sqrt(k), theta, eps), 0.99)  # noqa: E731
    assert q(n) <= 0.1 < q(n - 1)
    # unreachable: even the population classifier w = theta has error Phi(-(eta - eps) sqrt d) = Phi(-1.6) > 0.05
    assert S.zbar_sufficient_n(eta, d, eps, 0.05, trials=100, seed=3, n_max=2**20) == 2**20 + 1


@given(d=st.integers(1, 50), eta=st.floats(0.05, 2.0), eps_frac=st.floats(0.0, 2.0), scale=st.floats(1e-3, 1e3),
       seed=st.integers(0, 2**32 - 1), norm=st.sampled_from(["linf", "l2"]))
def test_robust_error_properties(d, eta, eps_frac, scale, seed, norm):
    rng = np.random.default_rng(seed)
    theta = np.full(d, eta)
    w = theta + rng.standard_normal(d)
    eps = eps_frac * eta
    e = float(S.robust_error(w, theta, eps, norm=norm))
    # the classifier does not change when w is scaled
    assert float(S.robust_error(scale * w, theta, eps, norm=norm)) == pytest.approx(e, rel=1e-9, abs=1e-300)
    # flipping the sign of a coordinate of both w and theta changes nothing
    flip = np.where(rng.random(d) < 0.5, -1.0, 1.0)
    assert float(S.robust_error(flip * w, flip * theta, eps, norm=norm)) == pytest.approx(e, rel=1e-9, abs=1e-300)
    # a larger ball never lowers the error; the l_inf ball contains the l_2 ball of the same radius
    assert float(S.robust_error(w, theta, eps + 0.1, norm=norm)) >= e
    assert float(S.robust_error(w, theta, eps, norm="linf")) >= float(S.robust_error(w, theta, eps, norm="l2"))
    # n -> infinity: z_bar -> theta, whose error is Phi(-(eta - eps) sqrt d) (l_inf) / Phi(eps - eta sqrt d) (l_2)
    zb = theta + rng.standard_normal(d) / math.sqrt(1e14)
    pop = sps.norm.cdf(-(eta - eps) * math.sqrt(d)) if norm == "linf" else sps.norm.cdf(eps - eta * math.sqrt(d))
    assert float(S.robust_error(zb, theta, eps, norm=norm)) == pytest.approx(pop, rel=1e-5, abs=1e-300)
