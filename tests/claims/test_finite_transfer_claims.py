"""The finite_transfer claims: registered, passing, and each check caught by its negative control."""

from __future__ import annotations

import pytest

from robtheory import ThreatModel, claims
from robtheory.claims import finite_transfer as FT
from robtheory.finite import transfer as TR

NAMES = ("transfer_exact", "transfer_limit", "feature_selection_law", "feature_selection_limit")


@pytest.fixture(autouse=True)
def _cpu_only(monkeypatch):
    monkeypatch.setenv("ROBTHEORY_DISABLE_CUPY", "1")


def test_registered_with_their_blocks() -> None:
    assert {claims.get(n).stream_block for n in NAMES} == {21, 22, 23, 24}
    assert all(claims.get(n).mc_plan() for n in NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_analytic_checks_pass(name: str) -> None:
    res = claims.get(name).check()
    assert res.passed, res.detail


def test_transfer_limit_control_fails() -> None:
    c = claims.get("transfer_limit")
    # a wrong limit: the adversarial error of the population pair when x1 cannot be perturbed
    res = c.control("limit_fn")(c, limit_fn=lambda m, th: TR.population_transfer(m, ThreatModel.weak_only("linf", th.eps)))
    assert not res.passed


def test_selection_law_control_fails() -> None:
    c = claims.get("feature_selection_law")
    res = c.control("pass_fn")(c, pass_fn=FT._wrong_df)
    assert not res.passed and "max |z|" in res.detail


def _run(run, n: int = 200_000) -> list[dict]:
    return run.run(n, 3, 21 * 64 * 2**40, "numpy", 1e-3)


def test_mc_runs_pass_and_controls_fail() -> None:
    good = _run(FT._transfer_run(FT.Point(0.8, 0.3, 10, 0.4), "linf", 30))
    assert all(r["passed"] for r in good)
    bad = _run(claims.get("transfer_exact").control("transfer_run")(claims.get("transfer_exact")))
    assert not all(r["passed"] for r in bad)
    pt = FT.Point(0.7, 0.2, 5)
    assert all(r["passed"] for r in _run(FT._selection_law_run(pt, 0.5)))
    assert not all(r["passed"] for r in _run(FT._selection_law_run(pt, 0.5, pass_fn=FT._wrong_df)))
