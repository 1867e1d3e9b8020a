r"""The numba kernels of :mod:`robtheory.mc.cpu` (fused sampling and reduction, no n x d array).

Every jitted function of the CPU backend lives in this one file, device functions included,
and so does every constant they compile in: numba's on-disk cache is keyed on the contents of
the file of the cached kernel only, so a device function or a global kept in another module
leaves a stale compiled kernel behind when that module changes. (The Philox rounds used to be
re-jitted from :mod:`robtheory.mc._philox_numba`, and the stream tags imported from
:mod:`robtheory.mc.reference`: an edit of either, undone later, left kernels compiled from the
edited version in the cache, found by planting a wrong Philox key constant.) The copies here are
tested equal to those modules, and the stream tags are checked on import. The Python wrappers
(argument handling, splitting long runs) are in :mod:`robtheory.mc.cpu`.

The kernels draw exactly the samples of the NumPy oracle :mod:`robtheory.mc.reference`
(same Philox stream layout, same stream tags, same score arithmetic) but never store
them: a tile of :data:`TILE` samples lives in a few small per-tile arrays (labels, running
scores, and the normals of one word block at a time), and each tile returns its counts.
Tiles are spread over threads with ``prange``; the per-tile partial results are kept in an
array indexed by tile and summed in tile order at the end, so the counts (and the float
sums of :func:`marginal_sums`) do not depend on the number of threads or on how the work is
scheduled.

Normal transform
----------------
The Philox words, uniforms, labels and the Box--Muller pairing are those of
:mod:`robtheory.mc.philox` (its device functions are copied here, inlined with
``inline="always"`` so that LLVM can vectorise the loop over the samples of a tile, and kept
in this file for the cache, as said above).
Only the elementary functions differ, because the loops must be vectorisable (libm
calls are not, and SVML is not available everywhere):

float64
    :math:`\ln u` by the fdlibm/musl algorithm (reduction to :math:`[\sqrt2/2, \sqrt2)`,
    degree-14 odd polynomial in :math:`s = f/(2 + f)`), and :math:`\sin, \cos` of
    :math:`\theta = \mathrm{fl}(2\pi u)` by the fdlibm kernels after a Cody--Waite
    reduction by :math:`\pi/2`, their polynomials by fused multiply-adds (:func:`_fma`).
    The logarithm is within 1 ulp, sine and cosine within 1 ulp plus
    :data:`SINCOS_F64_ABS` (the reduction's absolute error, which matters only next to a
    zero of the function); so the normals agree with the NumPy reference to a few ulps
    (which NumPy does not promise either: its own ``log``/``sin``/``cos`` differ from libm's
    in the last ulp on some CPUs) and the **counts agree exactly** (a flip would need a
    margin within ~1e-15 of a threshold). Tested bit for bit on counts, ulp-bounded on values
    against mpmath. About 6 % of the float64 normals differ from the reference's in the last
    ulp or two (as before the fused multiply-adds; 0.5 % of them changed with them).
    AVX2 has no instruction for 64-bit integer <-> float64 conversion, and LLVM
    scalarises such a conversion inside a vectorised loop; so the uniforms
    (:func:`_u53`), the exponent of the logarithm and the quadrant of the sine are
    built from float64 bit patterns instead -- exactly the same values (tested), about
    10 % more throughput.
float32
    cephes ``logf`` and ``sinf``/``cosf`` evaluated in float32 by fused multiply-adds, with
    the angle reduced exactly from the uniform (:math:`4u - \mathrm{round}(4u)` is exact):
    on every one of the :math:`2^{23}` float32 uniforms, :math:`\ln u` is within
    :data:`LOG_F32_BOUND_ULPS` float32 ulp and :math:`\sin 2\pi u, \cos 2\pi u` within
    :data:`SINCOS_F32_BOUND` (absolute), tested exhaustively. So the normals are within a few
    float32 ulps of the reference's float32 stream (which rounds a float64 Box--Muller); about
    40 % of them differ from it in the last bit or two. float32 counts therefore agree with the
    reference statistically, not bit for bit.

The fused multiply-adds are explicit (``llvm.fma``), so the values do not depend on the CPU
or on LLVM's choices: without FMA instructions the same values come from the correctly
rounded ``fma`` of the C library, only slower.

Vectorisation
-------------
Each loop over the samples of a tile is vectorised by LLVM across samples (one SIMD lane per
sample; a 64-bit lane per Philox word, the 32 x 32 -> 64-bit products as ``vpmuludq``).
Two measures bring the generator near what the cores can issue (``robtheory bench``, bare
generator):

* the normals of a word block are made in two loops over the tile
  (:func:`_normal_pairs_tile_f64`, :func:`_normal_quads_tile_f32`): the Philox rounds with the
  uniforms, then Box--Muller, through per-tile buffers. One loop doing both has a dependency
  chain per sample (ten multiply rounds, then log, division, square root and the sine and
  cosine polynomials) longer than the out-of-order window, so consecutive vector iterations
  hardly overlap;
* every function with a hot loop asks LLVM for 512-bit vectors (:func:`_wide_vectors`, the
  per-function attribute ``prefer-vector-width=512``): LLVM's tuning for AVX-512 server cores
  otherwise stops at 256 bits. No-op without AVX-512.

The linear kernels go one step further: their second loop does Box--Muller and adds the normals
into the scores at once (:func:`_linear_tile_f64`, :func:`_linear_tile_f32`), so the
normals never reach memory. None of this changes a value: the operations and their order are
those of the per-sample device functions :func:`_normal_pair_f64` and :func:`_normal_quad_f32`
(tested bit for bit), the only fused multiply-adds are the explicit ones of the transforms, and
numba contracts no other multiply-add into an FMA without ``fastmath`` (the score arithmetic
stays the reference's).

Where the time goes (one thread, float64 / float32 ns per normal, d = 1000, this machine's
Xeon @ 2.8 GHz with AVX-512): Philox rounds with the uniforms 1.11 / 0.49, Box--Muller 1.5 / 0.45,
the score update 0.2 / 0.05. The Philox loop issues two 512-bit operations per cycle (its
ten rounds are ``vpmuludq``, shifts and ``vpternlogq``, close to the minimum of six operations
per round), so the generator is at the port limit; in float64 Box--Muller, one ``vdivpd`` and one
``vsqrtpd`` per 8 pairs also occupy the divider.

Indices are uint64 throughout (sample ``start + t`` of a call), so sample counts past
:math:`2^{31}` and indices past :math:`2^{32}` are exact; one kernel call handles at most
:data:`MAX_CALL` samples, and the Python wrappers below split longer runs and add the
counts as Python ints (memory is flat in n).

The weight vector is padded with zeros to whole Philox blocks (2 float64 or 4 float32
normals per block), so each kernel has a single inlined copy of the normal generator
(compile time); adding ``0 * x`` leaves every score unchanged.
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.extending import intrinsic

from robtheory._cache import numba_cache
from robtheory.mc import reference as _reference

__all__ = ["MAX_CALL", "TILE"]

#: Samples per tile (the unit of work of one thread at a time).
TILE = 256
#: Largest number of samples one kernel call handles (the partial-count array is
#: ``MAX_CALL / TILE`` rows); larger runs are split by the caller.
MAX_CALL = 1 << 22

_DEV = {"inline": "always", "nogil": True, "error_model": "numpy"}
_CALL = {"nogil": True, "error_model": "numpy"}
_KER = {"parallel": True, "cache": numba_cache(), "nogil": True, "error_model": "numpy"}

# The stream tags of robtheory.mc.reference, as literals of this file (see the module notes).
STREAM_NORMAL, STREAM_Y, STREAM_X1 = 0, 1, 2
if (STREAM_NORMAL, STREAM_Y, STREAM_X1) != (_reference.STREAM_NORMAL, _reference.STREAM_Y,
                                            _reference.STREAM_X1):
    raise RuntimeError("robtheory.mc._cpu_kernels: its stream tags differ from robtheory.mc.reference's")

_M32 = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)
_Z64 = np.uint64(0)
_SY = np.uint64(STREAM_Y)
_SX1 = np.uint64(STREAM_X1)
_SN = np.uint64(STREAM_NORMAL)


@njit(**_DEV)
def _philox(c0, c1, c2, c3, k0, k1):
    """Philox4x32-10 of counter (c0..c3) under key (k0, k1); 4-tuple of uint32.

    The block function of :func:`robtheory.mc._philox_numba.philox4x32_nb` (tested equal to it
    and to the NumPy one), kept here for the cache (see the module notes) and inlined at numba-IR
    level so that the per-tile sample loops vectorise (a call to a separately compiled function
    is opaque and blocks vectorisation).
    """
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


# --------------------------------------------------------------------------- vector width
#: The LLVM function attribute that :func:`_wide_vectors` sets.
PREFER_VECTOR_WIDTH = '"prefer-vector-width"="512"'


@intrinsic
def _wide_vectors(typingctx):
    """Let LLVM vectorise the calling function with 512-bit registers where the CPU has them.

    LLVM's x86 tuning for Skylake-X / Ice Lake servers caps the loop vectoriser at 256 bits
    (``prefer-256-bit``, against the clock drop of heavy 512-bit code); the Philox rounds and the
    Box--Muller polynomials are throughput-bound integer and float arithmetic that run about 1.35x
    faster with 8 (float64) or 16 (float32) lanes. The attribute is per function, so no other
    numba code in the process is affected, and it is a no-op on CPUs without AVX-512 (the widest
    legal vectors stay 256-bit). Every jitted function below that holds a hot loop calls this
    first: LLVM vectorises each function with its own attributes, before any inlining.
    """
    sig = types.none()

    def codegen(context, builder, signature, args):
        # llvmlite's AttributeSet only accepts a fixed list of keyword attributes; the string
        # attribute is rendered verbatim in the function's definition line.
        set.add(builder.function.attributes, PREFER_VECTOR_WIDTH)
        return context.get_dummy_value()

    return sig, codegen


# --------------------------------------------------------------------------- bit casts
@intrinsic
def _f64_bits(typingctx, x):
    sig = types.uint64(types.float64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))

    return sig, codegen


@intrinsic
def _bits_f64(typingctx, x):
    sig = types.float64(types.uint64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return sig, codegen


@intrinsic
def _f32_bits(typingctx, x):
    sig = types.uint32(types.float32)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(32))

    return sig, codegen


@intrinsic
def _bits_f32(typingctx, x):
    sig = types.float32(types.uint32)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.FloatType())

    return sig, codegen


@intrinsic
def _fma(typingctx, a, b, c):
    """a * b + c with one rounding (IEEE fusedMultiplyAdd), for float32 or float64 operands.

    An explicit ``llvm.fma``, not a contraction left to LLVM (``fastmath``): which products are
    fused is fixed here, so the values are the same on every machine and with every LLVM version
    (a CPU without FMA instructions gets the correctly rounded libm ``fma``, slower, same values).
    """
    if not (isinstance(a, types.Float) and a == b == c):
        return None
    sig = a(a, b, c)

    def codegen(context, builder, signature, args):
        return builder.fma(*args)

    return sig, codegen


# Integer -> float64 conversions have no AVX2 instruction for 64-bit lanes, so LLVM
# extracts every lane and converts it with a scalar vcvtsi2sd inside the vectorised loops.
# The two conversions below build the same float64 from its bits instead (exact, so the
# uniforms and the logarithm are bit-identical to the plain conversions).
_EXP_ONE = np.uint64(0x3FF0000000000000)  # bits of 1.0
_EXP_2_52 = np.uint64(0x4330000000000000)  # bits of 2**52
_ONE_LESS_HALF_ULP = 1.0 - 2.0**-53  # 53 one bits: exactly representable


@njit(**_DEV)
def _u53(w_hi, w_lo):
    """(2m + 1) 2**-53 with m = w_hi 2**20 + (w_lo >> 12), as :func:`uniform01_f64_nb`.

    ``1.0 | m`` (bits) is :math:`1 + m 2^{-52}`; subtracting :math:`1 - 2^{-53}` leaves
    :math:`(2m + 1) 2^{-53}`, which has at most 53 significant bits, so the subtraction is
    exact (one operation where subtracting 1 and adding :math:`2^{-53}` took two).
    """
    m = (np.uint64(w_hi) << np.uint64(20)) | (np.uint64(w_lo) >> np.uint64(12))
    return _bits_f64(_EXP_ONE | m) - _ONE_LESS_HALF_ULP


_2_52_PLUS_1023 = 4503599627370496.0 + 1023.0  # exact (an integer below 2**53)
_SIGN64 = np.uint64(1 << 63)
_SIGN32 = np.uint32(1 << 31)
_62 = np.uint64(62)
_30 = np.uint32(30)


@njit(**_DEV)
def _small_uint_f64(e):
    """float64(e) for an integer 0 <= e < 2**52, exactly: (2**52 | e) - 2**52."""
    return _bits_f64(_EXP_2_52 | e) - 4503599627370496.0


# --------------------------------------------------------------------------- error bounds
#: float32 ``_log_f32(u)`` is within this many float32 ulps of ln u for every float32 uniform
#: u = (2m + 1) 2**-24 (largest found over all 2**23 of them: 0.82).
LOG_F32_BOUND_ULPS = 1.0
#: float32 ``_sincos2pi_f32(u)``: absolute error bound for every float32 uniform (largest found
#: over all 2**23 of them: 0.89 * 2**-23).
SINCOS_F32_BOUND = 2.0**-23
#: float64 ``_sincos_f64(theta)``, theta in [0, 2 pi]: error at most 1 ulp plus this absolute
#: term, the Cody--Waite reduction's (fn <= 4): 4 |pi/2 - (_PIO2_1 + _PIO2_1T)| = 1.41e-26 and
#: the rounding of fn * _PIO2_1T, at most half an ulp of 4 * _PIO2_1T = 2.59e-26.
SINCOS_F64_ABS = 4.0e-26


# --------------------------------------------------------------------------- float64 math
# fdlibm e_log.c / musl log.c (Sun Microsystems, freely redistributable): max error < 1 ulp.
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_LG1 = 6.666666666666735130e-01
_LG2 = 3.999999999940941908e-01
_LG3 = 2.857142874366239149e-01
_LG4 = 2.222219843214978396e-01
_LG5 = 1.818357216161805012e-01
_LG6 = 1.531383769920937332e-01
_LG7 = 1.479819860511658591e-01


@njit(**_DEV)
def _log_f64(x):
    """ln x for a positive normal float64 (branch-free: only such x occur here)."""
    bits = _f64_bits(x)
    # Reduce x to [sqrt(2)/2, sqrt(2)) * 2**k by moving the exponent (musl's trick).
    hx = (bits >> _S32) + np.uint64(0x3FF00000 - 0x3FE6A09E)
    # the exponent k, exactly, as a float: (2**52 + e) - (2**52 + 1023), one exact subtraction
    # (as _small_uint_f64(e) - 1023.0, without its separate subtraction of 2**52)
    dk = _bits_f64(_EXP_2_52 | (hx >> np.uint64(20))) - _2_52_PLUS_1023
    hx = (hx & np.uint64(0x000FFFFF)) + np.uint64(0x3FE6A09E)
    xr = _bits_f64((hx << _S32) | (bits & _M32))
    f = xr - 1.0
    hfsq = 0.5 * f * f
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    t1 = w * _fma(w, _fma(w, _LG6, _LG4), _LG2)
    t2 = z * _fma(w, _fma(w, _fma(w, _LG7, _LG5), _LG3), _LG1)
    r = t2 + t1
    # musl's s * (hfsq + r) + dk * ln2_lo - hfsq + f + dk * ln2_hi, left to right; the last
    # product is exact (ln2_hi has 32 significant bits, |dk| < 2**11), so fusing it is too
    return _fma(dk, _LN2_HI, (_fma(dk, _LN2_LO, s * (hfsq + r)) - hfsq) + f)


# fdlibm k_sin.c / k_cos.c on [-pi/4, pi/4] (with the tail y of the reduced argument).
_S1 = -1.66666666666666324348e-01
_S2 = 8.33333333332248946124e-03
_S3 = -1.98412698298579493134e-04
_S4 = 2.75573137070700676789e-06
_S5 = -2.50507602534068634195e-08
_S6 = 1.58969099521155010221e-10
_C1 = 4.16666666666666019037e-02
_C2 = -1.38888888888741095749e-03
_C3 = 2.48015872894767294178e-05
_C4 = -2.75573143513906633035e-07
_C5 = 2.08757232129817482790e-09
_C6 = -1.13596475577881948265e-11
_INVPIO2 = 6.36619772367581382433e-01
_PIO2_1 = 1.57079632673412561417e00  # first 33 bits of pi/2
_PIO2_1T = 6.07710050650619224932e-11  # pi/2 - _PIO2_1
_TOINT = 1.5 / 2.220446049250313e-16  # adding and subtracting it rounds to an integer
_TWO_PI = 2.0 * math.pi


@njit(**_DEV)
def _sincos_f64(theta):
    """(sin, cos) of theta in [0, 2 pi]: Cody-Waite by pi/2, then the fdlibm kernels."""
    big = theta * _INVPIO2 + _TOINT  # ulp 1: its low mantissa bits are the integer itself
    fn = big - _TOINT
    qb = _f64_bits(big)  # its two low bits: q = int(fn) & 3, without a float -> int conversion
    r = _fma(-fn, _PIO2_1, theta)  # fn * _PIO2_1 is exact (fn <= 4, 33-bit constant)
    w = fn * _PIO2_1T
    x = r - w
    y = (r - x) - w
    z = x * x
    zz = z * z
    rs = _fma(z, _fma(z, _S4, _S3), _S2) + z * zz * _fma(z, _S6, _S5)
    v = z * x
    sn = x - _fma(-v, _S1, _fma(z, _fma(-v, rs, 0.5 * y), -y))
    rc = z * _fma(z, _fma(z, _C3, _C2), _C1) + zz * zz * _fma(z, _fma(z, _C6, _C5), _C4)
    hz = 0.5 * z
    wc = 1.0 - hz
    cs = wc + (((1.0 - wc) - hz) + _fma(z, rc, -(x * y)))
    # theta = q pi/2 + x: sin = (s, c, -s, -c)[q], cos = (c, -s, -c, s)[q]. The signs are bits
    # of q moved to the sign bit (negation is exactly a sign-bit flip): sin is negated when
    # bit 1 of q is set (q = 2, 3), cos when bit 1 of q + 1 is (q = 1, 2).
    odd = (qb & np.uint64(1)) == np.uint64(1)
    s_out = cs if odd else sn
    c_out = sn if odd else cs
    s_out = _bits_f64(_f64_bits(s_out) ^ ((qb << _62) & _SIGN64))
    c_out = _bits_f64(_f64_bits(c_out) ^ (((qb + np.uint64(1)) << _62) & _SIGN64))
    return s_out, c_out


@njit(**_DEV)
def _box_muller_f64(ua, ub):
    """(r cos theta, r sin theta), r = sqrt(-2 ln ua), theta = fl(2 pi ub): the kernels' float64
    Box--Muller (the reference's formula with the vectorisable log, sin and cos above)."""
    r = math.sqrt(-2.0 * _log_f64(ua))
    sn, cs = _sincos_f64(_TWO_PI * ub)
    return r * cs, r * sn


@njit(**_DEV)
def _normal_pair_f64(k0, k1, i, j):
    """Normals 2j and 2j + 1 of sample i (float64 layout of robtheory.mc.philox)."""
    a, b, c, d = _philox(i & _M32, i >> _S32, j, _SN, k0, k1)
    return _box_muller_f64(_u53(a, b), _u53(c, d))


# --------------------------------------------------------------------------- float32 math
_F = np.float32
_SQRTHF = _F(0.707106781186547524)
_LF0 = _F(7.0376836292e-2)
_LF1 = _F(-1.1514610310e-1)
_LF2 = _F(1.1676998740e-1)
_LF3 = _F(-1.2420140846e-1)
_LF4 = _F(1.4249322787e-1)
_LF5 = _F(-1.6668057665e-1)
_LF6 = _F(2.0000714765e-1)
_LF7 = _F(-2.4999993993e-1)
_LF8 = _F(3.3333331174e-1)
_LQ1 = _F(-2.12194440e-4)
_LQ2 = _F(0.693359375)
_SF1 = _F(-1.9515295891e-4)
_SF2 = _F(8.3321608736e-3)
_SF3 = _F(-1.6666654611e-1)
_CF1 = _F(2.443315711809948e-5)
_CF2 = _F(-1.388731625493765e-3)
_CF3 = _F(4.166664568298827e-2)
_F_HALF = _F(0.5)
_F_ONE = _F(1.0)
_F_TWO = _F(2.0)
_F_FOUR = _F(4.0)
_F_M2 = _F(-2.0)
_F_PIO2 = _F(math.pi / 2)
_F_ONE_LESS_HALF_ULP = _F(1.0 - 2.0**-24)  # 24 one bits: exactly representable
_F_126 = _F(126.0)
_F_ROUND = _F(1.5 * 2.0**23)


@njit(**_DEV)
def _u24(w):
    """(2m + 1) 2**-24 with m = w >> 9, as float32 (U24 of robtheory.mc.philox).

    Built from bits as :func:`_u53`: ``1.0f | m`` is :math:`1 + m 2^{-23}`, and subtracting
    :math:`1 - 2^{-24}` is exact; no integer -> float conversion (which, from the 64-bit lanes
    that carry the Philox words, costs a two-uop ``vcvtqq2ps`` per 8 values).
    """
    m = np.uint32(w) >> np.uint32(9)
    return _bits_f32(np.uint32(0x3F800000) | m) - _F_ONE_LESS_HALF_ULP


@njit(**_DEV)
def _log_f32(x):
    """cephes logf for a positive normal float32, in float32, its polynomial by fused
    multiply-adds (error bound: :data:`LOG_F32_BOUND_ULPS`, checked on every input the
    uniforms can take)."""
    bits = _f32_bits(x)
    # The exponent as a float32 straight from its 8-bit field (exact): numba would widen an
    # int32 exponent to int64, which costs two int64 -> float conversions per 16 lanes.
    fe = _F(np.uint32((bits >> np.uint32(23)) & np.uint32(0xFF))) - _F_126
    mant = _bits_f32((bits & np.uint32(0x007FFFFF)) | np.uint32(0x3F000000))  # in [0.5, 1)
    small = mant < _SQRTHF
    fe = fe - _F_ONE if small else fe
    xm = (mant + mant - _F_ONE) if small else (mant - _F_ONE)  # in [sqrt(1/2) - 1, sqrt(2) - 1)
    z = xm * xm
    y = _fma(_LF0, xm, _LF1)
    y = _fma(y, xm, _LF2)
    y = _fma(y, xm, _LF3)
    y = _fma(y, xm, _LF4)
    y = _fma(y, xm, _LF5)
    y = _fma(y, xm, _LF6)
    y = _fma(y, xm, _LF7)
    y = _fma(y, xm, _LF8)
    y = y * xm * z
    y = _fma(_LQ1, fe, y)
    y = _fma(-_F_HALF, z, y)
    return _fma(_LQ2, fe, xm + y)  # _LQ2 * fe is exact (_LQ2 has 9 significant bits)


@njit(**_DEV)
def _sincos2pi_f32(u):
    """(sin 2 pi u, cos 2 pi u) for u in (0, 1), in float32; exact quadrant reduction, then
    the cephes sinf / cosf polynomials by fused multiply-adds (error bound:
    :data:`SINCOS_F32_BOUND`, checked on every input the uniforms can take)."""
    t = _F_FOUR * u  # exact
    # round(t) by the magic constant 1.5 * 2**23 (ulp 1 in [2**23, 2**24)): the same integer
    # as floor(t + 1/2), since the fraction of t = (2m + 1) 2**-22 is never exactly 1/2 (no
    # ties); the low mantissa bits of the sum are the quadrant: no float <-> int conversion.
    big = t + _F_ROUND
    qf = big - _F_ROUND
    x = (t - qf) * _F_PIO2  # t - qf is exact, in [-1/2, 1/2]
    q = _f32_bits(big) & np.uint32(3)
    z = x * x
    sn = _fma(_fma(_fma(_SF1, z, _SF2), z, _SF3) * z, x, x)
    cs = _fma(_fma(_fma(_CF1, z, _CF2), z, _CF3) * z, z, _fma(-_F_HALF, z, _F_ONE))
    odd = (q & np.uint32(1)) == np.uint32(1)
    s_out = cs if odd else sn
    c_out = sn if odd else cs
    # negate sin for q = 2, 3 and cos for q = 1, 2 by sign-bit flips, as in _sincos_f64
    s_out = _bits_f32(_f32_bits(s_out) ^ ((q << _30) & _SIGN32))
    c_out = _bits_f32(_f32_bits(c_out) ^ (((q + np.uint32(1)) << _30) & _SIGN32))
    return s_out, c_out


@njit(**_DEV)
def _bm_f32(ua, ub):
    r = math.sqrt(_F_M2 * _log_f32(ua))
    sn, cs = _sincos2pi_f32(ub)
    return _F(r) * cs, _F(r) * sn


@njit(**_DEV)
def _normal_quad_f32(k0, k1, i, j):
    """Normals 4j .. 4j + 3 of sample i (float32 layout of robtheory.mc.philox)."""
    a, b, c, d = _philox(i & _M32, i >> _S32, j, _SN, k0, k1)
    za, zb = _bm_f32(_u24(a), _u24(b))
    zc, zd = _bm_f32(_u24(c), _u24(d))
    return za, zb, zc, zd


# --------------------------------------------------------------------------- tile generators
# The normals of one word block j for the m samples of a tile, written into per-tile buffers in
# two loops: the Philox rounds and the uniforms, then the Box--Muller transform. Each loop is
# short enough for the out-of-order core to overlap its iterations; one loop holding both has a
# dependency chain (ten multiply rounds, then log, division, square root and the sine
# polynomials) too long for that, and ran about 1.15x slower. The values are exactly those of
# :func:`_normal_pair_f64` / :func:`_normal_quad_f32` (same operations on the same inputs).
@njit(**_CALL)
def _uniform_pairs_tile_f64(k0, k1, i0, m, ju, ua, ub):
    """ua[t], ub[t] = the two uniforms of word block j = ju of sample i0 + t, for t < m."""
    _wide_vectors()
    for t in range(m):
        i = i0 + np.uint64(t)
        a, b, c, d = _philox(i & _M32, i >> _S32, ju, _SN, k0, k1)
        ua[t] = _u53(a, b)
        ub[t] = _u53(c, d)


@njit(**_CALL)
def _normal_pairs_tile_f64(k0, k1, i0, m, ju, za, zb):
    """za[t], zb[t] = normals 2j, 2j + 1 of sample i0 + t for t < m (j = ju)."""
    _wide_vectors()
    _uniform_pairs_tile_f64(k0, k1, i0, m, ju, za, zb)  # the uniforms, for now
    for t in range(m):
        va, vb = _box_muller_f64(za[t], zb[t])
        za[t] = va
        zb[t] = vb


@njit(**_CALL)
def _uniform_quads_tile_f32(k0, k1, i0, m, ju, ua, ub, uc, ud):
    """ua[t] .. ud[t] = the four float32 uniforms of word block j = ju of sample i0 + t."""
    _wide_vectors()
    for t in range(m):
        i = i0 + np.uint64(t)
        a, b, c, d = _philox(i & _M32, i >> _S32, ju, _SN, k0, k1)
        ua[t] = _u24(a)
        ub[t] = _u24(b)
        uc[t] = _u24(c)
        ud[t] = _u24(d)


@njit(**_CALL)
def _normal_quads_tile_f32(k0, k1, i0, m, ju, za, zb, zc, zd):
    """za[t] .. zd[t] = normals 4j .. 4j + 3 of sample i0 + t for t < m (j = ju), float32."""
    _wide_vectors()
    _uniform_quads_tile_f32(k0, k1, i0, m, ju, za, zb, zc, zd)  # the uniforms, for now
    for t in range(m):
        va, vb = _bm_f32(za[t], zb[t])
        vc, vd = _bm_f32(zc[t], zd[t])
        za[t] = va
        zb[t] = vb
        zc[t] = vc
        zd[t] = vd


# --------------------------------------------------------------------------- tiles
@njit(**_CALL)
def _labels_tile(k0, k1, i0, m, p, y, x1):
    """y[t], x1[t] (float64, +-1) of samples i0 + t, t < m: coordinate 0 of streams Y, X1.

    The two streams are drawn by one inlined Philox call site in a loop over the stream
    tag (one copy of the unrolled rounds: compile time), vectorised over the tile.
    """
    _wide_vectors()
    for st in range(2):
        tag = _SY if st == 0 else _SX1
        for t in range(m):
            i = i0 + np.uint64(t)
            a, b, _c, _d = _philox(i & _M32, i >> _S32, _Z64, tag, k0, k1)
            x1[t] = _u53(a, b)  # the uniform, for now
        if st == 0:
            for t in range(m):
                y[t] = 1.0 if x1[t] < 0.5 else -1.0
    for t in range(m):
        x1[t] = y[t] if x1[t] < p else -y[t]


@njit(**_CALL)
def _linear_tile_f64(k0, k1, i0, m, w, b, eta, p, pen, y, s, za, zb):
    """Counts of one tile. ``w`` is padded with zeros to 1 + 2 * blocks entries: adding
    ``0 * x`` leaves a score unchanged (up to the sign of a zero), so the padded sum equals
    the reference's sum over the d real coordinates. ``za``, ``zb``: tile buffers."""
    _wide_vectors()
    _labels_tile(k0, k1, i0, m, p, y, s)
    w0 = w[0]
    for t in range(m):
        s[t] = w0 * s[t]
    for j in range((w.shape[0] - 1) // 2):
        wa = w[1 + 2 * j]
        wb = w[2 + 2 * j]
        # Box--Muller fused into the score pass (the normals never reach memory)
        _uniform_pairs_tile_f64(k0, k1, i0, m, np.uint64(j), za, zb)
        for t in range(m):
            va, vb = _box_muller_f64(za[t], zb[t])
            ey = eta * y[t]
            acc = s[t] + wa * (ey + va)
            s[t] = acc + wb * (ey + vb)
    ks = 0
    kr = 0
    for t in range(m):
        mg = y[t] * (s[t] + b)
        ks += 1 if mg > 0.0 else 0
        kr += 1 if mg > pen else 0
    return ks, kr


@njit(**_CALL)
def _linear_tile_f32(k0, k1, i0, m, w, b, eta, p, pen, y64, x164, y, s, za, zb, zc, zd):
    """As :func:`_linear_tile_f64` in float32; ``w`` padded to 1 + 4 * blocks entries."""
    _wide_vectors()
    _labels_tile(k0, k1, i0, m, p, y64, x164)
    w0 = w[0]
    for t in range(m):
        y[t] = _F(y64[t])
        s[t] = w0 * _F(x164[t])
    for j in range((w.shape[0] - 1) // 4):
        wa = w[1 + 4 * j]
        wb = w[2 + 4 * j]
        wc = w[3 + 4 * j]
        wd = w[4 + 4 * j]
        _uniform_quads_tile_f32(k0, k1, i0, m, np.uint64(j), za, zb, zc, zd)
        for t in range(m):
            va, vb = _bm_f32(za[t], zb[t])
            vc, vd = _bm_f32(zc[t], zd[t])
            ey = eta * y[t]
            acc = s[t] + wa * (ey + va)
            acc = acc + wb * (ey + vb)
            acc = acc + wc * (ey + vc)
            s[t] = acc + wd * (ey + vd)
    ks = 0
    kr = 0
    for t in range(m):
        mg = y[t] * (s[t] + b)
        ks += 1 if mg > _F(0.0) else 0
        kr += 1 if mg > pen else 0
    return ks, kr


# --------------------------------------------------------------------------- kernels
@njit(**_KER)
def _linear_kernel_f64(k0, k1, start, n, w, b, eta, p, pen):
    n_tiles = (n + TILE - 1) // TILE
    part = np.zeros((n_tiles, 2), dtype=np.int64)
    for q in prange(n_tiles):
        _wide_vectors()
        y = np.empty(TILE)
        s = np.empty(TILE)
        za = np.empty(TILE)
        zb = np.empty(TILE)
        m = min(TILE, n - q * TILE)
        i0 = start + np.uint64(q) * np.uint64(TILE)
        ks, kr = _linear_tile_f64(k0, k1, i0, m, w, b, eta, p, pen, y, s, za, zb)
        part[q, 0] = ks
        part[q, 1] = kr
    return part[:, 0].sum(), part[:, 1].sum()


@njit(**_KER)
def _linear_kernel_f32(k0, k1, start, n, w, b, eta, p, pen):
    n_tiles = (n + TILE - 1) // TILE
    part = np.zeros((n_tiles, 2), dtype=np.int64)
    for q in prange(n_tiles):
        _wide_vectors()
        y64 = np.empty(TILE)
        x164 = np.empty(TILE)
        y = np.empty(TILE, dtype=np.float32)
        s = np.empty(TILE, dtype=np.float32)
        za = np.empty(TILE, dtype=np.float32)
        zb = np.empty(TILE, dtype=np.float32)
        zc = np.empty(TILE, dtype=np.float32)
        zd = np.empty(TILE, dtype=np.float32)
        m = min(TILE, n - q * TILE)
        i0 = start + np.uint64(q) * np.uint64(TILE)
        ks, kr = _linear_tile_f32(k0, k1, i0, m, w, b, eta, p, pen, y64, x164, y, s, za, zb, zc, zd)
        part[q, 0] = ks
        part[q, 1] = kr
    return part[:, 0].sum(), part[:, 1].sum()


@njit(**_CALL)
def _marginal_tile(k0, k1, i0, m, d, eta, p, y, x1, rs, sq, za, zb):
    """Per-sample sums of x_k and x_k**2 over the d weak features (float64 stream)."""
    _wide_vectors()
    _labels_tile(k0, k1, i0, m, p, y, x1)
    for t in range(m):
        rs[t] = 0.0
        sq[t] = 0.0
    for j in range((d + 1) // 2):
        ju = np.uint64(j)
        keep_b = 1.0 if 2 * j + 1 < d else 0.0  # the last block of an odd d has one coordinate
        _normal_pairs_tile_f64(k0, k1, i0, m, ju, za, zb)
        for t in range(m):
            ey = eta * y[t]
            xa = ey + za[t]
            xb = (ey + zb[t]) * keep_b
            rs[t] += xa + xb
            sq[t] += xa * xa + xb * xb


@njit(**_KER)
def _marginal_kernel(k0, k1, start, n, d, eta, p):
    """Per-tile counts (n_pos, x1=y | +, x1=y | -) and sums (x | +, x | -, x^2), reduced
    in tile order."""
    n_tiles = (n + TILE - 1) // TILE
    cnt = np.zeros((n_tiles, 3), dtype=np.int64)
    sums = np.zeros((n_tiles, 3))
    for q in prange(n_tiles):
        _wide_vectors()
        y = np.empty(TILE)
        x1 = np.empty(TILE)
        rs = np.empty(TILE)
        sq = np.empty(TILE)
        za = np.empty(TILE)
        zb = np.empty(TILE)
        m = min(TILE, n - q * TILE)
        i0 = start + np.uint64(q) * np.uint64(TILE)
        _marginal_tile(k0, k1, i0, m, d, eta, p, y, x1, rs, sq, za, zb)
        npos = 0
        eqp = 0
        eqn = 0
        sp = 0.0
        sn = 0.0
        s2 = 0.0
        for t in range(m):
            if y[t] > 0:
                npos += 1
                eqp += 1 if x1[t] == y[t] else 0
                sp += rs[t]
            else:
                eqn += 1 if x1[t] == y[t] else 0
                sn += rs[t]
            s2 += sq[t]
        cnt[q, 0] = npos
        cnt[q, 1] = eqp
        cnt[q, 2] = eqn
        sums[q, 0] = sp
        sums[q, 1] = sn
        sums[q, 2] = s2
    tot_c = np.zeros(3, dtype=np.int64)
    tot_s = np.zeros(3)
    for q in range(n_tiles):  # fixed order: independent of the thread count
        for c in range(3):
            tot_c[c] += cnt[q, c]
            tot_s[c] += sums[q, c]
    return tot_c, tot_s


@njit(**_CALL)
def _normal_matrix_f64(k0, k1, start, count, d, out):
    """out[r, :] = the kernels' float64 normals of sample start + r (out has even width)."""
    for r in range(count):
        i = start + np.uint64(r)
        for j in range(d // 2):
            za, zb = _normal_pair_f64(k0, k1, i, np.uint64(j))
            out[r, 2 * j] = za
            out[r, 2 * j + 1] = zb


@njit(**_CALL)
def _normal_matrix_f32(k0, k1, start, count, d, out):
    """out[r, :] = the kernels' float32 normals of sample start + r (width a multiple of 4)."""
    for r in range(count):
        i = start + np.uint64(r)
        for j in range(d // 4):
            za, zb, zc, zd = _normal_quad_f32(k0, k1, i, np.uint64(j))
            out[r, 4 * j] = za
            out[r, 4 * j + 1] = zb
            out[r, 4 * j + 2] = zc
            out[r, 4 * j + 3] = zd


@njit(**_KER)
def _sample_kernel_f64(k0, k1, start, count, eta, p, y, X):
    """y[r] and X[r, :] = (x1, eta*y + z) of sample start + r (X in Fortran order).

    The labels, x1 and the weak-feature arithmetic are those of
    :func:`robtheory.mc.reference.sample_chunk`; the normals are the kernels' float64
    normals (within a few ulps of the reference's)."""
    d = X.shape[1] - 1
    n_tiles = (count + TILE - 1) // TILE
    for q in prange(n_tiles):
        _wide_vectors()
        ty = np.empty(TILE)
        tx = np.empty(TILE)
        xa = np.empty(TILE)
        xb = np.empty(TILE)
        m = min(TILE, count - q * TILE)
        i0 = start + np.uint64(q) * np.uint64(TILE)
        r0 = q * TILE
        _labels_tile(k0, k1, i0, m, p, ty, tx)
        for t in range(m):
            y[r0 + t] = ty[t]
            X[r0 + t, 0] = tx[t]
        for j in range((d + 1) // 2):
            ju = np.uint64(j)
            # generate into 1-d tile buffers (loops LLVM vectorises), then copy the columns
            _normal_pairs_tile_f64(k0, k1, i0, m, ju, xa, xb)
            for t in range(m):
                ey = eta * ty[t]
                xa[t] = ey + xa[t]
                xb[t] = ey + xb[t]
            c = 1 + 2 * j
            X[r0:r0 + m, c] = xa[:m]
            if c + 1 <= d:  # the last block of an odd d has one coordinate
                X[r0:r0 + m, c + 1] = xb[:m]


# --------------------------------------------------------------------------- bare generator
@njit(**_KER)
def _normal_sum_kernel_f64(k0, k1, start, n, blocks):
    """Sum of the float64 normals of samples start .. start + n - 1, blocks pairs each (the
    generator alone: what :func:`_linear_kernel_f64` costs without the labels and the score)."""
    n_tiles = (n + TILE - 1) // TILE
    part = np.zeros(n_tiles)
    for q in prange(n_tiles):
        _wide_vectors()
        m = min(TILE, n - q * TILE)
        i0 = start + np.uint64(q) * np.uint64(TILE)
        s = np.zeros(TILE)  # one running sum per sample, as the fused kernel keeps its scores (vectorises)
        za = np.empty(TILE)
        zb = np.empty(TILE)
        for j in range(blocks):
            _normal_pairs_tile_f64(k0, k1, i0, m, np.uint64(j), za, zb)
            for t in range(m):
                s[t] += za[t] + zb[t]
        part[q] = s[:m].sum()
    return part.sum()


@njit(**_KER)
def _normal_sum_kernel_f32(k0, k1, start, n, blocks):
    """As :func:`_normal_sum_kernel_f64` for the float32 layout (blocks of four normals)."""
    n_tiles = (n + TILE - 1) // TILE
    part = np.zeros(n_tiles)
    for q in prange(n_tiles):
        _wide_vectors()
        m = min(TILE, n - q * TILE)
        i0 = start + np.uint64(q) * np.uint64(TILE)
        s = np.zeros(TILE, dtype=np.float32)
        za = np.empty(TILE, dtype=np.float32)
        zb = np.empty(TILE, dtype=np.float32)
        zc = np.empty(TILE, dtype=np.float32)
        zd = np.empty(TILE, dtype=np.float32)
        for j in range(blocks):
            _normal_quads_tile_f32(k0, k1, i0, m, np.uint64(j), za, zb, zc, zd)
            for t in range(m):
                s[t] += (za[t] + zb[t]) + (zc[t] + zd[t])
        part[q] = s[:m].sum()
    return part.sum()


# --------------------------------------------------------------------------- finite data sets
@njit(nogil=True, cache=numba_cache(), error_model="numpy")
def _dataset_uniforms(k0, k1, start, count, n_blocks, ua, ub, uy, ux):
    """The uniforms of :func:`robtheory.mc.dataset_numba.sample_dataset_fast` (here for the cache,
    see the module notes): ``ua[r, j], ub[r, j]``, the two U53 of block ``j`` of row ``start + r``
    of the normal stream; ``uy[r]``, ``ux[r]``, coordinate 0 of the label and x1 streams (block 0,
    first pair of words). Exact integer arithmetic and an exact conversion: the reference's bits."""
    for r in range(count):
        i = np.uint64(start) + np.uint64(r)
        lo, hi = i & _M32, i >> _S32
        for j in range(n_blocks):
            a, b, c, d = _philox(lo, hi, np.uint64(j), _SN, k0, k1)
            ua[r, j] = _u53(a, b)
            ub[r, j] = _u53(c, d)
        a, b, _c, _d = _philox(lo, hi, _Z64, _SY, k0, k1)
        uy[r] = _u53(a, b)
        a, b, _c, _d = _philox(lo, hi, _Z64, _SX1, k0, k1)
        ux[r] = _u53(a, b)
