"""Smoke test of the Monte Carlo validation campaign (small grid, tiny n)."""

from __future__ import annotations

import csv
import json

import pytest
from robtheory.validation import linear_campaign


@pytest.fixture(autouse=True)
def _cpu_only(monkeypatch):
    monkeypatch.setenv("ROBTHEORY_DISABLE_CUPY", "1")


def test_linear_campaign_smoke(tmp_path, capsys):
    assert linear_campaign.main(["--n", "3000", "--seed", "1", "--grid", "small", "--out", str(tmp_path)]) == 0
    assert "tests pass" in capsys.readouterr().out
    with open(tmp_path / "linear_campaign.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    n_runs = len(linear_campaign.SMALL_GRID) * 4 * len(linear_campaign.CLASSIFIERS)
    assert len(rows) == n_runs
    assert all(r["standard_passed"] == "True" and r["robust_passed"] == "True" for r in rows)
    assert {r["norm"] + r["perturb_x1"] for r in rows} == {"linfTrue", "linfFalse", "l2True", "l2False"}
    assert len({r["start"] for r in rows}) == n_runs  # disjoint stream blocks
    summary = json.loads((tmp_path / "linear_campaign.json").read_text())
    assert summary["passed"] and summary["n_tests"] == 2 * n_runs and summary["n"] == 3000
    assert summary["alpha_per_test"] == pytest.approx(1e-6 / (2 * n_runs))
    assert (tmp_path / "linear_campaign.png").read_bytes()[:4] == b"\x89PNG"


def test_linear_campaign_defaults():
    args = linear_campaign.build_parser().parse_args([])
    assert args.n == 10**7 and args.alpha == 1e-6 and args.grid == "full" and args.backend == "auto"
    assert len(linear_campaign.GRID) == 42
    assert {d for _, _, d, _ in linear_campaign.GRID} == {1, 10, 100}


def test_linear_campaign_rejects_bad_arguments(tmp_path):
    with pytest.raises(SystemExit):
        linear_campaign.main(["--alpha", "2", "--out", str(tmp_path)])
    with pytest.raises(SystemExit):
        linear_campaign.main(["--n", "0", "--out", str(tmp_path)])
