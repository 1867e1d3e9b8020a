r"""Certificate for Lemma D.4: a classifier with :math:`v \ge |w_1|` has robust accuracy :math:`\le 0.01`.

Statement (Tsipras et al. 2019, App. D, Lemma D.4; ``docs/theory.md`` §2.2). For
:math:`\mu = \eta\sqrt d \ge 4` and :math:`\varepsilon \ge 2\eta`, the classifier
:math:`\operatorname{sign}(w_1x_1 + vz)` with :math:`v > 0`, :math:`|w_1| \le v` has l_inf robust
accuracy :math:`\le \Phi(1 - \mu) \le \Phi(-3) = 0.00135 \le 0.01`, for every ``p`` (with or
without perturbations of x1).

Proof. The shift :math:`\delta = -2\eta y` on every weak feature (x1 untouched) has
:math:`\lVert\delta\rVert_\infty = 2\eta \le \varepsilon` and maps :math:`x_i \sim \mathcal N(\eta y, 1)`
to :math:`\mathcal N(-\eta y, 1)`: the model with :math:`\eta \to -\eta`. The robust accuracy is at
most the accuracy under this one perturbation,
:math:`p\Phi((w_1 - v\mu)/v) + (1-p)\Phi((-w_1 - v\mu)/v) \le \Phi(1 - \mu)`.

Run ``python -m robtheory.proofs.lemma_d4 [--out DIR]`` to regenerate.
"""

from __future__ import annotations

import sys
from pathlib import Path

import sympy as sp
from sympy.stats import E, Normal

from . import _interval as I
from ._certificate import Certificate, run_main
from .lemma_d3 import reduced_accuracy

NAME = "lemma_d4"
CERT_DIR = Path(__file__).resolve().parent / "certificates"

#: the hypothesis mu = eta sqrt(d) >= MU_MIN of the statement
MU_MIN = 4
#: the robust accuracy the statement promises not to exceed
TARGET = sp.Rational(1, 100)


def build() -> Certificate:
    from robtheory.symbolic.core import Phi, phi

    cert = Certificate(NAME, "Lemma D.4: l_inf robust accuracy <= Phi(1 - mu) <= 0.01 when v >= |w1|, mu >= 4, "
                       "eps >= 2 eta", "Tsipras et al. 2019, App. D, Lemma D.4; docs/theory.md §2.2")
    p = sp.Symbol("p", nonnegative=True)
    mu = sp.Symbol("mu", positive=True)
    v = sp.Symbol("v", positive=True)
    w = sp.Symbol("w1", real=True)
    eta = sp.Symbol("eta", nonnegative=True)
    eps = sp.Symbol("epsilon", nonnegative=True)
    mu_min = sp.Integer(MU_MIN)
    dA, dB = sp.Symbol("dA", nonnegative=True), sp.Symbol("dB", nonnegative=True)
    region = {mu: sp.Interval(mu_min, sp.oo), p: sp.Interval(0, 1), v: sp.Interval.open(0, sp.oo),
              w: sp.Interval(-v, v), eta: sp.Interval(0, sp.oo), eps: sp.Interval(2 * eta, sp.oo)}
    cert.set_region(region, note="every d >= 1 (d enters only through mu = eta sqrt(d)); l_inf ball with or "
                    "without x1 (the shift leaves x1 alone); the paper states eps = 2 eta, the bound extends to "
                    "every larger eps")
    cert.set_scope(f"l_inf robust accuracy of sign(w1 x1 + v z) <= Phi(1 - mu) <= Phi({1 - MU_MIN}) < {TARGET} on "
                   "the whole region", "sympy identities and inequalities, sympy.stats for the shifted law; "
                   "Phi(-3) enclosed by python-flint arb")

    cert.inequality("shift.admissible", "the shift delta = -2 eta y on x2..x_{d+1} has ||delta||_inf = 2 eta <= eps",
                    eps - 2 * eta, {eta: sp.Interval(0, sp.oo), eps: sp.Interval(2 * eta, sp.oo)})
    means = []
    for y in (1, -1):
        X = Normal(f"X{'p' if y == 1 else 'm'}", eta * y, 1)
        means.append(sp.simplify(E(X - 2 * eta * y)))
    cert.fact("shift.law", "x_i - 2 eta y has mean -eta y (sympy.stats, for y = +1 and -1) and variance 1: "
              "the shifted data is D(p, -eta, d)", bool(sp.simplify(means[0] + eta) == 0 and
                                                         sp.simplify(means[1] - eta) == 0),
              means=means)
    acc = reduced_accuracy(lambda m_, d_: -m_ / sp.sqrt(d_), p, w, v, mu)
    target = p * Phi((w - v * mu) / v) + (1 - p) * Phi((-w - v * mu) / v)
    cert.identity("shift.accuracy", "accuracy under the shift = accuracy on D(p, -eta, d) "
                  "= p Phi((w1 - v mu)/v) + (1-p) Phi((-w1 - v mu)/v)", acc, target)
    dom = {v: sp.Interval.open(0, sp.oo), w: sp.Interval(-v, v)}
    cert.inequality("arg.plus", "(1 - mu) - (w1 - v mu)/v = (v - w1)/v >= 0 for |w1| <= v",
                    (1 - mu) - (w - v * mu) / v, dom)
    cert.inequality("arg.minus", "(1 - mu) - (-w1 - v mu)/v = (v + w1)/v >= 0 for |w1| <= v",
                    (1 - mu) - (-w - v * mu) / v, dom)
    x = sp.Symbol("x", real=True)
    cert.inequality("Phi.increasing", "phi(x) > 0, so Phi is increasing", phi(x), {x: sp.Reals}, strict=True)
    cert.inequality("mixture.monotone", "p dA + (1-p) dB >= 0 for p in [0, 1], dA, dB >= 0: the mixture "
                    "p Phi(a) + (1-p) Phi(b) is <= Phi(1 - mu) when Phi(1-mu) - Phi(a) = dA and "
                    "Phi(1-mu) - Phi(b) = dB are >= 0", p * dA + (1 - p) * dB, {p: sp.Interval(0, 1)})
    cert.inequality("mu.arg", f"{1 - MU_MIN} - (1 - mu) >= 0 for mu >= {MU_MIN}: Phi(1 - mu) <= Phi({1 - MU_MIN})",
                    (1 - mu_min) - (1 - mu), {mu: sp.Interval(mu_min, sp.oo)})
    cert.deduce("bound", f"robust accuracy <= shift accuracy (the shift is one admissible perturbation, so the "
                f"worst case is no better) <= Phi(1 - mu) <= Phi({1 - MU_MIN}) for mu >= {MU_MIN}",
                ["shift.admissible", "shift.law", "shift.accuracy", "arg.plus", "arg.minus", "Phi.increasing",
                 "mixture.monotone", "mu.arg"], domain=region)
    phim3 = I.Phi(1 - MU_MIN)
    cert.fact("Phi-3", f"Phi({1 - MU_MIN}) < {TARGET} (interval arithmetic, python-flint arb; Phi(-3) = 0.0013499...)",
              bool(phim3 < I.point(f"{TARGET.p}/{TARGET.q}")),
              enclosure=[I.fmt(I.lo(phim3)), I.fmt(I.hi(phim3))])
    cert.conclude("LEMMA", f"l_inf robust accuracy <= Phi(1 - mu) <= Phi({1 - MU_MIN}) < {TARGET} on the whole region",
                  ["bound", "Phi-3"])
    return cert


def main(argv=None) -> int:
    return run_main(build, "Certify Lemma D.4.", CERT_DIR, argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
