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
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from robtheory.finite.mean_learner import dropped_learner_accuracy, mean_learner_accuracy, population_mean_weights
from robtheory.model import ThreatModel, ToyModel

__all__ = ["Crossover", "crossover_exact", "crossover_from_curve", "accuracy_gap", "accuracy_error_bound", "learning_curve"]


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
                   progress: Any = None, accuracy_tol: float = 1e-4, workers: int | None = None) -> Any:
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
    ``svm`` (the minimiser of :func:`robtheory.training.fit_svm`'s objective, regularisation ``lam``,
    adversarially trained at ``eps_train``), ``logistic``
    (:func:`robtheory.training.finite_logistic.fit_logistic`, the same).

    svm: each model is certified to a duality gap small enough that its exact accuracies are
    within ``accuracy_tol`` of the exact optimum's (:func:`accuracy_error_bound`; see
    :func:`_svm_curve`); the largest bound reached is the attribute ``svm_accuracy_error_bound``
    (it can exceed ``accuracy_tol`` only where the gap cannot be certified below 1e-13), the
    largest gap ``svm_max_gap``. Trials of the svm and logistic learners run on ``workers``
    threads (default: the CPU count, at most 8); the result does not depend on it.
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
    svm_stats: dict = {}
    svm_max: dict = {}
    for j, e in enumerate(eps_tr):
        if learner == "mean":
            mc = mean_learner_mc(model, ns, trials, seed, threat=threat, eps_train=float(e), train_norm=norm)
            means: tuple[np.ndarray, ...] = (mc.standard, mc.standard_se, mc.robust, mc.robust_se)
        else:
            means = _svm_curve(model, ns, trials, seed, threat, ThreatModel(norm, float(e)) if e > 0 else None, lam,
                               learner, accuracy_tol=accuracy_tol, workers=workers, stats=svm_stats)
            for key in ("max_accuracy_error_bound", "max_gap"):
                svm_max[key] = max(svm_max.get(key, 0.0), svm_stats.get(key, 0.0))
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
    if learner == "svm":
        ds.attrs.update(svm_accuracy_error_bound=svm_max["max_accuracy_error_bound"], svm_max_gap=svm_max["max_gap"],
                        accuracy_tol=float(accuracy_tol))
    for k in ("crossover_n", "crossover_n_exact"):
        ds[k].attrs["missing"] = -1
    return ds


def accuracy_error_bound(model: ToyModel, w: ArrayLike, threat: ThreatModel | None, dist: float) -> tuple[float, float]:
    r"""How far the exact standard and robust accuracy can move when ``w`` moves by at most ``dist``.

    A linear classifier :math:`\mathrm{sign}(w^Tx)` on D(p, eta, d) has accuracy
    :math:`p\,\Phi(t_+) + (1 - p)\,\Phi(t_-)` with :math:`t_\pm = (\pm w_1 + \eta S - \varepsilon N)/r`,
    :math:`S = \sum_{j\ge2} w_j`, :math:`r = \lVert w_{2:}\rVert_2` and ``N`` the adversary's dual norm
    of the perturbable weights (0 for the standard accuracy). For :math:`\lVert w' - w\rVert_2 \le`
    ``dist`` = :math:`\delta`: :math:`|w_1' - w_1| \le \delta`, :math:`|S' - S| \le \sqrt d\,\delta`,
    :math:`|r' - r| \le \delta`, :math:`|N' - N| \le \sqrt m\,\delta` (l_1 over ``m`` weights) or
    :math:`\delta` (l_2); the extremes of :math:`t_\pm` over these intervals bound the accuracy at
    ``w'`` (:math:`\Phi` is increasing). Returns ``(standard, robust)``: the largest distance from
    the accuracy at ``w`` to those bounds (robust: 0 when ``threat`` is None).

    The learning curves use it with :math:`\delta = \sqrt{2\,\mathrm{gap}/\lambda}`, which bounds
    :math:`\lVert w - w^*\rVert` for an SVM certified to a duality gap (strong convexity), so that
    it bounds the error of each trained model's accuracy against the exact optimum's.

    >>> from robtheory import ToyModel
    >>> b_std, b_rob = accuracy_error_bound(ToyModel(0.95, 0.3, 100), np.r_[1.0, np.full(100, 0.1)], None, 1e-6)
    >>> bool(0 < b_std < 1e-5), b_rob
    (True, 0.0)
    """
    from scipy.special import ndtr

    w = np.asarray(w, dtype=float)
    d = model.d
    if w.shape != (d + 1,) or not (math.isfinite(dist) and dist >= 0):
        raise ValueError(f"w must have shape ({d + 1},) and dist be finite >= 0, got w{w.shape}, dist={dist!r}")
    w1, weak = float(w[0]), w[1:]
    S, r = float(weak.sum()), float(np.linalg.norm(weak))
    rd = math.sqrt(d) * dist

    def pen(thr: ThreatModel | None) -> tuple[float, float]:
        if thr is None or thr.eps == 0:
            return 0.0, 0.0
        part = w if thr.perturb_x1 else weak
        if thr.norm == "linf":
            return thr.eps * float(np.abs(part).sum()), thr.eps * math.sqrt(part.size) * dist
        return thr.eps * float(np.linalg.norm(part)), thr.eps * dist

    def ratio(lo: float, hi: float, r_lo: float, r_hi: float) -> tuple[float, float]:
        # extremes of num / r over num in [lo, hi], r in [r_lo, r_hi] (r >= 0; num / 0 is +-inf)
        def div(x: float, y: float) -> float:
            return x / y if y > 0 else (math.inf if x > 0 else -math.inf)
        return (div(lo, r_hi) if lo >= 0 else div(lo, r_lo)), (div(hi, r_lo) if hi > 0 else div(hi, r_hi))

    def acc_range(thr: ThreatModel | None) -> float:
        P, dP = pen(thr)
        values = []
        for box in ((0.0, 0.0, r, r), (dist, rd, max(0.0, r - dist), r + dist)):
            d1, dS, r_lo, r_hi = box
            lo_hi = []
            for s in (1.0, -1.0):
                num = s * w1 + model.eta * S - P
                slack = d1 + model.eta * dS + (dP if box[0] else 0.0)
                lo_hi.append(ratio(num - slack, num + slack, r_lo, r_hi))
            values.append([model.p * ndtr(lo_hi[0][i]) + (1 - model.p) * ndtr(lo_hi[1][i]) for i in (0, 1)])
        (a_lo, a_hi), (b_lo, b_hi) = values
        # at dist 0 with r = 0 the interval is the two one-sided limits; the accuracy lies in it
        return float(max(b_hi - a_lo, a_hi - b_lo, 0.0))

    return acc_range(None), (acc_range(threat) if threat is not None else 0.0)


def _svm_curve(model: ToyModel, ns: np.ndarray, trials: int, seed: int, threat: ThreatModel | None,
               train: ThreatModel | None, lam: float, learner: str = "svm", accuracy_tol: float = 1e-4,
               workers: int | None = None, stats: dict | None = None) -> tuple[np.ndarray, ...]:
    r"""Monte Carlo over training sets of the (adversarially trained) hinge SVM or logistic regression:
    means and standard errors.

    svm: each model by :func:`robtheory.training.svm_cd._fit_svm_cd`, warm-started along the
    nested ``n`` grid of its trial (the dual point of the previous ``n``, the new rows at 1 where
    their hinge is active and 0 elsewhere), to a duality gap derived from ``accuracy_tol``: a first
    fit to gap 1e-9; if :func:`accuracy_error_bound` at :math:`\sqrt{2\,\mathrm{gap}/\lambda}` exceeds
    ``accuracy_tol``, a refit (warm) to the gap that the bound's slope says is enough, down to
    1e-13. ``stats`` (a dict) receives ``max_accuracy_error_bound`` (over models, standard and
    robust) and ``max_gap``. Trials run on ``workers`` threads (default: the CPU count, at most 8);
    each trial's result depends only on its data, so the result does not depend on ``workers``.
    """
    from robtheory.finite.learners import training_set
    from robtheory.theory.closed_form import linear_accuracy
    from robtheory.training.finite_logistic import fit_logistic
    from robtheory import _backend
    from robtheory.training.finite_sample import SVMConvergenceError, fit_svm
    from robtheory.training.svm_cd import _fit_svm_cd

    fast = _backend.numba_usable()[0]

    if isinstance(trials, bool) or not isinstance(trials, (int, np.integer)) or trials < 2:
        raise ValueError(f"trials must be an integer >= 2, got trials={trials!r}")
    if not (math.isfinite(accuracy_tol) and accuracy_tol > 0):
        raise ValueError(f"accuracy_tol must be positive and finite, got accuracy_tol={accuracy_tol!r}")
    std = np.empty((trials, ns.size))
    rob = np.empty((trials, ns.size))
    bound = np.zeros((trials, ns.size))
    gaps = np.zeros((trials, ns.size))

    def one_trial(t: int) -> None:
        X, y = training_set(model, int(ns[-1]), t, seed)
        a: np.ndarray | None = None  # the dual point at the previous n (warm start)
        w_prev = np.zeros(X.shape[1])
        for i, n in enumerate(ns):
            if learner == "svm":
                a0 = None
                if a is not None:
                    h = 1.0 - (X[a.size:n] * y[a.size:n, None]) @ w_prev
                    a0 = np.r_[a, (h > 0).astype(float)]
                if not fast:  # numba switched off or broken: the public solver, no warm start
                    fit = fit_svm(X[:n], y[:n], lam, train, 1e-9)
                else:
                    fit = _fit_svm_cd(X[:n], y[:n], lam, train, 1e-9, a0)
                b = max(accuracy_error_bound(model, fit.w, threat, fit.distance_bound))
                if b > accuracy_tol and fit.gap > 1e-13:
                    # b grows like sqrt(gap): the gap at which the bound would be accuracy_tol / 2
                    tol = max(1e-13, fit.gap * (0.5 * accuracy_tol / b) ** 2)
                    # the best certified point: the refit may stop above tol (rounding of the objective)
                    if fast:
                        refit = _fit_svm_cd(X[:n], y[:n], lam, train, tol, fit.alpha, fallback=False)
                    else:
                        try:
                            refit = fit_svm(X[:n], y[:n], lam, train, tol)
                        except SVMConvergenceError as exc:
                            refit = exc.result
                    if refit.gap < fit.gap:
                        fit = refit
                        b = max(accuracy_error_bound(model, fit.w, threat, fit.distance_bound))
                a = fit.alpha
                w = w_prev = fit.w
                bound[t, i], gaps[t, i] = b, fit.gap
            else:
                w = fit_logistic(X[:n], y[:n], lam, train).w
            acc = linear_accuracy(model, w, threat)
            std[t, i], rob[t, i] = acc.standard_accuracy, acc.robust_accuracy

    if workers is None:
        workers = min(8, os.cpu_count() or 1)
    if workers > 1 and trials > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(one_trial, range(trials)))
    else:
        for t in range(trials):
            one_trial(t)
    if stats is not None:
        stats["max_accuracy_error_bound"] = float(bound.max())
        stats["max_gap"] = float(gaps.max())
    se = lambda v: v.std(axis=0, ddof=1) / math.sqrt(trials)  # noqa: E731
    return std.mean(axis=0), se(std), rob.mean(axis=0), se(rob)
