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

from robtheory.mc._philox_core import (  # noqa: F401 (the primitives, re-exported here)
    PHILOX_M0,
    PHILOX_M1,
    PHILOX_W0,
    PHILOX_W1,
    MAX_ABS_NORMAL_F64,
    MAX_ABS_NORMAL_F32,
    _U32,
    _U64,
    _TWO32,
    _TWO64,
    _BACKENDS,
    _is_int_scalar,
    _check_int,
    _as_uint,
    _check_dtype,
    seed_to_key,
    _philox_u32,
    philox4x32,
    counters,
    _words,
    uniform01,
    _u53,
    uniform01_f32,
    _u24,
    box_muller,
    _block_values,
    _values,
)

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
