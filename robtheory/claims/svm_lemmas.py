"""Lemmas D.1, D.2 and D.5: statements about the population hinge objective of the SVM.

Their Monte Carlo checks are sample means of per-sample hinge losses, loss differences on the
same samples, and per-sample (sub)gradients (:class:`~robtheory.claims.runs.MeanRun`), against
the generated closed forms. Each record holds its analytic check and its Monte Carlo builders.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from robtheory.theory import _generated as G
from robtheory.classifiers import LinearClassifier, dual_norm_penalty_gradient
from robtheory.claims.record import (
    CheckResult,
    Claim,
    Point,
    _result,
    random_linear_stats,
)
from robtheory.claims.runs import (
    MeanRun,
    _require,
    _tag,
)
from robtheory.mc import reference as ref
from robtheory.model import ThreatModel, ToyModel

#: sqrt(10): campaign points at d = 10 written with mu = eta sqrt(10).
_S10 = math.sqrt(10)


# ----------------------------------------------------------------------------- analytic checks
def _check_lemma_d1(claim: Claim) -> CheckResult:
    rng = np.random.default_rng(1)
    n, worst = 0, math.inf
    for pt in claim.points():
        if pt.eps != 0:
            continue
        a, b, S, Q, U1 = random_linear_stats(rng, pt.d, 50)
        b = np.zeros_like(b)
        lam = 0.1
        sd = math.sqrt(pt.d)
        Qsym = np.abs(S) / sd  # equal weights with the same sum
        # the standard objective (5) and, since the l_inf and l_2 balls are permutation
        # invariant too, the adversarial objectives at eps = 0.3
        for kind, eps in (("standard", 0.0), ("linf_full", 0.3), ("l2_full", 0.3)):
            hinge = getattr(G, f"hinge_{kind}")
            h = hinge(pt.p, pt.eta, eps, a, b, S, Q, U1) + lam / 2 * (a**2 + Q**2)
            hs = hinge(pt.p, pt.eta, eps, a, b, S, Qsym, np.abs(S)) + lam / 2 * (a**2 + Qsym**2)
            diff = h - hs
            unequal = Q > Qsym * (1 + 1e-9) + 1e-12
            worst = min(worst, float(np.min(diff)))
            if np.any(diff[unequal] <= 0):
                return _result(False, n, f"symmetrisation did not decrease J ({kind}) at {pt}")
            n += a.size
    return _result(worst >= -1e-12, n, f"J(w) - J(sym w) >= {worst:.3e} (standard, l_inf, l_2); strict when "
                                       f"weights differ; proof: proofs/lemma_d1.py")


def _lemma_d2_hypotheses(pt: Point) -> bool:
    """Lemma D.2's setting (Theorem 2.2's): mu >= 4, p <= 0.975; the lemma is about the standard
    objective, so one point per (p, d, mu) (eps = 0)."""
    return pt.mu >= 4 - 1e-12 and pt.p <= 0.975 and pt.eps == 0


def _check_lemma_d2(claim: Claim, v_threshold: float = 1 / math.sqrt(2)) -> CheckResult:
    """Lemma D.2's constants and threshold, and its conclusion: the certified unit-norm optimum
    has v* >= ``v_threshold`` (1/sqrt2; replaceable only to show that the check can fail) at every
    grid point meeting the hypotheses where that optimum is computable in float64.

    At mu = 40 the hinge loss underflows to 0 on an arc of the unit circle around v = 1, so
    :func:`robtheory.training.unit_norm_optimum` has no unit-norm lambda to find; those points are
    counted and named in the detail (proofs/lemma_d2.py covers every mu >= 4).
    """
    from robtheory.training import unit_norm_optimum

    s2 = 1 / math.sqrt(2)
    # Directly: E max(0, 1 + w1 - N(4v, v^2)) at w1 = v = 1/sqrt2 is R(1 + s2 - 4 s2, s2).
    from robtheory._special import ramp

    c1 = float(ramp(1 + s2 - 4 * s2, s2))
    c2 = float(ramp(1 - 4.0, 1.0))
    thr = 1 - c2 / c1
    v = np.linspace(0, s2, 2001)
    w1 = np.sqrt(1 - v**2)
    wrong = ramp(1 + w1 - 4 * v, v)
    argmin_ok = bool(np.argmin(wrong) == v.size - 1)
    ok = abs(c1 - 0.016993) < 5e-7 and abs(c2 - 0.000382) < 5e-7 and 0.975 < thr < 0.978 and argmin_ok
    # The conclusion v* >= 1/sqrt2 at the grid points (the optimum depends on (p, mu) only).
    min_v, at, n_opt, worst_kkt = math.inf, None, 0, 0.0
    skipped = set()
    for pt in claim.points():
        if pt.mu in skipped:  # the same underflow for every (p, d) at this mu
            continue
        try:
            opt = unit_norm_optimum(pt.model)
        except ValueError as exc:
            if pt.mu < 20:  # only the underflow regime may be left out
                return _result(False, n_opt, f"no unit-norm optimum at {pt}: {exc}")
            skipped.add(pt.mu)
            continue
        if not (opt.lam > 0 and math.isclose(opt.norm, 1.0, abs_tol=1e-12) and opt.distance_bound < 1e-6):
            return _result(False, n_opt, f"no certified unit-norm optimum at {pt}: {opt.to_dict()}")
        worst_kkt = max(worst_kkt, opt.distance_bound)
        if opt.v - opt.distance_bound < min_v:
            min_v, at = opt.v - opt.distance_bound, pt
        n_opt += 1
    ok = ok and n_opt > 0 and min_v >= v_threshold
    skip = (f"; {len(claim.points()) - n_opt} points at mu = {', '.join(f'{m:g}' for m in sorted(skipped))} "
            f"not computable (hinge underflows on the circle)") if skipped else ""
    where = "" if at is None else f" (p={at.p:g}, mu={at.mu:g})"
    return _result(ok, 3 + n_opt, f"(1-p)*{c1:.6f} > {c2:.6f} iff p < {thr:.5f}; wrong-x1 hinge minimal at v=1/sqrt2: "
                                  f"{argmin_ok}; certified unit-norm optimum at {n_opt} grid points: "
                                  f"min v* - |w - w*| = {min_v:.5f}{where} (must be >= {v_threshold:.5f}){skip}; "
                                  f"interval proof for all mu >= 4: proofs/lemma_d2.py")


def _check_lemma_d5(claim: Claim) -> CheckResult:
    """The certified adversarial optimum has v* = 0 whenever eps_train >= eta (grid, two lams)."""
    from robtheory.training import Objective, solve

    n = 0
    worst = 0.0
    for pt in claim.points():
        if pt.eps >= 1 or pt.d not in (1, 100, 10**4) or pt.p not in (0.5, 0.75, 0.95, 0.99):
            continue
        for lam in (0.05, 1.0):
            opt = solve(Objective(pt.model, lam, ThreatModel("linf", pt.eps)))
            if opt.v != 0.0 or opt.kkt_residual > 1e-10:
                return _result(False, n, f"certified adversarial optimum has v = {opt.v} at {pt}, lam={lam}")
            worst = max(worst, opt.kkt_residual)
            n += 1
    return _result(True, n, f"certified optimum has v* = 0 at every point with eps_train >= eta (residual "
                            f"<= {worst:.1e}); eta is sharp for large lam, the exact threshold is "
                            f"training.weak_feature_threshold")


# ----------------------------------------------------------------------------- Monte Carlo runs
# Lemmas D.1, D.2 and D.5 are statements about the population hinge objective: their
# Monte Carlo checks are sample means of per-sample hinge losses, loss differences on the
# same samples, and per-sample (sub)gradients (MeanRun), against the generated closed forms.
def _hinge(X: np.ndarray, y: np.ndarray, w: np.ndarray, penalty: float) -> np.ndarray:
    r"""Per-sample (adversarial) hinge loss :math:`\max(0, 1 - y\,w^Tx + \varepsilon\lVert w_P\rVert_*)`."""
    out: np.ndarray = np.maximum(0.0, 1.0 - y * (X @ w) + penalty)
    return out


def _penalty_gradient(w: np.ndarray, threat: ThreatModel | None) -> np.ndarray:
    r"""Gradient of :math:`\varepsilon\lVert w_P\rVert_*` where it is differentiable (the one
    implementation: :func:`robtheory.classifiers.dual_norm_penalty_gradient`)."""
    return dual_norm_penalty_gradient(w, threat)


def _closed_hinge(model: ToyModel, w: np.ndarray, threat: ThreatModel | None) -> float:
    from robtheory.theory.closed_form import hinge_loss

    return hinge_loss(model, LinearClassifier(w, 0.0), threat)


def _threat_tag(threat: ThreatModel | None) -> str:
    return "standard" if threat is None else f"{threat.norm} eps_train={threat.eps:g}"


def _symmetry_run(model: ToyModel, lam: float, threat: ThreatModel | None, at_lam: float | None = None) -> MeanRun:
    r"""Lemma D.1 on the samples, at the certified optimum :math:`w^*` of :math:`J_\lambda`.

    :math:`w^*` has equal weak weights ``c`` (the reduced solver); ``w`` adds the zero-sum
    pattern :math:`\pm c/2` to them, ``pi w`` reverses the weak coordinates, and the
    symmetrisation of ``w`` (the average over permutations) is :math:`w^*` itself. Tested:
    swap invariance :math:`L(w) = L(\pi w)` (the weak features are exchangeable); the
    Jensen step :math:`L(w) - L(\mathrm{sym}\,w)` against its closed form and as the claim's
    inequality :math:`\ge 0`; and :math:`\partial J_\lambda/\partial w_k = 0` at :math:`w^*`
    for every one of the ``d + 1`` coordinates -- stationarity in the full weight space,
    so by convexity the equal-weight point is the global minimiser (the lemma's
    conclusion). ``at_lam`` takes the optimum of another :math:`\lambda` (negative control).
    """
    from robtheory.training import Objective, embed, solve
    from robtheory.mc.hinge import closed_form_hinge

    opt = solve(Objective(model, lam if at_lam is None else at_lam, threat))
    d = model.d
    w_sym = embed(opt.w1, opt.v, d)
    pattern = np.zeros(d + 1)
    pattern[1:] = 0.5 * w_sym[1] * (-1.0) ** np.arange(d)
    pattern[1:] -= pattern[1:].mean()  # zero sum: symmetrising w gives w_sym back
    w = w_sym + pattern
    w_pi = np.concatenate([w[:1], w[1:][::-1]])
    pens = [ref.robust_penalty(v, threat) for v in (w, w_pi, w_sym)]
    dpen = _penalty_gradient(w_sym, threat)

    def statistic(X: np.ndarray, y: np.ndarray) -> np.ndarray:
        lw, lpi, lsym = (_hinge(X, y, v, pen) for v, pen in zip((w, w_pi, w_sym), pens))
        active = lsym > 0
        grad = active[:, None] * (dpen[None, :] - y[:, None] * X) + lam * w_sym[None, :]
        return np.column_stack([lw - lpi, lw - lsym, grad])

    q_swap, q_jensen = "L(w) - L(pi w)", "L(w) - L(sym w)"
    q_grad = [f"dJ/dw{k}" for k in range(d + 1)]
    _, grad_cf = closed_form_hinge(model, LinearClassifier(w_sym, 0.0), threat)
    hl = [_closed_hinge(model, v, threat) for v in (w, w_pi, w_sym)]
    analytic = {q_swap: hl[0] - hl[1], q_jensen: hl[0] - hl[2],
                **{q: float(g) for q, g in zip(q_grad, grad_cf[:-1] + lam * w_sym)}}
    return MeanRun(f"{_threat_tag(threat)}, lam={lam:g}: optimum (w1={opt.w1:.4f}, v={opt.v:.4f}), "
                   f"w = optimum +- c/2 on the weak weights, {_tag(model)}", model, statistic,
                   (q_swap, q_jensen, *q_grad), analytic,
                   bounds=((q_jensen, ">=", 0.0, "Jensen: symmetrising does not increase the hinge term"),))


def _runs_lemma_d1(pt: Point, lam: float = 0.1) -> list[Any]:
    """Lemma D.1 for the standard objective and the l_inf and l_2 adversarial ones at radius
    ``eps`` (an adversarial objective whose optimum drops the weak features is skipped:
    there is nothing to symmetrise, and Lemma D.5 covers it)."""
    from robtheory.training import Objective, solve

    _require(pt.d >= 2 and pt.eps > 0, "d >= 2 (two weak weights to swap) and eps > 0", pt)
    m = pt.model
    threats = [None] + [t for t in (ThreatModel("linf", pt.eps), ThreatModel("l2", pt.eps))
                        if solve(Objective(m, lam, t)).v != 0]
    return [_symmetry_run(m, lam, t) for t in threats]


def _plan_lemma_d1() -> list[Any]:
    return _runs_lemma_d1(Point(0.9, 0.5, 10, 0.1))

#: Lemma D.2's inequality must hold at Theorem 2.2's largest p.
_D2_P_HOLDS = 0.975


def _lemma_d2_constants_run(model: ToyModel, c1: float | None = None) -> MeanRun:
    r"""Lemma D.2's two constants and its threshold, estimated on the samples of ``model``.

    * :math:`c_1 = E[\max(0, 1 + w_1 - v\,yz) \mid y x_1 = -1]` at :math:`w_1 = v = 1/\sqrt2`
      (0.016993 at :math:`\mu = 4`): the hinge loss of :math:`(1/\sqrt2, 1/\sqrt2)` with x1
      pointing the wrong way. The weak features are independent of x1, so every sample
      contributes :math:`\max(0, 1 + w_1 - y\,w_{2:}^Tx_{2:})` (ten times the samples of
      the wrong-x1 ones alone at p = 0.9). Closed form: the generated hinge loss of
      :math:`(-1/\sqrt2, 1/\sqrt2)` under :math:`D(1, \eta, d)`, i.e. :math:`R(1 + w_1 - \mu v, v)`.
    * :math:`c_2 = E\max(0, 1 - N(\mu, 1))` (0.000382): the hinge loss of :math:`(0, 1)`.
    * the threshold :math:`p^* = 1 - c_2/c_1`, tested exactly through the mean of
      :math:`T = q_2 - (1 - p^*) q_1`, which is 0 iff :math:`p^*` is right;
    * the lemma's inequality :math:`(1-p)c_1 > c_2` at :math:`p = 0.975` (it must hold) and
      its failure at :math:`p = 0.99 > p^*`, as one-sided tests.

    ``c1`` overrides the closed form of :math:`c_1` (and hence :math:`p^*`): negative controls.
    """
    from robtheory.training import embed

    s2 = 1 / math.sqrt(2)
    d = model.d
    w_half, w_v1 = embed(s2, s2, d), embed(0.0, 1.0, d)
    if c1 is None:
        c1 = _closed_hinge(ToyModel(1.0, model.eta, d), embed(-s2, s2, d), None)
    c2 = _closed_hinge(model, w_v1, None)
    p_star = 1 - c2 / c1
    p_fails = 1 - (1 - p_star) / 2  # halfway between p* and 1: the inequality is reversed

    def statistic(X: np.ndarray, y: np.ndarray) -> np.ndarray:
        q1 = np.maximum(0.0, 1.0 + w_half[0] - y * (X[:, 1:] @ w_half[1:]))
        q2 = _hinge(X, y, w_v1, 0.0)
        return np.column_stack([q1, q2, q2 - (1 - p_star) * q1,
                                (1 - _D2_P_HOLDS) * q1 - q2, (1 - p_fails) * q1 - q2])

    q = ("c1 = E[hinge of (1/sqrt2, 1/sqrt2) | x1 = -y]", "c2 = hinge of (0, 1)",
         f"c2 - (1 - p*) c1 at p* = 1 - c2/c1 = {p_star:.5f}",
         f"(1 - {_D2_P_HOLDS:g}) c1 - c2", f"(1 - {p_fails:.5f}) c1 - c2")
    return MeanRun(f"Lemma D.2 constants, {_tag(model)}", model, statistic, q,
                   {q[0]: c1, q[1]: c2, q[2]: 0.0},
                   bounds=((q[3], ">=", 0.0, f"(0, 1) beats every unit-norm w with v < 1/sqrt2 at p = {_D2_P_HOLDS:g}"),
                           (q[4], "<=", 0.0, f"the argument fails at p = {p_fails:.5f} > p*")))


def _unit_norm_stationarity_run(model: ToyModel, point: tuple[float, float] | None = None) -> MeanRun:
    r"""The unit-norm SVM optimum :math:`x^* = (w_1^*, v^*)`, :math:`v^* \ge 1/\sqrt2`, on the samples.

    At :math:`x^*` the loss gradient is :math:`-\lambda x^*`: its component along the
    circle's tangent :math:`(-v^*, w_1^*)` is 0 and along :math:`x^*` it is :math:`-\lambda`
    (both computed per sample from :math:`\mathbb 1[\ell > 0](-y x)` in the reduced
    coordinates :math:`(x_1, z)`); and its loss is below that of :math:`(0, 1)`, the
    comparison point of the lemma's proof. ``point`` replaces :math:`x^*` (negative control).
    """
    from robtheory.training import embed, unit_norm_optimum

    opt = unit_norm_optimum(model)
    w1, v = (opt.w1, opt.v) if point is None else point
    d, sd = model.d, math.sqrt(model.d)
    w, w_v1 = embed(w1, v, d), embed(0.0, 1.0, d)
    from robtheory.mc.hinge import closed_form_hinge

    loss_cf, g = closed_form_hinge(model, LinearClassifier(w, 0.0))
    gw1, gv = float(g[0]), float(g[1:-1].sum() / sd)

    def statistic(X: np.ndarray, y: np.ndarray) -> np.ndarray:
        lw = _hinge(X, y, w, 0.0)
        act = lw > 0
        g1 = np.where(act, -y * X[:, 0], 0.0)
        g2 = np.where(act, -y * X[:, 1:].sum(axis=1) / sd, 0.0)
        return np.column_stack([lw, -v * g1 + w1 * g2, w1 * g1 + v * g2, lw - _hinge(X, y, w_v1, 0.0)])

    q = ("L(x*)", "tangential derivative", f"radial derivative (-lam = {-opt.lam:.4g})", "L(x*) - L((0, 1))")
    return MeanRun(f"unit-norm SVM optimum (w1={w1:.4f}, v={v:.4f} >= 1/sqrt2), {_tag(model)}", model,
                   statistic, q,
                   {q[0]: loss_cf, q[1]: -v * gw1 + w1 * gv, q[2]: w1 * gw1 + v * gv,
                    q[3]: loss_cf - _closed_hinge(model, w_v1, None)},
                   bounds=((q[3], "<=", 0.0, "the optimum is at least as good as (0, 1)"),))


def _runs_lemma_d2(pt: Point) -> list[Any]:
    _require(pt.mu >= 4 - 1e-12 and pt.p <= 0.975, "mu >= 4 and p <= 0.975 (Theorem 2.2)", pt)
    m = pt.model
    return [_lemma_d2_constants_run(m), _unit_norm_stationarity_run(m)]


def _plan_lemma_d2() -> list[Any]:
    return _runs_lemma_d2(Point(0.9, 4 / math.sqrt(10), 10))


def _zero_weak_run(model: ToyModel, eps_train: float, lam: float, delta: float = 0.1) -> MeanRun:
    r"""Lemma D.5 on the samples: moving weak weights off 0 never lowers the adversarial hinge term.

    At the adversarial optimum :math:`x^* = (w_1^*, 0)` (closed form of
    :func:`robtheory.training.adversarial_hinge_closed_form`) the weak weights are moved
    by ``delta`` in three directions (all, one, alternating signs). The proof's Jensen step
    says :math:`L(x^* + \delta e) - L(x^*) \ge 0` when :math:`\varepsilon \ge \eta`
    (the :math:`w_i`-dependent part :math:`-y w_i x_i + \varepsilon |w_i|` has mean
    :math:`\ge 0`); each difference (same samples) is tested against its closed form and as
    that inequality, and :math:`L(x^*)` against its closed form.
    """
    from robtheory.training import adversarial_hinge_closed_form

    threat = ThreatModel("linf", eps_train)
    d = model.d
    w_star = np.zeros(d + 1)
    w_star[0] = adversarial_hinge_closed_form(model.p, eps_train, lam)
    dirs = {"all weak +delta": np.ones(d), "w2 + delta": np.eye(d)[0],
            "alternating +-delta": (-1.0) ** np.arange(d)}
    ws = [w_star] + [w_star + delta * np.concatenate([[0.0], e]) for e in dirs.values()]
    pens = [ref.robust_penalty(v, threat) for v in ws]

    def statistic(X: np.ndarray, y: np.ndarray) -> np.ndarray:
        L = [_hinge(X, y, v, pen) for v, pen in zip(ws, pens)]
        return np.column_stack([L[0], *(lk - L[0] for lk in L[1:])])

    q = ("L(x*)", *(f"L(x* + {k}) - L(x*)" for k in dirs))
    cf = [_closed_hinge(model, v, threat) for v in ws]
    return MeanRun(f"adversarial optimum (w1*={w_star[0]:.4g}, 0), linf eps_train={eps_train:g}, lam={lam:g}, "
                   f"delta={delta:g}, {_tag(model)}", model, statistic, q,
                   {q[0]: cf[0], **{qk: ck - cf[0] for qk, ck in zip(q[1:], cf[1:])}},
                   bounds=tuple((qk, ">=", 0.0, "zeroing the weak weights never increases the hinge term")
                                for qk in q[1:]))


def _runs_lemma_d5(pt: Point, lams: tuple[float, ...] = (0.1, 0.5)) -> list[Any]:
    """Lemma D.5 at eps_train = ``eps`` >= eta (the strengthening of the paper's 2 eta)."""
    _require(pt.eta > 0 and pt.eta <= pt.eps < 1, "eta <= eps_train = eps < 1", pt)
    return [_zero_weak_run(pt.model, pt.eps, lam) for lam in lams]


def _plan_lemma_d5() -> list[Any]:
    # eta <= eps_train < 2 eta (the strengthening), and eps_train >= 2 eta
    return [r for eps, lam in ((0.3, 0.1), (0.5, 0.5)) for r in _runs_lemma_d5(Point(0.9, 0.2, 10, eps), (lam,))]


# ----------------------------------------------------------------------------- the records
LEMMA_D1 = Claim(
    "lemma_d1", "Symmetry of the SVM optimum", "Lemma D.1",
    "Every global minimiser of J_lam has equal weak weights (symmetrisation strictly lowers J).",
    lambda pt: True, _check_lemma_d1,
    mc_plan=_plan_lemma_d1, mc_at=_runs_lemma_d1, stream_block=6,
    campaign=(Point.from_mu(0.9, 0.5 * _S10, 10, 0.1), Point.from_mu(0.75, 1.0, 4, 0.05), Point.from_mu(0.6, 2.0, 10, 0.2)),
    proofs=("lemma_d1",), proof_steps=("lemma_d1:LEMMA",), controls={"symmetry_run": _symmetry_run})

LEMMA_D2 = Claim(
    "lemma_d2", "The SVM optimum uses the weak features", "Lemma D.2",
    "Unit-norm optimum has v* >= 1/sqrt(2): (1-p)*0.016993 > 0.000382 iff p < 0.9775.",
    _lemma_d2_hypotheses, _check_lemma_d2,
    notes="Grid: mu >= 4, p <= 0.975 (Theorem 2.2), eps = 0 (the lemma is about standard training).",
    mc_plan=_plan_lemma_d2, mc_at=_runs_lemma_d2, stream_block=7,
    campaign=(Point.from_mu(0.9, 4.0, 10), Point.from_mu(0.75, 4.5, 4), Point.from_mu(0.975, 4.0, 1)),
    proofs=("lemma_d2",), proof_steps=("lemma_d2:LEMMA",),
    controls={"v_threshold": _check_lemma_d2, "constants_run": _lemma_d2_constants_run,
              "stationarity_run": _unit_norm_stationarity_run})

LEMMA_D5 = Claim(
    "lemma_d5", "Adversarial SVM has zero weak weights", "Lemma D.5",
    "For eps_train >= 2 eta every minimiser of J^adv has w_i = 0 for i >= 2.",
    lambda pt: pt.eps >= pt.eta - 1e-15 and pt.eta > 0, _check_lemma_d5,
    notes="The argument needs only eps_train >= eta; the check runs on that larger region.",
    mc_plan=_plan_lemma_d5, mc_at=_runs_lemma_d5, stream_block=10,
    campaign=(Point.from_mu(0.9, 0.2 * _S10, 10, 0.3), Point.from_mu(0.9, 0.2 * _S10, 10, 0.5),
              Point.from_mu(0.75, 0.3, 1, 0.4), Point.from_mu(0.6, 1.0, 100, 0.15)),
    proofs=("lemma_d5",), proof_steps=("lemma_d5:LEMMA",), controls={"zero_weak_run": _zero_weak_run})

#: The records of this family.
RECORDS = (LEMMA_D1, LEMMA_D2, LEMMA_D5)
