r"""Learning curves over the training-set size ``n`` and the crossover sample size ``n*``.

The paper's Fig. 1: adversarial training helps standard accuracy with little data and hurts it
with more. In D(p, eta, d) with the difference-of-means learner, "adversarial training" at
``eps_train`` (l_inf) is the soft threshold of :math:`\hat w` at ``eps_train``
(:func:`robtheory.finite.mean_learner.adversarial_mean_weights`); as ``n -> inf`` it drops the weak
features exactly when ``eps_train >= eta`` (the logistic threshold of
:func:`robtheory.training.weak_feature_threshold`; the hinge threshold depends on the SVM's
``lam`` and the mean learner has none), leaving :math:`\mathrm{sign}(x_1)`: the "dropped" learner
:math:`(a_K, 0)`, whose expected accuracy is an exact binomial sum. Under l_2, adversarial training
of the mean learner only rescales :math:`\hat w` (same classifier), so it changes nothing.

The crossover. With :math:`\Delta(n) = E[\mathrm{acc}_{\text{standard}}](n) - E[\mathrm{acc}_{\text{dropped}}](n)`
(both exact), :math:`n^*` is the smallest ``n`` from which standard training stays ahead:
:math:`\Delta(m) > 0` for every :math:`m \ge n`. It exists iff the population limit of the
standard learner beats ``p`` (:math:`\Delta(\infty) > 0`); the dropped learner loses at every even
``n`` with a tie :math:`K = n/2`, so :math:`\Delta` alternates in sign near :math:`n^*`, and the
root finder works on :math:`g(n) = \min(\Delta(n), \Delta(n+1))`, assumed to change sign once
(exponential search, then bisection; :func:`crossover_exact`). :func:`crossover_from_curve` reads
it off a computed grid of ``n``; the tests check that the two agree on the full integer grid.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from robtheory.finite.mean_learner import dropped_learner_accuracy, mean_learner_accuracy, population_mean_weights
from robtheory.model import ThreatModel, ToyModel

__all__ = ["Crossover", "crossover_exact", "crossover_from_curve", "accuracy_gap", "learning_curve"]


@dataclass(frozen=True)
class Crossover:
    """``n_star``: the crossover sample size (None when standard training never stays ahead within
    ``n_max`` or at all); ``limit_gap``: :math:`\\Delta(\\infty)`; ``evaluations``: values of n computed."""

    n_star: int | None
    limit_gap: float
    evaluations: int


def accuracy_gap(model: ToyModel, n: ArrayLike) -> np.ndarray:
    r""":math:`\Delta(n)`: expected standard accuracy of standard minus dropped (adversarially trained) mean learner."""
    return mean_learner_accuracy(model, n).accuracy - dropped_learner_accuracy(model, n).accuracy


def crossover_exact(model: ToyModel, n_max: int = 10**7) -> Crossover:
    r"""Root finding on the exact :math:`\Delta` for the crossover :math:`n^*` (module docstring).

    Exponential search for an ``n`` with :math:`g(n) > 0`, then bisection for the smallest one,
    :math:`g(n) = \min(\Delta(n), \Delta(n+1))`. None when :math:`\Delta(\infty) \le 0` (the
    population mean learner is no better than ``sign(x1)``) or no ``n <= n_max`` qualifies.
    """
    from robtheory.theory.closed_form import linear_accuracy

    limit = linear_accuracy(model, population_mean_weights(model)).standard_accuracy - model.p
    cache: dict[int, float] = {}

    def delta(n: int) -> float:
        if n not in cache:
            cache[n] = float(accuracy_gap(model, [n])[0])
        return cache[n]

    def g(n: int) -> float:
        return min(delta(n), delta(n + 1))

    if limit <= 0:
        return Crossover(None, float(limit), 0)
    if g(1) > 0:
        return Crossover(1, float(limit), len(cache))
    lo, hi = 1, 2
    while g(hi) <= 0:
        lo, hi = hi, 2 * hi
        if hi > n_max:
            return Crossover(None, float(limit), len(cache))
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if g(mid) > 0:
            hi = mid
        else:
            lo = mid
    return Crossover(hi, float(limit), len(cache))


def crossover_from_curve(n: ArrayLike, standard: ArrayLike, adversarial: ArrayLike) -> int | None:
    """The smallest grid ``n`` from which ``standard > adversarial`` at that and every larger grid ``n``.

    None when standard is not ahead at the largest ``n``. ``n`` must be increasing.
    """
    n = np.asarray(n)
    ahead = np.asarray(standard) > np.asarray(adversarial)
    if n.size == 0 or not ahead[-1]:
        return None
    behind = np.flatnonzero(~ahead)
    return int(n[0] if behind.size == 0 else n[behind[-1] + 1])


def _check_eps(values: ArrayLike, name: str) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(values, dtype=float))
    if arr.ndim != 1 or not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f"{name} must be finite values >= 0, got {name}={values!r}")
    return arr


def learning_curve(model: ToyModel, n: ArrayLike, eps_train: ArrayLike, *, learner: str = "mean", norm: str = "linf",
                   eps: float | None = None, trials: int = 200, seed: int = 0, lam: float = 0.01,
                   progress: Any = None) -> Any:
    r"""Learning curves as an ``xarray.Dataset`` over ``(learner, eps_train, n)``.

    For each ``eps_train`` (0 is standard training) and training-set size ``n``: the mean over
    ``trials`` training sets (:func:`robtheory.finite.learners.training_set`, seed ``seed``, nested
    in ``n``) of the exact standard and robust test accuracy of the trained model
    (``standard_accuracy``, ``robust_accuracy``) with standard errors (``*_se``); the exact
    expectation where one exists (``standard_accuracy_exact``: the mean learner at
    ``eps_train = 0``; ``robust_accuracy_exact`` also under l_2); the exact curve of the dropped
    learner (``dropped_standard_accuracy_exact``); ``crossover_n`` per ``eps_train`` (from the
    curves: standard training's Monte Carlo mean against that ``eps_train``'s; -1 for none) and
    ``crossover_n_exact`` (root finding against the dropped learner, for the mean learner where
    ``eps_train >= eta`` under l_inf; -1 otherwise). Robust accuracy is at radius ``eps`` (default
    the largest ``eps_train``) in ``norm``, x1 movable.

    ``learner``: ``mean`` (difference of means, adversarially trained by the soft threshold),
    ``svm`` (:func:`robtheory.training.fit_svm`, regularisation ``lam``, adversarially trained at
    ``eps_train``), ``logistic`` (:func:`robtheory.training.finite_logistic.fit_logistic`, the same).
    """
    import xarray as xr

    from robtheory.finite.mean_learner import mean_learner_mc

    ns = np.asarray(n)
    if ns.ndim != 1 or ns.size == 0 or np.any(np.diff(ns) <= 0):
        raise ValueError(f"n must be increasing, got n={n!r}")
    eps_tr = _check_eps(eps_train, "eps_train")
    if learner not in ("mean", "svm", "logistic"):
        raise ValueError(f"learner must be 'mean', 'svm' or 'logistic', got learner={learner!r}")
    if norm not in ("linf", "l2"):
        raise ValueError(f"norm must be 'linf' or 'l2', got norm={norm!r}")
    eps_test = float(eps_tr.max()) if eps is None else float(eps)
    threat = ThreatModel(norm, eps_test) if eps_test > 0 else None
    shape = (1, eps_tr.size, ns.size)
    out = {k: np.full(shape, np.nan) for k in ("standard_accuracy", "standard_accuracy_se", "robust_accuracy",
                                              "robust_accuracy_se", "standard_accuracy_exact",
                                              "robust_accuracy_exact")}
    for j, e in enumerate(eps_tr):
        if learner == "mean":
            mc = mean_learner_mc(model, ns, trials, seed, threat=threat, eps_train=float(e), train_norm=norm)
            means: tuple[np.ndarray, ...] = (mc.standard, mc.standard_se, mc.robust, mc.robust_se)
        else:
            means = _svm_curve(model, ns, trials, seed, threat, ThreatModel(norm, float(e)) if e > 0 else None, lam,
                               learner)
        for key, v in zip(("standard_accuracy", "standard_accuracy_se", "robust_accuracy", "robust_accuracy_se"), means):
            out[key][0, j] = v
        if learner == "mean" and e == 0:
            out["standard_accuracy_exact"][0, j] = mean_learner_accuracy(model, ns).accuracy
            if threat is None:
                out["robust_accuracy_exact"][0, j] = out["standard_accuracy_exact"][0, j]
            elif norm == "l2":
                out["robust_accuracy_exact"][0, j] = mean_learner_accuracy(model, ns, threat).accuracy
        if progress is not None:
            progress(j + 1, eps_tr.size)
    cross = np.full((1, eps_tr.size), -1, dtype=np.int64)
    cross_exact = np.full((1, eps_tr.size), -1, dtype=np.int64)
    base = np.flatnonzero(eps_tr == 0)
    for j, e in enumerate(eps_tr):
        if base.size and e > 0:
            c = crossover_from_curve(ns, out["standard_accuracy"][0, base[0]], out["standard_accuracy"][0, j])
            cross[0, j] = -1 if c is None else c
        if learner == "mean" and norm == "linf" and e >= model.eta and e > 0:
            c = crossover_exact(model).n_star
            cross_exact[0, j] = -1 if c is None else c
    dims = ("learner", "eps_train", "n")
    ds = xr.Dataset({k: (dims, v) for k, v in out.items()},
                    coords={"learner": [learner], "eps_train": eps_tr, "n": ns})
    ds["dropped_standard_accuracy_exact"] = ("n", dropped_learner_accuracy(model, ns).accuracy)
    ds["crossover_n"] = (("learner", "eps_train"), cross)
    ds["crossover_n_exact"] = (("learner", "eps_train"), cross_exact)
    ds.attrs.update(p=model.p, eta=model.eta, d=model.d, norm=norm, eps=eps_test, trials=int(trials), seed=int(seed),
                    lam=float(lam) if learner == "svm" else math.nan,
                    note="accuracies are means over training sets of each trained model's exact test accuracy; "
                         "*_se their standard errors; *_exact exact expectations (NaN where none is computed); "
                         "crossover_n -1 where there is none")
    for k in ("crossover_n", "crossover_n_exact"):
        ds[k].attrs["missing"] = -1
    return ds


def _svm_curve(model: ToyModel, ns: np.ndarray, trials: int, seed: int, threat: ThreatModel | None,
               train: ThreatModel | None, lam: float, learner: str = "svm") -> tuple[np.ndarray, ...]:
    """Monte Carlo over training sets of the (adversarially trained) hinge SVM or logistic regression:
    means and standard errors."""
    from robtheory.finite.learners import training_set
    from robtheory.theory.closed_form import linear_accuracy
    from robtheory.training import fit_svm
    from robtheory.training.finite_logistic import fit_logistic

    fit = fit_svm if learner == "svm" else fit_logistic

    if isinstance(trials, bool) or not isinstance(trials, (int, np.integer)) or trials < 2:
        raise ValueError(f"trials must be an integer >= 2, got trials={trials!r}")
    std = np.empty((trials, ns.size))
    rob = np.empty((trials, ns.size))
    for t in range(trials):
        X, y = training_set(model, int(ns[-1]), t, seed)
        for i, n in enumerate(ns):
            w = fit(X[:n], y[:n], lam, train).w
            acc = linear_accuracy(model, w, threat)
            std[t, i], rob[t, i] = acc.standard_accuracy, acc.robust_accuracy
    se = lambda v: v.std(axis=0, ddof=1) / math.sqrt(trials)  # noqa: E731
    return std.mean(axis=0), se(std), rob.mean(axis=0), se(rob)
