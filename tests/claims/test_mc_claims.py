"""The Monte Carlo column of ``robtheory verify``: plans, family-wise alpha, negative controls."""

from __future__ import annotations

import dataclasses
import json
import math
import subprocess
import sys

import numpy as np
import pytest
from scipy.special import ndtr, ndtri

from robtheory import claims
from robtheory.cli import main
from robtheory.claims import mc_column as claims_mc
from robtheory.claims.mc_column import MonteCarloColumn, plan

SMALL_N = 20_000


@pytest.fixture(autouse=True)
def _cpu_only(monkeypatch):
    monkeypatch.setenv("ROBTHEORY_DISABLE_CUPY", "1")


def test_import_robtheory_loads_no_monte_carlo():
    code = ("import sys, robtheory, robtheory.claims, robtheory.cli; "
            "print('numba' in sys.modules, 'robtheory.claims.mc_column' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_column_small_n_every_claim_passes_and_family_is_bonferroni():
    # coarse resolutions: at this small n only the skewness rule below may leave a test unjudged
    col = MonteCarloColumn(claims.REGISTRY, n=SMALL_N, seed=3, backend="auto", total_alpha=1e-6,
                           resolution=0.4, mean_resolution=10.0)
    n_tests = 0
    for claim in claims.REGISTRY:
        res = col(claim)
        if not plan(claim.name):
            assert res is None
            continue
        assert res.passed, res.detail
        n_tests += res.n_points
        for c in res.checks:
            assert {"estimate", "n", "ci", "analytic", "passed", "min_detectable"} <= c.keys()
            # runs over training sets (Schmidt et al.) count training sets, a number of their own
            assert c["n"] == SMALL_N or claim.name.startswith(("schmidt_", "mean_learner_curve"))  # training sets
            assert c["ci"][0] <= c["estimate"] <= c["ci"][1]
            if "count" in c:  # binomial tests; mean tests carry a standard error instead
                assert c["estimate"] == c["count"] / c["n"]
            else:
                assert c["std_error"] > 0 and "skewness_of_mean" in c
            assert c["alpha"] == pytest.approx(1e-6 / col.n_checks)
    # at this n the strongly skewed statistics of Lemma D.2 are not judged, and say so
    d2 = col.results["lemma_d2"]
    assert any(c["inconclusive"] for c in d2.checks) and "INCONCLUSIVE" in d2.detail
    assert not any(c.get("inconclusive") for name in ("lemma_d1", "lemma_d5") for c in col.results[name].checks)
    assert col.marginals()["passed"]
    assert col.n_checks == n_tests + 5  # the five marginal tests share the family
    assert col.passed()
    assert "1e-06" in col.statement() and str(col.n_checks) in col.statement()
    # every claim has a Monte Carlo check, the Ilyas et al. result (not from the paper) included, but
    # finite_crossover: a statement about the exact curves, whose values mean_learner_curve samples
    assert {c.name for c in claims.REGISTRY if not plan(c.name)} == {"finite_crossover"}
    assert not any(c.get("inconclusive") for c in col.results["gaussian_robust_mle"].checks)
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
    from robtheory.theory.closed_form import linear_accuracy

    clean = linear_accuracy(run.model, claims_mc._svm_classifier(run.model)).standard_accuracy
    assert not _run(run, analytic=clean)[0]["passed"]


def test_negative_control_theorem_2_1_without_the_p_over_1_minus_p_factor():
    run = plan("theorem_2_1")[-1]  # sign(x1): the bound is attained, so the factor matters
    assert all(c["passed"] for c in _run(run))
    bad = _run(run, bound_fn=lambda p, error_rate: error_rate)
    assert [c["passed"] for c in bad] == [True, True, False]


def test_negative_control_lemma_d3_bound_too_strong():
    run = plan("lemma_d3")[0]
    bad = _run(run, bounds=(("standard", ">=", 1 - 1e-6, "wrong"),))
    assert not bad[-1]["passed"]


# Lemmas D.1, D.2, D.5: mean tests of the hinge objective, each with its negative control at
# the default n and the family-wise alpha of a default run.
def _by_quantity(records):
    return {(c["quantity"], c["test"]): c for c in records}


def test_lemma_d1_rejects_a_non_stationary_point_and_jensen_without_a_gap():
    from robtheory import ToyModel

    good = _run(plan("lemma_d1")[0])  # standard J_lam
    assert all(c["passed"] for c in good)
    # the optimum of J_{2 lam} claimed stationary for J_lam, and "symmetrising changes nothing"
    wrong = claims.get("lemma_d1").control("symmetry_run")(ToyModel(0.9, 0.5, 10), 0.1, None, at_lam=0.2)
    grads = [q for q in wrong.quantities if q.startswith("dJ/")]
    bad = _by_quantity(_run(wrong, analytic={"L(w) - L(pi w)": 0.0, "L(w) - L(sym w)": 0.0,
                                              **{q: 0.0 for q in grads}}, bounds=()))
    assert bad[("L(w) - L(pi w)", "mean")]["passed"]  # swap invariance holds anywhere
    assert not bad[("L(w) - L(sym w)", "mean")]["passed"]
    assert not any(bad[(q, "mean")]["passed"] for q in grads)


def test_lemma_d2_rejects_a_wrong_constant_and_a_non_optimal_point():
    from robtheory._special import ramp

    consts, station = plan("lemma_d2")
    for good in (_run(consts), _run(station)):  # judged (not inconclusive) and passed at 10**6
        assert all(c["passed"] and not c["inconclusive"] for c in good)
    s2 = 1 / math.sqrt(2)
    # c1 with the weak-feature variance 1 in place of v^2 (0.066 instead of 0.017)
    bad = _by_quantity(_run(claims.get("lemma_d2").control("constants_run")(consts.model, c1=float(ramp(1 + s2 - 4 * s2, 1.0)))))
    assert not bad[(consts.quantities[0], "mean")]["passed"]
    assert not next(c for (q, t), c in bad.items() if q.startswith("c2 - (1 - p*)"))["passed"]
    # the lemma's boundary point (1/sqrt2, 1/sqrt2) claimed to be the unit-norm optimum
    wrong = claims.get("lemma_d2").control("stationarity_run")(station.model, point=(s2, s2))
    tangential = wrong.quantities[1]
    res = _by_quantity(_run(wrong, analytic={tangential: 0.0}))
    assert not res[(tangential, "mean")]["passed"]
    assert not res[("L(x*) - L((0, 1))", "bound")]["passed"]


def test_lemma_d5_rejects_eps_train_below_eta_and_a_wrong_sign_of_eta():
    run = plan("lemma_d5")[1]  # eps_train = 0.5 >= 2 eta, w1* interior
    assert all(c["passed"] for c in _run(run))
    # outside the hypothesis (eps_train = eta / 4): adding weak weight lowers the hinge term
    outside = _by_quantity(_run(claims.get("lemma_d5").control("zero_weak_run")(run.model, 0.05, 1.0)))
    assert not outside[("L(x* + all weak +delta) - L(x*)", "bound")]["passed"]
    assert outside[("L(x* + all weak +delta) - L(x*)", "mean")]["passed"]  # the closed form still agrees
    # closed form with the sign of eta flipped: L(x* - delta e) - L(x*) instead of L(x* + delta e) - L(x*)
    flipped = claims.get("lemma_d5").control("zero_weak_run")(run.model, 0.5, 0.5, delta=-0.1)
    q = "L(x* + all weak +delta) - L(x*)"
    bad = _by_quantity(_run(run, analytic={q: flipped.analytic[q]}))
    assert not bad[(q, "mean")]["passed"]



# The Gaussian robust MLE (Ilyas et al. 2019, Thm 2; registered, not from the paper): mean tests
# on samples x ~ N(y mu*, Sigma*) at the default n, each with its negative control.
def _gauss_run(eps, **kw):
    return claims.get("gaussian_robust_mle").control("mle_run")(claims.Point(0.5, 1.0, 3, eps), **kw)


def _sigma_grads(records):
    return [c for c in records if c["quantity"].startswith("dL/dSigma") and c["test"] == "mean"]


def test_gaussian_mle_plan_passes_and_fixes_lam_by_the_budget():
    from robtheory.training import lam_for_budget, perturbation_energy

    runs = plan("gaussian_robust_mle")
    assert [r.label.split("eps=")[1].split(",")[0] for r in runs] == ["0.2", "1"]
    for run, eps in zip(runs, (0.2, 1.0)):
        S = claims_mc._gaussian_data(claims.Point(0.5, 1.0, 3, eps))[1]
        energy = run.analytic[run.quantities[0]]
        assert energy == pytest.approx(eps**2, rel=1e-9)  # E|delta*|^2 = eps^2 fixes lam
        assert energy == pytest.approx(perturbation_energy(S, lam_for_budget(S, eps)), rel=1e-12)
        res = _run(run)
        assert all(c["passed"] and not c["inconclusive"] for c in res)
        assert len(res) == 14 and len(_sigma_grads(res)) == 6


def test_gaussian_mle_delta_is_each_samples_exact_worst_case():
    from scipy.optimize import minimize

    from robtheory.mc import reference as ref
    from robtheory.training import lam_for_budget, robust_covariance

    pt = claims.Point(0.5, 1.0, 3, 1.0)
    run = claims_mc._plan_gaussian_mle()[1]
    mu, S = claims_mc._gaussian_data(pt)
    lam = lam_for_budget(S, pt.eps)
    Sig = robust_covariance(S, lam)
    y, X = ref.sample_chunk(run.model, 4, 0, 5)
    x = y[:, None] * mu + X[:, 1:] @ np.linalg.cholesky(S).T
    V = run.statistic(X, y)
    half_logdet = 0.5 * np.linalg.slogdet(Sig)[1]
    for i in range(5):
        z = x[i] - y[i] * mu

        def neg(delta, z=z):
            u = z + delta
            return -(0.5 * u @ np.linalg.solve(Sig, u) + half_logdet - 0.5 * lam * delta @ delta)

        best = minimize(neg, np.zeros(3), method="BFGS", options={"gtol": 1e-12})
        assert V[i, 2] == pytest.approx(-best.fun, rel=1e-9)  # the penalised inner max
        assert V[i, 0] == pytest.approx(best.x @ best.x, rel=1e-5)  # |delta*|^2
        # collapsed form: 1/2 z^T (Sigma - I/lam)^-1 z + 1/2 log det Sigma
        assert V[i, 2] == pytest.approx(0.5 * z @ np.linalg.solve(Sig - np.eye(3) / lam, z) + half_logdet)


def test_gaussian_mle_rejects_sigma_r_without_the_1_over_lam_term_and_the_standard_mle():
    from robtheory.training import robust_covariance

    def no_identity(S, lam):
        return robust_covariance(S, lam) - np.eye(S.shape[0]) / lam

    # at eps = 0.2 both wrong covariances still exceed I/lam: the inner max is finite
    for wrong in (no_identity, lambda S, lam: S):
        res = _run(_gauss_run(0.2, covariance=wrong))
        assert not any(c["passed"] for c in _sigma_grads(res))  # (mu*, Sigma) is not stationary
        assert not _by_quantity(res)[(res[0]["quantity"], "mean")]["passed"]  # E|delta|^2 != eps^2
    # at eps = 1 (lam = 1.15) the wrong formula is not even above I/lam
    with pytest.raises(ValueError, match="positive definite"):
        _gauss_run(1.0, covariance=no_identity)
    with pytest.raises(ValueError, match=r"p = 1/2.*eps=0.0"):
        claims_mc.plan_at("gaussian_robust_mle", claims.Point(0.5, 1.0, 3, 0.0))
    with pytest.raises(ValueError, match="d <= 10"):
        claims_mc.plan_at("gaussian_robust_mle", claims.Point(0.5, 1.0, 11, 0.5))


@pytest.mark.parametrize("eps", [0.2, 1.0])
def test_gaussian_mle_rejects_a_wrong_energy_formula(eps):
    from robtheory.training import perturbation_energy, robust_covariance

    def missing_power(S, lam):  # t^2 tr((Sigma_r - tI)^-1 Sigma*): one inverse short
        t = 1.0 / lam
        return t * t * float(np.trace(np.linalg.solve(robust_covariance(S, lam) - t * np.eye(S.shape[0]), S)))

    for wrong in (lambda S, lam: 1.1 * perturbation_energy(S, lam), missing_power):
        res = _run(_gauss_run(eps, energy=wrong))
        assert [c["passed"] for c in res].count(False) == 1 and not res[0]["passed"]

def test_one_sided_critical_value_widens_with_skewness():
    z0 = claims_mc.one_sided_z(1e-8)
    assert z0 == pytest.approx(-float(ndtri(1e-8)))
    assert claims_mc.one_sided_z(1e-8, 0.05) > z0 and claims_mc.one_sided_z(1e-8, -0.05) > z0
    with pytest.raises(ValueError, match="alpha=0.7"):
        claims_mc.one_sided_z(0.7)


def test_sample_moments_do_not_depend_on_chunking_and_match_numpy():
    from robtheory import ToyModel
    from robtheory.mc import reference as ref

    m = ToyModel(0.8, 0.3, 4)

    def stat(X, y):
        return np.column_stack([y * X[:, 1], np.maximum(0.0, 1 - y * X.sum(axis=1))])

    a = claims_mc.sample_moments(m, stat, 3001, seed=5, start=17, chunk=1000)
    b = claims_mc.sample_moments(m, stat, 3001, seed=5, start=17, chunk=97)
    y, X = ref.sample_chunk(m, 5, 17, 3001, np.float64)
    V = stat(X, y)
    from scipy.stats import skew

    for r in (a, b):
        np.testing.assert_allclose(r["mean"], V.mean(axis=0), rtol=1e-12)
        np.testing.assert_allclose(r["var"], V.var(axis=0, ddof=1), rtol=1e-10)
        np.testing.assert_allclose(r["skew"], skew(V, axis=0), rtol=1e-8)
    with pytest.raises(ValueError, match="n must be >= 2"):
        claims_mc.sample_moments(m, stat, 1, seed=0)
    with pytest.raises(ValueError, match=r"shape \(rows, m\)"):
        claims_mc.sample_moments(m, lambda X, y: y, 10, seed=0)


def test_column_needs_two_samples_for_the_mean_tests():
    with pytest.raises(ValueError, match="n must be >= 2.*lemma_d1"):
        MonteCarloColumn([claims.get("lemma_d1")], n=1)
    MonteCarloColumn([claims.get("claim_a")], n=1)  # binomial tests work at n = 1


def test_rounded_rule_attack_is_the_exact_worst_case():
    run = plan("optimal_robust")[0]
    # the attack moves x1 too: a classifier that does not round x1 is hurt by it
    good = _run(run)[0]
    assert good["passed"]
    from robtheory.theory.closed_form import best_robust_classifier

    tau, sd = best_robust_classifier(run.model, run.threat).classifier.tau, math.sqrt(run.model.d)

    def unrounded(X):
        return tau * X[:, 0] + X[:, 1:].sum(axis=1) / sd

    bad = _run(run, classifier=unrounded)[0]
    assert bad["estimate"] < good["estimate"]


# ------------------------------------------------------------------------- the CLI
def test_verify_mc_column_json(tmp_path, capsys):
    out = tmp_path / "v.json"
    assert main(["verify", "--claim", "claim_a", "--claim", "gaussian_robust_mle", "--claim", "theorem_2_1",
                 "--n", "1e4", "--seed", "2", "--resolution", "0.1", "--mean-resolution", "0.5",
                 "--no-proofs", "--no-torch", "--json", str(out)]) == 0  # the Monte Carlo column is the subject
    text = capsys.readouterr().out
    assert "mc: PASS" in text and "mc: -" not in text and "sampler_marginals" in text
    assert "family-wise false-alarm rate 1e-06" in text
    data = json.loads(out.read_text())
    rows = {r["name"]: r for r in data["claims"]}
    gauss = rows["gaussian_robust_mle"]["mc"]
    assert gauss["passed"] and len(gauss["checks"]) == 28  # 2 budgets x (13 mean + 1 bound) tests
    assert {c["test"] for c in gauss["checks"]} == {"mean", "bound"}
    checks = rows["theorem_2_1"]["mc"]["checks"]
    assert len(checks) == 12 and all(c["n"] == 10_000 for c in checks)
    for c in checks + rows["claim_a"]["mc"]["checks"]:
        assert {"estimate", "count", "n", "ci", "analytic"} <= c.keys() and len(c["ci"]) == 2
    mc = data["mc"]
    assert mc["n"] == 10_000 and mc["seed"] == 2 and mc["total_alpha"] == 1e-6
    assert mc["n_checks"] == 1 + 28 + 12 + 5 and mc["alpha_per_check"] == pytest.approx(1e-6 / 46)
    assert mc["marginals"]["passed"] and mc["passed"] and data["passed"]
    assert "mc" not in claims.COLUMNS  # registered only for the duration of the run


def test_verify_progress_bar_only_on_a_terminal_and_the_rows_do_not_change(monkeypatch, capsys):
    argv = ["verify", "--claim", "claim_a", "--claim", "lemma_d3", "--no-proofs", "--n", "1e4", "--resolution", "0.1"]
    assert main(argv) == 0
    plain = capsys.readouterr()
    assert plain.err == ""  # not a terminal: no bar at all
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(argv) == 0
    tty = capsys.readouterr()
    assert tty.out == plain.out  # the rows go to stdout unchanged; the bar lives on stderr
    assert "lemma_d3" in tty.err and "claim" in tty.err


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
        code = main(["verify", "--claim", "claim_a", *bad])
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


# ------------------------------------------------------------------------- spec-audit fixes
# Theorem 2.2 (2): the closed form w1* itself is tested (sampled one-sided derivatives of J^adv);
# Theorem F: frontier points re-estimated with the rules that attain them; each with its negative
# control at the default n and the family-wise alpha of a default run.

def test_theorem_2_2_part2_optimality_at_the_kink_and_in_the_interior():
    runs = plan("theorem_2_2_part2")
    opt = [r for r in runs if isinstance(r, claims_mc.MeanRun)]
    assert len(opt) == 2
    kink, interior = opt  # lam = 0.1: w1* = 1/(1-eps) = 2; lam = 0.5: w1* = (2p-1-eps)/lam = 0.6
    assert "kink" in kink.label and "interior" in interior.label
    for run in opt:
        res = _run(run)
        assert all(c["passed"] and not c["inconclusive"] for c in res)
    by = _by_quantity(_run(kink))
    assert by[("dJ/dw1 (right)", "bound")]["relation"] == ">=" and by[("dJ/dw1 (left)", "bound")]["relation"] == "<="
    assert by[("dJ/dw1 (right)", "mean")]["estimate"] > 0 > by[("dJ/dw1 (left)", "mean")]["estimate"]
    assert _by_quantity(_run(interior))[("dJ/dw1 (right)", "mean")]["analytic"] == 0.0


@pytest.mark.parametrize("lam", [0.1, 0.5])
def test_theorem_2_2_part2_rejects_w1_with_eps_dropped(lam):
    run = next(r for r in plan("theorem_2_2_part2") if isinstance(r, claims_mc.MeanRun) and f"lam={lam:g}," in r.label)
    m = run.model
    wrong = claims.get("theorem_2_2_part2").control("optimality_run")(m, 0.5, lam, w1=(2 * m.p - 1) / lam)
    res = _run(wrong)
    assert not all(c["passed"] for c in res)
    assert not _by_quantity(res)[("dJ/dw1 (right)", "mean")]["passed"]  # not stationary in w1
    # the same statistic at the closed form passes (the control differs only in w1)
    assert _by_quantity(_run(run))[("dJ/dw1 (right)", "mean" if lam == 0.5 else "bound")]["passed"]


def test_theorem_2_2_part2_optimality_needs_w1_positive():
    with pytest.raises(ValueError, match="w1 > 0"):
        claims.get("theorem_2_2_part2").control("optimality_run")(plan("theorem_2_2_part2")[0].model, 0.85, 0.1)


def test_theorem_f_frontier_points_pass_and_a_shifted_frontier_fails():
    run = plan("theorem_f")[0]
    assert isinstance(run, claims_mc.FrontierRun) and run.n_tests == 10
    good = _run(run)
    assert len(good) == 10 and all(c["passed"] for c in good)
    assert "tau=inf" in good[-1]["label"]
    assert good[-1]["analytic"] == pytest.approx(run.front.model.p)  # the (p, p) end
    f = run.front
    low = dataclasses.replace(f, robust_accuracy=f.robust_accuracy - 0.003)
    assert not all(c["passed"] for c in _run(run, front=low))
    high = dataclasses.replace(f, standard_accuracy=f.standard_accuracy + 0.003)
    assert not all(c["passed"] for c in _run(run, front=high))


def test_theorem_f_plan_needs_eps_2_eta_below_1():
    with pytest.raises(ValueError, match="eps = 2 eta < 1"):
        claims_mc.plan_at("theorem_f", claims.Point(0.75, 0.45, 4, 0.5))
    with pytest.raises(ValueError, match="eps = 2 eta < 1"):
        claims_mc.plan_at("theorem_f", claims.Point(0.75, 0.6, 4, 1.2))


def test_tradeoff_run_bound_uses_the_upper_limit_of_the_error_rate():
    # 1 - L_std (lower limit of the accuracy) equals the upper limit of the error rate
    for k, n, a in ((999_990, 10**6, 1e-8), (5, 100, 0.01), (10**6, 10**6, 1e-6)):
        lo = claims_mc._one_sided_limit(k, n, a, "lower")
        hi_err = claims_mc._one_sided_limit(n - k, n, a, "upper")
        assert hi_err == pytest.approx(1 - lo, rel=1e-9, abs=1e-15)
