"""Finite-sample (adversarial) logistic regression: the certified minimiser against an independent solver."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize

from robtheory import ThreatModel, ToyModel
from robtheory.finite.learners import training_set
from robtheory.training.finite_logistic import fit_logistic


def _objective(X, y, lam, threat):
    """The adversarial logistic objective written from its definition (dual norm by numpy's norm)."""
    sl = slice(None) if threat is None or threat.perturb_x1 else slice(1, None)
    eps = 0.0 if threat is None else threat.eps
    order = 1 if threat is not None and threat.norm == "linf" else 2

    def P(w):
        pen = eps * np.linalg.norm(w[sl], ord=order)
        return np.mean(np.log1p(np.exp(-(y * (X @ w)) + pen))) + lam / 2 * w @ w
    return P


@pytest.mark.parametrize("threat", [None, ThreatModel("linf", 0.2), ThreatModel("linf", 0.6),
                                    ThreatModel("l2", 0.3), ThreatModel("linf", 0.3, perturb_x1=False)])
def test_minimiser_against_nelder_mead(threat) -> None:
    model = ToyModel(0.8, 0.4, 2)
    X, y = training_set(model, 60, 0, 7)
    lam = 0.05
    r = fit_logistic(X, y, lam, threat, tol=1e-6)
    P = _objective(X, y, lam, threat)
    best = min((optimize.minimize(P, x0, method="Nelder-Mead",
                                  options={"xatol": 1e-11, "fatol": 1e-15, "maxiter": 40000, "maxfev": 40000})
                for x0 in (np.zeros(3), r.w + 0.3, np.ones(3))), key=lambda z: z.fun)
    assert P(r.w) <= best.fun + 1e-10
    # strong convexity: P(w) - P* >= lam/2 |w - w*|^2, so the independent minimiser is within the bound too
    assert np.linalg.norm(best.x - r.w) <= r.distance_bound + np.sqrt(2 * max(best.fun - P(r.w), 0) / lam) + 1e-4
    assert r.primal == pytest.approx(P(r.w), abs=1e-12)


def test_uncertifiable_tolerance_is_an_error() -> None:
    X, y = training_set(ToyModel(0.8, 0.4, 2), 30, 0, 0)
    with pytest.raises(ValueError, match="tol"):
        fit_logistic(X, y, 0.05, None, tol=1e-30)
    with pytest.raises(ValueError, match="lam"):
        fit_logistic(X, y, 0.0)
