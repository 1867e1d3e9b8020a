"""The Philox4x32-10 bijection and robtheory's stream layout, in NumPy: the primitives of
:mod:`robtheory.mc.philox` (which documents the layout and holds the public stream API built on
these). Kept apart so that each module stays one subject: here the arithmetic (the bijection,
the counters of a (sample, block, stream) triple, the uniform and Box-Muller transforms), there
the user-facing draws and their backends.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

PHILOX_M0 = 0xD2511F53
PHILOX_M1 = 0xCD9E8D57
PHILOX_W0 = 0x9E3779B9
PHILOX_W1 = 0xBB67AE85

_U32 = np.uint32
_U64 = np.uint64
_TWO32 = 1 << 32
_TWO64 = 1 << 64
_BACKENDS = ("numpy", "numba", "auto")

# Largest |z| the float64 / float32 Box-Muller streams can produce (see module doc).
MAX_ABS_NORMAL_F64 = float(np.sqrt(-2.0 * np.log(2.0**-53)))
MAX_ABS_NORMAL_F32 = float(np.sqrt(-2.0 * np.log(2.0**-24)))


# --------------------------------------------------------------------------- validation
def _is_int_scalar(x: Any) -> bool:
    return isinstance(x, (numbers.Integral, np.integer)) and not isinstance(x, (bool, np.bool_))


def _check_int(x: Any, name: str, lo: int, hi: int) -> int:
    """Return ``int(x)`` after checking that it is an integer in ``[lo, hi)``."""
    if not _is_int_scalar(x):
        raise TypeError(f"{name} must be an integer, got {x!r} of type {type(x).__name__}")
    v = int(x)
    if not lo <= v < hi:
        raise ValueError(f"{name} must lie in [{lo}, {hi}), got {v}")
    return v


def _as_uint(x: Any, name: str, bound: int, dtype: type) -> np.ndarray:
    """Integer array-like -> array of ``dtype`` after checking ``0 <= x < bound``.

    Lists of Python ints go through an object array so that values at or above
    ``2**63`` are not silently converted to float64 by ``np.asarray``.
    """
    if isinstance(x, np.ndarray):
        arr = x
        if arr.dtype.kind not in "iu":
            raise TypeError(f"{name} must have an integer dtype, got {arr.dtype}")
    elif _is_int_scalar(x):
        v = int(x)
        if not 0 <= v < bound:
            raise ValueError(f"{name} must lie in [0, {bound}), got {v}")
        return np.asarray(v, dtype=dtype)
    else:
        arr = np.asarray(x, dtype=object)
        flat = arr.reshape(-1)
        for v in flat:
            if not _is_int_scalar(v):
                raise TypeError(f"{name} must hold integers, got {v!r}")
        vals = [int(v) for v in flat]
        if vals and not (0 <= min(vals) and max(vals) < bound):
            bad = next(v for v in vals if not 0 <= v < bound)
            raise ValueError(f"{name} must lie in [0, {bound}), got {bad}")
        return np.array(vals, dtype=dtype).reshape(arr.shape)
    if arr.size:
        lo, hi = int(arr.min()), int(arr.max())
        if lo < 0 or hi >= bound:
            bad = lo if lo < 0 else hi
            raise ValueError(f"{name} must lie in [0, {bound}), got {bad}")
    return arr.astype(dtype, copy=False)


def _check_dtype(dtype: Any) -> np.dtype:
    dt = np.dtype(dtype)
    if dt not in (np.dtype(np.float64), np.dtype(np.float32)):
        raise ValueError(f"dtype must be float64 or float32, got {dt}")
    return dt


def seed_to_key(seed: int) -> tuple[int, int]:
    r"""Split a seed into the Philox key.

    Parameters
    ----------
    seed : int
        Integer in :math:`[0, 2^{64})` (Python or NumPy integer; not bool).

    Returns
    -------
    (k0, k1) : tuple of int
        :math:`k_0 = \mathrm{seed} \bmod 2^{32}`, :math:`k_1 = \lfloor
        \mathrm{seed} / 2^{32} \rfloor`.
    """
    s = _check_int(seed, "seed", 0, _TWO64)
    return s & 0xFFFFFFFF, s >> 32


# --------------------------------------------------------------------------- the bijection
def _philox_u32(c0, c1, c2, c3, k0, k1, rounds: int):
    """Philox rounds on broadcastable uint32 arrays (no validation); 4 uint32 arrays.

    The words are carried as uint64 values below 2**32: the 64-bit product of two
    words fits exactly ((2**32 - 1)**2 < 2**64) and the key bump is masked instead of
    relying on uint32 wrap-around, which NumPy reports as an overflow for scalars.
    """
    mask, shift = _U64(0xFFFFFFFF), _U64(32)
    m0, m1 = _U64(PHILOX_M0), _U64(PHILOX_M1)
    w0, w1 = _U64(PHILOX_W0), _U64(PHILOX_W1)
    c0, c1, c2, c3, k0, k1 = (np.asarray(x).astype(_U64) for x in (c0, c1, c2, c3, k0, k1))
    for r in range(rounds):
        if r:
            k0 = (k0 + w0) & mask
            k1 = (k1 + w1) & mask
        p0 = c0 * m0
        p1 = c2 * m1
        c0, c1, c2, c3 = (p1 >> shift) ^ c1 ^ k0, p1 & mask, (p0 >> shift) ^ c3 ^ k1, p0 & mask
    return tuple(x.astype(_U32) for x in (c0, c1, c2, c3))


def philox4x32(counter: Any, key: Any, rounds: int = 10) -> np.ndarray:
    r"""Philox4x32-R block function, vectorised.

    Parameters
    ----------
    counter : array_like of int, shape (..., 4)
        Counter words :math:`(c_0, c_1, c_2, c_3)`, each in :math:`[0, 2^{32})`.
    key : array_like of int, shape (..., 2)
        Key words :math:`(k_0, k_1)`, each in :math:`[0, 2^{32})`. Broadcasts against
        ``counter`` over the leading axes.
    rounds : int, default 10
        Number of rounds R (Random123 publishes known answers for R = 7 and 10).

    Returns
    -------
    ndarray of uint32, shape (..., 4)
        :math:`\mathrm{Philox4x32\text{-}R}(c, k)`.

    Examples
    --------
    >>> philox4x32([0, 0, 0, 0], [0, 0]).tolist()  # Random123 kat_vectors
    [1713891541, 3781805453, 3159862348, 2600524760]
    """
    rounds = _check_int(rounds, "rounds", 0, 1 << 16)
    c = _as_uint(counter, "counter", _TWO32, _U32)
    k = _as_uint(key, "key", _TWO32, _U32)
    if c.ndim == 0 or c.shape[-1] != 4:
        raise ValueError(f"counter must have shape (..., 4), got {c.shape}")
    if k.ndim == 0 or k.shape[-1] != 2:
        raise ValueError(f"key must have shape (..., 2), got {k.shape}")
    out = _philox_u32(c[..., 0], c[..., 1], c[..., 2], c[..., 3], k[..., 0], k[..., 1], rounds)
    return np.stack(np.broadcast_arrays(*out), axis=-1)


# --------------------------------------------------------------------------- stream layout
def counters(samples: Any, blocks: Any, stream: int = 0) -> np.ndarray:
    r"""Philox counters of the stream layout for sample indices and word blocks.

    Parameters
    ----------
    samples : array_like of int
        Sample indices :math:`i \in [0, 2^{64})`.
    blocks : array_like of int
        Word-block indices :math:`j \in [0, 2^{32})`, broadcast against ``samples``.
    stream : int, default 0
        Stream tag in :math:`[0, 2^{32})`.

    Returns
    -------
    ndarray of uint32, shape broadcast(samples, blocks) + (4,)
        :math:`(i \bmod 2^{32}, \lfloor i/2^{32} \rfloor, j, \mathrm{stream})`.
    """
    i = _as_uint(samples, "samples", _TWO64, _U64)
    j = _as_uint(blocks, "blocks", _TWO32, _U32)
    s = _check_int(stream, "stream", 0, _TWO32)
    i, j = np.broadcast_arrays(i, j)
    return np.stack(
        [i.astype(_U32), (i >> _U64(32)).astype(_U32), j, np.full(i.shape, s, dtype=_U32)],
        axis=-1,
    )


def _words(key: tuple[int, int], i: np.ndarray, j: np.ndarray, stream: int):
    """The four output words for validated uint64 ``i`` and uint32 ``j``."""
    i, j = np.broadcast_arrays(i, j)
    return _philox_u32(
        i.astype(_U32),
        (i >> _U64(32)).astype(_U32),
        j.astype(_U32),
        np.full(i.shape, stream, dtype=_U32),
        _U32(key[0]),
        _U32(key[1]),
        10,
    )


def uniform01(words: Any) -> np.ndarray:
    r"""Float64 uniforms on the open interval (0, 1) from pairs of 32-bit words.

    .. math::

        U_{53}(w_{\mathrm{hi}}, w_{\mathrm{lo}}) = (2m + 1)\,2^{-53}, \qquad
        m = w_{\mathrm{hi}} 2^{20} + \lfloor w_{\mathrm{lo}} / 2^{12} \rfloor.

    Parameters
    ----------
    words : array_like of uint32, shape (..., 2)
        ``words[..., 0]`` is the high word, ``words[..., 1]`` the low word.

    Returns
    -------
    ndarray of float64, shape (...)
        Odd multiples of :math:`2^{-53}`: in :math:`[2^{-53}, 1 - 2^{-53}]`, exact.
    """
    w = _as_uint(words, "words", _TWO32, _U32)
    if w.ndim == 0 or w.shape[-1] != 2:
        raise ValueError(f"words must have shape (..., 2), got {w.shape}")
    return _u53(w[..., 0], w[..., 1])


def _u53(hi: np.ndarray, lo: np.ndarray) -> np.ndarray:
    m = (hi.astype(_U64) << _U64(20)) | (lo.astype(_U64) >> _U64(12))
    # 2m + 1 < 2**53 converts to float64 exactly; scaling by a power of two is exact.
    return ((m << _U64(1)) | _U64(1)).astype(np.float64) * 2.0**-53


def uniform01_f32(words: Any) -> np.ndarray:
    r"""Float32 uniforms on the open interval (0, 1), one per 32-bit word.

    .. math::

        U_{24}(w) = (2m + 1)\,2^{-24}, \qquad m = \lfloor w / 2^{9} \rfloor.

    Parameters
    ----------
    words : array_like of uint32, any shape

    Returns
    -------
    ndarray of float32, same shape
        Odd multiples of :math:`2^{-24}`: in :math:`[2^{-24}, 1 - 2^{-24}]`, exact.
    """
    return _u24(_as_uint(words, "words", _TWO32, _U32))


def _u24(w: np.ndarray) -> np.ndarray:
    m = (w >> _U32(9)).astype(_U32)
    return ((m << _U32(1)) | _U32(1)).astype(np.float32) * np.float32(2.0**-24)


def box_muller(u_a: Any, u_b: Any) -> tuple[np.ndarray, np.ndarray]:
    r"""Box--Muller transform of two uniforms into two independent standard normals.

    .. math::

        z_a = \sqrt{-2\ln u_a}\,\cos(2\pi u_b), \qquad
        z_b = \sqrt{-2\ln u_a}\,\sin(2\pi u_b).

    Parameters
    ----------
    u_a, u_b : array_like of float, values in (0, 1)
        Computed in float64 whatever their dtype.

    Returns
    -------
    (z_a, z_b) : tuple of ndarray of float64
    """
    ua = np.asarray(u_a, dtype=np.float64)
    ub = np.asarray(u_b, dtype=np.float64)
    r = np.sqrt(-2.0 * np.log(ua))
    theta = (2.0 * np.pi) * ub
    return r * np.cos(theta), r * np.sin(theta)


def _block_values(w, dt: np.dtype, kind: str) -> np.ndarray:
    """Values carried by one word block, shape ``(..., B)``, B = 2 (float64) or 4 (float32)."""
    if dt == np.float64:
        ua, ub = _u53(w[0], w[1]), _u53(w[2], w[3])
        pair = (ua, ub) if kind == "uniform" else box_muller(ua, ub)
        return np.stack(np.broadcast_arrays(*pair), axis=-1)
    u = [_u24(x) for x in w]
    if kind == "uniform":
        return np.stack(np.broadcast_arrays(*u), axis=-1)
    za, zb = box_muller(u[0], u[1])
    zc, zd = box_muller(u[2], u[3])
    # Box-Muller runs in float64 for both dtypes; float32 normals are its rounding.
    return np.stack(np.broadcast_arrays(za, zb, zc, zd), axis=-1).astype(np.float32)


def _values(key, i, k, stream: int, dt: np.dtype, kind: str) -> np.ndarray:
    """Coordinate ``k`` of sample ``i`` (validated uint64 arrays) in the NumPy reference."""
    i, k = np.broadcast_arrays(i, k)
    per_block = _U64(2 if dt == np.float64 else 4)
    vals = _block_values(_words(key, i, k // per_block, stream), dt, kind)
    pos = (k % per_block).astype(np.intp)[..., None]
    return np.take_along_axis(vals, pos, axis=-1)[..., 0]
