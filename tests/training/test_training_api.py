"""The training package after its split: the old import paths, and the renamed result classes."""

from __future__ import annotations

import importlib
import math

import pytest

from robtheory import ThreatModel, ToyModel

#: robtheory.training.__all__ before the split (a literal copy, so that a dropped name fails)
OLD_ALL = [
    "LOSSES", "Objective", "Optimum", "reduced_stats", "embed", "solve", "unit_norm_optimum",
    "adversarial_hinge_closed_form", "weak_feature_threshold", "weak_feature_dropped_intervals",
    "weak_feature_threshold_closed_form", "l2_zero_threshold", "logistic_case", "sample", "FiniteSampleSVM",
    "fit_svm", "robust_covariance", "perturbation_energy", "lam_for_budget", "robust_gaussian_nll",
    "fit_robust_gaussian", "alignment", "per_sample_robust_nll", "fit_per_sample_robust_gaussian",
]
#: names outside __all__ that callers reached through the package
OLD_EXTRA = ["SVMConvergenceError", "LOGISTIC_RTOL", "logistic_stats", "_dcd_standard", "_kink_kappa",
             "_kink_marginal"]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_every_old_name_still_imports_from_the_package():
    T = importlib.import_module("robtheory.training")
    for name in OLD_ALL + OLD_EXTRA:
        assert getattr(T, name) is not None, name
    assert set(T.__all__) == (set(OLD_ALL) - {"Optimum"}) | {"PopulationOptimum"}


def test_optimum_names_say_what_they_are_and_the_old_ones_warn():
    from robtheory.theory import closed_form as cf
    from robtheory.training import PopulationOptimum, solve
    from robtheory.training.objective import Objective

    import robtheory.training as T

    opt = solve(Objective(ToyModel(0.8, 0.5, 4), 0.5))
    assert type(opt) is PopulationOptimum
    with pytest.warns(DeprecationWarning, match="PopulationOptimum"):
        assert T.Optimum is PopulationOptimum
    from robtheory.training import population

    with pytest.warns(DeprecationWarning, match="PopulationOptimum"):
        assert population.Optimum is PopulationOptimum
    best = cf.best_robust_classifier(ToyModel(0.8, 0.5, 4), ThreatModel("linf", 0.1))
    assert type(best) is cf.OptimalClassifier and 0.5 <= best.value <= 1.0 and not math.isnan(best.value)
    with pytest.warns(DeprecationWarning, match="OptimalClassifier"):
        assert cf.Optimum is cf.OptimalClassifier
    with pytest.raises(AttributeError):
        T.NoSuchName  # noqa: B018


@pytest.mark.parametrize("module", ["objective", "logistic", "population", "thresholds", "finite_sample", "svm_cd",
                                    "gaussian_mle"])
def test_each_training_module_is_one_subject_of_readable_size(module):
    # issue 13: no module over ~600 lines; each module's __all__ is reachable from the package
    mod = importlib.import_module(f"robtheory.training.{module}")
    with open(mod.__file__) as fh:
        assert sum(1 for _ in fh) <= 600
    T = importlib.import_module("robtheory.training")
    for name in mod.__all__:
        if name != "Optimum":
            assert getattr(T, name) is getattr(mod, name)
