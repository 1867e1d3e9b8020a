"""The vectorised normal generator of the CPU kernels (robtheory.mc._cpu_kernels).

* The tile generators (two vectorised passes over a tile of samples: Philox and uniforms, then
  Box--Muller) give bit for bit the values of the per-sample device functions, which the kernel
  tests compare with the NumPy reference (float64 counts identical, values within a few ulps).
* The Box--Muller transforms, float64 and float32, against mpmath at 50 digits on the uniform
  lattice's edges: u near 0 and 1, and angles at the quadrant and octant boundaries where the
  argument reduction changes branch.
* The per-function 512-bit vector attribute reaches the LLVM IR of a function that asks for it.
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
