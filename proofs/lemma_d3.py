r"""Certificate for Lemma D.3: a classifier with :math:`v \ge |w_1|` has standard accuracy :math:`\ge 0.99`.

Statement (Tsipras et al. 2019, App. D, Lemma D.3; ``docs/theory.md`` §2.2). For
:math:`\mu = \eta\sqrt d \ge 4`, the classifier :math:`\operatorname{sign}(w_1x_1 + v z)` with
:math:`v > 0` and :math:`|w_1| \le v` — in particular the unit-norm SVM optimum, which has
:math:`v \ge 1/\sqrt2` by Lemma D.2 and therefore :math:`|w_1| = \sqrt{1-v^2} \le v` — has
standard accuracy :math:`\ge \Phi(\mu - 1) \ge \Phi(3) = 0.99865 > 0.99`, for every ``p``.

Proof. Given :math:`s = yx_1`, :math:`y(w_1x_1 + vz) \sim \mathcal N(s w_1 + v\mu, v^2)`, so the
accuracy is :math:`p\Phi((w_1 + v\mu)/v) + (1-p)\Phi((-w_1 + v\mu)/v)`; both arguments are
:math:`\ge \mu - 1` when :math:`|w_1| \le v`, and :math:`\Phi` is increasing.

Run ``python -m robtheory.proofs.lemma_d3 [--out DIR]`` to regenerate.
"""

from __future__ import annotations

import sys
from pathlib import Path

import sympy as sp

from . import _interval as I
from ._certificate import Certificate, run_main

NAME = "lemma_d3"
CERT_DIR = Path(__file__).resolve().parent / "certificates"

#: the hypothesis mu = eta sqrt(d) >= MU_MIN of the statement (a test restates it to plant a falsehood)
MU_MIN = 4
#: the accuracy the statement promises
TARGET = sp.Rational(99, 100)


def reduced_accuracy(eta_value, p, w, v, mu):
    """Accuracy of sign(w x1 + v z) from the symbolic derivation, b = 0, S = v sqrt(d), Q = v."""
    from robtheory.symbolic import linear as L

    s = L.symbols()
    d = s["d"]
    acc = L.linear_accuracy(None).results["accuracy_Q_positive"]
    return acc.subs({s["b"]: 0, s["a"]: w, s["S"]: v * sp.sqrt(d), s["Q"]: v, s["eta"]: eta_value(mu, d),
                     s["p"]: p})


def build() -> Certificate:
    from robtheory.symbolic.core import Phi, phi

    cert = Certificate(NAME, "Lemma D.3: standard accuracy >= Phi(mu - 1) >= 0.99 when v >= |w1|, mu >= 4",
                       "Tsipras et al. 2019, App. D, Lemma D.3; docs/theory.md §2.2")
    p = sp.Symbol("p", nonnegative=True)
    mu = sp.Symbol("mu", positive=True)
    v = sp.Symbol("v", positive=True)
    w = sp.Symbol("w1", real=True)
    x = sp.Symbol("x", real=True)
    dA, dB = sp.Symbol("dA", nonnegative=True), sp.Symbol("dB", nonnegative=True)
    mu_min = sp.Integer(MU_MIN)
    cert.set_region({mu: sp.Interval(mu_min, sp.oo), p: sp.Interval(0, 1), v: sp.Interval.open(0, sp.oo),
                     w: sp.Interval(-v, v)},
                    note="every d >= 1 (d enters only through mu = eta sqrt(d)); contains the unit circle arc "
                         "v >= 1/sqrt2 of Lemma D.2 (unit.arc)")
    cert.set_scope(f"standard accuracy of sign(w1 x1 + v z) >= Phi(mu - 1) >= Phi({MU_MIN - 1}) > {TARGET} "
                   "on the whole region", "sympy identities and inequalities (case split of the domain); "
                   "Phi(3) enclosed by python-flint arb")

    acc = reduced_accuracy(lambda m_, d_: m_ / sp.sqrt(d_), p, w, v, mu)
    target = p * Phi((w + v * mu) / v) + (1 - p) * Phi((-w + v * mu) / v)
    cert.identity("accuracy", "standard accuracy of sign(w1 x1 + v z) (robtheory.symbolic.linear, Q = v > 0) "
                  "= p Phi((w1 + v mu)/v) + (1-p) Phi((-w1 + v mu)/v)", acc, target)
    dom = {v: sp.Interval.open(0, sp.oo), w: sp.Interval(-v, v)}
    cert.inequality("arg.plus", "(w1 + v mu)/v - (mu - 1) = (v + w1)/v >= 0 for |w1| <= v",
                    (w + v * mu) / v - (mu - 1), dom)
    cert.inequality("arg.minus", "(-w1 + v mu)/v - (mu - 1) = (v - w1)/v >= 0 for |w1| <= v",
                    (-w + v * mu) / v - (mu - 1), dom)
    cert.identity("Phi.derivative", "Phi' = phi", sp.diff(Phi(x), x), phi(x))
    cert.inequality("Phi.increasing", "phi(x) > 0, so Phi is increasing", phi(x), {x: sp.Reals}, strict=True)
    cert.identity("mixture", "p Phi(mu - 1) + (1 - p) Phi(mu - 1) = Phi(mu - 1)",
                  p * Phi(mu - 1) + (1 - p) * Phi(mu - 1), Phi(mu - 1))
    cert.inequality("mixture.monotone", "p dA + (1-p) dB >= 0 for p in [0, 1] and dA, dB >= 0: the mixture "
                    "p Phi(a) + (1-p) Phi(b) is >= Phi(mu - 1) when both Phi(a) - Phi(mu-1) = dA and "
                    "Phi(b) - Phi(mu-1) = dB are >= 0", p * dA + (1 - p) * dB, {p: sp.Interval(0, 1)})
    cert.inequality("mu.arg", f"(mu - 1) - {MU_MIN - 1} >= 0 for mu >= {MU_MIN}: Phi(mu - 1) >= Phi({MU_MIN - 1})",
                    (mu - 1) - (mu_min - 1), {mu: sp.Interval(mu_min, sp.oo)})
    cert.deduce("bound", f"accuracy >= Phi(mu - 1) >= Phi({MU_MIN - 1}) for mu >= {MU_MIN} (arg.plus, arg.minus, "
                "Phi increasing, the mixture is monotone in each term, mu.arg)",
                ["accuracy", "arg.plus", "arg.minus", "Phi.increasing", "mixture", "mixture.monotone", "mu.arg"],
                domain={mu: sp.Interval(mu_min, sp.oo), p: sp.Interval(0, 1), v: sp.Interval.open(0, sp.oo),
                        w: sp.Interval(-v, v)})
    v_arc = sp.Symbol("v", positive=True)
    cert.inequality("unit.arc", "on the unit circle, v >= 1/sqrt2 implies v^2 - (1 - v^2) = 2v^2 - 1 >= 0, "
                    "i.e. |w1| = sqrt(1 - v^2) <= v", 2 * v_arc**2 - 1,
                    {v_arc: sp.Interval(1 / sp.sqrt(2), 1)})
    phi3 = I.Phi(MU_MIN - 1)
    cert.fact("Phi3", f"Phi({MU_MIN - 1}) > {TARGET} (interval arithmetic, python-flint arb; Phi(3) = 0.99865...)",
              bool(phi3 > I.point(f"{TARGET.p}/{TARGET.q}")),
              enclosure=[I.fmt(I.lo(phi3)), I.fmt(I.hi(phi3))])
    cert.conclude("LEMMA", f"standard accuracy >= Phi(mu - 1) >= Phi({MU_MIN - 1}) > {TARGET} on the whole region",
                  ["bound", "Phi3"])
    return cert


def main(argv=None) -> int:
    return run_main(build, "Certify Lemma D.3.", CERT_DIR, argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
