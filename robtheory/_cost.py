"""Cost estimates of the commands, made before any work starts.

Every command of the CLI (except ``frontier``, which estimates its own) predicts its running time
from its arguments and the throughputs below and refuses, in one line naming the estimate, a run
predicted to exceed ``--max-seconds`` (default :data:`DEFAULT_MAX_SECONDS`). The constants were
measured on the project's reference machine (2 cores, AMD EPYC, numba 0.68; BENCHMARKS.md and the
figures below) as CPU time, rounded towards the slower side: an estimate is about the time of the
run on an otherwise idle machine of that kind (a machine shared with other jobs takes longer, a
faster one less). They are meant to catch runaway
inputs (``mc --n 1e19`` is ~10^5 years), not to schedule to the second.
"""

from __future__ import annotations

import math

__all__ = ["DEFAULT_MAX_SECONDS", "check", "fmt_seconds", "mc_seconds", "phase_seconds", "torch_seconds",
           "verify_seconds"]

#: Default of ``--max-seconds``.
DEFAULT_MAX_SECONDS = 600.0

#: Monte Carlo throughput, in normal variates per second, of one fused linear-classifier run
#: (a sample of D(p, eta, d) costs about d + 2 of them: y, x1 and d normals). numba: 3.3e8 on the
#: idle reference machine, 1.5e8 under load (BENCHMARKS.md); NumPy reference: 7.6e6-1.1e7; CuPy:
#: not measured here, 1e10 assumed (a GPU runs the same kernel at >= 1e10 normals/s).
NORMALS_PER_SECOND = {"numba": 1.5e8, "numpy": 7e6, "cupy": 1e10}
#: Start-up of a Monte Carlo command: imports, and loading (or compiling) the kernels.
MC_OVERHEAD_S = 3.0

#: verify: the analytic column of all 16 claims (38.9 s of CPU, `verify --no-mc --no-proofs
#: --no-torch`, 2026-12-07); the Monte Carlo column per 10^6 samples per run (72.8 s of CPU with it
#: at the default n = 10^6, so 34 s: most runs sample d <= 100 in NumPy for classifiers under
#: attack, and Theorem F's rounded rules); the proof column (about 55 s); the torch column (quick
#: toy models, 12-15 s).
VERIFY_ANALYTIC_S = 40.0
VERIFY_MC_S_PER_1E6 = 35.0
VERIFY_PROOFS_S = 60.0
VERIFY_TORCH_S = 20.0
#: report: the figures after verify (frontiers, the phase grid, the frontier Monte Carlo points).
REPORT_FIGURES_S = 60.0
N_CLAIMS = 16

#: phase: one closed-form accuracy pass costs 3.3e-8 s per grid point (0.033 s per 10^6 on one
#: core) and a phase run makes about 520 of them; writing phase.csv costs about 1e-4 s per point
#: ("a few minutes" for 10^6 points); one exact SVM solve for --lam, about 1 s; a Monte Carlo
#: point of --mc samples both classifiers (2 runs) on numba; starting the local dask cluster, 5 s.
PHASE_S_PER_POINT = 520 * 3.3e-8 + 1e-4
PHASE_S_PER_SVM_SOLVE = 1.0
PHASE_OVERHEAD_S = 5.0
PHASE_MC_CLUSTER_S = 5.0

#: svm: one population solve (1-4 s measured, whatever d: the optimum has equal weak weights).
SVM_SECONDS = 5.0

#: torch: seconds per experiment, (full, quick), on the CPU with 1 thread (BENCHMARKS.md, rounded up).
TORCH_SECONDS = {"toy": (120, 15), "sample-size": (160, 5), "eps-sweep": (70, 5), "linear-features": (15, 5),
                 "gradients": (15, 5), "large-eps": (20, 5), "interpolation": (20, 5)}
#: An experiment not in the table (added since): assume the slowest one.
TORCH_DEFAULT = (160, 15)
TORCH_OVERHEAD_S = 5.0


def fmt_seconds(s: float) -> str:
    """A duration for a message: '42 s', '3.5 min', '2.1 h', '4.2 days', '1.2e+05 years'."""
    if not math.isfinite(s):
        return "forever"
    for unit, size in (("years", 365.25 * 86400), ("days", 86400), ("h", 3600), ("min", 60)):
        if s >= 2 * size:
            v = s / size
            return f"{v:.3g} {unit}" if v < 1e4 else f"{v:.2g} {unit}"
    return f"{s:.0f} s"


def check(seconds: float, max_seconds: float, what: str) -> None:
    """Raise a one-line ValueError when ``seconds`` exceeds ``max_seconds``."""
    if seconds > max_seconds:
        raise ValueError(f"{what} would take about {fmt_seconds(seconds)} (estimated before starting), over "
                         f"--max-seconds {max_seconds:g}; raise --max-seconds to run it")


def mc_seconds(n: int, d: int, backend: str, runs: int = 1) -> float:
    """``runs`` Monte Carlo runs of ``n`` samples of D(p, eta, d) on ``backend``."""
    return MC_OVERHEAD_S + runs * float(n) * (d + 2) / NORMALS_PER_SECOND[backend]


def verify_seconds(n_claims: int, n: int, mc: bool, proofs: bool, torch: bool, report: bool) -> float:
    """``verify`` (or ``report``) over ``n_claims`` of the registry's claims."""
    share = min(n_claims, N_CLAIMS) / N_CLAIMS
    s = VERIFY_ANALYTIC_S * share
    if mc:
        s += VERIFY_MC_S_PER_1E6 * share * float(n) / 1e6
    if proofs:
        s += VERIFY_PROOFS_S
    if torch:
        s += VERIFY_TORCH_S
    if report:
        s += REPORT_FIGURES_S + (mc_seconds(min(n, 10**5), 100, "numpy", runs=10) if mc else 0.0)
    return s


def phase_seconds(points: int, svm_solves: int = 0, mc_n: int | None = None, mc_points: int = 0,
                  mc_d: int = 1) -> float:
    """``phase`` over ``points`` grid points, ``svm_solves`` exact solves for --lam, and --mc."""
    s = PHASE_OVERHEAD_S + points * PHASE_S_PER_POINT + svm_solves * PHASE_S_PER_SVM_SOLVE
    if mc_n is not None:
        s += PHASE_MC_CLUSTER_S + mc_seconds(mc_n, mc_d, "numba", runs=2 * mc_points)
    return s


def torch_seconds(names, quick: bool) -> float:
    """``torch`` running the experiments ``names`` (full or quick mode)."""
    return TORCH_OVERHEAD_S + sum(TORCH_SECONDS.get(n, TORCH_DEFAULT)[1 if quick else 0] for n in names)
