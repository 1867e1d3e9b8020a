"""Monte Carlo points on the frontiers: agreement at a stated false-alarm rate, negative controls,
the attaining classifiers, and ``robtheory frontier --mc``.

Every agreement check below is an exact two-sided binomial test per count, Bonferroni-split
over all standard and robust counts of the call at a family-wise false-alarm rate of 1e-6, so a
correct frontier fails one of these tests with probability at most 1e-6 per test function."""

import dataclasses
import json
import math

import numpy as np
import pytest

from robtheory import ThreatModel, ToyModel, linear_accuracy, stats
from robtheory.cli import main
from robtheory.theory.closed_form import accuracy_stats
from robtheory.theory.frontier import (
    _weak_weights,
    attaining_classifier,
    frontier,
)
from robtheory.claims.frontier_mc import frontier_mc

ALPHA = 1e-6
N = 20000
# Theorem F: eps = 2 eta = 0.8 < 1, mu = 0.4 * 5 = 2.
MODEL = ToyModel(0.95, 0.4, 25)


def _theorem_f():
    return frontier(MODEL, ThreatModel("linf", 2 * MODEL.eta), "all", n=81)


def test_theorem_f_points_agree_with_monte_carlo():
    f = _theorem_f()
    assert f.exact
    res = frontier_mc(f, N, points=5, seed=3, total_alpha=ALPHA)
    assert res["n_checks"] == 10 and res["alpha_per_check"] == ALPHA / 10
    assert res["z_threshold"] == pytest.approx(float(stats.two_sided_z(ALPHA / 10)))
    idx = [pt["index"] for pt in res["points"]]
    assert idx[0] == 0 and idx[-1] == f.tau.size - 1  # the Bayes point and (p, p) are included
    assert res["points"][-1]["tau"] is None and "attack='shift'" in res["points"][1]["method"]
    for pt in res["points"]:
        for k in ("standard", "robust"):
            e = pt[k]
            assert e["passed"], (pt["tau"], k, e)
            assert e["ci"][0] <= e["estimate"] <= e["ci"][1]
            assert e["z"] == pytest.approx((e["estimate"] - e["analytic"]) / e["std_error"])
    assert res["passed"]
    # Same seed, same counts (streams keyed by the frontier point, not by the call).
    again = frontier_mc(f, N, points=5, seed=3, total_alpha=ALPHA)
    assert [p["robust"]["count"] for p in again["points"]] == [p["robust"]["count"] for p in res["points"]]


def test_negative_control_a_wrong_robust_curve_is_rejected_at_the_same_n():
    """The full-ball robust accuracy of the *linear* f_tau (forgetting that the rounded rule ignores
    x1-perturbations below 1), p Phi(mu + tau - eps tau - eps sqrt d) + ..., claimed as the frontier:
    the same Monte Carlo points reject it, while the (unchanged) standard accuracies still pass."""
    f = _theorem_f()
    m = MODEL
    sd = math.sqrt(m.d)
    fin = np.isfinite(f.tau)
    a = np.where(fin, f.tau, 1.0)
    wrong = accuracy_stats(m.p, m.eta, 2 * m.eta, a, 0.0, np.where(fin, sd, 0.0), np.where(fin, 1.0, 0.0),
                           np.where(fin, sd, 0.0), "linf_full")[0]
    bad = dataclasses.replace(f, robust_accuracy=wrong)
    good = frontier_mc(f, N, points=5, seed=3, total_alpha=ALPHA)
    res = frontier_mc(bad, N, points=5, seed=3, total_alpha=ALPHA)
    # The control has teeth by construction: at some estimated point the wrong value is several
    # times the smallest deviation the test detects at this n.
    gaps = [abs(wrong[p["index"]] - f.robust_accuracy[p["index"]]) / p["robust"]["min_detectable"]
            for p in good["points"]]
    assert max(gaps) > 3
    assert not res["passed"]
    assert all(p["standard"]["passed"] for p in res["points"])
    for p, g in zip(res["points"], gaps):
        if g > 3:
            assert not p["robust"]["passed"] and abs(p["robust"]["z"]) > res["z_threshold"]


@pytest.mark.parametrize("norm,eps", [("linf", 0.6), ("l2", 1.5)])
def test_linear_frontier_points_agree_and_a_weak_only_formula_is_rejected(norm, eps):
    m = ToyModel(0.95, 0.3, 100)
    f = frontier(m, ThreatModel(norm, eps), "linear", n=61)
    res = frontier_mc(f, N, points=4, seed=5, total_alpha=ALPHA)
    assert res["passed"], [(p["tau"], p["standard"]["z"], p["robust"]["z"]) for p in res["points"]]
    assert all("estimate_linear" in p["method"] for p in res["points"])
    if f.tau.size < 3:
        return  # the l2 frontier at this eps collapses to a point: nothing to perturb
    # Negative control: robust accuracies of the same classifiers with x1 not perturbable.
    wrong = np.array(f.robust_accuracy)
    for k in range(f.tau.size):
        _, clf, _ = attaining_classifier(f, k)
        wrong[k] = linear_accuracy(m, clf, ThreatModel(norm, eps, perturb_x1=False)).robust_accuracy
    res_bad = frontier_mc(dataclasses.replace(f, robust_accuracy=wrong), N, points=4, seed=5, total_alpha=ALPHA)
    assert not res_bad["passed"]


def test_attaining_linear_classifiers_reproduce_the_frontier_values():
    m = ToyModel(0.95, 0.3, 100)
    t = ThreatModel("linf", 0.6)
    f = frontier(m, t, "linear", n=41)  # l_inf with eps > eta: concentrated weights (tau, r)
    assert f.r is not None
    for k in range(f.tau.size):
        _, clf, _ = attaining_classifier(f, k)
        acc = linear_accuracy(m, clf, t)
        assert acc.standard_accuracy == pytest.approx(f.standard_accuracy[k], abs=1e-12)
        assert acc.robust_accuracy == pytest.approx(f.robust_accuracy[k], abs=1e-12)


@pytest.mark.parametrize("d", [1, 2, 7, 100])
def test_weak_weights(d):
    for r in np.linspace(1.0, math.sqrt(d), 9):
        u = _weak_weights(d, r)
        assert u.shape == (d,) and np.all(u >= 0)
        assert np.linalg.norm(u) == pytest.approx(1.0, abs=1e-12)
        assert u.sum() == pytest.approx(r, abs=1e-12)


def test_bad_inputs():
    f = _theorem_f()
    with pytest.raises(ValueError, match="n=0"):
        frontier_mc(f, 0)
    with pytest.raises(ValueError, match="points=0"):
        frontier_mc(f, 10, points=0)
    with pytest.raises(ValueError, match=f"index={f.tau.size}"):
        attaining_classifier(f, f.tau.size)


def test_frontier_cli_mc(tmp_path, capsys):
    args = ["frontier", "--p", "0.9", "--eta", "0.4", "--d", "16", "--n", "31"]
    assert main(args + ["--mc", "4000", "--mc-points", "3", "--seed", "2", "--resolution", "0.1", "--json",
                        "--out", str(tmp_path)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"tau", "standard_accuracy", "robust_accuracy"} <= data["points"][0].keys()
    est = [pt for pt in data["points"] if "mc" in pt]
    assert len(est) == 3 and data["mc"]["estimated_indices"] == [0, 15, 30]
    assert data["mc"]["passed"] is True and data["mc"]["n"] == 4000 and data["mc"]["seed"] == 2
    for pt in est:
        for k in ("standard", "robust"):
            e = pt["mc"][k]
            assert {"estimate", "ci", "z", "std_error", "p_value", "passed"} <= e.keys()
            assert e["analytic"] == pt[f"{k}_accuracy"]
    assert (tmp_path / "frontier.png").stat().st_size > 0
    assert json.loads((tmp_path / "frontier.json").read_text())["mc"]["passed"] is True
    # table output reports the Monte Carlo rows
    assert main(args + ["--mc", "2000", "--mc-points", "2", "--resolution", "0.1"]) == 0
    assert "Monte Carlo: PASS" in capsys.readouterr().out
    # at the default resolution (0.005) 2000 samples cannot resolve anything: INCONCLUSIVE, exit 3
    assert main(args + ["--mc", "2000", "--mc-points", "2"]) == 3
    assert "Monte Carlo: INCONCLUSIVE" in capsys.readouterr().out
    # options that need --mc, and bad values
    assert main(args + ["--seed", "1"]) == 2
    assert "--seed is only used with --mc" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:  # argparse rejects it while parsing
        main(args + ["--mc", "0"])
    assert exc.value.code == 2 and "--mc" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(args + ["--mc", "100", "--alpha", "2"])
    assert exc.value.code == 2 and "--alpha" in capsys.readouterr().err


@pytest.mark.parametrize("norm,eps", [("linf", 0.5), ("l2", 0.9), ("linf-weak", 0.5)])
def test_rounded_rules_off_theorem_f_agree_under_their_exact_worst_case(norm, eps):
    """Family 'all' away from eps = 2 eta: the rounded rules under RoundedClassifier.worst_case (the
    one implementation of their worst case), not the Theorem 2.1 shift."""
    threat = (ThreatModel("linf", eps, perturb_x1=False) if norm == "linf-weak" else ThreatModel(norm, eps))
    assert not (threat.norm == "linf" and eps == 2 * MODEL.eta)
    f = frontier(MODEL, threat, "all", n=41)
    res = frontier_mc(f, N, points=4, seed=5, total_alpha=ALPHA)
    assert res["passed"], res
    # the attack matters: at some point the robust accuracy is far (>> the test's resolution) below
    # the standard one, so a wrong worst case would show
    assert max(pt["standard"]["analytic"] - pt["robust"]["analytic"] for pt in res["points"]) > 0.02


def test_a_weaker_attack_on_the_rounded_rules_is_caught(monkeypatch):
    """Negative control: half the worst-case step leaves robust accuracy too high at this n."""
    import robtheory.claims.frontier_mc as FM

    threat = ThreatModel("linf", 0.5)
    f = frontier(MODEL, threat, "all", n=41)

    def half(model, t):
        def attack(X, y):
            Xa = np.array(X, copy=True)
            Xa[:, 1:] -= (0.5 * t.eps * y)[:, None]
            return Xa
        return attack

    monkeypatch.setattr(FM, "_uniform_shift", half)
    res = frontier_mc(f, N, points=4, seed=5, total_alpha=ALPHA)
    assert not res["passed"]
