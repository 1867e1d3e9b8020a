"""Strict JSON for everything robtheory writes: non-finite numbers are written as ``null``.

``json.dumps`` writes ``Infinity``, ``-Infinity`` and ``NaN`` by default. Those tokens are not
JSON (RFC 8259) and strict parsers (``jq``, JavaScript's ``JSON.parse``, ``json.loads`` with
``parse_constant`` raising) reject the whole file. Here every non-finite float becomes ``null``
(an undetectable deviation, the log of a zero error rate, an undefined price), NumPy scalars and
arrays become plain numbers and lists, paths become strings, and the text is produced with
``allow_nan=False``, so a missed case fails loudly instead of writing invalid JSON.
"""

from __future__ import annotations

import json
import math
from pathlib import PurePath
from typing import Any

__all__ = ["dumps", "json_ready", "write_json"]


def json_ready(obj: Any) -> Any:
    """``obj`` with non-finite floats replaced by None and NumPy/path values made plain."""
    if isinstance(obj, dict):
        return {k: json_ready(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_ready(v) for v in obj]
    if isinstance(obj, bool) or obj is None or isinstance(obj, (str, int)):
        return obj
    if isinstance(obj, float):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, PurePath):
        return str(obj)
    tolist = getattr(obj, "tolist", None)  # NumPy scalars and arrays (no NumPy import needed)
    if callable(tolist) and type(obj).__module__ == "numpy":
        return json_ready(tolist())
    return obj


def dumps(obj: Any, **kwargs: Any) -> str:
    """``json.dumps(json_ready(obj), allow_nan=False, **kwargs)``: always valid JSON."""
    return json.dumps(json_ready(obj), allow_nan=False, **kwargs)


def write_json(path: str | PurePath, obj: Any, indent: int = 2) -> None:
    """Write ``obj`` to ``path`` as strict JSON (see :func:`dumps`) with a final newline."""
    with open(path, "w") as fh:
        fh.write(dumps(obj, indent=indent) + "\n")
