"""Deprecated import path: ``robtheory.plot`` moved to ``robtheory.viz.plot``.

A thin re-export kept for one release (see docs/ARCHITECTURE.md); import from the new place.
"""

import warnings

import robtheory.viz.plot as _0
from robtheory.viz.plot import *  # noqa: F401,F403

__all__ = list(_0.__all__)

warnings.warn("robtheory.plot is deprecated; import from robtheory.viz.plot", DeprecationWarning, stacklevel=2)
