"""Validation of the model, threat model and classifier constructors (STYLE principle 9).

Every bad input must raise ValueError, and the message must name the offending value.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from robtheory.classifiers import ConstantClassifier, LinearClassifier, StructuredLinear
from robtheory.theory.closed_form import linear_accuracy
from robtheory.model import ThreatModel, ToyModel


def _raises_naming(fn, *needles):
    with pytest.raises(ValueError) as info:
        fn()
    msg = str(info.value)
    for needle in needles:
        assert needle in msg, f"{needle!r} not in error message {msg!r}"
    return msg


# --------------------------------------------------------------------------- ToyModel
def test_valid_model_is_normalised():
    m = ToyModel(1, 0, np.int64(3))
    assert (type(m.p), type(m.eta), type(m.d)) == (float, float, int)
    assert m.dim == 4 and m.mu == 0.0
    assert ToyModel(0.5, 0.0, 1).log_odds == 0.0
    assert ToyModel(1.0, 1.0, 4).log_odds == math.inf
    assert ToyModel(0.9, 0.5, 4).mu == 1.0


@pytest.mark.parametrize("p", [0.0, 0.25, 0.4999999])
def test_p_below_half_mentions_the_mirror_image(p):
    _raises_naming(lambda: ToyModel(p, 0.1, 3), repr(p), "mirror")


@pytest.mark.parametrize("p", [1.0000001, 1.5, 2])
def test_p_above_one(p):
    _raises_naming(lambda: ToyModel(p, 0.1, 3), repr(p), "[1/2, 1]")


@pytest.mark.parametrize("eta", [-1e-12, -0.5, -3])
def test_negative_eta(eta):
    _raises_naming(lambda: ToyModel(0.9, eta, 3), "eta", repr(eta))


@pytest.mark.parametrize("d", [0, -1, 2.5, True, "3", None, math.nan, math.inf])
def test_d_not_a_positive_integer(d):
    _raises_naming(lambda: ToyModel(0.9, 0.1, d), "d", repr(d))


def test_integral_float_d_is_accepted():
    assert ToyModel(0.9, 0.1, 3.0).d == 3


@pytest.mark.parametrize("field,value", [
    ("p", math.nan), ("p", math.inf), ("p", -math.inf),
    ("eta", math.nan), ("eta", math.inf),
    ("p", "0.9"), ("eta", None), ("p", True),
])
def test_nonfinite_or_nonreal_model_parameters(field, value):
    kw = {"p": 0.9, "eta": 0.1, "d": 3}
    kw[field] = value
    _raises_naming(lambda: ToyModel(**kw), field, repr(value))


# --------------------------------------------------------------------------- ThreatModel
@pytest.mark.parametrize("eps", [-1e-300, -0.1, -2])
def test_negative_eps(eps):
    _raises_naming(lambda: ThreatModel("linf", eps), "eps", repr(eps))


@pytest.mark.parametrize("eps", [math.nan, math.inf, "0.1"])
def test_nonfinite_eps(eps):
    _raises_naming(lambda: ThreatModel("l2", eps), "eps", repr(eps))


@pytest.mark.parametrize("norm", ["l1", "Linf", "inf", "", None, 2])
def test_bad_norm(norm):
    _raises_naming(lambda: ThreatModel(norm, 0.1), "norm", repr(norm))


def test_perturb_x1_must_be_bool():
    _raises_naming(lambda: ThreatModel("linf", 0.1, 1), "perturb_x1", "1")


def test_weak_only_constructor():
    t = ThreatModel.weak_only("l2", 0.3)
    assert (t.norm, t.eps, t.perturb_x1, t.dual) == ("l2", 0.3, False, "l2")
    assert ThreatModel("linf", 0).dual == "l1"


# --------------------------------------------------------------------------- classifiers
@pytest.mark.parametrize("w_len,d", [(4, 5), (7, 5), (2, 3)])
def test_weight_vector_of_the_wrong_length(w_len, d):
    model = ToyModel(0.9, 0.1, d)
    clf = LinearClassifier(np.ones(w_len))
    _raises_naming(lambda: linear_accuracy(model, clf, ThreatModel("linf", 0.1)),
                   f"d = {w_len - 1}", f"d = {d}")
    _raises_naming(lambda: linear_accuracy(model, clf), f"d = {d}")


def test_structured_classifier_of_the_wrong_dimension():
    _raises_naming(lambda: linear_accuracy(ToyModel(0.9, 0.1, 4), StructuredLinear(1.0, 1.0, 5)),
                   "d = 5", "d = 4")
    _raises_naming(lambda: linear_accuracy(ToyModel(0.9, 0.1, 4), ConstantClassifier(3, 1.0)),
                   "d = 3", "d = 4")


@pytest.mark.parametrize("w", [np.zeros(4), [0.0, -0.0], np.zeros(11)])
def test_all_zero_weights(w):
    _raises_naming(lambda: LinearClassifier(w), "zero")


@pytest.mark.parametrize("w", [np.ones((2, 3)), np.ones((3, 1)), 1.0, [1.0]])
def test_weights_not_one_dimensional(w):
    shape = np.shape(w)
    _raises_naming(lambda: LinearClassifier(w), "1-d", str(shape))


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_nonfinite_weights(bad):
    w = np.array([1.0, 2.0, bad, 3.0])
    _raises_naming(lambda: LinearClassifier(w), "w[2]", repr(bad))


def test_nonnumeric_weights():
    _raises_naming(lambda: LinearClassifier(["a", "b"]), "w", "'a'")


@pytest.mark.parametrize("b", [math.nan, math.inf])
def test_nonfinite_bias(b):
    _raises_naming(lambda: LinearClassifier(np.ones(3), b), "b", repr(b))
    _raises_naming(lambda: StructuredLinear(1.0, 1.0, 3, b), "b", repr(b))
    _raises_naming(lambda: ConstantClassifier(3, b), "b", repr(b))


@pytest.mark.parametrize("field,value", [("a", math.nan), ("c", math.inf), ("d", 0), ("d", 2.5),
                                         ("d", True)])
def test_structured_linear_bad_fields(field, value):
    kw = {"a": 1.0, "c": 0.5, "d": 3, "b": 0.0}
    kw[field] = value
    _raises_naming(lambda: StructuredLinear(**kw), field, repr(value))


def test_structured_linear_needs_a_direction():
    _raises_naming(lambda: StructuredLinear(0.0, 0.0, 3), "a = c = 0")


def test_weights_are_copied_and_frozen():
    w = np.array([1.0, 2.0, -3.0])
    clf = LinearClassifier(w)
    w[0] = 100.0
    assert clf.w[0] == 1.0
    with pytest.raises(ValueError):
        clf.w[0] = 5.0
    st = clf.stats()
    assert (st.a, st.S, st.Q, st.U1) == (1.0, -1.0, math.sqrt(13.0), 5.0)


def test_rounded_worst_case_for_weak_only_balls_of_any_radius():
    """x1 cannot move in a weak-only ball, so the rounded rule's worst case (every weak feature moved
    by -eps y, or -eps y / sqrt(d) under l_2) holds for eps >= 1 too; with x1 movable it needs eps < 1."""
    import numpy as np
    import pytest

    from robtheory import ThreatModel
    from robtheory.classifiers import RoundedClassifier

    rule = RoundedClassifier(0.7, 4)
    X = np.array([[1.0, 0.2, -0.1, 0.3, 0.0], [-1.0, 0.5, 0.5, -0.2, 1.0]])
    y = np.array([1.0, -1.0])
    Xa = rule.worst_case(X, y, ThreatModel.weak_only("linf", 1.5))
    assert np.array_equal(Xa[:, 0], X[:, 0]) and np.allclose(Xa[:, 1:], X[:, 1:] - 1.5 * y[:, None])
    Xb = rule.worst_case(X, y, ThreatModel.weak_only("l2", 3.0))
    assert np.allclose(Xb[:, 1:], X[:, 1:] - 1.5 * y[:, None])  # 3 / sqrt(4) per coordinate
    # the margin drops by exactly eps sqrt(d) (l_inf) and eps (l_2)
    m = y * rule.score(X)
    assert np.allclose(m - y * rule.score(Xa), 1.5 * 2) and np.allclose(m - y * rule.score(Xb), 3.0)
    with pytest.raises(ValueError, match="eps < 1 when x1 can move"):
        rule.worst_case(X, y, ThreatModel("linf", 1.5))
