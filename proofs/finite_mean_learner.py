r"""Certificate for the reduction behind the exact learning curve of the difference-of-means learner.

For :math:`\hat w = \frac1n\sum_i y_i x_i` on n samples of D(p, eta, d) (``robtheory.finite.mean_learner``):
the law of the x1 weight, the decomposition :math:`\lVert u\rVert^2 = S^2/d + \lVert P_\perp u\rVert^2`
with :math:`P_\perp = I - \mathbf 1\mathbf 1^T/d` (idempotent, rank d - 1, orthogonal to
:math:`\mathbf 1`: so :math:`n\lVert P_\perp u\rVert^2 \sim \chi^2_{d-1}` independent of ``S`` by
Cochran's theorem), the accuracy of a bias-free rule as a function of ``(a, S, Q)``, and the soft
threshold as the minimiser of the adversarially trained mean-learner objective.

Run ``python -m robtheory.proofs.finite_mean_learner [--out DIR]`` to regenerate.
"""

from __future__ import annotations

import sys
from pathlib import Path

import sympy as sp

from ._certificate import Certificate, run_main

NAME = "finite_mean_learner"
CERT_DIR = Path(__file__).resolve().parent / "certificates"


def build() -> Certificate:
    from sympy.stats import E, Normal, variance

    cert = Certificate(NAME, "Exact law and accuracy reduction of the difference-of-means learner",
                       "derived here; the toy model of Tsipras et al. 2019, Sec. 2.1")
    cert.set_scope("E and Var of the x1 weight 2K/n - 1 (n = 1, 2, 3, 5); the weak-norm decomposition, the projection's "
                   "idempotence, rank and orthogonality to 1 (d = 2, 3, 5); the "
                   "bias-free accuracy as p Phi((a + eta S)/Q) + (1-p) Phi((eta S - a)/Q); the soft threshold's "
                   "stationarity",
                   "sympy identities on explicit dimensions and sympy.stats expectations",
                   "Cochran's theorem itself (a standard result: independent Gaussian projections onto orthogonal "
                   "subspaces) and general n, d beyond the checked ones")
    p = sp.Symbol("p", positive=True)
    eta = sp.Symbol("eta", real=True)
    cert.set_region({p: sp.Interval(0, 1), eta: sp.Interval(0, sp.oo)},
                    note="every step holds for all p, eta; n and d are the listed values")
    for n in (1, 2, 3, 5):
        pmf = [sp.binomial(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1)]
        w1 = [sp.Rational(2 * k, n) - 1 for k in range(n + 1)]
        mean = sum(f * w for f, w in zip(pmf, w1))
        cert.identity(f"x1_weight.mean.n{n}", f"E[2K/n - 1] = 2p - 1 for K ~ Bin({n}, p) (the binomial sum)",
                      mean, 2 * p - 1)
        cert.identity(f"x1_weight.var.n{n}", f"Var[2K/n - 1] = 4p(1-p)/n for K ~ Bin({n}, p)",
                      sum(f * w**2 for f, w in zip(pmf, w1)) - mean**2, 4 * p * (1 - p) / n)
    nn = sp.Symbol("n", positive=True)
    for d in (2, 3, 5):
        u = sp.symbols(f"u1:{d + 1}", real=True)
        S = sum(u)
        P = sp.eye(d) - sp.ones(d, d) / d
        uv = sp.Matrix(u)
        cert.identity(f"norm_split.d{d}", f"||u||^2 = S^2/d + ||P u||^2 (d = {d})",
                      sum(x**2 for x in u), S**2 / d + (P * uv).dot(P * uv))
        cert.identity(f"projection.idempotent.d{d}", f"P^2 = P (d = {d})", (P * P - P).norm(), 0)
        cert.identity(f"projection.rank.d{d}", f"trace P = d - 1 (d = {d})", P.trace(), d - 1)
        cert.identity(f"projection.orthogonal.d{d}", f"1^T P = 0 (d = {d}): S and P u are independent",
                      (sp.ones(1, d) * P).norm(), 0)
    z = Normal("z", eta, 1 / sp.sqrt(nn))
    cert.identity("weak_weight.mean", "u_j ~ N(eta, 1/n): E u_j = eta, so E S = d eta", E(z), eta)
    cert.identity("weak_weight.variance", "Var u_j = 1/n, so (independent j) Var S = d/n", variance(z), 1 / nn)
    a, Sx = sp.symbols("a S", real=True)
    Q = sp.Symbol("Q", positive=True)
    Phi = sp.Function("Phi")
    general = sp.Rational(1, 2) * sum(p * Phi((a + y * 0 + eta * Sx) / Q) + (1 - p) * Phi((-a + y * 0 + eta * Sx) / Q)
                                      for y in (-1, 1))
    cert.identity("accuracy.bias_free", "1/2 sum_y [p Phi((a + y b + eta S)/Q) + (1-p) Phi((-a + y b + eta S)/Q)] "
                  "at b = 0 equals p Phi((a + eta S)/Q) + (1-p) Phi((eta S - a)/Q)",
                  general, p * Phi((a + eta * Sx) / Q) + (1 - p) * Phi((eta * Sx - a) / Q))
    m, eps, v = sp.symbols("m epsilon v", real=True)
    J = v**2 / 2 - v * m + eps * v  # the objective on v > 0 (|v| = v)
    cert.identity("soft_threshold.stationary", "d/dv [v^2/2 - v m + eps |v|] = 0 at v = m - eps (v > 0)",
                  sp.diff(J, v).subs(v, m - eps), 0)
    J2 = v**2 / 2 - v * m - eps * v  # on v < 0
    cert.identity("soft_threshold.stationary_negative", "the same at v = m + eps (v < 0)",
                  sp.diff(J2, v).subs(v, m + eps), 0)
    return cert


def main(argv=None) -> int:
    return run_main(build, "Certify the exact law and accuracy reduction of the difference-of-means learner.",
                    CERT_DIR, argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
