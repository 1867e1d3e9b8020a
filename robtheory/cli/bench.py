"""``robtheory bench``: normals per second of each Monte Carlo backend."""

from __future__ import annotations

import argparse
from typing import Any

from robtheory._jsonio import dumps
from robtheory.cli.common import UsageError, _check_weight_vector_memory, _weight_vector_message
from robtheory.cli.options import _positive_int, add_json_flag

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> argparse.ArgumentParser:
    b = sub.add_parser("bench", help="normals per second of each Monte Carlo backend",
                       description="Time the NumPy reference, the numba kernels and (with a GPU) the "
                                   "CuPy kernels at d = 10, 100, 1000, 10000 on one workload; report "
                                   "normals per second, the ratio to NumPy and peak memory, with the "
                                   "machine, date and commit.")
    b.add_argument("--quick", action="store_true", help="tiny runs: checks the machinery, not the speed")
    b.add_argument("--d", type=_positive_int, nargs="+", metavar="D", help="dimensions (default 10 100 1000 10000)")
    b.add_argument("--backend", action="append", choices=("numpy", "numba", "cupy"),
                   help="only this backend (repeatable; an unusable one is an error); default: every usable one")
    add_json_flag(b)
    return b


def run(args: argparse.Namespace) -> int:
    from robtheory.experiments.bench import DIMENSIONS, format_table, run_benchmark
    from robtheory.mc.engine import resolve_backend

    dims = tuple(args.d) if args.d else DIMENSIONS
    try:
        for b in args.backend or ():
            resolve_backend(b)  # an unusable backend asked for by name: the error of 'mc --backend'
        for d in dims:
            _check_weight_vector_memory(d)
        report = run_benchmark(dims, quick=args.quick, backends=args.backend)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    except MemoryError:
        raise UsageError(_weight_vector_message(max(dims))) from None
    print(dumps(report, indent=2) if args.json else format_table(report))
    return 0
