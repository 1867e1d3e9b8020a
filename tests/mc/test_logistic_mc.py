"""The population logistic loss (exact quadrature) and its gradient against Monte Carlo.

The logistic objective has no closed form; ``training.Objective(loss="logistic")`` integrates the
two-component Gaussian mixture of the margin exactly. Here it is checked against sample means of
the per-sample robust logistic loss and its (Danskin) gradient in Lemma D.1's coordinates
(w1, v), with a CLT z-test per quantity at a family-wise false-alarm rate of 1e-6 (Bonferroni over
every quantity of this module), and a negative control (eps not applied to x1) that the same test
rejects at the same n.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import expit, ndtri

from robtheory import ThreatModel, ToyModel
from robtheory import training as T
from robtheory.mc import reference as ref

N = 200_000
CASES = [  # (p, eta, d, threat, w1, v)
    (0.9, 0.3, 50, None, 0.7, 1.1),
    (0.8, 0.2, 50, ThreatModel("linf", 0.1), 0.9, 0.6),
    (0.95, 0.25, 50, ThreatModel("l2", 0.5), 1.3, -0.4),
    (0.7, 0.3, 50, ThreatModel("linf", 0.2, perturb_x1=False), 0.5, 0.8),
]
ALPHA = 1e-6 / (3 * (len(CASES) + 1))  # loss and two gradient components per case (+ control)
Z = float(ndtri(1 - ALPHA / 2))


def _sample_means(model: ToyModel, threat, w1: float, v: float, seed: int):
    """Means and standard errors of the robust logistic loss and its gradient in (w1, v)."""
    sd = math.sqrt(model.d)
    eps = 0.0 if threat is None else threat.eps
    norm = None if threat is None else threat.norm
    full = threat is None or threat.perturb_x1
    # dual norm of the perturbable weights and its derivatives in (w1, v)
    if norm == "linf":
        dual = (abs(w1) if full else 0.0) + sd * abs(v)
        ddual = (np.sign(w1) if full else 0.0, sd * np.sign(v))
    elif norm == "l2":
        dual = math.hypot(w1, v) if full else abs(v)
        ddual = (w1 / dual, v / dual) if full else (0.0, np.sign(v))
    else:
        dual, ddual = 0.0, (0.0, 0.0)
    vals = []
    for _, y, X in ref.iter_chunks(model, seed, N):
        s = X[:, 1:].sum(axis=1) / sd
        m = y * (w1 * X[:, 0] + v * s) - eps * dual
        loss = np.logaddexp(0.0, -m)
        g = -expit(-m)
        vals.append(np.column_stack([loss, g * (y * X[:, 0] - eps * ddual[0]), g * (y * s - eps * ddual[1])]))
    a = np.concatenate(vals)
    return a.mean(axis=0), a.std(axis=0, ddof=1) / math.sqrt(a.shape[0])


def _z(model, threat, w1, v, seed):
    obj = T.Objective(model, 0.0, threat, "logistic")
    exact = np.array([obj.loss_value(w1, v), *obj.gradient(w1, v)])
    mean, se = _sample_means(model, threat, w1, v, seed)
    return (mean - exact) / se


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"p{c[0]}-eta{c[1]}-{c[3]}")
def test_logistic_loss_and_gradient_match_monte_carlo(case):
    p, eta, d, threat, w1, v = case
    z = _z(ToyModel(p, eta, d), threat, w1, v, seed=11)
    assert np.all(np.abs(z) < Z), f"z = {z} against the critical value {Z:.2f}"


def test_negative_control_eps_not_applied_to_x1():
    # samples of the full l_inf ball (x1 moved by eps) against the closed form of the weak-only
    # ball (eps not applied to x1): the same test must reject it at the same n
    p, eta, d, threat, w1, v = CASES[1]
    wrong = ThreatModel("linf", threat.eps, perturb_x1=False)
    obj = T.Objective(ToyModel(p, eta, d), 0.0, wrong, "logistic")
    exact = np.array([obj.loss_value(w1, v), *obj.gradient(w1, v)])
    mean, se = _sample_means(ToyModel(p, eta, d), threat, w1, v, seed=12)
    assert np.max(np.abs((mean - exact) / se)) > Z
