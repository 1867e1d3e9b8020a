r"""Finite-sample SVM training converges to the population optimum of Theorem 2.2.

For each sample size ``n`` and seed, draw ``n`` points of D(p, eta, d), solve the empirical
standard and adversarial (l_inf) SVM to a certified duality gap of at most 1e-9
(:func:`robtheory.training.fit_svm`, which raises rather than return a larger gap) and compare
with the population optimum (:func:`robtheory.training.solve`):

* ``err_reduced``: :math:`\lVert(\hat w_1, \hat v) - (w_1^*, v^*)\rVert` with
  :math:`\hat v = d^{-1/2}\sum_{i\ge2}\hat w_i`, expected to fall like :math:`n^{-1/2}`;
* ``err_full``: :math:`\lVert \hat w - w^*\rVert` in all ``d + 1`` coordinates;
* ``weak_mass``: :math:`\lVert(\hat w_2, \dots, \hat w_{d+1})\rVert_2`, which for adversarial
  training with :math:`\varepsilon \ge \eta` goes to the population value 0 (Lemma D.5).

The data come from the library's reference sampler (the Philox stream of ``--seed``,
:func:`robtheory.mc.reference.sample_dataset`), one disjoint block of rows per ``(n, repetition)``.

Writes ``training_convergence.csv`` (one row per run), ``training_convergence.json`` (the
summary, the population optima and provenance) and ``training_convergence.png``.
Run ``python -m robtheory.validation.training_convergence --help``.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from robtheory._provenance import provenance
from robtheory.model import ThreatModel, ToyModel
from robtheory.mc.reference import sample_dataset
from robtheory.training import Objective, fit_svm, solve

__all__ = ["main", "run", "plot_errors", "plot_weak_mass"]


def run(model: ToyModel, lam: float, eps_train: float, ns, seeds: int, seed: int = 0) -> tuple[list, dict]:
    """All runs (list of dict rows) and the population optima, keyed by training kind."""
    kinds = {"standard": None, f"linf eps={eps_train:g}": ThreatModel("linf", eps_train)}
    pops = {}
    for name, threat in kinds.items():
        opt = solve(Objective(model, lam, threat))
        pops[name] = {"w1": opt.w1, "v": opt.v, "kkt_residual": opt.kkt_residual,
                      "weak_mass": abs(opt.v)}  # ||(c, ..., c)|| = |c| sqrt(d) = |v|
    rows = []
    block = max(ns)
    for i, n in enumerate(ns):
        for k in range(seeds):
            # independent data sets: disjoint row blocks of the reference stream of ``seed``
            X, y = sample_dataset(model, n, seed, start=(i * seeds + k) * block)
            for name, threat in kinds.items():
                t0 = time.perf_counter()
                fit = fit_svm(X, y, lam, threat)
                w1, v = fit.reduced()
                pop = pops[name]
                target = np.full(model.d + 1, pop["v"] / math.sqrt(model.d))
                target[0] = pop["w1"]
                rows.append({
                    "kind": name, "n": n, "seed": k, "w1": w1, "v": v,
                    "err_reduced": math.hypot(w1 - pop["w1"], v - pop["v"]),
                    "err_full": float(np.linalg.norm(fit.w - target)),
                    "weak_mass": float(np.linalg.norm(fit.w[1:])),
                    "duality_gap": fit.gap, "seconds": time.perf_counter() - t0,
                })
    return rows, pops


def _summary(rows: list) -> dict:
    out: dict = {}
    for r in rows:
        out.setdefault(r["kind"], {}).setdefault(r["n"], []).append(r)
    table: dict[str, Any] = {}
    for kind, by_n in out.items():
        table[kind] = []
        for n in sorted(by_n):
            rs = by_n[n]
            table[kind].append({
                "n": n,
                "err_reduced_rms": math.sqrt(np.mean([r["err_reduced"] ** 2 for r in rs])),
                "err_full_rms": math.sqrt(np.mean([r["err_full"] ** 2 for r in rs])),
                "weak_mass_mean": float(np.mean([r["weak_mass"] for r in rs])),
                "max_duality_gap": float(max(r["duality_gap"] for r in rs)),
            })
    return table


def plot_errors(ax, summary: dict):
    """Root-mean-square distance to the population optimum against n (log-log), with n^{-1/2}."""
    for kind, rows in summary.items():
        n = np.array([r["n"] for r in rows], dtype=float)
        ax.loglog(n, [r["err_reduced_rms"] for r in rows], "o-", label=f"{kind}: (w1, v)")
        ax.loglog(n, [r["err_full_rms"] for r in rows], "s--", alpha=0.6, label=f"{kind}: full w")
    n = np.array(sorted({r["n"] for rows in summary.values() for r in rows}), dtype=float)
    if n.size:
        first = next(iter(summary.values()))[0]["err_full_rms"] or 1.0
        ax.loglog(n, first * np.sqrt(n[0] / n), "k:", label=r"$\propto n^{-1/2}$")
    ax.set_xlabel("n (training samples)")
    ax.set_ylabel("RMS distance to the population optimum")
    ax.legend(fontsize=7)
    return ax


def plot_weak_mass(ax, summary: dict, pops: dict):
    """Mean weight mass on the weak features against n, with the population value."""
    for kind, rows in summary.items():
        n = np.array([r["n"] for r in rows], dtype=float)
        line, = ax.semilogx(n, [r["weak_mass_mean"] for r in rows], "o-", label=kind)
        ax.axhline(pops[kind]["weak_mass"], color=line.get_color(), ls=":", lw=1)
    ax.set_xlabel("n (training samples)")
    ax.set_ylabel(r"$\|(\hat w_2,\dots,\hat w_{d+1})\|_2$ (dotted: population)")
    ax.legend(fontsize=7)
    return ax


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--p", type=float, default=0.9)
    ap.add_argument("--eta", type=float, default=0.5)
    ap.add_argument("--d", type=int, default=64, help="weak features (default 64: mu = 4, Theorem 2.2)")
    ap.add_argument("--lam", type=float, default=0.1)
    ap.add_argument("--eps-train", type=float, default=0.5,
                    help="adversarial radius (default 0.5 = eta: weak weights 0 in the population, Lemma D.5)")
    ap.add_argument("--ns", default="100,300,1000,3000,10000,30000", help="comma-separated sample sizes")
    ap.add_argument("--seeds", type=int, default=8, help="repetitions per n")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="validation_results", help="output directory")
    args = ap.parse_args(argv)

    model = ToyModel(args.p, args.eta, args.d)
    ns = [int(x) for x in args.ns.split(",") if x]
    rows, pops = run(model, args.lam, args.eps_train, ns, args.seeds, args.seed)
    summary = _summary(rows)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "training_convergence.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    meta = {"params": {"p": model.p, "eta": model.eta, "d": model.d, "mu": model.mu, "lam": args.lam,
                       "eps_train": args.eps_train, "ns": ns, "seeds": args.seeds, "seed": args.seed},
            "population": pops, "summary": summary, "provenance": provenance()}
    (out / "training_convergence.json").write_text(json.dumps(meta, indent=2) + "\n")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    plot_errors(axes[0], summary)
    plot_weak_mass(axes[1], summary, pops)
    fig.suptitle(f"Finite-sample SVM -> population optimum: D(p={model.p:g}, eta={model.eta:g}, d={model.d}), "
                 f"lam={args.lam:g}", fontsize=10)
    fig.tight_layout()
    fig.savefig(out / "training_convergence.png", dpi=120)
    plt.close(fig)

    print(f"{'kind':>18s} {'n':>7s} {'RMS err (w1,v)':>15s} {'RMS err full':>13s} {'weak mass':>10s} {'max gap':>9s}")
    for kind, rs in summary.items():
        for r in rs:
            print(f"{kind:>18s} {r['n']:>7d} {r['err_reduced_rms']:>15.4e} {r['err_full_rms']:>13.4e} "
                  f"{r['weak_mass_mean']:>10.4f} {r['max_duality_gap']:>9.1e}")
    print(f"wrote {out / 'training_convergence.csv'}, .json, .png")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
