"""Lemma D.1-D.5 certificates: they pass, record their regions, and their checks can fail.

Regeneration against the committed JSON is done for every module of PROOF_MODULES by
tests/proofs/test_proofs.py; here: content, negative controls of the interval machinery and of the
inequalities each lemma relies on, and agreement of the interval enclosures with scipy.
"""

from __future__ import annotations

import math

import pytest
import sympy as sp
from scipy.special import ndtr

from robtheory import _special as SP
from robtheory import training as T
from robtheory.model import ThreatModel, ToyModel
from robtheory.proofs import _certificate, _interval as I
from robtheory.proofs import lemma_d1, lemma_d2, lemma_d3, lemma_d4, lemma_d5

MODULES = {"lemma_d1": lemma_d1, "lemma_d2": lemma_d2, "lemma_d3": lemma_d3, "lemma_d4": lemma_d4,
           "lemma_d5": lemma_d5}


@pytest.fixture(scope="module")
def certs():
    return {name: mod.build() for name, mod in MODULES.items()}


def test_lemma_modules_are_registered():
    assert set(MODULES) <= set(_certificate.PROOF_MODULES)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_certificate_passes_and_records_its_region(certs, name):
    cert = certs[name]
    assert cert.passed, [s.step for s in cert.steps if not s.verdict]
    steps = {s.step: s for s in cert.steps}
    assert cert.region and cert.to_dict()["region"]["domain"]  # a machine-read domain, checked by LEMMA
    assert "LEMMA" in steps and steps["LEMMA"].kind == "deduction" and steps["LEMMA"].verdict


def test_lemma_d2_constants_and_threshold(certs):
    steps = {s.step: s.details for s in certs["lemma_d2"].steps}
    c1 = [float(x) for x in steps["mu4.constants"]["c1"]]
    c2 = [float(x) for x in steps["mu4.constants"]["c2"]]
    assert c1[0] <= 0.0169933 <= c1[1] + 1e-7 and round(c1[0], 6) == 0.016993
    assert round(c2[0], 6) == 0.000382
    pstar = [float(x) for x in steps["threshold"]["pstar"]]
    assert 0.9775 < pstar[0] <= pstar[1] < 0.97753
    # the enclosures agree with the float closed forms
    s = 1 / math.sqrt(2)
    assert float(SP.ramp(1 - 3 * s, s)) == pytest.approx(sum(c1) / 2, rel=1e-12)
    assert float(SP.ramp(-3.0, 1.0)) == pytest.approx(sum(c2) / 2, rel=1e-12)
    moves = steps["threshold.moves"]["pstar"]
    lows = [float(moves[k][0]) for k in ("4", "5", "6", "8")]
    assert lows == sorted(lows)  # p*(mu) grows with mu
    assert 1 - float(moves["6"][1]) == pytest.approx(0.0018, abs=5e-5)
    # every covering was proved on boxes that partition [0, 1/sqrt2]
    for mu in (4, 5, 6, 8):
        mono = steps[f"mu{mu}.monotone"]
        assert mono["failed_boxes"] == 0 and mono["boxes"] >= 1
        assert mono["region"]["v"][0] == 0.0 and mono["region"]["v"][1] >= s


def test_lemma_d2_agrees_with_the_solver():
    # the certified statement, checked against the unit-norm optimum at the corners of the region
    for p in (0.5, 0.9, 0.975):
        for mu in (4.0, 6.0):
            opt = T.unit_norm_optimum(ToyModel(p, mu / 10, 100))
            assert opt.v >= 1 / math.sqrt(2)


# --------------------------------------------------------------------------- negative controls
def test_cover_fails_for_a_false_slope_bound():
    # g'(v) < -1 holds near v = 0 (g' = -4) but not near 1/sqrt2 (g' = -0.17): the same
    # machinery that proves g' < 0 must fail to prove g' < -1.
    check = lemma_d2._g_prime_margin(4)
    cov = I.cover(lambda a, b: check(a, b) - 1.0, 0.0, 1 / math.sqrt(2), max_depth=12, initial=4)
    assert not cov.proved and cov.failed
    assert I.cover(check, 0.0, 1 / math.sqrt(2), initial=8).proved


def test_cover_rejects_a_false_bound_on_phi():
    # "Phi(x) > 0.99 on [2, 4]" is false near x = 2 (Phi(2) = 0.977): no covering proves it.
    cov = I.cover(lambda a, b: I.Phi_range(a, b).lo - 0.99, 2.0, 4.0, max_depth=20)
    assert not cov.proved
    ok = I.cover(lambda a, b: I.Phi_range(a, b).lo - 0.97, 2.0, 4.0, max_depth=20)
    assert ok.proved


def test_lemma_d2_threshold_does_not_cover_p_0_98():
    c = _certificate.Certificate("neg", "negative control", "test")
    ok, c1, c2, pstar = lemma_d2._threshold(c, 4, "mu4")
    assert ok and not (pstar > I.point("98/100"))  # (1-p) c1 > c2 fails for p = 0.98


def test_lemma_d5_inequality_fails_below_eta():
    eta, eps = sp.Symbol("eta", nonnegative=True), sp.Symbol("epsilon", nonnegative=True)
    w = sp.Symbol("w", nonnegative=True)
    c = _certificate.Certificate("neg", "negative control", "test")
    # E[W_i | y] = eps|w| - eta w >= 0 is false for eps < eta (w > 0)
    assert not c.inequality("bad", "eps < eta", eps * w - eta * w,
                            {eta: sp.Interval(0, sp.oo), eps: sp.Interval.Ropen(0, eta), w: sp.Interval(0, sp.oo)})


def test_lemma_d3_bound_fails_when_w1_exceeds_v():
    v, w, mu = sp.Symbol("v", positive=True), sp.Symbol("w1", real=True), sp.Symbol("mu", positive=True)
    c = _certificate.Certificate("neg", "negative control", "test")
    assert not c.inequality("bad", "|w1| <= 2v", (-w + v * mu) / v - (mu - 1),
                            {v: sp.Interval.open(0, sp.oo), w: sp.Interval(-2 * v, 2 * v)})


# --------------------------------------------------------------------------- interval module
@pytest.mark.parametrize("x", [-8.0, -3.0, -0.5, 0.0, 1.0, 3.0, 6.0])
def test_interval_enclosures_contain_scipy_values(x):
    P = I.Phi(x)
    assert I.lo(P) <= ndtr(x) * (1 + 1e-13) and ndtr(x) * (1 - 1e-13) <= I.hi(P)
    # the float ramp m Phi + q phi cancels in the far negative tail (rel. error 2e-12 at m/q = -11)
    r = I.ramp(x, 0.7)
    assert I.lo(r) <= float(SP.ramp(x, 0.7)) * (1 + 1e-10) and float(SP.ramp(x, 0.7)) * (1 - 1e-10) <= I.hi(r)


def test_ranges_are_monotone_hulls():
    rng = I.Phi_range(-1.0, 2.0)
    assert rng.lo <= ndtr(-1.0) <= ndtr(2.0) <= rng.hi
    assert I.Phi_range(-math.inf, math.inf) == I.Interval(0.0, 1.0)
    ph = I.phi_range(-1.0, 2.0)
    assert ph.hi >= 1 / math.sqrt(2 * math.pi) and ph.lo <= math.exp(-2) / math.sqrt(2 * math.pi)
    rr = I.ramp_range(I.Interval(-1.0, 0.5), I.Interval(0.5, 1.0))
    # the float ramp carries a few ulps of rounding (Mills-ratio tail form below m/q = -1)
    assert rr.lo <= float(SP.ramp(-1.0, 0.5)) * (1 + 1e-13) and rr.hi >= float(SP.ramp(0.5, 1.0)) * (1 - 1e-13)
    with pytest.raises(ValueError):
        I.Interval(1.0, 0.0)


def test_lemma_d5_phase_boundary_formula_matches_solver():
    # The certified kink formula is what training.weak_feature_threshold_closed_form solves.
    m = ToyModel(0.95, 0.1, 1600)
    thr = T.weak_feature_threshold_closed_form(m, 0.05)
    assert T._kink_marginal(0.95, 0.1, 1600, thr, 0.05) == pytest.approx(0.0, abs=1e-9)
    obj = T.Objective(m, 0.05, ThreatModel("linf", 0.08))
    w1 = T.adversarial_hinge_closed_form(0.95, 0.08, 0.05)
    assert obj.marginal_derivative(w1, 1.0) == pytest.approx(T._kink_marginal(0.95, 0.1, 1600, 0.08, 0.05),
                                                              rel=1e-8)
