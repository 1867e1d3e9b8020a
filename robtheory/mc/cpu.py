"""The CPU backend of the Monte Carlo engine: fused numba kernels that draw exactly the samples
of the NumPy oracle :mod:`robtheory.mc.reference` and never store them.

The kernels, and the design of their normal transform (bit-exact float64 counts, float32 within a
few ulps), are in :mod:`robtheory.mc._cpu_kernels`; this module is their Python face: argument
handling, the Philox key of a seed, and the split of long runs into calls of at most
:data:`MAX_CALL` samples whose counts are added as Python ints (memory is flat in n, sample
indices past 2**32 are exact).
"""

from __future__ import annotations

import numpy as np

from robtheory.mc._cpu_kernels import (  # noqa: F401 (the kernels; a few device functions for tests)
    MAX_CALL,
    TILE,
    _F,
    _linear_kernel_f32,
    _linear_kernel_f64,
    _log_f64,
    _marginal_kernel,
    _normal_matrix_f32,
    _normal_matrix_f64,
    _normal_sum_kernel_f32,
    _normal_sum_kernel_f64,
    _sample_kernel_f64,
    _small_uint_f64,
    _u53,
)
from robtheory.mc.philox import seed_to_key

__all__ = [
    "MAX_CALL",
    "TILE",
    "linear_counts",
    "marginal_sums",
    "normal_sum",
    "normal_matrix",
    "sample_chunk",
    "warm_up",
]


# --------------------------------------------------------------------------- Python API
def _key(seed: int) -> tuple[np.uint64, np.uint64]:
    k0, k1 = seed_to_key(seed)
    return np.uint64(k0), np.uint64(k1)


def _calls(start: int, n: int):
    done = 0
    while done < n:
        c = min(MAX_CALL, n - done)
        yield start + done, c
        done += c


def _padded(w, per_block, dtype):
    """``w`` followed by zeros up to 1 + per_block * ceil(d / per_block) entries."""
    d = w.shape[0] - 1
    out = np.zeros(1 + per_block * (-(-d // per_block)), dtype=dtype)
    out[: d + 1] = w
    return out


def normal_sum(d, n, seed, *, start=0, dtype=np.float64):
    """Draw the d weak-feature normals of n samples from the Philox stream and return their sum.

    The bare generator of :func:`linear_counts` (same stream layout, same transform, nothing
    else): ``robtheory bench`` times it so that the cost of fusing labels, score and counts into
    the kernel is visible. The sum only keeps the compiler from discarding the draws; with an odd
    d (float64) or d not a multiple of 4 (float32) it includes the padding normals of the last block.
    """
    k0, k1 = _key(seed)
    f32 = np.dtype(dtype) == np.float32
    blocks = (int(d) + (3 if f32 else 1)) // (4 if f32 else 2)
    kern = _normal_sum_kernel_f32 if f32 else _normal_sum_kernel_f64
    total = 0.0
    for s0, c in _calls(start, n):
        total += float(kern(k0, k1, np.uint64(s0), np.int64(c), np.int64(blocks)))
    return total


def linear_counts(w, b, pen, eta, p, n, seed, *, start=0, dtype=np.float64, progress=None):
    """Counts (standard, robust) of ``sign(w^T x + b)``; see :func:`reference.linear_counts`.

    Arguments are validated by the caller (:mod:`robtheory.mc.engine`): ``w`` is a
    float64 array of length d + 1, ``pen`` the robust penalty
    :math:`\\varepsilon\\lVert w\\rVert_*` (:func:`reference.robust_penalty`).
    ``progress(k)`` is called after each block of ``k`` samples.
    """
    k0, k1 = _key(seed)
    f32 = np.dtype(dtype) == np.float32
    wk = _padded(w, 4 if f32 else 2, np.float32 if f32 else np.float64)
    if f32:
        kern = _linear_kernel_f32
        args = (_F(b), _F(eta), float(p), _F(pen))
    else:
        kern = _linear_kernel_f64
        args = (float(b), float(eta), float(p), float(pen))
    ks = kr = 0
    for s0, c in _calls(start, n):
        a, r = kern(k0, k1, np.uint64(s0), np.int64(c), wk, *args)
        ks += int(a)
        kr += int(r)
        if progress is not None:
            progress(c)
    return ks, kr


def marginal_sums(d, eta, p, n, seed, *, start=0, progress=None):
    """The statistics of :func:`reference.marginal_sums` (float64 stream), fused.

    The counts equal the reference's exactly; the float sums agree to rounding (they are
    added in a different order).
    """
    k0, k1 = _key(seed)
    out = {"n": int(n), "d": int(d), "n_pos": 0, "x1_eq_y_pos": 0, "x1_eq_y_neg": 0,
           "sum_x_pos": 0.0, "sum_x_neg": 0.0, "sum_x2": 0.0}
    for s0, c in _calls(start, n):
        tc, ts = _marginal_kernel(k0, k1, np.uint64(s0), np.int64(c), np.int64(d), float(eta),
                                  float(p))
        out["n_pos"] += int(tc[0])
        out["x1_eq_y_pos"] += int(tc[1])
        out["x1_eq_y_neg"] += int(tc[2])
        out["sum_x_pos"] += float(ts[0])
        out["sum_x_neg"] += float(ts[1])
        out["sum_x2"] += float(ts[2])
        if progress is not None:
            progress(c)
    return out


def normal_matrix(seed, start, count, d, dtype=np.float64) -> np.ndarray:
    """The weak-feature normals as the kernels compute them, shape (count, d).

    For tests of the transform against :func:`robtheory.mc.philox.normal_matrix`.
    """
    k0, k1 = _key(seed)
    f32 = np.dtype(dtype) == np.float32
    per = 4 if f32 else 2
    width = per * (-(-int(d) // per))
    out = np.empty((int(count), width), dtype=np.float32 if f32 else np.float64)
    fn = _normal_matrix_f32 if f32 else _normal_matrix_f64
    fn(k0, k1, np.uint64(start), np.int64(count), np.int64(width), out)
    return out[:, : int(d)]


def sample_chunk(eta, p, d, seed, start, count) -> tuple[np.ndarray, np.ndarray]:
    """Rows ``start .. start + count - 1`` of D(p, eta, d), materialised in parallel (float64).

    The numba counterpart of :func:`robtheory.mc.reference.sample_chunk` (same layout:
    ``y`` of shape ``(count,)``, ``X`` of shape ``(count, d + 1)`` in Fortran order):
    ``y`` and ``x1`` are bit-identical to the reference, the weak features agree with it to
    a few ulps (the kernels' float64 normal transform, see the module docstring). For
    statistics of materialised samples (:func:`robtheory.claims.mc_column.sample_moments`).
    Arguments are validated by the caller; ``count <= MAX_CALL``.
    """
    k0, k1 = _key(seed)
    y = np.empty(int(count))
    X = np.empty((int(count), int(d) + 1), order="F")
    _sample_kernel_f64(k0, k1, np.uint64(start), np.int64(count), float(eta), float(p), y, X)
    return y, X


def warm_up() -> None:
    """Compile (or load from cache) every kernel."""
    w = np.array([0.5, 0.25, 0.25, 0.25])
    for dt in (np.float64, np.float32):
        linear_counts(w, 0.0, 0.1, 0.3, 0.9, 10, 0, dtype=dt)
        normal_matrix(0, 0, 2, 3, dt)
    marginal_sums(3, 0.3, 0.9, 10, 0)
