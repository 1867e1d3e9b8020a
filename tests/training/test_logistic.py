"""The logistic population integrals (training.logistic_case and users) against mpmath.

The reference is the definition, integrated by mpmath at 30+ digits: L = E softplus(-(u + qG)),
dL/du = -E sigma(-(u + qG)), dL/dq = -E[G sigma(-(u + qG))] (the form that cancels; the precision
is raised by as many digits as the answer is small), each integrand scaled by its largest value on a
grid so that mpmath's absolute tolerance is a relative one. robtheory uses Stein's identity
dL/dq = q E sigma'(u + qG), a split at t = 0 and its own quadrature: nothing is shared.
"""

from __future__ import annotations

import itertools
import math

import mpmath as mp
import numpy as np
import pytest

from robtheory import ThreatModel, ToyModel
from robtheory import training as T

DPS = 30


def _pts(u, q):
    c = -u / q
    pts = {c, -q, mp.mpf(0)}
    for k in (1, 5, 30, 200):
        pts |= {c - k / q, c + k / q}
    for k in (1, 4, 10, 40):
        pts |= {-q - k, -q + k, mp.mpf(k), mp.mpf(-k)}
    return sorted(x for x in pts if -60 - q < x < 60 + q)


def _quad(f, pts):
    grid = list(pts)
    for a, b in itertools.pairwise(pts):
        grid += [a + (b - a) * k / 8 for k in range(1, 8)]
    scale = max(abs(f(x)) for x in grid)
    if scale == 0:
        return mp.mpf(0)
    return mp.quad(lambda g: f(g) / scale, [-mp.inf] + pts + [mp.inf]) * scale


def mp_logistic_case(u, q):
    with mp.workdps(DPS):
        u, q = mp.mpf(u), mp.mpf(q)
        pts = _pts(u, q)

        def sp(g):
            t = u + q * g
            return mp.log1p(mp.exp(-t)) if t > -50 else -t + mp.log1p(mp.exp(t))

        L = _quad(lambda g: sp(g) * mp.npdf(g), pts)
        du = -_quad(lambda g: mp.npdf(g) / (1 + mp.exp(u + q * g)), pts)
        size = _quad(lambda g: mp.npdf(g) / (1 + mp.exp(u + q * g)) / (1 + mp.exp(-u - q * g)), pts) * q
    if size < mp.mpf("1e-300"):  # below the doubles: the digits are not needed
        return L, du, size
    with mp.workdps(DPS + 10 + int(-mp.log10(size)) if size < 1 else DPS + 10):
        u, q = mp.mpf(u), mp.mpf(q)
        dq = -_quad(lambda g: g * mp.npdf(g) / (1 + mp.exp(u + q * g)), _pts(u, q))
    return L, du, dq


def _rel(got, ref):
    ref = mp.mpf(ref)
    if abs(ref) < mp.mpf("1e-300"):
        return 0.0 if abs(got) < 1e-290 else math.inf
    return float(abs((mp.mpf(got) - ref) / ref))


# The three cases (old values: L = 3.0995e-17, dL/dq = 1.5e-15, L = 10833.154705877), then
# points over many decades of |u| and q, both signs.
POINTS = [(40.0, 2.0), (-3.0, 1e-8), (-1e4, 1e4),
          (300.0, 0.3), (-300.0, 1.0), (1e-8, 30.0), (-40.0, 1e4), (1e4, 1e4), (3.0, 1e-3),
          (-0.5, 0.3), (700.0, 1.5), (-1e-3, 1e-6), (25.0, 5.0), (-2.0, 60.0)]


@pytest.mark.parametrize("u, q", POINTS)
def test_logistic_case_matches_mpmath_to_1e_12(u, q):
    got = T.logistic_case(u, q)
    ref = mp_logistic_case(u, q)
    errs = [_rel(g, r) for g, r in zip(got, ref)]
    assert max(errs) <= T.LOGISTIC_RTOL, (u, q, errs, got, [float(r) for r in ref])


def test_logistic_case_value_only_agrees():
    for u, q in POINTS[:3]:
        assert T.logistic_case(u, q, need_grad=False)[0] == T.logistic_case(u, q)[0]


def test_reference_detects_the_old_errors():
    """Negative control: the issue's old values are rejected at the test's tolerance."""
    assert _rel(3.0995e-17, mp_logistic_case(40.0, 2.0)[0]) > 1e-3
    assert _rel(1.5e-15, mp_logistic_case(-3.0, 1e-8)[2]) > 0.5
    assert _rel(10833.154705877, mp_logistic_case(-1e4, 1e4)[0]) > 1e-9


def test_logistic_stats_gradient_matches_mpmath_chain_rule():
    # l_inf with x1, far in the tail of the p-case: every component is a positive sum
    p, eta, eps, a, S, Q, U1 = 0.9, 0.5, 0.1, 30.0, 40.0, 2.0, 60.0
    val, grad = T.logistic_stats(p, eta, eps, a, S, Q, U1, "linf_full")
    N = abs(a) + U1
    ref_val, ref_g = mp.mpf(0), [mp.mpf(0)] * 4
    for s, prob in ((1, p), (-1, 1 - p)):
        L, Lu, Lq = mp_logistic_case(s * a + eta * S - eps * N, Q)
        ref_val += prob * L
        parts = (Lu * (s - eps), Lu * eta, Lq, -eps * Lu)
        ref_g = [g + prob * x for g, x in zip(ref_g, parts)]
    assert _rel(val, ref_val) <= T.LOGISTIC_RTOL
    for g, r in zip(grad, ref_g):
        assert _rel(g, r) <= 4 * T.LOGISTIC_RTOL


def test_logistic_objective_gradient_agrees_with_finite_differences_of_its_value():
    """The Stein-form gradient is the derivative of the value (central differences, step 1e-5)."""
    obj = T.Objective(ToyModel(0.8, 0.3, 16), 0.05, ThreatModel("l2", 0.2), "logistic")
    x = np.array([0.7, 0.4])
    g = obj.gradient(*x)
    h = 1e-5
    for j in range(2):
        e = np.zeros(2)
        e[j] = h
        fd = (obj.value(*(x + e)) - obj.value(*(x - e))) / (2 * h)
        assert fd == pytest.approx(g[j], rel=1e-8, abs=1e-10)


def test_svm_logistic_residual_is_honest(capsys):
    """The certificate accounts for the gradients' accuracy: the true residual (the gradient norm
    at the reported smooth optimum, from mpmath) is within kkt_residual + kkt_floor, and the
    table never prints a residual below the floor."""
    import json

    from robtheory.cli import main

    argv = ["svm", "--p", "0.9", "--eta", "0.3", "--d", "16", "--lam", "0.1", "--loss", "logistic",
            "--eps-train", "0.1", "--norm", "l2"]
    assert main(argv + ["--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["kkt_floor"] > 0 and out["v"] > 0
    p, eta, d, lam, eps = 0.9, 0.3, 16, 0.1, 0.1
    w1, v = mp.mpf(out["w1"]), mp.mpf(out["v"])
    mu, n = mp.mpf(eta) * mp.sqrt(d), mp.sqrt(w1 ** 2 + v ** 2)
    gw, gv = lam * w1, lam * v
    for s, prob in ((1, p), (-1, 1 - p)):
        _, Lu, Lq = mp_logistic_case(s * w1 + mu * v - eps * n, v)
        gw += prob * Lu * (s - eps * w1 / n)
        gv += prob * (Lu * (mu - eps * v / n) + Lq)
    true_residual = float(mp.sqrt(gw ** 2 + gv ** 2))
    assert true_residual <= out["kkt_residual"] + out["kkt_floor"]
    assert out["distance_bound"] == pytest.approx((out["kkt_residual"] + out["kkt_floor"]) / lam)
    assert main(argv) == 0
    line = next(ln for ln in capsys.readouterr().out.splitlines() if "KKT residual" in ln)
    if out["kkt_residual"] < out["kkt_floor"]:
        assert f"below {out['kkt_floor']:.1e}" in line
    else:
        assert f"accurate to {out['kkt_floor']:.1e}" in line


def test_subnormal_spread_gives_the_point_mass_limit_without_overflow():
    """q = 5e-324 (found by hypothesis): m/q overflowed in _special._ratio and raised under the
    suite's RuntimeWarning filter. The limit q -> 0 is the loss at the point m: log(1 + e^-m)."""
    import math
    import warnings

    from robtheory import training as T

    for m in (-1.0, 1.0, 30.0):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            L, dm, dq = T.logistic_case(m, 5e-324)
        assert math.isclose(L, math.log1p(math.exp(-m)), rel_tol=1e-12)
        assert math.isclose(dm, -1 / (1 + math.exp(m)), rel_tol=1e-12)
        assert 0.0 <= dq <= 1e-300
