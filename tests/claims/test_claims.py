"""The claims registry: every claim passes, checks can fail, and the README lists them all."""

import dataclasses
import math
import re
from pathlib import Path

import pytest

from robtheory import claims

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("claim", claims.REGISTRY, ids=lambda c: c.name)
def test_every_claim_passes_its_analytic_check(claim):
    assert claim.points(), f"{claim.name}: no grid point satisfies the hypotheses"
    res = claim.check()
    assert res.passed, res.detail
    assert res.n_points > 0


def test_registry_names_are_unique_and_cover_the_issue():
    names = [c.name for c in claims.REGISTRY]
    assert len(names) == len(set(names))
    required = {"claim_a", "claim_b", "theorem_2_1", "theorem_2_2_part1", "theorem_2_2_part2",
                "lemma_d1", "lemma_d2", "lemma_d3", "lemma_d4", "lemma_d5", "bayes_optimality",
                "robust_x1", "tightness"}
    assert required <= set(names)


# Negative controls: the same analytic checks, run where the hypotheses are violated, must fail.

def test_claim_a_fails_below_its_threshold():
    weak = dataclasses.replace(claims.get("claim_a"), hypotheses=lambda pt: pt.mu >= 1 - 1e-12)
    res = weak.check()
    assert not res.passed  # Phi(1) = 0.841 < 0.99


def test_claim_b_fails_at_a_smaller_radius():
    small = dataclasses.replace(claims.get("claim_b"),
                                hypotheses=lambda pt: pt.mu >= 3 and math.isclose(pt.eps, pt.eta))
    assert not small.check().passed  # robust accuracy Phi(0) = 1/2 at eps = eta


def test_theorem_2_1_check_fails_when_eps_is_below_2_eta():
    loose = dataclasses.replace(claims.get("theorem_2_1"),
                                hypotheses=lambda pt: pt.p < 1 and math.isclose(pt.eps, pt.eta / 2) and pt.mu >= 3)
    assert not loose.check().passed


def test_theorem_2_2_part2_closed_form_is_zero_beyond_2p_minus_1():
    assert claims.adversarial_svm_closed_form(0.9, 0.8, 0.1) == 0.0
    assert claims.adversarial_svm_closed_form(0.9, 0.5, 0.1) == pytest.approx(1 / 0.5)
    assert claims.adversarial_svm_closed_form(0.9, 0.5, 10.0) == pytest.approx(0.3 / 10.0)


def test_adversarial_svm_numerical_optimum_is_w_zero_in_the_counterexample():
    w1, v, _, _ = claims.adversarial_svm_optimum(0.75, 0.1, 100, 0.6, 0.1)  # eps_train >= 2p - 1 = 0.5
    assert abs(w1) < 1e-4 and abs(v) < 1e-4


def test_readme_claims_table_is_generated_from_the_registry():
    readme = (ROOT / "README.md").read_text()
    assert claims.markdown_table() in readme


def test_readme_commands_are_the_ci_commands():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```bash\n(.*?)```", readme, re.S).group(1).strip().splitlines()
    assert len(block) == 2
    ci = (ROOT / ".ci" / "run").read_text()
    install_main = block[0].split("&& pip install", 1)[1]
    assert "pip install" + install_main in ci
    assert block[1].split(" && ")[0] in ci and "python -m pytest -q" in ci


# --------------------------------------------------------------------------------------------
# Spec-audit fixes: Theorem 2.1 at high accuracy, Lemma D.2's conclusion, Theorem F.

import numpy as np
from scipy.special import log_ndtr

from robtheory.theory.closed_form import accuracy_stats, log_accuracy_stats, theorem_2_1_bound
from robtheory.theory.frontier import frontier
from robtheory.model import ThreatModel


def _halved(p, error_rate):
    """A deliberately wrong Theorem 2.1 bound: half the true one."""
    return 0.5 * theorem_2_1_bound(p, error_rate=error_rate)


def test_theorem_2_1_check_catches_a_halved_bound_at_delta_1e_minus_20():
    pt = claims.Point(0.75, 1.0, 100, 2.0)  # mu = 10, eps = 2 eta
    sd = 10.0
    # f_tau with tau > 0: the bound is nearly tight there (averaging, tau = 0, has slack log 3)
    stats = (np.array([0.25, 0.5]), 0.0, sd, 1.0, sd)
    std, err, _ = accuracy_stats(pt.p, pt.eta, 0.0, *stats, "standard")
    rob = accuracy_stats(pt.p, pt.eta, pt.eps, *stats, "linf_weak")[0]
    assert np.all(err < 1e-20) and np.all(std == 1.0) and np.all(rob > 0)
    slack, tol = claims.theorem_2_1_log_slack(pt.p, pt.eta, pt.eps, stats, "linf_weak")
    assert np.all(slack >= -tol)
    bad, _ = claims.theorem_2_1_log_slack(pt.p, pt.eta, pt.eps, stats, "linf_weak", bound_fn=_halved)
    assert np.all(bad < -100 * tol)  # log 2 short, at delta ~ 1e-23
    # the old test (bound from the rounded accuracy, absolute slack -1e-12) could not see it
    assert np.min(0.5 * theorem_2_1_bound(pt.p, std) - rob) >= -1e-12
    # the registered check, restricted to mu = 10, passes with the bound and fails with half of it
    c = claims.get("theorem_2_1")
    hi = dataclasses.replace(c, hypotheses=lambda q: c.hypotheses(q) and q.mu == 10.0)
    assert hi.check().passed
    res = hi.control("bound_fn")(hi, bound_fn=_halved)
    assert not res.passed and "bound violated" in res.detail
    _, worst = claims.theorem_2_1_scan(hi.points(), _halved)
    assert worst["ratio"] < -1


def test_theorem_2_1_log_slack_sees_a_halved_bound_where_the_rates_underflow():
    pt = claims.Point(0.9, 4.0, 100, 8.0)  # mu = 40: delta = exp(-800), robust accuracy ~ exp(-800)
    stats = (np.array([1.0, 2.0]), 0.0, 10.0, 1.0, 10.0)
    _, err, log_err = accuracy_stats(pt.p, pt.eta, 0.0, *stats, "standard")
    assert np.all(log_err < -708) and np.all(err < 1e-300)  # the rates underflow: only logs can compare
    # weak-only ball at 2 eta: the shift, where the bound is tight to exp(-800) relative
    good, tol = claims.theorem_2_1_log_slack(pt.p, pt.eta, pt.eps, stats, "linf_weak")
    bad, _ = claims.theorem_2_1_log_slack(pt.p, pt.eta, pt.eps, stats, "linf_weak", bound_fn=_halved)
    assert np.all(good >= -tol) and np.all(bad < -tol)
    assert np.all(bad == pytest.approx(-np.log(2), abs=1e-9))


def test_log_accuracy_stats_is_exact_in_the_tail_and_agrees_with_log_accuracy():
    # averaging at eps = 2 eta has robust accuracy Phi(-mu): log_ndtr is an independent reference
    for mu in (3.0, 10.0, 40.0):  # d = 100: eta = mu/10, S = U1 = 10, Q = 1
        la = log_accuracy_stats(0.9, mu / 10, 2 * mu / 10, 0.0, 0.0, 10.0, 1.0, 10.0, "linf_full")
        assert float(la) == pytest.approx(float(log_ndtr(-mu)), rel=1e-12)
    rng = np.random.default_rng(3)
    a, b, S, Q, U1 = claims.random_linear_stats(rng, 50, 500)
    for kind in ("standard", "linf_full", "linf_weak", "l2_full", "l2_weak"):
        acc = accuracy_stats(0.8, 0.2, 0.3, a, b, S, Q, U1, kind)[0]
        la = log_accuracy_stats(0.8, 0.2, 0.3, a, b, S, Q, U1, kind)
        ok = acc > 1e-300
        np.testing.assert_allclose(np.exp(la[ok]), acc[ok], rtol=1e-12)
        assert np.all(np.isneginf(la[~ok]) | (la[~ok] < -690))


def test_theorem_2_1_gap_identity_tolerance_is_relative_to_the_terms():
    # mu = 10: every term ~1e-23; the old abs_tol=1e-12 accepted any identity there
    import math as _m

    from scipy.special import ndtr

    from robtheory.classifiers import StructuredLinear
    from robtheory.theory.closed_form import linear_accuracy

    pt = claims.Point(0.9, 1.0, 100, 2.0)
    for tau in (0.0, 1.0, 3.0):
        acc = linear_accuracy(pt.model, StructuredLinear(tau, 0.1, 100), ThreatModel.weak_only("linf", 2.0))
        bound = float(theorem_2_1_bound(pt.p, error_rate=acc.standard_error_rate))
        gap = bound - acc.robust_accuracy
        identity = (2 * pt.p - 1) / (1 - pt.p) * float(ndtr(-tau - pt.mu))
        tol = claims.theorem_2_1_gap_tolerance(bound + acc.robust_accuracy + identity, tau, pt.mu)
        assert abs(gap - identity) <= tol and tol < 1e-20
        if tau == 3.0:  # the gap (5e-38) is below the rounding of its terms (1e-23): not resolvable
            continue
        wrong = (2 * pt.p - 1) / (2 * (1 - pt.p)) * float(ndtr(-tau - pt.mu))  # the factor 2 dropped
        assert abs(gap - wrong) > tol
        assert _m.isclose(gap, wrong, rel_tol=1e-9, abs_tol=1e-12)  # the old test accepted it


def test_lemma_d2_checks_its_conclusion_at_the_grid_points():
    c = claims.get("lemma_d2")
    pts = c.points()
    assert pts and all(pt.mu >= 4 - 1e-12 and pt.p <= 0.975 and pt.eps == 0 for pt in pts)
    res = c.check()
    assert res.passed and res.n_points > 3  # more than the three constants
    # negative control: a conclusion stronger than what holds (min v* = 0.904 at p = .975, mu = 4)
    bad = c.control("v_threshold")(c, v_threshold=0.999)
    assert not bad.passed
    # and Theorem 2.2 (1)'s check uses the same conclusion
    t = claims.get("theorem_2_2_part1")
    assert not t.control("v_threshold")(t, v_threshold=0.999).passed


def test_lemma_d2_optimum_really_has_v_at_least_1_over_sqrt2_independently():
    # a brute-force minimisation of the hinge over the unit circle (not the solver's route)
    from robtheory.training import Objective

    for p, mu in ((0.975, 4.0), (0.9, 6.0)):
        obj = Objective(claims.Point(p, mu / 10, 100).model, 0.0)
        th = np.linspace(-np.pi, np.pi, 200001)
        vals = obj.loss_value(np.cos(th), np.sin(th))
        v_star = float(np.sin(th[np.argmin(vals)]))
        assert v_star > 1 / np.sqrt(2)
        assert v_star == pytest.approx(claims.svm_unit_norm_optimum(p, mu / 10, 100)[1], abs=1e-4)


def test_theorem_f_is_registered_with_its_hypotheses():
    c = claims.get("theorem_f")
    pts = c.points()
    assert len(pts) > 50
    for pt in pts:
        assert math.isclose(pt.eps, 2 * pt.eta) and pt.eps < 1 and pt.p < 1
    assert not c.hypotheses(claims.Point(0.9, 0.6, 1, 1.2))  # 2 eta >= 1
    assert not c.hypotheses(claims.Point(0.9, 0.2, 1, 0.2))  # eps != 2 eta


def _shifted_frontier(delta_rob=0.0, interior_only=False):
    def fn(model, threat):
        f = frontier(model, threat, "all")
        r = f.robust_accuracy.copy()
        if interior_only:
            r[1:-1] += delta_rob
        else:
            r += delta_rob
        return dataclasses.replace(f, robust_accuracy=r)

    return fn


def test_theorem_f_rejects_a_lowered_and_a_raised_frontier():
    c = claims.get("theorem_f")
    few = dataclasses.replace(c, hypotheses=lambda pt: c.hypotheses(pt) and pt.d == 100 and pt.p in (0.75, 0.95))
    assert few.points() and few.check().passed
    pt = few.points()[0]
    for threat in (ThreatModel("linf", pt.eps), ThreatModel.weak_only("linf", pt.eps)):
        good = claims.theorem_f_point_check(pt, threat, frontier(pt.model, threat, "all"))
        assert good["passed"] and good["max_excess"] <= claims.THEOREM_F_TOL
        # lowered (ends kept): rules on the true curve rise above its supporting lines
        low = claims.theorem_f_point_check(pt, threat, _shifted_frontier(-1e-4, True)(pt.model, threat))
        assert low["endpoints"] and not low["not_beaten"] and low["max_excess"] > 1e-6
        # raised: nothing beats it, but no rule attains it
        high = claims.theorem_f_point_check(pt, threat, _shifted_frontier(1e-4, True)(pt.model, threat))
        assert high["not_beaten"] and not high["attained"]
    assert not few.control("frontier_fn")(few, _shifted_frontier(-1e-6)).passed
    assert not few.control("frontier_fn")(few, _shifted_frontier(+1e-6)).passed


def test_theorem_f_rejects_the_unrounded_linear_family_as_the_frontier():
    # f_tau without rounding under the full ball (x1 moved) is strictly below Theorem F's curve
    from robtheory.theory.closed_form import accuracy_stats as acc_stats

    pt = claims.Point(0.75, 0.3, 10 ** 0, 0.6)
    threat = ThreatModel("linf", pt.eps)
    f = frontier(pt.model, threat, "all")
    fin = np.isfinite(f.tau)
    sd = 1.0
    rob_lin = acc_stats(pt.p, pt.eta, pt.eps, f.tau[fin], 0.0, sd, 1.0, sd, "linf_full")[0]
    r = f.robust_accuracy.copy()
    r[fin] = rob_lin
    res = claims.theorem_f_point_check(pt, threat, dataclasses.replace(f, robust_accuracy=r))
    assert not res["passed"] and not res["not_beaten"]


def test_supporting_lambda_inverts_the_neyman_pearson_threshold():
    p, mu = 0.8, 1.5
    lam = np.array([0.81, 0.9, 0.99])
    tau = np.log((lam + p - 1) / (lam - p)) / (2 * mu)  # the certified tau(lambda)
    np.testing.assert_allclose(claims.supporting_lambda(p, mu, tau), lam, rtol=1e-12)
    assert float(claims.supporting_lambda(p, mu, np.log(p / (1 - p)) / (2 * mu))) == pytest.approx(1.0)
    assert float(claims.supporting_lambda(p, mu, np.inf)) == p


# ------------------------------------------------------------------------------- tail comparisons
def _doubled_in_the_tail(acc):
    """The same accuracies with every error rate below 1e-17 doubled: invisible in the accuracies
    (they round to 1.0), a factor 2 in the error rate."""
    import dataclasses

    if acc.standard_error_rate >= 1e-17:
        return acc
    return dataclasses.replace(acc, standard_error_rate=2 * acc.standard_error_rate,
                               log_standard_error_rate=acc.log_standard_error_rate + math.log(2))


def test_bayes_check_compares_log_error_rates_in_the_tail(monkeypatch):
    """A Bayes error twice too large where the accuracy rounds to 1.0 must fail the check (an
    accuracy comparison cannot see it)."""
    from robtheory import claims as C
    from robtheory.claims import averaging as family  # the module that holds the check

    assert C.get("bayes_optimality").check().passed
    real = family.bayes_accuracy
    monkeypatch.setattr(family, "bayes_accuracy", lambda model: _doubled_in_the_tail(real(model)))
    res = C.get("bayes_optimality").check()
    assert not res.passed, res.detail


def test_optimal_robust_check_compares_log_error_rates_in_the_tail(monkeypatch):
    """A*_rob's error twice too large where 1 - A*_rob < 1e-17: the linear rules beat it; FAIL."""
    import dataclasses

    from robtheory import claims as C
    from robtheory.claims import averaging as family  # the module that holds the check

    assert C.get("optimal_robust").check().passed
    real = family.best_robust_classifier

    def worse(model, threat):
        opt = real(model, threat)
        if not opt.error_rate < 1e-17:
            return opt
        return dataclasses.replace(opt, error_rate=2 * opt.error_rate, log_error_rate=opt.log_error_rate + math.log(2))

    monkeypatch.setattr(family, "best_robust_classifier", worse)
    res = C.get("optimal_robust").check()
    assert not res.passed, res.detail
