r"""Theorem F (theory §3.7): the Neyman--Pearson step of the exact trade-off frontier, derived.

Rules on :math:`(x_1, s)`, :math:`s = d^{-1/2}\sum_i x_i` (given ``y``, :math:`s \sim \mathcal N(y\mu, 1)`;
after the shift adversary of Theorem 2.1, :math:`x_i \to x_i - 2\eta y`, :math:`s \sim \mathcal N(-y\mu, 1)`).
A rule is its acceptance sets :math:`A_{x_1} = \{s : f(x_1, s) = +1\}`. Its standard accuracy
and its accuracy against the shift are sums over the four cases :math:`(y, x_1)`, so for
:math:`\lambda \in (0, 1)`

.. math::

    \lambda\,\mathrm{Std}(f) + (1-\lambda)\,\mathrm{Rob}(f)
    = \text{const} + \sum_{x_1 = \pm1} \int_{A_{x_1}} \bigl(a_{x_1}(s) - b_{x_1}(s)\bigr)\,ds,

with :math:`a_{x_1}` the weight of a correct ``+1`` (label +1: clean law :math:`g_+`, shifted
law :math:`g_-`) and :math:`b_{x_1}` that of a correct ``-1``. The maximiser takes
:math:`A_{x_1} = \{a_{x_1} > b_{x_1}\}` pointwise (Neyman--Pearson). With the likelihood ratio
:math:`g_+/g_- = e^{2\mu s}`, :math:`(a - b)\cdot 2/g_-` is :math:`\alpha_{x_1} e^{2\mu s} + \beta_{x_1}`,
affine in :math:`r = e^{2\mu s}`; when :math:`\alpha_{x_1} > 0 > \beta_{x_1}` the acceptance set is
the half-line :math:`s > \log(-\beta/\alpha)/(2\mu)`. The two thresholds are :math:`\mp\tau`, i.e.
the rule is :math:`f_\tau = \operatorname{sign}(\tau x_1 + s)` with

.. math:: \tau(\lambda) = \frac{1}{2\mu}\ln\frac{\lambda + p - 1}{\lambda - p},\qquad \lambda \in (p, 1),

which is theory's :math:`\frac1{2\mu}\ln\frac{\Lambda p - (1-p)}{\Lambda(1-p) - p}` at
:math:`\Lambda = \lambda/(1-\lambda)` (theory §3.7 weighs :math:`\mathrm{Rob} + \Lambda\,\mathrm{Std}`).
Everything is derived here with ``sympy.stats`` and recorded; the certificate
``proofs/theorem_f.py`` checks each step.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp
import sympy.stats as st

from robtheory.symbolic.core import Phi, erf_to_Phi
from robtheory.symbolic.linear import Derivation, linear_accuracy
from robtheory.symbolic.linear import symbols as linear_symbols

__all__ = ["frontier_symbols", "neyman_pearson", "rule_accuracies", "threshold_of"]


@lru_cache(maxsize=None)
def frontier_symbols() -> dict:
    return dict(
        p=sp.Symbol("p", positive=True),
        mu=sp.Symbol("mu", positive=True),
        lam=sp.Symbol("lambda", positive=True),
        Lam=sp.Symbol("Lambda", positive=True),
        s=sp.Symbol("s", real=True),
        t=sp.Symbol("t", real=True),
        r=sp.Symbol("r", positive=True),
        tau=sp.Symbol("tau", real=True),
    )


def _densities():
    """Clean laws :math:`g_{\\pm}` of ``s`` given ``y = ±1``, as sympy.stats densities at ``s``."""
    f = frontier_symbols()
    mu, s = f["mu"], f["s"]
    return {y: st.density(st.Normal(f"S{'p' if y == 1 else 'm'}", y * mu, 1))(s) for y in (1, -1)}


def _px1(p, x1: int, y: int):
    """:math:`P(x_1 \\mid y)` from the definition of D: ``p`` if they agree, ``1 - p`` otherwise."""
    return p if x1 == y else 1 - p


def threshold_of(alpha, beta):
    """The acceptance threshold of :math:`\\{s : \\alpha e^{2\\mu s} + \\beta > 0\\}` for ``alpha > 0 > beta``:
    the root of the affine equation in :math:`r = e^{2\\mu s}` (sympy ``solve``), then
    :math:`s = \\ln r/(2\\mu)` (``exp`` is a bijection onto :math:`r > 0`)."""
    f = frontier_symbols()
    r = sp.Symbol("r_", real=True)
    roots = sp.solve(sp.Eq(alpha * r + beta, 0), r)
    if len(roots) != 1:  # pragma: no cover - a derivation failure
        raise RuntimeError(f"expected one root in r, got {roots}")
    return sp.log(sp.simplify(roots[0])) / (2 * f["mu"])


@lru_cache(maxsize=None)
def neyman_pearson() -> Derivation:
    """The pointwise maximiser of :math:`\\lambda\\,\\mathrm{Std} + (1-\\lambda)\\,\\mathrm{Rob}` over rules on (x1, s).

    Results: ``shifted_law`` (True if sympy finds the shifted laws to be :math:`g_{\\mp}`),
    ``ratio`` (:math:`g_+/g_-`), ``integrand[x1]`` (:math:`a - b` as derived), ``affine[x1]``
    (:math:`(a - b)\\cdot 2/g_-`), ``alpha[x1]``, ``beta[x1]`` (its coefficients in :math:`r`),
    ``threshold[x1]``, ``tau`` (:math:`= -` threshold at x1 = +1), ``thresholds_symmetric``
    (threshold at x1 = -1 is :math:`+\\tau`), ``tau_spec`` (theory's formula at
    :math:`\\Lambda = \\lambda/(1-\\lambda)`), ``matches_spec``, and the limits
    ``tau_at_lam_1`` (:math:`\\lambda \\to 1^-`) and ``tau_at_lam_p`` (:math:`\\lambda \\to p^+`).
    """
    f = frontier_symbols()
    p, mu, lam, Lam, s = f["p"], f["mu"], f["lam"], f["Lam"], f["s"]
    D = Derivation("theorem_f_neyman_pearson")
    g = _densities()
    ratio = sp.simplify(g[1] / g[-1])
    D.step("likelihood ratio g_+(s)/g_-(s)", ratio)
    D.results["ratio"] = ratio
    ok = True
    for y in (1, -1):  # shift x_i -> x_i - 2 eta y moves s by -2 mu y
        X = st.Normal("X", y * mu, 1)
        shifted = st.density(X - 2 * mu * y)(s)
        D.step(f"density of s - 2 mu y given y = {y:+d}", sp.simplify(shifted))
        ok = ok and sp.simplify(shifted - g[-y]) == 0
    D.results["shifted_law"] = bool(ok)
    half = sp.Rational(1, 2)
    shifted_law = {1: g[-1], -1: g[1]}  # law of s after the shift, given y
    D.results.update(integrand={}, affine={}, alpha={}, beta={}, threshold={})
    r = f["r"]
    for x1 in (1, -1):
        # a: a correct +1 (y = +1) -- clean with weight lam, shifted with weight 1 - lam;
        # b: a correct -1 (y = -1), likewise.
        a = half * _px1(p, x1, 1) * (lam * g[1] + (1 - lam) * shifted_law[1])
        b = half * _px1(p, x1, -1) * (lam * g[-1] + (1 - lam) * shifted_law[-1])
        D.results["integrand"][x1] = a - b
        affine = sp.expand(sp.powsimp(sp.simplify((a - b) / (half * g[-1]))))
        affine_r = sp.expand(affine.subs(sp.exp(2 * mu * s), r))
        poly = sp.Poly(affine_r, r)
        if poly.degree() != 1:  # pragma: no cover - a derivation failure
            raise RuntimeError(f"(a - b)*2/g_- is not affine in exp(2 mu s): {affine}")
        al, be = (sp.factor(c) for c in poly.all_coeffs())
        D.step(f"(a - b) * 2/g_-(s) at x1 = {x1:+d}, in r = exp(2 mu s)", affine_r)
        D.results["affine"][x1] = affine
        D.results["alpha"][x1], D.results["beta"][x1] = al, be
        D.results["threshold"][x1] = threshold_of(al, be)
        D.step(f"acceptance threshold at x1 = {x1:+d} (alpha > 0 > beta)", D.results["threshold"][x1])
    tau = sp.simplify(-D.results["threshold"][1])
    D.results["tau"] = tau
    D.results["thresholds_symmetric"] = sp.simplify(
        sp.exp(2 * mu * D.results["threshold"][-1]) - sp.exp(2 * mu * tau)) == 0
    spec = sp.log((Lam * p - (1 - p)) / (Lam * (1 - p) - p)) / (2 * mu)
    D.results["tau_spec"] = spec
    at_lam = spec.subs(Lam, lam / (1 - lam))
    # exp(2 mu .) is injective, and exp(log x) = x: compare the arguments of the logs
    D.results["matches_spec"] = sp.simplify(sp.exp(2 * mu * at_lam) - sp.exp(2 * mu * tau)) == 0
    D.step("tau(lambda) = -threshold(+1) = threshold(-1)", tau)
    # the ends of the regime lambda in (p, 1), with p = 1/(1 + e^-L), L > 0 (p > 1/2)
    L = sp.Symbol("L", positive=True)
    tau_L = tau.subs(p, 1 / (1 + sp.exp(-L)))
    D.results["tau_at_lam_1"] = sp.simplify(sp.limit(tau_L, lam, 1, "-"))
    D.results["tau_at_lam_p"] = sp.limit(tau_L, lam, 1 / (1 + sp.exp(-L)), "+")
    D.results["L"] = L
    return D


@lru_cache(maxsize=None)
def rule_accuracies() -> Derivation:
    """Standard accuracy and shift accuracy of :math:`f_\\tau = \\operatorname{sign}(\\tau x_1 + s)`,
    from the four cases with ``sympy.stats``, and the weak-only l_inf robust accuracy at
    :math:`\\varepsilon = 2\\eta` of the same linear rule from :func:`robtheory.symbolic.linear.linear_accuracy`.

    Results: ``std``, ``rob`` (shift), ``rob_linf_weak``, theory's ``std_spec``, ``rob_spec``
    and the booleans ``std_matches``, ``rob_matches``, ``weak_ball_is_shift``.
    """
    f = frontier_symbols()
    p, mu, tau = f["p"], f["mu"], f["tau"]
    D = Derivation("theorem_f_rule_accuracies")
    half = sp.Rational(1, 2)
    std = sp.S.Zero
    rob = sp.S.Zero
    for y in (1, -1):
        for x1 in (1, -1):
            w = half * _px1(p, x1, y)
            clean = st.Normal(f"C{y}{x1}", y * mu, 1)
            shifted = st.Normal(f"H{y}{x1}", -y * mu, 1)
            # f = +1 iff tau x1 + s > 0; correct iff f = y
            ev = (lambda S, x1=x1: S > -tau * x1) if y == 1 else (lambda S, x1=x1: S < -tau * x1)
            std += w * st.P(ev(clean))
            rob += w * st.P(ev(shifted))
    std, rob = (sp.simplify(erf_to_Phi(sp.simplify(e))) for e in (std, rob))
    D.step("Std(f_tau) from the four cases", std)
    D.step("acc_shift(f_tau) from the four cases", rob)
    std_spec = p * Phi(mu + tau) + (1 - p) * Phi(mu - tau)
    rob_spec = p * Phi(tau - mu) + (1 - p) * Phi(-tau - mu)
    D.results.update(std=std, rob=rob, std_spec=std_spec, rob_spec=rob_spec)
    D.results["std_matches"] = sp.simplify((std - std_spec).rewrite(sp.erf)) == 0
    D.results["rob_matches"] = sp.simplify((rob - rob_spec).rewrite(sp.erf)) == 0
    # the weak-only l_inf ball of radius 2 eta: the general linear derivation at a = tau, S = U1 = sqrt(d), Q = 1
    ls = linear_symbols()
    d = sp.Symbol("d", positive=True)
    acc = linear_accuracy("linf", False).results["accuracy_Q_positive"]
    acc = acc.subs({ls["a"]: tau, ls["b"]: 0, ls["S"]: sp.sqrt(d), ls["U1"]: sp.sqrt(d), ls["Q"]: 1},
                   simultaneous=True)
    acc = sp.simplify(acc.subs(ls["eps"], 2 * ls["eta"]).subs(ls["eta"], mu / sp.sqrt(d)).subs(ls["p"], p))
    D.step("weak-only l_inf robust accuracy of sign(tau x1 + s) at eps = 2 eta (linear derivation)", acc)
    D.results["rob_linf_weak"] = acc
    D.results["weak_ball_is_shift"] = sp.simplify((acc - rob_spec).rewrite(sp.erf)) == 0
    return D
