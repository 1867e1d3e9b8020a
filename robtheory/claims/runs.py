r"""The Monte Carlo run types of the claims' plans, and the sample moments they rest on.

A run draws ``n`` samples of the Philox stream (rows ``start .. start + n - 1``, or the two
halves of its block for :class:`TradeoffRun`) and returns its test records
(:mod:`robtheory.claims.records`): :class:`LinearRun` (counts of a linear classifier, clean and
under its exact worst case), :class:`CallableRun` (any score function and attack, materialised
samples), :class:`TradeoffRun` (Theorem 2.1's inequality, both accuracies estimated),
:class:`FrontierRun` (points of a frontier with the rules that attain them), :class:`MeanRun`
(sample means of per-sample statistics: hinge losses, their differences, gradients).

Run ``j`` of the claim whose record has stream block ``b`` is run ``k = 64 b + j`` of the
column; it uses rows ``k * 2**40 ..`` (:data:`RUN_STRIDE`), hence ``n <= 2**39``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from robtheory import stats
from robtheory.claims.draws import CallableDraw, Draw, LinearDraw, MomentsDraw, finish_moments
from robtheory.claims.record import Point
from robtheory.claims.records import (
    CheckRecord,
    _agreement_record,
    _bound_record,
    _judge,
    _mean_bound_record,
    _mean_record,
    _stamp,
    theorem_2_1_sampled,
)
from robtheory.mc import engine
from robtheory.mc import reference as ref
from robtheory.model import ThreatModel, ToyModel
from robtheory.stats.moments import Moments, chunk_moments
from robtheory.theory.closed_form import linear_accuracy, theorem_2_1_bound

__all__ = ["MAX_N", "RUN_STRIDE", "RUNS_PER_CLAIM", "CallableRun", "FrontierRun", "LinearRun", "MeanRun",
           "TradeoffRun", "sample_moments"]

#: A claim's inequality: (quantity, relation ``<=`` or ``>=``, value, what it says).
Bound = tuple[str, str, float, str]

#: Rows of the stream reserved for each run of the plan.
RUN_STRIDE = 1 << 40
#: Runs reserved for each claim (the claim with stream block ``b`` owns runs ``64 b .. 64 b + 63``).
RUNS_PER_CLAIM = 64
#: Largest ``n`` per run (runs must not overlap).
MAX_N = RUN_STRIDE // 2  # a TradeoffRun uses two half-blocks


@dataclass(frozen=True)
class LinearRun:
    """One :func:`~robtheory.mc.engine.estimate_linear` run (numba/CuPy/NumPy).

    ``analytic`` maps ``"standard"`` / ``"robust"`` to the closed-form value to test (only
    the keys present are tested); ``bounds`` holds ``(quantity, relation, value, what)``
    inequalities of the claim, each a one-sided test.
    """

    label: str
    model: ToyModel
    clf: Any
    threat: ThreatModel | None
    analytic: dict[str, float]
    bounds: tuple[Bound, ...] = ()
    #: Run on this backend whatever the column's (``"numpy"``: the oracle is checked too).
    backend: str | None = None

    @property
    def n_tests(self) -> int:
        return len(self.analytic) + len(self.bounds)

    def draws(self, n: int, seed: int, start: int, backend: str) -> tuple[Draw, ...]:
        """What the run samples (see :mod:`robtheory.claims.draws`)."""
        return (LinearDraw(seed, start, n, self.model, self.clf, self.threat, self.backend or backend),)

    def records(self, totals: list[Any], n: int, seed: int, start: int, alpha: float, *,
                resolution: float | None = None, mean_resolution: float | None = None) -> list[CheckRecord]:
        """The test records from the totals of :meth:`draws`."""
        (res,) = totals
        out = [_agreement_record(self.label, q, res[q], n, a, alpha, resolution)
               for q, a in self.analytic.items()]
        out += [_bound_record(self.label, q, res[q], n, rel, val, alpha, what=what,
                              resolution=resolution)
                for q, rel, val, what in self.bounds]
        return _stamp(out, res["backend"], start)

    def run(self, n: int, seed: int, start: int, backend: str, alpha: float, *,
            resolution: float | None = None, mean_resolution: float | None = None) -> list[CheckRecord]:
        return _run_here(self, n, seed, start, backend, alpha, resolution, mean_resolution)


@dataclass(frozen=True)
class CallableRun:
    """One :func:`~robtheory.mc.engine.estimate_callable` run (materialised samples, on the column's backend).

    ``attack`` is None, ``"shift"`` (Theorem 2.1's adversary) or a callable; every
    attacked input is checked to lie in ``threat``. The count is tested against
    ``analytic`` under the name ``quantity``, and against ``bounds`` as in
    :class:`LinearRun`.
    """

    label: str
    model: ToyModel
    classifier: Callable[..., Any]
    attack: Any
    threat: ThreatModel | None
    quantity: str
    analytic: float
    bounds: tuple[Bound, ...] = ()

    @property
    def n_tests(self) -> int:
        return 1 + len(self.bounds)

    def draws(self, n: int, seed: int, start: int, backend: str) -> tuple[Draw, ...]:
        """What the run samples (see :mod:`robtheory.claims.draws`)."""
        return (CallableDraw(seed, start, n, self.model, self.classifier, self.attack, self.threat, backend),)

    def records(self, totals: list[Any], n: int, seed: int, start: int, alpha: float, *,
                resolution: float | None = None, mean_resolution: float | None = None) -> list[CheckRecord]:
        """The test records from the totals of :meth:`draws`."""
        k = totals[0]["count"]
        out = [_agreement_record(self.label, self.quantity, k, n, self.analytic, alpha, resolution)]
        out += [_bound_record(self.label, self.quantity, k, n, rel, val, alpha, what=what,
                              resolution=resolution)
                for _, rel, val, what in self.bounds]
        return _stamp(out, totals[0]["backend"], start)

    def run(self, n: int, seed: int, start: int, backend: str, alpha: float, *,
            resolution: float | None = None, mean_resolution: float | None = None) -> list[CheckRecord]:
        return _run_here(self, n, seed, start, backend, alpha, resolution, mean_resolution)


@dataclass(frozen=True)
class TradeoffRun:
    r"""Theorem 2.1 for one linear classifier ``clf`` with non-negative weak weights.

    Two estimates on disjoint samples: the standard accuracy (:func:`estimate_linear`) and
    the accuracy against the shift adversary :math:`x_i \to x_i - 2\eta y`
    (:func:`estimate_callable`, ``attack="shift"``, checked to lie in the weak-only
    :math:`\ell_\infty` ball of radius :math:`2\eta`). Three tests:

    * each estimate against its closed form (with non-negative weak weights the shift is
      the exact worst case of that ball, so the closed form is the weak-only robust
      accuracy at :math:`\varepsilon = 2\eta`);
    * the bound :math:`\mathrm{acc}_{\text{shift}} \le \frac{p}{1-p}(1-\mathrm{acc})`, failed
      iff :math:`L_{\text{shift}} > \frac{p}{1-p}(1 - L_{\text{std}})` with :math:`L` the
      lower one-sided Clopper--Pearson limits at :math:`\alpha/2` each (:math:`1 - L_{\text{std}}`
      is computed as the upper limit of the error rate from the error count). If the bound holds,
      both limits lie below the truths with probability :math:`\ge 1-\alpha`, and then
      :math:`L_{\text{shift}} \le \mathrm{acc}_{\text{shift}} \le \frac{p}{1-p}(1-\mathrm{acc})
      \le \frac{p}{1-p}(1 - L_{\text{std}})`: a false alarm has probability :math:`\le\alpha`.
      For ``sign(x1)`` the bound is attained (tightness), so this is a sharp check.
    """

    label: str
    model: ToyModel
    clf: Any
    #: ``bound_fn(p, error_rate=delta)``: the right-hand side of the theorem (replaceable
    #: only to show that the test rejects a wrong bound).
    bound_fn: Callable[..., Any] = theorem_2_1_bound
    n_tests: int = field(default=3, init=False)

    def draws(self, n: int, seed: int, start: int, backend: str) -> tuple[Draw, ...]:
        """What the run samples: the clean counts at ``start``, the shifted ones half a stride further on."""
        model = self.model
        w, b = ref.linear_weights(model, self.clf)
        if np.any(w[1:] < 0):
            raise ValueError("TradeoffRun needs non-negative weak weights (the shift is then the worst case)")
        threat = ThreatModel.weak_only("linf", 2 * model.eta)
        # Half a stride further on: samples disjoint from the standard run's.
        return (LinearDraw(seed, start, n, model, self.clf, None, backend),
                CallableDraw(seed, start + RUN_STRIDE // 2, n, model, _Score(w, b), "shift", threat, backend))

    def run(self, n: int, seed: int, start: int, backend: str, alpha: float, *,
            resolution: float | None = None, mean_resolution: float | None = None) -> list[CheckRecord]:
        return _run_here(self, n, seed, start, backend, alpha, resolution, mean_resolution)

    def records(self, totals: list[Any], n: int, seed: int, start: int, alpha: float, *,
                resolution: float | None = None, mean_resolution: float | None = None) -> list[CheckRecord]:
        """The test records from the totals of :meth:`draws`."""
        model = self.model
        threat = ThreatModel.weak_only("linf", 2 * model.eta)
        acc = linear_accuracy(model, self.clf, threat)
        res, shifted = totals
        k_std = res["standard"]
        start_sh = start + RUN_STRIDE // 2
        k_sh = shifted["count"]
        # the one sampled test of the theorem (U_err from the error count keeps its digits)
        t21 = theorem_2_1_sampled(model.p, k_std, n, k_sh, n, alpha, self.bound_fn)
        lo_sh, bound = t21.robust_lower, t21.bound
        rec_bound = _bound_record(self.label, "shift", k_sh, n, "<=", bound, alpha, limit=lo_sh,
                                  what="p/(1-p) U_err, U_err = 1 - L_std the upper confidence limit of "
                                       "the standard error rate", resolution=resolution)
        rec_bound["bound_at_closed_form"] = float(self.bound_fn(model.p, error_rate=acc.standard_error_rate))
        return (_stamp([_agreement_record(self.label, "standard", k_std, n, acc.standard_accuracy, alpha,
                                          resolution)],
                       res["backend"], start)
                + _stamp([_agreement_record(self.label, "shift", k_sh, n, acc.robust_accuracy, alpha, resolution),
                          rec_bound], shifted["backend"], start_sh))


@dataclass(frozen=True)
class FrontierRun:
    r"""Points of a frontier re-estimated with the classifiers that attain them (Theorem F).

    :func:`robtheory.claims.frontier_mc.frontier_mc` estimates ``points`` points spread along ``front``
    (both ends included: the Bayes point and (p, p)) with the rule that attains each one --
    the rounded rule :math:`\operatorname{sign}(\tau\operatorname{sign}(x_1) + s(x))` clean and
    under its exact worst case -- and each of the ``2 * points`` counts is tested against the
    frontier's value by the exact binomial test at the run's per-test alpha (the records are
    those of every agreement test of this column). ``front`` is replaceable (a lowered or raised
    frontier is a negative control).

    Samples: point ``k`` of the frontier draws the Philox stream of
    :func:`robtheory.mc.seeds.point_seed` ``(s, k)`` with ``s = point_seed(seed, run)`` and ``run``
    the run's index in this column (``start // RUN_STRIDE``): keyed by the run, so disjoint from
    the other runs' streams, and the same whether one claim or all are verified.
    """

    label: str
    front: Any
    points: int = 5

    @property
    def n_tests(self) -> int:
        return 2 * min(self.points, int(self.front.tau.size))

    def draws(self, n: int, seed: int, start: int, backend: str) -> tuple[Draw, ...]:
        """What the run samples: the draws of :func:`robtheory.claims.frontier_mc.frontier_draws`, point by point."""
        from robtheory.claims.frontier_mc import frontier_draws
        from robtheory.mc.seeds import point_seed

        by_point = frontier_draws(self.front, n, points=self.points, seed=point_seed(seed, start // RUN_STRIDE),
                                  backend=backend)
        return tuple(d for k in sorted(by_point) for d in by_point[k])

    def run(self, n: int, seed: int, start: int, backend: str, alpha: float, *,
            resolution: float | None = None, mean_resolution: float | None = None) -> list[CheckRecord]:
        return _run_here(self, n, seed, start, backend, alpha, resolution, mean_resolution)

    def records(self, totals: list[Any], n: int, seed: int, start: int, alpha: float, *,
                resolution: float | None = None, mean_resolution: float | None = None) -> list[CheckRecord]:
        """The test records from the totals of :meth:`draws` (in their order)."""
        from robtheory.claims.frontier_mc import frontier_draws, frontier_mc
        from robtheory.mc.seeds import point_seed

        k_pts = min(self.points, self.front.tau.size)
        shape = frontier_draws(self.front, n, points=k_pts, seed=0)  # how many draws each point has
        by_point, pos = {}, 0
        for k in sorted(shape):
            by_point[k] = totals[pos:pos + len(shape[k])]
            pos += len(shape[k])
        res = frontier_mc(self.front, n, points=k_pts, seed=point_seed(seed, start // RUN_STRIDE),
                          total_alpha=alpha * 2 * k_pts, totals=by_point)
        backend = next((t["backend"] for t in totals if t["backend"] != "numpy"), "numpy")
        out = []
        for e in res["points"]:
            tau = "inf" if e["tau"] is None else f"{e['tau']:.6g}"
            for key in ("standard", "robust"):
                r = _agreement_record(f"{self.label}: point {e['index']} (tau={tau}), {e['classifier']}", key,
                                      e[key]["count"], n, e[key]["analytic"], alpha)
                r["passed"] = bool(r["passed"] and e[key]["passed"])
                res_k = None if resolution is None else stats.proportion_resolution(
                    n, min(max(float(e[key]["analytic"]), 0.0), 1.0), alpha, resolution)
                _judge(r, res_k)
                r["method"], r["stream_seed"] = e["method"], e["seed"]
                out.append(r)
        backends = (engine.sampler_backend(backend) if all(e["method"].startswith("estimate_callable")
                                                            for e in res["points"]) else backend)
        return _stamp(out, backends, start)


def sample_moments(model: ToyModel, statistic: Callable[..., Any], n: int, seed: int, start: int = 0,
                   chunk: int | None = None, backend: str = "numpy") -> dict[str, Any]:
    r"""Mean, variance and skewness of per-sample statistics over ``n`` samples of the stream.

    Parameters
    ----------
    model : ToyModel
    statistic : callable
        ``statistic(X, y)`` with ``X`` of shape ``(rows, d + 1)`` and ``y`` of shape
        ``(rows,)`` returns an array of shape ``(rows, m)``: ``m`` values per sample.
    n : int, >= 2
    seed : int, in [0, 2**64)
    start, chunk
        As in :func:`robtheory.mc.reference.iter_chunks`; the samples are rows
        ``start .. start + n - 1`` of the Philox stream whatever the chunking.
    backend : {"numpy", "numba"}
        Who materialises the samples: the NumPy oracle, or the numba kernels
        (:func:`robtheory.mc.cpu.sample_chunk`: the same labels and x1, weak features within
        a few ulps, ~20x faster). Any other value (``"cupy"``) uses numba when it is usable,
        else NumPy.

    Returns
    -------
    dict
        ``n``; ``mean``, ``var`` (unbiased) and ``skew`` (sample skewness
        :math:`\hat\gamma = m_3 / m_2^{3/2}`, 0 where the variance is 0), arrays of length ``m``.
    """
    n, start = ref.check_n_start(n, start)
    if n < 2:
        raise ValueError(f"n must be >= 2 for a sample variance, got n={n}")
    backend = _moments_backend(backend)
    parts: list[Moments] = []
    for y, X in engine.iter_samples(model, ref.check_seed(seed), n, start=start, chunk=chunk, backend=backend):
        V = np.asarray(statistic(X, y), dtype=np.float64)
        if V.ndim != 2 or V.shape[0] != y.size:
            raise ValueError(f"statistic must return shape (rows, m), got {V.shape} for {y.size} rows")
        parts.append(chunk_moments(V))
    return {**finish_moments(parts, n), "backend": backend}


def _moments_backend(backend: str) -> str:
    """Who materialises the samples of a mean run: numpy or numba (any other value: numba if usable)."""
    if backend not in ("numpy", "numba"):
        backend = "numba" if engine.backend_status()["numba"][0] else "numpy"
    return backend


@dataclass(frozen=True)
class _Score:
    """The score ``X @ w + b`` of a linear rule (picklable, unlike a lambda under plain pickle)."""

    w: np.ndarray
    b: float

    def __call__(self, X: np.ndarray) -> np.ndarray:
        score: np.ndarray = X @ self.w + self.b
        return score


def _run_here(run: Any, n: int, seed: int, start: int, backend: str, alpha: float,
              resolution: float | None, mean_resolution: float | None) -> list[CheckRecord]:
    """A run computed in this process: every draw whole, then its records (the serial reference)."""
    totals = [d.compute() for d in run.draws(n, seed, start, backend)]
    recs: list[CheckRecord] = run.records(totals, n, seed, start, alpha, resolution=resolution,
                                          mean_resolution=mean_resolution)
    return recs


@dataclass(frozen=True)
class MeanRun:
    r"""Sample means of per-sample statistics (hinge losses, their differences, gradients).

    One pass over ``n`` samples evaluates ``statistic(X, y)`` (``m`` values per sample,
    named by ``quantities``); every quantity in ``analytic`` is tested against its closed
    form by a two-sided CLT z-test, and every ``(quantity, relation, value, what)`` of
    ``bounds`` by a one-sided test of the claim's inequality (:func:`one_sided_z`).

    The z-tests are asymptotic: their false-alarm rate is the stated one to the accuracy
    of the normal approximation of the studentised mean, corrected to first order for its
    skewness (:func:`one_sided_z`). Hinge losses near an optimum are 0 on most samples and
    strongly skewed, and the Bonferroni critical values (~5.8) sit deep in the tail, so
    each record reports ``skewness_of_mean`` :math:`g = \hat\gamma/\sqrt n`, and a test with
    :math:`|g| >` :data:`MAX_SKEWNESS_OF_MEAN` is reported ``inconclusive`` instead of
    judged. (A simulation of the most skewed statistic here, Lemma D.2's :math:`c_2`, at
    :math:`n = 10^6`, :math:`g = 0.05`: the two-sided normal tail at :math:`|z| > 4` is
    exceeded twice as often as nominal; the first-order correction recovers about half
    of the heavy tail. Treat the family-wise rate of the mean tests as approximate.)
    """

    label: str
    model: ToyModel
    statistic: Callable[..., Any]
    quantities: tuple[str, ...]
    analytic: dict[str, float]
    bounds: tuple[Bound, ...] = ()
    #: Sample variances need two samples.
    min_n: int = field(default=2, init=False)

    @property
    def n_tests(self) -> int:
        return len(self.analytic) + len(self.bounds)

    def draws(self, n: int, seed: int, start: int, backend: str) -> tuple[Draw, ...]:
        """What the run samples: per-unit moments of the statistic (see :mod:`robtheory.claims.draws`)."""
        n, start = ref.check_n_start(n, start)
        if n < 2:
            raise ValueError(f"n must be >= 2 for a sample variance, got n={n}")
        return (MomentsDraw(ref.check_seed(seed), start, n, self.model, self.statistic,
                            _moments_backend(backend)),)

    def run(self, n: int, seed: int, start: int, backend: str, alpha: float, *,
            resolution: float | None = None, mean_resolution: float | None = None) -> list[CheckRecord]:
        return _run_here(self, n, seed, start, backend, alpha, resolution, mean_resolution)

    def records(self, totals: list[Any], n: int, seed: int, start: int, alpha: float, *,
                resolution: float | None = None, mean_resolution: float | None = None) -> list[CheckRecord]:
        """The test records from the totals of :meth:`draws`."""
        mom = {**finish_moments(totals[0]["parts"], n), "backend": totals[0]["backend"]}
        idx = {q: k for k, q in enumerate(self.quantities)}
        for q in [*self.analytic, *(b[0] for b in self.bounds)]:
            if q not in idx:
                raise ValueError(f"unknown quantity {q!r}; the statistic has {self.quantities}")

        def pick(q: str) -> tuple[float, float, float]:
            k = idx[q]
            return float(mom["mean"][k]), float(mom["var"][k]), float(mom["skew"][k])

        out = [_mean_record(self.label, q, *pick(q), n, a, alpha, mean_resolution)
               for q, a in self.analytic.items()]
        out += [_mean_bound_record(self.label, q, *pick(q), n, rel, val, alpha, what, mean_resolution)
                for q, rel, val, what in self.bounds]
        return _stamp(out, mom["backend"], start)


# ----------------------------------------------------------------------------- the plan
def _tag(model: ToyModel, eps: float | None = None) -> str:
    s = f"p={model.p:g}, mu={model.mu:g}, d={model.d}"
    return s if eps is None else f"{s}, eps={eps:g}"


def _linear_score(clf: Any, model: ToyModel) -> Callable[[np.ndarray], np.ndarray]:
    w, b = ref.linear_weights(model, clf)
    return lambda X: X @ w + b


def _require(ok: bool, what: str, pt: Point) -> None:
    if not ok:
        raise ValueError(f"the Monte Carlo check needs {what}; got p={pt.p!r}, eta={pt.eta!r}, d={pt.d!r}, "
                         f"eps={pt.eps!r} (mu={pt.mu:g})")
