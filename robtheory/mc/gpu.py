r"""CuPy (CUDA) kernels of the Monte Carlo engine: the numba kernel of :mod:`robtheory.mc.cpu` on a GPU.

CuPy is imported only when a function here is called (never by ``import robtheory`` or
``import robtheory.mc``). One CUDA thread handles one sample at a time (grid-stride loop
with 64-bit indices); the Philox4x32-10 block function, the stream layout, the stream
tags, the uniforms and the score arithmetic are those of :mod:`robtheory.mc.philox` and
:mod:`robtheory.mc.reference`, written in CUDA C below. Each warp reduces its counts with
shuffles and adds them to two 64-bit global counters with ``atomicAdd``; integer
addition is associative, so the counts do not depend on the launch configuration.

Normal transform on the GPU
---------------------------
float64
    CUDA's ``log`` (max 1 ulp) and ``sincos(fl(2 pi u))`` (max 2 ulp), compiled with
    ``--fmad=false`` so that the score is accumulated with the same roundings as the
    CPU kernels: the counts equal the numba kernel's for the same stream (a difference
    would need a margin within ~1e-15 of a threshold). Tested by the ``gpu``-marked tests.
float32
    ``logf`` and ``sincospif(2u)`` (exact reduction of the angle, like the CPU float32
    kernel) in float32, FMA contraction allowed: agreement with the other backends is
    statistical, as for the CPU float32 kernel.

Without a GPU, ``tests/mc/test_mc_gpu.py`` still compiles this CUDA source as host C++ (with
one-thread stand-ins for the CUDA built-ins) and checks that its float64 counts equal the
numba kernel's; the ``gpu``-marked tests there run it on the device.
"""

from __future__ import annotations

import functools
import os

import numpy as np

from robtheory.mc.philox import seed_to_key
from robtheory.mc.reference import STREAM_NORMAL, STREAM_X1, STREAM_Y

__all__ = ["cupy_usable", "device_name", "linear_counts"]

#: Samples per kernel launch (the driver adds the counts as Python ints).
MAX_LAUNCH = 1 << 30
_THREADS = 256

_SOURCE = r"""
typedef unsigned int u32;
typedef unsigned long long u64;

#define STREAM_NORMAL %(STREAM_NORMAL)du
#define STREAM_Y %(STREAM_Y)du
#define STREAM_X1 %(STREAM_X1)du

__device__ __forceinline__ void philox4x32_10(u32 c0, u32 c1, u32 c2, u32 c3, u32 k0, u32 k1,
                                              u32 &o0, u32 &o1, u32 &o2, u32 &o3) {
    #pragma unroll
    for (int r = 0; r < 10; ++r) {
        if (r > 0) { k0 += 0x9E3779B9u; k1 += 0xBB67AE85u; }
        u32 hi0 = __umulhi(0xD2511F53u, c0), lo0 = 0xD2511F53u * c0;
        u32 hi1 = __umulhi(0xCD9E8D57u, c2), lo1 = 0xCD9E8D57u * c2;
        u32 n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
        c0 = n0; c1 = lo1; c2 = n2; c3 = lo0;
    }
    o0 = c0; o1 = c1; o2 = c2; o3 = c3;
}

__device__ __forceinline__ void block_words(u32 k0, u32 k1, u64 i, u32 j, u32 stream,
                                            u32 &a, u32 &b, u32 &c, u32 &d) {
    philox4x32_10((u32)(i & 0xFFFFFFFFull), (u32)(i >> 32), j, stream, k0, k1, a, b, c, d);
}

__device__ __forceinline__ double u53(u32 hi, u32 lo) {
    u64 m = ((u64)hi << 20) | ((u64)lo >> 12);
    return (double)((m << 1) | 1ull) * 1.1102230246251565e-16;  /* 2**-53 */
}

__device__ __forceinline__ float u24(u32 w) {
    u32 m = w >> 9;
    return (float)((m << 1) | 1u) * 5.9604644775390625e-08f;   /* 2**-24 */
}

__device__ __forceinline__ void labels(u32 k0, u32 k1, u64 i, double p, double &y, double &x1) {
    u32 a, b, c, d;
    block_words(k0, k1, i, 0u, STREAM_Y, a, b, c, d);
    y = (u53(a, b) < 0.5) ? 1.0 : -1.0;
    block_words(k0, k1, i, 0u, STREAM_X1, a, b, c, d);
    x1 = (u53(a, b) < p) ? y : -y;
}

__device__ __forceinline__ void warp_add(unsigned long long *counts, u64 ks, u64 kr) {
    #pragma unroll
    for (int off = 16; off > 0; off >>= 1) {
        ks += __shfl_down_sync(0xFFFFFFFFu, ks, off);
        kr += __shfl_down_sync(0xFFFFFFFFu, kr, off);
    }
    if ((threadIdx.x & 31) == 0) {
        atomicAdd(counts, (unsigned long long)ks);
        atomicAdd(counts + 1, (unsigned long long)kr);
    }
}

/* w is padded with zeros to 1 + 2 * n_blocks entries (see robtheory.mc.cpu). */
extern "C" __global__ void linear_counts_f64(u32 k0, u32 k1, u64 start, u64 n,
        const double *__restrict__ w, int n_blocks, double b, double eta, double p, double pen,
        unsigned long long *counts) {
    u64 ks = 0, kr = 0;
    u64 stride = (u64)gridDim.x * blockDim.x;
    for (u64 t = (u64)blockIdx.x * blockDim.x + threadIdx.x; t < n; t += stride) {
        u64 i = start + t;
        double y, x1;
        labels(k0, k1, i, p, y, x1);
        double s = w[0] * x1;
        double ey = eta * y;
        for (int j = 0; j < n_blocks; ++j) {
            u32 a, bb, c, d;
            block_words(k0, k1, i, (u32)j, STREAM_NORMAL, a, bb, c, d);
            double ua = u53(a, bb), ub = u53(c, d);
            double r = sqrt(-2.0 * log(ua));
            double sn, cs;
            sincos(6.283185307179586 * ub, &sn, &cs);
            s = s + w[1 + 2 * j] * (ey + r * cs);
            s = s + w[2 + 2 * j] * (ey + r * sn);
        }
        double mg = y * (s + b);
        ks += (mg > 0.0) ? 1ull : 0ull;
        kr += (mg > pen) ? 1ull : 0ull;
    }
    warp_add(counts, ks, kr);
}

/* w is padded with zeros to 1 + 4 * n_blocks entries. */
extern "C" __global__ void linear_counts_f32(u32 k0, u32 k1, u64 start, u64 n,
        const float *__restrict__ w, int n_blocks, float b, float eta, double p, float pen,
        unsigned long long *counts) {
    u64 ks = 0, kr = 0;
    u64 stride = (u64)gridDim.x * blockDim.x;
    for (u64 t = (u64)blockIdx.x * blockDim.x + threadIdx.x; t < n; t += stride) {
        u64 i = start + t;
        double y64, x164;
        labels(k0, k1, i, p, y64, x164);
        float y = (float)y64;
        float s = w[0] * (float)x164;
        float ey = eta * y;
        for (int j = 0; j < n_blocks; ++j) {
            u32 a, bb, c, d;
            block_words(k0, k1, i, (u32)j, STREAM_NORMAL, a, bb, c, d);
            float r1 = sqrtf(-2.0f * logf(u24(a)));
            float r2 = sqrtf(-2.0f * logf(u24(c)));
            float s1, c1, s2, c2;
            sincospif(2.0f * u24(bb), &s1, &c1);
            sincospif(2.0f * u24(d), &s2, &c2);
            s = s + w[1 + 4 * j] * (ey + r1 * c1);
            s = s + w[2 + 4 * j] * (ey + r1 * s1);
            s = s + w[3 + 4 * j] * (ey + r2 * c2);
            s = s + w[4 + 4 * j] * (ey + r2 * s2);
        }
        float mg = y * (s + b);
        ks += (mg > 0.0f) ? 1ull : 0ull;
        kr += (mg > pen) ? 1ull : 0ull;
    }
    warp_add(counts, ks, kr);
}

/* Raw normals as this backend computes them, for tests of the transform. */
extern "C" __global__ void normal_matrix_f64(u32 k0, u32 k1, u64 start, u64 count, int n_blocks,
                                             double *out) {
    u64 stride = (u64)gridDim.x * blockDim.x;
    for (u64 t = (u64)blockIdx.x * blockDim.x + threadIdx.x; t < count; t += stride) {
        for (int j = 0; j < n_blocks; ++j) {
            u32 a, bb, c, d;
            block_words(k0, k1, start + t, (u32)j, STREAM_NORMAL, a, bb, c, d);
            double r = sqrt(-2.0 * log(u53(a, bb)));
            double sn, cs;
            sincos(6.283185307179586 * u53(c, d), &sn, &cs);
            out[t * 2 * n_blocks + 2 * j] = r * cs;
            out[t * 2 * n_blocks + 2 * j + 1] = r * sn;
        }
    }
}

extern "C" __global__ void philox_words(u32 k0, u32 k1, u64 start, u64 count, u32 j, u32 stream,
                                        u32 *out) {
    u64 stride = (u64)gridDim.x * blockDim.x;
    for (u64 t = (u64)blockIdx.x * blockDim.x + threadIdx.x; t < count; t += stride) {
        u32 a, b, c, d;
        block_words(k0, k1, start + t, j, stream, a, b, c, d);
        out[4 * t] = a; out[4 * t + 1] = b; out[4 * t + 2] = c; out[4 * t + 3] = d;
    }
}
""" % {"STREAM_NORMAL": STREAM_NORMAL, "STREAM_Y": STREAM_Y, "STREAM_X1": STREAM_X1}


@functools.cache
def _probe() -> tuple[bool, str]:
    try:
        import cupy as cp
    except Exception as exc:  # ImportError, or a broken CUDA install
        return False, f"cupy is not importable ({type(exc).__name__}: {exc})"
    try:
        n = cp.cuda.runtime.getDeviceCount()
    except Exception as exc:
        return False, f"no usable CUDA device ({type(exc).__name__}: {exc})"
    if n < 1:
        return False, "no CUDA device"
    return True, "ok"


def cupy_usable() -> tuple[bool, str]:
    """Whether CuPy imports and sees a GPU (``ROBTHEORY_DISABLE_CUPY=1`` turns it off)."""
    if os.environ.get("ROBTHEORY_DISABLE_CUPY", "") not in ("", "0"):
        return False, "disabled by ROBTHEORY_DISABLE_CUPY"
    return _probe()


def device_name() -> str:
    import cupy as cp

    props = cp.cuda.runtime.getDeviceProperties(cp.cuda.Device().id)
    name = props["name"]
    return name.decode() if isinstance(name, bytes) else str(name)


@functools.cache
def _module(f64: bool):
    import cupy as cp

    # float64: no FMA contraction, so the score has the CPU kernels' roundings.
    opts = ("--std=c++14", "--fmad=false") if f64 else ("--std=c++14",)
    return cp.RawModule(code=_SOURCE, options=opts)


def _grid(n: int) -> int:
    import cupy as cp

    sms = cp.cuda.Device().attributes["MultiProcessorCount"]
    return int(max(1, min(-(-n // _THREADS), sms * 16)))


def _padded(w, per_block, dtype):
    d = w.shape[0] - 1
    out = np.zeros(1 + per_block * (-(-d // per_block)), dtype=dtype)
    out[: d + 1] = w
    return out


def linear_counts(w, b, pen, eta, p, n, seed, *, start=0, dtype=np.float64, progress=None):
    """Counts (standard, robust) of ``sign(w^T x + b)`` on the GPU; the arguments are those
    of :func:`robtheory.mc.cpu.linear_counts` (validated by the engine)."""
    import cupy as cp

    k0, k1 = seed_to_key(seed)
    f32 = np.dtype(dtype) == np.float32
    per = 4 if f32 else 2
    wp = _padded(np.asarray(w, dtype=np.float64), per, np.float32 if f32 else np.float64)
    n_blocks = (wp.shape[0] - 1) // per
    w_dev = cp.asarray(wp)
    kern = _module(not f32).get_function("linear_counts_f32" if f32 else "linear_counts_f64")
    ft = np.float32 if f32 else np.float64
    ks = kr = 0
    done = 0
    while done < n:
        c = min(MAX_LAUNCH, n - done)
        counts = cp.zeros(2, dtype=cp.uint64)
        kern((_grid(c),), (_THREADS,),
             (np.uint32(k0), np.uint32(k1), np.uint64(start + done), np.uint64(c), w_dev,
              np.int32(n_blocks), ft(b), ft(eta), np.float64(p), ft(pen), counts))
        host = counts.get()
        ks += int(host[0])
        kr += int(host[1])
        done += c
        if progress is not None:
            progress(c)
    return ks, kr


def normal_matrix(seed, start, count, d) -> np.ndarray:
    """float64 normals of rows ``start .. start + count - 1`` as this backend computes them."""
    import cupy as cp

    k0, k1 = seed_to_key(seed)
    n_blocks = -(-int(d) // 2)
    out = cp.empty((int(count), 2 * n_blocks), dtype=cp.float64)
    kern = _module(True).get_function("normal_matrix_f64")
    kern((_grid(int(count)),), (_THREADS,),
         (np.uint32(k0), np.uint32(k1), np.uint64(start), np.uint64(count), np.int32(n_blocks), out))
    return out.get()[:, : int(d)]


def raw_words(seed, start, count, block=0, stream=0) -> np.ndarray:
    """Philox words of rows ``start ..`` at one block, shape (count, 4), computed on the GPU."""
    import cupy as cp

    k0, k1 = seed_to_key(seed)
    out = cp.empty((int(count), 4), dtype=cp.uint32)
    kern = _module(True).get_function("philox_words")
    kern((_grid(int(count)),), (_THREADS,),
         (np.uint32(k0), np.uint32(k1), np.uint64(start), np.uint64(count), np.uint32(block),
          np.uint32(stream), out))
    return out.get()
