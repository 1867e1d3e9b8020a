"""``robtheory plot FILE`` (alias ``replot``): redraw a saved result without recomputing it."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from robtheory.cli.common import UsageError, _output_dir
from robtheory.cli.options import add_out

__all__ = ["add_parser", "run"]


def table() -> list[Any]:
    """The dispatch table of ``robtheory plot``: :data:`robtheory.viz.replot.REPLOTTERS` and the
    torch bridge's row (reads JSON; torch is not imported)."""
    from robtheory.torch_bridge.replot import REPLOTTER
    from robtheory.viz import replot

    return [*replot.REPLOTTERS, REPLOTTER]


def add_parser(sub: Any) -> argparse.ArgumentParser:
    kinds = "; ".join(f"{r.kind} ({r.suffix})" for r in table())
    pl = sub.add_parser("plot", aliases=["replot"], help="redraw the figures of a saved result without recomputing",
                        description=f"Redraw the figures of a saved result, nothing recomputed. FILE is one of: "
                                    f"{kinds}. Figures are written as PNG, PDF and SVG (--format) into --out "
                                    f"(default: the folder of FILE), in robtheory's style (--style to change it).")
    pl.set_defaults(command="plot")  # the alias runs the same command
    pl.add_argument("file", metavar="FILE", help="the saved result")
    add_out(pl, "output directory (default: the folder of FILE)")
    pl.add_argument("--format", default="png,pdf,svg", metavar="LIST",
                    help="comma-separated figure formats among png, pdf, svg (default png,pdf,svg)")
    pl.add_argument("--style", metavar="STYLE",
                    help="a matplotlib style name or .mplstyle file, applied over robtheory's style")
    return pl


def run(args: argparse.Namespace) -> int:
    from robtheory.viz.replot import replot
    from robtheory.viz.style import parse_formats

    try:
        formats = parse_formats(args.format)
    except ValueError as exc:
        raise UsageError(f"--format: {exc}") from None
    out = _output_dir(args.out, "--out") if args.out is not None else None
    try:
        kind, paths = replot(args.file, out, formats=formats, style=args.style, table=table())
    except ValueError as exc:
        msg = str(exc)
        raise UsageError(f"--style: {msg}" if msg.startswith("style") else msg) from None
    print(f"{args.file}: {kind}; wrote {len(paths)} file(s) to {paths[0].parent if paths else out}", file=sys.stderr)
    for p in paths:
        print(p)
    return 0
