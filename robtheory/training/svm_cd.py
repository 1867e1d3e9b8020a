r"""Dual coordinate ascent for the finite-sample (adversarial) SVM: the fast path of the learning curves.

:func:`_fit_svm_cd` minimises the objective of :func:`robtheory.training.finite_sample.fit_svm`
from a warm start (the previous training-set size's dual point in
:mod:`robtheory.finite.learning_curve`), one dual coordinate at a time to a loose gap, then by
active-set Newton steps on the dual (:func:`_refine`), and returns a point certified
by the same independent certificate (:func:`robtheory.training.finite_sample._svm_certificate`);
where its gap stays above the tolerance it falls back to :func:`~robtheory.training.finite_sample.fit_svm`.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.linalg import cho_factor, cho_solve

from robtheory.model import ThreatModel
from robtheory.training.finite_sample import (
    FiniteSampleSVM,
    _svm_certificate,
    _svm_dual_norm,
    _svm_from_dual,
    _threshold,
    fit_svm,
)

__all__: list[str] = []


_CD_KERNEL = None
# the kernels' integer mode of each threat norm (0: no adversary)
_NORMS = (None, "linf", "l2")
# the gap to which coordinate ascent runs before the first active-set Newton (_refine)
_STAGE_TOL = 1e-5


def _cd_kernel():
    r"""Compile (once) the dual coordinate ascent kernel of :func:`_fit_svm_cd`."""
    global _CD_KERNEL
    if _CD_KERNEL is not None:
        return _CD_KERNEL
    import numba

    from robtheory._cache import numba_cache

    jit = numba.njit(nogil=True, cache=numba_cache())
    # reassociated sums in the dot products only (vectorised); results are certified independently
    fjit = numba.njit(nogil=True, cache=numba_cache(), fastmath={"reassoc", "contract"})

    @fjit
    def dot(x, y):
        s = 0.0
        for j in range(x.size):
            s += x[j] * y[j]
        return s

    @jit
    def axpy(c, x, y):
        for j in range(x.size):
            y[j] += c * x[j]

    @jit
    def weights(g, tau, lam, mode, s0, w):
        """w = T_tau(g) / lam in place; returns the dual norm of w over the perturbable part."""
        k = g.size
        for j in range(s0):
            w[j] = g[j] / lam
        pen = 0.0
        if mode == 0:
            for j in range(s0, k):
                w[j] = g[j] / lam
        elif mode == 1:
            for j in range(s0, k):
                r = abs(g[j]) - tau
                if r > 0.0:
                    w[j] = (r if g[j] > 0.0 else -r) / lam
                    pen += r / lam
                else:
                    w[j] = 0.0
        else:
            q = 0.0
            for j in range(s0, k):
                q += g[j] * g[j]
            q = np.sqrt(q)
            if q > tau:
                f = (1.0 - tau / q) / lam
                for j in range(s0, k):
                    w[j] = f * g[j]
                pen = (q - tau) / lam
            else:
                for j in range(s0, k):
                    w[j] = 0.0
        return pen

    @jit
    def h_and_curv(z, g, abar, t, n, lam, mode, eps, s0):
        """(h, c) at a + t e_i: h = 1 - z.w + eps ||w_S||_* = n dD/da_i, c = -lam n^2 d2D/da_i^2."""
        k = g.size
        tau = eps * (abar + t / n)
        h = 1.0
        c = 0.0
        for j in range(s0):
            u = g[j] + t * z[j] / n
            h -= z[j] * u / lam
            c += z[j] * z[j]
        if mode == 0:
            for j in range(s0, k):
                u = g[j] + t * z[j] / n
                h -= z[j] * u / lam
                c += z[j] * z[j]
        elif mode == 1:
            for j in range(s0, k):
                u = g[j] + t * z[j] / n
                r = abs(u) - tau
                if r > 0.0:
                    sz = z[j] if u > 0.0 else -z[j]
                    h -= (sz - eps) * r / lam
                    c += (sz - eps) * (sz - eps)
        else:
            q = 0.0
            A = 0.0
            B = 0.0
            for j in range(s0, k):
                u = g[j] + t * z[j] / n
                q += u * u
                A += z[j] * u
                B += z[j] * z[j]
            q = np.sqrt(q)
            if q > tau:
                h -= (A * (1.0 - tau / q) - eps * (q - tau)) / lam
                c += B * (1.0 - tau / q) - 2.0 * eps * A / q + A * A * tau / (q * q * q) + eps * eps
        return h, c

    @jit
    def step(z, a_i, h0, g, abar, n, lam, mode, eps, s0):
        """The exact (safeguarded) maximiser t of D along coordinate i, with a_i + t in [0, 1]."""
        if mode == 0:
            c = dot(z, z)
            return 1.0 - a_i if c == 0.0 else min(1.0 - a_i, max(-a_i, lam * n * h0 / c))
        # safeguarded Newton for the root of the decreasing h(t) on [lo, hi] (t = sgn * s)
        sgn = 1.0 if h0 > 0.0 else -1.0
        lo = 0.0
        hi = 1.0 - a_i if h0 > 0.0 else a_i
        _, c = h_and_curv(z, g, abar, 0.0, n, lam, mode, eps, s0)
        s = hi if c <= 0.0 else min(hi, lam * n * abs(h0) / c)
        best = 0.0
        for _it in range(30):
            hv, c = h_and_curv(z, g, abar, sgn * s, n, lam, mode, eps, s0)
            psi = sgn * hv
            if psi >= 0.0:
                best = s  # D still increases up to s: a safe step
                lo = s
                if s >= hi or psi <= 1e-10 * abs(h0):
                    break
            else:
                hi = s
            nxt = s + lam * n * psi / c if c > 0.0 else hi
            if psi >= 0.0 and nxt - s <= 1e-12 * s:
                break  # the rest of the step is below rounding: stop on the safe side
            if not (lo < nxt < hi):
                nxt = 0.5 * (lo + hi)
            if hi - lo <= 1e-15 * (1.0 + hi):
                break
            s = nxt
        return sgn * best

    @jit
    def kernel(Z, lam, mode, eps, s0, tol, max_epochs, theta, a):
        n, k = Z.shape
        np.random.seed(0)  # numba's per-thread generator: the same visiting orders in any thread
        g = np.zeros(k)
        w = np.zeros(k)
        active = np.empty(n, dtype=np.int64)
        gap = np.inf
        epoch = 0
        stuck = False
        while True:
            # full pass: exact g, abar, w from a (drops the drift of the running updates), the
            # duality gap on every sample, and the working set: every sample but those with
            # a_i = 0 well inside the margin (h_i < -theta), which stay at 0 until the next pass
            g[:] = 0.0
            asum = 0.0
            for i in range(n):
                if a[i] != 0.0:
                    axpy(a[i] / n, Z[i], g)
                    asum += a[i]
            abar = asum / n
            pen = weights(g, eps * abar, lam, mode, s0, w)
            gap = lam * dot(w, w) - abar
            m = 0
            for i in range(n):
                h = 1.0 - dot(Z[i], w) + eps * pen
                gap += max(0.0, h) / n
                if not (a[i] <= 0.0 and h < -theta):
                    active[m] = i
                    m += 1
            if gap <= 0.5 * tol or stuck:
                break
            # epochs over the working set until its own gap (checked after the first epoch, then
            # every 4) is below tol / 2, at most 10 before the working set is rebuilt. Shrinking
            # (as in LIBLINEAR): from the second epoch on, a sample at a_i = 0 whose h_i is below
            # minus the largest projected derivative of the epoch before (and below -theta)
            # leaves the working set until the next full pass, which looks at every sample again
            shrink = theta
            shrunk = False
            for inner in range(10):
                np.random.shuffle(active[:m])
                moved = 0
                pg_max = 0.0
                jj = 0
                while jj < m:
                    i = active[jj]
                    z = Z[i]
                    h0 = 1.0 - dot(z, w) + eps * pen
                    if inner > 0 and a[i] <= 0.0 and h0 < -shrink:
                        shrunk = True
                        m -= 1
                        active[jj] = active[m]
                        active[m] = i
                        continue
                    jj += 1
                    if (a[i] <= 0.0 and h0 <= 0.0) or (a[i] >= 1.0 and h0 >= 0.0):
                        continue
                    pg_max = max(pg_max, abs(h0))
                    t = step(z, a[i], h0, g, abar, n, lam, mode, eps, s0)
                    if t != 0.0:
                        a[i] += t
                        moved += 1
                        axpy(t / n, z, g)
                        abar += t / n
                        if mode == 0:
                            axpy(t / (n * lam), z, w)
                        else:
                            pen = weights(g, eps * abar, lam, mode, s0, w)
                epoch += 1
                shrink = min(theta, pg_max)
                if moved == 0 and shrunk and epoch < max_epochs:
                    break  # still on the shrunk set: a full pass decides
                if moved == 0 or epoch >= max_epochs:
                    stuck = True  # no coordinate moves (or the budget is spent): one last gap, then stop
                    break
                if inner == 0 or inner % 4 == 3:  # early: degenerate optima settle in one epoch
                    sub = lam * dot(w, w) - abar
                    for jj in range(m):
                        sub += max(0.0, 1.0 - dot(Z[active[jj]], w) + eps * pen) / n
                    if sub <= 0.5 * tol:
                        break
        return a, epoch, gap

    _CD_KERNEL = kernel
    return kernel


def _certify(Z: np.ndarray, lam: float, norm: str | None, eps: float, weak_only: bool, w: np.ndarray | None,
             a: np.ndarray, solver: str) -> FiniteSampleSVM:
    """The better of ``w`` and the Lagrangian minimiser at ``a`` (only the latter when ``w`` is None),
    with the independent certificate."""
    best = None
    from_dual = _svm_from_dual(Z, lam, norm, eps, weak_only, a)
    for cand in (from_dual,) if w is None else (w, from_dual):
        primal, dual = _svm_certificate(Z, lam, norm, eps, weak_only, cand, a)
        if best is None or primal < best.primal:
            best = FiniteSampleSVM(cand, primal, dual, lam, np.clip(a, 0.0, 1.0), solver)
    assert best is not None
    return best


def _fit_svm_cd(X: np.ndarray, y: np.ndarray, lam: float, threat: ThreatModel | None, tol: float,
                a0: np.ndarray | None = None, max_epochs: int = 2000, fallback: bool = True) -> FiniteSampleSVM:
    r""":func:`fit_svm` by dual coordinate ascent from a warm start ``a0``, certified to gap ``tol``.

    The learning curves' solver (internal). Each step maximises the dual :math:`D(a)` of
    :func:`fit_svm` exactly along one coordinate :math:`a_i \in [0, 1]`: the derivative
    :math:`n\,\partial D/\partial a_i = h_i(w(a)) = 1 - z_i^Tw + \varepsilon\lVert w\rVert_*` is
    decreasing along the coordinate (D is concave) and piecewise smooth (linear pieces between
    the points where a weak weight leaves zero under l_inf; smooth under l_2), and its root is
    found by Newton steps on the current piece, safeguarded by bisection; only steps that keep
    :math:`h_i \ge 0` on the ascent side are taken, so every step increases ``D``. Standard
    training (no adversary) is the dual coordinate ascent of :func:`robtheory.training.finite_sample._dcd_standard` (one exact
    step). Full passes recompute ``g`` and ``w`` from ``a`` and stop the run at a duality gap below
    half the stage's target.

    Stages: coordinate ascent to a loose gap (1e-5, or ``tol`` if larger), which finds the sets of
    samples at 0, between the bounds and at 1 (and the zero weights under l_inf), then the
    active-set Newton ascent of :func:`_refine` from there, which lands on the optimum once
    those sets are right; when the certified gap is still above ``tol``, coordinate ascent to a
    100 times smaller gap from the best point so far (at most 200 epochs before the Newton step
    is tried again), and again, within ``max_epochs`` epochs and 12 stages in all.

    ``a0`` (shape ``(n,)``, in ``[0, 1]``): a starting dual point, e.g. the solution on the first
    rows of the same data (nested training sets) padded for the new rows. The returned point is
    certified by :func:`robtheory.training.finite_sample._svm_certificate`; if its gap exceeds ``tol``, :func:`fit_svm` (with its
    conic fallback) is called instead, so the result is certified to ``tol`` or
    :class:`robtheory.training.finite_sample.SVMConvergenceError` is raised, as for :func:`fit_svm`. With ``fallback=False`` the best
    point found is returned with its certified gap, whatever it is (the caller checks ``gap``).
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n, k = X.shape
    norm = None if threat is None or threat.eps == 0 else threat.norm
    eps = 0.0 if norm is None else float(threat.eps)
    weak_only = threat is not None and not threat.perturb_x1
    Z = np.ascontiguousarray(X * y[:, None])
    a = np.zeros(n) if a0 is None else np.clip(np.array(a0, dtype=float), 0.0, 1.0)
    if a.shape != (n,):
        raise ValueError(f"a0 must have shape ({n},), got {a.shape}")
    mode = _NORMS.index(norm)
    s0 = 1 if (weak_only and mode != 0) else 0
    kernel = _cd_kernel()
    fit = None
    # coordinate ascent to a loose gap, then active-set Newton from there (_refine), which lands on
    # the optimum once coordinate ascent has found its sets; if that does not certify tol, ascent
    # to a 100 times smaller gap from the best point so far (at most 200 epochs while _refine is
    # still tried), and again, within max_epochs epochs in all
    stage_tol = max(tol, _STAGE_TOL)
    newton = True  # until _refine gives up once (a degenerate optimum)
    epochs_left = int(max_epochs)
    for _ in range(12):
        # while the Newton step is in play, at most 200 epochs before it is tried again
        budget = min(epochs_left, 200) if newton else epochs_left
        a, epochs, own_gap = kernel(Z, float(lam), mode, eps, s0, stage_tol, budget, 0.05, a)
        epochs_left -= epochs
        cand = rfit = None
        refined = _refine(Z, lam, mode, eps, s0, a, tol) if newton and own_gap > tol else None
        newton = newton and (refined is not None or own_gap <= tol)
        if refined is not None:
            rfit = _certify(Z, lam, norm, eps, weak_only, None, refined, "cd")
            if rfit.gap <= tol:
                cand, a = rfit, refined
        if cand is None:  # the coordinate-ascent point itself, or the better of the two
            cand = _certify(Z, lam, norm, eps, weak_only, None, a, "cd")
            if rfit is not None and rfit.gap < cand.gap:
                cand, a = rfit, refined
        if fit is None or cand.gap < fit.gap:
            fit = cand
        a = fit.alpha.copy()
        if fit.gap <= tol or epochs_left <= 0 or (stage_tol <= tol and epochs == 0):
            break  # certified, out of epochs, or at the last stage with nothing left to do
        stage_tol = max(tol, min(stage_tol, fit.gap) * 1e-2)
    assert fit is not None
    if fit.gap <= tol or not fallback:
        return fit
    return fit_svm(X, y, lam, threat, tol)


def _lagrangian_point(ZW: np.ndarray, aW: np.ndarray, n: int, lam: float, mode: int, eps: float,
                      s0: int) -> tuple[np.ndarray, np.ndarray, float, float]:
    r"""``(g, w, abar, pen)`` at a dual point that is zero outside the rows ``ZW`` (``aW`` on them):
    :math:`g = \frac1n\sum_i a_i z_i`, :math:`w = T_{\varepsilon\bar a}(g)/\lambda` (the shrinkage
    :func:`~robtheory.training.finite_sample._threshold` of :func:`_svm_from_dual`, here on a row
    subset), ``pen`` the dual norm of the perturbable part of ``w``."""
    norm = _NORMS[mode]
    g = ZW.T @ aW / n
    abar = float(aW.sum()) / n
    w = _threshold(g, eps * abar, norm, s0 == 1) / lam
    return g, w, abar, _svm_dual_norm(w, norm, s0 == 1)


def _newton_factor(ZF: np.ndarray, g: np.ndarray, abar: float, mode: int, eps: float, s0: int) -> np.ndarray:
    r"""A matrix :math:`\hat Z_F` with :math:`-\lambda n\,\partial h_F/\partial a_F = \hat Z_F\hat Z_F^T`
    at the current point (``h_i = 1 - z_i^Tw + \varepsilon\lVert w\rVert_*``, ``w = w(a)``).

    Standard: :math:`\hat z_i = z_i`. l_inf: on the columns whose weight is nonzero (the perturbable
    ones with :math:`|g_j| > \tau`, and the others), :math:`\hat z_{ij} = z_{ij} - \varepsilon s_j`
    with :math:`s_j = \operatorname{sign} g_j` (0 off the perturbable part); the zero weights have
    no column (locally they stay zero). l_2 with :math:`u = g_S`, :math:`q = \lVert u\rVert > \tau`,
    :math:`\hat u = u/q`, :math:`P_i = z_{iS}^T\hat u`: differentiating
    :math:`h_i = 1 - z_{i0}^Tg_0/\lambda - (1 - \tau/q)\,z_{iS}^Tu/\lambda + \varepsilon(q - \tau)/\lambda`
    gives :math:`\hat z_i = [z_{i0},\ \sqrt{1 - \tau/q}\,(z_{iS} - P_i\hat u),\ P_i - \varepsilon]`
    (with :math:`q \le \tau` the perturbable part has no column).
    """
    tau = eps * abar
    if mode == 0:
        return ZF
    gs = g[s0:]
    if mode == 1:
        keep = np.flatnonzero(np.abs(gs) > tau)
        return np.concatenate([ZF[:, :s0], ZF[:, s0 + keep] - eps * np.sign(gs[keep])], axis=1)
    q = float(np.linalg.norm(gs))
    if not q > tau:
        return ZF[:, :s0]
    u = gs / q
    ZS = ZF[:, s0:]
    P = ZS @ u
    return np.concatenate([ZF[:, :s0], math.sqrt(1.0 - tau / q) * (ZS - np.outer(P, u)), (P - eps)[:, None]], axis=1)


def _refine(Z: np.ndarray, lam: float, mode: int, eps: float, s0: int, a: np.ndarray, tol: float,
            max_iter: int = 60, theta: float = 0.05) -> np.ndarray | None:
    r"""Active-set Newton ascent on the dual from a point ``a`` found by coordinate ascent (or None).

    The dual :math:`D(a)` is concave and, on each piece (the samples split into ``a_i = 0``,
    ``0 < a_i < 1`` and ``a_i = 1``; under l_inf also the signs of the weights, with the zero
    weights fixed at zero), either quadratic (standard, l_inf) or smooth (l_2), with
    :math:`n\,\partial D/\partial a_i = h_i` and Hessian :math:`-\hat Z\hat Z^T/(\lambda n^2)`
    (:func:`_newton_factor`). Each iteration takes the Newton step for :math:`h_F = 0` on the
    set ``F`` of free samples and of samples at a bound whose derivative points into the box,
    the others fixed at their bound, cut at the first bound that a free sample reaches (the
    samples at a bound whose step points out of the box stay there); the sets are then
    re-read from the new point. Once the sets are right, one step lands on the optimum.

    Works on the samples with ``a_i > 0`` or :math:`h_i > -\theta` at the start; when their gap
    is below ``tol / 2``, the others are checked, and those with :math:`h_i > 0` join. Gives up
    (returning the best point seen, by its own gap, or None where it took no step) after
    ``max_iter`` iterations, 8 without progress, or when ``F`` has more than ``2k`` samples (a
    degenerate optimum with many samples tied, which coordinate ascent settles). The caller
    certifies the point.
    """
    n, k = Z.shape
    a = np.clip(a, 0.0, 1.0)
    if np.count_nonzero((a > 0.0) & (a < 1.0)) > 2 * k:
        return None  # a degenerate optimum (many samples tied at the kink): coordinate ascent's case
    _, w, _, pen = _lagrangian_point(Z[a > 0], a[a > 0], n, lam, mode, eps, s0)
    work = np.flatnonzero((a > 0) | (Z @ w < 1.0 + eps * pen + theta))
    ZW, aW = Z[work], a[work]
    best, best_gap, stall = None, math.inf, 0
    moved = False
    for _it in range(max_iter):
        g, w, abar, pen = _lagrangian_point(ZW, aW, n, lam, mode, eps, s0)
        h = 1.0 - ZW @ w + eps * pen
        gap = lam * float(w @ w) - abar + float(np.maximum(h, 0.0).sum()) / n
        if gap < best_gap * (1.0 - 1e-3):
            best, best_gap, stall = aW.copy(), gap, 0
        else:
            stall += 1
        # below tol / 2, a few more steps while they still help (one Newton step from the
        # right sets is exact, or under l_2 squares the error)
        if gap <= 0.5 * tol and (gap <= 1e-4 * tol or stall >= 2):
            h_all = 1.0 - Z @ w + eps * pen
            inside = np.zeros(n, dtype=bool)
            inside[work] = True
            join = np.flatnonzero(~inside & (h_all > 0.0))
            if join.size == 0:
                a[:] = 0.0
                a[work] = aW
                return a
            work = np.r_[work, join]
            ZW, aW = Z[work], np.r_[aW, np.zeros(join.size)]
            best, best_gap, stall = None, math.inf, 0  # gaps on the grown set are comparable from here
            continue
        if stall >= 8:
            break
        F = np.flatnonzero(((aW > 0.0) & (aW < 1.0)) | ((aW <= 0.0) & (h > 0.0)) | ((aW >= 1.0) & (h < 0.0)))
        if F.size == 0 or F.size > 2 * k:
            break
        Zh = _newton_factor(ZW[F], g, abar, mode, eps, s0)
        G = Zh @ Zh.T
        rhs = lam * n * h[F]
        t_max = 1.0
        try:
            d = cho_solve(cho_factor(G), rhs)
        except np.linalg.LinAlgError:
            # singular: more samples in F than independent columns. Along the null space of G, w
            # stays put and D is linear (slope h_F / n): if h_F has a part there, move along it
            # to the first bound (a sample leaves F); otherwise the pseudo-inverse Newton step
            ev, V = np.linalg.eigh(G)
            null = ev <= 1e-11 * max(float(ev[-1]), 1e-300)
            c = V.T @ rhs
            d = V[:, null] @ c[null]
            if np.linalg.norm(d) > 1e-9 * np.linalg.norm(rhs):
                t_max = math.inf
            else:
                d = V[:, ~null] @ (c[~null] / ev[~null])
        if not np.all(np.isfinite(d)):
            break
        aF = aW[F]
        # the first free sample to reach a bound cuts the step (those at a bound stepping out stay)
        room = np.where(d > 0.0, 1.0 - aF, np.where(d < 0.0, aF, np.inf))
        moving = (room > 0.0) & (d != 0.0)
        t = t_max
        t_blocked, jj = math.nan, -1
        if moving.any():
            lim = room[moving] / np.abs(d[moving])
            j = int(np.argmin(lim))
            if lim[j] < t_max:
                t = t_blocked = float(lim[j])
                jj = int(np.flatnonzero(moving)[j])
        if not math.isfinite(t):
            break
        # backtracking on D (concave; the step is an ascent direction, but a full step may cross
        # the kinks where the sets or, under l_inf, the zero weights change)
        d_now = abar - 0.5 * lam * float(w @ w)
        trial = aW.copy()
        for _half in range(30):
            new = np.clip(aF + t * d, 0.0, 1.0)
            if t == t_blocked:
                new[jj] = 1.0 if d[jj] > 0.0 else 0.0
            trial[F] = new
            _, w_new, abar_new, _ = _lagrangian_point(ZW, trial, n, lam, mode, eps, s0)
            if abar_new - 0.5 * lam * float(w_new @ w_new) >= d_now - 1e-15 * max(1.0, abs(d_now)):
                break
            t *= 0.5
        aW = trial
        moved = True
    if best is None or not moved:
        return None
    a[:] = 0.0
    a[work[: best.size]] = best
    return a
