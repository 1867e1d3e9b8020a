"""Hypothesis properties of the population objectives (robtheory.training).

Convexity along random lines, gradient == finite differences, exact one-sided derivatives at
the kinks, the optimum satisfies the KKT (zero-subgradient) condition, and the adversarial
loss dominates the standard one. Strategies for the training layer are kept here, next to
their only users (tests/strategies.py holds those of the accuracy layer).
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from robtheory import training as T
from robtheory.model import ThreatModel, ToyModel

# --------------------------------------------------------------------------- strategies
p_s = st.floats(0.5, 0.995)
eta_s = st.one_of(st.just(0.0), st.floats(0.01, 1.0))
d_s = st.sampled_from([1, 2, 7, 100, 10**4])
lam_s = st.floats(0.01, 5.0)
eps_s = st.floats(0.0, 0.95)
kind_s = st.sampled_from(["standard", "linf_full", "linf_weak", "l2_full", "l2_weak"])
coord = st.one_of(st.just(0.0), st.floats(-3.0, 3.0))


def threat_of(kind: str, eps: float):
    if kind == "standard" or eps == 0:
        return None
    norm, part = kind.split("_")
    return ThreatModel(norm, eps, part == "full")


@st.composite
def objectives(draw, loss="hinge"):
    model = ToyModel(draw(p_s), draw(eta_s), draw(d_s))
    return T.Objective(model, draw(lam_s), threat_of(draw(kind_s), draw(eps_s)), loss)


points = st.tuples(coord, coord)
_away = st.builds(lambda m, s: s * m, st.floats(0.05, 3.0), st.sampled_from([-1.0, 1.0]))
#: points where J is C-infinity: off the kinks w1 = 0 and v = 0
smooth_points = st.tuples(_away, _away)
#: points on or clearly off the kinks (a finite difference of step h must not cross a kink)
kink_points = st.tuples(st.one_of(st.just(0.0), _away), st.one_of(st.just(0.0), _away))


def _scale(*vals):
    return 1.0 + max(abs(float(v)) for v in vals)


# --------------------------------------------------------------------------- convexity
@given(obj=objectives(), x=points, y=points, t=st.floats(0.0, 1.0))
def test_hinge_objective_is_convex_along_lines(obj, x, y, t):
    z = (t * x[0] + (1 - t) * y[0], t * x[1] + (1 - t) * y[1])
    jz, jx, jy = obj.value(*z), obj.value(*x), obj.value(*y)
    assert jz <= t * jx + (1 - t) * jy + 1e-12 * _scale(jx, jy)


@given(obj=objectives("logistic"), x=points, y=points, t=st.floats(0.0, 1.0))
def test_logistic_objective_is_convex_along_lines(obj, x, y, t):
    z = (t * x[0] + (1 - t) * y[0], t * x[1] + (1 - t) * y[1])
    jz, jx, jy = obj.value(*z), obj.value(*x), obj.value(*y)
    assert jz <= t * jx + (1 - t) * jy + 1e-10 * _scale(jx, jy)


@given(obj=objectives(), w=st.lists(st.floats(-2.0, 2.0), min_size=4, max_size=4),
       u=st.lists(st.floats(-2.0, 2.0), min_size=4, max_size=4), t=st.floats(0.0, 1.0))
def test_full_vector_objective_is_convex_along_lines(obj, w, u, t):
    obj = T.Objective(ToyModel(obj.model.p, obj.model.eta, 3), obj.lam, obj.threat)
    w, u = np.array(w), np.array(u)
    jz = obj.value_full(t * w + (1 - t) * u)
    jw, ju = obj.value_full(w), obj.value_full(u)
    assert jz <= t * jw + (1 - t) * ju + 1e-12 * _scale(jw, ju)


# --------------------------------------------------------------------------- derivatives
@given(obj=objectives(), x=smooth_points)
def test_hinge_gradient_matches_finite_differences(obj, x):
    w1, v = x
    g = obj.gradient(w1, v)
    h = 1e-6
    fd = np.array([(obj.value(w1 + h, v) - obj.value(w1 - h, v)) / (2 * h),
                   (obj.value(w1, v + h) - obj.value(w1, v - h)) / (2 * h)])
    # central differences: error O(h^2 * J''') + O(eps_machine * J / h)
    np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-6 * _scale(obj.value(w1, v), *g))


@given(obj=objectives("logistic"), x=smooth_points)
def test_logistic_gradient_matches_finite_differences(obj, x):
    w1, v = x
    g = obj.gradient(w1, v)
    h = 1e-5
    fd = np.array([(obj.value(w1 + h, v) - obj.value(w1 - h, v)) / (2 * h),
                   (obj.value(w1, v + h) - obj.value(w1, v - h)) / (2 * h)])
    np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-6 * _scale(*g))


@given(obj=objectives(), x=kink_points, theta=st.floats(0.0, 2 * math.pi))
def test_one_sided_derivative_matches_forward_differences_at_kinks(obj, x, theta):
    # x may lie on v = 0 or w1 = 0 (kinks of the hinge and of the dual norm); on v = 0 a
    # hinge argument may vanish (its kink) but must not be within the step of it.
    w1, v = x
    if v == 0:
        m = 1.0 - np.array(obj.margin_means(w1, 0.0), dtype=float)
        assume(np.all((np.abs(m) < 1e-13) | (np.abs(m) > 1e-3)))
    al, be = math.cos(theta), math.sin(theta)
    dd = float(obj.directional_derivative(w1, v, al, be))
    f0 = obj.value(w1, v)
    # J along the ray is piecewise smooth; two forward differences extrapolated (Richardson)
    h = 1e-6
    f1 = (obj.value(w1 + h * al, v + h * be) - f0) / h
    f2 = (obj.value(w1 + 2 * h * al, v + 2 * h * be) - f0) / (2 * h)
    fd = 2 * f1 - f2
    assert abs(dd - fd) <= 1e-4 * _scale(dd, f0)


# --------------------------------------------------------------------------- KKT at the optimum
@given(obj=objectives())
def test_hinge_optimum_satisfies_kkt(obj):
    opt = T.solve(obj)
    assert opt.kkt_residual <= 1e-7 * _scale(opt.w1, opt.v)
    # zero subgradient: no direction decreases J at first order
    th = np.linspace(0, 2 * np.pi, 64, endpoint=False)
    dd = obj.directional_derivative(opt.w1, opt.v, np.cos(th), np.sin(th))
    assert np.min(dd) >= -1e-7 * _scale(opt.w1, opt.v)
    # and the optimum is not beaten by nearby points
    for r in (1e-3, 1e-1):
        vals = obj.value(opt.w1 + r * np.cos(th), opt.v + r * np.sin(th))
        assert np.min(vals) >= opt.value - 1e-12 * _scale(opt.value)


@settings(max_examples=6)  # one exact logistic optimum per example (~0.1 s)
@given(obj=objectives("logistic"))
def test_logistic_optimum_satisfies_kkt(obj):
    opt = T.solve(obj)
    assert opt.kkt_residual <= 1e-6 * _scale(opt.w1, opt.v)
    th = np.linspace(0, 2 * np.pi, 8, endpoint=False)
    for r in (1e-2,):
        vals = [obj.value(opt.w1 + r * c, opt.v + r * s) for c, s in zip(np.cos(th), np.sin(th))]
        assert min(vals) >= opt.value - 1e-10 * _scale(opt.value)


# --------------------------------------------------------------------------- adversarial >= standard
@given(p=p_s, eta=eta_s, d=d_s, kind=kind_s, e1=eps_s, e2=eps_s, x=points)
def test_adversarial_hinge_dominates_standard_and_grows_with_eps(p, eta, d, kind, e1, e2, x):
    lo, hi = sorted((e1, e2))
    model = ToyModel(p, eta, d)
    std = T.Objective(model, 0.0).loss_value(*x)
    a_lo = T.Objective(model, 0.0, threat_of(kind, lo)).loss_value(*x)
    a_hi = T.Objective(model, 0.0, threat_of(kind, hi)).loss_value(*x)
    tol = 1e-13 * _scale(std, a_hi)
    assert std <= a_lo + tol and a_lo <= a_hi + tol


@given(p=p_s, eta=eta_s, d=d_s, kind=kind_s, eps=eps_s, x=points)
def test_adversarial_logistic_dominates_standard(p, eta, d, kind, eps, x):
    model = ToyModel(p, eta, d)
    std = T.Objective(model, 0.0, None, "logistic").loss_value(*x)
    adv = T.Objective(model, 0.0, threat_of(kind, eps), "logistic").loss_value(*x)
    assert std <= adv + 1e-12 * _scale(std)


@settings(max_examples=60)  # one adversarial SVM optimum per example (~0.15 s)
@given(p=p_s, eta=eta_s, lam=lam_s, kind=kind_s, eps=eps_s)
def test_adversarial_optimum_value_dominates_standard(p, eta, lam, kind, eps):
    model = ToyModel(p, eta, 100)
    std = T.solve(T.Objective(model, lam))
    adv = T.solve(T.Objective(model, lam, threat_of(kind, eps)))
    assert std.value <= adv.value + 1e-10
