r"""Certificate for the law of feature selection by empirical correlation (claim ``feature_selection_law``).

Statement. For one weak feature over ``n >= 2`` samples, :math:`v_i = y_i x_{ij}` are i.i.d.
:math:`N(\eta, 1)`; with :math:`m = \bar v`, :math:`S^2 = \sum_i (v_i - m)^2 > 0` (so
:math:`\sum_i v_i^2 = S^2 + n m^2`) the uncentred correlation is
:math:`r = \sum_i v_i / \sqrt{n \sum_i v_i^2}` and the t statistic :math:`T = \sqrt n\, m / s` with
:math:`s = S/\sqrt{n - 1}`. Then

* ``r.of.T``: :math:`r = T/\sqrt{T^2 + n - 1}` (an identity);
* ``r.increasing``: :math:`dr/dT = (n - 1)/(T^2 + n - 1)^{3/2} > 0`;
* ``threshold``: :math:`r = t` at :math:`T = \tau = t\sqrt{(n - 1)/(1 - t^2)}` for :math:`0 < t < 1`,

so :math:`P(|r| \ge t) = P(|T| \ge \tau)` with ``T`` noncentral t (``n - 1`` degrees of freedom,
noncentrality :math:`\eta\sqrt n`), the law :func:`robtheory.finite.feature_selection.weak_pass_probability`
evaluates. (That ``T`` is noncentral t is the textbook law of the t statistic of normal samples;
it is not re-derived here.)

Run ``python -m robtheory.proofs.finite_transfer [--out DIR]`` to regenerate.
"""

from __future__ import annotations

import sys
from pathlib import Path

import sympy as sp

from ._certificate import Certificate, run_main

NAME = "finite_transfer"
CERT_DIR = Path(__file__).resolve().parent / "certificates"


def build() -> Certificate:
    cert = Certificate(NAME, "Feature selection: |r| >= t iff |T| >= t sqrt((n-1)/(1-t^2)), T the t statistic",
                       "Fig. 5 (feature selection), made exact in the toy model")
    n = sp.Symbol("n", positive=True)
    m = sp.Symbol("m", real=True)
    S = sp.Symbol("S", positive=True)
    T = sp.Symbol("T", real=True)
    t = sp.Symbol("t", positive=True)
    region = {n: sp.Interval(2, sp.oo), m: sp.Reals, S: sp.Interval.open(0, sp.oo), T: sp.Reals,
              t: sp.Interval.open(0, 1)}
    cert.set_region(region, note="n is a whole number >= 2 (the identities hold for every real n >= 2)")
    cert.set_scope("r = T/sqrt(T^2 + n - 1), r increasing in T, r(tau) = t: the event |r| >= t is |T| >= tau",
                   "sympy identities and inequalities",
                   "the noncentral t law of T (textbook) and the quadrature that evaluates it")
    r = n * m / sp.sqrt(n * (S**2 + n * m**2))
    T_of = sp.sqrt(n) * m * sp.sqrt(n - 1) / S
    cert.identity("r.of.T", "r = sum v / sqrt(n sum v^2) with sum v = n m, sum v^2 = S^2 + n m^2 equals "
                  "T/sqrt(T^2 + n - 1) at T = sqrt(n) m / (S/sqrt(n-1))",
                  r, T_of / sp.sqrt(T_of**2 + n - 1),
                  {n: sp.Interval(2, sp.oo), m: sp.Reals, S: sp.Interval.open(0, sp.oo)})
    g = T / sp.sqrt(T**2 + n - 1)
    cert.identity("r.derivative", "d/dT T/sqrt(T^2 + n - 1) = (n - 1)/(T^2 + n - 1)^(3/2)",
                  sp.diff(g, T), (n - 1) / (T**2 + n - 1) ** sp.Rational(3, 2),
                  {n: sp.Interval(2, sp.oo), T: sp.Reals})
    cert.inequality("r.increasing", "(n - 1)/(T^2 + n - 1)^(3/2) > 0 for n >= 2", (n - 1) / (T**2 + n - 1) ** sp.Rational(3, 2),
                    {n: sp.Interval(2, sp.oo), T: sp.Reals}, strict=True)
    tau = t * sp.sqrt((n - 1) / (1 - t**2))
    cert.identity("threshold", "tau/sqrt(tau^2 + n - 1) = t at tau = t sqrt((n - 1)/(1 - t^2)), 0 < t < 1",
                  tau / sp.sqrt(tau**2 + n - 1), t, {n: sp.Interval(2, sp.oo), t: sp.Interval.open(0, 1)})
    cert.identity("odd", "r(-T) = -r(T): |r| >= t iff |T| >= tau", g.subs(T, -T), -g,
                  {n: sp.Interval(2, sp.oo), T: sp.Reals})
    cert.conclude("LAW", "|r| >= t iff |T| >= t sqrt((n - 1)/(1 - t^2)) for n >= 2, 0 < t < 1",
                  ["r.of.T", "r.derivative", "r.increasing", "threshold", "odd"])
    return cert


def main(argv=None) -> int:
    return run_main(build, "Certify the law of feature selection by empirical correlation.", CERT_DIR, argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
