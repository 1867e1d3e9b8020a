"""The vectorised normal generator of the CPU kernels (robtheory.mc._cpu_kernels).

* The tile generators (two vectorised passes over a tile of samples: Philox and uniforms, then
  Box--Muller) give bit for bit the values of the per-sample device functions, which the kernel
  tests compare with the NumPy reference (float64 counts identical, values within a few ulps).
* The Box--Muller transforms, float64 and float32, against mpmath at 50 digits on the uniform
  lattice's edges: u near 0 and 1, and angles at the quadrant and octant boundaries where the
  argument reduction changes branch.
* The per-function 512-bit vector attribute reaches the LLVM IR of a function that asks for it.
* The float32 logarithm and sine/cosine on every one of the 2**23 float32 uniforms, against
  float64 computations (whose own error, ~1e-16, is a billionth of the float32 bounds); the float64
  logarithm and sine/cosine against mpmath at edge and random inputs; the fused multiply-add
  rounds once; the uniforms built from bits equal the plain conversions; the tile loops are
  vectorised and call no libm function.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

pytest.importorskip("numba")
mp = pytest.importorskip("mpmath")

from numba import njit

from robtheory.mc import _cpu_kernels as K
from robtheory.mc import cpu

mp.mp.dps = 50


@pytest.mark.parametrize("i0, m, j", [(0, K.TILE, 0), (2**32 - 100, 77, 3), (2**64 - 300, K.TILE, 11)])
def test_tile_generator_float64_is_the_scalar_one_bit_for_bit(i0, m, j):
    k0, k1 = cpu._key(2**40 + 17)
    za, zb = np.full(K.TILE, np.nan), np.full(K.TILE, np.nan)
    K._normal_pairs_tile_f64(k0, k1, np.uint64(i0), m, np.uint64(j), za, zb)
    # the per-sample path: columns 2j, 2j + 1 of the kernels' normal matrix
    ref = cpu.normal_matrix(2**40 + 17, i0, m, 2 * j + 2, np.float64)
    np.testing.assert_array_equal(za[:m].view(np.uint64), ref[:, 2 * j].view(np.uint64))
    np.testing.assert_array_equal(zb[:m].view(np.uint64), ref[:, 2 * j + 1].view(np.uint64))
    assert np.isnan(za[m:]).all() and np.isnan(zb[m:]).all()  # nothing written past m


@pytest.mark.parametrize("i0, m, j", [(0, K.TILE, 0), (2**32 - 100, 77, 3), (2**64 - 300, K.TILE, 11)])
def test_tile_generator_float32_is_the_scalar_one_bit_for_bit(i0, m, j):
    k0, k1 = cpu._key(9)
    bufs = [np.full(K.TILE, np.nan, dtype=np.float32) for _ in range(4)]
    K._normal_quads_tile_f32(k0, k1, np.uint64(i0), m, np.uint64(j), *bufs)
    ref = cpu.normal_matrix(9, i0, m, 4 * j + 4, np.float32)
    for c in range(4):
        np.testing.assert_array_equal(bufs[c][:m].view(np.uint32), ref[:, 4 * j + c].view(np.uint32))
        assert np.isnan(bufs[c][m:]).all()


def _lattice_edges(bits: int) -> np.ndarray:
    """Uniforms (2k + 1) 2**-bits next to 0, 1 and every multiple of 1/8 (the quadrant and
    octant boundaries of 2 pi u), plus the log's reduction point sqrt(2)/2."""
    h = 2.0**-bits
    pts = []
    for c in [k / 8 for k in range(9)] + [float(np.sqrt(0.5))]:
        base = np.floor(c / (2 * h)) * 2 * h  # an even multiple of h at or below c
        pts += [base - 3 * h, base - h, base + h, base + 3 * h]
    pts = np.array(pts)
    return np.unique(pts[(pts > 0) & (pts < 1)])


def _exact_bm(ua, ub):
    r = mp.sqrt(-2 * mp.log(mp.mpf(float(ua))))
    th = 2 * mp.pi * mp.mpf(float(ub))
    return r * mp.cos(th), r * mp.sin(th), r


def test_box_muller_float64_near_the_lattice_edges():
    # Error budget against the exact transform of the same uniforms (eps = 2**-52):
    # r = sqrt(-2 ln ua): log <= 1 ulp, sqrt and product 1/2 ulp each -> <= 1.5 eps |r|;
    # theta = fl(fl(2 pi) ub): the constant is off by 2.45e-16 (1.1 eps) and the product rounds
    # by <= ulp(8)/2 = 2 eps, so |d theta| <= 3.1 eps -> <= 3.1 eps r in z; the sin/cos kernels
    # <= 1 ulp (<= eps r); the final product 1/2 ulp. So |dz| <= 2 eps |z| + 5 eps r.
    eps = np.finfo(np.float64).eps
    us = _lattice_edges(53)
    assert us.min() == 2.0**-53 and us.max() == 1 - 2.0**-53
    for ua, ub in itertools.product(us, us):
        za, zb = K._box_muller_f64(ua, ub)
        ea, eb, r = _exact_bm(ua, ub)
        for z, e in ((za, ea), (zb, eb)):
            assert abs(z - float(e)) <= 2 * eps * abs(float(e)) + 5 * eps * float(r), (ua, ub, z, e)


def test_box_muller_float32_near_the_lattice_edges():
    # cephes logf and sinf/cosf (a few float32 ulps each; the quadrant reduction 4u - round(4u)
    # is exact): |dz| <= 8 eps32 (|z| + r), the bound of the kernels' float32 transform.
    eps = float(np.finfo(np.float32).eps)
    us = _lattice_edges(24).astype(np.float32)
    assert us.min() == np.float32(2.0**-24) and us.max() == np.float32(1 - 2.0**-24)
    for ua, ub in itertools.product(us, us):
        za, zb = K._bm_f32(ua, ub)
        ea, eb, r = _exact_bm(ua, ub)
        for z, e in ((za, ea), (zb, eb)):
            assert abs(float(z) - float(e)) <= 8 * eps * (abs(float(e)) + float(r)), (ua, ub, z, e)


def test_wide_vector_attribute_reaches_llvm():
    @njit
    def f(x):
        K._wide_vectors()
        return x + 1.0

    assert f(1.0) == 2.0
    (ir,) = f.inspect_llvm().values()
    lines = ir.splitlines()

    def attributes(define: str) -> str:
        group = define.rsplit("#", 1)[1].split()[0]
        (attrs,) = [ln for ln in lines if ln.startswith(f"attributes #{group} ")]
        return attrs

    # the jitted function itself carries it; its C wrapper (not asked) does not: per function
    (define,) = [ln for ln in lines if ln.startswith("define") and "@_ZN" in ln and "@_ZN7cpython" not in ln]
    assert K.PREFER_VECTOR_WIDTH in attributes(define)
    (cfunc,) = [ln for ln in lines if ln.startswith("define") and "@cfunc." in ln]
    assert K.PREFER_VECTOR_WIDTH not in attributes(cfunc)


# --------------------------------------------------------------------------- elementary functions
def test_fma_rounds_once():
    # (1 + h)(1 - h) - 1 = -h**2 exactly; the product alone rounds to 1, so an unfused
    # multiply-add gives 0
    @njit
    def both(a, b, c):
        return K._fma(a, b, c), a * b + c

    for ty, h in ((np.float64, 2.0**-30), (np.float32, 2.0**-13)):
        fused, plain = both(ty(1 + h), ty(1 - h), ty(-1))
        assert fused == ty(-(h * h)) and plain == 0


def test_uniforms_from_bits_equal_the_plain_conversions():
    from robtheory.mc import _philox_numba as pn

    rng = np.random.default_rng(3)
    words = np.concatenate([[0, 1, 511, 512, 513, 2**31, 2**32 - 512, 2**32 - 1],
                            rng.integers(0, 2**32, 3000)]).astype(np.uint64)
    for w in words:
        assert K._u24(np.uint32(w)) == pn.uniform01_f32_nb(w)
    assert K._u24(np.uint32(0)) == np.float32(2.0**-24)
    assert K._u24(np.uint32(2**32 - 1)) == np.float32(1 - 2.0**-24)
    for hi, lo in zip(words, rng.permutation(words)):
        assert K._u53(hi, lo) == pn.uniform01_f64_nb(hi, lo)


@njit
def _f32_transforms(m0, lg, sn, cs):
    for k in range(lg.shape[0]):
        u = np.float32((2 * (m0 + k) + 1) * 2.0**-24)  # exact: 24 significant bits
        lg[k] = K._log_f32(u)
        s, c = K._sincos2pi_f32(u)
        sn[k] = s
        cs[k] = c


def test_float32_log_and_sincos_on_every_uniform():
    # All 2**23 float32 uniforms u = (2m + 1) 2**-24, in chunks (memory stays small). The exact
    # values come from float64: ln u by NumPy (relative error ~1e-16), and sin, cos of 2 pi u
    # from the exact reduction 2 pi u = q pi/2 + (4u - q) pi/2 (4u - q is exact), NumPy's sin and
    # cos of the float64 remainder (absolute error ~4e-16): both a billionth of the bounds.
    chunk = 1 << 20
    worst_log = worst_trig = 0.0
    for m0 in range(0, 1 << 23, chunk):
        lg, sn, cs = (np.empty(chunk, np.float32) for _ in range(3))
        _f32_transforms(m0, lg, sn, cs)
        u = (2.0 * np.arange(m0, m0 + chunk) + 1.0) * 2.0**-24
        ln = np.log(u)
        ulp32 = np.spacing(np.abs(ln).astype(np.float32)).astype(np.float64)
        worst_log = max(worst_log, float(np.max(np.abs(lg - ln) / ulp32)))
        t = 4.0 * u
        q = np.rint(t)
        x = (t - q) * (np.pi / 2)
        s0, c0 = np.sin(x), np.cos(x)
        qi = q.astype(np.int64) & 3
        sin_ref = np.choose(qi, [s0, c0, -s0, -c0])
        cos_ref = np.choose(qi, [c0, -s0, -c0, s0])
        worst_trig = max(worst_trig, float(np.max(np.abs(sn - sin_ref))), float(np.max(np.abs(cs - cos_ref))))
    assert worst_log <= K.LOG_F32_BOUND_ULPS, worst_log
    assert worst_trig <= K.SINCOS_F32_BOUND, worst_trig / 2.0**-23
    assert worst_log > 0.5 and worst_trig > 0.5 * 2.0**-23  # the bounds are not loose by 2x


def _f64_inputs() -> np.ndarray:
    """Uniforms at the lattice edges, 3000 random ones, and 500 small ones down to 2**-105."""
    rng = np.random.default_rng(11)
    small = np.ldexp((rng.integers(2**51, 2**52, 500) * 2 + 1).astype(np.float64), -rng.integers(54, 106, 500))
    return np.concatenate([_lattice_edges(53), (rng.integers(0, 2**52, 3000) * 2 + 1) * 2.0**-53, small])


def test_float64_log_against_mpmath():
    # fdlibm's log: under 1 ulp, from u = 2**-105 up to 1 - 2**-53 (ln u = -1.1e-16)
    worst = 0.0
    for u in _f64_inputs():
        exact = mp.log(mp.mpf(float(u)))
        err = abs(mp.mpf(K._log_f64(u)) - exact)
        worst = max(worst, float(err) / np.spacing(abs(float(exact))))
    assert worst <= 1.0, worst


def test_float64_sincos_against_mpmath():
    # sin and cos of theta = fl(2 pi u), theta in [0, 2 pi] (every quadrant and octant boundary):
    # at most 1 ulp plus the reduction's absolute error bound (which shows only next to a zero)
    worst = 0.0
    for u in _f64_inputs():
        th = K._TWO_PI * float(u)
        s, c = K._sincos_f64(th)
        for got, exact in ((s, mp.sin(mp.mpf(th))), (c, mp.cos(mp.mpf(th)))):
            err = float(abs(mp.mpf(got) - exact))
            excess = err - K.SINCOS_F64_ABS
            worst = max(worst, excess / np.spacing(abs(float(exact))))
    assert worst <= 1.0, worst


def test_tile_loops_are_vectorised_without_libm_calls():
    import re

    # the tile generators (compiled by the bit-for-bit tests above already, in one process)
    k0, k1 = cpu._key(3)
    f64 = [np.zeros(K.TILE) for _ in range(2)]
    f32 = [np.zeros(K.TILE, np.float32) for _ in range(4)]
    K._normal_pairs_tile_f64(k0, k1, np.uint64(0), K.TILE, np.uint64(0), *f64)
    K._normal_quads_tile_f32(k0, k1, np.uint64(0), K.TILE, np.uint64(0), *f32)
    for fn in (K._normal_pairs_tile_f64, K._normal_quads_tile_f32):
        (ir,) = fn.inspect_llvm().values()
        assert re.search(r"@llvm\.fma\.v\d+f(32|64)\(", ir), fn  # fused multiply-adds, on vectors
        assert re.search(r"@llvm\.sqrt\.v\d+f(32|64)\(", ir), fn
        assert not re.search(r"@(log|sin|cos|sincos|exp)f?\(", ir), fn  # no libm calls


# --------------------------------------------------------------------------- cache safety
def test_every_jitted_function_is_defined_in_the_kernel_file():
    # numba's disk cache of a kernel is keyed on its own file's contents: a device function
    # compiled in from another file would survive an edit of that file in the cache, stale
    from numba.core.registry import CPUDispatcher

    jitted = {n: f for n, f in vars(K).items() if isinstance(f, CPUDispatcher)}
    assert "_philox" in jitted and "_linear_kernel_f64" in jitted
    for name, f in jitted.items():
        assert f.py_func.__code__.co_filename == K.__file__, name


def test_the_dataset_filler_compiles_nothing_outside_the_kernel_file():
    # the same cache rule for robtheory.mc.dataset_numba (training sets): its kernel, and every
    # jitted function it calls, is defined in the kernel file, not re-jitted from _philox_numba
    from numba.core.registry import CPUDispatcher

    from robtheory.mc import dataset_numba as DN

    jitted = {n: f for n, f in vars(DN).items() if isinstance(f, CPUDispatcher)}
    assert jitted, "dataset_numba calls no compiled kernel"
    for name, f in jitted.items():
        assert f.py_func.__code__.co_filename == K.__file__, name


def test_kernel_copies_equal_the_shared_definitions():
    from robtheory.mc import _philox_numba as pn
    from robtheory.mc import philox as P
    from robtheory.mc import reference as R

    assert (K.STREAM_NORMAL, K.STREAM_Y, K.STREAM_X1) == (R.STREAM_NORMAL, R.STREAM_Y, R.STREAM_X1)
    rng = np.random.default_rng(5)
    cases = [(0, 0, 0, 0, 0, 0), (2**32 - 1,) * 6,
             (0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344, 0xA4093822, 0x299F31D0)]
    cases += [tuple(int(v) for v in rng.integers(0, 2**32, 6)) for _ in range(200)]
    for c0, c1, c2, c3, k0, k1 in cases:
        args = [np.uint64(v) for v in (c0, c1, c2, c3, k0, k1)]
        mine = tuple(int(v) for v in K._philox(*args))
        assert mine == tuple(int(v) for v in pn.philox4x32_nb(*args))
        assert mine == tuple(int(v) for v in P.philox4x32([c0, c1, c2, c3], [k0, k1]))
    # Random123's known answer for counter pi, key pi
    assert tuple(int(v) for v in K._philox(*[np.uint64(v) for v in cases[2]])) == (
        0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)
