r"""Gaussian maximum likelihood under an l2 adversary (Ilyas et al. 2019, Section 4, Thm 2).

Not a result of Tsipras et al.: another paper's model, checked here because it is the
other closed-form instance of "robust training changes what is learned" (docs/theory.md §2.4).
The data are :math:`x \mid y \sim \mathcal N(y\mu^*, \Sigma^*)`; the learner fits
:math:`\mathcal N(y\mu, \Sigma)` by minimising the expected negative log-likelihood under an
adversary, penalised (multiplier ``lam``) or with a mean-square budget ``eps``.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize

__all__ = [
    "alignment",
    "fit_per_sample_robust_gaussian",
    "fit_robust_gaussian",
    "lam_for_budget",
    "per_sample_robust_nll",
    "perturbation_energy",
    "robust_covariance",
    "robust_gaussian_nll",
]


def _sym_sqrt(A: np.ndarray) -> np.ndarray:
    vals, vecs = np.linalg.eigh(0.5 * (A + A.T))
    return (vecs * np.sqrt(np.maximum(vals, 0.0))) @ vecs.T


def _check_cov(S: ArrayLike, name: str = "Sigma_star") -> np.ndarray:
    S = np.atleast_2d(np.asarray(S, dtype=float))
    if S.ndim != 2 or S.shape[0] != S.shape[1] or not np.all(np.isfinite(S)):
        raise ValueError(f"{name} must be a finite square matrix, got shape {S.shape}")
    if not np.allclose(S, S.T, rtol=0, atol=1e-12 * max(1.0, float(np.abs(S).max()))):
        raise ValueError(f"{name} must be symmetric")
    if np.linalg.eigvalsh(S).min() <= 0:
        raise ValueError(f"{name} must be positive definite")
    return 0.5 * (S + S.T)


def robust_covariance(Sigma_star: ArrayLike, lam: float) -> np.ndarray:
    r"""The l2-robust Gaussian MLE covariance (Ilyas et al. 2019, Thm 2; theory §2.4).

    .. math::

        \Sigma_r(\lambda) = \tfrac12\Sigma^* + \tfrac1\lambda I
                            + \bigl(\tfrac1\lambda\Sigma^* + \tfrac14\Sigma^{*2}\bigr)^{1/2}

    It minimises :math:`E\max_\delta[\ell(x+\delta;\, y\mu, \Sigma) - \frac\lambda2\lVert\delta\rVert^2]`
    (``ell`` the Gaussian NLL): the inner max is :math:`\frac12 z^T(\Sigma - tI)^{-1}z`,
    ``t = 1/lam``, and per eigen-direction :math:`-c/(s-t)^2 + 1/s = 0` gives
    :math:`s = t + c/2 + \sqrt{tc + c^2/4}`. ``lam = inf`` gives :math:`\Sigma^*`.

    Parameters
    ----------
    Sigma_star : array_like, shape (k, k)
        The data's covariance :math:`\Sigma^*` (symmetric positive definite).
    lam : float > 0 or inf
        The adversary's multiplier :math:`\lambda`.

    Returns
    -------
    ndarray, shape (k, k)

    Examples
    --------
    Per eigenvalue ``c`` of :math:`\Sigma^*`: :math:`c/2 + t + \sqrt{tc + c^2/4}`, here with ``t = 1``:

    >>> robust_covariance([[1.0, 0.0], [0.0, 4.0]], lam=1.0).round(6)
    array([[2.618034, 0.      ],
           [0.      , 5.828427]])
    """
    S = _check_cov(Sigma_star)
    if not lam > 0:
        raise ValueError(f"lam must be > 0, got lam={lam!r}")
    t = 0.0 if math.isinf(lam) else 1.0 / lam
    k = S.shape[0]
    return 0.5 * S + t * np.eye(k) + _sym_sqrt(t * S + 0.25 * S @ S)


def perturbation_energy(Sigma_star: ArrayLike, lam: float) -> float:
    r""":math:`E\lVert\delta^*\rVert^2` of the optimal penalised adversary at :math:`\Sigma_r(\lambda)`.

    :math:`\delta^* = t(\Sigma - tI)^{-1}z`, so :math:`E\lVert\delta^*\rVert^2
    = t^2\operatorname{tr}((\Sigma_r - tI)^{-2}\Sigma^*)`, increasing in ``t = 1/lam``.

    Parameters
    ----------
    Sigma_star : array_like, shape (k, k)
    lam : float > 0

    Returns
    -------
    float

    Examples
    --------
    >>> round(perturbation_energy([[1.0, 0.0], [0.0, 4.0]], lam=lam_for_budget([[1.0, 0.0], [0.0, 4.0]], 0.5)), 12)
    0.25
    """
    S = _check_cov(Sigma_star)
    t = 1.0 / lam
    A = np.linalg.inv(robust_covariance(S, lam) - t * np.eye(S.shape[0]))
    return float(t * t * np.trace(A @ A @ S))


def lam_for_budget(Sigma_star: ArrayLike, eps: float) -> float:
    r"""The multiplier :math:`\lambda(\varepsilon)` with :math:`E\lVert\delta^*\rVert^2 = \varepsilon^2`.

    The relation between the Lagrange multiplier and the budget: for the adversary with a
    mean-square budget :math:`E\lVert\delta\rVert^2 \le \varepsilon^2` the robust problem is
    :math:`\min_\Sigma\min_\lambda[\,\cdot\,+ \lambda\varepsilon^2/2]` (Lagrangian duality), and
    stationarity in :math:`\lambda` is exactly this equation; so :math:`\Sigma_r(\lambda(\varepsilon))`
    is the exact robust MLE for that adversary. Solved by Brent's method in ``log t``.
    (For small budgets :math:`\lambda \approx \sqrt{\operatorname{tr}\Sigma^{*-1}}/\varepsilon`: with
    Ilyas et al.'s ``eps`` read as a squared radius this is their :math:`\lambda \sim \varepsilon^{-1/2}`.)

    Parameters
    ----------
    Sigma_star : array_like, shape (k, k)
    eps : float > 0
        The root-mean-square budget.

    Returns
    -------
    float
        :math:`\lambda(\varepsilon)`.

    Examples
    --------
    >>> S = [[1.0, 0.0], [0.0, 4.0]]
    >>> lam = lam_for_budget(S, 0.5)
    >>> round(perturbation_energy(S, lam), 12)           # E |delta*|^2 = eps^2
    0.25
    """
    S = _check_cov(Sigma_star)
    if not eps > 0:
        raise ValueError(f"eps must be > 0, got eps={eps!r}")

    def f(logt: float) -> float:
        return math.log(perturbation_energy(S, math.exp(-logt))) - 2 * math.log(eps)

    lo, hi = -60.0, 60.0
    return math.exp(-optimize.brentq(f, lo, hi, xtol=1e-14, rtol=1e-14))


def _penalised(Sigma: np.ndarray, M: np.ndarray, t: float) -> float:
    k = Sigma.shape[0]
    B = Sigma - t * np.eye(k)
    try:
        C = np.linalg.cholesky(0.5 * (B + B.T))
    except np.linalg.LinAlgError:
        return math.inf
    sign, logdet = np.linalg.slogdet(Sigma)
    Y = np.linalg.solve(C, M)
    quad = float(np.trace(np.linalg.solve(C, Y.T)))  # tr(B^{-1} M) with B = C C^T
    return 0.5 * quad + 0.5 * logdet


def robust_gaussian_nll(Sigma: ArrayLike, mu: ArrayLike, Sigma_star: ArrayLike, mu_star: ArrayLike, *,
                        lam: float | None = None, eps: float | None = None) -> float:
    r"""Expected robust Gaussian NLL of the model :math:`x \mid y \sim \mathcal N(y\mu, \Sigma)`, inner max exact.

    Data :math:`x \mid y \sim \mathcal N(y\mu^*, \Sigma^*)`; with :math:`z = x - y\mu`,
    :math:`E zz^T = M = \Sigma^* + (\mu - \mu^*)(\mu - \mu^*)^T`. Constants (``k/2 log 2 pi``)
    are dropped.

    * ``lam`` (penalised adversary :math:`\max_\delta \ell(x+\delta) - \frac\lambda2\lVert\delta\rVert^2`):
      :math:`\frac12\operatorname{tr}((\Sigma - tI)^{-1}M) + \frac12\log\det\Sigma`, ``t = 1/lam``
      (``inf`` unless :math:`\Sigma \succ tI`);
    * ``eps`` (mean-square budget :math:`E\lVert\delta\rVert^2 \le \varepsilon^2`): the inner max over
      perturbation maps is, by Lagrangian duality, :math:`\min_{0<t<s_{min}(\Sigma)}[\cdot + \varepsilon^2/(2t)]`,
      a one-dimensional convex problem solved by bounded Brent;
    * neither: the standard NLL.

    Parameters
    ----------
    Sigma : array_like, shape (k, k)
        The model's covariance.
    mu : array_like, shape (k,)
        The model's mean.
    Sigma_star, mu_star : array_like
        The data's covariance and mean.
    lam, eps : float, optional (keyword; at most one)
        The penalised adversary's multiplier, or the mean-square budget.

    Returns
    -------
    float

    Examples
    --------
    Without an adversary, at the truth: :math:`\frac12\operatorname{tr}(I) + \frac12\log\det\Sigma^*`:

    >>> import math
    >>> S = [[1.0, 0.0], [0.0, 4.0]]
    >>> bool(round(robust_gaussian_nll(S, [1.0, 0.0], S, [1.0, 0.0]), 12) == round(1 + 0.5 * math.log(4), 12))
    True
    """
    Sigma = np.atleast_2d(np.asarray(Sigma, dtype=float))
    d = np.asarray(mu, dtype=float) - np.asarray(mu_star, dtype=float)
    M = np.atleast_2d(np.asarray(Sigma_star, dtype=float)) + np.outer(d, d)
    if lam is not None and eps is not None:
        raise ValueError("give lam or eps, not both")
    if lam is not None:
        return _penalised(Sigma, M, 1.0 / lam)
    if eps is None or eps == 0:
        return _penalised(Sigma, M, 0.0)
    smin = float(np.linalg.eigvalsh(0.5 * (Sigma + Sigma.T)).min())
    if smin <= 0:
        return math.inf
    res = optimize.minimize_scalar(lambda u: _penalised(Sigma, M, smin * u) + eps**2 / (2 * smin * u),
                                   bounds=(1e-12, 1 - 1e-12), method="bounded", options={"xatol": 1e-14})
    return float(res.fun)


def fit_robust_gaussian(Sigma_star: ArrayLike, mu_star: ArrayLike, *, lam: float | None = None,
                        eps: float | None = None,
                        start: ArrayLike | None = None) -> tuple[np.ndarray, np.ndarray, float]:
    r"""Direct numerical minimisation of :func:`robust_gaussian_nll` over :math:`(\mu, \Sigma)`.

    Parametrisation: :math:`\Sigma = tI + LL^T` with ``L`` lower triangular (log-diagonal), so
    the penalised inner max is always finite; for the budget version ``t`` is the dual
    variable, optimised jointly (``log t`` free) -- by the minimax identity the joint minimum is
    the robust optimum. BFGS with finite-difference gradients from :math:`\Sigma^*`, then the
    result is re-evaluated with the exact inner max. Returns ``(mu, Sigma, value)``.

    Parameters
    ----------
    Sigma_star : array_like, shape (k, k)
    mu_star : array_like, shape (k,)
    lam, eps : float, optional (keyword; one of them)
    start : array_like, optional (keyword)
        A starting point of the parameter vector.

    Returns
    -------
    mu : ndarray, shape (k,)
    Sigma : ndarray, shape (k, k)
    value : float

    Examples
    --------
    The numerical optimum agrees with the closed form :func:`robust_covariance`:

    >>> import numpy as np
    >>> S = np.diag([1.0, 4.0])
    >>> mu, Sigma, value = fit_robust_gaussian(S, [1.0, 1.0], lam=1.0)
    >>> bool(np.allclose(Sigma, robust_covariance(S, 1.0), atol=1e-5))
    True
    """
    S = _check_cov(Sigma_star)
    mu_star = np.asarray(mu_star, dtype=float)
    k = S.shape[0]
    il = np.tril_indices(k)
    diag = np.arange(k)

    def unpack(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        mu = theta[:k]
        L = np.zeros((k, k))
        L[il] = theta[k:k + len(il[0])]
        L[diag, diag] = np.exp(L[diag, diag])
        t = (1.0 / lam) if lam is not None else (math.exp(theta[-1]) if eps else 0.0)
        return mu, L, t

    def obj(theta: np.ndarray) -> float:
        mu, L, t = unpack(theta)
        Sigma = t * np.eye(k) + L @ L.T
        d = mu - mu_star
        M = S + np.outer(d, d)
        LinvM = np.linalg.solve(L, M)
        quad = float(np.trace(np.linalg.solve(L, LinvM.T)))
        val = 0.5 * quad + 0.5 * np.linalg.slogdet(Sigma)[1]
        if eps:
            val += eps**2 / (2 * t)
        return val

    L0 = np.linalg.cholesky(S if start is None else np.asarray(start, dtype=float))
    L0 = L0.copy()
    L0[diag, diag] = np.log(L0[diag, diag])
    theta0 = np.concatenate([np.zeros(k), L0[il]] + ([[math.log(0.1)]] if (eps and lam is None) else []))
    res = optimize.minimize(obj, theta0, method="BFGS", options={"gtol": 1e-11, "maxiter": 10000})
    mu, L, t = unpack(res.x)
    Sigma = t * np.eye(k) + L @ L.T
    return mu, 0.5 * (Sigma + Sigma.T), robust_gaussian_nll(Sigma, mu, S, mu_star, lam=lam, eps=eps)


def alignment(Sigma: ArrayLike, mu: ArrayLike) -> float:
    r"""Cosine between the linear classifier's direction :math:`\Sigma^{-1}\mu` and :math:`\mu`.

    The likelihood-ratio rule of the learned model is :math:`\operatorname{sign}(\mu^T\Sigma^{-1}x)`;
    its input gradient is :math:`\propto\Sigma^{-1}\mu`. As the l2 budget grows,
    :math:`\Sigma_r \to \frac1\lambda I` dominates and the direction turns towards ``mu``
    (the "perceptually aligned gradients" of robust models, Ilyas et al. Thm 3).

    Parameters
    ----------
    Sigma : array_like, shape (k, k)
    mu : array_like, shape (k,)

    Returns
    -------
    float in [-1, 1]

    Examples
    --------
    >>> round(alignment([[1.0, 0.0], [0.0, 1.0]], [1.0, 2.0]), 12)        # Sigma = I: aligned
    1.0
    >>> round(alignment([[1.0, 0.0], [0.0, 4.0]], [1.0, 1.0]), 6)        # (1, 1/4) against (1, 1)
    0.857493
    """
    mu = np.asarray(mu, dtype=float)
    w = np.linalg.solve(np.asarray(Sigma, dtype=float), mu)
    return float(w @ mu / (np.linalg.norm(w) * np.linalg.norm(mu)))


def per_sample_robust_nll(Sigma: ArrayLike, Z: np.ndarray, eps: float) -> float:
    r"""Sample mean of :math:`\max_{\lVert\delta\rVert_2\le\varepsilon}\ell(z + \delta;\, 0, \Sigma)` (per-sample budget).

    For each row ``z`` of ``Z`` (the centred data :math:`x - y\mu`) the inner max of the
    convex quadratic over the ball is attained on the sphere at
    :math:`\delta = (\nu\Sigma - I)^{-1}z`, :math:`\nu > 1/s_{min}` solving
    :math:`\lVert\delta(\nu)\rVert = \varepsilon` (the trust-region secular equation, solved per
    sample by vectorised bisection to machine precision in the eigenbasis of ``Sigma``).

    Parameters
    ----------
    Sigma : array_like, shape (k, k)
    Z : ndarray, shape (n, k)
    eps : float >= 0
        The per-sample l2 radius.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> per_sample_robust_nll(np.eye(2), np.zeros((3, 2)), 0.0)       # 0 data, no budget, log det I = 0
    0.0
    """
    Sigma = np.atleast_2d(np.asarray(Sigma, dtype=float))
    s, U = np.linalg.eigh(0.5 * (Sigma + Sigma.T))
    if s.min() <= 0:
        return math.inf
    zc = np.asarray(Z, dtype=float) @ U  # coordinates in the eigenbasis
    if eps == 0:
        vals = 0.5 * np.sum(zc**2 / s, axis=1)
    else:
        def norm_delta(nu: np.ndarray) -> np.ndarray:
            return np.sqrt(np.sum((zc / (nu[:, None] * s - 1.0)) ** 2, axis=1))

        lo = np.full(zc.shape[0], 1.0 / s.min())
        hi = lo.copy()
        # hi: ||delta|| <= eps; ||delta(nu)|| <= ||z||/(nu s_min - 1)
        hi = (np.linalg.norm(zc, axis=1) / eps + 1.0) / s.min() + 1e-300
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            big = norm_delta(mid) > eps
            lo = np.where(big, mid, lo)
            hi = np.where(big, hi, mid)
            if np.all(hi - lo <= 4e-16 * hi):
                break
        nu = hi
        u = zc * (nu[:, None] * s) / (nu[:, None] * s - 1.0)  # z + delta
        vals = 0.5 * np.sum(u**2 / s, axis=1)
    return float(np.mean(vals) + 0.5 * np.sum(np.log(s)))


def fit_per_sample_robust_gaussian(Sigma_star: ArrayLike, eps: float, n: int = 20000,
                                   rng: int | np.random.Generator = 0) -> tuple[np.ndarray, np.ndarray]:
    r"""Minimise :func:`per_sample_robust_nll` over :math:`\Sigma` on ``n`` draws (``mu = mu*``).

    Sample-average approximation with common random numbers; :math:`\Sigma = LL^T`, BFGS with
    finite differences from :math:`\Sigma_r(\lambda(\varepsilon))`. Returns ``(Sigma, M)`` with
    ``M = Z^T Z / n`` the sample second moment, the data the SAA optimum actually sees (compare
    it with :math:`\Sigma_r(\lambda; M)`, not :math:`\Sigma_r(\lambda; \Sigma^*)`, to cancel the
    sampling noise). Used to show that the per-sample ball adversary is *not* exactly of
    Ilyas et al.'s form.

    Parameters
    ----------
    Sigma_star : array_like, shape (k, k)
    eps : float > 0
    n : int >= 1, default 20000
    rng : int or numpy.random.Generator, default 0

    Returns
    -------
    Sigma : ndarray, shape (k, k)
    M : ndarray, shape (k, k)

    Examples
    --------
    >>> import numpy as np
    >>> Sigma, M = fit_per_sample_robust_gaussian(np.diag([1.0, 4.0]), 0.5, n=500, rng=0)
    >>> Sigma.shape, bool(np.all(np.linalg.eigvalsh(Sigma) > np.linalg.eigvalsh(M)))   # inflated
    ((2, 2), True)
    """
    S = _check_cov(Sigma_star)
    k = S.shape[0]
    Z = np.random.default_rng(rng).standard_normal((n, k)) @ np.linalg.cholesky(S).T
    il = np.tril_indices(k)
    diag = np.arange(k)

    def unpack(theta: np.ndarray) -> np.ndarray:
        L = np.zeros((k, k))
        L[il] = theta
        L[diag, diag] = np.exp(L[diag, diag])
        return L @ L.T

    L0 = np.linalg.cholesky(robust_covariance(S, lam_for_budget(S, eps)))
    L0[diag, diag] = np.log(L0[diag, diag])
    res = optimize.minimize(lambda th: per_sample_robust_nll(unpack(th), Z, eps), L0[il], method="BFGS",
                            options={"gtol": 1e-9})
    return unpack(res.x), Z.T @ Z / n
