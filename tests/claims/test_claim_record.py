"""A claim is one record: pinned stream blocks, tables read from the records, named negative
controls, and the one sampled test of Theorem 2.1 (issue 13, finding 1, 2 and 5)."""

from __future__ import annotations

import dataclasses
import math

import mpmath
import pytest

from robtheory import claims
from robtheory.claims import mc_column as claims_mc
from robtheory.claims.runs import RUN_STRIDE, RUNS_PER_CLAIM

#: The stream block of every claim before the records: 1 + its position in the registry of
#: commit f23bef5 (``_first_run`` = 64 (i + 1)). Pinned here so that no committed sample moves.
BLOCKS_AT_F23BEF5 = {
    "claim_a": 1, "claim_b": 2, "theorem_2_1": 3, "theorem_2_2_part1": 4, "theorem_2_2_part2": 5,
    "lemma_d1": 6, "lemma_d2": 7, "lemma_d3": 8, "lemma_d4": 9, "lemma_d5": 10, "bayes_optimality": 11,
    "robust_x1": 12, "tightness": 13, "optimal_robust": 14, "gaussian_robust_mle": 15, "theorem_f": 16,
    # Schmidt et al. 2018 (issue 14)
    "schmidt_robust_error": 25, "schmidt_theorem_21": 26, "schmidt_corollary_22": 27, "schmidt_theorem_11": 28,
}
# issue 14 (finite-sample claims): transfer and feature selection
BLOCKS_AT_F23BEF5.update({"mean_learner_curve": 17, "finite_crossover": 18,
                          "transfer_exact": 21, "transfer_limit": 22, "feature_selection_law": 23,
                          "feature_selection_limit": 24})


@pytest.fixture(autouse=True)
def _cpu_only(monkeypatch):
    monkeypatch.setenv("ROBTHEORY_DISABLE_CUPY", "1")


def test_stream_blocks_are_pinned_unique_and_leave_block_0_to_the_marginals():
    blocks = {c.name: c.stream_block for c in claims.REGISTRY}
    assert blocks == BLOCKS_AT_F23BEF5
    assert len(set(blocks.values())) == len(blocks) and min(blocks.values()) >= 1
    # the registry keeps its order: that of the blocks
    assert [c.name for c in claims.REGISTRY] == sorted(blocks, key=blocks.get)


def _starts_and_counts(col, claim):
    res = col(claim)
    return [(r["start"], r["quantity"], r.get("count"), r["estimate"]) for r in res.checks]


def test_inserting_or_reordering_claims_moves_no_sample(monkeypatch):
    a, x1 = claims.get("claim_a"), claims.get("robust_x1")
    base = claims_mc.MonteCarloColumn([a, x1], n=2000, seed=5, backend="numpy")
    before = {c.name: _starts_and_counts(base, c) for c in (a, x1)}
    assert {s for s, *_ in before["claim_a"]} == {1 * RUNS_PER_CLAIM * RUN_STRIDE}
    # a new claim inserted at the front of the registry, and the column's claims reversed
    dummy = dataclasses.replace(a, name="dummy_claim", stream_block=17)
    registry = (dummy, *claims.REGISTRY)
    monkeypatch.setattr(claims, "REGISTRY", registry)
    monkeypatch.setattr(claims_mc, "REGISTRY", registry)
    col = claims_mc.MonteCarloColumn([x1, dummy, a], n=2000, seed=5, backend="numpy")
    after = {c.name: _starts_and_counts(col, c) for c in (x1, a)}
    assert after == before
    # the new claim draws its own samples (block 17), disjoint from every other claim's
    assert {s for s, *_ in _starts_and_counts(col, dummy)} == {17 * RUNS_PER_CLAIM * RUN_STRIDE}


def test_a_claim_with_runs_but_no_stream_block_is_refused():
    a = claims.get("claim_a")
    orphan = dataclasses.replace(a, name="orphan", stream_block=None)
    col = claims_mc.MonteCarloColumn([orphan], n=100, seed=0, backend="numpy")
    with pytest.raises(ValueError, match="stream_block=None"):
        col(orphan)


def test_every_table_is_read_from_the_records():
    from robtheory.proofs import _certificate, column
    from robtheory.torch_bridge.experiments import CATALOGUE
    from robtheory.validation import claims_campaign

    recs = claims.REGISTRY
    assert claims_mc.PLANS == {c.name: c.mc_plan for c in recs if c.mc_plan}
    assert claims_mc.POINT_RUNS == {c.name: c.mc_at for c in recs if c.mc_at}
    assert column.PROOFS_OF == {c.name: c.proofs for c in recs if c.proofs}
    assert column.CONCLUDED_BY == {c.name: c.proof_steps for c in recs if c.proof_steps}
    assert column.PARTIAL == {c.name: c.proof_partial for c in recs if c.proof_partial}
    assert set(_certificate.PROOF_MODULES) == {m for c in recs for m in c.proofs}
    assert claims_campaign.GRID == {c.name: c.campaign for c in recs if c.campaign}
    assert {n for e in CATALOGUE.values() for n in e.claims} == {c.name for c in recs if c.torch_experiment}
    assert all(c.torch_experiment in CATALOGUE for c in recs if c.torch_experiment is not None)


def test_the_tables_keep_todays_entries():
    """The name-keyed tables of commit f23bef5, now read from the records, are unchanged."""
    from robtheory.proofs import column
    from robtheory.torch_bridge.experiments import CATALOGUE

    assert column.PROOFS_OF == {
        "claim_a": ("derivations",), "claim_b": ("derivations",), "theorem_2_1": ("theorem_2_1",),
        "tightness": ("theorem_2_1",), "theorem_2_2_part1": ("lemma_d1", "lemma_d2", "lemma_d3", "lemma_d4"),
        "theorem_2_2_part2": ("lemma_d5", "derivations"), "lemma_d1": ("lemma_d1",), "lemma_d2": ("lemma_d2",),
        "lemma_d3": ("lemma_d3",), "lemma_d4": ("lemma_d4",), "lemma_d5": ("lemma_d5",),
        "bayes_optimality": ("derivations",), "robust_x1": ("derivations",), "optimal_robust": ("derivations",),
        "theorem_f": ("theorem_f", "theorem_2_1"), "feature_selection_law": ("finite_transfer",),
        "mean_learner_curve": ("finite_mean_learner",), "finite_crossover": ("finite_mean_learner",),
        # Schmidt et al. 2018 (issue 14)
        "schmidt_theorem_11": ("schmidt_lower_bound",)}
    assert set(column.PARTIAL) == {"optimal_robust", "schmidt_theorem_11"}
    assert CATALOGUE["toy"].claims == ("theorem_2_1", "theorem_2_2_part1", "theorem_2_2_part2")
    assert all(not e.claims for e in CATALOGUE.values() if e.name != "toy")


def test_campaign_points_are_points_in_the_eta_convention():
    from robtheory.validation import claims_campaign

    for name, pts in claims_campaign.GRID.items():
        assert pts and all(isinstance(pt, claims.Point) for pt in pts)
        for pt in pts:
            assert claims_mc.plan_at(name, pt)
    # Point.from_mu writes a point by mu; it is stored by eta
    pt = claims.Point.from_mu(0.9, 3.0, 100)
    assert pt.eta == 0.3 and pt.mu == pytest.approx(3.0, rel=1e-15)


def test_negative_controls_are_named_on_the_records_and_fail():
    names = {c.name: set(c.controls) for c in claims.REGISTRY if c.controls}
    assert names == {"theorem_2_1": {"bound_fn"}, "theorem_f": {"frontier_fn"},
                     "theorem_2_2_part1": {"v_threshold"}, "theorem_2_2_part2": {"optimality_run"},
                     "lemma_d1": {"symmetry_run"}, "lemma_d2": {"v_threshold", "constants_run", "stationarity_run"},
                     "lemma_d5": {"zero_weak_run"}, "gaussian_robust_mle": {"mle_run"},
                     "transfer_exact": {"transfer_run"}, "transfer_limit": {"limit_fn"},
                     "feature_selection_law": {"pass_fn", "law_run"}, "mean_learner_curve": {"run"},
                     # Schmidt et al. 2018 (issue 14; each fails in tests/claims/test_schmidt_claims.py)
                     "schmidt_robust_error": {"formula"}, "schmidt_theorem_21": {"run", "eps_fn"},
                     "schmidt_corollary_22": {"run", "n_fn"}, "schmidt_theorem_11": {"run"}}
    c = claims.get("theorem_2_1")
    with pytest.raises(ValueError, match="no negative control 'nope'.*bound_fn"):
        c.control("nope")
    few = dataclasses.replace(c, hypotheses=lambda q: c.hypotheses(q) and q.mu == 10.0 and q.d == 100)
    assert few.check().passed
    res = few.control("bound_fn")(few, bound_fn=lambda p, error_rate: 0.5 * p / (1 - p) * error_rate)
    assert not res.passed and "bound violated" in res.detail


def _cp_upper_mp(k: int, n: int, a: float) -> mpmath.mpf:
    """Upper one-sided Clopper--Pearson limit at ``a`` for ``k`` of ``n``, by mpmath at 60 digits:
    the q with P(Bin(n, q) <= k) = a (the binomial sum written out; small k only)."""
    with mpmath.workdps(60):
        def cdf(q):
            return mpmath.fsum(mpmath.binomial(n, j) * q**j * (1 - q) ** (n - j) for j in range(k + 1))

        lo, hi = mpmath.mpf(0), mpmath.mpf(1)
        for _ in range(400):  # bisection: cdf falls in q
            mid = (lo + hi) / 2
            if cdf(mid) > a:
                lo = mid
            else:
                hi = mid
        return (lo + hi) / 2


def test_theorem_2_1_sampled_keeps_its_digits_at_a_tiny_error_rate():
    # 2 errors in 2**39 samples (the largest n of a run): U_err ~ 4.5e-11 at alpha/2 = 5e-9.
    # From the error count it is exact to double precision; as 1 - L_std it keeps ~6 digits.
    p, n, alpha = 0.75, 2**39, 1e-8
    t = claims.theorem_2_1_sampled(p, n - 2, n, 10, n, alpha)
    ref_err = _cp_upper_mp(2, n, alpha / 2)
    assert t.error_upper == pytest.approx(float(ref_err), rel=1e-9, abs=0)
    assert t.bound == pytest.approx(float(3 * ref_err), rel=1e-9, abs=0)
    assert t.consistent is (t.robust_lower <= t.bound)


def test_theorem_2_1_sampled_false_alarm_rate_and_its_negative_control():
    """Under the theorem at equality (sign(x1): acc = p, acc_shift = p = p/(1-p) (1 - acc)) the test
    rejects with probability <= alpha; with the factor p/(1-p) dropped it rejects almost always."""
    import numpy as np

    rng = np.random.default_rng(11)
    p, n, alpha, reps = 0.75, 4000, 0.05, 400
    std = rng.binomial(n, p, reps)
    rob = rng.binomial(n, p, reps)
    rejects = sum(not claims.theorem_2_1_sampled(p, int(s), n, int(r), n, alpha).consistent
                  for s, r in zip(std, rob))
    # rejections ~ Binomial(reps, <= alpha): the bound below fails with probability < 1e-6
    assert rejects <= reps * alpha + 5.0 * math.sqrt(reps * alpha * (1 - alpha))
    wrong = sum(not claims.theorem_2_1_sampled(p, int(s), n, int(r), n, alpha,
                                               bound_fn=lambda q, error_rate: error_rate).consistent
                for s, r in zip(std, rob))
    assert wrong == reps
