"""Checks of the closed forms that do not go through the symbolic derivation.

* numerical integration (scipy.integrate.quad) of the Gaussian weak-feature statistic over
  the set where the worst-case margin is positive;
* brute force over the perturbation ball (vertices of the l_inf ball, a constrained
  optimiser on the l_2 ball) for full weight vectors in small dimension;
* 50-digit mpmath evaluation of accuracies and error rates, down to error rates of 1e-300
  and, in log space, far below the float64 range;
* the spec's Bayes accuracy A_B(p, mu) (theory §3.3) evaluated with mpmath.
"""

from __future__ import annotations

import itertools
import math

import mpmath
import numpy as np
import pytest
import strategies as S
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy import integrate, optimize
from scipy.special import ndtr

from robtheory.theory import closed_form as cf
from robtheory.classifiers import (
    ConstantClassifier,
    LinearClassifier,
    StructuredLinear,
    averaging,
    bayes,
)
from robtheory.model import ThreatModel, ToyModel

EPS64 = np.finfo(np.float64).eps
MP_DPS = 50
CASES = [(y, s1) for y in (1, -1) for s1 in (1, -1)]  # (y, y * x1)


def dual_norm(kind, a, Q, U1):
    """Price of the perturbation per unit eps, written out for each threat model."""
    return {"standard": 0.0, "linf_full": abs(a) + U1, "linf_weak": U1,
            "l2_full": math.hypot(a, Q), "l2_weak": Q}[kind]


# --------------------------------------------------------------------------- quad
GAUSS_CUT = 40.0  # P(|G| > 40) < 1e-348: the density beyond is below float64 resolution


def _density_mass(lo: float) -> float:
    """Integral of the standard normal density over (lo, inf), by quad on a finite range."""
    lo = max(lo, -GAUSS_CUT)
    if lo >= GAUSS_CUT:
        return 0.0
    pdf = lambda g: math.exp(-0.5 * g * g) / math.sqrt(2 * math.pi)
    pts = [0.0] if lo < 0.0 else None
    val, abserr = integrate.quad(pdf, lo, GAUSS_CUT, points=pts, epsabs=1e-13, epsrel=1e-13,
                                 limit=200)
    assert abserr < 1e-11
    return val


def quad_accuracy(p, eta, eps, a, b, Sum, Q, U1, kind):
    """sum_{y, s1} P(y, s1) * integral of phi(g) over {g : a s1 + y b + eta S + Q g - eps*dual > 0}."""
    assert Q > 0
    total = 0.0
    for y, s1 in CASES:
        prob = 0.5 * (p if s1 == 1 else 1 - p)
        m = a * s1 + y * b + eta * Sum - eps * dual_norm(kind, a, Q, U1)
        total += prob * _density_mass(-m / Q)  # the margin m + Q g is positive iff g > -m/Q
    return total


@given(S.model_and_stats(allow_zero_weak=False), S.epss)
def test_accuracy_matches_numerical_integration(ms, eps):
    model, st_ = ms
    for kind in S.KINDS:
        e = 0.0 if kind == "standard" else eps
        want = quad_accuracy(model.p, model.eta, e, st_.a, st_.b, st_.S, st_.Q, st_.U1, kind)
        got, err, _ = cf.accuracy_stats(model.p, model.eta, e, st_.a, st_.b, st_.S, st_.Q, st_.U1,
                                        kind)
        assert abs(float(got) - want) <= 1e-9, (kind, float(got), want)
        assert abs(float(err) - (1 - want)) <= 1e-9, (kind, float(err), 1 - want)


# --------------------------------------------------------------------------- brute force
def brute_force_min_linf(w, y, eps, perturb_x1):
    """min over the vertices of the l_inf ball of y w.delta (a linear function: a vertex wins)."""
    n = len(w)
    free = range(n) if perturb_x1 else range(1, n)
    best = math.inf
    for signs in itertools.product((-1.0, 1.0), repeat=len(free)):
        delta = np.zeros(n)
        delta[list(free)] = eps * np.array(signs)
        best = min(best, y * float(w @ delta))
    return best


def numeric_min_l2(w, y, eps, perturb_x1):
    """min of y w.delta subject to |delta|_2 <= eps, by SLSQP from several starts."""
    n = len(w)
    mask = np.ones(n) if perturb_x1 else np.r_[0.0, np.ones(n - 1)]
    cons = {"type": "ineq", "fun": lambda x: eps**2 - float((mask * x) @ (mask * x)),
            "jac": lambda x: -2 * mask * mask * x}
    rng = np.random.default_rng(0)
    best = 0.0
    for _ in range(3):
        x0 = rng.normal(size=n) * eps / (2 * math.sqrt(n))
        res = optimize.minimize(lambda x: y * float(w @ (mask * x)), x0,
                                jac=lambda x: y * w * mask, constraints=[cons], method="SLSQP",
                                options={"ftol": 1e-15, "maxiter": 500})
        delta = mask * res.x
        norm = float(np.linalg.norm(delta))
        if norm > eps:  # SLSQP may end marginally outside: project back onto the ball
            delta *= eps / norm
        best = min(best, y * float(w @ delta))
    return best


@given(st.integers(2, 5).flatmap(lambda d: st.tuples(st.just(d), S.weight_vectors(d))),
       st.sampled_from([-1, 1]), st.floats(0.01, 2.0), st.booleans())
def test_worst_case_perturbation_by_brute_force(dw, y, eps, perturb_x1):
    _, w = dw
    assume(perturb_x1 or np.any(w[1:]))
    stats = LinearClassifier(w).stats()
    want_inf = -eps * dual_norm("linf_full" if perturb_x1 else "linf_weak", stats.a, stats.Q,
                                stats.U1)
    got_inf = brute_force_min_linf(w, y, eps, perturb_x1)
    assert abs(got_inf - want_inf) <= 8 * EPS64 * eps * float(np.abs(w).sum())
    want_2 = -eps * dual_norm("l2_full" if perturb_x1 else "l2_weak", stats.a, stats.Q, stats.U1)
    got_2 = numeric_min_l2(w, y, eps, perturb_x1)
    # SLSQP converges to the KKT point to ~1e-8 in the objective for these sizes.
    assert got_2 >= want_2 - 8 * EPS64 * eps * float(np.abs(w).sum())  # nothing beats the bound
    assert abs(got_2 - want_2) <= 1e-6 * eps * float(np.linalg.norm(w))


@given(st.integers(2, 5).flatmap(
           lambda d: st.tuples(S.models(d=st.just(d)), S.full_linear(d))),
       st.floats(0.01, 2.0), st.sampled_from(S.ROBUST_KINDS))
def test_robust_accuracy_is_standard_accuracy_at_the_brute_force_worst_case(mc, eps, kind):
    """Robust accuracy == accuracy with every margin lowered by the brute-force minimum."""
    model, clf = mc
    threat = S.threat_of_kind(kind, eps)
    assume(threat.perturb_x1 or np.any(clf.w[1:]))
    st_ = clf.stats(model)
    assume(st_.Q > 0)
    shift = (brute_force_min_linf if threat.norm == "linf" else numeric_min_l2)(
        clf.w, 1, eps, threat.perturb_x1)
    want = sum(0.5 * (model.p if s1 == 1 else 1 - model.p)
               * ndtr((st_.a * s1 + y * st_.b + model.eta * st_.S + shift) / st_.Q)
               for y, s1 in CASES)
    got = cf.linear_accuracy(model, clf, threat).robust_accuracy
    # The l_2 minimum is numeric (<= 1e-6 eps |w| off), and Phi has slope < 0.4.
    tol = 1e-12 if threat.norm == "linf" else 0.4 * 1e-6 * eps * np.linalg.norm(clf.w) / st_.Q
    assert abs(got - want) <= tol + 64 * EPS64, (got, want)


# --------------------------------------------------------------------------- mpmath
def mp_stats(clf):
    """(a, b, S, Q, U1) of a classifier, in exact/50-digit arithmetic from its defining floats."""
    mpf = mpmath.mpf
    if isinstance(clf, StructuredLinear):
        c, d = mpf(clf.c), clf.d
        return mpf(clf.a), mpf(clf.b), c * d, abs(c) * mpmath.sqrt(d), abs(c) * d
    if isinstance(clf, LinearClassifier):
        u = [mpf(float(x)) for x in clf.w[1:]]
        return (mpf(float(clf.w[0])), mpf(clf.b), mpmath.fsum(u),
                mpmath.sqrt(mpmath.fsum(x * x for x in u)), mpmath.fsum(abs(x) for x in u))
    assert isinstance(clf, ConstantClassifier)
    return mpf(0), mpf(clf.b), mpf(0), mpf(0), mpf(0)


def mp_accuracy(model, clf, threat=None):
    """(accuracy, error rate) at 50 digits: sum over (y, s1) of P(N(m, Q^2) > 0), ties fail."""
    a, b, Sum, Q, U1 = mp_stats(clf)
    p, eta = mpmath.mpf(model.p), mpmath.mpf(model.eta)
    if threat is None:
        price = 0
    else:
        e = mpmath.mpf(threat.eps)
        if threat.norm == "linf":
            price = e * ((abs(a) if threat.perturb_x1 else 0) + U1)
        else:
            price = e * (mpmath.sqrt(a * a + Q * Q) if threat.perturb_x1 else Q)
    acc = err = mpmath.mpf(0)
    for y, s1 in CASES:
        prob = (p if s1 == 1 else 1 - p) / 2
        m = a * s1 + y * b + eta * Sum - price
        if Q > 0:
            acc += prob * mpmath.ncdf(m / Q)
            err += prob * mpmath.ncdf(-m / Q)
        else:
            acc += prob * (m > 0)
            err += prob * (m <= 0)
    return acc, err


def assert_accuracy_agrees(res, model, clf, threat=None, check_log=True):
    with mpmath.workdps(MP_DPS):
        acc_s, err_s = mp_accuracy(model, clf)
        acc_r, err_r = mp_accuracy(model, clf, threat) if threat is not None else (acc_s, err_s)
        for got_acc, got_err, got_log, want_acc, want_err in (
            (res.standard_accuracy, res.standard_error_rate, res.log_standard_error_rate,
             acc_s, err_s),
            (res.robust_accuracy, res.robust_error_rate, res.log_robust_error_rate, acc_r, err_r),
        ):
            assert abs(got_acc - want_acc) <= 1e-9, (got_acc, want_acc)
            if want_err == 0:
                assert got_err == 0 and got_log == -math.inf
                continue
            if want_err >= 1e-300:
                assert abs(got_err - want_err) <= 1e-6 * want_err, (got_err, want_err)
            if check_log:
                # |log(got) - log(want)| <= 1e-6 <=> rates agree to ~1e-6 relative
                assert abs(got_log - mpmath.log(want_err)) <= 1e-6, (got_log, mpmath.log(want_err))


def margin_terms(model, st_, eps=0.0):
    """sum of |terms| of any margin: its float64 rounding error is a few eps64 times this."""
    return (abs(model.eta * st_.S) + abs(st_.a) + abs(st_.b)
            + eps * (abs(st_.a) + st_.U1 + st_.Q + math.hypot(st_.a, st_.Q)))


@settings(suppress_health_check=[HealthCheck.filter_too_much])
@given(S.model_and_classifier(), S.threats())
def test_linear_accuracy_against_mpmath(mc, threat):
    model, clf = mc
    st_ = clf.stats(model)
    terms = margin_terms(model, st_, threat.eps)
    if st_.Q > 0:
        # The relative error of an error rate is ~|r| dr <= eps64 (terms/Q)^2 (r = m/Q):
        # require float64 to deliver the asserted 1e-6 with a margin of 100.
        assume(terms / st_.Q <= 1e3)
    else:
        # Q = 0: correctness is an indicator of the sign of each margin; a margin within
        # rounding of 0 has no well-defined float64 sign (exact ties: see test_properties).
        with mpmath.workdps(MP_DPS):
            a, b, Sum, _, U1 = mp_stats(clf)
            price = max(abs(a) + U1, abs(a)) * threat.eps  # any of the four duals, at Q = 0
            for y, s1 in CASES:
                for pr in (0, price):
                    m = a * s1 + y * b + mpmath.mpf(model.eta) * Sum - pr
                    assume(abs(m) > 64 * EPS64 * (terms + 1e-300))
    assert_accuracy_agrees(cf.linear_accuracy(model, clf, threat), model, clf, threat)


@pytest.mark.parametrize("mu", [3, 5, 8, 13, 20, 27, 33, 37])
@pytest.mark.parametrize("d", [1, 100, 10**6])
def test_averaging_error_rates_to_1e_300(mu, d):
    model = ToyModel(0.9, mu / math.sqrt(d), d)
    clf = averaging(d)
    threat = ThreatModel("linf", 0.5 * model.eta)  # robust error = Phi(-mu/2)
    res = cf.linear_accuracy(model, clf, threat)
    assert_accuracy_agrees(res, model, clf, threat)
    if mu == 37:
        assert 1e-300 < res.standard_error_rate < 1e-298


@pytest.mark.parametrize("mu", [3, 6, 12, 24, 37])
@pytest.mark.parametrize("p", [0.6, 0.95, 0.999])
def test_bayes_and_f_tau_error_rates(mu, p):
    d = 400
    model = ToyModel(p, mu / math.sqrt(d), d)
    rule = bayes(model)
    assert_accuracy_agrees(cf.linear_accuracy(model, rule, ThreatModel("l2", 0.5)), model, rule,
                           ThreatModel("l2", 0.5))
    f_tau = StructuredLinear(a=2.5, c=1 / math.sqrt(d), d=d, b=0.125)
    weak = ThreatModel.weak_only("linf", model.eta / 4)
    assert_accuracy_agrees(cf.linear_accuracy(model, f_tau, weak), model, f_tau, weak)


@pytest.mark.parametrize("mu", [38.5, 40, 60, 200, 1000])
def test_log_error_rates_below_float64_range(mu):
    d = 10**4
    model = ToyModel(0.95, mu / math.sqrt(d), d)
    res = cf.linear_accuracy(model, averaging(d), ThreatModel("l2", 1.0))
    assert res.standard_error_rate == 0.0 and res.standard_accuracy == 1.0  # underflows
    assert_accuracy_agrees(res, model, averaging(d), ThreatModel("l2", 1.0))
    with mpmath.workdps(MP_DPS):
        want = mpmath.log(mpmath.ncdf(-mpmath.mpf(model.eta) * mpmath.sqrt(d)))
    assert abs(res.log_standard_error_rate - want) <= 1e-9 * abs(want)
    if mu == 40:
        assert round(res.log_standard_error_rate, 1) == -804.6


# --------------------------------------------------------------------------- Bayes vs spec
def mp_bayes_accuracy(p: float, eta: float, d: int):
    """A_B(p, mu) = p Phi(mu + L/(2 mu)) + (1-p) Phi(mu - L/(2 mu)) and its complement."""
    p, mu = mpmath.mpf(p), mpmath.mpf(eta) * mpmath.sqrt(d)
    if p == 1:
        return mpmath.mpf(1), mpmath.mpf(0)
    if mu == 0:  # limit mu -> 0: p (for p > 1/2); 1/2 at p = 1/2
        return p, 1 - p
    L = mpmath.log(p / (1 - p))
    tau = L / (2 * mu)
    acc = p * mpmath.ncdf(mu + tau) + (1 - p) * mpmath.ncdf(mu - tau)
    err = p * mpmath.ncdf(-mu - tau) + (1 - p) * mpmath.ncdf(tau - mu)
    return acc, err


@given(S.models())
def test_bayes_accuracy_matches_spec_formula(model):
    res = cf.bayes_accuracy(model)
    with mpmath.workdps(MP_DPS):
        acc, err = mp_bayes_accuracy(model.p, model.eta, model.d)
        assert abs(res.standard_accuracy - acc) <= 1e-9
        assert res.robust_accuracy == res.standard_accuracy
        if err == 0:
            assert res.standard_error_rate == 0.0
        elif err >= 1e-300:
            assert abs(res.standard_error_rate - err) <= 1e-6 * err, (res.standard_error_rate, err)
        else:
            assert abs(res.log_standard_error_rate - mpmath.log(err)) <= 1e-6


@pytest.mark.parametrize("p,mu", [(0.95, 3.0), (0.5, 2.0), (0.975, 4.0), (0.6, 0.1)])
def test_bayes_accuracy_spot_values(p, mu):
    model = ToyModel(p, mu / 10, 100)
    with mpmath.workdps(MP_DPS):
        want, _ = mp_bayes_accuracy(p, mu / 10, 100)
    assert abs(cf.bayes_accuracy(model).standard_accuracy - want) <= 1e-12
