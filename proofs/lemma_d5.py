r"""Certificate for Lemma D.5 (adversarial SVM drops the weak features) and Theorem 2.2 part 2.

Statement (Tsipras et al. 2019, App. D, Lemma D.5; ``docs/theory.md`` §2.2). For
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

from ._certificate import Certificate, resolve, run_main

NAME = "lemma_d5"
CERT_DIR = Path(__file__).resolve().parent / "certificates"
HALF = sp.Rational(1, 2)


def w1_star_statement(p, eps, lam):
    """The statement of Theorem 2.2 (2) as corrected here: the optimal x1 weight once v = 0.

    ``w1* = min((2p-1-eps)/lam, 1/(1-eps))`` for ``eps < 2p - 1`` and ``0`` otherwise. The
    certificate resolves this expression on each case of the case analysis and compares it
    with the minimiser derived there; a test replaces it by the uncorrected form (the same
    minimum for every eps) and expects the certificate to fail.
    """
    return sp.Piecewise((sp.Min((2 * p - 1 - eps) / lam, 1 / (1 - eps)), eps < 2 * p - 1), (0, True))


def build() -> Certificate:
    from robtheory.symbolic import linear as L
    from robtheory.symbolic.core import Phi, phi

    cert = Certificate(NAME, "Lemma D.5: the l_inf adversarial SVM optimum has zero weak weights for eps >= eta "
                       "(Theorem 2.2 part 2 with its closed form)",
                       "Tsipras et al. 2019, App. D, Lemma D.5 and Thm 2.2 (2); docs/theory.md §2.2")
    p = sp.Symbol("p", nonnegative=True)
    eta = sp.Symbol("eta", nonnegative=True)
    eps = sp.Symbol("epsilon", nonnegative=True)
    lam = sp.Symbol("lambda", positive=True)
    wi = sp.Symbol("w_i", real=True)
    region = {p: sp.Interval(0, 1), eta: sp.Interval(0, sp.oo), eps: sp.Interval(eta, sp.oo),
              lam: sp.Interval.open(0, sp.oo)}
    cert.set_region(region, note="(the paper: eps in [2 eta, oo)) every d >= 1; l_inf ball with x1 perturbable "
                    "(the objective of Theorem 2.2)")
    cert.set_scope("Lemma D.5 on the region; Theorem 2.2 (2)'s closed form w1* (with its correction: w* = 0 for "
                   "eps >= 2p - 1) for p in [1/2, 1], eps >= eta, lam > 0; the marginal derivative at v = 0",
                   "sympy identities, inequalities (case split of each domain), solve and sympy.stats; the "
                   "statement of w1* is resolved on each case and compared with the derived minimiser")

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
    xs, cs = sp.Symbol("x", real=True), sp.Symbol("c", nonnegative=True)
    half_lines = {"pos": sp.Interval(0, sp.oo), "neg": sp.Interval(-sp.oo, 0)}
    for side, dom in half_lines.items():
        cert.inequality(f"max.above.{side}", f"max(0, x) - x >= 0 for x in {dom}", sp.Max(0, xs) - xs, {xs: dom})
        cert.inequality(f"max.nonneg.{side}", f"max(0, x) >= 0 for x in {dom}", sp.Max(0, xs), {xs: dom})
        cert.inequality(f"max.monotone.{side}", f"max(0, x + c) - max(0, x) >= 0 for c >= 0, x in {dom}",
                        sp.Max(0, xs + cs) - sp.Max(0, xs), {xs: dom})
    cert.deduce("jensen", "given y, x_i is independent of A (x1 and the other weak features), so "
                "E[max(0, A + W_i) | y, A] >= max(0, A + E[W_i | y]) (Jensen for max(0, .): it is >= 0 and >= its "
                "argument pointwise, max.*, and expectation is monotone) >= max(0, A) (max.monotone, "
                "E[W_i | y] >= 0): setting w_i = 0 does not increase the hinge term",
                ["shift", "mean", "mean.nonneg.pos", "mean.nonneg.neg", "max.above.pos", "max.above.neg",
                 "max.nonneg.pos", "max.nonneg.neg", "max.monotone.pos", "max.monotone.neg"],
                domain={eta: sp.Interval(0, sp.oo), eps: sp.Interval(eta, sp.oo)})
    cert.identity("regulariser", "the regulariser drops by (lam/2) w_i^2 when w_i is set to 0",
                  lam / 2 * (wi**2 + sp.Symbol("r", nonnegative=True)) - lam / 2 * sp.Symbol("r", nonnegative=True),
                  lam * wi**2 / 2)
    g = sp.Symbol("g", positive=True)  # |w_i| > 0
    cert.inequality("strict", "(lam/2) w_i^2 > 0 for w_i != 0", lam * g**2 / 2,
                    {lam: sp.Interval.open(0, sp.oo), g: sp.Interval.open(0, sp.oo)}, strict=True)
    cert.conclude("LEMMA", "for eps >= eta (in particular eps >= 2 eta) every global minimiser has w_i = 0, i >= 2",
                  ["jensen", "regulariser", "strict"],
                  free={"p": "the argument conditions on y and never uses its law"})

    # --- the closed form (Theorem 2.2 part 2) ----------------------------------------------
    # With v = 0 (the lemma) the margin is deterministic given s = y x1, and for w1 = w >= 0
    #   J(w) = p max(0, 1 - (1-eps) w) + (1-p) max(0, 1 + (1+eps) w) + lam w^2/2.
    w = sp.Symbol("w_1", nonnegative=True)
    w1 = sp.Symbol("w_1", positive=True)
    kink = 1 / (1 - eps)
    J_act = p * (1 - (1 - eps) * w) + (1 - p) * (1 + (1 + eps) * w) + lam * w**2 / 2  # both hinges active
    J_past = (1 - p) * (1 + (1 + eps) * w) + lam * w**2 / 2                          # past the kink
    dJ_act, dJ_past = sp.diff(J_act, w), sp.diff(J_past, w)
    P01, E01, E1 = sp.Interval(0, 1), sp.Interval.Ropen(0, 1), sp.Interval(1, sp.oo)
    LAM = sp.Interval.open(0, sp.oo)
    cert.inequality("hinge.minus.active", "1 + (1+eps) w > 0 for w >= 0: the (1-p) hinge is always active",
                    1 + (1 + eps) * w, {eps: sp.Interval(0, sp.oo), w: sp.Interval(0, sp.oo)}, strict=True)
    cert.inequality("hinge.plus.active", "eps < 1: 1 - (1-eps) w >= 0 on [0, 1/(1-eps)]: both hinges active "
                    "there, J = J_act", 1 - (1 - eps) * w, {eps: E01, w: sp.Interval(0, kink)})
    cert.inequality("hinge.plus.past", "eps < 1: 1 - (1-eps) w <= 0 past the kink w >= 1/(1-eps): J = J_past "
                    "there", -(1 - (1 - eps) * w), {eps: E01, w: sp.Interval(kink, sp.oo)})
    cert.inequality("hinge.plus.large_eps", "eps >= 1: 1 - (1-eps) w >= 1 > 0 for every w >= 0: no kink, "
                    "J = J_act on [0, oo)", (1 - (1 - eps) * w) - 1, {eps: E1, w: sp.Interval(0, sp.oo)})
    cert.identity("right.slope", "J_act'(w) = 1 - 2p + eps + lam w (sympy diff); at 0+ the slope is 1 - 2p + eps",
                  dJ_act, 1 - 2 * p + eps + lam * w)
    cert.identity("convex.quadratic", "J_act'' = J_past'' = lam (> 0 on the region): each piece is strictly convex",
                  sp.diff(J_act, w, 2) + sp.diff(J_past, w, 2), 2 * lam)
    cert.inequality("convex.kink", "eps < 1: at the kink the slope jumps up by J_past'(k) - J_act'(k) = "
                    "p (1-eps) >= 0, so J' is non-decreasing across it",
                    (dJ_past - dJ_act).subs(w, kink), {p: P01, eps: E01})
    cert.deduce("convex", "J is strictly convex on [0, oo) for every eps >= 0: strictly convex pieces "
                "(convex.quadratic) joined with a non-decreasing slope (eps < 1: convex.kink), or one piece "
                "(eps >= 1: hinge.plus.large_eps); so a point where the one-sided slopes change sign is the "
                "unique minimiser on [0, oo)",
                ["hinge.minus.active", "hinge.plus.active", "hinge.plus.past", "hinge.plus.large_eps",
                 "convex.quadratic", "convex.kink"],
                domain={p: P01, eps: sp.Interval(0, sp.oo)}, split=("epsilon", ["convex.kink", "hinge.plus.large_eps"]))
    cert.inequality("slope.past", "past the kink J_past'(w) = (1-p)(1+eps) + lam w > 0 (w >= 1/(1-eps))",
                    dJ_past, {p: P01, eps: E01, lam: LAM, w: sp.Interval(kink, sp.oo)}, strict=True)
    stat = sp.solve(sp.Eq(dJ_act, 0), w)
    ws = (2 * p - 1 - eps) / lam
    cert.fact("stationary", "the stationary point of J_act is w = (2p - 1 - eps)/lam (sympy solve)",
              bool(len(stat) == 1 and sp.simplify(stat[0] - ws) == 0), solution=stat)

    # the three cases; in each, the minimiser is derived and the statement resolved and compared
    edge = (2 * p - 1 - eps) * (1 - eps)  # interior iff lam >= edge
    cases = {
        "interior": {p: sp.Interval.Lopen(HALF, 1), eps: sp.Interval.Ropen(0, 2 * p - 1), lam: sp.Interval(edge, sp.oo)},
        "kink": {p: sp.Interval.Lopen(HALF, 1), eps: sp.Interval.Ropen(0, 2 * p - 1), lam: sp.Interval.open(0, edge)},
        "zero": {p: sp.Interval(HALF, 1), eps: sp.Interval(2 * p - 1, sp.oo), lam: LAM},
    }
    below = cases["interior"]
    cert.inequality("slope.zero.negative", "J'(0+) = 1 - 2p + eps < 0 for eps < 2p - 1: w1* > 0",
                    -(1 - 2 * p + eps), {p: below[p], eps: below[eps]}, strict=True)
    cert.inequality("slope.zero.nonnegative", "J'(0+) = 1 - 2p + eps >= 0 for eps >= 2p - 1",
                    1 - 2 * p + eps, {p: cases["zero"][p], eps: cases["zero"][eps]})
    D = cases["interior"]
    cert.inequality("interior.positive", "interior case: (2p - 1 - eps)/lam > 0", ws, D, strict=True)
    cert.inequality("interior.fits", "interior case (lam >= (2p-1-eps)(1-eps)): 1/(1-eps) - (2p-1-eps)/lam >= 0, "
                    "the stationary point lies on the active piece", kink - ws, D)
    cert.identity("interior.stationary", "J_act'((2p - 1 - eps)/lam) = 0", dJ_act.subs(w, ws), 0)
    derived = {"interior": ws}
    cert.deduce("case.interior", "interior case: w1* = (2p - 1 - eps)/lam (J convex, J' = 0 there on the active "
                "piece)", ["convex", "stationary", "interior.positive", "interior.fits", "interior.stationary",
                           "hinge.plus.active", "slope.past"], domain=D)
    D = cases["kink"]
    cert.inequality("kink.left", "kink case (lam < (2p-1-eps)(1-eps)): J_act'(1/(1-eps)-) = 1 - 2p + eps + "
                    "lam/(1-eps) < 0", -dJ_act.subs(w, kink), D, strict=True)
    derived["kink"] = kink
    cert.deduce("case.kink", "kink case: w1* = 1/(1-eps): J' < 0 just before the kink (kink.left) and > 0 after "
                "it (slope.past), J convex", ["convex", "kink.left", "slope.past", "hinge.plus.active",
                                              "hinge.plus.past"], domain=D)
    D = cases["zero"]
    derived["zero"] = sp.Integer(0)
    cert.deduce("case.zero", "eps >= 2p - 1 (including eps >= 1): J'(0+) >= 0 and J convex, so w1* = 0 -- with "
                "the lemma the optimum is w = 0, a constant classifier: part 2 of Theorem 2.2 needs "
                "eps_train < 2p - 1", ["convex", "slope.zero.nonnegative", "right.slope"], domain=D)
    statement = w1_star_statement(p, eps, lam)
    for name, D in cases.items():
        value = resolve(statement, D)
        label = f"statement.{name}"
        desc = (f"{name} case: the statement's w1* = {sp.sstr(statement)}, resolved on the case, equals the "
                f"derived minimiser {sp.sstr(derived[name])}")
        if value is None:
            cert.fact(label, desc + " (the statement could not be resolved on the case)", False, domain=D)
        else:
            cert.identity(label, desc, value, derived[name], D)
    cert.deduce("closed.below", "for eps < 2p - 1: w1* = min((2p-1-eps)/lam, 1/(1-eps)) > 0, cases interior and "
                "kink", ["case.interior", "case.kink", "statement.interior", "statement.kink", "slope.zero.negative"],
                domain={p: below[p], eps: below[eps], lam: LAM},
                split=("lambda", ["case.interior", "case.kink", "statement.interior", "statement.kink"]))
    # the negative half-line w1 = -a, a >= 0: the mirror image with p and 1 - p exchanged
    cert.inequality("left.slope", "for w1 = -a < 0: the slope in a at 0+ is p(1+eps) - (1-p)(1-eps) = "
                    "2p - 1 + eps >= 0 for p >= 1/2", p * (1 + eps) - (1 - p) * (1 - eps),
                    {p: sp.Interval(HALF, 1), eps: sp.Interval(0, sp.oo)})
    cert.inequality("left.convex.kink", "... and J(-a) is convex in a by the same argument (the slope jump at "
                    "its kink is (1-p)(1-eps) >= 0): negative w1 never beats w1 = 0",
                    (1 - p) * (1 - eps), {p: P01, eps: E01})
    cert.deduce("left.side", "no w1 < 0 beats w1 = 0 for p >= 1/2",
                ["left.slope", "left.convex.kink", "convex.quadratic", "hinge.plus.large_eps"],
                domain={p: sp.Interval(HALF, 1), eps: sp.Interval(0, sp.oo)},
                split=("epsilon", ["left.convex.kink", "hinge.plus.large_eps"]))
    E0 = sp.Interval(0, sp.oo)
    cert.deduce("closed.p_above_half", "p in (1/2, 1]: the cases eps < 2p - 1 (closed.below) and eps >= 2p - 1 "
                "(case.zero) cover eps >= 0", ["closed.below", "case.zero", "statement.zero"],
                domain={p: sp.Interval.Lopen(HALF, 1), eps: E0, lam: LAM},
                split=("epsilon", ["closed.below", "case.zero", "statement.zero"]))
    cert.deduce("closed.p_half", "p = 1/2: only the case eps >= 2p - 1 = 0 occurs, w1* = 0",
                ["case.zero", "statement.zero"], domain={p: sp.FiniteSet(HALF), eps: E0, lam: LAM})
    cert.deduce("closed", "the statement's w1* is the minimiser over w1 >= 0 for every p in [1/2, 1], eps >= 0, "
                "lam > 0", ["closed.p_above_half", "closed.p_half"], domain={p: sp.Interval(HALF, 1), eps: E0, lam: LAM},
                split=("p", ["closed.p_above_half", "closed.p_half"]))
    thm = {p: sp.Interval(HALF, 1), eta: sp.Interval(0, sp.oo), eps: sp.Interval(eta, sp.oo), lam: LAM}
    cert.conclude("THM2.2.part2", "for p in [1/2, 1], eps_train >= eta, lam > 0 the optimum is w = (w1*, 0, ..., 0) "
                  "with w1* = min((2p-1-eps)/lam, 1/(1-eps)) > 0 (sign(x1), standard and l_inf robust accuracy p for "
                  "every eps < 1) when eps < 2p - 1, and w = 0 when eps >= 2p - 1",
                  ["LEMMA", "closed", "left.side"], domain=thm)

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
