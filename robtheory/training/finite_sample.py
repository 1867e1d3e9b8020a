r"""Finite-sample (adversarial) soft-margin SVM without bias, solved to a certified duality gap.

:func:`fit_svm` minimises the empirical objective on data ``(X, y)``; every result carries the
primal-dual certificate computed by code that shares nothing with the solvers (dual coordinate
ascent compiled with numba, L-BFGS-B on the dual, and an interior-point conic solve).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize

from robtheory.model import ThreatModel, ToyModel

__all__ = ["FiniteSampleSVM", "SVMConvergenceError", "fit_svm", "sample"]


def sample(model: ToyModel, n: int, rng: int | np.random.Generator | None) -> tuple[np.ndarray, np.ndarray]:
    """``n`` i.i.d. draws ``(X, y)`` from D(p, eta, d); ``rng`` is a seed or a Generator.

    The library's sampler of D is the Philox reference stream: new code takes its data from
    :func:`robtheory.mc.reference.sample_dataset` (it cannot be called from here, the training
    layer sits below the Monte Carlo one). This NumPy ``default_rng`` sampler is kept, frozen,
    because committed finite-sample results are defined by its draws: the issue instance of
    the SVM solver benchmark (``sample(ToyModel(0.7, 0.6, 3), 391, 1)``, where the previous
    solver stopped at a duality gap of 0.59) and its count of unconverged seeds (BENCHMARKS.md,
    ``validation/svm_solvers.py``), and the tests that reproduce them. Moving them to the
    reference stream would change which data those numbers describe.

    Parameters
    ----------
    model : ToyModel
    n : int >= 1
    rng : int, numpy.random.Generator or None

    Returns
    -------
    X : ndarray, shape (n, d + 1)
        ``X[:, 0]`` is x1.
    y : ndarray, shape (n,)
        Labels in {-1, +1}.

    Examples
    --------
    >>> from robtheory import ToyModel
    >>> X, y = sample(ToyModel(0.9, 0.3, 5), 4, 0)
    >>> X.shape, set(y) <= {-1.0, 1.0}
    ((4, 6), True)
    """
    rng = np.random.default_rng(rng)
    y = np.where(rng.random(n) < 0.5, 1.0, -1.0)
    x1 = np.where(rng.random(n) < model.p, y, -y)
    z = rng.standard_normal((n, model.d)) + model.eta * y[:, None]
    return np.column_stack([x1, z]), y


@dataclass(frozen=True)
class FiniteSampleSVM:
    """Empirical (adversarial) SVM solution with its primal-dual certificate.

    ``primal = P(w)`` and ``dual = D(alpha)`` are recomputed from ``w`` and the dual point
    ``alpha`` by :func:`_svm_certificate`, which shares no code with the solvers. By weak
    duality ``D(alpha) <= P(w*) <= P(w)``, so ``gap = primal - dual >= 0`` bounds the
    suboptimality of ``w``, and :math:`\\lVert w - w^*\\rVert \\le \\sqrt{2\\,\\mathrm{gap}/\\lambda}`.
    ``solver`` names the method that produced the point (``"dcd"``, ``"lbfgs"`` or ``"conic"``).

    Examples
    --------
    >>> from robtheory import ThreatModel, ToyModel
    >>> X, y = sample(ToyModel(0.9, 0.3, 5), 200, 0)
    >>> fit = fit_svm(X, y, lam=0.1, threat=ThreatModel("linf", 0.6))
    >>> fit.gap <= 1e-9, fit.w.shape
    (True, (6,))
    """

    w: np.ndarray
    primal: float
    dual: float
    lam: float
    alpha: np.ndarray | None = field(default=None, repr=False)
    solver: str = ""

    @property
    def gap(self) -> float:
        return max(0.0, self.primal - self.dual)

    @property
    def distance_bound(self) -> float:
        return math.sqrt(2 * self.gap / self.lam)

    def reduced(self) -> tuple[float, float]:
        """``(w1, v)`` with ``v = sum(w[1:]) / sqrt(d)`` (the weight on z)."""
        d = self.w.size - 1
        return float(self.w[0]), float(self.w[1:].sum() / math.sqrt(d))


class SVMConvergenceError(RuntimeError):
    """:func:`fit_svm` could not certify its point to the requested duality gap ``tol``.

    ``gap`` is the certified gap reached, ``result`` the best :class:`FiniteSampleSVM` found.
    """

    def __init__(self, message: str, gap: float, result: FiniteSampleSVM):
        super().__init__(message)
        self.gap = gap
        self.result = result


def _threshold(g: np.ndarray, tau: float, norm: str | None, weak_only: bool) -> np.ndarray:
    """Proximal shrinkage of ``g`` by ``tau`` in the dual norm's unit ball (see fit_svm)."""
    if norm is None or tau == 0:
        return g.copy()
    out = g.copy()
    sl = slice(1, None) if weak_only else slice(None)
    part = g[sl]
    if norm == "linf":  # || . ||_inf ball of B: soft threshold
        out[sl] = np.sign(part) * np.maximum(np.abs(part) - tau, 0.0)
    else:  # l2 ball: group soft threshold
        nrm = float(np.linalg.norm(part))
        out[sl] = part * (max(0.0, 1.0 - tau / nrm) if nrm > 0 else 0.0)
    return out


def _svm_dual_norm(w: np.ndarray, norm: str | None, weak_only: bool) -> float:
    """The adversary's dual norm of ``w`` (l_1 for l_inf, l_2 for l_2), without w1 if weak_only."""
    if norm is None:
        return 0.0
    part = w[1:] if weak_only else w
    return float(np.abs(part).sum()) if norm == "linf" else float(np.linalg.norm(part))


def _svm_certificate(Z: np.ndarray, lam: float, norm: str | None, eps: float, weak_only: bool,
                     w: np.ndarray, a: np.ndarray) -> tuple[float, float]:
    """``(P(w), D(a))``: the primal objective at ``w`` and the dual function at ``a`` (see fit_svm).

    Plain NumPy from the definitions, shared with no solver, so that ``P(w) - D(a)`` certifies
    whatever method produced ``w`` and ``a``. ``a`` is clipped to the box ``[0, 1]^n`` first (the
    dual function is defined only there).
    """
    n = Z.shape[0]
    a = np.clip(a, 0.0, 1.0)
    primal = float(np.mean(np.maximum(0.0, 1.0 - Z @ w + eps * _svm_dual_norm(w, norm, weak_only)))) \
        + 0.5 * lam * float(w @ w)
    r = _threshold(Z.T @ a / n, eps * float(a.mean()), norm, weak_only)
    dual = float(a.mean()) - float(r @ r) / (2 * lam)
    return primal, dual


def _svm_from_dual(Z: np.ndarray, lam: float, norm: str | None, eps: float, weak_only: bool,
                   a: np.ndarray) -> np.ndarray:
    """The minimiser over w of the Lagrangian at ``a``: :math:`T_{\\varepsilon\\bar a}(g)/\\lambda`."""
    a = np.clip(a, 0.0, 1.0)
    return _threshold(Z.T @ a / Z.shape[0], eps * float(a.mean()), norm, weak_only) / lam


def _lbfgs_dual(Z: np.ndarray, lam: float, norm: str | None, eps: float, weak_only: bool,
                maxiter: int = 20) -> np.ndarray:
    r"""A short L-BFGS-B ascent on the smooth dual :math:`D(a)` over the box, from ``a = 1/2``.

    :math:`\partial D/\partial a_i = h_i(w(a))/n` with :math:`w(a) = T_{\varepsilon\bar a}(g)/\lambda`.
    Capped at ``maxiter`` iterations: it settles the easy adversarial problems (those where the
    weak weights vanish, whose dual has most samples tied at the kink) in a few iterations, and
    on the others it stalls far from the optimum, which the certificate then reports.
    """
    n = Z.shape[0]

    def neg_dual(a: np.ndarray) -> tuple[float, np.ndarray]:
        abar = a.mean()
        r = _threshold(Z.T @ a / n, eps * abar, norm, weak_only)
        w = r / lam
        grad = (1.0 - Z @ w + eps * _svm_dual_norm(w, norm, weak_only)) / n
        return -(abar - float(r @ r) / (2 * lam)), -grad

    res = optimize.minimize(neg_dual, np.full(n, 0.5), jac=True, method="L-BFGS-B", bounds=[(0.0, 1.0)] * n,
                            options={"ftol": 1e-16, "gtol": 1e-14 / n, "maxiter": maxiter, "maxcor": 30})
    return np.clip(res.x, 0.0, 1.0)


def _conic_svm(Z: np.ndarray, lam: float, norm: str | None, eps: float, weak_only: bool, free: np.ndarray,
               lower: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray]:
    r"""One interior-point (Clarabel) solve of the SVM restricted to a working set.

    Samples in ``free`` keep their hinge :math:`\max(0, h_i)`, those in ``lower`` are charged
    :math:`h_i` (their hinge taken as active, :math:`a_i = 1`), the rest 0 (:math:`a_i = 0`), with
    :math:`h_i(w) = 1 - z_i^Tw + \varepsilon\lVert w\rVert_*`. The restricted objective is a lower
    bound of ``P`` that equals it wherever the guessed signs of ``h`` hold. Variables
    ``[w (k), xi (|free|), t, u (l_inf: one per perturbable weight)]``: minimise
    :math:`\frac\lambda2\lVert w\rVert^2 + \frac1n\bigl(\sum_{free}\xi_i + \sum_{lower}(1 - z_i^Tw + \varepsilon t)\bigr)`
    subject to :math:`\xi_i \ge 1 - z_i^Tw + \varepsilon t`, :math:`\xi \ge 0` and
    :math:`t \ge \lVert w\rVert_*` (l_inf: :math:`t \ge \sum u_j`, :math:`u_j \ge |w_j|`, linear;
    l_2: a second-order cone). Returns ``(w, a)`` with ``a`` on the whole sample.
    """
    import clarabel
    from scipy import sparse as sp

    n, k = Z.shape
    Zf = Z[free]
    f = Zf.shape[0]
    S = np.arange(1 if weak_only else 0, k) if norm is not None else np.arange(0)
    m = S.size
    nt = 1 if norm is not None else 0
    nu = m if norm == "linf" else 0
    cols = k + f + nt + nu
    P = sp.diags(np.r_[np.full(k, lam), np.zeros(cols - k)]).tocsc()
    n_low = int(lower.sum())
    q = np.zeros(cols)
    q[:k] = -Z[lower].sum(axis=0) / n
    q[k:k + f] = 1.0 / n
    if nt:
        q[k + f] = eps * n_low / n
    eps_col = sp.csr_matrix(np.full((f, nt), eps))
    rows = [sp.hstack([sp.csr_matrix(-Zf), -sp.eye(f), eps_col, sp.csr_matrix((f, nu))]),  # hinge
            sp.hstack([sp.csr_matrix((f, k)), -sp.eye(f), sp.csr_matrix((f, nt + nu))])]  # xi >= 0
    b = [np.full(f, -1.0), np.zeros(f)]
    n_nonneg = 2 * f
    cones = []
    if norm is not None:
        E = sp.csr_matrix((np.ones(m), (np.arange(m), S)), shape=(m, k))
        if norm == "linf":
            rows += [sp.hstack([sp.csr_matrix((1, k + f)), -sp.eye(1), sp.csr_matrix(np.ones((1, m)))]),
                     sp.hstack([E, sp.csr_matrix((m, f + 1)), -sp.eye(m)]),
                     sp.hstack([-E, sp.csr_matrix((m, f + 1)), -sp.eye(m)])]
            b += [np.zeros(1 + 2 * m)]
            n_nonneg += 1 + 2 * m
        else:
            rows += [sp.hstack([sp.csr_matrix((1, k + f)), -sp.eye(1)]),
                     sp.hstack([-E, sp.csr_matrix((m, f + 1))])]
            b += [np.zeros(1 + m)]
            cones.append(clarabel.SecondOrderConeT(1 + m))
    cones.insert(0, clarabel.NonnegativeConeT(n_nonneg))
    A = sp.vstack(rows).tocsc()
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    settings.max_iter = 400
    # the stopping rule is ours (the certificate); ask the interior point for more than tol
    settings.tol_gap_abs = min(1e-3 * tol, 1e-12)
    settings.tol_gap_rel = 1e-14
    settings.tol_feas = 1e-12
    settings.tol_ktratio = 1e-10
    sol = clarabel.DefaultSolver(P, q, A, np.concatenate(b), cones, settings).solve()
    x = np.asarray(sol.x, dtype=float)
    a = lower.astype(float)
    if x.size == cols and np.all(np.isfinite(x)):
        a[free] = np.clip(n * np.asarray(sol.z, dtype=float)[:f], 0.0, 1.0)
        return x[:k].copy(), a
    return np.zeros(k), a


def _conic_fit(Z: np.ndarray, lam: float, norm: str | None, eps: float, weak_only: bool, tol: float,
               w0: np.ndarray | None = None, max_rounds: int = 50) -> tuple[np.ndarray, np.ndarray]:
    r"""Working-set conic solve: exact on the samples whose hinge is unsettled, checked on all.

    From a guess ``w0`` (without one, for large ``n``: the optimum on a quarter of the sample,
    found the same way), samples far on the active side of the hinge (``h_i > 0``) are charged
    linearly and those far on the inactive side dropped; the ``4k + 64`` nearest the kink keep
    their hinge. After each solve, samples whose sign of ``h_i`` contradicts their assignment join
    the working set, which grows strictly, so the loop ends; when no sample contradicts, the
    restricted optimum is the exact one (the restriction is a lower bound of ``P`` equal to it
    there). Without a guess, or for small ``n``, the whole sample is the working set.
    """
    n, k = Z.shape
    free = np.ones(n, dtype=bool)
    h = np.zeros(n)
    small = 8 * k + 128
    if w0 is None and n > 4 * small:
        # the guess: the exact optimum on a quarter of the sample (recursively), which the
        # working set then corrects; a fixed stream keeps the result reproducible
        sub = np.sort(np.random.default_rng(0).permutation(n)[: n // 4])
        w0, _ = _conic_fit(Z[sub], lam, norm, eps, weak_only, tol)
    if w0 is not None and n > small:
        h = 1.0 - Z @ w0 + eps * _svm_dual_norm(w0, norm, weak_only)
        near = np.argsort(np.abs(h))[:4 * k + 64]
        free = np.zeros(n, dtype=bool)
        free[near] = True
    for _ in range(max_rounds):
        lower = ~free & (h > 0) if not free.all() else np.zeros(n, dtype=bool)
        w, a = _conic_svm(Z, lam, norm, eps, weak_only, free, lower, tol)
        if free.all():
            return w, a
        h_new = 1.0 - Z @ w + eps * _svm_dual_norm(w, norm, weak_only)
        wrong = ~free & ((lower & (h_new < 0)) | (~lower & (h_new > 0)))
        if not wrong.any():
            return w, a
        free |= wrong
        if free.sum() > n // 2:
            free[:] = True
    return _conic_svm(Z, lam, norm, eps, weak_only, np.ones(n, dtype=bool), np.zeros(n, dtype=bool), tol)


def fit_svm(X: ArrayLike, y: ArrayLike, lam: float, threat: ThreatModel | None = None, tol: float = 1e-9) -> FiniteSampleSVM:
    r"""Minimiser of the empirical (adversarial) soft-margin SVM objective, no bias, to a certified gap.

    .. math::

        P(w) = \frac1n\sum_i \max(0, 1 - y_i w^T x_i + \varepsilon\lVert w\rVert_*)
               + \frac{\lambda}{2}\lVert w\rVert^2 ,

    with :math:`\lVert\cdot\rVert_*` the l_1 norm (l_inf adversary) or the l_2 norm, over all
    weights, or over the weak ones only when the threat model does not perturb x1. Its dual is a
    concave program over the box :math:`a\in[0,1]^n`: writing :math:`\max(0,t) = \max_{a\in[0,1]} at`
    and :math:`\lVert w\rVert_* = \max_{\lVert s\rVert\le1} s^Tw`, the minimax theorem gives

    .. math::

        D(a) = \bar a - \frac{1}{2\lambda}\bigl\lVert T_{\varepsilon\bar a}(g)\bigr\rVert^2,\qquad
        g = \frac1n\sum_i a_i y_i x_i,\quad \bar a = \frac1n\sum_i a_i,\qquad
        w = T_{\varepsilon\bar a}(g)/\lambda,

    with :math:`T_\tau` the soft threshold (l_inf adversary) or the group soft threshold
    (l_2) — the mechanism that zeroes weak weights.

    The result is returned only when its duality gap ``P(w) - D(a)``, recomputed from ``w`` and
    ``a`` by code independent of the solvers, is at most ``tol`` (so that ``P(w) - P(w^*) <= tol``
    and :math:`\lVert w - w^*\rVert \le \sqrt{2\,\mathrm{tol}/\lambda}`); otherwise
    :class:`SVMConvergenceError` says the gap reached. Solvers, each tried only if the one before
    did not certify ``tol``: a fast path, dual coordinate ascent for standard training (``threat``
    None or eps 0; :func:`_dcd_standard`, O(nk) an epoch, stopping on the same gap) or 20
    iterations of L-BFGS-B on the dual for adversarial training (:func:`_lbfgs_dual`); then an
    interior-point conic solve (Clarabel: a QP with linear constraints for l_inf, a
    second-order cone for l_2) on a working set of the samples near the hinge, grown until no
    sample contradicts it. The interior point reaches gaps near 1e-12 on problems of this kind;
    ``tol`` much below the rounding of ``P`` and ``D`` (about ``n * 1e-16``) cannot be certified.

    Parameters
    ----------
    X : array_like, shape (n, k)
        Training inputs (``k = d + 1``, ``X[:, 0]`` is x1).
    y : array_like, shape (n,)
        Labels in {-1, +1}.
    lam : float > 0
        The regularisation :math:`\lambda`.
    threat : ThreatModel, optional
        The training adversary (None: standard training).
    tol : float > 0, default 1e-9
        The duality gap to certify.

    Returns
    -------
    FiniteSampleSVM
        ``w``, the primal and dual values and the certified ``gap``.

    Raises
    ------
    SVMConvergenceError
        When no solver certifies ``tol``.

    Examples
    --------
    At ``eps_train = 2 eta`` the weak weights are dropped:

    >>> import numpy as np
    >>> from robtheory import ThreatModel, ToyModel
    >>> X, y = sample(ToyModel(0.9, 0.3, 5), 200, 0)
    >>> fit = fit_svm(X, y, lam=0.1, threat=ThreatModel("linf", 0.6))
    >>> fit.gap <= 1e-9, bool(np.max(np.abs(fit.w[1:])) < 1e-6)
    (True, True)
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim != 2 or y.ndim != 1 or X.shape[0] != y.size or y.size == 0:
        raise ValueError(f"fit_svm needs X of shape (n, k) and y of shape (n,) with n >= 1, got X {X.shape} "
                         f"and y {y.shape}")
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
        raise ValueError("fit_svm needs finite X and y")
    if not (math.isfinite(lam) and lam > 0):
        raise ValueError(f"lam must be positive and finite, got {lam!r}")
    if not (math.isfinite(tol) and tol > 0):
        raise ValueError(f"tol (the duality gap to certify) must be positive and finite, got {tol!r}")
    n, k = X.shape
    norm = None if threat is None or threat.eps == 0 else threat.norm
    eps = 0.0 if norm is None else float(threat.eps)
    weak_only = threat is not None and not threat.perturb_x1
    Z = X * y[:, None]

    def certified(w: np.ndarray, a: np.ndarray, solver: str) -> FiniteSampleSVM:
        # the better of the solver's w and the Lagrangian minimiser at its a
        best = None
        for cand in (w, _svm_from_dual(Z, lam, norm, eps, weak_only, a)):
            primal, dual = _svm_certificate(Z, lam, norm, eps, weak_only, cand, a)
            if best is None or primal < best.primal:
                best = FiniteSampleSVM(cand, primal, dual, lam, np.clip(a, 0.0, 1.0), solver)
        return best

    w0 = None
    if norm is None:
        # a work budget of ~1e8 multiply-adds before the conic solver takes over
        a = _dcd_standard(Z, lam, tol, max_epochs=int(min(5000, max(20, 1e8 // max(n * k, 1)))))
        fit = certified(_svm_from_dual(Z, lam, None, 0.0, False, a), a, "dcd")
        if fit.gap <= tol:
            return fit
        w0 = fit.w
    else:
        a = _lbfgs_dual(Z, lam, norm, eps, weak_only)
        fit = certified(_svm_from_dual(Z, lam, norm, eps, weak_only, a), a, "lbfgs")
        if fit.gap <= tol:
            return fit
    fit = certified(*_conic_fit(Z, lam, norm, eps, weak_only, tol, w0), "conic")
    if fit.gap > tol and n > 8 * k + 128:  # once more, with every sample in the working set
        every = np.ones(n, dtype=bool)
        full = certified(*_conic_svm(Z, lam, norm, eps, weak_only, every, ~every, tol), "conic")
        fit = min(fit, full, key=lambda f: f.gap)
    if fit.gap > tol:
        raise SVMConvergenceError(
            f"fit_svm: the certified duality gap reached is {fit.gap:.3g} > tol={tol:g} (n={n}, k={k}, "
            f"lam={lam:g}); the gap is limited by the interior point's accuracy and the rounding of the "
            f"objective (about {n * 1e-16 * max(1.0, fit.primal):.1g}): pass tol >= {2 * fit.gap:.1g} to "
            f"accept this point, or rescale X; the point is in the error's .result", fit.gap, fit)
    return fit


_DCD_KERNEL = None


def _dcd_standard(Z: np.ndarray, lam: float, tol: float, max_epochs: int = 5000) -> np.ndarray:
    r"""Dual coordinate ascent for the standard SVM without bias (Hsieh et al., ICML 2008).

    Maximises :math:`D(a) = \bar a - \lVert n^{-1}\sum_i a_i z_i\rVert^2/(2\lambda)` over
    :math:`a\in[0,1]^n` (``z_i = y_i x_i``) one coordinate at a time, each update exact:
    :math:`a_i \leftarrow \operatorname{clip}(a_i + \lambda n(1 - z_i^Tw)/\lVert z_i\rVert^2, 0, 1)`.
    Every 10 epochs (and when no coordinate moves) it recomputes ``w`` from ``a`` and stops when
    the duality gap :math:`P(w) - D(a) = \frac1n\sum_i\max(0, 1 - z_i^Tw) + \lambda\lVert w\rVert^2
    - \bar a` is below ``tol / 2``; it returns ``a`` when that happens or after ``max_epochs``
    epochs, converged or not (:func:`fit_svm` certifies the result independently).
    Compiled with numba (imported here, on first use).
    """
    global _DCD_KERNEL
    if _DCD_KERNEL is None:
        import numba

        from robtheory._cache import numba_cache

        @numba.njit(cache=numba_cache())
        def kernel(Z: np.ndarray, lam: float, tol: float, max_epochs: int, order: np.ndarray) -> np.ndarray:
            n, k = Z.shape
            a = np.zeros(n)
            w = np.zeros(k)
            sq = np.empty(n)
            for i in range(n):
                sq[i] = np.dot(Z[i], Z[i])
            scale = 1.0 / (lam * n)
            for epoch in range(max_epochs):
                worst = 0.0
                for j in range(n):
                    i = order[j]
                    if sq[i] == 0.0:
                        continue
                    g = 1.0 - np.dot(Z[i], w)  # n * dD/da_i
                    if (a[i] <= 0.0 and g < 0.0) or (a[i] >= 1.0 and g > 0.0):
                        continue
                    worst = max(worst, abs(g))
                    new = min(1.0, max(0.0, a[i] + g / (sq[i] * scale)))
                    delta = new - a[i]
                    if delta != 0.0:
                        a[i] = new
                        w += (delta * scale) * Z[i]
                if worst == 0.0 or epoch % 10 == 9:
                    w[:] = 0.0  # recompute w from a: drops the drift of the running updates
                    for i in range(n):
                        if a[i] != 0.0:
                            w += (a[i] * scale) * Z[i]
                    gap = lam * np.dot(w, w) - a.sum() / n
                    for i in range(n):
                        gap += max(0.0, 1.0 - np.dot(Z[i], w)) / n
                    if gap <= 0.5 * tol or worst == 0.0:
                        break
            return a

        _DCD_KERNEL = kernel
    order = np.random.default_rng(0).permutation(Z.shape[0])
    return _DCD_KERNEL(np.ascontiguousarray(Z), float(lam), float(tol), int(max_epochs), order)
