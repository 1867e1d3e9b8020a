"""Branches that nothing else exercises: exact ties on every backend, every (norm, x1 perturbable)
pair of every optimiser, the frontier Monte Carlo in l_2, and the verify points that cover them.

Every reference here is computed without the code under test:

* tie counts from the labels of the NumPy oracle's stream (``reference.labels``) and the
  tie rule itself (a robust margin of exactly 0 is an error);
* robust accuracies of linear and rounded classifiers from the definition of D(p, eta, d)
  (``y u.x_weak ~ N(eta S, Q^2)``, the dual-norm penalty written out per ball), evaluated
  with mpmath at 30 digits;
* optima by brute force over a dense grid of directions, refined by golden-section search on
  that reference; A*_rob by the adversary that shifts every weak feature (an upper bound over
  all classifiers: the Bayes accuracy of the shifted model, by mpmath quadrature of the
  larger class density) next to the robust accuracy of the returned classifier (a lower bound);
* training optima by brute force (grid, then Nelder-Mead) on a hinge objective written from
  ``E max(0, c - s Z) = c Phi(c/s) + s phi(c/s)``.

Monte Carlo tests use exact binomial tests at a family-wise false-alarm rate of 1e-6 per test
function (Bonferroni over the tests of the function) and carry negative controls.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import math
import shutil
import subprocess

import mpmath as mp
import numpy as np
import pytest
from scipy import optimize
from scipy.special import ndtr

from robtheory import ThreatModel, ToyModel
from robtheory.theory import closed_form as cf
from robtheory import training as T
from robtheory.classifiers import (
    ConstantClassifier,
    LinearClassifier,
    RoundedClassifier,
)
from robtheory.theory.frontier import frontier
from robtheory.claims.frontier_mc import frontier_mc
from robtheory.claims import mc_column as claims_mc
from robtheory.mc import engine
from robtheory.mc import reference as R
from references import golden_section_min

HAVE_NUMBA = importlib.util.find_spec("numba") is not None

needs_numba = pytest.mark.skipif(not HAVE_NUMBA, reason="numba is not installed")
mp.mp.dps = 30

ALL_THREATS = {
    "linf_full": lambda eps: ThreatModel("linf", eps),
    "linf_weak": lambda eps: ThreatModel.weak_only("linf", eps),
    "l2_full": lambda eps: ThreatModel("l2", eps),
    "l2_weak": lambda eps: ThreatModel.weak_only("l2", eps),
}


@pytest.fixture
def no_gpu(monkeypatch):
    monkeypatch.setenv("ROBTHEORY_DISABLE_CUPY", "1")


# =========================================================================== exact ties
# (name, d, w builder, b, threat, expected counts from (y, x1)). The weak weights are 0, so
# every score is a small integer combination and the ties are exact in float64 and float32.
def _x1_only(d, a=1.0):
    w = np.zeros(d + 1)
    w[0] = a
    return w


TIES = [
    # sign(x1) at l_inf eps = 1: robust margin y x1 - 1 <= 0 always (0 when x1 = y)
    ("sign(x1), linf eps=1", 3, _x1_only(3), 0.0, ThreatModel("linf", 1.0),
     lambda y, x1: ((x1 == y).sum(), 0)),
    ("sign(x1), l2 eps=1", 4, _x1_only(4), 0.0, ThreatModel("l2", 1.0),
     lambda y, x1: ((x1 == y).sum(), 0)),
    # sign(x1 + 1/2), l_inf 1/2: robust iff x1 = y = +1; the class y = -1 ties
    ("sign(x1 + 1/2), linf eps=1/2", 5, _x1_only(5), 0.5, ThreatModel("linf", 0.5),
     lambda y, x1: ((x1 == y).sum(), ((y > 0) & (x1 == y)).sum())),
    ("sign(x1 - 1/2), linf eps=1/2", 5, _x1_only(5), -0.5, ThreatModel("linf", 0.5),
     lambda y, x1: ((x1 == y).sum(), ((y < 0) & (x1 == y)).sum())),
    # sign(2 x1 + 1) at l_inf 1/2: margin y(2 x1 + 1) - 1: 2 (x1 = y = +1), 0 (x1 = y = -1)
    ("sign(2 x1 + 1), linf eps=1/2", 2, _x1_only(2, 2.0), 1.0, ThreatModel("linf", 0.5),
     lambda y, x1: ((x1 == y).sum(), ((y > 0) & (x1 == y)).sum())),
    # zero weights: sign(0) is wrong everywhere; sign(+1) right exactly on y = +1
    ("w = 0, b = 0, linf eps=0.3", 7, np.zeros(8), 0.0, ThreatModel("linf", 0.3),
     lambda y, x1: (0, 0)),
    ("w = 0, b = 0, no threat", 1, np.zeros(2), 0.0, None, lambda y, x1: (0, 0)),
    ("w = 0, b = 1, l2 eps=2", 3, np.zeros(4), 1.0, ThreatModel("l2", 2.0),
     lambda y, x1: ((y > 0).sum(), (y > 0).sum())),
    # x1 not perturbable: the penalty is 0 however large eps
    ("sign(x1), weak-only linf eps=5", 3, _x1_only(3), 0.0, ThreatModel.weak_only("linf", 5.0),
     lambda y, x1: ((x1 == y).sum(), (x1 == y).sum())),
]
TIE_IDS = [t[0] for t in TIES]
TIE_N, TIE_SEED, TIE_START = 5000, 2**40 + 17, 2**32 - 1000  # crosses 2**32


def _tie_expected(case, model):
    fn = case[-1]
    y, x1 = R.labels(model, TIE_SEED, TIE_START, TIE_N)  # the oracle's label stream, not its counts
    ks, kr = fn(y, x1)
    return int(ks), int(kr)


def _tie_model(d):
    return ToyModel(0.8, 0.4, d)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", TIES, ids=TIE_IDS)
def test_ties_numpy_oracle(case, dtype):
    name, d, w, b, threat, _ = case
    model = _tie_model(d)
    got = R.linear_counts(model, w, b, threat, TIE_N, TIE_SEED, start=TIE_START, dtype=dtype)
    assert got == _tie_expected(case, model), name


@needs_numba
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", TIES, ids=TIE_IDS)
def test_ties_numba_kernels(case, dtype):
    from robtheory.mc import cpu

    name, d, w, b, threat, _ = case
    model = _tie_model(d)
    pen = R.robust_penalty(w, threat)
    got = cpu.linear_counts(w, b, pen, model.eta, model.p, TIE_N, TIE_SEED, start=TIE_START, dtype=dtype)
    assert got == _tie_expected(case, model), name


@needs_numba
def test_ties_through_the_engine_and_the_closed_forms(no_gpu):
    """The engine (both CPU backends) and the closed forms agree on the tie cases: the counts are
    the exact label counts, and the closed-form accuracies are the exact probabilities."""
    for name, d, w, b, threat, fn in TIES:
        model = _tie_model(d)
        clf = ConstantClassifier(d, b) if not np.any(w) else LinearClassifier(w, b)
        want = _tie_expected((name, d, w, b, threat, fn), model)
        for backend in ("numpy", "numba"):
            res = engine.estimate_linear(model, clf, threat, TIE_N, TIE_SEED, backend, start=TIE_START)
            assert (res["standard"]["count"], res["robust"]["count"]) == want, (name, backend)
        # exact probabilities: replace the label counts by their expectations
        p = model.p
        exp = {"sign(x1), linf eps=1": (p, 0.0), "sign(x1), l2 eps=1": (p, 0.0),
               "sign(x1 + 1/2), linf eps=1/2": (p, p / 2), "sign(x1 - 1/2), linf eps=1/2": (p, p / 2),
               "sign(2 x1 + 1), linf eps=1/2": (p, p / 2), "w = 0, b = 0, linf eps=0.3": (0.0, 0.0),
               "w = 0, b = 0, no threat": (0.0, 0.0), "w = 0, b = 1, l2 eps=2": (0.5, 0.5),
               "sign(x1), weak-only linf eps=5": (p, p)}[name]
        acc = cf.linear_accuracy(model, clf, threat)
        assert (acc.standard_accuracy, acc.robust_accuracy) == pytest.approx(exp, abs=1e-15), name


_HOST_CUDA = None


def _host_cuda_kernel(tmp_path_factory):
    """The CUDA source of robtheory.mc.gpu compiled as host C++ (the stand-ins of test_mc_gpu)."""
    global _HOST_CUDA
    if _HOST_CUDA is None:
        import importlib.util
        from pathlib import Path

        # the stand-ins live in tests/mc/test_mc_gpu.py (loaded by path: its folder is on sys.path
        # only when pytest collected it in the same run)
        path = Path(__file__).resolve().parents[1] / "mc" / "test_mc_gpu.py"
        spec = importlib.util.spec_from_file_location("_robtheory_test_mc_gpu", path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        _DRIVER, _STUBS = mod._DRIVER, mod._STUBS

        from robtheory.mc import gpu

        d = tmp_path_factory.mktemp("cuda_host")
        src, exe = d / "kernel.cpp", d / "kernel"
        src.write_text(_STUBS + gpu._SOURCE + _DRIVER)
        subprocess.run(["g++", "-O1", "-std=c++14", "-ffp-contract=off", "-w", str(src), "-o", str(exe), "-lm"],
                       check=True, capture_output=True)
        _HOST_CUDA = exe
    return _HOST_CUDA


@pytest.mark.skipif(shutil.which("g++") is None, reason="no g++ to compile the CUDA source as C++")
@pytest.mark.parametrize("f32", [0, 1])
@pytest.mark.parametrize("case", TIES, ids=TIE_IDS)
def test_ties_cuda_source_on_the_host(case, f32, tmp_path_factory):
    """The CuPy kernel's counting logic (its CUDA source, run as host C++) on the tie cases."""
    from robtheory.mc.philox import seed_to_key

    exe = _host_cuda_kernel(tmp_path_factory)
    name, d, w, b, threat, _ = case
    model = _tie_model(d)
    pen = R.robust_penalty(w, threat)
    k0, k1 = seed_to_key(TIE_SEED)
    argv = [str(exe), str(k0), str(k1), str(TIE_START), str(TIE_N), str(d), repr(float(b)), repr(model.eta),
            repr(model.p), repr(pen), str(f32)] + [repr(float(x)) for x in w]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout.split()
    assert (int(out[0]), int(out[1])) == _tie_expected(case, model), name


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_ties_cupy_on_a_gpu(dtype):
    from robtheory.mc import gpu

    ok, why = gpu.cupy_usable()
    if not ok:
        pytest.skip(f"no usable GPU: {why}")
    for case in TIES:
        name, d, w, b, threat, _ = case
        model = _tie_model(d)
        pen = R.robust_penalty(w, threat)
        got = gpu.linear_counts(w, b, pen, model.eta, model.p, TIE_N, TIE_SEED, start=TIE_START, dtype=dtype)
        assert got == _tie_expected(case, model), name


# =========================================================================== signed weights, odd d
@needs_numba
@pytest.mark.parametrize("kind", list(ALL_THREATS))
@pytest.mark.parametrize("d", [1, 5, 9])
def test_signed_mixed_and_zero_weights_every_ball_numba_equals_numpy(kind, d):
    """Signed, mixed and exactly-zero weights, a bias, odd d, every ball: the numba counts equal
    the oracle's, bit for bit, in float64."""
    from robtheory.mc import cpu

    rng = np.random.default_rng(d)
    w = rng.normal(size=d + 1) * np.where(np.arange(d + 1) % 2, -1.0, 1.0)
    w[rng.integers(0, d + 1)] = 0.0
    threat = ALL_THREATS[kind](0.35)
    model = ToyModel(0.7, 0.3, d)
    pen = R.robust_penalty(w, threat)
    ref = R.linear_counts(model, w, -0.2, threat, 4000, 3 + d)
    fast = cpu.linear_counts(w, -0.2, pen, model.eta, model.p, 4000, 3 + d)
    assert fast == ref


# =========================================================================== independent references
def _mp_rob_linear(model: ToyModel, threat: ThreatModel | None, w1, u, b=0.0):
    """Robust accuracy of sign(w1 x1 + u.x_weak + b) from the definition (mpmath).

    Given y and s = y x1 (+1 w.p. p), the worst-case margin is
    w1 s + y b + y u.x_weak - pen with y u.x_weak ~ N(eta sum(u), |u|_2^2) and pen the dual norm
    of the perturbable weights times eps. Correct iff the margin is > 0.
    """
    p, eta = mp.mpf(model.p), mp.mpf(model.eta)
    w1, b = mp.mpf(w1), mp.mpf(b)
    u = [mp.mpf(float(x)) for x in np.atleast_1d(u)]
    S, Q = mp.fsum(u), mp.sqrt(mp.fsum(x * x for x in u))
    U1 = mp.fsum(abs(x) for x in u)
    pen = mp.mpf(0)
    if threat is not None and threat.eps > 0:
        eps = mp.mpf(threat.eps)
        if threat.norm == "linf":
            pen = eps * (U1 + (abs(w1) if threat.perturb_x1 else 0))
        else:
            pen = eps * (mp.sqrt(Q * Q + w1 * w1) if threat.perturb_x1 else Q)
    acc = mp.mpf(0)
    for y in (1, -1):
        for s, ps in ((1, p), (-1, 1 - p)):
            m = w1 * s + y * b + eta * S - pen
            acc += ps * (mp.ncdf(m / Q) if Q > 0 else (1 if m > 0 else 0))
    return acc / 2


def _mp_rob_tau(model, threat, theta):
    """sign(sin(theta) x1 + cos(theta) s(x)) (theta = pi/2: sign(x1))."""
    d = model.d
    c = mp.cos(theta) / mp.sqrt(d) if theta < mp.pi / 2 else 0
    return _mp_rob_linear(model, threat, mp.sin(theta), [float(c)] * d)


def _brute_best_direction(model, threat, grid=2001):
    """max over theta in [0, pi/2] of _mp_rob_tau and the constant rule (0.5): a float64 grid of
    the reference formula (scipy ndtr), refined by golden-section search on the mpmath one."""
    p, eta, d, eps = model.p, model.eta, model.d, threat.eps
    th = np.linspace(0.0, math.pi / 2, grid)
    a, c = np.sin(th), np.cos(th)  # weak part: c * s(x), s(x) ~ y mu + N(0, 1) given y
    if threat.norm == "linf":
        pen = eps * (c * math.sqrt(d) + (a if threat.perturb_x1 else 0.0))
    else:
        pen = eps * (np.hypot(a, c) if threat.perturb_x1 else c)
    mu = eta * math.sqrt(d)
    with np.errstate(divide="ignore", invalid="ignore"):
        vals = sum(ps * np.where(c > 0, ndtr((a * s + c * mu - pen) / np.where(c > 0, c, 1.0)),
                                 (a * s - pen > 0).astype(float))
                   for s, ps in ((1, p), (-1, 1 - p)))
    k = int(np.argmax(vals))
    lo, hi = th[max(k - 1, 0)], th[min(k + 1, grid - 1)]
    best = -golden_section_min(lambda t: -_mp_rob_tau(model, threat, mp.mpf(t)), lo, hi, iterations=45)
    cands = [best, _mp_rob_tau(model, threat, mp.mpf(th[k])), _mp_rob_tau(model, threat, mp.pi / 2),
             _mp_rob_tau(model, threat, mp.mpf(0)), mp.mpf(0.5)]
    return max(cands)


def _mp_bayes(p, mu):
    """Bayes accuracy from (x1, s), s ~ N(y mu, 1): (1/2) sum_x1 int max(f_+, f_-) ds (mpmath)."""
    p, mu = mp.mpf(p), mp.mpf(mu)
    if mu == 0:
        return max(p, 1 - p)
    tot = mp.mpf(0)
    for x1 in (1, -1):
        pp = p if x1 == 1 else 1 - p  # P(x1 | y = +1)
        pm = 1 - pp                   # P(x1 | y = -1)
        # the densities cross at s0 = log(pm/pp) / (2 mu); f_+ is larger above it
        s0 = mp.log(pm / pp) / (2 * mu)
        tot += pp * mp.ncdf(mu - s0) + pm * mp.ncdf(s0 + mu)
    return tot / 2


def _mp_upper_bound_all(model, threat):
    """An upper bound on the robust accuracy of every classifier: the accuracy of the Bayes
    rule of the distribution the shift adversary produces (every weak feature moved by
    -min(per-coordinate budget, eta) y; x1 moved to 0 when eps >= 1 and x1 is perturbable)."""
    d = model.d
    per = threat.eps if threat.norm == "linf" else threat.eps / math.sqrt(d)
    eta_s = max(model.eta - per, 0.0)
    if threat.perturb_x1 and threat.eps >= 1:
        return mp.ncdf(eta_s * mp.sqrt(d)) if eta_s > 0 else mp.mpf(0.5)
    return _mp_bayes(model.p, mp.mpf(eta_s) * mp.sqrt(d))


def _mp_rob_of(model, threat, clf):
    """Reference robust accuracy of what the optimisers return."""
    d = model.d
    if isinstance(clf, RoundedClassifier):  # x1-moves below 1 cannot flip sign(x1)
        weak = ThreatModel.weak_only(threat.norm, threat.eps)
        if math.isinf(clf.tau):
            return _mp_rob_linear(model, weak, 1.0, [0.0] * d)
        return _mp_rob_linear(model, weak, clf.tau, [1 / math.sqrt(d)] * d)
    if isinstance(clf, ConstantClassifier):
        return _mp_rob_linear(model, threat, 0.0, [0.0] * d, clf.b)
    w, b = R.linear_weights(model, clf)
    return _mp_rob_linear(model, threat, w[0], w[1:], b)


def test_references_reproduce_hand_values():
    """The references at values known by hand (so that they are not checked only against the code)."""
    m = ToyModel(0.8, 0.5, 4)  # mu = 1
    t = ThreatModel("linf", 0.25)
    # f_tau = 1: p Phi(1 + 1 - 0.25*(1 + 2)) + (1 - p) Phi(-1 + 1 - 0.75) with Q = 1
    want = 0.8 * mp.ncdf(1.25) + 0.2 * mp.ncdf(-0.75)
    assert abs(_mp_rob_linear(m, t, 1.0, [0.5] * 4) - want) < 1e-15  # 0.2 vs 1 - float(0.8)
    assert _mp_rob_linear(m, ThreatModel("linf", 1.0), 1.0, [0.0] * 4) == 0  # tie
    # Bayes: sign(L x1 + 2 mu s) at mu = 1: p Phi(mu + L/(2mu)) + (1-p) Phi(mu - L/(2mu))
    L = mp.log(4)
    assert abs(_mp_bayes(0.8, 1.0) - (0.8 * mp.ncdf(1 + L / 2) + 0.2 * mp.ncdf(1 - L / 2))) < 1e-15


# (p, eta, d, eps) per ball; each list spans the optimiser's branches (interior tau, sign(x1),
# averaging, the constant rule) and includes the weak-only points where the margin's sqrt(d)
# decides the answer by 0.03-0.05.
OPT_POINTS = {
    "linf_full": [(0.75, 0.5, 9, 0.2), (0.6, 0.3, 100, 0.1), (0.9, 0.2, 10, 0.5), (0.75, 2.0, 1, 1.5),
                  (0.95, 0.5, 4, 0.3), (0.7, 1.0, 3, 0.05)],
    "linf_weak": [(0.8, 1.0, 9, 0.75), (0.8, 1.0, 10, 0.9), (0.75, 3.0, 4, 2.7), (0.9, 0.3, 100, 0.1),
                  (0.9, 0.2, 10, 0.5), (0.6, 0.5, 1, 0.2)],
    "l2_full": [(0.75, 0.5, 9, 0.6), (0.95, 0.3, 100, 4.0), (0.8, 0.5, 4, 0.5), (0.7, 1.0, 25, 1.5),
                (0.9, 0.2, 10, 0.05)],
    "l2_weak": [(0.8, 1.0, 9, 2.25), (0.8, 0.5, 9, 0.75), (0.75, 0.6, 16, 1.5), (0.9, 0.3, 100, 4.0),
                (0.6, 0.5, 1, 0.2)],
}
OPT_CASES = [(k, pt) for k, pts in OPT_POINTS.items() for pt in pts]


@pytest.mark.parametrize("kind, pt", OPT_CASES, ids=[f"{k}-{pt}" for k, pt in OPT_CASES])
def test_robust_optimal_linear_is_the_brute_force_best(kind, pt):
    p, eta, d, eps = pt
    model, threat = ToyModel(p, eta, d), ALL_THREATS[kind](eps)
    opt = cf.best_robust_linear_classifier(model, threat)
    best = _brute_best_direction(model, threat)
    got = _mp_rob_of(model, threat, opt.classifier)
    # the returned classifier really has the reported value, and nothing on the grid beats it
    assert abs(got - mp.mpf(opt.value)) <= 1e-12, (kind, pt, opt, got)
    assert got >= best - 1e-10, (kind, pt, opt.description, float(got), float(best))


@pytest.mark.parametrize("kind, pt", OPT_CASES, ids=[f"{k}-{pt}" for k, pt in OPT_CASES])
def test_optimal_robust_accuracy_is_sandwiched(kind, pt):
    """A*_rob: attained by the returned classifier (lower bound, reference formula) and not
    beaten by any classifier (upper bound: the shift adversary's Bayes accuracy)."""
    p, eta, d, eps = pt
    model, threat = ToyModel(p, eta, d), ALL_THREATS[kind](eps)
    if threat.norm == "l2" and threat.perturb_x1 and eps >= 1:
        with pytest.raises(NotImplementedError):
            cf.best_robust_classifier(model, threat)
        return
    opt = cf.best_robust_classifier(model, threat)
    lower = _mp_rob_of(model, threat, opt.classifier)
    upper = _mp_upper_bound_all(model, threat)
    assert abs(lower - upper) <= 1e-12, (kind, pt, float(lower), float(upper))
    assert abs(mp.mpf(opt.value) - upper) <= 1e-12, (kind, pt, opt, float(upper))
    # in the weak-only balls x1 never moves: the best linear classifier attains A*_rob
    if not threat.perturb_x1:
        assert abs(cf.best_robust_linear_classifier(model, threat).value - opt.value) <= 1e-12


# =========================================================================== training optima
def _ref_hinge_J(model, lam, threat, w1, v):
    """J(w1, v) = sum_s pi_s E max(0, 1 - w1 s - v (mu + Z) + pen) + lam/2 (w1^2 + v^2), written
    from the definition; E max(0, c - |v| Z) = c Phi(c/|v|) + |v| phi(c/|v|)."""
    p, d, mu = model.p, model.d, model.mu
    w1, v = np.asarray(w1, float), np.asarray(v, float)
    pen = 0.0
    if threat is not None and threat.eps > 0:
        e = threat.eps
        if threat.norm == "linf":
            pen = e * (math.sqrt(d) * np.abs(v) + (np.abs(w1) if threat.perturb_x1 else 0.0))
        else:
            pen = e * (np.hypot(w1, v) if threat.perturb_x1 else np.abs(v))
    sv = np.abs(v)
    out = 0.0
    for s, ps in ((1, p), (-1, 1 - p)):
        c = 1.0 - w1 * s - v * mu + pen
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(sv > 0, c * ndtr(c / np.where(sv > 0, sv, 1.0))
                         + sv * np.exp(-0.5 * (c / np.where(sv > 0, sv, 1.0)) ** 2) / math.sqrt(2 * math.pi),
                         np.maximum(c, 0.0))
        out = out + ps * r
    return out + 0.5 * lam * (w1 * w1 + v * v)


def _ref_hinge_min(model, lam, threat):
    """Brute force: a 401 x 401 grid on the box lam/2 |x|^2 <= J(0) then Nelder-Mead from the best
    two grid points and from (best w1 on the line v = 0, 0)."""
    B = math.sqrt(2 * float(_ref_hinge_J(model, lam, threat, 0.0, 0.0)) / lam) * 1.01
    g = np.linspace(-B, B, 401)
    W, V = np.meshgrid(g, g, indexing="ij")
    J = _ref_hinge_J(model, lam, threat, W, V)
    starts = [(W.flat[k], V.flat[k]) for k in np.argsort(J, axis=None)[:2]]
    line = g[int(np.argmin(_ref_hinge_J(model, lam, threat, g, 0.0)))]
    starts.append((line, 0.0))
    best = None
    for x0 in starts:
        r = optimize.minimize(lambda x: float(_ref_hinge_J(model, lam, threat, x[0], x[1])), x0,
                              method="Nelder-Mead", options={"xatol": 1e-11, "fatol": 1e-15, "maxiter": 3000})
        if best is None or r.fun < best.fun:
            best = r
    return best


TRAIN_CASES = [(k, pt) for k in ("standard", *ALL_THREATS) for pt in
               ((0.9, 0.3, 10, 0.2, 0.1), (0.75, 0.5, 9, 0.6, 0.05), (0.95, 0.1, 100, 0.05, 0.5),
                (0.9, 0.5, 10, 0.1, 0.1),  # v* > 0 in every ball
                (0.9, 0.1, 10, 0.5, 0.1))]  # v* = 0 in every ball: the line search decides


@pytest.mark.parametrize("kind, pt", TRAIN_CASES, ids=[f"{k}-{pt}" for k, pt in TRAIN_CASES])
def test_training_optimum_every_ball_beats_brute_force(kind, pt):
    p, eta, d, eps, lam = pt
    model = ToyModel(p, eta, d)
    threat = None if kind == "standard" else ALL_THREATS[kind](eps)
    opt = T.solve(T.Objective(model, lam, threat))
    j_opt = float(_ref_hinge_J(model, lam, threat, opt.w1, opt.v))
    assert j_opt == pytest.approx(opt.value, rel=1e-10, abs=1e-13)  # the same objective
    bf = _ref_hinge_min(model, lam, threat)
    assert j_opt <= bf.fun + 1e-11, (kind, pt, (opt.w1, opt.v), bf.x, j_opt - bf.fun)
    gap = max(bf.fun - j_opt, 0.0)  # strong convexity: |x - x*|^2 <= 2 gap / lam
    assert math.hypot(bf.x[0] - opt.w1, bf.x[1] - opt.v) <= math.sqrt(2 * gap / lam) + 1e-5


# =========================================================================== frontier Monte Carlo in l_2
ALPHA = 1e-6


def _mp_rounded_rob(model, threat, tau):
    """Robust accuracy of sign(tau sign(x1) + s(x)) under a ball of radius < 1 (reference)."""
    d = model.d
    weak = ThreatModel.weak_only(threat.norm, threat.eps)
    if math.isinf(tau):
        return _mp_rob_linear(model, weak, 1.0, [0.0] * d)
    return _mp_rob_linear(model, weak, tau, [1 / math.sqrt(d)] * d)


@pytest.mark.parametrize("threat", [ThreatModel("l2", 0.6), ThreatModel.weak_only("l2", 1.5)],
                         ids=["l2_full_0.6", "l2_weak_1.5"])
def test_frontier_mc_in_l2(threat):
    """The rounded rules' curve under an l_2 ball: its values equal the reference formula, and the
    Monte Carlo points (the rule under the uniform shift of the weak features, checked to stay
    in the ball) agree with it; a curve computed with the l_inf step eps per coordinate is
    rejected at the same n."""
    m = ToyModel(0.8, 0.5, 9)
    f = frontier(m, threat, "all", n=41)
    for k in range(0, f.tau.size, 8):
        assert abs(_mp_rounded_rob(m, threat, float(f.tau[k])) - mp.mpf(f.robust_accuracy[k])) < 1e-12
    res = frontier_mc(f, 20000, points=4, seed=4, total_alpha=ALPHA)
    assert res["passed"], [(p["tau"], p["robust"]["residual"]) for p in res["points"]]
    assert all("uniform shift" in p["method"] for p in res["points"])
    # negative control: robust values for the l_inf-sized step (eps per weak coordinate)
    wrong = np.array([float(_mp_rob_linear(m, ThreatModel.weak_only("linf", threat.eps), t if math.isfinite(t) else 1.0,
                                           [1 / math.sqrt(9) if math.isfinite(t) else 0.0] * 9)) for t in f.tau])
    gaps = [abs(wrong[p["index"]] - f.robust_accuracy[p["index"]]) / p["robust"]["min_detectable"]
            for p in res["points"]]
    assert max(gaps) > 3  # the control has teeth at this n
    bad = frontier_mc(dataclasses.replace(f, robust_accuracy=wrong), 20000, points=4, seed=4, total_alpha=ALPHA)
    assert not bad["passed"]


# =========================================================================== the verify plans
def _run(run, n=200_000, seed=1, backend="numba" if HAVE_NUMBA else "numpy", alpha=1e-6 / 64):
    return run.run(n, seed, 64 * claims_mc.RUN_STRIDE, backend, alpha)


def test_verify_plans_cover_every_ball_ties_and_odd_d():
    opt = claims_mc.plan("optimal_robust")
    balls = {(r.threat.norm, r.threat.perturb_x1) for r in opt if getattr(r, "threat", None) is not None}
    assert balls == {("linf", True), ("linf", False), ("l2", True), ("l2", False)}
    assert any(isinstance(r, claims_mc.FrontierRun) and r.front.threat.norm == "l2" for r in opt)
    mixed = [r for r in opt if isinstance(r, claims_mc.LinearRun) and "mixed" in r.label]
    assert {(r.threat.norm, r.threat.perturb_x1) for r in mixed} == balls
    w, _ = R.linear_weights(mixed[0].model, mixed[0].clf)
    assert np.any(w < 0) and np.any(w > 0) and np.any(w == 0) and mixed[0].model.d % 2 == 1
    x1 = claims_mc.plan("robust_x1")
    assert all(any(r.threat.eps == 1.0 and r.threat.norm == n for r in x1) for n in ("linf", "l2"))
    assert {r.backend for r in x1 if "per class" in r.label} == {None, "numpy"}
    assert claims_mc.MARGINAL_MODEL.d % 2 == 1


def test_verify_new_points_pass_and_their_negative_controls_fail(no_gpu):
    """The added runs pass at n = 2e5; each with a deliberately wrong value (the buggy optimum,
    ties counted as correct, sqrt(d) lost) fails at the same n."""
    opt = claims_mc.plan("optimal_robust")
    new = [r for r in opt if isinstance(r, claims_mc.LinearRun) and ("robust-optimal" in r.label or "mixed" in r.label)]
    for run in new:
        recs = _run(run)
        assert all(c["passed"] for c in recs), (run.label, [(c["quantity"], c["z"]) for c in recs if not c["passed"]])
    # the weak-only l_inf optimum with the margin's sqrt(d) lost: tau = L / (2 (mu - eps))
    run = next(r for r in new if "robust-optimal" in r.label and r.threat.norm == "linf" and not r.threat.perturb_x1)
    m, t = run.model, run.threat
    tau_bad = m.log_odds / (2 * (m.mu - t.eps))
    bad_clf = LinearClassifier(np.concatenate([[tau_bad], np.full(m.d, 1 / math.sqrt(m.d))]), 0.0)
    recs = _run(dataclasses.replace(run, clf=bad_clf))
    assert not all(c["passed"] for c in recs if c["test"] == "agreement")
    # per-class x1 and the eps = 1 tie: claiming "ties are correct" is rejected
    for run in [r for r in claims_mc.plan("robust_x1") if "per class" in r.label or r.threat.eps == 1.0]:
        assert all(c["passed"] for c in _run(run)), run.label
        wrong = {"robust": run.model.p}  # the value if ties counted as robustly correct
        recs = _run(dataclasses.replace(run, analytic={**run.analytic, **wrong}))
        assert not all(c["passed"] for c in recs if c["quantity"] == "robust"), run.label
    zero = [r for r in claims_mc.plan("theorem_2_2_part2") if isinstance(r, claims_mc.LinearRun) and "every score is 0" in r.label]
    assert len(zero) == 1 and all(c["passed"] for c in _run(zero[0]))
    assert not all(c["passed"] for c in _run(dataclasses.replace(zero[0], analytic={"standard": 0.5, "robust": 0.5})))


def test_verify_l2_points_rounded_rule_and_frontier_pass(no_gpu):
    opt = claims_mc.plan("optimal_robust")
    runs = [r for r in opt if isinstance(r, claims_mc.CallableRun) and r.threat.norm == "l2"]
    runs += [r for r in opt if isinstance(r, claims_mc.FrontierRun) and r.front.threat.norm == "l2"]
    assert len(runs) == 2
    for run in runs:
        recs = _run(run, n=50_000)
        assert all(c["passed"] for c in recs), (run.label, [(c["quantity"], c["z"]) for c in recs if not c["passed"]])
    # negative control for the rounded rule: A*_rob computed with the l_inf shift eps per coordinate
    cr = runs[0]
    m, eps = cr.model, cr.threat.eps
    wrong = float(_mp_bayes(m.p, max(m.eta - eps, 0.0) * math.sqrt(m.d)))
    assert not all(c["passed"] for c in _run(dataclasses.replace(cr, analytic=wrong), n=50_000))

