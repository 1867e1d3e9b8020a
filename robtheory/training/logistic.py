r"""The logistic loss of D(p, eta, d) in closed reduction: one Gaussian case to 1e-12 relative.

The population logistic objective has no closed form. Given ``s = y x1`` the robust margin is
Gaussian, so the loss is a sum of two one-dimensional expectations
:math:`L(u, q) = E\log(1 + e^{-(u + qG)})`, :math:`G\sim\mathcal N(0, 1)`
(:func:`logistic_case`, an exact adaptive quadrature with its scale factored out), and the
objective in the summary statistics of ``w`` is :func:`logistic_stats`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import expit

from robtheory import _special as _sp
from robtheory.classifiers import dual_norm_stats

__all__ = ["LOGISTIC_RTOL", "logistic_case", "logistic_stats"]

def _softplus(x: ArrayLike) -> np.ndarray:
    return np.logaddexp(0.0, x)


#: Relative accuracy that :func:`logistic_case` guarantees for its value and both partials (the
#: quadrature is asked for 1e-14; the integrand's rounding adds a few 1e-15, see the docstring).
LOGISTIC_RTOL = 1e-12
_LOG_SQRT_2PI = 0.9189385332046728


def _ratios(s: np.ndarray, need_grad: bool) -> np.ndarray:
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


def _adaptive_gl(F: Callable[[np.ndarray], np.ndarray], edges: np.ndarray | list[float], rtol: float = _QUAD_RTOL,
                 max_rounds: int = 40) -> np.ndarray:
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


def _half_line(v: float, q: float, need_grad: bool) -> tuple[float, np.ndarray]:
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

        def F(s: np.ndarray) -> np.ndarray:
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

        def F(g: np.ndarray) -> np.ndarray:
            env = np.exp(-(g - ge) * (q + 0.5 * (g + ge)))
            return _ratios(np.maximum(v + q * g, 0.0), need_grad) * env
    # J <= the interval's length (80 q in s, 80 in g): below this I_f is not a double (0)
    if not M + math.log(80.0 * max(q, 1.0)) > -746.0 or not b > a:
        return -math.inf, np.zeros(rows)
    edges = np.unique(np.clip([a, b, *cuts], a, b))
    return M, _adaptive_gl(F, edges)


def logistic_case(u: float, q: float, need_grad: bool = True) -> tuple[float, float, float]:
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

    Parameters
    ----------
    u : float
        The margin's mean.
    q : float
        Its standard deviation (its sign is ignored).
    need_grad : bool, default True
        False returns NaN for the partials (faster).

    Returns
    -------
    L, dL_du, dL_dq : float

    Examples
    --------
    With ``q = 0`` the expectation is the plain logistic loss :math:`\log(1 + e^{-u})`:

    >>> import math
    >>> L, du, dq = logistic_case(0.5, 0.0)
    >>> round(L, 12) == round(math.log1p(math.exp(-0.5)), 12), dq
    (True, 0.0)
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


def logistic_stats(p: float, eta: float, eps: float, a: float, S: float, Q: float, U1: float, kind: str = "standard",
                   need_grad: bool = True) -> tuple[float, tuple[float, ...]]:
    r"""Population logistic loss from the summary statistics of ``w`` (b = 0), with its gradient.

    .. math::

        E\log(1 + e^{-(y w^Tx - \varepsilon\lVert w\rVert_*)})
          = p\,L(a + \eta S - \varepsilon N, Q) + (1-p)\,L(-a + \eta S - \varepsilon N, Q).

    Returns ``(value, (d/da, d/dS, d/dQ, d/dU1))`` for scalar inputs.
    """
    N, Na, NQ, NU = (float(x) for x in dual_norm_stats(kind, a, Q, U1))
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

