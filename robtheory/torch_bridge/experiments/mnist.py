"""Deprecated import path: the digit experiments moved to one module each.

``robtheory.torch_bridge.experiments.mnist`` held all six binary-digit experiments; they now
live in :mod:`.sample_size`, :mod:`.eps_sweep`, :mod:`.linear_features`, :mod:`.gradients`,
:mod:`.large_eps` and :mod:`.interpolation` (shared pieces in :mod:`.digits_common`). A thin
re-export of the public names kept for one release; import from the new places.
"""

import warnings

from robtheory.torch_bridge.experiments.eps_sweep import run_eps_sweep
from robtheory.torch_bridge.experiments.gradients import run_gradients
from robtheory.torch_bridge.experiments.interpolation import run_interpolation
from robtheory.torch_bridge.experiments.large_eps import run_large_eps
from robtheory.torch_bridge.experiments.linear_features import run_linear_features
from robtheory.torch_bridge.experiments.sample_size import run_sample_size

__all__ = [
    "run_eps_sweep",
    "run_gradients",
    "run_interpolation",
    "run_large_eps",
    "run_linear_features",
    "run_sample_size",
]

warnings.warn(
    "robtheory.torch_bridge.experiments.mnist is deprecated; import each experiment from its own "
    "module (robtheory.torch_bridge.experiments.sample_size, .eps_sweep, .linear_features, "
    ".gradients, .large_eps, .interpolation)",
    DeprecationWarning,
    stacklevel=2,
)
