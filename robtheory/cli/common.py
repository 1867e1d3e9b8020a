"""What every command shares: the one-line usage error, exit statuses, output-path and memory
checks made before any work, the time-limit check and the progress bar."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, NoReturn

from robtheory.model import fmt_number as _fmt

class UsageError(Exception):
    """A bad argument value: reported as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, status 2 (argparse's default prints usage too)
        self.exit(2, f"{self.prog}: error: {message}\n")


#: Exit status when nothing failed but some Monte Carlo test could not resolve its resolution.
EXIT_INCONCLUSIVE = 3
EXIT_STATUSES = ("exit status: 0 success; 1 a check failed; 2 bad arguments (one line on stderr naming "
                 "the option); 3 nothing failed but a Monte Carlo test was INCONCLUSIVE: it could not "
                 "have detected a deviation of --resolution at its n (raise --n, or coarsen --resolution)")


def _inconclusive_note(count: int, total: int, resolution: float, n_needed: int | None, option: str) -> str:
    """The summary's clause on inconclusive tests and the sample count that would settle them."""
    return (f"; {count} of {total} tests inconclusive (they cannot detect a deviation of {resolution:g}): "
            + (f"{option} {n_needed} would make them conclusive" if n_needed is not None
               else "no n makes them conclusive"))


def _exit_status(verdict: str) -> int:
    """0 for PASS, 1 for FAIL, 3 for INCONCLUSIVE."""
    return {"PASS": 0, "FAIL": 1, "INCONCLUSIVE": EXIT_INCONCLUSIVE}[verdict]


# --------------------------------------------------------------------------- output paths
def _output_dir(path: str | None, option: str) -> Path | None:
    """Create the output directory ``path`` and check that files can be written in it.

    Called before any work, so that a bad ``--out`` costs nothing and never ends in a
    traceback after minutes of computation.
    """
    if path is None:
        return None
    if not path.strip():
        raise UsageError(f"{option} needs a directory, got an empty path")
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise UsageError(f"{option} {path!r} exists and is not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
        import tempfile

        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        raise UsageError(f"{option} {path!r}: cannot write there ({exc.strerror or exc})") from None
    return out


def _output_file(path: str | None, option: str) -> None:
    """Check that the output file ``path`` can be written ('-' is stdout), before any work."""
    if path is None or path == "-":
        return
    if not path.strip():
        raise UsageError(f"{option} needs a file name, got an empty path")
    target = Path(path)
    if target.is_dir():
        raise UsageError(f"{option} {path!r} is a directory, not a file")
    existed = target.exists()
    try:
        with open(target, "a"):
            pass
    except OSError as exc:
        raise UsageError(f"{option} {path!r}: cannot write there ({exc.strerror or exc})") from None
    if not existed:
        target.unlink()


# --------------------------------------------------------------------------- memory
def _check_weight_vector_memory(d: int) -> None:
    """Refuse a d whose weight vector (d + 1 float64 entries) alone exceeds the memory limit."""
    from robtheory.phase import memory_limit

    need = 8 * (d + 1)
    if need > memory_limit():
        raise UsageError(_weight_vector_message(d))


def _weight_vector_message(d: int) -> str:
    from robtheory.phase import memory_limit

    return (f"--d {d}: a weight vector of d + 1 = {d + 1} float64 entries needs "
            f"{8 * (d + 1) / 2**30:.3g} GiB (limit {memory_limit() / 2**30:.3g} GiB, half the physical memory)")


def _progress_bar(total: int) -> Any:
    """A tqdm bar on stderr when it is a terminal, else None (quiet in pipes and logs)."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="sample", unit_scale=True, file=sys.stderr, leave=False)


def _check_cost(seconds: float, args: argparse.Namespace, what: str) -> None:
    from robtheory._cost import check

    if not args.max_seconds > 0:
        raise UsageError(f"--max-seconds must be > 0, got {_fmt(args.max_seconds)}")
    try:
        check(seconds, args.max_seconds, what)
    except ValueError as exc:
        raise UsageError(str(exc)) from None



def _write_dataset(out: Path, stem: str, ds: Any, draw: Any) -> list[Path]:
    """Write the result ``ds`` (an xarray Dataset) as ``out/stem.nc`` and ``out/stem.csv`` and draw its
    figures with ``draw(out, ds)`` (which returns their paths); return every path written."""
    nc, csv = out / f"{stem}.nc", out / f"{stem}.csv"
    ds.to_netcdf(nc)
    ds.to_dataframe().to_csv(csv)
    return [nc, csv, *draw(out, ds)]
