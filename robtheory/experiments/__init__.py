"""Experiments that need optional heavy dependencies: the dask phase-grid Monte Carlo overlay, the
dask runner of verify's Monte Carlo runs and the benchmark. Imported only by the CLI and the report, never by ``import robtheory``."""

from __future__ import annotations

from robtheory._lazy import lazy_modules

#: The public modules of this package; ``robtheory.experiments.NAME`` imports one on first use, so that
#: ``dir()`` lists them and nothing heavy is imported with the package.
__all__ = ["bench", "distributed", "peers", "phase_mc"]


__getattr__, __dir__ = lazy_modules(__name__, __all__)
