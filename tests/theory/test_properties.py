"""Properties of the closed forms over the whole parameter space (STYLE principle 8).

Tolerances (principle 6). A margin ``m`` (a sum of terms) is rounded to within a few
``eps64 * sum|terms|``; the standardised margin ``m/Q`` then errs by
``dr <~ 8 eps64 (1 + sum|terms|/Q)`` and ``Phi`` has slope < 0.4, so one accuracy carries an
absolute error below :func:`acc_tol` (a further safety factor of 8 included). When ``Q = 0``
correctness is an indicator; IEEE rounding is monotone, so order relations between margins
that differ by a non-negative price are preserved exactly. Comparisons of one value with
itself under a monotone change use :data:`ULP_TOL` (a few ulps of a number in [0, 1]).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import strategies as S
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy.special import ndtr

from robtheory.theory import closed_form as cf
from robtheory.classifiers import (
    ConstantClassifier,
    RoundedClassifier,
    averaging,
    bayes,
    robust_x1,
)
from robtheory.model import ThreatModel, ToyModel

EPS64 = np.finfo(np.float64).eps
ULP_TOL = 8 * EPS64


def acc_tol(model, st_, eps=0.0) -> float:
    """Absolute float64 error bound of one computed accuracy (module doc)."""
    if st_.Q == 0:
        return 0.0
    terms = (abs(model.eta * st_.S) + abs(st_.a) + abs(st_.b)
             + eps * (abs(st_.a) + st_.U1 + st_.Q + math.hypot(st_.a, st_.Q)))
    return 64 * EPS64 * (1.0 + terms / st_.Q) * 0.4 + ULP_TOL


def stats_acc(model, st_, kind, eps=0.0):
    """(accuracy, error rate, log error rate) as floats, from summary statistics."""
    e = 0.0 if kind == "standard" else eps
    return tuple(float(x) for x in cf.accuracy_stats(model.p, model.eta, e, st_.a, st_.b, st_.S,
                                                     st_.Q, st_.U1, kind))


def scaled(st_, c):
    return type(st_)(a=c * st_.a, b=c * st_.b, S=c * st_.S, Q=c * st_.Q, U1=c * st_.U1)


# --------------------------------------------------------------------------- the strategies
@given(S.model_and_stats())
def test_strategy_stats_are_realisable(ms):
    model, st_ = ms
    d, r = model.d, 1e-12  # relative rounding slack
    assert abs(st_.S) <= st_.U1 * (1 + r)
    assert st_.Q <= st_.U1 * (1 + r)
    assert st_.U1 <= math.sqrt(d) * st_.Q * (1 + r)
    assert st_.S**2 <= d * st_.Q**2 * (1 + r)


# --------------------------------------------------------------------------- ranges, complement
@given(S.model_and_stats(), S.epss)
def test_accuracies_and_error_rates_are_complementary_probabilities(ms, eps):
    model, st_ = ms
    for kind in S.KINDS:
        acc, err, log_err = stats_acc(model, st_, kind, eps)
        assert 0.0 <= acc <= 1.0
        # The log-sum-exp can round an ulp above log(1) = 0; the library clips that rounding.
        assert 0.0 <= err <= 1.0
        assert log_err <= 0.0
        assert abs(acc + err - 1.0) <= 1e-12
        if err > 0:
            assert math.isclose(math.exp(log_err), err, rel_tol=1e-12)


@given(S.model_and_classifier(), S.threats())
def test_linear_accuracy_fields_are_consistent(mc, threat):
    model, clf = mc
    res = cf.linear_accuracy(model, clf, threat)
    assert abs(res.standard_accuracy + res.standard_error_rate - 1) <= 1e-12
    assert abs(res.robust_accuracy + res.robust_error_rate - 1) <= 1e-12
    assert set(res.to_dict()) == {"standard_accuracy", "robust_accuracy", "standard_error_rate",
                                  "robust_error_rate", "log_standard_error_rate",
                                  "log_robust_error_rate"}
    plain = cf.linear_accuracy(model, clf)
    assert plain.robust_accuracy == plain.standard_accuracy == res.standard_accuracy


# --------------------------------------------------------------------------- monotonicity
@given(S.model_and_stats(), S.epss, S.epss)
def test_robust_below_standard_and_non_increasing_in_eps(ms, e1, e2):
    model, st_ = ms
    lo, hi = sorted((e1, e2))
    std = stats_acc(model, st_, "standard")[0]
    for kind in S.ROBUST_KINDS:
        r_lo, r_hi = stats_acc(model, st_, kind, lo)[0], stats_acc(model, st_, kind, hi)[0]
        assert r_lo <= std + ULP_TOL, (kind, r_lo, std)
        assert r_hi <= r_lo + ULP_TOL, (kind, lo, hi, r_hi, r_lo)


@given(S.model_and_stats())
def test_eps_zero_is_standard(ms):
    model, st_ = ms
    std = stats_acc(model, st_, "standard")
    for kind in S.ROBUST_KINDS:
        assert stats_acc(model, st_, kind, 0.0) == std, kind


# --------------------------------------------------------------------------- invariance
@given(S.model_and_stats(), S.epss, S.scales)
def test_invariance_under_positive_rescaling(ms, eps, c):
    """sign(c (w.x + b)) = sign(w.x + b) for c > 0; powers of two rescale exactly."""
    model, st_ = ms
    exact = math.frexp(c)[0] == 0.5
    if not exact:
        assume(st_.Q > 0)  # an indicator of a near-tie margin may flip under rounding
    for kind in S.KINDS:
        base = stats_acc(model, st_, kind, eps)
        other = stats_acc(model, scaled(st_, c), kind, eps)
        if exact:
            assert other == base, (kind, other, base)
        else:
            tol = acc_tol(model, st_, eps) + acc_tol(model, scaled(st_, c), eps)
            assert abs(other[0] - base[0]) <= tol, (kind, other, base)


# --------------------------------------------------------------------------- optimality
@given(S.model_and_stats())
def test_bayes_beats_every_linear_classifier(ms):
    model, st_ = ms
    rule = bayes(model)
    best = cf.bayes_accuracy(model).standard_accuracy
    acc = stats_acc(model, st_, "standard")[0]
    tol = acc_tol(model, st_) + acc_tol(model, rule.stats(model))
    assert acc <= best + tol, (acc, best, rule)


THREAT_KINDS = st.sampled_from(S.ROBUST_KINDS)


@given(S.model_and_stats(), S.epss, THREAT_KINDS)
def test_robust_optimal_linear_beats_every_linear_classifier(ms, eps, kind):
    model, st_ = ms
    threat = S.threat_of_kind(kind, eps)
    opt = cf.best_robust_linear_classifier(model, threat)
    # the reported value is the robust accuracy of the reported classifier
    assert opt.value == cf.linear_accuracy(model, opt.classifier, threat).robust_accuracy
    rob = stats_acc(model, st_, kind, eps)[0]
    tol = acc_tol(model, st_, eps) + acc_tol(model, opt.classifier.stats(model), eps)
    assert rob <= opt.value + tol, (kind, rob, opt)


@given(S.model_and_stats(), S.epss, THREAT_KINDS)
def test_optimal_robust_accuracy_beats_every_linear_classifier(ms, eps, kind):
    model, st_ = ms
    threat = S.threat_of_kind(kind, eps)
    if threat.norm == "l2" and threat.perturb_x1 and eps >= 1:
        with pytest.raises(NotImplementedError):
            cf.best_robust_classifier(model, threat)
        return
    opt = cf.best_robust_classifier(model, threat)
    rob = stats_acc(model, st_, kind, eps)[0]
    assert rob <= opt.value + acc_tol(model, st_, eps) + 64 * EPS64, (kind, rob, opt)
    lin = cf.best_robust_linear_classifier(model, threat)
    assert lin.value <= opt.value + 64 * EPS64 * (1 + model.mu), (kind, lin, opt)


@given(S.models(), S.epss, THREAT_KINDS)
def test_optimal_robust_accuracy_is_attained(model, eps, kind):
    threat = S.threat_of_kind(kind, eps)
    assume(not (threat.norm == "l2" and threat.perturb_x1 and eps >= 1))
    opt = cf.best_robust_classifier(model, threat)
    if isinstance(opt.classifier, RoundedClassifier):
        got = cf.rounded_accuracy(model, opt.classifier, threat).robust_accuracy
    else:
        got = cf.linear_accuracy(model, opt.classifier, threat).robust_accuracy
    assert abs(got - opt.value) <= 64 * EPS64 * (1 + model.mu), (got, opt)


# --------------------------------------------------------------------------- Theorem 2.1
@given(S.model_and_stats(model=S.models(p=S.ps_below_one)), st.floats(0.0, 3.0),
       st.sampled_from(["linf_full", "linf_weak"]))
def test_theorem_2_1_bound_holds_for_linear_classifiers(ms, extra, kind):
    model, st_ = ms
    eps = 2 * model.eta + extra  # eps >= 2 eta
    std = stats_acc(model, st_, "standard")[0]
    rob = stats_acc(model, st_, kind, eps)[0]
    bound = float(cf.theorem_2_1_bound(model.p, std))
    ratio = model.p / (1 - model.p)
    # the bound multiplies the error of std by p/(1-p), plus its own relative rounding
    tol = (ratio + 1) * (acc_tol(model, st_) + ULP_TOL) + 4 * EPS64 * bound
    assert rob <= bound + tol, (kind, rob, bound, std)


def test_theorem_2_1_bound_is_infinite_at_p_one_and_vectorised():
    assert float(cf.theorem_2_1_bound(1.0, 0.3)) == math.inf
    np.testing.assert_allclose(cf.theorem_2_1_bound([0.5, 0.95], [0.9, 0.99]), [0.1, 0.19],
                               rtol=1e-12)


# --------------------------------------------------------------------------- limits
@given(S.models(p=st.just(0.5)))
def test_p_half_bayes_is_the_averaging_accuracy(model):
    got = cf.bayes_accuracy(model).standard_accuracy
    assert abs(got - float(ndtr(model.mu))) <= 64 * EPS64


@given(S.models(eta=st.just(0.0)), st.floats(0.0, 0.49))
def test_eta_zero_bayes_is_p_and_averaging_is_half(model, eps):
    assert cf.bayes_accuracy(model).standard_accuracy == model.p
    res = cf.linear_accuracy(model, averaging(model.d), ThreatModel("linf", eps))
    assert res.standard_accuracy == 0.5  # the averaging score is N(0, 1/d) for both labels
    assert res.robust_accuracy <= 0.5


@given(S.models(p=st.integers(1, 15).map(lambda k: 1 - 10.0**-k)))
def test_p_to_one_bayes_to_one(model):
    res = cf.bayes_accuracy(model)
    # Bayes beats sign(x1), whose error is 1 - p -> 0
    assert res.standard_error_rate <= (1 - model.p) * (1 + 1e-12)
    assert res.standard_accuracy >= model.p - ULP_TOL


@given(S.models(p=st.just(1.0)))
def test_p_one_bayes_is_perfect(model):
    res = cf.bayes_accuracy(model)
    assert res.standard_accuracy == 1.0 and res.standard_error_rate == 0.0
    assert res.log_standard_error_rate == -math.inf


@given(S.models())
def test_bayes_dominates_named_classifiers(model):
    best = cf.bayes_accuracy(model).standard_accuracy
    assert best >= model.p - ULP_TOL  # sign(x1)
    assert best >= float(ndtr(model.mu)) - 64 * EPS64 * (1 + model.mu)  # averaging


# --------------------------------------------------------------------------- spec closed forms
@given(S.models(), S.epss)
def test_averaging_closed_forms(model, eps):
    """Spec §3.4: Std = Phi(mu), Rob_inf = Phi(mu - eps sqrt d), Rob_2 = Phi(mu - eps)."""
    clf, sd = averaging(model.d), math.sqrt(model.d)
    tol = 64 * EPS64 * (1 + model.mu + eps * sd)
    r_inf = cf.linear_accuracy(model, clf, ThreatModel("linf", eps))
    r_2 = cf.linear_accuracy(model, clf, ThreatModel("l2", eps))
    assert abs(r_inf.standard_accuracy - ndtr(model.mu)) <= tol
    assert abs(r_inf.robust_accuracy - ndtr(model.mu - eps * sd)) <= tol
    assert abs(r_2.robust_accuracy - ndtr(model.mu - eps)) <= tol


@given(S.models(), S.epss, st.sampled_from(["linf", "l2"]))
def test_robust_x1_closed_forms(model, eps, norm):
    """Spec §3.5: sign(x1) has Std = p and Rob = p for eps < 1, 0 for eps >= 1 (ties fail)."""
    res = cf.linear_accuracy(model, robust_x1(model.d), ThreatModel(norm, eps))
    assert res.standard_accuracy == model.p
    assert res.robust_accuracy == (model.p if eps < 1 else 0.0)
    weak = cf.linear_accuracy(model, robust_x1(model.d), ThreatModel.weak_only(norm, eps))
    assert weak.robust_accuracy == model.p


# --------------------------------------------------------------------------- tie convention
@pytest.mark.parametrize("norm", ["linf", "l2"])
@pytest.mark.parametrize("p", [0.5, 0.9, 1.0])
def test_sign_x1_at_eps_one_is_never_robust(norm, p):
    model = ToyModel(p, 0.3, 7)
    res = cf.linear_accuracy(model, robust_x1(7), ThreatModel(norm, 1.0))
    assert res.robust_accuracy == 0.0
    assert res.robust_error_rate == 1.0
    just_below = cf.linear_accuracy(model, robust_x1(7), ThreatModel(norm, np.nextafter(1.0, 0)))
    assert just_below.robust_accuracy == p


@pytest.mark.parametrize("threat", [None, ThreatModel("linf", 0.5), ThreatModel("l2", 2.0),
                                    ThreatModel.weak_only("linf", 3.0)])
def test_constant_classifier(threat):
    model = ToyModel(0.9, 0.2, 5)
    zero = cf.linear_accuracy(model, ConstantClassifier(5, 0.0), threat)
    assert zero.standard_accuracy == 0.0 and zero.robust_accuracy == 0.0  # sign(0): always wrong
    assert zero.standard_error_rate == 1.0 and zero.log_standard_error_rate == 0.0
    for b in (1.0, -2.5, 1e-300):
        res = cf.linear_accuracy(model, ConstantClassifier(5, b), threat)
        assert res.standard_accuracy == 0.5 and res.robust_accuracy == 0.5


# --------------------------------------------------------------------------- extreme inputs (bugs found by these tests, fixed)
def test_bayes_accuracy_for_subnormal_eta():
    model = ToyModel(0.9, 1e-310, 1)
    assert cf.bayes_accuracy(model).standard_accuracy == pytest.approx(0.9)


def test_robust_optimal_linear_for_subnormal_eps():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        opt = cf.best_robust_linear_classifier(ToyModel(0.5, 1.0, 1), ThreatModel("linf", 1e-311))
    assert opt.value == pytest.approx(float(ndtr(1.0)))


def test_error_rate_of_an_always_wrong_classifier_is_one():
    model = ToyModel(0.792217326111806, 0.0, 1)
    res = cf.linear_accuracy(model, ConstantClassifier(1, 0.0))  # sign(0): every answer wrong
    assert res.standard_accuracy == 0.0
    assert res.standard_error_rate <= 1.0
    assert res.log_standard_error_rate <= 0.0
