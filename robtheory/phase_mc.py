"""Deprecated import path: ``robtheory.phase_mc`` moved to ``robtheory.experiments.phase_mc``.

A thin re-export kept for one release (see docs/ARCHITECTURE.md); import from the new place.
"""

import warnings

import robtheory.experiments.phase_mc as _0
from robtheory.experiments.phase_mc import *  # noqa: F401,F403

__all__ = list(_0.__all__)

warnings.warn("robtheory.phase_mc is deprecated; import from robtheory.experiments.phase_mc", DeprecationWarning, stacklevel=2)
