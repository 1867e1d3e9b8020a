"""Numeric theory: closed forms generated from robtheory.symbolic, the fast grid kernels and the
trade-off frontiers. Nothing here samples (that is robtheory.mc) or trains (robtheory.training)."""

from __future__ import annotations

import importlib
from types import ModuleType

#: The public modules of this package; ``robtheory.theory.NAME`` imports one on first use, so that
#: ``dir()`` lists them and nothing heavy is imported with the package.
__all__ = ["closed_form", "frontier", "linear_certificate", "linear_frontier"]


def __getattr__(name: str) -> ModuleType:
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(__all__) | {n for n in globals() if n.startswith("__")})
