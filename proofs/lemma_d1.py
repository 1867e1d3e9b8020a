r"""Certificate for Lemma D.1: every global minimiser of the SVM objective has equal weak weights.

Statement (Tsipras et al. 2019, App. D, Lemma D.1; ``docs/theory.md`` §2.2). For
:math:`p \in [0, 1]`, :math:`\eta \ge 0`, :math:`\lambda > 0`, every global minimiser of
:math:`J_\lambda(w) = E\,\ell(y w^Tx - \varepsilon\lVert w\rVert_*) + \frac\lambda2\lVert w\rVert^2`
has :math:`w_i = w_j` for all :math:`i, j \ge 2`. Proved here for the hinge loss of (5) and,
by the same argument, for the logistic loss and for adversarial training against l_inf and
l_2 balls (the argument needs a convex non-increasing loss and a permutation-invariant norm).

Proof. (i) Swapping two weak coordinates of ``w`` does not change the statistics
:math:`(a, S, Q, U_1)` on which the objective depends (the margin is
:math:`\mathcal N(s a + \eta S - \varepsilon\lVert w\rVert_*, Q^2)` given ``y x1 = s``), so
:math:`J(\sigma w) = J(w)`. (ii) The loss part is convex in ``w``. (iii) The regulariser is
:math:`\lambda`-strongly convex: :math:`J(\tfrac{w + \sigma w}2) \le J(w) - \frac\lambda4(w_i-w_j)^2`,
a strict decrease when :math:`w_i \ne w_j`, contradicting optimality.

Run ``python -m robtheory.proofs.lemma_d1 [--out DIR]`` to regenerate.
"""

from __future__ import annotations

import sys
from pathlib import Path

import sympy as sp

from ._certificate import Certificate, run_main

NAME = "lemma_d1"
CERT_DIR = Path(__file__).resolve().parent / "certificates"


def build() -> Certificate:
    from robtheory.symbolic import linear as L

    cert = Certificate(NAME, "Lemma D.1: global minimisers of the (adversarial) SVM objective have equal weak weights",
                       "Tsipras et al. 2019, App. D, Lemma D.1; docs/theory.md §2.2")
    lam = sp.Symbol("lambda", positive=True)
    eps_r = sp.Symbol("epsilon", nonnegative=True)
    cert.set_region({lam: sp.Interval.open(0, sp.oo), eps_r: sp.Interval(0, sp.oo)},
                    note="every p in [0, 1], eta >= 0, d >= 1 (the argument uses the law of the data only through "
                         "the swap symmetry of the weak features); standard training (eps = 0) and adversarial "
                         "training with l_inf or l_2 balls, x1 perturbable or not; hinge loss (objective (5)) and "
                         "logistic loss")
    cert.set_scope("every global minimiser of the (adversarial) SVM objective has equal weak weights; the "
                   "reduction w = (w1, v/sqrt(d) 1)", "sympy identities and inequalities; the triangle inequality "
                   "of the dual norm is asserted (a defining property of a norm)")

    # (i) invariance ------------------------------------------------------------------
    s = L.symbols()
    law = L.margin_law()
    cert.identity("law.mean", "given y, y u^T z ~ N(eta S, Q^2): mean (from the MGF, robtheory.symbolic.linear)",
                  law.results["mean"], s["eta"] * s["S"])
    cert.identity("law.variance", "... and variance Q^2", law.results["variance"], s["Q"] ** 2)
    a, Q, U1 = s["a"], s["Q"], s["U1"]
    for norm in ("linf", "l2"):
        for px1 in (True, False):
            nrm = L.dual_norm(norm, px1)
            cert.fact(f"norm.{norm}.{'full' if px1 else 'weak'}",
                      f"the dual norm that prices the {norm} adversary depends on w only through (a, Q, U1)",
                      bool(nrm.free_symbols <= {a, Q, U1}), dual_norm=nrm)
    ui, uj, rS, rQ2, rU = sp.symbols("u_i u_j r_S r_Q2 r_U", real=True)
    stats = (ui + uj + rS, ui**2 + uj**2 + rQ2, sp.Abs(ui) + sp.Abs(uj) + rU)
    for name, expr in zip(("S", "Q2", "U1"), stats):
        cert.identity(f"swap.{name}", f"swapping u_i and u_j leaves {name} unchanged (r_* = the other coordinates)",
                      expr.subs({ui: uj, uj: ui}, simultaneous=True), expr)
    cert.deduce("swap.J", "hence J(sigma w) = J(w) for the swap sigma of two weak coordinates: the loss depends on "
                "w through (a, S, Q, U1) and the regulariser through a^2 + Q^2",
                ["law.mean", "law.variance", "swap.S", "swap.Q2", "swap.U1", "norm.linf.full", "norm.linf.weak",
                 "norm.l2.full", "norm.l2.weak"])

    # (ii) convexity of the loss part ---------------------------------------------------
    t = sp.Symbol("t", real=True)
    logistic = sp.log(1 + sp.exp(-t))
    cert.inequality("logistic.convex", "the logistic loss is convex: l''(t) = e^t/(1+e^t)^2 > 0",
                    sp.diff(logistic, t, 2), {t: sp.Reals}, strict=True)
    cert.inequality("logistic.decreasing", "... and non-increasing: -l'(t) = 1/(1+e^t) > 0",
                    -sp.diff(logistic, t), {t: sp.Reals}, strict=True)
    # the hinge max(0, 1 - t): slope -1 for t < 1, 0 for t > 1 (sympy differentiates both pieces)
    hinge = sp.Max(0, 1 - t)
    below, above = sp.Symbol("b", positive=True), sp.Symbol("a", positive=True)
    slope_below = sp.diff(hinge.subs(t, 1 - below), below) * -1  # d/dt at t = 1 - b < 1
    slope_above = sp.diff(hinge.subs(t, 1 + above), above)       # d/dt at t = 1 + a > 1
    cert.inequality("hinge.decreasing.below", "hinge max(0, 1 - t): the slope below the kink (t = 1 - b < 1) is <= 0",
                    -slope_below, {below: sp.Interval.open(0, sp.oo)})
    cert.inequality("hinge.decreasing.above", "... and so is the slope above it (t = 1 + a > 1)",
                    -slope_above, {above: sp.Interval.open(0, sp.oo)})
    cert.inequality("hinge.convex", "... and increase across the kink t = 1 (slope above minus slope below "
                    ">= 0): a piecewise-linear function with increasing slopes is convex",
                    slope_above - slope_below, {below: sp.Interval.open(0, sp.oo), above: sp.Interval.open(0, sp.oo)})
    cert.asserted("norm.triangle", "the dual norm ||.||_* (l_1 or l_2 on all coordinates or on the weak ones) "
                  "satisfies ||(w + w')/2||_* <= (||w||_* + ||w'||_*)/2",
                  "the triangle inequality and absolute homogeneity are defining properties of a norm; "
                  "l_1 and l_2 are norms by definition, not a claim of this lemma")
    tgap = sp.Symbol("t_N", nonnegative=True)  # (||w|| + ||w'||)/2 - ||(w + w')/2|| >= 0 (norm.triangle)
    cert.inequality("margin.concave", "the robust margin y w^T x - eps ||w||_* is concave in w: its midpoint "
                    "value minus the mean of the end values is eps [(||w|| + ||w'||)/2 - ||(w + w')/2||] = "
                    "eps t_N >= 0 for eps >= 0 (the linear part cancels; t_N >= 0 is norm.triangle)",
                    eps_r * tgap, {eps_r: sp.Interval(0, sp.oo)})
    cert.deduce("loss.convex", "w -> E l(y w^T x - eps ||w||_*) is convex for l convex and non-increasing "
                "(hinge.*, logistic.*): a convex non-increasing function of a concave one (margin.concave) is "
                "convex, and expectation preserves convexity",
                ["hinge.decreasing.below", "hinge.decreasing.above", "hinge.convex", "logistic.convex", "logistic.decreasing", "norm.triangle",
                 "margin.concave"], domain={eps_r: sp.Interval(0, sp.oo)})

    # (iii) strict decrease ---------------------------------------------------------------
    x_, y_ = sp.symbols("x y", real=True)
    cert.identity("parallelogram", "(1/2)x^2 + (1/2)y^2 - ((x+y)/2)^2 = (x-y)^2/4 (per coordinate)",
                  sp.Rational(1, 2) * x_**2 + sp.Rational(1, 2) * y_**2 - ((x_ + y_) / 2) ** 2, (x_ - y_) ** 2 / 4)
    wi, wj = sp.symbols("w_i w_j", real=True)
    # ||w||^2 - ||(w + sigma w)/2||^2 on the two coordinates that differ
    drop = (wi**2 + wj**2) - (((wi + wj) / 2) ** 2 * 2)
    cert.identity("regulariser.drop", "||w||^2 - ||(w + sigma w)/2||^2 = (w_i - w_j)^2 / 2", drop, (wi - wj) ** 2 / 2)
    cert.deduce("jensen", "J((w + sigma w)/2) <= [L(w) + L(sigma w)]/2 + (lam/2)||(w + sigma w)/2||^2 "
                "= J(w) - (lam/4)(w_i - w_j)^2 (loss.convex, swap.J, regulariser.drop, parallelogram)",
                ["loss.convex", "swap.J", "regulariser.drop", "parallelogram"], domain={eps_r: sp.Interval(0, sp.oo)})
    gap = sp.Symbol("g", real=True)  # w_i - w_j
    cert.inequality("strict.pos", "(lam/4) (w_i - w_j)^2 > 0 for lam > 0 and w_i - w_j > 0",
                    lam * gap**2 / 4, {lam: sp.Interval.open(0, sp.oo), gap: sp.Interval.open(0, sp.oo)}, strict=True)
    cert.inequality("strict.neg", "... and for w_i - w_j < 0",
                    lam * gap**2 / 4, {lam: sp.Interval.open(0, sp.oo), gap: sp.Interval.open(-sp.oo, 0)}, strict=True)
    cert.conclude("LEMMA", "a global minimiser with w_i != w_j would be strictly improved by (w + sigma w)/2; so every "
                  "global minimiser has equal weak weights", ["jensen", "strict.pos", "strict.neg"])

    # the reduction used everywhere else ----------------------------------------------------
    c = sp.Symbol("c", real=True)
    d = s["d"]
    cert.identity("reduction.norm", "with equal weights c and v = c sqrt(d): ||u||^2 = d c^2 = v^2",
                  d * c**2, (c * sp.sqrt(d)) ** 2)
    cert.identity("reduction.sum", "and eta S = eta d c = mu v with mu = eta sqrt(d)",
                  s["eta"] * d * c, (s["eta"] * sp.sqrt(d)) * (c * sp.sqrt(d)))
    return cert


def main(argv=None) -> int:
    return run_main(build, "Certify Lemma D.1.", CERT_DIR, argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
