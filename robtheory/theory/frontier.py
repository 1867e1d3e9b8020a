"""Trade-off frontiers of (standard accuracy, robust accuracy) (theory §3.7, §3.8).

Theorem F (theory §3.7): at eps = 2 eta < 1 (l_inf, x1 perturbable or not) the Pareto frontier
over **all** measurable classifiers is traced by ``f_tau = sign(tau x1 + s(x))`` (rounded in
x1) for :math:`\\tau \\in [L/(2\\mu), \\infty]`:

.. math::

    \\mathrm{Std}(\\tau) = p\\Phi(\\mu+\\tau) + (1-p)\\Phi(\\mu-\\tau),\\qquad
    \\mathrm{Rob}(\\tau) = p\\Phi(\\tau-\\mu) + (1-p)\\Phi(-\\tau-\\mu),

from the Bayes point (tau = L/(2 mu)) to (p, p) (tau = inf, ``sign(x1)``). Both coordinates
are evaluated by the generated closed forms (the robust one as the weak-only l_inf accuracy,
which the rounded rule attains). Along it the Theorem 2.1 bound has the exact gap
:math:`\\frac{2p-1}{2(1-p)}(1 - \\Phi(\\tau+\\mu) + \\Phi(-\\tau-\\mu))`.

For other radii the same rounded family is an achievable lower curve for ``family="all"``
(``exact`` is then False). ``family="linear"`` is the frontier of linear classifiers with a
bias (:func:`_linear_frontier`: optimised over the two class offsets a + b, a - b and, for
l_inf with eps > eta, the spread of the weak weights; certified by branch and bound, per-point
``gap_bound``, ``exact`` where every gap is <= 1e-9): a bias can
lift it far above the unbiased family, e.g. at p = .95, eta = .3, d = 100 from robust accuracy
0.19 to 0.42 at standard accuracy 0.96 under the l_2 ball eps = 4. ``family="linear-unbiased"``
keeps the paper's ``f_tau`` family (traced exactly; exact among unbiased classifiers for l_2
and for l_inf with eps <= eta; optimised over (tau, r) for l_inf with eps > eta).

Points are spread at (nearly) equal arc length along the curve (:func:`_trace`,
:func:`_select_along`), and :func:`frontier_cost` estimates a call's run time before it starts.

Monte Carlo points (:func:`robtheory.claims.frontier_mc.frontier_mc`): a few points of a frontier are re-estimated by
sampling with the classifier that attains each of them (:func:`attaining_classifier`) and
tested against the curve with exact binomial tests at a stated family-wise false-alarm rate.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from robtheory.theory.closed_form import accuracy_stats, theorem_2_1_bound
from robtheory.model import ThreatModel, ToyModel

__all__ = ["FAMILIES", "Frontier", "attaining_classifier", "frontier", "frontier_cost",
           "theorem_f_applies"]


@dataclass(frozen=True)
class Frontier:
    """Points of a frontier, ordered from the most accurate to the most robust."""

    model: ToyModel
    threat: ThreatModel
    family: str
    exact: bool
    tau: np.ndarray
    standard_accuracy: np.ndarray
    robust_accuracy: np.ndarray
    bound: np.ndarray  # Theorem 2.1 bound p/(1-p)(1 - std) at each point; NaN where it does not apply
    note: str
    #: ``r = ||u||_1 / ||u||_2`` of the weak weights at each point (``None``: equal weights,
    #: ``r = sqrt(d)``, at every point); only the l_inf linear frontier with eps > eta sets it.
    r: np.ndarray | None = None
    #: Bias ``b/||u||_2`` of each point (``None``: no bias at any point); family ``"linear"`` sets it.
    bias: np.ndarray | None = None
    #: Certified bound of each point's distance below the frontier (``None``: traced curves, exact
    #: by construction); the optimised linear families set it (:func:`_certify_linear`).
    gap_bound: np.ndarray | None = None
    #: Whether a classifier of the family attains each point (``None``: every point does). Along a step
    #: of a staircase frontier (a disconnected Pareto set) the points between the step's ends are
    #: not attained: each is dominated by the point ``attained_by`` (an index into these points,
    #: -1 for attained points), whose classifier ``tau``, ``bias`` and ``r`` hold.
    attained: np.ndarray | None = None
    attained_by: np.ndarray | None = None

    def attaining_index(self, index: int) -> int:
        """The index of the attained point that attains (or dominates) point ``index``."""
        if self.attained is None or self.attained[index]:
            return int(index)
        return int(self.attained_by[index])  # type: ignore[index]

    def to_dict(self) -> dict:
        m, t = self.model, self.threat
        pts = []
        for k, (tau, s, r, b) in enumerate(zip(self.tau, self.standard_accuracy, self.robust_accuracy, self.bound)):
            pt = {"tau": (None if not math.isfinite(tau) else float(tau)),
                  "standard_accuracy": float(s), "robust_accuracy": float(r),
                  "theorem_2_1_bound": (None if not math.isfinite(b) else float(b))}
            if self.r is not None:
                pt["weak_weight_ratio"] = None if not math.isfinite(self.r[k]) else float(self.r[k])
            if self.bias is not None:
                pt["bias"] = float(self.bias[k])
            if self.gap_bound is not None:
                g = float(self.gap_bound[k])
                pt["gap_bound"] = g if math.isfinite(g) else None
            if self.attained is not None:
                pt["attained"] = bool(self.attained[k])
                pt["attained_by"] = None if self.attained[k] else int(self.attained_by[k])  # type: ignore[index]
            pts.append(pt)
        return {
            "p": m.p, "eta": m.eta, "d": m.d, "eps": t.eps, "norm": t.norm,
            "weak_only": not t.perturb_x1, "family": self.family, "exact": self.exact, "note": self.note,
            "points": pts,
        }

    def to_csv(self, path: str | os.PathLike[str]) -> None:
        """Write the points as CSV: tau (``inf`` for the robust end), both accuracies, the Theorem 2.1
        bound (empty where it does not apply), and ``bias`` / ``weak_weight_ratio`` / ``attained`` (1 or
        0) / ``attained_by`` where set."""
        points = self.to_dict()["points"]
        cols = ["tau", "standard_accuracy", "robust_accuracy", "theorem_2_1_bound"]
        cols += [k for k in ("bias", "weak_weight_ratio", "attained", "attained_by")
                 if points and k in points[0]]
        with open(path, "w") as fh:
            fh.write(",".join(cols) + "\n")
            for pt in points:
                fh.write(",".join("inf" if pt[k] is None and k == "tau" else "" if pt[k] is None
                                  else str(int(pt[k])) if isinstance(pt[k], bool) else repr(pt[k])
                                  for k in cols) + "\n")


def theorem_f_applies(model: ToyModel, threat: ThreatModel) -> bool:
    """Theorem F's setting: l_inf, eps = 2 eta (to rounding), eps < 1."""
    return (threat.norm == "linf" and threat.eps < 1 and model.eta > 0
            and math.isclose(threat.eps, 2 * model.eta, rel_tol=1e-12))


def _pareto(std, rob):
    """Indices of the non-dominated points, ordered by decreasing standard accuracy."""
    order = np.lexsort((-rob, -std))
    r = np.asarray(rob)[order]
    best_before = np.concatenate([[-np.inf], np.maximum.accumulate(r)[:-1]])
    return order[r > best_before].astype(int)


FAMILIES = ("all", "linear", "linear-unbiased")

#: Seconds per frontier point, measured on one core (upper ends, rounded up; see frontier_cost):
#: one-parameter curves (family "all", and "linear-unbiased" with equal weak weights) and the
#: optimised families (with a bias, or with a free weak-weight spread r).
_SECONDS_PER_POINT = {"curve": 2e-3, "optimised": 0.1}
_SECONDS_FIXED = 0.5


def _optimised(model: ToyModel, threat: ThreatModel, family: str) -> bool:
    """True where the family's frontier is found by optimisation rather than traced."""
    if family == "linear":
        return True
    return family == "linear-unbiased" and threat.norm == "linf" and threat.eps > model.eta and model.d > 1


def frontier_cost(model: ToyModel, threat: ThreatModel, family: str = "all", n: int = 201) -> float:
    """An upper estimate of :func:`frontier`'s run time in seconds on one core, before any work.

    The cost is linear in ``n``: a traced curve evaluates O(n) closed forms (about 2 ms per
    point with its adaptive refinement, measured: 0.01 s for 201 points); an optimised family
    runs a few local optimisations per point and polishes the chosen ones (measured on a loaded
    machine at p = .95, eta = .3, d = 100: 17 s for 201 points under l_inf eps = .6, 9 s under l_2
    eps = 4), so 0.1 s per point after a fixed global grid.
    """
    per = _SECONDS_PER_POINT["optimised" if _optimised(model, threat, family) else "curve"]
    return _SECONDS_FIXED + per * int(n)


def frontier(model: ToyModel, threat: ThreatModel, family: str = "all", n: int = 201, *,
             progress=None) -> Frontier:
    """The (standard, robust) accuracy frontier, as ``n`` points spread along it.

    Parameters
    ----------
    model, threat
        D(p, eta, d) and the threat ball.
    family : {"all", "linear", "linear-unbiased"}
        Over all measurable classifiers (rounded rules), over linear classifiers
        ``sign(a x1 + u.z + b)`` with a bias (:func:`_linear_frontier`), or over linear
        classifiers without bias (the paper's ``f_tau`` family and its l_inf variant).
    n : int >= 2
        Number of points. They are placed at (nearly) equal arc length along the curve in the
        (standard, robust) plane, from the most accurate point to the most robust one: no two
        consecutive points are more than ``4/3`` of ``length/(n - 1)`` apart, so ``n >= 68``
        keeps every step under 2% of the curve's length (the default 201: under 0.7%). A
        curve with fewer distinct floating-point points has fewer (the optimised families,
        :func:`_linear_frontier`, fill gaps down to half the spacing: at most 3/2 of it). Where
        the Pareto set is disconnected (a staircase), points are placed along each step too:
        ``attained`` is False there, and each such point is dominated by the attained point
        ``attained_by`` (:func:`_fill_steps`); a few step ends may be added to the ``n`` points.
    progress : callable, optional
        Called as ``progress(done, total)`` while an optimised family is being solved.
    """
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {FAMILIES}, got {family!r}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n must be an integer >= 2, got {n!r}")
    n = int(n)
    p, eta, d, eps = model.p, model.eta, model.d, threat.eps
    mu, L = model.mu, model.log_odds
    sd = math.sqrt(d)
    tau_bayes = L / (2 * mu) if mu > 0 else math.inf
    if family == "linear":
        from robtheory.theory.linear_frontier import _linear_frontier

        return _linear_frontier(model, threat, n, progress)
    if family == "all":
        if threat.perturb_x1 and eps >= 1:
            raise ValueError(f"the frontier over all classifiers is derived for eps < 1, got eps={eps!r}")
        kind = f"{threat.norm}_weak"  # rounded rules ignore x1-perturbations below 1
        exact = theorem_f_applies(model, threat)
        # Std falls and Rob rises exactly on [L/(2 mu), L/(2 m_eps)] (m_eps = mu - the budget's
        # share, robtheory.phase.rounded_rule_frontier); every other tau is dominated, so that
        # interval is traced as it is, without a Pareto filter of rounded values
        tau_lo = tau_bayes
        m_eps = (eta - (eps if threat.norm == "linf" else eps / sd)) * sd
        tau_hi = L / (2 * m_eps) if (m_eps > 0 and math.isfinite(L)) else math.inf
        note = ("Theorem F: exact frontier over all measurable classifiers" if exact else
                "rounded rules sign(tau sign(x1) + s(x)): achievable, not proved optimal at this eps")
    else:
        kind = f"{threat.norm}_{'full' if threat.perturb_x1 else 'weak'}"
        tau_lo = 0.0
        if _optimised(model, threat, family):
            # The l_inf penalty eps*||u||_1 rewards concentrated weak weights while accuracy rewards
            # spread ones: the two-parameter family (tau, r = ||u||_1/||u||_2 in [1, sqrt d]).
            from robtheory.theory.linear_frontier import _linear_frontier

            return _linear_frontier(model, threat, n, progress, biased=False)
        exact = True
        note = ("linear classifiers without bias: f_tau (equal weak weights, optimal among unbiased "
                "linear classifiers for this threat at every trade-off point; a bias can do better, "
                "see family 'linear')")

    def evaluate(tau):
        fin = np.isfinite(tau)
        # finite taus as f_tau; tau = inf is sign(x1) (a = 1, no weak weight)
        a = np.where(fin, tau, 1.0)
        S = np.where(fin, sd, 0.0)
        Q = np.where(fin, 1.0, 0.0)
        std, err = accuracy_stats(p, eta, 0.0, a, 0.0, S, Q, S, "standard")[:2]
        rob = accuracy_stats(p, eta, eps, a, 0.0, S, Q, S, kind)[0]
        return std, rob, err

    extra = [] if not math.isfinite(tau_bayes) else [tau_bayes]  # the Bayes rule: the most accurate
    if family == "all":
        taus, std, rob, err, att = _trace(evaluate, tau_lo, n, extra, monotone=True, tau_hi=tau_hi)
    else:
        taus, std, rob, err, att = _trace(evaluate, tau_lo, n, extra)
    by = None
    if not att.all():
        by = _attained_by(std, rob, att)
        taus = np.where(att, taus, taus[np.maximum(by, 0)])
        note += (f"; the Pareto set is disconnected: {int((~att).sum())} points along its steps are "
                 "dominated by an attained point (attained false, attained_by), not attained")
    return Frontier(model, threat, family, bool(exact), taus, std, rob, _bound(model, threat, err), note,
                    attained=None if att.all() else att, attained_by=by)


def _select_along(std, rob, n):
    """Indices of ``n`` points at (nearly) equal arc length along the polyline ``(std, rob)``.

    The points must be ordered along the curve. Each target arc length ``k L/(n-1)`` takes the
    nearest vertex; with vertices closer than ``L/(6(n-1))`` the chosen ones are distinct and
    consecutive ones at most ``(4/3) L/(n-1)`` apart (both ends are always kept).
    """
    seg = np.hypot(np.diff(std), np.diff(rob))
    s = np.concatenate([[0.0], np.cumsum(seg)])
    if s[-1] == 0 or std.size <= n:
        return np.arange(std.size)
    targets = np.linspace(0.0, s[-1], n)
    k = np.clip(np.searchsorted(s, targets), 1, s.size - 1)
    k = np.where(targets - s[k - 1] < s[k] - targets, k - 1, k)
    k[0], k[-1] = 0, s.size - 1  # both ends, even after steps of zero length (ties in floating point)
    return np.unique(k)


def _fill_steps(std, rob, limit):
    """Points along the steps of a staircase: the polyline of Pareto points ``(std, rob)`` (ordered
    by decreasing std) with every gap longer than ``limit`` filled, at spacing <= ``limit``.

    Across a gap from ``P_k = (s_k, q_k)`` to ``P_{k+1} = (s_{k+1}, q_{k+1})`` with nothing of the
    family between them, the frontier ``F(s) = max{Rob : Std >= s}`` is flat at ``q_k`` for
    ``s`` in ``(s_{k+1}, s_k)`` and rises to ``q_{k+1}`` at ``s_{k+1}``. The filled points run
    horizontally from ``P_k`` (each dominated by ``P_k``'s classifier) and then vertically up to
    ``P_{k+1}`` (each dominated by ``P_{k+1}``'s); the corner ``(s_{k+1}, q_k)`` itself is left
    out (there ``F`` is ``q_{k+1}``, and no classifier of the step's interior reaches it).

    Returns ``(std, rob, src, kind)``: ``src`` the index into the input of the point whose classifier
    dominates each output point (itself for the input points), ``kind`` 0 for the input points,
    1 on a horizontal part, 2 on a vertical part.
    """
    std, rob = np.asarray(std, dtype=float), np.asarray(rob, dtype=float)
    out_s, out_q, src, kind = [std[:1]], [rob[:1]], [np.zeros(min(1, std.size), int)], [np.zeros(min(1, std.size), int)]
    for k in range(std.size - 1):
        s0, q0, s1, q1 = std[k], rob[k], std[k + 1], rob[k + 1]
        if math.hypot(s0 - s1, q1 - q0) > limit:
            nh = max(1, math.ceil((s0 - s1) / limit))
            nv = max(1, math.ceil((q1 - q0) / limit))
            hs = s0 - (s0 - s1) * np.arange(1, nh) / nh
            vq = q0 + (q1 - q0) * np.arange(1, nv) / nv
            out_s += [hs, np.full(vq.size, s1)]
            out_q += [np.full(hs.size, q0), vq]
            src += [np.full(hs.size, k), np.full(vq.size, k + 1)]
            kind += [np.full(hs.size, 1), np.full(vq.size, 2)]
        out_s.append(std[k + 1:k + 2])
        out_q.append(rob[k + 1:k + 2])
        src.append(np.array([k + 1]))
        kind.append(np.zeros(1, int))
    return np.concatenate(out_s), np.concatenate(out_q), np.concatenate(src), np.concatenate(kind)


def _select_with_corners(std, rob, kind, src, n):
    """:func:`_select_along` over a filled staircase (:func:`_fill_steps`), keeping the attained
    point that each chosen filled point refers to. Returns indices into the filled arrays."""
    k = _select_along(std, rob, n)
    if np.any(kind[k] != 0):
        pos = np.flatnonzero(kind == 0)  # the filled position of each input point
        k = np.union1d(k, pos[src[k]])
    return k


def _attained_by(std, rob, attained):
    """For each point that no classifier attains, the index of the nearest attained point that
    dominates it (-1 for attained points); raises if one is not dominated (a filled point off the
    staircase)."""
    out = np.full(std.size, -1)
    ok = np.flatnonzero(attained)
    for i in np.flatnonzero(~attained):
        dom = ok[(std[ok] >= std[i]) & (rob[ok] >= rob[i])]
        if dom.size == 0:
            raise RuntimeError(f"frontier point {i} ({std[i]!r}, {rob[i]!r}) is neither attained nor dominated")
        out[i] = dom[np.argmin(np.hypot(std[dom] - std[i], rob[dom] - rob[i]))]
    return out


def _trace(evaluate, tau_lo, n, extra=(), monotone=False, tau_hi=math.inf):
    """Points of the one-parameter curve ``tau -> (std, rob)``, ``tau`` in [tau_lo, inf],
    refined until every step of its Pareto part is below ``L/(6(n-1))`` (``L``: that part's
    length), then ``n`` of them at equal arc length (:func:`_select_along`).

    ``tau`` is bisected in ``theta = arctan(tau)``, so the refinement reaches any part of the
    curve however far out in ``tau`` it lies (e.g. tau ~ mu = 1000) in a few dozen halvings.
    ``monotone``: the whole curve is the frontier, in order of ``tau`` (Theorem F's curve), so
    no Pareto filter runs (which would drop points that differ only below rounding, e.g. the
    endpoint ``sign(x1)`` next to a large ``tau`` whose robust accuracy rounds to p).
    Gaps that no halving closes (a disconnected Pareto set: the frontier is a staircase) are
    filled along the step (:func:`_fill_steps`); the filled points carry the tau of the attained
    point that dominates them.
    Returns ``(tau, std, rob, err, attained)`` of the chosen points, most accurate first.
    """
    theta = np.linspace(math.atan(tau_lo), math.atan(tau_hi), 4 * n + 1)
    tau = np.tan(theta)
    tau[0], tau[-1] = tau_lo, tau_hi
    tau = np.unique(np.concatenate([tau, np.asarray(extra, dtype=float)]))
    tau = tau[(tau >= tau_lo) & (tau <= tau_hi)]
    for _ in range(80):
        std, rob, err = evaluate(tau)
        keep = np.arange(tau.size) if monotone else _pareto(std, rob)  # decreasing std
        seg = np.hypot(np.diff(std[keep]), np.diff(rob[keep]))
        limit = seg.sum() / (6 * (n - 1))
        pm = np.zeros(tau.size, dtype=bool)
        pm[keep] = True
        chord = np.hypot(np.diff(std), np.diff(rob))
        split = (pm[:-1] | pm[1:]) & (chord > limit)
        if not split.any() or tau.size > 400 * n:
            break
        th = np.arctan(tau)  # arctan(inf) = pi/2
        mid = np.tan((th[:-1][split] + th[1:][split]) / 2)
        mid = mid[(mid > tau[:-1][split]) & (mid < tau[1:][split])]  # no room left between doubles
        if mid.size == 0:
            break
        tau = np.union1d(tau, mid)
    limit = np.hypot(np.diff(std[keep]), np.diff(rob[keep])).sum() / (6 * (n - 1))
    fs, fr, src, kind = _fill_steps(std[keep], rob[keep], limit) if limit > 0 else \
        (std[keep], rob[keep], np.arange(keep.size), np.zeros(keep.size, int))
    k = _select_with_corners(fs, fr, kind, src, n)
    orig = keep[src[k]]
    e = None
    if err is not None:  # a filled point's own error rate, not its corner's
        e = np.where(kind[k] == 0, err[orig], np.maximum(1.0 - fs[k], 0.0))
    return tau[orig], fs[k], fr[k], e, kind[k] == 0


def _bound(model: ToyModel, threat: ThreatModel, err: np.ndarray) -> np.ndarray:
    """Theorem 2.1's bound from the exact standard error rates; NaN where it does not apply
    (it needs the shift -2 eta y (0, 1, ..., 1) inside the ball, theory §2.1)."""
    eta, mu, eps = model.eta, model.mu, threat.eps
    applies = model.p < 1 and (eps >= 2 * eta if threat.norm == "linf" else eps >= 2 * mu)
    if not applies:
        return np.full(np.shape(err), np.nan)
    return np.asarray(theorem_2_1_bound(model.p, error_rate=err), dtype=float)


def exact_gap(p: float, mu: float, tau) -> np.ndarray:
    """The exact gap of Theorem 2.1 along ``f_tau`` at eps = 2 eta (theory §2.1):
    :math:`\\frac{2p-1}{2(1-p)}(1 - \\Phi(\\tau+\\mu) + \\Phi(-\\tau-\\mu)) =
    \\frac{2p-1}{1-p}\\Phi(-\\tau-\\mu)` (the second form keeps every digit when the gap is tiny)."""
    tau = np.asarray(tau, dtype=float)
    return (2 * p - 1) / (1 - p) * ndtr(-tau - mu)


# --------------------------------------------------------------------------- Monte Carlo points
def _weak_weights(d: int, r: float) -> np.ndarray:
    """Non-negative weak weights ``u`` with ``||u||_2 = 1`` and ``||u||_1 = r`` (``1 <= r <= sqrt d``).

    One weight ``s`` and ``d - 1`` equal weights ``t``: ``s^2 + (d-1) t^2 = 1`` and
    ``s + (d-1) t = r`` give :math:`s = (r + \\sqrt{(d-1)(d-r^2)})/d`,
    :math:`t = (r - s)/(d-1) \\ge 0` (``r = sqrt d`` gives equal weights ``1/sqrt d``).
    """
    if d == 1:
        return np.ones(1)
    r = min(max(float(r), 1.0), math.sqrt(d))
    s = (r + math.sqrt((d - 1) * max(d - r * r, 0.0))) / d
    u = np.full(d, max(r - s, 0.0) / (d - 1))
    u[0] = s
    return u


def attaining_classifier(front: Frontier, index: int):
    """The classifier that attains point ``index`` of ``front``, and how to estimate it.

    Returns
    -------
    (kind, clf, description)
        ``kind == "rounded"``: ``clf`` is a callable ``f(X)`` for
        :func:`robtheory.mc.engine.estimate_callable` (family ``"all"``: the score of the rounded rule
        :meth:`robtheory.classifiers.RoundedClassifier.score`, whose worst case over a ball of radius < 1 is the uniform
        shift of the weak features); ``kind == "linear"``: a linear classifier for
        :func:`robtheory.mc.engine.estimate_linear` (the linear families: equal weak weights
        ``1/sqrt(d)``, or the weights of :func:`_weak_weights` with the point's ``r``, and the
        point's bias).
    """
    from robtheory.classifiers import LinearClassifier, RoundedClassifier, StructuredLinear, robust_x1

    n_pts = front.tau.size
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not 0 <= int(index) < n_pts:
        raise ValueError(f"index must be an integer in [0, {n_pts}), got index={index!r}")
    d = front.model.d
    tau = float(front.tau[int(index)])
    if front.family == "all":
        desc = "sign(x1)" if math.isinf(tau) else f"sign({tau:.6g}*sign(x1) + s(x)) (rounded rule)"
        return "rounded", RoundedClassifier(tau, d).score, desc
    if math.isinf(tau):
        return "linear", robust_x1(d), "sign(x1)"
    b = 0.0 if front.bias is None else float(front.bias[int(index)])
    with_b = f" + {b:.6g}" if b else ""
    if front.r is None:
        return ("linear", StructuredLinear(tau, 1 / math.sqrt(d), d, b),
                f"sign({tau:.6g}*x1 + s(x){with_b})" + ("" if b else " (f_tau)"))
    r = float(front.r[int(index)])
    w = np.concatenate([[tau], _weak_weights(d, r)])
    return ("linear", LinearClassifier(w, b),
            f"sign({tau:.6g}*x1 + u.z{with_b}), |u|_2 = 1, |u|_1 = {r:.6g}")


# The optimised linear families live in their own modules, which import Frontier, _trace, ... from
# this one: they are imported where they are used (an import at the bottom of this module made
# `import robtheory.theory.linear_frontier` fail on its own, a circular import), and the two names
# once re-exported from here still resolve.
def __getattr__(name: str):
    if name in ("_LinearFamily", "_linear_frontier"):
        from robtheory.theory import linear_frontier

        return getattr(linear_frontier, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
