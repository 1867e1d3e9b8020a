"""Feature selection by empirical correlation (robtheory.finite.feature_selection).

References: the definition of the cosine written out, SciPy's noncentral t where it is finite,
brute-force simulation of training sets with NumPy's default_rng, training sets of the engine,
the closed-form accuracy of the population learner.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps
from scipy.special import ndtri

from robtheory import ThreatModel, ToyModel
from robtheory.finite import feature_selection as F
from robtheory.finite.learners import fit_mean, training_set
from robtheory.theory.closed_form import linear_accuracy


def test_empirical_correlation_is_the_cosine() -> None:
    X, y = training_set(ToyModel(0.8, 0.5, 4), 37, 2, 3)
    want = [float(X[:, j] @ y / (np.linalg.norm(X[:, j]) * np.linalg.norm(y))) for j in range(5)]
    assert np.allclose(F.empirical_correlation(X, y), want, rtol=1e-13, atol=0)
    w = F.fit_selected(X, y, 0.3)
    keep = np.abs(want) >= 0.3
    assert np.array_equal(w, np.where(keep, fit_mean(X, y), 0.0))


@pytest.mark.parametrize("n,eta,t", [(2, 1.0, 0.9), (5, 0.3, 0.5), (40, 0.2, 0.1), (300, 0.05, 0.2)])
def test_weak_pass_probability_against_scipy_nct(n: int, eta: float, t: float) -> None:
    tau = t * math.sqrt((n - 1) / (1 - t * t))
    d = sps.nct(n - 1, eta * math.sqrt(n))
    want = d.sf(tau) + d.cdf(-tau)
    assert abs(F.weak_pass_probability(n, eta, t) - want) < 1e-12


def _wrong_df(n: int, eta: float, t: float) -> float:
    """A planted error: the threshold of T with n degrees of freedom instead of n - 1."""
    tau = t * math.sqrt(n / (1 - t * t))
    d = sps.nct(n - 1, eta * math.sqrt(n))
    return float(d.sf(tau) + d.cdf(-tau))


def test_weak_pass_probability_against_simulation() -> None:
    """Frequency of |r| >= t over simulated weak columns (default_rng), 4 cases, family-wise 1e-3."""
    rng = np.random.default_rng(7)
    N, z = 100_000, float(-ndtri(1e-3 / 8))
    for n, eta, t in [(5, 0.3, 0.5), (12, 0.1, 0.3), (30, 0.4, 0.5), (60, 0.1, 0.25)]:
        y = rng.choice([-1.0, 1.0], (N, n))
        x = y * eta + rng.standard_normal((N, n))
        r = (x * y).sum(1) / (np.sqrt(n) * np.linalg.norm(x, axis=1))
        k = int((np.abs(r) >= t).sum())
        for prob, exact in ((F.weak_pass_probability(n, eta, t), True), (_wrong_df(n, eta, t), False)):
            ok = abs(k - N * prob) <= z * math.sqrt(N * prob * (1 - prob))
            if exact:
                assert ok, (n, eta, t, k / N, prob)
            elif n <= 12:  # the planted df error shrinks like 1/n: detectable at the small sizes
                assert not ok, (n, eta, t, k / N, prob, "negative control not caught")


def test_x1_pass_probability_is_a_binomial_tail() -> None:
    # |2K/n - 1| >= t with n = 10, t = 0.4: K <= 3 or K >= 7
    want = sps.binom.cdf(3, 10, 0.7) + sps.binom.sf(6, 10, 0.7)
    assert F.x1_pass_probability(10, 0.7, 0.4) == pytest.approx(want, abs=1e-15)
    assert F.x1_pass_probability(10, 0.7, 0.0) == pytest.approx(1.0, abs=1e-15)


@settings(max_examples=40)
@given(n=st.integers(2, 400), eta=st.floats(0.0, 1.5), t1=st.floats(0.0, 0.99), t2=st.floats(0.0, 0.99))
def test_pass_probability_decreases_in_t(n, eta, t1, t2) -> None:
    lo, hi = sorted((t1, t2))
    assert F.weak_pass_probability(n, eta, hi) <= F.weak_pass_probability(n, eta, lo) + 1e-12


def test_curve_counts_agree_with_the_exact_law() -> None:
    """Mean number of weak features kept over engine training sets against d * P(pass), and the
    fraction keeping x1 against the binomial tail: z-tests at family-wise 1e-3 over the cells
    (the count over d features of one set is a sum, not binomial: the test uses its sample SE).
    Negative control: the planted degrees of freedom."""
    model = ToyModel(0.7, 0.2, 30)
    ns, ts = [4, 10, 40], [0.3, 0.5]
    c = F.selection_curve(model, ns, ts, ThreatModel("linf", 0.1), trials=200, seed=9)
    cells = len(ns) * len(ts)
    z = float(-ndtri(1e-3 / (4 * cells)))
    wrong = np.array([[model.d * _wrong_df(n, model.eta, t) for n in ns] for t in ts])
    dev = np.abs(c.data["weak_kept"] - c.data["weak_kept_exact"]) / c.data["weak_kept_se"]
    assert np.all(dev <= z), dev
    dev_wrong = np.abs(c.data["weak_kept"] - wrong) / c.data["weak_kept_se"]
    assert np.any(dev_wrong > z), dev_wrong
    p1 = c.data["x1_kept_exact"]
    se1 = np.sqrt(p1 * (1 - p1) / c.trials)
    assert np.all(np.abs(c.data["x1_kept"] - p1) <= z * se1 + 1e-12)


def test_threshold_zero_is_the_standard_learner() -> None:
    model, threat = ToyModel(0.8, 0.3, 6), ThreatModel("l2", 0.5)
    c = F.selection_curve(model, [7, 50], [0.0], threat, trials=5, seed=2)
    accs = [[linear_accuracy(model, fit_mean(*training_set(model, n, k, 2)), threat) for n in (7, 50)]
            for k in range(5)]
    std = np.mean([[a.standard_accuracy for a in row] for row in accs], axis=0)
    rob = np.mean([[a.robust_accuracy for a in row] for row in accs], axis=0)
    assert np.allclose(c.data["standard"][0], std, rtol=0, atol=1e-13)
    assert np.allclose(c.data["robust"][0], rob, rtol=0, atol=1e-13)
    assert np.allclose(c.data["standard_learner_robust"], rob, rtol=0, atol=1e-13)


def test_curve_converges_to_the_population_answer() -> None:
    """At thresholds away from the population correlations (2p - 1 = 0.6, eta/sqrt(1 + eta^2) = 0.196)
    the accuracies at the largest n are the population learner's, within 5 SE + 0.01."""
    model, threat = ToyModel(0.8, 0.2, 25), ThreatModel("linf", 0.4)
    ts = [0.05, 0.4, 0.8]
    c = F.selection_curve(model, [20, 5000], ts, threat, trials=20, seed=4)
    for q in ("standard", "robust"):
        gap = np.abs(c.data[q][:, -1] - c.data[f"{q}_limit"])
        assert np.all(gap <= 5 * c.data[f"{q}_se"][:, -1] + 0.01), (q, gap)
    # the limits themselves: all features, x1 only, nothing (every point an error)
    w_all = np.r_[0.6, np.full(25, 0.2)]
    assert c.data["robust_limit"][0] == pytest.approx(linear_accuracy(model, w_all, threat).robust_accuracy, abs=1e-13)
    assert c.data["standard_limit"][1] == pytest.approx(0.8, abs=1e-15)
    assert c.data["standard_limit"][2] == 0.0
    # negative control: at n = 20 the middle threshold is still far from its limit (weak features pass by noise)
    assert c.data["robust"][1, 0] < c.data["robust_limit"][1] - 5 * c.data["robust_se"][1, 0] - 0.01


def test_bad_input() -> None:
    model = ToyModel(0.8, 0.3, 3)
    with pytest.raises(ValueError, match="threshold t"):
        F.weak_pass_probability(10, 0.3, 1.5)
    with pytest.raises(ValueError, match="trials"):
        F.selection_curve(model, [10], [0.1], ThreatModel("linf", 0.1), trials=1)
    with pytest.raises(ValueError, match="n must"):
        F.selection_curve(model, [0], [0.1], ThreatModel("linf", 0.1))
