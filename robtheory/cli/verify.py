"""``robtheory verify``: parse the options, build the verdict columns, print the table.

The claims are checked by the library call :func:`robtheory.claims.verify.verify`; this module
checks the options and output paths before any work, registers the proofs and torch columns
(which live above the claims layer) around the call, prints each row as it arrives, and writes
the report and the JSON.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from robtheory._jsonio import dumps, write_json
from robtheory.cli.common import (UsageError, _check_cost, _exit_status, _output_dir, _output_file,
                                  _progress_bar)
from robtheory.cli.options import (_positive_float, add_alpha, add_backend, add_resolution,
                                   add_sample_count, add_seed)

if TYPE_CHECKING:
    from robtheory.claims.verify import VerifyResult, VerifyRow

__all__ = ["add_parser", "add_run_options", "run"]


def add_parser(sub: Any) -> argparse.ArgumentParser:
    v = sub.add_parser("verify", help="check every claim of the paper (one row per claim)",
                       description="Run the analytic check of every claim in the registry and print "
                                   "a table; exit status 1 if any claim fails, 2 for bad arguments, 3 if "
                                   "nothing fails but a Monte Carlo test is inconclusive.")
    v.add_argument("--json", metavar="FILE",
                   help="also write the results as JSON to FILE ('-' for stdout: the table then goes to stderr)")
    v.add_argument("--claim", action="append", metavar="NAME",
                   help="check only this claim (repeatable); default: all")
    v.add_argument("--report", metavar="DIR", help="also write the HTML report (index.html and figures) to DIR")
    return v


def add_run_options(sp: argparse.ArgumentParser) -> None:
    """The options of a verify run, shared by ``verify`` and ``report``."""
    sp.add_argument("--no-mc", action="store_true",
                    help="skip the Monte Carlo column (analytic checks only)")
    sp.add_argument("--no-proofs", action="store_true",
                    help="skip the proof column (which rebuilds the sympy/interval certificates)")
    add_sample_count(sp, "Monte Carlo samples per run (default 10**6; 1e7 and 10**7 work)")
    add_seed(sp, "Monte Carlo seed in [0, 2**64) (default 0)")
    add_backend(sp, "Monte Carlo backend of the linear runs and the marginals (default auto: "
                    "cupy with a usable GPU, else numba, else numpy)")
    add_alpha(sp, "family-wise false-alarm rate of all Monte Carlo tests of the run, in (0, 1) "
                  "(Bonferroni; default 1e-6)")
    add_resolution(sp)
    sp.add_argument("--mean-resolution", type=_positive_float, default=2e-2,
                    help="the same for the tests of means (hinge losses, their differences, gradient "
                         "components), an absolute deviation in the statistic's units (default 0.02)")
    sp.add_argument("--no-torch", action="store_true",
                    help="skip the torch column (present when torch is installed: trains the toy-data "
                         "models of 'robtheory torch toy --quick': about 30 s on a 2-core machine)")
    sp.add_argument("--torch-results", metavar="DIR",
                    help="with a report: add a section per experiment saved by 'robtheory torch ... "
                         "--out DIR' (its metrics and PNG figures; reading them needs no torch)")


def _cell_verdict(cell: Mapping[str, Any]) -> str:
    """PASS / FAIL / INCONCLUSIVE of a verify cell (columns without a verdict: from ``passed``)."""
    from robtheory.claims import cell_verdict

    return cell_verdict(dict(cell))


def run(args: argparse.Namespace) -> int:
    from robtheory import claims

    # every output path and input folder is checked before any claim is run
    _output_file(args.json, "--json")
    if args.torch_results is not None:
        if args.report is None:
            raise UsageError("--torch-results needs a report (robtheory report --out DIR, or verify --report DIR)")
        from robtheory.torch_bridge.report import find_metrics

        try:
            find_metrics(args.torch_results)
        except ValueError as exc:
            raise UsageError(f"--torch-results: {exc}") from None
    _output_dir(args.report, "--out" if args.command == "report" else "--report")
    selected = claims.REGISTRY
    if args.claim:
        try:
            selected = tuple(claims.get(n) for n in args.claim)
        except KeyError as exc:
            raise UsageError(exc.args[0]) from None
    from robtheory._cost import verify_seconds
    from robtheory.torch_bridge import torch_available

    if not args.no_mc:  # a bad --n is named as such, before its cost is estimated
        from robtheory.claims.mc_column import check_n

        try:
            check_n(args.n)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    _check_cost(verify_seconds(len(selected), args.n, not args.no_mc, not args.no_proofs,
                               not args.no_torch and torch_available(), args.report is not None),
                args, f"{args.command} ({len(selected)} claims{'' if args.no_mc else f', --n {args.n}'})")
    mc_column = None
    if not args.no_mc:
        # the Monte Carlo engine loads only when asked
        from robtheory.claims.mc_column import MonteCarloColumn

        try:
            mc_column = MonteCarloColumn(selected, n=args.n, seed=args.seed, backend=args.backend,
                                         total_alpha=args.alpha, resolution=args.resolution,
                                         mean_resolution=args.mean_resolution)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    # the proofs and torch columns live above the claims layer: built here, passed to verify()
    columns: dict[str, Any] = {}
    proof_col = None
    if not args.no_proofs:
        from robtheory.proofs.column import ProofColumn

        # built in a helper process while this one samples (falls back to building here)
        proof_col = columns["proof"] = ProofColumn(selected, ahead=True)
    torch_col = None
    if not args.no_torch and torch_available():
        # torch loads only here; the column trains the quick toy-data models once per run
        from robtheory.torch_bridge.column import TorchColumn

        torch_col = columns["torch"] = TorchColumn(quick=True, seed=0)
    # with '--json -' stdout carries the JSON only: the table and the summary go to stderr
    table = sys.stderr if args.json == "-" else sys.stdout
    # a bar over the claims (and the sampler marginals) on a terminal only: None in pipes and
    # logs, where every row is printed exactly as without it
    bar = _progress_bar(len(selected) + (0 if args.no_mc else 1))
    if bar is not None:
        bar.unit, bar.unit_scale = "claim", False  # _progress_bar counts samples by default
        bar.refresh()

    def emit(line: str) -> None:
        if bar is None:
            print(line, file=table, flush=True)
        else:
            bar.write(line, file=table)  # clears the bar, prints the row, redraws the bar

    def on_start(name: str) -> None:
        if bar is not None:
            bar.set_description(name)

    # column widths fitted to the longest name and reference of the run, so no row shifts its verdicts
    nw = max([20, len("sampler_marginals")] + [len(c.name) for c in selected])
    rw = max([34, len("(Monte Carlo sampler)")] + [len(c.reference) for c in selected])

    def on_row(row: VerifyRow) -> None:
        mark = "PASS" if row.analytic.passed else "FAIL"
        cols = "".join(f"  {c}: {_cell_verdict(e) if e else '-'}" for c, e in row.cells.items())
        emit(f"{row.name:{nw}s} {row.reference:{rw}s} {mark}{cols}  {row.analytic.detail}")
        for c, e in row.cells.items():
            if e and e["detail"]:
                emit(f"{'':{nw + 1}s}{c}: {e['detail']}")
        if bar is not None:
            bar.update()

    def on_marginals(marg: Mapping[str, Any]) -> None:
        emit(f"{'sampler_marginals':{nw}s} {'(Monte Carlo sampler)':{rw}s} -     mc: "
             f"{_cell_verdict(marg)}  {marg['detail']}")
        if bar is not None:
            bar.update()

    from robtheory.claims.verify import verify

    try:
        result = verify(selected, mc=mc_column, columns=columns, on_start=on_start, on_row=on_row,
                        on_marginals=on_marginals)
    finally:
        if proof_col is not None:
            proof_col.close()
    if bar is not None:
        bar.close()
    print(f"{result.analytic_passed}/{len(result.rows)} claims pass the analytic check", file=table)
    if proof_col is not None:
        print(proof_col.summary(), file=table)
    if result.mc_statement is not None:
        print(result.mc_statement, file=table)
    if args.report:
        _write_report(args, result, torch_col, table)
    if args.json:
        data = result.to_dict()
        if args.json == "-":
            print(dumps(data, indent=2))
        else:
            write_json(args.json, data)
    return _exit_status(result.verdict)


def saved_torch_sections(results_dir: str, out_dir: str) -> list[Any]:
    """The report sections of the torch experiments saved in ``results_dir`` (``--torch-results``);
    a UsageError names what is wrong with the folder."""
    from robtheory.torch_bridge.report import sections as torch_sections

    try:
        return list(torch_sections(results_dir, out_dir))
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _write_report(args: argparse.Namespace, result: VerifyResult, torch_col: Any, table: Any) -> None:
    from robtheory.viz.report import write_report

    sections = saved_torch_sections(args.torch_results, args.report) if args.torch_results else []
    if not args.torch_results and torch_col is not None and torch_col.results_dir is not None:
        from robtheory.torch_bridge.report import sections as torch_sections

        sections = torch_sections(torch_col.results_dir, args.report)
    path = write_report(args.report, result.rows, result.columns,
                        frontier_mc_n=None if args.no_mc else min(args.n, 10**5), seed=args.seed,
                        extra_sections=sections, mc_summary=result.mc)
    print(f"report written to {path}", file=table)
