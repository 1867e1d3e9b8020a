"""The l2-robust Gaussian MLE of Ilyas et al. 2019 (theory §2.4; not a result of Tsipras et al.)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize

from robtheory import training as T


def problem(k=3, seed=0):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((k, k)))
    S = Q @ np.diag(np.logspace(-1, 1, k)) @ Q.T
    return 0.5 * (S + S.T), rng.standard_normal(k)


def test_spec_value_and_eigenvalue_equation():
    assert T.robust_covariance(np.array([[1.0]]), 1.0)[0, 0] == pytest.approx(2.618034, abs=1e-6)
    S, _ = problem()
    for lam in (0.1, 1.0, 30.0):
        t = 1 / lam
        Sr = T.robust_covariance(S, lam)
        assert np.allclose(Sr @ S, S @ Sr, atol=1e-12)  # shares the eigenvectors of Sigma*
        c = np.linalg.eigvalsh(S)
        s = np.linalg.eigvalsh(Sr)
        np.testing.assert_allclose(s**2 - (2 * t + c) * s + t**2, 0.0, atol=1e-10)  # stationarity
    assert np.allclose(T.robust_covariance(S, math.inf), S)


@pytest.mark.parametrize("lam", [0.3, 3.0])
def test_direct_minimisation_matches_formula_penalised(lam):
    S, mu = problem()
    mu_hat, S_hat, val = T.fit_robust_gaussian(S, mu, lam=lam)
    Sr = T.robust_covariance(S, lam)
    assert np.abs(S_hat - Sr).max() < 1e-5 and np.abs(mu_hat - mu).max() < 1e-5  # mu_r = mu*
    assert val == pytest.approx(T.robust_gaussian_nll(Sr, mu, S, mu, lam=lam), abs=1e-10)
    # a different mean or covariance is worse
    assert T.robust_gaussian_nll(Sr, mu + 0.1, S, mu, lam=lam) > val
    assert T.robust_gaussian_nll(Sr * 1.05, mu, S, mu, lam=lam) > val


@pytest.mark.parametrize("eps", [0.1, 1.0, 5.0])
def test_budget_relation_and_direct_minimisation(eps):
    S, mu = problem()
    lam = T.lam_for_budget(S, eps)
    assert T.perturbation_energy(S, lam) == pytest.approx(eps**2, rel=1e-10)
    Sr = T.robust_covariance(S, lam)
    # strong duality: at Sigma_r the inner dual is minimised at t = 1/lam
    direct = T.robust_gaussian_nll(Sr, mu, S, mu, eps=eps)
    assert direct == pytest.approx(T.robust_gaussian_nll(Sr, mu, S, mu, lam=lam) + lam * eps**2 / 2, rel=1e-9)
    mu_hat, S_hat, _ = T.fit_robust_gaussian(S, mu, eps=eps)
    assert np.abs(S_hat - Sr).max() < 1e-4 * max(1.0, np.abs(Sr).max())
    assert np.abs(mu_hat - mu).max() < 1e-5


def test_penalised_inner_max_is_exact():
    # max over delta of (z+delta)^T Sigma^{-1} (z+delta)/2 - |delta|^2/(2t) = z^T (Sigma - tI)^{-1} z / 2
    S, _ = problem()
    t = 0.05
    z = np.array([0.3, -1.2, 0.7])
    Si = np.linalg.inv(S)
    f = lambda dl: -(0.5 * (z + dl) @ Si @ (z + dl) - dl @ dl / (2 * t))  # noqa: E731
    res = optimize.minimize(f, np.zeros(3), method="BFGS", options={"gtol": 1e-12})
    assert -res.fun == pytest.approx(0.5 * z @ np.linalg.solve(S - t * np.eye(3), z), rel=1e-9)


def test_small_budget_asymptote_of_lambda():
    S, _ = problem()
    eps = 1e-4
    assert T.lam_for_budget(S, eps) * eps == pytest.approx(math.sqrt(np.trace(np.linalg.inv(S))), rel=1e-3)


def test_alignment_grows_with_the_budget():
    S, mu = problem()
    aligns = [T.alignment(T.robust_covariance(S, T.lam_for_budget(S, e)), mu) for e in (0.01, 0.1, 1, 10, 100)]
    assert T.alignment(S, mu) < aligns[0]
    assert all(a < b for a, b in zip(aligns, aligns[1:])) and aligns[-1] > 0.999


def test_per_sample_ball_in_one_dimension_has_its_own_closed_form():
    # max_{|delta| <= eps} (z + delta)^2 / (2s) = (|z| + eps)^2/(2s): s* = c + 2 eps sqrt(2c/pi) + eps^2,
    # which differs from Sigma_r(lam(eps)) (the mean-square budget).
    c, eps = 2.0, 0.5
    S, M = T.fit_per_sample_robust_gaussian(np.array([[c]]), eps, n=20000, rng=1)
    m = M[0, 0]  # the SAA sees the sample second moment; E|z| estimated from the same draws
    Z = np.random.default_rng(1).standard_normal((20000, 1)) * math.sqrt(c)
    saa = float(np.mean((np.abs(Z[:, 0]) + eps) ** 2))
    assert S[0, 0] == pytest.approx(saa, rel=1e-6)  # exact SAA optimum
    assert S[0, 0] == pytest.approx(c + 2 * eps * math.sqrt(2 * c / math.pi) + eps**2, rel=0.02)
    mean_square = T.robust_covariance(np.array([[c]]), T.lam_for_budget(np.array([[c]]), eps))[0, 0]
    assert abs(S[0, 0] - mean_square) > 0.2
    assert m > 0


def test_gaussian_inputs_are_validated():
    with pytest.raises(ValueError):
        T.robust_covariance(np.array([[1.0, 2.0], [0.0, 1.0]]), 1.0)
    with pytest.raises(ValueError):
        T.robust_covariance(np.eye(2), 0.0)
    with pytest.raises(ValueError):
        T.lam_for_budget(np.eye(2), 0.0)
    with pytest.raises(ValueError):
        T.robust_gaussian_nll(np.eye(2), np.zeros(2), np.eye(2), np.zeros(2), lam=1.0, eps=1.0)


def test_gaussian_claim_passes_and_is_flagged_as_not_from_the_paper():
    from robtheory import claims

    c = claims.GAUSSIAN_ROBUST_MLE
    assert "NOT from this paper" in c.title and "Ilyas" in c.reference
    res = c.check()
    assert res.passed, res.detail
