"""Derivations for the named and optimal classifiers (theory §2.0, §3.3-§3.5, §3.8).

Every result is obtained by substituting a classifier's summary statistics (a, b, S, Q, U1)
into the general linear-classifier accuracy of :mod:`robtheory.symbolic.linear`, or by
solving a stationarity condition, and then compared with theory's stated closed form by
sympy (the comparison is recorded, never assumed).
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp
import sympy.stats as st

from robtheory.symbolic.core import Phi, Pgt, canonical_Phi
from robtheory.symbolic.linear import Derivation, linear_accuracy, symbols, worst_case_shift

__all__ = [
    "named_symbols",
    "bayes",
    "averaging",
    "robust_x1",
    "standard_optimal",
    "robust_optimal_linf",
    "optimal_robust_accuracy",
    "rounded_rule_robust_accuracy",
    "rounded_rule_attains_bound",
]


@lru_cache(maxsize=None)
def named_symbols():
    s = dict(symbols())
    s.update(
        mu=sp.Symbol("mu", positive=True),
        L=sp.Symbol("L", positive=True),
        tau=sp.Symbol("tau", nonnegative=True),
        x1=sp.Symbol("x1", real=True),
        x=sp.Symbol("x", real=True),
        dpos=sp.Symbol("d", positive=True),
        m_eps=sp.Symbol("m_eps", real=True),
    )
    return s


def _two_term_foc(acc, t):
    """Stationarity of ``c1 Phi(g1(t)) + c2 Phi(g2(t))`` in log form.

    The derivative is :math:`c_1 g_1'\\varphi(g_1) + c_2 g_2'\\varphi(g_2)`; where the two
    terms have opposite signs it vanishes iff
    :math:`\\ln(c_1 g_1') - g_1^2/2 = \\ln(-c_2 g_2') - g_2^2/2`, which is polynomial in ``t``
    when the g's are affine. Returns ``lhs - rhs`` of that equation.
    """
    acc = sp.expand(acc)
    atoms = sorted(acc.atoms(Phi), key=sp.default_sort_key)
    if len(atoms) != 2:
        raise RuntimeError(f"expected two Phi terms, got {atoms}")
    (c1, g1), (c2, g2) = [(sp.simplify(acc.coeff(A)), A.args[0]) for A in atoms]
    k1, k2 = sp.diff(g1, t), sp.diff(g2, t)
    w1, w2 = sp.simplify(c1 * k1), sp.simplify(-c2 * k2)
    if not (w1.is_positive or w2.is_positive):
        w1, w2 = w2, w1
        g1, g2 = g2, g1
    return sp.expand(sp.expand_log(sp.log(w1), force=True) - g1**2 / 2
                     - sp.expand_log(sp.log(w2), force=True) + g2**2 / 2)


def _p_of_L(L):
    """p as a function of the log-odds, so that sympy knows 0 < p < 1."""
    return 1 / (1 + sp.exp(-L))


def _phi_form(expr, Q_value):
    """Evaluate ``Pgt`` terms with a positive Q as Phi (valid because Q > 0)."""
    return expr.replace(lambda e: isinstance(e, Pgt), lambda e: Phi(e.args[0] / e.args[1])).subs(
        symbols()["Q"], Q_value
    )


def _substitute(expr, **values):
    s = symbols()
    return expr.subs({s[k]: v for k, v in values.items()}, simultaneous=True)


def _equal(lhs, rhs) -> bool:
    diff = canonical_Phi(sp.expand(lhs - rhs))
    if sp.simplify(diff) == 0:
        return True
    # Compare Phi arguments after simplification term by term.
    return sp.simplify(canonical_Phi(sp.simplify(lhs)) - canonical_Phi(sp.simplify(rhs))) == 0


@lru_cache(maxsize=None)
def bayes() -> Derivation:
    """The Bayes classifier from the likelihood ratio, and its standard accuracy.

    With equal priors the Bayes rule is the sign of the log-likelihood ratio. For ``x1``:
    :math:`\\log P(x_1|+1)/P(x_1|-1) = L x_1` on :math:`x_1\\in\\{\\pm1\\}`; for each weak feature
    the ratio of the two normal densities gives :math:`2\\eta x_i`. Hence
    :math:`f_B(x) = \\operatorname{sign}(L x_1 + 2\\eta\\sum_i x_i)`, a linear classifier with
    ``a = L`` and ``c = 2 eta`` on every weak feature.
    """
    s = named_symbols()
    eta, d, x1, x, L = s["eta"], s["dpos"], s["x1"], s["x"], s["L"]
    p = _p_of_L(L)  # 1/2 < p < 1 expressed through L = log(p/(1-p)) > 0
    D = Derivation("bayes")
    # x1 in {+1, -1}: P(x1 | y) = p if x1 == y else 1 - p.
    llr_plus = sp.simplify(sp.log(p / (1 - p)))  # x1 = +1
    llr_minus = sp.simplify(sp.log((1 - p) / p))  # x1 = -1
    # The unique affine function of x1 through both points:
    llr_x1 = sp.simplify(((llr_plus - llr_minus) / 2) * x1 + (llr_plus + llr_minus) / 2)
    D.step("log-likelihood ratio of x1 (affine through x1 = +1, -1)", llr_x1)
    e = sp.Symbol("e", positive=True)
    dens_p = st.density(st.Normal("Xp", e, 1))(x)
    dens_m = st.density(st.Normal("Xm", -e, 1))(x)
    llr_xi = sp.simplify(sp.expand_log(sp.log(dens_p / dens_m), force=True)).subs(e, eta)
    D.step("log-likelihood ratio of one weak feature", llr_xi)
    a_B = sp.simplify(llr_x1.coeff(x1))
    c_B = sp.simplify(llr_xi.coeff(x))
    D.results["a"] = a_B
    D.results["c"] = c_B
    D.step("Bayes weight on x1 (in terms of L)", a_B)
    D.step("Bayes weight on each weak feature", c_B)
    acc = linear_accuracy(None).results["accuracy"].subs(s["p"], p)
    acc = _phi_form(_substitute(acc, a=a_B, b=0, S=c_B * d, U1=c_B * d), c_B * sp.sqrt(d))
    acc = sp.simplify(acc.subs(eta, s["mu"] / sp.sqrt(d)))
    D.step("standard accuracy of the Bayes classifier (mu = eta sqrt(d))", acc)
    D.results["accuracy"] = acc
    target = p * Phi(s["mu"] + L / (2 * s["mu"])) + (1 - p) * Phi(s["mu"] - L / (2 * s["mu"]))
    D.results["matches_spec"] = _equal(acc, target)
    return D


@lru_cache(maxsize=None)
def averaging() -> Derivation:
    """``w = (0, 1/d, ..., 1/d)``: standard accuracy and l_inf / l_2 robust accuracy (theory §3.4)."""
    s = named_symbols()
    eta, d, eps = s["eta"], s["dpos"], s["eps"]
    D = Derivation("averaging")
    stats = dict(a=0, b=0, S=1, U1=1)
    Q = 1 / sp.sqrt(d)
    for key, (norm, px1) in {"standard": (None, True), "robust_linf": ("linf", True),
                             "robust_l2": ("l2", True)}.items():
        acc = _phi_form(_substitute(linear_accuracy(norm, px1).results["accuracy"], **stats), Q)
        acc = sp.simplify(acc)
        D.step(key, acc)
        D.results[key] = acc
    D.results["spec"] = {
        "standard": Phi(eta * sp.sqrt(d)),
        "robust_linf": Phi(sp.sqrt(d) * (eta - eps)),
        "robust_l2": Phi(eta * sp.sqrt(d) - eps),
    }
    D.results["matches_spec"] = all(
        _equal(D.results[k], v) for k, v in D.results["spec"].items()
    )
    return D


@lru_cache(maxsize=None)
def robust_x1() -> Derivation:
    """``sign(x1)``: no weak weight (Q = 0), so correctness is deterministic given (y, s1)."""
    s = named_symbols()
    p = s["p"]
    D = Derivation("robust_x1")
    stats = dict(a=1, b=0, S=0, Q=0, U1=0)
    for key, (norm, px1) in {"standard": (None, True), "robust_linf": ("linf", True),
                             "robust_l2": ("l2", True)}.items():
        acc = _substitute(linear_accuracy(norm, px1).results["accuracy"], **stats)
        acc = sp.simplify(acc.rewrite(Phi))
        D.step(key, acc)
        D.results[key] = acc
    D.results["matches_spec"] = sp.simplify(D.results["standard"] - p) == 0
    return D


@lru_cache(maxsize=None)
def standard_optimal() -> Derivation:
    """Maximise :math:`\\mathrm{Std}(\\tau) = p\\Phi(\\mu+\\tau) + (1-p)\\Phi(\\mu-\\tau)`.

    ``f_tau = sign(tau x1 + s(x))`` is the linear classifier with ``a = tau`` and weak
    weights ``1/sqrt(d)`` (S = sqrt(d), Q = 1). Equal weak weights and ``b = 0`` lose nothing:
    Std depends on u only through :math:`\\eta S/Q \\le \\eta\\sqrt d` (Cauchy-Schwarz, equality
    for equal weights). The stationarity condition
    :math:`p\\varphi(\\mu+\\tau) = (1-p)\\varphi(\\mu-\\tau)` is linear in ``tau`` after taking
    logs, with the single root :math:`\\tau^* = L/(2\\mu)` -- the Bayes ratio.
    """
    s = named_symbols()
    mu, d, L = s["mu"], s["dpos"], s["L"]
    p = _p_of_L(L)
    t = sp.Symbol("t", real=True)
    D = Derivation("standard_optimal")
    acc = _substitute(linear_accuracy(None).results["accuracy"], a=t, b=0, S=sp.sqrt(d), U1=sp.sqrt(d))
    acc = _phi_form(acc, 1).subs(s["eta"], mu / sp.sqrt(d)).subs(s["p"], p)
    acc = sp.simplify(acc)
    D.step("Std(tau)", acc)
    foc = _two_term_foc(acc, t)
    D.step("log form of the stationarity condition (= 0)", foc)
    roots = sp.solve(foc, t)
    D.step("roots", roots)
    D.results["roots"] = roots
    D.results["tau_star"] = roots[0] if len(roots) == 1 else None
    D.results["is_bayes_ratio"] = len(roots) == 1 and sp.simplify(roots[0] - L / (2 * mu)) == 0
    second = sp.simplify(sp.diff(acc, t, 2).subs(t, roots[0]))
    D.step("second derivative at the root", second)
    D.results["second_derivative"] = second
    D.results["is_maximum"] = bool(second.is_negative)
    return D


@lru_cache(maxsize=None)
def robust_optimal_linf() -> Derivation:
    """Robust-optimal ``f_tau`` under the full l_inf ball (x1 perturbable), ``tau >= 0``.

    With ``a = tau``, equal weak weights ``1/sqrt(d)`` (optimal for eps < eta, see
    :func:`robtheory.theory.closed_form.best_robust_linear_classifier`) and ``m = sqrt(d)(eta - eps)``:

    .. math:: \\mathrm{Rob}(\\tau) = p\\Phi(m + (1-\\varepsilon)\\tau) + (1-p)\\Phi(m - (1+\\varepsilon)\\tau).

    The first-order condition, after logs, is the quadratic
    :math:`2\\varepsilon\\tau^2 - 2m\\tau + K = 0`, :math:`K = \\ln\\frac{p(1-\\varepsilon)}{(1-p)(1+\\varepsilon)}`.
    """
    s = named_symbols()
    eps, d, m, L = s["eps"], s["dpos"], s["m_eps"], s["L"]
    p = _p_of_L(L)
    r = sp.Symbol("r", positive=True)  # eps = (1 - r)/(1 + r) keeps 0 < 1 - eps, 1 + eps
    t = sp.Symbol("t", real=True)
    D = Derivation("robust_optimal_linf")
    acc = _substitute(linear_accuracy("linf", True).results["accuracy"], a=t, b=0, S=sp.sqrt(d), U1=sp.sqrt(d))
    acc = _phi_form(acc, 1).subs(sp.Abs(t), t)  # tau >= 0
    acc = sp.simplify(acc.subs(s["eta"], m / sp.sqrt(d) + eps))
    D.step("Rob(tau) with m = sqrt(d)(eta - eps), tau >= 0", acc)
    D.results["rob"] = acc
    foc = _two_term_foc(acc.subs(s["p"], p).subs(eps, (1 - r) / (1 + r)), t)
    foc = sp.expand(sp.simplify(foc))
    poly = sp.Poly(foc, t)
    D.step("first-order condition as a polynomial in tau (= 0)", poly.as_expr())
    D.results["degree"] = poly.degree()
    K = L + sp.log(r)  # ln[p(1-eps)/((1-p)(1+eps))] with (1-eps)/(1+eps) = r
    target = 2 * ((1 - r) / (1 + r)) * t**2 - 2 * m * t + K
    D.results["matches_quadratic"] = sp.simplify(poly.as_expr() - target) == 0
    D.results["quadratic"] = poly.as_expr()
    e, KK = sp.symbols("eps K", real=True)
    quad = 2 * e * t**2 - 2 * m * t + KK
    roots = sp.solve(quad, t)
    disc = m**2 - 2 * KK * e
    small = [r for r in roots if sp.simplify(r - (m - sp.sqrt(disc)) / (2 * e)) == 0]
    large = [r for r in roots if sp.simplify(r - (m + sp.sqrt(disc)) / (2 * e)) == 0]
    # Rationalise the smaller root: K/(m + sqrt(m^2 - 2 K eps)) has no cancellation as eps -> 0
    # and tends to K/(2m) (the Bayes ratio of the shifted model) at eps = 0.
    stable = sp.simplify(sp.expand((m - sp.sqrt(disc)) * (m + sp.sqrt(disc)))) / (2 * e * (m + sp.sqrt(disc)))
    stable = sp.simplify(stable)
    D.results["stable_small_root_ok"] = len(small) == 1 and sp.simplify(stable - small[0]) == 0
    D.results["roots"] = [stable, large[0]]
    D.results["roots_symbols"] = (e, m, KK)
    D.step("roots of 2 eps tau^2 - 2 m tau + K", roots)
    return D


def rounded_rule_robust_accuracy(tau=None, perturb_x1: bool = False) -> Derivation:
    """Robust accuracy of the rounded rule :math:`\\operatorname{sign}(\\tau\\operatorname{sign}(x_1) + s(x))`
    under the l_inf ball of radius :math:`\\varepsilon < 1`, derived from the model.

    1. **x1 is not moved across 0.** For :math:`x_1 = \\pm1` and :math:`|\\delta_1| \\le \\varepsilon`,
       :math:`\\min_{\\delta_1} x_1(x_1 + \\delta_1) = 1 + \\min_{\\delta_1} x_1\\delta_1 = 1 - \\varepsilon|x_1|`
       (the per-coordinate l_inf minimum of :func:`~robtheory.symbolic.linear.worst_case_shift`
       with weight :math:`x_1`), which is :math:`1 - \\varepsilon > 0`; so
       :math:`\\operatorname{sign}(x_1 + \\delta_1) = x_1` on the support.
    2. Hence on every admissible input the rule's score is :math:`\\tau x_1 + s(x + \\delta)`: the
       linear classifier ``a = tau``, weak weights :math:`d^{-1/2}` (``S = U1 = sqrt(d)``, ``Q = 1``)
       against the *weak-only* l_inf ball, whose worst case is the general linear derivation
       (:func:`~robtheory.symbolic.linear.linear_accuracy`, margin lowered by :math:`\\varepsilon U_1`).
    3. Written with :math:`\\mu_\\varepsilon = (\\eta - \\varepsilon)\\sqrt d` (``eta = mu_eps/sqrt(d) + eps``).

    ``tau`` (default :math:`L/(2\\mu_\\varepsilon)`) and ``perturb_x1`` (True: the unrounded rule, x1
    priced by the full ball) are replaceable for negative controls. Results: ``x1_margin``
    (step 1's minimum), ``x1_sign_kept`` (sympy proves it positive for :math:`0 \\le \\varepsilon < 1`),
    ``accuracy`` (in terms of ``L``, ``mu_eps``).
    """
    s = named_symbols()
    eta, eps, d, L = s["eta"], s["eps"], s["dpos"], s["L"]
    m = sp.Symbol("mu_eps", positive=True)
    D = Derivation("rounded_rule_robust_accuracy")
    # step 1: min over |delta_1| <= eps of x1 (x1 + delta_1) for x1 = +1, -1
    wi = sp.Symbol("w_i", real=True)
    coord_min = worst_case_shift().results["linf_coordinate"]  # min_delta w_i delta = -eps |w_i|
    r = sp.Symbol("r", positive=True)  # eps = 1/(1 + r) sweeps (0, 1); eps = 0 is the clean input
    kept = True
    for x1v in (1, -1):
        margin = sp.simplify(x1v * x1v + coord_min.subs(wi, x1v))
        D.step(f"min over |delta_1| <= eps of x1 (x1 + delta_1), x1 = {x1v:+d}", margin)
        kept = kept and bool(margin.subs(eps, 1 / (1 + r)).is_positive) and bool(margin.subs(eps, 0).is_positive)
    D.results["x1_margin"] = margin
    D.results["x1_sign_kept"] = kept
    # step 2: the linear classifier (tau, d^{-1/2} 1) against the weak-only (or, wrongly, full) ball
    t = sp.Symbol("t", real=True)
    acc = linear_accuracy("linf", perturb_x1).results["accuracy"]
    acc = _phi_form(_substitute(acc, a=t, b=0, S=sp.sqrt(d), U1=sp.sqrt(d)), 1)
    acc = acc.subs(sp.Abs(t), t)  # tau >= 0 (matters only for the full ball)
    D.step("robust accuracy of sign(t x1 + s(x)) with x1 fixed", acc)
    # step 3: eta = mu_eps/sqrt(d) + eps, tau = L/(2 mu_eps), p = 1/(1 + e^-L)
    tau = L / (2 * m) if tau is None else tau
    acc = sp.simplify(acc.subs(eta, m / sp.sqrt(d) + eps).subs(s["p"], _p_of_L(L)).subs(t, tau))
    D.step("with eta = mu_eps/sqrt(d) + eps and tau", acc)
    D.results["accuracy"] = acc
    D.results["tau"] = tau
    return D


@lru_cache(maxsize=None)
def optimal_robust_accuracy() -> Derivation:
    """:math:`A^*_{rob}(\\varepsilon)` for l_inf, ``0 <= eps < min(eta, 1)`` (theory §3.8).

    Upper bound: the admissible shift :math:`\\delta = (0, -\\varepsilon y\\mathbf 1)` maps each
    weak coordinate :math:`\\mathcal N(\\eta y, 1)` to :math:`\\mathcal N((\\eta-\\varepsilon)y, 1)`,
    i.e. D(p, eta, d) to D(p, eta - eps, d), so no classifier beats that model's Bayes
    accuracy: :func:`bayes`'s derived accuracy at :math:`\\mu_\\varepsilon = (\\eta-\\varepsilon)\\sqrt d`.
    Lower bound: the robust accuracy of the rounded rule at :math:`\\tau = L/(2\\mu_\\varepsilon)`,
    *derived* by :func:`rounded_rule_robust_accuracy` (x1 rounding, then the weak-only worst
    case of the linear derivation); ``attains_bound`` records that sympy finds the two equal,
    and ``matches_spec`` that the bound is theory's :math:`A_B(p, \\mu_\\varepsilon)`.
    """
    s = named_symbols()
    eps, x, L = s["eps"], s["x"], s["L"]
    p = _p_of_L(L)
    D = Derivation("optimal_robust_accuracy")
    e = sp.Symbol("e", positive=True)
    shifted = st.density(st.Normal("Xs", e, 1))(x + eps)  # law of X - eps when X ~ N(e, 1)
    target = st.density(st.Normal("Xt", e - eps, 1))(x)
    D.results["shift_maps_model"] = sp.simplify(shifted - target) == 0
    D.step("density of x_i - eps*y (y=+1) equals N(eta - eps, 1)", sp.simplify(shifted))
    m = sp.Symbol("mu_eps", positive=True)
    bound = bayes().results["accuracy"].subs(s["mu"], m)
    D.step("upper bound: Bayes accuracy of D(p, eta - eps, d)", bound)
    R = rounded_rule_robust_accuracy()
    D.step("robust accuracy of the rounded rule at tau = L/(2 mu_eps) (derived)", R.results["accuracy"])
    D.results["rounded"] = R.results["accuracy"]
    D.results["x1_sign_kept"] = R.results["x1_sign_kept"]
    D.results["attains_bound"] = bool(R.results["x1_sign_kept"]) and _equal(R.results["accuracy"], bound)
    spec = p * Phi(m + L / (2 * m)) + (1 - p) * Phi(m - L / (2 * m))
    D.results["matches_spec"] = _equal(bound, spec)
    D.results["value"] = bound
    return D


def rounded_rule_attains_bound(tau=None, perturb_x1: bool = False) -> bool:
    """Whether the derived robust accuracy of the rounded rule (``tau``, ``perturb_x1`` as in
    :func:`rounded_rule_robust_accuracy`) equals the bound of :func:`optimal_robust_accuracy`."""
    R = rounded_rule_robust_accuracy(tau, perturb_x1)
    return bool(R.results["x1_sign_kept"]) and _equal(R.results["accuracy"], optimal_robust_accuracy().results["value"])
