"""Phase diagrams: grid specs, the Dataset against scalar closed forms, netCDF round trip, CLI."""


import numpy as np
import pytest
import xarray as xr

from robtheory import ThreatModel, ToyModel, averaging, bayes, linear_accuracy, best_robust_classifier, robust_x1
from robtheory.cli import main
from robtheory.phase import parse_spec, phase_grid, save


@pytest.mark.parametrize("spec,expected", [
    ("0.5", [0.5]),
    ("0.5,0.75, 1", [0.5, 0.75, 1.0]),
    ("0:1:5", [0, 0.25, 0.5, 0.75, 1]),
    ("log:1:100:3", [1, 10, 100]),
])
def test_parse_spec(spec, expected):
    assert np.allclose(parse_spec(spec), expected)


@pytest.mark.parametrize("spec", ["", "a", "1:2", "1:2:0", "log:0:1:3", "log:1:2", "1,nan", "1:inf:3", "1:2:x"])
def test_parse_spec_rejects(spec):
    with pytest.raises(ValueError):
        parse_spec(spec, "--x")


def test_grid_matches_scalar_closed_forms():
    ds = phase_grid([0.6, 0.95], [1, 100], eta=[0.05, 0.3, 1.2], eps=[0.0, 0.1, 0.6, 1.5])
    assert dict(ds.sizes) == {"p": 2, "eta": 3, "eps": 4, "d": 2}
    for p in (0.6, 0.95):
        for eta in (0.05, 0.3, 1.2):
            for eps in (0.0, 0.1, 0.6, 1.5):
                for d in (1, 100):
                    m, t = ToyModel(p, eta, d), ThreatModel("linf", eps)
                    pt = ds.sel(p=p, eta=eta, eps=eps, d=d)
                    for name, clf in (("averaging", averaging(d)), ("bayes", bayes(m)), ("robust_x1", robust_x1(d))):
                        acc = linear_accuracy(m, clf, t)
                        assert float(pt[f"{name}_standard"]) == pytest.approx(acc.standard_accuracy, abs=1e-14)
                        assert float(pt[f"{name}_robust"]) == pytest.approx(acc.robust_accuracy, abs=1e-14)
                    assert float(pt["optimal_robust"]) == pytest.approx(best_robust_classifier(m, t).value, abs=1e-14)
                    regime = 3 if eps >= 1 else 2 if eps >= 2 * eta else 1 if eps >= eta else 0
                    assert int(pt["regime"]) == regime


def test_reduced_coordinates_and_price():
    ds = phase_grid([0.95], [100], mu=np.linspace(1, 6, 6), eps_over_eta=[0.0, 1.0, 2.0])
    assert np.allclose(ds["eta"].sel(eps_over_eta=0.0, p=0.95, d=100), ds["mu"] / 10)
    price = ds["price"].sel(eps_over_eta=2.0)
    assert np.all(price.values[np.isfinite(price.values)] >= -1e-15)  # Bayes is the most accurate
    # With no robustness required beyond what Bayes has, the price is 0.
    zero = phase_grid([0.95], [100], mu=[3.0], eps_over_eta=[2.0], required_robust=0.0)
    assert float(zero["price"].squeeze()) == pytest.approx(0.0, abs=1e-12)


def test_netcdf_round_trip_and_provenance(tmp_path):
    ds = phase_grid([0.9], [10], eta=[0.1, 0.2], eps=[0.0, 0.3])
    paths = save(ds, tmp_path)
    back = xr.open_dataset(paths["netcdf"], engine="scipy")
    xr.testing.assert_allclose(back.load(), ds)
    for key in ("robtheory_version", "commit", "norm", "seed"):
        assert key in back.attrs
    assert paths["csv"].read_text().startswith("p,eta,eps,d,")


def test_bad_grids():
    with pytest.raises(ValueError, match="p"):
        phase_grid([0.3], [10], eta=[0.1], eps=[0.1])
    with pytest.raises(ValueError, match="d"):
        phase_grid([0.9], [2.5], eta=[0.1], eps=[0.1])
    with pytest.raises(ValueError, match="exactly one"):
        phase_grid([0.9], [10], eta=[0.1], mu=[1.0], eps=[0.1])


def test_phase_cli(tmp_path, capsys):
    assert main(["phase", "--p", "0.95", "--mu", "1:6:6", "--eps-over-eta", "0:3:7", "--d", "100",
                 "--out", str(tmp_path)]) == 0
    assert (tmp_path / "phase.nc").stat().st_size > 0
    for var in ("price", "regime", "optimal_robust"):
        assert (tmp_path / f"phase_{var}.png").stat().st_size > 0
        assert (tmp_path / f"phase_{var}.pdf").stat().st_size > 0
    assert main(["phase", "--p", "0.95", "--eta", "1:x:3", "--eps", "0", "--d", "1", "--out", str(tmp_path)]) == 2
    assert "--eta" in capsys.readouterr().err


def test_adversarial_training_boundary():
    from robtheory.training import weak_feature_threshold

    ds = phase_grid([0.95], [100], mu=[2.0, 4.0], eps_over_eta=[0.0, 0.5, 0.9, 1.0, 2.0], lam=0.05)
    thr = ds["adv_training_threshold"].sel(p=0.95, d=100)
    for mu in (2.0, 4.0):
        expected = weak_feature_threshold(ToyModel(0.95, mu / 10, 100), 0.05)
        assert float(thr.sel(mu=mu)) == expected
        eta = mu / 10
        assert 0 <= expected <= eta + 1e-15  # Lemma D.5 (strengthened): no weak weight once eps >= eta
        keeps = ds["adv_training_keeps_weak"].sel(p=0.95, d=100, mu=mu).values
        eps = ds["eps"].sel(p=0.95, d=100, mu=mu).values
        assert np.array_equal(keeps.astype(bool), eps < expected)
    with pytest.raises(ValueError, match="lam"):
        phase_grid([0.95], [100], mu=[2.0], eps_over_eta=[1.0], lam=-1.0)


# ------------------------------------------------------------------------ A*_rob: one implementation
def _a_star_reference(p, eta, eps, d, norm, perturb_x1=True):
    """A*_rob from its definition, in mpmath at 40 digits: the adversary shifts each weak feature by
    its per-coordinate budget and zeroes x1 when it may and eps >= 1; the optimum is then the Bayes
    accuracy of what is left, p*Phi(mu + L/(2 mu)) + (1-p)*Phi(mu - L/(2 mu)) with mu the shifted
    eta*sqrt(d) and L the log-odds of x1 (Phi(mu) without x1; p, or 1/2, without weak features)."""
    import mpmath as mp

    mp.mp.dps = 40
    p, eta, eps = mp.mpf(p), mp.mpf(eta), mp.mpf(eps)
    budget = eps if norm == "linf" else eps / mp.sqrt(d)
    x1_gone = perturb_x1 and eps >= 1
    if norm == "l2" and x1_gone:
        return float("nan")
    mu = max(eta - budget, 0) * mp.sqrt(d)
    if mu == 0:
        return 0.5 if x1_gone else float(p)
    if x1_gone:
        return float(mp.ncdf(mu))
    if p == 1:
        return 1.0
    L = mp.log(p) - mp.log1p(-p)
    return float(p * mp.ncdf(mu + L / (2 * mu)) + (1 - p) * mp.ncdf(mu - L / (2 * mu)))


#: Points on both sides of every case boundary: budget = eta, eps = 1 (x1 breaks), eta = 0, p = 1.
_A_STAR_POINTS = [(p, eta, eps, d) for p in (0.5, 0.7, 0.99, 1.0) for d in (1, 4, 100)
                  for eta, eps in ((0.3, 0.0), (0.3, 0.1), (0.3, 0.3), (0.3, 0.6), (1.5, 1.0),
                                   (1.5, 1.0 - 1e-9), (1.5, 1.2), (0.9, 1.0), (0.0, 0.2), (2.5, 2.0))]


@pytest.mark.parametrize("norm", ["linf", "l2"])
def test_a_star_rob_vectorised_scalar_and_phase_agree_with_the_definition(norm):
    from robtheory.theory.closed_form import best_robust_accuracy_grid

    p, eta, eps, d = (np.array(v, dtype=float) for v in zip(*_A_STAR_POINTS))
    want = np.array([_a_star_reference(*pt, norm) for pt in _A_STAR_POINTS])
    got = best_robust_accuracy_grid(p, eta, eps, d, norm)
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)
    for pt, w in zip(_A_STAR_POINTS, want):
        model, threat = ToyModel(pt[0], pt[1], int(pt[3])), ThreatModel(norm, pt[2])
        if np.isnan(w):
            with pytest.raises(NotImplementedError):
                best_robust_classifier(model, threat)
            continue
        assert best_robust_classifier(model, threat).value == pytest.approx(w, rel=1e-13, abs=1e-15)
        # phase_grid's column is the vectorised function's, to the last bit
        ds = phase_grid([pt[0]], [int(pt[3])], eta=[pt[1]], eps=[pt[2]], norm=norm)
        assert float(ds["optimal_robust"].squeeze()) == float(
            best_robust_accuracy_grid(pt[0], pt[1], pt[2], pt[3], norm))


def test_a_star_rob_weak_only_never_loses_x1():
    from robtheory.theory.closed_form import best_robust_accuracy_grid

    for p, eta, eps, d in _A_STAR_POINTS:
        want = _a_star_reference(p, eta, eps, d, "linf", perturb_x1=False)
        got = float(best_robust_accuracy_grid(p, eta, eps, d, "linf", perturb_x1=False))
        assert got == pytest.approx(want, rel=1e-13, abs=1e-15)
        scalar = best_robust_classifier(ToyModel(p, eta, d), ThreatModel("linf", eps, perturb_x1=False)).value
        assert scalar == pytest.approx(want, rel=1e-13, abs=1e-15)


# ------------------------------------------------------------------- the rounded rule: one implementation
def _rounded_score_by_hand(tau, d, row):
    s = sum(row[1:]) / d ** 0.5
    x1 = (row[0] > 0) - (row[0] < 0)
    return float(x1) if tau == float("inf") else tau * x1 + s


@pytest.mark.parametrize("tau", [0.0, 0.7, 3.0, float("inf")])
def test_rounded_rule_scores_rows_as_its_definition(tau):
    from robtheory.classifiers import RoundedClassifier

    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 6))
    X[:, 0] = rng.choice([-1.0, 1.0, -0.3, 0.4, 0.0], size=40)  # attacked x1 values too
    rule = RoundedClassifier(tau, 5)
    want = np.array([_rounded_score_by_hand(tau, 5, [float(v) for v in r]) for r in X])
    np.testing.assert_allclose(rule.score(X), want, rtol=1e-14, atol=1e-14)
    np.testing.assert_array_equal(rule.predict(X), np.sign(want))
    with pytest.raises(ValueError, match=r"X.shape=\(40, 5\)"):
        rule.score(X[:, :5])


@pytest.mark.parametrize("norm, perturb_x1", [("linf", True), ("linf", False), ("l2", True)])
def test_rounded_rule_worst_case_is_the_worst_point_of_the_ball(norm, perturb_x1):
    """The margin falls by eps*sqrt(d) (l_inf) or eps (l_2), and no other point of the ball
    (corners, random directions scaled to the edge) does worse."""
    from robtheory.classifiers import RoundedClassifier

    d, eps, tau = 9, 0.4, 0.8
    rule, threat = RoundedClassifier(tau, d), ThreatModel(norm, eps, perturb_x1=perturb_x1)
    rng = np.random.default_rng(2)
    X = rng.normal(0.5, 1.0, size=(30, d + 1))
    X[:, 0] = rng.choice([-1.0, 1.0], size=30)
    y = rng.choice([-1.0, 1.0], size=30)
    Xw = rule.worst_case(X, y, threat)
    delta = Xw - X
    if norm == "linf":
        assert np.max(np.abs(delta)) <= eps * (1 + 1e-15)
        assert perturb_x1 or np.all(delta[:, 0] == 0)
    else:
        assert np.all(np.linalg.norm(delta, axis=1) <= eps * (1 + 1e-12))
    drop = eps * (d ** 0.5 if norm == "linf" else 1.0)
    np.testing.assert_allclose(y * rule.score(Xw), y * rule.score(X) - drop, rtol=1e-13, atol=1e-13)
    worst = y * rule.score(Xw)
    for _ in range(200):
        if norm == "linf":
            D = eps * rng.choice([-1.0, 1.0], size=X.shape)
            if not perturb_x1:
                D[:, 0] = 0
        else:
            D = rng.normal(size=X.shape)
            D *= eps / np.linalg.norm(D, axis=1, keepdims=True)
        assert np.all(y * rule.score(X + D) >= worst - 1e-12)


def test_frontier_and_mc_column_use_the_rounded_rule():
    from robtheory.claims.mc_column import plan
    from robtheory.classifiers import RoundedClassifier
    from robtheory.theory.frontier import attaining_classifier, frontier

    m = ToyModel(0.95, 0.3, 100)
    front = frontier(m, ThreatModel("linf", 0.2), "all", n=11)
    X = np.random.default_rng(3).normal(size=(20, 101))
    for k in (0, 5):
        kind, clf, _ = attaining_classifier(front, k)
        assert kind == "rounded"
        np.testing.assert_array_equal(clf(X), RoundedClassifier(float(front.tau[k]), 100).score(X))
    run = plan("optimal_robust")[0]
    assert isinstance(run.classifier.__self__, RoundedClassifier)
