"""Deprecated import path: ``robtheory.bench`` moved to ``robtheory.experiments.bench``.

A thin re-export kept for one release (see docs/ARCHITECTURE.md); import from the new place.
"""

import warnings

import robtheory.experiments.bench as _0
from robtheory.experiments.bench import *  # noqa: F401,F403

__all__ = list(_0.__all__)

warnings.warn("robtheory.bench is deprecated; import from robtheory.experiments.bench", DeprecationWarning, stacklevel=2)
