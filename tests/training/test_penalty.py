"""The adversary's penalty eps*||w_P||_* and its gradient (robtheory.classifiers, one home).

Expected values are computed independently with mpmath at 50 digits from the definition (the
dual norm of the perturbable weights); the huge and tiny weights are the overflow/underflow
cases that summing squares in float64 gets wrong.
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest

from robtheory.classifiers import (
    LinearClassifier,
    dual_norm_penalty,
    dual_norm_penalty_gradient,
    dual_norm_stats,
)
from robtheory.mc import hinge
from robtheory.mc import reference as R
from robtheory.model import ThreatModel, ToyModel
from robtheory.theory.closed_form import variant

mp.mp.dps = 50

THREATS = [ThreatModel("linf", 0.3), ThreatModel.weak_only("linf", 0.3),
           ThreatModel("l2", 0.7), ThreatModel.weak_only("l2", 0.7)]


def _ids(t):
    return f"{t.norm}-{'full' if t.perturb_x1 else 'weak'}"


def _mp_penalty(w, threat):
    """eps * ||w_P||_* in mpmath, from the definition."""
    u = [mp.mpf(float(x)) for x in (w if threat.perturb_x1 else w[1:])]
    dual = mp.fsum(abs(x) for x in u) if threat.norm == "linf" else mp.sqrt(mp.fsum(x * x for x in u))
    return mp.mpf(threat.eps) * dual


def _mp_gradient(w, threat):
    lo = 0 if threat.perturb_x1 else 1
    u = [mp.mpf(float(x)) for x in w[lo:]]
    if threat.norm == "linf":
        g = [mp.sign(x) for x in u]
    else:
        n = mp.sqrt(mp.fsum(x * x for x in u))
        g = [x / n for x in u]
    return [mp.mpf(0)] * lo + [mp.mpf(threat.eps) * x for x in g]


def _weights(scale, k=7, seed=3):
    rng = np.random.default_rng(seed)
    return scale * rng.uniform(0.5, 2.0, k) * rng.choice([-1.0, 1.0], k)


@pytest.mark.parametrize("threat", THREATS, ids=_ids)
@pytest.mark.parametrize("scale", [1.0, 1e200, 1e-200, 1e300])
def test_penalty_is_the_dual_norm_at_every_scale(threat, scale):
    # 1e200: the squares overflow (sum(u*u) = inf); 1e-200: they underflow to 0
    w = _weights(scale)
    got = dual_norm_penalty(w, threat)
    want = _mp_penalty(w, threat)
    assert math.isfinite(got) and got > 0
    assert abs(mp.mpf(got) - want) <= 8 * 2.0**-52 * want  # k = 7 terms, a few roundings each


def test_plain_sum_of_squares_overflows_where_the_penalty_does_not():
    # Why the one home matters: the formula it replaced (sqrt(sum(u*u))) gave inf here, so
    # every Monte Carlo estimate with these weights counted no robust sample as correct.
    w = np.full(5, 1e200)
    with np.errstate(over="ignore"):
        assert np.sqrt(np.sum(w * w)) == np.inf
    assert dual_norm_penalty(w, ThreatModel("l2", 1.0)) == pytest.approx(math.sqrt(5) * 1e200, rel=1e-15)
    assert R.robust_penalty(w, ThreatModel("l2", 1.0)) == pytest.approx(math.sqrt(5) * 1e200, rel=1e-15)


def test_no_threat_or_radius_zero_is_no_penalty():
    w = _weights(1.0)
    for threat in (None, ThreatModel("linf", 0.0), ThreatModel("l2", 0.0)):
        assert dual_norm_penalty(w, threat) == 0.0
        assert np.all(dual_norm_penalty_gradient(w, threat) == 0.0)


def test_only_the_perturbable_weights_count():
    w = np.array([-3.0, 1.0, -2.0, 2.0])
    assert dual_norm_penalty(w, ThreatModel("linf", 0.5)) == 0.5 * 8.0
    assert dual_norm_penalty(w, ThreatModel.weak_only("linf", 0.5)) == 0.5 * 5.0
    assert dual_norm_penalty(w, ThreatModel("l2", 2.0)) == pytest.approx(2.0 * math.sqrt(18.0), rel=1e-15)
    assert dual_norm_penalty(w, ThreatModel.weak_only("l2", 2.0)) == pytest.approx(6.0, rel=1e-15)


@pytest.mark.parametrize("threat", THREATS, ids=_ids)
@pytest.mark.parametrize("scale", [1.0, 1e200, 1e-200, 1e307])
def test_gradient_matches_the_definition_at_every_scale(threat, scale):
    # 1e307: even ||w_P|| overflows, the direction w_P/||w_P|| does not
    w = _weights(scale)
    got = dual_norm_penalty_gradient(w, threat)
    want = _mp_gradient(w, threat)
    assert got.shape == w.shape and np.all(np.isfinite(got))
    for g, e in zip(got, want):
        assert abs(mp.mpf(float(g)) - e) <= 4 * 2.0**-52 * abs(mp.mpf(threat.eps))


@pytest.mark.parametrize("threat", THREATS, ids=_ids)
def test_gradient_is_the_derivative_of_the_penalty(threat):
    # central differences of the value (an independent check of value and gradient together)
    w = _weights(1.0)
    g = dual_norm_penalty_gradient(w, threat)
    h = 1e-6
    for k in range(w.size):
        e = np.zeros_like(w)
        e[k] = h
        fd = (dual_norm_penalty(w + e, threat) - dual_norm_penalty(w - e, threat)) / (2 * h)
        assert fd == pytest.approx(g[k], abs=1e-8)


def test_gradient_refuses_the_kinks_naming_the_weight():
    w = np.array([1.0, 0.5, 0.0, -2.0])
    with pytest.raises(ValueError, match=r"w\[2\] = 0"):
        dual_norm_penalty_gradient(w, ThreatModel("linf", 0.1))
    with pytest.raises(ValueError, match="w_P = 0"):
        dual_norm_penalty_gradient(np.array([1.0, 0.0, 0.0]), ThreatModel.weak_only("l2", 0.1))
    # x1 = 0 is no kink when x1 cannot be perturbed
    g = dual_norm_penalty_gradient(np.array([0.0, 1.0, -1.0]), ThreatModel.weak_only("linf", 0.1))
    assert g.tolist() == [0.0, 0.1, -0.1]


@pytest.mark.parametrize("threat", THREATS, ids=_ids)
def test_stats_form_is_the_same_norm(threat):
    # the population objectives' version, fed with statistics computed in mpmath from w
    w = _weights(1.0)
    u = [mp.mpf(float(x)) for x in w[1:]]
    Q = float(mp.sqrt(mp.fsum(x * x for x in u)))
    U1 = float(mp.fsum(abs(x) for x in u))
    N, dNa, dNQ, dNU = (float(x) for x in dual_norm_stats(variant(threat), w[0], Q, U1))
    assert threat.eps * N == pytest.approx(float(_mp_penalty(w, threat)), rel=1e-15)
    # partials against central differences in the statistics
    h = 1e-7
    for k, got in enumerate((dNa, dNQ, dNU)):
        args_p, args_m = [w[0], Q, U1], [w[0], Q, U1]
        args_p[k] += h
        args_m[k] -= h
        fd = (float(dual_norm_stats(variant(threat), *args_p)[0])
              - float(dual_norm_stats(variant(threat), *args_m)[0])) / (2 * h)
        assert fd == pytest.approx(got, abs=1e-7)


def test_unknown_kind_is_named():
    with pytest.raises(ValueError, match="'linf_half'"):
        dual_norm_stats("linf_half", 1.0, 1.0, 1.0)


def test_hinge_oracle_uses_the_underflow_safe_penalty():
    # The Monte Carlo hinge oracle with tiny l2 weights (1e-170: their squares underflow to 0).
    # Its per-sample gradient carries eps * w_P/||w_P|| (norm eps); the old copy summed the
    # squares, found ||w_P|| = 0 and refused the point. Every sample is active (|y w.x| is
    # about 1e-170, far below the hinge's 1).
    model = ToyModel(0.8, 0.5, 3)
    w = np.full(4, 1e-170)
    threat = ThreatModel("l2", 0.5)
    est = hinge.estimate_hinge(model, LinearClassifier(w, 0.0), threat, seed=1, n=1000)
    data_term = np.zeros(4)
    for _, y, X in R.iter_chunks(model, 1, 1000):
        data_term += (-(y[:, None] * X)).sum(axis=0)
    data_term /= 1000
    np.testing.assert_allclose(est["grad"]["mean"][:-1] - data_term, np.full(4, 0.5 * 0.5), rtol=1e-9)
