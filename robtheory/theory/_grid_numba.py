r"""Numba kernels of the fast closed-form grid path (:mod:`robtheory.theory._grid`).

Imported only by :mod:`robtheory.theory._grid`, and only when numba is usable and not switched off
by ``ROBTHEORY_DISABLE_NUMBA``; ``import robtheory`` never loads this module.

Each kernel is a NumPy ufunc (``@vectorize``, or ``@guvectorize`` when the error rate is also
returned) with explicit float64 signatures, one per threat-model variant, built on first use by
:func:`kernel` and cached on disk by numba (in the per-user folder of :mod:`robtheory._cache`), so broadcasting and strided or
zero-stride (broadcast) inputs come from NumPy's ufunc machinery and the only full-size arrays
are the outputs. Each variant reads only the arguments its formula needs (:data:`ARGS`).

The normal cdf is SciPy's own: the C function behind :func:`scipy.special.ndtr`, reached
through the C-API that ``scipy.special.cython_special`` exports (its ``double`` specialisation,
``double (double, int __pyx_skip_dispatch)``), registered with LLVM under the symbol
``robtheory_scipy_ndtr`` so that the cached machine code links to it by name in every process.
If that function cannot be found with exactly this signature, importing this module raises
ImportError and :mod:`robtheory.theory._grid` falls back to its NumPy reference.

Per point and mixture component the kernel makes **one** ndtr call and obtains both tails:

.. math::

    r = m/q, \qquad t = \Phi(-|r|), \qquad
    P(\mathcal N(m, q^2) > 0) = \begin{cases} 1 - t & r > 0 \\ t & r \le 0\end{cases},
    \qquad P(\mathcal N(m, q^2) \le 0) = 1 - P(\mathcal N(m, q^2) > 0),

so the smaller of the two probabilities is always the directly computed tail ``t`` (SciPy's
value, bit for bit, down to its underflow near :math:`|r| \approx 38.5`), and the larger one
is ``1 - t`` (correctly rounded next to 1). For ``q = 0`` the probability is the indicator
``m > 0`` (an exact 0 margin is an error: the library's tie convention).
"""

from __future__ import annotations

import ctypes
import math

from llvmlite import binding as _llvm
from numba import guvectorize, njit, types, vectorize
from numba.extending import get_cython_function_address

from robtheory._cache import numba_cache

__all__ = ["ARGS", "kernel"]

_NDTR_CAPI = "__pyx_fuse_1ndtr"
_NDTR_SIGNATURE = b"double (double, int __pyx_skip_dispatch)"


def _register_scipy_ndtr() -> None:
    from scipy.special import cython_special

    capsule = getattr(cython_special, "__pyx_capi__", {}).get(_NDTR_CAPI)
    if capsule is None:
        raise ImportError(f"scipy.special.cython_special exports no {_NDTR_CAPI!r}")
    get_name = ctypes.pythonapi.PyCapsule_GetName
    get_name.restype, get_name.argtypes = ctypes.c_char_p, [ctypes.py_object]
    sig = get_name(capsule)
    if sig != _NDTR_SIGNATURE:
        raise ImportError(f"scipy's {_NDTR_CAPI} has signature {sig!r}, expected {_NDTR_SIGNATURE!r}")
    _llvm.add_symbol("robtheory_scipy_ndtr", get_cython_function_address("scipy.special.cython_special",
                                                                          _NDTR_CAPI))


_register_scipy_ndtr()
_scipy_ndtr = types.ExternalFunction("robtheory_scipy_ndtr", types.float64(types.float64, types.intc))

_DEV = {"inline": "always", "cache": numba_cache(), "error_model": "numpy"}


@njit(**_DEV)
def _margins(eta, eps, a, S, Q, U1, kind):
    """(m_+, m_-): the worst-case margins of the two x1 cases, with the grouping and operation
    order of the generated closed forms (:mod:`robtheory.theory._generated`,
    :func:`robtheory.symbolic.codegen.stable_margin`) at ``b = 0``."""
    se = S * eta
    if kind == 0:  # standard
        return se + a, se - a
    if kind == 2:  # linf, weak-only: eps * ||u||_1
        base = se - U1 * eps
        return base + a, base - a
    if kind == 4:  # l2, weak-only: eps * ||u||_2
        base = se - Q * eps
        return base + a, base - a
    # x1 perturbable: |a| (sign(a) - eps) and |a| (-sign(a) - eps), exact next to eps = 1, plus
    # the weak part (l_inf: eps U1; l_2: eps (sqrt(a^2 + Q^2) - |a|), without cancellation)
    aa = abs(a)
    sgn = (1.0 if a > 0.0 else 0.0) - (1.0 if a < 0.0 else 0.0)
    if kind == 1:
        w = se - U1 * eps
    else:
        h = math.hypot(a, Q)
        w = se - eps * (Q * (Q / h) / (1.0 + aa / h) if h > 0.0 else 0.0)
    return (sgn - eps) * aa + w, (-eps - sgn) * aa + w


@njit(**_DEV)
def _pgt(m, q):
    """(P(N(m, q^2) > 0), P(N(m, q^2) <= 0)) from one ndtr call (NaN in, NaN out)."""
    if q > 0:
        r = m / q
        t = _scipy_ndtr(-abs(r), 0)  # the smaller tail, Phi(-|m|/q)
        u = 1.0 - t
        # selects rather than branches: the sign of the margin is not predictable on a grid
        return (u if r > 0 else t), (t if r > 0 else u)
    return (1.0 if m > 0 else 0.0), (1.0 if m <= 0 else 0.0)  # ties are errors


@njit(**_DEV)
def _clip01(v):
    # Both terms are >= 0; the sum can pass 1 by an ulp only when 1 - p rounds (p < 1/2).
    return 1.0 if v > 1.0 else v


#: Arguments of the kernel of each threat-model variant (only those its formula reads, so that
#: the ufunc loop walks as few arrays as possible).
ARGS = {
    0: ("p", "eta", "a", "S", "Q"),
    1: ("p", "eta", "eps", "a", "S", "Q", "U1"),
    2: ("p", "eta", "eps", "a", "S", "Q", "U1"),
    3: ("p", "eta", "eps", "a", "S", "Q"),
    4: ("p", "eta", "eps", "a", "S", "Q"),
}


def _make(kind: int, error_rate: bool):
    """The ufunc of one threat-model variant: ``kind`` is a compile-time constant of the closure,
    so the other variants' branches are pruned."""
    nargs = len(ARGS[kind])
    if not error_rate:
        if nargs == 5:
            def acc5(p, eta, a, S, Q):
                mp, mm = _margins(eta, 0.0, a, S, Q, 0.0, kind)
                return _clip01(p * _pgt(mp, Q)[0] + (1.0 - p) * _pgt(mm, Q)[0])
            fn = acc5
        elif nargs == 6:
            def acc6(p, eta, eps, a, S, Q):
                mp, mm = _margins(eta, eps, a, S, Q, 0.0, kind)
                return _clip01(p * _pgt(mp, Q)[0] + (1.0 - p) * _pgt(mm, Q)[0])
            fn = acc6
        else:
            def acc7(p, eta, eps, a, S, Q, U1):
                mp, mm = _margins(eta, eps, a, S, Q, U1, kind)
                return _clip01(p * _pgt(mp, Q)[0] + (1.0 - p) * _pgt(mm, Q)[0])
            fn = acc7
        return vectorize([f"f8({', '.join(['f8'] * nargs)})"], nopython=True, cache=numba_cache())(fn)
    if nargs == 5:
        def err5(p, eta, a, S, Q, acc, err):
            mp, mm = _margins(eta, 0.0, a, S, Q, 0.0, kind)
            up, lp = _pgt(mp, Q)
            um, lm = _pgt(mm, Q)
            acc[0] = _clip01(p * up + (1.0 - p) * um)
            err[0] = _clip01(p * lp + (1.0 - p) * lm)
        fn = err5
    elif nargs == 6:
        def err6(p, eta, eps, a, S, Q, acc, err):
            mp, mm = _margins(eta, eps, a, S, Q, 0.0, kind)
            up, lp = _pgt(mp, Q)
            um, lm = _pgt(mm, Q)
            acc[0] = _clip01(p * up + (1.0 - p) * um)
            err[0] = _clip01(p * lp + (1.0 - p) * lm)
        fn = err6
    else:
        def err7(p, eta, eps, a, S, Q, U1, acc, err):
            mp, mm = _margins(eta, eps, a, S, Q, U1, kind)
            up, lp = _pgt(mp, Q)
            um, lm = _pgt(mm, Q)
            acc[0] = _clip01(p * up + (1.0 - p) * um)
            err[0] = _clip01(p * lp + (1.0 - p) * lm)
        fn = err7
    sig = f"void({', '.join(['f8'] * nargs)}, f8[:], f8[:])"
    layout = ",".join(["()"] * nargs) + "->(),()"
    return guvectorize([sig], layout, nopython=True, cache=numba_cache())(fn)


_KERNELS: dict = {}


def kernel(kind: int, error_rate: bool):
    """The (cached) ufunc for threat-model variant ``kind`` (0..4); see :data:`ARGS` for its
    arguments. ``error_rate``: a gufunc returning (accuracy, error rate)."""
    key = (int(kind), bool(error_rate))
    if key not in _KERNELS:
        _KERNELS[key] = _make(*key)
    return _KERNELS[key]
