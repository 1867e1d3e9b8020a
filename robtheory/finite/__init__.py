r"""Finite-sample theory: what a learner trained on ``n`` draws of D(p, eta, d) achieves.

The paper's empirical claims (adversarial training helps with little data and hurts with more,
transferability of adversarial examples, robustness by feature selection) and the sample-complexity
results of Schmidt et al. (2018) have exact counterparts in the toy model: a linear classifier's
standard and adversarial test accuracy are closed forms of its weights
(:mod:`robtheory.theory.closed_form`), and the weights of simple learners trained on ``n`` samples
have known laws. This layer computes those laws, the expected test accuracies over training sets
(exactly where a closed form or a low-dimensional integral exists, by Monte Carlo over training sets
drawn from the counter-based streams of :mod:`robtheory.mc` elsewhere), and the quantities built
on them (crossover sample sizes, transfer rates, feature-selection curves).
Transfer of adversarial examples between trained models: :mod:`robtheory.finite.transfer`;
robustness by feature selection: :mod:`robtheory.finite.feature_selection`.

It sits above :mod:`robtheory.mc` (it draws training sets from the engine) and below
:mod:`robtheory.claims` (whose records check its results).
"""

from __future__ import annotations

from robtheory.finite.learning_curve import Crossover, accuracy_gap, crossover_exact, crossover_from_curve, learning_curve
from robtheory.finite.mean_learner import (
    ExpectedAccuracy,
    MonteCarloCurve,
    adversarial_mean_weights,
    dropped_learner_accuracy,
    mean_learner_accuracy,
    mean_learner_mc,
)

__all__: list[str] = [
    "Crossover",
    "accuracy_gap",
    "crossover_exact",
    "crossover_from_curve",
    "learning_curve",
    "ExpectedAccuracy",
    "MonteCarloCurve",
    "adversarial_mean_weights",
    "dropped_learner_accuracy",
    "mean_learner_accuracy",
    "mean_learner_mc",
]
