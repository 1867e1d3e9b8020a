"""Numeric theory: closed forms generated from robtheory.symbolic, the fast grid kernels and the
trade-off frontiers. Nothing here samples (that is robtheory.mc) or trains (robtheory.training)."""

from __future__ import annotations

from robtheory._lazy import lazy_modules

#: The public modules of this package; ``robtheory.theory.NAME`` imports one on first use, so that
#: ``dir()`` lists them and nothing heavy is imported with the package.
__all__ = ["closed_form", "frontier", "linear_certificate", "linear_frontier"]


__getattr__, __dir__ = lazy_modules(__name__, __all__)
