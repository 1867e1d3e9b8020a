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
