"""The ``robtheory`` parser and the dispatch to one module per command.

Bad arguments exit with status 2 and a one-line message on stderr, never a traceback; output
paths are checked before any work. Every JSON a command writes is strict: non-finite numbers
are written as null (:mod:`robtheory._jsonio`).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from robtheory.cli import (accuracy, bench, cache, feature_selection, frontier, learning_curve, mc, phase, plot,
                           prove, report, svm, torch, transfer, verify)
from robtheory.cli.common import EXIT_STATUSES, UsageError, _Parser
from robtheory.cli.options import _attach_negative_values, add_max_seconds
from robtheory.vocabulary import option_message

__all__ = ["COMMANDS", "build_parser", "main"]

#: Each command's ``run(args) -> exit status``, in the order ``robtheory --help`` lists them.
COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "verify": verify.run, "report": report.run, "accuracy": accuracy.run, "frontier": frontier.run,
    "svm": svm.run, "phase": phase.run, "prove": prove.run, "mc": mc.run, "bench": bench.run,
    "torch": torch.run, "cache": cache.run, "transfer": transfer.run, "feature-selection": feature_selection.run,
    "learning-curve": learning_curve.run,
    "plot": plot.run,
}

#: The commands that estimate their running time before they start (``--max-seconds``).
_TIMED = ("mc", "verify", "report", "phase", "svm", "torch", "frontier")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="robtheory",
        description="Machine-checked theory of 'Robustness May Be at Odds with Accuracy' "
                    "(Tsipras et al., ICLR 2019).",
        epilog=EXIT_STATUSES + ".",
    )
    from robtheory import __version__

    parser.add_argument("--version", action="version", version=f"robtheory {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    parsers = {"verify": verify.add_parser(sub), "report": report.add_parser(sub)}
    for name in ("verify", "report"):
        verify.add_run_options(parsers[name])
    for module in (accuracy, frontier, svm, phase, prove, mc, bench, torch, cache, transfer, feature_selection, plot):
        parsers[module.__name__.rsplit(".", 1)[-1]] = module.add_parser(sub)  # the module is named as its command
    parsers["learning-curve"] = learning_curve.add_parser(sub)
    add_max_seconds([parsers[name] for name in _TIMED])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; exit status 0 (success), 1 (a check failed), 2 (bad arguments), 3 (nothing
    failed but a Monte Carlo test was INCONCLUSIVE: it could not have detected a deviation of
    ``--resolution`` at its n)."""
    parser = build_parser()
    args_list = _attach_negative_values(list(sys.argv[1:] if argv is None else argv))
    try:
        args = parser.parse_args(args_list)
        if args.command is None:
            parser.print_help()
            return 2
        try:
            status = COMMANDS[args.command](args)
        except UsageError as exc:
            print(f"robtheory {args.command}: error: {option_message(str(exc))}".replace("\n", " "),
                  file=sys.stderr)
            return 2
        except NotImplementedError as exc:
            print(f"robtheory {args.command}: not available: {exc}".replace("\n", " "), file=sys.stderr)
            return 2
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return status
    except BrokenPipeError:
        # the reader went away ('robtheory ... | head'): stop quietly, as the Python docs advise,
        # pointing stdout at /dev/null so that the flush at exit does not fail again
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):  # pragma: no cover - stdout without a file
            pass
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
