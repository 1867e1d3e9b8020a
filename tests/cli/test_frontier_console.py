"""``robtheory frontier`` prints a summary a reader can take in (issue 15, item 5): both ends and a few
points between, the parameters of the classifier at each point, and where the full table is."""

from __future__ import annotations

import csv

from robtheory.cli import main


def _lines(capsys, argv):
    assert main(argv) == 0
    return capsys.readouterr().out.splitlines()


def test_theorem_f_summary_shows_both_ends_and_says_where_the_rest_is(capsys, tmp_path):
    lines = _lines(capsys, ["frontier", "--p", "0.95", "--eta", "0.3", "--d", "100", "--eps", "0.6",
                            "--out", str(tmp_path)])
    head = next(i for i, ln in enumerate(lines) if ln.split()[:2] == ["tau", "standard"])
    rows = [ln.split() for ln in lines[head + 1:] if ln.split() and ln.split()[0][0] in "0123456789i"]
    assert len(rows) == 11 and len(lines) < 20  # not 201 rows
    with open(tmp_path / "frontier.csv") as fh:
        table = list(csv.DictReader(fh))
    assert len(table) == 201
    assert rows[0][0] == f"{float(table[0]['tau']):.6g}" and rows[-1][0] == "inf"  # the Bayes end, sign(x1)
    assert float(rows[-1][1]) == float(table[-1]["standard_accuracy"]) == 0.95
    assert any(f"{tmp_path}/frontier.csv" in ln for ln in lines)
    assert any("sign(tau*sign(x1) + s(x))" in ln for ln in lines)  # what tau is


def test_linear_summary_shows_the_classifier_parameters(capsys):
    lines = _lines(capsys, ["frontier", "--p", "0.95", "--eta", "0.3", "--d", "100", "--eps", "4",
                            "--norm", "l2", "--family", "linear"])
    header = next(ln for ln in lines if ln.split()[:2] == ["x1", "weight"])
    assert "bias" in header and "gap_bound" in header and "tau" not in header
    assert any("--out DIR" in ln for ln in lines)


def test_a_one_point_frontier_is_one_row(capsys):
    lines = _lines(capsys, ["frontier", "--p", "1", "--eta", "0.3", "--d", "100", "--eps", "0.6"])
    assert sum(ln.strip().startswith("inf") for ln in lines) == 1
    assert any("single point" in ln or "same point" in ln for ln in lines)
