r"""Certificate for Lemma D.2: the unit-norm SVM optimum puts weight :math:`v^* \ge 1/\sqrt2` on z.

Statement (Tsipras et al. 2019, App. D, Lemma D.2; ``docs/theory.md`` §2.2). Let
:math:`\tfrac12 \le p \le 0.975`, :math:`\mu = \eta\sqrt d \ge 4`, and let :math:`w^*` minimise
the soft-margin objective (5) with :math:`\lVert w^*\rVert_2 = 1`. In the reduced coordinates
of Lemma D.1, :math:`w^* = (w_1, v)` with :math:`w_1^2 + v^2 = 1`, and :math:`v \ge 1/\sqrt2`.

Proof (the paper's, made complete). Write :math:`R(m, q) = E\max(0, m + qG)` and
:math:`H(w_1, v) = pR(1 - w_1 - v\mu, |v|) + (1-p)R(1 + w_1 - v\mu, |v|)` (the hinge term).

1. ``w*`` minimises ``H`` on the unit circle, so :math:`H(w^*) \le H(0, 1) = R(1-\mu, 1)
   \le R(-3, 1) = c_2 = 0.000382\dots` (``R`` increases in ``m``).
2. On the circle the term whose x1 points the wrong way has weight at least ``1 - p``:
   :math:`H \ge (1-p)\,g(v,\mu)`, :math:`g(v,\mu) = R(1 + \sqrt{1-v^2} - v\mu, |v|)`.
3. For ``v <= 0``, :math:`g \ge 1` (Jensen). For :math:`0 < v \le 1/\sqrt2` the ratio
   :math:`\rho(v, \mu) = R(1-\mu, 1)/g(v, \mu)` is non-increasing in :math:`\mu`, so it
   suffices to bound it at :math:`\mu = 4`. Since :math:`g = vR(x_g, 1)` with
   :math:`x_g = (1 + \sqrt{1-v^2})/v - \mu`,

   .. math::

       \partial_\mu \log\rho = h(x_g) - h(1 - \mu), \qquad h = (\log R(\cdot, 1))' = \Phi/R(\cdot, 1),

   and :math:`x_g \ge 1 - \mu`, so it is enough that ``h`` decreases on the whole line, i.e.
   that :math:`R(\cdot, 1)` is log-concave: :math:`F = \Phi^2 - \varphi R(\cdot, 1) > 0`
   (:math:`(\log R)'' = -F/R^2`). This is machine-checked twice. Route A (symbolic):
   :math:`K = (1 + x^2)\Phi + x\varphi` has :math:`K' = 2R > 0` and :math:`K(-\infty) = 0`, so
   :math:`K > 0`; :math:`F' = \varphi K > 0` and :math:`F(-\infty) = 0`, so :math:`F > 0`.
   Route B: interval arithmetic on a covering of :math:`[-4, 4]`; for :math:`x \ge 4` an explicit
   bound from the monotonicity of :math:`x\varphi` and :math:`\varphi`; for :math:`x = -t \le -4`
   the Mills-ratio bound :math:`\Phi(-t) > \varphi(t)(t^3 + 5t)/(t^4 + 6t^2 + 3)` (proved by
   differentiation) gives :math:`F \ge \varphi^2 (t^4 + 4t^2 - 9)/(t^4 + 6t^2 + 3)^2 > 0`.
4. At :math:`\mu = 4`, ``g`` decreases in ``v`` on :math:`[0, 1/\sqrt2]` (interval arithmetic
   over a covering of the interval), so :math:`g \ge g(1/\sqrt2, 4) = c_1 = 0.016993\dots`.
5. Hence :math:`\rho \le c_2/c_1 < 1 - p` whenever :math:`p < p^* = 1 - c_2/c_1 = 0.97752\dots`,
   i.e. :math:`(1-p)g(v,\mu) > H(0,1)` for every :math:`v < 1/\sqrt2`: such a ``w`` is not the
   minimiser. This covers :math:`p \le 0.975`.

The threshold moves with :math:`\mu`: :math:`1 - p^*(\mu) = \sup_v \rho(v, \mu)` is non-increasing
(step 3); its values at :math:`\mu = 5, 6, 8` are certified the same way as at 4.

Run ``python -m robtheory.proofs.lemma_d2 [--out DIR]`` to regenerate.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import sympy as sp

from . import _interval as I
from ._certificate import Certificate, run_main

NAME = "lemma_d2"
CERT_DIR = Path(__file__).resolve().parent / "certificates"

#: the hypothesis of Theorem 2.2 on p
P0 = sp.Rational(975, 1000)
MU0 = 4


def R_sym(m, q):
    """The ramp :math:`m\\Phi(m/q) + q\\varphi(m/q)` as an explicit sympy expression (q > 0)."""
    from robtheory.symbolic.core import Phi, phi

    return m * Phi(m / q) + q * phi(m / q)


def F_sym(x):
    r"""The log-concavity gap of :math:`R(\cdot, 1)`:
    :math:`F = R'^2 - RR'' = \Phi(x)^2 - \varphi(x)R(x, 1)`."""
    from robtheory.symbolic.core import Phi, phi

    return Phi(x) ** 2 - phi(x) * R_sym(x, 1)


def K_sym(x):
    r""":math:`K(x) = (1 + x^2)\Phi(x) + x\varphi(x)`, with :math:`F' = \varphi K` and :math:`K' = 2R(x, 1)`."""
    from robtheory.symbolic.core import Phi, phi

    return (1 + x**2) * Phi(x) + x * phi(x)


def mills_lower(t):
    r"""The continued-fraction lower bound :math:`L(t) = (t^3 + 5t)/(t^4 + 6t^2 + 3)` of the Mills
    ratio :math:`\Phi(-t)/\varphi(t)` (fourth convergent of Laplace's continued fraction)."""
    return (t**3 + 5 * t) / (t**4 + 6 * t**2 + 3)


# ----------------------------------------------------------------------------------------
# interval pieces


def _m_range(v0: float, v1: float, mu: int) -> I.Interval:
    """Enclosure of :math:`m(v) = 1 + \\sqrt{1 - v^2} - \\mu v` (decreasing) on ``[v0, v1]``."""
    def m(v):
        v = I.point(v)
        return 1 + (1 - v * v).sqrt() - mu * v

    return I.Interval(I.lo(m(v1)), I.hi(m(v0)))


def _g_prime_margin(mu: int):
    """Box check for :math:`g'(v) = \\Phi(m/v)\\,m'(v) + \\varphi(m/v) < 0`, returning a lower
    bound of :math:`-g'` on the box (positive = proved on the box).

    ``m' = -mu - v/sqrt(1-v^2)`` is negative and decreasing, so
    :math:`g' \\le \\Phi_{lo}\\, m'(v_0) + \\varphi_{hi}` with the enclosures of
    :math:`\\Phi, \\varphi` over the range of ``x = m/v``.
    """
    def check(v0: float, v1: float) -> float:
        mr = _m_range(v0, v1, mu)
        V0, V1 = I.point(v0), I.point(v1)
        # range of x = m/v over m in mr, v in [v0, v1]
        if mr.lo >= 0:
            x_lo = I.lo(I.point(mr.lo) / V1)
        elif v0 > 0:
            x_lo = I.lo(I.point(mr.lo) / V0)
        else:
            return -math.inf
        if v0 == 0:
            x_hi = math.inf if mr.hi > 0 else -math.inf
        elif mr.hi >= 0:
            x_hi = I.hi(I.point(mr.hi) / V0)
        else:
            x_hi = I.hi(I.point(mr.hi) / V1)
        Phi_lo = I.Phi_range(x_lo, x_hi).lo
        phi_hi = I.phi_range(x_lo, x_hi).hi
        mprime_hi = -mu - V0 / (1 - V0 * V0).sqrt()  # least negative value of m'
        bound = I.point(Phi_lo) * mprime_hi + I.point(phi_hi)
        return -I.hi(bound)

    return check


def _counterexample(cov: I.Covering):
    """The refuting box of a failed covering (end points as exact strings), or None."""
    if cov.counterexample is None:
        return None
    x0, x1 = cov.counterexample
    return {"box": [I.fmt(x0), I.fmt(x1)], "cap_reached": cov.exhausted}


def _deduce(cert: Certificate, step: str, description: str, uses: list[str], check: bool = True,
            **details) -> bool:
    """Record a deduction: it passes only if ``check`` holds and every step in ``uses`` passed."""
    return cert.deduce(step, description, uses, bool(check), **details)


#: the bounded part [-LC_M, LC_M] of the real line covered by interval arithmetic in route B of
#: the log-concavity of R(., 1); the tails beyond it are handled by proved bounds
LC_M = 4


def _logconcavity_margin(c=1):
    r"""Box check for :math:`c\,\Phi(x)^2 - \varphi(x)R(x, 1) > 0` (``c = 1``: log-concavity of
    :math:`R(\cdot, 1)`), returning a rigorous lower bound over the box ``[x0, x1]``.

    The whole expression is evaluated on one ball that contains the box, so every occurrence
    of ``x`` ranges over the box independently: a valid (if pessimistic) enclosure. The
    negative controls use ``c < 1`` (false for ``x`` below about -2.26) and the reversed sign.
    """
    c = I.point(c)

    def check(x0: float, x1: float) -> float:
        X = I.box(x0, x1)
        P, p = I.Phi(X), I.phi(X)
        return I.lo(c * P * P - p * (X * P + p))

    return check


def _logconcavity_by_covering(cert: Certificate, x) -> bool:
    """Route B: :math:`F > 0` on ``[-M, M]`` by a covering, on ``[M, oo)`` and ``(-oo, -M]`` by bounds."""
    from robtheory.symbolic.core import Phi, phi

    M = LC_M
    cov = I.cover(_logconcavity_margin(), -float(M), float(M), initial=16)
    cert.fact("F.cover", f"F(x) = Phi(x)^2 - phi(x) R(x, 1) > 0 on every box of a covering of [-{M}, {M}] "
              f"(interval arithmetic, python-flint arb at {I.PREC} bits; the expression evaluated on a ball "
              f"containing the box, bisected until its lower bound is positive)",
              cov.proved, region={"x": [-float(M), float(M)]}, boxes=len(cov.boxes),
              failed_boxes=len(cov.failed), min_lower_bound_of_F=I.fmt(cov.worst),
              counterexample=_counterexample(cov))

    # right tail x >= M: Phi increases to at most 1, x phi(x) and phi(x) decrease
    cert.identity("F.expand", "F(x) = Phi(x)^2 - x phi(x) Phi(x) - phi(x)^2", F_sym(x),
                  Phi(x) ** 2 - x * phi(x) * Phi(x) - phi(x) ** 2)
    cert.inequality("tail.right.xphi", "d/dx (x phi(x)) = (1 - x^2) phi(x) <= 0 on [1, oo)",
                    -sp.diff(x * phi(x), x), {x: sp.Interval(1, sp.oo)})
    cert.inequality("tail.right.phi", "d/dx phi(x) = -x phi(x) <= 0 on [0, oo)",
                    -sp.diff(phi(x), x), {x: sp.Interval(0, sp.oo)})
    bound = I.Phi(M) ** 2 - M * I.phi(M) - I.phi(M) ** 2
    _deduce(cert, "tail.right", f"F(x) > 0 on [{M}, oo): for x >= {M} >= 1, Phi(x) >= Phi({M}), "
            f"x phi(x) Phi(x) <= x phi(x) <= {M} phi({M}) (0 < Phi < 1) and phi(x)^2 <= phi({M})^2, so "
            f"F(x) >= Phi({M})^2 - {M} phi({M}) - phi({M})^2 > 0 (arb enclosure)",
            ["F.expand", "Phi.positive", "Phi.reflect", "tail.right.xphi", "tail.right.phi"],
            bool(bound > 0), region={"x": f"[{M}, oo)"}, lower_bound=[I.fmt(I.lo(bound)), I.fmt(I.hi(bound))])

    # left tail x = -t <= -M: a proved lower bound of the Mills ratio Phi(-t)/phi(t)
    t = sp.Symbol("t", positive=True)
    L = mills_lower(t)
    D = Phi(-t) - phi(t) * L
    cert.identity("mills.derivative", "D(t) = Phi(-t) - phi(t) L(t), L(t) = (t^3 + 5t)/(t^4 + 6t^2 + 3), "
                  "has D'(t) = -24 phi(t)/(t^4 + 6t^2 + 3)^2", sp.diff(D, t),
                  -24 * phi(t) / (t**4 + 6 * t**2 + 3) ** 2)
    cert.inequality("mills.decreasing", "-D'(t) > 0 for t > 0: D is strictly decreasing",
                    -sp.diff(D, t), {t: sp.Interval.open(0, sp.oo)}, strict=True)
    # limits of the two terms separately (both exist), which is much faster than of D
    limQ = sp.limit(Phi(-t).rewrite(sp.erfc), t, sp.oo)
    limPL = sp.limit(phi(t) * L, t, sp.oo)
    cert.fact("mills.limit", "D(t) -> 0 as t -> oo: Phi(-t) -> 0 and phi(t) L(t) -> 0 (sympy limits)",
              bool(limQ == 0 and limPL == 0), limit_Phi=limQ, limit_phi_L=limPL)
    _deduce(cert, "mills.bound", "Phi(-t) > phi(t) L(t) for every t > 0 (D strictly decreasing to 0)",
            ["mills.derivative", "mills.decreasing", "mills.limit"], region={"t": "(0, oo)"})
    Q = Phi(-t)
    cert.identity("tail.left.split", "F(-t) = phi(t)^2 (L^2 + tL - 1) + (Phi(-t) - phi(t) L)(Phi(-t) + "
                  "phi(t) L + t phi(t))", F_sym(-t),
                  phi(t) ** 2 * (L**2 + t * L - 1) + (Q - phi(t) * L) * (Q + phi(t) * L + t * phi(t)))
    cert.inequality("tail.left.poly", f"L^2 + tL - 1 = (t^4 + 4t^2 - 9)/(t^4 + 6t^2 + 3)^2 > 0 on [{M}, oo)",
                    L**2 + t * L - 1, {t: sp.Interval(M, sp.oo)}, strict=True)
    _deduce(cert, "tail.left", f"F(x) > 0 on (-oo, -{M}]: with x = -t, t >= {M}, the first term of "
            "tail.left.split is positive (phi.positive, tail.left.poly) and the second is the product of "
            "a positive factor (mills.bound) and a positive one (Phi.positive, phi.positive, L > 0)",
            ["tail.left.split", "tail.left.poly", "mills.bound", "Phi.positive", "phi.positive"],
            region={"x": f"(-oo, -{M}]"})
    return _deduce(cert, "F.positive.interval", f"route B: F > 0 on the whole real line without the "
                   f"monotonicity of F: covering of [-{M}, {M}] and proved bounds on both tails",
                   ["F.cover", "tail.right", "tail.left"],
                   region={"x": "(-oo, oo)", "covered": [-float(M), float(M)],
                           "tails": [f"(-oo, -{M}]", f"[{M}, oo)"]})


def _g_at_s(mu: int):
    s = 1 / I.point(2).sqrt()
    return I.ramp(1 + s - mu * s, s)


def _threshold(cert: Certificate, mu: int, label: str):
    """Certify that g(., mu) decreases on [0, 1/sqrt2] and enclose c1, c2 and p*(mu)."""
    s_hi = I.hi(1 / I.point(2).sqrt())
    cov = I.cover(_g_prime_margin(mu), 0.0, s_hi, initial=8)
    c1 = _g_at_s(mu)
    c2 = I.ramp(1 - mu, 1)
    tau = c2 / c1
    pstar = 1 - tau
    cert.fact(
        f"{label}.monotone",
        f"mu = {mu}: g(v, mu) = R(1 + sqrt(1-v^2) - mu v, v) is decreasing on [0, 1/sqrt2], because "
        f"g'(v) = Phi(m/v) m'(v) + phi(m/v) < 0 on every box of a covering (interval arithmetic, "
        f"python-flint arb at {I.PREC} bits; Phi and phi enclosed by monotonicity over the box)",
        cov.proved,
        region={"v": [0.0, s_hi], "mu": mu}, boxes=len(cov.boxes), failed_boxes=len(cov.failed),
        min_margin_of_minus_g_prime=I.fmt(cov.worst), counterexample=_counterexample(cov),
    )
    cert.fact(
        f"{label}.constants",
        f"mu = {mu}: c1 = g(1/sqrt2, mu) = R(1 + (1 - mu)/sqrt2, 1/sqrt2), c2 = R(1 - mu, 1) "
        f"(unit-norm alternative (0, 1)); threshold on 1 - p: c2/c1",
        bool(c1 > 0 and c2 > 0),
        c1=[I.fmt(I.lo(c1)), I.fmt(I.hi(c1))], c2=[I.fmt(I.lo(c2)), I.fmt(I.hi(c2))],
        one_minus_pstar=[I.fmt(I.lo(tau)), I.fmt(I.hi(tau))],
        pstar=[I.fmt(I.lo(pstar)), I.fmt(I.hi(pstar))],
    )
    return cov.proved, c1, c2, pstar


# ----------------------------------------------------------------------------------------


def build() -> Certificate:
    from robtheory.symbolic import linear as L
    from robtheory.symbolic.core import Phi, Ramp, phi

    cert = Certificate(NAME, "Lemma D.2: the unit-norm SVM optimum has v* >= 1/sqrt(2) for p <= 0.975, mu >= 4",
                       "Tsipras et al. 2019, App. D, Lemma D.2; docs/theory.md §2.2")
    p = sp.Symbol("p", positive=True)
    mu = sp.Symbol("mu", positive=True)
    v = sp.Symbol("v", positive=True)
    w = sp.Symbol("w1", real=True)
    m = sp.Symbol("m", real=True)
    q = sp.Symbol("q", positive=True)
    x = sp.Symbol("x", real=True)
    r = sp.Symbol("r", nonnegative=True)  # sqrt(1 - v^2)

    cert.set_region({p: sp.Interval(sp.Rational(1, 2), P0), mu: sp.Interval(MU0, sp.oo)},
                    note="(in fact p < p*(4) = 0.97752...) every d >= 1, every lam > 0 for which the optimum has "
                         "unit norm; the threshold p*(mu) is non-decreasing in mu; the log-concavity of R(., 1) "
                         "used at step 3 is proved on the whole real line")
    cert.set_scope("the unit-norm SVM optimum has v* >= 1/sqrt2 on the region; log-concavity of R(., 1) on the "
                   "real line (twice); p*(mu) at mu = 4, 5, 6, 8",
                   "sympy identities, inequalities and limits; coverings of [0, 1/sqrt2] (g' < 0) and [-4, 4] "
                   "(F > 0) by python-flint arb interval arithmetic")

    # --- the objective in reduced coordinates ----------------------------------------
    s = L.symbols()
    d = s["d"]
    loss = L.hinge_losses(None).results["loss"]
    reduced = loss.subs({s["b"]: 0, s["a"]: w, s["S"]: v * sp.sqrt(d), s["Q"]: v,
                         s["eta"]: mu / sp.sqrt(d), s["p"]: p})
    target = p * Ramp(1 - w - v * mu, v) + (1 - p) * Ramp(1 + w - v * mu, v)
    cert.identity("H.reduced", "the population hinge of w = (w1, v d^{-1/2} 1) (b = 0, v > 0) is "
                  "H = p R(1 - w1 - v mu, v) + (1-p) R(1 + w1 - v mu, v) (from the derivation "
                  "robtheory.symbolic.linear.hinge_losses)", reduced, target)
    ramp = L.ramp_expectation().results["R"]
    cert.identity("R.closed", "R(m, q) = E max(0, m + qG) = m Phi(m/q) + q phi(m/q) (integrated by sympy)",
                  ramp, R_sym(s["m"], s["q"]))

    # --- properties of R ---------------------------------------------------------------
    cert.identity("R.dm", "dR/dm = Phi(m/q)", sp.diff(R_sym(m, q), m), Phi(m / q))
    cert.identity("R.dq", "dR/dq = phi(m/q)", sp.diff(R_sym(m, q), q), phi(m / q))
    cert.identity("R.reflect", "R(m, q) - m = R(-m, q) (Phi(-t) = 1 - Phi(t))",
                  (R_sym(m, q) - m).rewrite(sp.erf), R_sym(-m, q).rewrite(sp.erf))
    cert.identity("R.homogeneous", "R(m, q) = q R(m/q, 1)", R_sym(m, q), q * R_sym(m / q, 1))

    # --- step 2: wrong-x1 term -----------------------------------------------------------
    cert.inequality("wrong.weight", "p >= 1 - p for p in [1/2, 1]: whichever sign w1 has, the term "
                    "R(1 + |w1| - v mu, |v|) carries weight p or 1 - p >= 1 - p, so H >= (1-p) g(v, mu) "
                    "with g(v, mu) = R(1 + sqrt(1-v^2) - v mu, |v|) on the unit circle",
                    p - (1 - p), {p: sp.Interval(sp.Rational(1, 2), 1)})
    mu_s = sp.Symbol("mu", positive=True)
    a_abs = sp.Symbol("a", nonnegative=True)  # |w1|
    t_abs = sp.Symbol("t", nonnegative=True)  # |v| = -v for v <= 0
    cert.inequality("v.nonpositive", "for v <= 0 the mean of the wrong-x1 margin term is "
                    "1 + |w1| + |v| mu >= 1, so g >= 1 (R.jensen) > c1", (1 + a_abs + t_abs * mu_s) - 1,
                    {a_abs: sp.Interval(0, 1), t_abs: sp.Interval(0, 1), mu_s: sp.Interval(4, sp.oo)})

    # --- step 3: monotonicity in mu --------------------------------------------------------
    g = R_sym(1 + r - v * mu, v)
    xg = (1 + r - v * mu) / v
    cert.identity("dlog.g", "d/dmu log g(v, mu) = -Phi(x_g)/R(x_g, 1), x_g = (1 + sqrt(1-v^2) - v mu)/v",
                  sp.diff(sp.log(g), mu), -Phi(xg) / R_sym(xg, 1))
    cert.identity("dlog.alt", "d/dmu log R(1 - mu, 1) = -Phi(1 - mu)/R(1 - mu, 1)",
                  sp.diff(sp.log(R_sym(1 - mu, 1)), mu), -Phi(1 - mu) / R_sym(1 - mu, 1))
    # log-concavity of R(., 1), machine-checked twice (no citation needed).
    # F = R'^2 - R R'' = Phi^2 - phi R(., 1): R(., 1) is log-concave iff F >= 0 on the whole line.
    Rx = R_sym(x, 1)
    Fx = F_sym(x)
    cert.inequality("logconcave.phi", "(log phi)'' = -1 <= 0: phi is log-concave (the hypothesis of the "
                    "classical route, Prekopa 1973; the steps below prove what it would give directly)",
                    -sp.diff(sp.log(phi(x)), x, 2), {x: sp.Reals})
    cert.identity("R.integral", "d/dx R(x, 1) = Phi(x), and d/dx Phi = phi: R(., 1) is the integral of Phi "
                  "and Phi the integral of phi (both vanish at -oo)", sp.diff(Rx, x), Phi(x))
    cert.identity("R.dxx", "d^2/dx^2 R(x, 1) = phi(x)", sp.diff(Rx, x, 2), phi(x))
    lim = sp.limit(Rx.rewrite(sp.erfc), x, -sp.oo)
    cert.fact("R.at_minus_infinity", "R(x, 1) -> 0 as x -> -oo (sympy limit)", bool(lim == 0), limit=lim)
    cert.inequality("phi.positive", "phi(x) > 0 on the real line", phi(x), {x: sp.Reals}, strict=True)
    _deduce(cert, "Phi.positive", "Phi(x) > 0 on the real line: Phi' = phi > 0 (phi.positive) and "
            "Phi(-oo) = 0, so Phi is strictly increasing from 0", ["phi.positive"],
            Phi(-sp.oo) == 0 and sp.diff(Phi(x), x) == phi(x))
    cert.identity("Phi.reflect", "Phi(x) = 1 - Phi(-x), so 0 < Phi < 1 (Phi.positive)",
                  Phi(x).rewrite(sp.erf), (1 - Phi(-x)).rewrite(sp.erf))
    _deduce(cert, "R.positive", "R(x, 1) > 0 on the real line: R' = Phi > 0 (R.integral, Phi.positive) and "
            "R(-oo, 1) = 0, so log R(., 1) is defined everywhere",
            ["R.integral", "Phi.positive", "R.at_minus_infinity"])
    _deduce(cert, "R.monotone", "R increases in m and in q: R.dm = Phi(m/q) > 0 (Phi.positive), R.dq = "
            "phi(m/q) > 0 (phi.positive)", ["R.dm", "R.dq", "Phi.positive", "phi.positive"])
    _deduce(cert, "R.jensen", "R(m, q) >= max(0, m) for q > 0: R(m, q) = q R(m/q, 1) > 0 (R.homogeneous, "
            "R.positive) and R(m, q) - m = R(-m, q) > 0 (R.reflect): Jensen's inequality for max(0, .)",
            ["R.closed", "R.reflect", "R.homogeneous", "R.positive"])
    cert.identity("logconcave.F", "(log R(x,1))'' = -F(x)/R(x,1)^2 with F = R'^2 - R R'' = Phi(x)^2 - "
                  "phi(x) R(x, 1) (R.integral, R.dxx): R(., 1) is log-concave iff F >= 0",
                  sp.diff(sp.log(Rx), x, 2), -Fx / Rx**2)
    cert.identity("logconcave.h", "h(x) = Phi(x)/R(x, 1) = (log R(x,1))' has h'(x) = -F(x)/R(x,1)^2",
                  sp.diff(Phi(x) / Rx, x), -Fx / Rx**2)

    # route A: F increases from F(-oo) = 0, by two monotonicity steps (whole line, no covering)
    Kx = K_sym(x)
    cert.identity("gordon.K.derivative", "K(x) = (1 + x^2) Phi(x) + x phi(x) has K'(x) = 2 R(x, 1)",
                  sp.diff(Kx, x), 2 * Rx)
    limK = sp.limit(Kx.rewrite(sp.erfc), x, -sp.oo)
    cert.fact("gordon.K.limit", "K(x) -> 0 as x -> -oo (sympy limit)", bool(limK == 0), limit=limK)
    _deduce(cert, "gordon.K.positive", "K > 0 on the real line: K' = 2R > 0 (R.positive), so K is strictly "
            "increasing from K(-oo) = 0. For x = -t < 0 this is Gordon's Mills-ratio bound "
            "Phi(-t)/phi(t) > t/(1 + t^2)", ["gordon.K.derivative", "R.positive", "gordon.K.limit"],
            region={"x": "(-oo, oo)"})
    cert.identity("F.derivative", "F'(x) = phi(x) K(x)", sp.diff(Fx, x), phi(x) * Kx)
    limF = sp.limit(Fx.rewrite(sp.erfc), x, -sp.oo)
    cert.fact("F.limit", "F(x) -> 0 as x -> -oo (sympy limit)", bool(limF == 0), limit=limF)
    _deduce(cert, "F.positive.symbolic", "route A: F > 0 on the whole real line: F' = phi K > 0 "
            "(phi.positive, gordon.K.positive), so F is strictly increasing from F(-oo) = 0",
            ["F.derivative", "phi.positive", "gordon.K.positive", "F.limit"], region={"x": "(-oo, oo)"})

    # route B, which does not use the monotonicity of F: a covering of [-M, M] and proved tail bounds
    _logconcavity_by_covering(cert, x)
    _deduce(cert, "logconcave.R", "R(., 1) is strictly log-concave on the real line, i.e. h = (log R(.,1))' = "
            "Phi/R(., 1) is strictly decreasing: F > 0 everywhere (proved twice, F.positive.symbolic and "
            "F.positive.interval) and h' = (log R)'' = -F/R^2 < 0. Formerly cited (Prekopa 1973; Bagnoli "
            "& Bergstrom 2005, Thm 1), now machine-checked; for x = -t it is Birnbaum's Mills-ratio bound "
            "Phi(-t)/phi(t) > (sqrt(t^2 + 4) - t)/2",
            ["logconcave.F", "logconcave.h", "R.positive", "F.positive.symbolic", "F.positive.interval"],
            region={"x": "(-oo, oo)"})

    # the deduction used at step 3
    rho_log = sp.log(R_sym(1 - mu, 1)) - sp.log(g)
    cert.identity("dlog.rho", "d/dmu log rho(v, mu) = h(x_g) - h(1 - mu), h = Phi/R(., 1) (dlog.g - "
                  "dlog.alt; the factor v of g = v R(x_g, 1) (R.homogeneous) cancels)",
                  sp.diff(rho_log, mu), Phi(xg) / R_sym(xg, 1) - Phi(1 - mu) / R_sym(1 - mu, 1))
    cert.inequality("x.order", "x_g - (1 - mu) = (1 - v + sqrt(1-v^2))/v >= 0 for v in (0, 1] (with "
                    "r = sqrt(1 - v^2) >= 0)",
                    xg - (1 - mu), {v: sp.Interval.Lopen(0, 1), r: sp.Interval(0, sp.oo)})
    _deduce(cert, "rho.monotone", "rho(v, mu) = R(1-mu, 1)/g(v, mu) is non-increasing in mu for v in (0, 1]: "
            "d/dmu log rho = h(x_g) - h(1 - mu) <= 0 since x_g >= 1 - mu and h is decreasing on the whole "
            "line (needed: as v in (0, 1/sqrt2] and mu >= 4 vary, 1 - mu <= -3 and x_g >= 1 + sqrt2 - mu "
            "reach every real number)",
            ["dlog.g", "dlog.alt", "dlog.rho", "logconcave.R", "x.order"],
            region={"v": "(0, 1]", "mu": "[4, oo)"})

    # --- step 4-5: mu = 4 by interval arithmetic ---------------------------------------
    ok4, c1, c2, pstar = _threshold(cert, MU0, "mu4")
    cert.fact("constants.paper", "the paper's constants: c1 = 0.016993 (> 0.016 as written), "
              "c2 = 0.000382 (< 0.0004 as written), to 6 decimals",
              bool(abs(c1 - I.point(0.016993)) < I.point(5e-7) and abs(c2 - I.point(0.000382)) < I.point(5e-7)
                   and c1 > I.point(0.016) and c2 < I.point(0.0004)), uses=["mu4.constants"])
    cert.fact("threshold", "(1-p) c1 > c2 iff p < p* = 1 - c2/c1; p* lies in [0.9775, 0.97753) and exceeds 0.975",
              bool(pstar > I.point("9775/10000") and pstar < I.point("97753/100000")
                   and pstar > I.point("975/1000")),
              pstar=[I.fmt(I.lo(pstar)), I.fmt(I.hi(pstar))], uses=["mu4.constants"])
    c1_lo, c2_hi = sp.Rational(I.lo(c1)), sp.Rational(I.hi(c2))
    cert.inequality("p.threshold", f"(1 - p) c1 - c2 >= (1 - p) c1_lo - c2_hi > 0 for p in [1/2, {P0}] (c1_lo, "
                    f"c2_hi: the floats enclosing c1 and c2 from below and above, exact rationals)",
                    (1 - p) * c1_lo - c2_hi, {p: sp.Interval(sp.Rational(1, 2), P0)}, strict=True)
    cert.identity("alt.value", "H(0, 1) = p R(1 - mu, 1) + (1-p) R(1 - mu, 1) = R(1 - mu, 1)",
                  target.subs({w: 0, v: 1}), Ramp(1 - mu, 1))
    cert.inequality("alt.arg", f"(1 - {MU0}) - (1 - mu) >= 0 for mu >= {MU0}", (1 - MU0) - (1 - mu),
                    {mu: sp.Interval(MU0, sp.oo)})
    _deduce(cert, "alternative", f"H(0, 1) = R(1 - mu, 1) <= R({1 - MU0}, 1) = c2 for mu >= {MU0} (alt.value, "
            "R increasing in m, alt.arg)", ["H.reduced", "alt.value", "R.monotone", "alt.arg", "mu4.constants"],
            domain={mu: sp.Interval(MU0, sp.oo)})
    cert.conclude("LEMMA", "for p <= 0.975 < p*, mu >= 4 and every unit (w1, v) with v < 1/sqrt2: "
                  "H(w1, v) >= (1-p) g(v, mu) > R(1-mu, 1) = H(0, 1) (v <= 0: g >= 1 by R.jensen; 0 < v < 1/sqrt2: "
                  "rho(v, mu) <= rho(v, 4) <= c2/c1 < 1-p), so the unit-norm minimiser has v* >= 1/sqrt2",
                  ["wrong.weight", "v.nonpositive", "R.jensen", "rho.monotone", "mu4.monotone", "threshold",
                   "p.threshold", "alternative"], ok4)

    # --- the threshold as a function of mu ----------------------------------------------
    values = {}
    okall = ok4
    for mu_k in (5, 6, 8):
        ok, _, _, ps = _threshold(cert, mu_k, f"mu{mu_k}")
        okall &= ok
        values[mu_k] = ps
    table = ", ".join(f"{float((1 - val).mid()):.3g} at mu = {k}" for k, val in ((4, pstar), *values.items()))
    cert.fact("threshold.moves", "p*(mu) = 1 - sup_v rho(v, mu) is non-decreasing in mu (rho.monotone); "
              f"certified 1 - p*(mu): {table} (theory's 0.0225 at mu = 4 and 0.0018 at mu = 6)",
              bool(okall and pstar < values[5] < values[6] < values[8]
                   and abs((1 - pstar) - I.point(0.0225)) < I.point(5e-5)
                   and abs((1 - values[6]) - I.point(0.0018)) < I.point(5e-5)),
              pstar={str(k): [I.fmt(I.lo(val)), I.fmt(I.hi(val))] for k, val in ((4, pstar), *values.items())},
              uses=["rho.monotone", "mu4.monotone", "mu5.monotone", "mu6.monotone", "mu8.monotone"])
    return cert


def main(argv=None) -> int:
    return run_main(build, "Certify Lemma D.2.", CERT_DIR, argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
