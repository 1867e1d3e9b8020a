r"""Certificate for the closed form of Schmidt et al.'s lower bound (Theorem 11, arXiv:1804.11285v2).

Statement. Draw :math:`\theta \sim \mathcal N(0, \rho^2 I_d)` (the paper: :math:`\rho = 1`), then ``n``
samples of :math:`x \mid y \sim \mathcal N(y\theta, \sigma^2 I)`, ``y`` uniform. For every learner,
the :math:`\ell_\infty^\varepsilon` robust error averaged over :math:`\theta` and the samples is at
least

.. math::

    \tfrac12\big(2\Phi(\varepsilon/s) - 1\big)^d, \qquad
    s^2 = \frac{\rho^4 n}{n\rho^2 + \sigma^2},

which at :math:`\rho = 1` is :math:`\frac12(2\Phi(\varepsilon\sqrt{(\sigma^2+n)/n}) - 1)^d`.

Proof (each line a step below). Per coordinate, the prior times the likelihood of
:math:`\bar z = \frac1n\sum y_ix_i \mid \theta \sim \mathcal N(\theta, \sigma^2/n)` is, in
:math:`\theta`, the Gaussian :math:`\mathcal N(c\bar z, \tau^2)` with
:math:`c = n\rho^2/(n\rho^2 + \sigma^2)`, :math:`\tau^2 = \rho^2\sigma^2/(n\rho^2+\sigma^2)` (and
:math:`\bar z` is sufficient). Marginally :math:`\bar z_j \sim \mathcal N(0, \rho^2 + \sigma^2/n)`,
so the posterior mean :math:`m = c\bar z` has i.i.d. coordinates of variance :math:`s^2`. Given the
data, a test point moved by :math:`\delta = -ym` is :math:`y(\theta - m) + \sigma g`, of mean 0 and
variance :math:`\tau^2 + \sigma^2` for either label, so it is independent of ``y`` and every
classifier (a function of the data) errs on it with probability exactly 1/2. When
:math:`\lVert m\rVert_\infty \le \varepsilon` this :math:`\delta` is admissible and the robust error
(the worst case over the ball) is at least 1/2; otherwise at least 0. Averaging over the data,
the robust error is at least :math:`\frac12 P(\lVert m\rVert_\infty \le \varepsilon)
= \frac12\prod_j P(|m_j| \le \varepsilon) = \frac12(2\Phi(\varepsilon/s) - 1)^d`.

Run ``python -m robtheory.proofs.schmidt_lower_bound [--out DIR]`` to regenerate.
"""

from __future__ import annotations

import sys
from pathlib import Path

import sympy as sp
from sympy.stats import E, Normal, P, variance

from ._certificate import Certificate, run_main

NAME = "schmidt_lower_bound"
CERT_DIR = Path(__file__).resolve().parent / "certificates"


def build() -> Certificate:
    from robtheory.symbolic.core import Phi

    cert = Certificate(NAME, "Schmidt et al. Thm 11: every learner's expected l_inf robust error under the prior "
                       "N(0, rho^2 I) is >= 1/2 (2 Phi(eps/s) - 1)^d, s^2 = rho^4 n/(n rho^2 + sigma^2)",
                       "Schmidt et al. 2018 (arXiv:1804.11285v2), Thm 11 (p. 8 and p. 28)")
    n, sigma, rho = sp.symbols("n sigma rho", positive=True)
    eps = sp.Symbol("epsilon", nonnegative=True)
    theta, zbar = sp.symbols("theta zbar", real=True)
    q = sp.Symbol("q", nonnegative=True)
    M = sp.Symbol("M", nonnegative=True)
    region = {n: sp.Interval.open(0, sp.oo), sigma: sp.Interval.open(0, sp.oo), rho: sp.Interval.open(0, sp.oo),
              eps: sp.Interval(0, sp.oo)}
    cert.set_region(region, note="every dimension d >= 1 (coordinates are independent: the product over d is "
                    "the last step); every learner (a measurable function of the samples); rho = 1 is the paper's "
                    "prior")
    cert.set_scope("Theorem 11's bound 1/2 (2 Phi(eps/s) - 1)^d and, at rho = 1, its form "
                   "1/2 (2 Phi(eps sqrt((sigma^2 + n)/n)) - 1)^d",
                   "sympy identities (posterior by completing the square, sympy.stats moments and probabilities)",
                   not_certified="Corollary 23's explicit threshold n <= eps^2 sigma^2/(8 log d) (checked "
                                 "numerically, with the exact threshold, by the claim's analytic column)")

    pos = {n: region[n], sigma: region[sigma], rho: region[rho]}
    c = n * rho**2 / (n * rho**2 + sigma**2)
    tau2 = rho**2 * sigma**2 / (n * rho**2 + sigma**2)
    log_post = -theta**2 / (2 * rho**2) - n * (zbar - theta) ** 2 / (2 * sigma**2)
    cert.identity("posterior", "log prior + log likelihood of zbar differs from -(theta - c zbar)^2/(2 tau^2) by a "
                  "term free of theta (its theta-derivative vanishes): the posterior is N(c zbar, tau^2)",
                  sp.diff(log_post + (theta - c * zbar) ** 2 / (2 * tau2), theta), 0, pos)

    Th = Normal("Theta", 0, rho)
    G = Normal("G", 0, 1)
    zb = Th + sigma / sp.sqrt(n) * G
    cert.identity("zbar.marginal", "zbar_j = theta_j + sigma g/sqrt(n) has mean 0 and variance rho^2 + sigma^2/n "
                  "(sympy.stats)", variance(zb) + E(zb) ** 2, rho**2 + sigma**2 / n)
    s2 = rho**4 * n / (n * rho**2 + sigma**2)
    cert.identity("posterior_mean.variance", "m_j = c zbar_j has variance c^2 (rho^2 + sigma^2/n) = rho^4 n/(n rho^2 "
                  "+ sigma^2) = s^2", c**2 * (rho**2 + sigma**2 / n), s2, pos)

    # the test point moved by -y m, given the data: y (theta - m) + sigma g', theta - m ~ N(0, tau^2)
    tau = sp.Symbol("tau", positive=True)  # tau^2 as in the step "posterior"
    D = Normal("D", 0, tau)
    Gt = Normal("Gt", 0, 1)
    laws = [(sp.simplify(E(y * D + sigma * Gt)), sp.simplify(variance(y * D + sigma * Gt))) for y in (1, -1)]
    cert.identity("shifted.mean", "x - y m has mean 0 for y = +1 and y = -1", laws[0][0] - laws[1][0], 0)
    cert.identity("shifted.variance", "x - y m has variance tau^2 + sigma^2 for y = +1 and y = -1: the same Gaussian "
                  "law whatever the label", laws[0][1] - laws[1][1], 0)
    cert.identity("coin", "a classifier that sees a point whose law does not depend on y (uniform) errs with "
                  "probability 1/2 (q + (1 - q)) = 1/2, q = P(f = +1)", sp.Rational(1, 2) * (q + (1 - q)),
                  sp.Rational(1, 2), {q: sp.Interval(0, 1)})
    cert.inequality("admissible", "on the event |m|_inf <= eps the perturbation -y m lies in the l_inf ball: "
                    "eps - |m_j| >= 0", eps - M, {eps: region[eps], M: sp.Interval(0, eps)})
    cert.deduce("conditional", "given the data, robust error >= 1/2 on {|m|_inf <= eps} (the worst case is no better "
                "than the admissible shift -y m, on which every classifier errs w.p. 1/2) and >= 0 elsewhere; "
                "averaged: >= 1/2 P(|m|_inf <= eps)", ["posterior", "shifted.mean", "shifted.variance", "coin",
                                                       "admissible"])

    s = sp.Symbol("s", positive=True)  # s^2 as in the step "posterior_mean.variance"
    Mj = Normal("Mj", 0, s)
    prob = sp.sympify(P(Mj <= eps) - P(Mj <= -eps))
    cert.identity("event.coordinate", "P(|m_j| <= eps) = P(m_j <= eps) - P(m_j <= -eps) = 2 Phi(eps/s) - 1 for "
                  "m_j ~ N(0, s^2) (sympy.stats)", prob.rewrite(sp.erf), sp.sympify(2 * Phi(eps / s) - 1).rewrite(sp.erf))
    cert.deduce("bound", "coordinates of m are independent (functions of independent coordinates of theta and the "
                "noise), so P(|m|_inf <= eps) = (2 Phi(eps/s) - 1)^d and the robust error is >= "
                "1/2 (2 Phi(eps/s) - 1)^d", ["conditional", "zbar.marginal", "posterior_mean.variance",
                                               "event.coordinate"])
    cert.identity("paper_units", "at rho = 1, eps/s = eps sqrt((sigma^2 + n)/n)",
                  (eps / sp.sqrt(s2)).subs(rho, 1) - eps * sp.sqrt((sigma**2 + n) / n), 0,
                  {n: region[n], sigma: region[sigma], eps: region[eps]})
    cert.conclude("THM", "every learner's expected l_inf robust error under theta ~ N(0, rho^2 I) is >= "
                  "1/2 (2 Phi(eps/s) - 1)^d; at rho = 1: 1/2 (2 Phi(eps sqrt((sigma^2+n)/n)) - 1)^d",
                  ["bound", "paper_units"])
    return cert


def main(argv=None) -> int:
    return run_main(build, "Certify the closed form of Schmidt et al.'s Theorem 11.", CERT_DIR, argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
