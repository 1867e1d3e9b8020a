"""A check that cannot fail is not a PASS (issue 12, item 2).

Every Monte Carlo test has a stated resolution: the smallest deviation it must detect (with
probability 1/2) at its n and alpha. A test that does not reject but could not have
detected that deviation is INCONCLUSIVE, and the command exits with status 3; a rejection
stays a FAIL (status 1) whatever the power. The expected sample sizes below are computed
here from the rejection threshold of the normal approximation,
a(n) = z_{1 - alpha/2} sqrt(p0 (1 - p0) / n) + 1 / (2 n) (a deviation of a(n) puts the
median of the estimate on the threshold), by a search of their own.
"""

from __future__ import annotations

import dataclasses
import json
import math

import pytest
from scipy.special import ndtri

from robtheory import ThreatModel, ToyModel, bayes, linear_accuracy
from robtheory.cli import main
from robtheory.claims import mc_column as claims_mc

MC_ARGS = ["--p", "0.95", "--eta", "0.3", "--d", "100", "--eps", "0.6", "--classifier", "bayes"]


@pytest.fixture(autouse=True)
def _cpu_only(monkeypatch):
    monkeypatch.setenv("ROBTHEORY_DISABLE_CUPY", "1")


def _threshold(n: int, p0: float, alpha: float) -> float:
    z = -float(ndtri(alpha / 2))
    return z * math.sqrt(p0 * (1 - p0) / n) + 0.5 / n


def _smallest_n(p0: float, alpha: float, resolution: float) -> int:
    """Smallest n with a(n) <= resolution (a(n) decreases in n): doubling, then halving."""
    hi = 1
    while _threshold(hi, p0, alpha) > resolution:
        hi *= 2
    lo = hi // 2  # a(lo) > resolution, or lo = 0
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if _threshold(mid, p0, alpha) <= resolution else (mid, hi)
    return hi


def _mc_json(capsys, *extra) -> tuple[int, dict]:
    code = main(["mc", *MC_ARGS, *extra, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_mc_with_one_sample_is_inconclusive_and_says_what_n_would_do(capsys):
    code = main(["mc", *MC_ARGS, "--n", "1"])
    out = capsys.readouterr().out
    assert code == 3
    assert "PASS" not in out and "INCONCLUSIVE" in out
    assert "2 of 2 tests inconclusive" in out and "would make them conclusive" in out
    code, data = _mc_json(capsys, "--n", "1")
    assert code == 3 and data["verdict"] == "INCONCLUSIVE" and data["inconclusive"] == 2
    assert data["resolution"] == 0.005
    # n_needed: the smallest n whose rejection threshold is within the resolution, for both counts
    model = ToyModel(0.95, 0.3, 100)
    acc = linear_accuracy(model, bayes(model), ThreatModel("linf", 0.6))
    alpha = 1e-6 / 2
    need = {k: _smallest_n(a, alpha, 0.005) for k, a in
            (("standard", acc.standard_accuracy), ("robust", acc.robust_accuracy))}
    for k in ("standard", "robust"):
        assert data[k]["verdict"] == "INCONCLUSIVE" and data[k]["n_needed"] == need[k]
    assert data["n_needed"] == max(need.values())
    # ... and at that n the same command is conclusive (nothing fails: exit 0)
    code, data = _mc_json(capsys, "--n", str(max(need.values())))
    assert code == 0 and data["verdict"] == "PASS" and data["inconclusive"] == 0
    assert all(data[k]["min_detectable"] <= 0.005 for k in ("standard", "robust"))


def test_mc_resolution_option_and_its_errors(capsys):
    code, data = _mc_json(capsys, "--n", "2000", "--resolution", "0.1")
    assert code == 0 and data["verdict"] == "PASS" and data["resolution"] == 0.1
    for bad in ("0", "1", "-0.1", "nan"):
        with pytest.raises(SystemExit) as exc:
            main(["mc", *MC_ARGS, "--n", "10", f"--resolution={bad}"])
        assert exc.value.code == 2 and "--resolution" in capsys.readouterr().err


def test_mc_wrong_closed_form_fails_at_the_default_n(capsys, monkeypatch):
    """Negative control: a closed form off by 0.01 is rejected (FAIL, exit 1) at n = 10**6."""
    from robtheory.mc import engine

    real = engine._analytic_linear

    def shifted(model, clf, threat):
        std, rob = real(model, clf, threat)
        return std, rob + 0.01

    monkeypatch.setattr(engine, "_analytic_linear", shifted)
    code, data = _mc_json(capsys)
    assert code == 1 and data["verdict"] == "FAIL" and data["robust"]["verdict"] == "FAIL"
    # a rejection is a FAIL whatever the power: also at a resolution no test can reach
    code, data = _mc_json(capsys, "--resolution", "1e-9")
    assert code == 1 and data["robust"]["verdict"] == "FAIL" and data["standard"]["verdict"] == "INCONCLUSIVE"


def test_verify_with_ten_samples_is_inconclusive(capsys, tmp_path):
    out_json = tmp_path / "v.json"
    code = main(["verify", "--n", "10", "--claim", "claim_a", "--claim", "robust_x1", "--no-proofs",
                 "--no-torch", "--json", str(out_json)])
    text = capsys.readouterr().out
    assert code == 3
    assert "mc: INCONCLUSIVE" in text and "mc: PASS" not in text
    assert "0 fail" in text and "inconclusive" in text and "would make the inconclusive tests conclusive" in text
    data = json.loads(out_json.read_text())
    assert data["verdict"] == "INCONCLUSIVE" and data["passed"] is True
    assert data["mc"]["verdict"] == "INCONCLUSIVE" and data["mc"]["inconclusive"] > 0
    assert data["mc"]["n_needed"] > 10 and data["mc"]["resolution"] == 0.005
    for row in data["claims"]:
        assert row["mc"]["verdict"] == "INCONCLUSIVE"
        # min_detectable is null (JSON for inf) where no deviation on that side is detectable
        assert all(c["verdict"] == "INCONCLUSIVE" and (c["min_detectable"] is None or c["min_detectable"] > c["resolution"])
                   for c in row["mc"]["checks"])


def test_verify_mean_tests_at_ten_samples_are_not_a_false_failure(capsys):
    """Ten hinge losses of Lemma D.2 are all 0 (the loss is positive on ~0.1% of samples):
    a sample without variation says nothing about the mean, so no verdict, not a FAIL."""
    code = main(["verify", "--n", "10", "--claim", "lemma_d2", "--no-proofs", "--no-torch"])
    text = capsys.readouterr().out
    assert code == 3 and "mc: INCONCLUSIVE" in text and "FIRST FAILURE" not in text


def test_verify_default_n_is_conclusive(capsys):
    """At the default n = 10**6 and resolutions, these claims' tests (agreement, bound and
    mean tests) all PASS: not merely 'not rejected'."""
    code = main(["verify", "--claim", "claim_b", "--claim", "theorem_2_1", "--claim", "lemma_d5",
                 "--no-proofs", "--no-torch", "--json", "-"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["verdict"] == "PASS" and data["mc"]["inconclusive"] == 0
    checks = [c for row in data["claims"] for c in row["mc"]["checks"]]
    assert {c["test"] for c in checks} == {"agreement", "bound", "mean"}
    assert all(c["verdict"] == "PASS" and c["min_detectable"] <= c["resolution"] for c in checks)
    assert data["mc"]["marginals"]["verdict"] == "PASS"


def test_verify_planted_wrong_formula_fails_at_the_default_n(capsys, monkeypatch):
    real = claims_mc.PLANS["claim_b"]

    def wrong():
        return [dataclasses.replace(r, analytic={k: v + 0.01 for k, v in r.analytic.items()}) for r in real()]

    monkeypatch.setitem(claims_mc.PLANS, "claim_b", wrong)
    code = main(["verify", "--claim", "claim_b", "--no-proofs", "--no-torch"])
    text = capsys.readouterr().out
    assert code == 1 and "mc: FAIL" in text and "FIRST FAILURE" in text


FRONTIER = ["frontier", "--p", "0.95", "--eta", "0.3", "--d", "100"]


def test_frontier_mc_ten_samples_is_inconclusive_and_prints_what_it_judges(capsys):
    code = main([*FRONTIER, "--mc", "10"])
    out = capsys.readouterr().out
    assert code == 3
    mc_lines = out[out.index("Monte Carlo ("):].splitlines()
    assert "PASS" not in "\n".join(mc_lines)
    # the printed statistic is the judged one: p-values against the per-test alpha, no z threshold
    assert "|z| threshold" not in out and "z=" not in out
    assert "a count fails when its p-value <= 1e-07" in mc_lines[0]  # 1e-6 over 2 x 5 counts
    assert all("p=" in line and "INCONCLUSIVE" in line for line in mc_lines[1:6])
    assert mc_lines[-1].startswith("Monte Carlo: INCONCLUSIVE") and "10 of 10 tests inconclusive" in mc_lines[-1]


def test_frontier_mc_points_beyond_the_frontier_are_refused(capsys):
    assert main([*FRONTIER, "--mc", "10", "--mc-points", "1000"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--mc-points 1000" in err and "201 points" in err


def test_frontier_mc_verdicts_follow_the_p_values():
    """Library level: each count's verdict is FAIL exactly when its p-value <= the per-test
    alpha, also for a frontier lowered by 0.02 (negative control, rejected at n = 20000)."""
    from robtheory.theory.frontier import frontier
    from robtheory.claims.frontier_mc import frontier_mc

    model = ToyModel(0.95, 0.3, 100)
    front = frontier(model, ThreatModel("linf", 0.6), "all", n=41)
    low = dataclasses.replace(front, standard_accuracy=front.standard_accuracy - 0.02,
                              robust_accuracy=front.robust_accuracy - 0.02)
    for fr, expect in ((front, {"PASS", "INCONCLUSIVE"}), (low, {"FAIL"})):
        res = frontier_mc(fr, 20000, points=3, seed=4, resolution=0.05)
        cells = [e[k] for e in res["points"] for k in ("standard", "robust")]
        for c in cells:
            assert (c["verdict"] == "FAIL") == (c["p_value"] <= res["alpha_per_check"])
            assert "z" in c and "residual" not in c  # the library writes z; the CLI adds the alias
        assert res["verdict"] in expect
    assert res["verdict"] == "FAIL" and res["passed"] is False
