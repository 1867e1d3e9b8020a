"""``robtheory report``: run verify (every verdict column) and write one self-contained HTML report."""

from __future__ import annotations

import argparse
from typing import Any

from robtheory.cli import verify
from robtheory.cli.options import add_out

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> argparse.ArgumentParser:
    rep = sub.add_parser("report", help="write one self-contained HTML report (claims table and figures)",
                         description="Run verify (every verdict column) and write DIR/index.html with the "
                                     "claims table and the frontier and phase-diagram figures.")
    add_out(rep, "output directory", required=True)
    return rep


def run(args: argparse.Namespace) -> int:
    args.report, args.json, args.claim = args.out, None, None
    return verify.run(args)
