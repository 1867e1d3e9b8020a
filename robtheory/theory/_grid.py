r"""Fast closed-form accuracies of unbiased linear classifiers over large grids.

This is the accuracy-only path of :mod:`robtheory.phase` (and of the ``grid`` entry of
``robtheory bench``). :func:`robtheory.theory.closed_form.accuracy_stats` evaluates the generated
four-case sums for any bias ``b`` and also the log error rate (a log-sum-exp of four
``log_ndtr`` terms): about forty ndtr-sized passes over the grid per classifier. For
``b = 0`` -- every classifier of a phase diagram: the averaging rule, the Bayes rule
``sign(tau x1 + s(x))``, ``sign(x1)`` and the frontier family -- the two label cases
coincide and the sum collapses to two Gaussian tails (theory §3.2):

.. math::

    \mathrm{acc} = p\,P_{>}(m_+, Q) + (1-p)\,P_{>}(m_-, Q), \qquad
    \mathrm{err} = p\,P_{\le}(m_+, Q) + (1-p)\,P_{\le}(m_-, Q),

    m_\pm = \eta S \pm a - \varepsilon\lVert w\rVert_*, \qquad
    P_{>}(m, q) = \Phi(m/q),\quad P_{\le}(m, q) = \Phi(-m/q) \quad (q > 0),

with :math:`P_{>}(m, 0) = 1\{m > 0\}` (ties are errors) and the dual-norm term of the
threat model: 0 (standard), :math:`\varepsilon(U_1 + |a|)` (l_inf, x1 perturbable),
:math:`\varepsilon U_1` (l_inf, weak-only), :math:`\varepsilon\sqrt{a^2 + Q^2}` (l_2),
:math:`\varepsilon Q` (l_2, weak-only). The summary statistics ``(a, S, Q, U1)`` are those
of :class:`robtheory.classifiers.LinearStats`. The margins are evaluated as the generated code
evaluates them (:func:`robtheory.symbolic.codegen.stable_margin`): with x1 perturbable as
:math:`|a|(\pm\operatorname{sign}(a) - \varepsilon) + (\eta S - \varepsilon U_1)` (l_2:
:math:`\eta S - \varepsilon(\sqrt{a^2 + Q^2} - |a|)`, without cancellation), so nothing
cancels next to eps = 1 when ``|a|`` dominates; statistics beyond ``2**±256`` are first scaled
by a common power of two (:func:`robtheory._special.rescale_statistics`).

Backends. ``"numba"`` (the default when numba imports and ``ROBTHEORY_DISABLE_NUMBA`` is
unset): one fused ufunc per call (:mod:`robtheory.theory._grid_numba`), one ``erfc`` per mixture
component giving both tails, no full-size temporaries besides the outputs. ``"numpy"``: the
plain reference, the same formula with :func:`scipy.special.ndtr` and in-place ufuncs.
Both agree with :func:`robtheory.theory.closed_form.accuracy_stats` to rounding (tests compare them
at random points, extreme tails included, to a relative error of ``1e-12`` on the error
rates). Error rates below the smallest double (~1e-308) underflow to 0 here; the log error
rate is only in :func:`~robtheory.theory.closed_form.accuracy_stats`.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np

from robtheory._backend import Status, numba_usable, resolve
from robtheory._special import hypot_excess, rescale_statistics

__all__ = ["KINDS", "MIRRORS", "Mirror", "grid_backend", "unbiased_accuracy"]

class Mirror(NamedTuple):
    """A hand-written kernel that re-states a derived formula for speed, its source of truth, and
    the test that ties the two (a bug planted in the kernel fails that test)."""

    kernel: str  #: dotted path of the hand-written code
    source: str  #: dotted path of the generated or symbolic formula it must equal
    test: str  #: pytest node id (file::function) that compares them


#: Every hand-written kernel of robtheory that mirrors a generated or symbolic formula, in one
#: place. The generated code (:mod:`robtheory.theory._generated`, printed from
#: :mod:`robtheory.symbolic`) is the truth; these re-state it where speed needs it (one fused
#: pass over a grid, an optimiser's inner loop). ``tests/theory/test_grid.py`` checks that every
#: entry names real code and a real test.
MIRRORS: tuple[Mirror, ...] = (
    Mirror("robtheory.theory._grid._numpy_path", "robtheory.theory._generated.accuracy_linf_full",
           "tests/theory/test_grid.py::test_matches_accuracy_stats_in_both_tails"),
    Mirror("robtheory.theory._grid_numba._margins", "robtheory.symbolic.codegen.stable_margin",
           "tests/theory/test_grid.py::test_matches_accuracy_stats_in_both_tails"),
    Mirror("robtheory.theory._grid_numba._pgt", "robtheory.theory._generated.error_linf_full",
           "tests/theory/test_grid.py::test_matches_accuracy_stats_in_both_tails"),
    Mirror("robtheory.theory.linear_frontier._LinearFamily.evaluate", "robtheory.theory._generated.accuracy_linf_full",
           "tests/theory/test_grid.py::test_linear_family_mirrors_the_generated_accuracies"),
    Mirror("robtheory.theory.linear_frontier._LinearFamily.scalar", "robtheory.theory._generated.accuracy_linf_full",
           "tests/theory/test_grid.py::test_linear_family_mirrors_the_generated_accuracies"),
    Mirror("robtheory.theory.frontier.exact_gap", "robtheory.symbolic.named.rounded_rule_robust_accuracy",
           "tests/theory/test_frontier.py::test_sharp_bound_dominates_the_frontier_with_the_exact_gap"),
    Mirror("robtheory.phase.rounded_rule_frontier", "robtheory.symbolic.named.rounded_rule_robust_accuracy",
           "tests/phase/test_phase_exact.py::test_elsewhere_against_mpmath_and_frontier"),
)

#: Threat-model variants (as in :func:`robtheory.theory.closed_form.accuracy_stats`) and their kernel codes.
KINDS = {"standard": 0, "linf_full": 1, "linf_weak": 2, "l2_full": 3, "l2_weak": 4}
_BACKENDS = ("auto", "numba", "numpy")


@functools.cache
def _numba_kernels():
    try:
        from robtheory.theory import _grid_numba
    except Exception as exc:  # ImportError, or a broken llvmlite
        return None, f"numba kernels not importable ({type(exc).__name__}: {exc})"
    return _grid_numba, "ok"


def _kernels_status() -> Status:
    mod, why = _numba_kernels()
    return mod is not None, why


def _status() -> dict[str, Status]:
    """Whether the fused kernels are usable: switched off by ``ROBTHEORY_DISABLE_NUMBA``, else
    whether :mod:`robtheory.theory._grid_numba` imports (numba, and SciPy's C ndtr)."""
    return {"numba": numba_usable(_kernels_status)}


def grid_backend(backend: str = "auto") -> str:
    """The concrete backend for ``backend`` (:func:`robtheory._backend.resolve`; ``"auto"``: numba
    unless switched off or broken, else NumPy).

    Raises
    ------
    ValueError
        For an unknown backend, or ``"numba"`` where it is not usable (the message says why).
    """
    return resolve(backend, _BACKENDS, _status, ("numba",))


def _check_p(p: np.ndarray) -> None:
    # O(size of the p argument), which is an axis of the grid in the phase diagrams.
    if p.size and not (np.all(p >= 0) and np.all(p <= 1)):
        bad = p[~((p >= 0) & (p <= 1))].ravel()[0]
        raise ValueError(f"p must lie in [0, 1], got p={float(bad)!r}")


def _numpy_tail(m: np.ndarray, Q: np.ndarray, upper: bool, shape: tuple) -> np.ndarray:
    """P(N(m, Q^2) > 0) (``upper``) or P(N(m, Q^2) <= 0), as a new array of ``shape``."""
    from scipy.special import ndtr

    ind = (m > 0) if upper else (m <= 0)
    pos = Q > 0
    r = np.empty(shape)  # the one full-size array, reused in place for the result
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # |m/Q| = inf: Phi saturates
        np.divide(m, Q, out=r)
    if not upper:
        np.negative(r, out=r)
    ndtr(r, out=r)
    np.copyto(r, ind, where=~pos)
    return r


def _numpy_path(p, eta, eps, a, S, Q, U1, kind: int, error_rate: bool, shape: tuple):
    # the generated closed forms' grouping, with b = 0 (see _grid_numba._margins)
    se = np.multiply(S, eta)
    if kind == 0:
        mp, mm = se + a, se - a
    elif kind == 2:
        base = se - U1 * eps
        mp, mm = base + a, base - a
    elif kind == 4:
        base = se - Q * eps
        mp, mm = base + a, base - a
    else:  # x1 perturbable: |a| (sign(a) - eps) + weak part, exact next to eps = 1
        aa, sgn = np.abs(a), np.sign(a)
        w = se - U1 * eps if kind == 1 else se - eps * hypot_excess(a, Q)
        mp, mm = (sgn - eps) * aa + w, (-eps - sgn) * aa + w
    del se
    outs = []
    for upper in ((True, False) if error_rate else (True,)):
        t = _numpy_tail(mp, Q, upper, shape)
        t *= p
        u = _numpy_tail(mm, Q, upper, shape)
        u *= 1.0 - p
        t += u
        del u
        np.clip(t, 0.0, 1.0, out=t)
        outs.append(t)
    return outs


def unbiased_accuracy(p, eta, eps, a, S, Q, U1, kind: str = "standard", *, error_rate: bool = False,
                      backend: str = "auto"):
    r"""Accuracy (and error rate) of ``sign(a x1 + u.z)`` without bias, vectorised over a grid.

    .. math::

        \mathrm{acc} = p\,\Phi\!\Big(\frac{\eta S + a - \varepsilon\lVert w\rVert_*}{Q}\Big)
                     + (1-p)\,\Phi\!\Big(\frac{\eta S - a - \varepsilon\lVert w\rVert_*}{Q}\Big)

    (theory §3.2 with ``b = 0``; indicators of the margins for ``Q = 0``). Equal to
    ``robtheory.theory.closed_form.accuracy_stats(p, eta, eps, a, 0, S, Q, U1, kind)[:2]`` to
    rounding, at a fraction of its cost.

    Parameters
    ----------
    p : array_like, values in [0, 1]
        P(x1 = y).
    eta, eps : array_like, >= 0
        Weak-feature mean and threat radius (``eps`` is ignored for ``kind="standard"``).
    a, S, Q, U1 : array_like
        Weight on x1, :math:`\sum_i u_i`, :math:`\lVert u\rVert_2 \ge 0`,
        :math:`\lVert u\rVert_1` (:class:`robtheory.classifiers.LinearStats`).
    kind : {"standard", "linf_full", "linf_weak", "l2_full", "l2_weak"}
    error_rate : bool
        Also return the error rate, summed from directly computed tails (exact where the
        accuracy rounds to 1).
    backend : {"auto", "numba", "numpy"}

    Returns
    -------
    accuracy : ndarray
        Shape of the broadcast arguments (a 0-d array for scalars).
    error_rate : ndarray
        Only with ``error_rate=True``.

    Raises
    ------
    ValueError
        Unknown ``kind`` or ``backend``, or ``p`` outside [0, 1] (the value is named).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown accuracy kind {kind!r}; choose from {tuple(KINDS)}")
    name = grid_backend(backend)
    args = [np.asarray(x, dtype=np.float64) for x in (p, eta, eps, a, S, Q, U1)]
    _check_p(args[0])
    # as accuracy_stats: statistics beyond 2**±256 (with Q too) are scaled by a power of two;
    # O(size of the Q argument) when none is, and then the kernels see the arguments as given
    args[3], _, args[4], args[5], args[6] = rescale_statistics(args[3], 0.0, *args[4:])
    code = KINDS[kind]
    if name == "numba":
        mod, _ = _numba_kernels()
        named = dict(zip(("p", "eta", "eps", "a", "S", "Q", "U1"), args))
        ufunc = mod.kernel(code, error_rate)
        with np.errstate(over="ignore"):  # a margin or m/Q beyond 1.8e308 is an infinity of the right sign
            res = ufunc(*(named[k] for k in mod.ARGS[code]))
        outs = [np.asarray(r) for r in (res if error_rate else (res,))]
        # an argument the variant does not read still sets the shape (as in accuracy_stats)
        shape = np.broadcast_shapes(*(x.shape for x in args))
        outs = [o if o.shape == shape else np.broadcast_to(o, shape).copy() for o in outs]
        return (outs[0], outs[1]) if error_rate else outs[0]
    shape = np.broadcast_shapes(*(x.shape for x in args))
    with np.errstate(over="ignore"):  # as in the kernels
        outs = _numpy_path(*args, code, error_rate, shape)
    return (outs[0], outs[1]) if error_rate else outs[0]
