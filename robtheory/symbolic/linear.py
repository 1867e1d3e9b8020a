"""Derivations for an arbitrary linear classifier ``f(x) = sign(w^T x + b)``.

Write :math:`w = (a, u)` with ``a`` the weight on ``x1`` and :math:`u\\in\\mathbb{R}^d` the weak
weights, and summarise ``u`` by :math:`S = \\sum_i u_i`, :math:`Q = \\lVert u\\rVert_2` and
:math:`U_1 = \\lVert u\\rVert_1`. Everything below is derived from the definition of
D(p, eta, d) (theory §1.1), not typed in:

1. the law of :math:`y\\,u^T z` by its moment generating function (one coordinate with
   ``sympy.stats``, then a symbolic sum over the ``d`` independent coordinates);
2. the worst-case perturbation of the margin over the l_inf and l_2 balls (a linear program
   per coordinate, and a Lagrangian on the sphere);
3. standard and robust accuracy by averaging :math:`P_{>}` over the four cases of
   ``(y, y x1)``, and the error rate as the complementary sum;
4. the population hinge losses (theory §3.6) from :math:`R(m, q) = E\\max(0, m + qG)` and their
   gradients by differentiation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import sympy as sp
import sympy.stats as st

from robtheory.symbolic.core import Phi, Pgt, Ple, Ramp, canonical_Phi, erf_to_Phi, phi

__all__ = ["Derivation", "symbols", "margin_law", "worst_case_shift", "linear_accuracy",
           "ramp_expectation", "hinge_losses", "dual_norm"]


@dataclass
class Derivation:
    """A named chain of symbolic steps and the expressions it produces."""

    name: str
    steps: list = field(default_factory=list)
    results: dict = field(default_factory=dict)

    def step(self, label: str, expr):
        self.steps.append((label, expr))
        return expr


@lru_cache(maxsize=None)
def symbols():
    """The shared symbols, with the assumptions the derivations rely on."""
    return dict(
        p=sp.Symbol("p", positive=True),
        eta=sp.Symbol("eta", nonnegative=True),
        d=sp.Symbol("d", positive=True, integer=True),
        a=sp.Symbol("a", real=True),
        b=sp.Symbol("b", real=True),
        S=sp.Symbol("S", real=True),
        Q=sp.Symbol("Q", nonnegative=True),
        U1=sp.Symbol("U1", nonnegative=True),
        eps=sp.Symbol("eps", nonnegative=True),
        t=sp.Symbol("t", real=True),
        m=sp.Symbol("m", real=True),
        q=sp.Symbol("q", positive=True),
    )


@lru_cache(maxsize=None)
def margin_law() -> Derivation:
    """Law of :math:`G = y\\,u^T z` given ``y``: :math:`\\mathcal{N}(\\eta S, Q^2)`.

    The MGF of one term :math:`y u_i x_i`, :math:`x_i\\sim\\mathcal{N}(\\eta y, 1)`, is computed
    by ``sympy.stats`` for ``y = +1`` and ``y = -1``; the terms are independent, so the log-MGF
    of the sum is the symbolic sum of the log-MGFs, which is matched coefficient by
    coefficient against the log-MGF :math:`tm + t^2 s^2/2` of a normal law.
    """
    s = symbols()
    eta, t = s["eta"], s["t"]
    D = Derivation("margin_law")
    ui = sp.Symbol("u_i", real=True)
    per_y = []
    for y in (1, -1):
        X = st.Normal("X", eta * y, 1)
        mgf = sp.simplify(st.E(sp.exp(t * y * ui * X)))
        D.step(f"MGF of y*u_i*x_i given y={y:+d}", mgf)
        per_y.append(sp.expand(sp.expand_log(sp.log(mgf), force=True)))
    if sp.simplify(per_y[0] - per_y[1]) != 0:  # pragma: no cover - a derivation failure
        raise RuntimeError("the law of y*u_i*x_i depends on y; derivation broken")
    # The per-coordinate log-MGF is a polynomial in u_i; summing it over the d independent
    # coordinates sums each power of u_i: sum u_i = S and sum u_i^2 = Q^2.
    poly_u = sp.Poly(per_y[0], ui)
    power_sums = {0: s["d"], 1: s["S"], 2: s["Q"] ** 2}
    if max(poly_u.monoms())[0] > 2:  # pragma: no cover
        raise RuntimeError("per-coordinate log-MGF is not quadratic in u_i")
    log_mgf = sp.expand(sum(coef * power_sums[k] for (k,), coef in poly_u.terms()))
    D.step("log-MGF of y*u^T z (independent coordinates)", log_mgf)
    mean_sym, var_sym = sp.symbols("m_G v_G", real=True)
    coeffs = sp.Poly(log_mgf, t).all_coeffs()  # [t^2 coeff, t coeff, const]
    normal_log_mgf = sp.Poly(t * mean_sym + t**2 * var_sym / 2, t).all_coeffs()
    sol = sp.solve([sp.Eq(c1, c2) for c1, c2 in zip(coeffs, normal_log_mgf)], [mean_sym, var_sym], dict=True)
    if len(sol) != 1:  # pragma: no cover
        raise RuntimeError("log-MGF is not that of a normal law")
    D.results["mean"] = sp.simplify(sol[0][mean_sym])
    D.results["variance"] = sp.simplify(sol[0][var_sym])
    D.step("mean of y*u^T z", D.results["mean"])
    D.step("variance of y*u^T z", D.results["variance"])
    return D


@lru_cache(maxsize=None)
def worst_case_shift() -> Derivation:
    """:math:`\\min_{\\lVert\\delta\\rVert\\le\\varepsilon} y\\,w^T\\delta` for the l_inf and l_2 balls.

    l_inf: the ball is a product of intervals, so the minimum of the linear function splits
    into one interval per coordinate and is attained at an endpoint:
    :math:`\\min(\\varepsilon y w_i, -\\varepsilon y w_i) = -\\varepsilon|w_i|` for ``y = ±1``.
    l_2: the Lagrangian :math:`c^T\\delta + \\nu(\\delta^T\\delta - \\varepsilon^2)` is
    stationary at :math:`\\delta = -c/(2\\nu)`; the constraint fixes ``nu`` and the value is
    :math:`-\\varepsilon\\lVert c\\rVert_2` (a minimum by Cauchy-Schwarz).
    """
    s = symbols()
    eps = s["eps"]
    D = Derivation("worst_case_shift")
    wi = sp.Symbol("w_i", real=True)
    for y in (1, -1):
        val = sp.Min(eps * y * wi, -eps * y * wi)
        val = sp.simplify(val.rewrite(sp.Abs))
        D.step(f"l_inf coordinate minimum, y={y:+d}", val)
        if sp.simplify(val + eps * sp.Abs(wi)) != 0:  # pragma: no cover
            raise RuntimeError("l_inf per-coordinate minimum is not -eps*|w_i|")
    D.results["linf_coordinate"] = -eps * sp.Abs(wi)
    C = sp.Symbol("C", positive=True)  # squared norm of c = y*w
    nu = sp.Symbol("nu", positive=True)
    # delta = -c/(2 nu) => |delta|^2 = C/(4 nu^2) = eps^2
    e = sp.Symbol("e", positive=True)  # eps > 0 here; eps = 0 is the trivial ball
    nu_sol = [r for r in sp.solve(sp.Eq(C / (4 * nu**2), e**2), nu) if r.is_positive]
    D.step("l_2 multiplier (the positive root)", nu_sol)
    value = sp.simplify(-C / (2 * nu_sol[0])).subs(e, eps)
    D.step("l_2 minimum of c^T delta", value)
    D.results["l2"] = value  # = -eps*sqrt(C)
    return D


def dual_norm(norm: str, perturb_x1: bool = True):
    """The dual norm of ``w`` that prices a perturbation, assembled from :func:`worst_case_shift`.

    l_inf: the per-coordinate minima add up, :math:`|a| + U_1` (or :math:`U_1` when ``x1`` is
    frozen). l_2: :math:`\\sqrt{C}` with :math:`C = a^2 + Q^2` (or :math:`Q^2`).
    """
    s = symbols()
    a, Q, U1, eps = s["a"], s["Q"], s["U1"], s["eps"]
    ws = worst_case_shift()
    if norm == "linf":
        wi = sp.Symbol("w_i", real=True)
        per_coord = -ws.results["linf_coordinate"] / eps  # |w_i|
        return (per_coord.subs(wi, a) if perturb_x1 else 0) + U1
    if norm == "l2":
        C = sp.Symbol("C", positive=True)
        norm_c = -ws.results["l2"] / eps  # sqrt(C)
        return norm_c.subs(C, a**2 + Q**2 if perturb_x1 else Q**2)
    raise ValueError(f"unknown norm {norm!r}")


@lru_cache(maxsize=None)
def positive_probability() -> Derivation:
    """:math:`P(\\mathcal{N}(m, q^2) > 0) = \\Phi(m/q)` by ``sympy.stats``."""
    s = symbols()
    m, q = s["m"], s["q"]
    D = Derivation("positive_probability")
    G = st.Normal("G", m, q)
    raw = st.P(G > 0)
    D.step("P(N(m, q^2) > 0) by sympy.stats", raw)
    val = sp.simplify(erf_to_Phi(raw))
    D.step("in terms of Phi", val)
    if sp.simplify(canonical_Phi(val - Phi(m / q))) != 0:  # pragma: no cover
        raise RuntimeError("P(N(m,q^2)>0) did not reduce to Phi(m/q)")
    D.results["Pgt"] = Phi(m / q)
    return D


def _cases(p):
    """The four cases (y, s1 = y*x1) with their probabilities, from the definition of D."""
    half = sp.Rational(1, 2)
    return [(y, s1, half * (p if s1 == 1 else 1 - p)) for y in (1, -1) for s1 in (1, -1)]


@lru_cache(maxsize=None)
def linear_accuracy(norm: str | None = None, perturb_x1: bool = True) -> Derivation:
    """Standard (``norm=None``) or robust accuracy of ``sign(w^T x + b)``.

    Given ``(y, s1)`` the margin is :math:`y(w^Tx + b) = a s_1 + y b + G` with
    :math:`G\\sim\\mathcal{N}(\\eta S, Q^2)`; the adversary lowers it by
    :math:`\\varepsilon\\lVert w\\rVert_*`. Correctness is :math:`P_{>}` of that margin and the
    accuracy is its average over the four equally structured cases.

    Results: ``accuracy`` (a sum of :class:`Pgt` terms), ``error`` (the complementary sum of
    :class:`Ple` terms, exact in the far tail) and ``accuracy_Q_positive`` (the same in
    :math:`\\Phi` form, valid when ``Q > 0``).
    """
    s = symbols()
    p, eta, a, b, S, Q, eps = (s[k] for k in ("p", "eta", "a", "b", "S", "Q", "eps"))
    name = "standard" if norm is None else f"robust_{norm}_{'full' if perturb_x1 else 'weak_only'}"
    D = Derivation(f"linear_accuracy_{name}")
    law = margin_law()
    pos = positive_probability()
    shift = 0 if norm is None else eps * dual_norm(norm, perturb_x1)
    D.step("price of the perturbation (eps * dual norm)", shift)
    acc = sp.S.Zero
    err = sp.S.Zero
    acc_phi = sp.S.Zero
    for y, s1, prob in _cases(p):
        mean = a * s1 + y * b + law.results["mean"] - shift
        sd = sp.sqrt(law.results["variance"])
        D.step(f"margin mean given y={y:+d}, y*x1={s1:+d}", mean)
        acc += prob * Pgt(mean, sd)
        err += prob * Ple(mean, sd)
        acc_phi += prob * pos.results["Pgt"].subs({s["m"]: mean, s["q"]: sd}, simultaneous=True)
    D.results["accuracy"] = acc
    D.results["error"] = err
    D.results["accuracy_Q_positive"] = acc_phi
    D.step("accuracy", acc)
    D.step("error rate (complement)", err)
    # The complement identity, proved symbolically for Q > 0: acc + err = 1.
    Qp = sp.Symbol("Qp", positive=True)
    total = (acc + err).rewrite(Phi).subs(Q, Qp)
    total = sp.piecewise_fold(total)
    D.results["complement_check"] = sp.simplify(canonical_Phi(total) - 1)
    return D


@lru_cache(maxsize=None)
def ramp_expectation() -> Derivation:
    """:math:`R(m, q) = E\\max(0, m + qG) = m\\Phi(m/q) + q\\varphi(m/q)` by integration."""
    s = symbols()
    m, q = s["m"], s["q"]
    g = sp.Symbol("g", real=True)
    D = Derivation("ramp_expectation")
    integral = sp.integrate((m + q * g) * phi(g), (g, -m / q, sp.oo))
    D.step("integral of (m + q g) phi(g) over g > -m/q", integral)
    val = sp.simplify(erf_to_Phi(integral))
    D.step("in terms of Phi", val)
    closed = m * Phi(m / q) + q * phi(m / q)
    if sp.simplify((val - closed).rewrite(sp.erf)) != 0:  # pragma: no cover
        raise RuntimeError("ramp expectation did not reduce to m Phi + q phi")
    D.results["R"] = closed
    D.results["dR_dm"] = sp.simplify(sp.diff(closed, m))
    D.results["dR_dq"] = sp.simplify(sp.diff(closed, q))
    return D


@lru_cache(maxsize=None)
def hinge_losses(norm: str | None = None, perturb_x1: bool = True) -> Derivation:
    """Population hinge loss :math:`E\\max(0, 1 - y(w^Tx+b))` (theory §3.6), standard or adversarial.

    The adversarial loss takes the max over the ball inside the expectation, per sample,
    which for the hinge adds :math:`\\varepsilon\\lVert w\\rVert_*` to its argument.
    Results: ``loss`` in terms of :class:`Ramp`, and ``grad`` w.r.t. (a, b, S, Q, U1).
    """
    s = symbols()
    p, a, b, S, Q, U1, eps = (s[k] for k in ("p", "a", "b", "S", "Q", "U1", "eps"))
    law = margin_law()
    ramp_expectation()  # the primitive is derived before it is used
    shift = 0 if norm is None else eps * dual_norm(norm, perturb_x1)
    name = "standard" if norm is None else f"adversarial_{norm}_{'full' if perturb_x1 else 'weak_only'}"
    D = Derivation(f"hinge_{name}")
    loss = sp.S.Zero
    for y, s1, prob in _cases(p):
        arg_mean = 1 - (a * s1 + y * b + law.results["mean"]) + shift
        loss += prob * Ramp(arg_mean, sp.sqrt(law.results["variance"]))
    D.results["loss"] = loss
    D.step("population hinge loss", loss)
    grads = {}
    for var in (a, b, S, Q, U1):
        grads[str(var)] = sp.diff(loss, var)
    D.results["grad"] = grads
    return D
