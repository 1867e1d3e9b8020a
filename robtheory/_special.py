"""Numeric implementations of the special functions used by the symbolic layer.

This is the explicit special-function mapping for code generation: each sympy function
of :mod:`robtheory.symbolic.core` has exactly one numeric counterpart here, vectorised
over NumPy arrays, with the tie convention (an exact 0 margin is an error) and without
underflow in the tails (``log_ndtr``).
"""

from __future__ import annotations

import numpy as np
from scipy.special import erfcx, log_ndtr, ndtr

__all__ = ["MAPPING", "pgt", "ple", "log_ple", "ramp", "ramp_dq", "log_sum_weighted", "hypot", "hypot_excess",
           "ordered_sum", "SCALE_EXPONENT", "rescale_statistics", "ndtr", "log_ndtr"]

_INV_SQRT_2PI = 0.3989422804014327


def _ratio(m, q):
    m, q = np.asarray(m, dtype=float), np.asarray(q, dtype=float)
    if m.shape != q.shape:  # (broadcast_arrays costs more than the arithmetic at small sizes)
        m, q = np.broadcast_arrays(m, q)
    safe_q = np.where(q > 0, q, 1.0)
    with np.errstate(over="ignore"):  # a subnormal q: m/q is +-inf, the right limit for every caller
        return m, q, m / safe_q


def pgt(m, q):
    """:math:`P(\\mathcal N(m, q^2) > 0)`; for ``q == 0`` the indicator ``m > 0`` (ties fail)."""
    m, q, r = _ratio(m, q)
    return np.where(q > 0, ndtr(r), (m > 0).astype(float))


def ple(m, q):
    """:math:`P(\\mathcal N(m, q^2) \\le 0) = \\Phi(-m/q)`; for ``q == 0`` the indicator ``m <= 0``."""
    m, q, r = _ratio(m, q)
    return np.where(q > 0, ndtr(-r), (m <= 0).astype(float))


def log_ple(m, q):
    """:math:`\\log P(\\mathcal N(m, q^2) \\le 0)`, finite far into the tail."""
    m, q, r = _ratio(m, q)
    return np.where(q > 0, log_ndtr(-r), np.where(m <= 0, 0.0, -np.inf))


#: Below ``r = -_RAMP_TAIL`` the ramp is evaluated by the Mills-ratio form (see :func:`ramp`).
_RAMP_TAIL = 1.0
_SQRT_HALF_PI = 1.2533141373155003  # sqrt(pi/2)
_SQRT_HALF = 0.7071067811865476


def ramp(m, q):
    """:math:`R(m, q) = E\\max(0, m + qG) = m\\Phi(m/q) + q\\varphi(m/q)`; ``max(0, m)`` at ``q = 0``.

    For ``r = m/q < -1`` the two terms cancel (``R = q phi(r)/r^2 (1 + O(1/r^2))``, each term
    ``~ q phi(r)/|r|``): there, with ``x = -r`` and the Mills ratio
    :math:`M(x) = \\Phi(-x)/\\varphi(x) = \\sqrt{\\pi/2}\\,\\mathrm{erfcx}(x/\\sqrt2)`,

    .. math::  R = q\\,\\varphi(x)\\,(1 - x M(x)),

    which never forms the two large terms. Its relative error is a few
    :math:`(1 + r^2)\\epsilon_{64}`, the conditioning of R in ``m`` (``m dR/dm / R ~ r^2``), down
    to where R underflows (``r ~ -38.5`` for ``q = 1``); the naive form loses ~1000 times that
    (``ndtr``'s own tail error, amplified by the cancellation).
    """
    m, q, r = _ratio(m, q)
    with np.errstate(over="ignore", invalid="ignore"):
        val = m * ndtr(r) + q * _INV_SQRT_2PI * np.exp(-0.5 * r * r)
        tail = r < -_RAMP_TAIL
        if np.any(tail):
            x = -r[tail]
            h = 1.0 - x * (_SQRT_HALF_PI * erfcx(x * _SQRT_HALF))  # 1 - x M(x), in (0, 1)
            phi_x = _INV_SQRT_2PI * np.exp(-0.5 * x * x)
            val = np.array(val, dtype=float)  # writable (0-d included)
            val[tail] = np.where(phi_x > 0, (q[tail] * h) * phi_x, 0.0)
    return np.where(q > 0, val, np.maximum(m, 0.0))


def ramp_dq(m, q):
    """:math:`\\partial R/\\partial q = \\varphi(m/q)`; its limit at ``q = 0`` (``phi(0)`` iff ``m = 0``)."""
    m, q, r = _ratio(m, q)
    return np.where(q > 0, _INV_SQRT_2PI * np.exp(-0.5 * r * r), np.where(m == 0, _INV_SQRT_2PI, 0.0))


def log_sum_weighted(*pairs):
    """:math:`\\log\\sum_k c_k e^{\\ell_k}` for arguments ``c_1, l_1, c_2, l_2, ...`` (c_k >= 0)."""
    coefs = pairs[0::2]
    logs = pairs[1::2]
    with np.errstate(divide="ignore"):
        terms = [np.log(np.asarray(c, dtype=float)) + np.asarray(lg, dtype=float) for c, lg in zip(coefs, logs)]
    shape = np.broadcast_shapes(*(t.shape for t in terms))
    return np.logaddexp.reduce(np.stack([t if t.shape == shape else np.broadcast_to(t, shape) for t in terms]), axis=0)


#: Statistics whose largest magnitude is within ``2**±SCALE_EXPONENT`` are used as they are; see
#: :func:`rescale_statistics`.
SCALE_EXPONENT = 256


def rescale_statistics(a, b, S, Q, U1):
    """The classifier statistics ``(a, b, S, Q, U1)`` times one power of two per point, where needed.

    The accuracy of ``sign(w.x + b)`` does not change when ``(w, b)`` is multiplied by a positive
    number, and neither do the standardised margins ``m/Q``; but the margins themselves
    (``eta S``, ``eps U1``, ``(1 + eps)|a|``, their sums) overflow for statistics near 1e308 and
    lose digits (subnormals) near 1e-308. That matters only where ``Q`` is outside
    ``[2**-SCALE_EXPONENT, 2**SCALE_EXPONENT]`` (with ``Q`` inside, ``|S| <= U1 <= sqrt(d) Q``
    are moderate too, and a huge ``a`` or ``b`` overflows to an infinity of the right sign, which
    ``m/Q`` saturates to anyway). At such points, if the largest magnitude ``c`` of the five is
    outside that window as well, they are all multiplied by the ``2**k`` that moves ``c`` to the
    window's edge; everywhere else ``k = 0``. A power of two scales exactly (up to terms below
    the subnormal range, ``2**-1278`` relative to ``c`` or less), so the result is the same to
    the bit wherever the unscaled evaluation neither overflows nor underflows. Non-finite
    points are left alone. The test on ``Q`` costs O(size of the ``Q`` argument) when it passes.

    Returns the five arrays (broadcast against each other where scaled).
    """
    arrs = [np.asarray(x, dtype=float) for x in (a, b, S, Q, U1)]
    lim = 2.0**SCALE_EXPONENT
    with np.errstate(invalid="ignore"):
        q_out = ~((arrs[3] >= 1.0 / lim) & (arrs[3] <= lim))
    if not np.any(q_out):
        return arrs
    c = np.abs(arrs[0])
    for x in arrs[1:]:
        c = np.maximum(c, np.abs(x))
    with np.errstate(invalid="ignore"):
        need = q_out & np.isfinite(c) & ((c > lim) | ((c < 1.0 / lim) & (c > 0)))
    if not np.any(need):
        return arrs
    e = np.frexp(c)[1]
    k = np.where(need, np.clip(e, 1 - SCALE_EXPONENT, SCALE_EXPONENT) - e, 0)  # c -> [2**-256, 2**256)
    return [np.ldexp(x, k) for x in arrs]


#: :math:`\\sqrt{x^2 + y^2}` without overflow or underflow of the squares.
hypot = np.hypot


def hypot_excess(a, q):
    """:math:`\\sqrt{a^2 + q^2} - |a| = q\\,(q/h)/(1 + |a|/h)`, ``h = hypot(a, q)``: no cancellation
    when ``|a| >> q``, no overflow (both ratios are at most 1), and 0 at ``a = q = 0``."""
    a, q = np.broadcast_arrays(np.asarray(a, dtype=float), np.asarray(q, dtype=float))
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        h = np.hypot(a, q)
        big = np.isinf(h) & np.isfinite(a) & np.isfinite(q)
        s = 1.0
        if np.any(big):  # both near the largest double: halve them (exactly), the hypot is finite
            s = np.where(big, 0.5, 1.0)
            h = np.hypot(a * s, q * s)
        val = q * ((q * s) / h) / (1.0 + (np.abs(a) * s) / h)
    return np.where(h > 0, val, 0.0)


def ordered_sum(*terms):
    """The terms added left to right: the numeric counterpart of
    :class:`robtheory.symbolic.core.OrderedSum` (for ``lambdify``; the code printer writes the
    same order as infix ``+``)."""
    out = np.asarray(terms[0], dtype=float)
    for t in terms[1:]:
        out = out + t
    return out


#: sympy function name -> dotted name of its numeric implementation in generated code.
MAPPING = {
    "Phi": "_sp.ndtr",
    "LogPhi": "_sp.log_ndtr",
    "Pgt": "_sp.pgt",
    "Ple": "_sp.ple",
    "LogPle": "_sp.log_ple",
    "Ramp": "_sp.ramp",
    "RampDq": "_sp.ramp_dq",
    "LogSumWeighted": "_sp.log_sum_weighted",
    "Hypot": "_sp.hypot",
    "HypotExcess": "_sp.hypot_excess",
    "OrderedSum": "_sp.ordered_sum",
}


def lambdify_modules():
    """The same mapping as a ``modules`` argument for :func:`sympy.lambdify`."""
    import sys

    this = sys.modules[__name__]
    return [{k: getattr(this, v.split(".")[1]) for k, v in MAPPING.items()}, "numpy"]
