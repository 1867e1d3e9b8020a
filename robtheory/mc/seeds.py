"""Seeds of Monte Carlo runs: the one check of a user's seed and the derived seeds of sweep points.

Every seed that reaches a Philox stream is an integer in [0, 2**64). Points of a sweep (a phase
grid, a frontier) get their own seeds from ``numpy.random.SeedSequence(seed, spawn_key=(1, k))``,
so that a point's samples do not depend on which other points are run or in which order.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

__all__ = ["check_seed", "point_seed", "select_points"]


def check_seed(seed: Any) -> int:
    """A seed in ``[0, 2**64)`` (a bool is not a seed); ValueError naming the value otherwise."""
    integral = isinstance(seed, (numbers.Integral, np.integer)) and not isinstance(seed, (bool, np.bool_))
    if not integral or not 0 <= int(seed) < 2**64:
        raise ValueError(f"seed must be an integer in [0, 2**64), got seed={seed!r}")
    return int(seed)


def point_seed(seed: int, index: int) -> int:
    """The Monte Carlo seed of the grid point with flat index ``index`` (in [0, 2**64))."""
    seed = check_seed(seed)
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or int(index) < 0:
        raise ValueError(f"index must be a non-negative integer, got index={index!r}")
    ss = np.random.SeedSequence(seed, spawn_key=(1, int(index)))
    return int(ss.generate_state(1, np.uint64)[0])


def select_points(size: int, k: int, seed: int) -> np.ndarray:
    """``min(k, size)`` distinct flat indices of a grid of ``size`` points, sorted, drawn
    without replacement from the stream ``SeedSequence(seed, spawn_key=(0,))``."""
    seed = check_seed(seed)
    if int(size) < 1:
        raise ValueError(f"the grid is empty (size={size!r})")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or int(k) < 1:
        raise ValueError(f"the number of Monte Carlo points must be a positive integer, got {k!r}")
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0,)))
    return np.sort(rng.choice(int(size), size=min(int(k), int(size)), replace=False))
