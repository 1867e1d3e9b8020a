r"""Population SVM and logistic-regression objectives of D(p, eta, d) in reduced coordinates.

Theorem 2.2 of Tsipras et al. (2019) is about the minimiser of the *population* (distributional)
objective, eq. (5), without a bias term,

.. math::

    J_\lambda(w) = E\,\ell\bigl(y\,w^T x - \varepsilon\lVert w\rVert_*\bigr)
                   + \tfrac{\lambda}{2}\lVert w\rVert_2^2 ,

with :math:`\ell(t) = \max(0, 1 - t)` (soft-margin SVM) or :math:`\ell(t) = \log(1 + e^{-t})`
(logistic regression); :math:`\varepsilon = 0` is standard training, :math:`\varepsilon > 0`
adversarial training against an l_inf (dual norm l_1) or l_2 ball. The adversary's inner max
is taken per sample and is exact for a linear model because :math:`\ell` is non-increasing.

Reduction (Lemma D.1). Both objectives are invariant under permutations of the weak features
and strictly convex, so the minimiser has equal weak weights ``c``; with :math:`v = c\sqrt d`
(the weight on :math:`z = d^{-1/2}\sum_{i\ge2} x_i \sim \mathcal N(y\mu, 1)`) a classifier is
the point :math:`(w_1, v)` and :math:`\lVert w\rVert_2^2 = w_1^2 + v^2`. Given
:math:`s = y x_1 = \pm1` (probabilities ``p``, ``1 - p``) the robust margin is Gaussian,

.. math::

    y\,w^Tx - \varepsilon\lVert w\rVert_* \sim \mathcal N(u_s, v^2), \qquad
    u_s = s\,w_1 + \mu v - \varepsilon N(w_1, v),

with :math:`N = |w_1| + \sqrt d|v|` (l_inf), :math:`\sqrt{w_1^2+v^2}` (l_2), or without the
:math:`w_1` part when x1 cannot be perturbed. The hinge loss is the generated closed form
(:func:`robtheory.theory._generated.hinge_standard` and friends, theory §3.6; never retyped here); the
logistic loss has no closed form and is an exact one-dimensional quadrature over the Gaussian.

The solver and its certificate are in :mod:`robtheory.training.population`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize

from robtheory import _special as _sp
from robtheory.classifiers import dual_norm_stats
from robtheory.model import ThreatModel, ToyModel, _finite_real
from robtheory.theory import _generated as G
from robtheory.theory.closed_form import variant
from robtheory.training.logistic import LOGISTIC_RTOL, logistic_case, logistic_stats

__all__ = ["LOSSES", "Objective", "embed", "reduced_stats"]

#: Losses understood by :class:`Objective`.
LOSSES = ("hinge", "logistic")

#: a hinge argument within this distance of 0 is treated as the kink itself
_KINK_TOL = 1e-11


# ----------------------------------------------------------------------------------------
# Reduced coordinates


def reduced_stats(w1: ArrayLike, v: ArrayLike,
                  d: int) -> tuple[np.ndarray, float, np.ndarray, np.ndarray, np.ndarray]:
    """Summary statistics (a, b, S, Q, U1) of :math:`w = (w_1, v d^{-1/2}\\mathbf 1)`, b = 0.

    ``S = v sqrt(d)``, ``Q = |v|``, ``U1 = |v| sqrt(d)``; broadcasts over arrays.

    Parameters
    ----------
    w1, v : array_like
        Weight on x1 and on :math:`z = d^{-1/2}\\sum_{i\\ge2} x_i` (broadcast together).
    d : int >= 1

    Returns
    -------
    a, b, S, Q, U1
        Arrays (``b`` the float 0).

    Examples
    --------
    >>> [float(x) for x in reduced_stats(0.5, 2.0, 4)]
    [0.5, 0.0, 4.0, 2.0, 4.0]
    """
    w1 = np.asarray(w1, dtype=float)
    v = np.asarray(v, dtype=float)
    sd = math.sqrt(d)
    return w1, 0.0, v * sd, np.abs(v), np.abs(v) * sd


def embed(w1: float, v: float, d: int) -> np.ndarray:
    """The full weight vector ``(w1, v/sqrt(d), ..., v/sqrt(d))`` of length ``d + 1``.

    Parameters
    ----------
    w1, v : float
    d : int >= 1

    Returns
    -------
    ndarray, shape (d + 1,)

    Examples
    --------
    >>> embed(0.5, 2.0, 4)
    array([0.5, 1. , 1. , 1. , 1. ])
    """
    w = np.full(d + 1, v / math.sqrt(d))
    w[0] = w1
    return w


def _full_stats(w: ArrayLike) -> tuple[float, float, float, float, float]:
    w = np.asarray(w, dtype=float)
    u = w[1:]
    return float(w[0]), 0.0, float(u.sum()), float(np.linalg.norm(u)), float(np.abs(u).sum())


def _abs_dir(t: np.ndarray | float, dt: np.ndarray | float) -> np.ndarray:
    """One-sided derivative of |t| in direction dt: sign(t) dt, or |dt| at t = 0."""
    return np.where(t != 0, np.sign(t) * dt, np.abs(dt))



# ----------------------------------------------------------------------------------------
# The objective


@dataclass(frozen=True)
class Objective:
    r"""Population objective :math:`J(w_1, v) = E\,\ell(\cdot) + \frac{\lambda}{2}(w_1^2 + v^2)`.

    Parameters
    ----------
    model : ToyModel
        The distribution D(p, eta, d).
    lam : float >= 0
        l2 regularisation :math:`\lambda` (the solvers need ``lam > 0``).
    threat : ThreatModel or None
        ``None`` (or radius 0) for standard training, else the adversary of adversarial
        training (l_inf or l_2, with or without x1).
    loss : {"hinge", "logistic"}

    Examples
    --------
    At ``(w1, v) = (1, 0)`` (``sign(x1)``) the hinge loss is :math:`E\\max(0, 1 - y x_1) = 2(1 - p)`:

    >>> from robtheory import ToyModel
    >>> obj = Objective(ToyModel(0.95, 0.4, 100), lam=0.1)
    >>> round(obj.value(1.0, 0.0), 12), obj.kind               # 2 (1 - p) + lam / 2
    (0.15, 'standard')
    """

    model: ToyModel
    lam: float
    threat: ThreatModel | None = None
    loss: str = "hinge"
    kind: str = field(init=False)
    eps: float = field(init=False)

    def __post_init__(self) -> None:
        if not isinstance(self.model, ToyModel):
            raise ValueError(f"model must be a ToyModel, got {self.model!r}")
        lam = _finite_real("lam", self.lam)
        if lam < 0:
            raise ValueError(f"lam must be >= 0, got lam={self.lam!r}")
        object.__setattr__(self, "lam", lam)
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got loss={self.loss!r}")
        if self.threat is not None and not isinstance(self.threat, ThreatModel):
            raise ValueError(f"threat must be a ThreatModel or None, got {self.threat!r}")
        threat = self.threat if (self.threat is not None and self.threat.eps > 0) else None
        object.__setattr__(self, "kind", variant(threat))
        object.__setattr__(self, "eps", 0.0 if threat is None else threat.eps)

    # -- pieces ------------------------------------------------------------------------ #
    @property
    def d(self) -> int:
        return self.model.d

    @property
    def mu(self) -> float:
        return self.model.mu

    def _stats_value_grad(self, a: Any, S: Any, Q: Any, U1: Any,
                          need_grad: bool = True) -> tuple[Any, tuple[Any, ...] | None]:
        m = self.model
        if self.loss == "hinge":
            args = (m.p, m.eta, self.eps, a, 0.0, S, Q, U1)
            val = getattr(G, f"hinge_{self.kind}")(*args)
            if not need_grad:
                return val, None
            ga, _gb, gS, gQ, gU = getattr(G, f"hinge_grad_{self.kind}")(*args)
            return val, (ga, gS, gQ, gU)
        val, grad = logistic_stats(m.p, m.eta, self.eps, float(a), float(S), float(Q), float(U1), self.kind,
                                   need_grad)
        return val, (grad if need_grad else None)

    def loss_value(self, w1: ArrayLike, v: ArrayLike) -> Any:
        """The expected (robust) loss without the regulariser; vectorised for the hinge."""
        a, _b, S, Q, U1 = reduced_stats(w1, v, self.d)
        if self.loss == "hinge":
            return self._stats_value_grad(a, S, Q, U1, need_grad=False)[0]
        out = np.vectorize(lambda a_, S_, Q_, U_: self._stats_value_grad(a_, S_, Q_, U_, False)[0])(a, S, Q, U1)
        return out[()] if out.ndim == 0 else out

    def value(self, w1: ArrayLike, v: ArrayLike) -> Any:
        """:math:`J(w_1, v)`."""
        w1 = np.asarray(w1, dtype=float)
        v = np.asarray(v, dtype=float)
        out = self.loss_value(w1, v) + 0.5 * self.lam * (w1 * w1 + v * v)
        return float(out) if np.ndim(out) == 0 else out

    def gradient(self, w1: float, v: float, side_w1: float = 0.0, side_v: float = 0.0) -> np.ndarray:
        """:math:`\\nabla J(w_1, v)` where ``J`` is differentiable (chain rule through the stats).

        At ``w1 = 0`` (l_inf with x1) or ``v = 0`` the partial derivative is one-sided:
        ``side_w1``/``side_v`` = +1 or -1 picks the side, 0 the average of the two.
        """
        sd = math.sqrt(self.d)
        a, _b, S, Q, U1 = reduced_stats(w1, v, self.d)
        _, (ga, gS, gQ, gU) = self._stats_value_grad(a, S, Q, U1)
        ga, gS, gQ, gU = (float(np.asarray(x)) for x in (ga, gS, gQ, gU))
        gw = ga + self.lam * w1
        if w1 == 0 and self.kind == "linf_full" and side_w1:
            # d/d|a| enters exactly like d/dU1 (through eps * (|a| + U1))
            gw += side_w1 * gU
        sv = np.sign(v) if v != 0 else side_v
        gv = sd * gS + sv * (gQ + sd * gU) + self.lam * v
        return np.array([gw, gv])

    def value_full(self, w: ArrayLike) -> float:
        """:math:`J` at a full weight vector ``w`` of length ``d + 1`` (any weak weights)."""
        w = np.asarray(w, dtype=float)
        if w.size != self.d + 1:
            raise ValueError(f"w has {w.size} entries, expected d + 1 = {self.d + 1}")
        a, _b, S, Q, U1 = _full_stats(w)
        val, _ = self._stats_value_grad(a, S, Q, U1, need_grad=False)
        return float(val) + 0.5 * self.lam * float(w @ w)

    def gradient_full(self, w: ArrayLike) -> np.ndarray:
        """Gradient at a full weight vector (``sign(0) = 0`` at kinks)."""
        w = np.asarray(w, dtype=float)
        a, _b, S, Q, U1 = _full_stats(w)
        _, (ga, gS, gQ, gU) = self._stats_value_grad(a, S, Q, U1)
        ga, gS, gQ, gU = (float(np.asarray(x)) for x in (ga, gS, gQ, gU))
        u = w[1:]
        gu = gS + (gQ * u / Q if Q > 0 else 0.0) + gU * np.sign(u) + self.lam * u
        return np.concatenate([[ga + self.lam * w[0]], gu])

    def gradient_floor(self, w1: float, v: float) -> float:
        r"""A bound on the error of the computed gradient (and directional derivatives) at ``(w1, v)``.

        0 for the hinge (closed forms, rounding only). For the logistic loss every partial of
        :func:`logistic_case` is accurate to :data:`LOGISTIC_RTOL` (relative), so the gradient's
        error is at most ``LOGISTIC_RTOL * sum_s pi_s (|L_u| |grad u_s| + |L_q|)`` with
        :math:`|\nabla u_s| \le 1 + \varepsilon + \mu + \varepsilon\kappa` (``kappa = sqrt d`` for
        l_inf, 1 for l_2): a residual below it cannot be told from 0.
        """
        if self.loss == "hinge":
            return 0.0
        kappa = math.sqrt(self.d) if self.kind.startswith("linf") else 1.0
        du = 1.0 + self.eps + self.mu + self.eps * kappa
        out = 0.0
        for prob, us in zip((self.model.p, 1.0 - self.model.p), self.margin_means(w1, v)):
            if prob > 0:
                _, Lu, Lq = logistic_case(float(us), abs(v))
                out += prob * (abs(Lu) * du + abs(Lq))
        return LOGISTIC_RTOL * out

    # -- nonsmooth calculus ------------------------------------------------------------ #
    def margin_means(self, w1: ArrayLike, v: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """Means :math:`u_{+}, u_{-}` of the robust margin given ``y x1 = +1`` and ``-1``.

        :math:`u_s = s w_1 + \\mu v - \\varepsilon N(w_1, v)`; the margin's standard deviation
        is ``|v|``. (The generated hinge equals :math:`\\sum_s \\pi_s R(1 - u_s, |v|)`; the
        tests check it.)
        """
        a, _b, S, Q, U1 = reduced_stats(w1, v, self.d)
        N = dual_norm_stats(self.kind, a, Q, U1)[0]
        base = self.model.eta * S - self.eps * N
        return a + base, -a + base

    def _norm_dir(self, w1: float, v: float, al: np.ndarray | float, be: np.ndarray | float) -> np.ndarray:
        sd = math.sqrt(self.d)
        k = self.kind
        if k == "standard":
            return np.zeros(np.broadcast(al, be).shape)
        if k == "linf_full":
            return _abs_dir(w1, al) + sd * _abs_dir(v, be)
        if k == "linf_weak":
            return sd * _abs_dir(v, be) + 0 * al
        if k == "l2_weak":
            return _abs_dir(v, be) + 0 * al
        n = math.hypot(w1, v)
        if n > 0:
            return (w1 * al + v * be) / n
        return np.hypot(al, be)

    def directional_derivative(self, w1: float, v: float, al: ArrayLike, be: ArrayLike) -> Any:
        """The one-sided derivative :math:`J'(x; (\\alpha, \\beta))`, exact also at the kinks.

        Vectorised over the direction. At ``v = 0`` a hinge case whose argument
        :math:`m_s = 1 - u_s` vanishes contributes the positively homogeneous
        :math:`R(m_s', |\\beta|)`; one with :math:`m_s > 0` its linear part :math:`m_s'`, one
        with :math:`m_s < 0` nothing (the Gaussian corrections are flat to every order).
        """
        al = np.asarray(al, dtype=float)
        be = np.asarray(be, dtype=float)
        p = self.model.p
        u = self.margin_means(w1, v)
        dN = self._norm_dir(w1, v, al, be)
        q = abs(v)
        dq = _abs_dir(v, be)
        out = self.lam * (w1 * al + v * be)
        for s, prob, us in ((1.0, p, float(u[0])), (-1.0, 1 - p, float(u[1]))):
            if prob == 0:
                continue
            du = s * al + self.mu * be - self.eps * dN
            if self.loss == "hinge":
                m, dm = 1.0 - us, -du
                if q > 0:
                    out = out + prob * (_sp.pgt(m, q) * dm + _sp.ramp_dq(m, q) * dq)
                elif m > _KINK_TOL:
                    out = out + prob * dm
                elif m >= -_KINK_TOL:
                    out = out + prob * _sp.ramp(dm, np.abs(be))
            else:
                _, Lu, Lq = logistic_case(us, q)
                out = out + prob * (Lu * du + Lq * dq)
        return out

    def steepest_descent_rate(self, w1: float, v: float, n_angles: int = 720) -> float:
        """:math:`\\sigma(x) = \\operatorname{dist}(0, \\partial J(x)) = \\max(0, -\\min_{|d|=1} J'(x; d))`.

        The minimum over unit directions is taken on a grid of angles, refined by bounded
        Brent around the best one. At a differentiable point it is the gradient norm.
        """
        th = np.linspace(0.0, 2 * math.pi, n_angles, endpoint=False)
        vals = self.directional_derivative(w1, v, np.cos(th), np.sin(th))
        k = int(np.argmin(vals))
        step = th[1] - th[0]
        res = optimize.minimize_scalar(
            lambda t: float(self.directional_derivative(w1, v, math.cos(t), math.sin(t))),
            bounds=(th[k] - step, th[k] + step), method="bounded", options={"xatol": 1e-12})
        best = min(float(vals[k]), float(res.fun))
        return max(0.0, -best)

    def marginal_derivative(self, w1: float, side: float) -> float:
        """:math:`\\varphi'(0; \\pm1) = \\inf_\\alpha J'((w_1, 0); (\\alpha, \\pm1))`.

        ``w1`` must minimise ``J`` on the line ``v = 0``; then ``v* = 0`` iff both signs give a
        value ``>= 0``. The infimum of the convex function of ``alpha`` is found by bounded
        Brent on a bracket that is widened until the minimiser is interior.
        """
        def f(al: float) -> float:
            return float(self.directional_derivative(w1, 0.0, al, side))

        A = 4.0 * (1.0 + abs(w1))
        for _ in range(6):  # up to 4 * 8^5 (1 + |w1|); an exactly flat direction stops here
            res = optimize.minimize_scalar(f, bounds=(-A, A), method="bounded",
                                           options={"xatol": 1e-12 * A})
            if abs(res.x) < 0.9 * A:
                break
            A *= 8.0
        return min(float(res.fun), f(0.0))

