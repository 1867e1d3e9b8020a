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


def test_column_built_ahead_in_a_helper_process_gives_the_same_verdicts(monkeypatch):
    from concurrent.futures import Future

    monkeypatch.setenv("ROBTHEORY_VERIFY_PROCESSES", "1")  # conftest switches helper processes off
    claim = claims.get("theorem_2_1")
    ahead = ProofColumn([claim], ahead=True)
    try:
        assert set(ahead._ahead._futures) == set(PROOFS_OF["theorem_2_1"])  # really submitted to the helper
        here = ProofColumn()
        expected = here(claim)
        assert ahead(claim) == expected
        for name in PROOFS_OF["theorem_2_1"]:
            assert ahead.record(name)["steps"] == here.certificate(name).to_dict()["steps"]
    finally:
        ahead.close()
    # a helper that failed: the certificate is built in this process instead
    broken = ProofColumn()
    fut: Future = Future()
    fut.set_exception(RuntimeError("helper died"))
    broken._ahead._futures["theorem_2_1"] = fut
    broken._cache = here._cache  # the certificates built above: the fallback path reads them
    assert broken(claim) == expected
    # switched off: nothing is submitted
    monkeypatch.setenv("ROBTHEORY_VERIFY_PROCESSES", "0")
    off = ProofColumn([claim], ahead=True)
    assert off._ahead._pool is None and not off._ahead._futures
