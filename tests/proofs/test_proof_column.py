"""The proof column of verify: rebuilt certificates, '-' where no proof exists, FAIL on a failed step."""

from robtheory import claims
from robtheory.proofs._certificate import Certificate
from robtheory.proofs.column import PROOFS_OF, ProofColumn


def test_every_mapped_module_exists_and_every_claim_name_is_registered():
    names = {c.name for c in claims.REGISTRY}
    assert set(PROOFS_OF) <= names
    from robtheory.proofs._certificate import PROOF_MODULES

    assert {m for mods in PROOFS_OF.values() for m in mods} <= set(PROOF_MODULES)


def test_column_passes_for_theorem_2_1_and_is_empty_for_the_gaussian_claim():
    col = ProofColumn()
    res = col(claims.get("theorem_2_1"))
    assert res.passed and res.n_points > 10 and "theorem_2_1" in res.detail
    assert col(claims.get("gaussian_robust_mle")) is None


def test_column_fails_when_a_certificate_has_a_failed_step():
    col = ProofColumn()
    bad = Certificate("theorem_2_1", "deliberately broken", "test")
    bad.fact("broken", "a step that did not hold", False)
    col._cache["theorem_2_1"] = bad
    res = col(claims.get("tightness"))
    assert not res.passed and "0/1 steps" in res.detail
