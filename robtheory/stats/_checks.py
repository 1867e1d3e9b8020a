"""Argument checks shared by the modules of :mod:`robtheory.stats` (private).

Every bad argument of the package is a ValueError naming the value.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import numpy.typing as npt


def _is_int(x: Any) -> bool:
    return isinstance(x, (numbers.Integral, np.integer)) and not isinstance(x, (bool, np.bool_))


def _check_count_n(count: Any, n: Any) -> tuple[int, int]:
    """Scalar count and n as Python ints, with 0 <= count <= n and n >= 1."""
    if not _is_int(count):
        raise ValueError(f"count must be an integer, got {count!r}")
    if not _is_int(n):
        raise ValueError(f"n must be an integer, got {n!r}")
    count, n = int(count), int(n)
    if n <= 0:
        raise ValueError(f"n must be positive, got n={n}")
    if count < 0:
        raise ValueError(f"count must be non-negative, got count={count}")
    if count > n:
        raise ValueError(f"count must not exceed n, got count={count} > n={n}")
    return count, n


def _int_array(x: Any, name: str) -> npt.NDArray[np.float64]:
    """Integer array-like -> float64 array (exact below 2**53), rejecting non-integers."""
    if _is_int(x):
        return np.asarray(float(int(x)))
    arr = np.asarray(x)
    if arr.dtype.kind in "iu":
        return arr.astype(np.float64)
    if arr.dtype == object and all(_is_int(v) for v in arr.reshape(-1)):
        return np.array([float(int(v)) for v in arr.reshape(-1)]).reshape(arr.shape)
    raise ValueError(f"{name} must hold integers, got {x!r}")


def _check_counts(count: Any, n: Any) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    k = _int_array(count, "count")
    nn = _int_array(n, "n")
    k, nn = np.broadcast_arrays(k, nn)
    if np.any(nn <= 0):
        raise ValueError(f"n must be positive, got n={nn[nn <= 0].flat[0]:.0f}")
    if np.any(k < 0):
        raise ValueError(f"count must be non-negative, got count={k[k < 0].flat[0]:.0f}")
    if np.any(k > nn):
        bad = np.argmax((k > nn).reshape(-1))
        raise ValueError(
            f"count must not exceed n, got count={k.flat[bad]:.0f} > n={nn.flat[bad]:.0f}"
        )
    return k, nn


def _check_prob_open(x: npt.ArrayLike, name: str) -> npt.NDArray[np.float64]:
    a = np.asarray(x, dtype=np.float64)
    if not np.all((a > 0) & (a < 1)):
        raise ValueError(f"{name} must lie in (0, 1), got {x!r}")
    return a


def _check_scalar_prob(x: Any, name: str, closed: bool) -> float:
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (numbers.Real, np.floating)):
        # ValueError, not TypeError: every bad argument of this module is a ValueError.
        raise ValueError(f"{name} must be a real number, got {x!r}")  # noqa: TRY004
    v = float(x)
    ok = (0.0 <= v <= 1.0) if closed else (0.0 < v < 1.0)
    if not ok:
        raise ValueError(f"{name} must lie in {'[0, 1]' if closed else '(0, 1)'}, got {x!r}")
    return v


def _scalar_or_array(a: npt.NDArray[np.float64]) -> Any:
    """A 0-d array as its float64 scalar, any other array unchanged."""
    return a[()] if a.ndim == 0 else a
