"""``robtheory frontier``: the trade-off frontier of (standard, robust) accuracy, with optional Monte Carlo points."""

from __future__ import annotations

import argparse
import math
from typing import Any

import numpy as np

from robtheory._jsonio import dumps, write_json
from robtheory.cli.common import UsageError, _exit_status, _inconclusive_note, _output_dir, _progress_bar
from robtheory.cli.options import (_DeprecatedAlias, _positive_int, _sample_count, add_alpha, add_json_flag,
                                   add_model, add_out, add_resolution, add_seed, add_threat)
from robtheory.model import fmt_number as _fmt
from robtheory.vocabulary import add_deprecated_aliases

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> argparse.ArgumentParser:
    f = sub.add_parser("frontier", help="trade-off frontier of (standard, robust) accuracy",
                       description="The Pareto frontier of (standard accuracy, robust accuracy): over all "
                                   "classifiers (exact at eps = 2 eta, Theorem F) or over linear classifiers.")
    add_model(f)
    add_threat(f, None, "radius of the threat ball (>= 0; default 2*eta, the paper's adversary, where Theorem F "
                        "is exact: a frontier is about the trade-off, which vanishes at eps = 0; accuracy and "
                        "mc default to 0)")
    f.add_argument("--family", choices=("all", "linear", "linear-unbiased"), default="all",
                   help="all measurable classifiers (default; exact at eps = 2*eta, Theorem F), linear "
                        "classifiers sign(a x1 + u.z + b) with a bias (optimised over the class offsets a+b, "
                        "a-b and, for linf with eps > eta, |u|_1/|u|_2), or linear classifiers without bias "
                        "(the paper's f_tau family)")
    f.add_argument("--points", type=_positive_int, default=201, dest="n",
                   help="number of points, spread at equal arc length along the curve (default 201: "
                        "consecutive points under 0.7%% of the curve's length apart). Cost grows as n: "
                        "a traced curve milliseconds, an optimised family (linear, or linear-unbiased for "
                        "linf with eps > eta) about 0.1 s per point")
    f.add_argument("--n", type=_positive_int, dest="n", action=_DeprecatedAlias, new_name="--points",
                   command="frontier", metavar="N", default=argparse.SUPPRESS,
                   help="deprecated alias of --points (warns once)")
    add_json_flag(f, "print the frontier as JSON")
    add_out(f, "write frontier.json, frontier.csv and the figure frontier.png, .pdf and .svg to DIR")
    f.add_argument("--mc", type=_sample_count, default=None, metavar="N",
                   help="also estimate a few frontier points by Monte Carlo (N samples each) with the classifier "
                        "that attains them, test each count against the curve (exact binomial tests, Bonferroni "
                        "at --alpha) and plot them; exit status 1 if a test fails, 3 if none fails but one is "
                        "inconclusive (default: off)")
    f.add_argument("--mc-points", type=_positive_int, default=None, metavar="K",
                   help="number of frontier points for --mc, spread along the curve (default 5)")
    add_seed(f, "Monte Carlo seed for --mc, in [0, 2**64) (default 0)", default=None)
    add_alpha(f, "family-wise false-alarm rate of the --mc tests, in (0, 1) (default 1e-6)", default=None)
    add_resolution(f, default=None, suffix="; only with --mc")
    return f


def run(args: argparse.Namespace) -> int:
    from robtheory.theory.frontier import frontier, frontier_cost
    from robtheory.model import ThreatModel, ToyModel

    out = _output_dir(args.out, "--out")
    if args.mc is None:
        for opt, val in (("--mc-points", args.mc_points), ("--seed", args.seed), ("--alpha", args.alpha),
                         ("--resolution", args.resolution)):
            if val is not None:
                raise UsageError(f"{opt} is only used with --mc N")
    if args.n < 2:
        raise UsageError(f"--points must be >= 2, got {args.n}")
    if not args.max_seconds > 0:
        raise UsageError(f"--max-seconds must be > 0, got {_fmt(args.max_seconds)}")
    try:
        model = ToyModel(args.p, args.eta, args.d)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    eps = 2 * model.eta if args.eps is None else args.eps
    try:
        threat = ThreatModel(args.norm, eps, perturb_x1=not args.weak_only)
        cost = frontier_cost(model, threat, args.family, args.n)
        if cost > args.max_seconds:
            raise UsageError(f"--points {args.n}: the {args.family} frontier is estimated to take about {cost:.3g} s, "
                             f"over --max-seconds {_fmt(args.max_seconds)}; lower --points or raise --max-seconds")
        bar = _progress_bar(args.n)
        if bar is not None:
            bar.unit, bar.unit_scale = "point", False

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            front = frontier(model, threat, args.family, n=args.n, progress=None if bar is None else progress)
        finally:
            if bar is not None:
                bar.close()
    except ValueError as exc:
        hint = ("" if args.eps is not None or "eps" not in str(exc)
                else f" (eps is the default 2*eta = {_fmt(eps)}; pass --eps to choose it)")
        raise UsageError(f"{exc}{hint}") from None
    mc = None
    if args.mc is not None:
        from robtheory.claims.frontier_mc import FrontierMC, frontier_mc

        if args.mc_points is not None and args.mc_points > front.tau.size:
            raise UsageError(f"--mc-points {args.mc_points} exceeds the {front.tau.size} points of the frontier "
                             f"(--points {args.n}); ask for at most {front.tau.size}")
        try:
            mc = FrontierMC.from_dict(frontier_mc(front, args.mc, points=5 if args.mc_points is None else args.mc_points,
                                                  seed=0 if args.seed is None else args.seed,
                                                  total_alpha=1e-6 if args.alpha is None else args.alpha,
                                                  resolution=args.resolution))
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    from robtheory.claims.frontier_mc import frontier_document

    data = add_deprecated_aliases(frontier_document(front, mc), ("perturb_x1", "residual", "max_abs_residual"))
    if out is not None:
        write_json(out / "frontier.json", data)
        front.to_csv(out / "frontier.csv")
        from robtheory.viz.figures import save_frontier_figure

        save_frontier_figure(out, front, mc)
    status = 0 if mc is None else _exit_status(mc.verdict)
    if args.json:
        print(dumps(data, indent=2))
        return status
    _print_summary(front, out)
    if mc is not None:
        # what is printed is what is judged: each count's exact binomial p-value against the
        # per-test alpha (a count fails iff p <= alpha), and whether the test resolves --resolution
        print(f"Monte Carlo (n={mc.n} per point, seed {mc.seed}; exact binomial tests, Bonferroni over "
              f"{mc.n_checks} at alpha={mc.total_alpha:g}: a count fails when its p-value <= "
              f"{mc.alpha_per_check:.3g}; resolution {mc.resolution:g}):")
        for pt in mc.points:
            tau = "inf" if pt.tau is None else f"{pt.tau:.6g}"
            cells = "  ".join(f"{k} {c.estimate:.5f} [{c.ci[0]:.5f}, {c.ci[1]:.5f}] "
                              f"vs {c.analytic:.5f} (p={c.p_value:.3g}, {c.verdict})"
                              for k, c in (("standard", pt.standard), ("robust", pt.robust)))
            print(f"  tau={tau}: {cells}")
        line = (f"Monte Carlo: {mc.verdict} (smallest p-value {mc.min_p_value:.3g}, per-test alpha "
                f"{mc.alpha_per_check:.3g})")
        if mc.inconclusive:
            line += _inconclusive_note(mc.inconclusive, mc.n_checks, mc.resolution, mc.n_needed, "--mc")
        print(line)
    if out is not None:
        print(f"wrote {args.out}/frontier.{{json,csv,png,pdf,svg}}")
    return status


#: Rows of the console summary (both ends included); the full table is in the CSV/JSON.
SUMMARY_ROWS = 11


def _print_summary(front: Any, out: Any) -> None:
    """The frontier's ends and a few points evenly spaced between them, with the parameters of the
    classifier that attains each one (family ``all``: the rounded rule's threshold tau; the linear
    families: the x1 weight, the bias and the weak-weight ratio where they are free, and the
    certified gap), and where the full table is."""
    n = front.tau.size
    idx = np.unique(np.round(np.linspace(0, n - 1, min(SUMMARY_ROWS, n))).astype(int))
    # identical points (a frontier that is one point, e.g. p = 1) are shown once
    keep = [int(i) for k, i in enumerate(idx)
            if k == 0 or (front.standard_accuracy[i], front.robust_accuracy[i])
            != (front.standard_accuracy[idx[k - 1]], front.robust_accuracy[idx[k - 1]])]
    cols: list[tuple[str, Any]] = []
    if front.family == "all":
        cols.append(("tau", front.tau))  # sign(tau sign(x1) + s(x)); inf: sign(x1)
    else:
        cols.append(("x1 weight", front.tau))  # sign(a x1 + u.z + b) with |u|_2 = 1
        if front.bias is not None:
            cols.append(("bias", front.bias))
        if front.r is not None:
            cols.append(("|u|_1/|u|_2", front.r))
    cols += [("standard", front.standard_accuracy), ("robust", front.robust_accuracy),
             ("Thm 2.1 bound", front.bound)]
    if front.gap_bound is not None:
        cols.append(("gap_bound", front.gap_bound))
    if front.attained is not None:  # a staircase: points along a step are dominated, not attained
        cols.append(("attained_by", np.where(front.attained, -1, front.attained_by)))
    width = 16
    print(f"{front.note}; {n} points")
    if front.family == "all":
        print("rule at each point: sign(tau*sign(x1) + s(x)), s(x) = sum of the weak features / sqrt(d); "
              "tau = inf is sign(x1)")
    else:
        print("rule at each point: sign(a*x1 + u.z + b) with |u|_2 = 1; a = x1 weight, b = bias"
              + (", |u|_1/|u|_2 the spread of the weak weights" if front.r is not None else " (equal weak weights)"))
    print("".join(f"{name:>{width}s}" for name, _ in cols))
    for i in keep:
        cells = []
        for name, arr in cols:
            v = float(arr[i])
            if name == "tau" and math.isinf(v) or name == "x1 weight" and math.isinf(v):
                cells.append("inf")
            elif name == "attained_by":
                cells.append("attained" if v < 0 else f"point {int(v)}")
            elif not math.isfinite(v):
                cells.append("-")
            elif name in ("standard", "robust"):
                cells.append(f"{v:.10f}")
            else:
                cells.append(f"{v:.6g}")
        print("".join(f"{c:>{width}s}" for c in cells))
    where = f"{out}/frontier.csv" if out is not None else "--json, or --out DIR (frontier.csv)"
    if front.attained is not None:
        print(f"{int((~front.attained).sum())} points lie along steps of the frontier (a disconnected Pareto set): "
              "each is dominated by the attained point named in attained_by, whose classifier it repeats")
    if n == 1:
        print(f"the frontier is a single point; the full table: {where}")
    elif len(keep) == 1:
        print(f"all {n} points are the same point; the full table: {where}")
    else:
        print(f"shown: {len(keep)} of {n} points (both ends, evenly spaced); the full table: {where}")
