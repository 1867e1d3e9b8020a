"""The Monte Carlo column of ``robtheory verify``: plans, family-wise alpha, negative controls."""

from __future__ import annotations

import dataclasses
import json
import math
import subprocess
import sys

import numpy as np
import pytest
from scipy.special import ndtr

from robtheory import claims
from robtheory.cli import main
from robtheory.mc import claims_mc
from robtheory.mc.claims_mc import MonteCarloColumn, plan

SMALL_N = 20_000


@pytest.fixture(autouse=True)
def _cpu_only(monkeypatch):
    monkeypatch.setenv("ROBTHEORY_DISABLE_CUPY", "1")


def test_import_robtheory_loads_no_monte_carlo():
    code = ("import sys, robtheory, robtheory.claims, robtheory.cli; "
            "print('numba' in sys.modules, 'robtheory.mc.claims_mc' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_column_small_n_every_claim_passes_and_family_is_bonferroni():
    col = MonteCarloColumn(claims.REGISTRY, n=SMALL_N, seed=3, backend="auto", total_alpha=1e-6)
    n_tests = 0
    for claim in claims.REGISTRY:
        res = col(claim)
        if not plan(claim.name):
            assert res is None
            continue
        assert res.passed, res.detail
        n_tests += res.n_points
        for c in res.checks:
            assert {"estimate", "count", "n", "ci", "analytic", "passed", "min_detectable"} <= c.keys()
            assert c["n"] == SMALL_N and c["estimate"] == c["count"] / SMALL_N
            assert c["ci"][0] <= c["estimate"] <= c["ci"][1]
            assert c["alpha"] == pytest.approx(1e-6 / col.n_checks)
    assert col.marginals()["passed"]
    assert col.n_checks == n_tests + 5  # the five marginal tests share the family
    assert col.passed()
    assert "1e-06" in col.statement() and str(col.n_checks) in col.statement()
    # claims with no meaningful sampling check
    assert {"lemma_d1", "lemma_d2", "lemma_d5"} <= {c.name for c in claims.REGISTRY if not plan(c.name)}
    assert set(claims_mc.PLANS) <= {c.name for c in claims.REGISTRY}


def test_subset_draws_the_same_samples_as_the_full_run():
    full = MonteCarloColumn(claims.REGISTRY, n=5000, seed=9)
    one = MonteCarloColumn([claims.get("robust_x1")], n=5000, seed=9)
    a = [c["count"] for c in full(claims.get("robust_x1")).checks]
    b = [c["count"] for c in one(claims.get("robust_x1")).checks]
    assert a == b
    starts = [c["start"] for name in ("claim_a", "claim_b", "theorem_2_1")
              for c in full(claims.get(name)).checks]
    assert len(set(starts)) == 1 + 1 + 8  # disjoint blocks; Theorem 2.1 uses two per classifier
    assert one.n_checks < full.n_checks


# Negative controls at the default n = 10**6: the wrong formulas of issue 3 are rejected
# at the family-wise alpha of a whole default run, while the right ones pass.
def _alpha():
    return MonteCarloColumn(claims.REGISTRY).alpha


def _run(run, **changes):
    return run.__class__.run(dataclasses.replace(run, **changes), 10**6, 0, 7 << 40, "auto", _alpha())


def test_negative_control_p_and_1_minus_p_swapped():
    run = plan("tightness")[0]  # sign(x1): standard accuracy p
    assert all(c["passed"] for c in _run(run))
    bad = _run(run, analytic={"standard": 1 - run.model.p})
    assert not bad[0]["passed"]


def test_negative_control_eps_not_applied_to_x1():
    run = next(r for r in plan("robust_x1") if r.threat.eps > 1)  # robust accuracy 0
    bad = _run(run, analytic={"robust": run.model.p})
    assert not bad[0]["passed"]


def test_negative_control_weak_variance_1_instead_of_1_over_d():
    run = plan("claim_a")[0]  # averaging: Phi(eta sqrt(d)), not Phi(eta)
    assert _run(run)[0]["passed"]
    bad = _run(run, analytic={"standard": float(ndtr(run.model.eta))})
    assert not bad[0]["passed"]


def test_negative_control_wrong_sign_of_eta():
    run = plan("claim_b")[0]  # Phi((eta - eps) sqrt(d)) = Phi(-mu) at eps = 2 eta
    assert _run(run)[0]["passed"]
    bad = _run(run, analytic={"robust": float(ndtr(-3 * run.model.mu))})  # Phi((-eta - eps) sqrt(d))
    assert not bad[0]["passed"]


def test_negative_control_shift_adversary_not_applied():
    run = plan("lemma_d4")[0]
    assert all(c["passed"] for c in _run(run))
    from robtheory.closed_form import linear_accuracy

    clean = linear_accuracy(run.model, claims_mc._svm_classifier(run.model)).standard_accuracy
    assert not _run(run, analytic=clean)[0]["passed"]


def test_negative_control_theorem_2_1_without_the_p_over_1_minus_p_factor():
    run = plan("theorem_2_1")[-1]  # sign(x1): the bound is attained, so the factor matters
    assert all(c["passed"] for c in _run(run))
    bad = _run(run, bound_fn=lambda p, acc: 1 - acc)
    assert [c["passed"] for c in bad] == [True, True, False]


def test_negative_control_lemma_d3_bound_too_strong():
    run = plan("lemma_d3")[0]
    bad = _run(run, bounds=(("standard", ">=", 1 - 1e-6, "wrong"),))
    assert not bad[-1]["passed"]


def test_rounded_rule_attack_is_the_exact_worst_case():
    run = plan("optimal_robust")[0]
    # the attack moves x1 too: a classifier that does not round x1 is hurt by it
    good = _run(run)[0]
    assert good["passed"]
    from robtheory.closed_form import optimal_robust_accuracy

    tau, sd = optimal_robust_accuracy(run.model, run.threat).classifier.tau, math.sqrt(run.model.d)

    def unrounded(X):
        return tau * X[:, 0] + X[:, 1:].sum(axis=1) / sd

    bad = _run(run, classifier=unrounded)[0]
    assert bad["estimate"] < good["estimate"]


# ------------------------------------------------------------------------- the CLI
def test_verify_mc_column_json(tmp_path, capsys):
    out = tmp_path / "v.json"
    assert main(["verify", "--claim", "claim_a", "--claim", "lemma_d2", "--claim", "theorem_2_1",
                 "--n", "1e4", "--seed", "2", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "mc: PASS" in text and "mc: -" in text and "sampler_marginals" in text
    assert "family-wise false-alarm rate 1e-06" in text
    data = json.loads(out.read_text())
    rows = {r["name"]: r for r in data["claims"]}
    assert rows["lemma_d2"]["mc"] is None
    checks = rows["theorem_2_1"]["mc"]["checks"]
    assert len(checks) == 12 and all(c["n"] == 10_000 for c in checks)
    for c in checks + rows["claim_a"]["mc"]["checks"]:
        assert {"estimate", "count", "n", "ci", "analytic"} <= c.keys() and len(c["ci"]) == 2
    mc = data["mc"]
    assert mc["n"] == 10_000 and mc["seed"] == 2 and mc["total_alpha"] == 1e-6
    assert mc["n_checks"] == 1 + 12 + 5 and mc["alpha_per_check"] == pytest.approx(1e-6 / 18)
    assert mc["marginals"]["passed"] and mc["passed"] and data["passed"]
    assert "mc" not in claims.COLUMNS  # registered only for the duration of the run


def test_verify_no_mc_is_analytic_only(tmp_path, capsys):
    out = tmp_path / "v.json"
    assert main(["verify", "--claim", "claim_a", "--no-mc", "--json", str(out)]) == 0
    assert "mc:" not in capsys.readouterr().out
    data = json.loads(out.read_text())
    assert data["mc"] is None and "mc" not in data["claims"][0]


def test_verify_exits_1_when_a_monte_carlo_check_fails(monkeypatch, capsys):
    wrong = dataclasses.replace(plan("claim_a")[0], analytic={"standard": 0.5})
    monkeypatch.setitem(claims_mc.PLANS, "claim_a", lambda: [wrong])
    assert main(["verify", "--claim", "claim_a", "--n", "1e4"]) == 1
    assert "mc: FAIL" in capsys.readouterr().out


@pytest.mark.parametrize("bad, needle", [
    (["--n", "0"], "--n"),
    (["--n", str(2**40)], "2**39"),
    (["--alpha", "0"], "alpha"),
    (["--seed", "-3"], "--seed"),
    (["--backend", "gpu"], "gpu"),
])
def test_verify_bad_mc_arguments_exit_2(bad, needle, capsys):
    try:  # argparse rejects bad syntax (SystemExit), the library bad values (return 2)
        code = main(["verify", "--claim", "lemma_d2", *bad])
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and needle in err and err.count("\n") == 1


def test_mc_results_are_json_safe():
    res = MonteCarloColumn([claims.get("theorem_2_2_part1")], n=1000)(claims.get("theorem_2_2_part1"))
    d = res.to_dict()
    text = json.dumps(d, allow_nan=False)  # undetectable deviations are null, not Infinity
    assert json.loads(text)["checks"][0]["count"] == res.checks[0]["count"]
    assert not math.isfinite(res.checks[0]["min_detectable"]) or d["checks"][0]["min_detectable"] is not None
    assert np.isfinite(res.checks[0]["estimate"])
