"""Throughput benchmark of the Monte Carlo backends (``robtheory bench``).

The workload is the engine's real one: standard and robust counts of a linear classifier
(``w = (0.5, 1/d, ..., 1/d)``, l_inf ball) on D(0.9, 0.1, d), drawing every weak feature.
For each backend and each ``d`` it reports the normals generated per second
(``n * d / seconds``, compile and warm-up excluded), the ratio to the NumPy reference at
the same ``d`` and the peak memory:

* NumPy: the peak of Python-tracked allocations (``tracemalloc``, which sees NumPy's
  arrays) during a separate run of the same size;
* numba: the process's peak resident set (``resource.getrusage``), measured before any
  NumPy run; an upper bound that includes the interpreter, numba and LLVM (compare
  ``machine["baseline_rss_bytes"]``, the peak before the first run). The kernels
  themselves allocate O(threads x tile) scratch and a partial-count array of
  ``MAX_CALL / TILE`` rows per call, whatever n;
* CuPy: the bytes held by CuPy's memory pool on the GPU.

Figures carry their provenance (machine, date, commit, load average) so that they can be
recorded in ``BENCHMARKS.md`` (design principle 12). Nothing here is asserted in tests:
timings depend on the machine.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import resource
import subprocess
import time
import tracemalloc
from pathlib import Path

import numpy as np

__all__ = ["DIMENSIONS", "format_table", "machine_info", "run_benchmark"]

DIMENSIONS = (10, 100, 1000, 10000)
#: Normals per timed run (full, quick).
_TARGETS = {
    "numpy": (4_000_000, 20_000),
    "numba": (400_000_000, 40_000),
    "cupy": (20_000_000_000, 40_000),
}


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _commit() -> str | None:
    root = Path(__file__).resolve().parent.parent
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root,
                             capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    return out.stdout.strip() or None


def machine_info() -> dict:
    """nproc, CPU model, library versions, the GPU if any, and the load average now."""
    info = {
        "nproc": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }
    try:
        import numba

        info["numba"] = numba.__version__
        info["numba_threads"] = numba.get_num_threads()
    except ImportError:
        info["numba"] = None
    from .mc import gpu

    ok, why = gpu.cupy_usable()
    info["gpu"] = gpu.device_name() if ok else None
    if not ok:
        info["gpu_note"] = why
    return info


def _workload(d: int):
    from .mc import reference as ref
    from .model import ThreatModel, ToyModel

    model = ToyModel(0.9, 0.1, d)
    w = np.full(d + 1, 1.0 / d)
    w[0] = 0.5
    threat = ThreatModel("linf", 0.05)
    return model, w, threat, ref.robust_penalty(w, threat)


def _rows(target: int, d: int) -> int:
    return max(1, target // d)


def _bench_numpy(d: int, target: int) -> dict:
    from .mc import reference as ref

    model, w, threat, _ = _workload(d)
    n = _rows(target, d)
    t0 = time.perf_counter()
    ref.linear_counts(model, w, 0.0, threat, n, 1)
    sec = time.perf_counter() - t0
    tracemalloc.start()
    try:
        ref.linear_counts(model, w, 0.0, threat, n, 2)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return {"backend": "numpy", "dtype": "float64", "d": d, "n": n, "seconds": sec,
            "normals_per_second": n * d / sec, "peak_memory_bytes": int(peak),
            "memory_method": "tracemalloc"}


def _bench_numba(d: int, target: int, dtype) -> dict:
    from .mc import cpu

    model, w, _, pen = _workload(d)
    cpu.linear_counts(w, 0.0, pen, model.eta, model.p, 2 * cpu.TILE, 0, dtype=dtype)  # compile
    n = _rows(target, d)
    t0 = time.perf_counter()
    cpu.linear_counts(w, 0.0, pen, model.eta, model.p, n, 1, dtype=dtype)
    sec = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"backend": "numba", "dtype": np.dtype(dtype).name, "d": d, "n": n, "seconds": sec,
            "normals_per_second": n * d / sec, "peak_memory_bytes": int(rss),
            "memory_method": "ru_maxrss (whole process)"}


def _bench_cupy(d: int, target: int, dtype) -> dict:
    import cupy as cp

    from .mc import gpu

    model, w, _, pen = _workload(d)
    gpu.linear_counts(w, 0.0, pen, model.eta, model.p, 1 << 16, 0, dtype=dtype)  # compile
    cp.cuda.Device().synchronize()
    pool = cp.get_default_memory_pool()
    n = _rows(target, d)
    t0 = time.perf_counter()
    gpu.linear_counts(w, 0.0, pen, model.eta, model.p, n, 1, dtype=dtype)  # copies counts back
    sec = time.perf_counter() - t0
    return {"backend": "cupy", "dtype": np.dtype(dtype).name, "d": d, "n": n, "seconds": sec,
            "normals_per_second": n * d / sec, "peak_memory_bytes": int(pool.total_bytes()),
            "memory_method": "cupy memory pool (GPU)"}


def run_benchmark(dims=DIMENSIONS, *, quick: bool = False, backends=None) -> dict:
    """Measure every available backend at every ``d``.

    Parameters
    ----------
    dims : iterable of int
    quick : bool
        Tiny runs (a smoke test of the machinery; the figures mean nothing).
    backends : iterable of str, optional
        Subset of ``("numpy", "numba", "cupy")``; default: all that are usable.

    Returns
    -------
    dict
        ``{"results": [{"backend", "dtype", "d", "n", "seconds", "normals_per_second",
        "ratio_to_numpy", "peak_memory_bytes", "memory_method"}, ...], "machine": ...,
        "date": ..., "commit": ..., "quick": ...}``
    """
    from .mc.engine import backend_status

    status = backend_status()
    wanted = tuple(backends) if backends is not None else ("numpy", "numba", "cupy")
    for b in wanted:
        if b not in status:
            raise ValueError(f"unknown backend {b!r}; choose from {tuple(status)}")
    use = [b for b in wanted if status[b][0]]
    k = 1 if quick else 0
    machine = machine_info()
    machine["baseline_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    date = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    rows = []
    # numba first, over every d, so that its process-wide peak RSS is not NumPy's
    if "numba" in use:
        rows += [_bench_numba(d, _TARGETS["numba"][k], dt)
                 for d in dims for dt in (np.float64, np.float32)]
    if "cupy" in use:
        rows += [_bench_cupy(d, _TARGETS["cupy"][k], dt)
                 for d in dims for dt in (np.float64, np.float32)]
    base = {}
    if "numpy" in use:
        for d in dims:
            base[d] = _bench_numpy(d, _TARGETS["numpy"][k])
    for r in rows:
        r["ratio_to_numpy"] = (r["normals_per_second"] / base[r["d"]]["normals_per_second"]
                               if r["d"] in base else None)
    for r in base.values():
        r["ratio_to_numpy"] = 1.0
    order = {"numpy": 0, "numba": 1, "cupy": 2}
    results = sorted(list(base.values()) + rows, key=lambda r: (r["d"], order[r["backend"]]))
    return {"results": results, "machine": machine, "date": date, "commit": _commit(),
            "quick": bool(quick)}


def format_table(report: dict) -> str:
    """A plain-text table of :func:`run_benchmark`'s results."""
    lines = [f"{'backend':8s}{'dtype':>9s}{'d':>7s}{'normals/s':>12s}{'x numpy':>9s}"
             f"{'peak MB':>9s}  memory"]
    for r in report["results"]:
        ratio = "-" if r["ratio_to_numpy"] is None else f"{r['ratio_to_numpy']:.1f}"
        lines.append(f"{r['backend']:8s}{r['dtype']:>9s}{r['d']:>7d}"
                     f"{r['normals_per_second']:>12.3e}{ratio:>9s}"
                     f"{r['peak_memory_bytes'] / 2**20:>9.1f}  {r['memory_method']}")
    m = report["machine"]
    base = m.get("baseline_rss_bytes")
    lines.append(f"machine: {m['nproc']} x {m['cpu_model']}, gpu: {m['gpu'] or 'none'}; "
                 f"load average {m['load_average']}; process RSS before the runs "
                 f"{'-' if base is None else f'{base / 2**20:.1f} MB'}")
    lines.append(f"date {report['date']}; commit {report['commit']}")
    return "\n".join(lines)
