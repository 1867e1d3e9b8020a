"""The toy-data experiment in quick mode, through the CLI, and the verify "torch" column."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch", reason="torch not installed (pip install 'robtheory[torch]')")

from robtheory import claims, cli
from robtheory.torch_bridge import models
from robtheory.torch_bridge.column import TorchColumn, registered
from robtheory.torch_bridge.experiments import CATALOGUE
from robtheory.torch_bridge.experiments.toy import theorem_2_1_check


@pytest.fixture(scope="module")
def toy_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("toy")
    rc = cli.main(["torch", "toy", "--quick", "--seed", "0", "--out", str(out)])
    return rc, out, json.loads((out / "metrics.json").read_text())


def test_toy_quick_writes_metrics_figures_and_checkpoints(toy_run):
    rc, out, m = toy_run
    assert rc == 0
    assert m["experiment"] == "toy" and m["quick"] is True and m["seed"] == 0
    for key in ("settings", "results", "checks", "effect", "figures", "checkpoints", "versions", "seconds"):
        assert key in m
    assert set(m["checks"]) >= {"theorem_2_1", "theorem_2_2_part1", "theorem_2_2_part2", "pgd_reaches_exact"}
    for f in m["figures"]:
        assert (out / f).stat().st_size > 1000
    assert {"linear_vs_population.png", "pgd_vs_exact.png", "theorem_2_1_mlp.png"} <= set(m["figures"])
    # every robust accuracy carries its attack settings
    for r in m["results"]["pgd_vs_exact"]:
        assert r["attack"]["constraint"] in ("inf", "2") and "attack_steps" in r["attack"]
    for r in m["results"]["mlp"]:
        assert r["pgd"]["attack"]["eps"] == pytest.approx(2 * m["settings"]["eta"])
    # checkpoints are state_dicts + JSON configs that rebuild the model
    pts = [c for c in m["checkpoints"] if c.endswith(".pt")]
    assert pts
    for c in pts:
        net, meta = models.load_checkpoint(out / c[:-3])
        assert meta["model"]["d_in"] == m["settings"]["d"] + 1


def test_toy_quick_reproduces_what_the_theory_says(toy_run):
    _, _, m = toy_run
    c = m["checks"]
    # these are the experiment's own verdicts; each rests on numbers checked below
    assert c["pgd_reaches_exact"]["passed"]
    assert c["theorem_2_1"]["passed"]
    assert c["theorem_2_2_part1"]["passed"]
    lin = {(r["training"], r["n"]): r for r in m["results"]["linear"]}
    n = m["settings"]["ns"][-1]
    assert lin[("standard", n)]["standard_accuracy"] > 0.99
    assert lin[("standard", n)]["weak_norm_fraction"] > 0.5
    for r in m["results"]["pgd_vs_exact"]:
        assert r["samples_where_they_differ"] == 0


def test_theorem_2_1_check_can_fail():
    # p = 0.95: bound 19 * (1 - std). A model with std 0.95 and robust 0.95 sits on the bound.
    ok = theorem_2_1_check(0.95, 9500, 10000, 9500, 10000, 1e-3)
    assert ok["consistent"]
    # negative control: p and 1 - p swapped makes the bound (1/19) * 0.05 ~ 0.0026: rejected
    swapped = theorem_2_1_check(0.05, 9500, 10000, 9500, 10000, 1e-3)
    assert not swapped["consistent"]
    # and a robust accuracy just above the bound is rejected once n is large enough
    assert not theorem_2_1_check(0.95, 990000, 10**6, 200000, 10**6, 1e-3)["consistent"]


def test_theorem_2_1_check_is_the_claims_sampled_test_and_keeps_its_digits():
    """The torch check and the Monte Carlo column judge Theorem 2.1 by one statistic
    (claims.theorem_2_1_sampled); its bound is computed from the error count, so at 3 errors in
    2**39 it carries all its digits (from 1 - L_std it would carry ~6)."""
    import mpmath

    p, alpha = 0.9, 1e-6
    for std_count, rob_count, n in ((2**39 - 3, 20, 2**39), (9500, 9500, 10000), (990000, 200000, 10**6)):
        c = theorem_2_1_check(p, std_count, n, rob_count, n, alpha)
        t = claims.theorem_2_1_sampled(p, std_count, n, rob_count, n, alpha)
        assert c["consistent"] is t.consistent
        assert c["bound_at_standard_lower_limit"] == t.bound
    # independent value: the q with P(Bin(2**39, q) <= 3) = alpha/2, by bisection at 60 digits
    n = 2**39
    with mpmath.workdps(60):
        def cdf(q):
            return mpmath.fsum(mpmath.binomial(n, j) * q**j * (1 - q) ** (n - j) for j in range(4))

        lo, hi = mpmath.mpf(0), mpmath.mpf(1)
        for _ in range(300):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if cdf(mid) > alpha / 2 else (lo, mid)
        u_err = float(lo)
    c = theorem_2_1_check(p, n - 3, n, 20, n, alpha)
    assert c["bound_at_standard_lower_limit"] == pytest.approx(9 * u_err, rel=1e-9, abs=0)


def test_torch_column_reports_the_toy_checks(toy_run):
    _, _, m = toy_run
    col = TorchColumn()
    col._metrics["toy"] = m  # reuse the run above instead of training again
    with registered(col):
        assert "torch" in claims.COLUMNS
        r = claims.COLUMNS["torch"](claims.get("theorem_2_1"))
        assert r.passed == m["checks"]["theorem_2_1"]["passed"] and "toy" in r.detail
        assert claims.COLUMNS["torch"](claims.get("lemma_d3")) is None
    assert "torch" not in claims.COLUMNS
    # every claim an experiment names exists in the registry
    names = {c.name for c in claims.REGISTRY}
    for e in CATALOGUE.values():
        assert set(e.claims) <= names


def test_cli_torch_list_and_errors(capsys, tmp_path):
    assert cli.main(["torch", "list"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [ln.split()[0] for ln in lines] == list(CATALOGUE)
    assert cli.main(["torch", "toy"]) == 2
    assert "--out" in capsys.readouterr().err
    assert cli.main(["torch", "nope", "--out", str(tmp_path)]) == 2
    assert "'nope'" in capsys.readouterr().err
    if not torch.cuda.is_available():
        assert cli.main(["torch", "toy", "--quick", "--device", "cuda", "--out", str(tmp_path)]) == 2
        assert "cuda" in capsys.readouterr().err


def test_report_torch_results_section(toy_run, tmp_path, capsys):
    import re

    _, out, _ = toy_run
    rep = tmp_path / "rep"
    # one claim is enough: the torch section does not depend on the claims table ('robtheory report'
    # is 'verify --report' over every claim, the same code path; its analytic column is tested elsewhere)
    assert cli.main(["verify", "--claim", "claim_a", "--report", str(rep), "--no-mc", "--no-proofs", "--no-torch",
                     "--torch-results", str(out)]) == 0
    html = (rep / "index.html").read_text()
    assert "PyTorch: toy" in html
    # every figure is embedded (the page links to no file); the toy section holds its three figures
    imgs = re.findall(r'src="([^"]+)"', html)
    assert imgs and all(i.startswith("data:image/") and len(i) > 1000 for i in imgs)
    assert len(re.findall(r'src="data:image/', html.split("PyTorch: toy", 1)[1])) == 3
    # without a report there is nowhere to put them; a folder without results is an error
    assert cli.main(["verify", "--no-mc", "--no-proofs", "--no-torch", "--claim", "claim_a",
                     "--torch-results", str(out)]) == 2
    assert cli.main(["report", "--out", str(rep), "--no-mc", "--no-proofs", "--no-torch",
                     "--torch-results", str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.parametrize("rob_count,consistent", [(9500, True), (200000, False)])
def test_theorem_2_1_figure_draws_what_the_verdict_judges(rob_count, consistent):
    """The figure shows the verdict's intervals (its level) and its threshold; they cannot disagree."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    from robtheory.torch_bridge.experiments.toy import plot_theorem_2_1

    n = 10000 if consistent else 10**6
    std_count = 9500 if consistent else 990000
    check = theorem_2_1_check(0.95, std_count, n, rob_count, n, 1e-4)
    assert check["consistent"] is consistent
    fig, ax = plt.subplots()
    plot_theorem_2_1(ax, 0.95, [{"label": "model", "check": check}])
    # the dashed threshold is the bound at the standard accuracy's lower limit, over its interval
    dashed = [c for c in ax.collections if isinstance(c, LineCollection) and c.get_linestyle()[0][1]]
    (seg,) = dashed[0].get_segments()
    assert seg[0][1] == pytest.approx(min(1, check["bound_at_standard_lower_limit"]))
    assert (seg[0][0], seg[1][0]) == pytest.approx(tuple(check["standard_ci"]))
    # the vertical bar is the robust accuracy's interval at the verdict's level, not at 95%
    bars = [c for c in ax.collections if isinstance(c, LineCollection) and not c.get_linestyle()[0][1]]
    ys = sorted(y for c in bars for s in c.get_segments() if s[0][0] == s[1][0] for y in (s[0][1], s[1][1]))
    assert (ys[0], ys[-1]) == pytest.approx(tuple(check["ci"]))
    # bottom of the bar above the threshold <=> the verdict says violation
    assert bool(ys[0] > seg[0][1]) is (not consistent)
    texts = [t.get_text() for t in ax.texts] + ax.get_legend_handles_labels()[1]
    assert any("0.9999" in t for t in texts)  # the intervals' level is written on the figure
    assert any(("VIOLATION" if not consistent else "consistent") in t for t in texts)
    plt.close(fig)
