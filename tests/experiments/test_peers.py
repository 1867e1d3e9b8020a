"""The benchmark's peers (robtheory.experiments.peers) sample the benchmark's workload.

A peer pipeline that drew the wrong distribution (or counted the wrong margin) would make the
benchmark's ratios meaningless; each pipeline's counts are tested against the closed form at a
stated false-alarm rate, with a negative control, and the bare Philox generator against the NumPy
reference stream.
"""

from __future__ import annotations

import numpy as np
import pytest

from robtheory import stats
from robtheory.classifiers import LinearClassifier
from robtheory.experiments import peers
from robtheory.mc import philox
from robtheory.model import ThreatModel, ToyModel
from robtheory.theory.closed_form import linear_accuracy

D = 10
N = 60_000
ALPHA = 1e-6  # per test; a handful of tests, so the family-wise rate stays below 1e-5


def _closed_form(d: int) -> tuple[float, float]:
    w = peers.WORKLOAD
    model = ToyModel(w["p"], w["eta"], d)
    weights = np.full(d + 1, 1.0 / d)
    weights[0] = w["w1"]
    clf = LinearClassifier(weights, w["b"])
    acc = linear_accuracy(model, clf, ThreatModel("linf", w["eps"]))
    return float(acc.standard_accuracy), float(acc.robust_accuracy)


def _agrees(count: int, n: int, p0: float) -> bool:
    return stats.agreement_test(count, n, p0, ALPHA).passed


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("threads", [1, 2])
def test_numpy_pipeline_samples_the_workload(threads, dtype):
    std, rob = _closed_form(D)
    assert rob < std - 0.01  # the robust count is a different quantity at this d
    r = peers.numpy_pipeline(D, N, threads=threads, dtype=dtype, repeats=1)
    assert r["n"] == N and r["normals_per_second"] > 0
    assert _agrees(r["standard_count"], N, std)
    assert _agrees(r["robust_count"], N, rob)
    # a pipeline that forgot the penalty would count the standard margin twice: caught
    assert not _agrees(r["robust_count"], N, std)


def test_negative_control_a_wrong_closed_form_is_rejected():
    # the same counts against the accuracy of a model with eta = 0.2 (twice the workload's)
    std, _ = _closed_form(D)
    w = peers.WORKLOAD
    wrong_model = ToyModel(w["p"], 2 * w["eta"], D)
    weights = np.full(D + 1, 1.0 / D)
    weights[0] = w["w1"]
    wrong = float(linear_accuracy(wrong_model, LinearClassifier(weights, 0.0)).standard_accuracy)
    r = peers.numpy_pipeline(D, N, threads=1, repeats=1)
    assert _agrees(r["standard_count"], N, std)
    assert not _agrees(r["standard_count"], N, wrong)
    # and the test could have seen it: the deviation is far above the detectable one
    assert abs(wrong - std) > stats.min_detectable(N, std, ALPHA)


def test_torch_pipeline_samples_the_workload():
    pytest.importorskip("torch", reason="torch not installed (pip install 'robtheory[torch]')")
    std, rob = _closed_form(D)
    r = peers.torch_pipeline(D, N, dtype=np.float64, repeats=1)
    assert _agrees(r["standard_count"], N, std)
    assert _agrees(r["robust_count"], N, rob)


@pytest.mark.parametrize("dtype,d", [(np.float64, 10), (np.float64, 7), (np.float32, 8), (np.float32, 6)])
def test_robtheory_bare_generator_draws_the_reference_stream(dtype, d):
    from robtheory.mc import cpu

    per = 4 if dtype == np.float32 else 2
    width = per * (-(-d // per))  # the padding normals of the last block are drawn too
    ref = philox.normal_matrix(3, 5, 1000, width, dtype=dtype).astype(np.float64).sum()
    got = cpu.normal_sum(d, 1000, 3, start=5, dtype=dtype)
    tol = 1e-9 if dtype == np.float64 else 1e-3  # float32 sums in another order
    assert abs(got - ref) <= tol
    assert abs(cpu.normal_sum(d, 1000, 4, start=5, dtype=dtype) - ref) > 1.0  # another seed differs


def test_bad_thread_count_names_the_value():
    with pytest.raises(ValueError, match="threads=0"):
        peers.numpy_pipeline(D, 10, threads=0)
