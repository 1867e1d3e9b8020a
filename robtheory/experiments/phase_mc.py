r"""Monte Carlo overlay of a phase grid, swept on dask.distributed (issue 5, item 4).

A deterministic subsample of ``K`` grid points of a :func:`robtheory.phase.phase_grid`
Dataset is estimated by Monte Carlo (:func:`robtheory.mc.engine.estimate_linear`): the
standard and robust accuracy of the averaging and Bayes classifiers at each point, with
every coordinate of every sample drawn. Each point's accuracies are compared with the grid's
closed forms as residuals in standard-error units,

.. math::

    r = \frac{\hat a - a_0}{\sqrt{a_0 (1 - a_0) / n}},

which under a correct closed form are approximately standard normal. A family of ``m``
residuals is judged at family-wise false-alarm rate :math:`\alpha` against the Bonferroni
threshold :math:`z_{1 - \alpha/(2m)}` (:func:`robtheory.stats.two_sided_z`). A residual
within the threshold is a PASS only if the test could have detected (with probability 1/2)
a deviation of the stated resolution (default 0.005 in accuracy,
:func:`robtheory.stats.proportion_resolution`); otherwise it is INCONCLUSIVE.

Randomness is keyed by the grid point, never by the schedule (design principle 5): the
subsample is drawn from ``SeedSequence(seed, spawn_key=(0,))`` and the Monte Carlo stream of
the grid point with flat index ``i`` (C order over the Dataset's dimensions) is seeded by
``SeedSequence(seed, spawn_key=(1, i)).generate_state(1, uint64)``. The same seed therefore
gives the same counts in a serial loop, on a local cluster of worker processes, or on any
remote cluster, and a point keeps its stream whatever ``K`` is.

dask is imported only here, and only when a sweep runs on it (``pip install
robtheory[dask]``); ``import robtheory`` never loads it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from robtheory import stats
from robtheory.mc.seeds import check_seed as _check_seed
from robtheory.mc.seeds import point_seed, select_points
from robtheory.stats import residuals, z_threshold

__all__ = [
    "CLASSIFIERS",
    "KINDS",
    "PhaseMCSummary",
    "mc_overlay",
    "point_seed",
    "residuals",
    "save_mc",
    "select_points",
    "z_threshold",
]

CLASSIFIERS = ("averaging", "bayes")
KINDS = ("standard", "robust")


def _require_dask():
    from robtheory.experiments.distributed import require_dask

    return require_dask("the Monte Carlo overlay of phase --mc")


def _point_task(task: dict) -> dict:
    """Monte Carlo counts of one grid point (runs on a worker: plain data in, plain data out)."""
    from robtheory.classifiers import averaging, bayes
    from robtheory.mc.engine import estimate_linear
    from robtheory.model import ThreatModel, ToyModel

    model = ToyModel(task["p"], task["eta"], task["d"])
    threat = ThreatModel(task["norm"], task["eps"])
    out = {"index": task["index"]}
    for name, clf in (("averaging", averaging(model.d)), ("bayes", bayes(model))):
        res = estimate_linear(model, clf, threat, task["n"], task["seed"], task["backend"])
        out[name] = (int(res["standard"]["count"]), int(res["robust"]["count"]))
        out["backend"] = res["backend"]
    return out


def _tasks(ds, n: int, k: int, seed: int, backend: str) -> tuple[list[dict], np.ndarray]:
    dims = ds["regime"].dims
    shape = tuple(ds.sizes[dim] for dim in dims)
    idx = select_points(int(np.prod(shape)), k, seed)
    # eta and eps are coordinates of their own when the grid is given in them (--eta, --eps):
    # broadcast to the full grid before indexing it.
    eta = ds["eta"].broadcast_like(ds["regime"]).transpose(*dims).values
    eps = ds["eps"].broadcast_like(ds["regime"]).transpose(*dims).values
    tasks = []
    for i in idx:
        mi = np.unravel_index(int(i), shape)
        pt = dict(zip(dims, mi))
        tasks.append({
            "index": int(i), "p": float(ds["p"].values[pt["p"]]), "eta": float(eta[mi]),
            "eps": float(eps[mi]), "d": int(ds["d"].values[pt["d"]]), "norm": ds.attrs.get("norm", "linf"),
            "n": int(n), "seed": point_seed(seed, int(i)), "backend": backend,
        })
    return tasks, idx


def _progress_bar(total: int):
    """A tqdm bar over the grid points on stderr when it is a terminal; a silent no-op otherwise."""
    from tqdm import tqdm

    return tqdm(total=total, desc="phase --mc", unit="point", file=sys.stderr, leave=False,
                disable=not sys.stderr.isatty())


def _run_distributed(tasks, scheduler, n_workers):
    distributed = _require_dask()
    if scheduler is None:
        cluster = distributed.LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                           dashboard_address=None)
        client = distributed.Client(cluster)
    else:
        cluster, client = None, distributed.Client(scheduler)
    try:
        # pure=False: each task is submitted once anyway; its result depends only on its inputs
        futures = client.map(_point_task, tasks, pure=False)
        with _progress_bar(len(futures)) as bar:
            for _ in distributed.as_completed(futures):
                bar.update()
        return client.gather(futures)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def mc_overlay(ds, n: int, *, points: int = 8, seed: int = 0, backend: str = "numba",
               scheduler: str | None = None, serial: bool = False, n_workers: int = 2,
               total_alpha: float = 1e-6, resolution: float | None = None):
    """Monte Carlo estimates and residuals at a seeded subsample of a phase grid.

    Parameters
    ----------
    ds : xarray.Dataset
        From :func:`robtheory.phase.phase_grid` (any choice of coordinates, either norm).
    n : int, >= 1
        Samples per (point, classifier); the standard and robust counts share them.
    points : int, >= 1
        Grid points to estimate (all of them if the grid is smaller).
    seed : int, in [0, 2**64)
        Keys the subsample and, with each point's flat index, its stream.
    backend : {"numba", "numpy", "cupy", "auto"}
        Monte Carlo backend on the workers (float64: every backend gives the same counts).
    scheduler : str, optional
        Address of an existing dask scheduler; default: a LocalCluster of ``n_workers``
        worker processes with one thread each, started and closed here.
    serial : bool
        Run a plain loop in this process instead of dask (the reference the distributed
        sweep must equal).
    total_alpha : float
        Family-wise false-alarm rate that sets the ``z_threshold`` attribute and ``passed``.
    resolution : float, in (0, 1), optional
        Deviation of an accuracy each residual test must detect with probability 1/2 at
        its n and per-test alpha (default :data:`robtheory.stats.DEFAULT_RESOLUTION`);
        below that power a residual within the threshold is INCONCLUSIVE, not PASS.

    Returns
    -------
    xarray.Dataset
        Dims ``(point, classifier, kind)``; variables ``count``, ``estimate``, ``analytic``
        (the grid's closed form), ``std_error`` (null standard error), ``residual``,
        ``min_detectable``, ``n_needed`` (0 where no n resolves the resolution) and
        ``verdict`` (PASS / FAIL / INCONCLUSIVE); per point the grid coordinates,
        ``flat_index`` and ``point_seed`` (a string: netCDF3 has no 64-bit integers); attrs
        ``n``, ``seed``, ``z_threshold``, ``total_alpha``, ``passed`` (1 unless a residual
        exceeds the threshold), ``resolution``, ``verdict``, ``inconclusive`` (a count),
        ``n_needed`` (the n that would make every inconclusive test conclusive; -1 if there are
        none or no n does), ``max_abs_residual``, ``executor`` and the grid's provenance.
    """
    import xarray as xr

    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or int(n) < 1:
        raise ValueError(f"n must be a positive integer, got n={n!r}")
    seed = _check_seed(seed)
    if n_workers < 1:
        raise ValueError(f"n_workers must be >= 1, got {n_workers!r}")
    tasks, idx = _tasks(ds, int(n), points, seed, backend)
    if serial:
        with _progress_bar(len(tasks)) as bar:
            results = []
            for t in tasks:
                results.append(_point_task(t))
                bar.update()
        executor = "serial"
    else:
        results = _run_distributed(tasks, scheduler, n_workers)
        where = f"LocalCluster, {n_workers} worker processes" if scheduler is None else scheduler
        executor = f"dask.distributed ({where})"
    by_index = {r["index"]: r for r in results}
    count = np.array([[list(by_index[int(i)][c]) for c in CLASSIFIERS] for i in idx], float)
    dims = ds["regime"].dims
    shape = tuple(ds.sizes[dim] for dim in dims)
    analytic = np.empty_like(count)
    for j, i in enumerate(idx):
        mi = np.unravel_index(int(i), shape)
        for ci, c in enumerate(CLASSIFIERS):
            for ki, kd in enumerate(KINDS):
                analytic[j, ci, ki] = ds[f"{c}_{kd}"].transpose(*dims).values[mi]
    est = count / n
    se = np.sqrt(analytic * (1 - analytic) / n)
    res = residuals(count, n, analytic)
    zt = z_threshold(total_alpha, res.size)
    resolution = stats.DEFAULT_RESOLUTION if resolution is None else resolution
    alpha = stats.familywise_alpha(total_alpha, max(res.size, 1))
    verdicts = np.empty(res.shape, dtype=object)
    md = np.empty(res.shape)
    need = np.zeros(res.shape, dtype=np.int64)
    for pos in np.ndindex(res.shape):
        a0 = min(max(float(analytic[pos]), 0.0), 1.0)
        rs = stats.proportion_resolution(int(n), a0, alpha, resolution)
        md[pos], need[pos] = rs.min_detectable, 0 if rs.n_needed is None else rs.n_needed
        verdicts[pos] = stats.verdict(not abs(res[pos]) <= zt, rs.resolved)
    inconclusive = verdicts == stats.INCONCLUSIVE
    need_inc = need[inconclusive]
    n_needed = int(need_inc.max()) if need_inc.size and np.all(need_inc > 0) else -1
    coords = {"point": np.arange(len(idx)), "classifier": list(CLASSIFIERS), "kind": list(KINDS)}
    for dim in dims:
        pos = np.array([np.unravel_index(int(i), shape)[dims.index(dim)] for i in idx], int)
        coords[dim] = ("point", ds[dim].values[pos])
    for extra in ("eta", "eps", "mu", "eps_over_eta"):
        if extra not in coords and extra in ds:
            vals = ds[extra].transpose(*dims).values
            coords[extra] = ("point", np.array([vals[np.unravel_index(int(i), shape)] for i in idx]))
    coords["flat_index"] = ("point", idx.astype(np.int32))
    coords["point_seed"] = ("point", np.array([str(t["seed"]) for t in tasks]))
    vdims = ("point", "classifier", "kind")
    out = xr.Dataset({"count": (vdims, count), "estimate": (vdims, est), "analytic": (vdims, analytic),
                      "std_error": (vdims, se), "residual": (vdims, res), "min_detectable": (vdims, md),
                      "n_needed": (vdims, need.astype(np.int32) if need.max(initial=0) < 2**31 else need.astype(float)),
                      "verdict": (vdims, verdicts.astype(str))}, coords=coords)
    finite_max = float(np.max(np.abs(res))) if res.size else 0.0
    out.attrs.update({k: v for k, v in ds.attrs.items() if isinstance(v, (str, int, float))})
    out.attrs.update({
        "source": "robtheory.experiments.phase_mc.mc_overlay", "n": int(n), "seed": str(seed),
        "grid_dims": ",".join(dims),
        "seed_derivation": "subsample: SeedSequence(seed, spawn_key=(0,)); point i (flat C-order "
                           "index): SeedSequence(seed, spawn_key=(1, i)).generate_state(1, uint64)",
        "backend": results[0]["backend"] if results else backend, "executor": executor,
        "total_alpha": float(total_alpha), "z_threshold": zt, "max_abs_residual": finite_max,
        "passed": int(finite_max <= zt), "residual_definition": "(count/n - analytic) / sqrt(analytic (1 - analytic) / n)",
        "resolution": float(resolution), "verdict": stats.worst_verdict(verdicts.ravel()),
        "inconclusive": int(inconclusive.sum()), "n_needed": n_needed,
    })
    return out


def save_mc(ds_mc, out_dir) -> dict:
    """Write ``phase_mc.nc`` (netCDF, scipy engine) and ``phase_mc.csv``; return their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    nc, csv = out / "phase_mc.nc", out / "phase_mc.csv"
    ds_mc.to_netcdf(nc, engine="scipy")
    ds_mc.to_dataframe().to_csv(csv)
    return {"netcdf": nc, "csv": csv}



@dataclass(frozen=True)
class PhaseMCSummary:
    """The run-level result of :func:`mc_overlay`, typed (read from the Dataset's attrs).

    ``verdict`` is the run's verdict: FAIL when a residual exceeds the Bonferroni threshold
    (``passed`` False) whatever the resolution, else the worst per-test verdict (PASS or
    INCONCLUSIVE). ``n_needed`` is None where the attrs hold -1 (nothing inconclusive, or no n
    resolves it). :meth:`to_dict` uses the attrs' key names.
    """

    n: int
    seed: int
    n_points: int
    n_tests: int
    executor: str
    backend: str
    total_alpha: float
    z_threshold: float
    max_abs_residual: float
    passed: bool
    resolution: float
    verdict: str
    inconclusive: int
    n_needed: int | None

    @classmethod
    def from_dataset(cls, ds_mc: Any) -> PhaseMCSummary:
        a = ds_mc.attrs
        passed = bool(a["passed"])
        need = int(a["n_needed"])
        return cls(n=int(a["n"]), seed=int(a["seed"]), n_points=int(ds_mc.sizes["point"]),
                   n_tests=int(ds_mc["residual"].size), executor=str(a["executor"]), backend=str(a["backend"]),
                   total_alpha=float(a["total_alpha"]), z_threshold=float(a["z_threshold"]),
                   max_abs_residual=float(a["max_abs_residual"]), passed=passed, resolution=float(a["resolution"]),
                   verdict=str(a["verdict"]) if passed else stats.FAIL, inconclusive=int(a["inconclusive"]),
                   n_needed=need if need > 0 else None)

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}
