"""Proofs that can fail: each test plants the falsehood named in issue 18 and expects FAILED.

Every planted statement is false, so a certificate (or covering) that still passes would be
certifying a falsehood; each test also checks the unplanted version passes, so that the
failure is caused by the plant and not by a broken checker.
"""

from __future__ import annotations

import math

import pytest

from robtheory.proofs import _interval as I


# --------------------------------------------------------------------------- #
# item 5: a false covering reports FAILED, quickly, with its counterexample
# --------------------------------------------------------------------------- #
def test_cover_stops_at_the_first_failing_box_at_the_finest_width():
    # false on [0.3, 0.5] (a set of positive length): x -> x - 0.5 is not > 0 there; the check
    # returns the exact minimum over the box of (x - 0.3)(x - 0.5) sign-flipped ... simply: a
    # rigorous lower bound of f(x) = |x - 0.4| - 0.1 over [lo, hi]
    def check(lo, hi):
        if lo <= 0.4 <= hi:
            return -0.1
        return min(abs(lo - 0.4), abs(hi - 0.4)) - 0.1

    cov = I.cover(check, 0.0, 1.0)  # the default depth, 30: the old code needed ~2^30 boxes here
    assert not cov.proved
    assert len(cov.failed) == 1 and not cov.exhausted
    x0, x1 = cov.counterexample
    assert x1 - x0 == pytest.approx(2.0**-30)
    # the counterexample is a genuine one: the predicate is false at its points
    assert 0.3 - 2.0**-30 <= x0 <= 0.5 and abs((x0 + x1) / 2 - 0.4) <= 0.1
    # stopping at the first failure costs about 2 evaluations per level, not 2^depth
    assert cov.evaluations <= 2 * 30 + 2


def test_cover_positive_control_proves_a_true_predicate():
    cov = I.cover(lambda lo, hi: min(abs(lo - 0.4), abs(hi - 0.4)) if not lo <= 0.4 <= hi else -1.0,
                  0.5, 1.0)
    assert cov.proved and cov.counterexample is None
    assert cov.boxes[0][0] == 0.5 and cov.boxes[-1][1] == 1.0


def test_cover_caps_the_number_of_boxes():
    # true, but only provable on boxes narrower than 2^-20: needs ~2^20 boxes
    cov = I.cover(lambda lo, hi: 1.0 if hi - lo < 2.0**-20 else -1.0, 0.0, 1.0, max_boxes=1000)
    assert not cov.proved and cov.exhausted and cov.evaluations == 1000 and len(cov.failed) == 1


@pytest.mark.parametrize("a, b", [(-math.inf, 0.0), (0.0, math.inf), (math.nan, 1.0), (1.0, 1.0), (2.0, 1.0)])
def test_cover_rejects_non_finite_or_empty_ranges(a, b):
    # cover(f, -inf, 0) used to return a NaN box marked proved
    with pytest.raises(ValueError, match="cover needs"):
        I.cover(lambda lo, hi: 1.0, a, b)


@pytest.mark.parametrize("kw", [{"initial": 0}, {"max_boxes": 0}, {"max_depth": -1}])
def test_cover_rejects_bad_parameters(kw):
    with pytest.raises(ValueError, match=next(iter(kw))):
        I.cover(lambda lo, hi: 1.0, 0.0, 1.0, **kw)


def test_cover_treats_nan_margins_as_failures():
    cov = I.cover(lambda lo, hi: math.nan, 0.0, 1.0, max_depth=3)
    assert not cov.proved and cov.counterexample == (0.0, 0.125)


def test_planted_false_slope_bound_in_lemma_d2_fails_quickly(monkeypatch):
    """The issue's plant: a false slope bound (g increasing) in Lemma D.2 ran for 11 minutes."""
    from robtheory.proofs import lemma_d2

    true_check = lemma_d2._g_prime_margin

    def planted(mu):
        check = true_check(mu)
        return lambda v0, v1: -check(v0, v1)  # claims g' > 0: false on the whole interval

    monkeypatch.setattr(lemma_d2, "_g_prime_margin", planted)
    cert = lemma_d2.build()
    assert not cert.passed
    step = next(s for s in cert.steps if s.step == "mu4.monotone")
    assert step.verdict is False and step.details["counterexample"]["box"]
    lemma = next(s for s in cert.steps if s.step == "LEMMA")
    assert lemma.verdict is False
