"""The learning curves' SVM solver (dual coordinate ascent + polish) against an independent interior point."""

from __future__ import annotations

import math

import numpy as np
import pytest

from robtheory import ThreatModel, ToyModel
from robtheory.training.finite_sample import _conic_fit, sample
from robtheory.training.svm_cd import _cd_kernel, _certify, _fit_svm_cd, _refine

pytest.importorskip("numba")

THREATS = [None, ThreatModel("linf", 0.05), ThreatModel("linf", 0.05, perturb_x1=False), ThreatModel("linf", 0.8),
           ThreatModel("l2", 0.3), ThreatModel("l2", 0.3, perturb_x1=False)]


def _conic(X, y, lam, threat, tol=1e-10):
    """The conic (Clarabel) solve of fit_svm's objective, certified by the same independent certificate."""
    norm = None if threat is None else threat.norm
    eps = 0.0 if threat is None else threat.eps
    weak_only = threat is not None and not threat.perturb_x1
    Z = X * y[:, None]
    return _certify(Z, lam, norm, eps, weak_only, *_conic_fit(Z, lam, norm, eps, weak_only, tol), "conic")


@pytest.mark.parametrize("threat", THREATS, ids=str)
@pytest.mark.parametrize("n, seed", [(60, 0), (400, 1)])
def test_coordinate_ascent_certifies_and_matches_the_interior_point(threat, n, seed) -> None:
    X, y = sample(ToyModel(0.9, 0.3, 20), n, seed)
    lam = 0.02
    fit = _fit_svm_cd(X, y, lam, threat, 1e-10)
    assert fit.solver == "cd"  # the fast path certified itself (no fallback to fit_svm)
    assert fit.gap <= 1e-10
    ref = _conic(X, y, lam, threat)
    # both certified: each is within sqrt(2 gap / lam) of the unique optimum
    bound = math.sqrt(2 * fit.gap / lam) + math.sqrt(2 * ref.gap / lam)
    assert np.linalg.norm(fit.w - ref.w) <= bound + 1e-12


@pytest.mark.parametrize("threat", THREATS[:3] + THREATS[4:5], ids=str)
def test_warm_start_from_the_smaller_nested_set(threat) -> None:
    X, y = sample(ToyModel(0.95, 0.3, 30), 500, 4)
    lam = 0.01
    small = _fit_svm_cd(X[:200], y[:200], lam, threat, 1e-10)
    h = 1.0 - (X[200:] * y[200:, None]) @ small.w
    warm = _fit_svm_cd(X, y, lam, threat, 1e-10, np.r_[small.alpha, (h > 0).astype(float)])
    cold = _fit_svm_cd(X, y, lam, threat, 1e-10)
    assert warm.solver == cold.solver == "cd" and warm.gap <= 1e-10
    assert np.linalg.norm(warm.w - cold.w) <= math.sqrt(2 * warm.gap / lam) + math.sqrt(2 * cold.gap / lam) + 1e-12


def test_bad_warm_start_shape() -> None:
    X, y = sample(ToyModel(0.9, 0.3, 3), 10, 0)
    with pytest.raises(ValueError, match="a0"):
        _fit_svm_cd(X, y, 0.1, None, 1e-9, np.zeros(9))


def _setup(threat, n, seed, d=20):
    X, y = sample(ToyModel(0.9, 0.3, d), n, seed)
    norm = None if threat is None else threat.norm
    eps = 0.0 if threat is None else threat.eps
    weak_only = threat is not None and not threat.perturb_x1
    mode = {None: 0, "linf": 1, "l2": 2}[norm]
    s0 = 1 if (weak_only and mode != 0) else 0
    return X, y, X * y[:, None], norm, eps, weak_only, mode, s0


REFINE_THREATS = [None, ThreatModel("linf", 0.05), ThreatModel("linf", 0.1, perturb_x1=False), ThreatModel("l2", 0.3),
                  ThreatModel("l2", 0.2, perturb_x1=False)]


@pytest.mark.parametrize("threat", REFINE_THREATS, ids=str)
@pytest.mark.parametrize("n, seed", [(400, 1), (1500, 2)])
def test_active_set_newton_lands_on_the_interior_point_optimum(threat, n, seed) -> None:
    """From a coordinate-ascent point at a loose gap, _refine alone certifies a gap of 1e-11 (its
    Newton steps use the derivative of h, so a wrong sign or term there stalls it) and its point
    agrees with the interior-point solve within the two certified distances."""
    X, y, Z, norm, eps, weak_only, mode, s0 = _setup(threat, n, seed)
    lam = 0.02
    loose, _, _ = _cd_kernel()(np.ascontiguousarray(Z), lam, mode, eps, s0, 1e-5, 2000, 0.05, np.zeros(n))
    start = _certify(Z, lam, norm, eps, weak_only, None, loose, "cd")
    assert start.gap > 1e-8  # a genuinely loose start
    refined = _refine(Z, lam, mode, eps, s0, loose, 1e-11)
    assert refined is not None and np.all((refined >= 0.0) & (refined <= 1.0))
    fit = _certify(Z, lam, norm, eps, weak_only, None, refined, "cd")
    assert fit.gap <= 1e-11
    ref = _conic(X, y, lam, threat)
    assert np.linalg.norm(fit.w - ref.w) <= math.sqrt(2 * fit.gap / lam) + math.sqrt(2 * ref.gap / lam) + 1e-12


@pytest.mark.parametrize("threat", [None, ThreatModel("linf", 0.05), ThreatModel("l2", 0.3)], ids=str)
def test_active_set_newton_grows_its_working_set(threat) -> None:
    """Started from the optimum on the first 390 of 400 samples (the new ones at 0) with a working
    set of its support only (theta = -inf), the new samples with h > 0 lie outside the working set:
    _refine must bring them in (a rule that left them out for good returns the optimum of the
    smaller problem, which is not the optimum of this one)."""
    X, y, Z, norm, eps, weak_only, mode, s0 = _setup(threat, 400, 3)
    lam = 0.02
    part = _conic(X[:390], y[:390], lam, threat)
    # the interior point's multipliers, rounded to the bounds (it leaves 1e-10-sized values there)
    a = np.r_[np.where(part.alpha < 1e-7, 0.0, np.where(part.alpha > 1.0 - 1e-7, 1.0, part.alpha)), np.zeros(10)]
    start = _certify(Z, lam, norm, eps, weak_only, None, a, "cd")
    assert start.gap > 1e-6  # the new samples matter
    refined = _refine(Z, lam, mode, eps, s0, a, 1e-11, theta=-np.inf)
    assert refined is not None
    fit = _certify(Z, lam, norm, eps, weak_only, None, refined, "cd")
    assert fit.gap <= 1e-11
    ref = _conic(X, y, lam, threat)
    assert np.linalg.norm(fit.w - ref.w) <= math.sqrt(2 * fit.gap / lam) + math.sqrt(2 * ref.gap / lam) + 1e-12


@pytest.mark.parametrize("threat", REFINE_THREATS + [ThreatModel("l2", 0.3, perturb_x1=False)], ids=str)
def test_newton_factor_is_the_derivative_of_h(threat) -> None:
    """-Zh Zh^T / (lam n) from _newton_factor equals the Jacobian of h_F in a_F by central
    differences of h computed from fit_svm's own w(a) (_svm_from_dual) and dual norm."""
    from robtheory.training.finite_sample import _svm_dual_norm, _svm_from_dual
    from robtheory.training.svm_cd import _lagrangian_point, _newton_factor

    X, y, Z, norm, eps, weak_only, mode, s0 = _setup(threat, 300, 7, d=10)
    lam, n = 0.05, 300
    rng = np.random.default_rng(0)
    a = (rng.random(n) < 0.3).astype(float)
    F = rng.choice(n, 12, replace=False)
    a[F] = rng.uniform(0.2, 0.8, F.size)

    def h(b):
        w = _svm_from_dual(Z, lam, norm, eps, weak_only, b)
        return 1.0 - Z[F] @ w + eps * _svm_dual_norm(w, norm, weak_only)

    step = 1e-6
    jac = np.empty((F.size, F.size))
    for col, i in enumerate(F):
        e = np.zeros(n)
        e[i] = step
        jac[:, col] = (h(a + e) - h(a - e)) / (2 * step)
    g, _, abar, _ = _lagrangian_point(Z, a, n, lam, mode, eps, s0)
    Zh = _newton_factor(Z[F], g, abar, mode, eps, s0)
    assert np.max(np.abs(-Zh @ Zh.T / (lam * n) - jac)) <= 1e-6 * np.max(np.abs(jac))


@pytest.mark.parametrize("threat", THREATS, ids=str)
def test_coordinate_ascent_kernel_alone_reaches_its_gap(threat) -> None:
    """The compiled coordinate ascent, without _refine after it, stops at a point certified to its
    gap: its working set (samples at 0 leave it while far inside the margin, LIBLINEAR-style) must
    let every sample that has to move come back at each full pass."""
    X, y, Z, norm, eps, weak_only, mode, s0 = _setup(threat, 1500, 5)
    lam = 0.02
    a, epochs, gap = _cd_kernel()(np.ascontiguousarray(Z), lam, mode, eps, s0, 1e-9, 2000, 0.05, np.zeros(1500))
    fit = _certify(Z, lam, norm, eps, weak_only, None, a, "cd")
    assert epochs < 2000 and fit.gap <= 1e-9
