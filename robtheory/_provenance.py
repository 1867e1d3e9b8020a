"""Where, when and with which code a result was produced: the one provenance record.

Every output that carries provenance (the phase grid's netCDF attributes, the benchmark, the
validation campaigns, the torch experiments' ``metrics.json``, the HTML report's footer) builds
it here, so that they all carry the same facts under the same names:

* ``robtheory_version``, ``commit`` (short git hash of the checkout, ``None`` outside one) and
  ``date`` (UTC, ISO 8601 to the second, ``2026-12-07T17:08:08Z``);
* the versions of the numerical libraries the numbers depend on: ``python``, ``numpy``,
  ``scipy``, ``numba`` (read from the installed packages' metadata, so numba is not imported);
* ``machine``: a map of facts about the machine (``nproc``, ``cpu_model``, ``platform``,
  ``processor``, ``architecture``).

This module sits in the bottom layer: it imports nothing of robtheory at module level.
"""

from __future__ import annotations

import datetime as _dt
import importlib.metadata
import os
import platform
import subprocess
from pathlib import Path
from typing import TypedDict

__all__ = ["Machine", "Provenance", "cpu_model", "git_commit", "library_version", "machine",
           "netcdf_attrs", "provenance"]


class Machine(TypedDict):
    """Facts about the machine a result was produced on."""

    nproc: int | None
    cpu_model: str
    platform: str
    processor: str
    architecture: str


class Provenance(TypedDict):
    """The provenance record (see the module docstring for each key)."""

    robtheory_version: str
    commit: str | None
    date: str
    python: str
    numpy: str | None
    scipy: str | None
    numba: str | None
    machine: Machine


def git_commit() -> str | None:
    """Short git hash of the checkout this code runs from, ``None`` where there is none (or no git)."""
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=Path(__file__).resolve().parent,
                             capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    return out.stdout.strip() or None


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo`` where there is one), else ``platform.processor()``."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def library_version(name: str) -> str | None:
    """The installed version of distribution ``name`` (without importing it), ``None`` if absent."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def machine() -> Machine:
    """Facts about this machine."""
    return Machine(nproc=os.cpu_count(), cpu_model=cpu_model(), platform=platform.platform(),
                   processor=platform.processor() or platform.machine(), architecture=platform.machine())


def provenance() -> Provenance:
    """The provenance record of a result produced now, by this code, on this machine.

    The robtheory version is the installed distribution's (``robtheory.__version__`` is the same
    number, and a test ties them; importing the package root from here would break the layers)."""
    return Provenance(
        robtheory_version=library_version("robtheory") or "unknown", commit=git_commit(),
        date=_dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        python=platform.python_version(), numpy=library_version("numpy"), scipy=library_version("scipy"),
        numba=library_version("numba"), machine=machine())


def netcdf_attrs(prov: Provenance) -> dict[str, str]:
    """``prov`` as netCDF attributes: its text entries, ``"unknown"`` for a missing one (netCDF has
    no null), the machine map left out (netCDF attributes are flat)."""
    return {k: ("unknown" if v is None else str(v)) for k, v in prov.items() if k != "machine"}
