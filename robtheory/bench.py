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
import math
import os
import platform
import resource
import subprocess
import time
import tracemalloc
from pathlib import Path

import numpy as np

__all__ = ["DIMENSIONS", "GRID_POINTS", "format_table", "grid_benchmark", "machine_info", "run_benchmark"]

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


#: Points of the closed-form grid benchmark (full, quick).
GRID_POINTS = (1_000_000, 10_000)


def _grid_closed_form(P, MU, d: int):
    # Averaging and Bayes standard accuracy over a (p, mu) grid at one d, through the same
    # generated closed forms as robtheory.phase (accuracy, error rate and log error rate).
    from .closed_form import accuracy_stats

    sd = np.sqrt(d)
    eta = MU / sd
    zero = np.zeros_like(P)
    one = np.ones_like(P)
    avg = accuracy_stats(P, eta, zero, zero, zero, one, one / sd, one, "standard")[0]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        L = np.log(P) - np.log1p(-P)
        tau = np.where((MU > 0) & np.isfinite(L), L / (2 * MU), np.inf)
    fin = np.isfinite(tau)
    bay = accuracy_stats(P, eta, zero, np.where(fin, tau, 1.0), zero, np.where(fin, sd, 0.0),
                         np.where(fin, 1.0, 0.0), np.where(fin, sd, 0.0), "standard")[0]
    return avg, bay


def grid_benchmark(points: int = GRID_POINTS[0], *, repeats: int = 3, d: int = 100) -> dict:
    """Time a ``points``-point closed-form grid against bare ``scipy.special.ndtr`` on as many
    points, in the same run and on one core (issue 5, item 6).

    The grid is ``sqrt(points) x sqrt(points)`` over ``p in [1/2, 1)`` and ``mu in [0, 5]``
    at ``d``; each point evaluates the averaging and the Bayes classifier's standard
    accuracy with :func:`robtheory.closed_form.accuracy_stats` (its accuracy, error rate and
    log error rate). The reference is one ``ndtr`` call on ``points`` values. Both are the
    best of ``repeats`` runs, with the process pinned to one CPU where the platform allows
    (restored afterwards). ``ratio = ndtr_seconds / seconds`` is the grid's throughput as a
    fraction of ndtr's (the item asks for >= 1/3).
    """
    from scipy.special import ndtr

    side = max(1, int(round(math.sqrt(points))))
    n = side * side
    p = np.linspace(0.5, 1.0, side, endpoint=False)
    mu = np.linspace(0.0, 5.0, side)
    P, MU = (a.ravel() for a in np.meshgrid(p, mu, indexing="ij"))
    x = np.linspace(-8.0, 8.0, n)
    pinned = None
    if hasattr(os, "sched_getaffinity"):
        pinned = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {min(pinned)})
    try:
        _grid_closed_form(P[:16], MU[:16], d)  # warm-up (imports, first calls)
        grid_s, ndtr_s = [], []
        for _ in range(max(1, repeats)):
            t0 = time.perf_counter()
            ndtr(x)
            ndtr_s.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            _grid_closed_form(P, MU, d)
            grid_s.append(time.perf_counter() - t0)
    finally:
        if pinned is not None:
            os.sched_setaffinity(0, pinned)
    sec, ref = min(grid_s), min(ndtr_s)
    return {"points": n, "seconds": sec, "ndtr_seconds": ref, "ratio": ref / sec,
            "workload": f"averaging + Bayes standard accuracy (accuracy_stats) over a {side} x {side} "
                        f"(p, mu) grid at d={d}; ndtr on {n} points; best of {max(1, repeats)}",
            "cores": 1 if pinned is not None else None}


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
    grid = grid_benchmark(GRID_POINTS[k])
    return {"results": results, "grid": grid, "machine": machine, "date": date, "commit": _commit(),
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
    g = report.get("grid")
    if g is not None:
        lines.append(f"closed-form grid: {g['points']} points in {g['seconds']:.3f} s; bare ndtr on as many "
                     f"points {g['ndtr_seconds']:.4f} s; throughput ratio {g['ratio']:.3f} "
                     f"({'one core' if g['cores'] == 1 else 'cores not pinned'})")
    m = report["machine"]
    base = m.get("baseline_rss_bytes")
    lines.append(f"machine: {m['nproc']} x {m['cpu_model']}, gpu: {m['gpu'] or 'none'}; "
                 f"load average {m['load_average']}; process RSS before the runs "
                 f"{'-' if base is None else f'{base / 2**20:.1f} MB'}")
    lines.append(f"date {report['date']}; commit {report['commit']}")
    return "\n".join(lines)
