"""The finite-sample SVM (robtheory.training.fit_svm) converges to its certified gap, or says so.

Checked against things fit_svm does not use: the optimum of issue 17's example (three separate
solvers agree on it), a primal and a dual objective written here from the definitions, and a dual
point found by HiGHS (scipy.optimize.linprog) from the optimality conditions at the returned w,
which by weak duality bounds the optimum from below without trusting fit_svm's own dual point.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize

from robtheory import training as T
from robtheory.training import finite_sample
from robtheory.model import ThreatModel, ToyModel


def _parts(threat):
    norm = None if threat is None or threat.eps == 0 else threat.norm
    eps = 0.0 if norm is None else threat.eps
    start = 1 if (threat is not None and not threat.perturb_x1) else 0
    return norm, eps, start


def primal(X, y, lam, threat, w):
    """P(w) from the definition: mean robust hinge + lam/2 |w|^2."""
    norm, eps, start = _parts(threat)
    part = w[start:]
    pen = 0.0 if norm is None else (np.sum(np.abs(part)) if norm == "linf" else math.sqrt(np.sum(part ** 2)))
    return np.mean(np.maximum(0.0, 1.0 - y * (X @ w) + eps * pen)) + lam / 2 * np.sum(w ** 2)


def dual(X, y, lam, threat, a):
    r"""D(a) = min_w L(w, a) = abar - dist(g, eps*abar*B)^2 / (2 lam), B the adversary's unit ball
    (on the perturbable coordinates): the projection onto the ball is a clip (l_inf) or a radial
    scaling (l_2). Any a in [0, 1]^n gives D(a) <= min P."""
    norm, eps, start = _parts(threat)
    assert np.all((a >= 0) & (a <= 1))
    n = len(y)
    abar = np.sum(a) / n
    g = (X * (a * y)[:, None]).sum(axis=0) / n
    resid = g.copy()
    if norm is not None:
        rad = eps * abar
        gs = g[start:]
        if norm == "linf":
            proj = np.clip(gs, -rad, rad)
        else:
            ng = math.sqrt(np.sum(gs ** 2))
            proj = gs if ng <= rad else gs * (rad / ng)
        resid[start:] = gs - proj
    return abar - np.sum(resid ** 2) / (2 * lam)


def kkt_dual_point(X, y, lam, threat, w, band=1e-7):
    """A dual point a in [0, 1]^n from the optimality conditions at w, found by linprog (HiGHS).

    0 in dP(w) means: lam w = (1/n) sum_i a_i y_i x_i - eps q with a_i = 1 where the robust hinge
    is active, 0 where it is not, free in [0, 1] near the kink (|h_i| <= band), and q = abar * s, s a
    subgradient of the dual norm at w (sign(w_j) for l_1, w/|w| for l_2; in [-1, 1] where
    |w_j| <= band under l_1). The LP minimises the l_1 residual of that equation; D at its a is a
    lower bound of min P however the LP ends.
    """
    norm, eps, start = _parts(threat)
    n, k = X.shape
    Zt = (X * y[:, None]).T / n  # k x n
    part = w[start:]
    pen = 0.0 if norm is None else (np.sum(np.abs(part)) if norm == "linf" else np.linalg.norm(part))
    h = 1.0 - y * (X @ w) + eps * pen
    fixed_one, free = h > band, np.abs(h) <= band
    idx = np.flatnonzero(free)
    f = idx.size
    # variables: a_free (f), q_free (coords of l_1 with |w_j| <= band), e+ (k), e- (k)
    if norm == "linf":
        qfree = [j for j in range(start, k) if abs(w[j]) <= band]
    else:
        qfree = []
        if norm == "l2":
            assert np.linalg.norm(part) > band, "the l2 check needs a nonzero perturbable part"
    nq = len(qfree)
    # abar = (|fixed_one| + sum a_free) / n; s_j for fixed coordinates
    s = np.zeros(k)
    if norm == "linf":
        s[start:] = np.sign(part) * (np.abs(part) > band)
    elif norm == "l2":
        s[start:] = part / np.linalg.norm(part)
    # equation per coordinate j: lam w_j - g_j(a) + eps * (abar * s_j + q_j) = e+_j - e-_j
    const = lam * w - Zt[:, fixed_one].sum(axis=1) + eps * s * fixed_one.sum() / n
    A_eq = np.zeros((k, f + nq + 2 * k))
    A_eq[:, :f] = -Zt[:, idx] + eps * np.outer(s, np.ones(f)) / n
    for c, j in enumerate(qfree):
        A_eq[j, f + c] = eps
    A_eq[:, f + nq:f + nq + k] = -np.eye(k)
    A_eq[:, f + nq + k:] = np.eye(k)
    # |q_j| <= abar
    A_ub = np.zeros((2 * nq, f + nq + 2 * k))
    b_ub = np.zeros(2 * nq)
    for c in range(nq):
        for sign, row in ((1, 2 * c), (-1, 2 * c + 1)):
            A_ub[row, f + c] = sign
            A_ub[row, :f] = -1.0 / n
            b_ub[row] = fixed_one.sum() / n
    cost = np.r_[np.zeros(f + nq), np.ones(2 * k)]
    bounds = [(0, 1)] * f + [(None, None)] * nq + [(0, None)] * (2 * k)
    res = optimize.linprog(cost, A_ub=A_ub if nq else None, b_ub=b_ub if nq else None, A_eq=A_eq, b_eq=-const,
                           bounds=bounds, method="highs")
    assert res.status == 0, res.message
    a = fixed_one.astype(float)
    a[idx] = np.clip(res.x[:f], 0.0, 1.0)
    return a


ISSUE_MODEL = ToyModel(0.7, 0.6, 3)
ISSUE_LAM = 0.0015
# issue 17: the optimum of its example, on which three independent solvers agree
ISSUE_P = 0.41106309964
ISSUE_W = np.array([0.394306, 0.688690, 0.628293, 0.852383])


@pytest.mark.parametrize("tol", [1e-9, 1e-12])
def test_the_issue_example_reaches_the_optimum(tol):
    X, y = T.sample(ISSUE_MODEL, 391, 1)
    threat = ThreatModel("linf", 0.045)
    fit = T.fit_svm(X, y, ISSUE_LAM, threat, tol=tol)
    # the issue gives P* to 11 digits and w* to 6: compare at those roundings
    assert fit.primal == pytest.approx(ISSUE_P, abs=1e-11 + tol)
    assert np.max(np.abs(fit.w - ISSUE_W)) <= 5e-7 + fit.distance_bound
    assert fit.gap <= tol
    assert primal(X, y, ISSUE_LAM, threat, fit.w) - dual(X, y, ISSUE_LAM, threat, fit.alpha) <= tol


def test_the_issue_example_without_threat():
    # the issue: 0.3653626 at the optimum (the early-stopped solver returned 0.3653633)
    X, y = T.sample(ISSUE_MODEL, 391, 1)
    fit = T.fit_svm(X, y, ISSUE_LAM)
    assert fit.primal == pytest.approx(0.3653626, abs=5e-8)
    assert primal(X, y, ISSUE_LAM, None, fit.w) - dual(X, y, ISSUE_LAM, None, fit.alpha) <= 1e-9


# small lam, n up to 1000, both norms, with and without threat, x1 perturbable or not
CASES = [
    (ISSUE_MODEL, 391, ISSUE_LAM, ThreatModel("linf", 0.045), seed) for seed in range(1, 8)
] + [
    (ISSUE_MODEL, 391, ISSUE_LAM, None, 1),
    (ISSUE_MODEL, 391, ISSUE_LAM, None, 3),
    (ISSUE_MODEL, 391, ISSUE_LAM, ThreatModel("l2", 0.045), 4),
    (ToyModel(0.8, 0.4, 3), 1000, 1e-3, None, 0),
    (ToyModel(0.8, 0.4, 3), 1000, 1e-3, ThreatModel("linf", 0.1), 0),
    (ToyModel(0.8, 0.4, 3), 1000, 1e-3, ThreatModel("l2", 0.1), 0),
    (ToyModel(0.8, 0.4, 3), 1000, 1e-3, ThreatModel.weak_only("linf", 0.1), 1),
    (ToyModel(0.8, 0.4, 16), 1000, 1e-3, ThreatModel.weak_only("l2", 0.2), 2),
    (ToyModel(0.9, 0.3, 16), 700, 2e-3, ThreatModel("linf", 0.05), 3),
]


def _id(case):
    model, n, lam, threat, seed = case
    kind = "standard" if threat is None else f"{threat.norm}{'' if threat.perturb_x1 else '-weak'}"
    return f"{kind}-d{model.d}-n{n}-lam{lam:g}-s{seed}"


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_fit_svm_is_optimal_against_an_independent_dual_point(case):
    model, n, lam, threat, seed = case
    X, y = T.sample(model, n, seed)
    fit = T.fit_svm(X, y, lam, threat, tol=1e-11)
    p = primal(X, y, lam, threat, fit.w)
    assert p == pytest.approx(fit.primal, abs=1e-12)
    # fit_svm's own certificate, recomputed here
    assert fit.gap <= 1e-11
    assert p - dual(X, y, lam, threat, fit.alpha) <= 1e-11 + 1e-13
    # a dual point found by HiGHS from the optimality conditions at fit.w: lower bound of min P
    a = kkt_dual_point(X, y, lam, threat, fit.w)
    assert p - dual(X, y, lam, threat, a) <= 1e-9


def test_the_independent_dual_point_rejects_a_suboptimal_w():
    # negative control of the check above: at w* moved by 1e-3 (and at the early-stopped point of
    # the issue) the HiGHS dual point leaves a gap far above 1e-9
    X, y = T.sample(ISSUE_MODEL, 391, 1)
    threat = ThreatModel("linf", 0.045)
    fit = T.fit_svm(X, y, ISSUE_LAM, threat)
    for w in (fit.w + np.array([1e-3, -1e-3, 0.0, 0.0]), np.array([0.0, 0.0, 1.57645461, 3.14632353])):
        a = kkt_dual_point(X, y, ISSUE_LAM, threat, w)
        assert primal(X, y, ISSUE_LAM, threat, w) - dual(X, y, ISSUE_LAM, threat, a) > 1e-6


def test_standard_training_keeps_the_coordinate_ascent_fast_path():
    model = ToyModel(0.9, 0.5, 16)
    X, y = T.sample(model, 4000, 3)
    fit = T.fit_svm(X, y, 0.1)
    assert fit.solver == "dcd" and fit.gap <= 1e-9
    assert primal(X, y, 0.1, None, fit.w) - dual(X, y, 0.1, None, fit.alpha) <= 1e-9


def test_an_unconverged_solver_raises_instead_of_returning(monkeypatch):
    # plant solvers that stop early (return their starting point): fit_svm must raise, naming the gap
    X, y = T.sample(ISSUE_MODEL, 391, 1)
    monkeypatch.setattr(finite_sample, "_dcd_standard", lambda Z, lam, tol, max_epochs=5000: np.zeros(Z.shape[0]))
    monkeypatch.setattr(finite_sample, "_lbfgs_dual", lambda Z, *args, **kw: np.zeros(Z.shape[0]))
    monkeypatch.setattr(finite_sample, "_conic_svm", lambda Z, *args, **kw: (np.zeros(Z.shape[1]), np.zeros(Z.shape[0])))
    for threat in (None, ThreatModel("linf", 0.045), ThreatModel("l2", 0.045)):
        with pytest.raises(T.SVMConvergenceError, match=r"duality gap reached is 1 > tol=1e-09") as info:
            T.fit_svm(X, y, ISSUE_LAM, threat)
        assert info.value.gap == pytest.approx(1.0)  # P(0) = 1, D(0) = 0
        assert info.value.result.gap == info.value.gap
        assert "pass tol >=" in str(info.value)


def test_a_tol_below_the_rounding_raises_with_the_gap_reached():
    X, y = T.sample(ISSUE_MODEL, 391, 1)
    threat = ThreatModel("linf", 0.045)
    try:
        fit = T.fit_svm(X, y, ISSUE_LAM, threat, tol=1e-300)
    except T.SVMConvergenceError as exc:
        assert 0 < exc.gap <= 1e-9 and "tol=1e-300" in str(exc)
        assert f"{exc.gap:.3g}" in str(exc)
    else:  # an exactly zero gap in floating point is a legitimate certificate
        assert fit.gap <= 1e-300


@pytest.mark.parametrize("kwargs, word", [({"lam": 0.0}, "lam"), ({"lam": float("nan")}, "lam"),
                                          ({"tol": 0.0}, "tol"), ({"tol": -1e-9}, "tol")])
def test_bad_arguments_name_the_value(kwargs, word):
    X, y = T.sample(ISSUE_MODEL, 20, 1)
    args = {"lam": 0.1, "tol": 1e-9} | kwargs
    with pytest.raises(ValueError, match=word):
        T.fit_svm(X, y, args["lam"], None, tol=args["tol"])


def test_mismatched_shapes_are_a_value_error():
    X, y = T.sample(ISSUE_MODEL, 20, 1)
    with pytest.raises(ValueError, match=r"\(20, 4\)"):
        T.fit_svm(X, y[:-1], 0.1)


# --------------------------------------------------------------------------- every returned result


@settings(max_examples=20)  # each example solves an SVM to a certified duality gap (~0.12 s)
@given(n=st.integers(1, 300), d=st.integers(1, 6), p=st.floats(0.55, 0.99), eta=st.floats(0.0, 1.0),
       loglam=st.floats(-4.0, 0.0), kind=st.sampled_from(["standard", "linf", "l2", "linf-weak", "l2-weak"]),
       eps=st.floats(0.0, 1.0), seed=st.integers(0, 2 ** 16))
def test_every_returned_fit_has_a_gap_below_tol(n, d, p, eta, loglam, kind, eps, seed):
    # checked with this file's own primal and dual, at fit_svm's dual point (weak duality)
    lam = 10.0 ** loglam
    if kind == "standard":
        threat = None
    elif kind.endswith("-weak"):
        threat = ThreatModel.weak_only(kind.split("-")[0], eps)
    else:
        threat = ThreatModel(kind, eps)
    X, y = T.sample(ToyModel(p, eta, d), n, seed)
    fit = T.fit_svm(X, y, lam, threat)
    assert primal(X, y, lam, threat, fit.w) - dual(X, y, lam, threat, fit.alpha) <= 1e-9 + 1e-14


def test_sample_dataset_is_the_reference_stream():
    # The finite-sample data of robtheory.mc.reference.sample_dataset are the rows every Monte
    # Carlo estimate of the seed sees, whatever the chunking; start picks a disjoint block.
    from robtheory.mc import reference as R

    model = ToyModel(0.8, 0.4, 3)
    X, y = R.sample_dataset(model, 50, 7, start=10)
    assert X.shape == (50, 4) and X.dtype == np.float64 and X.flags.c_contiguous
    rows = [(yc, Xc) for _, yc, Xc in R.iter_chunks(model, 7, 100, chunk=13)]
    y_all = np.concatenate([r[0] for r in rows])
    X_all = np.concatenate([r[1] for r in rows])
    np.testing.assert_array_equal(y, y_all[10:60])
    np.testing.assert_array_equal(X, X_all[10:60])
    other, _ = R.sample_dataset(model, 50, 7, start=60)
    assert not np.any(other[:, 1:] == X[:, 1:])  # the Gaussian coordinates never repeat
    with pytest.raises(ValueError, match="n must be a positive integer"):
        R.sample_dataset(model, 0, 7)
    fit = T.fit_svm(X, y, 0.2, ThreatModel("linf", 0.1))
    assert fit.gap <= 1e-9
