"""Issue 18 item 4: the proof column says PARTIAL where the certificates cover a claim in part,
and FAIL where the step that concludes a claim is missing (a PASS means the whole claim)."""

from __future__ import annotations

import pytest

from robtheory import claims
from robtheory.proofs._certificate import Certificate
from robtheory.proofs.column import CONCLUDED_BY, PARTIAL, PROOFS_OF, ProofColumn


@pytest.fixture(scope="module")
def column():
    return ProofColumn()


def test_every_concluding_step_names_a_mapped_module():
    for claim, labels in CONCLUDED_BY.items():
        assert claim in PROOFS_OF
        assert {lab.split(":")[0] for lab in labels} <= set(PROOFS_OF[claim])
    assert set(PARTIAL) <= set(PROOFS_OF)


def test_optimal_robust_is_partial_and_says_what_is_missing(column):
    res = column(claims.get("optimal_robust"))
    assert res.passed and res.mark == "PARTIAL"
    assert res.detail.startswith("partial (certified: A*_rob for eps < min(eta, 1)")
    assert "not certified: the regimes eta <= eps < 1 and eps >= 1" in res.detail
    assert res.to_dict()["mark"] == "PARTIAL"


def test_claims_a_and_b_are_certified_with_their_thresholds(column):
    for name in ("claim_a", "claim_b"):
        res = column(claims.get(name))
        assert res.passed and res.mark == "PASS" and "partial" not in res.to_dict()
    steps = {s.step: s for s in column.certificate("derivations").steps}
    assert steps["claim_a"].verdict and steps["claim_b"].verdict and steps["Phi3"].verdict


def test_missing_concluding_step_fails_the_claim():
    """The plant: a derivations certificate whose steps all pass but which lacks the claim_a conclusion."""
    col = ProofColumn()
    cert = Certificate("derivations", "passing but without the thresholds", "test")
    cert.identity("trivial", "1 = 1", 1, 1)
    col._cache["derivations"] = cert
    res = col(claims.get("claim_a"))
    assert cert.passed and not res.passed and res.mark == "FAIL"
    assert "concluding steps missing or failed: derivations:claim_a" in res.detail


def test_summary_counts_partials_separately():
    col = ProofColumn()
    col(claims.get("lemma_d3"))
    col(claims.get("optimal_robust"))
    bad = Certificate("lemma_d4", "broken", "test")
    bad.fact("broken", "a step that did not hold", False)
    col._cache["lemma_d4"] = bad
    col(claims.get("lemma_d4"))
    assert col.counts == {"PASS": 1, "PARTIAL": 1, "FAIL": 1}
    assert col.summary().startswith("proof column: 1 certified in full, 1 partial, 1 failed")


def test_verify_prints_partial_and_the_summary(capsys):
    from robtheory.cli import main

    status = main(["verify", "--claim", "optimal_robust", "--no-mc", "--no-torch"])
    out = capsys.readouterr().out
    assert status == 0
    assert "proof: PARTIAL" in out and "proof: partial (certified:" in out
    assert "proof column: 0 certified in full, 1 partial, 0 failed" in out


def test_every_concluding_step_exists_in_the_committed_certificates():
    import json
    from pathlib import Path

    from robtheory.proofs import _certificate

    cert_dir = Path(_certificate.__file__).resolve().parent / "certificates"
    for claim, labels in CONCLUDED_BY.items():
        for label in labels:
            module, step = label.split(":", 1)
            d = json.loads((cert_dir / f"{module}.json").read_text(encoding="utf-8"))
            verdicts = {s["step"]: s["verdict"] for s in d["steps"]}
            assert verdicts.get(step) is True, (claim, label)
