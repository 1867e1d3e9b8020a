"""Subpackages whose public modules are imported on first use.

``__getattr__, __dir__ = lazy_modules(__name__, __all__)`` in a package's ``__init__``: then
``package.NAME`` imports ``package.NAME`` when first asked for, ``dir(package)`` lists every public
module, and importing the package imports none of them (so sympy, dask and friends load only when used).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from types import ModuleType

__all__ = ["lazy_modules"]


def lazy_modules(package: str, public: Sequence[str]) -> tuple[Callable[[str], ModuleType], Callable[[], list[str]]]:
    """The module-level ``__getattr__`` and ``__dir__`` of ``package``, whose public modules are ``public``."""
    names = tuple(public)

    def __getattr__(name: str) -> ModuleType:
        if name in names:
            return importlib.import_module(f"{package}.{name}")
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        import sys

        glob = vars(sys.modules[package])
        return sorted(set(names) | {n for n in glob if n.startswith("__")})

    return __getattr__, __dir__
