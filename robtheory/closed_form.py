"""Deprecated import path: ``robtheory.closed_form`` moved to ``robtheory.theory.closed_form``.

A thin re-export kept for one release (see docs/ARCHITECTURE.md); import from the new place.
"""

import warnings

import robtheory.theory.closed_form as _0
from robtheory.theory.closed_form import *  # noqa: F401,F403

__all__ = list(_0.__all__)

warnings.warn("robtheory.closed_form is deprecated; import from robtheory.theory.closed_form", DeprecationWarning, stacklevel=2)


def __getattr__(name: str) -> object:
    # names that are themselves deprecated aliases in the new module (optimal_robust_accuracy, ...)
    return getattr(_0, name)
