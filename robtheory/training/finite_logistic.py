r"""Finite-sample (adversarially trained) logistic regression, no bias, with a KKT certificate.

.. math::

    P(w) = \frac1n\sum_i \log\bigl(1 + e^{-y_i w^T x_i + \varepsilon\lVert w\rVert_*}\bigr)
           + \frac{\lambda}{2}\lVert w\rVert^2,

the exact adversarial loss of a linear model (the worst point of the ball moves every margin by
:math:`-\varepsilon\lVert w\rVert_*`; the dual norm is over the movable coordinates: all, or the
weak ones when x1 is fixed). For l_inf the dual norm :math:`\lVert w\rVert_1` is not smooth; writing
:math:`w = w^+ - w^-` with :math:`w^\pm \ge 0` and :math:`\lVert w\rVert_1 \to \sum(w^+ + w^-)`
gives a smooth objective on a box with the same minimum (the loss increases with the penalty and the
regulariser depends on ``w`` only, so a minimiser never has both parts positive) — minimised by
L-BFGS-B. The l_2 dual norm is smooth away from the weak part being 0. The problem is
:math:`\lambda`-strongly convex, so the certificate ``kkt_residual`` (the norm of the projected
gradient on the box) bounds the distance to the minimiser: :math:`\lVert w - w^*\rVert \le
\mathrm{residual}/\lambda`. The result is returned only when that bound is at most ``tol``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize, special

from robtheory.model import ThreatModel

__all__ = ["FiniteLogistic", "fit_logistic"]


@dataclass(frozen=True)
class FiniteLogistic:
    """``w`` (shape ``(k,)``), the objective ``primal``, ``kkt_residual`` and the certified bound
    ``distance_bound = kkt_residual / lam`` on :math:`\\lVert w - w^*\\rVert`."""

    w: np.ndarray
    primal: float
    kkt_residual: float
    distance_bound: float
    lam: float


def fit_logistic(X: ArrayLike, y: ArrayLike, lam: float, threat: ThreatModel | None = None,
                 tol: float = 1e-6) -> FiniteLogistic:
    r"""Minimiser of the empirical (adversarial) logistic objective of the module docstring.

    Raises ValueError when L-BFGS-B cannot certify ``||w - w*|| <= tol`` (naming the bound reached).
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim != 2 or y.shape != (X.shape[0],) or X.shape[0] == 0:
        raise ValueError(f"fit_logistic needs X of shape (n, k) and y of shape (n,), got X{X.shape}, y{y.shape}")
    if not lam > 0:
        raise ValueError(f"lam must be > 0, got lam={lam!r}")
    n, k = X.shape
    Z = y[:, None] * X
    eps = 0.0 if threat is None else float(threat.eps)
    mask = np.ones(k)
    if threat is not None and not threat.perturb_x1:
        mask[0] = 0.0
    l1 = threat is not None and threat.norm == "linf" and eps > 0

    def loss_grad(w: np.ndarray, dpen: np.ndarray, pen: float) -> tuple[float, np.ndarray, np.ndarray]:
        m = Z @ w - eps * pen
        f = float(np.mean(np.logaddexp(0.0, -m))) + 0.5 * lam * float(w @ w)
        s = special.expit(-m) / n                     # d loss / d(-m_i)
        gw = -(Z.T @ s) + lam * w                     # gradient through Z w
        gpen = eps * float(s.sum()) * dpen            # gradient through the penalty
        return f, gw, gpen

    if l1:
        def fun(v: np.ndarray) -> tuple[float, np.ndarray]:
            wp, wm = v[:k], v[k:]
            w = wp - wm
            f, gw, gpen = loss_grad(w, mask, float(mask @ (wp + wm)))
            return f, np.concatenate([gw + gpen, -gw + gpen])

        res = optimize.minimize(fun, np.zeros(2 * k), jac=True, method="L-BFGS-B", bounds=[(0, None)] * (2 * k),
                                options={"ftol": 0.0, "gtol": 1e-13, "maxiter": 20000, "maxcor": 30})
        v = res.x
        f, g = fun(v)
        proj = np.where(v > 0, g, np.minimum(g, 0.0))  # projected gradient on the box
        w = v[:k] - v[k:]
        resid = float(np.linalg.norm(proj))
    else:
        def fun2(w: np.ndarray) -> tuple[float, np.ndarray]:
            wm = w * mask
            nrm = float(np.linalg.norm(wm))
            dpen = wm / nrm if nrm > 0 else np.zeros(k)
            f, gw, gpen = loss_grad(w, dpen, nrm)
            return f, gw + gpen

        res = optimize.minimize(fun2, np.zeros(k), jac=True, method="L-BFGS-B",
                                options={"ftol": 0.0, "gtol": 1e-13, "maxiter": 20000, "maxcor": 30})
        w = res.x
        f, g = fun2(w)
        resid = float(np.linalg.norm(g))
        if eps > 0 and np.linalg.norm(w * mask) == 0:
            resid = float("inf")  # the l_2 penalty is not differentiable there: no certificate
    bound = resid / lam
    if not bound <= tol:
        raise ValueError(f"fit_logistic: certified distance to the minimiser {bound:.3g} > tol={tol!r} "
                         f"(KKT residual {resid:.3g}); raise tol or lam")
    return FiniteLogistic(w, float(f), resid, bound, float(lam))
