r"""Certificate for Lemma D.5 (adversarial SVM drops the weak features) and Theorem 2.2 part 2.

Statement (Tsipras et al. 2019, App. D, Lemma D.5; spec ``paper_math.md`` §2.2). For
:math:`0 \le p \le 1`, :math:`\eta \ge 0`, :math:`\lambda > 0` and :math:`\varepsilon \ge 2\eta`,
every global minimiser of the l_inf adversarial objective

.. math::

    J^{adv}_\lambda(w) = E\max(0, 1 - y w^Tx + \varepsilon\lVert w\rVert_1) + \tfrac\lambda2\lVert w\rVert^2

has :math:`w_i = 0` for every :math:`i \ge 2`. Certified here on the larger region
:math:`\varepsilon \ge \eta` (the argument only needs :math:`E[W_i \mid y] \ge 0`).

Proof. The terms of the hinge argument that involve :math:`w_i` are
:math:`W_i = -y w_i x_i + \varepsilon|w_i|`, independent of the rest ``A`` given ``y``, with
:math:`E[W_i \mid y] = \varepsilon|w_i| - \eta w_i \ge 0`; by Jensen (conditionally on ``y``,
``A``) and monotonicity, :math:`E\max(0, A + W_i) \ge E\max(0, A)`: zeroing :math:`w_i` never
increases the hinge term and strictly lowers the regulariser.

Beyond the paper, the certificate derives

* the closed form of the adversarial optimum once ``v = 0`` (Theorem 2.2 part 2):
  :math:`w_1^* = \min\{(2p-1-\varepsilon)/\lambda, 1/(1-\varepsilon)\}` for
  :math:`\varepsilon < 2p-1`, and :math:`w^* = 0` for :math:`\varepsilon \ge \max(2p-1, \eta)` —
  the counterexample that makes the hypothesis :math:`\varepsilon < 2p - 1` necessary;
* the one-sided derivatives of the marginal :math:`\varphi(v) = \min_{w_1}J(w_1, v)` at 0 that
  decide whether adversarial training keeps the weak features below :math:`\varepsilon = \eta`:
  :math:`\sqrt d(\varepsilon - \eta)` when :math:`w_1^*` is interior (so :math:`\eta` is sharp there) and
  :math:`p\varphi(\Phi^{-1}(\kappa)) + \sqrt d(\varepsilon - \eta)(1 - p + p\kappa)` at the kink
  :math:`w_1^* = 1/(1-\varepsilon)` (the :math:`\lambda`-dependent phase boundary of
  :func:`robtheory.training.weak_feature_threshold_closed_form`).

Run ``python -m robtheory.proofs.lemma_d5 [--out DIR]`` to regenerate.
"""

from __future__ import annotations

import sys
from pathlib import Path

import sympy as sp
from sympy.stats import E, Normal

from ._certificate import Certificate, run_main

NAME = "lemma_d5"
CERT_DIR = Path(__file__).resolve().parent / "certificates"


def build() -> Certificate:
    from robtheory.symbolic import linear as L
    from robtheory.symbolic.core import Phi, phi

    cert = Certificate(NAME, "Lemma D.5: the l_inf adversarial SVM optimum has zero weak weights for eps >= eta "
                       "(Theorem 2.2 part 2 with its closed form)",
                       "Tsipras et al. 2019, App. D, Lemma D.5 and Thm 2.2 (2); spec paper_math.md §2.2")
    p = sp.Symbol("p", nonnegative=True)
    eta = sp.Symbol("eta", nonnegative=True)
    eps = sp.Symbol("epsilon", nonnegative=True)
    lam = sp.Symbol("lambda", positive=True)
    wi = sp.Symbol("w_i", real=True)
    cert.fact("region", "region covered: p in [0, 1], eta >= 0, eps in [eta, oo) (the paper: [2 eta, oo)), "
              "lam > 0, d >= 1, l_inf ball with x1 perturbable (the objective of Theorem 2.2)", True,
              region={"p": "[0, 1]", "eta": "[0, oo)", "eps": "[eta, oo)", "lam": "(0, oo)", "d": ">= 1"})

    # --- the lemma ---------------------------------------------------------------------------
    ws = L.worst_case_shift()
    cert.identity("shift", "the worst l_inf perturbation of coordinate i lowers y w^T x by eps |w_i| "
                  "(robtheory.symbolic.linear.worst_case_shift), so the robust hinge argument is "
                  "A + W_i with W_i = -y w_i x_i + eps |w_i|",
                  ws.results["linf_coordinate"], -L.symbols()["eps"] * sp.Abs(sp.Symbol("w_i", real=True)))
    means = []
    for y in (1, -1):
        X = Normal(f"X{'p' if y == 1 else 'm'}", eta * y, 1)
        means.append(sp.simplify(E(-y * wi * X)))
    cert.fact("mean", "E[-y w_i x_i | y] = -eta w_i for y = +1 and y = -1 (sympy.stats), so "
              "E[W_i | y] = eps |w_i| - eta w_i whatever y is",
              bool(all(sp.simplify(m_ + eta * wi) == 0 for m_ in means)), means=means)
    pos = sp.Symbol("w", nonnegative=True)
    cert.inequality("mean.nonneg.pos", "eps |w_i| - eta w_i = (eps - eta) w_i >= 0 for w_i >= 0, eps >= eta",
                    eps * sp.Abs(pos) - eta * pos, {eta: sp.Interval(0, sp.oo), eps: sp.Interval(eta, sp.oo)})
    cert.inequality("mean.nonneg.neg", "eps |w_i| - eta w_i = (eps + eta)|w_i| >= 0 for w_i <= 0",
                    eps * sp.Abs(-pos) - eta * (-pos), {eta: sp.Interval(0, sp.oo), eps: sp.Interval(eta, sp.oo)})
    cert.fact("jensen", "given y, x_i is independent of A (x1 and the other weak features), so "
              "E[max(0, A + W_i) | y, A] >= max(0, A + E[W_i | y]) >= max(0, A) (Jensen for the convex max(0, .), "
              "then monotonicity): setting w_i = 0 does not increase the hinge term", True,
              uses=["shift", "mean", "mean.nonneg.pos", "mean.nonneg.neg"])
    cert.identity("regulariser", "the regulariser drops by (lam/2) w_i^2 when w_i is set to 0",
                  lam / 2 * (wi**2 + sp.Symbol("r", nonnegative=True)) - lam / 2 * sp.Symbol("r", nonnegative=True),
                  lam * wi**2 / 2)
    g = sp.Symbol("g", positive=True)  # |w_i| > 0
    cert.inequality("strict", "(lam/2) w_i^2 > 0 for w_i != 0", lam * g**2 / 2, {g: sp.Interval.open(0, sp.oo)},
                    strict=True)
    cert.fact("LEMMA", "for eps >= eta (in particular eps >= 2 eta) every global minimiser has w_i = 0, i >= 2",
              True, uses=["jensen", "regulariser", "strict"])

    # --- the closed form (Theorem 2.2 part 2) ----------------------------------------------
    w1 = sp.Symbol("w_1", positive=True)
    # with v = 0 the margin is deterministic given s = y x1 (q = 0): J = p max(0, 1 - (1-eps) w1)
    # + (1-p) max(0, 1 + (1+eps) w1) + lam w1^2/2 for w1 >= 0
    inner = -p * (1 - eps) + (1 - p) * (1 + eps)
    cert.identity("right.slope", "for 0 < w1 < 1/(1-eps) both hinges are active and J'(w1) = "
                  "-p(1-eps) + (1-p)(1+eps) + lam w1; at 0+ this is 1 - 2p + eps",
                  sp.diff(p * (1 - (1 - eps) * w1) + (1 - p) * (1 + (1 + eps) * w1) + lam * w1**2 / 2, w1).subs(w1, 0),
                  1 - 2 * p + eps)
    cert.inequality("left.slope", "for w1 < 0 the roles swap: the derivative in |w1| at 0 is "
                    "p(1+eps) - (1-p)(1-eps) = 2p - 1 + eps >= 0 for p >= 1/2: negative w1 never helps",
                    p * (1 + eps) - (1 - p) * (1 - eps), {p: sp.Interval(sp.Rational(1, 2), 1)})
    stat = sp.solve(sp.Eq(inner + lam * w1, 0), w1)
    cert.fact("stationary", "the stationary point of the active piece is w1 = (2p - 1 - eps)/lam (sympy solve); "
              "past the kink w1 = 1/(1-eps) only the (1-p) hinge is active and J' = (1-p)(1+eps) + lam w1 > 0, "
              "so w1* = min((2p-1-eps)/lam, 1/(1-eps)) when eps < 2p - 1",
              bool(len(stat) == 1 and sp.simplify(stat[0] - (2 * p - 1 - eps) / lam) == 0),
              solution=stat)
    cert.fact("counterexample", "for eps >= 2p - 1 the right slope at 0 is >= 0, so w1* = 0; with the lemma "
              "(eps >= eta) the optimum is w = 0, a constant classifier with accuracy 1/2 (sign(0) = -1) or 0 "
              "(ties as errors), not p: part 2 of Theorem 2.2 needs eps_train < 2p - 1 (or p = 1/2)", True,
              uses=["right.slope", "LEMMA"])
    cert.fact("THM2.2.part2", "for eta <= eps_train < 2p - 1 the optimum is w = (w1*, 0, ..., 0) with w1* > 0, "
              "i.e. sign(x1), whose standard and l_inf robust accuracy are p for every eps < 1 (robust_x1 in "
              "the derivations certificate)", True, uses=["LEMMA", "stationary", "left.slope"])

    # --- sharpness: the marginal derivative at v = 0 ------------------------------------------
    d = sp.Symbol("d", positive=True, integer=True)
    v = sp.Symbol("v", positive=True)
    mu = eta * sp.sqrt(d)
    # hinge arguments for v > 0 near 0 (|v| = v), both active (interior w1*): m_s = 1 - s w1 + eps|w1| - v mu + eps sqrt(d) v
    dv = sum(prob * sp.diff(1 - s_ * w1 + eps * w1 - v * mu + eps * sp.sqrt(d) * v, v)
             for s_, prob in ((1, p), (-1, 1 - p)))
    cert.identity("interior.dphi", "interior w1* (both hinges active at v = 0): phi'(0;+1) = sum_s pi_s dm_s/dv "
                  "= sqrt(d)(eps - eta) (the w1-part is stationary)", dv, sp.sqrt(d) * (eps - eta))
    gap_e = sp.Symbol("e", positive=True)  # eta - eps > 0
    cert.inequality("interior.sharp", "so for eps = eta - e < eta, phi'(0;+1) = -sqrt(d) e < 0: the weak features "
                    "are used; eta is the exact threshold in the interior regime (2p-1-eps)(1-eps) < lam",
                    -(sp.sqrt(d) * (-gap_e)), {gap_e: sp.Interval.open(0, sp.oo)}, strict=True)
    c, al, t = sp.Symbol("c", real=True), sp.Symbol("alpha", real=True), sp.Symbol("t", real=True)
    R1 = lambda m_: m_ * Phi(m_) + phi(m_)  # noqa: E731 - R(m, 1)
    epsk = sp.Symbol("epsilon", positive=True)
    D = p * R1(c - (1 - epsk) * al) + (1 - p) * ((1 + epsk) * al + c) + lam * al / (1 - epsk)
    Dp = sp.diff(D, al)
    at = (c - t) / (1 - epsk)
    cert.identity("kink.derivative", "at the kink w1* = 1/(1-eps) the directional derivative in (alpha, 1) is "
                  "D(alpha) = p R(c - (1-eps) alpha, 1) + (1-p)((1+eps) alpha + c) + lam alpha/(1-eps), "
                  "c = sqrt(d)(eps - eta); D'(alpha) = -p(1-eps) Phi(c - (1-eps) alpha) + (1-p)(1+eps) + lam/(1-eps)",
                  Dp, -p * (1 - epsk) * Phi(c - (1 - epsk) * al) + (1 - p) * (1 + epsk) + lam / (1 - epsk))
    cert.identity("kink.value", "with t = c - (1-eps) alpha: D = p phi(t) + c(1 - p + p Phi(t)) + alpha D'(alpha); "
                  "at the minimiser (D convex, Phi(t) = kappa = ((1-p)(1+eps) + lam/(1-eps))/(p(1-eps))) "
                  "phi'(0;+1) = p phi(Phi^{-1}(kappa)) + sqrt(d)(eps - eta)(1 - p + p kappa)",
                  D.subs(al, at), p * phi(t) + c * (1 - p + p * Phi(t)) + at * Dp.subs(al, at))
    cert.inequality("kink.at_eta", "at eps = eta (c = 0) the kink value p phi(Phi^{-1}(kappa)) is > 0 for "
                    "kappa < 1: in the kink regime the threshold lies strictly below eta and depends on lam",
                    p * phi(t), {p: sp.Interval.Lopen(0, 1), t: sp.Reals}, strict=True)
    return cert


def main(argv=None) -> int:
    return run_main(build, "Certify Lemma D.5.", CERT_DIR, argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
