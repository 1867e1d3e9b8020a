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

import math
import os
import resource
import time
import tracemalloc

import numpy as np

from robtheory._provenance import Provenance, provenance

__all__ = ["DIMENSIONS", "GRID_POINTS", "GRID_QUANTITY", "format_table", "grid_benchmark", "machine_info",
           "run_benchmark"]

DIMENSIONS = (10, 100, 1000, 10000)
#: Normals per timed run (full, quick).
_TARGETS = {
    "numpy": (4_000_000, 20_000),
    "numba": (400_000_000, 40_000),
    "cupy": (20_000_000_000, 40_000),
}


def machine_info(prov: Provenance | None = None) -> dict[str, object]:
    """nproc, CPU model, library versions, the GPU if any, and the load average now.

    The machine facts and versions are those of the provenance record ``prov``
    (:func:`robtheory._provenance.provenance`, taken now if not given)."""
    import numba

    prov = provenance() if prov is None else prov
    info: dict[str, object] = {
        **prov["machine"],
        "python": prov["python"],
        "numpy": prov["numpy"],
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "numba": prov["numba"],
        "numba_threads": numba.get_num_threads(),
    }
    from robtheory.mc import gpu

    ok, why = gpu.cupy_usable()
    info["gpu"] = gpu.device_name() if ok else None
    if not ok:
        info["gpu_note"] = why
    return info


def _workload(d: int):
    from robtheory.mc import reference as ref
    from robtheory.model import ThreatModel, ToyModel

    model = ToyModel(0.9, 0.1, d)
    w = np.full(d + 1, 1.0 / d)
    w[0] = 0.5
    threat = ThreatModel("linf", 0.05)
    return model, w, threat, ref.robust_penalty(w, threat)


def _rows(target: int, d: int) -> int:
    return max(1, target // d)


def _bench_numpy(d: int, target: int) -> dict:
    from robtheory.mc import reference as ref

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
    from robtheory.mc import cpu

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

    from robtheory.mc import gpu

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

#: What the headline ``grid`` figure computes at each point (reported in the JSON).
GRID_QUANTITY = ("standard accuracy of the Bayes classifier sign(L x1 + 2 eta sum_i x_i) at each (p, mu) "
                 "point (d fixed), through robtheory.theory._grid.unbiased_accuracy (the path robtheory.phase uses "
                 "for every accuracy of a phase grid); two Gaussian tails per point")


def _grid_axes(points: int, d: int):
    # mu > 0 throughout: at mu = 0 the Bayes rule is sign(x1) (a different classifier).
    side = max(1, int(round(math.sqrt(points))))
    p = np.linspace(0.5, 1.0, side, endpoint=False)
    mu = np.linspace(5.0 / side, 5.0, side)
    return side, p, mu


def _grid_fast(p, mu, d: int, *, robust: bool = False, error_rate: bool = False, backend: str = "auto"):
    r"""The Bayes rule's accuracy (and error rate) over the (p, mu) mesh by the fast path; with
    ``robust`` also its l_inf robust accuracy at eps = 2 eta (x1 perturbable).

    The rule is taken in its natural form :math:`\mathrm{sign}(L x_1 + 2\eta\sum_i x_i)`
    (theory §3.3): ``a = L`` lives on the p axis and ``S = 2 eta d``, ``Q = 2 mu``,
    ``U1 = 2 eta d`` on the mu axis, so the kernel broadcasts the two axes and the only
    full-size arrays are its outputs.
    """
    from robtheory.theory._grid import unbiased_accuracy

    if np.any(mu <= 0):
        raise ValueError(f"the Bayes grid needs mu > 0, got mu={float(np.min(mu))!r}")
    sd = math.sqrt(d)
    eta = (mu / sd)[None, :]
    L = (np.log(p) - np.log1p(-p))[:, None]
    P = p[:, None]
    S = 2.0 * eta * d
    Q = 2.0 * mu[None, :]
    out = unbiased_accuracy(P, eta, 0.0, L, S, Q, S, "standard", error_rate=error_rate, backend=backend)
    if robust:
        return out, unbiased_accuracy(P, eta, 2 * eta, L, S, Q, S, "linf_full", backend=backend)
    return out


def _grid_closed_form(P, MU, d: int):
    # The general path: averaging and Bayes standard accuracy through
    # closed_form.accuracy_stats (accuracy, error rate and log error rate, any bias).
    from robtheory.theory.closed_form import accuracy_stats

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


def _best(fn, repeats: int, cpu: list | None = None) -> float:
    """Best wall time of ``repeats`` calls; with ``cpu`` (a list), also append the best CPU time
    of this thread (``time.thread_time``: time descheduled on a shared machine is not counted)."""
    wall, cpus = [], []
    for _ in range(max(1, repeats)):
        c0, t0 = time.thread_time(), time.perf_counter()
        fn()
        wall.append(time.perf_counter() - t0)
        cpus.append(time.thread_time() - c0)
    if cpu is not None:
        cpu.append(min(cpus))
    return min(wall)


def grid_benchmark(points: int = GRID_POINTS[0], *, repeats: int = 5, d: int = 100,
                   general: bool = True) -> dict:
    r"""Time a ``points``-point closed-form grid against bare ``scipy.special.ndtr`` on as many
    points, in the same run and on one core (issue 5, item 6).

    Headline workload (:data:`GRID_QUANTITY`): over a ``sqrt(points) x sqrt(points)`` mesh of
    ``p in [1/2, 1)`` and ``mu in (0, 5]`` at ``d``, the Bayes classifier's standard accuracy

    .. math::

        A_B = p\,\Phi(\mu + \tau_B) + (1-p)\,\Phi(\mu - \tau_B), \qquad
        \tau_B = \frac{L}{2\mu},

    through :func:`robtheory.theory._grid.unbiased_accuracy`, the path of every accuracy of
    :func:`robtheory.phase.phase_grid`: two Gaussian tails per point (one ``erfc`` call each),
    so ``ndtr_per_point = 2`` and a grid exactly as fast as bare ``ndtr`` per evaluation would
    have ``ratio = 1/2``. The axes (``L`` on the p axis, the weak statistics on the mu axis) are
    built inside the timed call; the kernel broadcasts them, so the output is the only
    full-size array. The reference is
    one ``ndtr`` call on ``points`` values in [-8, 8]. Both are the best of ``repeats``
    runs with the process pinned to one CPU where the platform allows (restored
    afterwards). ``ratio = ndtr_seconds / seconds`` is the grid's point throughput as a
    fraction of ndtr's (the item asks for >= 1/3); ``ratio_per_ndtr = ratio *
    ndtr_per_point``. ``cpu_seconds``, ``ndtr_cpu_seconds`` and ``ratio_cpu`` are the same
    from the thread's CPU time, which does not count time the thread was descheduled (on a
    shared machine the wall-clock ratio favours the shorter ndtr call).

    ``variants`` times the same mesh for: the accuracy with its exact error rate
    :math:`1 - A_B = p\,\Phi(-\mu-\tau_B) + (1-p)\,\Phi(\tau_B-\mu)` (the same two ``erfc``
    calls give both tails); standard accuracy, error rate and robust accuracy (l_inf, eps = 2
    eta, four tails per point); and (with ``general``) the general path
    :func:`robtheory.theory.closed_form.accuracy_stats` on the averaging and Bayes rules (the
    workload measured before the fast path existed). ``peak_memory_bytes`` is the
    ``tracemalloc`` peak of one untimed headline run (NumPy's arrays, including the
    kernels' outputs): proportional to the grid, ``bytes_per_point`` (8: the output) per point.
    """
    from scipy.special import ndtr

    from robtheory.theory._grid import grid_backend

    side, p, mu = _grid_axes(points, d)
    n = side * side
    x = np.linspace(-8.0, 8.0, n)
    backend = grid_backend("auto")
    pinned = None
    if hasattr(os, "sched_getaffinity"):
        pinned = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {min(pinned)})
    try:
        _grid_fast(p[:4], mu[:4], d, robust=True, error_rate=True)  # warm-up: imports, kernel load
        _grid_fast(p[:4], mu[:4], d)
        cpu: list = []
        ref = _best(lambda: ndtr(x), repeats, cpu)
        sec = _best(lambda: _grid_fast(p, mu, d), repeats, cpu)
        variants = [
            {"quantity": "Bayes standard accuracy and its exact error rate (fast path)", "ndtr_per_point": 2,
             "seconds": _best(lambda: _grid_fast(p, mu, d, error_rate=True), repeats)},
            {"quantity": "Bayes standard accuracy, error rate and robust accuracy (l_inf, eps = 2 eta) "
                         "(fast path)", "ndtr_per_point": 4,
             "seconds": _best(lambda: _grid_fast(p, mu, d, robust=True, error_rate=True), repeats)},
        ]
        if general:
            P, MU = (a.ravel() for a in np.meshgrid(p, mu, indexing="ij"))
            _grid_closed_form(P[:16], MU[:16], d)
            variants.append({"quantity": "averaging + Bayes standard accuracy through closed_form.accuracy_stats "
                                         "(general path: any bias, also the log error rate)",
                             "ndtr_per_point": 3, "seconds": _best(lambda: _grid_closed_form(P, MU, d), repeats)})
    finally:
        if pinned is not None:
            os.sched_setaffinity(0, pinned)
    for v in variants:
        v["ratio"] = ref / float(v["seconds"])  # type: ignore[arg-type]
        v["ratio_per_ndtr"] = v["ratio"] * v["ndtr_per_point"]  # type: ignore[operator]
    tracemalloc.start()
    try:
        _grid_fast(p, mu, d)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return {"points": n, "seconds": sec, "ndtr_seconds": ref, "ratio": ref / sec,
            "ndtr_per_point": 2, "ratio_per_ndtr": 2 * ref / sec,
            "cpu_seconds": cpu[1], "ndtr_cpu_seconds": cpu[0],
            "ratio_cpu": cpu[0] / cpu[1] if cpu[1] > 0 else None,
            "quantity": GRID_QUANTITY, "backend": backend,
            "workload": f"{GRID_QUANTITY}; {side} x {side} (p, mu) mesh, p in [0.5, 1), mu in (0, 5], d={d}; "
                        f"ndtr on {n} points in [-8, 8]; best of {max(1, repeats)}",
            "peak_memory_bytes": int(peak), "bytes_per_point": peak / n,
            "variants": variants, "cores": 1 if pinned is not None else None}


#: Normals per timed call of each peer pipeline (full, quick): see robtheory.experiments.peers.
PEER_NORMALS = (16_000_000, 40_000)

#: The peers a kernel's speed is compared with (the bare generators are reported, not compared).
PIPELINE_PEERS = ("numpy-1thread", "numpy-2threads", "torch")


def _compare_with_peers(rows: list, peer_rows: list) -> None:
    """Add ``best_peer``, ``ratio_to_best_peer`` and ``ratio_to_bare`` to each kernel row in place:
    the fastest peer pipeline at the same d and dtype, the kernel's speed over it, and the kernel's
    speed over robtheory's bare generator (the fraction of the generator's speed the fused kernel
    keeps)."""
    for r in rows:
        same = [q for q in peer_rows if q["d"] == r["d"] and q["dtype"] == r["dtype"]]
        pipes = [q for q in same if q["peer"] in PIPELINE_PEERS]
        bare = [q for q in same if q["peer"] == "robtheory-bare"]
        best = max(pipes, key=lambda q: q["normals_per_second"]) if pipes else None
        r["best_peer"] = None if best is None else best["peer"]
        r["ratio_to_best_peer"] = None if best is None else r["normals_per_second"] / best["normals_per_second"]
        r["ratio_to_bare"] = (r["normals_per_second"] / bare[0]["normals_per_second"]
                              if bare and r["backend"] == "numba" else None)


def run_benchmark(dims=DIMENSIONS, *, quick: bool = False, backends=None, peers: bool = True) -> dict:
    """Measure every available backend at every ``d``, and the peers a user would write instead.

    Parameters
    ----------
    dims : iterable of int
    quick : bool
        Tiny runs (a smoke test of the machinery; the figures mean nothing).
    backends : iterable of str, optional
        Subset of ``("numpy", "numba", "cupy")``; default: all that are usable.
    peers : bool
        Also time the peers of :mod:`robtheory.experiments.peers` (NumPy ``default_rng`` on one and
        two threads, torch when installed, and the bare generators) on the same workload at each
        ``d`` and both precisions, in the same run, and compare each kernel with the fastest peer
        pipeline.

    Returns
    -------
    dict
        ``{"results": [{"backend", "dtype", "d", "n", "seconds", "normals_per_second",
        "ratio_to_numpy", "best_peer", "ratio_to_best_peer", "ratio_to_bare", "peak_memory_bytes",
        "memory_method"}, ...], "peers": [{"peer", "dtype", "d", "n", "seconds",
        "normals_per_second", "threads", ...}, ...], "machine": ..., "date": ..., "commit": ...,
        "quick": ...}``
    """
    from robtheory.mc.engine import backend_status

    status = backend_status()
    wanted = tuple(backends) if backends is not None else ("numpy", "numba", "cupy")
    for b in wanted:
        if b not in status:
            raise ValueError(f"unknown backend {b!r}; choose from {tuple(status)}")
    use = [b for b in wanted if status[b][0]]
    k = 1 if quick else 0
    prov = provenance()
    machine = machine_info(prov)
    machine["baseline_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
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
    peer_rows: list = []
    if peers:
        from robtheory.experiments.peers import run_peers

        for d in dims:
            peer_rows += run_peers(d, PEER_NORMALS[k], repeats=1 if quick else 2)
    _compare_with_peers(results, peer_rows)
    grid = grid_benchmark(GRID_POINTS[k])
    return {"results": results, "peers": peer_rows, "grid": grid, "machine": machine, "date": prov["date"],
            "commit": prov["commit"], "quick": bool(quick)}


def format_table(report: dict) -> str:
    """A plain-text table of :func:`run_benchmark`'s results."""
    def fmt(x: float | None, spec: str = ".1f") -> str:
        return "-" if x is None else format(x, spec)

    lines = [f"{'backend':8s}{'dtype':>9s}{'d':>7s}{'normals/s':>12s}{'x numpy':>9s}{'x best peer':>13s}"
             f"{'x bare':>8s}{'peak MB':>9s}  memory"]
    for r in report["results"]:
        peer = "-" if r.get("ratio_to_best_peer") is None else f"{r['ratio_to_best_peer']:.2f} ({r['best_peer']})"
        lines.append(f"{r['backend']:8s}{r['dtype']:>9s}{r['d']:>7d}"
                     f"{r['normals_per_second']:>12.3e}{fmt(r['ratio_to_numpy']):>9s}  {peer:<24s}"
                     f"{fmt(r.get('ratio_to_bare'), '.2f'):>6s}"
                     f"{r['peak_memory_bytes'] / 2**20:>9.1f}  {r['memory_method']}")
    if report.get("peers"):
        lines.append("peers (what a user would write instead; same workload, every coordinate drawn):")
        lines.append(f"  {'peer':16s}{'dtype':>9s}{'d':>7s}{'normals/s':>12s}{'threads':>9s}")
        for q in report["peers"]:
            lines.append(f"  {q['peer']:16s}{q['dtype']:>9s}{q['d']:>7d}{q['normals_per_second']:>12.3e}"
                         f"{q['threads']:>9d}")
    g = report.get("grid")
    if g is not None:
        lines.append(f"closed-form grid ({g.get('quantity', 'see workload')}): {g['points']} points in "
                     f"{g['seconds']:.4f} s; bare ndtr on as many points {g['ndtr_seconds']:.4f} s; "
                     f"throughput ratio {g['ratio']:.3f} ({g.get('ndtr_per_point', '?')} Gaussian tails per "
                     f"point: {g.get('ratio_per_ndtr', float('nan')):.3f} per tail; "
                     f"{'one core' if g['cores'] == 1 else 'cores not pinned'}; backend {g.get('backend', '?')}; "
                     f"CPU-time ratio {g.get('ratio_cpu') or float('nan'):.3f})")
        for v in g.get("variants", ()):
            lines.append(f"  variant: {v['quantity']}: {v['seconds']:.4f} s, ratio {v['ratio']:.3f} "
                         f"({v['ratio_per_ndtr']:.3f} per tail)")
    m = report["machine"]
    base = m.get("baseline_rss_bytes")
    lines.append(f"machine: {m['nproc']} x {m['cpu_model']}, gpu: {m['gpu'] or 'none'}; "
                 f"load average {m['load_average']}; process RSS before the runs "
                 f"{'-' if base is None else f'{base / 2**20:.1f} MB'}")
    lines.append(f"date {report['date']}; commit {report['commit']}")
    return "\n".join(lines)
