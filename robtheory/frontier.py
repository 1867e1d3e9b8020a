"""Deprecated import path: ``robtheory.frontier`` moved to ``robtheory.theory.frontier, robtheory.claims.frontier_mc``.

A thin re-export kept for one release (see docs/ARCHITECTURE.md); import from the new place.
"""

import warnings

import robtheory.theory.frontier as _0
import robtheory.claims.frontier_mc as _1
from robtheory.theory.frontier import *  # noqa: F401,F403
from robtheory.claims.frontier_mc import *  # noqa: F401,F403

__all__ = list(_0.__all__) + list(_1.__all__)

warnings.warn("robtheory.frontier is deprecated; import from robtheory.theory.frontier", DeprecationWarning, stacklevel=2)
