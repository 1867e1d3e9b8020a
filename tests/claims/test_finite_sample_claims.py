"""The finite_sample claims family: records, analytic checks, Monte Carlo runs and their negative controls."""

from __future__ import annotations

import numpy as np

from robtheory import stats
from robtheory.claims import REGISTRY
from robtheory.claims.finite_sample import FINITE_CROSSOVER, MEAN_LEARNER_CURVE, RECORDS
from robtheory.claims.runs import RUN_STRIDE
from robtheory.model import ToyModel

ALPHA = 1e-3


def test_records_registered_with_their_blocks() -> None:
    names = [c.name for c in REGISTRY]
    assert "mean_learner_curve" in names and "finite_crossover" in names
    assert [c.stream_block for c in RECORDS] == [17, 18]
    assert all(c.proofs == ("finite_mean_learner",) for c in RECORDS)


def test_analytic_checks_pass() -> None:
    assert MEAN_LEARNER_CURVE.check().passed
    assert FINITE_CROSSOVER.check().passed


def test_monte_carlo_run_passes_and_its_negative_control_fails(seed: int) -> None:
    run = MEAN_LEARNER_CURVE.mc_plan()[0]
    start = 17 * 64 * RUN_STRIDE
    recs = run.run(10**6, seed, start, "numpy", ALPHA / run.n_tests, mean_resolution=0.02)
    assert len(recs) == run.n_tests
    assert all(r["passed"] for r in recs), [(r["quantity"], r["z"]) for r in recs]
    assert stats.worst_verdict(r["verdict"] for r in recs) == stats.PASS
    # planted wrong formulas: the x1 weight taken at its mean 2p - 1 (standard) / the tie K = n/2 counted as right
    from robtheory.finite.mean_learner import dropped_learner_accuracy

    def plug_in(m: ToyModel, ns):
        from robtheory.finite.mean_learner import mean_accuracy_given, _nodes
        out = []
        for n in ns:
            Z, R, W = _nodes(m.d, 32)
            S = m.d * m.eta + np.sqrt(m.d / n) * Z
            out.append(float(mean_accuracy_given(m, 2 * m.p - 1, S, np.sqrt(S * S / m.d + R / n))[0] @ W))
        return np.array(out)

    def tie_right(m: ToyModel, ns):
        from scipy import stats as sps
        ns = np.asarray(ns)
        tie = np.where(ns % 2 == 0, sps.binom.pmf(ns // 2, ns, m.p), 0.0)
        return dropped_learner_accuracy(m, ns).accuracy + m.p * tie

    bad = MEAN_LEARNER_CURVE.control("run")(run.label, run.model, (1, 8, 64), dropped_ns=(2, 4), exact=plug_in,
                                            dropped=tie_right)
    recs = bad.run(10**6, seed, start, "numpy", ALPHA / bad.n_tests, mean_resolution=0.02)
    failed = {r["quantity"] for r in recs if not r["passed"]}
    assert any("standard" in q for q in failed) and any("dropped" in q for q in failed), failed
