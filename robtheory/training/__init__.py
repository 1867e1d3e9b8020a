"""Training theory of D(p, eta, d): what (adversarial) training learns, exactly.

One module per subject:

* :mod:`~robtheory.training.objective` -- the population hinge and logistic objectives
  :math:`J_\\lambda` (eq. (5) of Tsipras et al.) in the reduced coordinates ``(w1, v)``;
* :mod:`~robtheory.training.logistic` -- the logistic population integrals (exact quadrature);
* :mod:`~robtheory.training.population` -- the certified global optimum (:func:`solve`,
  :func:`unit_norm_optimum`);
* :mod:`~robtheory.training.thresholds` -- closed forms and phase boundaries of adversarial
  training (when the weak features are dropped);
* :mod:`~robtheory.training.finite_sample` -- the finite-sample SVM solved to a certified gap
  (:func:`fit_svm`); :mod:`~robtheory.training.svm_cd` -- its dual coordinate ascent from a warm
  start, the fast path of the learning curves;
* :mod:`~robtheory.training.gaussian_mle` -- the l2-robust Gaussian MLE of Ilyas et al. (2019),
  another paper's result.

This package re-exports their public names, so ``robtheory.training.X`` keeps working.

Examples
--------
Adversarial training at ``eps_train = 2 eta`` puts no weight on the weak features (Theorem 2.2):

>>> from robtheory import ThreatModel, ToyModel
>>> from robtheory.training import Objective, solve
>>> opt = solve(Objective(ToyModel(0.95, 0.4, 100), lam=0.1, threat=ThreatModel("linf", 0.8)))
>>> opt.v, round(opt.w1, 9)
(0.0, 1.0)
"""

from __future__ import annotations

import warnings
from typing import Any

from robtheory.training.finite_sample import FiniteSampleSVM, fit_svm, sample
from robtheory.training.finite_sample import SVMConvergenceError as SVMConvergenceError
from robtheory.training.finite_sample import _dcd_standard as _dcd_standard
from robtheory.training.gaussian_mle import (
    alignment,
    fit_per_sample_robust_gaussian,
    fit_robust_gaussian,
    lam_for_budget,
    per_sample_robust_nll,
    perturbation_energy,
    robust_covariance,
    robust_gaussian_nll,
)
from robtheory.training.logistic import LOGISTIC_RTOL as LOGISTIC_RTOL
from robtheory.training.logistic import logistic_case
from robtheory.training.logistic import logistic_stats as logistic_stats
from robtheory.training.objective import LOSSES, Objective, embed, reduced_stats
from robtheory.training.population import PopulationOptimum, solve, unit_norm_optimum
from robtheory.training.thresholds import _kink_kappa as _kink_kappa
from robtheory.training.thresholds import _kink_marginal as _kink_marginal
from robtheory.training.thresholds import (
    adversarial_hinge_closed_form,
    l2_zero_threshold,
    weak_feature_dropped_intervals,
    weak_feature_threshold,
    weak_feature_threshold_closed_form,
)

# Also reachable here, outside __all__: SVMConvergenceError, LOGISTIC_RTOL and logistic_stats
# (public names that were never listed), and three private ones that callers outside this
# package still reach through it (_dcd_standard: tests/packaging/test_setup_install.py; _kink_kappa:
# claims/mc_column.py; _kink_marginal: tests/proofs/test_lemmas.py); new code imports from the modules.

__all__ = [
    "LOSSES",
    "Objective",
    "PopulationOptimum",
    "reduced_stats",
    "embed",
    "solve",
    "unit_norm_optimum",
    "adversarial_hinge_closed_form",
    "weak_feature_threshold",
    "weak_feature_dropped_intervals",
    "weak_feature_threshold_closed_form",
    "l2_zero_threshold",
    "logistic_case",
    "sample",
    "FiniteSampleSVM",
    "fit_svm",
    "robust_covariance",
    "perturbation_energy",
    "lam_for_budget",
    "robust_gaussian_nll",
    "fit_robust_gaussian",
    "alignment",
    "per_sample_robust_nll",
    "fit_per_sample_robust_gaussian",
]


def __getattr__(name: str) -> Any:
    if name == "Optimum":  # the old name of PopulationOptimum, kept one release
        warnings.warn("robtheory.training.Optimum is deprecated: it is now PopulationOptimum",
                      DeprecationWarning, stacklevel=2)
        return PopulationOptimum
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
