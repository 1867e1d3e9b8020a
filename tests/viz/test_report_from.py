"""``robtheory report --from FILE``: the report of a saved verify run, with nothing recomputed but
the figures (issue 16, item 3)."""

from __future__ import annotations

import json
import re

import pytest

from robtheory.claims.verify import VerifyResult, load
from robtheory.cli import main


def _page(path):
    # the generation time is the one thing two writes of the same run may differ in
    return re.sub(r"Generated \S+", "Generated T", path.read_text())


@pytest.fixture(scope="module")
def saved_run(tmp_path_factory):
    d = tmp_path_factory.mktemp("report_from")
    status = main(["verify", "--claim", "claim_a", "--no-proofs", "--no-torch", "--n", "20000",
                   "--json", str(d / "v.json"), "--report", str(d / "live")])
    return d, status


def test_report_from_a_saved_run_is_the_live_report(saved_run, capsys):
    d, status = saved_run
    assert main(["report", "--out", str(d / "saved"), "--from", str(d / "v.json")]) == status
    assert _page(d / "saved" / "index.html") == _page(d / "live" / "index.html")
    assert "from " in capsys.readouterr().err


def test_verify_result_round_trips_through_its_json(saved_run):
    d, _ = saved_run
    doc = json.loads((d / "v.json").read_text())
    res = load(d / "v.json")
    assert res.to_dict() == doc
    assert res.columns == ("mc",) and [r.name for r in res.rows] == ["claim_a"]
    with pytest.raises(ValueError, match="non-empty 'claims'"):
        VerifyResult.from_dict({"claims": [], "passed": True, "verdict": "PASS"})
    bad = dict(doc, claims=[doc["claims"][0], {**doc["claims"][0], "name": "x", "proof": None}])
    with pytest.raises(ValueError, match="other columns"):
        VerifyResult.from_dict(bad)


@pytest.mark.parametrize("extra,needle", [(["--n", "5"], "--n: a run option"),
                                          (["--no-mc"], "--no-mc: a run option"),
                                          (["--seed", "3"], "--seed: a run option")])
def test_run_options_with_from_are_refused_not_ignored(saved_run, capsys, extra, needle):
    d, _ = saved_run
    assert main(["report", "--out", str(d / "x"), "--from", str(d / "v.json"), *extra]) == 2
    assert needle in capsys.readouterr().err


def test_from_a_file_that_is_not_a_verify_result(tmp_path, capsys):
    (tmp_path / "bad.json").write_text('{"x": 1}')
    assert main(["report", "--out", str(tmp_path / "o"), "--from", str(tmp_path / "bad.json")]) == 2
    err = capsys.readouterr().err
    assert "--from" in err and "bad.json" in err and err.count("\n") == 1
    assert main(["report", "--out", str(tmp_path / "o"), "--from", str(tmp_path / "missing.json")]) == 2
    assert "missing.json" in capsys.readouterr().err
