"""The compiled training-set filler against the NumPy reference stream, and thread-count independence."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from robtheory import ToyModel
from robtheory.finite.learners import TRIAL_STRIDE, training_set
from robtheory.mc.reference import sample_dataset

pytest.importorskip("numba")
from robtheory.mc.dataset_numba import sample_dataset_fast  # noqa: E402

CASES = [  # (p, eta, d, n, trial, seed)
    (0.9, 0.5, 1, 7, 0, 1),
    (0.95, 0.3, 100, 257, 3, 0),
    (0.7, 1.0, 2, 33, 2**24 - 1, 2**64 - 1),
    (0.8, 0.2, 101, 64, 17, 12345),
    (0.99, 0.05, 5, 1, 5, 2**32 + 7),
]


@pytest.mark.parametrize("p, eta, d, n, trial, seed", CASES)
def test_compiled_training_set_is_bit_identical_to_the_reference(p, eta, d, n, trial, seed) -> None:
    model = ToyModel(p, eta, d)
    X_ref, y_ref = sample_dataset(model, n, seed, start=trial * TRIAL_STRIDE)
    X, y = sample_dataset_fast(model, n, seed, start=trial * TRIAL_STRIDE)
    assert X.dtype == X_ref.dtype and X.shape == X_ref.shape and X.flags.c_contiguous
    assert X.tobytes() == X_ref.tobytes() and y.tobytes() == y_ref.tobytes()
    X_t, y_t = training_set(model, n, trial, seed)  # the learning curves' entry point
    assert X_t.tobytes() == X_ref.tobytes() and y_t.tobytes() == y_ref.tobytes()


def test_the_comparison_sees_a_row_offset_by_one() -> None:
    """Negative control: the same rows shifted by one counter value are not accepted as equal."""
    model = ToyModel(0.9, 0.3, 10)
    X_ref, _ = sample_dataset(model, 20, 3, start=TRIAL_STRIDE)
    X_off, _ = sample_dataset_fast(model, 20, 3, start=TRIAL_STRIDE + 1)
    assert X_off.tobytes() != X_ref.tobytes()
    assert X_off[:-1].tobytes() == X_ref[1:].tobytes()  # it is the next row, as the stream says


def test_training_sets_do_not_depend_on_the_thread_count() -> None:
    model = ToyModel(0.95, 0.3, 30)
    one = [training_set(model, 200, t, 11) for t in range(6)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        many = list(pool.map(lambda t: training_set(model, 200, t, 11), range(6)))
    for (X1, y1), (X2, y2) in zip(one, many):
        assert X1.tobytes() == X2.tobytes() and y1.tobytes() == y2.tobytes()


def test_svm_learning_curve_does_not_depend_on_the_worker_count() -> None:
    from robtheory.finite.learning_curve import learning_curve

    model = ToyModel(0.9, 0.3, 6)
    kw = dict(learner="svm", trials=4, seed=2, lam=0.05)
    a = learning_curve(model, [10, 40], [0.0, 0.2], workers=1, **kw)
    b = learning_curve(model, [10, 40], [0.0, 0.2], workers=2, **kw)
    for key in ("standard_accuracy", "robust_accuracy", "standard_accuracy_se"):
        assert a[key].values.tobytes() == b[key].values.tobytes()


def test_svm_curve_without_numba_uses_the_public_solver(monkeypatch) -> None:
    """ROBTHEORY_DISABLE_NUMBA: the same training sets (reference sampler) and fit_svm; the curve
    agrees with the fast path to the accuracy tolerance it certifies."""
    from robtheory.finite.learning_curve import learning_curve

    model = ToyModel(0.9, 0.3, 6)
    kw = dict(learner="svm", trials=3, seed=4, lam=0.05, workers=1)
    fast = learning_curve(model, [10, 40], [0.0, 0.3], **kw)
    monkeypatch.setenv("ROBTHEORY_DISABLE_NUMBA", "1")
    slow = learning_curve(model, [10, 40], [0.0, 0.3], **kw)
    tol = fast.attrs["svm_accuracy_error_bound"] + slow.attrs["svm_accuracy_error_bound"]
    for key in ("standard_accuracy", "robust_accuracy"):
        assert np.max(np.abs(fast[key].values - slow[key].values)) <= tol + 1e-12
