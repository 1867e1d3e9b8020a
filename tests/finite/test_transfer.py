"""Transfer rates between linear models (robtheory.finite.transfer).

References that share no code with the module: mpmath quadrature for the bivariate normal CDF,
a brute-force simulation of x (NumPy's default_rng, not the project's streams) for the rates of a
pair, robtheory.theory.closed_form for a pair of identical models, fit_mean on training_set for
the nested weights.
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import ndtri

from robtheory import ThreatModel, ToyModel
from robtheory.finite import transfer as T
from robtheory.finite.learners import fit_mean, training_set
from robtheory.theory.closed_form import linear_accuracy


def _mp_bvn(h: float, k: float, rho: float) -> float:
    """P(X <= h, Y <= k) by quadrature of phi(x) Phi((k - rho x)/sqrt(1 - rho^2)) at 30 digits."""
    mp.mp.dps = 30
    r = mp.sqrt(1 - mp.mpf(rho) ** 2)
    f = lambda x: mp.npdf(x) * mp.ncdf((k - rho * x) / r)  # noqa: E731
    return float(mp.quad(f, [-mp.inf, h] if h <= 0 else [-mp.inf, 0, h]))


@pytest.mark.parametrize("h,k,rho", [(0.3, -1.2, 0.7), (0.0, 0.0, -0.4), (0.0, 1.5, 0.2), (-2.0, 0.0, 0.9),
                                     (2.5, 2.5, 0.999), (-3.0, 4.0, -0.95), (1.0, -1.0, 0.0), (-6.0, -6.0, 0.5)])
def test_bvn_cdf_against_mpmath(h: float, k: float, rho: float) -> None:
    assert abs(float(T.bvn_cdf(h, k, rho)) - _mp_bvn(h, k, rho)) < 1e-14


def test_bvn_cdf_limits() -> None:
    Phi = lambda x: 0.5 * math.erfc(-x / math.sqrt(2))  # noqa: E731
    got = T.bvn_cdf([np.inf, 0.4, -np.inf, 0.3, 0.3], [0.7, np.inf, 1.0, 0.5, 0.5], [0.3, -0.2, 0.1, 1.0, -1.0])
    want = [Phi(0.7), Phi(0.4), 0.0, Phi(0.3), max(0.0, Phi(0.3) + Phi(0.5) - 1)]
    assert np.allclose(got, want, rtol=0, atol=1e-15)
    with pytest.raises(ValueError, match="rho"):
        T.bvn_cdf(0.0, 0.0, 1.5)


# ----------------------------------------------------------------------------- a pair against brute force
def _simulate(model: ToyModel, wA: np.ndarray, wB: np.ndarray, threat: ThreatModel, N: int,
              rng: np.random.Generator) -> dict[str, int]:
    """Counts of the events of the rates, from N draws of (x, y) and the explicit attack on A."""
    d = model.d
    y = rng.choice([-1.0, 1.0], N)
    s = np.where(rng.random(N) < model.p, 1.0, -1.0)
    X = np.empty((N, d + 1))
    X[:, 0] = s * y
    X[:, 1:] = y[:, None] * model.eta + rng.standard_normal((N, d))
    lo = 0 if threat.perturb_x1 else 1
    g = np.zeros(d + 1)
    g[lo:] = np.sign(wA[lo:]) if threat.norm == "linf" else wA[lo:] / np.linalg.norm(wA[lo:])
    delta = -threat.eps * y[:, None] * g
    # the attack stays in the ball
    norms = np.abs(delta).max(1) if threat.norm == "linf" else np.linalg.norm(delta, axis=1)
    assert np.all(norms <= threat.eps * (1 + 1e-12))
    mA, mB = y * (X @ wA), y * (X @ wB)
    mAa, mBa = y * ((X + delta) @ wA), y * ((X + delta) @ wB)
    succ = (mA > 0) & (mB > 0) & (mAa <= 0)
    return {"fool_rate": int((mBa <= 0).sum()), "attack_success": int(succ.sum()),
            "transfer_joint": int((succ & (mBa <= 0)).sum())}


def _agrees(counts: dict[str, int], exact: dict[str, float], N: int, z: float) -> bool:
    """Every count within z binomial standard errors of N * exact (normal approximation)."""
    return all(abs(counts[q] - N * exact[q]) <= z * math.sqrt(N * exact[q] * (1 - exact[q])) + 1e-9
               for q in counts)


CASES = [(ToyModel(0.8, 0.3, 10), ThreatModel("linf", 0.5)), (ToyModel(0.8, 0.3, 10), ThreatModel("l2", 1.0)),
         (ToyModel(0.7, 0.5, 6), ThreatModel.weak_only("linf", 0.6)), (ToyModel(0.95, 0.2, 8), ThreatModel("l2", 0.9))]


def test_pair_rates_against_simulation() -> None:
    # 4 cases x 3 rates, family-wise false-alarm rate 1e-3: two-sided z at 1e-3 / 12
    N, z = 200_000, float(-ndtri(1e-3 / 24))
    rng = np.random.default_rng(20261207)
    for model, threat in CASES:
        wA = np.r_[0.6, model.eta + rng.normal(0, 0.3, model.d)]
        wB = np.r_[0.5, model.eta + rng.normal(0, 0.3, model.d)]
        counts = _simulate(model, wA, wB, threat, N, rng)
        exact = T.pair_rates(model, wA, wB, threat)
        assert _agrees(counts, exact, N, z), (model, threat, counts, exact)
        # negative control: the same rates with the correlation of the two margins dropped
        st_ = T.pair_statistics(wA, wB, threat)
        indep = {**st_, "C": st_["C"] * 0, "sin": st_["sin"] * 0 + 1}
        wrong = {k: float(v[0]) for k, v in T.transfer_rates(model, indep).items()}
        assert not _agrees(counts, wrong, N, z), (model, threat, "the independence control was not caught")


@settings(max_examples=30)  # each example builds several closed forms
@given(p=st.floats(0.5, 1.0), eta=st.floats(0.01, 2.0), d=st.integers(1, 20), eps=st.floats(0.0, 3.0),
       norm=st.sampled_from(["linf", "l2"]), x1=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_self_transfer_is_the_robust_error(p, eta, d, eps, norm, x1, seed) -> None:
    """A pair of identical models: B fails at x + delta_A exactly where A's robust accuracy fails."""
    model, threat = ToyModel(p, eta, d), ThreatModel(norm, eps, x1)
    w = np.random.default_rng(seed).normal(0.3, 1.0, d + 1)
    r = T.pair_rates(model, w, w, threat)
    assert abs(r["fool_rate"] - (1 - linear_accuracy(model, w, threat).robust_accuracy)) < 1e-12
    # every adversarial example of A fools B = A (absolute accuracy: the rate is a ratio of the two)
    assert abs(r["transfer_joint"] - r["attack_success"]) < 1e-12


@settings(max_examples=30)
@given(p=st.floats(0.5, 0.99), eta=st.floats(0.05, 1.0), d=st.integers(1, 10), eps=st.floats(0.0, 2.0),
       seed=st.integers(0, 2**32 - 1))
def test_rates_are_scale_invariant(p, eta, d, eps, seed) -> None:
    """Scaling either model by a positive factor changes neither its decisions nor its attack."""
    rng = np.random.default_rng(seed)
    wA, wB = rng.normal(0.3, 1.0, d + 1), rng.normal(0.3, 1.0, d + 1)
    threat = ThreatModel("linf", eps)
    r = T.pair_rates(ToyModel(p, eta, d), wA, wB, threat)
    r2 = T.pair_rates(ToyModel(p, eta, d), 3.0 * wA, 0.5 * wB, ThreatModel("linf", eps))
    for q in T.RATES[:3]:
        assert abs(r[q] - r2[q]) < 1e-12


def test_population_limits() -> None:
    model, threat = ToyModel(0.9, 0.3, 20), ThreatModel("linf", 0.6)
    pop = T.population_transfer(model, threat)
    w = np.r_[0.8, np.full(20, 0.3)]
    assert abs(pop["fool_rate"] - (1 - linear_accuracy(model, w, threat).robust_accuracy)) < 1e-12
    assert pop["transfer_rate"] == pytest.approx(1.0, abs=1e-12)
    # the robust target: x1 weight 0.8 and a radius below 1 only errs where x1 disagrees with y
    assert T.population_transfer(model, threat, "standard->robust")["fool_rate"] == pytest.approx(0.1, abs=1e-15)
    # the robust source has no adversarial example at eps < 1
    assert math.isnan(T.population_transfer(model, threat, "robust->standard")["transfer_rate"])


def test_curve_weights_are_fit_mean_on_training_sets() -> None:
    model = ToyModel(0.8, 0.4, 5)
    ns = np.array([3, 17, 40])
    W = T._mean_weights_nested(model, ns, 3, 11)
    for i, n in enumerate(ns):
        assert np.allclose(W[i], fit_mean(*training_set(model, int(n), 3, 11)), rtol=1e-13, atol=1e-15)


def test_curve_converges_to_the_population_pair() -> None:
    """standard->standard: the mean fool rate approaches the adversarial error of w_inf and the
    transfer rate approaches 1; at the largest n both are within 5 standard errors plus the
    O(1/sqrt(n)) gap bounded by 0.02 (weights off by ~ sqrt(d/n) = 0.014 in norm)."""
    model = ToyModel(0.8, 0.3, 10)
    c = T.transfer_curve(model, [10, 100, 1000, 5000], [0.6], pairs=40, seed=5, kinds=("standard->standard",))
    for q in ("fool_rate", "transfer_rate"):
        gap = np.abs(c.mean[q][0, 0] - c.limit[q][0, 0])
        assert gap[-1] < gap[0]
        assert gap[-1] <= 5 * c.se[q][0, 0, -1] + 0.02, (q, gap, c.se[q])
    # negative control: the limit of a model whose x1 cannot be perturbed is a different number
    wrong = T.population_transfer(model, ThreatModel.weak_only("linf", 0.6))["fool_rate"]
    assert abs(c.mean["fool_rate"][0, 0, -1] - wrong) > 5 * c.se["fool_rate"][0, 0, -1] + 0.02


def test_curve_rejects_bad_input() -> None:
    model = ToyModel(0.8, 0.3, 3)
    with pytest.raises(ValueError, match="pairs"):
        T.transfer_curve(model, [10], [0.1], pairs=1)
    with pytest.raises(ValueError, match="eps"):
        T.transfer_curve(model, [10], [-0.1])
    with pytest.raises(ValueError, match="kind"):
        T.transfer_curve(model, [10], [0.1], kinds=("robust->robust",))
    with pytest.raises(ValueError, match="length d"):
        T.pair_rates(model, np.ones(3), np.ones(4), ThreatModel("linf", 0.1))


@settings(max_examples=40)
@given(p=st.floats(0.5, 1.0), eta=st.floats(0.0, 1.5), d=st.integers(1, 12), e1=st.floats(0.0, 2.0),
       e2=st.floats(0.0, 2.0), norm=st.sampled_from(["linf", "l2"]), seed=st.integers(0, 2**32 - 1))
def test_rates_are_probabilities_and_grow_with_the_radius(p, eta, d, e1, e2, norm, seed) -> None:
    """joint <= success, joint <= fool; where A's attack direction lowers B's margin (<w_B, g_A> >= 0)
    a larger radius fools B at least as often."""
    rng = np.random.default_rng(seed)
    wA, wB = rng.normal(0.2, 1.0, d + 1), rng.normal(0.2, 1.0, d + 1)
    model = ToyModel(p, eta, d)
    lo, hi = sorted((e1, e2))
    r_lo, r_hi = (T.pair_rates(model, wA, wB, ThreatModel(norm, e)) for e in (lo, hi))
    for r in (r_lo, r_hi):
        assert all(-1e-15 <= r[q] <= 1 + 1e-15 for q in T.RATES[:3])
        assert r["transfer_joint"] <= min(r["attack_success"], r["fool_rate"]) + 1e-12
    if T.pair_statistics(wA, wB, ThreatModel(norm, 1.0))["cBA"][0] >= 0:
        assert r_hi["fool_rate"] >= r_lo["fool_rate"] - 1e-12
