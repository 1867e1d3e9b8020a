"""Lemma D.2, step 3: the log-concavity of R(., 1) and the monotonicity of rho in mu.

The committed certificate is compared with a regenerated one in tests/proofs/test_proofs.py; here: the
new steps are present, passed and record their regions; the same interval machinery and the same
symbolic deciders *fail* on false variants (negative controls); and mpmath cross-checks what the
certificate proves at random points (a cross-check, not a substitute for the proof).
"""

from __future__ import annotations

import json
import math

import mpmath
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from robtheory.proofs import _certificate, lemma_d2
from robtheory.proofs import _interval as I
from robtheory.symbolic.core import Phi, phi

M = lemma_d2.LC_M


@pytest.fixture(scope="module")
def steps():
    data = json.loads((lemma_d2.CERT_DIR / "lemma_d2.json").read_text(encoding="utf-8"))
    assert data["passed"] is True
    return {s["step"]: s for s in data["steps"]}


@pytest.fixture(scope="module")
def route_b():
    """Route B alone, in a fresh certificate (the committed one is checked by test_proofs.py)."""
    c = _certificate.Certificate("route_b", "route B", "test")
    c.fact("phi.positive", "premise", True)
    c.fact("Phi.positive", "premise", True)
    c.fact("Phi.reflect", "premise", True)
    ok = lemma_d2._logconcavity_by_covering(c, sp.Symbol("x", real=True))
    return ok, {s.step: s for s in c.steps}


# --------------------------------------------------------------------------- the certified steps
def test_log_concavity_is_proved_not_cited(steps):
    lc = steps["logconcave.R"]
    assert lc["verdict"] is True and "reference" not in lc["details"]
    assert {"F.positive.symbolic", "F.positive.interval"} <= set(lc["details"]["uses"])
    assert lc["details"]["region"] == {"x": "(-oo, oo)"}
    assert "logconcave.R" in steps["rho.monotone"]["details"]["uses"]
    assert "rho.monotone" in steps["LEMMA"]["details"]["uses"]
    for name in ("R.dxx", "logconcave.F", "logconcave.h", "gordon.K.derivative", "gordon.K.positive",
                 "F.derivative", "F.limit", "F.positive.symbolic", "F.cover", "tail.right", "tail.left",
                 "mills.derivative", "mills.decreasing", "mills.bound", "tail.left.split",
                 "tail.left.poly", "dlog.rho", "x.order", "rho.monotone"):
        assert steps[name]["verdict"] is True, name


def test_covering_and_tails_partition_the_line(steps):
    cover = steps["F.cover"]["details"]
    assert cover["region"]["x"] == [-float(M), float(M)]
    assert cover["failed_boxes"] == 0 and cover["boxes"] >= 1
    assert float(cover["min_lower_bound_of_F"]) > 0
    assert steps["tail.right"]["details"]["region"]["x"] == f"[{M}, oo)"
    assert steps["tail.left"]["details"]["region"]["x"] == f"(-oo, -{M}]"
    assert float(steps["tail.right"]["details"]["lower_bound"][0]) > 0
    assert steps["F.positive.interval"]["details"]["region"]["covered"] == [-float(M), float(M)]


def test_route_b_stands_alone(route_b):
    ok, st_ = route_b
    assert ok and all(s.verdict for s in st_.values())
    assert st_["F.cover"].details["boxes"] == len(I.cover(lemma_d2._logconcavity_margin(), -M, M,
                                                          initial=16).boxes)


# --------------------------------------------------------------------------- negative controls
def test_covering_fails_for_phi_R_below_0_9_Phi_squared():
    # phi R <= 0.9 Phi^2 is false for x below about -2.26 (phi R / Phi^2 -> 1 as x -> -oo)
    false_claim = lemma_d2._logconcavity_margin("9/10")
    cov = I.cover(false_claim, -float(M), float(M), initial=16, max_depth=8)
    assert not cov.proved and cov.failed
    # it fails where the claim is false (and on a margin next to the root, where the enclosure
    # is too wide), and the same check proves the claim where it is true
    assert all(b <= -1.75 for _, b in cov.failed)
    assert any(a <= -3.5 for a, _ in cov.failed)
    assert I.cover(false_claim, -1.5, float(M), initial=16, max_depth=8).proved


def test_covering_fails_for_log_convexity():
    # the reversed claim phi R > Phi^2 (log-convexity) fails on every box
    true_check = lemma_d2._logconcavity_margin()

    def reversed_check(a, b):
        X = I.box(a, b)
        P, p = I.Phi(X), I.phi(X)
        return I.lo(p * (X * P + p) - P * P)

    cov = I.cover(reversed_check, -float(M), float(M), initial=16, max_depth=4)
    assert not cov.proved and not cov.boxes
    assert true_check(0.0, 0.0) > 0  # F(0) = 1/4 - 1/(2 pi)


def test_gordon_convergent_is_too_weak_for_the_left_tail():
    # Gordon's Mills bound t/(1 + t^2) is true but gives L^2 + tL - 1 = -1/(1 + t^2)^2 < 0: the
    # fourth convergent is needed. The decider must reject the tail inequality with it.
    t = sp.Symbol("t", positive=True)
    L = t / (1 + t**2)
    c = _certificate.Certificate("neg", "negative control", "test")
    assert c.inequality("bad", "Gordon", L**2 + t * L - 1, {t: sp.Interval(M, sp.oo)}, strict=True) is False
    # and the left-tail polynomial with the right convergent fails below its root t^2 = sqrt(13) - 2
    L4 = lemma_d2.mills_lower(t)
    assert c.inequality("bad2", "t >= 1", L4**2 + t * L4 - 1, {t: sp.Interval(1, sp.oo)}) is False


def test_upper_convergent_is_not_a_lower_bound():
    # (t^2 + 2)/(t^3 + 3t) is an *upper* bound of the Mills ratio: D = Phi(-t) - phi U increases,
    # so "D is decreasing" must be rejected.
    t = sp.Symbol("t", positive=True)
    U = (t**2 + 2) / (t**3 + 3 * t)
    c = _certificate.Certificate("neg", "negative control", "test")
    D = Phi(-t) - phi(t) * U
    assert c.inequality("bad", "upper convergent", -sp.diff(D, t), {t: sp.Interval.open(0, sp.oo)},
                        strict=True) is False


def test_wrong_derivative_identities_are_rejected():
    x = sp.Symbol("x", real=True)
    c = _certificate.Certificate("neg", "negative control", "test")
    assert not c.identity("bad", "K' = R", sp.diff(lemma_d2.K_sym(x), x), lemma_d2.R_sym(x, 1))
    assert not c.identity("bad2", "F' = -phi K", sp.diff(lemma_d2.F_sym(x), x), -phi(x) * lemma_d2.K_sym(x))
    # step 3 with the factor v not cancelled: d/dmu log g = -v Phi(x_g)/R(x_g, 1) is wrong
    v, mu, r = sp.Symbol("v", positive=True), sp.Symbol("mu", positive=True), sp.Symbol("r", nonnegative=True)
    xg = (1 + r - v * mu) / v
    g = lemma_d2.R_sym(1 + r - v * mu, v)
    assert not c.identity("bad3", "spurious v", sp.diff(sp.log(g), mu), -v * Phi(xg) / lemma_d2.R_sym(xg, 1))


def test_deduction_fails_when_a_premise_fails():
    c = _certificate.Certificate("neg", "negative control", "test")
    c.fact("a", "premise", True)
    c.fact("b", "premise", False)
    assert lemma_d2._deduce(c, "ab", "from a and b", ["a", "b"]) is False
    assert lemma_d2._deduce(c, "a_only", "from a", ["a"]) is True
    with pytest.raises(KeyError):
        lemma_d2._deduce(c, "ghost", "from a step not yet recorded", ["nope"])


# --------------------------------------------------------------------------- numeric cross-check
DPS = 40  # digits: F at x = -40 loses about 7 to cancellation


def _R(x):
    x = mpmath.mpf(x)
    return x * mpmath.ncdf(x) + mpmath.npdf(x)


def _h(x):
    return mpmath.ncdf(x) / _R(x)


@given(a=st.floats(-40.0, 40.0), b=st.floats(-40.0, 40.0))
def test_h_is_decreasing_numerically(a, b):
    lo_, hi_ = min(a, b), max(a, b)
    with mpmath.workdps(DPS):
        assert _h(hi_) <= _h(lo_)
        F = mpmath.ncdf(a) ** 2 - mpmath.npdf(a) * _R(a)
        assert F > 0


@given(v=st.floats(1e-3, 1 / math.sqrt(2)), m1=st.floats(4.0, 30.0), m2=st.floats(4.0, 30.0))
def test_rho_is_non_increasing_in_mu_numerically(v, m1, m2):
    def rho(mu):
        x_g = (1 + mpmath.sqrt(1 - mpmath.mpf(v) ** 2)) / v - mu
        return _R(1 - mpmath.mpf(mu)) / (v * _R(x_g))

    lo_, hi_ = min(m1, m2), max(m1, m2)
    with mpmath.workdps(DPS):
        assert rho(hi_) <= rho(lo_) * (1 + mpmath.mpf(10) ** -30)
