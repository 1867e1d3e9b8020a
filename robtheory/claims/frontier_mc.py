"""Monte Carlo points of a trade-off frontier (theory §3.7, §3.8).

A few points of a :class:`robtheory.theory.frontier.Frontier` are re-estimated by sampling with the
classifier that attains each of them (:func:`robtheory.theory.frontier.attaining_classifier`) and
tested against the curve with exact binomial tests at a stated family-wise false-alarm rate. This
sits in the claims layer: it samples (the theory layer below never does).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from robtheory import stats
from robtheory.classifiers import RoundedClassifier
from robtheory.mc.seeds import point_seed
from robtheory.stats import residuals, z_threshold
from robtheory.model import ThreatModel, ToyModel
from robtheory.theory.frontier import Frontier, attaining_classifier

__all__ = ["FrontierMC", "FrontierMCCount", "FrontierMCPoint", "frontier_document", "frontier_draws", "frontier_mc"]

#: The reported intervals are Clopper--Pearson at level 1 - _CI_ALPHA (as the engine's estimates).
_CI_ALPHA = 0.05


def _finite_or_none(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _uniform_shift(model: ToyModel, threat: ThreatModel) -> str | Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """The exact worst case of the rounded rules (:meth:`robtheory.classifiers.RoundedClassifier.worst_case`,
    which does not depend on tau): every weak feature moved by ``-eps y`` (l_inf) or
    ``-eps y / sqrt(d)`` (l_2); ``"shift"`` (the engine's Theorem 2.1 adversary) when this is the
    move by ``-2 eta y``."""
    step = threat.eps if threat.norm == "linf" else threat.eps / math.sqrt(model.d)
    if threat.norm == "linf" and step == 2 * model.eta:
        return "shift"
    rule = RoundedClassifier(0.0, model.d)

    def attack(X: np.ndarray, y: np.ndarray) -> np.ndarray:
        return rule.worst_case(X, y, threat)

    return attack


def _select(n_pts: int, points: int) -> np.ndarray:
    if isinstance(points, bool) or not isinstance(points, (int, np.integer)) or int(points) < 1:
        raise ValueError(f"points must be a positive integer, got points={points!r}")
    return np.unique(np.round(np.linspace(0, n_pts - 1, min(int(points), n_pts))).astype(int))


def _estimated(front: Frontier, points: int) -> np.ndarray:
    """Indices of the points estimated: ``points`` spread along the frontier, each replaced by the
    attained point that attains or dominates it (a point along a step of a staircase is not attained)."""
    return np.unique([front.attaining_index(int(k)) for k in _select(front.tau.size, points)])


def _point_draws(front: Frontier, k: int, n: int, seed: int, backend: str) -> tuple[Any, ...]:
    """The draws of frontier point ``k`` (:mod:`robtheory.claims.draws`): the rounded rules' clean and
    attacked counts on samples materialised for ``backend``, or a linear rule's two counts; all on the
    point's stream."""
    from robtheory.claims.draws import CallableDraw, LinearDraw

    kind, clf, _ = attaining_classifier(front, int(k))
    s = point_seed(seed, int(k))
    if kind == "rounded":
        attack = _uniform_shift(front.model, front.threat)
        return (CallableDraw(s, 0, n, front.model, clf, None, None, backend),
                CallableDraw(s, 0, n, front.model, clf, attack, front.threat, backend))
    return (LinearDraw(s, 0, n, front.model, clf, front.threat, backend),)


def frontier_draws(front: Frontier, n: int, *, points: int = 5, seed: int = 0,
                   backend: str = "auto") -> dict[int, tuple[Any, ...]]:
    """What :func:`frontier_mc` samples, by point index: one or two draws per point
    (:mod:`robtheory.claims.draws`; computed elsewhere, their totals go back in as ``totals``)."""
    return {int(k): _point_draws(front, int(k), int(n), seed, backend) for k in _estimated(front, points)}


def frontier_mc(front: Frontier, n: int, *, points: int = 5, seed: int = 0, total_alpha: float = 1e-6,
                backend: str = "auto", resolution: float | None = None,
                totals: Mapping[int, Sequence[Any]] | None = None) -> dict[str, Any]:
    r"""Monte Carlo estimates of a few points of a frontier, each tested against its claimed value.

    ``points`` points spread evenly along ``front`` (both ends included) are estimated with
    the classifier that attains each one (:func:`attaining_classifier`): the standard
    accuracy on clean samples, the robust accuracy under that classifier's exact worst case
    (the rounded rules of family ``"all"`` through :func:`robtheory.mc.engine.estimate_callable`
    with the uniform shift of the weak features, ``attack="shift"`` at eps = 2 eta; linear
    classifiers through :func:`robtheory.mc.engine.estimate_linear`, whose robust count uses
    the exact worst-case margin :math:`y(w^Tx) - \varepsilon\lVert w\rVert_*`). The ``2K``
    counts are each tested against the frontier's value with the exact binomial test
    (:func:`robtheory.stats.agreement_test`) at :math:`\alpha = \alpha_{\mathrm{total}}/(2K)`
    (Bonferroni: a correct frontier fails the whole family with probability at most
    ``total_alpha``). The verdict of a count is that test's: FAIL when its p-value is at
    most :math:`\alpha`; otherwise PASS if the test detects (with probability 1/2) every
    deviation of at least ``resolution`` from the claimed value, else INCONCLUSIVE. The
    residuals in standard-error units

    .. math:: r = \frac{\hat a - a_0}{\sqrt{a_0(1-a_0)/n}}

    and the normal threshold :math:`z_{1-\alpha/2}` are reported for plots; they are not
    what is judged (at small n the normal approximation of the exact test is poor).

    Parameters
    ----------
    front : Frontier
    n : int, >= 1
        Samples per point (the standard and robust counts use the same samples).
    points : int, >= 1
        Points to estimate (all of them if the frontier has fewer; ``robtheory frontier
        --mc-points`` refuses more than the frontier has, naming both numbers).
    seed : int, in [0, 2**64)
        Point ``k`` of the frontier draws the stream of
        :func:`robtheory.mc.seeds.point_seed` ``(seed, k)``.
    total_alpha : float, in (0, 1)
        Family-wise false-alarm rate of the whole call.
    backend : {"auto", "numpy", "numba", "cupy"}
        Backend of the linear runs; the rounded rules are evaluated on samples materialised by
        :func:`robtheory.mc.engine.iter_samples` for it (numba for every backend but ``"numpy"``).
    resolution : float, in (0, 1), optional
        Deviation of an accuracy every test must detect (default
        :data:`robtheory.stats.DEFAULT_RESOLUTION`).
    totals : mapping of point index to the totals of its draws, optional
        The counts of :func:`frontier_draws` computed elsewhere (e.g. in pieces on a dask cluster);
        default: sampled here.

    Returns
    -------
    dict
        ``points``: one entry per estimated point with ``index`` (into ``front``), ``tau``,
        ``classifier``, ``method`` and, for ``standard`` and ``robust``, ``{analytic, estimate,
        count, n, ci, level, std_error, z, p_value, passed, verdict, resolution, min_detectable,
        n_needed}`` (``z`` is the residual in standard-error units, ``passed`` is False exactly for a
        FAIL); and ``n``, ``seed``, ``total_alpha``, ``alpha_per_check``, ``n_checks``,
        ``z_threshold``, ``max_abs_z``, ``min_p_value``, ``resolution``, ``verdict``,
        ``inconclusive`` (a count), ``n_needed`` (the n that would make every inconclusive test
        conclusive, None if there are none) and ``passed``. A ``z`` is ``None`` where it is
        infinite (a claimed value of 0 or 1 that the estimate misses), so the dict is valid JSON.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or int(n) < 1:
        raise ValueError(f"n must be a positive integer, got n={n!r}")
    n = int(n)
    resolution = stats.DEFAULT_RESOLUTION if resolution is None else resolution
    stats.proportion_resolution(1, 0.5, 0.5, resolution)  # validates it
    idx = _estimated(front, points)
    m_checks = 2 * idx.size
    alpha = stats.familywise_alpha(total_alpha, m_checks)
    zt = z_threshold(total_alpha, m_checks)
    model, threat = front.model, front.threat
    out_pts = []
    for k in idx:
        kind, clf, desc = attaining_classifier(front, int(k))
        s = point_seed(seed, int(k))
        claimed = {"standard": float(front.standard_accuracy[k]), "robust": float(front.robust_accuracy[k])}
        got = (list(totals[int(k)]) if totals is not None
               else [d.compute() for d in _point_draws(front, int(k), n, seed, backend)])
        if kind == "rounded":
            attack = _uniform_shift(model, threat)
            counts = {"standard": got[0]["count"], "robust": got[1]["count"]}
            method = (f"estimate_callable (samples from backend {got[0]['backend']}): clean, and under "
                      + ("attack='shift' (x_i -> x_i - 2 eta y)" if attack == "shift" else
                         "the uniform shift of the weak features to the ball's edge"))
        else:
            counts = {"standard": got[0]["standard"], "robust": got[0]["robust"]}
            method = f"estimate_linear (backend {got[0]['backend']}): exact worst-case margin"
        est: dict[str, dict[str, Any]] = {}
        for key, cnt in counts.items():
            b = stats.binomial_estimate(int(cnt), n, _CI_ALPHA)
            est[key] = {"count": b.count, "estimate": b.estimate, "ci": b.ci, "level": b.level}
        entry = {"index": int(k), "tau": None if math.isinf(front.tau[k]) else float(front.tau[k]),
                 "classifier": desc, "method": method, "seed": int(s)}
        for key in ("standard", "robust"):
            e = est[key]
            a0 = claimed[key]
            a0c = min(max(a0, 0.0), 1.0)
            t = stats.agreement_test(int(e["count"]), n, a0c, alpha)
            rs = stats.proportion_resolution(n, a0c, alpha, resolution)
            r = _finite_or_none(float(residuals(e["count"], n, a0c)))
            entry[key] = {
                "analytic": a0, "estimate": float(e["estimate"]), "count": int(e["count"]), "n": n,
                "ci": [float(e["ci"][0]), float(e["ci"][1])], "level": float(e["level"]),
                "std_error": math.sqrt(a0c * (1 - a0c) / n), "z": r,
                "p_value": t.p_value, "passed": bool(t.passed),
                "verdict": stats.verdict(not t.passed, rs.resolved), "resolution": resolution,
                "min_detectable": rs.min_detectable, "n_needed": rs.n_needed,
            }
        out_pts.append(entry)
    res_all = [math.inf if e[k]["z"] is None else abs(e[k]["z"])
               for e in out_pts for k in ("standard", "robust")]
    cells = [e[k] for e in out_pts for k in ("standard", "robust")]
    inconclusive = [c for c in cells if c["verdict"] == stats.INCONCLUSIVE]
    needs = [c["n_needed"] for c in inconclusive]
    return {
        "n": n, "seed": int(seed), "total_alpha": float(total_alpha), "alpha_per_check": alpha,
        "n_checks": m_checks, "z_threshold": zt, "max_abs_z": _finite_or_none(max(res_all)),
        "min_p_value": min(c["p_value"] for c in cells), "resolution": float(resolution),
        "verdict": stats.worst_verdict(c["verdict"] for c in cells), "inconclusive": len(inconclusive),
        "n_needed": None if not needs or None in needs else max(needs),
        "passed": all(e[k]["passed"] for e in out_pts for k in ("standard", "robust")),
        "test": "exact two-sided binomial test of each count against the frontier's value, "
                "Bonferroni over all standard and robust counts",
        "points": out_pts,
    }


# ----------------------------------------------------------------------------- typed view
@dataclass(frozen=True)
class FrontierMCCount:
    """One tested count of a frontier point (standard or robust accuracy); keys as in
    :func:`frontier_mc`'s ``points[i]["standard"]``."""

    analytic: float
    estimate: float
    count: int
    n: int
    ci: tuple[float, float]
    level: float
    std_error: float
    z: float | None
    p_value: float
    passed: bool
    verdict: str
    resolution: float
    min_detectable: float
    n_needed: int | None

    def to_dict(self) -> dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["ci"] = list(self.ci)
        return d


@dataclass(frozen=True)
class FrontierMCPoint:
    """One estimated frontier point: its index into the frontier, tau, the attaining classifier,
    how it was sampled, its stream seed, and the two tested counts."""

    index: int
    tau: float | None
    classifier: str
    method: str
    seed: int
    standard: FrontierMCCount
    robust: FrontierMCCount

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "tau": self.tau, "classifier": self.classifier, "method": self.method,
                "seed": self.seed, "standard": self.standard.to_dict(), "robust": self.robust.to_dict()}


_COUNT_KEYS = tuple(f.name for f in fields(FrontierMCCount))
_RUN_KEYS = ("n", "seed", "total_alpha", "alpha_per_check", "n_checks", "z_threshold", "max_abs_z", "min_p_value",
             "resolution", "verdict", "inconclusive", "n_needed", "passed", "test")


@dataclass(frozen=True)
class FrontierMC:
    """The result of :func:`frontier_mc` as a typed record (:meth:`from_dict` reads the dict the
    function returns; :meth:`to_dict` gives it back, key for key)."""

    n: int
    seed: int
    total_alpha: float
    alpha_per_check: float
    n_checks: int
    z_threshold: float
    max_abs_z: float | None
    min_p_value: float
    resolution: float
    verdict: str
    inconclusive: int
    n_needed: int | None
    passed: bool
    test: str
    points: tuple[FrontierMCPoint, ...]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FrontierMC:
        missing = [k for k in (*_RUN_KEYS, "points") if k not in data]
        if missing:
            raise ValueError(f"a frontier Monte Carlo result needs the keys {missing}")

        def count(c: Mapping[str, Any]) -> FrontierMCCount:
            vals = {k: c[k] for k in _COUNT_KEYS}
            vals["ci"] = (float(c["ci"][0]), float(c["ci"][1]))
            return FrontierMCCount(**vals)

        pts = tuple(FrontierMCPoint(int(p["index"]), p["tau"], str(p["classifier"]), str(p["method"]), int(p["seed"]),
                                    count(p["standard"]), count(p["robust"])) for p in data["points"])
        return cls(**{k: data[k] for k in _RUN_KEYS}, points=pts)

    def to_dict(self) -> dict[str, Any]:
        """The dict :func:`frontier_mc` returns."""
        d = {k: getattr(self, k) for k in _RUN_KEYS}
        d["points"] = [p.to_dict() for p in self.points]
        return d

    def summary(self) -> dict[str, Any]:
        """The run-level keys and the estimated indices: the ``mc`` object of ``robtheory frontier --json``."""
        d = {k: getattr(self, k) for k in _RUN_KEYS}
        d["estimated_indices"] = [p.index for p in self.points]
        return d


def frontier_document(front: Frontier, mc: FrontierMC | None = None) -> dict[str, Any]:
    """``robtheory frontier --json``: :meth:`Frontier.to_dict`, with, when ``mc`` is given, each
    estimated point's ``mc`` entry (classifier, method, seed and the two counts) and the run's
    :meth:`FrontierMC.summary` as ``mc``."""
    data = front.to_dict()
    if mc is not None:
        for pt in mc.points:
            data["points"][pt.index]["mc"] = {k: v for k, v in pt.to_dict().items() if k not in ("index", "tau")}
        data["mc"] = mc.summary()
    return data
