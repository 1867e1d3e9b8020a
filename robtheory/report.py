"""Deprecated import path: ``robtheory.report`` moved to ``robtheory.viz.report``.

A thin re-export kept for one release (see docs/ARCHITECTURE.md); import from the new place.
"""

import warnings

import robtheory.viz.report as _0
from robtheory.viz.report import *  # noqa: F401,F403

__all__ = list(_0.__all__)

warnings.warn("robtheory.report is deprecated; import from robtheory.viz.report", DeprecationWarning, stacklevel=2)
