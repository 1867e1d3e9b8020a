"""The numba sample materialiser against the NumPy oracle, and sample means on both."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")

from robtheory import ToyModel
from robtheory.mc import cpu
from robtheory.mc import reference as ref
from robtheory.claims.mc_column import sample_moments


@pytest.mark.parametrize("d", [1, 2, 5, 10])
def test_sample_chunk_matches_the_reference(d):
    m = ToyModel(0.8, 0.3, d)
    start = 2**33 + 17  # past 2**32: uint64 indices
    y, X = cpu.sample_chunk(m.eta, m.p, d, 11, start, 700)
    yr, Xr = ref.sample_chunk(m, 11, start, 700)
    assert X.shape == Xr.shape == (700, d + 1) and X.flags.f_contiguous
    np.testing.assert_array_equal(y, yr)  # labels and x1: the same words, exactly
    np.testing.assert_array_equal(X[:, 0], Xr[:, 0])
    # weak features: the kernels' normal transform, within a few ulps of the reference
    np.testing.assert_allclose(X[:, 1:], Xr[:, 1:], rtol=0, atol=8 * np.finfo(float).eps * 8)
    # rows do not depend on where a chunk starts
    _, X2 = cpu.sample_chunk(m.eta, m.p, d, 11, start + 300, 400)
    np.testing.assert_array_equal(X2, X[300:])


def test_sample_moments_agree_across_backends():
    m = ToyModel(0.9, 0.4, 6)

    def stat(X, y):
        return np.column_stack([np.maximum(0.0, 1 - y * X.sum(axis=1)), y * X[:, 3]])

    a = sample_moments(m, stat, 5000, seed=2, start=9, backend="numpy")
    b = sample_moments(m, stat, 5000, seed=2, start=9, chunk=1024, backend="numba")
    assert a["backend"] == "numpy" and b["backend"] == "numba"
    for k in ("mean", "var", "skew"):
        np.testing.assert_allclose(a[k], b[k], rtol=1e-10, atol=1e-13)


def test_bit_built_conversions_are_exact():
    # the vectorisable int -> float64 conversions of the float64 kernels give exactly the
    # plain conversions (so the uniforms, hence labels and counts, are unchanged)
    from robtheory.mc import _philox_numba as pn

    rng = np.random.default_rng(0)
    words = np.concatenate([[0, 1, 2**32 - 1, 2**31, 4095, 4096], rng.integers(0, 2**32, 2000)]).astype(np.uint64)
    for hi, lo in zip(words, rng.permutation(words)):
        assert cpu._u53(hi, lo) == pn.uniform01_f64_nb(hi, lo)
    for e in (0, 1, 1023, 2047, 2**20, 2**52 - 1):
        assert cpu._small_uint_f64(np.uint64(e)) == float(e)
    # ln x: exact exponent extraction (<= 1 ulp overall, including powers of 2 and subnormal-free edges)
    xs = np.concatenate([[2.0**-53, 0.5, 1.0 - 2.0**-53, 1.0, 2.0, 0.7071067811865476],
                         rng.uniform(2.0**-53, 1.0, 2000)])
    got = np.array([cpu._log_f64(x) for x in xs])
    np.testing.assert_allclose(got, np.log(xs), rtol=2.3e-16, atol=0)
