"""Population SVM / logistic objectives and their exact optima (robtheory.training).

The solver's answers are checked against things it does not use: an optimisation over the
full weight vector at small d (Lemma D.1's reduction), derivative-free searches, the closed
form of the adversarial optimum, Monte Carlo estimates of the objective, and two independent
routes to the unit-norm optimum and to the weak-feature threshold.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import optimize

from robtheory import _special as SP
from robtheory import training as T
from robtheory.cli import main
from robtheory.mc import reference as R
from robtheory.model import ThreatModel, ToyModel

KINDS = [None, ThreatModel("linf", 0.3), ThreatModel.weak_only("linf", 0.3),
         ThreatModel("l2", 0.3), ThreatModel.weak_only("l2", 0.3)]


def kind_id(t):
    return "standard" if t is None else f"{t.norm}_{'full' if t.perturb_x1 else 'weak'}"


# --------------------------------------------------------------------------- the objective
@pytest.mark.parametrize("threat", KINDS, ids=kind_id)
def test_margins_reproduce_the_generated_hinge(threat):
    # sum_s pi_s R(1 - u_s, |v|) is the generated hinge: the margins used by the nonsmooth
    # calculus are the same as the closed form's.
    obj = T.Objective(ToyModel(0.8, 0.3, 7), 0.1, threat)
    rng = np.random.default_rng(0)
    w1, v = rng.normal(size=50), rng.normal(size=50)
    w1[:5] = 0.0
    v[5:10] = 0.0
    up, um = obj.margin_means(w1, v)
    rebuilt = 0.8 * SP.ramp(1 - up, np.abs(v)) + 0.2 * SP.ramp(1 - um, np.abs(v))
    np.testing.assert_allclose(obj.loss_value(w1, v), rebuilt, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("threat", KINDS, ids=kind_id)
@pytest.mark.parametrize("loss", ["hinge", "logistic"])
def test_full_vector_objective_agrees_with_reduced(threat, loss):
    obj = T.Objective(ToyModel(0.9, 0.4, 5), 0.3, threat, loss)
    for w1, v in ((0.7, 0.4), (-0.2, 1.3), (0.5, 0.0)):
        w = T.embed(w1, v, 5)
        assert obj.value_full(w) == pytest.approx(obj.value(w1, v), rel=1e-12, abs=1e-14)
        if v != 0 and w1 != 0:
            g_full = obj.gradient_full(w)
            g_red = obj.gradient(w1, v)
            # dJ/dv = sum_i dJ/du_i * du_i/dv = sum_i dJ/du_i / sqrt(d)
            assert g_full[0] == pytest.approx(g_red[0], rel=1e-10, abs=1e-12)
            assert g_full[1:].sum() / math.sqrt(5) == pytest.approx(g_red[1], rel=1e-10, abs=1e-12)


def test_objective_validates_its_arguments():
    m = ToyModel(0.9, 0.1, 4)
    with pytest.raises(ValueError, match="lam"):
        T.Objective(m, -1.0)
    with pytest.raises(ValueError, match="loss"):
        T.Objective(m, 1.0, loss="squared")
    with pytest.raises(ValueError, match="lam > 0"):
        T.solve(T.Objective(m, 0.0))


def test_logistic_quadrature_is_exact_where_checkable():
    # q = 0 is closed form; E softplus(-(u + qG)) - E softplus(u + qG) = -u exactly
    # (softplus(-t) - softplus(t) = -t), and symmetric cases agree.
    for u, q in ((0.3, 0.0), (0.3, 1.5), (-2.0, 0.4), (5.0, 7.0)):
        a = T.logistic_case(u, q)[0]
        b = T.logistic_case(-u, q)[0]
        assert a - b == pytest.approx(-u, abs=1e-12)
    v, du, dq = T.logistic_case(0.0, 0.0)
    assert v == pytest.approx(math.log(2)) and du == pytest.approx(-0.5) and dq == 0.0


# --------------------------------------------------------------------------- Monte Carlo
def _mc_loss(model, w, threat, loss, n, seed):
    X, y = R.sample_dataset(model, n, seed)  # the reference sampler
    marg = y * (X @ w)
    if threat is not None:
        part = w if threat.perturb_x1 else w[1:]
        marg = marg - threat.eps * (np.abs(part).sum() if threat.norm == "linf" else np.linalg.norm(part))
    vals = np.maximum(0.0, 1.0 - marg) if loss == "hinge" else np.logaddexp(0.0, -marg)
    return vals.mean(), vals.std(ddof=1) / math.sqrt(n)


@pytest.mark.parametrize("loss", ["hinge", "logistic"])
@pytest.mark.parametrize("threat", [None, ThreatModel("linf", 0.2), ThreatModel("l2", 0.5)], ids=kind_id)
def test_population_loss_agrees_with_monte_carlo(loss, threat):
    # Tolerance: 5 standard errors (two-sided false-alarm rate 6e-7 per check).
    model = ToyModel(0.85, 0.5, 4)
    obj = T.Objective(model, 0.0, threat, loss)
    w = np.array([0.6, 0.3, -0.1, 0.5, 0.2])  # unequal weak weights: the full-vector path
    exact = obj.value_full(w)
    est, se = _mc_loss(model, w, threat, loss, 200_000, 11)
    assert abs(est - exact) < 5 * se
    # negative control: the same check rejects the loss with p and 1 - p exchanged
    wrong = T.Objective(ToyModel(0.15 + 0.5, 0.5, 4), 0.0, threat, loss)  # p = 0.65
    assert abs(est - wrong.value_full(w)) > 5 * se


def test_population_gradient_agrees_with_monte_carlo():
    # d/dw of E max(0, 1 - y w.x) is E[-y x 1{margin < 1}]; checked per coordinate.
    model = ToyModel(0.85, 0.5, 4)
    obj = T.Objective(model, 0.0)
    w = np.array([0.6, 0.3, -0.1, 0.5, 0.2])
    X, y = R.sample_dataset(model, 200_000, 5)
    active = (y * (X @ w) < 1.0)
    per = -(y[:, None] * X) * active[:, None]
    est, se = per.mean(axis=0), per.std(axis=0, ddof=1) / math.sqrt(len(y))
    assert np.all(np.abs(est - obj.gradient_full(w)) < 5 * se)


# --------------------------------------------------------------------------- the solver
def _brute_force(obj, x0, n_starts=4, seed=0):
    """Derivative-free minimisation of J(w1, v) from several starts (independent of solve)."""
    rng = np.random.default_rng(seed)
    best = None
    starts = [np.asarray(x0, float)] + [rng.normal(size=2) for _ in range(n_starts)]
    for s in starts:
        r = optimize.minimize(lambda x: obj.value(x[0], x[1]), s, method="Nelder-Mead",
                              options={"xatol": 1e-11, "fatol": 1e-15, "maxiter": 4000})
        if best is None or r.fun < best.fun:
            best = r
    return best


CASES = [
    (0.95, 0.1, 1600, 0.05, None),
    (0.95, 0.1, 1600, 0.05, ThreatModel("linf", 0.05)),
    (0.95, 0.1, 1600, 0.05, ThreatModel("linf", 0.08)),
    (0.75, 0.1, 100, 1.0, ThreatModel("linf", 0.6)),   # eps >= 2p - 1 and >= eta: w = 0
    (0.75, 0.3, 100, 0.5, ThreatModel("linf", 0.55)),  # 2p - 1 <= eps < eta: v > 0
    (0.9, 0.2, 50, 0.2, ThreatModel("l2", 0.8)),
    (0.9, 0.2, 50, 0.2, ThreatModel.weak_only("linf", 0.1)),
    (0.6, 0.0, 10, 0.3, None),                          # eta = 0: weak features are noise
]


@pytest.mark.parametrize("p, eta, d, lam, threat", CASES)
def test_solver_is_certified_and_beats_derivative_free_search(p, eta, d, lam, threat):
    obj = T.Objective(ToyModel(p, eta, d), lam, threat)
    opt = T.solve(obj)
    assert opt.kkt_residual < 1e-8
    assert opt.value == pytest.approx(obj.value(opt.w1, opt.v), abs=0)
    bf = _brute_force(obj, (opt.w1 + 0.3, opt.v + 0.3))
    assert opt.value <= bf.fun + 1e-12
    # strong convexity: the search's point is within sqrt(2 gap / lam) of the optimum
    gap = max(bf.fun - opt.value, 0.0)
    assert math.hypot(bf.x[0] - opt.w1, bf.x[1] - opt.v) <= math.sqrt(2 * gap / lam) + 1e-5


@pytest.mark.parametrize("threat", [None, ThreatModel("linf", 0.25), ThreatModel("linf", 0.05)], ids=kind_id)
def test_reduction_matches_full_weight_optimisation(threat):
    # Lemma D.1 at d = 3: the global optimum over all of R^4 is the reduced optimum.
    model = ToyModel(0.9, 0.5, 3)
    obj = T.Objective(model, 0.2, threat)
    opt = T.solve(obj)
    target = T.embed(opt.w1, opt.v, 3)
    rng = np.random.default_rng(3)
    best = None
    for _ in range(3):
        x0 = rng.normal(size=4)
        if threat is None:  # smooth at the optimum: use the exact gradient
            r = optimize.minimize(obj.value_full, x0, jac=obj.gradient_full, method="BFGS",
                                  options={"gtol": 1e-12})
        else:
            r = optimize.minimize(obj.value_full, x0, method="Powell",
                                  options={"xtol": 1e-12, "ftol": 1e-15, "maxiter": 100000})
        if best is None or r.fun < best.fun:
            best = r
    assert opt.value <= best.fun + 1e-12
    gap = best.fun - opt.value
    assert np.linalg.norm(best.x - target) <= math.sqrt(2 * gap / 0.2) + 1e-6
    # the optimum has equal weak weights (within the certificate)
    assert np.ptp(best.x[1:]) < 1e-4


def test_logistic_reduction_matches_full_weight_optimisation():
    model = ToyModel(0.8, 0.5, 2)
    obj = T.Objective(model, 0.3, None, "logistic")
    opt = T.solve(obj)
    r = optimize.minimize(obj.value_full, np.zeros(3), jac=obj.gradient_full, method="BFGS",
                          options={"gtol": 1e-10})
    np.testing.assert_allclose(r.x, T.embed(opt.w1, opt.v, 2), atol=1e-6)
    assert opt.kkt_residual < 1e-8


# --------------------------------------------------------------------------- Theorem 2.2 part 2
@pytest.mark.parametrize("p", [0.6, 0.9, 0.975])
@pytest.mark.parametrize("lam", [0.05, 0.5, 3.0])
def test_adversarial_optimum_matches_closed_form(p, lam):
    mu, d = 4.0, 100
    eta = mu / math.sqrt(d)
    for eps in (2 * eta, 0.5 * (2 * eta + 2 * p - 1), 2 * p - 1, 0.95):
        if eps < 2 * eta:
            continue
        opt = T.solve(T.Objective(ToyModel(p, eta, d), lam, ThreatModel("linf", eps)))
        assert opt.v == 0.0
        assert opt.w1 == pytest.approx(T.adversarial_hinge_closed_form(p, eps, lam), rel=1e-12, abs=1e-14)
        assert opt.kkt_residual == 0.0
        acc = opt.accuracy(ThreatModel("linf", 0.99))
        if eps < 2 * p - 1:  # sign(x1): accuracy p standard and robust for eps < 1
            assert acc.standard_accuracy == pytest.approx(p) and acc.robust_accuracy == pytest.approx(p)
        else:  # the counterexample to the uncorrected statement: w = 0, not accuracy p
            assert opt.w1 == 0.0 and acc.standard_accuracy != pytest.approx(p)


def test_w_zero_needs_eps_above_eta_too():
    # eps_train >= 2p - 1 alone does not give w = 0: with eps < eta the weak features are kept.
    m = ToyModel(0.55, 0.3, 100)  # 2p - 1 = 0.1
    kept = T.solve(T.Objective(m, 0.5, ThreatModel("linf", 0.2)))  # 2p - 1 <= eps < eta
    assert kept.v > 0 and kept.kkt_residual < 1e-8
    zero = T.solve(T.Objective(m, 0.5, ThreatModel("linf", 0.3)))  # eps = eta >= 2p - 1
    assert zero.w1 == 0.0 and zero.v == 0.0


# --------------------------------------------------------------------------- thresholds
@pytest.mark.parametrize("lam", [0.01, 0.05, 0.2, 0.5, 1.0])
def test_weak_feature_threshold_two_routes_and_bracketing(lam):
    m = ToyModel(0.95, 0.1, 1600)
    closed = T.weak_feature_threshold_closed_form(m, lam)
    numeric = T.weak_feature_threshold(m, lam)
    assert numeric == pytest.approx(closed, rel=1e-9, abs=1e-12)
    below = T.solve(T.Objective(m, lam, ThreatModel("linf", closed * (1 - 1e-3))))
    above = T.solve(T.Objective(m, lam, ThreatModel("linf", closed * (1 + 1e-3))))
    assert below.v > 0 and above.v == 0.0
    # kink regime ((2p-1-eta)(1-eta) >= lam): strictly below eta; otherwise exactly eta
    if (2 * m.p - 1 - m.eta) * (1 - m.eta) >= lam:
        assert closed < m.eta
    else:
        assert closed == pytest.approx(m.eta)


def test_spec_example_weak_weight_zero_at_0_08_but_not_0_05():
    m = ToyModel(0.95, 0.1, 1600)  # theory §2.2: lam = 0.05, eta = 0.1, mu = 4, p = 0.95
    assert T.solve(T.Objective(m, 0.05, ThreatModel("linf", 0.08))).v == 0.0
    assert T.solve(T.Objective(m, 0.05, ThreatModel("linf", 0.05))).v > 0
    assert 0.05 < T.weak_feature_threshold_closed_form(m, 0.05) < 0.08


def test_logistic_threshold_is_exactly_eta():
    m = ToyModel(0.9, 0.2, 100)
    assert T.weak_feature_threshold(m, 0.1, loss="logistic") == pytest.approx(0.2, abs=1e-9)
    assert T.solve(T.Objective(m, 0.1, ThreatModel("linf", 0.19), "logistic")).v > 0
    assert T.solve(T.Objective(m, 0.1, ThreatModel("linf", 0.21), "logistic")).v == 0.0


def test_l2_adversarial_training_keeps_weak_features_until_w_is_zero():
    m = ToyModel(0.9, 0.2, 100)  # sqrt((2p-1)^2 + mu^2) = sqrt(0.64 + 4)
    thr = T.l2_zero_threshold(m)
    assert thr == pytest.approx(math.sqrt(0.64 + 4.0))
    for eps in (0.5, 0.99 * thr):
        assert T.solve(T.Objective(m, 0.2, ThreatModel("l2", eps))).v > 0
    opt = T.solve(T.Objective(m, 0.2, ThreatModel("l2", 1.01 * thr)))
    assert opt.w1 == 0.0 and opt.v == 0.0


# --------------------------------------------------------------------------- unit norm, part 1
@pytest.mark.parametrize("p, eta, d", [(0.95, 0.1, 1600), (0.975, 4.0, 1), (0.6, 0.05, 10**4)])
def test_unit_norm_optimum_sphere_and_lambda_routes_agree(p, eta, d):
    m = ToyModel(p, eta, d)
    opt = T.unit_norm_optimum(m)
    assert opt.method == "sphere" and opt.norm == pytest.approx(1.0, abs=1e-12)
    again = T.solve(T.Objective(m, opt.lam))  # the optimum of J at the tuned lam
    assert again.w1 == pytest.approx(opt.w1, abs=1e-7) and again.v == pytest.approx(opt.v, abs=1e-7)
    acc = opt.accuracy(ThreatModel("linf", 2 * eta))
    assert acc.standard_accuracy > 0.99 and acc.robust_accuracy < 0.01  # Theorem 2.2 (1)
    assert opt.v >= 1 / math.sqrt(2)  # Lemma D.2


def test_unit_norm_adversarial_has_lam_2p_minus_1_minus_eps():
    m = ToyModel(0.95, 0.1, 1600)
    opt = T.unit_norm_optimum(m, ThreatModel("linf", 0.2))
    assert opt.lam == pytest.approx(0.95 * 2 - 1 - 0.2, rel=1e-9)
    assert (opt.w1, opt.v) == (pytest.approx(1.0), 0.0)


def test_unit_norm_impossible_is_reported():
    # eps_train >= 2p - 1 and >= eta: w* = 0 for every lam, so no lam gives norm 1
    with pytest.raises(ValueError, match="unit-norm"):
        T.unit_norm_optimum(ToyModel(0.6, 0.1, 100), ThreatModel("linf", 0.3))


def test_logistic_unit_norm_theorem_2_2_analogue():
    # "can be adapted ... e.g. logistic regression" (paper, Sec. 2.2): checked numerically at one point.
    m = ToyModel(0.95, 0.1, 1600)
    opt = T.unit_norm_optimum(m, loss="logistic")
    assert opt.norm == pytest.approx(1.0, abs=1e-9) and opt.kkt_residual < 1e-7
    acc = opt.accuracy(ThreatModel("linf", 0.2))
    assert acc.standard_accuracy > 0.99 and acc.robust_accuracy < 0.01
    adv = T.solve(T.Objective(m, opt.lam, ThreatModel("linf", 0.2), "logistic"))
    assert adv.v == 0.0 and adv.w1 > 0


# --------------------------------------------------------------------------- CLI
def _svm_json(capsys, *args):
    assert main(["svm", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_cli_svm_json_contract(capsys):
    out = _svm_json(capsys, "--p", "0.95", "--eta", "0.1", "--d", "1600", "--lam", "0.05")
    assert {"w1", "v", "lam", "standard_accuracy", "robust_accuracy"} <= out.keys()
    assert out["lam"] == 0.05 and out["eps"] == pytest.approx(0.2)
    opt = T.solve(T.Objective(ToyModel(0.95, 0.1, 1600), 0.05))
    assert out["w1"] == opt.w1 and out["v"] == opt.v
    adv = _svm_json(capsys, "--p", "0.95", "--eta", "0.1", "--d", "1600", "--lam", "0.05",
                    "--eps-train", "0.2", "--eps", "0.5")
    assert adv["v"] == 0.0 and adv["w1"] == pytest.approx(1 / 0.8)
    assert adv["standard_accuracy"] == pytest.approx(0.95) and adv["robust_accuracy"] == pytest.approx(0.95)
    unit = _svm_json(capsys, "--p", "0.95", "--eta", "0.1", "--d", "1600", "--unit-norm")
    assert math.hypot(unit["w1"], unit["v"]) == pytest.approx(1.0) and unit["lam"] > 0
    assert unit["standard_accuracy"] > 0.99 and unit["robust_accuracy"] < 0.01


def test_cli_svm_text_and_l2_logistic(capsys):
    assert main(["svm", "--p", "0.9", "--eta", "0.2", "--d", "25", "--lam", "0.5", "--norm", "l2",
                 "--eps-train", "0.3", "--loss", "logistic"]) == 0
    text = capsys.readouterr().out
    assert "optimum" in text and "accuracy" in text


@pytest.mark.parametrize("args", [
    ["--p", "0.95", "--eta", "0.1", "--d", "16"],
    ["--p", "0.95", "--eta", "0.1", "--d", "16", "--lam", "0"],
    ["--p", "0.3", "--eta", "0.1", "--d", "16", "--lam", "1"],
    ["--p", "0.95", "--eta", "0.1", "--d", "0", "--lam", "1"],
    ["--p", "0.95", "--eta", "0.1", "--d", "16", "--lam", "1", "--eps-train", "-0.1"],
    ["--p", "0.95", "--eta", "0.1", "--d", "16", "--lam", "1", "--norm", "l3"],
    ["--p", "0.95", "--eta", "0.1", "--d", "16", "--lam", "nan"],
    ["--p", "0.6", "--eta", "0.1", "--d", "100", "--unit-norm", "--eps-train", "0.3"],
])
def test_cli_svm_errors_are_one_line(capsys, args):
    try:
        rc = main(["svm", *args])
    except SystemExit as exc:
        rc = exc.code
    assert rc == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


# --------------------------------------------------------------------------- finite samples
@pytest.mark.parametrize("threat", [None, ThreatModel("linf", 0.3), ThreatModel("l2", 0.4),
                                    ThreatModel.weak_only("linf", 0.3)], ids=kind_id)
def test_fit_svm_matches_a_generic_solver_on_the_primal(threat):
    model = ToyModel(0.8, 0.4, 3)
    X, y = T.sample(model, 60, 7)
    lam = 0.2
    fit = T.fit_svm(X, y, lam, threat)
    assert fit.gap < 1e-8 and fit.primal >= fit.dual - 1e-12

    def primal(w):
        marg = y * (X @ w)
        if threat is not None:
            part = w if threat.perturb_x1 else w[1:]
            marg = marg - threat.eps * (np.abs(part).sum() if threat.norm == "linf" else np.linalg.norm(part))
        return np.mean(np.maximum(0.0, 1.0 - marg)) + lam / 2 * w @ w

    assert primal(fit.w) == pytest.approx(fit.primal, abs=1e-14)
    best = min((optimize.minimize(primal, x0, method="Powell", options={"xtol": 1e-10, "ftol": 1e-14})
                for x0 in (np.zeros(4), np.ones(4), fit.w + 0.1)), key=lambda r: r.fun)
    assert fit.primal <= best.fun + 1e-9
    assert np.linalg.norm(best.x - fit.w) <= math.sqrt(2 * (best.fun - fit.primal + 1e-12) / lam) + 1e-6


def test_fit_svm_is_reproducible_and_adversarial_drops_weak_weights_at_large_n():
    model = ToyModel(0.9, 0.5, 16)
    X, y = T.sample(model, 4000, 3)
    a = T.fit_svm(X, y, 0.1)
    b = T.fit_svm(X, y, 0.1)
    np.testing.assert_array_equal(a.w, b.w)
    adv = T.fit_svm(X, y, 0.1, ThreatModel("linf", 0.7))  # eps > eta: population weak weights 0
    assert np.all(adv.w[1:] == 0.0) and adv.w[0] > 0
    # with v = 0 the empirical objective is the population one with p -> the empirical p_hat
    p_hat = float(np.mean(X[:, 0] * y > 0))
    assert adv.w[0] == pytest.approx(T.adversarial_hinge_closed_form(p_hat, 0.7, 0.1), rel=1e-6)


# --------------------------------------------------------------------------- spec-audit fix
def test_population_gradient_monte_carlo_rejects_wrong_gradients():
    # Negative controls of test_population_gradient_agrees_with_monte_carlo: the same samples
    # (n = 200_000, seed 5) and the same 5-SE tolerance per coordinate reject wrong formulas.
    model = ToyModel(0.85, 0.5, 4)
    w = np.array([0.6, 0.3, -0.1, 0.5, 0.2])
    X, y = R.sample_dataset(model, 200_000, 5)
    active = (y * (X @ w) < 1.0)
    per = -(y[:, None] * X) * active[:, None]
    est, se = per.mean(axis=0), per.std(axis=0, ddof=1) / math.sqrt(len(y))
    assert np.all(np.abs(est - T.Objective(model, 0.0).gradient_full(w)) < 5 * se)  # the right one
    wrong = {
        # the active-set indicator dropped: the gradient of E[1 - y w.x] = -(2p - 1, eta, ..., eta)
        "no indicator": -np.array([2 * 0.85 - 1, 0.5, 0.5, 0.5, 0.5]),
        # the gradient of another model: p off by 0.05, or eta off by 10%
        "p = 0.80": T.Objective(ToyModel(0.80, 0.5, 4), 0.0).gradient_full(w),
        "eta = 0.45": T.Objective(ToyModel(0.85, 0.45, 4), 0.0).gradient_full(w),
        # the hinge's kink at margin 0 instead of 1 (the perceptron's subgradient, as c -> oo)
        "kink at 0": T.Objective(model, 0.0).gradient_full(1e6 * w),
    }
    for name, g in wrong.items():
        assert np.any(np.abs(est - g) >= 5 * se), name


# --------------------------------------------------------------------------- the set where the weak features are dropped
def _brute_force_uses_weak(p, eta, d, lam, eps):
    """Whether the l_inf adversarial hinge optimum has v > 0, from the definition alone.

    J(w1, v) = sum_s pi_s R(1 - u_s, |v|) + lam/2 (w1^2 + v^2), u_s = s w1 + mu v - eps(|w1| + sqrt(d)|v|),
    R(m, q) = E max(0, m + qG) = m Phi(m/q) + q phi(m/q); minimised over w1 (bounded Brent) on a grid
    of v: the weak features are used iff some v > 0 beats v = 0 (v < 0 never helps: mu > 0).
    """
    from scipy.optimize import minimize_scalar
    from scipy.special import ndtr

    mu, sd = eta * math.sqrt(d), math.sqrt(d)

    def J(w1, v):
        out = 0.5 * lam * (w1 * w1 + v * v)
        for s, pi in ((1.0, p), (-1.0, 1 - p)):
            m = 1.0 - (s * w1 + mu * v - eps * (abs(w1) + sd * abs(v)))
            out += pi * (max(m, 0.0) if v == 0 else m * ndtr(m / v) + v * math.exp(-0.5 * (m / v) ** 2) / math.sqrt(2 * math.pi))
        return out

    def phi(v):
        return min(minimize_scalar(lambda w: J(w, v), bounds=(-20.0, 20.0), method="bounded",
                                   options={"xatol": 1e-12}).fun,
                   J(1 / (1 - eps), v))  # the kink of the restricted problem, which Brent may straddle
    base = phi(0.0)
    return min(phi(v) for v in np.linspace(1e-3, 1.0, 60)) < base - 1e-10


def test_weak_features_dropped_set_is_not_an_interval():
    # the example: dropped on [0, ~0.406], used below 0.5, dropped again from 0.5 on
    m = ToyModel(0.8, 0.5, 1)
    iv = T.weak_feature_dropped_intervals(m, 0.1)
    assert len(iv) == 2 and iv[0][0] == 0.0 and iv[1][1] == math.inf
    assert 0.40 < iv[0][1] < 0.41 and iv[1][0] == pytest.approx(0.5, abs=1e-9)
    # the old function returns the start of the last interval (documented), not a threshold below
    # which the weak features are used
    assert T.weak_feature_threshold(m, 0.1) == pytest.approx(iv[1][0], abs=1e-9)

    def dropped(e):
        return any(lo <= e <= hi for lo, hi in iv)

    checked = 0
    for eps in np.arange(0.0, 0.7, 0.025):
        if min(abs(eps - x) for pair in iv for x in pair if math.isfinite(x)) < 0.01:
            continue
        assert dropped(eps) == (not _brute_force_uses_weak(0.8, 0.5, 1, 0.1, eps)), eps
        checked += 1
    assert checked >= 20


def test_brute_force_sees_the_weak_features_where_they_are_used():
    """Negative control for the brute force: at eps = 0.45 the weak features are used, at 0.2 not."""
    assert _brute_force_uses_weak(0.8, 0.5, 1, 0.1, 0.45)
    assert not _brute_force_uses_weak(0.8, 0.5, 1, 0.1, 0.2)


def test_weak_features_dropped_set_is_one_interval_where_the_threshold_is_exact():
    m = ToyModel(0.95, 0.4, 100)
    iv = T.weak_feature_dropped_intervals(m, 0.05)
    assert len(iv) == 1 and iv[0][0] == pytest.approx(T.weak_feature_threshold_closed_form(m, 0.05), abs=1e-9)
    assert T.weak_feature_dropped_intervals(m, 0.05, norm="l2") == [(T.l2_zero_threshold(m), math.inf)]
