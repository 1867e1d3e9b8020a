r"""The difference-of-means learner trained on ``n`` samples: the exact law of its weights and its
expected test accuracy over training sets.

The learner. :math:`\hat w = \frac1n\sum_i y_i x_i` (no bias; :func:`robtheory.finite.learners.fit_mean`).
In D(p, eta, d) its law is exact (:mod:`robtheory.finite.learners`):

.. math::

    \hat w_1 = a_K = 2K/n - 1,\quad K\sim\mathrm{Bin}(n, p);\qquad
    u = (\hat w_2, \dots, \hat w_{d+1}) \sim N(\eta\mathbf 1, I_d/n),\ \text{independent of } K.

The reduction. For ``w = (a, u)`` and no bias, with :math:`S = \sum_j u_j` and
:math:`Q = \lVert u\rVert_2`, the score :math:`y\,w\cdot x` is :math:`a\,(y x_1) + N(\eta S, Q^2)`, so
the standard accuracy and the l_2-robust accuracy (worst case :math:`-\varepsilon\lVert w\rVert_*`
on the margin, :math:`\lVert w\rVert_* = \sqrt{a^2+Q^2}` when x1 may move, ``Q`` when only the weak
features may) are

.. math::

    \mathrm{acc}(a, S, Q) = p\,\Phi\Big(\frac{a + \eta S - \varepsilon\lVert w\rVert_*}{Q}\Big)
      + (1-p)\,\Phi\Big(\frac{-a + \eta S - \varepsilon\lVert w\rVert_*}{Q}\Big)

(the closed form of :func:`robtheory.theory.closed_form.linear_accuracy` at ``b = 0``). Under the
law of ``u``, Cochran's theorem gives :math:`S\sim N(d\eta, d/n)` and
:math:`R = n(Q^2 - S^2/d)\sim\chi^2_{d-1}` independent of ``S`` (``R`` is ``n`` times the squared
norm of ``u`` projected off :math:`\mathbf 1`). Hence

.. math::

    E[\mathrm{acc}] = \sum_{K=0}^n \binom nK p^K(1-p)^{n-K}\;
      E_{Z,R}\Big[\mathrm{acc}\big(a_K,\ d\eta + \sqrt{d/n}\,Z,\ \sqrt{S^2/d + R/n}\big)\Big],

a binomial sum of a 2-D integral (``proofs/finite_mean_learner.py`` certifies the identities). It
is evaluated by Gauss--Hermite quadrature in :math:`Z\sim N(0,1)` and in the normal score
:math:`Z'` of ``R`` (:math:`R = F^{-1}_{\chi^2_{d-1}}(\Phi(Z'))`, smooth in ``Z'``), over the
binomial terms of mass above 1e-18 of the total. The returned ``quadrature_error`` is the change
from the rule with half as many nodes (an estimate, not a bound); the tests compare with mpmath at
high precision. ``d = 1`` has ``R = 0`` and ``Q = |S|`` (the integrand jumps at ``S = 0``): there the
``Z`` integral is split at the jump and done by Gauss--Legendre on each side (Gauss--Hermite
alone where ``P(S < 0) < 1e-20``). The rule converges slowly where ``d`` is small and the weak
weights are often near 0 (``d <= 3`` with ``eta sqrt(n)`` of order 1: errors of 1e-5 to 1e-7 at the
default 128 nodes, which ``quadrature_error`` reports); elsewhere (``d >= 5`` or ``n >= 10`` at
moderate ``eta``) it reaches 1e-12 with a few dozen nodes.

l_inf. The l_inf-robust accuracy needs :math:`\lVert u\rVert_1`, which is not a function of
``(S, Q)``: :func:`mean_learner_mc` estimates it (and every other accuracy) by sampling ``u`` from
its exact law, with the binomial sum over ``K`` done exactly for each sampled ``u``.

Adversarial training of the mean learner. The learner minimises
:math:`L(w) = \frac12\lVert w\rVert^2 - \frac1n\sum_i y_i\,w\cdot x_i`; adversarial training
replaces each :math:`x_i` by its worst point in the ball, which adds
:math:`\varepsilon\lVert w\rVert_*` (the dual norm over the movable coordinates). For l_inf the
minimiser is the soft threshold of :math:`\hat w` at ``eps`` (coordinate-wise
:math:`\mathrm{sign}(m)\max(|m|-\varepsilon, 0)`, x1 untouched under the weak-only threat); for l_2 it
is :math:`\hat w\,(1-\varepsilon/\lVert\hat w\rVert)_+`, a positive rescaling, so l_2 adversarial
training does not change the classifier (until it zeroes it). As ``n -> inf`` the l_inf soft
threshold drops the weak features exactly when :math:`\varepsilon\ge\eta` (the logistic threshold of
:func:`robtheory.training.weak_feature_threshold`), leaving :math:`\mathrm{sign}(x_1)`: the
"weak features dropped" learner ``(a_K, 0)``, whose expected accuracy is the exact binomial sum
:func:`dropped_learner_accuracy`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special, stats as sps

from robtheory.finite.learners import training_set
from robtheory.model import ThreatModel, ToyModel

__all__ = [
    "ExpectedAccuracy",
    "mean_accuracy_given",
    "mean_learner_accuracy",
    "dropped_learner_accuracy",
    "adversarial_mean_weights",
    "sample_mean_weights",
    "mean_learner_mc",
    "MonteCarloCurve",
    "population_mean_weights",
]

#: Binomial terms whose total mass is below this are skipped.
_BINOM_TAIL = 1e-18


@dataclass(frozen=True)
class ExpectedAccuracy:
    """Expected test accuracy over training sets of size ``n`` (arrays over ``n``).

    ``accuracy`` and ``error_rate`` are computed separately (the error rate as its own sum, so it
    keeps its relative accuracy where the accuracy rounds to 1, to the absolute accuracy of the
    quadrature, about 1e-14); ``quadrature_error`` estimates the quadrature's error (0 where the
    value is an exact finite sum).
    """

    n: NDArray[Any]
    accuracy: NDArray[Any]
    error_rate: NDArray[Any]
    quadrature_error: NDArray[Any]


def _check_n(n: ArrayLike) -> NDArray[np.int64]:
    arr = np.atleast_1d(np.asarray(n))
    if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr.astype(float))) or np.any(arr != np.round(arr)) \
            or np.any(arr < 1):
        raise ValueError(f"n must be integers >= 1, got n={n!r}")
    return arr.astype(np.int64)


def _dual_weight(threat: ThreatModel | None, a: NDArray[Any], Q: NDArray[Any]) -> tuple[float, NDArray[Any]]:
    """``(eps, ||w||_*)`` of the l_2 threat (``eps = 0`` without one)."""
    if threat is None:
        return 0.0, np.zeros(np.broadcast(a, Q).shape)
    if threat.norm != "l2":
        raise ValueError(f"the (S, Q) reduction holds for the standard and l_2 accuracies only, got norm={threat.norm!r}"
                         "; use mean_learner_mc for l_inf")
    return float(threat.eps), (np.hypot(a, Q) if threat.perturb_x1 else np.broadcast_to(Q, np.broadcast(a, Q).shape))


def mean_accuracy_given(model: ToyModel, a: ArrayLike, S: ArrayLike, Q: ArrayLike,
                        threat: ThreatModel | None = None) -> tuple[NDArray[Any], NDArray[Any]]:
    r"""Accuracy and error rate of ``sign(a x1 + u . x_weak)`` from ``(a, S = sum u, Q = ||u||_2)``.

    The integrand of the module docstring (standard, or l_2-robust under ``threat``), vectorised
    over broadcast arrays; ``Q > 0`` is required (``Q = 0`` is the dropped learner).
    """
    a, S, Q = (np.asarray(x, dtype=float) for x in (a, S, Q))
    eps, dual = _dual_weight(threat, a, Q)
    m_plus = (a + model.eta * S - eps * dual) / Q
    m_minus = (-a + model.eta * S - eps * dual) / Q
    err = model.p * special.ndtr(-m_plus) + (1 - model.p) * special.ndtr(-m_minus)
    return 1.0 - err, err


def _binomial_terms(n: int, p: float) -> tuple[NDArray[Any], NDArray[Any]]:
    """``(K, pmf)`` over the central range of Bin(n, p) holding all but 1e-18 of the mass."""
    if p in (0.0, 1.0):
        return np.array([0 if p == 0 else n]), np.array([1.0])
    lo = int(sps.binom.ppf(_BINOM_TAIL / 2, n, p))
    hi = int(sps.binom.isf(_BINOM_TAIL / 2, n, p)) + 1
    K = np.arange(max(lo - 1, 0), min(hi + 1, n) + 1)
    return K, sps.binom.pmf(K, n, p)


_NODE_CACHE: dict[tuple[int, int], tuple[NDArray[Any], NDArray[Any], NDArray[Any]]] = {}


def _nodes(d: int, m: int) -> tuple[NDArray[Any], NDArray[Any], NDArray[Any]]:
    """Gauss--Hermite nodes ``(Z, R)`` and weights of ``Z ~ N(0, 1)`` and ``R ~ chi^2_{d-1}`` (``m`` per axis)."""
    key = (d, m)
    if key not in _NODE_CACHE:
        z, wz = special.roots_hermitenorm(m)
        wz = wz / math.sqrt(2 * math.pi)
        k = d - 1
        # R = F^{-1}(Phi(z')), computed from the side of the tail it lies in.
        R = np.where(z < 0, sps.chi2.ppf(special.ndtr(z), k), sps.chi2.isf(special.ndtr(-z), k))
        Zs, Rs = np.meshgrid(z, R, indexing="ij")
        _NODE_CACHE[key] = (Zs.ravel(), Rs.ravel(), np.outer(wz, wz).ravel())
    return _NODE_CACHE[key]


def _expected_error(model: ToyModel, n: int, threat: ThreatModel | None, m: int) -> float:
    """Expected error rate at size ``n`` with ``m`` quadrature nodes per axis."""
    p, eta, d = model.p, model.eta, model.d
    K, pmf = _binomial_terms(n, p)
    a = 2.0 * K / n - 1.0
    if d == 1 and special.ndtr(-math.sqrt(n) * eta) < 1e-20:
        # Q = |S| with S ~ N(eta, 1/n) > 0 but for 1e-20 of its mass: Gauss-Hermite in S alone.
        z, wz = special.roots_hermitenorm(m)
        S = eta + z / math.sqrt(n)
        err = mean_accuracy_given(model, a[:, None], S[None, :], np.abs(S)[None, :], threat)[1]
        return float(pmf @ (err @ (wz / math.sqrt(2 * math.pi))))
    if d == 1:
        # Q = |S| with S ~ N(eta, 1/n): split at S = 0 and integrate each side in its CDF variable
        # (Gauss-Legendre, 4 m nodes: the integrand is only piecewise smooth).
        x, w = np.polynomial.legendre.leggauss(4 * m)
        F0 = float(special.ndtr(-math.sqrt(n) * eta))  # P(S < 0)
        total = 0.0
        for lo, hi in ((0.0, F0), (F0, 1.0)):
            if hi <= lo:
                continue
            S = eta + special.ndtri(lo + (hi - lo) * (x + 1) / 2) / math.sqrt(n)
            err = mean_accuracy_given(model, a[:, None], S[None, :], np.abs(S)[None, :], threat)[1]
            total += float(pmf @ (err @ (w * (hi - lo) / 2)))
        return total
    Z, R, W = _nodes(d, m)
    S = d * eta + math.sqrt(d / n) * Z
    Q = np.sqrt(S * S / d + R / n)
    err = mean_accuracy_given(model, a[:, None], S[None, :], Q[None, :], threat)[1]
    return float(pmf @ (err @ W))


def mean_learner_accuracy(model: ToyModel, n: ArrayLike, threat: ThreatModel | None = None,
                          tol: float = 1e-12, max_nodes: int = 128) -> ExpectedAccuracy:
    r"""Expected standard (or l_2-robust) test accuracy of the difference-of-means learner.

    :math:`E_{\text{training sets of size }n}[\mathrm{acc}(\hat w)]`, by the binomial sum of a
    2-D integral of the module docstring; ``threat`` may be None (standard accuracy) or an l_2
    threat (robust accuracy; l_inf needs :func:`mean_learner_mc`). The number of Gauss--Hermite
    nodes per axis doubles from 8 until two rules agree to ``tol`` (absolute, on the error rate)
    or ``max_nodes`` is reached; ``quadrature_error`` is the last change.

    >>> from robtheory import ToyModel
    >>> r = mean_learner_accuracy(ToyModel(0.9, 0.3, 10), [1, 10, 100])
    >>> [round(float(v), 6) for v in r.accuracy]
    [0.674388, 0.855519, 0.914142]
    """
    ns = _check_n(n)
    if not tol > 0:
        raise ValueError(f"tol must be > 0, got tol={tol!r}")
    if max_nodes < 8:
        raise ValueError(f"max_nodes must be >= 8, got max_nodes={max_nodes!r}")
    if threat is not None and threat.norm != "l2":
        raise ValueError(f"exact expectations exist for the standard and l_2-robust accuracies, got norm={threat.norm!r}"
                         "; use mean_learner_mc for l_inf")
    err = np.empty(ns.size)
    qerr = np.empty(ns.size)
    for i, ni in enumerate(ns):
        m = 8
        prev = _expected_error(model, int(ni), threat, m // 2)
        while True:
            cur = _expected_error(model, int(ni), threat, m)
            change = abs(cur - prev)
            if change <= tol or 2 * m > max_nodes:
                break
            prev, m = cur, 2 * m
        err[i], qerr[i] = cur, change
    return ExpectedAccuracy(ns, 1.0 - err, err, qerr)


def dropped_learner_accuracy(model: ToyModel, n: ArrayLike, threat: ThreatModel | None = None) -> ExpectedAccuracy:
    r"""Expected accuracy of the mean learner with the weak features dropped, ``w = (a_K, 0)``.

    The classifier is :math:`\mathrm{sign}(a_K x_1)`; a score of 0 (``K = n/2``) is an error.
    Standard: :math:`E[\mathrm{acc}] = p\,P(K > n/2) + (1-p)\,P(K < n/2)`. Robust: the adversary
    can move :math:`a_K x_1` by :math:`\varepsilon|a_K|` only if x1 is movable (both norms), which
    flips every point when ``eps >= 1`` (accuracy 0) and none when ``eps < 1``. Exact (a finite
    binomial sum, via the regularised incomplete beta function).
    """
    ns = _check_n(n)
    p = model.p
    up = sps.binom.sf(np.floor(ns / 2), ns, p)          # P(K > n/2)
    down = sps.binom.cdf(np.ceil(ns / 2) - 1, ns, p)    # P(K < n/2)
    tie = 1.0 - up - down
    acc = p * up + (1 - p) * down
    err = (1 - p) * up + p * down + tie
    if threat is not None and threat.perturb_x1 and threat.eps >= 1:
        acc, err = np.zeros_like(acc), np.ones_like(err)
    return ExpectedAccuracy(ns, acc, err, np.zeros(ns.size))


def population_mean_weights(model: ToyModel) -> NDArray[Any]:
    r"""The limit of :math:`\hat w` as ``n -> inf``: :math:`(2p-1, \eta, \dots, \eta)`."""
    return np.array([2 * model.p - 1] + [model.eta] * model.d)


def adversarial_mean_weights(w: ArrayLike, threat: ThreatModel | None) -> NDArray[Any]:
    r"""The adversarially trained mean learner from the mean :math:`m = \hat w` (rows of ``w``).

    Minimiser of :math:`\frac12\lVert v\rVert^2 - v\cdot m + \varepsilon\lVert v\rVert_*` (module
    docstring): the soft threshold at ``eps`` for l_inf (x1 kept when the threat is weak-only),
    :math:`m(1-\varepsilon/\lVert m\rVert_2)_+` for l_2 (over the movable coordinates). ``threat``
    None returns ``w``.

    >>> adversarial_mean_weights([0.8, 0.5, -0.1], ThreatModel("linf", 0.2)).tolist()
    [0.6000000000000001, 0.3, -0.0]
    """
    m = np.array(w, dtype=float)
    if threat is None or threat.eps == 0:
        return m
    eps = float(threat.eps)
    sl = slice(None) if threat.perturb_x1 else slice(1, None)
    part = m[..., sl]
    if threat.norm == "linf":
        m[..., sl] = np.sign(part) * np.maximum(np.abs(part) - eps, 0.0)
    else:
        nrm = np.linalg.norm(part, axis=-1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(nrm > 0, np.maximum(1.0 - eps / nrm, 0.0), 0.0)
        m[..., sl] = part * scale
    return m


def sample_mean_weights(model: ToyModel, n: int, size: int, rng: np.random.Generator) -> NDArray[Any]:
    r"""``size`` draws of :math:`\hat w` from its exact law (not from training sets).

    ``w[:, 0] = 2K/n - 1`` with ``K ~ Bin(n, p)`` and ``w[:, 1:]`` i.i.d. ``N(eta, 1/n)``, drawn
    from ``rng`` (a NumPy Generator the caller seeds). Shape ``(size, d + 1)``.
    """
    n = int(_check_n(n)[0])
    K = rng.binomial(n, model.p, size=size)
    u = model.eta + rng.standard_normal((size, model.d)) / math.sqrt(n)
    return np.column_stack([2.0 * K / n - 1.0, u])


@dataclass(frozen=True)
class MonteCarloCurve:
    """Monte Carlo estimates over training sets: means and standard errors (arrays over ``n``)."""

    n: NDArray[Any]
    standard: NDArray[Any]
    standard_se: NDArray[Any]
    robust: NDArray[Any]
    robust_se: NDArray[Any]
    trials: int
    #: per-trial accuracies, shape (trials, len(n)) (standard, robust)
    per_trial_standard: NDArray[Any]
    per_trial_robust: NDArray[Any]


def _accuracies_of_weights(model: ToyModel, W: NDArray[Any], threat: ThreatModel | None) -> tuple[NDArray[Any], NDArray[Any]]:
    """Exact standard and robust test accuracy of each row of ``W`` (no bias), vectorised."""
    from robtheory.theory.closed_form import accuracy_stats, variant

    a = W[:, 0]
    u = W[:, 1:]
    S = u.sum(axis=1)
    Q = np.linalg.norm(u, axis=1)
    U1 = np.abs(u).sum(axis=1)
    std = accuracy_stats(model.p, model.eta, 0.0, a, 0.0, S, Q, U1, "standard")[0]
    if threat is None:
        return std, std
    rob = accuracy_stats(model.p, model.eta, threat.eps, a, 0.0, S, Q, U1, variant(threat))[0]
    return std, rob


def mean_learner_mc(model: ToyModel, n: ArrayLike, trials: int, seed: int, threat: ThreatModel | None = None,
                    eps_train: float = 0.0, train_norm: str | None = None,
                    train_perturb_x1: bool = True) -> MonteCarloCurve:
    r"""Monte Carlo over training sets drawn by the engine (:func:`robtheory.finite.learners.training_set`).

    Trial ``t`` fits the mean learner on the first ``n`` rows of training set ``t`` for every ``n``
    (nested sets), adversarially trained at ``eps_train`` (:func:`adversarial_mean_weights`, norm
    ``train_norm``, default the test threat's norm, else l_inf) when ``eps_train > 0``; the test
    accuracy of each trained model is exact (:func:`robtheory.theory.closed_form.accuracy_stats`).
    Returns means over trials and their standard errors.
    """
    ns = _check_n(n)
    if isinstance(trials, bool) or not isinstance(trials, (int, np.integer)) or trials < 2:
        raise ValueError(f"trials must be an integer >= 2, got trials={trials!r}")
    nmax = int(ns.max())
    train_threat = None
    if eps_train > 0:
        norm = train_norm or (threat.norm if threat is not None else "linf")
        train_threat = ThreatModel(norm, float(eps_train), perturb_x1=train_perturb_x1)
    W = np.empty((trials, ns.size, model.d + 1))
    for t in range(trials):
        X, y = training_set(model, nmax, t, seed)
        csum = np.cumsum(y[:, None] * X, axis=0)
        W[t] = csum[ns - 1] / ns[:, None]
    if train_threat is not None:
        W = adversarial_mean_weights(W, train_threat)
    std, rob = _accuracies_of_weights(model, W.reshape(-1, model.d + 1), threat)
    std = std.reshape(trials, ns.size)
    rob = rob.reshape(trials, ns.size)
    se = lambda v: v.std(axis=0, ddof=1) / math.sqrt(trials)  # noqa: E731
    return MonteCarloCurve(ns, std.mean(axis=0), se(std), rob.mean(axis=0), se(rob), int(trials), std, rob)
