"""The fast accuracy path of the phase grids (robtheory.theory._grid) against the generated closed forms."""

import math
import tracemalloc

import numpy as np
import pytest

from robtheory.theory._grid import KINDS, grid_backend, unbiased_accuracy
from robtheory.theory.closed_form import accuracy_stats

BACKENDS = ["numba", "numpy"]


def _points(rng, n, kind, span=38.0):
    """Random unbiased classifiers whose two margins m_+/Q, m_-/Q are spread over [-span, span].

    The statistics are solved from target standardised margins, so both tails (accuracies within
    1e-300 of 0 and error rates down to ~1e-300) are visited for every threat model."""
    p = rng.uniform(0.5, 1.0, n)
    p[:5] = [0.5, 1.0, 0.75, 0.999999, 0.5 + 1e-12]
    xp, xm = rng.uniform(-span, span, n), rng.uniform(-span, span, n)
    Q = 10.0 ** rng.uniform(-2, 2, n)
    eta = rng.uniform(0.05, 2.0, n)
    eps = rng.uniform(0.0, 1.5, n)
    a = 0.5 * (xp - xm) * Q
    U1 = Q * rng.uniform(1.0, 5.0, n)  # any value >= Q is a valid ||u||_1 for some u
    pen = {"standard": 0.0, "linf_full": eps * (U1 + np.abs(a)), "linf_weak": eps * U1,
           "l2_full": eps * np.sqrt(Q * Q + a * a), "l2_weak": eps * Q}[kind]
    S = (0.5 * (xp + xm) * Q + pen) / eta
    return p, eta, eps, a, S, Q, U1


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("kind", list(KINDS))
def test_matches_accuracy_stats_in_both_tails(kind, backend):
    rng = np.random.default_rng(KINDS[kind])
    p, eta, eps, a, S, Q, U1 = _points(rng, 20000, kind)
    acc, err = unbiased_accuracy(p, eta, eps, a, S, Q, U1, kind, error_rate=True, backend=backend)
    ref_acc, ref_err, _ = accuracy_stats(p, eta, eps, a, 0.0, S, Q, U1, kind)
    assert np.max(np.abs(acc - ref_acc)) <= 4e-16
    # Error rates: relative 1e-12 wherever the reference is a normal double (its exp(log) is
    # exact to ~1e-13 there); below that both underflow and agree absolutely.
    normal = ref_err > 1e-300
    assert normal.sum() > 15000 and (ref_err[normal] < 1e-200).sum() > 100  # the far tail is visited
    rel = np.abs(err[normal] - ref_err[normal]) / ref_err[normal]
    assert rel.max() <= 1e-12, (rel.max(), ref_err[normal][np.argmax(rel)])
    assert np.all(np.abs(err[~normal] - ref_err[~normal]) <= 1e-300)
    # Next to 1 the error rate is not 1 - accuracy: it keeps its digits.
    tiny = ref_err[normal] < 1e-20
    assert tiny.any() and np.all(acc[normal][tiny] == 1.0) and np.all(err[normal][tiny] > 0)
    # accuracy alone is the same number as with the error rate
    alone = unbiased_accuracy(p, eta, eps, a, S, Q, U1, kind, backend=backend)
    assert np.array_equal(alone, acc)


@pytest.mark.parametrize("backend", BACKENDS)
def test_error_rates_against_mpmath(backend):
    """An independent oracle: 60-digit Phi of the same float64 margins."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 60
    rng = np.random.default_rng(7)
    p, eta, eps, a, S, Q, U1 = _points(rng, 300, "linf_full")
    _, err = unbiased_accuracy(p, eta, eps, a, S, Q, U1, "linf_full", error_rate=True, backend=backend)
    for i in range(p.size):
        pen = eps[i] * (U1[i] + abs(a[i]))
        se = S[i] * eta[i]
        mp_, mm_ = (se + a[i]) - pen, (se - a[i]) - pen  # the float64 margins both paths use
        exact = (mpmath.mpf(p[i]) * mpmath.ncdf(-mpmath.mpf(mp_) / mpmath.mpf(Q[i]))
                 + (1 - mpmath.mpf(p[i])) * mpmath.ncdf(-mpmath.mpf(mm_) / mpmath.mpf(Q[i])))
        if exact > mpmath.mpf("1e-300"):
            assert abs(err[i] - float(exact)) <= 1e-12 * float(exact), (i, err[i], exact)


@pytest.mark.parametrize("backend", BACKENDS)
def test_zero_weak_weight_is_an_indicator_with_ties_as_errors(backend):
    # sign(x1): a = 1, u = 0. Standard accuracy p; robust p for eps < 1, 0 at eps = 1 (margin 0
    # is an error) and beyond.
    p = np.array([0.6, 0.9, 1.0])
    for eps, expected in ((0.0, p), (0.5, p), (1.0, 0 * p), (1.5, 0 * p)):
        acc, err = unbiased_accuracy(p, 0.3, eps, 1.0, 0.0, 0.0, 0.0, "linf_full", error_rate=True,
                                     backend=backend)
        assert np.array_equal(acc, expected) and np.array_equal(err, 1 - expected)


def test_backends_agree_and_broadcast():
    P = np.linspace(0.5, 0.99, 7)[:, None]
    mu = np.linspace(0.0, 6.0, 9)[None, :]
    out = {}
    for b in BACKENDS:
        out[b] = unbiased_accuracy(P, mu / 10, 2 * mu / 10, 1.3, 10.0, 1.0, 10.0, "linf_full", backend=b)
        assert out[b].shape == (7, 9)
    assert np.allclose(out["numba"], out["numpy"], rtol=0, atol=4e-16)
    scalar = unbiased_accuracy(0.9, 0.1, 0.0, 0.0, 100.0, 10.0, 100.0)
    assert scalar.shape == () and float(scalar) == pytest.approx(0.5 * math.erfc(-1 / math.sqrt(2)), abs=1e-15)


def test_memory_is_the_outputs_only():
    """A 1000 x 1000 grid broadcast from its axes allocates its two outputs and nothing of
    the grid's size besides (tracemalloc sees NumPy's allocations)."""
    if grid_backend("auto") != "numba":
        pytest.skip("numba is switched off or not importable here")
    P = np.linspace(0.5, 0.999, 1000)[:, None]
    eta = np.linspace(0.0, 0.5, 1000)[None, :]
    unbiased_accuracy(P[:2], eta[:, :2], 0.0, 0.7, 10.0, 1.0, 10.0, error_rate=True)  # load the kernels
    tracemalloc.start()
    try:
        unbiased_accuracy(P, eta, 0.0, 0.7, 10.0, 1.0, 10.0, error_rate=True)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert 16e6 <= peak <= 16e6 + 1e6  # 2 x 8 bytes per point, plus small change


def test_bad_inputs_name_the_value(monkeypatch):
    with pytest.raises(ValueError, match="kind 'linf'"):
        unbiased_accuracy(0.9, 0.1, 0.0, 1.0, 1.0, 1.0, 1.0, "linf")
    with pytest.raises(ValueError, match="backend='gpu'"):
        unbiased_accuracy(0.9, 0.1, 0.0, 1.0, 1.0, 1.0, 1.0, backend="gpu")
    with pytest.raises(ValueError, match="p=1.5"):
        unbiased_accuracy([0.9, 1.5], 0.1, 0.0, 1.0, 1.0, 1.0, 1.0)
    monkeypatch.setenv("ROBTHEORY_DISABLE_NUMBA", "1")
    assert grid_backend("auto") == "numpy"
    with pytest.raises(ValueError, match="ROBTHEORY_DISABLE_NUMBA"):
        grid_backend("numba")


def test_kernels_need_scipys_ndtr_with_its_exact_signature(monkeypatch):
    """Without SciPy's C ndtr (exact signature) the kernels refuse to load and the NumPy
    reference runs instead."""
    from robtheory.theory import _grid

    try:
        from robtheory.theory import _grid_numba
    except ImportError as exc:
        pytest.skip(f"numba kernels not importable here: {exc}")
    monkeypatch.setattr(_grid_numba, "_NDTR_SIGNATURE", b"double (double)")
    with pytest.raises(ImportError, match="signature"):
        _grid_numba._register_scipy_ndtr()
    monkeypatch.setattr(_grid, "_numba_kernels", lambda: (None, "no kernels (test)"))
    assert grid_backend("auto") == "numpy"
    with pytest.raises(ValueError, match="no kernels"):
        grid_backend("numba")
    assert float(unbiased_accuracy(0.9, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0)) == 0.9


def test_phase_grid_is_the_same_on_the_numpy_reference(monkeypatch):
    """robtheory.phase evaluates every accuracy through this path; with numba switched off it
    runs the NumPy reference and gives the same Dataset to rounding."""
    from robtheory.phase import phase_grid

    kw = dict(mu=np.linspace(0.0, 6.0, 7), eps_over_eta=[0.0, 0.5, 1.0, 2.0, 3.0])
    fast = phase_grid([0.5, 0.8, 0.99], [1, 100], **kw)
    monkeypatch.setenv("ROBTHEORY_DISABLE_NUMBA", "1")
    ref = phase_grid([0.5, 0.8, 0.99], [1, 100], **kw)
    for v in fast.data_vars:
        a, b = fast[v].values, ref[v].values
        assert np.allclose(a, b, rtol=0, atol=1e-15, equal_nan=True), v


# ------------------------------------------------------------ hand-written mirrors of derived formulas
def _resolve(dotted):
    import importlib

    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for name in parts[i:]:
            obj = getattr(obj, name)
        return obj
    raise ImportError(dotted)


def test_every_mirror_names_real_code_and_a_real_test():
    """The table is true: each kernel and source exists, and each tying test is a test function."""
    import ast
    from pathlib import Path

    from robtheory.theory._grid import MIRRORS

    root = Path(__file__).resolve().parents[2]
    assert len({m.kernel for m in MIRRORS}) == len(MIRRORS)
    for m in MIRRORS:
        if m.kernel.startswith("robtheory.theory._grid_numba") and grid_backend("auto") != "numba":
            continue  # the numba kernels do not import here
        assert callable(_resolve(m.kernel)), m.kernel
        assert _resolve(m.source) is not None, m.source
        path, func = m.test.split("::")
        tree = ast.parse((root / path).read_text())
        names = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        assert func in names and func.startswith("test_"), m.test


@pytest.mark.parametrize("norm, full", [("linf", True), ("linf", False), ("l2", True), ("l2", False)])
def test_linear_family_mirrors_the_generated_accuracies(norm, full):
    """frontier._LinearFamily re-states the accuracies of sign(a x1 + u.z + b), |u|_2 = 1,
    S = U1 = r, in plain SciPy for the optimiser: its values equal the generated closed forms and
    its gradients their central differences; its scalar path equals its array path."""
    from robtheory import ThreatModel, ToyModel
    from robtheory.theory.closed_form import variant
    from robtheory.theory.linear_frontier import _LinearFamily

    d = 16
    model, threat = ToyModel(0.8, 0.3, d), ThreatModel(norm, 0.2, perturb_x1=full)
    fam = _LinearFamily(model, threat)
    rng = np.random.default_rng(4)
    a, b = rng.uniform(-2, 2, 25), rng.uniform(-1, 1, 25)
    r = rng.uniform(1.0, math.sqrt(d), 25) if norm == "linf" else np.full(25, math.sqrt(d))

    def generated(a, b, r, k):
        return accuracy_stats(model.p, model.eta, threat.eps, a, b, r, 1.0, r, k)[0]

    (std, gstd), (rob, grob) = fam.evaluate(a, b, r)
    np.testing.assert_allclose(std, generated(a, b, r, "standard"), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(rob, generated(a, b, r, variant(threat)), rtol=1e-13, atol=1e-15)
    h = 1e-6
    for j in range(3 if norm == "linf" else 2):
        e = np.zeros(3)
        e[j] = h
        for val, grad, k in ((std, gstd, "standard"), (rob, grob, variant(threat))):
            fd = (generated(a + e[0], b + e[1], r + e[2], k) - generated(a - e[0], b - e[1], r - e[2], k)) / (2 * h)
            np.testing.assert_allclose(grad[j], fd, atol=1e-7)
    for i in range(5):
        s_std, s_gstd, s_rob, s_grob = fam.scalar(float(a[i]), float(b[i]), float(r[i]))
        assert s_std == pytest.approx(std[i], abs=1e-15) and s_rob == pytest.approx(rob[i], abs=1e-15)
        np.testing.assert_allclose(s_gstd, gstd[:, i], atol=1e-14)
        np.testing.assert_allclose(s_grob, grob[:, i], atol=1e-14)
