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


def test_iter_samples_numba_matches_the_oracle_row_for_row():
    from robtheory.mc import engine

    m = ToyModel(0.7, 0.5, 4)
    a = list(engine.iter_samples(m, 5, 2500, start=2**40 + 3, chunk=700, backend="numpy"))
    b = list(engine.iter_samples(m, 5, 2500, start=2**40 + 3, chunk=1000, backend="numba"))
    ya, Xa = np.concatenate([y for y, _ in a]), np.vstack([X for _, X in a])
    yb, Xb = np.concatenate([y for y, _ in b]), np.vstack([X for _, X in b])
    assert Xa.shape == Xb.shape == (2500, 5)
    np.testing.assert_array_equal(ya, yb)
    np.testing.assert_array_equal(Xa[:, 0], Xb[:, 0])
    np.testing.assert_allclose(Xa[:, 1:], Xb[:, 1:], rtol=0, atol=64 * np.finfo(float).eps)
    with pytest.raises(ValueError, match="fortran"):
        next(engine.iter_samples(m, 5, 10, backend="fortran"))


@pytest.mark.parametrize("attack", [None, "shift"])
def test_estimate_callable_counts_agree_across_samplers(attack, monkeypatch):
    # The same rows reach the classifier whoever materialises them (scores within a few ulps),
    # so the counts agree: a count could change only where a score lies within that distance
    # of 0 (probability ~1e-12 per sample here).
    from robtheory.mc import cpu, engine

    m = ToyModel(0.8, 0.4, 30)
    w = np.r_[0.3, np.linspace(0.1, 1.0, 30)]

    def recorder():
        seen = []

        def f(X):
            s = X @ w - 0.05
            seen.append(s)
            return s

        return f, seen

    fa, sa = recorder()
    fb, sb = recorder()
    a = engine.estimate_callable(m, fa, 40_000, seed=7, start=123, attack=attack, backend="numpy")
    b = engine.estimate_callable(m, fb, 40_000, seed=7, start=123, attack=attack, backend="numba", chunk=9000)
    assert a["backend"] == "numpy" and b["backend"] == "numba"
    np.testing.assert_allclose(np.concatenate(sa), np.concatenate(sb), rtol=0, atol=1e-12)
    assert a["count"] == b["count"]
    # negative control: a sampler one row off feeds the classifier other samples
    real = cpu.sample_chunk
    monkeypatch.setattr(cpu, "sample_chunk", lambda eta, p, d, seed, start, count: real(eta, p, d, seed, start + 1, count))
    fc, sc = recorder()
    engine.estimate_callable(m, fc, 40_000, seed=7, start=123, attack=attack, backend="numba", chunk=9000)
    assert np.max(np.abs(np.concatenate(sa) - np.concatenate(sc))) > 0.1
    # float32 samples exist only in the oracle: the numba request falls back and says so
    d = engine.estimate_callable(m, fa, 1000, seed=7, dtype=np.float32, backend="numba")
    assert d["backend"] == "numpy"


def test_sampler_backend_sends_a_gpu_run_to_the_host_sampler(monkeypatch):
    # With a GPU the column's backend is cupy; materialised samples are host arrays, so they come
    # from numba (or NumPy without it). The mapping is checked here without a GPU.
    from robtheory.mc import engine

    assert engine.sampler_backend("numpy") == "numpy"
    monkeypatch.setattr(engine, "resolve_backend", lambda backend="auto": "cupy")
    monkeypatch.setattr(engine, "numba_usable", lambda: (True, "ok"))
    assert engine.sampler_backend("cupy") == "numba"
    assert engine.sampler_backend("auto") == "numba"
    monkeypatch.setattr(engine, "numba_usable", lambda: (False, "switched off"))
    assert engine.sampler_backend("cupy") == "numpy"
