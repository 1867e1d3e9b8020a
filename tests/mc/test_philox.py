"""Tests of the Philox4x32-10 stream: known answers, layout, backends, statistics.

Statistical checks state their false-alarm rate (ALPHA = 1e-6 each) and derive their
tolerance from it; each has a negative control that is shown, by a computed bound, to
be detected at the same n with failure probability below 1e-6 (design principles 6, 7).
"""

from __future__ import annotations

import itertools
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import special
from scipy import stats as sps

from robtheory.mc import philox as P

# --------------------------------------------------------------------------- known answers
# Random123 tests/kat_vectors (DEShawResearch/random123): rounds, counter, key, expected.
KAT = [
    (7, (0, 0, 0, 0), (0, 0), (0x5F6FB709, 0x0D893F64, 0x4F121F81, 0x4F730A48)),
    (7, (0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x5207DDC2, 0x45165E59, 0x4D8EE751, 0x8C52F662)),
    (
        7,
        (0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344),
        (0xA4093822, 0x299F31D0),
        (0x4DFCCABA, 0x190A87F0, 0xC47362BA, 0xB6B5242A),
    ),
    (10, (0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    (10, (0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    (
        10,
        (0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344),
        (0xA4093822, 0x299F31D0),
        (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1),
    ),
]
KAT10 = [v for v in KAT if v[0] == 10]

ALPHA = 1e-6  # false-alarm rate of each statistical check in this module
Z_CRIT = float(-special.ndtri(ALPHA / 2))  # two-sided 1e-6 -> 4.89

needs_numba = pytest.mark.skipif(not P.numba_available(), reason="numba is not installed")


@pytest.mark.parametrize("rounds, counter, key, expected", KAT)
def test_known_answers_numpy(rounds, counter, key, expected):
    out = P.philox4x32(np.array(counter, dtype=np.uint32), np.array(key, dtype=np.uint32), rounds)
    assert out.dtype == np.uint32
    assert out.tolist() == list(expected)


def test_known_answers_numpy_batched_and_broadcast():
    counters = np.array([c for _, c, _, _ in KAT10], dtype=np.uint32)
    keys = np.array([k for _, _, k, _ in KAT10], dtype=np.uint32)
    expected = [list(e) for _, _, _, e in KAT10]
    assert P.philox4x32(counters, keys).tolist() == expected
    # a single key broadcasts against a batch of counters
    zero = P.philox4x32(np.zeros((3, 4), dtype=np.uint32), np.zeros(2, dtype=np.uint32))
    assert zero.tolist() == [expected[0]] * 3


@needs_numba
@pytest.mark.parametrize("rounds, counter, key, expected", KAT10)
def test_known_answers_numba(rounds, counter, key, expected):
    from robtheory.mc.philox import philox4x32_nb

    out = philox4x32_nb(*counter, *key)
    assert tuple(int(w) for w in out) == expected
    # inside numba code the result is a 4-tuple of uint32 (Python sees it boxed as ints)
    from numba import types

    sig = philox4x32_nb.nopython_signatures[-1]
    assert sig.return_type == types.UniTuple(types.uint32, 4)


def test_philox_input_validation():
    with pytest.raises(ValueError, match="4294967296"):
        P.philox4x32([0, 0, 0, 2**32], [0, 0])
    with pytest.raises(ValueError, match="-1"):
        P.philox4x32([0, 0, 0, -1], [0, 0])
    with pytest.raises(ValueError, match=r"\(\.\.\., 4\)"):
        P.philox4x32([0, 0, 0], [0, 0])
    with pytest.raises(ValueError, match=r"\(\.\.\., 2\)"):
        P.philox4x32([0, 0, 0, 0], [0])
    with pytest.raises(TypeError, match="integer"):
        P.philox4x32(np.zeros(4), [0, 0])


@pytest.mark.parametrize("seed", [-1, 2**64, True, 1.0, "3"])
def test_bad_seed_rejected(seed):
    with pytest.raises((TypeError, ValueError), match="seed"):
        P.seed_to_key(seed)


def test_seed_to_key_splits_words():
    assert P.seed_to_key(0) == (0, 0)
    assert P.seed_to_key(2**64 - 1) == (2**32 - 1, 2**32 - 1)
    assert P.seed_to_key((7 << 32) | 5) == (5, 7)
    assert P.seed_to_key(np.uint64(2**63)) == (0, 2**31)


# --------------------------------------------------------------------------- layout
def test_counter_layout_and_raw_words():
    i = 2**32 + 5
    c = P.counters([i, 2**64 - 1], [7, 2**32 - 1], stream=3)
    assert c.tolist() == [[5, 1, 7, 3], [2**32 - 1, 2**32 - 1, 2**32 - 1, 3]]
    seed = (11 << 32) | 13
    words = P.raw_words(seed, [i, 2**64 - 1], [7, 2**32 - 1], stream=3)
    assert np.array_equal(words, P.philox4x32(c, [13, 11]))


def test_uniform01_values_and_open_interval():
    lo, hi = 2.0**-53, 1.0 - 2.0**-53
    w = np.array([[0, 0], [0xFFFFFFFF, 0xFFFFFFFF], [0x80000000, 0]], dtype=np.uint32)
    assert P.uniform01(w).tolist() == [lo, hi, 0.5 + 2.0**-53]
    w32 = np.array([0, 0xFFFFFFFF, 0x80000000], dtype=np.uint32)
    u32 = P.uniform01_f32(w32)
    assert u32.dtype == np.float32
    assert u32.tolist() == [2.0**-24, 1.0 - 2.0**-24, 0.5 + 2.0**-24]


@given(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1))
def test_uniform01_symmetric_and_odd_lattice(hi, lo):
    """Complementing the words maps u to 1 - u exactly; u is an odd multiple of 2**-53."""
    u = float(P.uniform01([hi, lo]))
    u_bar = float(P.uniform01([hi ^ 0xFFFFFFFF, lo ^ 0xFFFFFFFF]))
    assert 0.0 < u < 1.0
    assert u + u_bar == 1.0
    m = u * 2.0**53
    assert m == int(m) and int(m) % 2 == 1
    v = float(P.uniform01_f32(hi))
    assert 0.0 < v < 1.0 and v + float(P.uniform01_f32(hi ^ 0xFFFFFFFF)) == 1.0


def test_box_muller_known_points():
    za, zb = P.box_muller(math.exp(-0.5), 0.125)  # r = 1, theta = pi/4
    assert za == pytest.approx(math.sqrt(0.5), rel=4 * np.finfo(float).eps)
    assert zb == pytest.approx(math.sqrt(0.5), rel=4 * np.finfo(float).eps)


def test_normals_are_box_muller_of_documented_uniforms():
    seed, i = 99, np.array([0, 1, 2**40 + 3], dtype=np.uint64)[:, None]
    # float64: block j -> (u_2j, u_2j+1) -> (z_2j, z_2j+1)
    k = np.arange(6, dtype=np.uint64)
    u = P.uniforms(seed, i, k)
    z = P.normals(seed, i, k)
    za, zb = P.box_muller(u[:, 0::2], u[:, 1::2])
    assert np.array_equal(z[:, 0::2], za) and np.array_equal(z[:, 1::2], zb)
    words = P.raw_words(seed, i, np.arange(3))
    assert np.array_equal(u[:, 0::2], P.uniform01(words[..., 0:2]))
    assert np.array_equal(u[:, 1::2], P.uniform01(words[..., 2:4]))
    # float32: block j -> u_4j..u_4j+3 -> pairs (0,1), (2,3), rounded from float64
    k = np.arange(8, dtype=np.uint64)
    u = P.uniforms(seed, i, k, dtype=np.float32)
    z = P.normals(seed, i, k, dtype=np.float32)
    assert u.dtype == z.dtype == np.float32
    assert np.array_equal(u, P.uniform01_f32(P.raw_words(seed, i, np.arange(2)).reshape(3, 8)))
    za, zb = P.box_muller(u[:, 0::2], u[:, 1::2])
    assert np.array_equal(z[:, 0::2], za.astype(np.float32))
    assert np.array_equal(z[:, 1::2], zb.astype(np.float32))


def test_streams_and_seeds_differ():
    base = P.raw_words(1, np.arange(64), 0)
    assert not np.any(np.all(base == P.raw_words(1, np.arange(64), 0, stream=1), axis=-1))
    assert not np.any(np.all(base == P.raw_words(2, np.arange(64), 0), axis=-1))
    assert not np.any(np.all(base == P.raw_words(1 + 2**32, np.arange(64), 0), axis=-1))


BACKENDS = ["numpy", pytest.param("numba", marks=needs_numba)]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fn", [P.normal_matrix, P.uniform_matrix])
def test_chunking_independence(fn, dtype, backend):
    seed, n, d = 2024, 101, 7  # d odd: the last block is used partially
    whole = fn(seed, 0, n, d, dtype=dtype, backend=backend)
    assert whole.shape == (n, d) and whole.dtype == dtype
    cuts = [0, 1, 1, 8, 39, 40, 77, n]  # uneven, with an empty chunk
    parts = [
        fn(seed, a, b - a, d, dtype=dtype, backend=backend) for a, b in itertools.pairwise(cuts)
    ]
    assert np.array_equal(np.concatenate(parts), whole)
    # a narrower matrix is a prefix of the wider one: coordinate k does not depend on d
    assert np.array_equal(fn(seed, 0, n, 3, dtype=dtype, backend=backend), whole[:, :3])
    # and every entry is the pure function of (seed, i, k) given by normals/uniforms
    at = P.normals if fn is P.normal_matrix else P.uniforms
    ref = at(seed, np.arange(n)[:, None], np.arange(d)[None, :], dtype=dtype)
    assert np.array_equal(whole, ref)


@pytest.mark.parametrize("backend", BACKENDS)
def test_sample_index_past_2_32(backend):
    seed, d = 7, 5
    start = 2**32 - 3
    rows = P.normal_matrix(seed, start, 6, d, backend=backend)
    idx = np.arange(6, dtype=np.uint64) + np.uint64(start)
    assert np.array_equal(rows, P.normals(seed, idx[:, None], np.arange(d)))
    # the high word matters: row 2**32 + 1 is not row 1
    low = P.normal_matrix(seed, 0, 3, d, backend=backend)
    assert not np.any(rows[3:] == low)
    # the last index of the stream, and Python ints past 2**63 given as a list
    last = P.normal_matrix(seed, 2**64 - 2, 2, d, backend=backend)
    from_list = P.normals(seed, [[2**64 - 2], [2**64 - 1]], np.arange(d), backend=backend)
    assert np.array_equal(last, from_list) and np.all(np.isfinite(last))
    with pytest.raises(ValueError, match="count"):
        P.normal_matrix(seed, 2**64 - 2, 3, d, backend=backend)
    with pytest.raises(ValueError, match="samples"):
        P.normals(seed, [2**64], 0, backend=backend)


def test_coordinate_and_argument_validation():
    with pytest.raises(ValueError, match="coords"):
        P.normals(0, 0, 2**33)  # 2**32 blocks of 2 float64 coordinates
    assert np.isfinite(P.normals(0, 0, 2**34 - 1, dtype=np.float32))
    with pytest.raises(ValueError, match="dtype"):
        P.normals(0, 0, 0, dtype=np.int32)
    with pytest.raises(ValueError, match="backend"):
        P.normals(0, 0, 0, backend="cuda")
    with pytest.raises(TypeError, match="samples"):
        P.normals(0, [0.5], 0)
    with pytest.raises(ValueError, match="stream"):
        P.normals(0, 0, 0, stream=2**32)


def test_numpy_path_imports_without_numba():
    """``robtheory.mc.philox`` must work where numba cannot be imported."""
    code = (
        "import sys; sys.modules['numba'] = None\n"
        "from robtheory.mc import philox as P\n"
        "assert not P.numba_available()\n"
        "z = P.normal_matrix(1, 0, 4, 3, backend='auto')\n"
        "assert z.shape == (4, 3)\n"
        "assert 'numba' not in [m for m in sys.modules if sys.modules[m] is not None]\n"
    )
    root = str(Path(P.__file__).resolve().parents[2])  # the directory holding robtheory/
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]))
    res = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert res.returncode == 0, res.stderr


# --------------------------------------------------------------------------- numba == numpy
def _random_points(n: int, coord_bound: int):
    rng = np.random.default_rng(12345)
    i = rng.integers(0, 2**64, size=n, dtype=np.uint64, endpoint=False)
    i[:4] = [0, 2**31, 2**32 + 1, 2**64 - 1]
    k = rng.integers(0, coord_bound, size=n, dtype=np.uint64)
    return i, k


@needs_numba
def test_numba_raw_words_bitwise_equal():
    i, j = _random_points(4096, 2**32)
    for seed in (0, 2**64 - 1, 0x243F6A8885A308D3):
        for stream in (0, 2**32 - 1):
            a = P.raw_words(seed, i, j, stream=stream)
            b = P.raw_words(seed, i, j, stream=stream, backend="numba")
            assert np.array_equal(a, b)


# float64: log, sqrt, cos, sin are each within a couple of ulps in both libms and
# z = r * cos(theta) with r <= sqrt(106 ln 2) = 8.57, so |dz| <= 4 eps r_max.
F64_TOL = 4 * np.finfo(np.float64).eps * P.MAX_ABS_NORMAL_F64


@needs_numba
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_numba_values_match_numpy(dtype):
    per_block = 2 if dtype == np.float64 else 4
    i, k = _random_points(4096, per_block * 2**32)
    seed = 0xDEADBEEF12345678
    ua = P.uniforms(seed, i, k, dtype=dtype)
    ub = P.uniforms(seed, i, k, dtype=dtype, backend="numba")
    assert np.array_equal(ua, ub)  # pure integer arithmetic and exact scaling
    za = P.normals(seed, i, k, dtype=dtype)
    zb = P.normals(seed, i, k, dtype=dtype, backend="numba")
    assert za.dtype == zb.dtype == dtype
    if dtype == np.float64:
        assert np.max(np.abs(za - zb)) <= F64_TOL
    else:
        # both round the same float64 value (within F64_TOL) to float32: at most 1 ulp apart
        assert np.all(np.abs(za - zb) <= np.spacing(np.maximum(np.abs(za), np.abs(zb))))


@needs_numba
@given(
    seed=st.integers(0, 2**64 - 1),
    i=st.integers(0, 2**64 - 1),
    k=st.integers(0, 2**33 - 1),
    stream=st.integers(0, 2**32 - 1),
)
def test_numba_scalar_device_functions(seed, i, k, stream):
    from robtheory.mc import _philox_numba as nb

    k0, k1 = P.seed_to_key(seed)
    ref = float(P.normals(seed, i, k, stream=stream))
    assert abs(nb.normal_f64_nb(k0, k1, np.uint64(i), np.uint64(k), stream) - ref) <= F64_TOL
    assert nb.uniform_f64_nb(k0, k1, np.uint64(i), np.uint64(k), stream) == float(
        P.uniforms(seed, i, k, stream=stream)
    )
    assert nb.uniform_f32_nb(k0, k1, np.uint64(i), np.uint64(k), stream) == P.uniforms(
        seed, i, k, stream=stream, dtype=np.float32
    )
    words = nb.block_words_nb(k0, k1, np.uint64(i), np.uint64(k % 2**32), stream)
    assert [int(w) for w in words] == P.raw_words(seed, i, k % 2**32, stream=stream).tolist()


if P.numba_available():
    import numba

    from robtheory.mc import _philox_numba as _nb

    @numba.njit(parallel=True, cache=True)
    def _fill_normals_prange(k0, k1, start, out):
        for r in numba.prange(out.shape[0]):
            for k in range(out.shape[1]):
                out[r, k] = _nb.normal_f64_nb(k0, k1, start + np.uint64(r), np.uint64(k), 0)


@needs_numba
def test_numba_threads_do_not_change_values():
    """Rows drawn by the device function inside a prange loop equal the NumPy rows."""
    seed, start = 31337, 2**33 - 50
    out = np.empty((400, 5))
    _fill_normals_prange(*P.seed_to_key(seed), np.uint64(start), out)
    ref = P.normal_matrix(seed, start, 400, 5)
    assert np.max(np.abs(out - ref)) <= F64_TOL


# --------------------------------------------------------------------------- statistics
# Each check below has false-alarm rate ALPHA for every seed, so the samples come from the run's
# test seed (tests/conftest.py: rerun on fresh samples with --seed N), in disjoint row blocks.
N_STAT = 10**6


@pytest.fixture(scope="module")
def z64(seed):
    return P.normal_matrix(seed, 0, N_STAT // 2, 2).ravel()


@pytest.fixture(scope="module")
def z32(seed):
    return P.normal_matrix(seed, 2**40, N_STAT // 4, 4, dtype=np.float32).astype(np.float64).ravel()


def _mean_ok(z: np.ndarray) -> bool:
    """|mean| <= z_crit / sqrt(n): the sample mean of n N(0,1) is N(0, 1/n)."""
    return abs(z.mean()) <= Z_CRIT / math.sqrt(z.size)


def _second_moment_ok(z: np.ndarray) -> bool:
    """sum z^2 ~ chi2(n) exactly under N(0, 1): two-sided chi-square quantiles at ALPHA."""
    lo, hi = sps.chi2.ppf(ALPHA / 2, z.size), sps.chi2.isf(ALPHA / 2, z.size)
    s = float(np.dot(z, z))
    return lo <= s <= hi


def _ks_distance(x: np.ndarray, cdf) -> float:
    """Kolmogorov-Smirnov distance sup_x |F_n(x) - F(x)|."""
    f = cdf(np.sort(x))
    n = x.size
    return float(max(np.max(np.arange(1, n + 1) / n - f), np.max(f - np.arange(n) / n)))


def _ks_critical(n: int) -> float:
    """Dvoretzky-Kiefer-Wolfowitz-Massart: P(D_n > t) <= 2 exp(-2 n t^2) for every n, so
    rejecting when D_n > sqrt(ln(2/ALPHA) / (2n)) is a test of level <= ALPHA (scipy's
    far-tail KS p-value costs seconds at n = 1e6; this bound is rigorous and free)."""
    return math.sqrt(math.log(2 / ALPHA) / (2 * n))


def _ks_ok(z: np.ndarray, cdf=special.ndtr) -> bool:
    return _ks_distance(z, cdf) <= _ks_critical(z.size)


@pytest.mark.parametrize("which", ["z64", "z32"])
def test_normal_stream_moments_and_ks(which, request):
    z = request.getfixturevalue(which)
    assert z.size == N_STAT
    assert _mean_ok(z)
    assert _second_moment_ok(z)
    assert _ks_ok(z)
    bound = P.MAX_ABS_NORMAL_F64 if which == "z64" else P.MAX_ABS_NORMAL_F32
    assert np.max(np.abs(z)) <= bound


def test_normal_stream_uncorrelated(z64):
    """Box-Muller partners (cos, sin) and neighbouring rows are uncorrelated.

    Under independence sqrt(m) * r is asymptotically N(0, 1), so |r| <= z_crit / sqrt(m).
    """
    pairs = z64.reshape(-1, 2)
    for x, y in [(pairs[:, 0], pairs[:, 1]), (pairs[:-1, 0], pairs[1:, 0])]:
        r = np.corrcoef(x, y)[0, 1]
        assert abs(r) <= Z_CRIT / math.sqrt(x.size)


def test_uniform_stream_mean_and_ks(seed):
    u = P.uniform_matrix(seed, 2**41, N_STAT // 2, 2).ravel()
    assert abs(u.mean() - 0.5) <= Z_CRIT * math.sqrt(1 / 12 / u.size)
    assert _ks_ok(u, cdf=lambda x: x)


def test_negative_control_mean_shift(z64):
    """The mean check rejects N(0.01, 1) at n = 1e6.

    Under the shift the sample mean is N(0.01, 1/n): 0.01 sqrt(n) = 10 standard errors
    against a threshold of 4.89, so a miss has probability Phi(4.89 - 10) ~ 2e-7.
    """
    shift, n = 0.01, z64.size
    miss = special.ndtr(Z_CRIT - shift * math.sqrt(n)) - special.ndtr(
        -Z_CRIT - shift * math.sqrt(n)
    )
    assert miss < ALPHA
    assert not _mean_ok(z64 + shift)


def test_negative_control_scale(z64):
    """The chi-square check rejects N(0, 1.01^2) at n = 1e6.

    Then sum z^2 ~ 1.01^2 chi2(n); it stays below the upper critical value c with
    probability P(chi2(n) <= c / 1.0201), computed exactly below (about 1e-19).
    """
    scale, n = 1.01, z64.size
    miss = sps.chi2.cdf(sps.chi2.isf(ALPHA / 2, n) / scale**2, n)
    assert miss < ALPHA
    assert not _second_moment_ok(scale * z64)


def test_negative_control_ks(z64):
    """KS rejects N(0.02, 1) at n = 1e6 (a shift of 0.01 would *not* be guaranteed).

    The population distance is D = sup|Phi(x - s) - Phi(x)| = 2 Phi(s/2) - 1 (at x = s/2).
    The check rejects when D_n > c = sqrt(ln(2/ALPHA) / (2n)) = 0.0027, and the shifted
    sample escapes only if its empirical CDF strays by more than t = D - c from its own
    CDF, which by Dvoretzky-Kiefer-Wolfowitz-Massart has probability <= 2 exp(-2 n t^2).
    For s = 0.02 (D = 0.0080) that is ~1e-24; for s = 0.01 (D = 0.0040) it is ~0.07,
    which is why 0.02 is used.
    """
    shift, n = 0.02, z64.size
    d_pop = 2 * special.ndtr(shift / 2) - 1
    t = d_pop - _ks_critical(n)
    assert t > 0 and 2 * math.exp(-2 * n * t * t) < ALPHA
    assert not _ks_ok(z64 + shift)
