r"""Population SVM and logistic-regression objectives of D(p, eta, d) and their exact optima.

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

Exact global optimum. The objective is :math:`\lambda`-strongly convex, so it has one
minimiser and every point ``x`` satisfies

.. math::

    \lVert x - x^*\rVert \le \sigma(x)/\lambda, \qquad
    J(x) - J(x^*) \le \sigma(x)^2 / (2\lambda), \qquad
    \sigma(x) = \operatorname{dist}(0, \partial J(x)) = -\min_{\lVert d\rVert = 1} J'(x; d),

which is the optimality certificate every solver result carries (``kkt_residual``). The solver
(:func:`solve`) first minimises exactly on the line ``v = 0`` (a piecewise quadratic for the
hinge), then decides from the one-sided derivative of the marginal
:math:`\varphi(v) = \min_{w_1} J(w_1, v)` at 0 whether the weak features are used; if they are,
``J`` is smooth in each open quadrant and L-BFGS-B solves each closed quadrant.

Also here: finite-sample (adversarial) SVM training solved to a certified duality gap
(:func:`fit_svm`), and the l2-robust Gaussian MLE of Ilyas et al. (2019) (:func:`robust_covariance`
and friends; theory §2.4 -- not a result of Tsipras et al.).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize
from scipy.special import expit, ndtri

from robtheory.theory import _generated as G
from robtheory import _special as _sp
from robtheory.classifiers import ConstantClassifier, StructuredLinear
from robtheory.theory.closed_form import Accuracy, linear_accuracy, variant
from robtheory.model import ThreatModel, ToyModel, _finite_real

__all__ = [
    "LOSSES",
    "Objective",
    "Optimum",
    "reduced_stats",
    "embed",
    "solve",
    "unit_norm_optimum",
    "adversarial_hinge_closed_form",
    "weak_feature_threshold",
    "weak_feature_dropped_intervals",
    "weak_feature_threshold_closed_form",
    "l2_zero_threshold",
    "logistic_case",
    "sample",
    "FiniteSampleSVM",
    "fit_svm",
    "robust_covariance",
    "perturbation_energy",
    "lam_for_budget",
    "robust_gaussian_nll",
    "fit_robust_gaussian",
    "alignment",
    "per_sample_robust_nll",
    "fit_per_sample_robust_gaussian",
]

#: Losses understood by :class:`Objective`.
LOSSES = ("hinge", "logistic")

_INV_SQRT_2PI = 0.3989422804014327
#: a hinge argument within this distance of 0 is treated as the kink itself
_KINK_TOL = 1e-11


# ----------------------------------------------------------------------------------------
# Reduced coordinates


def reduced_stats(w1, v, d: int):
    """Summary statistics (a, b, S, Q, U1) of :math:`w = (w_1, v d^{-1/2}\\mathbf 1)`, b = 0.

    ``S = v sqrt(d)``, ``Q = |v|``, ``U1 = |v| sqrt(d)``; broadcasts over arrays.
    """
    w1 = np.asarray(w1, dtype=float)
    v = np.asarray(v, dtype=float)
    sd = math.sqrt(d)
    return w1, 0.0, v * sd, np.abs(v), np.abs(v) * sd


def embed(w1: float, v: float, d: int) -> np.ndarray:
    """The full weight vector ``(w1, v/sqrt(d), ..., v/sqrt(d))`` of length ``d + 1``."""
    w = np.full(d + 1, v / math.sqrt(d))
    w[0] = w1
    return w


def _full_stats(w):
    w = np.asarray(w, dtype=float)
    u = w[1:]
    return float(w[0]), 0.0, float(u.sum()), float(np.linalg.norm(u)), float(np.abs(u).sum())


def _abs_dir(t, dt):
    """One-sided derivative of |t| in direction dt: sign(t) dt, or |dt| at t = 0."""
    return np.where(t != 0, np.sign(t) * dt, np.abs(dt))


# ----------------------------------------------------------------------------------------
# Logistic loss: one Gaussian case, exact to ~1e-13 relative


def _softplus(x):
    return np.logaddexp(0.0, x)


#: Relative accuracy that :func:`logistic_case` guarantees for its value and both partials (the
#: quadrature is asked for 1e-14; the integrand's rounding adds a few 1e-15, see the docstring).
LOGISTIC_RTOL = 1e-12
_LOG_SQRT_2PI = 0.9189385332046728


def _ratios(s, need_grad: bool):
    """``f(s) e^s`` for ``f = softplus(-s), sigma(-s), sigma'(s)`` at ``s >= 0`` (rows; each in [1/4, 1]).

    With ``x = e^{-s}``: ``log1p(x)/x`` (in [log 2, 1]), ``sigma(s) = 1/(1 + x)`` and ``sigma(s)^2``.
    """
    x = np.exp(-s)
    safe = np.where(x > 0, x, 1.0)
    r_sp = np.where(x > 0, np.log1p(safe) / safe, 1.0)
    if not need_grad:
        return r_sp[None]
    r_sig = 1.0 / (1.0 + x)
    return np.stack([r_sp, r_sig, r_sig * r_sig])


_GL_X, _GL_W = np.polynomial.legendre.leggauss(16)
#: Relative accuracy asked of each half-line integral (:func:`_adaptive_gl`).
_QUAD_RTOL = 1e-14


def _adaptive_gl(F, edges, rtol: float = _QUAD_RTOL, max_rounds: int = 40):
    """Integrals of the positive rows of ``F`` over ``[edges[0], edges[-1]]``, to ``rtol`` relative.

    Adaptive Gauss-Legendre, vectorised over panels: each panel is integrated by the 16-point
    rule on the whole panel and on its two halves; where the two differ by more than ``rtol``
    times the current total (row by row) the halves are split again, otherwise the halves' sum
    is kept. For the analytic integrands used here the kept value is far more accurate than
    the difference that accepted it, so the sum of the accepted differences (at most ``rtol``
    of each total) bounds the error. Rows must be non-negative (no cancellation).
    """
    edges = np.asarray(edges, dtype=float)
    lo, hi = edges[:-1], edges[1:]
    total = None
    done = 0.0
    for _ in range(max_rounds):
        mid = 0.5 * (lo + hi)
        half = 0.5 * (hi - lo)
        quarter = 0.5 * half
        xs = np.concatenate([mid[:, None] + half[:, None] * _GL_X,
                             (lo + quarter)[:, None] + quarter[:, None] * _GL_X,
                             (mid + quarter)[:, None] + quarter[:, None] * _GL_X], axis=1)
        vals = F(xs.ravel()).reshape(-1, lo.size, 3, _GL_X.size)  # (rows, panels, rule, node)
        sums = vals @ _GL_W
        whole = sums[:, :, 0] * half
        halves = (sums[:, :, 1] + sums[:, :, 2]) * quarter
        if total is None:
            total = halves.sum(axis=1)
        bad = np.any(np.abs(whole - halves) > rtol * np.maximum(total, 1e-300)[:, None], axis=0)
        done = done + halves[:, ~bad].sum(axis=1)
        if not np.any(bad):
            return done
        lo, hi = lo[bad], hi[bad]
        mid = 0.5 * (lo + hi)
        lo, hi = np.concatenate([lo, mid]), np.concatenate([mid, hi])
        total = done + halves[:, bad].sum(axis=1)
    raise RuntimeError(f"logistic quadrature did not reach rtol={rtol:g} in {max_rounds} rounds")


#: Panel edges around the envelope's peak, in units of its width (geometric, so that no panel
#: is wide compared with its distance from the peak: a 16-point rule sees every decay).
_CUTS = tuple(s * k for s in (-1, 1) for k in (1 / 16, 1 / 4, 1, 2, 4, 8, 16))


def _half_line(v: float, q: float, need_grad: bool):
    r""":math:`I_f(v) = \int_0^\infty f(s)\,\varphi_q(s - v)\,ds` for ``f = softplus(-s), sigma(-s), sigma'(s)``.

    :math:`\varphi_q` is the N(0, q^2) density. Each ``f`` is ``e^{-s}`` times a ratio in
    [1/4, 1] (:func:`_ratios`), so the integrand is within a factor 4 of the envelope
    :math:`e^{-s}\varphi_q(s - v)`, a Gaussian bump of width ``q`` whose log is concave with
    curvature :math:`-1/q^2`, maximal on ``s >= 0`` at :math:`s_e = \max(0, v - q^2)`. So
    :math:`\text{envelope}(s) \le \text{envelope}(s_e)\,e^{-(s - s_e)^2/(2q^2)}`, and the integral
    is taken over :math:`|s - s_e| \le 40q` only (the rest is below ``e^{-800}`` of it). The
    envelope's peak is factored out (returned as its log ``M``): ``I_f = exp(M) J_f`` with ``J_f``
    of order ``min(q, 1)`` or more, so nothing underflows before the end. The variable is ``s``
    itself when ``q >= 1`` and :math:`g = (s - v)/q` when ``q < 1`` (where nodes in ``s`` could not
    be represented finely enough); the envelope ratio is written as a product
    (:math:`-(s - s_e)(1 + (s + s_e - 2v)/(2q^2))`) so that ``v`` never cancels. The integrals
    are :func:`_adaptive_gl` (relative error <= 1e-14 each) on panels cut geometrically around
    the peak at the scale of the Gaussian (``q``) and, in ``s``, at the scale of ``f`` (powers of
    2 from 1/4 to 64: beyond, ``e^{-s}`` is below 1e-27 of the integral).

    Returns ``(M, J)`` with ``J`` one value per ``f`` (only softplus unless ``need_grad``).
    """
    rows = 3 if need_grad else 1
    if q >= 1.0:
        se = max(0.0, v - q * q)
        M = -se - 0.5 * ((se - v) / q) ** 2 - math.log(q) - _LOG_SQRT_2PI
        a, b = max(0.0, se - 40.0 * q), se + 40.0 * q
        cuts = [se + k * q for k in _CUTS] + [0.25, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0]

        def F(s):
            env = np.exp(-(s - se) * (1.0 + (s + se - 2.0 * v) / (2.0 * q * q)))
            return _ratios(s, need_grad) * env
    else:
        lo = -v / q  # s = 0
        ge = max(-q, lo)
        if not math.isfinite(ge):
            return -math.inf, np.zeros(rows)
        M = -(v + q * ge) - 0.5 * ge * ge - _LOG_SQRT_2PI
        a, b = max(lo, ge - 40.0), ge + 40.0
        cuts = [ge + k for k in _CUTS]

        def F(g):
            env = np.exp(-(g - ge) * (q + 0.5 * (g + ge)))
            return _ratios(np.maximum(v + q * g, 0.0), need_grad) * env
    # J <= the interval's length (80 q in s, 80 in g): below this I_f is not a double (0)
    if not M + math.log(80.0 * max(q, 1.0)) > -746.0 or not b > a:
        return -math.inf, np.zeros(rows)
    edges = np.unique(np.clip([a, b, *cuts], a, b))
    return M, _adaptive_gl(F, edges)


def logistic_case(u: float, q: float, need_grad: bool = True):
    r""":math:`L(u, q) = E\log(1 + e^{-(u + qG)})`, :math:`G\sim\mathcal N(0,1)`, and its partials.

    Returns ``(L, dL/du, dL/dq)``, each to :data:`LOGISTIC_RTOL` (1e-12) relative accuracy at
    every input whose result is a normal double (checked against mpmath over ``|u|, q`` from
    1e-8 to 1e4). With ``t = u + qG`` and ``sigma`` the logistic function,
    :math:`\partial_u L = -E\sigma(-t)` and, by Stein's identity
    :math:`E[G\,h(G)] = E[h'(G)]`, :math:`\partial_q L = -E[G\sigma(-t)] = q\,E\sigma'(t)`
    (a positive integrand: no cancellation, unlike the first form at small ``q``).

    Each expectation is split at ``t = 0`` into a closed-form part and integrals of positive
    functions that decay like :math:`e^{-|t|}` (so nothing cancels):

    .. math::

        L = R(-u, q) + I_{sp}(u) + I_{sp}(-u), \qquad
        E\sigma(-t) = \Phi(-u/q) + I_\sigma(u) - I_\sigma(-u), \qquad
        E\sigma'(t) = I_{\sigma'}(u) + I_{\sigma'}(-u),

    with :math:`R(m, q) = E\max(0, m + qG)` (:func:`robtheory._special.ramp`, tail-stable),
    ``softplus(-t) = max(0, -t) + softplus(-|t|)`` and
    :math:`I_f(v) = \int_0^\infty f(s)\varphi_q(s - v)\,ds` for ``f = softplus(-s), sigma(-s),
    sigma'(s)`` (:func:`_half_line`: adaptive quadrature around the peak of each integrand, with
    its scale factored out, so tails such as ``L(40, 2) = 3.1e-17`` keep every digit). The
    subtraction in :math:`E\sigma(-t)` loses at most a factor 2 (for ``u >= 0`` the difference
    is non-negative; for ``u < 0`` the result is at least 1/2). ``q = 0`` is exact
    (``softplus(-u)``, ``-sigma(-u)``, 0).
    """
    u = float(u)
    q = abs(float(q))
    if q == 0.0:
        return float(_softplus(-u)), float(-expit(-u)), 0.0
    Mp, Jp = _half_line(u, q, need_grad)
    Mm, Jm = _half_line(-u, q, need_grad)
    ep, em = math.exp(Mp), math.exp(Mm)
    val = float(_sp.ramp(-u, q)) + float(ep * Jp[0]) + float(em * Jm[0])
    if not need_grad:
        return val, math.nan, math.nan
    from scipy.special import ndtr

    e_sig = float(ndtr(-u / q)) + float(ep * Jp[1] - em * Jm[1])
    e_dsig = float(ep * Jp[2] + em * Jm[2])
    return val, -e_sig, q * e_dsig


def _dual_norm_stats(kind: str, a, Q, U1):
    """The dual norm of w (times nothing) and its partials w.r.t. (a, Q, U1), sign(0) = 0."""
    a = np.asarray(a, dtype=float)
    zero = np.zeros_like(a)
    if kind == "standard":
        return zero, zero, zero, zero
    if kind == "linf_full":
        return np.abs(a) + U1, np.sign(a), zero, zero + 1.0
    if kind == "linf_weak":
        return zero + U1, zero, zero, zero + 1.0
    if kind == "l2_full":
        n = np.hypot(a, Q)
        safe = np.where(n > 0, n, 1.0)
        return n, np.where(n > 0, a / safe, 0.0), np.where(n > 0, Q / safe, 0.0), zero
    if kind == "l2_weak":
        return zero + Q, zero, zero + 1.0, zero
    raise ValueError(f"unknown objective kind {kind!r}")


def logistic_stats(p, eta, eps, a, S, Q, U1, kind: str = "standard", need_grad: bool = True):
    r"""Population logistic loss from the summary statistics of ``w`` (b = 0), with its gradient.

    .. math::

        E\log(1 + e^{-(y w^Tx - \varepsilon\lVert w\rVert_*)})
          = p\,L(a + \eta S - \varepsilon N, Q) + (1-p)\,L(-a + \eta S - \varepsilon N, Q).

    Returns ``(value, (d/da, d/dS, d/dQ, d/dU1))`` for scalar inputs.
    """
    N, Na, NQ, NU = (float(x) for x in _dual_norm_stats(kind, a, Q, U1))
    val = 0.0
    g = np.zeros(4)
    for s, prob in ((1.0, p), (-1.0, 1.0 - p)):
        if prob == 0:
            continue
        u = s * a + eta * S - eps * N
        L, Lu, Lq = logistic_case(u, Q, need_grad)
        val += prob * L
        if need_grad:
            g += prob * np.array([Lu * (s - eps * Na), Lu * eta, Lq - eps * Lu * NQ, -eps * Lu * NU])
    return val, tuple(g)


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
    """

    model: ToyModel
    lam: float
    threat: ThreatModel | None = None
    loss: str = "hinge"
    kind: str = field(init=False)
    eps: float = field(init=False)

    def __post_init__(self):
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

    def _stats_value_grad(self, a, S, Q, U1, need_grad: bool = True):
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

    def loss_value(self, w1, v):
        """The expected (robust) loss without the regulariser; vectorised for the hinge."""
        a, _b, S, Q, U1 = reduced_stats(w1, v, self.d)
        if self.loss == "hinge":
            return self._stats_value_grad(a, S, Q, U1, need_grad=False)[0]
        out = np.vectorize(lambda a_, S_, Q_, U_: self._stats_value_grad(a_, S_, Q_, U_, False)[0])(a, S, Q, U1)
        return out[()] if out.ndim == 0 else out

    def value(self, w1, v):
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

    def value_full(self, w) -> float:
        """:math:`J` at a full weight vector ``w`` of length ``d + 1`` (any weak weights)."""
        w = np.asarray(w, dtype=float)
        if w.size != self.d + 1:
            raise ValueError(f"w has {w.size} entries, expected d + 1 = {self.d + 1}")
        a, _b, S, Q, U1 = _full_stats(w)
        val, _ = self._stats_value_grad(a, S, Q, U1, need_grad=False)
        return float(val) + 0.5 * self.lam * float(w @ w)

    def gradient_full(self, w) -> np.ndarray:
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
    def margin_means(self, w1, v):
        """Means :math:`u_{+}, u_{-}` of the robust margin given ``y x1 = +1`` and ``-1``.

        :math:`u_s = s w_1 + \\mu v - \\varepsilon N(w_1, v)`; the margin's standard deviation
        is ``|v|``. (The generated hinge equals :math:`\\sum_s \\pi_s R(1 - u_s, |v|)`; the
        tests check it.)
        """
        a, _b, S, Q, U1 = reduced_stats(w1, v, self.d)
        N = _dual_norm_stats(self.kind, a, Q, U1)[0]
        base = self.model.eta * S - self.eps * N
        return a + base, -a + base

    def _norm_dir(self, w1, v, al, be):
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

    def directional_derivative(self, w1: float, v: float, al, be):
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
        def f(al):
            return float(self.directional_derivative(w1, 0.0, al, side))

        A = 4.0 * (1.0 + abs(w1))
        for _ in range(6):  # up to 4 * 8^5 (1 + |w1|); an exactly flat direction stops here
            res = optimize.minimize_scalar(f, bounds=(-A, A), method="bounded",
                                           options={"xatol": 1e-12 * A})
            if abs(res.x) < 0.9 * A:
                break
            A *= 8.0
        return min(float(res.fun), f(0.0))


# ----------------------------------------------------------------------------------------
# Exact optimum


@dataclass(frozen=True)
class Optimum:
    """The global minimiser :math:`(w_1^*, v^*)` of an :class:`Objective`, with its certificate.

    Attributes
    ----------
    w1, v : float
        Weight on x1 and on :math:`z = d^{-1/2}\\sum x_i` (each weak weight is ``v/sqrt(d)``).
    value : float
        :math:`J(w_1^*, v^*)`.
    lam : float
        The regularisation (tuned for unit norm by :func:`unit_norm_optimum`).
    kkt_residual : float
        :math:`\\sigma = \\operatorname{dist}(0, \\partial J)` at the returned point; the true
        optimum lies within ``distance_bound = kkt_residual / lam``.
    method : str
        ``"line"`` (optimum on ``v = 0``, certified by the marginal derivatives ``dphi``) or
        ``"quadrant"`` (smooth problem in an open quadrant) or ``"sphere"``.
    dphi : tuple
        :math:`(\\varphi'(0;+1), \\varphi'(0;-1))` at the line optimum.
    kkt_floor : float
        The accuracy of the gradients ``kkt_residual`` is computed from
        (:meth:`Objective.gradient_floor`; 0 for the hinge): the residual is only known to within
        it, so ``distance_bound`` is ``(kkt_residual + kkt_floor) / lam``.
    """

    objective: Objective
    w1: float
    v: float
    value: float
    lam: float
    kkt_residual: float
    method: str
    dphi: tuple = (math.nan, math.nan)
    kkt_floor: float = 0.0

    @property
    def distance_bound(self) -> float:
        return (self.kkt_residual + self.kkt_floor) / self.lam if self.lam > 0 else math.inf

    @property
    def norm(self) -> float:
        return math.hypot(self.w1, self.v)

    @property
    def c(self) -> float:
        """The weight on each weak feature, ``v / sqrt(d)``."""
        return self.v / math.sqrt(self.objective.d)

    def weights(self) -> np.ndarray:
        return embed(self.w1, self.v, self.objective.d)

    def classifier(self):
        """``StructuredLinear(w1, v/sqrt(d))``, or the constant ``sign(0)`` when ``w = 0``."""
        d = self.objective.d
        if self.w1 == 0 and self.v == 0:
            return ConstantClassifier(d, 0.0)
        return StructuredLinear(self.w1, self.c, d)

    def accuracy(self, threat: ThreatModel | None = None) -> Accuracy:
        """Standard and robust accuracy of ``sign(w^T x)`` (a 0 score counts as an error)."""
        return linear_accuracy(self.objective.model, self.classifier(), threat)

    def to_dict(self) -> dict:
        return {"w1": self.w1, "v": self.v, "c": self.c, "lam": self.lam, "value": self.value,
                "norm": self.norm, "kkt_residual": self.kkt_residual, "kkt_floor": self.kkt_floor,
                "distance_bound": self.distance_bound, "method": self.method}


def _line_hinge(obj: Objective) -> float:
    """Exact minimiser of the piecewise quadratic :math:`J(w_1, 0)` (hinge).

    On ``v = 0`` the hinge is :math:`\\sum_s \\pi_s\\max(0, 1 - s w_1 + \\varepsilon n(w_1))` with
    :math:`n = |w_1|` when x1 can be perturbed; between consecutive breakpoints (``0`` and the
    zeros of each hinge argument) ``J`` is a quadratic whose stationary point is a candidate,
    and the breakpoints are candidates too. The best candidate is the minimiser.
    """
    p, lam, eps = obj.model.p, obj.lam, obj.eps
    full = obj.kind in ("linf_full", "l2_full")
    bps = {0.0}
    for s in (1.0, -1.0):
        for side in (1.0, -1.0):
            slope = s - (eps * side if full else 0.0)  # m = 1 - slope * w1 on this side
            if slope != 0:
                r = 1.0 / slope
                if r * side > 0:
                    bps.add(r)
    bps = sorted(bps)
    big = (2.0 + 2.0 * eps) / lam + max(abs(b) for b in bps) + 1.0
    edges = [-big] + bps + [big]
    cands = list(bps)
    for lo, hi in zip(edges[:-1], edges[1:]):
        mid = 0.5 * (lo + hi)
        side = 1.0 if mid > 0 else -1.0
        coef = 0.0
        for s, prob in ((1.0, p), (-1.0, 1 - p)):
            slope = s - (eps * side if full else 0.0)
            if 1.0 - slope * mid > 0:
                coef -= prob * slope
        stat = -coef / lam
        if lo < stat < hi:
            cands.append(stat)
    vals = [obj.value(c, 0.0) for c in cands]
    return float(cands[int(np.argmin(vals))])


def _line_smooth(obj: Objective) -> float:
    """Minimiser of the convex :math:`J(w_1, 0)`, smooth except at ``w1 = 0`` (logistic)."""
    right = float(obj.directional_derivative(0.0, 0.0, 1.0, 0.0))
    left = float(obj.directional_derivative(0.0, 0.0, -1.0, 0.0))
    if right >= 0 and left >= 0:
        return 0.0
    side, slope = (1.0, right) if right < 0 else (-1.0, left)

    def deriv(t):  # derivative of t -> J(side * t, 0), increasing (convexity)
        return float(obj.directional_derivative(side * t, 0.0, side, 0.0))

    hi = -slope / obj.lam  # strong convexity: |w1*| <= |J'(0; side)| / lam
    while deriv(hi) < 0:  # pragma: no cover - rounding only
        hi *= 1.0 + 1e-9
    return side * float(optimize.brentq(deriv, 0.0, hi, xtol=1e-300, rtol=1e-15, maxiter=500))


def _quadrant(obj: Objective, sw: float, sv: float, x0) -> tuple[float, float, float]:
    """L-BFGS-B on the closed quadrant ``sign(w1) = sw`` (free when ``sw = 0``), ``sign(v) = sv``.

    ``J`` is smooth in the open quadrant; a few Newton steps (finite-difference Hessian of
    the exact gradient) polish an interior L-BFGS-B point to full precision.
    """
    scale = np.array([sw if sw else 1.0, sv])

    def fg(x):
        w1, v = scale * x
        g = obj.gradient(w1, v, side_w1=sw, side_v=sv)
        return obj.value(w1, v), scale * g

    start = np.array([max(sw * x0[0], 0.0) if sw else x0[0], max(sv * x0[1], 1e-3)])
    bounds = [(0, None) if sw else (None, None), (0, None)]
    res = optimize.minimize(fg, start, jac=True, method="L-BFGS-B", bounds=bounds,
                            options={"ftol": 1e-16, "gtol": 1e-13, "maxiter": 2000, "maxcor": 20})
    x = res.x
    fx, gx = fg(x)
    for _ in range(8):
        if (sw and x[0] <= 0) or x[1] <= 0 or not np.any(gx):
            break
        h = 1e-6 * max(1.0, float(np.max(np.abs(x))))
        H = np.empty((2, 2))
        for j in range(2):
            e = np.zeros(2)
            e[j] = h
            H[:, j] = (fg(x + e)[1] - fg(x - e)[1]) / (2 * h)
        try:
            xn = x - np.linalg.solve(0.5 * (H + H.T), gx)
        except np.linalg.LinAlgError:
            break
        if (sw and xn[0] <= 0) or xn[1] <= 0:
            break
        fn, gn = fg(xn)
        if fn > fx or np.linalg.norm(gn) >= np.linalg.norm(gx):
            break
        x, fx, gx = xn, fn, gn
    w1, v = scale * x
    return float(w1), float(v), float(fx)


def solve(obj: Objective) -> Optimum:
    """The global minimiser of ``obj`` over all linear classifiers without bias.

    By Lemma D.1 (equal weak weights at the optimum) this is a 2-d convex problem in
    :math:`(w_1, v)`; see the module docstring for the method and the certificate.
    """
    if obj.lam <= 0:
        raise ValueError(f"the solver needs lam > 0 (strong convexity), got lam={obj.lam!r}")
    w1 = _line_hinge(obj) if obj.loss == "hinge" else _line_smooth(obj)
    dplus = obj.marginal_derivative(w1, 1.0)
    dminus = obj.marginal_derivative(w1, -1.0)
    tol = 1e-10
    if dplus >= -tol and dminus >= -tol:
        res = max(0.0, -min(dplus, dminus))
        return Optimum(obj, w1, 0.0, obj.value(w1, 0.0), obj.lam, res, "line", (dplus, dminus),
                       obj.gradient_floor(w1, 0.0))
    sv = 1.0 if dplus < dminus else -1.0
    sides = (1.0, -1.0) if obj.kind == "linf_full" else (0.0,)
    best = None
    for sw in sides:
        cand = _quadrant(obj, sw, sv, (w1, 0.1 * sv))
        if best is None or cand[2] < best[2]:
            best = cand
    w1s, vs, val = best
    sigma = obj.steepest_descent_rate(w1s, vs)
    if sigma > 1e-9 * (1.0 + math.hypot(w1s, vs)):
        # L-BFGS-B can stall against the steep wall of the hinge near v = 0; fall back on
        # nested one-dimensional convex minimisations, then polish.
        for sw in sides:
            x0 = _nested(obj, sw, sv)
            cand = _quadrant(obj, sw, sv, x0)
            if cand[2] < val:
                w1s, vs, val = cand
        sigma = obj.steepest_descent_rate(w1s, vs)
    return Optimum(obj, w1s, vs, val, obj.lam, sigma, "quadrant", (dplus, dminus),
                   obj.gradient_floor(w1s, vs))


def _nested(obj: Objective, sw: float, sv: float) -> tuple[float, float]:
    r"""Minimise :math:`\varphi(v) = \min_{w_1} J(w_1, v)` (convex) by nested bounded Brent.

    The box comes from :math:`\frac\lambda2\lVert x^*\rVert^2 \le J(x^*) \le J(0)`.
    """
    B = math.sqrt(2 * obj.value(0.0, 0.0) / obj.lam) * 1.01 + 1e-12
    lo, hi = (0.0, B) if sw > 0 else (-B, 0.0) if sw < 0 else (-B, B)

    def inner(v):
        r = optimize.minimize_scalar(lambda t: obj.value(t, v), bounds=(lo, hi), method="bounded",
                                     options={"xatol": 1e-12 * B})
        return float(r.x), float(r.fun)

    r = optimize.minimize_scalar(lambda t: inner(sv * t)[1], bounds=(0.0, B), method="bounded",
                                 options={"xatol": 1e-12 * B})
    v = sv * float(r.x)
    return inner(v)[0], v


# ----------------------------------------------------------------------------------------
# Unit norm (Theorem 2.2's tuning of lambda)


def _sphere_standard(obj: Objective):
    """Minimiser of the loss over the unit circle; the lambda that makes it the J-optimum.

    A grid in the angle (fine for the hinge, coarse for the quadrature-based logistic loss)
    is refined by bounded Brent. The returned point is certified afterwards, so the grid
    only has to land in the right basin.
    """
    grid = 1441 if obj.loss == "hinge" else 145
    th = np.linspace(-math.pi, math.pi, grid)
    vals = obj.loss_value(np.cos(th), np.sin(th))
    k = int(np.argmin(vals))
    step = th[1] - th[0]
    res = optimize.minimize_scalar(lambda t: float(obj.loss_value(math.cos(t), math.sin(t))),
                                   bounds=(th[k] - step, th[k] + step), method="bounded",
                                   options={"xatol": 1e-13})
    t = float(res.x)
    w1, v = math.cos(t), math.sin(t)
    # J = loss + lam/2 |x|^2 is stationary at a unit x iff grad loss = -lam x: lam = -x . grad loss
    g = Objective(obj.model, 0.0, obj.threat, obj.loss).gradient(w1, v)
    lam = -(w1 * g[0] + v * g[1])
    return w1, v, lam


def unit_norm_optimum(model: ToyModel, threat: ThreatModel | None = None, loss: str = "hinge",
                      lam_bracket=(1e-6, 1e3)) -> Optimum:
    """The global optimum of :math:`J_\\lambda` with :math:`\\lambda` tuned so that :math:`\\lVert w^*\\rVert = 1`.

    If :math:`w^*` minimises :math:`J_\\lambda` and has unit norm, it minimises the loss over
    the unit sphere; conversely a point ``x`` of the circle with ``grad loss(x) = -lam x``,
    ``lam > 0``, is the (unique) minimiser of :math:`J_\\lambda`. This point does not depend on
    which such ``lam`` is taken (two of them would give two minimisers of one strictly convex
    function). Standard training: the circle is searched directly and ``lam`` read off the
    gradient; adversarial training (not smooth at ``v = 0``), or if that fails: :math:`\\lVert w^*(\\lambda)\\rVert`, non-increasing in ``lam``, is
    solved for 1 by Brent's method. Raises ``ValueError`` when no ``lam`` gives norm 1.
    """
    if threat is None or threat.eps == 0:
        probe = Objective(model, 1.0, None, loss)
        w1, v, lam = _sphere_standard(probe)
        if lam > 0 and v != 0:
            obj = Objective(model, lam, None, loss)
            sigma = obj.steepest_descent_rate(w1, v)
            if sigma < 1e-6:
                return Optimum(obj, w1, v, obj.value(w1, v), lam, sigma, "sphere",
                               kkt_floor=obj.gradient_floor(w1, v))

    def gap(loglam):
        return solve(Objective(model, math.exp(loglam), threat, loss)).norm - 1.0

    lo, hi = math.log(lam_bracket[0]), math.log(lam_bracket[1])
    glo, ghi = gap(lo), gap(hi)
    if glo < 0:
        raise ValueError(f"no lambda in [{lam_bracket[0]:g}, {lam_bracket[1]:g}] gives a unit-norm "
                         f"optimum: the norm is {glo + 1:.6g} < 1 already at lam = {lam_bracket[0]:g}")
    if ghi > 0:
        raise ValueError(f"the optimum still has norm {ghi + 1:.6g} > 1 at lam = {lam_bracket[1]:g}")
    loglam = optimize.brentq(gap, lo, hi, xtol=1e-13, rtol=1e-13)
    return solve(Objective(model, math.exp(loglam), threat, loss))


# ----------------------------------------------------------------------------------------
# Closed forms and phase boundaries of adversarial training


def adversarial_hinge_closed_form(p: float, eps_train: float, lam: float) -> float:
    """:math:`w_1^*` of the adversarial hinge objective restricted to ``v = 0`` (theory §2.2).

    .. math::

        w_1^* = \\min\\{(2p - 1 - \\varepsilon)/\\lambda,\\ 1/(1 - \\varepsilon)\\}
        \\ \\text{if}\\ \\varepsilon < 2p - 1, \\qquad w_1^* = 0\\ \\text{otherwise}.

    It is the global optimum whenever the weak features are dropped (Lemma D.5:
    ``eps_train >= eta`` suffices; :func:`weak_feature_threshold` gives the exact boundary).
    """
    if eps_train >= 2 * p - 1:
        return 0.0
    return min((2 * p - 1 - eps_train) / lam, 1 / (1 - eps_train))


def _kink_kappa(p: float, eps: float, lam: float) -> float:
    """:math:`\\kappa = ((1-p)(1+\\varepsilon) + \\lambda/(1-\\varepsilon))/(p(1-\\varepsilon))`: the steepest
    joint direction :math:`(\\alpha^*, 1)` at the kink optimum has :math:`\\Phi(c - (1-\\varepsilon)\\alpha^*)
    = \\kappa` (:func:`_kink_marginal`); no such direction descends when :math:`\\kappa \\ge 1`."""
    return ((1 - p) * (1 + eps) + lam / (1 - eps)) / (p * (1 - eps))


def _kink_marginal(p: float, eta: float, d: int, eps: float, lam: float) -> float:
    """:math:`\\varphi'(0; +1)` at the kink optimum :math:`w_1^* = 1/(1-\\varepsilon)` (l_inf, hinge).

    Near :math:`x^* = (1/(1-\\varepsilon), 0)` the directional derivative in
    :math:`(\\alpha, 1)` is :math:`pR(c - (1-\\varepsilon)\\alpha, 1) + (1-p)[(1+\\varepsilon)\\alpha + c]
    + \\lambda\\alpha/(1-\\varepsilon)` with :math:`c = \\sqrt d(\\varepsilon - \\eta)`; its minimum
    over :math:`\\alpha` is attained at :math:`\\Phi(t) = \\kappa` with
    :math:`\\kappa = ((1-p)(1+\\varepsilon) + \\lambda/(1-\\varepsilon))/(p(1-\\varepsilon))` and equals
    :math:`p\\varphi(\\Phi^{-1}(\\kappa)) + c\\,(1 - p + p\\kappa)`.
    """
    c = math.sqrt(d) * (eps - eta)
    kappa = min(_kink_kappa(p, eps, lam), 1.0)
    t = ndtri(kappa)
    phi_t = _INV_SQRT_2PI * math.exp(-0.5 * t * t) if math.isfinite(t) else 0.0
    return p * phi_t + c * (1 - p + p * kappa)


def weak_feature_threshold_closed_form(model: ToyModel, lam: float) -> float:
    """The smallest ``eps_train`` above which l_inf adversarial hinge training has ``v* = 0``.

    From the one-sided derivative of the marginal :math:`\\varphi(v) = \\min_{w_1} J(w_1, v)`
    at ``v = 0`` (its sign decides whether the weak features are used):

    * restricted optimum interior, :math:`(2p-1-\\varepsilon)(1-\\varepsilon) < \\lambda`, or
      :math:`w_1^* = 0`: :math:`\\varphi'(0;+1) = \\sqrt d(\\varepsilon - \\eta)`, so the boundary
      is :math:`\\varepsilon = \\eta`;
    * restricted optimum at the kink :math:`w_1^* = 1/(1-\\varepsilon)`:
      :math:`\\varphi'(0;+1) = p\\varphi(\\Phi^{-1}(\\kappa)) + \\sqrt d(\\varepsilon-\\eta)(1-p+p\\kappa)`
      (:func:`_kink_marginal`), positive at :math:`\\varepsilon = \\eta`, so the boundary lies
      below :math:`\\eta` and depends on :math:`\\lambda`.

    The threshold is the largest zero of :math:`\\varphi'(0;+1)` in :math:`[0, \\eta]`, found
    by a scan and Brent's method (0 if there is none); ``v* = 0`` for every ``eps`` above it
    (``phi'(0;-1) > 0`` always holds). Assumes ``p > 1/2`` and ``eta < 1``.
    """
    p, eta, d = model.p, model.eta, model.d

    def F(eps):
        if eps < 2 * p - 1 and (2 * p - 1 - eps) * (1 - eps) >= lam:
            return _kink_marginal(p, eta, d, eps, lam)
        return math.sqrt(d) * (eps - eta)

    if eta == 0:
        return 0.0
    grid = np.linspace(0.0, eta, 401)
    vals = np.array([F(e) for e in grid])
    if vals[-1] < 0:  # pragma: no cover - F(eta) >= 0 always
        raise RuntimeError("phi'(0;+1) < 0 at eps = eta")
    neg = np.flatnonzero(vals < 0)
    if neg.size == 0:
        return 0.0
    k = int(neg[-1])
    if vals[k + 1] == 0:
        return float(grid[k + 1])
    return float(optimize.brentq(F, grid[k], grid[k + 1], xtol=1e-15, rtol=1e-14))


def _drops_weak(model: ToyModel, lam: float, loss: str, eps: float) -> float:
    """``min(phi'(0;+1), phi'(0;-1))`` at the exact line optimum (l_inf, radius ``eps``): ``v* = 0``
    iff it is ``>= 0`` (the solver's own test, :func:`solve`)."""
    obj = Objective(model, lam, ThreatModel("linf", eps), loss)
    w1 = _line_hinge(obj) if loss == "hinge" else _line_smooth(obj)
    return min(obj.marginal_derivative(w1, 1.0), obj.marginal_derivative(w1, -1.0))


def weak_feature_dropped_intervals(model: ToyModel, lam: float, loss: str = "hinge", norm: str = "linf",
                                   n_scan: int = 161, tol: float = 1e-12) -> list:
    """The set of training radii ``eps_train`` whose adversarial optimum has no weight on the weak features.

    Returned as a sorted list of disjoint closed intervals ``(lo, hi)`` of ``[0, inf)``, the last
    one ``(t, inf)``. The set need not be an interval: for the hinge under l_inf the restricted
    optimum can sit at the kink ``w1 = 1/(1 - eps)``, where the weak features are dropped too, so
    at ``p = 0.8, eta = 0.5, d = 1, lam = 0.1`` it is ``[0, 0.4066] u [0.5, inf)``.

    l_inf: ``v* = 0`` for every ``eps >= eta`` (Lemma D.5); on ``[0, eta]`` the solver's marginal
    derivatives (:func:`_drops_weak`) are evaluated at ``n_scan`` equally spaced radii and every
    change of sign is located by Brent's method (to 1e-14); a component narrower than the scan's
    spacing ``eta / (n_scan - 1)`` can be missed. l_2 (x1 perturbable): the weak features are
    dropped only together with x1, from :func:`l2_zero_threshold` on.
    """
    if norm == "l2":
        return [(l2_zero_threshold(model), math.inf)]
    eta = model.eta
    if eta == 0:
        return [(0.0, math.inf)]
    grid = np.linspace(0.0, eta, n_scan)
    vals = np.array([_drops_weak(model, lam, loss, e) for e in grid])
    drop = vals >= -tol
    drop[-1] = True  # eps = eta: Lemma D.5

    def F(e):
        return _drops_weak(model, lam, loss, e)

    out, start = [], (0.0 if drop[0] else None)
    for k in range(n_scan - 1):
        if drop[k] == drop[k + 1]:
            continue
        if k + 2 == n_scan and not drop[k] and abs(vals[-1]) <= tol:  # F(eta) = 0 (Lemma D.5's end)
            edge = float(eta)
        elif vals[k] * vals[k + 1] < 0:  # a zero (or a jump across 0) of the marginal derivative
            edge = float(optimize.brentq(F, grid[k], grid[k + 1], xtol=1e-14, rtol=1e-13))
        else:  # one end within tol of 0: the change of sign is at the tolerance itself
            edge = float(optimize.brentq(lambda e: F(e) + tol, grid[k], grid[k + 1], xtol=1e-14, rtol=1e-13))
        if drop[k]:
            out.append((start, edge))
            start = None
        else:
            start = edge
    out.append((start, math.inf))
    return out


def weak_feature_threshold(model: ToyModel, lam: float, loss: str = "hinge", norm: str = "linf",
                           tol: float = 1e-12) -> float:
    """The radius from which on adversarial training puts no weight on the weak features.

    Precisely: the smallest ``t`` such that ``v* = 0`` for every ``eps_train >= t`` (the start of
    the last interval of :func:`weak_feature_dropped_intervals`). Below ``t`` the weak features
    are *not* necessarily used: the set where they are dropped can have a component below ``t``
    (p = 0.8, eta = 0.5, d = 1, lam = 0.1: dropped on [0, 0.4066] and from 0.5 on, so this
    returns 0.5); use :func:`weak_feature_dropped_intervals` for the whole set.

    Computed from the solver's marginal derivative :math:`\\varphi'(0;+1)` at the exact line
    optimum (no closed form used): its largest zero in ``[0, eta]`` (l_inf). For the logistic
    loss the answer is exactly ``eta`` (its loss is smooth in ``v`` at 0, so
    :math:`\\varphi'(0;+1) = \\sqrt d(\\varepsilon-\\eta)\\,E\\sigma(\\cdot)`); for l_2 the weak
    features are dropped only together with x1, at :func:`l2_zero_threshold`.
    """
    if norm == "l2":
        return l2_zero_threshold(model)

    def F(eps):
        obj = Objective(model, lam, ThreatModel("linf", eps), loss)
        w1 = _line_hinge(obj) if loss == "hinge" else _line_smooth(obj)
        return obj.marginal_derivative(w1, 1.0)

    eta = model.eta
    if eta == 0:
        return 0.0
    grid = np.linspace(0.0, eta, 81)
    vals = np.array([F(e) for e in grid])
    neg = np.flatnonzero(vals < -tol)
    if neg.size == 0:
        return 0.0
    k = int(neg[-1])
    if k + 1 >= grid.size or vals[k + 1] <= tol:
        return float(grid[min(k + 1, grid.size - 1)])
    return float(optimize.brentq(F, grid[k], grid[k + 1], xtol=1e-14, rtol=1e-13))


def l2_zero_threshold(model: ToyModel) -> float:
    """l_2 adversarial training (x1 perturbable): ``w* = 0`` iff :math:`\\varepsilon \\ge \\sqrt{(2p-1)^2+\\mu^2}`.

    At ``w = 0`` every hinge/logistic case has the same argument, and the directional
    derivative is :math:`c\\,[(1-2p)\\alpha - \\mu\\beta + \\varepsilon\\lVert(\\alpha,\\beta)\\rVert]`
    (``c = 1`` hinge, ``1/2`` logistic), non-negative in every direction iff
    :math:`\\varepsilon \\ge \\lVert(2p-1, \\mu)\\rVert`. Elsewhere ``v = 0`` is not a kink of
    the l_2 objective, and :math:`\\partial_v J = -\\mu(\\dots) < 0`: the weak features are kept.
    """
    return math.hypot(2 * model.p - 1, model.mu)


# ----------------------------------------------------------------------------------------
# Finite samples


def sample(model: ToyModel, n: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """``n`` i.i.d. draws ``(X, y)`` from D(p, eta, d); ``rng`` is a seed or a Generator."""
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


def _svm_from_dual(Z, lam, norm, eps, weak_only, a) -> np.ndarray:
    """The minimiser over w of the Lagrangian at ``a``: :math:`T_{\\varepsilon\\bar a}(g)/\\lambda`."""
    a = np.clip(a, 0.0, 1.0)
    return _threshold(Z.T @ a / Z.shape[0], eps * float(a.mean()), norm, weak_only) / lam


def _lbfgs_dual(Z, lam, norm, eps, weak_only, maxiter: int = 20) -> np.ndarray:
    r"""A short L-BFGS-B ascent on the smooth dual :math:`D(a)` over the box, from ``a = 1/2``.

    :math:`\partial D/\partial a_i = h_i(w(a))/n` with :math:`w(a) = T_{\varepsilon\bar a}(g)/\lambda`.
    Capped at ``maxiter`` iterations: it settles the easy adversarial problems (those where the
    weak weights vanish, whose dual has most samples tied at the kink) in a few iterations, and
    on the others it stalls far from the optimum, which the certificate then reports.
    """
    n = Z.shape[0]

    def neg_dual(a):
        abar = a.mean()
        r = _threshold(Z.T @ a / n, eps * abar, norm, weak_only)
        w = r / lam
        grad = (1.0 - Z @ w + eps * _svm_dual_norm(w, norm, weak_only)) / n
        return -(abar - float(r @ r) / (2 * lam)), -grad

    res = optimize.minimize(neg_dual, np.full(n, 0.5), jac=True, method="L-BFGS-B", bounds=[(0.0, 1.0)] * n,
                            options={"ftol": 1e-16, "gtol": 1e-14 / n, "maxiter": maxiter, "maxcor": 30})
    return np.clip(res.x, 0.0, 1.0)


def _conic_svm(Z, lam, norm, eps, weak_only, free, lower, tol):
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


def _conic_fit(Z, lam, norm, eps, weak_only, tol, w0=None, max_rounds: int = 50):
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


def fit_svm(X, y, lam: float, threat: ThreatModel | None = None, tol: float = 1e-9) -> FiniteSampleSVM:
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

    def certified(w, a, solver):
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
        def kernel(Z, lam, tol, max_epochs, order):
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


# ----------------------------------------------------------------------------------------
# Gaussian maximum likelihood under an l2 adversary (Ilyas et al. 2019, Section 4, Thm 2;
# NOT a result of Tsipras et al. -- docs/theory.md §2.4)


def _sym_sqrt(A: np.ndarray) -> np.ndarray:
    vals, vecs = np.linalg.eigh(0.5 * (A + A.T))
    return (vecs * np.sqrt(np.maximum(vals, 0.0))) @ vecs.T


def _check_cov(S, name="Sigma_star") -> np.ndarray:
    S = np.atleast_2d(np.asarray(S, dtype=float))
    if S.ndim != 2 or S.shape[0] != S.shape[1] or not np.all(np.isfinite(S)):
        raise ValueError(f"{name} must be a finite square matrix, got shape {S.shape}")
    if not np.allclose(S, S.T, rtol=0, atol=1e-12 * max(1.0, float(np.abs(S).max()))):
        raise ValueError(f"{name} must be symmetric")
    if np.linalg.eigvalsh(S).min() <= 0:
        raise ValueError(f"{name} must be positive definite")
    return 0.5 * (S + S.T)


def robust_covariance(Sigma_star, lam: float) -> np.ndarray:
    r"""The l2-robust Gaussian MLE covariance (Ilyas et al. 2019, Thm 2; theory §2.4).

    .. math::

        \Sigma_r(\lambda) = \tfrac12\Sigma^* + \tfrac1\lambda I
                            + \bigl(\tfrac1\lambda\Sigma^* + \tfrac14\Sigma^{*2}\bigr)^{1/2}

    It minimises :math:`E\max_\delta[\ell(x+\delta;\, y\mu, \Sigma) - \frac\lambda2\lVert\delta\rVert^2]`
    (``ell`` the Gaussian NLL): the inner max is :math:`\frac12 z^T(\Sigma - tI)^{-1}z`,
    ``t = 1/lam``, and per eigen-direction :math:`-c/(s-t)^2 + 1/s = 0` gives
    :math:`s = t + c/2 + \sqrt{tc + c^2/4}`. ``lam = inf`` gives :math:`\Sigma^*`.
    """
    S = _check_cov(Sigma_star)
    if not lam > 0:
        raise ValueError(f"lam must be > 0, got lam={lam!r}")
    t = 0.0 if math.isinf(lam) else 1.0 / lam
    k = S.shape[0]
    return 0.5 * S + t * np.eye(k) + _sym_sqrt(t * S + 0.25 * S @ S)


def perturbation_energy(Sigma_star, lam: float) -> float:
    r""":math:`E\lVert\delta^*\rVert^2` of the optimal penalised adversary at :math:`\Sigma_r(\lambda)`.

    :math:`\delta^* = t(\Sigma - tI)^{-1}z`, so :math:`E\lVert\delta^*\rVert^2
    = t^2\operatorname{tr}((\Sigma_r - tI)^{-2}\Sigma^*)`, increasing in ``t = 1/lam``.
    """
    S = _check_cov(Sigma_star)
    t = 1.0 / lam
    A = np.linalg.inv(robust_covariance(S, lam) - t * np.eye(S.shape[0]))
    return float(t * t * np.trace(A @ A @ S))


def lam_for_budget(Sigma_star, eps: float) -> float:
    r"""The multiplier :math:`\lambda(\varepsilon)` with :math:`E\lVert\delta^*\rVert^2 = \varepsilon^2`.

    The relation between the Lagrange multiplier and the budget: for the adversary with a
    mean-square budget :math:`E\lVert\delta\rVert^2 \le \varepsilon^2` the robust problem is
    :math:`\min_\Sigma\min_\lambda[\,\cdot\,+ \lambda\varepsilon^2/2]` (Lagrangian duality), and
    stationarity in :math:`\lambda` is exactly this equation; so :math:`\Sigma_r(\lambda(\varepsilon))`
    is the exact robust MLE for that adversary. Solved by Brent's method in ``log t``.
    (For small budgets :math:`\lambda \approx \sqrt{\operatorname{tr}\Sigma^{*-1}}/\varepsilon`: with
    Ilyas et al.'s ``eps`` read as a squared radius this is their :math:`\lambda \sim \varepsilon^{-1/2}`.)
    """
    S = _check_cov(Sigma_star)
    if not eps > 0:
        raise ValueError(f"eps must be > 0, got eps={eps!r}")

    def f(logt):
        return math.log(perturbation_energy(S, math.exp(-logt))) - 2 * math.log(eps)

    lo, hi = -60.0, 60.0
    return math.exp(-optimize.brentq(f, lo, hi, xtol=1e-14, rtol=1e-14))


def _penalised(Sigma, M, t):
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


def robust_gaussian_nll(Sigma, mu, Sigma_star, mu_star, *, lam: float | None = None, eps: float | None = None):
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


def fit_robust_gaussian(Sigma_star, mu_star, *, lam: float | None = None, eps: float | None = None, start=None):
    r"""Direct numerical minimisation of :func:`robust_gaussian_nll` over :math:`(\mu, \Sigma)`.

    Parametrisation: :math:`\Sigma = tI + LL^T` with ``L`` lower triangular (log-diagonal), so
    the penalised inner max is always finite; for the budget version ``t`` is the dual
    variable, optimised jointly (``log t`` free) -- by the minimax identity the joint minimum is
    the robust optimum. BFGS with finite-difference gradients from :math:`\Sigma^*`, then the
    result is re-evaluated with the exact inner max. Returns ``(mu, Sigma, value)``.
    """
    S = _check_cov(Sigma_star)
    mu_star = np.asarray(mu_star, dtype=float)
    k = S.shape[0]
    il = np.tril_indices(k)
    diag = np.arange(k)

    def unpack(theta):
        mu = theta[:k]
        L = np.zeros((k, k))
        L[il] = theta[k:k + len(il[0])]
        L[diag, diag] = np.exp(L[diag, diag])
        t = (1.0 / lam) if lam is not None else (math.exp(theta[-1]) if eps else 0.0)
        return mu, L, t

    def obj(theta):
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


def alignment(Sigma, mu) -> float:
    r"""Cosine between the linear classifier's direction :math:`\Sigma^{-1}\mu` and :math:`\mu`.

    The likelihood-ratio rule of the learned model is :math:`\operatorname{sign}(\mu^T\Sigma^{-1}x)`;
    its input gradient is :math:`\propto\Sigma^{-1}\mu`. As the l2 budget grows,
    :math:`\Sigma_r \to \frac1\lambda I` dominates and the direction turns towards ``mu``
    (the "perceptually aligned gradients" of robust models, Ilyas et al. Thm 3).
    """
    mu = np.asarray(mu, dtype=float)
    w = np.linalg.solve(np.asarray(Sigma, dtype=float), mu)
    return float(w @ mu / (np.linalg.norm(w) * np.linalg.norm(mu)))


def per_sample_robust_nll(Sigma, Z: np.ndarray, eps: float) -> float:
    r"""Sample mean of :math:`\max_{\lVert\delta\rVert_2\le\varepsilon}\ell(z + \delta;\, 0, \Sigma)` (per-sample budget).

    For each row ``z`` of ``Z`` (the centred data :math:`x - y\mu`) the inner max of the
    convex quadratic over the ball is attained on the sphere at
    :math:`\delta = (\nu\Sigma - I)^{-1}z`, :math:`\nu > 1/s_{min}` solving
    :math:`\lVert\delta(\nu)\rVert = \varepsilon` (the trust-region secular equation, solved per
    sample by vectorised bisection to machine precision in the eigenbasis of ``Sigma``).
    """
    Sigma = np.atleast_2d(np.asarray(Sigma, dtype=float))
    s, U = np.linalg.eigh(0.5 * (Sigma + Sigma.T))
    if s.min() <= 0:
        return math.inf
    zc = np.asarray(Z, dtype=float) @ U  # coordinates in the eigenbasis
    if eps == 0:
        vals = 0.5 * np.sum(zc**2 / s, axis=1)
    else:
        def norm_delta(nu):
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


def fit_per_sample_robust_gaussian(Sigma_star, eps: float, n: int = 20000, rng=0):
    r"""Minimise :func:`per_sample_robust_nll` over :math:`\Sigma` on ``n`` draws (``mu = mu*``).

    Sample-average approximation with common random numbers; :math:`\Sigma = LL^T`, BFGS with
    finite differences from :math:`\Sigma_r(\lambda(\varepsilon))`. Returns ``(Sigma, M)`` with
    ``M = Z^T Z / n`` the sample second moment, the data the SAA optimum actually sees (compare
    it with :math:`\Sigma_r(\lambda; M)`, not :math:`\Sigma_r(\lambda; \Sigma^*)`, to cancel the
    sampling noise). Used to show that the per-sample ball adversary is *not* exactly of
    Ilyas et al.'s form.
    """
    S = _check_cov(Sigma_star)
    k = S.shape[0]
    Z = np.random.default_rng(rng).standard_normal((n, k)) @ np.linalg.cholesky(S).T
    il = np.tril_indices(k)
    diag = np.arange(k)

    def unpack(theta):
        L = np.zeros((k, k))
        L[il] = theta
        L[diag, diag] = np.exp(L[diag, diag])
        return L @ L.T

    L0 = np.linalg.cholesky(robust_covariance(S, lam_for_budget(S, eps)))
    L0[diag, diag] = np.log(L0[diag, diag])
    res = optimize.minimize(lambda th: per_sample_robust_nll(unpack(th), Z, eps), L0[il], method="BFGS",
                            options={"gtol": 1e-9})
    return unpack(res.x), Z.T @ Z / n
