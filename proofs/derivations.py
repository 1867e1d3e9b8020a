r"""Certificate for the symbolic derivations of ``robtheory.symbolic`` (issue: core, item 3).

Each derivation is re-run and its result compared by sympy with the closed form stated in
docs/theory.md (§2.0, §3.1-§3.5, §3.8): the law of the margin, the worst-case
perturbations, the accuracy of any linear classifier and its complement, the ramp
expectation behind the hinge loss, the Bayes rule, the averaging and robust classifiers,
the standard-optimal and robust-optimal linear classifiers and :math:`A^*_{rob}`.

Run ``python -m robtheory.proofs.derivations [--out DIR]`` to regenerate.
"""

from __future__ import annotations

import sys
from pathlib import Path

import sympy as sp

from . import _interval as I
from ._certificate import Certificate, run_main

NAME = "derivations"
CERT_DIR = Path(__file__).resolve().parent / "certificates"


def build() -> Certificate:
    from robtheory.symbolic import linear as L
    from robtheory.symbolic import named as N
    from robtheory.symbolic.core import Phi, phi

    cert = Certificate(NAME, "Symbolic derivations of the closed forms",
                       "docs/theory.md §2.0, §3.1-§3.5, §3.8")
    cert.set_scope("the closed forms each re-derived and compared: margin law, worst-case shifts, linear accuracies, "
                   "ramp, Bayes rule, averaging classifier (with claims (a) and (b): > 0.99 and < 0.01 for mu >= 3), "
                   "sign(x1), standard- and robust-optimal linear rules; A*_rob = Bayes accuracy of D(p, eta - eps, d) "
                   "for eps < min(eta, 1) (upper bound and attainment)",
                   "sympy derivations compared by sympy (identities, solve results); Phi(+-3) by python-flint arb",
                   "A*_rob for eta <= eps < 1 and for eps >= 1 (checked numerically by the optimal_robust claim)")
    s = L.symbols()
    ns = N.named_symbols()

    law = L.margin_law()
    cert.identity("margin.mean", "E[y u^T z | y] derived from the MGF equals eta*S",
                  law.results["mean"], s["eta"] * s["S"])
    cert.identity("margin.variance", "Var[y u^T z | y] derived from the MGF equals Q^2",
                  law.results["variance"], s["Q"] ** 2)

    ws = L.worst_case_shift()
    wi = sp.Symbol("w_i", real=True)
    C = sp.Symbol("C", positive=True)
    cert.identity("shift.linf", "min over |delta_i| <= eps of y w_i delta_i is -eps|w_i|",
                  ws.results["linf_coordinate"], -s["eps"] * sp.Abs(wi))
    cert.identity("shift.l2", "min over ||delta||_2 <= eps of c^T delta is -eps ||c||_2 (C = ||c||^2)",
                  ws.results["l2"], -s["eps"] * sp.sqrt(C))

    pos = L.positive_probability()
    cert.identity("gaussian.positive", "P(N(m, q^2) > 0) from sympy.stats equals Phi(m/q)",
                  pos.steps[0][1].rewrite(sp.erf), Phi(s["m"] / s["q"]).rewrite(sp.erf))

    for name, norm, px1 in (("standard", None, True), ("linf_full", "linf", True), ("linf_weak", "linf", False),
                            ("l2_full", "l2", True), ("l2_weak", "l2", False)):
        D = L.linear_accuracy(norm, px1)
        cert.fact(f"accuracy.{name}.complement",
                  f"accuracy + error rate = 1 for Q > 0 ({name})",
                  bool(D.results["complement_check"] == 0),
                  accuracy=str(D.results["accuracy"]))

    ramp = L.ramp_expectation()
    cert.identity("ramp", "E max(0, m + qG) by integration equals m Phi(m/q) + q phi(m/q)",
                  ramp.steps[0][1].rewrite(sp.erf),
                  (s["m"] * Phi(s["m"] / s["q"]) + s["q"] * phi(s["m"] / s["q"])).rewrite(sp.erf))
    cert.identity("ramp.dm", "dR/dm = Phi(m/q)", ramp.results["dR_dm"], Phi(s["m"] / s["q"]))

    B = N.bayes()
    cert.identity("bayes.x1_weight", "log-likelihood ratio weight on x1 is L", B.results["a"], ns["L"])
    cert.identity("bayes.weak_weight", "log-likelihood ratio weight on each weak feature is 2 eta",
                  B.results["c"], 2 * ns["eta"])
    cert.fact("bayes.accuracy", "Bayes accuracy equals A_B(p, mu) = p Phi(mu + L/2mu) + (1-p) Phi(mu - L/2mu)",
              bool(B.results["matches_spec"]), accuracy=str(B.results["accuracy"]))

    A = N.averaging()
    for key, target in A.results["spec"].items():
        cert.identity(f"averaging.{key}", f"averaging classifier, {key}", A.results[key], target)
    # Sec. 2.1's thresholds (claims a and b): Phi(mu) > 0.99 and Phi(-mu) < 0.01 for mu = eta sqrt(d) >= 3
    mu_a, x_a = sp.Symbol("mu", positive=True), sp.Symbol("x", real=True)
    eta_a, d_a = ns["eta"], ns["dpos"]
    MU_A = sp.Interval(3, sp.oo)
    cert.inequality("Phi.increasing", "phi(x) > 0, so Phi is increasing", phi(x_a), {x_a: sp.Reals}, strict=True)
    cert.identity("averaging.mu", "Phi(eta sqrt(d)) = Phi(mu): the standard accuracy is a function of mu",
                  A.results["standard"].subs(eta_a, mu_a / sp.sqrt(d_a)), Phi(mu_a))
    cert.identity("averaging.robust_at_2eta", "the l_inf robust accuracy at eps = 2 eta is Phi(-mu)",
                  A.results["robust_linf"].subs(ns["eps"], 2 * eta_a).subs(eta_a, mu_a / sp.sqrt(d_a)), Phi(-mu_a))
    cert.inequality("claim_a.arg", "mu - 3 >= 0 for mu >= 3: Phi(mu) >= Phi(3)", mu_a - 3, {mu_a: MU_A})
    cert.inequality("claim_b.arg", "-3 - (-mu) >= 0 for mu >= 3: Phi(-mu) <= Phi(-3)", -3 + mu_a, {mu_a: MU_A})
    ph3, phm3 = I.Phi(3), I.Phi(-3)
    cert.fact("Phi3", "Phi(3) > 0.99 and Phi(-3) < 0.01 (python-flint arb)",
              bool(ph3 > I.point("99/100") and phm3 < I.point("1/100")),
              Phi3=[I.fmt(I.lo(ph3)), I.fmt(I.hi(ph3))], Phi_minus3=[I.fmt(I.lo(phm3)), I.fmt(I.hi(phm3))])
    cert.deduce("claim_a", "claim (a): the averaging classifier has standard accuracy Phi(mu) >= Phi(3) > 0.99 for "
                "mu = eta sqrt(d) >= 3", ["averaging.standard", "averaging.mu", "Phi.increasing", "claim_a.arg", "Phi3"],
                domain={mu_a: MU_A})
    cert.deduce("claim_b", "claim (b): its l_inf robust accuracy at eps = 2 eta is Phi(-mu) <= Phi(-3) < 0.01 for "
                "mu >= 3", ["averaging.robust_linf", "averaging.robust_at_2eta", "Phi.increasing", "claim_b.arg",
                            "Phi3"], domain={mu_a: MU_A})

    R = N.robust_x1()
    cert.fact("robust_x1.standard", "sign(x1) has standard accuracy p", bool(R.results["matches_spec"]))
    theta = sp.Heaviside(1 - ns["eps"], 0)
    for key in ("robust_linf", "robust_l2"):
        cert.identity(f"robust_x1.{key}", "sign(x1) robust accuracy is p * 1{eps < 1} (ties are errors)",
                      R.results[key], ns["p"] * theta)

    SO = N.standard_optimal()
    cert.fact("standard_optimal.root", "dStd/dtau = 0 has the single root tau = L/(2 mu), the Bayes ratio",
              bool(SO.results["is_bayes_ratio"]), roots=str(SO.results["roots"]))
    cert.fact("standard_optimal.maximum", "the second derivative at the root is negative",
              bool(SO.results["is_maximum"]), second=str(SO.results["second_derivative"]))

    RO = N.robust_optimal_linf()
    cert.fact("robust_optimal.quadratic",
              "l_inf first-order condition is 2 eps tau^2 - 2 m tau + K = 0, K = ln[p(1-eps)/((1-p)(1+eps))]",
              bool(RO.results["matches_quadratic"]), polynomial=str(RO.results["quadratic"]))
    cert.fact("robust_optimal.stable_root", "K/(m + sqrt(m^2 - 2 K eps)) is the smaller root",
              bool(RO.results["stable_small_root_ok"]), roots=str(RO.results["roots"]))

    OR = N.optimal_robust_accuracy()
    _m = sp.Symbol("mu_eps", positive=True)
    _p = 1 / (1 + sp.exp(-ns["L"]))
    cert.fact("a_star.shift", "the shift by eps*y maps N(eta y, 1) to N((eta - eps) y, 1)",
              bool(OR.results["shift_maps_model"]))
    RR = N.rounded_rule_robust_accuracy()
    cert.identity("a_star.x1_rounding",
                  "min over |delta_1| <= eps of x1 (x1 + delta_1) is 1 - eps (x1 = +-1), positive for eps < 1: "
                  "the rounded rule never sees sign(x1) change",
                  RR.results["x1_margin"], 1 - ns["eps"])
    cert.fact("a_star.x1_sign_kept", "sympy: 1 - eps > 0 for every 0 <= eps < 1",
              bool(RR.results["x1_sign_kept"]))
    cert.identity("a_star.bound_spec",
                  "the upper bound, Bayes accuracy of D(p, eta - eps, d) (derived), is theory's "
                  "A_B(p, mu_eps) = p Phi(mu_eps + L/2mu_eps) + (1-p) Phi(mu_eps - L/2mu_eps)",
                  OR.results["value"],
                  _p * Phi(_m + ns["L"] / (2 * _m)) + (1 - _p) * Phi(_m - ns["L"] / (2 * _m)))
    cert.identity("a_star.attained",
                  "the rounded rule's robust accuracy, derived (x1 rounding, then the weak-only l_inf worst "
                  "case of the linear derivation) at tau = L/(2 mu_eps), equals the bound A_B(p, mu_eps)",
                  OR.results["rounded"], OR.results["value"])
    return cert


def main(argv=None) -> int:
    return run_main(build, "Certify the symbolic derivations.", CERT_DIR, argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
