"""The symbolic layer is the source of truth (STYLE principle 2): the generated numeric code
must be exactly what the derivations print, and must evaluate to what they mean.

Tolerances (principle 6) are first-order error bounds for float64 evaluation of the same
formula in a different operation order: a margin ``m = sum of terms`` carries an absolute
rounding error of a few ``eps64 * sum|terms|``, its standardisation ``r = m/Q`` therefore an
error ``dr <~ k eps64 (1 + sum|terms|/Q)``, and ``Phi``/``phi`` have slope at most
``1/sqrt(2 pi) < 0.4``; ``R(m, Q) = m Phi(m/Q) + Q phi(m/Q)`` scales that by ``|m| + Q``. A
safety factor of 8 on k = 8 gives the factor 64 below.
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path

import mpmath
import numpy as np
import pytest
import sympy as sp

import robtheory.theory._generated as G
from robtheory import _special
from robtheory.symbolic import codegen, linear, named
from robtheory.symbolic.core import Phi

EPS64 = np.finfo(np.float64).eps
ARGS = codegen.LINEAR_ARGS
SYM = linear.symbols()
ARG_SYMBOLS = tuple(SYM[k] for k in ARGS)


# --------------------------------------------------------------------------- helpers
def random_points(rng: np.random.Generator, n: int = 400, n_q0: int = 100) -> dict:
    """Random points of (p, eta, eps, a, b, S, Q, U1); the last ``n_q0`` have Q = 0.

    Q = 0 points describe ``u = 0`` (so S = U1 = 0) and use dyadic a, b, eps so that every
    margin, ties included, is computed exactly in any operation order.
    """
    p = rng.uniform(0.5, 1.0, n)
    eta = rng.uniform(0.0, 2.0, n)
    eps = rng.uniform(0.0, 2.0, n)
    a = rng.uniform(-3.0, 3.0, n)
    b = rng.uniform(-3.0, 3.0, n)
    Q = rng.uniform(0.05, 3.0, n)
    d = rng.integers(1, 400, n)
    U1 = Q * np.sqrt(rng.uniform(1.0, d))  # Q <= U1 <= sqrt(d) Q
    S = U1 * rng.uniform(-1.0, 1.0, n)
    k = n - n_q0
    dyadic = lambda size: rng.integers(-8, 9, size) / 4.0
    a[k:], b[k:] = dyadic(n_q0), dyadic(n_q0)
    eps[k:] = np.abs(dyadic(n_q0))
    eps[k:k + 8] = 1.0  # sign(x1)-type ties at eps = 1
    a[k:k + 4] = 0.0
    Q[k:], S[k:], U1[k:] = 0.0, 0.0, 0.0
    return {"p": p, "eta": eta, "eps": eps, "a": a, "b": b, "S": S, "Q": Q, "U1": U1}


def margin_scale(pt: dict) -> np.ndarray:
    """Sum of |terms| entering any margin (plus the hinge's 1)."""
    dual = np.abs(pt["a"]) + pt["U1"] + np.hypot(pt["a"], pt["Q"]) + pt["Q"]
    return (1.0 + np.abs(pt["S"] * pt["eta"]) + np.abs(pt["a"]) + np.abs(pt["b"])
            + pt["eps"] * dual)


def tolerance(pt: dict) -> np.ndarray:
    """Derived absolute tolerance (module doc).

    Where Q = 0 the margins are exact (dyadic), so only the probability weights and the hinge's
    ``max(0, m)`` round: a few ulps of ``scale``. An indicator flip would cost >= (1-p)/2.
    """
    scale = margin_scale(pt)
    Q = pt["Q"]
    with np.errstate(divide="ignore"):
        tol = 64 * EPS64 * scale * (1.0 + scale / Q)
    return np.where(Q > 0, tol, 8 * EPS64 * scale)


def assert_close(actual, expected, tol, what):
    actual = np.broadcast_to(np.asarray(actual, dtype=float), tol.shape)
    expected = np.broadcast_to(np.asarray(expected, dtype=float), tol.shape)
    both_inf = np.isinf(actual) & np.isinf(expected) & (np.sign(actual) == np.sign(expected))
    diff = np.where(both_inf, 0.0, np.abs(actual - expected))
    bad = np.flatnonzero(~(diff <= tol))
    assert bad.size == 0, (f"{what}: {bad.size} mismatches, first at {bad[0]}: "
                           f"{actual[bad[0]]!r} vs {expected[bad[0]]!r} (tol {tol[bad[0]]:.3g})")


def lambdified(expr):
    fn = sp.lambdify(ARG_SYMBOLS, expr, modules=_special.lambdify_modules())

    def quiet(*args):  # 0/0 where a derivative is undefined (a = Q = 0) is checked explicitly
        with np.errstate(divide="ignore", invalid="ignore"):
            return fn(*args)

    return quiet


@pytest.fixture(scope="module")
def points():
    return random_points(np.random.default_rng(20190101))


# --------------------------------------------------------------------------- stale file
def test_generated_file_is_up_to_date():
    rendered = codegen.render()
    assert codegen.TARGET.read_text() == rendered, (
        "robtheory/theory/_generated.py is stale: run python -m robtheory.symbolic.codegen")
    assert codegen.TARGET.resolve() == Path(G.__file__).resolve()
    defined = re.findall(r"^def (\w+)\(", rendered, flags=re.MULTILINE)
    assert sorted(defined) == sorted(G.__all__)


# --------------------------------------------------------------------------- symbolic == numeric
@pytest.mark.parametrize("name,norm,px1", codegen.VARIANTS)
def test_lambdified_accuracy_matches_generated(points, name, norm, px1):
    D = linear.linear_accuracy(norm, px1)
    vals = [points[k] for k in ARGS]
    tol = tolerance(points)
    for key, gen in (("accuracy", f"accuracy_{name}"), ("error", f"error_{name}")):
        assert_close(getattr(G, gen)(*vals), lambdified(D.results[key])(*vals), tol, f"{gen}")
    # log P(N(m, Q^2) <= 0) has slope |r| in r = m/Q, so dlog <= |r| dr + rounding of the log.
    log_expr = codegen.log_error_expr(D.results["error"])
    log_gen = getattr(G, f"log_error_{name}")(*vals)
    with np.errstate(divide="ignore"):
        r_max = margin_scale(points) / points["Q"]
    log_size = np.where(np.isfinite(log_gen), np.abs(log_gen), 0.0)
    log_tol = np.where(points["Q"] > 0, 64 * EPS64 * ((1.0 + r_max) ** 2 + log_size),
                       8 * EPS64 * (1.0 + log_size))
    assert_close(log_gen, lambdified(log_expr)(*vals), log_tol, f"log_error_{name}")


@pytest.mark.parametrize("name,norm,px1", codegen.VARIANTS)
def test_lambdified_hinge_matches_generated(points, name, norm, px1):
    H = linear.hinge_losses(norm, px1)
    hname = "standard" if norm is None else name
    vals = [points[k] for k in ARGS]
    # The Q = 0 rows are dyadic, but the hinge's gradient w.r.t. Q there is a limit (RampDq)
    # and the l_2 terms divide by sqrt(a^2 + Q^2): keep rows where both are defined.
    tol = tolerance(points) * (1.0 + margin_scale(points))
    assert_close(getattr(G, f"hinge_{hname}")(*vals), lambdified(H.results["loss"])(*vals), tol,
                 f"hinge_{hname}")
    grads = getattr(G, f"hinge_grad_{hname}")(*vals)
    for k, g in zip(("a", "b", "S", "Q", "U1"), grads):
        sym = lambdified(H.results["grad"][k])(*vals)
        defined = np.isfinite(np.broadcast_to(np.asarray(sym, dtype=float), tol.shape))
        ok_rows = defined & np.isfinite(np.broadcast_to(np.asarray(g, dtype=float), tol.shape))
        assert np.array_equal(defined, ok_rows), f"hinge_grad_{hname}[{k}] finiteness differs"
        assert_close(np.where(ok_rows, np.broadcast_to(g, tol.shape), 0.0),
                     np.where(ok_rows, np.broadcast_to(sym, tol.shape), 0.0), tol,
                     f"hinge_grad_{hname}[{k}]")


def test_robust_optimal_roots_match_generated():
    R = named.robust_optimal_linf().results
    e, m, K = R["roots_symbols"]
    f = sp.lambdify((e, m, K), tuple(R["roots"]), modules=_special.lambdify_modules())
    rng = np.random.default_rng(7)
    eps, mm = rng.uniform(0.01, 0.99, 50), rng.uniform(0.1, 5.0, 50)
    KK = rng.uniform(-3.0, 1.0, 50) * mm**2 / (2 * eps) / 3
    got = G.robust_optimal_tau_roots(eps, mm, KK)
    want = f(eps, mm, KK)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=64 * EPS64, atol=0)  # same formula, any order
    # and they are roots of 2 eps t^2 - 2 m t + K (relative to the size of the terms)
    for t in got:
        resid = 2 * eps * t**2 - 2 * mm * t + KK
        scale = 2 * eps * t**2 + 2 * mm * np.abs(t) + np.abs(KK)
        assert np.all(np.abs(resid) <= 64 * EPS64 * scale)


# ------------------------------------------------------------- independent path via mpmath
MP_DPS = 50


def _mp_point(rng):
    """One point with Q > 0 whose standardised margins stay within |r| <= 8."""
    while True:
        pt = {k: float(v[0]) for k, v in random_points(rng, n=1, n_q0=0).items()}
        scale = margin_scale({k: np.float64(v) for k, v in pt.items()})
        if scale / pt["Q"] <= 8:
            return pt


@pytest.mark.parametrize("name,norm,px1", codegen.VARIANTS)
def test_accuracy_Q_positive_by_mpmath(name, norm, px1):
    """Evaluate the Phi-form expression with erf at 50 digits: no numeric special function."""
    expr = linear.linear_accuracy(norm, px1).results["accuracy_Q_positive"]
    assert expr.atoms(Phi), "the Q > 0 form is written with Phi"
    expr = expr.rewrite(sp.erf)
    assert not expr.atoms(Phi)
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    for _ in range(4):
        pt = _mp_point(rng)
        subs = {SYM[k]: sp.Float(pt[k], MP_DPS) for k in ARGS}  # exact binary values
        exact = expr.subs(subs).evalf(MP_DPS)
        assert exact.is_Float, exact
        vals = [np.float64(pt[k]) for k in ARGS]
        acc = float(getattr(G, f"accuracy_{name}")(*vals))
        err = float(getattr(G, f"error_{name}")(*vals))
        tol = float(tolerance({k: np.float64(v) for k, v in pt.items()}))
        with mpmath.workdps(MP_DPS):
            exact_mp = mpmath.mpf(str(exact))
            assert abs(acc - exact_mp) <= tol, (pt, acc, exact_mp)
            assert abs(err - (1 - exact_mp)) <= tol, (pt, err, 1 - exact_mp)


# --------------------------------------------------------------------------- derivation flags
def test_margin_law_is_normal_S_eta_Q2():
    r = linear.margin_law().results
    assert sp.simplify(r["mean"] - SYM["S"] * SYM["eta"]) == 0
    assert sp.simplify(r["variance"] - SYM["Q"] ** 2) == 0


def test_worst_case_shift_values():
    r = linear.worst_case_shift().results
    C = sp.Symbol("C", positive=True)
    assert sp.simplify(r["l2"] + SYM["eps"] * sp.sqrt(C)) == 0
    wi = sp.Symbol("w_i", real=True)
    assert sp.simplify(r["linf_coordinate"] + SYM["eps"] * sp.Abs(wi)) == 0
    a, Q, U1 = SYM["a"], SYM["Q"], SYM["U1"]
    assert sp.simplify(linear.dual_norm("linf", True) - (sp.Abs(a) + U1)) == 0
    assert sp.simplify(linear.dual_norm("linf", False) - U1) == 0
    assert sp.simplify(linear.dual_norm("l2", True) - sp.sqrt(a**2 + Q**2)) == 0
    assert sp.simplify(linear.dual_norm("l2", False) - Q) == 0


@pytest.mark.parametrize("name,norm,px1", codegen.VARIANTS)
def test_complement_check_is_zero(name, norm, px1):
    assert linear.linear_accuracy(norm, px1).results["complement_check"] == 0


def test_named_derivations_match_the_spec():
    assert named.bayes().results["matches_spec"] is True
    assert named.averaging().results["matches_spec"] is True
    assert named.robust_x1().results["matches_spec"] is True
    so = named.standard_optimal().results
    assert so["is_bayes_ratio"] is True
    assert so["is_maximum"] is True
    ro = named.robust_optimal_linf().results
    assert ro["matches_quadratic"] is True
    assert ro["stable_small_root_ok"] is True
    assert ro["degree"] == 2
    ora = named.optimal_robust_accuracy().results
    assert ora["attains_bound"] is True
    assert ora["shift_maps_model"] is True


def test_bayes_weights_are_the_log_likelihood_ratio():
    s = named.named_symbols()
    r = named.bayes().results
    assert sp.simplify(r["a"] - s["L"]) == 0
    assert sp.simplify(r["c"] - 2 * s["eta"]) == 0


def test_robust_x1_tie_convention_symbolically():
    """sign(x1): robust accuracy p for eps < 1 and 0 from eps = 1 on (ties are errors)."""
    s = named.named_symbols()
    r = named.robust_x1().results
    for key in ("robust_linf", "robust_l2"):
        for e, want in ((sp.Rational(1, 2), s["p"]), (sp.S.One, 0), (sp.Rational(3, 2), 0)):
            assert sp.simplify(r[key].subs(s["eps"], e) - want) == 0, (key, e)


# --------------------------------------------------------------------------- hinge gradients
H_STEP = 1e-5
# Central differences err by h^2/6 |f'''| (truncation) + ~eps64 |f| / h (rounding). On the
# sampled box (Q, |a| >= 0.2, |b|, |S|, U1/Q <= 3, eta, eps <= 2) every third partial of
# c_k R(m_k, Q) is bounded by 1e3: for affine directions it is slope^3 * |r phi(r)| / Q^2
# <= 27 * 0.242 / 0.04 ~ 160, and the curvature of |a|, sqrt(Q^2 + a^2) adds at most a few
# hundred more. So |fd - grad| <= 1e-10/6 * 1e3 + 4 eps64 (|f| + 1)/h ~ 2e-8.
THIRD_DERIVATIVE_BOUND = 1e3


def _fd_points(rng, n=200):
    sgn = rng.choice([-1.0, 1.0], n)
    Q = rng.uniform(0.2, 3.0, n)
    return {"p": rng.uniform(0.5, 1.0, n), "eta": rng.uniform(0.0, 2.0, n),
            "eps": rng.uniform(0.0, 2.0, n), "a": sgn * rng.uniform(0.2, 3.0, n),
            "b": rng.uniform(-3.0, 3.0, n), "S": rng.uniform(-3.0, 3.0, n), "Q": Q,
            "U1": Q * rng.uniform(1.0, 3.0, n)}


@pytest.mark.parametrize("name,norm,px1", codegen.VARIANTS)
def test_hinge_gradient_by_central_differences(name, norm, px1):
    hname = "standard" if norm is None else name
    f = getattr(G, f"hinge_{hname}")
    grad = getattr(G, f"hinge_grad_{hname}")
    pt = _fd_points(np.random.default_rng(zlib.crc32(hname.encode())))
    vals = {k: pt[k] for k in ARGS}
    f0 = f(*vals.values())
    g_all = grad(*vals.values())
    for k, g in zip(("a", "b", "S", "Q", "U1"), g_all):
        up, dn = dict(vals), dict(vals)
        up[k] = vals[k] + H_STEP
        dn[k] = vals[k] - H_STEP
        fd = (f(*up.values()) - f(*dn.values())) / (2 * H_STEP)
        g = np.broadcast_to(np.asarray(g, dtype=float), fd.shape)
        tol = H_STEP**2 / 6 * THIRD_DERIVATIVE_BOUND + 4 * EPS64 * (np.abs(f0) + 1) / H_STEP
        bad = np.flatnonzero(np.abs(fd - g) > tol + 1e-6 * np.abs(g))
        assert bad.size == 0, (k, fd[bad[0]], g[bad[0]], {kk: v[bad[0]] for kk, v in vals.items()})


# --------------------------------------------------------------------------- spec-audit fixes
# A*_rob: the rounded rule's robust accuracy is derived (x1 rounding, then the weak-only worst
# case of the linear derivation), not typed; and the Neyman-Pearson step of Theorem F.
import math

from robtheory.symbolic import frontier as sym_frontier


def test_rounded_rule_accuracy_is_derived_and_attains_the_bound():
    R = named.rounded_rule_robust_accuracy().results
    eps = named.named_symbols()["eps"]
    assert sp.simplify(R["x1_margin"] - (1 - eps)) == 0  # min x1 (x1 + delta_1) over |delta_1| <= eps
    assert R["x1_sign_kept"] is True
    assert named.optimal_robust_accuracy().results["matches_spec"] is True
    assert named.rounded_rule_attains_bound() is True


def test_rounded_rule_attainment_fails_for_a_wrong_tau_or_a_wrong_shift():
    s = named.named_symbols()
    m = sp.Symbol("mu_eps", positive=True)
    assert named.rounded_rule_attains_bound(tau=s["L"] / (2 * m)) is True  # the right tau, explicitly
    assert named.rounded_rule_attains_bound(tau=s["L"] / (2 * s["mu"])) is False  # unshifted mu
    assert named.rounded_rule_attains_bound(tau=s["L"] / m) is False  # factor 2 dropped
    assert named.rounded_rule_attains_bound(perturb_x1=True) is False  # x1 not rounded: full ball


def test_rounded_rule_accuracy_agrees_with_the_numeric_rounded_accuracy():
    from robtheory.classifiers import RoundedClassifier
    from robtheory.theory.closed_form import rounded_accuracy
    from robtheory.model import ThreatModel, ToyModel

    R = named.rounded_rule_robust_accuracy().results["accuracy"]
    L, m = named.named_symbols()["L"], sp.Symbol("mu_eps", positive=True)
    f = sp.lambdify((L, m), R.rewrite(sp.erfc), modules="mpmath")
    for p, eta, d, eps in ((0.75, 0.5, 10, 0.2), (0.9, 0.3, 100, 0.1)):
        model = ToyModel(p, eta, d)
        mu_eps = (eta - eps) * math.sqrt(d)
        tau = model.log_odds / (2 * mu_eps)
        num = rounded_accuracy(model, RoundedClassifier(tau, d), ThreatModel("linf", eps)).robust_accuracy
        assert float(f(model.log_odds, mu_eps)) == pytest.approx(num, rel=1e-12)


def test_neyman_pearson_threshold_is_the_spec_tau():
    r = sym_frontier.neyman_pearson().results
    f = sym_frontier.frontier_symbols()
    assert r["shifted_law"] is True and r["matches_spec"] is True and r["thresholds_symmetric"] is True
    assert sp.simplify(r["ratio"] - sp.exp(2 * f["mu"] * f["s"])) == 0
    assert sp.simplify(r["tau_at_lam_1"] - r["L"] / (2 * f["mu"])) == 0 and r["tau_at_lam_p"] == sp.oo
    # the threshold against the spec's formula numerically, at a few (p, mu, lambda)
    for p, mu, lam in ((0.8, 1.3, 0.9), (0.6, 0.4, 0.95)):
        Lam = lam / (1 - lam)
        spec = math.log((Lam * p - (1 - p)) / (Lam * (1 - p) - p)) / (2 * mu)
        got = float(r["tau"].subs({f["p"]: p, f["mu"]: mu, f["lam"]: lam}))
        assert got == pytest.approx(spec, rel=1e-12)


def test_neyman_pearson_rejects_a_wrong_spec_formula():
    r = sym_frontier.neyman_pearson().results
    f = sym_frontier.frontier_symbols()
    mu = f["mu"]
    for wrong in (r["tau_spec"].subs(f["p"], 1 - f["p"], simultaneous=True),  # p <-> 1 - p
                  r["tau_spec"] / 2):  # 1/(4 mu)
        at = wrong.subs(f["Lam"], f["lam"] / (1 - f["lam"]))
        assert sp.simplify(sp.exp(2 * mu * at) - sp.exp(2 * mu * r["tau"])) != 0


def test_frontier_rule_accuracies_match_the_spec_and_the_weak_ball():
    a = sym_frontier.rule_accuracies().results
    assert a["std_matches"] is True and a["rob_matches"] is True and a["weak_ball_is_shift"] is True
    f = sym_frontier.frontier_symbols()
    # negative control: Std with p and 1 - p exchanged is not what the cases give
    wrong = a["std_spec"].subs(f["p"], 1 - f["p"], simultaneous=True)
    assert sp.simplify((a["std"] - wrong).rewrite(sp.erf)) != 0


# --------------------------------------------------------------------------- stable margins
def _margin_args(expr):
    from robtheory.symbolic.core import LogPle, Pgt, Ple, Ramp, RampDq

    return [e.args[0] for e in sp.preorder_traversal(expr) if isinstance(e, (Pgt, Ple, LogPle, Ramp, RampDq))]


@pytest.mark.parametrize("name,norm,px1", codegen.VARIANTS)
def test_generated_margins_are_the_derived_margins_rearranged(name, norm, px1):
    """Every margin the generated code evaluates is, symbolically, the derived one (for a > 0,
    a < 0 and a = 0), grouped x1 part, bias, weak part, constant; with x1 perturbable the x1
    part multiplies |a| by (±sign(a) - eps) and no sqrt(a^2 + Q^2) or eps*(U1 + |a|) is left."""
    from robtheory.symbolic.core import HypotExcess, OrderedSum

    D = linear.linear_accuracy(norm, px1)
    H = linear.hinge_losses(norm, px1)
    derived = _margin_args(D.results["accuracy"]) + _margin_args(H.results["loss"])
    assert len(derived) == 8
    a, ap = SYM["a"], sp.Symbol("a_pos", positive=True)
    for m in derived:
        st = codegen.stable_margin(m)
        plain = st.replace(OrderedSum, lambda *t: sp.Add(*t)).replace(
            HypotExcess, lambda x, y: sp.sqrt(x**2 + y**2) - sp.Abs(x))
        for val in (ap, -ap, sp.S.Zero):
            assert sp.expand(plain.subs(a, val) - m.subs(a, val)) == 0, (m, st, val)
        if px1 and norm is not None:
            assert isinstance(st, OrderedSum) and st.args[0].has(sp.sign(a))
            assert not st.has(sp.sqrt(a**2 + SYM["Q"] ** 2))
    text = codegen.TARGET.read_text()
    body = text.split(f"def accuracy_{name}(")[1].split("\ndef ")[0]
    assert "sqrt" not in body and "(U1 + abs(a))" not in body


def test_ordered_sum_prints_left_to_right_and_lambdifies_to_the_generated_code():
    """The printer keeps OrderedSum's order and groups (Python adds left to right), and _special
    has a numeric counterpart of every function the stable forms use (OrderedSum adds left to
    right, as printed): lambdify reproduces the committed file bit for bit."""
    from robtheory.symbolic.core import OrderedSum

    a, b, S, U1, eps, eta = (SYM[k] for k in ("a", "b", "S", "U1", "eps", "eta"))
    expr = 2 * OrderedSum(sp.Mul(sp.Abs(a), sp.sign(a) - eps, evaluate=False), -b, S * eta - U1 * eps, 1)
    printed = codegen._Printer().doprint(expr)
    assert printed == "2*((-eps + numpy.sign(a))*abs(a) - b + (S*eta - U1*eps) + 1)", printed
    rng = np.random.default_rng(4)
    pts = random_points(rng, n=200, n_q0=50)
    vals = [pts[k] for k in ARGS]
    for fname, args, expr, _ in codegen.generated_functions():
        if args != ARG_SYMBOLS:
            continue
        f = sp.lambdify(args, expr, modules=_special.lambdify_modules())
        with np.errstate(divide="ignore", invalid="ignore"):
            got, gen = f(*vals), getattr(G, fname)(*vals)
        for x, y in zip(got if isinstance(got, tuple) else (got,), gen if isinstance(gen, tuple) else (gen,)):
            x, y = (np.broadcast_to(np.asarray(v, dtype=float), (200,)) for v in (x, y))
            assert np.array_equal(x, y, equal_nan=True), fname
