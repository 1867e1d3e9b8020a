"""What a user would write instead of robtheory's Monte Carlo kernels (the benchmark's peers).

``robtheory bench`` compares its kernels with the pipelines a researcher would write in a minute
for the same workload, not only with robtheory's own NumPy Philox reference (which no user would
write). The workload is the benchmark's: D(0.9, 0.1, d), ``w = (0.5, 1/d, ..., 1/d)``, ``b = 0``,
the l_inf ball of radius 0.05 with x1 perturbable (robust margin ``y (w.x + b) - eps ||w||_1``),
standard and robust counts, every coordinate drawn:

* ``numpy``: ``numpy.random.default_rng`` (PCG64), labels, x1 flips and the weak features drawn
  per chunk of rows, the score by a BLAS matrix-vector product, then two counts; one thread, and
  two threads with one generator each (``SeedSequence.spawn``) over half the rows (NumPy
  releases the GIL while it fills arrays and in BLAS);
* ``torch``: the same pipeline with ``torch.Generator`` and ``torch.randn`` on
  ``torch.get_num_threads()`` threads (set by the caller), when torch is installed;
* ``*-bare``: the generator alone, normals produced and discarded (NumPy ``standard_normal``
  into a reused buffer, torch ``normal_``, robtheory's Philox kernel
  :func:`robtheory.mc.cpu.normal_sum`), so the cost of everything but drawing is visible.

Every function returns ``{"peer", "dtype", "d", "n", "seconds", "normals_per_second", ...}``
with ``n * d`` normals drawn; ``seconds`` is the best of ``repeats`` timed calls after one
untimed warm-up call. The counts are returned too, so a run can be checked against the closed
form (the peers are samplers of the same distribution, not of the same stream).
"""

from __future__ import annotations

import importlib.util
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

import numpy as np

__all__ = ["CHUNK_NORMALS", "PEERS", "WORKLOAD", "numpy_bare", "numpy_pipeline", "robtheory_bare",
           "run_peers", "torch_available", "torch_bare", "torch_pipeline"]

#: The benchmark workload (the same as robtheory.experiments.bench's).
WORKLOAD = {"p": 0.9, "eta": 0.1, "w1": 0.5, "eps": 0.05, "b": 0.0}

#: Normals per chunk of the NumPy and torch pipelines (a few MB: in cache-friendly range and far
#: from the memory limit at any d).
CHUNK_NORMALS = 1 << 20

#: Peer names, in the order ``run_peers`` measures them.
PEERS = ("numpy-1thread", "numpy-2threads", "numpy-bare", "torch", "torch-bare", "robtheory-bare")


def _penalty(d: int) -> float:
    # eps * ||w||_1 with w = (w1, 1/d, ..., 1/d): eps * (w1 + 1)
    return WORKLOAD["eps"] * (WORKLOAD["w1"] + 1.0)


def _rows_per_chunk(d: int) -> int:
    return max(1, CHUNK_NORMALS // int(d))


def _numpy_counts(rng: np.random.Generator, d: int, n: int, dtype: Any) -> tuple[int, int]:
    p, eta, w1, b = WORKLOAD["p"], WORKLOAD["eta"], WORKLOAD["w1"], WORKLOAD["b"]
    dt = np.dtype(dtype)
    w = np.full(d, 1.0 / d, dtype=dt)
    pen = _penalty(d)
    std = rob = 0
    done = 0
    rows = _rows_per_chunk(d)
    while done < n:
        m = min(rows, n - done)
        y = (rng.integers(0, 2, m, dtype=np.int8) * 2 - 1).astype(dt)
        x1 = np.where(rng.random(m) < p, y, -y)
        z = rng.standard_normal((m, d), dtype=dt)
        z += (dt.type(eta) * y)[:, None]
        margin = y * (z @ w + dt.type(w1) * x1 + dt.type(b))
        std += int(np.count_nonzero(margin > 0))
        rob += int(np.count_nonzero(margin > pen))
        done += m
    return std, rob


def _best(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    fn()  # warm-up (first-touch allocations, thread start)
    best, out = float("inf"), None
    for _ in range(max(1, int(repeats))):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _record(peer: str, dtype: Any, d: int, n: int, seconds: float, **extra: Any) -> dict:
    return {"peer": peer, "dtype": np.dtype(dtype).name, "d": int(d), "n": int(n), "seconds": seconds,
            "normals_per_second": int(n) * int(d) / seconds, **extra}


def numpy_pipeline(d: int, n: int, *, threads: int = 1, dtype: Any = np.float64, seed: int = 0,
                   repeats: int = 3) -> dict:
    """The NumPy ``default_rng`` pipeline on ``threads`` threads (one generator each)."""
    if threads < 1:
        raise ValueError(f"threads must be >= 1, got threads={threads!r}")
    children = np.random.SeedSequence(seed).spawn(threads)
    share = [n // threads + (k < n % threads) for k in range(threads)]

    def run() -> tuple[int, int]:
        rngs = [np.random.default_rng(c) for c in children]
        if threads == 1:
            return _numpy_counts(rngs[0], d, n, dtype)
        with ThreadPoolExecutor(threads) as ex:
            parts = list(ex.map(lambda k: _numpy_counts(rngs[k], d, share[k], dtype), range(threads)))
        return sum(s for s, _ in parts), sum(r for _, r in parts)

    sec, (std, rob) = _best(run, repeats)
    return _record(f"numpy-{threads}thread" + ("s" if threads > 1 else ""), dtype, d, n, sec,
                   standard_count=std, robust_count=rob, threads=threads)


def numpy_bare(d: int, n: int, *, dtype: Any = np.float64, seed: int = 0, repeats: int = 3) -> dict:
    """NumPy's generator alone: ``standard_normal`` into one reused buffer, ``n * d`` normals."""
    rows = _rows_per_chunk(d)
    buf = np.empty((min(rows, n), d), dtype=dtype)

    def run() -> None:
        rng = np.random.default_rng(seed)
        done = 0
        while done < n:
            m = min(rows, n - done)
            rng.standard_normal(out=buf[:m], dtype=dtype)
            done += m

    sec, _ = _best(run, repeats)
    return _record("numpy-bare", dtype, d, n, sec, threads=1)


def torch_available() -> bool:
    """Whether torch can be imported here (the torch peers are skipped otherwise)."""
    return importlib.util.find_spec("torch") is not None


def _torch_dtype(dtype: Any) -> Any:
    import torch

    return torch.float32 if np.dtype(dtype) == np.float32 else torch.float64


def torch_pipeline(d: int, n: int, *, dtype: Any = np.float32, seed: int = 0, repeats: int = 3) -> dict:
    """The same pipeline in torch (CPU), on ``torch.get_num_threads()`` threads."""
    import torch

    p, eta, w1, b = WORKLOAD["p"], WORKLOAD["eta"], WORKLOAD["w1"], WORKLOAD["b"]
    tdt = _torch_dtype(dtype)
    w = torch.full((d,), 1.0 / d, dtype=tdt)
    pen = _penalty(d)
    rows = _rows_per_chunk(d)

    def run() -> tuple[int, int]:
        g = torch.Generator().manual_seed(seed)
        std = rob = 0
        done = 0
        while done < n:
            m = min(rows, n - done)
            y = (torch.randint(0, 2, (m,), generator=g) * 2 - 1).to(tdt)
            x1 = torch.where(torch.rand(m, generator=g, dtype=tdt) < p, y, -y)
            z = torch.randn(m, d, generator=g, dtype=tdt)
            z.add_((eta * y)[:, None])
            margin = y * (z @ w + w1 * x1 + b)
            std += int((margin > 0).sum())
            rob += int((margin > pen).sum())
            done += m
        return std, rob

    sec, (std, rob) = _best(run, repeats)
    return _record("torch", dtype, d, n, sec, standard_count=std, robust_count=rob,
                   threads=torch.get_num_threads())


def torch_bare(d: int, n: int, *, dtype: Any = np.float32, seed: int = 0, repeats: int = 3) -> dict:
    """torch's generator alone: ``normal_`` into one reused buffer."""
    import torch

    rows = _rows_per_chunk(d)
    buf = torch.empty(min(rows, n), d, dtype=_torch_dtype(dtype))

    def run() -> None:
        g = torch.Generator().manual_seed(seed)
        done = 0
        while done < n:
            m = min(rows, n - done)
            buf[:m].normal_(generator=g)
            done += m

    sec, _ = _best(run, repeats)
    return _record("torch-bare", dtype, d, n, sec, threads=torch.get_num_threads())


def robtheory_bare(d: int, n: int, *, dtype: Any = np.float64, seed: int = 0, repeats: int = 3) -> dict:
    """robtheory's Philox generator alone (:func:`robtheory.mc.cpu.normal_sum`, numba threads)."""
    import numba

    from robtheory.mc import cpu

    cpu.normal_sum(d, 2 * cpu.TILE, seed, dtype=dtype)  # compile
    sec, _ = _best(lambda: cpu.normal_sum(d, n, seed, dtype=dtype), repeats)
    return _record("robtheory-bare", dtype, d, n, sec, threads=numba.get_num_threads())


def run_peers(d: int, normals: int, *, dtypes: tuple = (np.float64, np.float32), seed: int = 0,
              repeats: int = 3, torch_threads: int | None = None) -> list[dict]:
    """Every peer at dimension ``d`` with about ``normals`` normals per timed call, for each dtype.

    The torch peers run only when torch is importable (``torch_threads`` sets its thread count
    for the run, restored after; default: torch's own). NumPy's ``standard_normal`` gives float32
    and float64; both are measured.
    """
    n = max(1, int(normals) // int(d))
    out: list[dict] = []
    for dt in dtypes:
        out.append(numpy_pipeline(d, n, threads=1, dtype=dt, seed=seed, repeats=repeats))
        out.append(numpy_pipeline(d, n, threads=2, dtype=dt, seed=seed, repeats=repeats))
        out.append(numpy_bare(d, n, dtype=dt, seed=seed, repeats=repeats))
        if torch_available():
            import torch

            before = torch.get_num_threads()
            if torch_threads is not None:
                torch.set_num_threads(int(torch_threads))
            try:
                out.append(torch_pipeline(d, n, dtype=dt, seed=seed, repeats=repeats))
                out.append(torch_bare(d, n, dtype=dt, seed=seed, repeats=repeats))
            finally:
                torch.set_num_threads(before)
        out.append(robtheory_bare(d, n, dtype=dt, seed=seed, repeats=repeats))
    return out
