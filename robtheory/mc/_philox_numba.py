r"""Numba versions of the Philox4x32-10 stream of :mod:`robtheory.mc.philox`.

Importing this module imports numba; :mod:`robtheory.mc.philox` imports it only on first
use. The scalar functions are ``@njit`` device functions meant to be called from other
numba kernels (the Monte Carlo engine draws its variates inside its own loops):

``philox4x32_nb(c0, c1, c2, c3, k0, k1) -> (uint32, uint32, uint32, uint32)``
    Philox4x32-10 block function.
``block_words_nb(k0, k1, i, j, stream)``
    The four words at sample ``i`` (uint64), block ``j`` of the stream layout.
``uniform01_f64_nb(w_hi, w_lo)``, ``uniform01_f32_nb(w)``
    :math:`U_{53}` and :math:`U_{24}` of the module :mod:`~robtheory.mc.philox`.
``normal_f64_nb(k0, k1, i, k, stream)``, ``normal_f32_nb(...)``,
``uniform_f64_nb(...)``, ``uniform_f32_nb(...)``
    Coordinate ``k`` of sample ``i``.

Numba types an operation mixing uint64 and int64 as float64, so every integer here is
kept explicitly as uint64 (``np.uint64(...)`` around constants and loop indices) and the
32-bit words are uint64 values below :math:`2^{32}`, masked after each addition.
Kernels are cached on disk (in the per-user folder of :mod:`robtheory._cache`, never inside the
package) so that the JIT cost is paid once per machine.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from robtheory._cache import numba_cache

__all__ = [
    "at_kernel",
    "block_words_nb",
    "box_muller_nb",
    "matrix_kernel",
    "normal_f32_nb",
    "normal_f64_nb",
    "philox4x32_nb",
    "uniform01_f32_nb",
    "uniform01_f64_nb",
    "uniform_f32_nb",
    "uniform_f64_nb",
    "words_kernel",
]

_JIT = {"nogil": True, "cache": numba_cache()}


@njit(**_JIT)
def philox4x32_nb(c0, c1, c2, c3, k0, k1):
    """Philox4x32-10 of counter (c0..c3) under key (k0, k1); 4-tuple of uint32."""
    mask = np.uint64(0xFFFFFFFF)
    m0 = np.uint64(0xD2511F53)
    m1 = np.uint64(0xCD9E8D57)
    w0 = np.uint64(0x9E3779B9)
    w1 = np.uint64(0xBB67AE85)
    s32 = np.uint64(32)
    x0 = np.uint64(c0) & mask
    x1 = np.uint64(c1) & mask
    x2 = np.uint64(c2) & mask
    x3 = np.uint64(c3) & mask
    y0 = np.uint64(k0) & mask
    y1 = np.uint64(k1) & mask
    for r in range(10):
        if r > 0:
            y0 = (y0 + w0) & mask
            y1 = (y1 + w1) & mask
        p0 = m0 * x0
        p1 = m1 * x2
        x0, x1, x2, x3 = (
            (p1 >> s32) ^ x1 ^ y0,
            p1 & mask,
            (p0 >> s32) ^ x3 ^ y1,
            p0 & mask,
        )
    return np.uint32(x0), np.uint32(x1), np.uint32(x2), np.uint32(x3)


@njit(**_JIT)
def block_words_nb(k0, k1, i, j, stream):
    """Words of block ``j`` of sample ``i``: counter (i mod 2**32, i >> 32, j, stream)."""
    iu = np.uint64(i)
    return philox4x32_nb(
        iu & np.uint64(0xFFFFFFFF), iu >> np.uint64(32), np.uint64(j), np.uint64(stream), k0, k1
    )


@njit(**_JIT)
def uniform01_f64_nb(w_hi, w_lo):
    """(2m + 1) 2**-53 with m = w_hi 2**20 + (w_lo >> 12): float64 in (0, 1)."""
    m = (np.uint64(w_hi) << np.uint64(20)) | (np.uint64(w_lo) >> np.uint64(12))
    return np.float64((m << np.uint64(1)) | np.uint64(1)) * 2.0**-53


@njit(**_JIT)
def uniform01_f32_nb(w):
    """(2m + 1) 2**-24 with m = w >> 9: float32 in (0, 1)."""
    m = np.uint64(w) >> np.uint64(9)
    return np.float32(np.float64((m << np.uint64(1)) | np.uint64(1)) * 2.0**-24)


@njit(**_JIT)
def box_muller_nb(u_a, u_b):
    """(r cos 2 pi u_b, r sin 2 pi u_b), r = sqrt(-2 ln u_a), in float64."""
    r = math.sqrt(-2.0 * math.log(np.float64(u_a)))
    theta = (2.0 * math.pi) * np.float64(u_b)
    return r * math.cos(theta), r * math.sin(theta)


@njit(**_JIT)
def _block_f64(k0, k1, i, j, stream, normal):
    a, b, c, d = block_words_nb(k0, k1, i, j, stream)
    ua = uniform01_f64_nb(a, b)
    ub = uniform01_f64_nb(c, d)
    if normal:
        return box_muller_nb(ua, ub)
    return ua, ub


@njit(**_JIT)
def _block_f32(k0, k1, i, j, stream, normal):
    """Four float32 values of a block, returned as float64 (exactly representable)."""
    a, b, c, d = block_words_nb(k0, k1, i, j, stream)
    ua = uniform01_f32_nb(a)
    ub = uniform01_f32_nb(b)
    uc = uniform01_f32_nb(c)
    ud = uniform01_f32_nb(d)
    if normal:
        za, zb = box_muller_nb(ua, ub)
        zc, zd = box_muller_nb(uc, ud)
        return (
            np.float64(np.float32(za)),
            np.float64(np.float32(zb)),
            np.float64(np.float32(zc)),
            np.float64(np.float32(zd)),
        )
    return np.float64(ua), np.float64(ub), np.float64(uc), np.float64(ud)


@njit(**_JIT)
def _value(k0, k1, i, k, stream, code):
    """Coordinate k of sample i; code 0/1/2/3 = normal f64/f32, uniform f64/f32."""
    ku = np.uint64(k)
    normal = code < 2
    if code == 0 or code == 2:
        va, vb = _block_f64(k0, k1, i, ku // np.uint64(2), stream, normal)
        return va if ku % np.uint64(2) == np.uint64(0) else vb
    v = _block_f32(k0, k1, i, ku // np.uint64(4), stream, normal)
    pos = ku % np.uint64(4)
    if pos == np.uint64(0):
        return v[0]
    if pos == np.uint64(1):
        return v[1]
    if pos == np.uint64(2):
        return v[2]
    return v[3]


@njit(**_JIT)
def normal_f64_nb(k0, k1, i, k, stream):
    """Float64 standard normal at coordinate k of sample i."""
    return _value(k0, k1, i, k, stream, 0)


@njit(**_JIT)
def normal_f32_nb(k0, k1, i, k, stream):
    """Float32 standard normal at coordinate k of sample i."""
    return np.float32(_value(k0, k1, i, k, stream, 1))


@njit(**_JIT)
def uniform_f64_nb(k0, k1, i, k, stream):
    """Float64 uniform on (0, 1) at coordinate k of sample i."""
    return _value(k0, k1, i, k, stream, 2)


@njit(**_JIT)
def uniform_f32_nb(k0, k1, i, k, stream):
    """Float32 uniform on (0, 1) at coordinate k of sample i."""
    return np.float32(_value(k0, k1, i, k, stream, 3))


@njit(**_JIT)
def words_kernel(k0, k1, samples, blocks, stream, out):
    """out[n, :] = block_words_nb(k0, k1, samples[n], blocks[n], stream)."""
    for n in range(samples.shape[0]):
        a, b, c, d = block_words_nb(k0, k1, samples[n], blocks[n], stream)
        out[n, 0] = a
        out[n, 1] = b
        out[n, 2] = c
        out[n, 3] = d


@njit(**_JIT)
def at_kernel(k0, k1, samples, coords, stream, code, out):
    """out[n] = value of kind ``code`` at (samples[n], coords[n]), as float64."""
    for n in range(samples.shape[0]):
        out[n] = _value(k0, k1, samples[n], coords[n], stream, code)


@njit(**_JIT)
def matrix_kernel(k0, k1, start, count, d, stream, code, out):
    """out[r, k] = value at (start + r, k), one Philox call per block of 2 or 4 coords."""
    normal = code < 2
    per_block = 2 if (code == 0 or code == 2) else 4
    n_blocks = (d + per_block - 1) // per_block
    for r in range(count):
        i = np.uint64(start) + np.uint64(r)
        for j in range(n_blocks):
            k = j * per_block
            if per_block == 2:
                va, vb = _block_f64(k0, k1, i, np.uint64(j), stream, normal)
                out[r, k] = va
                if k + 1 < d:
                    out[r, k + 1] = vb
            else:
                v = _block_f32(k0, k1, i, np.uint64(j), stream, normal)
                for m in range(4):
                    if k + m < d:
                        out[r, k + m] = v[m]
