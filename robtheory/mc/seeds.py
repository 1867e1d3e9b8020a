"""Seeds of Monte Carlo runs: the one check of a user's seed and the derived seeds of sweep points.

Every seed that reaches a Philox stream is an integer in [0, 2**64). Points of a sweep (a phase
grid, a frontier) get their own seeds from ``numpy.random.SeedSequence(seed, spawn_key=(1, k))``,
so that a point's samples do not depend on which other points are run or in which order.
Runs inside an experiment (a model's training, a data subset) get theirs from
:func:`derived_seed`, keyed by the base seed and a few integers naming the run.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

__all__ = ["check_seed", "derived_seed", "point_seed", "select_points"]


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


def derived_seed(seed: int, *keys: int) -> int:
    """The seed of one run derived from a base ``seed`` and integer ``keys`` (in [0, 2**32)).

    The first 32-bit word of ``numpy.random.SeedSequence([seed, *keys])``: runs with different
    keys get unrelated seeds, and a run's seed does not depend on which other runs exist. The
    torch experiments seed their models and data subsets this way (``derived_seed(seed, 7, j)``
    is the j-th reference model); it is a different stream from :func:`point_seed` (entropy
    list, not a spawn key; 32 bits, as torch's generators took them), kept so that the saved
    models and metrics of every seed stay as they were. SeedSequence pads an entropy list
    shorter than four words with zeros, so ``(seed, a)`` and ``(seed, a, 0)`` give the same
    seed: each call site takes its own first key (the experiments use 1, 2, 3, 4, 5, 7).
    """
    seed = check_seed(seed)
    for k in keys:
        if isinstance(k, (bool, np.bool_)) or not isinstance(k, (numbers.Integral, np.integer)) or int(k) < 0:
            raise ValueError(f"a seed key must be a non-negative integer, got key={k!r}")
    return int(np.random.SeedSequence([seed, *(int(k) for k in keys)]).generate_state(1)[0])


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
