r"""Benchmark of :func:`robtheory.training.fit_svm` against the solver it replaced.

The previous ``fit_svm`` (kept here as ``previous_fit_svm``, for comparison only) ran dual
coordinate ascent for standard training, stopping on a projected-gradient test or after 5000
epochs, and L-BFGS-B on the smooth dual for adversarial training; it returned whatever point it
stopped at. The current one certifies the duality gap ``P(w) - D(a)`` with code of its own and
returns only points with gap <= tol (default 1e-9), through Clarabel (an interior-point QP/SOCP
solver) when coordinate ascent does not get there.

For each case the script times both solvers (best of ``--repeats``, after one warm-up call that
compiles numba) and recomputes both gaps with the same certificate. A second part draws
``--seeds`` samples of the issue's shape (D(0.7, 0.6, 3), n = 391, lam = 0.0015, l_inf 0.045) and
counts how many each solver returns with a gap above 1e-9.
Run ``python -m robtheory.validation.svm_solvers [--quick] [--json FILE]``.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from scipy import optimize

from robtheory.model import ThreatModel, ToyModel
from robtheory.training import fit_svm, sample
from robtheory.training.finite_sample import _svm_certificate, _threshold

__all__ = ["main", "previous_fit_svm", "CASES"]

# (label, model, n, lam, threat)
CASES = [
    ("standard d=3 n=391 lam=1.5e-3", ToyModel(0.7, 0.6, 3), 391, 0.0015, None),
    ("linf 0.045 d=3 n=391 lam=1.5e-3", ToyModel(0.7, 0.6, 3), 391, 0.0015, ThreatModel("linf", 0.045)),
    ("l2 0.045 d=3 n=391 lam=1.5e-3", ToyModel(0.7, 0.6, 3), 391, 0.0015, ThreatModel("l2", 0.045)),
    ("standard d=16 n=4000 lam=0.1", ToyModel(0.9, 0.5, 16), 4000, 0.1, None),
    ("linf 0.7 d=16 n=4000 lam=0.1", ToyModel(0.9, 0.5, 16), 4000, 0.1, ThreatModel("linf", 0.7)),
    ("l2 0.4 d=16 n=1000 lam=0.01", ToyModel(0.8, 0.4, 16), 1000, 0.01, ThreatModel("l2", 0.4)),
    ("linf 0.2 weak d=64 n=3000 lam=0.1", ToyModel(0.9, 0.5, 64), 3000, 0.1, ThreatModel.weak_only("linf", 0.2)),
    ("linf 0.5 d=64 n=3000 lam=0.1", ToyModel(0.9, 0.5, 64), 3000, 0.1, ThreatModel("linf", 0.5)),
]
QUICK = [0, 1, 2, 3, 5]


_PREVIOUS_DCD = None


def _dcd_standard_previous(Z, lam, tol, max_epochs=5000):
    """The previous coordinate ascent: stops when the largest projected-gradient step, times n, < tol."""
    global _PREVIOUS_DCD
    if _PREVIOUS_DCD is None:
        import numba

        from robtheory._cache import numba_cache

        @numba.njit(cache=numba_cache())  # never inside the installed package
        def kernel(Z, lam, tol, max_epochs, order):
            n, k = Z.shape
            a = np.zeros(n)
            w = np.zeros(k)
            sq = np.empty(n)
            for i in range(n):
                sq[i] = np.dot(Z[i], Z[i])
            scale = 1.0 / (lam * n)
            for _ in range(max_epochs):
                worst = 0.0
                for j in range(n):
                    i = order[j]
                    if sq[i] == 0.0:
                        continue
                    g = 1.0 - np.dot(Z[i], w)
                    if (a[i] <= 0.0 and g < 0.0) or (a[i] >= 1.0 and g > 0.0):
                        continue
                    worst = max(worst, abs(g))
                    new = min(1.0, max(0.0, a[i] + g / (sq[i] * scale)))
                    delta = new - a[i]
                    if delta != 0.0:
                        a[i] = new
                        w += (delta * scale) * Z[i]
                if worst < tol:
                    break
            return a

        _PREVIOUS_DCD = kernel
    order = np.random.default_rng(0).permutation(Z.shape[0])
    return _PREVIOUS_DCD(np.ascontiguousarray(Z), float(lam), float(tol), int(max_epochs), order)


def previous_fit_svm(X, y, lam, threat=None, tol=1e-9):
    """The solver ``fit_svm`` used before it certified its gap: returns ``(w, a)``, converged or not."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n = X.shape[0]
    norm = None if threat is None or threat.eps == 0 else threat.norm
    eps = 0.0 if norm is None else threat.eps
    weak_only = threat is not None and not threat.perturb_x1
    Yx = X * y[:, None]

    def dual_norm(w):
        part = w[1:] if weak_only else w
        if norm is None:
            return 0.0
        return float(np.abs(part).sum()) if norm == "linf" else float(np.linalg.norm(part))

    def neg_dual(a):
        abar = a.mean()
        r = _threshold(Yx.T @ a / n, eps * abar, norm, weak_only)
        w = r / lam
        return -(abar - float(r @ r) / (2 * lam)), -(1.0 - Yx @ w + eps * dual_norm(w)) / n

    if norm is None:
        a = _dcd_standard_previous(Yx, lam, tol)
    else:
        a = optimize.minimize(neg_dual, np.full(n, 0.5), jac=True, method="L-BFGS-B", bounds=[(0.0, 1.0)] * n,
                              options={"ftol": 1e-16, "gtol": 1e-3 * tol / n, "maxiter": 50000, "maxcor": 30}).x
    return _threshold(Yx.T @ a / n, eps * a.mean(), norm, weak_only) / lam, a


def _gap(X, y, lam, threat, w, a):
    norm = None if threat is None or threat.eps == 0 else threat.norm
    eps = 0.0 if norm is None else threat.eps
    weak_only = threat is not None and not threat.perturb_x1
    primal, dual = _svm_certificate(X * y[:, None], lam, norm, eps, weak_only, w, a)
    return primal - dual


def _best_time(fn, repeats):
    fn()  # warm-up (numba compilation)
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def run(cases, repeats: int = 3, seeds: int = 100) -> dict:
    rows = []
    for label, model, n, lam, threat in cases:
        X, y = sample(model, n, 1)
        t_old, (w_old, a_old) = _best_time(lambda: previous_fit_svm(X, y, lam, threat), repeats)
        t_new, fit = _best_time(lambda: fit_svm(X, y, lam, threat), repeats)
        rows.append({"case": label, "previous_s": t_old, "previous_gap": _gap(X, y, lam, threat, w_old, a_old),
                     "current_s": t_new, "current_gap": fit.gap, "current_solver": fit.solver})
    model, threat = ToyModel(0.7, 0.6, 3), ThreatModel("linf", 0.045)
    bad_old = bad_new = 0
    for seed in range(seeds):
        X, y = sample(model, 391, seed)
        w, a = previous_fit_svm(X, y, 0.0015, threat)
        bad_old += _gap(X, y, 0.0015, threat, w, a) > 1e-9
        bad_new += fit_svm(X, y, 0.0015, threat).gap > 1e-9  # raises instead of returning above tol
    return {"cases": rows, "issue_shape": {"seeds": seeds, "previous_gap_above_1e-9": int(bad_old),
                                           "current_gap_above_1e-9": int(bad_new)}}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="the small cases only, 20 seeds")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seeds", type=int, default=100)
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args(argv)
    cases = [CASES[i] for i in QUICK] if args.quick else CASES
    report = run(cases, args.repeats, 20 if args.quick else args.seeds)
    print(f"{'case':>36s} {'previous s':>10s} {'gap':>9s} {'current s':>10s} {'gap':>9s}  solver")
    for r in report["cases"]:
        print(f"{r['case']:>36s} {r['previous_s']:>10.3f} {r['previous_gap']:>9.1e} {r['current_s']:>10.3f} "
              f"{r['current_gap']:>9.1e}  {r['current_solver']}")
    s = report["issue_shape"]
    print(f"issue shape, {s['seeds']} samples: gap > 1e-9 previous {s['previous_gap_above_1e-9']}, "
          f"current {s['current_gap_above_1e-9']}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(report, fh, indent=2)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
