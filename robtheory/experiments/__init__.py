"""Experiments that need optional heavy dependencies: the dask phase-grid Monte Carlo overlay and
the benchmark. Imported only by the CLI and the report, never by ``import robtheory``."""
