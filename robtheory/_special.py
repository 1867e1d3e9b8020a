"""Numeric implementations of the special functions used by the symbolic layer.

This is the explicit special-function mapping for code generation: each sympy function
of :mod:`robtheory.symbolic.core` has exactly one numeric counterpart here, vectorised
over NumPy arrays, with the tie convention (an exact 0 margin is an error) and without
underflow in the tails (``log_ndtr``).
"""

from __future__ import annotations

import numpy as np
from scipy.special import log_ndtr, ndtr

__all__ = ["MAPPING", "pgt", "ple", "log_ple", "ramp", "ramp_dq", "log_sum_weighted", "ndtr", "log_ndtr"]

_INV_SQRT_2PI = 0.3989422804014327


def _ratio(m, q):
    m, q = np.broadcast_arrays(np.asarray(m, dtype=float), np.asarray(q, dtype=float))
    safe_q = np.where(q > 0, q, 1.0)
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


def ramp(m, q):
    """:math:`R(m, q) = E\\max(0, m + qG) = m\\Phi(m/q) + q\\varphi(m/q)`; ``max(0, m)`` at ``q = 0``."""
    m, q, r = _ratio(m, q)
    val = m * ndtr(r) + q * _INV_SQRT_2PI * np.exp(-0.5 * r * r)
    return np.where(q > 0, val, np.maximum(m, 0.0))


def ramp_dq(m, q):
    """:math:`\\partial R/\\partial q = \\varphi(m/q)`; its limit at ``q = 0`` (``phi(0)`` iff ``m = 0``)."""
    m, q, r = _ratio(m, q)
    return np.where(q > 0, _INV_SQRT_2PI * np.exp(-0.5 * r * r), np.where(m == 0, _INV_SQRT_2PI, 0.0))


def log_sum_weighted(*pairs):
    """:math:`\\log\\sum_k c_k e^{\\ell_k}` for arguments ``c_1, l_1, c_2, l_2, ...`` (c_k >= 0)."""
    coefs = pairs[0::2]
    logs = pairs[1::2]
    arrays = np.broadcast_arrays(*[np.asarray(x, dtype=float) for x in (*coefs, *logs)])
    k = len(coefs)
    with np.errstate(divide="ignore"):
        terms = np.stack([np.log(arrays[i]) + arrays[k + i] for i in range(k)])
    return np.logaddexp.reduce(terms, axis=0)


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
}


def lambdify_modules():
    """The same mapping as a ``modules`` argument for :func:`sympy.lambdify`."""
    import sys

    this = sys.modules[__name__]
    return [{k: getattr(this, v.split(".")[1]) for k, v in MAPPING.items()}, "numpy"]
