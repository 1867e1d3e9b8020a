"""``robtheory cache``: where the compiled numba kernels are cached; ``--clear`` deletes them."""

from __future__ import annotations

import argparse
from typing import Any

from robtheory.cli.common import UsageError

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> argparse.ArgumentParser:
    c = sub.add_parser("cache", help="where the compiled numba kernels are cached; --clear deletes them",
                       description="Print the folder holding robtheory's compiled numba kernels (never inside "
                                   "the installed package: $ROBTHEORY_CACHE_DIR, else $XDG_CACHE_HOME/robtheory/"
                                   "numba, else ~/.cache/robtheory/numba), with its number of files and size.")
    c.add_argument("--clear", action="store_true",
                   help="delete the folder (the kernels are compiled again, and cached, on next use)")
    return c


def run(args: argparse.Namespace) -> int:
    from robtheory._cache import cache_status, clear_cache

    try:
        st = clear_cache() if args.clear else cache_status()
    except (ValueError, OSError) as exc:
        raise UsageError(str(exc)) from None
    verb = "deleted" if args.clear else "holds"
    print(f"{st['dir']} {verb} {st['files']} files, {st['bytes'] / 2**20:.1f} MiB")
    return 0
