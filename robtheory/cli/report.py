"""``robtheory report``: run verify (every verdict column) and write one self-contained HTML report;
with ``--from FILE``, write it from a saved ``verify --json`` result without recomputing."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from robtheory.cli import verify
from robtheory.cli.common import UsageError, _exit_status, _output_dir
from robtheory.cli.options import add_out

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> argparse.ArgumentParser:
    rep = sub.add_parser("report", help="write one self-contained HTML report (claims table and figures)",
                         description="Run verify (every verdict column) and write DIR/index.html with the "
                                     "claims table, the Monte Carlo summary and the frontier and phase-diagram "
                                     "figures: one file with every figure embedded (copies as PNG, PDF and "
                                     "SVG go to DIR/figures). With --from, "
                                     "the claims table comes from a saved 'robtheory verify --json FILE' "
                                     "result and nothing is recomputed but the figures.")
    add_out(rep, "output directory", required=True)
    rep.add_argument("--from", dest="from_file", metavar="FILE",
                     help="a saved 'robtheory verify --json FILE' result: write the report from it instead "
                          "of running verify (the run options --n, --seed, --backend, --alpha, the "
                          "resolutions and --no-* are then those of the saved run and may not be given); "
                          "combine with --torch-results DIR for saved torch experiments")
    return rep


def run(args: argparse.Namespace) -> int:
    args.report, args.json, args.claim = args.out, None, None
    if args.from_file is None:
        return verify.run(args)
    return _from_saved(args)


#: verify's run options and their defaults: with --from they would be silently ignored, so a
#: non-default value is refused.
_RUN_DEFAULTS = {"n": 10**6, "seed": 0, "backend": "auto", "alpha": 1e-6, "resolution": 5e-3,
                 "mean_resolution": 2e-2, "no_mc": False, "no_proofs": False, "no_torch": False,
                 "scheduler": None, "workers": None, "chunk": None}


def _from_saved(args: argparse.Namespace) -> int:
    from robtheory.claims.verify import load
    from robtheory.viz.report import write_report

    given = [f"--{k.replace('_', '-')}" for k, v in _RUN_DEFAULTS.items() if getattr(args, k, v) != v]
    if given:
        raise UsageError(f"{', '.join(given)}: a run option, but --from writes the report of a saved run "
                         "(its options are in the file); drop the option or run 'robtheory report' without --from")
    try:
        result = load(args.from_file)
    except ValueError as exc:
        raise UsageError(f"--from: {exc}") from None
    _output_dir(args.out, "--out")
    sections = verify.saved_torch_sections(args.torch_results, args.out) if args.torch_results else []
    mc = result.mc
    # the frontier's Monte Carlo overlay as a live report draws it: n = min(run's n, 10**5), its seed
    fmc_n = None if mc is None else min(int(mc["n"]), 10**5)
    path = write_report(args.out, result.rows, result.columns, frontier_mc_n=fmc_n,
                        seed=0 if mc is None else int(mc["seed"]), extra_sections=sections, mc_summary=mc)
    print(f"report written to {path} (from {args.from_file}: {len(result.rows)} claims, verdict {result.verdict})",
          file=sys.stderr)
    return _exit_status(result.verdict)
