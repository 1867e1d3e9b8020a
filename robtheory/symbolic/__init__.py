

from __future__ import annotations

from robtheory._lazy import lazy_modules

#: The public modules of this package; ``robtheory.symbolic.NAME`` imports one on first use, so that
#: ``dir()`` lists them and nothing heavy is imported with the package.
__all__ = ["core", "linear", "named", "frontier", "codegen"]


__getattr__, __dir__ = lazy_modules(__name__, __all__)
