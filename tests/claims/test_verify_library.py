"""The library call behind ``robtheory verify``: typed rows, the JSON contract, the columns the
caller passes, and the overall verdict."""

from __future__ import annotations

import json

import pytest

from robtheory import claims
from robtheory.claims import CheckResult
from robtheory.claims.verify import VerifyResult, VerifyRow, verify
from robtheory.vocabulary import KEYS, check_document

#: The keys of a verify row before and after its column cells, as ``verify --json`` wrote them
#: before the library call existed (the public contract; written out here, not read from the code).
ROW_KEYS = ["name", "title", "reference", "statement", "notes", "analytic"]
DOC_KEYS = ["claims", "mc", "passed", "verdict"]


def _claim(name: str = "claim_a") -> claims.Claim:
    return claims.get(name)


class _FakeMC:
    """Duck-typed Monte Carlo column: a fixed cell per claim and a fixed marginal record."""

    def __init__(self, cell_verdict: str = "PASS", marginal_verdict: str = "PASS"):
        self.cell_verdict, self.marginal_verdict = cell_verdict, marginal_verdict
        self.marginal_calls = 0

    def __call__(self, claim):
        return _Cell(self.cell_verdict)

    def marginals(self):
        self.marginal_calls += 1
        return {"passed": self.marginal_verdict != "FAIL", "verdict": self.marginal_verdict, "detail": "fake"}

    def summary(self):
        return {"n": 7, "verdict": self.marginal_verdict}

    def statement(self):
        return "fake Monte Carlo statement"


class _Cell:
    """A column result with its own ``to_dict`` (as the Monte Carlo and proof results have)."""

    def __init__(self, verdict: str):
        self.verdict = verdict

    def to_dict(self):
        return {"passed": self.verdict != "FAIL", "n_points": 1, "detail": f"cell {self.verdict}",
                "verdict": self.verdict}


def test_row_and_document_keys_are_todays_and_in_the_vocabulary():
    res = verify([_claim("claim_a"), _claim("lemma_d2")],
                 columns={"proof": lambda c: None, "torch": lambda c: CheckResult(True, 3, "ok")})
    doc = res.to_dict()
    assert list(doc) == DOC_KEYS
    for row in doc["claims"]:
        assert list(row) == [*ROW_KEYS, "proof", "torch", "seconds"]
        assert row["proof"] is None
        assert row["torch"] == {"passed": True, "n_points": 3, "detail": "ok"}
        assert set(row["analytic"]) == {"passed", "n_points", "detail"}
    assert all(k in KEYS for k in [*ROW_KEYS, "seconds", *DOC_KEYS])
    assert check_document(json.loads(json.dumps(doc))) == []
    assert [r["name"] for r in doc["claims"]] == ["claim_a", "lemma_d2"]
    assert doc["mc"] is None and doc["passed"] is True and doc["verdict"] == "PASS"


def test_rows_are_typed_and_read_back_from_json():
    res = verify([_claim("claim_a")], columns={"x": lambda c: CheckResult(False, 2, "forced")})
    row = res.row("claim_a")
    assert isinstance(row, VerifyRow) and isinstance(row.analytic, CheckResult)
    assert row.analytic.passed and row.cell("x") == {"passed": False, "n_points": 2, "detail": "forced"}
    assert row.verdicts() == {"x": "FAIL"} and not row.passed
    back = VerifyRow.from_dict(json.loads(json.dumps(row.to_dict())))
    assert back == row
    with pytest.raises(KeyError, match="no_such"):
        res.row("no_such")
    with pytest.raises(ValueError, match="reference"):
        VerifyRow.from_dict({"name": "x", "title": "", "statement": "", "analytic": {}})


def test_the_claim_fields_come_from_the_registry():
    c = _claim("claim_b")
    row = verify([c]).rows[0]
    assert (row.name, row.title, row.reference, row.statement, row.notes) == (
        c.name, c.title, c.reference, c.statement, c.notes)
    assert row.analytic == c.check()


@pytest.mark.parametrize("cell, marginal, want", [
    ("PASS", "PASS", "PASS"),
    ("INCONCLUSIVE", "PASS", "INCONCLUSIVE"),
    ("PASS", "INCONCLUSIVE", "INCONCLUSIVE"),
    ("FAIL", "INCONCLUSIVE", "FAIL"),
    ("PASS", "FAIL", "FAIL"),
])
def test_verdict_combines_cells_and_the_sampler_marginals(cell, marginal, want):
    mc = _FakeMC(cell, marginal)
    seen = []
    res = verify([_claim("claim_a")], mc=mc, on_marginals=seen.append)
    assert res.verdict == want and res.passed == (want != "FAIL")
    assert mc.marginal_calls == 1 and seen == [mc.marginals()]
    assert res.mc == {"n": 7, "verdict": marginal} and res.mc_statement == "fake Monte Carlo statement"
    assert res.to_dict()["mc"] == {"n": 7, "verdict": marginal}
    assert res.rows[0].cell("mc")["verdict"] == cell


def test_a_failing_analytic_check_fails_the_run(monkeypatch):
    c = _claim("claim_a")
    broken = claims.Claim(c.name, c.title, c.reference, c.statement, c.hypotheses,
                          lambda claim: CheckResult(False, 1, "planted"), c.notes)
    res = verify([broken])
    assert res.verdict == "FAIL" and not res.passed and res.analytic_passed == 0


def test_column_order_and_the_registration_hook(monkeypatch):
    monkeypatch.setitem(claims.COLUMNS, "hooked", lambda c: CheckResult(True, 1, "from the hook"))
    res = verify([_claim("claim_a")], mc=_FakeMC(), columns={"proof": lambda c: None, "torch": lambda c: None})
    assert res.columns == ("hooked", "mc", "proof", "torch")
    assert list(res.rows[0].cells) == ["hooked", "mc", "proof", "torch"]
    assert "mc" not in claims.COLUMNS  # nothing is registered globally by the call


def test_callbacks_see_each_claim_in_order():
    starts, rows = [], []
    sel = [_claim("claim_a"), _claim("lemma_d2")]
    res = verify(sel, mc=_FakeMC(), on_start=starts.append, on_row=rows.append)
    assert starts == ["claim_a", "lemma_d2", "sampler marginals"]
    assert rows == list(res.rows)


def test_bad_columns_and_results_are_named():
    with pytest.raises(ValueError, match="'mc' is given twice"):
        verify([_claim()], mc=_FakeMC(), columns={"mc": lambda c: None})
    with pytest.raises(ValueError, match="'proof' must be callable"):
        verify([_claim()], columns={"proof": 3})
    with pytest.raises(ValueError, match="must return a CheckResult"):
        verify([_claim()], columns={"odd": lambda c: "yes"})
    with pytest.raises(ValueError, match="verdict must be"):
        VerifyResult((), (), None, None, True, "MAYBE")
    with pytest.raises(ValueError, match="row key"):
        VerifyRow("x", "", "", "", "", CheckResult(True, 1, ""), {"seconds": None})


def test_cli_json_is_the_library_document(tmp_path):
    """``verify --json`` writes ``VerifyResult.to_dict()`` (wall-clock seconds aside)."""
    from robtheory.cli import main

    out = tmp_path / "v.json"
    assert main(["verify", "--no-mc", "--no-proofs", "--no-torch", "--claim", "claim_a", "--claim", "lemma_d3",
                 "--json", str(out)]) == 0
    cli_doc = json.loads(out.read_text())
    lib_doc = json.loads(json.dumps(verify([_claim("claim_a"), _claim("lemma_d3")]).to_dict()))
    for doc in (cli_doc, lib_doc):
        for row in doc["claims"]:
            row.pop("seconds")
    assert cli_doc == lib_doc


# ------------------------------------------------------------------ typed frontier and phase results
def _small_frontier():
    from robtheory.model import ThreatModel, ToyModel
    from robtheory.theory.frontier import frontier

    m = ToyModel(0.9, 0.2, 20)
    return frontier(m, ThreatModel("linf", 2 * m.eta), "all", n=11)


def test_frontier_mc_typed_view_gives_back_the_dict_key_for_key():
    from robtheory.claims.frontier_mc import FrontierMC, frontier_mc

    raw = frontier_mc(_small_frontier(), 3000, points=3, seed=1)
    typed = FrontierMC.from_dict(raw)
    assert typed.to_dict() == raw
    assert list(typed.to_dict()) == list(raw)
    assert [list(p) for p in typed.to_dict()["points"]] == [list(p) for p in raw["points"]]
    assert typed.points[0].standard.count == raw["points"][0]["standard"]["count"]
    assert typed.verdict == raw["verdict"] and typed.n == 3000
    with pytest.raises(ValueError, match="needs the keys"):
        FrontierMC.from_dict({k: v for k, v in raw.items() if k != "verdict"})


def test_frontier_json_with_mc_is_the_pre_refactor_layout(tmp_path, capsys):
    """``frontier --mc --json``: the merge of the Monte Carlo points into the frontier document,
    written out here as the single-module CLI did it, against the CLI's output."""
    from robtheory.claims.frontier_mc import frontier_mc
    from robtheory.cli import main
    from robtheory.vocabulary import add_deprecated_aliases

    front = _small_frontier()
    assert main(["frontier", "--p", "0.9", "--eta", "0.2", "--d", "20", "--points", "11", "--mc", "3000",
                 "--mc-points", "3", "--seed", "1", "--resolution", "0.1", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    mc = frontier_mc(front, 3000, points=3, seed=1, resolution=0.1)
    want = front.to_dict()
    for pt in mc["points"]:
        want["points"][pt["index"]]["mc"] = {k: pt[k] for k in ("classifier", "method", "seed", "standard", "robust")}
    want["mc"] = {k: v for k, v in mc.items() if k != "points"}
    want["mc"]["estimated_indices"] = [pt["index"] for pt in mc["points"]]
    add_deprecated_aliases(want, ("perturb_x1", "residual", "max_abs_residual"))
    assert got == json.loads(json.dumps(want))


def test_frontier_csv_columns_and_values(tmp_path):
    import csv

    front = _small_frontier()
    front.to_csv(tmp_path / "f.csv")
    with open(tmp_path / "f.csv") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["tau", "standard_accuracy", "robust_accuracy", "theorem_2_1_bound"]
    assert len(rows) == 1 + front.tau.size
    for row, tau, s, r in zip(rows[1:], front.tau, front.standard_accuracy, front.robust_accuracy):
        assert row[0] == ("inf" if tau == float("inf") else repr(float(tau)))
        assert float(row[1]) == float(s) and float(row[2]) == float(r)


def _phase_ds(**attrs):
    import numpy as np
    import xarray as xr

    base = {"n": 100, "seed": "7", "executor": "serial", "backend": "numba", "total_alpha": 1e-6,
            "z_threshold": 5.0, "max_abs_residual": 1.0, "passed": 1, "resolution": 0.005, "verdict": "PASS",
            "inconclusive": 0, "n_needed": -1}
    return xr.Dataset({"residual": (("point", "classifier", "kind"), np.zeros((3, 2, 2)))}, attrs={**base, **attrs})


@pytest.mark.parametrize("attrs, verdict, n_needed", [
    ({}, "PASS", None),
    ({"verdict": "INCONCLUSIVE", "inconclusive": 2, "n_needed": 4000}, "INCONCLUSIVE", 4000),
    ({"verdict": "INCONCLUSIVE", "inconclusive": 2, "n_needed": -1}, "INCONCLUSIVE", None),
    ({"passed": 0, "verdict": "INCONCLUSIVE"}, "FAIL", None),  # a residual past the threshold fails the run
])
def test_phase_mc_summary(attrs, verdict, n_needed):
    from robtheory.experiments.phase_mc import PhaseMCSummary

    s = PhaseMCSummary.from_dataset(_phase_ds(**attrs))
    assert (s.verdict, s.n_needed, s.n_points, s.n_tests, s.seed) == (verdict, n_needed, 3, 12, 7)
    assert s.to_dict()["verdict"] == verdict and set(s.to_dict()) >= {"n", "seed", "z_threshold", "passed"}
