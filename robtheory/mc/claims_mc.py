"""Deprecated import path: ``robtheory.mc.claims_mc`` moved to ``robtheory.claims.mc_column``.

A thin re-export kept for one release (see docs/ARCHITECTURE.md); import from the new place.
"""

import warnings

import robtheory.claims.mc_column as _0
from robtheory.claims.mc_column import *  # noqa: F401,F403

__all__ = list(_0.__all__)

warnings.warn("robtheory.mc.claims_mc is deprecated; import from robtheory.claims.mc_column", DeprecationWarning, stacklevel=2)
