"""``robtheory verify`` starts the proof column's helper process before it sets up its other columns
(so that the helper's start-up overlaps them), and stops it even when a column cannot be built."""

from __future__ import annotations

import pytest

from robtheory.cli import main


class _Recorder:
    def __init__(self, log: list[str]):
        self.log = log

    def column(self, selected, ahead=False):
        log = self.log

        class Column:
            def __init__(self):
                log.append(f"proof column (ahead={ahead})")

            def __call__(self, claim):
                return None

            def close(self):
                log.append("proof helper closed")

            def summary(self):
                return "proof column: stand-in"

        return Column()


@pytest.mark.parametrize("mc_fails", [True, False])
def test_proof_helper_starts_first_and_is_closed(monkeypatch, capsys, mc_fails):
    log: list[str] = []
    monkeypatch.setattr("robtheory.proofs.column.ProofColumn", _Recorder(log).column)

    class MC:
        def __init__(self, *args, **kwargs):
            log.append("mc column")
            if mc_fails:
                raise ValueError("n must be >= 2 for a stand-in reason")

        def __call__(self, claim):
            return None

        def marginals(self):
            return {"passed": True, "verdict": "PASS", "detail": "stand-in"}

        def summary(self):
            return {"n": 1}

        def statement(self):
            return "stand-in"

    monkeypatch.setattr("robtheory.claims.mc_column.MonteCarloColumn", MC)
    code = main(["verify", "--claim", "claim_a", "--no-torch"])
    err = capsys.readouterr().err
    # started before the Monte Carlo column is set up; stopped (at least once) when verify is done or failed
    assert log[:2] == ["proof column (ahead=True)", "mc column"] and set(log[2:]) == {"proof helper closed"}
    if mc_fails:
        assert code == 2 and "stand-in reason" in err and err.count("\n") == 1
    else:
        assert code == 0
