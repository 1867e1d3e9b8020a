r"""Philox4x32-10: the counter-based random stream behind every Monte Carlo check.

A counter-based generator is a keyed bijection :math:`f_k` of 128-bit counters; the
"random numbers" are :math:`f_k(c)` for counters :math:`c` that the caller chooses. Any
coordinate of any sample is therefore a pure function of ``(seed, sample index,
coordinate)``: results do not depend on chunking, on thread count or on the order in
which work is done, and a single value can be recomputed in isolation (design
principle 5).

Algorithm
---------
Philox4x32-R of Salmon, Moraes, Dror and Shaw, "Parallel random numbers: as easy as
1, 2, 3", SC'11 (the Random123 library). The state is four 32-bit words
:math:`(c_0, c_1, c_2, c_3)` and the key two words :math:`(k_0, k_1)`. One round is

.. math::

    (h_0, l_0) &= \operatorname{mulhilo}(M_0, c_0), \qquad
    (h_1, l_1) = \operatorname{mulhilo}(M_1, c_2), \\
    (c_0, c_1, c_2, c_3) &\leftarrow
        (h_1 \oplus c_1 \oplus k_0,\; l_1,\; h_0 \oplus c_3 \oplus k_1,\; l_0),

with :math:`M_0 = \mathtt{0xD2511F53}`, :math:`M_1 = \mathtt{0xCD9E8D57}` and
``mulhilo`` the high and low 32-bit halves of the 64-bit product. Between rounds the
key is bumped by the Weyl constants :math:`(W_0, W_1) = (\mathtt{0x9E3779B9},
\mathtt{0xBB67AE85})` modulo :math:`2^{32}`. Ten rounds is the Random123 default and
passes BigCrush with a wide safety margin.

Stream layout
-------------
::

    key      = (seed mod 2**32, seed div 2**32)               seed   in [0, 2**64)
    counter  = (i mod 2**32, i div 2**32, j, stream)          i      in [0, 2**64)
                                                              j      in [0, 2**32)
                                                              stream in [0, 2**32)
    (w0, w1, w2, w3) = Philox4x32-10(counter, key)

``i`` is the **sample index** (a row of the sample matrix; 64 bits, so indices far past
:math:`2^{31}` and :math:`2^{32}` are distinct), ``j`` the **word block** within the row
and ``stream`` a tag that separates families of variates (e.g. stream 0 for the
Gaussian features and stream 1 for the label coins: values with the same ``(seed,
stream, i, j)`` share words, so independent families must use different streams).

Coordinate ``k`` of row ``i`` is read from block ``j = k // B`` at position ``k % B``:

=================  ====  ======================================================
value              B     block ``j`` holds coordinates ``B j .. B j + B - 1``
=================  ====  ======================================================
float64 uniform    2     :math:`u_{2j} = U_{53}(w_0, w_1)`, :math:`u_{2j+1} = U_{53}(w_2, w_3)`
float32 uniform    4     :math:`u_{4j+m} = U_{24}(w_m)`, :math:`m = 0..3`
float64 normal     2     Box--Muller on :math:`(u_{2j}, u_{2j+1})`
float32 normal     4     Box--Muller on :math:`(u_{4j}, u_{4j+1})` and on
                         :math:`(u_{4j+2}, u_{4j+3})`
=================  ====  ======================================================

One (seed, stream) pair thus supplies :math:`2^{64}` rows of :math:`2^{33}` float64 (or
:math:`2^{34}` float32) coordinates.

Uniforms on the open interval
-----------------------------
.. math::

    U_{53}(w_{\mathrm{hi}}, w_{\mathrm{lo}}) = (2m + 1)\,2^{-53},\quad
    m = w_{\mathrm{hi}}\,2^{20} + \lfloor w_{\mathrm{lo}} / 2^{12} \rfloor \in [0, 2^{52}),
    \qquad
    U_{24}(w) = (2m + 1)\,2^{-24},\quad m = \lfloor w / 2^{9} \rfloor \in [0, 2^{23}).

The values are the odd multiples of :math:`2^{-53}` (resp. :math:`2^{-24}`) in (0, 1),
each with equal probability: exactly representable, never 0 or 1, symmetric under
:math:`u \mapsto 1 - u`, with mean exactly 1/2 and resolution :math:`2^{-53}` (resp.
:math:`2^{-24}`). One random bit fewer than the resolution is the price of an *open*
interval: the :math:`2^{53}` midpoints :math:`(m + 1/2)2^{-53}` are not all
representable in float64 above 1/2.

Normal transform (Box--Muller)
------------------------------
.. math::

    r = \sqrt{-2 \ln u_a}, \qquad \theta = 2\pi u_b, \qquad
    z_a = r\cos\theta, \quad z_b = r\sin\theta,

which maps two independent U(0, 1) variables to two independent N(0, 1) variables.
Box--Muller was chosen over the inverse CDF because it is exact in distribution,
branch-free and made of ``log/sqrt/cos/sin`` that NumPy, numba and CUDA all provide.
Both dtypes compute the transform in float64; float32 normals are that value rounded
to float32, so every backend can agree to within one float32 ulp.

The lattice of uniforms truncates the tails: :math:`|z| \le \sqrt{106 \ln 2} \approx
8.57` for float64 (:math:`P(|Z| > 8.57) \approx 10^{-17}`, negligible) and
:math:`|z| \le \sqrt{48 \ln 2} \approx 5.77` for float32, where the cut tail has
probability :math:`\approx 8 \times 10^{-9}` and the last few units of the tail are
coarsely discretised. Do not estimate Gaussian tail probabilities below about
:math:`10^{-7}` from the float32 stream.

The numba versions (:func:`philox4x32_nb` and the kernels behind ``backend="numba"``)
live in :mod:`robtheory.mc._philox_numba`; this module imports numba only when they are
first used, so ``import robtheory.mc.philox`` works without numba.
"""

from __future__ import annotations

import functools
import numbers
from typing import Any

import numpy as np

from robtheory import _backend

__all__ = [
    "MAX_ABS_NORMAL_F32",
    "MAX_ABS_NORMAL_F64",
    "PHILOX_M0",
    "PHILOX_M1",
    "PHILOX_W0",
    "PHILOX_W1",
    "box_muller",
    "counters",
    "normal_matrix",
    "normals",
    "numba_available",
    "numba_status",
    "philox4x32",
    "raw_words",
    "seed_to_key",
    "uniform01",
    "uniform01_f32",
    "uniform_matrix",
    "uniforms",
]

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


def _numba_backend_status() -> dict[str, _backend.Status]:
    return {"numba": _backend.numba_usable()}


def _resolve_backend(backend: str) -> str:
    """:func:`robtheory._backend.resolve`: "auto" is numba where it is usable, else NumPy."""
    return _backend.resolve(backend, _BACKENDS, _numba_backend_status, ("numba",))


def raw_words(
    seed: int, samples: Any, blocks: Any, *, stream: int = 0, backend: str = "numpy"
) -> np.ndarray:
    """The four Philox output words of the stream at (sample, block).

    Parameters
    ----------
    seed : int
        In :math:`[0, 2^{64})`.
    samples : array_like of int
        Sample indices in :math:`[0, 2^{64})`.
    blocks : array_like of int
        Word-block indices in :math:`[0, 2^{32})`; broadcast against ``samples``.
    stream : int, default 0
        Stream tag in :math:`[0, 2^{32})`.
    backend : {"numpy", "numba", "auto"}
        ``"numpy"`` is the reference; ``"numba"`` must agree bitwise.

    Returns
    -------
    ndarray of uint32, shape broadcast(samples, blocks) + (4,)
    """
    key = seed_to_key(seed)
    i = _as_uint(samples, "samples", _TWO64, _U64)
    j = _as_uint(blocks, "blocks", _TWO32, _U64)
    stream = _check_int(stream, "stream", 0, _TWO32)
    if _resolve_backend(backend) == "numba":
        i, j = np.broadcast_arrays(i, j)
        out = np.empty(i.shape + (4,), dtype=_U32)
        _nb().words_kernel(key[0], key[1], i.reshape(-1), j.reshape(-1), stream, out.reshape(-1, 4))
        return out
    return np.stack(np.broadcast_arrays(*_words(key, i, j, stream)), axis=-1)


def _at(seed, samples, coords, dtype, stream, backend, kind: str) -> np.ndarray:
    key = seed_to_key(seed)
    dt = _check_dtype(dtype)
    per_block = 2 if dt == np.float64 else 4
    i = _as_uint(samples, "samples", _TWO64, _U64)
    k = _as_uint(coords, "coords", per_block * _TWO32, _U64)
    stream = _check_int(stream, "stream", 0, _TWO32)
    if _resolve_backend(backend) == "numba":
        i, k = np.broadcast_arrays(i, k)
        out = np.empty(i.shape, dtype=np.float64)
        code = _KIND_CODES[(kind, dt.name)]
        _nb().at_kernel(key[0], key[1], i.reshape(-1), k.reshape(-1), stream, code, out.reshape(-1))
        return out.astype(dt, copy=False)
    return _values(key, i, k, stream, dt, kind).astype(dt, copy=False)


def uniforms(
    seed: int,
    samples: Any,
    coords: Any,
    *,
    dtype: Any = np.float64,
    stream: int = 0,
    backend: str = "numpy",
) -> np.ndarray:
    """Uniforms on (0, 1) at coordinates (sample, coord) of the stream.

    Parameters
    ----------
    seed : int
        In :math:`[0, 2^{64})`.
    samples : array_like of int
        Sample indices in :math:`[0, 2^{64})`.
    coords : array_like of int
        Coordinates in :math:`[0, 2^{33})` (float64) or :math:`[0, 2^{34})` (float32);
        broadcast against ``samples``.
    dtype : {float64, float32}
        Selects :math:`U_{53}` (2 per block) or :math:`U_{24}` (4 per block).
    stream : int, default 0
    backend : {"numpy", "numba", "auto"}

    Returns
    -------
    ndarray of dtype, shape broadcast(samples, coords)
    """
    return _at(seed, samples, coords, dtype, stream, backend, "uniform")


def normals(
    seed: int,
    samples: Any,
    coords: Any,
    *,
    dtype: Any = np.float64,
    stream: int = 0,
    backend: str = "numpy",
) -> np.ndarray:
    """Standard normals at coordinates (sample, coord) of the stream.

    ``normals(seed, i, k)`` is a pure function of ``(seed, stream, i, k, dtype)``; see
    the module docstring for the layout and the Box--Muller pairing.

    Parameters
    ----------
    seed : int
        In :math:`[0, 2^{64})`.
    samples : array_like of int
        Sample indices in :math:`[0, 2^{64})`.
    coords : array_like of int
        Coordinates in :math:`[0, 2^{33})` (float64) or :math:`[0, 2^{34})` (float32);
        broadcast against ``samples``.
    dtype : {float64, float32}
    stream : int, default 0
    backend : {"numpy", "numba", "auto"}
        ``"numba"`` agrees with the NumPy reference to a few float64 ulps (one float32
        ulp for float32).

    Returns
    -------
    ndarray of dtype, shape broadcast(samples, coords)
    """
    return _at(seed, samples, coords, dtype, stream, backend, "normal")


def _matrix(seed, start, count, d, dtype, stream, backend, kind: str) -> np.ndarray:
    key = seed_to_key(seed)
    dt = _check_dtype(dtype)
    per_block = 2 if dt == np.float64 else 4
    start = _check_int(start, "start", 0, _TWO64)
    count = _check_int(count, "count", 0, _TWO64 - start + 1)
    d = _check_int(d, "d", 0, per_block * _TWO32 + 1)
    stream = _check_int(stream, "stream", 0, _TWO32)
    if _resolve_backend(backend) == "numba":
        out = np.empty((count, d), dtype=np.float64)
        code = _KIND_CODES[(kind, dt.name)]
        _nb().matrix_kernel(key[0], key[1], _U64(start), count, d, stream, code, out)
        return out.astype(dt, copy=False)
    # Rows start .. start + count - 1 never wrap: count <= 2**64 - start was checked.
    i = (_U64(start) + np.arange(count, dtype=_U64))[:, None]
    n_blocks = -(-d // per_block)
    j = np.arange(n_blocks, dtype=_U64)[None, :]
    vals = _block_values(_words(key, i, j, stream), dt, kind)  # (count, n_blocks, B)
    return vals.reshape(count, n_blocks * per_block)[:, :d].astype(dt, copy=False)


def uniform_matrix(
    seed: int,
    start: int,
    count: int,
    d: int,
    *,
    dtype: Any = np.float64,
    stream: int = 0,
    backend: str = "numpy",
) -> np.ndarray:
    """Rows ``start .. start+count-1`` and coordinates ``0 .. d-1`` of the uniform stream.

    Equal to ``uniforms(seed, arange(start, start+count)[:, None], arange(d))``, so any
    split of the rows into chunks reproduces the same matrix.

    Returns
    -------
    ndarray of dtype, shape (count, d)
    """
    return _matrix(seed, start, count, d, dtype, stream, backend, "uniform")


def normal_matrix(
    seed: int,
    start: int,
    count: int,
    d: int,
    *,
    dtype: Any = np.float64,
    stream: int = 0,
    backend: str = "numpy",
) -> np.ndarray:
    """Rows ``start .. start+count-1`` and coordinates ``0 .. d-1`` of the normal stream.

    Equal to ``normals(seed, arange(start, start+count)[:, None], arange(d))``, so any
    split of the rows into chunks reproduces the same matrix.

    Parameters
    ----------
    seed : int
        In :math:`[0, 2^{64})`.
    start : int
        First sample index; ``start + count <= 2**64``.
    count : int
        Number of rows.
    d : int
        Number of coordinates per row.
    dtype : {float64, float32}
    stream : int, default 0
    backend : {"numpy", "numba", "auto"}

    Returns
    -------
    ndarray of dtype, shape (count, d)
    """
    return _matrix(seed, start, count, d, dtype, stream, backend, "normal")


# --------------------------------------------------------------------------- numba side
_KIND_CODES = {
    ("normal", "float64"): 0,
    ("normal", "float32"): 1,
    ("uniform", "float64"): 2,
    ("uniform", "float32"): 3,
}


@functools.cache
def _nb():
    """Import (and thereby jit-compile lazily) the numba kernels."""
    from robtheory.mc import _philox_numba

    return _philox_numba


#: The numba probe (it lives in :mod:`robtheory._backend`; this name stays for its callers).
numba_status = _backend.numba_status


def numba_available() -> bool:
    """Whether numba is installed and imports (:func:`numba_status`); the NumPy reference never needs it."""
    return numba_status()[0]


def __getattr__(name: str):
    # PEP 562: ``from robtheory.mc.philox import philox4x32_nb`` imports numba on demand.
    if name == "philox4x32_nb":
        return _nb().philox4x32_nb
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
