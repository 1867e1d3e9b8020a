"""Closed-form accuracies, losses and optima, evaluated from the generated code.

Every formula here is evaluated by a function of :mod:`robtheory.theory._generated`, which is
printed from the sympy derivations of :mod:`robtheory.symbolic` (nothing is re-typed).
Functions whose names end in ``_stats`` are vectorised: they broadcast NumPy arrays of
parameters. Error rates are computed as complementary sums and in log space, so an
accuracy that rounds to 1.0 still reports its true error rate (e.g. ``1e-300``).
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from robtheory.theory import _generated as G
from robtheory import _special as _sp
from robtheory.classifiers import (
    as_linear,
    ConstantClassifier,
    LinearClassifier,
    LinearStats,
    RoundedClassifier,
    StructuredLinear,
    averaging,
    bayes,
    robust_x1,
)
from robtheory.model import ThreatModel, ToyModel

#: The classifiers with weights (a, b, u), whose accuracies have closed forms.
_Linear = LinearClassifier | StructuredLinear | ConstantClassifier

__all__ = [
    "log_accuracy_stats",
    "Accuracy",
    "OptimalClassifier",
    "variant",
    "accuracy_stats",
    "linear_accuracy",
    "bayes_accuracy",
    "theorem_2_1_bound",
    "best_robust_classifier",
    "best_robust_accuracy_grid",
    "robust_optimum_case",
    "ROBUST_OPTIMUM_CASES",
    "best_robust_linear_classifier",
    "structured_weights",
    "hinge_loss",
    "hinge_gradient",
]


def variant(threat: ThreatModel | None) -> str:
    """Name of the generated-function family for a threat model (``standard`` if None).

    Parameters
    ----------
    threat : ThreatModel or None

    Returns
    -------
    str
        ``"standard"``, or ``"<norm>_full"`` / ``"<norm>_weak"`` (x1 perturbable or not).

    Examples
    --------
    >>> variant(ThreatModel.weak_only("l2", 1.0)), variant(None)
    ('l2_weak', 'standard')
    """
    if threat is None:
        return "standard"
    return f"{threat.norm}_{'full' if threat.perturb_x1 else 'weak'}"


def accuracy_stats(p: ArrayLike, eta: ArrayLike, eps: ArrayLike, a: ArrayLike, b: ArrayLike, S: ArrayLike,
                   Q: ArrayLike, U1: ArrayLike,
                   kind: str = "standard") -> tuple[NDArray[Any], NDArray[Any], NDArray[Any]]:
    """Vectorised accuracy, error rate and log error rate from summary statistics.

    Parameters
    ----------
    p, eta, eps, a, b, S, Q, U1 : array_like
        Model parameters (p in [1/2, 1], eta >= 0, the radius eps >= 0) and the statistics of
        ``sign(a x1 + u.z + b)``: ``S`` the sum, ``Q`` the l2 norm and ``U1`` the l1 norm of the
        weak weights ``u`` (:class:`~robtheory.classifiers.LinearStats`), broadcast together.
    kind : {"standard", "linf_full", "linf_weak", "l2_full", "l2_weak"}
        The threat (:func:`variant`); ``eps`` is ignored for ``"standard"``.

    Returns
    -------
    accuracy, error_rate, log_error_rate : ndarray
        The error rate and its log are accurate relative to themselves at both ends: where the
        accuracy is at least 1/2 they come from the generated complementary sum (a log-sum-exp
        of ``log_ndtr`` terms, exact when the accuracy rounds to 1); below 1/2 from
        ``log1p(-accuracy)`` and ``1 - accuracy`` (the log-sum-exp of logs next to 0 is only
        absolutely accurate there: it would give ``log 1 = 0`` for an accuracy of 1e-33).

    Notes
    -----
    The statistics ``(a, b, S, Q, U1)`` enter only through the scale-invariant sign of
    ``w.x + b``, so at points where they are beyond ``2**±256`` they are first multiplied by a
    common power of two (:func:`robtheory._special.rescale_statistics`): weights of 1e300 or
    1e-300 give the same accuracies as weights of 1.

    Examples
    --------
    >>> acc, err, log_err = accuracy_stats(0.9, 0.3, 0.0, 0.0, 0.0, [1.0, 2.0], 1.0, [1.0, 2.0])
    >>> acc.round(6), err.round(6)                 # Phi(0.3 S): one or two weak features of weight 1
    (array([0.617911, 0.725747]), array([0.382089, 0.274253]))
    """
    if kind not in ("standard", "linf_full", "linf_weak", "l2_full", "l2_weak"):
        raise ValueError(f"unknown accuracy kind {kind!r}")
    args = [np.asarray(x, dtype=float) for x in (p, eta, eps, a, b, S, Q, U1)]
    args[3:] = _sp.rescale_statistics(*args[3:])
    # The four-case sums can land an ulp outside [0, 1] (or log 1 = 0): clip that rounding.
    acc = np.clip(getattr(G, f"accuracy_{kind}")(*args), 0.0, 1.0)
    log_err = np.minimum(getattr(G, f"log_error_{kind}")(*args), 0.0)
    err = np.exp(log_err)
    small = acc < 0.5
    if np.any(small):
        with np.errstate(divide="ignore"):  # log1p(-1) where acc = 1 is not selected
            log_err = np.where(small, np.log1p(-acc), log_err)
        err = np.where(small, 1.0 - acc, err)
    # an error rate of exactly 1 has log 0, never -0 (log1p(-0.0) is -0.0): adding +0.0 changes nothing else
    return acc, err, log_err + 0.0


def log_accuracy_stats(p: ArrayLike, eta: ArrayLike, eps: ArrayLike, a: ArrayLike, b: ArrayLike,
                       S: ArrayLike, Q: ArrayLike, U1: ArrayLike, kind: str = "standard") -> NDArray[Any]:
    """Natural log of the (robust) accuracy of ``sign(w.x + b)``, finite where the accuracy underflows.

    The accuracy of ``(a, b, u)`` against a ball of radius ``eps`` is a sum of
    :math:`P_{>}(m_k, Q)` with margins :math:`m_k = a s_1 + y b + \\eta S - \\varepsilon\\lVert w\\rVert_*`;
    the error rate of ``(-a, -b, -u)`` at radius ``-eps`` is the same sum of :math:`P_{\\le}(-m_k, Q)`
    (the dual norm does not see the sign of ``w``), and :math:`P_{\\le}(-m, Q) = P_{>}(m, Q)` when
    ``Q > 0``. So the generated log error rate evaluated there is the log accuracy, exact in
    the tail. Where ``Q = 0`` (no weak weight: the accuracy is a sum of indicators, never tiny)
    it is ``log`` of the accuracy.

    Parameters
    ----------
    p, eta, eps, a, b, S, Q, U1, kind
        As in :func:`accuracy_stats`.

    Returns
    -------
    ndarray
        :math:`\\ln` of the accuracy, broadcast over the arguments.

    Examples
    --------
    The averaging classifier at d = 100 (``S = 1, Q = 0.1, U1 = 1``) under l_inf at eps = 2 eta has
    robust accuracy :math:`\\Phi(-3)`:

    >>> round(float(log_accuracy_stats(0.95, 0.3, 0.6, 0.0, 0.0, 1.0, 0.1, 1.0, "linf_full")), 4)
    -6.6077
    """
    acc = accuracy_stats(p, eta, eps, a, b, S, Q, U1, kind)[0]
    neg = [-np.asarray(x, dtype=float) for x in (eps, a, b, S)]
    args = [np.asarray(x, dtype=float) for x in (p, eta)]
    log_tail = np.minimum(getattr(G, f"log_error_{kind}")(*args, *neg, np.asarray(Q, float), np.asarray(U1, float)), 0.0)
    with np.errstate(divide="ignore"):
        log_direct = np.log(acc)
    out: NDArray[Any] = np.where(np.asarray(Q) > 0, log_tail, log_direct)
    return out


@dataclass(frozen=True)
class Accuracy:
    """Standard and robust accuracy of one classifier, with exact error rates.

    Attributes
    ----------
    standard_accuracy, robust_accuracy : float in [0, 1]
    standard_error_rate, robust_error_rate : float in [0, 1]
        Exact complements (not ``1 - accuracy``: ``1e-300`` where the accuracy rounds to 1).
    log_standard_error_rate, log_robust_error_rate : float <= 0
        Their natural logs, finite where the error rates underflow.

    Examples
    --------
    >>> from robtheory import ToyModel, averaging
    >>> acc = linear_accuracy(ToyModel(0.95, 4.0, 100), averaging(100))
    >>> acc.standard_accuracy, round(acc.log_standard_error_rate, 1)     # 1 - Phi(40) = exp(-804.6)
    (1.0, -804.6)
    >>> sorted(acc.to_dict())[:2]
    ['log_robust_error_rate', 'log_standard_error_rate']
    """

    standard_accuracy: float
    robust_accuracy: float
    standard_error_rate: float
    robust_error_rate: float
    log_standard_error_rate: float
    log_robust_error_rate: float

    def to_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in asdict(self).items()}


def _stats_of(clf: object, model: ToyModel) -> LinearStats:
    if isinstance(clf, RoundedClassifier):
        raise TypeError("RoundedClassifier is not linear; use rounded_accuracy")
    return as_linear(clf).stats(model)


def _direction_stats_of(clf: object, model: ToyModel) -> LinearStats:
    """The statistics of ``clf``, or of ``clf`` scaled by a power of two where they overflow.

    Weights near the largest double have sums (S, U1) or a norm (Q) beyond it; the accuracy
    depends on ``(w, b)`` only up to a positive factor, so it is that of the scaled copy whose
    largest weight lies in [1/2, 1).
    """
    st = _stats_of(clf, model)
    if all(math.isfinite(v) for v in (st.a, st.b, st.S, st.Q, st.U1)):
        return st
    clf = as_linear(clf)
    if isinstance(clf, LinearClassifier):
        e = math.frexp(max(float(np.max(np.abs(clf.w))), abs(clf.b)))[1]
        return LinearClassifier(np.ldexp(clf.w, -e), math.ldexp(clf.b, -e)).stats(model)
    if isinstance(clf, StructuredLinear):
        e = math.frexp(max(abs(clf.a), abs(clf.c), abs(clf.b)))[1]
        return StructuredLinear(math.ldexp(clf.a, -e), math.ldexp(clf.c, -e), clf.d,
                                math.ldexp(clf.b, -e)).stats(model)
    return st  # pragma: no cover - every classifier with weights is one of the two


def linear_accuracy(model: ToyModel, clf: _Linear | ArrayLike | tuple[ArrayLike, float],
                    threat: ThreatModel | None = None) -> Accuracy:
    """Standard accuracy of ``f(x) = sign(w.x + b)`` on D(p, eta, d) and its robust accuracy under ``threat``.

    Parameters
    ----------
    model : ToyModel
        D(p, eta, d).
    clf : LinearClassifier, StructuredLinear, ConstantClassifier, array_like or (w, b)
        The classifier; a weight vector ``w`` of length ``d + 1`` (``w[0]`` on x1) or a pair
        ``(w, b)`` is accepted as the Monte Carlo engine accepts it (:func:`robtheory.classifiers.as_linear`).
    threat : ThreatModel, optional
        The ball the adversary moves x in; without one the robust columns equal the standard ones.

    Returns
    -------
    Accuracy
        ``standard_accuracy``, ``robust_accuracy``, their error rates (exact, not ``1 - accuracy``)
        and the logarithms of the error rates (finite far into the tails).

    With ``w = (a, u)``, :math:`S = \\sum_i u_i`, :math:`Q = \\lVert u\\rVert_2`,
    :math:`P_{>}(m, q) = P(\\mathcal N(m, q^2) > 0)` and the dual norm :math:`\\lVert\\cdot\\rVert_*` of
    the threat's ball over the coordinates it may move, the robust accuracy is

    .. math::

        \\mathrm{Rob}(w,b;\\varepsilon) = \\tfrac12\\sum_{y=\\pm1}\\Big[
            p\\,P_{>}(a + yb + \\eta S - \\varepsilon\\lVert w\\rVert_*, Q)
          + (1-p)\\,P_{>}(-a + yb + \\eta S - \\varepsilon\\lVert w\\rVert_*, Q)\\Big]

    (eps = 0 gives the standard accuracy). The accuracy does not change when ``(w, b)`` is scaled
    by a positive factor, and neither does what this returns: weights of any finite size are
    handled (see :func:`accuracy_stats`).

    Examples
    --------
    >>> from robtheory import ThreatModel, ToyModel
    >>> acc = linear_accuracy(ToyModel(0.95, 0.3, 100), [0.0] + [1.0] * 100, ThreatModel("linf", 0.6))
    >>> round(acc.standard_accuracy, 6), round(acc.robust_accuracy, 6)
    (0.99865, 0.00135)
    """
    st = _direction_stats_of(clf, model)
    common = (model.p, model.eta)
    sa, se, sl = accuracy_stats(*common, 0.0, st.a, st.b, st.S, st.Q, st.U1, "standard")
    if threat is None:
        ra, re, rl = sa, se, sl
    else:
        ra, re, rl = accuracy_stats(*common, threat.eps, st.a, st.b, st.S, st.Q, st.U1, variant(threat))
    return Accuracy(float(sa), float(ra), float(se), float(re), float(sl), float(rl))


def rounded_accuracy(model: ToyModel, clf: RoundedClassifier, threat: ThreatModel | None = None) -> Accuracy:
    """Accuracy of ``sign(tau sign(x1) + s(x))`` for l_inf or l_2 balls of radius < 1.

    A perturbation of size < 1 cannot change ``sign(x1)``, so the robust accuracy is that
    of the linear ``f_tau`` against the weak-only adversary of the same norm.
    """
    lin = clf.as_linear()
    if threat is None:
        return linear_accuracy(model, lin)
    if threat.perturb_x1 and threat.eps >= 1:
        raise ValueError(f"rounded classifiers are analysed for eps < 1 only, got eps={threat.eps!r}")
    return linear_accuracy(model, lin, ThreatModel.weak_only(threat.norm, threat.eps))


def bayes_accuracy(model: ToyModel) -> Accuracy:
    """:math:`A_B(p,\\mu) = p\\Phi(\\mu + L/(2\\mu)) + (1-p)\\Phi(\\mu - L/(2\\mu))` (theory §3.3).

    The standard accuracy of the Bayes classifier (:func:`robtheory.classifiers.bayes`), the best
    of any classifier; :math:`\\mu = \\eta\\sqrt d`, :math:`L = \\ln(p/(1-p))`, :math:`\\Phi` the
    standard normal distribution function.

    Parameters
    ----------
    model : ToyModel
        D(p, eta, d).

    Returns
    -------
    Accuracy
        Its robust columns equal the standard ones (no threat).

    Examples
    --------
    >>> from robtheory import ToyModel
    >>> round(bayes_accuracy(ToyModel(0.95, 0.3, 100)).standard_accuracy, 6)
    0.999469
    """
    return linear_accuracy(model, bayes(model))


def theorem_2_1_bound(p: ArrayLike, standard_accuracy: ArrayLike | None = None, *,
                      error_rate: ArrayLike | None = None) -> NDArray[Any]:
    """Theorem 2.1: :math:`\\mathrm{acc}_\\varepsilon \\le \\frac{p}{1-p}\\delta` for eps >= 2 eta,
    :math:`\\delta = 1 - \\mathrm{acc}` the standard error rate.

    Pass the exact ``error_rate`` wherever it is known (``accuracy_stats`` returns it): the bound
    computed from a rounded accuracy as ``1 - acc`` loses every digit once delta < 1e-16 and is 0
    below that, exactly where the theorem says the most. Give one of the two.

    Parameters
    ----------
    p : array_like, in [1/2, 1]
        ``P(x1 = y)``.
    standard_accuracy : array_like, in [0, 1], optional
        The classifier's standard accuracy ``1 - delta``.
    error_rate : array_like, in [0, 1], optional (keyword)
        Its standard error rate ``delta`` (exact; preferred).

    Returns
    -------
    ndarray
        The bound on the robust accuracy at ``eps >= 2 eta`` of any classifier with that
        standard error rate; ``inf`` at ``p = 1`` (no bound).

    Examples
    --------
    >>> theorem_2_1_bound(0.95, error_rate=[0.01, 1e-20])          # 19 * delta
    array([1.9e-01, 1.9e-19])
    >>> theorem_2_1_bound(0.95, 0.99)
    array(0.19)
    """
    if (standard_accuracy is None) == (error_rate is None):
        raise ValueError("give exactly one of standard_accuracy and error_rate")
    p = np.asarray(p, dtype=float)
    delta: NDArray[Any] = (1 - np.asarray(standard_accuracy, dtype=float) if error_rate is None
                           else np.asarray(error_rate, dtype=float))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(p < 1, p / (1 - p) * delta, np.inf)


@dataclass(frozen=True)
class OptimalClassifier:
    """An optimal classifier and the (robust) accuracy it attains.

    ``value`` is the accuracy, which rounds to 1.0 once the error rate is below ~1e-16;
    ``error_rate`` and ``log_error_rate`` are its exact complement and the complement's natural
    log (finite where the error rate underflows), and are what optima are chosen by.

    Attributes
    ----------
    classifier : object
        The optimum (a StructuredLinear, RoundedClassifier or ConstantClassifier).
    value : float
        The (robust) accuracy it attains.
    description : str
        The optimum in words.
    error_rate, log_error_rate : float

    Examples
    --------
    >>> from robtheory import ThreatModel, ToyModel
    >>> best_robust_classifier(ToyModel(0.95, 0.3, 100), ThreatModel("linf", 0.6)).description
    'sign(x1)'
    """

    classifier: object
    value: float
    description: str
    error_rate: float = math.nan
    log_error_rate: float = math.nan


def structured_weights(clf: object) -> dict[str, float]:
    """``{"x1_weight": a, "weak_weight": c, "bias": b}`` of ``sign(a x1 + c sum_{i>=2} x_i + b)``.

    Defined for :class:`~robtheory.classifiers.StructuredLinear` (every named classifier) and
    :class:`~robtheory.classifiers.ConstantClassifier` (``a = c = 0``); the three numbers
    rebuild the classifier as ``StructuredLinear(a, c, d, b)``.

    Parameters
    ----------
    clf : StructuredLinear or ConstantClassifier

    Returns
    -------
    dict
        ``x1_weight``, ``weak_weight`` and ``bias`` (the JSON keys of ``robtheory accuracy``).

    Examples
    --------
    >>> from robtheory import averaging
    >>> structured_weights(averaging(4))
    {'x1_weight': 0.0, 'weak_weight': 0.25, 'bias': 0.0}
    """
    if isinstance(clf, ConstantClassifier):
        return {"x1_weight": 0.0, "weak_weight": 0.0, "bias": float(clf.b)}
    if isinstance(clf, StructuredLinear):
        return {"x1_weight": float(clf.a), "weak_weight": float(clf.c), "bias": float(clf.b)}
    raise TypeError(f"{type(clf).__name__} has no structured (x1, weak, bias) form")


#: The cases of :math:`A^*_{rob}`, by the classifier that attains it (codes of :func:`robust_optimum_case`).
ROBUST_OPTIMUM_CASES = {
    0: "rounded Bayes rule of the shifted model",
    1: "averaging classifier of the shifted model (x1 neutralised)",
    2: "sign(x1)",
    3: "constant classifier (both classes identical)",
    4: "not derived (l_2 ball with eps >= 1, x1 perturbable)",
}


def robust_optimum_case(p: ArrayLike, eta: ArrayLike, eps: ArrayLike, d: ArrayLike, norm: str = "linf",
                        perturb_x1: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Which classifier attains :math:`A^*_{rob}`, elementwise: the one home of that case rule.

    The adversary spends a per-coordinate budget (``eps`` under l_inf, ``eps/sqrt(d)`` under
    l_2) shifting each weak feature towards 0; it can also zero x1 when x1 is perturbable and
    ``eps >= 1``. Cases (:data:`ROBUST_OPTIMUM_CASES`): 0 budget below ``eta``, x1 intact: the
    Bayes rule of the shifted model D(p, eta - budget, d); 1 budget below ``eta``, x1 broken:
    averaging of the shifted weak features; 2 budget at least ``eta``, x1 intact: ``sign(x1)``;
    3 both gone: a constant; 4 the l_2 ball with x1 broken, not derived.

    Parameters
    ----------
    p, eta, eps, d : array_like
        The model D(p, eta, d) (p in [1/2, 1], eta >= 0, d >= 1) and the radius eps >= 0,
        broadcast together.
    norm : {"linf", "l2"}
    perturb_x1 : bool, default True
        False for the weak-only ball.

    Returns
    -------
    case : ndarray of int8
    eta_shifted : ndarray
        ``max(eta - budget, 0)``, the shifted model's weak-feature mean.

    Examples
    --------
    >>> case, eta_s = robust_optimum_case(0.9, 0.3, [0.1, 0.5, 1.5], 100)
    >>> case, eta_s
    (array([0, 2, 3], dtype=int8), array([0.2, 0. , 0. ]))
    """
    if norm not in ("linf", "l2"):
        raise ValueError(f"norm must be 'linf' or 'l2', got norm={norm!r}")
    p, eta, eps, d = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (p, eta, eps, d)))
    per_coord = eps if norm == "linf" else eps / np.sqrt(d)
    x1_breaks = (eps >= 1) if perturb_x1 else np.zeros(eps.shape, dtype=bool)
    case = np.where(per_coord < eta, np.where(x1_breaks, 1, 0), np.where(x1_breaks, 3, 2))
    if norm == "l2":
        case = np.where(x1_breaks, 4, case)
    return case.astype(np.int8), np.maximum(eta - per_coord, 0.0)


def best_robust_accuracy_grid(p: ArrayLike, eta: ArrayLike, eps: ArrayLike, d: ArrayLike, norm: str = "linf",
                                 perturb_x1: bool = True, *, backend: str = "auto") -> np.ndarray:
    """:math:`A^*_{rob}` of :func:`best_robust_classifier`, vectorised over broadcast arrays.

    The same cases (:func:`robust_optimum_case`); the shifted models' accuracies come from the
    fast unbiased-classifier grid (:func:`robtheory.theory._grid.unbiased_accuracy`), equal to the
    scalar function's to rounding. NaN where A*_rob is not derived (case 4). Used by
    :func:`robtheory.phase.phase_grid`.

    Parameters
    ----------
    p, eta, eps, d : array_like
        As in :func:`robust_optimum_case`, broadcast together.
    norm : {"linf", "l2"}
    perturb_x1 : bool, default True
    backend : {"auto", "numpy", "numba"}, keyword
        The grid kernel (the values do not depend on it).

    Returns
    -------
    ndarray
        :math:`A^*_{rob}` at each point (the broadcast shape).

    Examples
    --------
    >>> best_robust_accuracy_grid(0.95, 0.3, [0.1, 0.6], 100).round(6)   # shifted Bayes; sign(x1)
    array([0.99189, 0.95   ])
    """
    from robtheory.theory._grid import unbiased_accuracy

    P, ETA, EPS, D = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (p, eta, eps, d)))
    case, eta_s = robust_optimum_case(P, ETA, EPS, D, norm, perturb_x1)
    sd = np.sqrt(D)
    with np.errstate(divide="ignore"):
        L = np.where(P < 1, np.log(P) - np.log1p(-np.minimum(P, 1 - 1e-300)), np.inf)
    zero = np.zeros_like(P)
    one = np.ones_like(P)
    mu_s = eta_s * sd
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        tau_s = np.where((mu_s > 0) & np.isfinite(L), L / (2 * mu_s), np.inf)
    fs = np.isfinite(tau_s)
    # the Bayes rule sign(tau x1 + s(x)) of the shifted model (the constant-free rule where tau is infinite)
    bayes_shift = unbiased_accuracy(P, eta_s, zero, np.where(fs, tau_s, 1.0), np.where(fs, sd, 0.0),
                                    np.where(fs, 1.0, 0.0), np.where(fs, sd, 0.0), "standard", backend=backend)
    avg_shift = unbiased_accuracy(P, eta_s, zero, zero, one, 1 / sd, one, "standard", backend=backend)
    return np.select([case == 0, case == 1, case == 2, case == 3], [bayes_shift, avg_shift, P, 0.5], np.nan)


def best_robust_classifier(model: ToyModel, threat: ThreatModel) -> OptimalClassifier:
    """:math:`A^*_{rob}(\\varepsilon)` over all measurable classifiers, and a classifier attaining it.

    l_inf: for :math:`\\varepsilon < \\min(\\eta, 1)` the Bayes accuracy of the
    shifted model D(p, eta - eps, d), attained by the rounded rule with
    :math:`\\tau = L/(2\\mu_\\varepsilon)`; ``p`` for :math:`\\eta \\le \\varepsilon < 1`
    (``sign(x1)``); :math:`\\Phi(\\max(\\eta-\\varepsilon, 0)\\sqrt d)` for ``eps >= 1``.
    Weak-only l_inf: x1 is never moved, so the first two cases hold for every ``eps``.
    l_2 with ``eps < 1``: the same with the shift ``eps/sqrt(d)`` per coordinate. l_2 with
    ``eps >= 1`` is not derived (the adversary can split its budget) and raises.
    The case is chosen from the parameters alone (:func:`robust_optimum_case`, no accuracies are
    compared), and the returned error rates are exact in the tail (the shifted model's standard
    error rate). :func:`best_robust_accuracy_grid` is the vectorised accuracy.
    (Called ``optimal_robust_accuracy`` before; that name is a deprecated alias.)

    Here :math:`L = \\ln(p/(1-p))` and :math:`\\mu_\\varepsilon = (\\eta - \\varepsilon)\\sqrt d`
    (l_inf) is the weak features' signal left after the adversary's shift.

    Parameters
    ----------
    model : ToyModel
        D(p, eta, d).
    threat : ThreatModel
        The ball (any radius eps >= 0; l_2 needs ``eps < 1`` or ``perturb_x1=False``).

    Returns
    -------
    OptimalClassifier
        ``value`` = :math:`A^*_{rob}`, ``classifier`` a rule attaining it, and its exact error
        rate and log error rate.

    Raises
    ------
    NotImplementedError
        For the l_2 ball with x1 perturbable and ``eps >= 1``.

    See Also
    --------
    best_robust_linear_classifier : the same optimum over linear classifiers only.

    Examples
    --------
    >>> from robtheory import ThreatModel, ToyModel
    >>> opt = best_robust_classifier(ToyModel(0.95, 0.3, 100), ThreatModel("linf", 0.1))
    >>> round(opt.value, 6), opt.description
    (0.99189, 'rounded Bayes rule of the shifted model sign(tau*sign(x1) + s(x))')
    """
    eps, d = threat.eps, model.d
    case_, eta_s = robust_optimum_case(model.p, model.eta, eps, d, threat.norm, threat.perturb_x1)
    case = int(case_)
    if case == 4:
        raise NotImplementedError(
            f"A*_rob for the l2 ball with eps={eps!r} >= 1 (x1 perturbable) is not derived"
        )
    if case in (0, 1):
        shifted = ToyModel(model.p, float(eta_s), d)
        if case == 1:
            # x1 can be moved to 0: only the shifted weak features remain.
            clf = averaging(d)
            acc = linear_accuracy(shifted, clf)
            return OptimalClassifier(clf, acc.standard_accuracy,
                                     "averaging classifier (x1 neutralised, weak features shifted)",
                                     acc.standard_error_rate, acc.log_standard_error_rate)
        rule = bayes(shifted)
        tau = rule.a if rule.c > 0 else math.inf  # rule = sign(tau x1 + s(x))
        acc = bayes_accuracy(shifted)
        return OptimalClassifier(RoundedClassifier(tau, d), acc.standard_accuracy,
                       "rounded Bayes rule of the shifted model sign(tau*sign(x1) + s(x))",
                       acc.standard_error_rate, acc.log_standard_error_rate)
    if case == 3:
        return OptimalClassifier(ConstantClassifier(d), 0.5, "constant classifier (both classes identical)",
                       0.5, -math.log(2.0))
    with np.errstate(divide="ignore"):
        log_q = float(np.log1p(-model.p))
    return OptimalClassifier(robust_x1(d), model.p, "sign(x1)", 1.0 - model.p, log_q)


def _candidates_equal_weights(model: ToyModel, taus: Iterable[float | None]) -> list[StructuredLinear]:
    out = []
    for tau in taus:
        if tau is None or not np.isfinite(tau) or tau < 0:
            continue
        out.append(StructuredLinear(float(tau), 1 / math.sqrt(model.d), model.d))
    return out


#: Candidates whose log robust error rates differ by less than this fraction of their size are
#: a tie (the logs are computed to ~1e-15 relative; the first candidate listed is kept).
_LOG_TIE_RTOL = 1e-12
#: Tolerance of the l_2 stationary angles (radians; brentq's xtol, about 4 ulp at pi/2).
_THETA_XTOL = 4 * np.finfo(float).eps


def _l2_full_stationary_thetas(L: float, mu: float, eps: float, grid: int) -> list[float]:
    r"""Local minimisers in :math:`\theta` of the l_2 robust error of ``sign(sin(theta) x1 + cos(theta) s(x))``.

    With :math:`\tau = \tan\theta` the robust error is
    :math:`E = p\Phi(\varepsilon\sec\theta - \tau - \mu) + (1-p)\Phi(\varepsilon\sec\theta + \tau - \mu)`,
    and :math:`dE/d\theta < 0` exactly where (take logs in the first-order condition)

    .. math::

        h(\theta) = L + 2\tan\theta\,(\varepsilon\sec\theta - \mu)
                    + \ln\frac{1 - \varepsilon\sin\theta}{1 + \varepsilon\sin\theta} > 0 ,

    so the interior local minima are the zeros where ``h`` goes from + to -. ``h`` is monotone
    between the zeros of :math:`h'`, whose sign is that of
    :math:`k = \varepsilon x^2(3 - \varepsilon^2 - (1+\varepsilon^2)x^2)/(1 - \varepsilon^2x^2) - \mu\sqrt{1-x^2}`,
    :math:`x = \sin\theta` (one sign change for eps <= 1, at most two above). The zeros of ``k``
    are bracketed on a grid of ``grid`` angles and solved by brentq; ``h`` is then solved by
    brentq on each monotone piece where it changes sign, to ``_THETA_XTOL``. For
    ``eps > 1`` only :math:`\sin\theta < 1/\varepsilon` is searched (beyond, both terms of ``E``
    increase).
    """
    from scipy.optimize import brentq

    top = math.pi / 2 if eps <= 1 else math.asin(1.0 / eps)

    def h(th: float) -> float:
        s = math.sin(th)
        with np.errstate(divide="ignore"):
            lg = float(np.log1p(-eps * s)) - math.log1p(eps * s)
        return L + 2 * math.tan(th) * (eps / math.cos(th) - mu) + lg

    def k(th: float) -> float:
        x = math.sin(th)
        return eps * x * x * (3 - eps * eps - (1 + eps * eps) * x * x) / (1 - (eps * x) ** 2) - mu * math.cos(th)

    th = np.linspace(0.0, top, grid)[:-1]  # h is not finite at the top (tan or the log diverges)
    ks = np.array([k(t) for t in th])
    knots = [0.0]
    for i in np.flatnonzero(np.sign(ks[:-1]) * np.sign(ks[1:]) < 0):
        knots.append(brentq(k, th[i], th[i + 1], xtol=_THETA_XTOL))
    knots.append(float(th[-1]))
    out: list[float] = []
    for lo, hi in itertools.pairwise(knots):
        hl, hh = h(lo), h(hi)
        if hl > 0 > hh:
            out.append(brentq(h, lo, hi, xtol=_THETA_XTOL))
        elif hl > 0 and hh == 0:
            out.append(hi)
    # Past the last grid angle h tends to -inf at the top when eps > 1 (the log) or eps = 0
    # (-2 mu tan), to +inf when 0 < eps <= 1: a + to - zero there is bracketed by halving the
    # distance to the top.
    lo = float(th[-1])
    if h(lo) > 0:
        hi = lo
        for _ in range(60):
            hi = 0.5 * (hi + top)
            hv = h(hi)
            if hv < 0:
                out.append(brentq(h, lo, hi, xtol=_THETA_XTOL))
                break
            if not hv > 0 or hi >= top:
                break
            lo = hi
    return out


def best_robust_linear_classifier(model: ToyModel, threat: ThreatModel, grid: int = 4001) -> OptimalClassifier:
    """The linear classifier with the highest robust accuracy (lowest robust error) under ``threat``.

    Reduction: for a fixed weight ``a`` on x1 and fixed :math:`Q = \\lVert u\\rVert_2`, the
    robust margin depends on ``u`` through :math:`\\eta S - \\varepsilon U_1` (l_inf) or
    :math:`\\eta S` (l_2), maximised by equal weights (Cauchy-Schwarz) when the weak
    features still help; so the search is over ``f_tau = sign(tau x1 + s(x))``,
    ``tau in [0, inf]``, plus the constant classifier. The candidates are every stationary
    point of the robust error in ``tau`` that is a local minimum, ``tau = 0`` (averaging),
    ``tau = inf`` (``sign(x1)``) and the constant rule:

    * l_inf, x1 perturbable: the first-order condition is the quadratic of
      :func:`robtheory.symbolic.named.robust_optimal_linf` (generated roots, exact);
    * weak-only balls (l_inf and l_2): ``tau = L/(2 m)``, the Bayes ratio of the shifted model
      (margin ``m = mu - eps sqrt(d)`` or ``mu - eps``), exact;
    * l_2, x1 perturbable: no closed form; the zeros of the first-order condition are solved
      by brentq to 4 ulp in ``theta = arctan(tau)`` (:func:`_l2_full_stationary_thetas`;
      ``grid`` only brackets them). At ``eps = 1`` exactly the supremum as ``tau -> inf``
      is not attained (tiny weak weights break the x1 tie), and ``cos(theta) = 1e-10``
      stands for it (its error exceeds the infimum by a factor ~ ``1 + 1e-10 mu``).

    The candidates are compared by their log robust error rates (exact far below 1e-300, where
    the accuracies all round to 1.0); two within ``1e-12`` of each other (relative) tie, and the
    first of sign(x1), constant, the others wins. The returned :class:`OptimalClassifier` carries the
    error rate and its log; :func:`structured_weights` gives the classifier's three weights.
    (Called ``robust_optimal_linear`` before; that name is a deprecated alias.)

    Parameters
    ----------
    model : ToyModel
        D(p, eta, d); :math:`L = \\ln(p/(1-p))`, :math:`\\mu = \\eta\\sqrt d`.
    threat : ThreatModel
        Any ball (l_inf or l_2, x1 perturbable or not, any radius eps >= 0).
    grid : int >= 2, default 4001
        Points in ``theta = arctan(tau)`` that bracket the stationary points (l_2 with x1
        perturbable only).

    Returns
    -------
    OptimalClassifier
        ``classifier`` (a StructuredLinear or ConstantClassifier), its robust accuracy ``value``,
        exact error rate and log error rate.

    See Also
    --------
    best_robust_classifier : the optimum over all classifiers (A*_rob), at least as high.

    Examples
    --------
    >>> from robtheory import ThreatModel, ToyModel
    >>> opt = best_robust_linear_classifier(ToyModel(0.95, 0.3, 100), ThreatModel("linf", 0.1))
    >>> round(opt.value, 6), opt.description
    (0.990479, 'sign(tau*x1 + s(x)) with tau = 0.711235')
    """
    d, eps = model.d, threat.eps
    L = model.log_odds
    cands: list[StructuredLinear | ConstantClassifier] = [robust_x1(d), ConstantClassifier(d)]
    if threat.norm == "linf" and threat.perturb_x1:
        m = math.sqrt(d) * (model.eta - eps)
        taus: list[float | None] = [0.0]
        if eps < 1 and m > 0:
            K = L + math.log1p(-eps) - math.log1p(eps)
            if eps == 0:
                taus.append(K / (2 * m))
            else:
                taus.extend(float(r) for r in G.robust_optimal_tau_roots(eps, m, K))
        cands += _candidates_equal_weights(model, taus)
    elif not threat.perturb_x1:
        m = model.mu - eps * (math.sqrt(d) if threat.norm == "linf" else 1.0)
        taus = [0.0]
        if m > 0:
            taus.append(L / (2 * m) if math.isfinite(L) else None)
        cands += _candidates_equal_weights(model, taus)
    else:  # l2, x1 perturbable
        thetas = [0.0]
        if math.isfinite(L):
            thetas += _l2_full_stationary_thetas(L, model.mu, eps, grid)
        elif eps > 1:  # p = 1: E = Phi(eps sec(theta) - tan(theta) - mu), least at sin(theta) = 1/eps
            thetas.append(math.asin(1.0 / eps))
        for th in thetas:
            cands.append(StructuredLinear(math.sin(th), math.cos(th) / math.sqrt(d), d))
        if eps == 1:  # cos(theta) = 1e-10: within ~1e-10 * mu (relative) of the supremum
            cands.append(StructuredLinear(1.0, 1e-10 / math.sqrt(d), d))
    best: StructuredLinear | ConstantClassifier | None = None
    best_acc: Accuracy | None = None
    for clf in cands:
        acc = linear_accuracy(model, clf, threat)
        if best is None or best_acc is None:
            best, best_acc = clf, acc
            continue
        lb, lc = best_acc.log_robust_error_rate, acc.log_robust_error_rate
        if lb != -math.inf and lc < lb - _LOG_TIE_RTOL * max(1.0, abs(lb)):
            best, best_acc = clf, acc
    assert best is not None and best_acc is not None  # cands is never empty
    desc = ("constant classifier" if isinstance(best, ConstantClassifier)
            else "sign(x1)" if best.c == 0
            else f"sign(tau*x1 + s(x)) with tau = {best.a / (best.c * math.sqrt(d)):.6g}")
    return OptimalClassifier(best, best_acc.robust_accuracy, desc, best_acc.robust_error_rate,
                   best_acc.log_robust_error_rate)


def hinge_loss(model: ToyModel, clf: _Linear | ArrayLike | tuple[ArrayLike, float],
               threat: ThreatModel | None = None) -> float:
    """Population hinge loss :math:`E\\max(0, 1 - y(w^Tx + b))`, adversarial if ``threat`` is given.

    Adversarial: :math:`E\\max(0, 1 - y(w^Tx + b) + \\varepsilon\\lVert w_P\\rVert_*)`, the loss at
    the worst point of the ball (:func:`robtheory.classifiers.dual_norm_penalty`).

    Parameters
    ----------
    model : ToyModel
        D(p, eta, d).
    clf : LinearClassifier, StructuredLinear, ConstantClassifier, array_like or (w, b)
        As in :func:`linear_accuracy` (the loss, unlike the accuracy, depends on the scale of w).
    threat : ThreatModel, optional

    Returns
    -------
    float

    Examples
    --------
    >>> from robtheory import ThreatModel, ToyModel
    >>> model = ToyModel(0.95, 0.3, 100)
    >>> round(hinge_loss(model, [1.0] + [0.0] * 100), 6)      # sign(x1): E max(0, 1 - y x1) = 2 (1 - p)
    0.1
    >>> round(hinge_loss(model, ([1.0] + [0.0] * 100, 0.0), ThreatModel("linf", 0.5)), 6)  # (1-p) 2.5 + p 0.5
    0.6
    """
    st = _stats_of(clf, model)
    eps = 0.0 if threat is None else threat.eps
    fn = G.hinge_standard if threat is None else getattr(G, f"hinge_{variant(threat)}")
    return float(fn(model.p, model.eta, eps, st.a, st.b, st.S, st.Q, st.U1))


def hinge_gradient(model: ToyModel, clf: _Linear | ArrayLike | tuple[ArrayLike, float],
                   threat: ThreatModel | None = None) -> dict[str, float]:
    """Gradient of the population hinge loss w.r.t. (a, b, S, Q, U1).

    For a full weight vector the chain rule gives, per weak weight,
    :math:`\\partial/\\partial u_i = g_S + g_Q u_i/Q + g_{U_1}\\operatorname{sign}(u_i)`.

    Parameters
    ----------
    model, clf, threat
        As in :func:`hinge_loss`.

    Returns
    -------
    dict
        ``{"a": g_a, "b": g_b, "S": g_S, "Q": g_Q, "U1": g_U1}``: partial derivatives in the
        statistics of :class:`~robtheory.classifiers.LinearStats`.

    Examples
    --------
    >>> from robtheory import ToyModel
    >>> g = hinge_gradient(ToyModel(0.95, 0.3, 100), [1.0] + [0.0] * 100)
    >>> round(g["a"], 6), round(g["S"], 6)        # -E[y x1 1{margin < 1}], -eta E[1{margin < 1}]
    (0.05, -0.015)
    """
    st = _stats_of(clf, model)
    eps = 0.0 if threat is None else threat.eps
    fn = G.hinge_grad_standard if threat is None else getattr(G, f"hinge_grad_{variant(threat)}")
    vals = fn(model.p, model.eta, eps, st.a, st.b, st.S, st.Q, st.U1)
    return {k: float(np.asarray(v, dtype=float)) for k, v in zip(("a", "b", "S", "Q", "U1"), vals)}


#: Old names kept for one release: ``optimal_robust_accuracy`` and ``robust_optimal_linear`` were
#: easy to confuse (both return an :class:`OptimalClassifier`; one optimises over every classifier,
#: the other over linear ones).
DEPRECATED_NAMES = {
    "optimal_robust_accuracy": "best_robust_classifier",
    "robust_optimal_linear": "best_robust_linear_classifier",
    "optimal_robust_accuracy_grid": "best_robust_accuracy_grid",
}


def __getattr__(name: str) -> Any:
    if name in DEPRECATED_NAMES:
        new = DEPRECATED_NAMES[name]
        warnings.warn(f"{name} is deprecated: it is now {new} (robtheory.theory.closed_form.{new})",
                      DeprecationWarning, stacklevel=2)
        return globals()[new]
    # ``Optimum`` was this record's name until the architecture refactor; it clashed with the
    # training solver's result (now robtheory.training.PopulationOptimum). Kept one release.
    if name == "Optimum":
        warnings.warn("robtheory.theory.closed_form.Optimum is deprecated: it is now OptimalClassifier",
                      DeprecationWarning, stacklevel=2)
        return OptimalClassifier
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
