"""The numba kernels against the NumPy oracle on the same stream.

float64: counts are identical to the oracle's (bit-level agreement of the samples up to
a few ulps of the normal transform, which no margin here comes close to). float32:
statistical agreement with the closed forms at a stated false-alarm rate, and the
transform within a dtype-keyed ulp bound of the reference's float32 stream.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from robtheory import (
    LinearClassifier,
    ThreatModel,
    ToyModel,
    averaging,
    bayes,
    robust_x1,
)
from robtheory.mc import check_against_closed_form
from robtheory.mc import philox as P
from robtheory.mc import reference as R
from robtheory.stats import familywise_alpha

numba = pytest.importorskip("numba", reason="numba is not installed")
from robtheory.mc import cpu

TOTAL_ALPHA = 1e-6
N_CHECKS = 2 * 3  # float32 closed-form checks below
ALPHA = familywise_alpha(TOTAL_ALPHA, N_CHECKS)

THREATS = [None, ThreatModel("linf", 0.1), ThreatModel.weak_only("linf", 0.2),
           ThreatModel("l2", 0.6), ThreatModel.weak_only("l2", 0.6)]


def _w(d: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=d + 1) + 0.2


def _both(model, w, b, threat, n, seed, start=0, dtype=np.float64):
    pen = R.robust_penalty(w, threat)
    ref = R.linear_counts(model, w, b, threat, n, seed, start=start, dtype=dtype)
    fast = cpu.linear_counts(w, b, pen, model.eta, model.p, n, seed, start=start, dtype=dtype)
    return ref, fast


@pytest.mark.parametrize("d", [1, 2, 3, 7, 50])
def test_numba_counts_equal_numpy_float64(d):
    model = ToyModel(0.75, 0.25, d)
    for k, threat in enumerate(THREATS):
        ref, fast = _both(model, _w(d, d + k), 0.1 * k - 0.2, threat, 1500, seed=d * 31 + k)
        assert ref == fast, (d, threat)


@pytest.mark.parametrize("start", [2**31 - 100, 2**32 - 7, 2**32 + 3, 2**63 + 5, 2**64 - 700])
def test_numba_counts_equal_numpy_past_2_32(start):
    # sample indices past 2**31 and 2**32 (and up to 2**64 - 1) are the reference's samples
    model = ToyModel(0.9, 0.2, 9)
    ref, fast = _both(model, _w(9, 1), 0.0, ThreatModel("linf", 0.15), 700, seed=2**40 + 1,
                      start=start)
    assert ref == fast


def test_named_classifiers_equal_numpy():
    model = ToyModel(0.8, 0.3, 16)
    for clf in (averaging(16), bayes(model), robust_x1(16)):
        ref, fast = _both(model, clf.weights(), clf.b, ThreatModel("linf", 0.1), 4000, seed=5)
        assert ref == fast


def test_normal_transform_float64_within_ulps():
    # fdlibm log / sin / cos (<= 1 ulp each) against NumPy's: |dz| <= 4 eps (|z| + r), r = |(za, zb)|
    seed, start, count, d = 77, 2**33 + 1, 3000, 16
    a = cpu.normal_matrix(seed, start, count, d, np.float64)
    b = P.normal_matrix(seed, start, count, d, dtype=np.float64)
    r = np.repeat(np.hypot(b[:, 0::2], b[:, 1::2]), 2, axis=1)
    eps = np.finfo(np.float64).eps
    assert np.all(np.abs(a - b) <= 4 * eps * (np.abs(b) + r))
    assert np.mean(a == b) > 0.5  # mostly bit-identical


def test_normal_transform_float32_within_ulps():
    # cephes logf / sinf / cosf in float32 against the rounded float64 Box-Muller
    seed, start, count, d = 78, 2**35 + 9, 3000, 16
    a = cpu.normal_matrix(seed, start, count, d, np.float32).astype(np.float64)
    b = P.normal_matrix(seed, start, count, d, dtype=np.float32).astype(np.float64)
    r = np.repeat(np.hypot(b[:, 0::2], b[:, 1::2]), 2, axis=1)
    eps = float(np.finfo(np.float32).eps)
    assert np.all(np.abs(a - b) <= 8 * eps * (np.abs(b) + r))


@pytest.mark.parametrize("clf_name, threat", list(itertools.product(
    ["bayes", "random"], [ThreatModel("linf", 0.1)])) + [("averaging", ThreatModel("l2", 0.5))])
def test_float32_agrees_with_closed_form(clf_name, threat):
    model = ToyModel(0.8, 0.2, 25)
    clf = {"bayes": bayes(model), "averaging": averaging(25),
           "random": LinearClassifier(_w(25, 3), 0.1)}[clf_name]
    res = check_against_closed_form(model, clf, threat, n=200_000, seed=21, backend="numba",
                                    dtype=np.float32, total_alpha=TOTAL_ALPHA, n_checks=N_CHECKS)
    assert res["dtype"] == "float32" and res["passed"], res


def test_counts_do_not_depend_on_threads_or_call_size(monkeypatch):
    model = ToyModel(0.7, 0.3, 11)
    w = _w(11, 9)
    pen = R.robust_penalty(w, ThreatModel("linf", 0.1))
    args = (w, 0.05, pen, model.eta, model.p, 5000, 123)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = cpu.linear_counts(*args), cpu.marginal_sums(11, 0.3, 0.7, 5000, 123)
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        many = cpu.linear_counts(*args), cpu.marginal_sums(11, 0.3, 0.7, 5000, 123)
    finally:
        numba.set_num_threads(before)
    assert one == many  # counts and float sums, bit for bit
    monkeypatch.setattr(cpu, "MAX_CALL", 1000)  # five kernel calls instead of one
    calls = []
    assert cpu.linear_counts(*args, progress=calls.append) == one[0]
    assert calls == [1000] * 5


def test_marginals_equal_numpy():
    model = ToyModel(0.85, 0.4, 13)
    for start in (0, 2**32 + 11):
        ref = R.marginal_sums(model, 3000, 8, start=start)
        fast = cpu.marginal_sums(13, 0.4, 0.85, 3000, 8, start=start)
        for k in ("n", "d", "n_pos", "x1_eq_y_pos", "x1_eq_y_neg"):
            assert ref[k] == fast[k]
        for k in ("sum_x_pos", "sum_x_neg", "sum_x2"):
            assert fast[k] == pytest.approx(ref[k], rel=1e-12, abs=1e-9)
