r"""Schmidt et al. (2018), "Adversarially robust generalization requires more data" (NOT Tsipras et al.).

Their Gaussian model :math:`x \mid y \sim \mathcal N(y\theta, \sigma^2 I)` is the weak part of
D(p, eta, d) (:math:`\theta = \eta\mathbf 1`, :math:`\sigma = 1`; in the paper's units
:math:`\lVert\theta\rVert_2 = \sqrt d`, :math:`\sigma' = 1/\eta`, :math:`\varepsilon' = \varepsilon/\eta`,
see :func:`robtheory.finite.schmidt.to_paper_units`). Four records, each with its analytic check
and its Monte Carlo runs over training sets (the class-weighted mean :math:`\bar z` drawn from its
exact law on the engine's stream; the law itself is checked against training sets of
D(p, eta, d) in ``tests/finite/test_schmidt.py``):

* ``schmidt_robust_error`` -- the exact robust error of a linear classifier in the model;
* ``schmidt_theorem_21`` -- the sufficient condition on (n, eps) of Theorem 21;
* ``schmidt_corollary_22`` -- the sample sizes of Corollary 22;
* ``schmidt_theorem_11`` -- the lower bound for every learner under the prior N(0, I), with its
  closed form derived in ``proofs/schmidt_lower_bound.py``.

The Monte Carlo runs count training sets (``trials``), fixed in each run: the column's ``n``
(samples of x) does not apply to them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import ndtr

from robtheory.claims.record import CheckResult, Claim, Point, _result
from robtheory.claims.records import (CheckRecord, _agreement_record, _bound_record, _mean_bound_record, _mean_record,
                                      _stamp)
from robtheory.claims.runs import Bound, LinearRun
from robtheory.finite import schmidt as S
from robtheory.mc.reference import sample_dataset
from robtheory.model import ThreatModel, ToyModel

__all__ = ["RECORDS", "SCHMIDT_COROLLARY_22", "SCHMIDT_ROBUST_ERROR", "SCHMIDT_THEOREM_11", "SCHMIDT_THEOREM_21",
           "TrialsRun"]


@dataclass(frozen=True)
class TrialsRun:
    r"""Tests over ``trials`` training sets (or draws of their exact law), one value per trial.

    ``draw(seed, start)`` returns ``{quantity: array (trials,)}``. ``prob_bounds`` test an
    indicator quantity's probability one-sidedly (exact Clopper--Pearson limits),
    ``agree`` an indicator's probability against a closed form (exact binomial test),
    ``mean_bounds`` a real quantity's mean one-sidedly (CLT with skewness correction). The
    records' ``n`` is the number of trials (training sets, or prior draws), not of samples of x.
    """

    label: str
    trials: int
    draw: Callable[[int, int], dict[str, np.ndarray]]
    agree: dict[str, float] = field(default_factory=dict)
    prob_bounds: tuple[Bound, ...] = ()
    mean_bounds: tuple[Bound, ...] = ()
    mean_agree: dict[str, float] = field(default_factory=dict)

    @property
    def n_tests(self) -> int:
        return len(self.agree) + len(self.prob_bounds) + len(self.mean_bounds) + len(self.mean_agree)

    def run(self, n: int, seed: int, start: int, backend: str, alpha: float, *,
            resolution: float | None = None, mean_resolution: float | None = None) -> list[CheckRecord]:
        vals = self.draw(seed, start)
        t = self.trials
        out = []
        for q, a in self.agree.items():
            out.append(_agreement_record(self.label, q, int(np.sum(vals[q])), t, a, alpha, resolution))
        for q, rel, val, what in self.prob_bounds:
            out.append(_bound_record(self.label, q, int(np.sum(vals[q])), t, rel, val, alpha, what=what,
                                     resolution=resolution))
        for q, rel, val, what in self.mean_bounds:
            mean, var, skew, k = _moments(vals[q])
            out.append(_mean_bound_record(self.label, q, mean, var, skew, k, rel, val, alpha, what, mean_resolution))
        for q, a in self.mean_agree.items():
            mean, var, skew, k = _moments(vals[q])
            out.append(_mean_record(self.label, q, mean, var, skew, k, a, alpha, mean_resolution))
        return _stamp(out, "numpy", start)


def _moments(values: np.ndarray) -> tuple[float, float, float, int]:
    """Mean, unbiased variance, sample skewness and count of i.i.d. values (any shape, flattened)."""
    v = np.asarray(values, dtype=np.float64).ravel()
    c = v - v.mean()
    m2 = float(np.mean(c * c))
    skew = float(np.mean(c**3) / m2**1.5) if m2 > 0 else 0.0
    return float(v.mean()), float(v.var(ddof=1)), skew, int(v.size)


# ----------------------------------------------------------------------------- the robust error
def _check_robust_error(claim: Claim) -> CheckResult:
    """Schmidt's per-model formula against the project's closed form (x1 weight 0, weak-only ball)."""
    from robtheory.theory.closed_form import linear_accuracy

    n, worst = 0, 0.0
    for pt in claim.points():
        if pt.d > 100 or pt.eta == 0:
            continue
        rng = np.random.default_rng([pt.d, int(pt.mu * 1000), int(pt.eps * 1000)])
        model = ToyModel(0.5, pt.eta, pt.d)
        theta = np.full(pt.d, pt.eta)
        for _ in range(1):
            w = pt.eta + rng.standard_normal(pt.d) * rng.choice([0.1, 1.0, 3.0])
            for norm in ("linf", "l2"):
                ours = float(S.robust_error(w, theta, pt.eps, 1.0, norm))
                acc = linear_accuracy(model, (np.r_[0.0, w], 0.0), ThreatModel.weak_only(norm, pt.eps))
                ref = float(acc.robust_error_rate)
                if ours < 1e-300 and ref < 1e-300:
                    continue
                rel = abs(ours - ref) / max(ref, 1e-300)
                worst = max(worst, rel)
                if rel > 1e-9:
                    return _result(False, n, f"{norm} at {pt}: Schmidt's formula {ours:.12g} vs closed form {ref:.12g}")
                n += 1
    return _result(True, n, f"Phi((eps |w|_* - <w, theta>)/(sigma |w|_2)) = the weak-only robust error of "
                            f"linear_accuracy (max relative difference {worst:.1e})")


def _robust_error_run(eta: float, d: int, eps: float, norm: str,
                      formula: Callable[..., Any] = S.robust_error) -> LinearRun:
    """A z_bar of one training set of D(1/2, eta, d), scored on fresh samples by the engine.

    ``formula(w, theta, eps, sigma, norm)`` replaces the per-model formula (negative control).
    """
    model = ToyModel(0.5, eta, d)
    w = S.zbar_from_training_sets(model, 5, 1, seed=0)[0]
    theta = np.full(d, eta)
    rob = float(formula(w, theta, eps, 1.0, norm))
    std = float(formula(w, theta, 0.0, 1.0, norm))
    return LinearRun(f"Gaussian model eta={eta:g} 1, d={d}, z_bar of n=5, {norm} eps={eps:g}", model,
                     (np.r_[0.0, w], 0.0), ThreatModel.weak_only(norm, eps),
                     {"standard": 1 - std, "robust": 1 - rob})


def _runs_robust_error(pt: Point) -> list[Any]:
    return [_robust_error_run(pt.eta, pt.d, pt.eps, norm) for norm in ("linf", "l2")]


def _plan_robust_error() -> list[Any]:
    return _runs_robust_error(Point(0.5, 0.3, 10, 0.2))


# ----------------------------------------------------------------------------- Theorem 21
def _check_theorem_21(claim: Claim, eps_fn: Callable[..., float] = S.theorem21_eps) -> CheckResult:
    r"""The deterministic core of Theorem 21 at every grid point, in the paper's units.

    On Lemma 16's event :math:`\langle \hat w, \theta\rangle \ge c\sqrt d`,
    :math:`c = \frac{2\sqrt n-1}{2\sqrt n+4\sigma}`, a unit :math:`\hat w` has
    :math:`\lVert\hat w\rVert_1 \le \sqrt d`, so its exact robust error is at most
    :math:`\Phi(\sqrt d(\varepsilon - c)/\sigma)`; at :math:`\varepsilon \le` :func:`theorem21_eps`
    this must be :math:`\le \beta`. ``eps_fn(n, d, sigma, beta)`` replaces the theorem's
    :math:`\varepsilon` (a too large one is the negative control).
    """
    n_pts, slack = 0, math.inf
    for pt in claim.points():
        sig = 1.0 / pt.eta
        for n in (1, 4, 16, 100, 10**4):
            for beta in (0.01, 0.1):
                eps_max = eps_fn(n, pt.d, sig, beta)
                if eps_max < 0:
                    continue
                c = (2 * math.sqrt(n) - 1) / (2 * math.sqrt(n) + 4 * sig)
                worst = float(ndtr(math.sqrt(pt.d) * (eps_max - c) / sig))
                if worst > beta * (1 + 1e-12):
                    return _result(False, n_pts, f"at {pt}, n={n}: worst error {worst:.3g} > beta={beta}")
                slack = min(slack, beta / max(worst, 1e-300))
                n_pts += 1
    return _result(True, n_pts, f"at eps = eps_max(n, beta) the worst unit w on Lemma 16's event has exact robust "
                                f"error <= beta (by a factor >= {slack:.3g}: the Gaussian tail is below the "
                                f"Chernoff bound exp(-t^2/2) the paper uses)")


def _theorem_21_run(eta: float, d: int, n: int, beta: float, trials: int, *,
                    claimed_beta: float | None = None) -> TrialsRun:
    """z_bar ~ N(eta 1, I/n) (exact law); at eps = eta * eps_max(n, d, 1/eta, beta) count trials with error <= beta.

    ``claimed_beta`` replaces the beta the count is tested against (a too small one is the
    negative control: it must FAIL).
    """
    sig, _ = S.to_paper_units(eta, 0.0)
    eps = eta * S.theorem21_eps(n, d, sig, beta)
    if eps <= 0:
        raise ValueError(f"Theorem 21 covers no eps > 0 at n={n}, d={d}, sigma'={sig:g}, beta={beta:g}")
    b = beta if claimed_beta is None else claimed_beta
    fail = S.theorem21_failure(d, sig)

    def draw(seed: int, start: int) -> dict[str, np.ndarray]:
        err = S.zbar_robust_errors(eta, d, n, eps, trials, seed, start=start)
        return {f"robust error <= {b:g}": err <= b}

    return TrialsRun(f"z_bar of n={n}, theta={eta:g} 1 (sigma'={sig:g}), d={d}, l_inf eps={eps:.4g} "
                     f"(eps'={eps / eta:.4g} = Thm 21's largest at beta={beta:g})", trials, draw,
                     prob_bounds=((f"robust error <= {b:g}", ">=", 1 - fail,
                                   f"Thm 21: probability >= 1 - 2 exp(-d/(8(sigma'^2+1))) = 1 - {fail:.3g}"),))


def _plan_theorem_21() -> list[Any]:
    return [_theorem_21_run(1.0, 400, 25, 0.01, 2000)]


def _runs_theorem_21(pt: Point) -> list[Any]:
    return [_theorem_21_run(pt.eta, pt.d, 25, 0.01, 2000)]


# ----------------------------------------------------------------------------- Corollary 22
def _cor22_points() -> list[tuple[int, float, float]]:
    """(d, sigma', eps') on the corollary's hypotheses: sigma' <= d^(1/4)/32, eps' <= 1/4."""
    out = []
    for d in (1, 16, 256, 10**4, 10**6, 10**8, 10**12):
        top = d ** 0.25 / 32
        for sig in (top, top / 4, top / 100):
            for eps in (0.0, d ** -0.25 / 8, d ** -0.25 / 4, d ** -0.25, 0.05, 0.125, 0.25):
                if eps <= 0.25:
                    out.append((d, sig, eps))
    return out


def _check_corollary_22(claim: Claim, n_fn: Callable[..., int] = S.corollary22_n) -> CheckResult:
    """Corollary 22's n satisfies Theorem 21's condition at beta = 0.01 (how the corollary follows).

    ``n_fn(eps, d, sigma)`` replaces the corollary's n (a too small one is the negative control).
    """
    n_pts, margin = 0, math.inf
    for d, sig, eps in _cor22_points():
        n = n_fn(eps, d, sig)
        eps_max = S.theorem21_eps(n, d, sig, 0.01)
        if eps > eps_max:
            return _result(False, n_pts, f"d={d}, sigma'={sig:.4g}, eps'={eps:.4g}: n={n} gives eps_max={eps_max:.4g}")
        margin = min(margin, eps_max - eps)
        n_pts += 1
    return _result(True, n_pts, f"n of Cor. 22 meets Thm 21's condition at beta = 0.01 at every point "
                                f"(smallest margin eps_max - eps' = {margin:.3g})")


def _corollary_22_run(eta: float, d: int, eps_paper: float, trials: int, *, n: int | None = None) -> TrialsRun:
    """At Corollary 22's n (or ``n``: a smaller one is not covered), P(robust error <= 0.01) >= 1 - failure."""
    sig, _ = S.to_paper_units(eta, 0.0)
    n_cor = S.corollary22_n(eps_paper, d, sig)
    n = n_cor if n is None else n
    eps = eta * eps_paper
    fail = S.theorem21_failure(d, sig)

    def draw(seed: int, start: int) -> dict[str, np.ndarray]:
        return {"robust error <= 0.01": S.zbar_robust_errors(eta, d, n, eps, trials, seed, start=start) <= 0.01}

    return TrialsRun(f"z_bar of n={n} (Cor. 22: {n_cor}), theta={eta:g} 1 (sigma'={sig:g} = d^(1/4)/32 at "
                     f"d={d}), l_inf eps={eps:g} (eps'={eps_paper:g})", trials, draw,
                     prob_bounds=(("robust error <= 0.01", ">=", 1 - fail,
                                   f"Cor. 22: probability >= 1 - {fail:.3g}"),))


def _plan_corollary_22() -> list[Any]:
    return [_corollary_22_run(8.0, 256, eps, 2000) for eps in (0.1, 0.25)]


def _runs_corollary_22(pt: Point) -> list[Any]:
    return [_corollary_22_run(pt.eta, pt.d, pt.eps / pt.eta, 2000)]


# ----------------------------------------------------------------------------- Theorem 11
def _check_theorem_11(claim: Claim) -> CheckResult:
    """The closed form against mpmath; Corollary 23 from it; the exact threshold above Corollary 23's."""
    import mpmath as mp

    mp.mp.dps = 40
    n_pts, worst, ratio = 0, 0.0, math.inf
    for d in (1, 2, 10, 100, 10**4, 10**6):
        for sig in (0.5, 1.0, 3.0, 10.0, d ** 0.25):
            for eps in (0.01, 0.1, 0.5, 1.0):
                for n in (0, 1, 2, 7, 100, 10**4):
                    a = mp.inf if n == 0 else mp.mpf(eps) * mp.sqrt((mp.mpf(sig) ** 2 + n) / n)
                    ref = mp.mpf(1) / 2 * (mp.erf(a / mp.sqrt(2))) ** d
                    ours = S.log_lower_bound(n, d, eps, sig)
                    if ref == 0:
                        continue
                    diff = abs(ours - float(mp.log(ref))) / max(1.0, abs(float(mp.log(ref))))
                    worst = max(worst, diff)
                    if diff > 1e-9:
                        return _result(False, n_pts, f"log bound at d={d}, sigma={sig}, eps={eps}, n={n}: "
                                                     f"{ours} vs mpmath {mp.nstr(mp.log(ref), 15)}")
                    n_pts += 1
                if d > 1:
                    n23 = S.corollary23_n(eps, d, sig)
                    if n23 > 0 and S.lower_bound(n23, d, eps, sig) < (1 - 1 / d) / 2 * (1 - 1e-12):
                        return _result(False, n_pts, f"Cor. 23 fails at d={d}, sigma={sig}, eps={eps}")
                    n_ex = S.lower_bound_n(eps, d, sig)
                    if n_ex < n23 * (1 - 1e-9):
                        return _result(False, n_pts, f"exact threshold {n_ex} below Cor. 23's {n23}")
                    if n23 > 0:
                        ratio = min(ratio, n_ex / n23)
                    n_pts += 1
    return _result(True, n_pts, f"1/2 (2 Phi(eps sqrt((sigma^2+n)/n)) - 1)^d = mpmath (max relative difference of the logs {worst:.1e}); "
                                f"at n <= eps^2 sigma^2/(8 log d) it is >= (1 - 1/d)/2; the exact threshold is "
                                f">= {ratio:.3g} x Cor. 23's")


def _theorem_11_run(d: int, sigma: float, eps: float, n: int, trials: int, *,
                    bound_fn: Callable[..., float] = S.lower_bound,
                    mean_var: Callable[[int, float], float] | None = None) -> TrialsRun:
    r"""Bayes robust errors of the three learners >= the bound; the law the bound rests on.

    The bound is :math:`\frac12 P(\lVert m\rVert_\infty \le \varepsilon)` with :math:`m` the
    posterior mean, whose coordinates are i.i.d. :math:`\mathcal N(0, v)`,
    :math:`v = n/(n+\sigma^2)`: per trial the average of :math:`|m_j|/\sqrt v` over the ``d``
    coordinates, whose mean over trials is tested against :math:`\sqrt{2/\pi}`. ``bound_fn(n, d, eps, sigma)`` replaces the bound (a too large one is a
    negative control); ``mean_var(n, sigma)`` replaces :math:`v` (a wrong law: negative control).
    """
    lb = float(bound_fn(n, d, eps, sigma))
    var = n / (n + sigma**2) if mean_var is None else float(mean_var(n, sigma))

    def draw(seed: int, start: int) -> dict[str, np.ndarray]:
        errs = S.bayes_robust_errors(n, d, eps, trials, seed, sigma=sigma, start=start)
        # the posterior mean of the same draws (rows start + 2t: theta, start + 2t + 1: the noise of z_bar)
        X, _ = sample_dataset(ToyModel(0.5, 0.0, d), 2 * trials, seed, start=start)
        m = (n / (n + sigma**2)) * (X[0::2, 1:] + sigma / math.sqrt(n) * X[1::2, 1:])
        return {**{f"robust error of {k}": v for k, v in errs.items()}, "|m_j| / sqrt(n/(n + sigma^2))": np.abs(m).mean(axis=1) / math.sqrt(var)}

    return TrialsRun(f"theta ~ N(0, I), d={d}, sigma={sigma:g}, n={n}, l_inf eps={eps:g}; bound {lb:.4g}", trials,
                     draw, mean_agree={"|m_j| / sqrt(n/(n + sigma^2))": math.sqrt(2 / math.pi)},
                     mean_bounds=tuple((f"robust error of {k}", ">=", lb, "Thm 11: every learner's expected "
                                        "robust error >= 1/2 P(|m|_inf <= eps)") for k in S.LEARNERS))


def _plan_theorem_11() -> list[Any]:
    return [_theorem_11_run(100, 10.0, 1.0, 16, 1000), _theorem_11_run(10, 5.0, 1.0, 8, 4000),
            _theorem_11_run(100, 3.0, 0.5, 4, 1000)]


def _runs_theorem_11(pt: Point) -> list[Any]:
    return [_theorem_11_run(pt.d, 1 / pt.eta, pt.eps / pt.eta, 4, 1000)]


# ----------------------------------------------------------------------------- the records
_NOTE = ("Schmidt, Santurkar, Tsipras, Talwar, Madry 2018, NOT Tsipras et al. 2019. In the toy's weak part "
         "theta = eta 1, sigma = 1: the paper's units (|theta|_2 = sqrt d) have sigma' = 1/eta, eps' = eps/eta. ")

SCHMIDT_ROBUST_ERROR = Claim(
    "schmidt_robust_error", "Exact robust error of a linear classifier (Schmidt et al. model)",
    "Schmidt et al. 2018, Sec. 4 / Lemma 20 (exact form derived here)",
    "In x|y ~ N(y theta, sigma^2 I) the classifier sign(<w, x>) has l_inf (l_2) robust error "
    "Phi((eps |w|_1 - <w, theta>)/(sigma |w|_2)) (|w|_2 in place of |w|_1 for l_2).",
    lambda pt: pt.p == 0.5 and pt.eta > 0, _check_robust_error,
    notes=_NOTE + "The paper bounds this by exp(-(<w,theta> - eps |w|_*)^2/(2 sigma^2)) (Lemma 20); the exact "
                  "value is its Gaussian tail.",
    mc_plan=_plan_robust_error, mc_at=_runs_robust_error, stream_block=25,
    campaign=(Point.from_mu(0.5, 1.0, 10, 0.2), Point.from_mu(0.5, 1.0, 100, 0.05)),
    controls={"formula": _robust_error_run})

SCHMIDT_THEOREM_21 = Claim(
    "schmidt_theorem_21", "z_bar is l_inf-robust once n is large enough (Schmidt et al. Thm 21)",
    S.REFERENCES["theorem_21"],
    "With |theta|_2 = sqrt d, with probability >= 1 - 2 exp(-d/(8(sigma^2+1))) the class-weighted mean z_bar of "
    "n samples has l_inf robust error <= beta whenever eps <= (2 sqrt n - 1)/(2 sqrt n + 4 sigma) "
    "- sigma sqrt(2 log(1/beta)/d).",
    lambda pt: pt.p == 0.5 and pt.eta > 0 and 0 < pt.eps / pt.eta <= S.theorem21_eps(25, pt.d, 1 / pt.eta, 0.01),
    _check_theorem_21,
    notes=_NOTE + "Hypotheses: any sigma > 0, beta in (0, 1), d >= 1 (the toy's points are tested at n = 25, "
                  "beta = 0.01). The paper normalises z_bar to unit length: the classifier is the same.",
    mc_plan=_plan_theorem_21, mc_at=_runs_theorem_21, stream_block=26,
    campaign=(Point.from_mu(0.5, 20.0, 400, 0.4), Point.from_mu(0.5, 50.0, 10**4, 0.1)),
    controls={"run": _theorem_21_run, "eps_fn": _check_theorem_21})

SCHMIDT_COROLLARY_22 = Claim(
    "schmidt_corollary_22", "Sample complexity of l_inf-robust z_bar (Schmidt et al. Cor. 22)",
    S.REFERENCES["corollary_22"],
    "With |theta|_2 = sqrt d and sigma <= d^(1/4)/32, z_bar has l_inf robust error <= 0.01 with probability "
    ">= 1 - 2 exp(-d/(8(sigma^2+1))) once n >= 1 for eps <= d^(-1/4)/4 and n >= 64 eps^2 sqrt d for "
    "d^(-1/4)/4 <= eps <= 1/4.",
    lambda pt: (pt.p == 0.5 and pt.eta > 0 and 1 / pt.eta <= pt.d ** 0.25 / 32 and pt.eps / pt.eta <= 0.25),
    _check_corollary_22,
    notes=_NOTE + "In toy units the hypotheses read eta >= 32 d^(-1/4), eps <= eta/4. The constant 64 is loose "
                  "for the toy's z_bar by orders of magnitude (docs/theory.md, 'Schmidt et al. 2018').",
    mc_plan=_plan_corollary_22, mc_at=_runs_corollary_22, stream_block=27,
    campaign=(Point.from_mu(0.5, 128.0, 256, 2.0), Point.from_mu(0.5, 256.0, 4096, 0.4)),
    controls={"run": _corollary_22_run, "n_fn": _check_corollary_22})

SCHMIDT_THEOREM_11 = Claim(
    "schmidt_theorem_11", "Lower bound for every learner under a Gaussian prior (Schmidt et al. Thm 11)",
    S.REFERENCES["theorem_11"],
    "For theta ~ N(0, I) and n samples of N(y theta, sigma^2 I), every learner's l_inf robust error averaged over "
    "theta and the samples is >= 1/2 (2 Phi(eps sqrt((sigma^2+n)/n)) - 1)^d; hence >= (1 - 1/d)/2 when "
    "n <= eps^2 sigma^2/(8 log d) (Cor. 23).",
    lambda pt: pt.p == 0.5 and pt.eta > 0 and pt.eps > 0, _check_theorem_11,
    notes=_NOTE + "A Bayes (prior-averaged) statement: it does not bound a learner at one fixed theta such as "
                  "the toy's eta 1. Closed form derived in proofs/schmidt_lower_bound.py; the learners checked "
                  "are z_bar and the soft/hard thresholded posterior mean.",
    mc_plan=_plan_theorem_11, mc_at=_runs_theorem_11, stream_block=28,
    campaign=(Point.from_mu(0.5, 1.0, 100, 0.1), Point.from_mu(0.5, 0.6, 10, 0.2)),
    proofs=("schmidt_lower_bound",), proof_steps=("schmidt_lower_bound:THM",),
    proof_partial=("Theorem 11's closed form 1/2 (2 Phi(eps sqrt((sigma^2+n)/n)) - 1)^d, for every learner",
                   "Corollary 23's threshold n <= eps^2 sigma^2/(8 log d) (checked numerically by the analytic column)"),
    controls={"run": _theorem_11_run})

#: The records of this family.
RECORDS = (SCHMIDT_ROBUST_ERROR, SCHMIDT_THEOREM_21, SCHMIDT_COROLLARY_22, SCHMIDT_THEOREM_11)
