r"""The Monte Carlo column of ``robtheory verify``: each claim's closed forms checked by sampling.

For every claim where sampling means something, a fixed *plan* of sampling runs (``Claim.mc_plan`` of its
record, built in the claim's family module) draws
every coordinate of every sample with :mod:`robtheory.mc.engine` and tests the closed-form
values the claim relies on:

* **agreement** tests -- :math:`H_0: P(\text{correct}) = a` for the closed form :math:`a`,
  by the exact binomial test of :func:`robtheory.stats.agreement_test`;
* **bound** tests -- the claim's own inequality, one-sided, from Clopper--Pearson
  confidence limits (e.g. Lemma D.3's :math:`\mathrm{acc} \ge \Phi(\mu - 1)`; Theorem 2.1's
  :math:`\mathrm{acc}_{\text{shift}} \le \frac{p}{1-p}(1 - \mathrm{acc})`, with both accuracies
  estimated), or for a mean from its CLT confidence limit (:func:`one_sided_z`);
* **mean** tests -- :math:`H_0: E[T] = a` for a per-sample statistic :math:`T` (a hinge loss,
  a difference of hinge losses on the same samples, a component of the loss gradient) and
  its closed form :math:`a`, by a two-sided CLT z-test (:class:`MeanRun`). Lemmas D.1, D.2
  and D.5 are statements about the population hinge objective and are checked this way:
  D.1 by swap invariance, the Jensen step and stationarity of the equal-weight optimum in
  all ``d + 1`` coordinates; D.2 by its two constants, its threshold :math:`p^* = 0.9775`,
  and the unit-norm optimum's stationarity on the circle; D.5 by the Jensen step at the
  adversarial optimum :math:`(w_1^*, 0)`; Theorem 2.2 (2)'s closed form :math:`w_1^*` by the
  sampled one-sided derivatives of :math:`J^{adv}` at :math:`(w_1^*, 0)` (stationary in
  :math:`w_1` when interior, bracketing 0 at the kink :math:`1/(1-\varepsilon)`, non-negative
  in the weak weight). The Gaussian robust MLE of Ilyas et al. (registered,
  not from the paper) is checked the same way on Gaussian samples: the mean squared
  perturbation of the exact Lagrangian adversary (:math:`= \varepsilon^2`, the relation that
  fixes :math:`\lambda`), the robust NLLs, and the stationarity of :math:`(\mu^*, \Sigma_r)`
  (:func:`_gaussian_mle_run`).

All tests of one run -- the selected claims' plans plus the five sampler-marginal tests of
:func:`robtheory.mc.engine.check_marginals` -- share one family-wise false-alarm rate
(default :math:`10^{-6}`), Bonferroni-split: a run in which every closed form is right
reports a failure with probability at most that rate, whatever the dependence between the
tests (for the mean tests, to the accuracy of the normal approximation: see
:class:`MeanRun`). Each test also reports the smallest deviation it detects (power 1/2) at
its n.

Samples. Run ``j`` of the claim whose record pins stream block ``b`` (``Claim.stream_block``,
never derived from the claim's position in the registry) is run ``k = 64 b + j`` (run 0 is the
marginals) and uses rows ``k * 2**40 .. k * 2**40 + n - 1`` of the Philox stream of ``seed``:
the runs are disjoint, ``--claim NAME`` draws exactly the samples of the full run, and
inserting or reordering claims moves no sample. Hence ``n <= 2**39`` (a Theorem 2.1 run splits its block in two).
Theorem F's :class:`FrontierRun` instead draws one Philox stream per frontier point, keyed by
its run index (same property: disjoint from the other runs, the same for a subset).

Where the runs are computed does not change a sample: with a ``runner`` (``verify --scheduler``,
:mod:`robtheory.experiments.distributed`) each run's draws (:mod:`robtheory.claims.draws`) are cut
into pieces of the same rows, computed on a dask cluster and combined in row order, and the records
are those of the serial column.

Nothing here is imported by ``import robtheory``: :func:`registered` adds the ``"mc"``
column to :data:`robtheory.claims.COLUMNS` only for the duration of one ``verify``.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, cast

from robtheory import stats
from robtheory._jsonio import json_ready
from robtheory.claims import REGISTRY, CheckResult, Claim, Point
from robtheory.claims.averaging import _rounded_worst_case  # noqa: F401 (old import path)
from robtheory.claims.gaussian_mle import _gaussian_data, _gaussian_mle_run, _plan_gaussian_mle  # noqa: F401
from robtheory.claims.records import (  # noqa: F401 (old import path of the record builders)
    CI_ALPHA,
    CheckRecord,
    MAX_SKEWNESS_OF_MEAN,
    _agreement_record,
    _bound_record,
    _judge,
    _mean_bound_record,
    _mean_record,
    _n_needed,
    _one_sided_limit,
)
from robtheory.claims.runs import (
    MAX_N,
    RUN_STRIDE,
    RUNS_PER_CLAIM,
    CallableRun,
    FrontierRun,
    LinearRun,
    MeanRun,
    TradeoffRun,
    sample_moments,
)
from robtheory.claims.svm import _adversarial_optimality_run, _svm_classifier  # noqa: F401 (old import path)
from robtheory.claims.svm_lemmas import (  # noqa: F401 (old import path)
    _lemma_d2_constants_run,
    _symmetry_run,
    _unit_norm_stationarity_run,
    _zero_weak_run,
)
from robtheory.mc import engine
from robtheory.mc import reference as ref
from robtheory.model import ToyModel
from robtheory.stats.moments import one_sided_z

__all__ = [
    "MAX_N",
    "check_n",
    "MAX_SKEWNESS_OF_MEAN",
    "PLANS",
    "POINT_RUNS",
    "RUN_STRIDE",
    "CallableRun",
    "FrontierRun",
    "LinearRun",
    "MCResult",
    "MeanRun",
    "MonteCarloColumn",
    "TradeoffRun",
    "one_sided_z",
    "plan",
    "plan_at",
    "registered",
    "sample_moments",
]


# ----------------------------------------------------------------------------- results
# ----------------------------------------------------------------------------- results
@dataclass(frozen=True)
class MCResult(CheckResult):
    """A :class:`~robtheory.claims.CheckResult` that also carries every test's numbers.

    ``passed`` is False exactly when some test rejected (``verdict == "FAIL"``); ``verdict``
    is the worst of the tests' verdicts (PASS, INCONCLUSIVE, FAIL).
    """

    checks: tuple[CheckRecord, ...] = ()
    verdict: str = stats.PASS

    @property
    def inconclusive(self) -> int:
        """How many tests are inconclusive."""
        return sum(c.get("verdict") == stats.INCONCLUSIVE for c in self.checks)

    @property
    def n_needed(self) -> int | None:
        """The n that would make every inconclusive test conclusive (None: none, or no n does)."""
        return _n_needed(self.checks)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: infinite or undefined numbers (an undetectable deviation) become None."""
        return {"passed": self.passed, "verdict": self.verdict, "inconclusive": self.inconclusive,
                "n_needed": self.n_needed, "n_points": self.n_points, "detail": self.detail,
                "checks": [json_ready(c) for c in self.checks]}


# ----------------------------------------------------------------------------- tables read from the records
#: Claim name -> builder of its runs (``Claim.mc_plan``). Claims not listed have no meaningful sampling check.
PLANS: dict[str, Callable[[], list[Any]]] = {c.name: c.mc_plan for c in REGISTRY if c.mc_plan is not None}

#: Claim name -> builder of its runs at one point ``(p, eta, d, eps)`` (``Claim.mc_at``; the campaigns).
POINT_RUNS: dict[str, Callable[[Point], list[Any]]] = {c.name: c.mc_at for c in REGISTRY if c.mc_at is not None}

#: The model whose marginals are tested (run 0 of the stream).
MARGINAL_MODEL = ToyModel(0.9, 0.3, 101)  # odd d: the last block of a pair of normals is half used
_N_MARGINAL_TESTS = 5


def plan(name: str) -> list[Any]:
    """The runs of claim ``name`` (empty when sampling has nothing meaningful to check)."""
    builder = PLANS.get(name)
    return [] if builder is None else builder()


def _plan_of(claim: Claim) -> list[Any]:
    """The runs of ``claim``: :data:`PLANS` for a registered name, else the record's own plan."""
    if claim.name in PLANS or claim.mc_plan is None:
        return plan(claim.name)
    return claim.mc_plan()


def plan_at(name: str, point: Point) -> list[Any]:
    """The runs of claim ``name`` at one parameter point (``robtheory verify`` uses fixed points).

    Raises ValueError, naming the values, for an unknown claim, a claim without a Monte
    Carlo check, or a point outside the region the check needs.
    """
    if name not in POINT_RUNS:
        raise ValueError(f"no Monte Carlo check for claim {name!r}; those with one: {sorted(POINT_RUNS)}")
    if not isinstance(point, Point):
        raise ValueError(f"point must be a robtheory.claims.Point, got {point!r}")  # noqa: TRY004 (module convention)
    return POINT_RUNS[name](point)


def _first_run(claim: Claim | str) -> int:
    """Index of the first run of ``claim``: its record's pinned stream block times
    :data:`RUNS_PER_CLAIM` (block 0 holds the marginals). A name is looked up in the registry."""
    if isinstance(claim, str):
        by_name = {c.name: c for c in REGISTRY}
        if claim not in by_name:
            raise ValueError(f"no claim named {claim!r}; known: {sorted(by_name)}")
        claim = by_name[claim]
    block = claim.stream_block
    if block is None or isinstance(block, bool) or not isinstance(block, int) or block < 1:
        raise ValueError(f"claim {claim.name!r} has Monte Carlo runs but no stream block >= 1 "
                         f"(stream_block={block!r}); give its record the next unused block")
    return block * RUNS_PER_CLAIM


# ----------------------------------------------------------------------------- the column
# ----------------------------------------------------------------------------- the column
def check_n(n: Any) -> int:
    """``n`` as an int if it is a valid sample count per run (1 <= n <= 2**39), else a ValueError."""
    n, _ = ref.check_n_start(n)
    if n > MAX_N:
        raise ValueError(f"n must be <= 2**39 per run (runs use disjoint stream blocks), got n={n}")
    return int(n)


class MonteCarloColumn:
    """Runs the plans of ``claims`` at ``n`` samples per run with one family-wise alpha.

    Parameters
    ----------
    claims : sequence of Claim
        The claims ``verify`` checks; they fix the family (their tests + 5 marginal tests).
    n : int, in [1, 2**39]
        Samples per run (at least 2 when a selected claim has mean tests: Theorem 2.2 (2),
        Lemmas D.1, D.2, D.5, the Gaussian robust MLE).
    seed : int, in [0, 2**64)
    backend : {"auto", "numpy", "numba", "cupy"}
        For the linear runs and the marginals (callable runs always use NumPy).
    total_alpha : float, in (0, 1)
        Family-wise false-alarm rate of the whole run.
    resolution : float, > 0
        Deviation of a probability (an accuracy, a marginal frequency) that every
        agreement and bound test of a probability must detect (with probability 1/2):
        a test that does not reject but cannot detect it is INCONCLUSIVE, not PASS.
    mean_resolution : float, > 0
        The same for the tests of means (hinge losses, loss differences, gradient
        components, the weak-feature moments of the marginals), in the statistic's units.
    runner : object, optional
        Where the runs are computed. Default: here, one after the other, as each claim is
        asked for. A runner with ``submit(run, n, seed, start, backend, alpha, resolution=...,
        mean_resolution=...)`` returning a handle whose ``result()`` is the run's records, and
        ``submit_draw(draw)`` returning a function that gives a draw's totals
        (:class:`robtheory.experiments.distributed.DistributedRunner`: a dask cluster) gets every
        run of the family and the marginals at construction; the results are the same records
        (the runs are keyed by rows of the stream, never by where they are computed).
    """

    def __init__(self, claims: Iterable[Claim], n: int = 10**6, seed: int = 0, backend: str = "auto",
                 total_alpha: float = engine.DEFAULT_TOTAL_ALPHA,
                 resolution: float = stats.DEFAULT_RESOLUTION,
                 mean_resolution: float = stats.DEFAULT_MEAN_RESOLUTION, runner: Any = None):
        n = check_n(n)
        self.n, self.seed = n, ref.check_seed(seed)
        self.resolution = stats.proportion_resolution(1, 0.5, 0.5, resolution).resolution  # validates
        self.mean_resolution = stats.mean_resolution(1, 0.0, 1.0, mean_resolution).resolution
        self.backend = engine.resolve_backend(backend)
        self.requested_backend = backend
        claims = list(claims)
        self._claims = {c.name: c for c in claims}
        self.plans = {c.name: _plan_of(c) for c in claims}
        for name, runs in self.plans.items():
            if len(runs) > RUNS_PER_CLAIM:  # pragma: no cover - a plan outgrew its block
                raise AssertionError(f"claim {name!r} has more than {RUNS_PER_CLAIM} runs")
            need = max((getattr(r, "min_n", 1) for r in runs), default=1)
            if n < need:
                raise ValueError(f"n must be >= {need} for the Monte Carlo check of claim {name!r} "
                                 f"(sample variances), got n={n}")
        self.n_checks = sum(r.n_tests for runs in self.plans.values() for r in runs) + _N_MARGINAL_TESTS
        self.total_alpha = float(total_alpha)
        self.alpha = stats.familywise_alpha(self.total_alpha, self.n_checks)
        self.results: dict[str, MCResult | None] = {}
        self.marginal_result: dict[str, Any] | None = None
        self.backends_used: set[str] = set()
        self.executor = "serial" if runner is None else str(getattr(runner, "executor", type(runner).__name__))
        self._pending: dict[str, list[Any]] = {}
        self._marginal_pending: Any = None
        if runner is not None:
            self._submit_all(runner)

    def _submit_all(self, runner: Any) -> None:
        """Hand every run of the family and the marginals to ``runner`` (claims in order)."""
        from robtheory.claims.draws import MarginalDraw

        for name, runs in self.plans.items():
            if not runs:
                continue
            first = _first_run(self._claims[name])
            self._pending[name] = [
                runner.submit(run, self.n, self.seed, (first + j) * RUN_STRIDE, self.backend, self.alpha,
                              resolution=self.resolution, mean_resolution=self.mean_resolution)
                for j, run in enumerate(runs)]
        draw = MarginalDraw(self.seed, 0, self.n, MARGINAL_MODEL, _marginal_backend(self.backend))
        wait = runner.submit_draw(draw)
        self._marginal_pending = lambda: draw.totals(wait())

    def __call__(self, claim: Claim) -> MCResult | None:
        runs = self.plans.get(claim.name)
        if runs is None:  # not in the family fixed at construction
            runs = _plan_of(claim)
            if runs:
                raise ValueError(f"claim {claim.name!r} was not in the family of this Monte Carlo run")
        if not runs:
            self.results[claim.name] = None
            return None
        checks = []
        first = _first_run(claim)
        pending = self._pending.pop(claim.name, None)
        for j, run in enumerate(runs):
            start = (first + j) * RUN_STRIDE
            if pending is not None:  # computed by the runner, from the same rows
                recs = pending[j].result()
            else:
                recs = run.run(self.n, self.seed, start, self.backend, self.alpha,
                               resolution=self.resolution, mean_resolution=self.mean_resolution)
            for r in recs:
                r.update({"claim": claim.name, "seed": self.seed})
                self.backends_used.add(r["backend"])
            checks += recs
        res = MCResult(all(c["passed"] for c in checks), len(checks), _detail(checks), tuple(checks),
                       stats.worst_verdict(c["verdict"] for c in checks))
        self.results[claim.name] = res
        return res

    def marginals(self) -> dict[str, Any]:
        """The sampler's marginal tests (run 0), five members of the family."""
        if self.marginal_result is None:
            sums = None if self._marginal_pending is None else self._marginal_pending()
            m = engine.check_marginals(MARGINAL_MODEL, self.n, self.seed, self.backend,
                                       total_alpha=self.alpha * _N_MARGINAL_TESTS, start=0, sums=sums)
            self.backends_used.add(m["backend"])
            tests = {k: m[k] for k in ("y", "x1_pos", "x1_neg", "mean", "var")}
            self._judge_marginals(m, tests)
            verdict = stats.worst_verdict(t["verdict"] for t in tests.values())
            self.marginal_result = {
                "model": {"p": MARGINAL_MODEL.p, "eta": MARGINAL_MODEL.eta, "d": MARGINAL_MODEL.d},
                "n": m["n"], "backend": m["backend"], "alpha": self.alpha, "passed": bool(m["passed"]),
                "verdict": verdict, "resolution": self.resolution, "mean_resolution": self.mean_resolution,
                "inconclusive": sum(t["verdict"] == stats.INCONCLUSIVE for t in tests.values()),
                "n_needed": _n_needed(tests.values()),
                "tests": tests,
                "detail": _marginal_detail(m, tests),
            }
        return self.marginal_result

    def _judge_marginals(self, m: dict[str, Any], tests: dict[str, Any]) -> None:
        """Give each marginal test a verdict at the run's resolutions (in place; a test that
        could not run -- no sample of a class -- becomes an INCONCLUSIVE stub)."""
        n, n_pos = m["n"], m["sums"]["n_pos"]
        props = {"y": (n, 0.5), "x1_pos": (n_pos, MARGINAL_MODEL.p), "x1_neg": (n - n_pos, MARGINAL_MODEL.p)}
        # mean of y x_k (sd 1) and of x_k^2 (sd sqrt(2 + 4 eta^2)) over n d terms
        eta = MARGINAL_MODEL.eta
        sds = {"mean": 1.0, "var": math.sqrt(2 + 4 * eta**2)}
        zcrit = float(stats.two_sided_z(self.alpha))
        for key, t in list(tests.items()):
            if t is None:
                tests[key] = {"passed": True, "verdict": stats.INCONCLUSIVE, "resolution": self.resolution,
                              "min_detectable": math.inf, "n_needed": None,
                              "reason": "no sample of this class"}
                continue
            # n_needed in samples of the run: a class holds about half of them, and a
            # moment test averages n d terms
            if key in props:
                size, p0 = props[key]
                res = stats.proportion_resolution(size, p0, self.alpha, self.resolution)
                scale = 1 if key == "y" else 2
                need = None if res.n_needed is None else scale * res.n_needed
            else:
                res = stats.mean_resolution(n * m["d"], sds[key], zcrit, self.mean_resolution)
                need = None if res.n_needed is None else -(-res.n_needed // m["d"])
            res = stats.Resolution(res.resolution, res.min_detectable, res.resolved, need)
            t = dict(t)
            _judge(cast(CheckRecord, t), res)
            t.pop("inconclusive")
            tests[key] = t

    def passed(self) -> bool:
        """No test rejected (inconclusive tests do not count: see :meth:`verdict`)."""
        ok = all(r is None or r.passed for r in self.results.values())
        return ok and (self.marginal_result is None or self.marginal_result["passed"])

    def _all_checks(self) -> list[Any]:
        recs = [c for r in self.results.values() if r is not None for c in r.checks]
        if self.marginal_result is not None:
            recs += list(self.marginal_result["tests"].values())
        return recs

    def verdict(self) -> str:
        """FAIL if a test rejected, else INCONCLUSIVE if one could not resolve its resolution, else PASS."""
        return stats.worst_verdict(c["verdict"] for c in self._all_checks())

    def summary(self) -> dict[str, Any]:
        """Run-level facts for the JSON report (the per-claim tests are in the claim rows)."""
        recs = self._all_checks()
        return {"n": self.n, "seed": self.seed, "backend": self.requested_backend,
                "backends_used": sorted(self.backends_used), "total_alpha": self.total_alpha,
                "n_checks": self.n_checks, "alpha_per_check": self.alpha,
                "correction": "Bonferroni", "marginals": json_ready(self.marginal_result),
                "resolution": self.resolution, "mean_resolution": self.mean_resolution,
                "inconclusive": sum(c["verdict"] == stats.INCONCLUSIVE for c in recs),
                "n_needed": _n_needed(recs), "verdict": self.verdict(),
                "passed": self.passed(), "executor": self.executor}

    def statement(self) -> str:
        recs = self._all_checks()
        count = {v: sum(c["verdict"] == v for c in recs) for v in stats.VERDICTS}
        text = (f"Monte Carlo: {count[stats.PASS]}/{self.n_checks} tests pass, "
                f"{count[stats.INCONCLUSIVE]} inconclusive, {count[stats.FAIL]} fail at n = {self.n} samples "
                f"per run (seed {self.seed}, backend {'/'.join(sorted(self.backends_used)) or self.backend}); "
                f"family-wise false-alarm rate {self.total_alpha:g} over all {self.n_checks} tests "
                f"(Bonferroni: {self.alpha:.3g} per test); resolution {self.resolution:g} in a probability, "
                f"{self.mean_resolution:g} in a mean")
        if self.executor != "serial":
            text += f"; computed on {self.executor}"
        if count[stats.INCONCLUSIVE]:
            need = _n_needed(recs)
            text += ("; " + (f"--n {need} would make the inconclusive tests conclusive" if need is not None
                             else "no n makes every inconclusive test conclusive")
                     + " (or a coarser --resolution / --mean-resolution)")
        return text


def _marginal_backend(backend: str) -> str:
    """The backend :func:`robtheory.mc.engine.estimate_marginals` runs for ``backend`` (cupy has no
    marginal kernel: numba, else NumPy)."""
    if backend == "cupy":
        return "numba" if engine.backend_status()["numba"][0] else "numpy"
    return backend


def _fmt_md(x: float) -> str:
    return "inf" if not math.isfinite(x) else f"{x:.2g}"


def _detail(checks: list[CheckRecord]) -> str:
    agree = [c for c in checks if c["test"] == "agreement"]
    means = [c for c in checks if c["test"] == "mean"]
    bounds = [c for c in checks if c["test"] == "bound"]
    parts = []
    if agree:
        zmax = max(abs(c["z"]) for c in agree)
        # The smallest deviation each test detects, on its better side: near 0 or 1 a shift
        # towards the boundary can be too small to see (e.g. 10 expected errors in 1e6).
        md = [min(v for v in (c["min_detectable_below"], c["min_detectable_above"]) if v is not None)
              for c in agree]
        one_sided = sum(not math.isfinite(c["min_detectable"]) for c in agree)
        rng = _fmt_md(min(md)) if min(md) == max(md) else f"{_fmt_md(min(md))}..{_fmt_md(max(md))}"
        parts.append(f"{len(agree)} closed-form agreement test{'s' * (len(agree) > 1)}, max |z| {zmax:.2f}, "
                     f"detects deviations >= {rng}"
                     + (f" ({one_sided} only away from 0/1)" if one_sided else ""))
    if means:
        zmax = max(abs(c["z"]) for c in means)
        skew = max(abs(c["skewness_of_mean"]) for c in means)
        parts.append(f"{len(means)} mean test{'s' * (len(means) > 1)} (CLT z, closed-form losses/"
                     f"gradients), max |z| {zmax:.2f}, max skewness of a mean {skew:.2g}")
    inc = [c for c in checks if c.get("verdict") == stats.INCONCLUSIVE]
    if inc:
        need = _n_needed(inc)
        skewed = sum(not math.isfinite(c.get("critical_z", 0.0)) for c in inc)
        parts.append(f"{len(inc)} INCONCLUSIVE (cannot detect a deviation of the resolution"
                     + (f"; {skewed} with skewness of the mean > {MAX_SKEWNESS_OF_MEAN:g}" if skewed else "")
                     + (f": n >= {need} would resolve them" if need is not None else "") + ")")
    if bounds:
        parts.append(f"{len(bounds)} bound test{'s' * (len(bounds) > 1)} "
                     f"({sum(c['passed'] for c in bounds)} hold)")
    bad = [c for c in checks if not c["passed"]]
    if bad:
        c = bad[0]
        parts.append(f"FIRST FAILURE: {c['label']} {c['quantity']}: estimate {c['estimate']:.6g} "
                     f"vs {c['analytic']:.6g}")
    return "; ".join(parts)


def _marginal_detail(m: dict[str, Any], tests: dict[str, Any] | None = None) -> str:
    bits = []
    for k in ("y", "x1_pos", "x1_neg", "mean", "var"):
        t = m[k]
        if t is not None:
            bits.append(f"{k} z={t['z']:+.2f}")
    text = f"D({MARGINAL_MODEL.p:g}, {MARGINAL_MODEL.eta:g}, {MARGINAL_MODEL.d}), n={m['n']}: " + ", ".join(bits)
    tests = tests or {}
    inc = [k for k, t in tests.items() if t["verdict"] == stats.INCONCLUSIVE]
    if inc:
        need = _n_needed([tests[k] for k in inc])
        text += f"; INCONCLUSIVE: {', '.join(inc)}" + (f" (n >= {need} would resolve them)" if need else "")
    return text


@contextlib.contextmanager
def registered(col: MonteCarloColumn) -> Iterator[MonteCarloColumn]:
    """Register ``col`` as the ``"mc"`` column for the duration of a ``with`` block; yields it."""
    from robtheory import claims as _claims

    with _claims.column_registered("mc", col):
        yield col
