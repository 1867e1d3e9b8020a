r"""Time per trained SVM of the learning curves (``robtheory learning-curve --learner svm``), old path
against new path, in one run.

Old path (what the learning curve did before): the training set from the NumPy Philox reference
(:func:`robtheory.mc.reference.sample_dataset`), :func:`robtheory.training.fit_svm` (gap 1e-9),
the exact accuracy, one trial after another. New path: the learning curve's own loop
(:func:`robtheory.finite.learning_curve._svm_curve`): the same training sets from the compiled
Philox words, the coordinate-ascent solver with its active-set Newton step, the gap derived from the accuracy
error bound, trials on ``--workers`` threads. Both on D(p, eta, d), ``lam``, one ``n`` per point
(no warm start along an n grid, so the figures are per isolated point), for standard training and
adversarial training under l_inf and l_2.

Prints wall-clock seconds per trained model for each path and their ratio, the extrapolated time
per 1000 models, the CPU seconds per model (``time.process_time``, all threads: less sensitive to
other processes than the wall clock; on an idle machine with ``c`` cores the wall time of the new
path is about the CPU time over ``min(c, workers)``), the machine load (``os.getloadavg``) before and after, and the largest accuracy error
bound of the new path. ``python -m robtheory.validation.svm_curve_speed [--n 1000 10000] [--json FILE]``.
Set ``OPENBLAS_NUM_THREADS=1`` on a loaded machine: the certificate's matrix-vector products are
NumPy's, and a multithreaded BLAS competing with the worker threads slows both paths.
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np

from robtheory.model import ThreatModel, ToyModel

__all__ = ["main", "run"]

CASES = [("standard", None), ("linf 0.5", ThreatModel("linf", 0.5)), ("linf 0.05", ThreatModel("linf", 0.05)),
         ("l2 0.5", ThreatModel("l2", 0.5)), ("linf 0.1", ThreatModel("linf", 0.1)), ("linf 0.2", ThreatModel("linf", 0.2)),
         ("l2 0.05", ThreatModel("l2", 0.05))]


def _old(model: ToyModel, n: int, trials: int, seed: int, lam: float, train, test) -> tuple[float, float]:
    from robtheory.finite.learners import TRIAL_STRIDE
    from robtheory.mc.reference import sample_dataset
    from robtheory.theory.closed_form import linear_accuracy
    from robtheory.training import fit_svm

    t0, c0 = time.perf_counter(), time.process_time()
    for t in range(trials):
        X, y = sample_dataset(model, n, seed, start=t * TRIAL_STRIDE)
        linear_accuracy(model, fit_svm(X, y, lam, train).w, test)
    return (time.perf_counter() - t0) / trials, (time.process_time() - c0) / trials


def _new(model: ToyModel, n: int, trials: int, seed: int, lam: float, train, test,
         workers: int) -> tuple[float, float, float]:
    from robtheory.finite.learning_curve import _svm_curve

    stats: dict = {}
    t0, c0 = time.perf_counter(), time.process_time()
    _svm_curve(model, np.array([n]), trials, seed, test, train, lam, workers=workers, stats=stats)
    return (time.perf_counter() - t0) / trials, (time.process_time() - c0) / trials, stats["max_accuracy_error_bound"]


def run(ns: list[int], old_trials: int, new_trials: int, workers: int, d: int = 100, lam: float = 0.01,
        seed: int = 0, cases: list[str] | None = None) -> dict:
    model = ToyModel(0.95, 0.3, d)
    test = ThreatModel("linf", 0.5)
    # compile every kernel once (numba caches them on disk after the first run)
    for _, train in CASES:
        _new(model, 50, 2, seed + 1, lam, train, test, 1)
    rows = []
    load0 = os.getloadavg()
    for n in ns:
        for label, train in CASES:
            if cases is not None and label not in cases:
                continue
            # --old-trials 0: the new path only
            old, old_cpu = _old(model, n, old_trials, seed, lam, train, test) if old_trials > 0 else (float("nan"),) * 2
            new, new_cpu, bound = _new(model, n, new_trials, seed, lam, train, test, workers)
            rows.append({"n": n, "case": label, "old_s_per_model": old, "new_s_per_model": new, "speedup": old / new,
                         "old_s_per_1000": 1000 * old, "new_s_per_1000": 1000 * new,
                         "old_cpu_s_per_model": old_cpu, "new_cpu_s_per_model": new_cpu,
                         "new_max_accuracy_error_bound": bound})
            print(f"n={n:>6d} {label:>10s}  old {old:8.4f} s/model ({1000 * old:7.1f} s/1000, cpu {old_cpu:.4f})  "
                  f"new {new:8.4f} s/model ({1000 * new:6.1f} s/1000, cpu {new_cpu:.4f})  x{old / new:5.1f}  "
                  f"accuracy bound {bound:.1e}", flush=True)
    return {"d": d, "lam": lam, "p": 0.95, "eta": 0.3, "test_threat": "linf 0.5", "workers": workers,
            "old_trials": old_trials, "new_trials": new_trials, "loadavg_before": load0,
            "loadavg_after": os.getloadavg(), "cpu_count": os.cpu_count(), "rows": rows}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--d", type=int, default=100)
    ap.add_argument("--old-trials", type=int, default=2, help="models timed on the old path per point (0: none)")
    ap.add_argument("--new-trials", type=int, default=20, help="models timed on the new path per point (>= 2)")
    ap.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--cases", nargs="+", choices=[c for c, _ in CASES], help="a subset of the cases (default all)")
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args(argv)
    report = run(args.n, args.old_trials, args.new_trials, args.workers, d=args.d, cases=args.cases)
    print(f"load average before {report['loadavg_before']}, after {report['loadavg_after']}, "
          f"{report['cpu_count']} CPUs, {args.workers} worker threads")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(report, fh, indent=2)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
