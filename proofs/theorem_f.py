r"""Machine-checked Neyman--Pearson step of Theorem F (``docs/theory.md`` §3.7).

Statement. Fix the l_inf ball of radius :math:`\varepsilon = 2\eta < 1` (x1 perturbable or not)
and :math:`\tfrac12 < p < 1`. Over all measurable classifiers the Pareto frontier of
(standard accuracy, robust accuracy) is

.. math::

    \{(\mathrm{Std}(\tau), \mathrm{Rob}(\tau)) : \tau \in [L/(2\mu), \infty]\},\qquad
    \mathrm{Std} = p\Phi(\mu+\tau) + (1-p)\Phi(\mu-\tau),\quad
    \mathrm{Rob} = p\Phi(\tau-\mu) + (1-p)\Phi(-\tau-\mu),

traced by :math:`\tilde f_\tau = \operatorname{sign}(\tau\operatorname{sign}(x_1) + s(x))`, from the
Bayes point to (p, p).

The certificate checks, with sympy, the argument of docs/theory.md §3.7:

* F.1-F.2: the shift of Theorem 2.1 maps the law of ``s`` given ``y`` to that of ``-y``, and the
  likelihood ratio of ``s`` (and of the full weak vector, coordinate by coordinate) is
  :math:`e^{2\mu s}`;
* F.3-F.6: for :math:`\lambda\in(p, 1)` the integrand of
  :math:`\lambda\mathrm{Std} + (1-\lambda)\mathrm{acc_{shift}}` is
  :math:`\frac{g_-}{2}(\alpha_{x_1}e^{2\mu s} + \beta_{x_1})` with :math:`\alpha > 0 > \beta`, so the
  pointwise maximiser accepts the half-line :math:`s > \mp\tau(\lambda)` (Neyman--Pearson): it is
  :math:`f_\tau`, and :math:`\tau(\lambda)` is theory's formula;
* F.7-F.8: :math:`\tau(\lambda)` decreases from :math:`\infty` (:math:`\lambda \to p`) to the Bayes
  ratio :math:`L/(2\mu)` (:math:`\lambda \to 1`); for :math:`\lambda\in[1-p, p]` the maximiser is
  :math:`\operatorname{sign}(x_1)`;
* F.9-F.10: :math:`f_\tau`'s accuracies are theory's Std and Rob, and the rounded rule attains
  :math:`\mathrm{acc}_\varepsilon = \mathrm{acc_{shift}}` (x1 cannot change sign; the weak-only
  worst case at :math:`2\eta` is the shift);
* F.11: p = 1/2, where every rule ties;
* THM: the chain (with Theorem 2.1's :math:`\mathrm{acc}_\varepsilon \le \mathrm{acc_{shift}}` and
  :math:`\mathrm{acc}_\varepsilon \le p`, certified in ``theorem_2_1.json`` and re-checked here, T21);
* CONV: the converse -- every rule is weakly dominated by a point of the curve: each curve point
  carries a supporting line :math:`\lambda a + (1-\lambda) r \le \lambda\mathrm{Std} + (1-\lambda)\mathrm{Rob}`
  of the set of all (acc, acc_eps) (the Neyman--Pearson step holds for every measurable rule, F.2c),
  Std is continuous from the Bayes accuracy down to p, and :math:`\tau(\lambda)` is a bijection onto
  :math:`(L/(2\mu), \infty)`; a rule with acc = a is then below the curve point with Std = a.

Run ``python -m robtheory.proofs.theorem_f [--out DIR]`` to regenerate.
"""

from __future__ import annotations

import sys
from pathlib import Path

import sympy as sp
from sympy.stats import Normal, density

from ._certificate import Certificate, run_main

__all__ = ["build", "main"]

NAME = "theorem_f"
CERT_DIR = Path(__file__).resolve().parent / "certificates"
HALF = sp.Rational(1, 2)


def domains():
    """``(p, lam)`` domains: the frontier regime and the sign(x1) regime (symbols of the derivation)."""
    from robtheory.symbolic.frontier import frontier_symbols

    f = frontier_symbols()
    p, lam = f["p"], f["lam"]
    return {
        "frontier": {p: sp.Interval.open(HALF, 1), lam: sp.Interval.open(p, 1)},
        "frontier_closed_p": {p: sp.Interval.Ropen(HALF, 1), lam: sp.Interval.open(p, 1)},
        "sign_x1": {p: sp.Interval.Ropen(HALF, 1), lam: sp.Interval(1 - p, p)},
    }


def build() -> Certificate:
    from robtheory.symbolic import named as N
    from robtheory.symbolic.frontier import frontier_symbols, neyman_pearson, rule_accuracies

    cert = Certificate(
        NAME,
        "Theorem F (exact frontier, l_inf eps = 2 eta < 1): for p in (1/2, 1) and lambda in (p, 1) the "
        "maximiser of lambda*Std + (1-lambda)*acc_shift over all rules is f_tau, tau(lambda) = "
        "ln[(lambda+p-1)/(lambda-p)]/(2 mu); the rounded f_tau attains acc_eps = acc_shift, so every point "
        "(Std(tau), Rob(tau)), tau in [L/(2 mu), oo], is Pareto-optimal, and every rule is weakly dominated "
        "by one of them (the converse)",
        "docs/theory.md §3.7 (Theorem F, derived there, not in the paper); Tsipras et al. 2019, "
        "Sec. 2.1 and App. C for the shift adversary",
    )
    f = frontier_symbols()
    p, mu, lam, Lam, s, tau = (f[k] for k in ("p", "mu", "lam", "Lam", "s", "tau"))
    dom = domains()
    cert.set_region({p: sp.Interval.open(HALF, 1), mu: sp.Interval.open(0, sp.oo)},
                    note="l_inf ball of radius eps = 2 eta < 1, x1 perturbable or not; mu = eta sqrt(d) > 0; "
                         "p = 1/2 separately (F.11); all measurable rules f(x1, z)")
    cert.set_scope("the Pareto frontier of (acc, acc_eps) over all measurable rules is the curve (Std(tau), "
                   "Rob(tau)), tau in [L/(2 mu), oo]: every curve point is Pareto-optimal (THM) and every rule is "
                   "weakly dominated by a curve point (CONVERSE)",
                   "sympy identities, inequalities (case split of the domain), sympy.stats densities and limits; "
                   "Theorem 2.1's C.1c and K.6 by rebuilding that certificate; continuity, the intermediate value "
                   "theorem and the limits lambda -> 1 are the deductions' stated reasoning")
    NP = neyman_pearson()
    R = NP.results

    # --------------------------------------------------------------- F.1-F.2
    g = {y: density(Normal(f"G{'p' if y == 1 else 'm'}", y * mu, 1))(s) for y in (1, -1)}
    law = []
    for y in (1, -1):
        law.append(cert.identity(
            f"F.1{'a' if y == 1 else 'b'}",
            f"the shift moves s by -2 mu y: the density of s - 2 mu y for s ~ N(y mu, 1), y = {y:+d}, "
            f"is that of N(-y mu, 1)",
            density(Normal("X", y * mu, 1) - 2 * mu * y)(s), g[-y]))
    law.append(cert.fact("F.1c", "the derivation finds the same shifted laws", bool(R["shifted_law"])))
    ratio = [cert.identity("F.2a", "likelihood ratio of s: g_+(s)/g_-(s) = exp(2 mu s)", g[1] / g[-1],
                           sp.exp(2 * mu * s)),
             cert.identity("F.2b", "the derivation's ratio is exp(2 mu s)", R["ratio"], sp.exp(2 * mu * s))]
    eta, z = sp.Symbol("eta", positive=True), sp.Symbol("z", real=True)
    ratio.append(cert.identity(
        "F.2c",
        "one weak coordinate: N(eta, 1)(z)/N(-eta, 1)(z) = exp(2 eta z); the coordinates are independent, so "
        "the ratio of the full weak vector is exp(2 eta sum z_i) = exp(2 mu s): a rule of (x1, z) sees the "
        "labels only through (x1, s), and every step below holds for all measurable f(x1, z)",
        density(Normal("Zp", eta, 1))(z) / density(Normal("Zm", -eta, 1))(z), sp.exp(2 * eta * z)))

    # --------------------------------------------------------------- F.3-F.6
    step3 = []
    for x1 in (1, -1):
        tag = "+" if x1 == 1 else "-"
        step3.append(cert.identity(
            f"F.3{tag}",
            f"x1 = {x1:+d}: the integrand a - b of lambda*Std + (1-lambda)*acc_shift (a: a correct +1, weights "
            f"lambda on the clean law g_+ and 1-lambda on the shifted law g_-; b: a correct -1) equals "
            f"g_-(s)/2 * (alpha e^(2 mu s) + beta) with alpha = {R['alpha'][x1]}, beta = {R['beta'][x1]}",
            R["integrand"][x1], g[-1] / 2 * (R["alpha"][x1] * sp.exp(2 * mu * s) + R["beta"][x1])))
        step3.append(cert.inequality(f"F.4{tag}a", f"x1 = {x1:+d}: alpha > 0 for p in (1/2, 1), lambda in (p, 1)",
                                     R["alpha"][x1], dom["frontier"], strict=True))
        step3.append(cert.inequality(f"F.4{tag}b", f"x1 = {x1:+d}: beta < 0 for p in (1/2, 1), lambda in (p, 1)",
                                     -R["beta"][x1], dom["frontier"], strict=True))
        thr = R["threshold"][x1]
        step3.append(cert.identity(
            f"F.5{tag}a", f"x1 = {x1:+d}: alpha e^(2 mu t) + beta vanishes at t = {thr} (solved in r = e^(2 mu t))",
            R["alpha"][x1] * sp.exp(2 * mu * thr) + R["beta"][x1], 0))
        step3.append(cert.inequality(
            f"F.5{tag}b",
            f"x1 = {x1:+d}: d/ds (alpha e^(2 mu s) + beta) = 2 mu alpha e^(2 mu s) > 0, so the integrand is "
            f"positive exactly on s > threshold: the maximiser accepts a half-line (Neyman-Pearson)",
            sp.diff(R["alpha"][x1] * sp.exp(2 * mu * s) + R["beta"][x1], s),
            {**dom["frontier"], s: sp.Reals}, strict=True))
    step3.append(cert.identity(
        "F.6a", "the thresholds are -tau at x1 = +1 and +tau at x1 = -1 (compared through exp(2 mu .)): the "
        "maximiser is f_tau = sign(tau x1 + s)",
        sp.exp(2 * mu * R["threshold"][-1]), sp.exp(-2 * mu * R["threshold"][1])))
    spec_at_lam = R["tau_spec"].subs(Lam, lam / (1 - lam))
    step3.append(cert.identity(
        "F.6b", "tau(lambda) = ln[(lambda+p-1)/(lambda-p)]/(2 mu) is theory's "
        "ln[(Lambda p - (1-p))/(Lambda (1-p) - p)]/(2 mu) at Lambda = lambda/(1-lambda) (theory §3.7 weighs "
        "acc_shift + Lambda Std); compared through exp(2 mu .), injective",
        sp.exp(2 * mu * R["tau"]), sp.exp(2 * mu * spec_at_lam)))

    # --------------------------------------------------------------- F.7-F.8
    ends = [
        cert.inequality("F.7a", "tau decreases in lambda: -d tau/d lambda > 0 for p in (1/2, 1), lambda in (p, 1)",
                        -sp.diff(R["tau"], lam), dom["frontier"], strict=True),
        cert.fact("F.7b", "lambda -> 1-: tau -> L/(2 mu), L = ln(p/(1-p)) > 0 (sympy limit)",
                  bool(sp.simplify(R["tau_at_lam_1"] - R["L"] / (2 * mu)) == 0),
                  limit=R["tau_at_lam_1"], expected=R["L"] / (2 * mu)),
        cert.fact("F.7c", "lambda -> p+: tau -> oo (sympy limit)", bool(R["tau_at_lam_p"] == sp.oo),
                  limit=R["tau_at_lam_p"]),
    ]
    SO = N.standard_optimal()
    ns = N.named_symbols()
    ends.append(cert.fact(
        "F.7d", "the end tau = L/(2 mu) is the standard-optimal (Bayes) ratio of symbolic.named.standard_optimal: "
        "the frontier starts at the Bayes point", bool(SO.results["is_bayes_ratio"]), roots=str(SO.results["roots"])))
    for x1, tag, sign in ((1, "+", 1), (-1, "-", -1)):
        for coef in ("alpha", "beta"):
            ends.append(cert.inequality(
                f"F.8{tag}{coef[0]}",
                f"lambda in [1-p, p]: {coef} at x1 = {x1:+d} is {'>= 0' if sign > 0 else '<= 0'}, so the integrand "
                f"has the sign {'+' if sign > 0 else '-'} for every s: f(x1 = {x1:+d}) = {x1:+d}, i.e. sign(x1), "
                f"the point (p, p)", sign * R[coef][x1], dom["sign_x1"]))

    # --------------------------------------------------------------- F.9-F.10
    A = rule_accuracies().results
    _rule_accuracies = [  # each cert.* call records its step
        cert.identity("F.9a", "Std(f_tau) from the four (y, x1) cases (sympy.stats) is p Phi(mu+tau) + (1-p) Phi(mu-tau)",
                      A["std"], A["std_spec"]),
        cert.identity("F.9b", "acc_shift(f_tau) from the four cases is p Phi(tau-mu) + (1-p) Phi(-tau-mu)",
                      A["rob"], A["rob_spec"]),
        cert.identity("F.9c", "Std(tau) and Rob(tau) tend to p as tau -> oo: the frontier ends at (p, p)",
                      sp.limit(A["std_spec"], tau, sp.oo) - sp.limit(A["rob_spec"], tau, sp.oo), 0),
        cert.identity("F.9d", "lim Rob(tau) = p", sp.limit(A["rob_spec"], tau, sp.oo), p),
    ]
    RR = N.rounded_rule_robust_accuracy()
    _attainment = [
        cert.identity("F.10a", "x1 = +-1, |delta_1| <= eps: min x1 (x1 + delta_1) = 1 - eps (symbolic.named)",
                      RR.results["x1_margin"], 1 - ns["eps"]),
        cert.inequality("F.10b", "1 - eps > 0 for eps in [0, 1): the rounded rule never sees sign(x1) change",
                        1 - ns["eps"], {ns["eps"]: sp.Interval.Ropen(0, 1)}, strict=True),
        cert.identity("F.10c", "so its acc_eps is the weak-only l_inf robust accuracy of sign(tau x1 + s) at "
                      "eps = 2 eta (the linear derivation: margin lowered by 2 eta U1 = 2 mu), which is Rob(tau) = "
                      "acc_shift(f_tau)", A["rob_linf_weak"], A["rob_spec"]),
    ]

    # --------------------------------------------------------------- F.11 (p = 1/2)
    _half_case = [cert.identity(f"F.11{'+' if x1 == 1 else '-'}",
                               f"p = 1/2, lambda = 1/2: the integrand at x1 = {x1:+d} vanishes for every s, so every "
                               f"rule has Std + acc_shift = 1 (Theorem 2.1 E.2): the frontier is the segment from "
                               f"(Phi(mu), Phi(-mu)) to (1/2, 1/2), traced by f_tau, tau in [0, oo]",
                               R["integrand"][x1].subs({p: HALF, lam: HALF}), 0) for x1 in (1, -1)]

    # the two premises certified in theorem_2_1.json, re-checked here by building that certificate
    # (once per run that builds both: _certificate.shared_builds)
    from ._certificate import build_of

    t21 = {st.step: st.verdict for st in build_of("theorem_2_1").steps}
    cert.fact("T21", "theorem_2_1 (rebuilt now): C.1c acc_eps <= acc_shift for every rule (eps >= 2 eta) and K.6 "
              "acc_eps <= p for every rule both pass", bool(t21.get("C.1c") and t21.get("K.6")),
              premises={"C.1c": bool(t21.get("C.1c")), "K.6": bool(t21.get("K.6"))})

    frontier = dom["frontier"]
    pq = {p: sp.Interval.open(HALF, 1)}
    cert.deduce(
        "THM",
        "Theorem F: for p in (1/2, 1) and lambda in (p, 1), f_tau(lambda) maximises lambda Std + (1-lambda) acc_shift "
        "over all measurable rules (F.1-F.6); acc_eps <= acc_shift for every rule (Theorem 2.1, C.1c) and the rounded "
        "f_tau attains acc_eps = acc_shift (F.10), so no rule has (acc, acc_eps) >= (Std(tau), Rob(tau)) with one "
        "inequality strict: every point with tau in (L/(2 mu), oo) is Pareto-optimal, tau(lambda) sweeping that "
        "interval (F.7); the ends are the Bayes point and (p, p) = sign(x1) (F.7d, F.8, F.9c); acc_eps <= p "
        "(Theorem 2.1 corollary K.6) makes every point with acc < p dominated by (p, p)",
        ["F.1a", "F.1b", "F.1c", "F.2a", "F.2b", "F.2c", "F.3+", "F.3-", "F.4+a", "F.4+b", "F.4-a", "F.4-b", "F.5+a",
         "F.5+b", "F.5-a", "F.5-b", "F.6a", "F.6b", "F.7a", "F.7b", "F.7c", "F.7d", "F.8+a", "F.8+b",
         "F.8-a", "F.8-b", "F.9a", "F.9b", "F.9c", "F.9d", "F.10a", "F.10b", "F.10c", "F.11+", "F.11-", "T21"],
        domain=pq)

    # --------------------------------------------------------------- the converse
    # Every rule f, with (a, r) = (acc(f), acc_eps(f)), is weakly dominated by a point of the curve.
    Std, Rob = A["std_spec"], A["rob_spec"]
    from robtheory.symbolic.core import Phi, phi

    cert.identity("CONV.1a", "Std is differentiable in tau, Std'(tau) = p phi(mu + tau) - (1-p) phi(mu - tau): "
                  "continuous on [L/(2 mu), oo)", sp.diff(Std, tau), p * phi(mu + tau) - (1 - p) * phi(mu - tau))
    cert.identity("CONV.1b", "Rob is differentiable in tau, Rob'(tau) = p phi(tau - mu) - (1-p) phi(tau + mu): "
                  "continuous", sp.diff(Rob, tau), p * phi(tau - mu) - (1 - p) * phi(tau + mu))
    L_ = R["L"]
    bayes = p * Phi(mu + L_ / (2 * mu)) + (1 - p) * Phi(mu - L_ / (2 * mu))
    cert.identity("CONV.2", "Std(L/(2 mu)) = p Phi(mu + L/(2 mu)) + (1-p) Phi(mu - L/(2 mu)) = A_B, the Bayes "
                  "accuracy: the curve starts at the Bayes point", Std.subs(tau, L_ / (2 * mu)), bayes)
    dtau = sp.diff(R["tau"], lam)
    cert.inequality("CONV.3", "tau(lambda) is continuous and strictly decreasing on (p, 1) (its derivative exists "
                    "and -d tau/d lambda > 0): with F.7b, F.7c it maps (p, 1) onto (L/(2 mu), oo), so every tau0 in "
                    "that interval is tau(lambda0) for one lambda0", -dtau, frontier, strict=True)
    cert.deduce("CONV.support", "for every rule f and every lambda in (p, 1): lambda a + (1-lambda) r <= lambda a + "
                "(1-lambda) acc_shift(f) (C.1c, 1 - lambda > 0) <= lambda Std(tau(lambda)) + (1-lambda) Rob(tau(lambda)) "
                "(f_tau maximises over all measurable rules: F.1-F.6, F.9a-b): each point of the curve carries a "
                "supporting line of the set of all (a, r)",
                ["T21", "F.2c", "F.3+", "F.3-", "F.4+a", "F.4+b", "F.4-a", "F.4-b", "F.5+a", "F.5+b", "F.5-a",
                 "F.5-b", "F.6a", "F.6b", "F.9a", "F.9b"], domain=frontier)
    cert.deduce("CONV.bayes", "a <= A_B for every rule: from CONV.support, a <= Std(tau) + (1-lambda)/lambda "
                "(Rob(tau) - r) <= Std(tau(lambda)) + (1-lambda)/lambda, and lambda -> 1 gives tau -> L/(2 mu) "
                "(F.7b), Std(tau) -> A_B (CONV.1a continuity, CONV.2)", ["CONV.support", "F.7b", "CONV.1a", "CONV.2"],
                domain=pq)
    cert.conclude(
        "CONVERSE",
        "converse (no Pareto point off the curve): every rule f is weakly dominated by a point of the curve. "
        "If a <= p: r <= p (K.6, in T21), so (p, p), the end tau = oo (F.9c, F.9d), dominates. If p < a <= A_B "
        "(CONV.bayes: a > A_B is impossible): Std is continuous (CONV.1a) with Std(L/(2 mu)) = A_B (CONV.2) and "
        "Std -> p as tau -> oo (F.9c, F.9d), so Std(tau0) = a for some tau0 in [L/(2 mu), oo) (intermediate "
        "values); if tau0 > L/(2 mu), tau0 = tau(lambda0) (CONV.3) and CONV.support at lambda0 gives "
        "(1-lambda0) r <= (1-lambda0) Rob(tau0), i.e. r <= Rob(tau0); if tau0 = L/(2 mu) (a = A_B), CONV.support "
        "gives r <= Rob(tau(lambda)) + lambda/(1-lambda) (Std(tau(lambda)) - A_B) <= Rob(tau(lambda)) for every "
        "lambda, and lambda -> 1 gives r <= Rob(L/(2 mu)) (CONV.1b continuity, F.7b). Either way (Std(tau0), "
        "Rob(tau0)) >= (a, r). With THM the Pareto frontier over all measurable rules is exactly the curve",
        ["THM", "T21", "CONV.support", "CONV.bayes", "CONV.1a", "CONV.1b", "CONV.2", "CONV.3", "F.7b", "F.7c",
         "F.9c", "F.9d"],
        free={"mu": "every step holds for the symbol mu declared positive (sympy assumptions), no narrower domain"})
    return cert


def main(argv=None) -> int:
    return run_main(build, "Certify the Neyman-Pearson step of Theorem F.", CERT_DIR, argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
