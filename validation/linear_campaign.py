r"""Validation campaign: every linear-classifier closed form against Monte Carlo on a grid.

For each grid point :math:`(p, \eta = \mu/\sqrt d, d, \varepsilon)`, each of the four threat
models (l_inf and l_2 balls, x1 perturbable or not) and each of four linear classifiers
(averaging, Bayes, the robust-optimal linear classifier of that threat model, and a random
``(w, b)`` with a bias and mixed-sign weights), one run of
:func:`robtheory.mc.engine.estimate_linear` draws ``n`` samples (every coordinate; default
:math:`10^7`) and counts the standard and the exact-worst-case robust correct samples. Both
counts are tested against :func:`robtheory.theory.closed_form.linear_accuracy` -- i.e. against
the generated ``accuracy_standard``, ``accuracy_linf_full``, ``accuracy_linf_weak``,
``accuracy_l2_full`` and ``accuracy_l2_weak`` -- with the exact binomial test of
:func:`robtheory.stats.agreement_test`. All tests share one family-wise false-alarm rate
(``--alpha``, default :math:`10^{-6}`, Bonferroni), so a campaign in which every closed
form is right fails with probability at most that rate.

Runs use disjoint blocks of the Philox stream (run ``k`` starts at row ``k * 2**40``), so
``(seed, n)`` fixes every sample and any row of the table can be reproduced alone with
``robtheory mc``-style calls at the same ``start``.

Writes to ``--out`` (default ``validation/results``):

* ``linear_campaign.csv`` -- one row per run: the point, threat, classifier, counts,
  estimates, 95 % Clopper--Pearson intervals, closed forms, z-scores (MC - analytic in
  units of the standard error under the null, :math:`\sqrt{a(1-a)/n}`), p-values,
  smallest detectable deviations and verdicts;
* ``linear_campaign.json`` -- the run's settings, grid, family size, alpha, verdict, the
  worst run, wall time and provenance (machine, versions, commit);
* ``linear_campaign.png`` -- the z-scores of every test against the critical value.

Usage::

    python -m robtheory.validation.linear_campaign [--n N] [--seed S] [--backend B] [--alpha A]
        [--out DIR] [--grid full|small]
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import math
import sys
import time
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from robtheory import stats
from robtheory._provenance import provenance
from robtheory.classifiers import LinearClassifier, averaging, bayes
from robtheory.cli.options import _sample_count, _seed
from robtheory.theory.closed_form import linear_accuracy, best_robust_linear_classifier
from robtheory.model import ThreatModel, ToyModel

__all__ = ["GRID", "SMALL_GRID", "CampaignRow", "CountTest", "build_parser", "main", "plot_z", "run_campaign"]

#: Rows of the stream reserved for each run.
RUN_STRIDE = 1 << 40
THREAT_KINDS = (("linf", True), ("linf", False), ("l2", True), ("l2", False))
CLASSIFIERS = ("averaging", "bayes", "robust_optimal", "random")


def _grid() -> tuple:
    """(p, mu, d, eps) points: eps in {eta, 2 eta, 0.75} for d <= 10, eps = 2 eta at d = 100.

    d = 100 costs 10^9 normals per run at the default n, so it gets the one radius the
    paper's statements are about (eps = 2 eta).
    """
    pts = []
    for p, mu, d in itertools.product((0.6, 0.9, 0.99), (0.5, 2.0), (1, 10, 100)):
        eta = mu / math.sqrt(d)
        radii = (2 * eta,) if d >= 100 else (eta, 2 * eta, 0.75)
        pts += [(p, mu, d, eps) for eps in radii]
    return tuple(pts)


#: The default grid of (p, mu, d, eps).
GRID = _grid()
#: Three points (one per d) for smoke tests: same code path, seconds instead of minutes.
SMALL_GRID = ((0.9, 2.0, 1, 0.75), (0.6, 0.5, 10, 2 * 0.5 / math.sqrt(10)), (0.99, 2.0, 100, 0.4))


def _classifier(name: str, model: ToyModel, threat: ThreatModel, k: int):
    if name == "averaging":
        return averaging(model.d)
    if name == "bayes":
        return bayes(model)
    if name == "robust_optimal":
        return best_robust_linear_classifier(model, threat).classifier
    rng = np.random.default_rng([k, model.d, int(model.p * 1000)])
    w = rng.normal(size=model.d + 1)
    w[1:] += 1.5 / math.sqrt(model.d)  # lean on the weak features, keep some signs mixed
    return LinearClassifier(w, float(0.3 * rng.normal()))


def _z(count: int, n: int, analytic: float) -> float:
    if 0.0 < analytic < 1.0:
        return (count / n - analytic) / math.sqrt(analytic * (1 - analytic) / n)
    diff = count / n - analytic
    return 0.0 if diff == 0 else math.copysign(math.inf, diff)


@dataclass(frozen=True)
class CountTest:
    """One accuracy of one run: its count, the exact binomial test against the closed form, and
    the residual in standard errors (``z``, infinite where the closed form is 0 or 1 and missed)."""

    count: int
    estimate: float
    ci_lo: float
    ci_hi: float
    analytic: float
    z: float
    p_value: float
    min_detectable: float
    passed: bool


@dataclass(frozen=True)
class CampaignRow:
    """One run of the campaign: the point, threat and classifier, and its two tested counts.

    :meth:`to_dict` is the row of ``linear_campaign.csv`` (``standard_*`` and ``robust_*``
    columns after the run's own)."""

    run: int
    p: float
    mu: float
    eta: float
    d: int
    eps: float
    norm: str
    perturb_x1: bool
    classifier: str
    n: int
    seed: int
    start: int
    backend: str
    standard: CountTest
    robust: CountTest

    @property
    def max_abs_z(self) -> float:
        return max(abs(self.standard.z), abs(self.robust.z))

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)[:-2]}
        for kind, test in (("standard", self.standard), ("robust", self.robust)):
            d.update({f"{kind}_{f.name}": getattr(test, f.name) for f in fields(test)})
        return d


def run_campaign(n: int = 10**7, seed: int = 0, backend: str = "auto", total_alpha: float = 1e-6,
                 grid=GRID, log=None) -> dict:
    """Run every (point, threat, classifier) of ``grid``; return the rows (:class:`CampaignRow`)
    and the verdict."""
    from robtheory.mc import engine

    if n > RUN_STRIDE:
        raise ValueError(f"n must be <= 2**40 (runs use disjoint stream blocks), got n={n}")
    jobs = [(pt, tk, cl) for pt in grid for tk in THREAT_KINDS for cl in CLASSIFIERS]
    n_tests = 2 * len(jobs)
    alpha = stats.familywise_alpha(total_alpha, n_tests)
    rows = []
    t0 = time.perf_counter()
    for k, ((p, mu, d, eps), (norm, px1), cname) in enumerate(jobs):
        model = ToyModel(p, mu / math.sqrt(d), d)
        threat = ThreatModel(norm, eps, perturb_x1=px1)
        clf = _classifier(cname, model, threat, k)
        res = engine.estimate_linear(model, clf, threat, n, seed, backend, start=k * RUN_STRIDE)
        acc = linear_accuracy(model, clf, threat)
        tests = {}
        for kind, value in (("standard", acc.standard_accuracy), ("robust", acc.robust_accuracy)):
            c = res[kind]["count"]
            t = stats.agreement_test(c, n, value, alpha)
            lo, hi = stats.clopper_pearson_interval(c, n, 0.05)
            tests[kind] = CountTest(c, c / n, float(lo), float(hi), value, _z(c, n, value), t.p_value,
                                    t.min_detectable, t.passed)
        rows.append(CampaignRow(k, p, mu, model.eta, d, eps, norm, px1, cname, n, seed, k * RUN_STRIDE,
                                res["backend"], tests["standard"], tests["robust"]))
        if log is not None and (k + 1) % 16 == 0:
            log(f"{k + 1}/{len(jobs)} runs, {time.perf_counter() - t0:.0f} s")
    n_pass = sum(r.standard.passed + r.robust.passed for r in rows)
    zs = np.array([abs(test.z) for r in rows for test in (r.standard, r.robust)])
    return {"rows": rows, "n": n, "seed": seed, "backend": backend, "total_alpha": total_alpha,
            "grid": [list(pt) for pt in grid], "threats": [list(t) for t in THREAT_KINDS],
            "classifiers": list(CLASSIFIERS),
            "n_runs": len(jobs), "n_tests": n_tests, "alpha_per_test": alpha,
            "critical_z": float(stats.two_sided_z(alpha)), "n_passed": n_pass,
            "passed": n_pass == n_tests, "max_abs_z": float(np.max(zs)),
            "seconds": round(time.perf_counter() - t0, 1)}


def plot_z(ax, rows: list[CampaignRow], critical_z: float):
    """Scatter of (MC - analytic)/SE for every test, by threat model; returns ``ax``."""
    colors = {("linf", True): "C0", ("linf", False): "C1", ("l2", True): "C2", ("l2", False): "C3"}
    for (norm, px1), color in colors.items():
        sel = [r for r in rows if r.norm == norm and r.perturb_x1 == px1]
        for q, marker in (("standard", "o"), ("robust", "^")):
            x = [r.run for r in sel]
            z = np.clip([getattr(r, q).z for r in sel], -1.5 * critical_z, 1.5 * critical_z)
            ax.scatter(x, z, s=6, c=color, marker=marker, alpha=0.7,
                       label=f"{q}, {norm} {'full' if px1 else 'weak-only'}")
    for s in (-1, 1):
        ax.axhline(s * critical_z, color="k", lw=0.8, ls="--")
    ax.axhline(0, color="0.5", lw=0.5)
    ax.set_xlabel("run (grid point x threat x classifier)")
    ax.set_ylabel("(MC - closed form) / standard error")
    ax.legend(fontsize=6, ncol=2, loc="lower right", markerscale=2)
    return ax


def _write(out: Path, report: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    rows = report["rows"]
    with open(out / "linear_campaign.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0].to_dict().keys()))
        writer.writeheader()
        for r in rows:
            writer.writerow({k: (repr(v) if isinstance(v, float) else v) for k, v in r.to_dict().items()})

    # The summary and provenance; the rows are in the CSV.
    data = {k: v for k, v in report.items() if k != "rows"}
    worst = max(rows, key=lambda r: r.max_abs_z)
    data["worst_run"] = {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                         for k, v in worst.to_dict().items()}
    (out / "linear_campaign.json").write_text(json.dumps(data, indent=1) + "\n")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.4))
    plot_z(ax, rows, report["critical_z"])
    ax.set_title(f"Linear closed forms vs Monte Carlo: {report['n_tests']} tests at n = {report['n']:.0e}; "
                 f"dashed: family-wise alpha {report['total_alpha']:g}", fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "linear_campaign.png", dpi=90)
    plt.close(fig)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="linear_campaign", description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=_sample_count, default=10**7, help="samples per run (default 1e7)")
    parser.add_argument("--seed", type=_seed, default=0, help="seed in [0, 2**64) (default 0)")
    parser.add_argument("--backend", default="auto", choices=("auto", "numpy", "numba", "cupy"))
    parser.add_argument("--alpha", type=float, default=1e-6, help="family-wise false-alarm rate (default 1e-6)")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "results"),
                        help="output folder (default validation/results)")
    parser.add_argument("--grid", choices=("full", "small"), default="full",
                        help=f"full: {len(GRID)} points (default); small: {len(SMALL_GRID)} points, for smoke tests")
    return parser


def main(argv=None) -> int:
    """Run the campaign (see the module docstring); exit status 0 iff every test passes."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not 0 < args.alpha < 1:
        parser.error(f"--alpha must lie in (0, 1), got {args.alpha!r}")

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    grid = GRID if args.grid == "full" else SMALL_GRID
    try:
        report = run_campaign(args.n, args.seed, args.backend, args.alpha, grid=grid, log=log)
    except ValueError as exc:
        parser.error(str(exc))
    report["provenance"] = provenance()
    _write(Path(args.out), report)
    print(f"linear campaign: {report['n_passed']}/{report['n_tests']} tests pass "
          f"({report['n_runs']} runs x (standard, robust), n = {report['n']} samples per run, seed "
          f"{report['seed']}); family-wise alpha {report['total_alpha']:g} (Bonferroni: "
          f"{report['alpha_per_test']:.3g} per test, |z| <= {report['critical_z']:.2f}); "
          f"max |z| = {report['max_abs_z']:.2f}; {report['seconds']} s")
    print(f"wrote {args.out}/linear_campaign.{{csv,json,png}}")
    return 0 if report["passed"] else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
