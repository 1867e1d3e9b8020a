"""Numerics at the edges of float64, against mpmath references written from the definition of D.

The reference (:func:`ref_rates`) never uses the library: for the weight vector ``w = (a, u)`` and
bias ``b`` it takes the float64 inputs as exact binary numbers, computes S = sum u, Q = ||u||_2,
U1 = ||u||_1 in 60-digit arithmetic, and sums over the four cases (y, s1 = y x1) of D(p, eta, d)
the probability that the worst-case margin a s1 + y b + N(eta S, Q^2) - eps ||w||_* is <= 0
(l_inf: ||w||_* = |a| + U1, or U1 when x1 is frozen; l_2: sqrt(a^2 + Q^2), or Q), i.e. the
error rate; the accuracy is its complement, also in 60 digits. Error rates and accuracies are
compared by their *relative* error (an accuracy of 1e-33 must have its digits, not just be
within 1e-16 of 0).

Tolerances. A standardised margin r = m/Q computed in float64 carries a relative error of a
few eps64 times the condition number of its sum (sum of |terms| / |m|), and Phi(r) has relative
sensitivity |r phi(r)/Phi(r)| <= |r| + 1 per unit relative error of r, so for the moderate r used
here (|r| <= 40) a few hundred eps64 (1e-13) bounds the error with a safety factor; the old code
misses these references by 1e-5 to 100 %. Every test below fails on the code before the fixes.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

from robtheory import _special as SP
from robtheory.theory._grid import unbiased_accuracy
from robtheory.classifiers import LinearClassifier, StructuredLinear, averaging
from robtheory.theory.closed_form import accuracy_stats, linear_accuracy
from robtheory.model import ThreatModel, ToyModel

EPS64 = np.finfo(np.float64).eps
DPS = 60
KINDS = ("standard", "linf_full", "linf_weak", "l2_full", "l2_weak")
BACKENDS = ("numba", "numpy")
THREATS = {"linf_full": ("linf", True), "linf_weak": ("linf", False), "l2_full": ("l2", True),
           "l2_weak": ("l2", False)}


# --------------------------------------------------------------------------- references
#: Working precision (bits) of the margins: sums and products of doubles are exact with it (the
#: doubles span 2**-1074 .. 2**1024), so a margin that cancels (a s1 - eps |a| with a = 1e300) is
#: still right to DPS digits; only then is it standardised and passed to the normal cdf.
MARGIN_PREC = 2600


def _mp_stats(w):
    """(a, S, Q, U1) of a float weight vector, as mpf at MARGIN_PREC bits (S, U1 exact)."""
    with mpmath.workprec(MARGIN_PREC):
        a = mpmath.mpf(float(w[0]))
        u = [mpmath.mpf(float(x)) for x in w[1:]]
        return a, mpmath.fsum(u), mpmath.sqrt(mpmath.fsum(x * x for x in u)), mpmath.fsum(abs(x) for x in u)


def ref_rates(p, eta, eps, kind, a, S, Q, U1, b=0.0):
    """(error rate, accuracy) of sign(w.x + b) under ``kind`` from (float or mpf) statistics."""
    with mpmath.workprec(MARGIN_PREC):
        p, eta, eps, b = (mpmath.mpf(float(v)) for v in (p, eta, eps, b))
        a, S, Q, U1 = (mpmath.mpf(v) if isinstance(v, mpmath.mpf) else mpmath.mpf(float(v))
                       for v in (a, S, Q, U1))
        dual = {"standard": 0, "linf_full": abs(a) + U1, "linf_weak": U1,
                "l2_full": mpmath.sqrt(a * a + Q * Q), "l2_weak": Q}[kind]
        cases = []
        for y in (1, -1):
            for s1 in (1, -1):
                m = a * s1 + y * b + eta * S - eps * dual  # the worst-case margin's mean given (y, s1)
                r = max(min(m / Q, 10**4), -(10**4)) if Q > 0 else None  # Phi(-1e4) ~ 1e-21714724
                cases.append(((p if s1 == 1 else 1 - p) / 2, r, m <= 0))
    with mpmath.workdps(DPS):
        err = mpmath.mpf(0)
        for prob, r, tie_or_wrong in cases:
            wrong = mpmath.ncdf(-(+r)) if r is not None else mpmath.mpf(1 if tie_or_wrong else 0)
            err += (+prob) * wrong
        return err, 1 - err


def ref_for(model: ToyModel, w, eps, kind, b=0.0):
    return ref_rates(model.p, model.eta, eps, kind, *_mp_stats(w), b=b)


def rel(x, ref):
    """|x - ref| / |ref| in 60 digits (0 when both are 0)."""
    with mpmath.workdps(DPS):
        ref = mpmath.mpf(ref)
        if ref == 0:
            return 0.0 if float(x) == 0 else math.inf
        return float(abs(mpmath.mpf(float(x)) - ref) / abs(ref))


def threat(kind, eps):
    norm, px1 = THREATS[kind]
    return ThreatModel(norm, eps) if px1 else ThreatModel.weak_only(norm, eps)


# --------------------------------------------------------------------------- defect 1: scale
def _weights(rng, d):
    w = np.r_[0.7, rng.uniform(0.2, 1.5, d)]  # all weak weights positive: U1 = S
    w[1::3] *= -0.25  # ... and some negative ones: U1 > S
    return w


@pytest.mark.parametrize("kind", KINDS[1:])
def test_accuracy_of_scaled_weights_matches_mpmath(kind):
    """sign(w.x) and sign(s w.x) are the same classifier: huge and tiny weights are no special case
    (the unscaled norm gave Q = inf beyond 1e154 and Q = 0 below 1e-162; sqrt(Q^2 + a^2)
    overflowed beyond 1.3e154). Scale 1 is the ordinary range, which must not regress."""
    model = ToyModel(0.95, 0.3, 50)
    for scale in (1.0, 2.0**600, 2.0**-600, 1e200, 1e-200, 1e300, 1e-300, 2.0**1000):
        w = _weights(np.random.default_rng(1), 50) * scale
        err_ref0, _ = ref_for(model, w, 0.0, "standard")
        for eps in (0.1, 0.5, 1.0):
            acc = linear_accuracy(model, LinearClassifier(w), threat(kind, eps))
            err_ref, acc_ref = ref_for(model, w, eps, kind)
            assert rel(acc.robust_error_rate, err_ref) <= 1e-13, (scale, eps, acc, err_ref)
            assert rel(acc.robust_accuracy, acc_ref) <= 1e-13, (scale, eps, acc, acc_ref)
            with mpmath.workdps(DPS):
                assert rel(acc.log_robust_error_rate, mpmath.log(err_ref)) <= 1e-13, (scale, eps, acc)
            assert rel(acc.standard_error_rate, err_ref0) <= 1e-13, (scale, acc)


def test_the_audit_reproducers_for_scale():
    model = ToyModel(0.95, 0.3, 50)
    w = np.r_[0.0, np.ones(50)]
    rates = [linear_accuracy(model, LinearClassifier(w * s), ThreatModel("linf", 0.1)).robust_error_rate
             for s in (1.0, 1e200, 1e-200)]
    err_ref, _ = ref_for(model, w, 0.1, "linf_full")
    assert all(rel(r, err_ref) <= 1e-13 for r in rates), rates
    # l_2 with x1 perturbable and weights beyond 1e154: robust accuracy ~ p, not 0
    m4 = ToyModel(0.95, 0.3, 4)
    got = linear_accuracy(m4, StructuredLinear(1e160, 1e157, 4), ThreatModel("l2", 0.5))
    err_ref, acc_ref = ref_rates(0.95, 0.3, 0.5, "l2_full", 1e160, 4e157, 2e157, 4e157)
    assert rel(got.robust_error_rate, err_ref) <= 1e-13 and rel(got.robust_accuracy, acc_ref) <= 1e-13
    for backend in BACKENDS:  # the grid path: NaN at eps = 0 (0 * inf) before
        for eps in (0.0, 0.5):
            acc, err = unbiased_accuracy(0.95, 0.3, eps, 1e160, 4e157, 2e157, 4e157, "l2_full",
                                         error_rate=True, backend=backend)
            err_ref, acc_ref = ref_rates(0.95, 0.3, eps, "l2_full", 1e160, 4e157, 2e157, 4e157)
            assert rel(err, err_ref) <= 1e-13 and rel(acc, acc_ref) <= 1e-13, (backend, eps, acc, err)


@pytest.mark.parametrize("k", [-1000, -800, -600, 600, 800, 1000])
def test_statistics_scaled_by_powers_of_two_give_identical_bits(k):
    """Scaling (a, b, S, Q, U1) by 2**k is exact, so every output must be the same to the bit, in
    accuracy_stats and in both grid backends, for every threat model."""
    rng = np.random.default_rng(5)
    n = 400
    p = rng.uniform(0.5, 1.0, n)
    eta = rng.uniform(0.05, 2.0, n)
    eps = np.concatenate([rng.uniform(0.0, 1.5, n - 40), np.ones(20), 1 - 10.0 ** -rng.uniform(4, 12, 20)])
    a = rng.uniform(-3, 3, n) * 10.0 ** rng.uniform(-3, 3, n)
    Q = 10.0 ** rng.uniform(-2, 2, n)
    U1 = Q * rng.uniform(1.0, 7.0, n)
    S = U1 * rng.uniform(-1.0, 1.0, n)
    b = rng.uniform(-1, 1, n)
    for kind in KINDS:
        base = accuracy_stats(p, eta, eps, a, b, S, Q, U1, kind)
        scaled = accuracy_stats(p, eta, eps, *(np.ldexp(x, k) for x in (a, b, S, Q, U1)), kind)
        for x, y in zip(base, scaled):
            assert np.array_equal(x, y), (kind, k)
        for backend in BACKENDS:
            g0 = unbiased_accuracy(p, eta, eps, a, S, Q, U1, kind, error_rate=True, backend=backend)
            g1 = unbiased_accuracy(p, eta, eps, *(np.ldexp(x, k) for x in (a, S, Q, U1)), kind,
                                   error_rate=True, backend=backend)
            for x, y in zip(g0, g1):
                assert np.array_equal(x, y), (kind, k, backend)


def test_rescaling_only_where_the_statistics_leave_the_window():
    """Ordinary statistics pass through untouched (the same arrays' values); extreme ones are scaled
    by a power of two, together, per point."""
    a, b, S, Q, U1 = (np.array([1.5, 3e200, 2e-300, 1e300]), 0.0, np.array([2.0, 1e200, 1e-300, 1.0]),
                      np.array([1.0, 2e199, 1e-301, 1.0]), np.array([2.0, 1e200, 1e-300, 1.0]))
    out = SP.rescale_statistics(a, b, S, Q, U1)
    ratio = out[0] / a
    assert ratio[0] == 1.0 and ratio[3] == 1.0  # Q = 1 is inside the window: never scaled
    assert 2.0**-SP.SCALE_EXPONENT <= np.max(np.abs([o[2] for o in out])) <= 2.0**SP.SCALE_EXPONENT
    for x, y in zip((a, b, S, Q, U1), out):
        x, y = np.broadcast_to(x, (4,)), np.broadcast_to(y, (4,))
        assert np.array_equal(y, x * ratio)  # one factor per point, for all five
    assert np.log2(ratio[1]).is_integer() and np.log2(ratio[2]).is_integer()
    same = SP.rescale_statistics(1.0, 0.0, 2.0, 1.0, 2.0)
    assert [float(x) for x in same] == [1.0, 0.0, 2.0, 1.0, 2.0]


def test_linear_classifier_norm_is_the_norm_at_any_scale():
    rng = np.random.default_rng(3)
    for scale in (1.0, 1e200, 1e-200, 1e307, 1e-300):
        w = np.r_[1.0, rng.uniform(-1, 1, 30)] * scale
        st = LinearClassifier(w).stats()
        Q = _mp_stats(w)[2]
        assert rel(st.Q, Q) <= 4 * EPS64 and st.Q > 0
    # in the ordinary range it is np.linalg.norm, to the bit
    for _ in range(200):
        u = rng.normal(size=rng.integers(1, 200)) * 10.0 ** rng.uniform(-100, 100)
        assert LinearClassifier(np.r_[0.0, u]).stats().Q == np.linalg.norm(u)


def test_weights_whose_sums_overflow_keep_their_accuracy():
    """||w|| beyond the largest double: the statistics overflow, the accuracy does not."""
    model = ToyModel(0.95, 0.3, 50)
    w = _weights(np.random.default_rng(2), 50)
    big = w * 2.0**1020  # entries ~1e307: S, U1 (and Q) are beyond 1.8e308
    assert not math.isfinite(LinearClassifier(big).stats().U1)
    for kind in KINDS[1:]:
        got = linear_accuracy(model, LinearClassifier(big, b=2.0**1019), threat(kind, 0.4))
        err_ref, _ = ref_for(model, w, 0.4, kind, b=0.5)
        assert rel(got.robust_error_rate, err_ref) <= 1e-13, (kind, got)
    m10 = ToyModel(0.9, 0.2, 10)
    s = StructuredLinear(-2.0**1022, 2.0**1021, 10, b=2.0**1020)  # S = 10 * 2**1021 = inf
    assert not math.isfinite(s.stats().S)
    for kind in KINDS[1:]:
        got = linear_accuracy(m10, s, threat(kind, 0.3))
        err_ref, _ = ref_for(m10, np.r_[-4.0, np.full(10, 2.0)], 0.3, kind, b=1.0)
        assert rel(got.robust_error_rate, err_ref) <= 1e-13, (kind, got)


# --------------------------------------------------------------------------- defect 2: eps ~ 1
def test_audit_reproducer_p1_eta37_eps1():
    model = ToyModel(1.0, 3.7, 100)
    clf = StructuredLinear(1.0, 1e-14, 100)
    err_ref, _ = ref_rates(1.0, 3.7, 1.0, "linf_full", 1.0, 100 * mpmath.mpf(1e-14),
                           10 * mpmath.mpf(1e-14), 100 * mpmath.mpf(1e-14))
    assert abs(float(err_ref) / 7.38948e-161 - 1) < 1e-5
    got = linear_accuracy(model, clf, ThreatModel("linf", 1.0))
    assert rel(got.robust_error_rate, err_ref) <= 1e-12, got
    st = clf.stats()
    for backend in BACKENDS:
        _, err = unbiased_accuracy(1.0, 3.7, 1.0, st.a, st.S, st.Q, st.U1, "linf_full", error_rate=True,
                                   backend=backend)
        assert rel(err, err_ref) <= 1e-12, (backend, err)


def test_audit_reproducer_dominant_x1_weight_at_eps1():
    model = ToyModel(0.95, 0.3, 50)
    w = np.r_[1e300, np.ones(50)]
    err_ref, acc_ref = ref_for(model, w, 1.0, "linf_full")
    got = linear_accuracy(model, LinearClassifier(w), ThreatModel("linf", 1.0))
    assert rel(got.robust_error_rate, err_ref) <= 1e-13 and rel(got.robust_accuracy, acc_ref) <= 1e-12, got
    assert abs(got.robust_error_rate - 0.99999965) < 1e-8


@pytest.mark.parametrize("kind", ["linf_full", "l2_full"])
def test_margins_next_to_eps_1_when_x1_dominates(kind):
    """|a| (1 - eps) is exact; a - eps |a| (or a - eps sqrt(a^2 + Q^2)) rounds to ulp(a), which is
    larger than the whole weak part once |a| >> Q. Accuracies and error rates, relative."""
    model = ToyModel(0.9, 0.5, 20)
    worst = 0.0
    for a in (1.0, -1.0, 1e6, 1e10, 1e16, 1e300):
        for c in (1e-3, 1e-8, 1e-14):
            w = np.r_[a, np.full(20, c)]
            w[1::2] *= -0.5  # U1 > S: the weak part keeps a margin of its own
            for eps in (1.0, 1 - 1e-12, 1 - 1e-9, 1 - 1e-6, 1 + 1e-9, 0.999, 0.5):
                got = linear_accuracy(model, LinearClassifier(w), threat(kind, eps))
                err_ref, acc_ref = ref_for(model, w, eps, kind)
                e1 = rel(got.robust_error_rate, err_ref)
                e2 = rel(got.robust_accuracy, acc_ref)
                assert e1 <= 1e-12 and e2 <= 1e-12, (a, c, eps, got, float(err_ref), float(acc_ref))
                worst = max(worst, e1, e2)
                st = LinearClassifier(w).stats()
                for backend in BACKENDS:
                    acc, err = unbiased_accuracy(model.p, model.eta, eps, st.a, st.S, st.Q, st.U1, kind,
                                                 error_rate=True, backend=backend)
                    assert rel(err, err_ref) <= 1e-12 and rel(acc, acc_ref) <= 1e-12, (backend, a, c, eps)
    assert worst > 0  # the references are not trivially matched


def test_hypot_excess_against_mpmath():
    """sqrt(a^2 + q^2) - |a| without cancellation, overflow or 0/0."""
    vals = [0.0, 1e-300, 1e-160, 1e-20, 1e-8, 0.3, 1.0, 7.0, 1e8, 1e20, 1e160, 1e300, 1.7e308]
    A, Qs = np.meshgrid(vals, vals, indexing="ij")
    got = SP.hypot_excess(np.r_[A.ravel(), -A.ravel()], np.r_[Qs.ravel(), Qs.ravel()])
    with mpmath.workprec(MARGIN_PREC):
        for g, a, q in zip(got, np.r_[A.ravel(), -A.ravel()], np.r_[Qs.ravel(), Qs.ravel()]):
            ref = mpmath.sqrt(mpmath.mpf(a) ** 2 + mpmath.mpf(q) ** 2) - abs(mpmath.mpf(a))
            if ref > mpmath.mpf("2.3e-308"):  # below: subnormal, absolute agreement
                assert rel(g, ref) <= 4 * EPS64, (a, q, g, ref)
            else:
                assert abs(g - float(ref)) <= 1e-320, (a, q, g, ref)


# --------------------------------------------------------------------------- defect 3: log error
def test_log_error_rate_next_to_1_is_relative():
    model = ToyModel(0.95, 0.3, 100)
    w = np.r_[0.0, np.full(100, 0.01)]  # the averaging classifier's weights (1/d = 0.01)
    for eps in (1.5, 1.2, 1 - 1e-12, 1.0, 0.9):
        got = linear_accuracy(model, averaging(100), ThreatModel("linf", eps))
        err_ref, acc_ref = ref_for(model, w, eps, "linf_full")
        with mpmath.workdps(DPS):
            log_ref = mpmath.log(err_ref)
        assert rel(got.log_robust_error_rate, log_ref) <= 1e-13, (eps, got.log_robust_error_rate, log_ref)
        assert rel(got.robust_accuracy, acc_ref) <= 1e-13
        assert rel(got.robust_error_rate, err_ref) <= 1e-15
    got = linear_accuracy(model, averaging(100), ThreatModel("linf", 1.5))
    assert got.log_robust_error_rate == pytest.approx(-1.7765e-33, rel=1e-4)
    # The grid path has no log error rate; its error rate next to 1 (and accuracy next to 0)
    # keep their digits too.
    for backend in BACKENDS:
        for eps in (1.5, 1 - 1e-12):
            acc, err = unbiased_accuracy(0.95, 0.3, eps, 0.0, 1.0, 0.1, 1.0, "linf_full", error_rate=True,
                                         backend=backend)
            err_ref, acc_ref = ref_rates(0.95, 0.3, eps, "linf_full", 0.0, 1.0, 0.1, 1.0)
            assert rel(acc, acc_ref) <= 1e-13 and rel(err, err_ref) <= 1e-15, (backend, eps)


def test_log_error_rate_relative_over_ordinary_points():
    """Both branches (accuracy above and below 1/2) and their seam, for every threat model."""
    rng = np.random.default_rng(11)
    n = 120
    p = rng.uniform(0.5, 1.0, n)
    eta = rng.uniform(0.05, 1.0, n)
    eps = rng.uniform(0.0, 1.6, n)
    a = rng.uniform(-2, 2, n)
    Q = rng.uniform(0.2, 3.0, n)
    U1 = Q * rng.uniform(1.0, 6.0, n)
    S = U1 * rng.uniform(-1.0, 1.0, n)
    b = rng.uniform(-0.5, 0.5, n)
    for kind in KINDS:
        acc, err, log_err = accuracy_stats(p, eta, eps, a, b, S, Q, U1, kind)
        for i in range(n):
            err_ref, acc_ref = ref_rates(p[i], eta[i], eps[i], kind, a[i], S[i], Q[i], U1[i], b=b[i])
            with mpmath.workdps(DPS):
                log_ref = mpmath.log(err_ref)
            # margins round at ~1e-16 of their terms: a few hundred eps64 in Phi (module doc)
            assert rel(log_err[i], log_ref) <= 1e-13, (kind, i, log_err[i], log_ref)
            assert rel(err[i], err_ref) <= 1e-13 and rel(acc[i], acc_ref) <= 1e-13, (kind, i)


# --------------------------------------------------------------------------- defect 4: the ramp
def _ramp_ref(m, q):
    with mpmath.workdps(DPS):
        m, q = mpmath.mpf(float(m)), mpmath.mpf(float(q))
        r = m / q
        return m * mpmath.ncdf(r) + q * mpmath.npdf(r)


@pytest.mark.parametrize("q", [1.0, 0.7, 3.3e-3, 1e5])
def test_ramp_against_mpmath_over_r_in_minus40_40(q):
    """R(m, q) = E max(0, m + qG) is as accurate as its conditioning allows: m dR/dm / R ~ 1 + r^2,
    so a relative error of 8 (1 + r^2) eps64 (the old m Phi(r) + q phi(r) reached 500 (1 + r^2)
    eps64 at r = -37 and returned 5.4e-323 for 3.65e-326 at r = -38.5)."""
    rng = np.random.default_rng(int(q * 1000) % 2**32)
    r = np.concatenate([np.linspace(-40, 40, 321), rng.uniform(-40, 40, 200), rng.uniform(-3, 0, 100)])
    m = r * q
    got = SP.ramp(m, q)
    assert got.shape == m.shape
    for mi, g in zip(m, got):
        ref = _ramp_ref(mi, q)
        rr = float(mi) / q
        if ref > mpmath.mpf("2.3e-308") * max(q, 1.0):
            assert rel(g, ref) <= 8 * (1 + rr * rr) * EPS64, (rr, g, ref)
        else:  # the true value is subnormal or below: absolute agreement
            assert abs(g - float(ref)) <= 1e-320 * max(q, 1.0), (rr, g, ref)
    # the audit's reproducers
    assert rel(SP.ramp(-10.0, 1.0), _ramp_ref(-10.0, 1.0)) <= 1e-13  # was 7.6e-13
    assert rel(SP.ramp(-37.0, 1.0), _ramp_ref(-37.0, 1.0)) <= 1e-12  # was 1.6e-10
    assert float(SP.ramp(-38.5, 1.0)) <= 1e-323


def test_ramp_keeps_its_conventions():
    assert float(SP.ramp(-2.0, 0.0)) == 0.0 and float(SP.ramp(2.0, 0.0)) == 2.0
    assert float(SP.ramp(-np.inf, 1.0)) == 0.0 and math.isnan(float(SP.ramp(np.nan, 1.0)))
    assert SP.ramp(np.array([[-5.0], [3.0]]), np.array([1.0, 2.0])).shape == (2, 2)


def test_a_certain_error_has_log_error_rate_plus_zero_not_minus_zero():
    """sign(x1) against an l_inf ball of radius >= 1 errs always: its log robust error rate is 0, and
    the JSON says 0.0, not -0.0 (a reader takes -0 for a rounding of something negative)."""
    import json
    import subprocess
    import sys

    import numpy as np

    from robtheory.theory.closed_form import accuracy_stats

    log_err = accuracy_stats(0.95, 0.3, 1.5, 1.0, 0.0, 0.0, 0.0, 0.0, "linf_full")[2]
    assert float(log_err) == 0.0 and not np.signbit(log_err)
    out = subprocess.run([sys.executable, "-m", "robtheory", "accuracy", "--p", "0.95", "--eta", "0.3", "--d", "100",
                          "--eps", "1.5", "--classifier", "robust", "--json"], capture_output=True, text=True, check=True)
    assert "-0.0" not in out.stdout and json.loads(out.stdout)["log_robust_error_rate"] == 0.0
