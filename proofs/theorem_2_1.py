r"""Machine-checked proof of Theorem 2.1 (robustness--accuracy trade-off).

Statement (Tsipras et al., ICLR 2019, Theorem 2.1; App. C of arXiv:1805.12152v5).
Let :math:`\mathcal D` be the model of eq. (3),

.. math::

    y \sim \mathrm{U}\{-1,+1\},\qquad
    x_1 = \begin{cases} +y & \text{w.p. } p\\ -y & \text{w.p. } 1-p\end{cases},\qquad
    x_2,\dots,x_{d+1} \overset{\text{iid}}{\sim} \mathcal N(\eta y, 1),

with :math:`\tfrac12 \le p < 1` and :math:`\eta \ge 0`.  For every measurable
:math:`f:\mathbb R^{d+1}\to\{-1,+1\}` with :math:`\Pr[f(x)=y] \ge 1-\delta` and
every :math:`\varepsilon \ge 2\eta`,

.. math::

    \Pr\bigl[f(x+\delta') = y \ \ \forall \|\delta'\|_\infty \le \varepsilon\bigr]
    \;\le\; \frac{p}{1-p}\,\delta .

The proof follows App. C (steps C.1--C.5); each step below is checked by sympy
and recorded in ``certificates/theorem_2_1.json``.  Beyond the paper it
certifies the exact gap identity, the tightness remark, the :math:`p=\tfrac12`
edge case and the corollary :math:`\mathrm{acc}_\varepsilon \le p` (``docs/theory.md``
§2.1 and §3.9).

Run ``python -m robtheory.proofs.theorem_2_1 [--out DIR]`` to regenerate.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, Sequence

import sympy as sp
from sympy.stats import Normal, P, density

from ._certificate import Certificate

__all__ = ["build", "main", "accuracy_by_cases"]

CERTIFICATE_DIR = Path(__file__).resolve().parent / "certificates"

# --------------------------------------------------------------------------- #
# symbols (assumptions are facts true on the whole domain of the theorem; the
# finer domains, e.g. p in [1/2, 1), are passed to each inequality explicitly)
# --------------------------------------------------------------------------- #
p = sp.Symbol("p", positive=True)
eta = sp.Symbol("eta", nonnegative=True)
eps = sp.Symbol("epsilon", nonnegative=True)
d = sp.Symbol("d", positive=True, integer=True)
y = sp.Symbol("y", real=True)
i = sp.Symbol("i", positive=True, integer=True)
t = sp.Symbol("t", real=True)
mu = sp.Symbol("mu", positive=True)

#: p_ij = Pr_{z ~ G_j}[f(i, z) = +1]; i is the value of x_1, j the law of z.
p_pp = sp.Symbol("p_{++}", nonnegative=True)
p_pm = sp.Symbol("p_{+-}", nonnegative=True)
p_mp = sp.Symbol("p_{-+}", nonnegative=True)
p_mm = sp.Symbol("p_{--}", nonnegative=True)
PIJ = {(1, 1): p_pp, (1, -1): p_pm, (-1, 1): p_mp, (-1, -1): p_mm}

HALF = sp.Rational(1, 2)
P_RANGE = sp.Interval.Ropen(HALF, 1)
UNIT = sp.Interval(0, 1)
LABELS = sp.FiniteSet(-1, 1)
DOM_P = {p: P_RANGE}
DOM_PIJ = {s: UNIT for s in PIJ.values()}


def accuracy_by_cases(
    pij: dict[tuple[int, int], sp.Expr], law: Callable[[int], int], prob: sp.Expr = p
) -> sp.Expr:
    r"""Accuracy of ``f`` from the definition, summed over the cases :math:`(y, x_1)`.

    .. math::

        \Pr[f = y] = \sum_{y=\pm1}\sum_{x_1=\pm1} \Pr(y)\,\Pr(x_1\mid y)\,
        \Pr_{z\sim G_{j(y)}}[f(x_1, z) = y],

    with :math:`\Pr(y)=\tfrac12`, :math:`\Pr(x_1 = y \mid y) = p`, and
    :math:`\Pr_{z\sim G_j}[f(i,z)=y]` equal to :math:`p_{ij}` when
    :math:`y=+1` and :math:`1-p_{ij}` when :math:`y=-1` (f takes values in
    :math:`\{\pm1\}`).

    Parameters
    ----------
    pij : dict
        ``pij[(i, j)]`` is :math:`p_{ij}`, for ``i, j`` in ``{+1, -1}``.
    law : callable
        ``law(y)`` is the index ``j`` of the law :math:`G_j` of ``z`` given
        ``y``: ``y`` for clean inputs, ``-y`` after the shift of C.1 (by C.2).
    prob : sympy expression
        The probability ``p`` that :math:`x_1 = y`.
    """
    total = sp.S.Zero
    for label in (1, -1):
        for x1 in (1, -1):
            weight = HALF * (prob if x1 == label else 1 - prob)
            plus = pij[(x1, law(label))]
            # f is correct on y=+1 when it outputs +1, on y=-1 when it outputs -1
            total += weight * (plus if label == 1 else 1 - plus)
    return total


def _closed_forms() -> dict[str, sp.Expr]:
    """The paper's expressions (C.3, C.4, C.5), typed in to be checked."""
    a = 1 - p_pp + p_mm
    b = 1 - p_mp + p_pm
    return {
        "acc": HALF * (p * (1 + p_pp - p_mm) + (1 - p) * (1 + p_mp - p_pm)),
        "acc_shift": HALF * (p * (1 + p_pm - p_mp) + (1 - p) * (1 + p_mm - p_pp)),
        "a": a,
        "b": b,
        "acc_ab": 1 - HALF * (p * a + (1 - p) * b),
        "acc_shift_ab": HALF * ((1 - p) * a + p * b),
    }


def build() -> Certificate:
    """Check every step of Theorem 2.1 and its remarks; return the certificate."""
    cert = Certificate(
        name="theorem_2_1",
        title=(
            "Theorem 2.1 (robustness-accuracy trade-off): for 1/2 <= p < 1, eta >= 0, "
            "eps >= 2*eta and every classifier f, "
            "acc_eps(f) <= acc_shift(f) <= p/(1-p) * (1 - acc(f))"
        ),
        reference=(
            "Tsipras, Santurkar, Engstrom, Turner, Madry, 'Robustness May Be at Odds with "
            "Accuracy', ICLR 2019 (arXiv:1805.12152v5), Theorem 2.1 and Appendix C; "
            "docs/theory.md sections 2.1 and 3.9"
        ),
    )
    cert.set_region({p: P_RANGE, eta: sp.Interval(0, sp.oo), eps: sp.Interval(2 * eta, sp.oo)},
                    note="every classifier f (the steps are identities in its four conditional rates p_{ij}); "
                         "l_inf ball (l_2 and l_1 generalisations in C.1d-e); p = 1/2 and the corollary K.* included")
    cert.set_scope("Theorem 2.1 for every classifier: acc_eps <= acc_shift <= p/(1-p) (1 - acc); the exact gap "
                   "identity, tightness (sign(x1)), p = 1/2, the corollary acc_eps <= p",
                   "sympy identities and inequalities (case split of the domain) over the four conditional "
                   "rates of an arbitrary classifier; sympy.stats for the Gaussian laws")
    cf = _closed_forms()

    # ------------------------------------------------------------------ C.1
    # The adversary moves every weak feature by -2*eta*y and leaves x_1 alone.
    # The shift has two distinct entries (0 once, -2*eta*y d >= 1 times), so
    # its l_inf norm is the max of their moduli.
    delta_1, delta_rest = sp.S.Zero, -2 * eta * y
    linf = sp.Max(sp.Abs(delta_1), sp.Abs(delta_rest))
    l2 = sp.sqrt(sp.Abs(delta_1) ** 2 + sp.Sum(sp.Abs(delta_rest) ** 2, (i, 1, d)))
    l1 = sp.Abs(delta_1) + sp.Sum(sp.Abs(delta_rest), (i, 1, d))
    dom_y = {y: LABELS}
    c1 = [
        cert.identity("C.1a", "l_inf norm of the shift -2*eta*y*(0,1,...,1) is 2*eta",
                      linf, 2 * eta, dom_y),
        cert.inequality("C.1b", "the shift is admissible for the l_inf adversary: "
                        "eps - ||shift||_inf >= 0 whenever eps >= 2*eta",
                        eps - linf, {y: LABELS, eps: sp.Interval(2 * eta, sp.oo)}),
    ]
    cert.fact(
        "C.1c",
        "acc_eps(f) <= acc_shift(f) := Pr[f(x - 2*eta*y*(0,1,...,1)) = y]: the event "
        "'f(x+delta') = y for every admissible delta'' is contained in the event for the "
        "one admissible shift (C.1b)",
        all(c1),
        uses=["C.1a", "C.1b"],
    )
    cert.identity("C.1d", "generalisation: l_2 norm of the shift is 2*eta*sqrt(d) = 2*mu",
                  l2, 2 * eta * sp.sqrt(d), dom_y)
    cert.inequality("C.1e", "the shift is admissible for l_2 whenever eps >= 2*eta*sqrt(d)",
                    eps - l2, {y: LABELS, eps: sp.Interval(2 * eta * sp.sqrt(d), sp.oo)})
    cert.identity("C.1f", "generalisation: l_1 norm of the shift is 2*eta*d",
                  l1, 2 * eta * d, dom_y)
    cert.inequality("C.1g", "the shift is admissible for l_1 whenever eps >= 2*eta*d",
                    eps - l1, {y: LABELS, eps: sp.Interval(2 * eta * d, sp.oo)})

    # ------------------------------------------------------------------ C.2
    # One coordinate first, with sympy.stats computing the law of X - 2*eta*y.
    x_rv = Normal("X", eta * y, 1)
    target = Normal("W", -eta * y, 1)
    c2 = [
        cert.identity(
            "C.2a",
            "density of X - 2*eta*y for X ~ N(eta*y, 1) equals the density of N(-eta*y, 1), "
            "y = +-1",
            density(x_rv - 2 * eta * y)(t), density(target)(t), dom_y,
        )
    ]
    # All d coordinates: T_y(z) = z - 2*eta*y*1 is a translation, Jacobian I_d,
    # so the pushed-forward density at z is f_{G_y}(z + 2*eta*y*1) / |det J|.
    zvec = sp.MatrixSymbol("z", d, 1)
    jac = (zvec - 2 * eta * y * sp.OneMatrix(d, 1)).diff(zvec)
    det_j = sp.det(jac)
    c2.append(cert.identity("C.2b", "the shift T_y(z) = z - 2*eta*y*1 has Jacobian "
                            "determinant 1 (Jacobian computed as a matrix derivative)",
                            det_j, 1))
    zi = sp.IndexedBase("z")
    phi = density(Normal("N", 0, 1))
    pushed = sp.Product(phi(zi[i] + 2 * eta * y - eta * y), (i, 1, d)) / sp.Abs(det_j)
    g_minus_y = sp.Product(phi(zi[i] - (-eta * y)), (i, 1, d))
    c2.append(cert.identity(
        "C.2c",
        "(T_y)_# G_y = G_{-y}: the density of the shifted vector is the N(-eta*y*1, I_d) "
        "density, y = +-1",
        pushed, g_minus_y, dom_y,
    ))

    # ------------------------------------------------------------------ C.3
    acc_derived = accuracy_by_cases(PIJ, law=lambda label: label)
    c3 = cert.identity(
        "C.3",
        "acc(f), summed over the four (y, x_1) cases with z ~ G_y, equals "
        "1/2[p(1+p_{++}-p_{--}) + (1-p)(1+p_{-+}-p_{+-})]",
        acc_derived, cf["acc"],
    )

    # ------------------------------------------------------------------ C.4
    # After the shift, z | y ~ G_{-y} (C.2) and x_1 is unchanged: same sum,
    # second index of every p_ij flipped.
    shift_derived = accuracy_by_cases(PIJ, law=lambda label: -label)
    c4 = cert.identity(
        "C.4",
        "acc_shift(f), summed over the (y, x_1) cases with z ~ G_{-y} (C.2), equals "
        "1/2[p(1+p_{+-}-p_{-+}) + (1-p)(1+p_{--}-p_{++})]",
        shift_derived, cf["acc_shift"],
    )

    # ------------------------------------------------------------------ C.5
    c5 = [
        cert.inequality("C.5a", "a := 1 - p_{++} + p_{--} >= 0 for p_ij in [0, 1]",
                        cf["a"], {p_pp: UNIT, p_mm: UNIT}),
        cert.inequality("C.5b", "b := 1 - p_{-+} + p_{+-} >= 0 for p_ij in [0, 1]",
                        cf["b"], {p_mp: UNIT, p_pm: UNIT}),
        cert.identity("C.5c", "acc(f) = 1 - 1/2(p*a + (1-p)*b)", cf["acc"], cf["acc_ab"]),
        cert.identity("C.5d", "acc_shift(f) = 1/2((1-p)*a + p*b)",
                      cf["acc_shift"], cf["acc_shift_ab"]),
    ]
    a_sym = sp.Symbol("a", nonnegative=True)
    key = p**2 / (1 - p) - (1 - p)
    c5.append(cert.inequality(
        "C.5e", "key step: (1-p)*a <= p^2/(1-p)*a for a >= 0 and p in [1/2, 1)",
        key * a_sym, {p: P_RANGE, a_sym: sp.Interval(0, sp.oo)},
    ))
    solved = sp.solve_univariate_inequality(
        key >= 0, p, relational=False, domain=sp.Interval.open(0, 1))
    cert.fact("C.5f", "on 0 < p < 1, p^2/(1-p) - (1-p) >= 0 holds exactly for p in [1/2, 1) "
              "(sympy solve_univariate_inequality): the hypothesis p >= 1/2 is where the "
              "key step needs it", solved == P_RANGE, solution=solved, expected=P_RANGE,
              expression=key)
    bound_gap = p / (1 - p) * (1 - cf["acc"]) - cf["acc_shift"]
    c5.append(cert.inequality(
        "C.5g", "acc_shift(f) <= p/(1-p) * (1 - acc(f)) for p in [1/2, 1), p_ij in [0, 1]",
        bound_gap, {**DOM_P, **DOM_PIJ},
    ))
    r = sp.Symbol("r", real=True)  # r := delta - (1 - acc) >= 0 when acc >= 1 - delta
    c5.append(cert.inequality(
        "C.5h", "if acc(f) >= 1 - delta then p/(1-p)*(1-acc) <= p/(1-p)*delta: "
        "the difference is p/(1-p)*r with r = delta - (1 - acc) >= 0",
        p / (1 - p) * r, {p: P_RANGE, r: sp.Interval(0, sp.oo)},
    ))
    theorem = cert.fact(
        "THM",
        "Theorem 2.1: acc_eps(f) <= acc_shift(f) <= p/(1-p)(1-acc(f)) <= p/(1-p)*delta "
        "for eps >= 2*eta (chain of C.1c, C.2a-c, C.3, C.4, C.5a-h)",
        all(c1) and all(c2) and c3 and c4 and all(c5),
        uses=["C.1c", "C.2a", "C.2b", "C.2c", "C.3", "C.4", "C.5a", "C.5b", "C.5c",
              "C.5d", "C.5e", "C.5g", "C.5h"],
    )

    # ----------------------------------------------------- exact gap identity
    gap_rhs = (2 * p - 1) / (2 * (1 - p)) * cf["a"]
    gap = [
        cert.identity("GAP.1", "exact gap: p/(1-p)(1-acc) - acc_shift = "
                      "(2p-1)/(2(1-p)) * (1 - p_{++} + p_{--})", bound_gap, gap_rhs),
        cert.inequality("GAP.2", "the gap is >= 0 for p in [1/2, 1), p_{++}, p_{--} in [0, 1]",
                        gap_rhs, {p: P_RANGE, p_pp: UNIT, p_mm: UNIT}),
    ]
    # The identity and the sign of its factors re-prove C.5g without the
    # 16-case split over the corners of the p_ij box.
    cert.fact("GAP.3", "GAP.1 and GAP.2 give a second, structural proof of C.5g: the gap is "
              "the product of (2p-1)/(2(1-p)) >= 0 and a >= 0",
              all(gap), uses=["GAP.1", "GAP.2"])

    # ---------------------------------------------------------- tightness
    # sign(x_1) ignores z: f(+1, z) = +1 and f(-1, z) = -1 for every z.
    robust = {(1, 1): 1, (1, -1): 1, (-1, 1): 0, (-1, -1): 0}
    at_robust = {PIJ[k]: v for k, v in robust.items()}
    acc_r = accuracy_by_cases(robust, law=lambda label: label)
    shift_r = accuracy_by_cases(robust, law=lambda label: -label)
    tight = [
        cert.identity("T.1a", "sign(x_1) (p_{++}=p_{+-}=1, p_{-+}=p_{--}=0): acc = p",
                      acc_r, p),
        cert.identity("T.1b", "sign(x_1): acc_shift = p", shift_r, p),
        cert.identity("T.1c", "sign(x_1): the bound p/(1-p)(1-acc) equals p",
                      p / (1 - p) * (1 - acc_r), p),
        cert.identity("T.1d", "sign(x_1): the exact gap vanishes",
                      gap_rhs.subs(at_robust), 0),
    ]
    s1 = sp.Symbol("s", real=True)       # the value of x_1
    dlt = sp.Symbol("delta_1", real=True)  # the perturbation of x_1
    tight.append(cert.inequality(
        "T.2",
        "for eps < 1 no admissible delta_1 changes sign(x_1): x_1*(x_1 + delta_1) > 0 "
        "for x_1 = +-1, |delta_1| <= eps < 1, so acc_eps(sign(x_1)) = acc = p",
        s1 * (s1 + dlt), {s1: LABELS, eps: sp.Interval.Ropen(0, 1), dlt: sp.Interval(-eps, eps)},
        strict=True,
    ))
    cert.fact(
        "T.3",
        "the theorem is tight: for 2*eta <= eps < 1 and delta = 1 - p, sign(x_1) has "
        "acc_eps = p = p/(1-p)*delta",
        all(tight), uses=["T.1a", "T.1b", "T.1c", "T.1d", "T.2"],
    )

    # ------------------------------------------------------------ p = 1/2
    acc_h, shift_h = cf["acc"].subs(p, HALF), cf["acc_shift"].subs(p, HALF)
    cert.identity("E.1", "p = 1/2: the factor p/(1-p) equals 1, so the bound reads "
                  "acc_eps <= 1 - acc = delta", (p / (1 - p)).subs(p, HALF), 1)
    cert.identity("E.2", "p = 1/2: acc_shift = 1 - acc for every f (equality in C.5g)",
                  shift_h, 1 - acc_h)
    cert.identity("E.3", "p = 1/2: the exact gap vanishes for every f",
                  gap_rhs.subs(p, HALF), 0)

    # ----------------------------------------------------------- corollary
    # acc_eps <= acc because delta' = 0 is admissible, and acc_eps <= the
    # bound by the theorem; so acc_eps <= min(acc, bound) <= max_t min(t, k(1-t)).
    k = p / (1 - p)
    cor = [
        cert.inequality("K.1", "delta' = 0 is admissible (eps - ||0|| >= 0), hence "
                        "acc_eps(f) <= acc(f)", eps - 0, {eps: sp.Interval(0, sp.oo)}),
        cert.inequality("K.2", "for acc = t in [0, p]: min(t, p/(1-p)(1-t)) <= t <= p",
                        p - t, {p: P_RANGE, t: sp.Interval(0, p)}),
        cert.inequality("K.3", "for acc = t in [p, 1]: min(t, p/(1-p)(1-t)) <= "
                        "p/(1-p)(1-t) <= p", p - k * (1 - t), {p: P_RANGE, t: sp.Interval(p, 1)}),
    ]
    crossing = sp.solve(sp.Eq(t, k * (1 - t)), t)
    cor.append(cert.fact("K.4", "the two branches cross only at acc = p (sympy solve)",
                         crossing == [p], solution=sp.FiniteSet(*crossing), expected=p))
    cor.append(cert.identity("K.5", "the maximum is attained: min(t, p/(1-p)(1-t)) at t = p "
                             "equals p", sp.Min(t, k * (1 - t)).subs(t, p), p))
    cert.fact(
        "K.6",
        "corollary: for eps >= 2*eta, acc_eps(f) <= min(acc(f), p/(1-p)(1-acc(f))) <= p, "
        "and max over acc in [0, 1] of min(acc, p/(1-p)(1-acc)) is p, at acc = p",
        theorem and all(cor), uses=["THM", "K.1", "K.2", "K.3", "K.4", "K.5"],
    )

    # --------------------------------------- guard against a misreading
    # The corollary bounds acc_eps, not acc_shift: acc_shift <= acc is false
    # in general.  f(x) = -sign(s(z)) (s = mean of z times sqrt(d), s|G_j ~
    # N(j*mu, 1)) has p_{i j} = Pr[N(j*mu, 1) < 0] for both i.
    flipped = {}
    for j in (1, -1):
        pr = P(Normal(f"S{'p' if j == 1 else 'm'}", j * mu, 1) < 0)
        flipped[(1, j)] = flipped[(-1, j)] = pr
    acc_f = accuracy_by_cases(flipped, law=lambda label: label)
    shift_f = accuracy_by_cases(flipped, law=lambda label: -label)
    def std_normal_cdf(u: sp.Expr) -> sp.Expr:
        return (1 + sp.erf(u / sp.sqrt(2))) / 2

    cert.identity(
        "R.1a",
        "for f = -sign(s(z)) (p_{i+} = Phi(-mu), p_{i-} = Phi(mu), computed with sympy.stats): "
        "acc_shift - acc = Phi(mu) - Phi(-mu)",
        shift_f - acc_f, std_normal_cdf(mu) - std_normal_cdf(-mu),
    )
    cert.inequality(
        "R.1b",
        "remark: acc_shift <= acc does NOT hold in general (so the corollary must be read "
        "for acc_eps, not acc_shift): for f = -sign(s(z)), acc_shift - acc > 0 "
        "for every p in [1/2, 1) and mu = eta*sqrt(d) > 0",
        shift_f - acc_f, {p: P_RANGE, mu: sp.Interval.open(0, sp.oo)}, strict=True,
    )
    return cert


def main(argv: Sequence[str] | None = None) -> int:
    """Build the certificate, print one verdict line per step, write the JSON.

    Returns 0 if every step passed and 1 otherwise.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=CERTIFICATE_DIR,
                        help="directory for theorem_2_1.json (default: %(default)s)")
    args = parser.parse_args(argv)
    cert = build()
    for step in cert.steps:
        verdict = "PASS" if step.verdict else "FAIL"
        print(f"{verdict}  {step.step:<6} {step.description}")
    path = cert.write(args.out)
    print(f"{'PASSED' if cert.passed else 'FAILED'}: {cert.title} -> {path}")
    return 0 if cert.passed else 1


if __name__ == "__main__":
    sys.exit(main())
