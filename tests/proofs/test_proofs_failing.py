"""Proofs that can fail: each test plants the falsehood named in issue 18 and expects FAILED.

Every planted statement is false, so a certificate (or covering) that still passes would be
certifying a falsehood; each test also checks the unplanted version passes, so that the
failure is caused by the plant and not by a broken checker.
"""

from __future__ import annotations

import json
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


# --------------------------------------------------------------------------- #
# item 1: no step accepted on no evidence
# --------------------------------------------------------------------------- #
import ast
import importlib
from pathlib import Path

import sympy as sp

from robtheory.proofs import _certificate
from robtheory.proofs._certificate import Certificate

PROOF_DIR = Path(_certificate.__file__).resolve().parent


def test_no_proof_script_passes_a_literal_verdict():
    """Every ``fact`` verdict is computed: a literal True is the 20 steps of the issue."""
    literal = []
    for path in sorted(PROOF_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) in ("fact", "deduce", "conclude"):
                args = node.args[2:3] if node.func.attr == "fact" else node.args[3:4]
                kws = [k.value for k in node.keywords if k.arg in ("verdict", "check")]
                literal += [f"{path.name}:{node.lineno}" for a in args + kws
                            if isinstance(a, ast.Constant) and a.value is True]
    assert not literal, literal


def _premise_cert():
    c = Certificate("t", "t", "t")
    x = sp.Symbol("x", real=True)
    c.inequality("good", "x^2 >= 0", x**2, {x: sp.Reals})
    c.inequality("bad", "x >= 0 on the reals (false)", x, {x: sp.Reals})
    return c


def test_deduction_fails_with_a_false_premise_and_passes_without():
    c = _premise_cert()
    assert c.deduce("ok", "from good", ["good"]) is True
    assert c.deduce("ko", "from good and bad", ["good", "bad"]) is False
    assert c.steps[-1].details["failed_premises"] == ["bad"] and c.steps[-1].kind == "deduction"
    with pytest.raises(KeyError, match="not yet recorded"):
        c.deduce("missing", "from a step that does not exist", ["nope"])
    with pytest.raises(TypeError, match="check must be a bool"):
        c.deduce("undecided", "an undecided relational", ["good"], sp.Symbol("y") > 0)


def test_asserted_steps_are_counted_with_their_reason():
    c = _premise_cert()
    with pytest.raises(ValueError, match="needs a reason"):
        c.asserted("a", "a claim", "  ")
    c.asserted("a", "a claim", "a definition")
    d = c.to_dict()
    assert c.asserted_count == 1 and d["asserted_steps"] == [{"step": "a", "reason": "a definition"}]
    assert d["steps"][-1]["kind"] == "asserted"


@pytest.mark.parametrize("name", _certificate.PROOF_MODULES)
def test_committed_certificates_list_their_asserted_steps_with_reasons(name):
    d = json.loads((PROOF_DIR / "certificates" / f"{name}.json").read_text(encoding="utf-8"))
    asserted = [s for s in d["steps"] if s["kind"] == "asserted"]
    assert [a["step"] for a in d["asserted_steps"]] == [s["step"] for s in asserted]
    assert all(s["details"]["reason"].strip() for s in asserted)


# --------------------------------------------------------------------------- #
# item 3: hypotheses are machine-read domains that the steps must cover
# --------------------------------------------------------------------------- #
def _region_cert(region_lo, step_lo, extra_region=None):
    c = Certificate("t", "t", "t")
    mu = sp.Symbol("mu", positive=True)
    region = {mu: sp.Interval(region_lo, sp.oo), **(extra_region or {})}
    c.set_region(region)
    c.inequality("mu.arg", "mu - 4 >= 0 on the step's domain", mu - 4, {mu: sp.Interval(step_lo, sp.oo)})
    return c, c.conclude("LEMMA", "the lemma", ["mu.arg"])


def test_conclusion_fails_when_a_step_covers_less_than_the_region():
    c, ok = _region_cert(4, 4)
    assert ok
    c, ok = _region_cert(2, 4)  # the region claims mu >= 2, the step proved mu >= 4 only
    assert not ok and "mu.arg" in c.steps[-1].details["not_covered"][0]


def test_conclusion_fails_when_a_hypothesis_enters_no_step():
    p = sp.Symbol("p", nonnegative=True)
    c, ok = _region_cert(4, 4, {p: sp.Interval(0, 1)})
    assert not ok and c.steps[-1].details["hypotheses_in_no_step"] == ["p"]


def test_case_split_must_cover_the_domain():
    c = Certificate("t", "t", "t")
    x = sp.Symbol("x", real=True)
    c.inequality("neg", "x^2 >= 0 for x <= 0", x**2, {x: sp.Interval(-sp.oo, 0)})
    c.inequality("pos", "x^2 >= 0 for x >= 1", x**2, {x: sp.Interval(1, sp.oo)})
    c.inequality("mid", "x^2 >= 0 for 0 <= x <= 1", x**2, {x: sp.Interval(0, 1)})
    assert not c.deduce("gap", "neg and pos only", ["neg", "pos"], domain={x: sp.Reals}, split=("x", ["neg", "pos"]))
    assert c.deduce("all", "three cases", ["neg", "mid", "pos"], domain={x: sp.Reals},
                    split=("x", ["neg", "mid", "pos"]))


def _restated(monkeypatch, module, symbol_name, new_set):
    """Build ``module``'s certificate with one symbol of its region restated (the steps unchanged)."""
    real = Certificate.set_region

    def set_region(self, region, note=""):
        region = {s: (new_set if s.name == symbol_name else dom) for s, dom in region.items()}
        return real(self, region, note)

    monkeypatch.setattr(Certificate, "set_region", set_region)
    return importlib.import_module(f"robtheory.proofs.{module}").build()


@pytest.mark.parametrize("module", ["lemma_d3", "lemma_d4"])
def test_lemma_restated_for_mu_at_least_2_fails(monkeypatch, module):
    """Issue 18 item 3's plant: Lemma D.3 for mu >= 2 is false (Phi(1) = 0.84 < 0.99)."""
    cert = _restated(monkeypatch, module, "mu", sp.Interval(2, sp.oo))
    lemma = cert.steps[-1]
    assert lemma.step == "LEMMA" and not lemma.verdict and not cert.passed
    # the premise "bound" was proved for mu >= 4 only
    assert any(g.startswith("bound: proved for mu in Interval(4, oo)") for g in lemma.details["not_covered"])


@pytest.mark.parametrize("module", ["lemma_d3", "lemma_d4"])
def test_lemma_with_mu_min_2_in_statement_and_steps_fails(monkeypatch, module):
    """The same falsehood written consistently (region and steps at mu >= 2) fails on its evidence."""
    mod = importlib.import_module(f"robtheory.proofs.{module}")
    monkeypatch.setattr(mod, "MU_MIN", 2)
    cert = mod.build()
    assert not cert.passed and not cert.steps[-1].verdict


@pytest.mark.parametrize("module", ["lemma_d3", "lemma_d4"])
def test_p_outside_0_1_is_not_covered(monkeypatch, module):
    cert = _restated(monkeypatch, module, "p", sp.Interval(0, 2))
    lemma = next(s for s in cert.steps if s.step == "LEMMA")
    assert not cert.passed and any("proved for p in Interval(0, 1)" in g for g in lemma.details["not_covered"])


def test_lemma_d2_restated_beyond_its_p_threshold_fails(monkeypatch):
    cert = _restated(monkeypatch, "lemma_d2", "p", sp.Interval(sp.Rational(1, 2), sp.Rational(99, 100)))
    lemma = next(s for s in cert.steps if s.step == "LEMMA")
    assert not cert.passed and any(g.startswith("p.threshold") for g in lemma.details["not_covered"])


def test_lemma_d5_restated_below_eta_fails(monkeypatch):
    eta = sp.Symbol("eta", nonnegative=True)
    cert = _restated(monkeypatch, "lemma_d5", "epsilon", sp.Interval(eta / 2, sp.oo))
    lemma = next(s for s in cert.steps if s.step == "LEMMA")
    assert not lemma.verdict and not cert.passed


# --------------------------------------------------------------------------- #
# item 2: Theorem 2.2 (2)'s correction is certified
# --------------------------------------------------------------------------- #
def test_lemma_d5_fails_without_the_correction(monkeypatch):
    """The statement without the correction (w1* = min(...) for every eps) must not certify."""
    from robtheory.proofs import lemma_d5

    monkeypatch.setattr(lemma_d5, "w1_star_statement",
                        lambda p, eps, lam: sp.Min((2 * p - 1 - eps) / lam, 1 / (1 - eps)))
    cert = lemma_d5.build()
    steps = {s.step: s for s in cert.steps}
    assert not steps["statement.zero"].verdict
    assert steps["statement.interior"].verdict and steps["statement.kink"].verdict
    assert not steps["THM2.2.part2"].verdict and not cert.passed


@pytest.mark.parametrize("statement", [
    # the threshold on the wrong side of 2p - 1
    lambda p, eps, lam: sp.Piecewise((sp.Min((2 * p - 1 - eps) / lam, 1 / (1 - eps)), eps < p), (0, True)),
    # the kink forgotten: w1* = the stationary point
    lambda p, eps, lam: sp.Piecewise(((2 * p - 1 - eps) / lam, eps < 2 * p - 1), (0, True)),
])
def test_lemma_d5_fails_for_wrong_closed_forms(monkeypatch, statement):
    from robtheory.proofs import lemma_d5

    monkeypatch.setattr(lemma_d5, "w1_star_statement", statement)
    cert = lemma_d5.build()
    assert not cert.passed and not next(s for s in cert.steps if s.step == "THM2.2.part2").verdict


# --------------------------------------------------------------------------- #
# item 7: Theorem F's converse is certified and fails on a wrong frontier
# --------------------------------------------------------------------------- #
@pytest.fixture(scope="module")
def theorem_f_steps():
    from robtheory.proofs import theorem_f

    return {s.step: s for s in theorem_f.build().steps}


def test_theorem_f_certifies_the_converse(theorem_f_steps):
    conv = theorem_f_steps["CONVERSE"]
    assert conv.verdict and conv.kind == "deduction"
    for premise in ("THM", "T21", "CONV.support", "CONV.bayes", "CONV.1a", "CONV.1b", "CONV.2", "CONV.3"):
        assert premise in conv.uses and theorem_f_steps[premise].verdict
    assert theorem_f_steps["T21"].details["premises"] == {"C.1c": True, "K.6": True}


def test_theorem_f_converse_fails_for_a_frontier_claimed_too_high(monkeypatch):
    """The plant: a robust curve above the true one (the shift's 2 mu halved) must not certify."""
    from robtheory.proofs import theorem_f
    from robtheory.symbolic import frontier
    from robtheory.symbolic.core import Phi

    real = frontier.rule_accuracies

    def planted():
        out = real()
        f = frontier.frontier_symbols()
        p, mu, tau = f["p"], f["mu"], f["tau"]
        out.results = dict(out.results, rob_spec=p * Phi(tau - mu / 2) + (1 - p) * Phi(-tau - mu / 2))
        return out

    monkeypatch.setattr(frontier, "rule_accuracies", planted)
    steps = {s.step: s for s in theorem_f.build().steps}
    assert not steps["F.9b"].verdict and not steps["THM"].verdict and not steps["CONVERSE"].verdict
