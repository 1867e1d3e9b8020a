

from __future__ import annotations

import importlib
from types import ModuleType

#: The public modules of this package; ``robtheory.symbolic.NAME`` imports one on first use, so that
#: ``dir()`` lists them and nothing heavy is imported with the package.
__all__ = ["core", "linear", "named", "frontier", "codegen"]


def __getattr__(name: str) -> ModuleType:
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(__all__) | {n for n in globals() if n.startswith("__")})
