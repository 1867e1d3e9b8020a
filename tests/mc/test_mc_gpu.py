"""The CuPy kernels against numba and the NumPy oracle on the same stream.

The ``gpu``-marked tests need a CUDA GPU and CuPy: run them with
``python -m pytest -m gpu tests/mc/test_mc_gpu.py``; elsewhere they are skipped with the
reason CuPy gives. One test runs everywhere a C++ compiler is found: it compiles the
CUDA source of :mod:`robtheory.mc.gpu` as host C++ (with one-thread stand-ins for the
CUDA built-ins and the host's libm) and checks that its counts equal numba's, so the
kernel's Philox, stream layout, labels and score are checked even without a GPU.
"""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

from robtheory import LinearClassifier, ThreatModel, ToyModel, averaging, bayes
from robtheory.mc import check_against_closed_form, gpu
from robtheory.mc import philox as P
from robtheory.mc import reference as R
from robtheory.stats import familywise_alpha

_OK, _WHY = gpu.cupy_usable()
needs_gpu = pytest.mark.skipif(not _OK, reason=f"no usable GPU: {_WHY}")

THREATS = [None, ThreatModel("linf", 0.1), ThreatModel.weak_only("l2", 0.5)]


def _w(d, seed):
    return np.random.default_rng(seed).normal(size=d + 1) + 0.2


@pytest.mark.gpu
@needs_gpu
def test_philox_words_match_numpy():
    for start, block, stream in ((0, 0, 0), (2**32 - 3, 5, 1), (2**63 + 11, 2**31, 7)):
        got = gpu.raw_words(2**40 + 9, start, 64, block, stream)
        want = P.raw_words(2**40 + 9, np.arange(start, start + 64, dtype=np.uint64), block,
                           stream=stream)
        np.testing.assert_array_equal(got, want)


@pytest.mark.gpu
@needs_gpu
def test_float64_normals_within_ulps_of_numpy():
    a = gpu.normal_matrix(5, 2**33, 2000, 16)
    b = P.normal_matrix(5, 2**33, 2000, 16)
    r = np.repeat(np.hypot(b[:, 0::2], b[:, 1::2]), 2, axis=1)
    assert np.all(np.abs(a - b) <= 8 * np.finfo(np.float64).eps * (np.abs(b) + r))


@pytest.mark.gpu
@needs_gpu
@pytest.mark.parametrize("d", [1, 2, 7, 50])
@pytest.mark.parametrize("start", [0, 2**32 + 5])
def test_float64_counts_equal_numba_and_numpy(d, start):
    pytest.importorskip("numba")
    from robtheory.mc import cpu

    model = ToyModel(0.75, 0.25, d)
    for k, threat in enumerate(THREATS):
        w = _w(d, d + k)
        pen = R.robust_penalty(w, threat)
        args = (w, 0.1 * k - 0.1, pen, model.eta, model.p, 20_000, 31 * d + k)
        g = gpu.linear_counts(*args, start=start)
        assert g == cpu.linear_counts(*args, start=start)
        if d <= 7:
            assert g == R.linear_counts(model, w, 0.1 * k - 0.1, threat, 20_000, 31 * d + k,
                                        start=start)


@pytest.mark.gpu
@needs_gpu
def test_launch_splitting_does_not_change_counts(monkeypatch):
    w = _w(9, 2)
    args = (w, 0.0, 0.3, 0.2, 0.8, 100_000, 4)
    whole = gpu.linear_counts(*args)
    monkeypatch.setattr(gpu, "MAX_LAUNCH", 30_000)
    assert gpu.linear_counts(*args) == whole


@pytest.mark.gpu
@needs_gpu
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gpu_agrees_with_closed_form(dtype):
    model = ToyModel(0.8, 0.2, 25)
    alpha_total = 1e-6
    for clf in (bayes(model), averaging(25), LinearClassifier(_w(25, 3), 0.1)):
        res = check_against_closed_form(model, clf, ThreatModel("linf", 0.1), n=10**7, seed=8,
                                        backend="cupy", dtype=dtype, total_alpha=alpha_total,
                                        n_checks=2 * 3 * 2)
        assert res["backend"] == "cupy" and res["passed"], res
    assert familywise_alpha(alpha_total, 12) == res["alpha_per_check"]


_STUBS = r"""
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#define __device__
#define __forceinline__ inline
#define __global__
#define __restrict__
struct D3 { unsigned x; };
static D3 threadIdx = {0}, blockIdx = {0}, blockDim = {1}, gridDim = {1};
static unsigned __umulhi(unsigned a, unsigned b) {
    return (unsigned)(((unsigned long long)a * b) >> 32); }
template <class T> static T __shfl_down_sync(unsigned, T, int) { return T(0); }
static unsigned long long atomicAdd(unsigned long long *p, unsigned long long v) {
    *p += v; return v; }
static void sincospif(float x, float *s, float *c) {
    *s = (float)sin(M_PI * (double)x); *c = (float)cos(M_PI * (double)x); }
"""

_DRIVER = r"""
int main(int argc, char **argv) {  /* k0 k1 start n d b eta p pen f32 w[0..d] */
    unsigned k0 = strtoul(argv[1], 0, 10), k1 = strtoul(argv[2], 0, 10);
    unsigned long long start = strtoull(argv[3], 0, 10), n = strtoull(argv[4], 0, 10);
    int d = atoi(argv[5]), f32 = atoi(argv[10]);
    double b = strtod(argv[6], 0), eta = strtod(argv[7], 0), p = strtod(argv[8], 0),
           pen = strtod(argv[9], 0);
    int per = f32 ? 4 : 2, nb = (d + per - 1) / per;
    double *w = (double *)calloc(1 + per * nb, sizeof(double));
    float *wf = (float *)calloc(1 + per * nb, sizeof(float));
    for (int k = 0; k <= d; ++k) { w[k] = strtod(argv[11 + k], 0); wf[k] = (float)w[k]; }
    unsigned long long counts[2] = {0, 0};
    if (f32) linear_counts_f32(k0, k1, start, n, wf, nb, (float)b, (float)eta, p, (float)pen, counts);
    else linear_counts_f64(k0, k1, start, n, w, nb, b, eta, p, pen, counts);
    printf("%llu %llu\n", counts[0], counts[1]);
    return 0;
}
"""


@pytest.mark.skipif(shutil.which("g++") is None, reason="no g++ to compile the CUDA source as C++")
def test_cuda_source_emulated_on_the_host_equals_numba(tmp_path):
    pytest.importorskip("numba")
    from robtheory.mc import cpu
    from robtheory.mc.philox import seed_to_key

    src = tmp_path / "kernel.cpp"
    exe = tmp_path / "kernel"
    src.write_text(_STUBS + gpu._SOURCE + _DRIVER)
    # -ffp-contract=off: like --fmad=false on the device, no fused multiply-adds
    subprocess.run(["g++", "-O1", "-std=c++14", "-ffp-contract=off", "-w", str(src), "-o", str(exe),
                    "-lm"], check=True, capture_output=True)
    cases = [(1, 0, 5, ThreatModel("linf", 0.1)), (7, 2**32 + 3, 2**40 + 9, ThreatModel.weak_only("l2", 0.5)),
             (50, 2**63, 77, None)]
    for d, start, seed, threat in cases:
        model = ToyModel(0.75, 0.25, d)
        w = _w(d, d)
        pen = R.robust_penalty(w, threat)
        k0, k1 = seed_to_key(seed)
        argv = [str(exe), str(k0), str(k1), str(start), "5000", str(d), repr(0.1), repr(model.eta),
                repr(model.p), repr(pen), "0"] + [repr(float(x)) for x in w]
        out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout.split()
        # float64 only: the float32 kernels agree statistically, not bit for bit
        fast = cpu.linear_counts(w, 0.1, pen, model.eta, model.p, 5000, seed, start=start)
        assert (int(out[0]), int(out[1])) == fast, (d, start, threat)
