"""``robtheory phase``: phase diagrams over (p, eta, eps, d) as netCDF, CSV and figures."""

from __future__ import annotations

import argparse
import math
from typing import Any

from robtheory.cli.common import UsageError, _check_cost, _exit_status, _inconclusive_note, _output_dir
from robtheory.cli.options import (_finite_float, _positive_int, _sample_count, add_norm, add_out, add_resolution,
                                   add_seed)

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> argparse.ArgumentParser:
    ph = sub.add_parser("phase", help="phase diagrams over (p, eta, eps, d) as netCDF, CSV and figures",
                        description="Evaluate the closed forms over a grid and write DIR/phase.nc, DIR/phase.csv "
                                    "and figures. SPEC is a number, a list a,b,c, a linear range start:stop:num "
                                    "or a geometric range log:start:stop:num. A grid needing more than half the "
                                    "physical memory (about 1 KiB per point) is refused. frontier_standard and "
                                    "price are NaN where eps >= 1 (x1 breaks; not derived there) or where no "
                                    "rule reaches --required-robust; a derived eps_over_eta is inf where "
                                    "eta = 0. Exit status 1 if a --mc test fails, 2 for bad arguments, 3 if no "
                                    "--mc test fails but one is inconclusive.")
    ph.add_argument("--p", required=True, metavar="SPEC", help="P(x1 = y) values, in [1/2, 1]")
    wgroup = ph.add_mutually_exclusive_group(required=True)
    wgroup.add_argument("--eta", metavar="SPEC", help="weak-feature means (>= 0)")
    wgroup.add_argument("--mu", metavar="SPEC", help="reduced coordinate mu = eta*sqrt(d) instead of --eta")
    rgroup = ph.add_mutually_exclusive_group(required=True)
    rgroup.add_argument("--eps", metavar="SPEC", help="threat radii (>= 0)")
    rgroup.add_argument("--eps-over-eta", metavar="SPEC", help="radii as multiples of eta instead of --eps")
    ph.add_argument("--d", required=True, metavar="SPEC",
                    help="numbers of weak features: every value must be a positive whole number (values within a "
                         "relative 1e-9 of one, as log:2:1024:10 gives, are rounded to it)")
    add_norm(ph)
    ph.add_argument("--required-robust", type=_finite_float, default=0.5,
                    help="robust accuracy required when pricing robustness, in [0, 1] (default 0.5)")
    ph.add_argument("--lam", type=_finite_float, default=None,
                    help="SVM regularisation (> 0): also compute where l_inf adversarial training drops the weak "
                         "features (one exact solve per (p, eta, d), at most 2000) and draw that boundary "
                         "(default: off)")
    add_out(ph, "output directory", required=True)
    ph.add_argument("--mc", type=_sample_count, metavar="N",
                    help="also estimate a seeded subsample of grid points by Monte Carlo (N samples each, "
                         "numba) on dask.distributed and write DIR/phase_mc.{nc,csv} and the residual figure; "
                         "exit status 1 if a test fails, 3 if none fails but one is inconclusive (default: off)")
    ph.add_argument("--mc-points", type=_positive_int, default=None, metavar="K",
                    help="number of grid points for --mc (default 8)")
    ph.add_argument("--scheduler", metavar="ADDRESS",
                    help="dask scheduler address for --mc (default: a local cluster of 2 worker processes); "
                         "connecting gives up after 10 s")
    add_seed(ph, "seed of the --mc subsample and streams, in [0, 2**64) (default 0)", default=None)
    add_resolution(ph, default=None, suffix="; only with --mc")
    return ph


def run(args: argparse.Namespace) -> int:
    from robtheory.phase import check_grid_size, parse_spec, phase_grid, save, spec_length

    out = _output_dir(args.out, "--out")
    assert out is not None  # --out is required
    if args.mc is None:
        for opt, val in (("--mc-points", args.mc_points), ("--scheduler", args.scheduler), ("--seed", args.seed),
                         ("--resolution", args.resolution)):
            if val is not None:
                raise UsageError(f"{opt} is only used with --mc N")
    # (option, keyword of phase_grid, SPEC) for the four axes, in the grid's order
    w_opt, w_kw, w_spec = ("--eta", "eta", args.eta) if args.eta is not None else ("--mu", "mu", args.mu)
    r_opt, r_kw, r_spec = (("--eps", "eps", args.eps) if args.eps is not None
                           else ("--eps-over-eta", "eps_over_eta", args.eps_over_eta))
    axes = (("--p", "p", args.p), (w_opt, w_kw, w_spec), (r_opt, r_kw, r_spec), ("--d", "d", args.d))
    try:
        # the grid's size from the SPECs alone, before any array is allocated
        check_grid_size({opt: spec_length(spec, opt) for opt, _, spec in axes})
        values = {kw: parse_spec(spec, opt) for opt, kw, spec in axes}
        from robtheory._cost import phase_seconds

        sizes = {kw: len(v) for kw, v in values.items()}
        k_mc = 8 if args.mc_points is None else args.mc_points
        _check_cost(phase_seconds(math.prod(sizes.values()),
                                  0 if args.lam is None else min(2000, sizes["p"] * sizes[w_kw] * sizes["d"]),
                                  args.mc, k_mc, int(max(values["d"]))),
                    args, f"phase over {math.prod(sizes.values())} grid points"
                          f"{'' if args.mc is None else f' with --mc {args.mc} at {k_mc} points'}")
        ds = phase_grid(values.pop("p"), values.pop("d"), norm=args.norm, required_robust=args.required_robust,
                        lam=args.lam, names={kw: opt for opt, kw, _ in axes}, **values)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    paths = save(ds, out)
    from robtheory.viz.figures import save_phase_figures

    figures = save_phase_figures(out, ds)
    print(f"grid {dict(ds.sizes)}: wrote {paths['netcdf']}, {paths['csv']} and {len(figures)} figures")
    if args.mc is None:
        return 0
    from robtheory.experiments.phase_mc import PhaseMCSummary, mc_overlay, save_mc
    from robtheory.viz.figures import save_phase_mc_figure

    try:
        import dask

        # an unreachable --scheduler fails after 10 s (dask's default wait is 30 s)
        with dask.config.set({"distributed.comm.timeouts.connect": "10s"}):
            mc = mc_overlay(ds, args.mc, points=8 if args.mc_points is None else args.mc_points,
                            seed=0 if args.seed is None else args.seed, backend="numba",
                            scheduler=args.scheduler, resolution=args.resolution)
    except ImportError as exc:
        raise NotImplementedError(str(exc)) from None
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:  # TimeoutError and refused connections to --scheduler
        msg = (f"--scheduler {args.scheduler!r}: cannot connect ({exc})" if args.scheduler
               else f"cannot start the local dask cluster ({exc})")
        raise UsageError(" ".join(msg.split())) from None
    mc_paths = save_mc(mc, out)
    save_phase_mc_figure(out, mc)
    summary = PhaseMCSummary.from_dataset(mc)  # a residual beyond the threshold is a FAIL whatever the resolution
    inc = ""
    if summary.inconclusive:
        inc = _inconclusive_note(summary.inconclusive, summary.n_tests, summary.resolution, summary.n_needed, "--mc")
    print(f"Monte Carlo: {summary.n_points} points x n={args.mc} on {summary.executor}; "
          f"max |residual| = {summary.max_abs_residual:.3g} SE (Bonferroni threshold "
          f"{summary.z_threshold:.3g} at alpha={summary.total_alpha:g}, resolution "
          f"{summary.resolution:g}: {summary.verdict}{inc}); wrote {mc_paths['netcdf']}, {mc_paths['csv']} "
          f"and phase_mc_residuals.{{png,pdf,svg}}")
    return _exit_status(summary.verdict)
