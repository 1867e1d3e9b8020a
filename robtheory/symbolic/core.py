"""Symbolic primitives shared by every derivation.

Sympy's own normal-distribution results come out in terms of ``erf``/``erfc``; the library
works with the standard normal cdf :math:`\\Phi` and two "probability that a Gaussian is
positive" functions that carry the tie convention, so that the generated numeric code can
use ``ndtr``/``log_ndtr`` and stay exact in the tails.

Tie convention
--------------
A classifier ``sign(w^T x + b)`` whose score is exactly 0 is counted as **wrong**. For a margin
:math:`M \\sim \\mathcal{N}(m, q^2)` this gives

.. math::

    P_{>}(m, q) = P(M > 0) = \\begin{cases}\\Phi(m/q) & q > 0\\\\ 1\\{m > 0\\} & q = 0\\end{cases},
    \\qquad P_{\\le}(m, q) = 1 - P_{>}(m, q).

When ``q > 0`` ties have probability zero and the convention is immaterial; it matters only
for classifiers with no weight on the weak features (``q = 0``), e.g. ``sign(x1)`` at
``eps = 1``.
"""

from __future__ import annotations

import sympy as sp
from sympy.printing.precedence import PRECEDENCE

__all__ = [
    "Phi",
    "LogPhi",
    "Pgt",
    "Ple",
    "LogPle",
    "Ramp",
    "RampDq",
    "LogSumWeighted",
    "Hypot",
    "HypotExcess",
    "OrderedSum",
    "phi",
    "erf_to_Phi",
    "canonical_Phi",
]


def phi(x):
    """Standard normal density as a sympy expression."""
    return sp.exp(-x**2 / 2) / sp.sqrt(2 * sp.pi)


class Phi(sp.Function):
    """Standard normal cdf :math:`\\Phi(x) = \\tfrac12\\operatorname{erfc}(-x/\\sqrt2)`."""

    nargs = 1

    @classmethod
    def eval(cls, x):
        if x is sp.S.Zero:
            return sp.S.Half
        if x is sp.S.Infinity:
            return sp.S.One
        if x is sp.S.NegativeInfinity:
            return sp.S.Zero

    def fdiff(self, argindex=1):
        return phi(self.args[0])

    def _eval_rewrite_as_erfc(self, x, **kwargs):
        return sp.erfc(-x / sp.sqrt(2)) / 2

    def _eval_rewrite_as_erf(self, x, **kwargs):
        return (1 + sp.erf(x / sp.sqrt(2))) / 2


class LogPhi(sp.Function):
    """:math:`\\log\\Phi(x)`, evaluated numerically by ``log_ndtr`` (no underflow)."""

    nargs = 1

    def _eval_rewrite_as_Phi(self, x, **kwargs):
        return sp.log(Phi(x))


class Pgt(sp.Function):
    """:math:`P(\\mathcal{N}(m, q^2) > 0)` with an exact 0 counted as failure (see module doc)."""

    nargs = 2

    def _eval_rewrite_as_Phi(self, m, q, **kwargs):
        return sp.Piecewise((Phi(m / q), q > 0), (sp.Heaviside(m, 0), True))


class Ple(sp.Function):
    """:math:`P(\\mathcal{N}(m, q^2) \\le 0) = 1 - P_{>}(m, q)`."""

    nargs = 2

    def _eval_rewrite_as_Phi(self, m, q, **kwargs):
        return sp.Piecewise((Phi(-m / q), q > 0), (1 - sp.Heaviside(m, 0), True))


class LogPle(sp.Function):
    """:math:`\\log P_{\\le}(m, q)`, computed without forming ``P_<=`` (no underflow)."""

    nargs = 2

    def _eval_rewrite_as_Phi(self, m, q, **kwargs):
        return sp.log(Ple(m, q).rewrite(Phi))


class Ramp(sp.Function):
    """:math:`R(m, q) = E[\\max(0, m + qG)]`, :math:`G\\sim\\mathcal{N}(0,1)` (theory §3.1)."""

    nargs = 2

    def _eval_rewrite_as_Phi(self, m, q, **kwargs):
        return sp.Piecewise((m * Phi(m / q) + q * phi(m / q), q > 0), (sp.Max(0, m), True))

    def fdiff(self, argindex=1):
        m, q = self.args
        if argindex == 1:
            return Pgt(m, q)
        # dR/dq = phi(m/q) for q > 0, with its limit at q = 0 (see RampDq).
        return RampDq(m, q)


class RampDq(sp.Function):
    """:math:`\\partial R/\\partial q = \\varphi(m/q)` (``q > 0``), extended to ``q = 0`` by its limit."""

    nargs = 2

    def _eval_rewrite_as_Phi(self, m, q, **kwargs):
        return phi(m / q)


class LogSumWeighted(sp.Function):
    """:math:`\\log\\sum_k c_k e^{\\ell_k}` for arguments ``(c_1, l_1, c_2, l_2, ...)``, computed stably."""

    def _eval_rewrite_as_exp(self, *args, **kwargs):
        return sp.log(sp.Add(*[c * sp.exp(lg) for c, lg in zip(args[0::2], args[1::2])]))


class Hypot(sp.Function):
    """:math:`\\sqrt{x^2 + y^2}`, evaluated by ``numpy.hypot`` (no overflow of the squares)."""

    nargs = 2

    def _eval_rewrite_as_sqrt(self, x, y, **kwargs):
        return sp.sqrt(x**2 + y**2)


class HypotExcess(sp.Function):
    """:math:`h(a, q) = \\sqrt{a^2 + q^2} - |a| = q^2/(\\sqrt{a^2 + q^2} + |a|)` (0 at ``a = q = 0``).

    The l_2 dual norm with x1 perturbable is :math:`|a| + h(a, Q)`: writing it so lets the
    generated margins multiply ``|a|`` by ``(±1 - eps)`` exactly instead of subtracting two
    nearly equal numbers when ``|a| >> Q`` (see :func:`robtheory.symbolic.codegen.stable_margin`).
    """

    nargs = 2

    def _eval_rewrite_as_sqrt(self, x, y, **kwargs):
        return sp.sqrt(x**2 + y**2) - sp.Abs(x)


class OrderedSum(sp.Function):
    """A sum printed, and so evaluated in floating point, left to right in the order given.

    Sympy sorts and flattens the terms of an ``Add``; a margin whose terms differ by orders of
    magnitude must instead be added in a chosen order (the x1 and bias terms first, then the
    weak-feature terms), which this unevaluated function records for the code printer. It is
    the plain sum of its arguments (``.doit()``, ``rewrite(sp.Add)``).
    """

    precedence = PRECEDENCE["Add"]  # parenthesised inside products, like an Add

    def doit(self, **hints):
        return sp.Add(*[a.doit(**hints) if hints.get("deep", True) else a for a in self.args])

    def _eval_rewrite_as_Add(self, *args, **kwargs):
        return sp.Add(*args)


def erf_to_Phi(expr):
    """Rewrite ``erf``/``erfc`` in ``expr`` in terms of :class:`Phi`.

    Uses :math:`\\operatorname{erf}(x) = 2\\Phi(\\sqrt2 x) - 1` and
    :math:`\\operatorname{erfc}(x) = 2\\Phi(-\\sqrt2 x)`.
    """
    expr = expr.replace(sp.erfc, lambda x: 2 * Phi(-sp.sqrt(2) * x))
    expr = expr.replace(sp.erf, lambda x: 2 * Phi(sp.sqrt(2) * x) - 1)
    return canonical_Phi(expr)


def canonical_Phi(expr):
    """Use :math:`\\Phi(-x) = 1 - \\Phi(x)` so that no Phi argument starts with a minus sign."""
    def canon(e):
        x, y = sp.expand(e.args[0]), sp.expand(-e.args[0])
        # Of x and -x, keep the one that sorts first, so that Phi(x) and Phi(-x) meet.
        if sp.default_sort_key(y) < sp.default_sort_key(x):
            return 1 - Phi(y)
        return Phi(x)

    return sp.expand(expr.replace(lambda e: isinstance(e, Phi), canon))


def is_zero(expr) -> bool:
    """True when sympy proves ``expr == 0`` (simplify, with a Phi->erf fallback)."""
    expr = sp.sympify(expr)
    if sp.simplify(expr) == 0:
        return True
    rewritten = expr.rewrite(sp.erf)
    return sp.simplify(sp.expand(rewritten)) == 0
