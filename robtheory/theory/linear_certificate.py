"""Certified bounds on the linear frontier: branch and bound over boxes of (c1, c2, r).

For a point of :func:`robtheory.theory.linear_frontier._linear_frontier`, :func:`_certify_linear`
bounds the best robust accuracy any linear classifier reaches at the point's standard accuracy (or
the best standard accuracy at its robust accuracy where the curve is steep), with the box bounds of
:class:`_LinearBounds` (monotonicity, mean value with interval enclosures of the slopes, a
Lagrangian bound). The bounds are exact inequalities evaluated in float64 and raised by
:data:`_CERT_WIDEN`; a point is exact when its gap is at most :data:`_CERT_TOL`.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtr

from robtheory.model import ThreatModel, ToyModel

__all__: list[str] = []


_CERT_TOL = 1e-9  # the certified gap under which a linear frontier is reported exact
_CERT_WIDEN = 1e-12  # slack on top of each bound's analysed rounding error (see _value_err)
#: Assumed bound of the absolute error of scipy.special.ndtr (Cephes' ndtr, whose documentation gives
#: a peak relative error of 3.4e-14 on [-13, 0], where Phi <= 1/2; on x > 0 it is 1 - Phi(-x)).
#: Measured against 120-bit arb at 80,000 points of [-40, 40]: 1.8e-16 (tests/theory).
_PHI_ERR = 2e-14
_U = 2.0 ** -53  # unit roundoff of float64
#: Per-point box budget (points over the shared budget wait; off: a batch stops for every point
#: once its boxes together fill the budget, the former behaviour).
_PER_POINT_BUDGET = True
_MAX_EVALS_POINT = 250_000  # boxes bounded per point, at most: then its open boxes leave with their bounds
_MAX_EVALS_TOTAL = 2_500_000  # and per call (about 30 s): then every open box leaves with its bound
_BATCH_POINTS = 24  # points searched at a time (the others wait)


def _phi_range(lo, hi):
    """Enclosure of the normal density over [lo, hi] (unimodal at 0)."""
    k = 1 / math.sqrt(2 * math.pi)
    top = k * np.exp(-0.5 * np.clip(0.0, lo, hi) ** 2)
    bot = k * np.minimum(np.exp(-0.5 * lo * lo), np.exp(-0.5 * hi * hi))
    return bot, top


def _dphi_range(lo, hi):
    """Enclosure of the derivative of the normal density, phi'(t) = -t phi(t), over [lo, hi]: it
    rises on (-inf, -1], falls on [-1, 1] (from phi(1) to -phi(1)) and rises on [1, inf)."""
    k = 1 / math.sqrt(2 * math.pi)
    with np.errstate(invalid="ignore"):
        el = np.where(np.isfinite(lo), -lo * k * np.exp(-0.5 * lo * lo), 0.0)
        eh = np.where(np.isfinite(hi), -hi * k * np.exp(-0.5 * hi * hi), 0.0)
    top = k * math.exp(-0.5)
    low = np.where((lo <= 1) & (hi >= 1), -top, np.minimum(el, eh))
    high = np.where((lo <= -1) & (hi >= -1), top, np.maximum(el, eh))
    return low, high


def _imul(al, ah, bl, bh):
    """Product of intervals [al, ah] * [bl, bh] (finite)."""
    c = np.stack([al * bl, al * bh, ah * bl, ah * bh])
    return c.min(axis=0), c.max(axis=0)


class _LinearBounds:
    r"""Rigorous bounds for the linear families over boxes of ``(c1, c2, r)`` (:class:`_LinearFamily`'s
    parameters, ``c_{1,2} = a \pm b``; ``unbiased``: ``c2 = c1 = a``).

    With :math:`g(c; m) = p\Phi(c+m) + (1-p)\Phi(m-c)` both accuracies are
    :math:`\tfrac12(g(c_1; m) + g(c_2; m))` at the margins :math:`m_0 = \eta r` (standard) and
    :math:`m_\varepsilon(a, r)` (robust). Two upper bounds of either accuracy, or of a Lagrangian
    ``F + lam (G - t)``, over a box:

    * by monotonicity: g rises with m, and in c it has one maximum at ``L/(2m)`` (m > 0) or
      none inside (m <= 0: a minimum), so its supremum over an interval of c at the largest m of
      the box is a closed form (valid for infinite end points);
    * by the mean-value theorem: the value at the centre plus half of each width times the
      largest slope over the box, from interval enclosures of the partial derivatives
      (``phi`` over an interval is known in closed form); quadratic in the width at a
      stationary point of the Lagrangian, so the bound closes on a constrained optimum.

    Rounding: every bound is evaluated in float64 and then raised by its own analysed rounding
    error (:meth:`_value_err` for each accuracy value, times the weights; the slope terms' relative
    rounding; the product with the multiplier) and by :data:`_CERT_WIDEN` more; the level ``t``
    of a point is lowered by its value's error before the search (:func:`_certify_linear`).
    """

    def __init__(self, model: ToyModel, threat: ThreatModel, r_free: bool, unbiased: bool):
        self.p, self.eta, self.eps, self.d = model.p, model.eta, threat.eps, model.d
        self.norm, self.full = threat.norm, threat.perturb_x1
        self.sd = math.sqrt(model.d)
        self.r_free, self.unbiased = r_free, unbiased
        with np.errstate(divide="ignore"):
            self.L = math.log(self.p / (1 - self.p)) if self.p < 1 else math.inf
        #: c1 beyond c_max: g(c1; m) is p to within Phi(-64) at every margin of the domain (the
        #: search does not split c1 there)
        self.c_max = 64.0 + 4 * (self.eta + self.eps) * self.sd + 4 * (abs(self.L) if math.isfinite(self.L) else 0.0)
        # weak-only, with a bias: the margins do not depend on c, so a box with c1 >= c_max is the
        # unbiased family's at c2 (twice, averaged with p): bounded by that family's bounds
        self._tail = None if (self.full or unbiased) else _LinearBounds(model, threat, r_free, True)

    # -- margins -------------------------------------------------------------------------
    def _margins(self, c1l, c1h, c2l, c2h, rl, rh):
        """Enclosures of m0, m_eps and of d m_eps/d c_j (each c_j) and d m_eps/d r, d m0/d r."""
        eta, eps = self.eta, self.eps
        al, ah = (c1l + c2l) / 2, (c1h + c2h) / 2
        absl = np.where((al <= 0) & (ah >= 0), 0.0, np.minimum(np.abs(al), np.abs(ah)))
        absh = np.maximum(np.abs(al), np.abs(ah))
        m0l, m0h = eta * rl, eta * rh
        zero = np.zeros_like(al)
        if self.norm == "linf":
            k = eta - eps
            mel, meh = np.minimum(k * rl, k * rh), np.maximum(k * rl, k * rh)
            if self.full:
                mel, meh = mel - eps * absh, meh - eps * absl
                dl = np.where(al > 0, -eps / 2, np.where(ah < 0, eps / 2, -eps / 2))
                dh = np.where(al > 0, -eps / 2, np.where(ah < 0, eps / 2, eps / 2))
            else:
                dl, dh = zero, zero
            drl = drh = k + zero
        else:
            base = eta * self.sd
            if self.full:
                mel, meh = base - eps * np.sqrt(1 + absh ** 2), base - eps * np.sqrt(1 + absl ** 2)
                with np.errstate(invalid="ignore"):
                    psi_l = np.where(np.isinf(al), np.sign(al), al / np.sqrt(1 + al * al))
                    psi_h = np.where(np.isinf(ah), np.sign(ah), ah / np.sqrt(1 + ah * ah))
                dl, dh = -eps / 2 * psi_h, -eps / 2 * psi_l
            else:
                mel = meh = base - eps + zero
                dl, dh = zero, zero
            drl = drh = zero
        return (m0l, m0h), (mel, meh), (dl, dh), (drl, drh)

    def _value_err(self, lo, hi):
        r"""Bound of the floating-point error of one accuracy (either), evaluated anywhere in each box.

        An accuracy is :math:`\tfrac12\sum_j p\Phi(c_j+m) + (1-p)\Phi(m-c_j)`. Each Phi is off by at
        most :data:`_PHI_ERR` at its (rounded) argument; the argument ``c +- m`` carries at most
        four roundings relative to ``M = |c| + |m|`` (``m`` = ``eta r`` or ``(eta - eps) r - eps|a|``,
        or the l_2 margin: three operations), which moves Phi by at most
        :math:`\varphi_{\max}\cdot 4uM \le 1.8\cdot 10^{-16} M`; the weighted sum of four such
        terms in [0, 1] adds at most ``4u``. So ``_PHI_ERR + 4u + 2e-16 M`` with M the box's
        largest finite ``|c| + |m|`` (infinite ends give Phi = 0 or 1 exactly).
        """
        c = np.abs(np.stack([lo[:, 0], hi[:, 0], lo[:, 1], hi[:, 1]]))
        c = np.where(np.isfinite(c), c, 0.0).max(axis=0)
        (m0l, m0h), (mel, meh), _, _ = self._margins(lo[:, 0], hi[:, 0], lo[:, 1], hi[:, 1], lo[:, 2], hi[:, 2])
        m = np.abs(np.stack([m0l, m0h, mel, meh]))
        m = np.where(np.isfinite(m), m, 0.0).max(axis=0)
        return _PHI_ERR + 4 * _U + 2e-16 * (c + m)

    # -- values --------------------------------------------------------------------------
    def _g(self, c, m):
        p = self.p
        return p * ndtr(c + m) + (1 - p) * ndtr(m - c)

    def values(self, c1, c2, r):
        """(std, rob) at points (arrays; c1 = c2 = inf is the rule sign(x1))."""
        c1, c2, r = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (c1, c2, r)))
        with np.errstate(invalid="ignore"):
            (m0, _), (me, _), _, _ = self._margins(c1, c1, c2, c2, r, r)
            std = 0.5 * (self._g(c1, m0) + self._g(c2, m0))
            rob = 0.5 * (self._g(c1, me) + self._g(c2, me))
        x1 = np.isinf(c1) & np.isinf(c2) & (c1 > 0) & (c2 > 0)
        x1_rob = self.p if (self.eps < 1 or not self.full) else 0.0
        return np.where(x1, self.p, std), np.where(x1, x1_rob, rob)

    def _gsup(self, cl, ch, m):
        """sup of g(c; m) over c in [cl, ch] at fixed m (arrays)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            peak = np.where(m > 0, self.L / (2 * np.where(m > 0, m, 1.0)), np.nan)
        inner = self._g(np.clip(np.nan_to_num(peak, nan=0.0), cl, ch), m)
        ends = np.maximum(self._g(cl, m), self._g(ch, m))
        return np.where(m > 0, inner, ends)

    def _mono(self, lo, hi):
        """Monotonicity bounds: sup std, sup rob over the boxes."""
        c1l, c2l, rl = lo.T
        c1h, c2h, rh = hi.T
        (m0l, m0h), (mel, meh), _, _ = self._margins(c1l, c1h, c2l, c2h, rl, rh)
        s = 0.5 * (self._gsup(c1l, c1h, m0h) + self._gsup(c2l, c2h, m0h))
        q1, q2 = self._gsup(c1l, c1h, meh), self._gsup(c2l, c2h, meh)
        if self.full:
            # m_eps <= M - eps a (M = (eta - eps) r, or eta sqrt(d) under l_2, where
            # sqrt(1 + a^2) >= a), so c1 + m_eps <= (1 - eps/2) c1 - (eps/2) c2 + M, linear in the
            # box: this keeps c and the margin coupled along an infinite side (eps >= 2)
            M = (self.eta - self.eps) * np.maximum(rl, rh) if self.norm == "linf" else self.eta * self.sd + 0 * rl
            M = M if self.norm == "l2" or self.eta >= self.eps else (self.eta - self.eps) * rl
            k = 1 - self.eps / 2
            p = self.p
            with np.errstate(invalid="ignore"):
                for j, (al, ah, bl) in enumerate(((c1l, c1h, c2l), (c2l, c2h, c1l))):
                    top = np.where(k > 0, k * ah, np.where(k < 0, k * al, 0.0)) - self.eps / 2 * bl + M
                    top = np.where(np.isnan(top), np.inf, top)
                    alt = p * ndtr(np.minimum(top, ah + meh)) + (1 - p) * ndtr(meh - al)
                    if j == 0:
                        q1 = np.minimum(q1, alt)
                    else:
                        q2 = np.minimum(q2, alt)
        return s, 0.5 * (q1 + q2)

    def _dg(self, cl, ch, ml, mh):
        """Enclosures of dg/dc and dg/dm over c in [cl, ch], m in [ml, mh]."""
        p = self.p
        ul, uh = _phi_range(cl + ml, ch + mh)
        vl, vh = _phi_range(ml - ch, mh - cl)
        return (p * ul - (1 - p) * vh, p * uh - (1 - p) * vl), (p * ul + (1 - p) * vl, p * uh + (1 - p) * vh)

    def grads(self, lo, hi, w_std, w_rob):
        """Enclosure of the gradient of ``w_std Std + w_rob Rob`` over (finite) boxes in the box
        variables: (c1, c2, r), or (a, -, r) with c1 = c2 = a (unbiased). Shape (3, 2, N)."""
        c1l, c2l, rl = lo.T
        c1h, c2h, rh = hi.T
        (m0l, m0h), (mel, meh), (dl, dh), (drl, drh) = self._margins(c1l, c1h, c2l, c2h, rl, rh)
        gc = []
        gm_e = [0.0, 0.0]
        gm_0 = [0.0, 0.0]
        for cl, ch in ((c1l, c1h), (c2l, c2h)):
            (c0l, c0h), (n0l, n0h) = self._dg(cl, ch, m0l, m0h)
            (cel, ceh), (nel, neh) = self._dg(cl, ch, mel, meh)
            gc.append((0.5 * (w_std * c0l + w_rob * cel), 0.5 * (w_std * c0h + w_rob * ceh)))
            gm_e = [gm_e[0] + 0.5 * nel, gm_e[1] + 0.5 * neh]
            gm_0 = [gm_0[0] + 0.5 * n0l, gm_0[1] + 0.5 * n0h]
        # the robust margin's dependence on a = (c1 + c2)/2 (dl, dh: d m_eps / d c_j)
        tl, th = _imul(w_rob * gm_e[0], w_rob * gm_e[1], dl, dh)
        g1 = (gc[0][0] + tl, gc[0][1] + th)
        g2 = (gc[1][0] + tl, gc[1][1] + th)
        rl_, rh_ = _imul(w_rob * gm_e[0], w_rob * gm_e[1], drl, drh)
        gr = (rl_ + w_std * self.eta * gm_0[0], rh_ + w_std * self.eta * gm_0[1])
        # the same slopes with the density terms of the two accuracies grouped (see _grouped): both
        # are enclosures of the same derivatives, so their intersection is one too
        (q1, q2), (qrl, qrh) = self._grouped(c1l, c1h, c2l, c2h, rl, rh, m0l, m0h, mel, meh, w_std, w_rob)
        g1 = (np.maximum(g1[0], q1[0] + tl), np.minimum(g1[1], q1[1] + th))
        g2 = (np.maximum(g2[0], q2[0] + tl), np.minimum(g2[1], q2[1] + th))
        if self.norm == "linf":
            gr = (np.maximum(gr[0], qrl), np.minimum(gr[1], qrh))
        if self.unbiased:
            g1 = (g1[0] + g2[0], g1[1] + g2[1])
            g2 = (np.zeros_like(g1[0]), np.zeros_like(g1[0]))
        return g1, g2, gr

    def _grouped(self, c1l, c1h, c2l, c2h, rl, rh, m0l, m0h, mel, meh, w_std, w_rob):
        r"""Slopes of ``w_std Std + w_rob Rob`` in c_j (without the robust margin's dependence on a)
        and in r (l_inf), with the densities of the two accuracies grouped.

        With :math:`u = c + m_0`, :math:`v = m_0 - c` and :math:`D = m_0 + m_\varepsilon`, the robust
        accuracy's densities are :math:`\varphi(c + m_\varepsilon) = \varphi(v - D)` and
        :math:`\varphi(m_\varepsilon - c) = \varphi(u - D)`, so (per class offset, halved)

        .. math:: \partial_c = A\varphi(u) + B\varphi(v) + w_Q(pR_v - (1-p)R_u),\quad
                  A = w_S p - w_Q(1-p),\ B = w_Q p - w_S(1-p),

        with :math:`R_x = \varphi(x - D) - \varphi(x) \in -D\,\varphi'(\text{hull})` (mean value), and the
        same for r. At eps = 2 eta (weak-only l_inf, D = 0) the remainders vanish and, at the
        frontier's multiplier w_Q/w_S = (1-p)/p of its straight part, B = 0: the Lagrangian's slope
        is then A phi(u) >= 0 exactly, where separate enclosures of the two accuracies' slopes
        (each as wide as its own variation over the box) leave a first-order term that no
        feasible number of boxes closes along that part's continuum of near-optimal rules.
        Returns ((lo, hi) for c1, (lo, hi) for c2), (lo, hi) for r."""
        p, eta, eps = self.p, self.eta, self.eps
        if self.norm == "linf":
            k2 = 2 * eta - eps
            Dl, Dh = np.minimum(k2 * rl, k2 * rh), np.maximum(k2 * rl, k2 * rh)
            if self.full:
                al, ah = (c1l + c2l) / 2, (c1h + c2h) / 2
                absl = np.where((al <= 0) & (ah >= 0), 0.0, np.minimum(np.abs(al), np.abs(ah)))
                absh = np.maximum(np.abs(al), np.abs(ah))
                Dl, Dh = Dl - eps * absh, Dh - eps * absl
        else:
            Dl, Dh = m0l + mel, m0h + meh
        A = w_std * p - w_rob * (1 - p)
        B = w_rob * p - w_std * (1 - p)

        def scale(c, lo, hi):  # c * [lo, hi] for an array c
            return np.minimum(c * lo, c * hi), np.maximum(c * lo, c * hi)

        def rem(xl, xh):  # phi(x - D) - phi(x) = -D phi'(xi), xi between x - D and x
            fl, fh = _dphi_range(np.minimum(xl, xl - Dh), np.maximum(xh, xh - Dl))
            return _imul(-Dh, -Dl, fl, fh)

        out_c, rl_sum, rh_sum = [], 0.0, 0.0
        kr = eta - eps  # d m_eps / d r (l_inf)
        for cl, ch in ((c1l, c1h), (c2l, c2h)):
            ul, uh = cl + m0l, ch + m0h
            vl, vh = m0l - ch, m0h - cl
            pul, puh = _phi_range(ul, uh)
            pvl, pvh = _phi_range(vl, vh)
            Rul, Ruh = rem(ul, uh)
            Rvl, Rvh = rem(vl, vh)
            # d/dc: A phi(u) + B phi(v) + w_Q p R_v - w_Q (1-p) R_u, halved
            t1, t2 = scale(A, pul, puh), scale(B, pvl, pvh)
            t3, t4 = scale(w_rob * p, Rvl, Rvh), scale(-w_rob * (1 - p), Rul, Ruh)
            out_c.append((0.5 * (t1[0] + t2[0] + t3[0] + t4[0]), 0.5 * (t1[1] + t2[1] + t3[1] + t4[1])))
            if self.norm == "linf":
                # d/dr: (w_S eta p + w_Q kr (1-p)) phi(u) + (w_S eta (1-p) + w_Q kr p) phi(v)
                #       + w_Q kr (p R_v + (1-p) R_u), halved
                s1 = scale(w_std * eta * p + w_rob * kr * (1 - p), pul, puh)
                s2 = scale(w_std * eta * (1 - p) + w_rob * kr * p, pvl, pvh)
                s3 = scale(w_rob * kr * p, Rvl, Rvh)
                s4 = scale(w_rob * kr * (1 - p), Rul, Ruh)
                rl_sum = rl_sum + 0.5 * (s1[0] + s2[0] + s3[0] + s4[0])
                rh_sum = rh_sum + 0.5 * (s1[1] + s2[1] + s3[1] + s4[1])
        return (out_c[0], out_c[1]), (rl_sum, rh_sum)

    def mean_value(self, lo, hi, w_std, w_rob, ev=None):
        """Upper bound of ``w_std Std + w_rob Rob`` over finite boxes by the mean-value theorem,
        expanded about the point of the box that each variable's slope enclosure favours: its top
        where the slope is >= 0 on the whole box, its bottom where <= 0 (no term: an optimum on
        a face, e.g. r = sqrt d, is then bounded to second order), else its centre (half the
        width times the largest slope). Returns the bound and, per variable, half its width times
        its largest slope (where to split)."""
        y = 0.5 * (lo + hi)
        half = 0.5 * (hi - lo)
        terms = np.zeros_like(lo)
        total = np.zeros(lo.shape[0])
        for k, (gl, gh) in enumerate(self.grads(lo, hi, w_std, w_rob)):
            if self.unbiased and k == 1:
                continue
            up, down = gl >= 0, gh <= 0
            y[:, k] = np.where(up, hi[:, k], np.where(down, lo[:, k], y[:, k]))
            terms[:, k] = half[:, k] * np.maximum(np.abs(gl), np.abs(gh))
            total = total + np.where(up | down, 0.0, terms[:, k])
        if self.unbiased:
            y[:, 1] = y[:, 0]
        s, q = self.values(y[:, 0], y[:, 1], y[:, 2])
        # rounding (see _value_err): the two values, the slope terms (relative; each slope enclosure
        # is a few operations on numbers <= 1 with rounded coefficients (_grouped), off by <= 1e-15
        # absolute per unit weight; a slope enclosed as >= 0 may be negative by that much, over the
        # whole width)
        w = np.abs(w_std) + np.abs(w_rob)
        err = w * (self._value_err(lo, hi) if ev is None else ev) + 1e-14 * total + 2e-15 * w * half.sum(axis=1)
        return w_std * s + w_rob * q + total + err, terms

    def point_grads(self, x):
        """Gradients of (std, rob) at points x (N, 3) over the free variables, shape (N, 3) each."""
        gs = np.stack([0.5 * (g[0] + g[1]) for g in self.grads(x, x, 1.0, 0.0)], axis=1)
        gq = np.stack([0.5 * (g[0] + g[1]) for g in self.grads(x, x, 0.0, 1.0)], axis=1)
        mask = np.array([1.0, 0.0 if self.unbiased else 1.0, 1.0 if self.r_free else 0.0])
        return np.nan_to_num(gs) * mask, np.nan_to_num(gq) * mask

    def bound(self, lo, hi, rob_first, t, lam):
        """For each box: an upper bound of the maximised accuracy F over the part of the box where
        the other one, G, is >= t (``-inf`` where that part is empty), the per-variable
        contributions to the mean-value bound (to choose a split), and (F, G) at the centre
        (NaN for infinite boxes) with the centre itself (c1 = c_max for a tail box)."""
        supS, supQ = self._mono(lo, hi)
        ev = self._value_err(lo, hi)  # the monotonicity bounds are values at points of the box
        supS, supQ = supS + ev, supQ + ev
        supF, supG = np.where(rob_first, supQ, supS), np.where(rob_first, supS, supQ)
        fin = np.all(np.isfinite(lo) & np.isfinite(hi), axis=1)
        n = lo.shape[0]
        cF, cG, contrib = np.full(n, np.nan), np.full(n, np.nan), np.zeros((n, 3))
        cx = np.full((n, 3), np.nan)
        # weak-only with a bias, c1 in [c_max, inf), c2 and r finite: the c1 class is p to within
        # dlt at both margins, so each accuracy (and the Lagrangian) is (p + the unbiased family's
        # at (c2, r)) / 2, within dlt / 2: bounded by that family's bounds on the (c2, r) box
        tail = np.zeros(n, dtype=bool)
        if self._tail is not None:
            tail = (~fin & (lo[:, 0] >= self.c_max) & np.isinf(hi[:, 0])
                    & np.all(np.isfinite(lo[:, 1:]) & np.isfinite(hi[:, 1:]), axis=1))
        for part in (fin, tail):
            if not part.any():
                continue
            l_, h_, rf, tt, lm, ev_ = lo[part], hi[part], rob_first[part], t[part], lam[part], ev[part]
            b_ = self
            if part is tail:
                b_ = self._tail
                l_, h_ = l_[:, [1, 1, 2]], h_[:, [1, 1, 2]]
                ev_ = b_._value_err(l_, h_)
            one = np.ones(l_.shape[0])
            mvS = b_.mean_value(l_, h_, one, 0 * one, ev_)[0]
            mvQ = b_.mean_value(l_, h_, 0 * one, one, ev_)[0]
            wS, wQ = np.where(rf, lm, one), np.where(rf, one, lm)  # F + lam G
            lag, terms = b_.mean_value(l_, h_, wS, wQ, ev_)
            # where to split: the variable with the largest share of the Lagrangian's bound, plus a
            # trace of the width so that flat boxes still get split (a trace: at 1e-3 of the width
            # it outweighed the slopes along r in [1, 1000] at d = 10^6, and the search split r where
            # the bound needed c, 2.5 million boxes for linear-unbiased there against 1e5; at 1e-9
            # a point at p = .75, d = 5 outran its budget)
            terms = terms + 1e-6 * 0.5 * (h_ - l_)
            mid = 0.5 * (l_ + h_)
            if b_.unbiased:
                mid[:, 1] = mid[:, 0]
            s_, q_ = b_.values(mid[:, 0], mid[:, 1], mid[:, 2])
            if part is tail:
                # c1 in [c_max, inf): |g(c1; m) - p| <= dlt at both margins (about Phi(-64))
                (m0l, m0h), (mel, meh), _, _ = self._margins(lo[part, 0], lo[part, 0], lo[part, 1], hi[part, 1],
                                                              lo[part, 2], hi[part, 2])
                c1 = lo[part, 0]
                dlt = ((1 - self.p) * ndtr(np.maximum(m0h, meh) - c1) + self.p * ndtr(-(c1 + np.minimum(m0l, mel)))
                       + _PHI_ERR)
                half_p = 0.5 * self.p
                mvS, mvQ = half_p + 0.5 * (mvS + dlt) + 4 * _U, half_p + 0.5 * (mvQ + dlt) + 4 * _U
                lag = (wS + wQ) * (half_p + 0.5 * dlt + 4 * _U) + 0.5 * lag
                ct = np.zeros((l_.shape[0], 3))
                ct[:, 1], ct[:, 2] = 0.5 * terms[:, 0], 0.5 * terms[:, 2]
                terms = ct
                # the centre: the (finite) rule at c1 = c_max, (c2, r) at the box's centre
                mid = np.stack([c1, mid[:, 0], mid[:, 2]], axis=1)
                s_, q_ = self.values(mid[:, 0], mid[:, 1], mid[:, 2])
            contrib[np.flatnonzero(part)] = terms
            supG[part] = np.minimum(supG[part], np.where(rf, mvS, mvQ))
            # the Lagrangian: lag carries its own rounding (lam + 1 values, see mean_value); the
            # level tt is exact input (lowered by its error in _certify_linear); lam tt and the
            # difference are rounded once each
            lagb = lag - lm * tt
            lagb = lagb + 2 * _U * (lm * np.abs(tt) + np.abs(lag))
            supF[part] = np.minimum(supF[part], np.minimum(np.where(rf, mvQ, mvS), lagb))
            cF[part], cG[part] = np.where(rf, q_, s_), np.where(rf, s_, q_)
            cx[part] = mid
        ub = np.where(supG + _CERT_WIDEN < t, -np.inf, supF + _CERT_WIDEN)
        return np.where(np.isnan(ub), np.inf, ub), contrib, cF, cG, cx  # NaN: no bound


def _certify_linear(bounds: _LinearBounds, X, rob_first, max_boxes: int = 400_000, max_iter: int = 300,
                    tol: float = 0.1 * _CERT_TOL, stop_beaten: bool = True, level=None, max_evals=None,
                    info: dict | None = None):
    """Certified upper bounds for the linear-family points ``X`` (rows (c1, c2, r), c may be inf).

    For point i with (std_i, rob_i) (evaluated by ``bounds``), ``rob_first[i]``: an upper bound
    U_i of max{Rob : Std >= std_i} over the whole family; else of max{Std : Rob >= rob_i}.
    Branch and bound over boxes of (c1, c2, r) (c1 >= |c2| without loss: swapping c1 and c2
    changes nothing, and for p >= 1/2 negating and swapping them raises both accuracies when
    c1 + c2 < 0), with :meth:`_LinearBounds.bound` and a Lagrange multiplier estimated at the
    point. Feasible box centres that beat a point replace it. Returns (U, inc, X_best, rob_first):
    the bound, the best value found (>= the point's own), the classifier attaining it and the
    maximised accuracy (``rob_first`` is only a first guess: the roles swap where the
    frontier's slope at the point, the multiplier, exceeds 1).

    ``level`` (optional, NaN where unused): the other accuracy's level for the points that lie
    along a step of a staircase frontier rather than on a classifier: row i then bounds
    max{F : G >= level[i]}, its classifier (which dominates the point, so G >= level[i] there)
    is the first incumbent, ``rob_first[i]`` is kept as given, and the multiplier is 0 where
    F is the robust accuracy (the flat part: the constraint is slack at the classifier).

    The box budget is per point: ``max_boxes`` boxes at a time, ``max_iter`` rounds of splits and
    ``max_evals`` boxes bounded in all (default :data:`_MAX_EVALS_POINT`) each; when the points
    together hold more boxes than that, the points with the most wait (their boxes are set aside)
    until the others are done. A point over its budget gets the largest bound of its open boxes
    (an honest gap above the tolerance, for that point only). ``info`` (a dict, optional) receives
    ``"capped"``: the points that ran out of their own budget (a second call would only repeat them;
    a point cut short by the call's :data:`_MAX_EVALS_TOTAL` is not among them).
    """
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        out = _certify_linear_run(bounds, X, rob_first, max_boxes, max_iter, tol, stop_beaten, level,
                                  _MAX_EVALS_POINT if max_evals is None else max_evals)
    if info is not None:
        info["capped"] = out[4]
    return out[:4]


def _certify_linear_run(bounds, X, rob_first, max_boxes, max_iter, prune_tol, stop_beaten, level, max_evals):
    X = np.array(X, dtype=float)
    n = X.shape[0]
    level = np.full(n, np.nan) if level is None else np.asarray(level, dtype=float)
    given = np.isfinite(level)
    s0, q0 = bounds.values(X[:, 0], X[:, 1], X[:, 2])
    # the multiplier of max F s.t. G >= t is the frontier's slope |dF/dG| at a smooth point: where
    # it is huge (e.g. the top of the curve, whose one-sided slope from the neighbours misleads)
    # the roles swap, so that lam <= 1000 and its rounding (x 1e-14) stays small
    gs, gq = bounds.point_grads(np.where(np.isfinite(X), X, 1e300))
    rob_first = np.array(rob_first, dtype=bool)
    for _ in range(2):
        gF, gG = np.where(rob_first[:, None], gq, gs), np.where(rob_first[:, None], gs, gq)
        nG = np.sum(gG * gG, axis=1)
        lam = np.nan_to_num(np.where(nG > 0, np.maximum(0.0, -np.sum(gF * gG, axis=1) / nG), 0.0))
        rob_first = np.where((lam > 1000) & ~given, ~rob_first, rob_first)
    lam = np.where(given & rob_first, 0.0, np.minimum(lam, 1000.0))
    t = np.where(given, level, np.where(rob_first, s0, q0))
    # the level as evaluated may be above the true one by its rounding error: lower it by that bound
    # (a bound of max{F : G >= t - err} also bounds max{F : G >= t})
    Xf = np.where(np.isfinite(X), X, 0.0)
    t = t - bounds._value_err(Xf, Xf)
    inc = np.where(rob_first, q0, s0)
    inc0 = inc.copy()
    best_x = X.copy()
    r_lo = 1.0 if bounds.r_free else bounds.sd
    lo = np.tile([0.0, -np.inf if not bounds.unbiased else 0.0, r_lo], (n, 1))
    hi = np.tile([np.inf, np.inf, bounds.sd], (n, 1))
    tid = np.arange(n)
    done_max = np.full(n, -np.inf)  # the largest bound among boxes already discarded
    c_max = bounds.c_max
    iters = np.zeros(n, dtype=int)
    evals = np.zeros(n, dtype=np.int64)  # boxes bounded so far, per point
    capped = np.zeros(n, dtype=bool)  # out of its own budget (not the call's)
    cut_total = False
    total = 0
    half = max(1, max_boxes // 2)
    waiting = (lo[:0], hi[:0], tid[:0])  # boxes of the points set aside (over the shared budget)
    while True:
        if tid.size == 0:
            if waiting[2].size == 0:
                break
            lo, hi, tid = waiting
            waiting = (lo[:0], hi[:0], tid[:0])
        if tid.size > half and not _PER_POINT_BUDGET:  # shared budget spent: every open box leaves
            ub = bounds.bound(lo, hi, rob_first[tid], t[tid], lam[tid])[0]
            np.maximum.at(done_max, tid, ub)
            break
        cnt = np.bincount(tid, minlength=n)
        if tid.size > half or (_PER_POINT_BUDGET and np.count_nonzero(cnt) > _BATCH_POINTS):
            # over budget: the points with the fewest boxes go on (at most _BATCH_POINTS of them, so
            # that a call cut short by _MAX_EVALS_TOTAL leaves the points it finished certified),
            # the others wait
            order = np.argsort(cnt, kind="stable")
            order = order[cnt[order] > 0]
            go = order[(np.cumsum(cnt[order]) <= half) & (np.arange(order.size) < _BATCH_POINTS)]
            go = go if go.size else order[:1]
            on = np.isin(tid, go)
            waiting = (np.concatenate([waiting[0], lo[~on]]), np.concatenate([waiting[1], hi[~on]]),
                       np.concatenate([waiting[2], tid[~on]]))
            lo, hi, tid = lo[on], hi[on], tid[on]
        act = np.unique(tid)
        iters[act] += 1
        if total > _MAX_EVALS_TOTAL:  # the call's budget is spent: every open box leaves with its bound
            lo = np.concatenate([lo, waiting[0]])
            hi = np.concatenate([hi, waiting[1]])
            tid = np.concatenate([tid, waiting[2]])
            waiting = (lo[:0], hi[:0], tid[:0])
            iters[:] = max_iter + 1
            cut_total = True
        spent = (iters[tid] > max_iter) | (evals[tid] > max_evals)
        if not cut_total:
            capped[np.unique(tid[spent])] = True
        if spent.any():  # a point's rounds are used up: its boxes leave with their bounds
            ub = bounds.bound(lo[spent], hi[spent], rob_first[tid[spent]], t[tid[spent]], lam[tid[spent]])[0]
            np.maximum.at(done_max, tid[spent], ub)
            lo, hi, tid = lo[~spent], hi[~spent], tid[~spent]
            if tid.size == 0:
                continue
        ub, contrib, cF, cG, cx = bounds.bound(lo, hi, rob_first[tid], t[tid], lam[tid])
        evals += np.bincount(tid, minlength=n)
        total += tid.size
        # feasible centres that beat the incumbent
        better = np.isfinite(cF) & (cG >= t[tid]) & (cF > inc[tid])
        if better.any():
            for j in np.flatnonzero(better):
                i = tid[j]
                if cF[j] > inc[i]:
                    inc[i] = cF[j]
                    best_x[i] = cx[j]
        # a point beaten by more than the tolerance stops here (U = inf): it is to be polished
        # where the search found the better rule, and certified again
        beaten = (inc - inc0 > 5 * prune_tol) & stop_beaten
        done_max[beaten] = np.inf
        drop = (ub <= inc[tid] + prune_tol) | beaten[tid]
        np.maximum.at(done_max, tid[drop], ub[drop])
        keep = ~drop
        if bounds.unbiased is False:
            keep &= ~((hi[:, 0] < lo[:, 1]) | (hi[:, 0] + hi[:, 1] < 0))  # dominated (see above)
        lo, hi, tid, contrib = lo[keep], hi[keep], tid[keep], contrib[keep]
        ub_keep = ub[keep]
        if tid.size == 0:
            continue
        # a point alone over the budget stops: its boxes leave with their bounds
        full = np.bincount(tid, minlength=n)[tid] > half
        if full.any():
            np.maximum.at(done_max, tid[full], ub_keep[full])
            lo, hi, tid, contrib, ub_keep = lo[~full], hi[~full], tid[~full], contrib[~full], ub_keep[~full]
            if tid.size == 0:
                continue
        # split: an infinite side first (c1 beyond c_max is not split: the tail box keeps its
        # monotonicity bound), else the variable with the largest share of the bound
        infinite = ~(np.isfinite(lo) & np.isfinite(hi))
        infinite[:, 0] &= lo[:, 0] < c_max
        share = np.where(np.isfinite(hi - lo), contrib + 1e-12 * (hi - lo), 0.0)
        share[:, 0] = np.where(lo[:, 0] >= c_max, 0.0, share[:, 0])
        if bounds.unbiased:
            share[:, 1] = 0.0
        k = np.where(infinite.any(axis=1), np.argmax(infinite, axis=1), np.argmax(share, axis=1))
        rows = np.arange(tid.size)
        a, b = lo[rows, k], hi[rows, k]
        with np.errstate(invalid="ignore"):
            cut = np.where(np.isinf(a) & np.isinf(b), 0.0,
                           np.where(np.isinf(b), np.minimum(a + np.maximum(16.0, np.abs(a)), c_max),
                                    np.where(np.isinf(a), b - np.maximum(16.0, np.abs(b)), 0.5 * (a + b))))
        ok = (cut > a) & (cut < b) & (infinite.any(axis=1) | (share.max(axis=1) > 0))
        # boxes that can no longer be split leave with their bound
        np.maximum.at(done_max, tid[~ok], ub_keep[~ok])
        lo, hi, tid, k, cut, rows = lo[ok], hi[ok], tid[ok], k[ok], cut[ok], np.arange(ok.sum())
        lo2, hi2 = lo.copy(), hi.copy()
        hi[rows, k] = cut
        lo2[rows, k] = cut
        lo = np.concatenate([lo, lo2])
        hi = np.concatenate([hi, hi2])
        tid = np.concatenate([tid, tid])
        # c1 >= |c2|: the c2 side never reaches beyond the c1 side's top
        lo[:, 1] = np.maximum(lo[:, 1], -hi[:, 0])
        hi[:, 1] = np.minimum(hi[:, 1], hi[:, 0])
        if bounds.unbiased:
            lo[:, 1], hi[:, 1] = lo[:, 0], hi[:, 0]
        valid = lo[:, 1] <= hi[:, 1]
        lo, hi, tid = lo[valid], hi[valid], tid[valid]
    # no max with inc here: a valid bound covers the boxes holding the points themselves, so a
    # bound below an attained value is a broken bound and must show
    return done_max, inc, best_x, rob_first, capped
