"""Smoke test of the every-claim Monte Carlo campaign (one point per claim, tiny n)."""

from __future__ import annotations

import csv
import json
import math

import pytest
from robtheory.validation import claims_campaign

from robtheory import claims
from robtheory.claims import mc_column as claims_mc


@pytest.fixture(autouse=True)
def _cpu_only(monkeypatch):
    monkeypatch.setenv("ROBTHEORY_DISABLE_CUPY", "1")


def test_claims_campaign_smoke(tmp_path, capsys):
    assert claims_campaign.main(["--n", "4000", "--seed", "3", "--grid", "small", "--out", str(tmp_path)]) == 0
    summary = json.loads((tmp_path / "claims_campaign.json").read_text())
    with open(tmp_path / "claims_campaign.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == summary["n_tests"] == summary["n_passed"]
    assert summary["n_z_tests"] + summary["n_bound_tests"] == summary["n_tests"]
    # every claim of the paper with a Monte Carlo check is in the campaign, at its first grid point
    assert set(summary["claims"]) == set(claims_mc.PLANS) == {r["claim"] for r in rows}
    assert summary["alpha_per_test"] == pytest.approx(1e-6 / summary["n_tests"])
    assert summary["critical_z"] > summary["max_abs_z"]
    assert {"commit", "machine", "date"} <= summary["provenance"].keys()
    # runs over training sets count them (a number of their own), the others count samples of x
    by_sets = ("schmidt_", "mean_learner_curve")
    assert all((int(r["n"]) == 4000 or r["claim"].startswith(by_sets)) and r["passed"] == "True" for r in rows)
    assert sum(r["z"] != "" for r in rows) == summary["n_z_tests"]
    judged = [abs(float(r["z"])) for r in rows if r["z"] != "" and r["inconclusive"] == "False"]
    assert max(judged) == pytest.approx(summary["max_abs_z"])
    # at this tiny n Lemma D.2's skewed hinge statistics are reported inconclusive, nothing else
    inconclusive = {r["claim"] for r in rows if r["inconclusive"] == "True"}
    assert inconclusive == {"lemma_d2"} and summary["n_inconclusive"] > 0
    assert (tmp_path / "claims_campaign.png").read_bytes()[:4] == b"\x89PNG"
    assert "tests pass" in capsys.readouterr().out


def test_claims_campaign_fails_on_a_wrong_closed_form(tmp_path, monkeypatch):
    # negative control through the whole pipeline: a wrong closed form makes main() exit 1
    real = claims_mc.POINT_RUNS["claim_a"]

    def wrong(pt):
        import dataclasses

        return [dataclasses.replace(r, analytic={"standard": 0.5}) for r in real(pt)]

    monkeypatch.setitem(claims_mc.POINT_RUNS, "claim_a", wrong)
    assert claims_campaign.main(["--n", "4000", "--grid", "small", "--claim", "claim_a", "--out", str(tmp_path)]) == 1
    summary = json.loads((tmp_path / "claims_campaign.json").read_text())
    assert summary["n_passed"] == 0 and summary["failures"][0]["claim"] == "claim_a"


def test_every_grid_point_lies_in_its_claims_region():
    assert set(claims_campaign.GRID) == set(claims_mc.POINT_RUNS) == set(claims_mc.PLANS)
    for name, pts in claims_campaign.GRID.items():
        for pt in pts:  # one convention: Point(p, eta, d, eps), read from the claim's record
            assert isinstance(pt, claims.Point) and pt == claims.Point(pt.p, pt.mu / math.sqrt(pt.d), pt.d, pt.eps)
            assert claims_mc.plan_at(name, pt)


def test_bad_arguments(tmp_path):
    with pytest.raises(SystemExit):
        claims_campaign.main(["--claim", "no_such_claim", "--out", str(tmp_path)])
    with pytest.raises(SystemExit):
        claims_campaign.main(["--n", "1", "--grid", "small", "--out", str(tmp_path)])
    with pytest.raises(ValueError, match="total_alpha=0"):
        claims_campaign.run_campaign(n=100, total_alpha=0, grid=claims_campaign.SMALL_GRID)
    with pytest.raises(ValueError, match="no Monte Carlo check for claim 'no_such_claim'"):
        claims_mc.plan_at("no_such_claim", claims.Point(0.5, 0.1, 1, 0.1))
    with pytest.raises(ValueError, match=r"p = 1/2.*p=0.9"):
        claims_mc.plan_at("gaussian_robust_mle", claims.Point(0.9, 0.1, 1, 0.1))
    with pytest.raises(ValueError, match=r"mu >= 4.*p=0.99"):
        claims_mc.plan_at("lemma_d2", claims.Point(0.99, 4.0, 1))
    with pytest.raises(ValueError, match="Point"):
        claims_mc.plan_at("claim_a", (0.9, 3.0, 1, 0.0))


def test_defaults():
    args = claims_campaign.build_parser().parse_args([])
    assert args.n == 10**7 and args.alpha == 1e-6 and args.grid == "full"
    assert claims_campaign.build_parser().parse_args(["--n", "1e7"]).n == 10**7
