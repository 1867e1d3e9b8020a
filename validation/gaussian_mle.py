r"""Gaussian MLE under an l2 adversary (Ilyas et al. 2019, Thm 2-3; NOT in Tsipras et al.).

Data :math:`x \mid y \sim \mathcal N(y\mu^*, \Sigma^*)` with an anisotropic :math:`\Sigma^*`. For each
budget :math:`\varepsilon`:

* ``lam``: the multiplier :math:`\lambda(\varepsilon)` solving :math:`E\lVert\delta^*\rVert^2 = \varepsilon^2`
  (:func:`robtheory.training.lam_for_budget`);
* ``err_direct``: :math:`\max|\hat\Sigma - \Sigma_r(\lambda(\varepsilon))|` where :math:`\hat\Sigma` minimises
  the robust NLL numerically with the inner maximisation solved exactly (mean-square budget,
  :func:`robtheory.training.fit_robust_gaussian`), and ``err_mu`` the same for the mean;
* ``align_r``: :math:`\cos(\Sigma_r^{-1}\mu^*, \mu^*)`, the alignment of the robust linear classifier's
  gradient with the class-mean difference (``align_std`` at :math:`\varepsilon = 0`);
* ``align_ps`` and ``family_gap_ps`` (with ``--per-sample``): the same for the adversary with a
  per-sample ball :math:`\lVert\delta\rVert \le \varepsilon` (sample-average approximation), and the
  distance of its optimum from the whole family :math:`\{\Sigma_r(\lambda)\}` (built on the same
  samples' second moment, so that sampling noise cancels) -- non-zero: the closed form is exact
  for the Lagrangian / mean-square adversary, not for the per-sample ball.

Writes ``gaussian_mle.csv``, ``gaussian_mle.json`` (with provenance) and ``gaussian_mle.png``.
Run ``python -m robtheory.validation.gaussian_mle --help``.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
from pathlib import Path

import numpy as np
from scipy import optimize

from robtheory.training import (alignment, fit_per_sample_robust_gaussian, fit_robust_gaussian, lam_for_budget,
                                robust_covariance)

__all__ = ["main", "default_problem", "run", "plot_alignment", "plot_lambda"]


def default_problem(k: int = 3, seed: int = 0):
    """A rotated covariance with eigenvalues log-spaced in [0.1, 10] and a fixed mean."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((k, k)))
    S = Q @ np.diag(np.logspace(-1, 1, k)) @ Q.T
    mu = rng.standard_normal(k)
    return 0.5 * (S + S.T), mu / np.linalg.norm(mu)


def _family_gap(Sigma, S):
    """min over lam of max|Sigma - Sigma_r(lam)| (search in log t)."""
    f = lambda lt: float(np.abs(Sigma - robust_covariance(S, math.exp(-lt))).max())  # noqa: E731
    grid = np.linspace(-12, 8, 81)
    k = int(np.argmin([f(g) for g in grid]))
    res = optimize.minimize_scalar(f, bounds=(grid[max(k - 1, 0)], grid[min(k + 1, 80)]), method="bounded",
                                   options={"xatol": 1e-10})
    return float(res.fun)


def run(S, mu, epss, per_sample: bool = False, n_ps: int = 20000, seed: int = 0) -> list:
    rows = []
    for eps in epss:
        lam = lam_for_budget(S, eps)
        Sr = robust_covariance(S, lam)
        mu_hat, S_hat, _ = fit_robust_gaussian(S, mu, eps=eps)
        row = {"eps": eps, "lam": lam, "err_direct": float(np.abs(S_hat - Sr).max()),
               "err_mu": float(np.abs(mu_hat - mu).max()), "align_r": alignment(Sr, mu),
               "align_std": alignment(S, mu), "align_direct": alignment(S_hat, mu_hat)}
        if per_sample:
            Sp, M = fit_per_sample_robust_gaussian(S, eps, n=n_ps, rng=seed)
            # against the family built on the same samples, so that sampling noise cancels
            row.update(align_ps=alignment(Sp, mu), family_gap_ps=_family_gap(Sp, M))
        rows.append(row)
    return rows


def plot_alignment(ax, rows):
    eps = [r["eps"] for r in rows]
    ax.semilogx(eps, [r["align_r"] for r in rows], "-", label=r"$\Sigma_r(\lambda(\varepsilon))$ (closed form)")
    ax.semilogx(eps, [r["align_direct"] for r in rows], "o", mfc="none", label="direct minimisation (exact inner max)")
    if "align_ps" in rows[0]:
        ax.semilogx(eps, [r["align_ps"] for r in rows], "s--", label=r"per-sample ball $\|\delta\|\leq\varepsilon$ (SAA)")
    ax.axhline(rows[0]["align_std"], color="k", ls=":", label="standard MLE")
    ax.set_xlabel(r"$\ell_2$ budget $\varepsilon$ (root-mean-square)")
    ax.set_ylabel(r"$\cos(\Sigma^{-1}\mu^*, \mu^*)$")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=7)
    return ax


def plot_lambda(ax, rows, S):
    eps = np.array([r["eps"] for r in rows])
    ax.loglog(eps, [r["lam"] for r in rows], "o-", label=r"$\lambda(\varepsilon)$")
    ax.loglog(eps, math.sqrt(np.trace(np.linalg.inv(S))) / eps, ":", label=r"$\sqrt{\mathrm{tr}\,\Sigma^{*-1}}/\varepsilon$")
    ax.loglog(eps, S.shape[0] / eps**2, "--", label=r"$k/\varepsilon^2$")
    ax.set_xlabel(r"$\varepsilon$")
    ax.set_ylabel(r"Lagrange multiplier $\lambda$")
    ax.legend(fontsize=7)
    return ax


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--k", type=int, default=3, help="dimension (default 3)")
    ap.add_argument("--eps", default="0.03,0.1,0.3,1,3,10", help="comma-separated budgets")
    ap.add_argument("--per-sample", action="store_true", help="also fit the per-sample-ball adversary (SAA)")
    ap.add_argument("--n-per-sample", type=int, default=20000, help="SAA sample size")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="validation_results")
    args = ap.parse_args(argv)

    S, mu = default_problem(args.k, args.seed)
    epss = [float(e) for e in args.eps.split(",") if e]
    rows = run(S, mu, epss, args.per_sample, args.n_per_sample, args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "gaussian_mle.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    from robtheory._provenance import provenance

    meta = {"source": "Ilyas et al. 2019, Adversarial Examples Are Not Bugs, They Are Features, Sec. 4 "
                      "(not a result of Tsipras et al. 2019)",
            "Sigma_star": S.tolist(), "mu_star": mu.tolist(), "rows": rows, "provenance": provenance()}
    (out / "gaussian_mle.json").write_text(json.dumps(meta, indent=2) + "\n")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    plot_alignment(axes[0], rows)
    plot_lambda(axes[1], rows, S)
    fig.suptitle(f"l2-robust Gaussian MLE (Ilyas et al. 2019), k = {args.k}, "
                 r"eig$(\Sigma^*)$ in [0.1, 10]", fontsize=10)
    fig.tight_layout()
    fig.savefig(out / "gaussian_mle.png", dpi=120)
    plt.close(fig)

    cols = list(rows[0])
    print(" ".join(f"{c:>13s}" for c in cols))
    for r in rows:
        print(" ".join(f"{r[c]:>13.5g}" for c in cols))
    print(f"wrote {out / 'gaussian_mle.csv'}, .json, .png")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
