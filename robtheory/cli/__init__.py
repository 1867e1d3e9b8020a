"""Command-line interface: ``robtheory verify | accuracy | prove | mc | bench | ...``.

Argument parsing and printing only: :mod:`robtheory.cli.main` builds the parser and dispatches
to one module per command (:mod:`~robtheory.cli.verify`, :mod:`~robtheory.cli.mc`, ...), whose
``run(args)`` calls the library and prints; the option groups shared by several commands are
defined once in :mod:`robtheory.cli.options`, the checks every command makes before any work
(output paths, memory, running time) in :mod:`robtheory.cli.common`.

Bad arguments exit with status 2 and a one-line message on stderr, never a traceback; output
paths are checked before any work. Every JSON it writes is strict: non-finite numbers are
written as null (:mod:`robtheory._jsonio`).
"""

from __future__ import annotations

from robtheory.cli.main import build_parser, main

# The value parsers and helpers other code imported from the single-module CLI: kept importable
# from here (validation/claims_campaign.py reads --n and --seed with the CLI's own parsers).
from robtheory.cli.accuracy import _fmt_rate  # noqa: F401
from robtheory.cli.common import EXIT_INCONCLUSIVE, EXIT_STATUSES, UsageError, _progress_bar  # noqa: F401
from robtheory.cli.options import (_DeprecatedAlias, _finite_float, _positive_float, _positive_int,  # noqa: F401
                                   _rate, _sample_count, _seed, _whole_number)

__all__ = ["main", "build_parser"]
