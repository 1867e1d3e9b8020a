"""The frontier of linear classifiers ``sign(a x1 + u.z + b)`` under a threat (theory §3.8).

:func:`robtheory.theory.frontier.frontier` calls :func:`_linear_frontier` for the families
``"linear"`` (with a bias) and ``"linear-unbiased"`` where the trade-off is not traced by one
parameter: the accuracies depend on the weights only through the x1 weight, the bias and the
ratio of the weak weights' norms (:class:`_LinearFamily`), a search places points along the curve,
and each point is certified by branch and bound (:mod:`robtheory.theory.linear_certificate`).
"""

from __future__ import annotations

import math

import numpy as np

from robtheory.model import ThreatModel, ToyModel
from robtheory.theory import linear_certificate as _cert
from robtheory.theory.closed_form import accuracy_stats
from robtheory.theory.frontier import (Frontier, _attained_by, _bound, _fill_steps, _pareto, _select_with_corners,
                                       _trace, frontier)

__all__: list[str] = []

_SEARCH_EVALS = 5_000  # boxes per point of the first pass, which only searches for better rules (to 1e-6)


class _LinearFamily:
    r"""``sign(a x1 + u.z + b)`` with ``|u|_2 = 1`` and one-signed weak weights (``S = U1 = r``).

    With :math:`g(c; m) = p\Phi(c + m) + (1-p)\Phi(m - c)`, :math:`c_{1,2} = a \pm b`:
    Std = (g(c1; eta r) + g(c2; eta r))/2 and Rob the same with the margin
    :math:`m_\varepsilon` (l_inf: :math:`(\eta-\varepsilon) r - \varepsilon|a|`, weak-only
    without the |a| term; l_2: :math:`\eta\sqrt d - \varepsilon\sqrt{1 + a^2}`, weak-only
    :math:`\eta\sqrt d - \varepsilon`; ``r = sqrt d`` there). Values and gradients in plain
    SciPy (fast for the optimiser); the reported points are re-evaluated by the generated
    closed forms.
    """

    def __init__(self, model: ToyModel, threat: ThreatModel):
        self.p, self.eta, self.eps, self.d = model.p, model.eta, threat.eps, model.d
        self.norm, self.full = threat.norm, threat.perturb_x1

    def _me(self, a, r):
        eta, eps = self.eta, self.eps
        if self.norm == "linf":
            me = (eta - eps) * r - (eps * np.abs(a) if self.full else 0.0)
            dme_da = -eps * np.sign(a) if self.full else np.zeros_like(a)
            return me, dme_da, (eta - eps) * np.ones_like(r)
        sd = math.sqrt(self.d)
        if self.full:
            h = np.hypot(1.0, a)
            return eta * sd - eps * h, -eps * a / h, np.zeros_like(r)
        return eta * sd - eps + 0 * a, np.zeros_like(a), np.zeros_like(r)

    def _g(self, c, m):
        from scipy.special import ndtr

        p = self.p
        e1, e2 = np.exp(-0.5 * (c + m) ** 2), np.exp(-0.5 * (m - c) ** 2)
        k = 1 / math.sqrt(2 * math.pi)
        return (p * ndtr(c + m) + (1 - p) * ndtr(m - c), k * (p * e1 - (1 - p) * e2), k * (p * e1 + (1 - p) * e2))

    def scalar(self, a, b, r):
        """:meth:`evaluate` for one classifier in plain Python floats (the optimiser's inner loop):
        ``(std, grad_std, rob, grad_rob)``, gradients as lists over (a, b, r)."""
        p, eta, eps = self.p, self.eta, self.eps
        k = 1 / math.sqrt(2 * math.pi)
        if self.norm == "linf":
            sa = (a > 0) - (a < 0)
            me = (eta - eps) * r - (eps * abs(a) if self.full else 0.0)
            dme_da, dme_dr = (-eps * sa if self.full else 0.0), eta - eps
        else:
            h = math.hypot(1.0, a)
            me = eta * math.sqrt(self.d) - eps * (h if self.full else 1.0)
            dme_da, dme_dr = (-eps * a / h if self.full else 0.0), 0.0
        out = []
        for m, dm_da, dm_dr in ((eta * r, 0.0, eta), (me, dme_da, dme_dr)):
            val, gc, gm = 0.0, [0.0, 0.0], 0.0
            for j, c in enumerate((a + b, a - b)):
                u, v = c + m, m - c
                val += 0.5 * (p * 0.5 * math.erfc(-u / math.sqrt(2)) + (1 - p) * 0.5 * math.erfc(-v / math.sqrt(2)))
                e1, e2 = k * math.exp(-0.5 * u * u), k * math.exp(-0.5 * v * v)
                gc[j] = 0.5 * (p * e1 - (1 - p) * e2)
                gm += 0.5 * (p * e1 + (1 - p) * e2)
            out += [val, [gc[0] + gc[1] + gm * dm_da, gc[0] - gc[1], gm * dm_dr]]
        return out

    def evaluate(self, a, b, r):
        """(std, rob) and their gradients with respect to (a, b, r), each shape (3, ...)."""
        a, b, r = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (a, b, r)))
        out = []
        for m, dm_da, dm_dr in ((self.eta * r, np.zeros_like(a), self.eta * np.ones_like(r)), self._me(a, r)):
            g1, gc1, gm1 = self._g(a + b, m)
            g2, gc2, gm2 = self._g(a - b, m)
            val = 0.5 * (g1 + g2)
            grad = np.stack([0.5 * (gc1 + gc2) + 0.5 * (gm1 + gm2) * dm_da, 0.5 * (gc1 - gc2),
                             0.5 * (gm1 + gm2) * dm_dr])
            out.append((val, grad))
        return out


def _linear_frontier(model: ToyModel, threat: ThreatModel, n: int, progress=None, biased: bool = True) -> Frontier:
    r"""Linear classifiers ``sign(a x1 + u^T z + b)`` (``biased``; else ``b = 0``) under the threat.

    Scale so that :math:`\lVert u\rVert_2 = 1`. The weak weights enter only through S, Q = 1
    and U1; among weights with the same U1 and Q one sign maximises S, so S = U1 = r with r in
    [1, sqrt d]; r = sqrt d (equal weights) is optimal unless the penalty is eps*U1 with
    eps > eta (l_inf), where r is a free parameter. With :math:`c_{1,2} = a \pm b` (the score's
    offset for a sample whose x1 agrees with y, in class +1 and in class -1) the accuracies are
    averages of the unbiased family's at c1 and c2 (:class:`_LinearFamily`): a bias lets the two
    classes sit at different points of the unbiased trade-off, which can lift the frontier far
    above it (the average of two points of a curve lies on its chord).

    Method: the Pareto set of a global grid over (c1, c2, r), together with the traced unbiased
    equal-weights curve (which ends at ``sign(x1)``), gives starting points; then at ``2n``
    targets spread along that curve the best robust accuracy at the target's standard accuracy
    (or, where the curve is steeper than 1, the best standard accuracy at its robust accuracy)
    is found by SLSQP with exact gradients (tolerance 1e-12) from the nearest starting points;
    gaps wider than the requested spacing are refilled. Every reported point is attained by the
    classifier in ``tau`` (= a), ``bias`` (= b) and ``r`` and evaluated by the generated closed
    forms. Each chosen point is then certified (:func:`_certify_linear`): ``gap_bound`` bounds its
    distance below the true frontier of the family (in robust accuracy, or in standard accuracy
    where the curve is steep), a better rule met by the search replaces it, and ``exact`` is True
    only when every gap is <= 1e-9.
    """
    from scipy.optimize import minimize

    p, eta, d, eps = model.p, model.eta, model.d, threat.eps
    kind = f"{threat.norm}_{'full' if threat.perturb_x1 else 'weak'}"
    r_free = threat.norm == "linf" and eps > eta and d > 1
    sd = math.sqrt(d)
    fam = _LinearFamily(model, threat)
    # sign(x1) closes every linear frontier: (p, p) for eps < 1 (x1 perturbable), p otherwise
    x1_std, x1_rob = p, (p if (eps < 1 or not threat.perturb_x1) else 0.0)
    # -- starting points: the traced equal-weights unbiased curve and a global grid
    eq = frontier(model, ThreatModel(threat.norm, eps, perturb_x1=threat.perturb_x1), "linear-unbiased",
                  max(n, 101)) if not r_free else None
    scale = max(1.0, model.mu)
    th = np.linspace(-math.pi / 2, math.pi / 2, 63)[1:-1]
    cs = np.unique(np.concatenate([np.tan(th), scale * np.tan(th), scale + np.linspace(-8, 8, 33),
                                   -scale + np.linspace(-8, 8, 33)]))
    rs = (np.unique(np.concatenate([np.geomspace(1.0, sd, 20), np.sqrt(np.linspace(1.0, float(d), 20))]))
          if r_free else np.array([sd]))
    if biased:
        C1, C2, R = np.meshgrid(cs, cs, rs, indexing="ij")
        up = C1 >= C2  # swapping c1 and c2 flips b and changes nothing
        A, B, R = ((C1 + C2) / 2)[up], ((C1 - C2) / 2)[up], R[up]
    else:
        A, R = (x.ravel() for x in np.meshgrid(np.concatenate([[0.0], np.abs(cs)]), rs, indexing="ij"))
        B = np.zeros_like(A)
    (g_std, _), (g_rob, _) = fam.evaluate(A, B, R)
    k = _pareto(g_std, g_rob)
    cand = [np.stack([A[k], B[k], R[k]], axis=1)]
    if eq is not None:
        fin = np.isfinite(eq.tau)
        cand.append(np.stack([eq.tau[fin], np.zeros(fin.sum()), np.full(fin.sum(), sd)], axis=1))
    # the unbiased rules traced in tau at fixed r (r = sqrt d: the equal-weights curve; with r
    # free, also r = 1 and a few between): where the frontier runs along one of them out to large
    # tau, an optimiser stalls on the flat tails and the traced curve covers it
    traced = []
    for r_ in ([sd] if not r_free else np.unique(np.concatenate([[1.0, sd], np.geomspace(1.0, sd, 6)]))):
        def ev(tau, r_=r_):
            fin = np.isfinite(tau)
            a_ = np.where(fin, tau, 0.0)
            (s_, _), (q_, _) = fam.evaluate(a_, 0.0, r_)
            return np.where(fin, s_, x1_std), np.where(fin, q_, x1_rob), None
        t_ = _trace(ev, 0.0, n)[0]
        t_ = t_[np.isfinite(t_)]
        traced.append(np.stack([t_, np.zeros(t_.size), np.full(t_.size, r_)], axis=1))
    cand += traced
    X = np.concatenate(cand)
    (c_std, _), (c_rob, _) = fam.evaluate(X[:, 0], X[:, 1], X[:, 2])

    free = [0] + ([1] if biased else []) + ([2] if r_free else [])
    big = 4 * (scale + 40)
    # the optimiser sees r / sqrt(d) in [1/sqrt(d), 1]: in r itself the slopes are ~eta (1e-3 at
    # d = 10^6) against ~1 in a and b, and SLSQP stopped up to 6e-6 short of the optimum there
    zscale = np.array([1.0] + ([1.0] if biased else []) + ([sd] if r_free else []))
    bounds = [(-big, big)] + ([(-big, big)] if biased else []) + ([(1.0 / sd, 1.0)] if r_free else [])

    stats = {"nit": 0, "runs": 0}

    def solve(x0, target, by_std):
        def full(z):
            x = x0.copy()
            x[free] = z * zscale
            return x

        memo = {}

        def ev(z):  # one evaluation per iterate, shared by the objective and the constraint
            key = z.tobytes()
            if key not in memo:
                memo.clear()
                x = full(z)
                memo[key] = fam.scalar(float(x[0]), float(x[1]), float(x[2]))
            return memo[key]

        def f(z):
            s_, gs, r_, gr = ev(z)
            v, g = (r_, gr) if by_std else (s_, gs)
            return -v, -np.array(g)[free] * zscale

        def con(z):
            s_, _, r_, _ = ev(z)
            return (s_ if by_std else r_) - target

        def con_jac(z):
            _, gs, _, gr = ev(z)
            return np.array(gs if by_std else gr)[free] * zscale

        res = minimize(f, np.clip(x0[free] / zscale, *np.array(bounds).T), jac=True, method="SLSQP", bounds=bounds,
                       constraints=[{"type": "ineq", "fun": con, "jac": con_jac}],
                       options={"ftol": 1e-12, "maxiter": 100})
        stats["nit"] += res.nit
        stats["runs"] += 1
        return full(res.x)

    def polish(ts, tr, slope_steep, own=None):
        out, prev = [], None
        for j, (s_t, r_t, steep) in enumerate(zip(ts, tr, slope_steep)):
            # from the starting points nearest the target in the plane, and from the previous
            # target's solution (the targets follow the curve)
            dist = np.hypot(c_std - s_t, c_rob - r_t)
            if own is not None:
                prev = own[j].copy()
            starts = [X[i].copy() for i in np.argsort(dist)[:2]]
            # and the best starting point that meets the target's constraint
            feas = (c_std >= s_t) if not steep else (c_rob >= r_t)
            if feas.any():
                starts.append(X[np.flatnonzero(feas)[np.argmax((c_rob if not steep else c_std)[feas])]].copy())
            if prev is not None:
                starts.append(prev.copy())
            if biased:  # b = 0 is a stationary point in b (c1 = c2): start the unbiased ones off it
                starts += [x + np.array([0.0, 0.5, 0.0]) for x in starts if x[1] == 0]
            best = None
            for x0 in starts:
                x = solve(x0, r_t if steep else s_t, by_std=not steep)
                s_, _, r_, _ = fam.scalar(*map(float, x))
                score = r_ if not steep else s_
                ok = (s_ >= s_t - 1e-12) if not steep else (r_ >= r_t - 1e-12)
                if best is None or (ok, score) > best[0]:
                    best = ((ok, score), x)
            prev = best[1]
            out.append(prev)
            if progress is not None:
                progress(j + 1, len(ts))
        return np.array(out).reshape(-1, 3)

    pts = X
    P_std, P_rob = c_std, c_rob
    for rnd in range(6):
        order = _pareto(np.append(P_std, x1_std), np.append(P_rob, x1_rob))
        ps, pr = np.append(P_std, x1_std)[order], np.append(P_rob, x1_rob)[order]
        seg = np.hypot(np.diff(ps), np.diff(pr))
        length = seg.sum()
        if rnd == 0:  # targets at equal arc length along the starting curve
            s_acc = np.concatenate([[0.0], np.cumsum(seg)])
            tgt = np.linspace(0, length, n)
            ts, tr = np.interp(tgt, s_acc, ps), np.interp(tgt, s_acc, pr)
            slope = np.interp(tgt, s_acc[:-1] + seg / 2, np.abs(np.diff(pr)) / np.maximum(np.abs(np.diff(ps)), 1e-300)) \
                if seg.size else np.zeros_like(tgt)
        else:  # midpoints of the gaps still wider than the spacing
            wide = seg > length / (n - 1) / 2
            if not wide.any():
                break
            ts, tr = (ps[:-1][wide] + ps[1:][wide]) / 2, (pr[:-1][wide] + pr[1:][wide]) / 2
            slope = np.abs(np.diff(pr))[wide] / np.maximum(np.abs(np.diff(ps))[wide], 1e-300)
        new = polish(ts, tr, slope > 1)
        (n_std, _), (n_rob, _) = fam.evaluate(new[:, 0], new[:, 1], new[:, 2])
        pts = np.concatenate([pts, new])
        P_std, P_rob = np.concatenate([P_std, n_std]), np.concatenate([P_rob, n_rob])
    # exact values of the optimised points (the grid's were only starting points) and the Bayes
    # rule (the most accurate: the unbiased curve's first point) from the generated closed forms,
    # sign(x1) appended
    pts = pts[X.shape[0]:]
    pts = np.concatenate([pts] + traced)  # traced rules keep covering where the optimiser stalls
    A, B, R = pts[:, 0], pts[:, 1], pts[:, 2]
    taus = np.append(A, np.inf)
    bias = np.append(B, 0.0)
    rr = np.append(R, 0.0)
    fin = np.isfinite(taus)
    Aa, Q = np.where(fin, taus, 1.0), np.where(fin, 1.0, 0.0)
    std, err = accuracy_stats(p, eta, 0.0, Aa, bias, rr, Q, rr, "standard")[:2]
    rob = accuracy_stats(p, eta, eps, Aa, bias, rr, Q, rr, kind)[0]
    keep = _pareto(std, rob)
    # gaps the refinement above did not close (a disconnected Pareto set: a staircase) are filled
    # along the step (_fill_steps) by points that the classifier of a step's end dominates; they
    # are certified below like the others (at their own level), and one that the search beats is
    # replaced by the rule it found
    ks, kr = std[keep], rob[keep]
    length = float(np.hypot(np.diff(ks), np.diff(kr)).sum())
    fs, fr, src, part = _fill_steps(ks, kr, length / (2 * (n - 1))) if length > 0 else \
        (ks, kr, np.arange(keep.size), np.zeros(keep.size, int))
    nf = part != 0
    pos = np.where(nf, taus.size + np.cumsum(nf) - 1, keep[src])  # each filled point's index in the arrays
    corner = keep[src[nf]]
    taus, bias, rr = np.append(taus, taus[corner]), np.append(bias, bias[corner]), np.append(rr, rr[corner])
    std, rob, err = np.append(std, fs[nf]), np.append(rob, fr[nf]), np.append(err, np.maximum(1.0 - fs[nf], 0.0))
    keep = pos[_select_with_corners(fs, fr, part, src, n)]
    base = taus.size - int(nf.sum())
    kind_k = np.zeros(keep.size, dtype=int)  # 0: attained, 1, 2: filled (horizontal, vertical part)
    kind_k[keep >= base] = part[nf][keep[keep >= base] - base]
    # a last pass polishes every chosen attained point at its own standard accuracy (robust accuracy
    # where the curve is steep), so that none is a mere starting point
    own_pt = np.isfinite(taus[keep]) & (kind_k == 0)
    fk = keep[own_pt]
    if fk.size:
        sl = np.abs(np.gradient(rob[keep])) > np.abs(np.gradient(std[keep])) if keep.size > 1 else np.zeros(1, bool)
        sl = sl[own_pt]
        new = polish(std[fk] - 1e-15, rob[fk] - 1e-15, sl, own=np.stack([A[fk], B[fk], R[fk]], axis=1))
        Q2 = np.ones(new.shape[0])
        s2, e2 = accuracy_stats(p, eta, 0.0, new[:, 0], new[:, 1], new[:, 2], Q2, new[:, 2], "standard")[:2]
        r2 = accuracy_stats(p, eta, eps, new[:, 0], new[:, 1], new[:, 2], Q2, new[:, 2], kind)[0]
        better = (s2 >= std[fk]) & (r2 >= rob[fk])
        taus[fk[better]], bias[fk[better]], rr[fk[better]] = new[better, 0], new[better, 1], new[better, 2]
        std[fk[better]], rob[fk[better]], err[fk[better]] = s2[better], r2[better], e2[better]
    # certify every chosen point (:func:`_certify_linear`): where the search finds a better rule it
    # replaces the point (then polished by SLSQP from there), and the bound is recomputed
    cb = _cert._LinearBounds(model, threat, r_free, not biased)
    rob_first = np.ones(keep.size, dtype=bool)
    if keep.size > 1:
        rob_first = np.abs(np.gradient(rob[keep])) <= np.abs(np.gradient(std[keep]))
    # a filled point: the best robust accuracy at its standard accuracy on a horizontal part, the
    # best standard accuracy at its robust accuracy on a vertical one
    rob_first = np.where(kind_k == 1, True, np.where(kind_k == 2, False, rob_first))
    lev = np.where(kind_k == 1, std[keep], np.where(kind_k == 2, rob[keep], np.nan))
    todo = np.arange(keep.size)
    gap = np.full(keep.size, np.inf)
    capped = np.zeros(keep.size, dtype=bool)  # out of their own box budget: not searched again
    info: dict = {}
    for rnd in range(4):
        kk = keep[todo]
        fk = np.isfinite(taus[kk])
        Xc = np.stack([np.where(fk, taus[kk] + bias[kk], np.inf), np.where(fk, taus[kk] - bias[kk], np.inf),
                       np.where(fk, rr[kk], sd)], axis=1)
        # the first pass only searches (bound to 1e-6: cheap); the later ones certify
        U, inc, bx, rob_first[todo] = _cert._certify_linear(cb, Xc, rob_first[todo],
                                                      tol=1e-6 if rnd == 0 else 0.1 * _cert._CERT_TOL,
                                                      level=lev[todo], max_evals=_SEARCH_EVALS if rnd == 0 else None,
                                                      info=info)
        s0, q0 = cb.values(Xc[:, 0], Xc[:, 1], Xc[:, 2])
        t_lev = np.where(np.isfinite(lev[todo]), lev[todo], np.where(rob_first[todo], s0, q0))
        moved = inc > np.where(rob_first[todo], q0, s0)
        with np.errstate(invalid="ignore"):  # sign(x1) (c = inf) never moves
            new = np.stack([(bx[:, 0] + bx[:, 1]) / 2, (bx[:, 0] - bx[:, 1]) / 2, bx[:, 2]], axis=1)
        if rnd < 3:  # polish the moved points on their constraint
            for j in np.flatnonzero(moved & (U - inc > _cert._CERT_TOL)):
                rf_j = bool(rob_first[todo[j]])
                t_j = t_lev[j]  # the level the bound was computed at
                # SLSQP meets its constraint only to ~1e-12: aim a little above the level (costs
                # at most the multiplier, <= 1, times the margin)
                for margin in (1e-11, 1e-10):
                    x = solve(new[j].copy(), float(t_j) + margin, by_std=rf_j)
                    sj, qj = (float(v) for v in cb.values(x[0] + x[1], x[0] - x[1], x[2]))
                    if (sj >= t_j and qj > inc[j]) if rf_j else (qj >= t_j and sj > inc[j]):
                        new[j] = x
                        break
        idx = kk[moved]
        nm = new[moved]
        if idx.size:
            Q2 = np.ones(idx.size)
            s2, e2 = accuracy_stats(p, eta, 0.0, nm[:, 0], nm[:, 1], nm[:, 2], Q2, nm[:, 2], "standard")[:2]
            r2 = accuracy_stats(p, eta, eps, nm[:, 0], nm[:, 1], nm[:, 2], Q2, nm[:, 2], kind)[0]
            taus[idx], bias[idx], rr[idx] = nm[:, 0], nm[:, 1], nm[:, 2]
            std[idx], rob[idx], err[idx] = s2, r2, e2
            kind_k[todo[moved]] = 0  # a filled point the search beat is now attained by the rule found
            lev[todo[moved]] = np.nan
        own = np.where(rob_first[todo], rob[kk], std[kk])
        # a bound at the old point's level also holds at the new one's (it is at least as high there)
        gap[todo] = np.inf if rnd == 0 else U - own
        # the beaten points, and those not yet certified, go round again, except those that ran out
        # of their own box budget without moving (they would only run out again; the others may have
        # been cut short by the call's budget: e.g. the points along the steps at p = .75, d = 5,
        # l_inf, which stayed at gap 0.375 when only the beaten ones went round again)
        if rnd > 0:
            capped[todo] = info.get("capped", np.zeros(todo.size, bool)) & ~moved
        todo = todo if rnd == 0 else todo[~(gap[todo] <= _cert._CERT_TOL) & ~capped[todo]]
        if todo.size == 0:
            break
    if todo.size:  # points moved in the last round: certify them where they are now
        kk = keep[todo]
        Xc = np.stack([taus[kk] + bias[kk], taus[kk] - bias[kk], rr[kk]], axis=1)
        U, inc, bx, rob_first[todo] = _cert._certify_linear(cb, Xc, rob_first[todo], stop_beaten=False,
                                                      level=lev[todo])
        s0, q0 = cb.values(Xc[:, 0], Xc[:, 1], Xc[:, 2])
        mv = inc > np.where(rob_first[todo], q0, s0)  # the best rule the search met replaces the point
        if mv.any():
            idx, c = kk[mv], bx[mv]
            nm = np.stack([(c[:, 0] + c[:, 1]) / 2, (c[:, 0] - c[:, 1]) / 2, c[:, 2]], axis=1)
            Q2 = np.ones(idx.size)
            s2, e2 = accuracy_stats(p, eta, 0.0, nm[:, 0], nm[:, 1], nm[:, 2], Q2, nm[:, 2], "standard")[:2]
            r2 = accuracy_stats(p, eta, eps, nm[:, 0], nm[:, 1], nm[:, 2], Q2, nm[:, 2], kind)[0]
            taus[idx], bias[idx], rr[idx] = nm[:, 0], nm[:, 1], nm[:, 2]
            std[idx], rob[idx], err[idx] = s2, r2, e2
            kind_k[todo[mv]] = 0
        gap[todo] = U - np.where(rob_first[todo], rob[kk], std[kk])
    if np.any(gap < -1e-12):  # an upper bound below a value attained by a reported rule
        raise RuntimeError(f"linear frontier certificate failed: bound below an attained point by {-gap.min():.3g}")
    gap = np.maximum(gap, 0.0)  # rounding of the two evaluations (closed forms, bounds), below 1e-12
    worst = float(gap.max())
    exact = worst <= _cert._CERT_TOL
    rr = np.where(np.isfinite(taus), rr, np.nan)
    # the order along the curve (a filled point replaced by a rule the search found may have moved)
    order = np.lexsort((rob[keep], -std[keep]))
    keep, gap, kind_k = keep[order], gap[order], kind_k[order]
    att = kind_k == 0
    by = None
    if not att.all():  # each filled point carries the classifier of the attained point dominating it
        by = _attained_by(std[keep], rob[keep], att)
        src_k = keep[np.maximum(by, 0)]
        fill = keep[~att]
        taus[fill], bias[fill], rr[fill] = taus[src_k[~att]], bias[src_k[~att]], rr[src_k[~att]]
    what = "with bias sign(a x1 + u.z + b)" if biased else "without bias sign(a x1 + u.z)"
    note = (f"linear classifiers {what}, |u|_2 = 1" + (", r = |u|_1/|u|_2 free" if r_free else "") +
            ": global grid, then SLSQP (exact gradients, tol 1e-12) at points spread along the curve; "
            "every point is attained"
            + ("; equal weak weights (the f_tau family) are NOT optimal here" if r_free and not biased else "")
            + ("; a bias can do better (family 'linear')" if not biased else "")
            + f"; certified by branch and bound: every point is within gap_bound of the frontier (in robust "
              f"accuracy where the curve is flatter than 1, else in standard accuracy), worst {worst:.2g}"
            + (f" <= {_cert._CERT_TOL:g}" if exact else f" > {_cert._CERT_TOL:g}, so not exact")
            + ("" if att.all() else f"; the Pareto set is disconnected: {int((~att).sum())} points along its steps "
                                     "are dominated by an attained point (attained false, attained_by), not attained"))
    return Frontier(model, threat, "linear" if biased else "linear-unbiased", bool(exact), taus[keep], std[keep],
                    rob[keep], _bound(model, threat, err[keep]), note,
                    r=rr[keep] if r_free else None, bias=bias[keep] if biased else None, gap_bound=gap,
                    attained=None if att.all() else att, attained_by=by)
