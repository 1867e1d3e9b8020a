"""Linear classifiers ``sign(w^T x + b)`` and the named classifiers of the paper.

Every accuracy of a linear classifier depends on ``w = (a, u)`` only through the summary
statistics (a, b, S, Q, U1) with :math:`S = \\sum_i u_i`, :math:`Q = \\lVert u\\rVert_2`,
:math:`U_1 = \\lVert u\\rVert_1` (see :mod:`robtheory.symbolic.linear`). A full weight vector
(:class:`LinearClassifier`) computes them once; the structured form
(:class:`StructuredLinear`: weight ``a`` on x1 and ``c`` on each weak feature) has them in
closed form, so ``d = 10**6`` or ``10**12`` costs nothing.

Tie convention: a score of exactly 0 counts as an error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike

from robtheory.model import ThreatModel, ToyModel, _finite_real, _positive_int, _show

__all__ = [
    "LinearStats",
    "LinearClassifier",
    "StructuredLinear",
    "ConstantClassifier",
    "RoundedClassifier",
    "averaging",
    "robust_x1",
    "bayes",
    "load_weights",
    "as_linear",
    "dual_norm_penalty",
    "dual_norm_penalty_gradient",
    "dual_norm_stats",
]


@dataclass(frozen=True)
class LinearStats:
    """Summary statistics of ``w = (a, u)`` and bias ``b`` that every closed form uses.

    Attributes
    ----------
    a : float
        Weight on the robust feature x1 (``w[0]``).
    b : float
        Bias.
    S : float
        :math:`\\sum_i u_i`, the sum of the weak weights ``u = w[1:]``.
    Q : float
        :math:`\\lVert u\\rVert_2`.
    U1 : float
        :math:`\\lVert u\\rVert_1`.

    Examples
    --------
    >>> LinearClassifier([0.5, 3.0, -4.0], 0.1).stats()
    LinearStats(a=0.5, b=0.1, S=-1.0, Q=5.0, U1=7.0)
    """

    a: float
    b: float
    S: float
    Q: float
    U1: float


def _norm2(u: np.ndarray) -> float:
    """:math:`\\lVert u\\rVert_2` without overflow or underflow of the squares.

    ``np.linalg.norm`` squares the entries: it returns inf for entries beyond ~1e154 and 0 for
    entries below ~1e-162 (which would turn ``Q > 0`` into the ``Q = 0`` indicator case). The
    entries are first scaled by the power of two ``2**-e`` that brings the largest into
    [1/2, 1); that is exact, so the result is the same to the bit wherever the plain norm
    neither overflows nor underflows.
    """
    if u.size == 0:
        return 0.0
    top = float(np.max(np.abs(u)))
    if top == 0.0:
        return 0.0
    e = math.frexp(top)[1]
    with np.errstate(over="ignore"):  # a norm beyond the largest double is inf
        return float(np.ldexp(np.linalg.norm(np.ldexp(u, -e)), e))


@dataclass(frozen=True)
class LinearClassifier:
    """``f(x) = sign(w^T x + b)`` with a full weight vector ``w`` of length ``d + 1``.

    Parameters
    ----------
    w : array_like, shape (d + 1,)
        ``w[0]`` multiplies the robust feature x1, ``w[1:]`` the weak features. Must be
        finite and not all zero (a classifier needs a direction; see
        :class:`ConstantClassifier` for ``sign(b)``).
    b : float, default 0
        Bias. Scores of exactly 0 count as errors.

    Examples
    --------
    >>> clf = LinearClassifier([1.0, 0.1, 0.1, 0.1], b=-0.05)
    >>> clf.d, clf.stats().S
    (3, 0.30000000000000004)
    >>> LinearClassifier([0.0, 0.0])
    Traceback (most recent call last):
    ...
    ValueError: w is all zero: a linear classifier needs a direction (use ConstantClassifier for sign(b))
    """

    w: np.ndarray
    b: float = 0.0
    _stats: LinearStats = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            w = np.asarray(self.w, dtype=float)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"w must be an array of real numbers, got {self.w!r}") from exc
        if w.ndim != 1 or w.size < 2:
            raise ValueError(f"w must be a 1-d array of length d + 1 >= 2, got shape {w.shape}")
        bad = np.flatnonzero(~np.isfinite(w))
        if bad.size:
            raise ValueError(f"w must be finite; w[{bad[0]}] = {_show(w[bad[0]])}")
        if not np.any(w):
            raise ValueError("w is all zero: a linear classifier needs a direction "
                             "(use ConstantClassifier for sign(b))")
        b = _finite_real("b", self.b)
        w = w.copy()
        w.setflags(write=False)
        object.__setattr__(self, "w", w)
        object.__setattr__(self, "b", b)
        u = w[1:]
        with np.errstate(over="ignore"):  # sums beyond the largest double: see closed_form
            S, U1 = float(np.sum(u)), float(np.sum(np.abs(u)))
        object.__setattr__(self, "_stats", LinearStats(a=float(w[0]), b=b, S=S, Q=_norm2(u), U1=U1))

    @property
    def d(self) -> int:
        return self.w.size - 1

    def stats(self, model: ToyModel | None = None) -> LinearStats:
        if model is not None:
            check_dimension(self, model)
        return self._stats


@dataclass(frozen=True)
class StructuredLinear:
    """``sign(a x1 + c sum_{i>=2} x_i + b)``: equal weights ``c`` on the ``d`` weak features.

    Nothing of size ``d`` is stored, so ``d = 10**6`` costs nothing (:meth:`weights` materialises
    the vector).

    Parameters
    ----------
    a : float
        Weight on x1.
    c : float
        Weight on each weak feature (``a`` and ``c`` not both 0).
    d : int >= 1
        Number of weak features.
    b : float, default 0
        Bias.

    Examples
    --------
    >>> clf = StructuredLinear(a=1.0, c=0.1, d=4)
    >>> clf.weights()
    array([1. , 0.1, 0.1, 0.1, 0.1])
    """

    a: float
    c: float
    d: int
    b: float = 0.0

    def __post_init__(self) -> None:
        a = _finite_real("a", self.a)
        c = _finite_real("c", self.c)
        b = _finite_real("b", self.b)
        d = _positive_int("d", self.d)
        if a == 0 and c == 0:
            raise ValueError("a = c = 0: a linear classifier needs a direction "
                             "(use ConstantClassifier for sign(b))")
        for k, v in (("a", a), ("c", c), ("b", b), ("d", d)):
            object.__setattr__(self, k, v)

    def stats(self, model: ToyModel | None = None) -> LinearStats:
        if model is not None:
            check_dimension(self, model)
        return LinearStats(a=self.a, b=self.b, S=self.c * self.d,
                           Q=abs(self.c) * math.sqrt(self.d), U1=abs(self.c) * self.d)

    def weights(self) -> np.ndarray:
        """The full weight vector (materialised: costs O(d) memory)."""
        w = np.full(self.d + 1, self.c)
        w[0] = self.a
        return w


@dataclass(frozen=True)
class ConstantClassifier:
    """``f(x) = sign(b)``: the same label for every input (``b = 0`` is always wrong).

    Parameters
    ----------
    d : int >= 1
        Number of weak features of the model it is applied to.
    b : float, default 1
        Its constant score.

    Examples
    --------
    >>> from robtheory import ToyModel, linear_accuracy
    >>> linear_accuracy(ToyModel(0.9, 0.3, 5), ConstantClassifier(5)).standard_accuracy
    0.5
    """

    d: int
    b: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "d", _positive_int("d", self.d))
        object.__setattr__(self, "b", _finite_real("b", self.b))

    def stats(self, model: ToyModel | None = None) -> LinearStats:
        if model is not None:
            check_dimension(self, model)
        return LinearStats(a=0.0, b=self.b, S=0.0, Q=0.0, U1=0.0)


@dataclass(frozen=True)
class RoundedClassifier:
    """``f(x) = sign(tau * sign(x1) + s(x))`` with :math:`s(x) = d^{-1/2}\\sum_{i\\ge2}x_i`.

    Not linear: rounding x1 makes perturbations of x1 smaller than 1 irrelevant. With
    :math:`\\tau = L/(2\\mu_\\varepsilon)` it attains the optimal robust accuracy
    :math:`A^*_{rob}(\\varepsilon)` (theory §3.8). ``tau = inf`` is ``sign(x1)``.

    Parameters
    ----------
    tau : float >= 0 or inf
        Weight of the rounded robust feature against the normalised sum ``s(x)``.
    d : int >= 1
        Number of weak features.

    Examples
    --------
    >>> import numpy as np
    >>> rule = RoundedClassifier(tau=0.5, d=4)
    >>> rule.predict(np.array([[0.3, 1.0, -1.0, 0.2, 0.0], [-2.0, 0.1, 0.1, 0.1, 0.1]]))
    array([ 1., -1.])
    """

    tau: float
    d: int

    def __post_init__(self) -> None:
        tau = float(self.tau)
        if math.isnan(tau) or tau < 0:
            raise ValueError(f"tau must be >= 0 (inf allowed), got {_show(self.tau)}")
        object.__setattr__(self, "tau", tau)
        object.__setattr__(self, "d", _positive_int("d", self.d))

    def as_linear(self) -> StructuredLinear:
        """The linear classifier that agrees with this one on the support of x1 (+-1)."""
        if math.isinf(self.tau):
            return robust_x1(self.d)
        return StructuredLinear(a=self.tau, c=1 / math.sqrt(self.d), d=self.d)

    def score(self, X: np.ndarray) -> np.ndarray:
        """The score ``tau * sign(x1) + s(x)`` of each row of ``X`` (shape ``(n, d + 1)``, x1 first);
        ``sign(x1)`` for ``tau = inf``. The one implementation of the rounded rule on samples (the
        frontier's attaining classifiers and the Monte Carlo column call it). NumPy ufuncs only, so
        a CuPy array stays on its device. A sample is classified correctly iff ``y * score > 0``.
        """
        if X.ndim != 2 or X.shape[1] != self.d + 1:
            raise ValueError(f"X must have shape (n, d + 1) = (n, {self.d + 1}), got X.shape={X.shape}")
        x1: np.ndarray = np.sign(X[:, 0])
        if math.isinf(self.tau):
            return x1
        out: np.ndarray = self.tau * x1 + X[:, 1:].sum(axis=1) / math.sqrt(self.d)
        return out

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Labels ``sign(score(X))`` in {-1, +1} (0 on a tie, which counts as an error)."""
        labels: np.ndarray = np.sign(self.score(X))
        return labels

    def worst_case(self, X: np.ndarray, y: np.ndarray, threat: ThreatModel) -> np.ndarray:
        r"""The exact worst-case inputs of this rule for labels ``y`` in a ball of radius ``eps < 1``.

        l_inf: :math:`\min_{\lVert\delta\rVert_\infty\le\varepsilon} y\,(\tau\,\mathrm{sign}(x_1+\delta_1)
        + s(x+\delta)) = y\tau\,\mathrm{sign}(x_1) + y\,s(x) - \varepsilon\sqrt d`, attained by
        moving every coordinate by :math:`-\varepsilon y`: with :math:`|x_1| = 1 > \varepsilon` the
        sign of x1 cannot change, and a sampled check then exercises that the rule really rounds it.
        l_2: the weights of :math:`s` have l_2 norm 1, so the whole budget goes to the weak
        features, each moved by :math:`-\varepsilon y/\sqrt d` (x1 stays). A weak-only ball moves
        the weak features only, and then any eps is allowed (x1 keeps its sign). Returns a new array.
        """
        eps = threat.eps
        if threat.perturb_x1 and not eps < 1:  # x1 itself could be flipped: another worst case
            raise ValueError(f"the rounded rule's worst case needs eps < 1 when x1 can move, got eps={eps!r}")
        if threat.norm == "l2" or not threat.perturb_x1:
            Xa = np.array(X, copy=True)
            Xa[:, 1:] -= ((eps / math.sqrt(self.d) if threat.norm == "l2" else eps) * y)[:, None]
            return Xa
        moved: np.ndarray = X - (eps * y)[:, None]
        return moved


def check_dimension(clf: LinearClassifier | StructuredLinear | ConstantClassifier, model: ToyModel) -> None:
    if clf.d != model.d:
        raise ValueError(f"classifier has d = {clf.d} weak weights but the model has d = {model.d}")


def averaging(d: int) -> StructuredLinear:
    """The averaging classifier of eq. (4): ``w = (0, 1/d, ..., 1/d)``.

    Parameters
    ----------
    d : int >= 1
        Number of weak features.

    Returns
    -------
    StructuredLinear
        ``sign(mean of the weak features)``: accurate (:math:`\\Phi(\\mu)`) and not robust at
        ``eps = 2 eta`` (:math:`\\Phi(-\\mu)` under l_inf).

    Examples
    --------
    >>> averaging(4)
    StructuredLinear(a=0.0, c=0.25, d=4, b=0.0)
    """
    d = _positive_int("d", d)
    return StructuredLinear(a=0.0, c=1.0 / d, d=d)


def robust_x1(d: int) -> StructuredLinear:
    """The robust classifier ``sign(x1)``.

    Parameters
    ----------
    d : int >= 1
        Number of weak features (they get weight 0).

    Returns
    -------
    StructuredLinear
        Accuracy ``p``, standard and robust, for every ball of radius ``eps < 1``.

    Examples
    --------
    >>> robust_x1(4)
    StructuredLinear(a=1.0, c=0.0, d=4, b=0.0)
    """
    return StructuredLinear(a=1.0, c=0.0, d=d)


def bayes(model: ToyModel) -> StructuredLinear:
    """The Bayes classifier ``sign(L x1 + 2 eta sum x_i)``, normalised to ``sign(tau_B x1 + s(x))``.

    :math:`\\tau_B = L/(2\\mu)`. When ``p = 1`` (L infinite) or ``mu = 0`` (weak features
    carry no signal) the Bayes rule is ``sign(x1)``; at ``p = 1/2, mu = 0`` every rule has
    accuracy 1/2 and ``sign(x1)`` is returned.

    Parameters
    ----------
    model : ToyModel
        D(p, eta, d); :math:`L = \\ln(p/(1-p))` and :math:`\\mu = \\eta\\sqrt d`.

    Returns
    -------
    StructuredLinear
        ``StructuredLinear(tau_B, 1/sqrt(d), d)``, or ``sign(x1)`` in the cases above.

    Examples
    --------
    >>> from robtheory import ToyModel
    >>> clf = bayes(ToyModel(0.95, 0.3, 100))
    >>> round(clf.a, 6), clf.c                      # tau_B = L / (2 mu) = 2.944439 / 6
    (0.49074, 0.1)
    """
    mu, L = model.mu, model.log_odds
    if math.isinf(L) or mu == 0:
        return robust_x1(model.d)
    tau = L / (2 * mu)
    if not math.isfinite(tau):  # mu so small (subnormal) that the ratio overflows: x1 decides
        return robust_x1(model.d)
    return StructuredLinear(a=tau, c=1 / math.sqrt(model.d), d=model.d)


def load_weights(path: str | PathLike[str]) -> np.ndarray:
    """Read a weight vector from ``.npy`` (a 1-D array of real numbers) or whitespace-separated
    text. Every problem with the file is a ``ValueError`` naming it (``OSError`` only for a file
    that exists but cannot be read).

    Parameters
    ----------
    path : str or path-like
        A ``.npy`` file, or any other name for a text file of numbers.

    Returns
    -------
    ndarray, shape (d + 1,)
        The weights, ``w[0]`` on x1 (what ``robtheory accuracy --classifier weights --w`` reads).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "w.txt"
    >>> _ = f.write_text("0.5 0.1 0.1")
    >>> load_weights(f)
    array([0.5, 0.1, 0.1])
    """
    path = Path(path)
    if not path.exists():
        raise ValueError(f"weights file {str(path)!r} does not exist")
    if path.is_dir():
        raise ValueError(f"weights file {str(path)!r} is a directory")
    if path.suffix != ".npy":
        try:
            return np.array(path.read_text().split(), dtype=float)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValueError(f"could not read weights from {str(path)!r}: {exc}") from None
    try:
        w = np.load(path, allow_pickle=False)
    except ValueError:  # not an .npy file, or one holding Python objects
        raise ValueError(f"weights file {str(path)!r} is not a NumPy .npy array of numbers") from None
    if not isinstance(w, np.ndarray):
        raise ValueError(f"weights file {str(path)!r} is not a NumPy .npy array (an .npz archive?)")
    if w.ndim != 1:
        raise ValueError(f"weights file {str(path)!r} holds an array of shape {tuple(w.shape)}; "
                         f"the weights must be a 1-D array of d + 1 numbers")
    if w.dtype.kind not in "biuf":
        raise ValueError(f"weights file {str(path)!r} holds {w.dtype} values; the weights must be real numbers")
    return w


# ----------------------------------------------------------------------------------------
# The adversary's penalty eps * ||w_P||_*: the one home of the formula and its gradient
#
# For a linear score and a norm ball of radius eps, the worst perturbation takes
# eps * ||w_P||_* off the margin y (w^T x + b): ||.||_* is the dual norm (l1 for the l_inf
# ball, l2 for the l_2 ball) and w_P the perturbable weights (all of them, or w[1:] when x1
# cannot be perturbed). The Monte Carlo estimators, the hinge-gradient oracle and the
# population objectives all take it from here.


def _perturbable_start(threat: ThreatModel) -> int:
    return 0 if threat.perturb_x1 else 1


def dual_norm_penalty(w: np.ndarray, threat: ThreatModel | None) -> float:
    r""":math:`\varepsilon\lVert w_P\rVert_*`, or 0 without a threat (or at radius 0).

    l_inf: the l_1 norm of the perturbable weights; l_2: their l_2 norm, computed without
    overflow or underflow of the squares (:func:`_norm2`: weights of 1e200 give a finite
    penalty, where summing the squares would give inf).

    Parameters
    ----------
    w : array_like, shape (d + 1,)
        The weights, ``w[0]`` on x1.
    threat : ThreatModel or None
        The ball; its ``perturb_x1`` decides whether ``w[0]`` is priced.

    Returns
    -------
    float
        What the worst perturbation takes off the margin ``y (w.x + b)``.

    Examples
    --------
    >>> from robtheory import ThreatModel
    >>> dual_norm_penalty([1.0, 3.0, -4.0], ThreatModel("linf", 0.5))      # 0.5 * (1 + 3 + 4)
    4.0
    >>> dual_norm_penalty([1.0, 3.0, -4.0], ThreatModel.weak_only("l2", 0.5))  # 0.5 * |(3, -4)|
    2.5
    """
    if threat is None or threat.eps == 0:
        return 0.0
    u = np.asarray(w, dtype=float)[_perturbable_start(threat):]
    dual = float(np.sum(np.abs(u))) if threat.norm == "linf" else _norm2(u)
    return threat.eps * dual


def dual_norm_penalty_gradient(w: np.ndarray, threat: ThreatModel | None) -> np.ndarray:
    r"""The gradient of :func:`dual_norm_penalty` in ``w`` (0 on the coordinates that cannot move).

    l_inf: :math:`\varepsilon\,\mathrm{sign}(w_P)`, defined only where no perturbable weight is
    0; l_2: :math:`\varepsilon\,w_P/\lVert w_P\rVert_2`, defined only for :math:`w_P \ne 0`
    (computed on ``w_P`` scaled by a power of two, so huge or tiny weights neither overflow
    nor underflow). A point where the penalty is not differentiable is a ``ValueError``.

    Parameters
    ----------
    w : array_like, shape (d + 1,)
    threat : ThreatModel or None

    Returns
    -------
    ndarray, shape (d + 1,)

    Examples
    --------
    >>> from robtheory import ThreatModel
    >>> dual_norm_penalty_gradient([1.0, 3.0, -4.0], ThreatModel.weak_only("l2", 0.5))
    array([ 0. ,  0.3, -0.4])
    """
    w = np.asarray(w, dtype=float)
    g = np.zeros_like(w)
    if threat is None or threat.eps == 0:
        return g
    lo = _perturbable_start(threat)
    u = w[lo:]
    if threat.norm == "linf":
        zero = np.flatnonzero(u == 0)
        if zero.size:
            raise ValueError(f"the l_inf penalty eps*||w_P||_1 is not differentiable at a zero weight "
                             f"(w[{int(zero[0]) + lo}] = 0); give every perturbable weight a non-zero value")
        g[lo:] = np.sign(u)
    else:
        top = float(np.max(np.abs(u))) if u.size else 0.0
        if top == 0.0:
            raise ValueError("the l_2 penalty eps*||w_P||_2 is not differentiable at w_P = 0")
        s = np.ldexp(u, -math.frexp(top)[1])  # exact: u / ||u|| = s / ||s||
        g[lo:] = s / np.linalg.norm(s)
    return threat.eps * g


def dual_norm_stats(kind: str, a: ArrayLike, Q: ArrayLike,
                    U1: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""The dual norm :math:`\lVert w_P\rVert_*` in summary statistics, and its partials in (a, Q, U1).

    The same norm as :func:`dual_norm_penalty`, written in the statistics of ``w = (a, u)``
    (``Q = ||u||_2``, ``U1 = ||u||_1``) for the population objectives, which work on those
    statistics (vectorised over grids of classifiers) and never form ``w``: l_inf with x1
    ``|a| + U1``, without x1 ``U1``; l_2 with x1 ``hypot(a, Q)`` (overflow-safe), without x1
    ``Q``. ``kind`` is the threat variant (:func:`robtheory.theory.closed_form.variant`:
    ``standard``, ``linf_full``, ``linf_weak``, ``l2_full``, ``l2_weak``); ``sign(0) = 0`` in the
    partials. Not multiplied by eps.

    Parameters
    ----------
    kind : {"standard", "linf_full", "linf_weak", "l2_full", "l2_weak"}
    a, Q, U1 : array_like
        Statistics of the weights (broadcast together).

    Returns
    -------
    N, dN_da, dN_dQ, dN_dU1 : ndarray

    Examples
    --------
    >>> [float(x) for x in dual_norm_stats("l2_full", 3.0, 4.0, 7.0)]
    [5.0, 0.6, 0.8, 0.0]
    """
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


def as_linear(clf: object) -> LinearClassifier | StructuredLinear | ConstantClassifier:
    """The linear classifier ``clf`` stands for: what the closed forms and the Monte Carlo engine accept.

    Parameters
    ----------
    clf : LinearClassifier, StructuredLinear, ConstantClassifier, array_like or (w, b)
        A classifier object (returned as it is), a weight vector ``w`` of length ``d + 1``
        (``w[0]`` on x1, bias 0), or a pair ``(w, b)``.

    Returns
    -------
    LinearClassifier, StructuredLinear or ConstantClassifier

    Raises
    ------
    ValueError
        For anything else (a :class:`RoundedClassifier` is not linear), naming what to pass.

    Examples
    --------
    >>> as_linear(([0.5, 0.1, 0.1], -0.2))
    LinearClassifier(w=array([0.5, 0.1, 0.1]), b=-0.2)
    """
    if isinstance(clf, (LinearClassifier, StructuredLinear, ConstantClassifier)):
        return clf
    if isinstance(clf, RoundedClassifier):
        raise ValueError("RoundedClassifier is not linear (it rounds x1): use rounded_accuracy, or "
                         "estimate_callable for Monte Carlo")
    if isinstance(clf, tuple) and len(clf) == 2 and np.ndim(clf[0]) == 1:
        return LinearClassifier(np.asarray(clf[0], dtype=float), float(clf[1]))
    if isinstance(clf, (np.ndarray, list)) and np.ndim(clf) == 1:
        return LinearClassifier(np.asarray(clf, dtype=float), 0.0)
    raise ValueError(f"not a linear classifier: {clf!r}; pass a LinearClassifier(w, b), a StructuredLinear, "
                     "a ConstantClassifier, a weight vector w of length d + 1, or a pair (w, b)")

