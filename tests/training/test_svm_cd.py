"""The learning curves' SVM solver (dual coordinate ascent + polish) against an independent interior point."""

from __future__ import annotations

import math

import numpy as np
import pytest

from robtheory import ThreatModel, ToyModel
from robtheory.training.finite_sample import _conic_fit, sample
from robtheory.training.svm_cd import _certify, _fit_svm_cd

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
