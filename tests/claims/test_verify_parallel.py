"""verify's analytic column computed ahead in a helper process gives the in-process results."""

from __future__ import annotations

import pytest

from robtheory import claims
from robtheory.claims import verify as verify_mod
from robtheory.claims.verify import verify

NAMES = ("claim_a", "theorem_2_1", "robust_x1", "schmidt_theorem_11")


def _column(claim):  # a second column, so that verify looks ahead
    return None


def test_helper_process_gives_the_in_process_results(monkeypatch: pytest.MonkeyPatch) -> None:
    selected = [claims.get(n) for n in NAMES]
    monkeypatch.delenv(verify_mod.PARALLEL_ENV, raising=False)
    started = []
    real = verify_mod._AnalyticAhead.__init__

    def spy(self, sel):
        real(self, sel)
        started.append(sorted(self._futures))

    monkeypatch.setattr(verify_mod._AnalyticAhead, "__init__", spy)
    ahead = verify(selected, columns={"extra": _column})
    assert started == [sorted(NAMES)]  # the helper process did run them
    monkeypatch.setenv(verify_mod.PARALLEL_ENV, "0")
    here = verify(selected, columns={"extra": _column})
    assert [r.analytic for r in ahead.rows] == [r.analytic for r in here.rows]
    assert all(r.analytic.passed for r in ahead.rows)


def test_a_stand_in_claim_is_checked_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """A claim that is not the registered record of its name (a test's stand-in with a failing check)
    is checked in this process, so its own check decides."""
    import dataclasses

    monkeypatch.delenv(verify_mod.PARALLEL_ENV, raising=False)
    real = claims.get("claim_a")
    bad = dataclasses.replace(real, analytic=lambda c: claims.CheckResult(False, 0, "planted"))
    res = verify([bad, claims.get("claim_b")], columns={"extra": _column})
    assert [r.analytic.passed for r in res.rows] == [False, True]
    assert res.rows[0].analytic.detail == "planted"
