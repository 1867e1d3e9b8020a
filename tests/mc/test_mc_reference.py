"""The NumPy Monte Carlo oracle: stream layout, chunk invariance, agreement with the closed forms.

Statistical checks share one family-wise false-alarm rate per module (TOTAL_ALPHA = 1e-6,
Bonferroni-split over the N_CHECKS checks counted below) and derive their tolerances from
it (design principle 6).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.special import ndtr

from robtheory import (
    LinearClassifier,
    ThreatModel,
    ToyModel,
    averaging,
    bayes,
    linear_accuracy,
    robust_x1,
)
from robtheory.mc import check_against_closed_form, check_marginals, estimate_callable
from robtheory.mc import philox as P
from robtheory.mc import reference as R
from robtheory.stats import agreement_test, familywise_alpha

TOTAL_ALPHA = 1e-6
MODEL = ToyModel(0.8, 0.3, 20)
THREATS = {
    "linf_full": ThreatModel("linf", 0.1),
    "linf_weak": ThreatModel.weak_only("linf", 0.1),
    "l2_full": ThreatModel("l2", 0.5),
    "l2_weak": ThreatModel.weak_only("l2", 0.5),
}


def _random_linear(model: ToyModel) -> LinearClassifier:
    rng = np.random.default_rng(20190101)
    w = rng.normal(size=model.d + 1) + 0.3  # tilted towards the signal so accuracies are not 1/2
    return LinearClassifier(w, b=0.2)


CLASSIFIERS = {
    "averaging": averaging(MODEL.d),
    "bayes": bayes(MODEL),
    "sign_x1": robust_x1(MODEL.d),
    "random_w": _random_linear(MODEL),
}
CASES = list(itertools.product(CLASSIFIERS, THREATS))
# every statistical check of this module: 2 per closed-form case, 3 callable checks, 5 marginals
N_CHECKS = 2 * len(CASES) + 3 + 5
ALPHA = familywise_alpha(TOTAL_ALPHA, N_CHECKS)


# --------------------------------------------------------------------------- the stream
def test_sample_chunk_is_the_documented_stream():
    seed, start, count = 12345, 2**40 + 17, 50
    y, X = R.sample_chunk(MODEL, seed, start, count)
    u_y = P.uniforms(seed, np.arange(start, start + count, dtype=np.uint64), 0, stream=R.STREAM_Y)
    u_x = P.uniforms(seed, np.arange(start, start + count, dtype=np.uint64), 0, stream=R.STREAM_X1)
    z = P.normal_matrix(seed, start, count, MODEL.d, stream=R.STREAM_NORMAL)
    np.testing.assert_array_equal(y, np.where(u_y < 0.5, 1.0, -1.0))
    np.testing.assert_array_equal(X[:, 0], np.where(u_x < MODEL.p, y, -y))
    np.testing.assert_array_equal(X[:, 1:], MODEL.eta * y[:, None] + z)
    assert X.shape == (count, MODEL.d + 1) and X.flags.f_contiguous
    y32, X32 = R.sample_chunk(MODEL, seed, start, count, np.float32)
    assert X32.dtype == np.float32 and y32.dtype == np.float32
    np.testing.assert_array_equal(y32, y)  # labels and x1 are shared by both dtypes
    np.testing.assert_array_equal(X32[:, 0], X[:, 0])


def test_linear_score_order_is_left_to_right():
    # the oracle's score is w0 x1 + w1 x2 + ... + b in that order (what the kernels copy)
    _, X = R.sample_chunk(MODEL, 3, 0, 7)
    w = np.linspace(-1, 2, MODEL.d + 1)
    expect = np.empty(7)
    for r in range(7):
        s = w[0] * X[r, 0]
        for k in range(1, MODEL.d + 1):
            s = s + w[k] * X[r, k]
        expect[r] = s + 0.25
    np.testing.assert_array_equal(R._scores(X, w, 0.25), expect)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_counts_do_not_depend_on_chunking(dtype):
    clf = CLASSIFIERS["random_w"]
    th = THREATS["linf_full"]
    n, seed, start = 1003, 99, 2**33 - 500
    ref = R.linear_counts(MODEL, clf.w, clf.b, th, n, seed, start=start, chunk=n, dtype=dtype)
    for chunk in (1, 7, 256, 1000):
        assert R.linear_counts(MODEL, clf.w, clf.b, th, n, seed, start=start, chunk=chunk,
                               dtype=dtype) == ref
    # and a split of the rows into two calls adds up
    a = R.linear_counts(MODEL, clf.w, clf.b, th, 600, seed, start=start, dtype=dtype)
    b = R.linear_counts(MODEL, clf.w, clf.b, th, n - 600, seed, start=start + 600, dtype=dtype)
    assert (a[0] + b[0], a[1] + b[1]) == ref


def test_marginal_and_callable_counts_do_not_depend_on_chunking():
    f = (lambda X: X[:, 1:].sum(axis=1))
    m1 = R.marginal_sums(MODEL, 777, 5, chunk=777)
    m2 = R.marginal_sums(MODEL, 777, 5, chunk=10)
    for k in ("n_pos", "x1_eq_y_pos", "x1_eq_y_neg"):
        assert m1[k] == m2[k]
    for k in ("sum_x_pos", "sum_x_neg", "sum_x2"):
        assert m1[k] == pytest.approx(m2[k], rel=1e-12)
    for attack in (None, "shift"):
        assert R.callable_counts(MODEL, f, 777, 5, attack=attack, chunk=777) == \
            R.callable_counts(MODEL, f, 777, 5, attack=attack, chunk=13)


def test_robust_penalty_is_the_dual_norm():
    w = np.array([3.0, -1.0, 2.0, -2.0])
    assert R.robust_penalty(w, None) == 0.0
    assert R.robust_penalty(w, ThreatModel("linf", 0.5)) == 0.5 * 8.0
    assert R.robust_penalty(w, ThreatModel.weak_only("linf", 0.5)) == 0.5 * 5.0
    assert R.robust_penalty(w, ThreatModel("l2", 2.0)) == pytest.approx(2.0 * np.sqrt(18.0))
    assert R.robust_penalty(w, ThreatModel.weak_only("l2", 2.0)) == pytest.approx(2.0 * 3.0)


def test_tie_is_an_error():
    # sign(x1) against the l_inf ball of radius 1: every robust margin is 1 - 1 = 0 or -2
    model = ToyModel(0.9, 0.3, 3)
    ks, kr = R.linear_counts(model, robust_x1(3).weights(), 0.0, ThreatModel("linf", 1.0), 500, 1)
    assert kr == 0 and ks > 0
    assert linear_accuracy(model, robust_x1(3), ThreatModel("linf", 1.0)).robust_accuracy == 0.0


# --------------------------------------------------------------------------- closed forms
@pytest.mark.parametrize("clf_name, threat_name", CASES)
def test_reference_agrees_with_closed_form(clf_name, threat_name):
    res = check_against_closed_form(MODEL, CLASSIFIERS[clf_name], THREATS[threat_name],
                                    n=20_000, seed=7, backend="numpy",
                                    total_alpha=TOTAL_ALPHA, n_checks=N_CHECKS)
    assert res["backend"] == "numpy"
    for kind in ("standard", "robust"):
        ag = res[kind]["agreement"]
        assert ag["alpha"] == pytest.approx(ALPHA)
        assert ag["passed"], (kind, res[kind])
        assert 0 < ag["min_detectable"] < 0.03


def test_callable_classifier_clean_shift_and_user_attack():
    model = ToyModel(0.8, 0.15, 20)
    n, seed = 20_000, 11
    avg = lambda X: X[:, 1:].mean(axis=1)
    sign_x1 = lambda X: np.sign(X[:, 0])
    acc = linear_accuracy(model, averaging(model.d))
    # clean accuracy of the averaging rule, given as a callable
    k = R.callable_counts(model, avg, n, seed)
    assert agreement_test(k, n, acc.standard_accuracy, ALPHA).passed
    # Theorem 2.1 shift: weak features of class y become those of class -y, so the averaging
    # rule is right with probability Phi(-eta sqrt(d)) = its error rate ...
    k = R.callable_counts(model, avg, n, seed, attack="shift",
                          threat=ThreatModel.weak_only("linf", 2 * model.eta))
    assert agreement_test(k, n, float(ndtr(-model.mu)), ALPHA).passed
    # ... and the shift is exactly the worst case of the weak-only l_inf ball of radius 2 eta
    worst = linear_accuracy(model, averaging(model.d), ThreatModel.weak_only("linf", 2 * model.eta))
    assert worst.robust_accuracy == pytest.approx(float(ndtr(-model.mu)), abs=1e-12)
    # the shift leaves x1 alone: sign(x1) keeps accuracy p, exactly the same count
    assert R.callable_counts(model, sign_x1, 2000, seed, attack="shift") == \
        R.callable_counts(model, sign_x1, 2000, seed)
    # a user attack that flips x1 (an l_inf perturbation of size 2) makes sign(x1) right w.p. 1 - p

    def flip(X, y):
        Xa = X.copy()
        Xa[:, 0] = -Xa[:, 0]
        return Xa

    k = R.callable_counts(model, sign_x1, n, seed, attack=flip, threat=ThreatModel("linf", 2.0))
    assert agreement_test(k, n, 1 - model.p, ALPHA).passed
    out = estimate_callable(model, sign_x1, n=1000, seed=3, analytic=model.p)
    assert out["count"] <= 1000 and out["analytic"] == model.p and len(out["ci"]) == 2


def test_attack_outside_the_threat_is_rejected():
    def flip(X, y):
        Xa = X.copy()
        Xa[:, 0] = -Xa[:, 0]
        return Xa

    with pytest.raises(ValueError, match="ball"):
        R.callable_counts(MODEL, lambda X: X[:, 0], 10, 0, attack=flip, threat=ThreatModel("linf", 1.0))
    with pytest.raises(ValueError, match="weak-only"):
        R.callable_counts(MODEL, lambda X: X[:, 0], 10, 0, attack=flip,
                          threat=ThreatModel.weak_only("linf", 5.0))
    with pytest.raises(ValueError, match="shape"):
        R.callable_counts(MODEL, lambda X: X[:, 0], 10, 0, attack=lambda X, y: X[:, 1:])


# --------------------------------------------------------------------------- marginals
def test_marginals_of_the_reference_sampler():
    res = check_marginals(MODEL, n=20_000, seed=4, backend="numpy", total_alpha=TOTAL_ALPHA * 5 / N_CHECKS)
    assert res["backend"] == "numpy"
    assert res["passed"], res
    # negative controls at the same n: x1 drawn with P(x1 = y) = 1 - p, weak-feature variance 2,
    # and a mean of -eta are each rejected (deviations far above min_detectable)
    bad_p = check_marginals(MODEL, n=20_000, seed=4, backend="numpy", expected={"p": 1 - MODEL.p})
    assert not bad_p["x1_pos"]["passed"] and not bad_p["x1_neg"]["passed"]
    assert bad_p["x1_pos"]["min_detectable"] < abs(2 * MODEL.p - 1) / 4
    bad_var = check_marginals(MODEL, n=20_000, seed=4, backend="numpy", expected={"var": 1.1})
    assert not bad_var["var"]["passed"]
    assert bad_var["var"]["min_detectable"] < 0.1 / 4
    bad_eta = check_marginals(MODEL, n=20_000, seed=4, backend="numpy", expected={"eta": -MODEL.eta})
    assert not bad_eta["mean"]["passed"]


# --------------------------------------------------------------------------- bad input
def test_bad_inputs_name_the_value():
    w = np.ones(MODEL.d + 1)
    with pytest.raises(ValueError, match="n=0"):
        R.linear_counts(MODEL, w, 0.0, None, 0, 1)
    with pytest.raises(ValueError, match="n=-5"):
        R.marginal_sums(MODEL, -5, 1)
    with pytest.raises(ValueError, match=r"length d \+ 1 = 21"):
        R.linear_counts(MODEL, np.ones(5), 0.0, None, 10, 1)
    with pytest.raises(ValueError, match="seed=-1"):
        R.linear_counts(MODEL, w, 0.0, None, 10, -1)
    with pytest.raises(ValueError, match="int8"):
        R.linear_counts(MODEL, w, 0.0, None, 10, 1, dtype="int8")
    with pytest.raises(ValueError, match="chunk=0"):
        R.linear_counts(MODEL, w, 0.0, None, 10, 1, chunk=0)
    with pytest.raises(ValueError, match="start"):
        R.linear_counts(MODEL, w, 0.0, None, 10, 1, start=2**64 - 5)
    with pytest.raises(ValueError, match="attack"):
        R.callable_counts(MODEL, lambda X: X[:, 0], 10, 1, attack="pgd")
