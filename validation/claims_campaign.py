r"""Validation campaign: the Monte Carlo check of every claim, over a grid of parameter points.

``robtheory verify`` runs each claim's Monte Carlo check at one or two fixed points at
:math:`10^6` samples. This campaign runs the *same* checks -- the runs built by
:func:`robtheory.claims.mc_column.plan_at`, which makes the closed-form values and the samplers
from one parameter point -- over a grid of points :math:`(p, \eta = \mu/\sqrt d, d,
\varepsilon)` for every claim of the registry that has a Monte Carlo check (all of them,
the Ilyas et al. Gaussian result included), at ``n`` samples per run (default
:math:`10^7`). The tests are those of the ``verify`` column:

* agreement of a count with a closed-form probability (exact binomial test);
* agreement of a sample mean (hinge losses, their differences on the same samples, loss
  gradients; for the Gaussian robust MLE the adversary's mean squared perturbation, robust
  NLLs and their gradients) with its closed form (two-sided CLT z-test);
* the claims' own inequalities, one-sided (Clopper--Pearson or CLT confidence limits).

All tests of the campaign share one family-wise false-alarm rate (``--alpha``, default
:math:`10^{-6}`, Bonferroni): a campaign in which every closed form and every claim is right
fails with probability at most that rate (for the mean tests, to the accuracy of the CLT;
each row reports the skewness of its mean).

Run ``k`` of the campaign (in the order claim, point, run) uses rows
``k * 2**40 .. k * 2**40 + n - 1`` of the Philox stream of ``--seed`` (a Theorem 2.1 run
uses the two halves of its block), so ``(seed, n)`` fixes every sample and each row can be
reproduced alone at its ``start``.

Writes to ``--out`` (default ``validation/results``):

* ``claims_campaign.csv`` -- one row per test: claim, point, run, label, quantity, test
  kind, estimate, closed form (or the bound), standard error, z = (MC - closed form)/SE
  (agreement and mean tests), p-value, smallest detectable deviation, verdict;
* ``claims_campaign.json`` -- settings, grid, family size, alpha, per-claim summaries,
  the worst test, wall time and provenance (machine, versions, commit);
* ``claims_campaign.png`` -- z of every agreement and mean test, by claim, against the
  Bonferroni critical value.

Usage::

    python -m robtheory.validation.claims_campaign [--n N] [--seed S] [--backend B]
        [--alpha A] [--claim NAME ...] [--grid full|small] [--out DIR]
        [--scheduler ADDRESS|local [--workers K] [--chunk ROWS]]

With ``--scheduler`` the runs are cut into pieces of their streams and computed on a dask.distributed
cluster (:mod:`robtheory.experiments.distributed`); every row equals the serial campaign's.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

from robtheory import stats
from robtheory._provenance import provenance
from robtheory.claims import REGISTRY, Point
from robtheory.cli import _positive_int, _sample_count, _seed

__all__ = ["GRID", "SMALL_GRID", "build_parser", "main", "plot_z", "run_campaign"]

#: Claim -> its campaign points ``Point(p, eta, d, eps)``, read from the claims' records
#: (``Claim.campaign``, declared in the claim's family module). eps is the radius the claim's check
#: reads (Theorem 2.2 part 2 and Lemma D.5: eps_train; D.1: the adversarial radius); claims tested
#: at 2 eta ignore it. Each point lies in the region the claim's check needs (plan_at raises
#: otherwise). Runs that materialise samples in NumPy (Theorem 2.1's and D.4's shift adversary, the
#: rounded rule of optimal_robust) stay at d <= 10 to keep the campaign within minutes. The Gaussian
#: robust MLE (Ilyas et al.) reads a point as: p = 1/2 (uniform labels), mean mu* = eta 1, dimension
#: d <= 10, l2 budget eps (see robtheory.claims.gaussian_mle._gaussian_mle_run).
GRID: dict[str, tuple[Point, ...]] = {c.name: c.campaign for c in REGISTRY if c.campaign}

#: One point per claim (the first of GRID) for smoke tests: the same code path, seconds.
SMALL_GRID: dict[str, tuple] = {name: pts[:1] for name, pts in GRID.items()}


def _se(rec: dict) -> float:
    """The record's standard error: its own (mean tests) or the binomial one under the null."""
    if "std_error" in rec:
        return float(rec["std_error"])
    a = rec["analytic"] if rec["test"] == "agreement" else rec["estimate"]
    return math.sqrt(max(a * (1 - a), 0.0) / rec["n"])


def _z(rec: dict) -> float | None:
    """(MC - closed form)/SE for agreement and mean tests; None for the one-sided bounds."""
    return None if rec["test"] == "bound" else float(rec["z"])


def run_campaign(n: int = 10**7, seed: int = 0, backend: str = "auto", total_alpha: float = 1e-6,
                 grid: dict | None = None, claims=None, log=None, runner=None) -> dict:
    """Run the Monte Carlo check of every claim of ``grid`` at each of its points.

    Parameters
    ----------
    n : int, in [2, 2**39]
        Samples per run.
    seed : int, in [0, 2**64)
    backend : {"auto", "numpy", "numba", "cupy"}
    total_alpha : float, in (0, 1)
        Family-wise false-alarm rate of all tests of the campaign (Bonferroni).
    grid : dict, optional
        Claim name -> points :class:`~robtheory.claims.Point` ``(p, eta, d, eps)``; default :data:`GRID`.
    claims : sequence of str, optional
        Only these claims of ``grid``.
    log : callable, optional
        Receives one progress line per claim.
    runner : robtheory.experiments.distributed.DistributedRunner, optional
        Compute the runs on its dask cluster (every run submitted at once, cut into pieces of the
        stream); the rows are those of the serial campaign. Default: in this process.

    Returns
    -------
    dict
        ``rows`` (one per test) and the summary (see the module docstring).
    """
    from robtheory.claims import mc_column as claims_mc
    from robtheory.mc import engine
    from robtheory.mc import reference as ref

    grid = GRID if grid is None else grid
    names = list(grid) if claims is None else list(claims)
    for name in names:
        if name not in grid:
            raise ValueError(f"claim {name!r} has no points in the grid; known: {sorted(grid)}")
    n, _ = ref.check_n_start(n)
    if not 2 <= n <= claims_mc.MAX_N:
        raise ValueError(f"n must lie in [2, 2**39] (disjoint stream blocks, sample variances), got n={n}")
    if not 0 < total_alpha < 1:
        raise ValueError(f"total_alpha must lie in (0, 1), got total_alpha={total_alpha!r}")
    seed = ref.check_seed(seed)
    resolved = engine.resolve_backend(backend)

    jobs = []  # (claim, point, run)
    for name in names:
        for pt in grid[name]:
            jobs += [(name, pt, run) for run in claims_mc.plan_at(name, pt)]
    n_tests = sum(run.n_tests for _, _, run in jobs)
    alpha = stats.familywise_alpha(total_alpha, n_tests)
    rows = []
    t0 = time.perf_counter()
    handles = (None if runner is None else
               [runner.submit(run, n, seed, k * claims_mc.RUN_STRIDE, resolved, alpha)
                for k, (_, _, run) in enumerate(jobs)])
    for k, (name, pt, run) in enumerate(jobs):
        start = k * claims_mc.RUN_STRIDE
        recs = run.run(n, seed, start, resolved, alpha) if handles is None else handles[k].result()
        for rec in recs:
            rows.append({
                "claim": name, "p": pt.p, "mu": pt.mu, "eta": pt.eta, "d": pt.d, "eps": pt.eps, "run": k,
                "label": rec["label"], "quantity": rec["quantity"], "test": rec["test"],
                "relation": rec.get("relation", "="), "estimate": rec["estimate"], "analytic": rec["analytic"],
                "std_error": _se(rec), "z": _z(rec), "p_value": rec.get("p_value"),
                "confidence_limit": rec.get("confidence_limit"), "min_detectable": rec["min_detectable"],
                "skewness_of_mean": rec.get("skewness_of_mean"), "count": rec.get("count"), "n": rec["n"],
                "passed": bool(rec["passed"]), "inconclusive": bool(rec.get("inconclusive", False)), "backend": rec["backend"], "start": rec["start"], "seed": seed,
            })
        if log is not None and (k + 1 == len(jobs) or jobs[k + 1][0] != name):
            done = [r for r in rows if r["claim"] == name]
            log(f"{name}: {sum(r['passed'] for r in done)}/{len(done)} tests pass "
                f"({time.perf_counter() - t0:.0f} s elapsed)")

    per_claim = {}
    for name in names:
        sel = [r for r in rows if r["claim"] == name]
        zs = [abs(r["z"]) for r in sel if r["z"] is not None and not r["inconclusive"]]
        per_claim[name] = {"points": [[pt.p, pt.mu, pt.d, pt.eps] for pt in grid[name]], "tests": len(sel),
                           "passed": sum(r["passed"] for r in sel),
                           "inconclusive": sum(r["inconclusive"] for r in sel),
                           "max_abs_z": max(zs) if zs else None}
    n_z = sum(r["z"] is not None for r in rows)
    zs = [abs(r["z"]) for r in rows if r["z"] is not None and not r["inconclusive"]]
    n_pass = sum(r["passed"] for r in rows)
    n_inconclusive = sum(r["inconclusive"] for r in rows)
    return {"rows": rows, "n": n, "seed": seed, "backend": backend, "backends_used": sorted({r["backend"] for r in rows}),
            "total_alpha": total_alpha, "n_runs": len(jobs), "n_tests": n_tests,
            "n_z_tests": n_z, "n_bound_tests": n_tests - n_z, "alpha_per_test": alpha,
            "critical_z": float(stats.two_sided_z(alpha)), "n_passed": n_pass, "n_inconclusive": n_inconclusive,
            "passed": n_pass == n_tests,
            "executor": "serial" if runner is None else runner.executor,
            "max_abs_z": max(zs) if zs else None, "claims": per_claim,
            "seconds": round(time.perf_counter() - t0, 1)}


def plot_z(ax, rows: list, critical_z: float):
    """z = (MC - closed form)/SE of every agreement and mean test, by claim; returns ``ax``.

    Tests whose closed form is 0 or 1 and agree exactly have z = 0; an infinite z (an
    impossible count) is drawn at the clip value; inconclusive mean tests (skewness of
    the mean too large for the normal approximation) are grey crosses. Bound tests
    (one-sided, no z) are not drawn; their verdicts are in the table.
    """
    names = list(dict.fromkeys(r["claim"] for r in rows))
    clip = 1.5 * critical_z
    i = 0
    ticks = []
    for c, name in enumerate(names):
        sel = [r for r in rows if r["claim"] == name and r["z"] is not None]
        x = np.arange(i, i + len(sel))
        z = np.clip(np.nan_to_num(np.asarray([r["z"] for r in sel], dtype=float), posinf=clip, neginf=-clip),
                    -clip, clip)
        inc = np.array([r["inconclusive"] for r in sel], dtype=bool)
        ax.scatter(x[~inc], z[~inc], s=5, color=f"C{c % 10}", alpha=0.8)
        ax.scatter(x[inc], z[inc], s=12, color="0.6", marker="x")  # not judged: n too small
        ticks.append((i + len(sel) / 2, name))
        i += len(sel)
    for s in (-1, 1):
        ax.axhline(s * critical_z, color="k", lw=0.8, ls="--")
    ax.axhline(0, color="0.5", lw=0.5)
    ax.set_xticks([t for t, _ in ticks], [nm for _, nm in ticks], rotation=60, ha="right", fontsize=6)
    ax.set_ylabel("(MC - closed form) / standard error")
    return ax


def _write_results(out: Path, report: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    rows = report["rows"]
    with open(out / "claims_campaign.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0].keys()))
        writer.writeheader()
        for r in rows:
            writer.writerow({k: (repr(v) if isinstance(v, float) else ("" if v is None else v)) for k, v in r.items()})

    def finite(v):
        return None if isinstance(v, float) and not math.isfinite(v) else v

    data = {k: v for k, v in report.items() if k != "rows"}
    zrows = [r for r in rows if r["z"] is not None]
    if zrows:
        data["worst_test"] = {k: finite(v) for k, v in max(zrows, key=lambda r: abs(r["z"])).items()}
    failed = [r for r in rows if not r["passed"]]
    data["failures"] = [{k: finite(v) for k, v in r.items()} for r in failed]
    (out / "claims_campaign.json").write_text(json.dumps(data, indent=1, allow_nan=False) + "\n")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    plot_z(ax, rows, report["critical_z"])
    ax.set_title(f"Every claim's Monte Carlo check: {report['n_z_tests']} agreement/mean tests (+ "
                 f"{report['n_bound_tests']} bound tests) at n = {report['n']:.0e};\ndashed: family-wise "
                 f"alpha {report['total_alpha']:g} (Bonferroni over {report['n_tests']})", fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "claims_campaign.png", dpi=90)
    plt.close(fig)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="claims_campaign", description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=_sample_count, default=10**7, help="samples per run (default 1e7)")
    parser.add_argument("--seed", type=_seed, default=0, help="seed in [0, 2**64) (default 0)")
    parser.add_argument("--backend", default="auto", choices=("auto", "numpy", "numba", "cupy"))
    parser.add_argument("--alpha", type=float, default=1e-6, help="family-wise false-alarm rate (default 1e-6)")
    parser.add_argument("--claim", action="append", metavar="NAME", help="only this claim (repeatable)")
    parser.add_argument("--grid", choices=("full", "small"), default="full",
                        help=f"full: {sum(map(len, GRID.values()))} points (default); small: one per claim")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="compute the runs on a dask.distributed cluster: a scheduler address "
                             "(tcp://host:8786) or 'local' (a local cluster of --workers processes); the rows "
                             "equal the serial campaign's (default: in this process)")
    parser.add_argument("--workers", type=_positive_int, default=None, metavar="K",
                        help="worker processes of --scheduler local (default 2)")
    parser.add_argument("--chunk", type=_positive_int, default=None, metavar="ROWS",
                        help="with --scheduler: rows of the stream per task (the results do not depend on it)")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "results"),
                        help="output folder (default validation/results)")
    return parser


def _progress_line():
    """``progress(done, total)`` for the runner: a tqdm bar on a terminal, nothing otherwise."""
    from robtheory.experiments.distributed import progress_bar

    return progress_bar("claims campaign tasks")[1]


def main(argv=None) -> int:
    """Run the campaign (see the module docstring); exit status 0 iff every test passes."""
    parser = build_parser()
    args = parser.parse_args(argv)

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    grid = GRID if args.grid == "full" else SMALL_GRID
    if args.scheduler is None and (args.workers is not None or args.chunk is not None):
        parser.error("--workers and --chunk are only used with --scheduler")
    if args.workers is not None and args.scheduler.strip() != "local":
        parser.error(f"--workers sets the size of --scheduler local; the cluster at {args.scheduler!r} has its own")
    runner = None
    if args.scheduler is not None:
        try:
            from robtheory.experiments.distributed import DistributedRunner

            runner = DistributedRunner(args.scheduler, n_workers=args.workers or 2, piece_rows=args.chunk,
                                       progress=_progress_line())
        except ImportError as exc:
            parser.error(f"--scheduler: {exc}")
        except (ValueError, OSError) as exc:  # OSError: TimeoutError, refused connections
            parser.error(" ".join(f"--scheduler {args.scheduler!r}: cannot connect ({exc})".split())
                         if isinstance(exc, OSError) else f"--scheduler: {exc}")
    try:
        report = run_campaign(args.n, args.seed, args.backend, args.alpha, grid=grid, claims=args.claim, log=log,
                              runner=runner)
    except ValueError as exc:
        parser.error(str(exc))
    finally:
        if runner is not None:
            runner.close()
    report["provenance"] = provenance()
    _write_results(Path(args.out), report)
    zmax = "-" if report["max_abs_z"] is None else f"{report['max_abs_z']:.2f}"  # over the judged tests
    print(f"claims campaign: {report['n_passed']}/{report['n_tests']} tests pass ({len(report['claims'])} claims, "
          f"{report['n_runs']} runs, n = {report['n']} samples per run, seed {report['seed']}, backend "
          f"{'/'.join(report['backends_used'])}); family-wise alpha {report['total_alpha']:g} (Bonferroni: "
          f"{report['alpha_per_test']:.3g} per test, |z| <= {report['critical_z']:.2f}); max |z| = {zmax} "
          f"over {report['n_z_tests']} agreement/mean tests; {report['n_inconclusive']} inconclusive; "
          f"{report['seconds']} s")
    print(f"wrote {args.out}/claims_campaign.{{csv,json,png}}")
    return 0 if report["passed"] else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
