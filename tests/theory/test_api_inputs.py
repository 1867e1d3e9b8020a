"""The closed forms accept what the Monte Carlo engine accepts (issue 15, item 4): a weight vector, a
pair (w, b), or a classifier object; anything else is a ValueError that says what to pass."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import robtheory.mc
from robtheory import LinearClassifier, ThreatModel, ToyModel, linear_accuracy
from robtheory.classifiers import RoundedClassifier, as_linear
from robtheory.theory import closed_form

MODEL = ToyModel(0.9, 0.3, 4)
W = np.array([0.4, 1.0, -0.5, 2.0, 0.25])


@pytest.mark.parametrize("threat", [None, ThreatModel("linf", 0.1), ThreatModel("l2", 0.3, perturb_x1=False)])
def test_arrays_and_pairs_are_the_classifier(threat):
    ref = linear_accuracy(MODEL, LinearClassifier(W, -0.3), threat)
    assert linear_accuracy(MODEL, (W, -0.3), threat) == ref
    assert linear_accuracy(MODEL, (list(W), -0.3), threat) == ref
    assert linear_accuracy(MODEL, W, threat) == linear_accuracy(MODEL, LinearClassifier(W, 0.0), threat)
    assert linear_accuracy(MODEL, list(W), threat) == linear_accuracy(MODEL, LinearClassifier(W, 0.0), threat)
    # and the bias matters (the pair is not read as two weights)
    assert linear_accuracy(MODEL, (W, -0.3), threat) != linear_accuracy(MODEL, W, threat)


def test_bad_inputs_say_what_to_pass():
    with pytest.raises(ValueError, match=r"weight vector w of length d \+ 1"):
        linear_accuracy(MODEL, "averaging")
    with pytest.raises(ValueError, match=r"length d \+ 1|d = 4"):
        linear_accuracy(MODEL, np.ones(3))  # d + 1 = 5 weights needed
    with pytest.raises(ValueError, match="not linear"):
        as_linear(RoundedClassifier(1.0, 4))
    with pytest.raises(TypeError, match="rounded_accuracy"):
        linear_accuracy(MODEL, RoundedClassifier(1.0, 4))


def test_examples_in_the_docstrings_run():
    for fn in (closed_form.linear_accuracy, as_linear):
        finder = doctest.DocTestFinder()
        runner = doctest.DocTestRunner()
        tests = finder.find(fn, globs={"as_linear": as_linear, "linear_accuracy": closed_form.linear_accuracy})
        assert tests and tests[0].examples
        for t in tests:
            runner.run(t)
        assert runner.failures == 0


def test_dir_of_mc_lists_its_public_names():
    names = dir(robtheory.mc)
    assert {"estimate_linear", "estimate_callable", "check_against_closed_form", "resolve_backend"} <= set(names)
