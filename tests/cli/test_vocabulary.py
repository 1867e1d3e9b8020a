"""One vocabulary across commands: every option of every command and every key of every ``--json``
output is in :mod:`robtheory.vocabulary`, with the type it says; old names still work as
deprecated aliases that warn once; the README's table is the vocabulary's."""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import math
import re
from pathlib import Path

import pytest

from robtheory import cli, vocabulary
from robtheory.cli import build_parser, main
from robtheory.vocabulary import DEPRECATED_KEYS, DEPRECATED_OPTIONS, KEYS, OPTIONS, check_document

ROOT = Path(__file__).resolve().parents[2]
MODEL = ["--p", "0.95", "--eta", "0.3", "--d", "10"]


def run(argv, capsys):
    """``main(argv)``: exit status (argparse exits included), stdout, stderr."""
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def run_json(argv, capsys, codes=(0,)):
    code, out, err = run(argv, capsys)
    assert code in codes, (argv, code, err)
    return json.loads(out), err


def assert_follows_vocabulary(doc, name):
    problems = check_document(doc)
    assert problems == [], f"{name}: " + "; ".join(problems)


# ------------------------------------------------------------------------------------ options
#: The vocabulary's option types, by the function that parses them in the CLI.
PARSERS = {cli._finite_float: "number", cli._positive_int: "count", cli._sample_count: "samples",
           cli._seed: "seed", cli._rate: "rate", cli._positive_float: "number"}


def _subcommands():
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return parser, sub.choices


def _option_type(action) -> str:
    if isinstance(action, argparse._VersionAction) or action.nargs == 0:
        return "flag"
    if action.type in PARSERS:
        return PARSERS[action.type]
    if action.choices is not None:
        return "choice"
    return "spec" if action.metavar == "SPEC" else "path|text"


def test_every_option_of_every_command_is_in_the_vocabulary():
    parser, commands = _subcommands()
    seen = set()
    for command, sp in [("robtheory", parser), *commands.items()]:
        for action in sp._actions:
            for opt in action.option_strings:
                if opt in ("-h", "--help"):
                    continue
                seen.add(opt)
                assert opt in OPTIONS, f"{command} {opt} is not in robtheory.vocabulary.OPTIONS"
                if isinstance(action, cli._DeprecatedAlias):
                    # an alias: listed as deprecated for this command, and sets the new option's value
                    commands_, new = DEPRECATED_OPTIONS[opt]
                    assert command in commands_ and action.new_name == new
                    target = next(a for a in sp._actions if new in a.option_strings)
                    assert action.dest == target.dest and action.type is target.type
                    continue
                kind = _option_type(action)
                declared = OPTIONS[opt].type.split("|")
                if kind == "spec":  # phase reads a grid SPEC where the others read one value
                    assert "spec" in declared or "SPEC" in OPTIONS[opt].meaning, (command, opt)
                elif kind == "path|text":
                    assert {"path", "text"} & set(declared), (command, opt, declared)
                else:
                    assert kind in declared, f"{command} {opt} reads a {kind}, the vocabulary says {declared}"
    assert set(OPTIONS) <= seen, f"options in the vocabulary that no command has: {set(OPTIONS) - seen}"


def test_every_count_accepts_the_same_forms(capsys):
    """--d 1e6 is read like --n 1e7; 1.5 is refused with one line naming the option."""
    base, _ = run_json(["accuracy", *MODEL[:4], "--d", "1000", "--classifier", "averaging", "--json"], capsys)
    for text in ("1e3", "10**3", "1000.0", "1E3"):
        got, _ = run_json(["accuracy", *MODEL[:4], "--d", text, "--classifier", "averaging", "--json"], capsys)
        assert got == base, text
    for argv in (["accuracy", *MODEL[:4], "--d", "1.5", "--classifier", "averaging"],
                 ["frontier", *MODEL, "--points", "2.5"],
                 ["bench", "--quick", "--d", "1e-3"]):
        code, out, err = run(argv, capsys)
        assert code == 2 and out == "" and err.count("\n") == 1, (argv, err)
        opt = "--points" if "--points" in argv else "--d"
        assert f"argument {opt}:" in err and "Traceback" not in err, err


def test_version(capsys):
    code, out, _ = run(["--version"], capsys)
    assert code == 0
    # the installed distribution's metadata, not the module attribute the option prints
    assert out.strip() == f"robtheory {importlib.metadata.version('robtheory')}"


def test_eps_defaults_are_the_documented_ones(capsys):
    """accuracy and mc default to eps = 0, frontier and svm to 2*eta; --help says so and why."""
    acc0, _ = run_json(["accuracy", *MODEL, "--classifier", "averaging", "--json"], capsys)
    acc_eps0, _ = run_json(["accuracy", *MODEL, "--eps", "0", "--classifier", "averaging", "--json"], capsys)
    assert acc0 == acc_eps0 and acc0["robust_accuracy"] == acc0["standard_accuracy"]
    fr, _ = run_json(["frontier", *MODEL, "--points", "5", "--json"], capsys)
    fr_2eta, _ = run_json(["frontier", *MODEL, "--points", "5", "--eps", "0.6", "--json"], capsys)
    assert fr == fr_2eta
    svm, _ = run_json(["svm", *MODEL, "--lam", "0.1", "--json"], capsys)
    svm_2eta, _ = run_json(["svm", *MODEL, "--lam", "0.1", "--eps", "0.6", "--json"], capsys)
    assert svm == svm_2eta and svm["eps"] == 0.6
    _, commands = _subcommands()
    for command, default in (("accuracy", "default 0"), ("mc", "default 0"),
                             ("frontier", "default 2*eta"), ("svm", "default 2*eta")):
        action = next(a for a in commands[command]._actions if "--eps" in a.option_strings)
        # the default and the other commands' default, so the difference is stated where it is met
        other = "2*eta" if default == "default 0" else "default to 0"
        assert default in action.help and other in action.help, (command, action.help)


# ------------------------------------------------------------------------------------ the checker
def test_the_checker_rejects_what_departs_from_the_vocabulary():
    """Negative controls: the checker that the walks below rely on does fail."""
    good = {"seed": 3, "total_alpha": 1e-6, "standard": {"z": None, "p_value": 0.5}}
    assert check_document(good) == []
    assert check_document({"seed": "3"}) != []  # frontier.json's string seed
    assert check_document({"alpha_total": 1e-6}) != []  # an old key not declared
    assert check_document({"standard": {"residual": 1.0}}) != []
    assert check_document({"residual": 1.0, "deprecated_keys": ["residual"]}) == []
    assert check_document({"perturb_x1": 1.0, "deprecated_keys": ["perturb_x1"]}) != []  # its old type
    assert check_document({"tests": {"y": {"no_such_key": 1}}}) != []  # inside a map too
    assert check_document({"points": [{"tau": "inf"}]}) != []


# ------------------------------------------------------------------------------------ every --json
def _frontier_mc_argv(tmp_path, family, points):
    return ["frontier", *MODEL, "--family", family, "--points", str(points), "--mc", "200",
            "--mc-points", "2", "--json", "--out", str(tmp_path)]


@pytest.mark.parametrize("argv", [
    ["accuracy", *MODEL, "--eps", "0.6", "--classifier", "averaging", "--json"],
    ["accuracy", *MODEL, "--eps", "0.6", "--weak-only", "--classifier", "robust-optimal", "--json"],
    ["accuracy", *MODEL, "--eps", "1", "--norm", "l2", "--classifier", "bayes", "--json"],
    ["mc", *MODEL, "--eps", "0.6", "--classifier", "bayes", "--n", "2000", "--backend", "numpy", "--json"],
    ["svm", *MODEL, "--lam", "0.1", "--json"],
    ["svm", *MODEL, "--unit-norm", "--eps-train", "0.6", "--loss", "logistic", "--json"],
])
def test_command_json_follows_the_vocabulary(argv, capsys):
    doc, _ = run_json(argv, capsys, codes=(0, 1, 3))
    assert_follows_vocabulary(doc, " ".join(argv))


@pytest.mark.parametrize("family,points", [("all", 9), ("linear", 7), ("linear-unbiased", 9)])
def test_frontier_json_and_file_follow_the_vocabulary(family, points, tmp_path, capsys):
    doc, _ = run_json(_frontier_mc_argv(tmp_path, family, points), capsys, codes=(0, 1, 3))
    assert_follows_vocabulary(doc, f"frontier --family {family}")
    on_disk = json.loads((tmp_path / "frontier.json").read_text())
    assert on_disk == doc
    estimated = [pt["mc"] for pt in doc["points"] if "mc" in pt]
    assert len(estimated) == 2 and isinstance(doc["mc"]["seed"], int)
    assert all(isinstance(e["seed"], int) for e in estimated)  # was a string


def test_bench_json_follows_the_vocabulary(capsys):
    doc, _ = run_json(["bench", "--quick", "--d", "10", "--backend", "numpy", "--json"], capsys)
    assert_follows_vocabulary(doc, "bench")


def test_verify_json_follows_the_vocabulary(capsys):
    # claims whose Monte Carlo columns hold every kind of check: agreement (claim_a), bound tests
    # (lemma_d3), mean tests with skewness (lemma_d1, theorem_2_2_part2)
    claims = ["claim_a", "lemma_d3", "lemma_d1", "theorem_2_2_part2"]
    argv = ["verify", "--json", "-", "--no-proofs", "--no-torch", "--n", "2000", "--backend", "numpy"]
    for c in claims:
        argv += ["--claim", c]
    doc, _ = run_json(argv, capsys, codes=(0, 1, 3))
    assert [r["name"] for r in doc["claims"]] == claims
    kinds = {k for r in doc["claims"] for c in r["mc"]["checks"] for k in c}
    assert {"bound", "skewness_of_mean", "min_detectable_above"} <= kinds  # the walk saw each kind
    assert_follows_vocabulary(doc, "verify")


def test_frontier_mc_seeds_are_integers_in_verify():
    """verify's Theorem F checks take their stream seeds from frontier_mc: integers now."""
    from robtheory.theory.frontier import frontier
    from robtheory.claims.frontier_mc import frontier_mc
    from robtheory.model import ThreatModel, ToyModel

    front = frontier(ToyModel(0.95, 0.3, 10), ThreatModel("linf", 0.6), "all", n=5)
    res = frontier_mc(front, 50, points=2, seed=2**64 - 1)
    assert res["seed"] == 2**64 - 1 and all(type(pt["seed"]) is int for pt in res["points"])
    assert all("z" in pt[k] and "residual" not in pt[k] for pt in res["points"] for k in ("standard", "robust"))


# ------------------------------------------------------------------------------------ deprecated names
def test_deprecated_json_keys_still_written_and_listed_once(tmp_path, capsys):
    mc, _ = run_json(["mc", *MODEL, "--eps", "0.6", "--weak-only", "--classifier", "bayes", "--n", "1000",
                      "--backend", "numpy", "--json"], capsys, codes=(0, 1, 3))
    assert mc["alpha_total"] == mc["total_alpha"] == 1e-6
    assert mc["weak_only"] is True and mc["perturb_x1"] is False
    assert sorted(mc["deprecated_keys"]) == ["alpha_total", "perturb_x1"]

    acc, _ = run_json(["accuracy", *MODEL, "--classifier", "bayes", "--json"], capsys)
    assert acc["weak_only"] is False and acc["perturb_x1"] is True and acc["deprecated_keys"] == ["perturb_x1"]

    fr, _ = run_json(_frontier_mc_argv(tmp_path, "all", 9), capsys, codes=(0, 1, 3))
    assert sorted(fr["deprecated_keys"]) == ["max_abs_residual", "perturb_x1", "residual"]
    assert fr["mc"]["max_abs_residual"] == fr["mc"]["max_abs_z"]
    zs = []
    for pt in fr["points"]:
        for k in ("standard", "robust"):
            if "mc" in pt:
                e = pt["mc"][k]
                assert e["residual"] == e["z"]
                # z recomputed from the count: (estimate - closed form) / its standard error
                a0 = e["analytic"]
                z = (e["count"] / e["n"] - a0) / math.sqrt(a0 * (1 - a0) / e["n"])
                assert e["z"] == pytest.approx(z, rel=1e-9, abs=1e-12)
                zs.append(abs(z))
    assert fr["mc"]["max_abs_z"] == pytest.approx(max(zs), rel=1e-9)
    for old in fr["deprecated_keys"]:
        assert DEPRECATED_KEYS[old][0] in KEYS


def test_deprecated_option_warns_once_and_keeps_its_meaning(capsys):
    new, err_new = run_json(["frontier", *MODEL, "--points", "7", "--json"], capsys)
    assert err_new == ""
    old, err_old = run_json(["frontier", *MODEL, "--n", "7", "--n", "7", "--json"], capsys)
    assert old == new and len(new["points"]) <= 7
    lines = err_old.splitlines()
    assert len(lines) == 1 and "--n is deprecated" in lines[0] and "--points" in lines[0], err_old
    # the alias reads the same values as the option it stands for
    assert run(["frontier", *MODEL, "--n", "1e1", "--json"], capsys)[0] == 0
    code, _, err = run(["frontier", *MODEL, "--n", "1"], capsys)
    assert code == 2 and "--points must be >= 2" in err


# ------------------------------------------------------------------------------------ README
def test_readme_table_is_the_vocabulary():
    text = (ROOT / "README.md").read_text()
    m = re.search(r"<!-- vocabulary: begin.*?-->\n(.*?)\n<!-- vocabulary: end -->", text, re.S)
    assert m, "README.md has no vocabulary section"
    assert m.group(1).strip() == vocabulary.markdown_table().strip(), (
        "README's vocabulary table differs from robtheory.vocabulary: paste "
        "python -c 'from robtheory.vocabulary import markdown_table; print(markdown_table())'")


def test_readme_command_block_uses_current_option_names():
    text = (ROOT / "README.md").read_text()
    block = text.split("## Commands", 1)[1].split("```", 2)[1]
    used = set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", block))
    assert used <= set(OPTIONS), used - set(OPTIONS)
    frontier_line = next(line for line in block.splitlines() if line.startswith("robtheory frontier"))
    assert "--points" in frontier_line and "--n " not in frontier_line


@pytest.mark.parametrize("eta", [0.3, 4.0])
def test_svm_json_has_the_log_error_rates(eta, capsys):
    """svm --json carries accuracy --json's log error rates, exact where the rate underflows
    (eta = 4: mu = 40, a standard error rate of about exp(-805)); checked against 50-digit mpmath
    from the printed optimum (w1 on x1, c on each weak feature)."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 50
    doc, _ = run_json(["svm", "--p", "0.95", "--eta", str(eta), "--d", "100", "--lam", "0.1", "--json"], capsys)
    p, d, eps = mpmath.mpf("0.95"), 100, mpmath.mpf(doc["eps"])
    w1, c, eta_ = mpmath.mpf(doc["w1"]), mpmath.mpf(doc["c"]), mpmath.mpf(eta)
    sd = c * mpmath.sqrt(d)
    pen = eps * (abs(w1) + d * abs(c))  # the l_inf adversary's margin loss: eps |w|_1

    def error(penalty):  # x1 = y with probability p; the weak sum is N(eta d y, d)
        return (p * mpmath.ncdf(-(w1 + c * eta_ * d - penalty) / sd)
                + (1 - p) * mpmath.ncdf(-(-w1 + c * eta_ * d - penalty) / sd))

    for kind, penalty in (("standard", 0), ("robust", pen)):
        expected = mpmath.log(error(penalty))
        got = doc[f"log_{kind}_error_rate"]
        assert got == pytest.approx(float(expected), rel=1e-9, abs=1e-12), (kind, got, expected)
    if eta == 4.0:  # the rate itself underflows: only its log carries the number
        assert doc["standard_error_rate"] == 0.0 and doc["log_standard_error_rate"] < -700
    acc_keys = {"standard_accuracy", "robust_accuracy", "standard_error_rate", "robust_error_rate",
                "log_standard_error_rate", "log_robust_error_rate"}
    assert acc_keys <= doc.keys()
