r"""Training sets drawn from the engine, and the difference-of-means learner.

Training sets. Trial ``t`` of training-set size ``n`` for seed ``s`` is rows
``t * TRIAL_STRIDE .. t * TRIAL_STRIDE + n - 1`` of the reference stream of seed ``s``
(:func:`robtheory.mc.reference.sample_dataset`): the same seed gives the same training sets on
any backend or thread count, different trials are disjoint (independent) blocks of the stream, and
the training set of size ``n`` is the first ``n`` rows of the one of size ``n' > n`` of the same
trial (nested sets: a learning curve is a curve of one sequence of growing data sets, as in a
real experiment, and differences between two sizes have less noise than independent draws).

The difference-of-means learner. :math:`\hat w = \frac1n \sum_i y_i x_i`, no bias. In
D(p, eta, d) its law is exact: :math:`\hat w_1 = 2K/n - 1` with :math:`K \sim
\mathrm{Binomial}(n, p)` (the number of samples whose ``x1`` agrees with ``y``), and the weak
weights are i.i.d. :math:`N(\eta, 1/n)`, independent of :math:`\hat w_1` (given ``y_i``, each
``y_i x_{ij} = \eta + z_{ij}``).
"""

from __future__ import annotations

import numpy as np

from robtheory import _backend
from robtheory.mc.reference import sample_dataset
from robtheory.mc.seeds import check_seed
from robtheory.model import ToyModel

__all__ = ["TRIAL_STRIDE", "fit_mean", "training_set"]

#: Rows of the stream reserved for one trial: training sets up to 2**40 samples, 2**24 trials.
TRIAL_STRIDE = 2**40


def training_set(model: ToyModel, n: int, trial: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Training set ``trial`` of size ``n`` for ``seed``: ``(X, y)``, ``X`` of shape ``(n, d + 1)``.

    Rows ``trial * TRIAL_STRIDE`` onwards of the reference stream (see the module docstring):
    nested in ``n``, disjoint across trials, identical on every backend. Drawn by
    :func:`robtheory.mc.dataset_numba.sample_dataset_fast` (the same bytes as the NumPy reference
    :func:`robtheory.mc.reference.sample_dataset`, about 4 times faster) where numba is usable.

    >>> from robtheory import ToyModel
    >>> X, y = training_set(ToyModel(0.9, 0.5, 3), 4, trial=0, seed=1)
    >>> X.shape, y.shape
    ((4, 4), (4,))
    >>> bool((training_set(ToyModel(0.9, 0.5, 3), 2, 0, 1)[0] == X[:2]).all())
    True
    """
    if isinstance(trial, bool) or not isinstance(trial, (int, np.integer)) or not 0 <= int(trial) < 2**24:
        raise ValueError(f"trial must be an integer in [0, 2**24), got trial={trial!r}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= int(n) <= TRIAL_STRIDE:
        raise ValueError(f"n must be an integer in [1, 2**40], got n={n!r}")
    seed = check_seed(seed)
    start = int(trial) * TRIAL_STRIDE
    if _backend.numba_usable()[0]:
        # the same bytes from the compiled Philox words (robtheory.mc.dataset_numba)
        from robtheory.mc.dataset_numba import sample_dataset_fast

        return sample_dataset_fast(model, int(n), seed, start=start)
    return sample_dataset(model, int(n), seed, start=start)


def fit_mean(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    r"""The difference-of-means weights :math:`\hat w = \frac1n \sum_i y_i x_i` (no bias).

    ``X`` of shape ``(n, k)``, ``y`` of shape ``(n,)`` with entries in {-1, +1}; returns
    shape ``(k,)``.

    >>> fit_mean(np.array([[1.0, 2.0], [-1.0, 0.0]]), np.array([1.0, -1.0])).tolist()
    [1.0, 1.0]
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if X.ndim != 2 or y.shape != (X.shape[0],) or X.shape[0] == 0:
        raise ValueError(f"X must be (n, k) and y (n,) with n >= 1, got X{X.shape}, y{y.shape}")
    return (y @ X) / X.shape[0]
