"""Proof certificates: they pass, they regenerate identically, and they can fail.

The negative controls matter as much as the passing steps: a checker that
cannot reject a wrong identity or a false inequality certifies nothing.
"""

from __future__ import annotations

import json

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from robtheory.proofs import _certificate, theorem_2_1

P_RANGE = theorem_2_1.P_RANGE
UNIT = theorem_2_1.UNIT


# One run of every proof script serves the CLI test and the per-certificate comparisons below: they
# share a worker under ``pytest -n auto`` (``--dist loadgroup`` in pyproject.toml), so it runs once.
pytestmark = pytest.mark.xdist_group("proofs")


@pytest.fixture(scope="module")
def built() -> dict[str, _certificate.Certificate]:
    """Theorem F's certificate and Theorem 2.1's, which it rebuilds inside (step T21), each built
    once (``shared_builds``, as in 'robtheory prove' and the proof column), with the number of
    Theorem 2.1 builds that took."""
    count = []
    real = theorem_2_1.build
    theorem_2_1.build = lambda: count.append(1) or real()  # restored below (module scope: no monkeypatch)
    try:
        with _certificate.shared_builds() as done:
            _certificate.build_of("theorem_f")
            t21 = _certificate.build_of("theorem_2_1")
    finally:
        theorem_2_1.build = real
    assert done["theorem_2_1"] is t21
    return {**done, "theorem_2_1 builds": len(count)}


@pytest.fixture(scope="module")
def cert(built) -> _certificate.Certificate:
    return built["theorem_2_1"]


@pytest.fixture(scope="module")
def proved(tmp_path_factory):
    """``robtheory prove --out DIR`` once: (exit status, its output, DIR)."""
    import contextlib
    import io

    from robtheory.cli import main

    out_dir = tmp_path_factory.mktemp("prove")
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(["prove", "--out", str(out_dir)])
    return code, buf.getvalue(), out_dir


def test_prove_writes_certificates(proved):
    code, out, out_dir = proved
    assert code == 0 and "PROVED" in out and "FAILED" not in out
    assert sorted(p.stem for p in out_dir.glob("*.json")) == sorted(_certificate.PROOF_MODULES)


# --------------------------------------------------------------------------- #
# the Theorem 2.1 certificate
# --------------------------------------------------------------------------- #
def test_theorem_2_1_passes(cert):
    assert cert.passed, [s.step for s in cert.steps if not s.verdict]


def test_every_step_verdict_is_true(cert):
    failed = [s.step for s in cert.steps if s.verdict is not True]
    assert not failed, f"steps not proved: {failed}"
    labels = {s.step for s in cert.steps}
    # the App. C chain, the gap identity, tightness, p = 1/2 and the corollary
    for needed in ("C.1b", "C.2a", "C.2c", "C.3", "C.4", "C.5g", "THM", "GAP.1",
                   "GAP.2", "T.3", "E.2", "K.6", "R.1b"):
        assert needed in labels


def test_inequality_steps_record_their_cases(cert):
    for s in cert.steps:
        if s.kind == "inequality":
            assert s.details["cases"], s.step
            assert all(c["method"] for c in s.details["cases"]), s.step


@pytest.mark.parametrize("name", _certificate.PROOF_MODULES)
def test_committed_certificate_matches_regenerated(name, proved):
    committed = theorem_2_1.CERTIFICATE_DIR / f"{name}.json"
    assert committed.is_file(), f"missing committed certificate {committed}"
    regenerated = json.loads((proved[2] / f"{name}.json").read_text(encoding="utf-8"))
    stored = json.loads(committed.read_text(encoding="utf-8"))
    assert _certificate.comparable(regenerated) == _certificate.comparable(stored)
    assert stored["passed"] is True


def test_write_is_byte_stable(cert, tmp_path):
    first = cert.write(tmp_path / "a").read_bytes()
    second = cert.write(tmp_path / "b").read_bytes()
    assert first == second
    assert first.endswith(b"}\n")
    data = json.loads(first)
    assert set(data) == {"name", "title", "reference", "region", "scope", "asserted_steps", "steps", "passed",
                         "environment"}
    assert set(data["environment"]) == {"python", "sympy"}
    assert "environment" not in _certificate.comparable(data)


def test_main_writes_certificate_and_reports(cert, tmp_path, capsys):
    assert theorem_2_1.main(["--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert (tmp_path / "theorem_2_1.json").is_file()
    assert sum(line.startswith("PASS ") for line in out) == len(cert.steps)
    assert not any(line.startswith("FAIL ") for line in out)


def test_registry_lists_theorem_2_1():
    assert "theorem_2_1" in _certificate.PROOF_MODULES


# --------------------------------------------------------------------------- #
# negative controls: the framework rejects wrong mathematics
# --------------------------------------------------------------------------- #
def test_identity_rejects_c3_with_p_and_1_minus_p_swapped():
    p = theorem_2_1.p
    c = _certificate.Certificate("neg", "negative control", "test")
    derived = theorem_2_1.accuracy_by_cases(theorem_2_1.PIJ, law=lambda y: y)
    wrong = theorem_2_1._closed_forms()["acc"].subs(p, 1 - p, simultaneous=True)
    assert c.identity("bad", "C.3 with p <-> 1-p", derived, wrong) is False
    assert not c.passed
    assert c.to_dict()["steps"][0]["verdict"] is False


def test_inequality_rejects_bound_with_inverted_odds():
    # (1-p)/p * (1 - acc) >= acc_shift is false for p > 1/2 (e.g. sign(x_1)).
    p = theorem_2_1.p
    cf = theorem_2_1._closed_forms()
    c = _certificate.Certificate("neg", "negative control", "test")
    wrong = (1 - p) / p * (1 - cf["acc"]) - cf["acc_shift"]
    domain = {**theorem_2_1.DOM_P, **theorem_2_1.DOM_PIJ}
    assert c.inequality("bad", "inverted odds", wrong, domain) is False
    assert not c.passed


def test_inequality_rejects_theorem_below_one_half():
    # The hypothesis p >= 1/2 is necessary: on (0, 1/2) the bound fails.
    p = theorem_2_1.p
    cf = theorem_2_1._closed_forms()
    c = _certificate.Certificate("neg", "negative control", "test")
    gap = p / (1 - p) * (1 - cf["acc"]) - cf["acc_shift"]
    domain = {p: sp.Interval.open(0, sp.Rational(1, 2)), **theorem_2_1.DOM_PIJ}
    assert c.inequality("bad", "p < 1/2", gap, domain) is False


@pytest.mark.parametrize(
    "expr, domain, strict",
    [
        (sp.Symbol("x", real=True) ** 3 - sp.Symbol("x", real=True),
         {sp.Symbol("x", real=True): sp.Interval(0, 2)}, False),
        (sp.Symbol("u", real=True), {sp.Symbol("u", real=True): sp.Interval(0, 1)}, True),
        (1 - sp.Symbol("u", real=True), {sp.Symbol("u", real=True): sp.Interval(0, 2)}, False),
        # closed end at a pole: the case p = 1 is undefined, so no proof
        (1 / (1 - sp.Symbol("p", real=True)),
         {sp.Symbol("p", real=True): sp.Interval(0, 1)}, False),
        # no domain and no real assumption: an order claim is meaningless
        ((sp.Symbol("w") - 1) ** 2, None, False),
    ],
)
def test_inequality_rejects_unproved_claims(expr, domain, strict):
    c = _certificate.Certificate("neg", "negative control", "test")
    assert c.inequality("bad", "false or unprovable", expr, domain, strict=strict) is False


def test_fact_refuses_undecided_verdict():
    c = _certificate.Certificate("neg", "negative control", "test")
    x = sp.Symbol("x")
    with pytest.raises(TypeError):
        c.fact("bad", "a relational is not a verdict", x > 0)
    assert c.fact("ok", "sympy true is accepted", sp.true) is True


def test_empty_certificate_does_not_pass_and_labels_are_unique():
    c = _certificate.Certificate("empty", "nothing", "test")
    assert not c.passed
    c.fact("a", "first", True)
    with pytest.raises(ValueError):
        c.fact("a", "duplicate label", True)


def test_positive_controls_of_the_deciders():
    c = _certificate.Certificate("pos", "positive control", "test")
    x = sp.Symbol("x", real=True)
    assert c.identity("id", "difference of squares", (x**2 - 1) / (x - 1), x + 1)
    assert c.identity("abs", "sqrt(x^2) = x on x >= 0", sp.sqrt(x**2), x,
                      {x: sp.Interval(0, sp.oo)})
    assert c.inequality("sq", "(x-1)^2 >= 0", (x - 1) ** 2, {x: sp.Reals})
    assert c.inequality("box", "x(1-x) >= 0 on [0,1]", x * (1 - x), {x: UNIT})
    assert c.passed


# --------------------------------------------------------------------------- #
# numeric cross-check of what the certificate proves (not a substitute for it)
# --------------------------------------------------------------------------- #
_unit = st.floats(0.0, 1.0, allow_nan=False)


@given(p=st.floats(0.5, 0.999, allow_nan=False), pp=_unit, pm=_unit, mp=_unit, mm=_unit)
def test_gap_identity_numerically(p, pp, pm, mp, mm):
    acc = 0.5 * (p * (1 + pp - mm) + (1 - p) * (1 + mp - pm))
    shift = 0.5 * (p * (1 + pm - mp) + (1 - p) * (1 + mm - pp))
    lhs = p / (1 - p) * (1 - acc) - shift
    rhs = (2 * p - 1) / (2 * (1 - p)) * (1 - pp + mm)
    assert lhs == pytest.approx(rhs, abs=1e-9 * (1 + abs(lhs)) / (1 - p))
    assert rhs >= 0.0


# --------------------------------------------------------------------------- #
# Theorem F (theory §3.7) and the derived A*_rob attainment (spec-audit fixes)
# --------------------------------------------------------------------------- #
from robtheory.proofs import theorem_f


@pytest.fixture(scope="module")
def cert_f(built) -> _certificate.Certificate:
    return built["theorem_f"]


def test_theorem_f_certificate_passes_with_every_step(cert_f):
    assert cert_f.passed, [s.step for s in cert_f.steps if not s.verdict]
    labels = {s.step for s in cert_f.steps}
    for needed in ("F.1a", "F.2c", "F.3+", "F.3-", "F.4+a", "F.4-b", "F.5+b", "F.6b", "F.7a", "F.7b",
                   "F.8+a", "F.8-b", "F.9a", "F.9b", "F.10c", "F.11+", "THM"):
        assert needed in labels
    assert "theorem_f" in _certificate.PROOF_MODULES


def test_theorem_f_signs_fail_outside_the_frontier_regime():
    # for lambda in (1 - p, p) (the sign(x1) regime) alpha at x1 = -1 is negative: no half-line
    from robtheory.symbolic.frontier import frontier_symbols, neyman_pearson

    f = frontier_symbols()
    R = neyman_pearson().results
    c = _certificate.Certificate("neg", "negative control", "test")
    dom = {f["p"]: sp.Interval.open(sp.Rational(1, 2), 1), f["lam"]: sp.Interval.open(1 - f["p"], f["p"])}
    assert c.inequality("bad", "alpha_- > 0 in the sign(x1) regime", R["alpha"][-1], dom, strict=True) is False
    # and tau increasing in lambda is false
    dom_f = theorem_f.domains()["frontier"]
    assert c.inequality("bad2", "d tau/d lambda > 0", sp.diff(R["tau"], f["lam"]), dom_f, strict=True) is False


def test_theorem_f_identities_reject_wrong_formulas():
    from robtheory.symbolic.frontier import frontier_symbols, neyman_pearson, rule_accuracies

    f = frontier_symbols()
    R = neyman_pearson().results
    A = rule_accuracies().results
    c = _certificate.Certificate("neg", "negative control", "test")
    wrong_tau = R["tau_spec"].subs(f["p"], 1 - f["p"], simultaneous=True).subs(f["Lam"], f["lam"] / (1 - f["lam"]))
    assert c.identity("bad.tau", "tau with p <-> 1-p", sp.exp(2 * f["mu"] * R["tau"]),
                      sp.exp(2 * f["mu"] * wrong_tau)) is False
    wrong_rob = A["rob_spec"].subs(f["mu"], -f["mu"])  # no shift: the clean accuracy
    assert c.identity("bad.rob", "acc_shift = clean accuracy", A["rob"], wrong_rob) is False
    # the integrand is not the affine form with alpha and beta exchanged
    s, mu = f["s"], f["mu"]
    g_minus = sp.exp(-(s + mu) ** 2 / 2) / sp.sqrt(2 * sp.pi)
    swapped = g_minus / 2 * (R["beta"][1] * sp.exp(2 * mu * s) + R["alpha"][1])
    assert c.identity("bad.affine", "alpha <-> beta", R["integrand"][1], swapped) is False


def test_derivations_certificate_derives_the_a_star_attainment():
    from robtheory.proofs import derivations

    steps = {s.step: s for s in derivations.build().steps}
    for k in ("a_star.x1_rounding", "a_star.x1_sign_kept", "a_star.bound_spec", "a_star.attained"):
        assert steps[k].verdict is True, k
    assert steps["a_star.attained"].kind == "identity"  # an identity between two derived expressions


def test_proof_column_covers_theorem_f(built):
    from robtheory import claims
    from robtheory.proofs.column import PROOFS_OF, ProofColumn

    # Theorem F's certificate rebuilds Theorem 2.1's (its step T21): inside one block that is the
    # build Theorem 2.1's own row then uses, not a second run of the same sympy work
    assert built["theorem_2_1 builds"] == 1
    assert PROOFS_OF["theorem_f"][0] == "theorem_f"
    col = ProofColumn()
    col._cache.update({k: built[k] for k in ("theorem_f", "theorem_2_1")})  # the certificates built above
    res = col(claims.get("theorem_f"))
    assert res.passed and "theorem_f" in res.detail


def test_proof_column_builds_a_certificate_rebuilt_inside_another_once(monkeypatch):
    """The column's certificates share one build block: a certificate built inside another one's
    build (Theorem F's T21) is the one its own row reads (stand-in builds: only the count matters)."""
    from robtheory.proofs import theorem_f
    from robtheory.proofs.column import ProofColumn

    calls = []
    monkeypatch.setattr(theorem_2_1, "build", lambda: calls.append("theorem_2_1") or object())
    monkeypatch.setattr(theorem_f, "build",
                        lambda: calls.append("theorem_f") or (_certificate.build_of("theorem_2_1"), "f"))
    col = ProofColumn()
    f = col.certificate("theorem_f")
    assert col.certificate("theorem_2_1") is f[0] and col.certificate("theorem_f") is f
    assert calls == ["theorem_f", "theorem_2_1"]
    assert ProofColumn().certificate("theorem_2_1") is not f[0]  # another column (run) builds afresh


def test_shared_builds_build_each_certificate_once_inside_a_block(monkeypatch):
    """build_of builds afresh outside a block and once per name inside one (the outer block's
    dict serves an inner block); the dict given to a block keeps what was built in it."""
    calls = []
    monkeypatch.setattr(theorem_2_1, "build", lambda: calls.append(1) or object())
    a, b = _certificate.build_of("theorem_2_1"), _certificate.build_of("theorem_2_1")
    assert a is not b and len(calls) == 2
    kept: dict = {}
    with _certificate.shared_builds(kept) as shared:
        c = _certificate.build_of("theorem_2_1")
        with _certificate.shared_builds({}) as inner:
            assert inner is shared and _certificate.build_of("theorem_2_1") is c
    assert len(calls) == 3 and kept == {"theorem_2_1": c}
    assert _certificate.build_of("theorem_2_1") is not c and len(calls) == 4  # the block is over
