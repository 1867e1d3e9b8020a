"""Issue 18 item 6 (and issue 12 item 4): each certificate says what it certifies, on what domain,
by which method, and what is asserted or not certified; ``robtheory prove`` prints it, with the
asserted count per certificate, and reports progress certificate by certificate."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from robtheory.proofs import _certificate
from robtheory.proofs._certificate import Certificate, describe

PROOF_DIR = Path(_certificate.__file__).resolve().parent
README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.parametrize("name", _certificate.PROOF_MODULES)
def test_every_committed_certificate_states_scope_and_region(name):
    d = json.loads((PROOF_DIR / "certificates" / f"{name}.json").read_text(encoding="utf-8"))
    assert d["scope"]["certified"] and d["scope"]["method"]
    # the derivations are a collection of closed forms, each on its own step's domain
    assert bool(d["region"]["domain"]) == (name != "derivations"), name


def test_describe_lists_asserted_steps_with_reasons_and_what_is_not_certified():
    c = Certificate("demo", "demo", "test")
    import sympy as sp

    x = sp.Symbol("x", real=True)
    c.set_region({x: sp.Interval(0, 1)}, note="a note")
    c.set_scope("x^2 >= 0", "sympy", "nothing about x > 1")
    c.inequality("sq", "x^2 >= 0", x**2, {x: sp.Interval(0, 1)})
    c.asserted("ax", "an axiom", "taken as a definition")
    text = "\n".join(describe(c))
    assert "certified: x^2 >= 0" in text and "domain: x in Interval(0, 1) (a note)" in text
    assert "method: sympy" in text and "asserted (not machine-checked): 1" in text
    assert "ax: taken as a definition" in text and "not certified: nothing about x > 1" in text


def test_prove_prints_the_asserted_count_and_the_scope(monkeypatch, capsys, tmp_path):
    from robtheory.cli import main

    monkeypatch.setattr(_certificate, "PROOF_MODULES", ("lemma_d1", "lemma_d3"))
    assert main(["prove", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    header = out.splitlines()[0]
    assert "asserted" in header
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:3]}
    assert rows["lemma_d1"][3] == "1" and rows["lemma_d3"][3] == "0"
    assert "norm.triangle: the triangle inequality" in out
    assert re.search(r"lemma_d3: PROVED\n  certified: .*\n  domain: mu in Interval\(4, oo\)", out)


def test_run_all_reports_progress_before_and_after_each_certificate(monkeypatch):
    monkeypatch.setattr(_certificate, "PROOF_MODULES", ("lemma_d3", "lemma_d4"))
    calls = []
    _certificate.run_all(progress=lambda name, cert: calls.append((name, cert is None)))
    assert calls == [("lemma_d3", True), ("lemma_d3", False), ("lemma_d4", True), ("lemma_d4", False)]


def test_readme_describes_every_certificate_and_no_longer_overstates():
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### What the certificates prove"):text.index("## Where the paper")]
    for name in _certificate.PROOF_MODULES:
        assert f"`{name}`" in section, name
    assert "1 asserted" in section  # lemma_d1's triangle inequality
    assert "interval arithmetic over covered regions" not in text  # only D.2 has coverings
