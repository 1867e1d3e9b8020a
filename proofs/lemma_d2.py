r"""Certificate for Lemma D.2: the unit-norm SVM optimum puts weight :math:`v^* \ge 1/\sqrt2` on z.

Statement (Tsipras et al. 2019, App. D, Lemma D.2; spec ``paper_math.md`` §2.2). Let
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
   :math:`\rho(v, \mu) = R(1-\mu, 1)/g(v, \mu)` is non-increasing in :math:`\mu` (proved from
   the log-concavity of :math:`R(\cdot, 1)`), so it suffices to bound it at :math:`\mu = 4`.
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
        min_margin_of_minus_g_prime=I.fmt(cov.worst),
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
                       "Tsipras et al. 2019, App. D, Lemma D.2; spec paper_math.md §2.2")
    p = sp.Symbol("p", positive=True)
    mu = sp.Symbol("mu", positive=True)
    v = sp.Symbol("v", positive=True)
    w = sp.Symbol("w1", real=True)
    m = sp.Symbol("m", real=True)
    q = sp.Symbol("q", positive=True)
    x = sp.Symbol("x", real=True)
    r = sp.Symbol("r", nonnegative=True)  # sqrt(1 - v^2)

    cert.fact("region", "region covered: p in [1/2, 0.975] (in fact p < p*(4) = 0.97752...), mu = eta sqrt(d) "
              "in [4, oo), every d >= 1, every lam > 0 for which the optimum has unit norm; the threshold "
              "p*(mu) is non-decreasing in mu", True,
              region={"p": "[1/2, 0.975]", "mu": "[4, oo)", "d": ">= 1", "lam": "> 0", "norm": "||w*|| = 1"})

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
    cert.fact("R.monotone", "R increases in m and in q (R.dm, R.dq: Phi, phi >= 0)", True,
              uses=["R.dm", "R.dq"])
    cert.identity("R.reflect", "R(m, q) - m = R(-m, q) (Phi(-t) = 1 - Phi(t))",
                  (R_sym(m, q) - m).rewrite(sp.erf), R_sym(-m, q).rewrite(sp.erf))
    cert.fact("R.jensen", "R(m, q) >= max(0, m): R is the mean of max(0, m + qG) >= 0, and "
              "R(m,q) - m = R(-m,q) >= 0 (R.reflect)", True, uses=["R.closed", "R.reflect"])
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
    cert.inequality("logconcave.phi", "(log phi)'' = -1 <= 0: phi is log-concave",
                    -sp.diff(sp.log(phi(x)), x, 2), {x: sp.Reals})
    cert.identity("R.integral", "d/dx R(x, 1) = Phi(x), and d/dx Phi = phi: R(., 1) is the integral of Phi "
                  "and Phi the integral of phi (both vanish at -oo)", sp.diff(R_sym(x, 1), x), Phi(x))
    lim = sp.limit(R_sym(x, 1).rewrite(sp.erfc), x, -sp.oo)
    cert.fact("R.at_minus_infinity", "R(x, 1) -> 0 as x -> -oo (sympy limit)", bool(lim == 0), limit=lim)
    cert.fact("logconcave.R", "h(x) = Phi(x)/R(x, 1) = (log R(x,1))' is non-increasing: the integral "
              "over (-oo, x] of a log-concave function is log-concave (Prekopa 1973; Bagnoli & Bergstrom "
              "2005, Thm 1), applied to phi -> Phi -> R(., 1)", True,
              uses=["logconcave.phi", "R.integral", "R.at_minus_infinity"],
              reference="A. Prekopa, Acta Sci. Math. 34 (1973) 335-343; M. Bagnoli, T. Bergstrom, Economic "
                        "Theory 26 (2005) 445-469, Theorem 1")
    cert.inequality("x.order", "x_g - (1 - mu) = (1 - v + sqrt(1-v^2))/v >= 0 for v in (0, 1]",
                    (1 - v + r) / v, {v: sp.Interval.Lopen(0, 1), r: sp.Interval(0, sp.oo)})
    cert.fact("rho.monotone", "rho(v, mu) = R(1-mu, 1)/g(v, mu) is non-increasing in mu for v in (0, 1]: "
              "d/dmu log rho = h(x_g) - h(1 - mu) <= 0 since x_g >= 1 - mu and h is non-increasing", True,
              uses=["dlog.g", "dlog.alt", "logconcave.R", "x.order"])

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
    cert.fact("alternative", "H(0, 1) = R(1 - mu, 1) <= R(-3, 1) = c2 for mu >= 4 (H.reduced at w1 = 0, "
              "v = 1; R increasing in m)", True, uses=["H.reduced", "R.monotone", "mu4.constants"])
    cert.fact("LEMMA", "for p <= 0.975 < p*, mu >= 4 and every unit (w1, v) with v < 1/sqrt2: "
              "H(w1, v) >= (1-p) g(v, mu) > R(1-mu, 1) = H(0, 1) (v <= 0: g >= 1; 0 < v < 1/sqrt2: "
              "rho(v, mu) <= rho(v, 4) <= c2/c1 < 1-p), so the unit-norm minimiser has v* >= 1/sqrt2",
              bool(ok4), uses=["wrong.weight", "v.nonpositive", "rho.monotone", "mu4.monotone",
                               "threshold", "alternative"])

    # --- the threshold as a function of mu ----------------------------------------------
    values = {}
    okall = ok4
    for mu_k in (5, 6, 8):
        ok, _, _, ps = _threshold(cert, mu_k, f"mu{mu_k}")
        okall &= ok
        values[mu_k] = ps
    table = ", ".join(f"{float((1 - val).mid()):.3g} at mu = {k}" for k, val in ((4, pstar), *values.items()))
    cert.fact("threshold.moves", "p*(mu) = 1 - sup_v rho(v, mu) is non-decreasing in mu (rho.monotone); "
              f"certified 1 - p*(mu): {table} (the spec's 0.0225 at mu = 4 and 0.0018 at mu = 6)",
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
