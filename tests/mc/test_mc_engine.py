"""The engine: backend selection, the result contract, and the negative controls.

Negative controls (design principle 7): each deliberately wrong closed form is rejected by
:func:`check_against_closed_form` at its default n (10**6) and family-wise false-alarm
rate (1e-6), and the test shows by a computed bound that this is no accident: the
induced deviation exceeds ``min_detectable`` at power 1 - 1e-6, i.e. the wrong formula
escapes with probability below 1e-6. The same call with the right formula passes.
"""

from __future__ import annotations

import importlib.util
import inspect
import subprocess
import sys

import numpy as np
import pytest
from scipy.special import ndtr

from robtheory import (
    ConstantClassifier,
    LinearClassifier,
    RoundedClassifier,
    StructuredLinear,
    ThreatModel,
    ToyModel,
    averaging,
    bayes,
    linear_accuracy,
    robust_x1,
)
from robtheory.theory.closed_form import accuracy_stats
from robtheory.mc import engine
from robtheory.mc.engine import (
    check_against_closed_form,
    check_marginals,
    estimate_linear,
    resolve_backend,
)
from robtheory.stats import familywise_alpha, min_detectable

DEFAULT_N = inspect.signature(check_against_closed_form).parameters["n"].default
DEFAULT_ALPHA = familywise_alpha(engine.DEFAULT_TOTAL_ALPHA, 2)
ESCAPE = 1e-6  # allowed probability that a wrong formula passes

HAVE_NUMBA = importlib.util.find_spec("numba") is not None
FAST = "numba" if HAVE_NUMBA else "numpy"


@pytest.fixture
def no_gpu(monkeypatch):
    monkeypatch.setenv("ROBTHEORY_DISABLE_CUPY", "1")


# --------------------------------------------------------------------------- backends
def test_backend_resolution_and_switches(monkeypatch, no_gpu):
    assert resolve_backend("numpy") == "numpy"
    assert resolve_backend("auto") == FAST
    monkeypatch.setenv("ROBTHEORY_DISABLE_NUMBA", "1")
    assert resolve_backend("auto") == "numpy"
    with pytest.raises(ValueError, match="ROBTHEORY_DISABLE_NUMBA"):
        resolve_backend("numba")
    with pytest.raises(ValueError, match="ROBTHEORY_DISABLE_CUPY"):
        resolve_backend("cupy")
    monkeypatch.setenv("ROBTHEORY_DISABLE_NUMBA", "0")
    assert resolve_backend("auto") == FAST
    with pytest.raises(ValueError, match="'tpu'"):
        resolve_backend("tpu")
    status = engine.backend_status()
    assert set(status) == {"numpy", "numba", "cupy"} and status["numpy"] == (True, "ok")


def test_auto_prefers_a_usable_gpu(monkeypatch):
    from robtheory.mc import gpu

    monkeypatch.delenv("ROBTHEORY_DISABLE_CUPY", raising=False)
    monkeypatch.setattr(gpu, "_probe", lambda: (True, "ok"))
    assert resolve_backend("auto") == "cupy"
    monkeypatch.setenv("ROBTHEORY_DISABLE_CUPY", "1")
    assert resolve_backend("auto") == FAST


def test_import_loads_neither_numba_nor_cupy():
    code = ("import sys, robtheory, robtheory.mc, robtheory.mc.engine, robtheory.mc.reference; "
            "print('numba' in sys.modules, 'cupy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


# --------------------------------------------------------------------------- contract
@pytest.mark.parametrize("backend", ["numpy", FAST])
def test_estimate_linear_contract(backend, no_gpu):
    model = ToyModel(0.8, 0.3, 12)
    res = estimate_linear(model, bayes(model), ThreatModel("linf", 0.1), n=3000, seed=2,
                          backend=backend)
    assert res["backend"] == backend and res["n"] == 3000 and res["dtype"] == "float64"
    acc = linear_accuracy(model, bayes(model), ThreatModel("linf", 0.1))
    for kind, value in (("standard", acc.standard_accuracy), ("robust", acc.robust_accuracy)):
        e = res[kind]
        assert set(e) >= {"estimate", "count", "n", "ci", "analytic"}
        assert isinstance(e["count"], int) and e["n"] == 3000
        assert e["estimate"] == e["count"] / 3000
        assert len(e["ci"]) == 2 and e["ci"][0] <= e["estimate"] <= e["ci"][1]
        assert e["analytic"] == value


def test_backends_agree_and_classifier_forms(no_gpu):
    model = ToyModel(0.8, 0.3, 12)
    th = ThreatModel.weak_only("l2", 0.4)
    s = StructuredLinear(0.7, 0.2, 12, b=0.1)
    full = LinearClassifier(s.weights(), 0.1)
    results = [estimate_linear(model, clf, th, n=2000, seed=9, backend=b)
               for clf in (s, full, (s.weights(), 0.1)) for b in ("numpy", FAST)]
    counts = {(r["standard"]["count"], r["robust"]["count"]) for r in results}
    assert len(counts) == 1  # same samples, same counts: every form, every backend
    # no threat: robust is standard; the constant classifier is right half the time
    r = estimate_linear(model, averaging(12), None, n=1000, seed=1, backend=FAST)
    assert r["robust"]["count"] == r["standard"]["count"]
    r = estimate_linear(model, ConstantClassifier(12, 1.0), None, n=1000, seed=1, backend=FAST)
    assert r["standard"]["analytic"] == 0.5


def test_progress_reports_every_sample(no_gpu):
    model = ToyModel(0.8, 0.3, 4)
    for backend in ("numpy", FAST):
        seen = []
        estimate_linear(model, averaging(4), None, n=70_001, seed=0, backend=backend,
                        progress=seen.append)
        assert sum(seen) == 70_001


def test_bad_inputs_name_the_value(no_gpu):
    model = ToyModel(0.8, 0.3, 5)
    with pytest.raises(ValueError, match="n=0"):
        estimate_linear(model, averaging(5), None, n=0)
    with pytest.raises(ValueError, match="n=-3"):
        check_against_closed_form(model, averaging(5), None, n=-3)
    with pytest.raises(ValueError, match="'gpu'"):
        estimate_linear(model, averaging(5), None, n=10, backend="gpu")
    with pytest.raises(ValueError, match=r"length d \+ 1 = 6"):
        estimate_linear(model, LinearClassifier(np.ones(4)), None, n=10)
    with pytest.raises(ValueError, match=r"length d \+ 1 = 6"):
        estimate_linear(model, (np.ones(9), 0.0), None, n=10)
    with pytest.raises(ValueError, match="not a linear classifier"):
        estimate_linear(model, RoundedClassifier(1.0, 5), None, n=10)
    with pytest.raises(ValueError, match="seed"):
        estimate_linear(model, averaging(5), None, n=10, seed=2**64)
    with pytest.raises(ValueError, match="float16"):
        estimate_linear(model, averaging(5), None, n=10, dtype="float16")


# --------------------------------------------------------------------------- positive checks
@pytest.mark.parametrize("clf_name, threat", [
    ("averaging", ThreatModel("linf", 0.05)),
    ("bayes", ThreatModel("linf", 0.05)),
    ("sign_x1", ThreatModel("l2", 0.5)),
    ("random", ThreatModel.weak_only("l2", 0.5)),
])
def test_fast_backend_agrees_with_closed_form_at_default_n(clf_name, threat, no_gpu):
    model = ToyModel(0.7, 0.1, 25)
    clf = {"averaging": averaging(25), "bayes": bayes(model), "sign_x1": robust_x1(25),
           "random": LinearClassifier(np.random.default_rng(0).normal(size=26) + 0.2, -0.1)}[clf_name]
    res = check_against_closed_form(model, clf, threat, seed=3, backend=FAST, n_checks=8)
    assert res["n"] == DEFAULT_N and res["passed"], res
    assert res["alpha_per_check"] == pytest.approx(1e-6 / 8)
    assert res["standard"]["agreement"]["min_detectable"] < 0.003


def test_marginals_with_the_fast_backend(no_gpu):
    model = ToyModel(0.7, 0.2, 10)
    res = check_marginals(model, n=200_000, seed=6, backend=FAST)
    assert res["passed"], res
    assert res["backend"] == FAST
    bad = check_marginals(model, n=200_000, seed=6, backend=FAST, expected={"p": 0.3})
    assert not bad["x1_pos"]["passed"] and not bad["x1_neg"]["passed"]


# --------------------------------------------------------------------------- negative controls
def _wrong(model, clf, kind, *, p=None, eta=None, eps=0.0, Q=None):
    st = clf.stats(model)
    return float(accuracy_stats(model.p if p is None else p, model.eta if eta is None else eta,
                                eps, st.a, st.b, st.S, st.Q if Q is None else Q, st.U1, kind)[0])


CONTROLS = {
    # name: (model, classifier, threat, which estimate, the wrong value)
    "p_and_1-p_swapped": lambda: (
        (m := ToyModel(0.55, 0.1, 25)), bayes(m), None, "standard",
        _wrong(m, bayes(m), "standard", p=0.45)),
    "eps_not_applied_to_x1": lambda: (
        (m := ToyModel(0.7, 0.1, 25)), bayes(m), ThreatModel("linf", 0.05), "robust",
        _wrong(m, bayes(m), "linf_weak", eps=0.05)),
    "averaged_variance_1_not_1/d": lambda: (
        (m := ToyModel(0.7, 0.05, 16)), averaging(16), None, "standard",
        _wrong(m, averaging(16), "standard", Q=1.0)),
    "wrong_sign_of_eta": lambda: (
        (m := ToyModel(0.7, 0.01, 25)), averaging(25), None, "standard",
        _wrong(m, averaging(25), "standard", eta=-0.01)),
}


@pytest.mark.parametrize("name", list(CONTROLS))
def test_negative_controls_are_rejected_at_default_n(name, no_gpu):
    model, clf, threat, kind, wrong = CONTROLS[name]()
    right = getattr(linear_accuracy(model, clf, threat), f"{kind}_accuracy")
    # the check has teeth: the deviation is far above what it detects w.p. 1 - 1e-6
    detectable = min_detectable(DEFAULT_N, wrong, DEFAULT_ALPHA, power=1 - ESCAPE)
    assert abs(right - wrong) > 2 * detectable, (right, wrong, detectable)
    good = check_against_closed_form(model, clf, threat, seed=17, backend=FAST)
    bad = check_against_closed_form(model, clf, threat, seed=17, backend=FAST,
                                    analytic={kind: wrong})
    assert good["passed"], good
    assert not bad[kind]["agreement"]["passed"] and not bad["passed"]
    assert bad[kind]["agreement"]["alpha"] == pytest.approx(DEFAULT_ALPHA)


def test_control_formulas_are_what_they_claim():
    # the "variance 1" control is Phi(eta) instead of Phi(eta sqrt(d)); the sign control Phi(-mu)
    m = ToyModel(0.7, 0.05, 16)
    assert _wrong(m, averaging(16), "standard", Q=1.0) == pytest.approx(ndtr(0.05), abs=1e-12)
    assert linear_accuracy(m, averaging(16)).standard_accuracy == pytest.approx(ndtr(0.2), abs=1e-12)
    m = ToyModel(0.7, 0.01, 25)
    assert _wrong(m, averaging(25), "standard", eta=-0.01) == pytest.approx(ndtr(-0.05), abs=1e-12)
    # and p <-> 1 - p swaps the roles of the two x1 branches: sign(x1) would score 1 - p
    m = ToyModel(0.55, 0.1, 25)
    assert _wrong(m, robust_x1(25), "standard", p=0.45) == pytest.approx(0.45, abs=1e-12)


@pytest.mark.parametrize("backend", ["numpy", FAST])
def test_marginals_odd_d_on_every_cpu_backend(backend, no_gpu):
    """Odd d (the last pair of normals is half used) and the per-class x1 tests on each CPU
    backend (verify's marginals run only on the fast one); a p off by 0.03 is rejected in each
    class at the same n."""
    model = ToyModel(0.8, 0.25, 7)
    res = check_marginals(model, n=100_000, seed=12, backend=backend)
    assert res["passed"] and res["backend"] == backend and res["d"] == 7, res
    bad = check_marginals(model, n=100_000, seed=12, backend=backend, expected={"p": 0.77})
    # 0.03 off: min_detectable at n_pm ~ 5e4, alpha = 2e-7 is ~0.011
    assert bad["x1_pos"]["min_detectable"] < 0.015 and not (bad["x1_pos"]["passed"] or bad["x1_neg"]["passed"])
