"""Crossover sample sizes and learning-curve datasets."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from robtheory import ToyModel
from robtheory.finite.learning_curve import accuracy_gap, crossover_exact, crossover_from_curve, learning_curve
from robtheory.finite.mean_learner import dropped_learner_accuracy, mean_learner_accuracy


@pytest.mark.parametrize("p, eta, d", [(0.9, 0.3, 10), (0.95, 0.3, 100), (0.95, 0.3, 20), (0.8, 0.5, 5)])
def test_root_finding_equals_the_full_integer_grid(p, eta, d) -> None:
    """n* by exponential search + bisection equals the definition evaluated on every integer n."""
    model = ToyModel(p, eta, d)
    c = crossover_exact(model)
    assert c.n_star is not None
    N = 3 * c.n_star + 50
    n = np.arange(1, N + 1)
    gap = accuracy_gap(model, n)
    assert crossover_from_curve(n, gap, np.zeros_like(gap)) == c.n_star
    assert c.evaluations < N  # root finding did not scan the grid


@pytest.mark.parametrize("p, eta, d", [(0.95, 0.1, 10), (0.99, 0.2, 50)])
def test_no_crossover_when_the_population_mean_learner_loses_to_sign_x1(p, eta, d) -> None:
    model = ToyModel(p, eta, d)
    c = crossover_exact(model)
    assert c.n_star is None and c.limit_gap <= 0
    n = np.arange(1, 400)
    assert crossover_from_curve(n, mean_learner_accuracy(model, n).accuracy,
                                dropped_learner_accuracy(model, n).accuracy) is None


def test_crossover_from_curve_definition() -> None:
    n = np.array([1, 2, 3, 4, 5])
    assert crossover_from_curve(n, [0, 1, 0, 1, 1], [0.5] * 5) == 4
    assert crossover_from_curve(n, [1] * 5, [0] * 5) == 1
    assert crossover_from_curve(n, [1, 1, 1, 1, 0], [0.5] * 5) is None


def test_learning_curve_dataset_agrees_with_exact(seed: int) -> None:
    """The Monte Carlo column at eps_train = 0 agrees with the exact column (z-test, alpha 1e-3 over
    the n values); a planted wrong exact column (the dropped learner's curve) is rejected."""
    model = ToyModel(0.9, 0.3, 10)
    ns = [1, 4, 16, 64]
    ds = learning_curve(model, ns, [0.0, 0.5], trials=400, seed=seed)
    row = ds.sel(learner="mean", eps_train=0.0)
    z = stats.norm.isf(1e-3 / (2 * len(ns)))
    dev = np.abs(row.standard_accuracy.values - row.standard_accuracy_exact.values)
    assert np.all(dev <= z * row.standard_accuracy_se.values)
    wrong = np.abs(row.standard_accuracy.values - ds.dropped_standard_accuracy_exact.values)
    assert not np.all(wrong <= z * row.standard_accuracy_se.values)
    assert int(ds.crossover_n_exact.sel(learner="mean", eps_train=0.5)) == crossover_exact(model).n_star
    assert int(ds.crossover_n_exact.sel(learner="mean", eps_train=0.0)) == -1
    assert np.isnan(ds.standard_accuracy_exact.sel(learner="mean", eps_train=0.5)).all()


def test_learning_curve_bad_arguments() -> None:
    model = ToyModel(0.9, 0.3, 10)
    with pytest.raises(ValueError, match="n="):
        learning_curve(model, [4, 2], [0.0])
    with pytest.raises(ValueError, match="eps_train"):
        learning_curve(model, [2, 4], [-0.1])
    with pytest.raises(ValueError, match="learner"):
        learning_curve(model, [2, 4], [0.0], learner="knn")


def test_svm_curve_is_the_mean_of_trained_models(seed: int) -> None:
    """--learner svm: each trial's model is fit_svm on the first n rows of training set t; the
    dataset's mean is the mean of those models' exact accuracies (recomputed here directly)."""
    from robtheory import ThreatModel
    from robtheory.finite.learners import training_set
    from robtheory.theory.closed_form import linear_accuracy
    from robtheory.training import fit_svm

    model = ToyModel(0.9, 0.3, 4)
    ds = learning_curve(model, [5, 12], [0.0, 0.2], learner="svm", trials=3, seed=seed, lam=0.05)
    for e in (0.0, 0.2):
        for n in (5, 12):
            accs = []
            for t in range(3):
                X, y = training_set(model, n, t, seed)
                w = fit_svm(X, y, 0.05, ThreatModel("linf", e) if e > 0 else None).w
                accs.append(linear_accuracy(model, w, ThreatModel("linf", 0.2)).robust_accuracy)
            got = float(ds.robust_accuracy.sel(learner="svm", eps_train=e, n=n))
            assert got == pytest.approx(np.mean(accs), abs=1e-9)
