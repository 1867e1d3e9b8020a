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
from robtheory.cli.options import (_positive_float, _positive_int, add_alpha, add_backend, add_resolution,
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
    sp.add_argument("--scheduler", metavar="ADDRESS",
                    help="spread the Monte Carlo runs over a dask.distributed cluster: the address of a running "
                         "scheduler (tcp://host:8786), or 'local' for a local cluster of --workers processes "
                         "(needs pip install 'robtheory[dask]'); the counts and every test equal those of the "
                         "serial run; connecting gives up after 10 s (default: in this process)")
    sp.add_argument("--workers", type=_positive_int, default=None, metavar="K",
                    help="worker processes of --scheduler local (default 2)")
    sp.add_argument("--chunk", type=_positive_int, default=None, metavar="ROWS",
                    help="with --scheduler: rows of the stream per task (rounded up to the block a run "
                         "accumulates at a time; the results do not depend on it; default about 2**28 normal "
                         "variates per task)")
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
    _check_cluster_options(args)
    with_torch = not args.no_torch and torch_available()
    runner = None
    if args.scheduler is not None and args.scheduler.strip() != "local":
        runner = _start_runner(args)  # a remote cluster: its size sets the cost estimate
    try:
        workers = 1 if args.scheduler is None else (runner.workers if runner is not None else args.workers or 2)
        _check_cost(_verify_seconds(verify_seconds, len(selected), args, with_torch, max(workers, 1)),
                    args, f"{args.command} ({len(selected)} claims{'' if args.no_mc else f', --n {args.n}'}"
                          f"{'' if args.scheduler is None else f' on {max(workers, 1)} cluster workers'})")
        if args.scheduler is not None and runner is None:
            runner = _start_runner(args)
        return _run_columns(args, selected, runner, with_torch)
    finally:
        if runner is not None:
            runner.close()


def _verify_seconds(verify_seconds: Any, n_claims: int, args: argparse.Namespace, with_torch: bool,
                    workers: int) -> float:
    """The cost estimate, with the Monte Carlo column's share divided among ``workers``."""
    other = verify_seconds(n_claims, args.n, False, not args.no_proofs, with_torch, args.report is not None)
    if args.no_mc:
        return float(other)
    full = verify_seconds(n_claims, args.n, True, not args.no_proofs, with_torch, args.report is not None)
    return float(other + (full - other) / workers)


def _check_cluster_options(args: argparse.Namespace) -> None:
    """--workers and --chunk need --scheduler, which needs the Monte Carlo column."""
    if args.scheduler is None:
        for opt, val in (("--workers", args.workers), ("--chunk", args.chunk)):
            if val is not None:
                raise UsageError(f"{opt} is only used with --scheduler")
        return
    if args.no_mc:
        raise UsageError("--scheduler spreads the Monte Carlo column: it cannot be combined with --no-mc")
    if args.workers is not None and args.scheduler.strip() != "local":
        raise UsageError(f"--workers sets the size of --scheduler local; the cluster at --scheduler "
                         f"{args.scheduler!r} has its own workers")


def _start_runner(args: argparse.Namespace) -> Any:
    """The dask runner of --scheduler; one-line errors for a missing dask or an unreachable scheduler."""
    try:
        from robtheory.experiments.distributed import DistributedRunner

        return DistributedRunner(args.scheduler, n_workers=args.workers or 2, piece_rows=args.chunk)
    except ImportError as exc:
        raise NotImplementedError(str(exc)) from None
    except ValueError as exc:
        raise UsageError(f"--scheduler: {exc}") from None
    except OSError as exc:  # TimeoutError and refused connections
        where = ("cannot start the local dask cluster" if args.scheduler.strip() == "local"
                 else f"--scheduler {args.scheduler!r}: cannot connect")
        raise UsageError(" ".join(f"{where} ({exc})".split())) from None


def _run_columns(args: argparse.Namespace, selected: Any, runner: Any, with_torch: bool) -> int:
    """Build the columns, check every claim, print the table; the exit status."""
    # the proofs and torch columns live above the claims layer: built here, passed to verify()
    columns: dict[str, Any] = {}
    proof_col = None
    if not args.no_proofs:
        from robtheory.proofs.column import ProofColumn

        # built first, in a helper process (falls back to building here): its start-up and first
        # certificates overlap this process's set-up of the other columns and its sampling
        proof_col = columns["proof"] = ProofColumn(selected, ahead=True)
    try:
        return _run_with(args, selected, runner, with_torch, columns, proof_col)
    finally:
        if proof_col is not None:  # also when a column cannot be built: the helper never outlives the run
            proof_col.close()


def _run_with(args: argparse.Namespace, selected: Any, runner: Any, with_torch: bool, columns: dict[str, Any],
              proof_col: Any) -> int:
    mc_column = None
    pieces_bar = None
    if not args.no_mc:
        # the Monte Carlo engine loads only when asked
        from robtheory.claims.mc_column import MonteCarloColumn

        if runner is not None:
            from robtheory.experiments.distributed import progress_bar

            pieces_bar, runner.progress = progress_bar("Monte Carlo tasks")
        try:
            mc_column = MonteCarloColumn(selected, n=args.n, seed=args.seed, backend=args.backend,
                                         total_alpha=args.alpha, resolution=args.resolution,
                                         mean_resolution=args.mean_resolution, runner=runner)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    torch_col = None
    if with_torch:
        # torch loads only here; the column trains the quick toy-data models once per run (their
        # figures are drawn only for a report, the one place they are shown)
        from robtheory.torch_bridge.column import TorchColumn

        torch_col = columns["torch"] = TorchColumn(quick=True, seed=0, figures=args.report is not None)
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

    result = verify(selected, mc=mc_column, columns=columns, on_start=on_start, on_row=on_row,
                    on_marginals=on_marginals)
    if proof_col is not None:
        proof_col.close()  # every certificate is collected (_run_columns closes it on an error)
    if bar is not None:
        bar.close()
    if pieces_bar is not None:
        pieces_bar.close()
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
