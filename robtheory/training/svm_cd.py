r"""Dual coordinate ascent for the finite-sample (adversarial) SVM: the fast path of the learning curves.

:func:`_fit_svm_cd` minimises the objective of :func:`robtheory.training.finite_sample.fit_svm`
from a warm start (the previous training-set size's dual point in
:mod:`robtheory.finite.learning_curve`), one dual coordinate at a time, and returns a point certified
by the same independent certificate (:func:`robtheory.training.finite_sample._svm_certificate`);
where its gap stays above the tolerance it falls back to :func:`~robtheory.training.finite_sample.fit_svm`.
"""

from __future__ import annotations

import numpy as np

from robtheory.model import ThreatModel
from robtheory.training.finite_sample import (
    FiniteSampleSVM,
    _svm_certificate,
    _svm_from_dual,
    fit_svm,
)

__all__: list[str] = []


_CD_KERNEL = None


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
            # every 4) is below tol / 2, at most 10 before the working set is rebuilt
            for inner in range(10):
                np.random.shuffle(active[:m])
                moved = 0
                for jj in range(m):
                    i = active[jj]
                    z = Z[i]
                    h0 = 1.0 - dot(z, w) + eps * pen
                    if (a[i] <= 0.0 and h0 <= 0.0) or (a[i] >= 1.0 and h0 >= 0.0):
                        continue
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
    step). Every 5 epochs ``g`` and ``w`` are recomputed from ``a`` and the run stops at a duality
    gap below ``tol / 2``.

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
    mode = {None: 0, "linf": 1, "l2": 2}[norm]
    s0 = 1 if (weak_only and mode != 0) else 0
    kernel = _cd_kernel()
    fit = None
    # coordinate ascent to a loose gap, then the exact solve on the sets it found (_polish); if
    # that does not certify tol, ascent to a 100 times smaller gap from there, and again
    # (l_2: no polish, straight to tol)
    stage_tol = max(tol, 1e-6) if mode != 2 else tol
    for _ in range(6):
        a, _, _ = kernel(Z, float(lam), mode, eps, s0, stage_tol, int(max_epochs), 0.05, a)
        cand = _certify(Z, lam, norm, eps, weak_only, None, a, "cd")
        if mode != 2 and cand.gap > tol:
            polished = _polish(Z, lam, mode, eps, s0, a)
            if polished is not None:
                pfit = _certify(Z, lam, norm, eps, weak_only, None, polished, "cd")
                if pfit.gap < cand.gap:
                    cand, a = pfit, polished
        if fit is None or cand.gap < fit.gap:
            fit = cand
        if fit.gap <= tol or stage_tol <= tol:
            break
        stage_tol = max(tol, stage_tol * 1e-2)
    assert fit is not None
    if fit.gap <= tol or not fallback:
        return fit
    return fit_svm(X, y, lam, threat, tol)


def _polish(Z: np.ndarray, lam: float, mode: int, eps: float, s0: int, a: np.ndarray) -> np.ndarray | None:
    r"""The dual optimum on the sets found by coordinate ascent, by one linear solve (or None).

    With the samples split by ``a`` into :math:`F = \{0 < a_i < 1\}`, :math:`A_1 = \{a_i = 1\}` and
    the rest (``a_i = 0``), and, under l_inf, the signs :math:`s_j` of the nonzero perturbable
    weights fixed (the zero ones stay zero), the weights are linear in ``a``:
    :math:`w = \frac{1}{\lambda n}\sum_i a_i\hat z_i` with :math:`\hat z_{ij} = z_{ij} - \varepsilon s_j`
    on the kept coordinates, and :math:`h_i = 1 - \hat z_i^Tw`. The optimum on these sets solves
    :math:`h_i = 0` on :math:`F`: :math:`(\hat Z_F\hat Z_F^T) a_F = \lambda n\,\mathbf 1 -
    \hat Z_F\sum_{A_1}\hat z_l` (least squares). Returned only when ``a_F`` stays in [0, 1] and
    :math:`|F|` is at most the number of free weights; the caller keeps it only if its certified
    gap is smaller.
    """
    n, k = Z.shape
    free = (a > 1e-12) & (a < 1.0 - 1e-12)
    if not free.any():
        return None
    ones = a >= 1.0 - 1e-12
    a_round = np.where(ones, 1.0, np.where(free, a, 0.0))
    if mode == 0:
        cols = np.arange(k)
        shift = np.zeros(k)
    else:
        g = Z.T @ a_round / n
        tau = eps * float(a_round.mean())
        gs = g[s0:]
        keep = np.abs(gs) > tau
        cols = np.r_[np.arange(s0), s0 + np.flatnonzero(keep)]
        shift = np.r_[np.zeros(s0), eps * np.sign(gs[keep])]
    if int(free.sum()) > cols.size:
        # more samples on the kink than free weights: a degenerate optimum (e.g. the weak weights
        # dropped, all samples with the same x1 y tied), where the system is singular; coordinate
        # ascent settles those on its own
        return None
    Zh = Z[:, cols] - shift
    Zf = Zh[free]
    rhs = lam * n - Zf @ Zh[ones].sum(axis=0)
    sol, *_ = np.linalg.lstsq(Zf @ Zf.T, rhs, rcond=None)
    if not np.all(np.isfinite(sol)) or sol.min() < 0.0 or sol.max() > 1.0:
        return None
    out = a_round.copy()
    out[free] = sol
    return out
