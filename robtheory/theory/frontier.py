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
            pts.append(pt)
        return {
            "p": m.p, "eta": m.eta, "d": m.d, "eps": t.eps, "norm": t.norm,
            "weak_only": not t.perturb_x1, "family": self.family, "exact": self.exact, "note": self.note,
            "points": pts,
        }

    def to_csv(self, path: str | os.PathLike[str]) -> None:
        """Write the points as CSV: tau (``inf`` for the robust end), both accuracies, the Theorem 2.1
        bound (empty where it does not apply), and ``bias`` / ``weak_weight_ratio`` where set."""
        points = self.to_dict()["points"]
        cols = ["tau", "standard_accuracy", "robust_accuracy", "theorem_2_1_bound"]
        cols += [k for k in ("bias", "weak_weight_ratio") if points and k in points[0]]
        with open(path, "w") as fh:
            fh.write(",".join(cols) + "\n")
            for pt in points:
                fh.write(",".join("inf" if pt[k] is None and k == "tau" else "" if pt[k] is None else repr(pt[k])
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
        curve with fewer distinct floating-point points has fewer. This holds for the traced
        curves; the optimised families (:func:`_linear_frontier`) aim at the same spacing but
        can leave a gap of a few percent along nearly flat parts.
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
        taus, std, rob, err = _trace(evaluate, tau_lo, n, extra, monotone=True, tau_hi=tau_hi)
    else:
        taus, std, rob, err = _trace(evaluate, tau_lo, n, extra)
    return Frontier(model, threat, family, bool(exact), taus, std, rob, _bound(model, threat, err), note)


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


def _trace(evaluate, tau_lo, n, extra=(), monotone=False, tau_hi=math.inf):
    """Points of the one-parameter curve ``tau -> (std, rob)``, ``tau`` in [tau_lo, inf],
    refined until every step of its Pareto part is below ``L/(6(n-1))`` (``L``: that part's
    length), then ``n`` of them at equal arc length (:func:`_select_along`).

    ``tau`` is bisected in ``theta = arctan(tau)``, so the refinement reaches any part of the
    curve however far out in ``tau`` it lies (e.g. tau ~ mu = 1000) in a few dozen halvings.
    ``monotone``: the whole curve is the frontier, in order of ``tau`` (Theorem F's curve), so
    no Pareto filter runs (which would drop points that differ only below rounding, e.g. the
    endpoint ``sign(x1)`` next to a large ``tau`` whose robust accuracy rounds to p).
    Returns ``(tau, std, rob, err)`` of the chosen points, most accurate first.
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
    k = keep[_select_along(std[keep], rob[keep], n)]
    return tau[k], std[k], rob[k], (None if err is None else err[k])


def _bound(model: ToyModel, threat: ThreatModel, err: np.ndarray) -> np.ndarray:
    """Theorem 2.1's bound from the exact standard error rates; NaN where it does not apply
    (it needs the shift -2 eta y (0, 1, ..., 1) inside the ball, theory §2.1)."""
    eta, mu, eps = model.eta, model.mu, threat.eps
    applies = model.p < 1 and (eps >= 2 * eta if threat.norm == "linf" else eps >= 2 * mu)
    if not applies:
        return np.full(np.shape(err), np.nan)
    return np.asarray(theorem_2_1_bound(model.p, error_rate=err), dtype=float)


class _LinearFamily:
    r"""``sign(a x1 + u.z + b)`` with ``|u|_2 = 1`` and one-signed weak weights (``S = U1 = r``).

    With :math:`g(c; m) = p\Phi(c + m) + (1-p)\Phi(m - c)`, :math:`c_{1,2} = a \pm b`:
    Std = (g(c1; eta r) + g(c2; eta r))/2 and Rob the same with the margin
    :math:`m_\varepsilon` (l_inf: :math:`(\eta-\varepsilon) r - \varepsilon|a|`, weak-only
    without the |a| term; l_2: :math:`\eta\sqrt d - \varepsilon\sqrt{1 + a^2}`, weak-only
    :math:`\eta\sqrt d - \varepsilon`; ``r = sqrt d`` there). Values and gradients in plain
    SciPy (fast for the optimiser); the reported points are re-evaluated by the generated
    closed forms.
    """

    def __init__(self, model: ToyModel, threat: ThreatModel):
        self.p, self.eta, self.eps, self.d = model.p, model.eta, threat.eps, model.d
        self.norm, self.full = threat.norm, threat.perturb_x1

    def _me(self, a, r):
        eta, eps = self.eta, self.eps
        if self.norm == "linf":
            me = (eta - eps) * r - (eps * np.abs(a) if self.full else 0.0)
            dme_da = -eps * np.sign(a) if self.full else np.zeros_like(a)
            return me, dme_da, (eta - eps) * np.ones_like(r)
        sd = math.sqrt(self.d)
        if self.full:
            h = np.hypot(1.0, a)
            return eta * sd - eps * h, -eps * a / h, np.zeros_like(r)
        return eta * sd - eps + 0 * a, np.zeros_like(a), np.zeros_like(r)

    def _g(self, c, m):
        from scipy.special import ndtr

        p = self.p
        e1, e2 = np.exp(-0.5 * (c + m) ** 2), np.exp(-0.5 * (m - c) ** 2)
        k = 1 / math.sqrt(2 * math.pi)
        return (p * ndtr(c + m) + (1 - p) * ndtr(m - c), k * (p * e1 - (1 - p) * e2), k * (p * e1 + (1 - p) * e2))

    def scalar(self, a, b, r):
        """:meth:`evaluate` for one classifier in plain Python floats (the optimiser's inner loop):
        ``(std, grad_std, rob, grad_rob)``, gradients as lists over (a, b, r)."""
        p, eta, eps = self.p, self.eta, self.eps
        k = 1 / math.sqrt(2 * math.pi)
        if self.norm == "linf":
            sa = (a > 0) - (a < 0)
            me = (eta - eps) * r - (eps * abs(a) if self.full else 0.0)
            dme_da, dme_dr = (-eps * sa if self.full else 0.0), eta - eps
        else:
            h = math.hypot(1.0, a)
            me = eta * math.sqrt(self.d) - eps * (h if self.full else 1.0)
            dme_da, dme_dr = (-eps * a / h if self.full else 0.0), 0.0
        out = []
        for m, dm_da, dm_dr in ((eta * r, 0.0, eta), (me, dme_da, dme_dr)):
            val, gc, gm = 0.0, [0.0, 0.0], 0.0
            for j, c in enumerate((a + b, a - b)):
                u, v = c + m, m - c
                val += 0.5 * (p * 0.5 * math.erfc(-u / math.sqrt(2)) + (1 - p) * 0.5 * math.erfc(-v / math.sqrt(2)))
                e1, e2 = k * math.exp(-0.5 * u * u), k * math.exp(-0.5 * v * v)
                gc[j] = 0.5 * (p * e1 - (1 - p) * e2)
                gm += 0.5 * (p * e1 + (1 - p) * e2)
            out += [val, [gc[0] + gc[1] + gm * dm_da, gc[0] - gc[1], gm * dm_dr]]
        return out

    def evaluate(self, a, b, r):
        """(std, rob) and their gradients with respect to (a, b, r), each shape (3, ...)."""
        a, b, r = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (a, b, r)))
        out = []
        for m, dm_da, dm_dr in ((self.eta * r, np.zeros_like(a), self.eta * np.ones_like(r)), self._me(a, r)):
            g1, gc1, gm1 = self._g(a + b, m)
            g2, gc2, gm2 = self._g(a - b, m)
            val = 0.5 * (g1 + g2)
            grad = np.stack([0.5 * (gc1 + gc2) + 0.5 * (gm1 + gm2) * dm_da, 0.5 * (gc1 - gc2),
                             0.5 * (gm1 + gm2) * dm_dr])
            out.append((val, grad))
        return out


def _linear_frontier(model: ToyModel, threat: ThreatModel, n: int, progress=None, biased: bool = True) -> Frontier:
    r"""Linear classifiers ``sign(a x1 + u^T z + b)`` (``biased``; else ``b = 0``) under the threat.

    Scale so that :math:`\lVert u\rVert_2 = 1`. The weak weights enter only through S, Q = 1
    and U1; among weights with the same U1 and Q one sign maximises S, so S = U1 = r with r in
    [1, sqrt d]; r = sqrt d (equal weights) is optimal unless the penalty is eps*U1 with
    eps > eta (l_inf), where r is a free parameter. With :math:`c_{1,2} = a \pm b` (the score's
    offset for a sample whose x1 agrees with y, in class +1 and in class -1) the accuracies are
    averages of the unbiased family's at c1 and c2 (:class:`_LinearFamily`): a bias lets the two
    classes sit at different points of the unbiased trade-off, which can lift the frontier far
    above it (the average of two points of a curve lies on its chord).

    Method: the Pareto set of a global grid over (c1, c2, r), together with the traced unbiased
    equal-weights curve (which ends at ``sign(x1)``), gives starting points; then at ``2n``
    targets spread along that curve the best robust accuracy at the target's standard accuracy
    (or, where the curve is steeper than 1, the best standard accuracy at its robust accuracy)
    is found by SLSQP with exact gradients (tolerance 1e-12) from the nearest starting points;
    gaps wider than the requested spacing are refilled. Every reported point is attained by the
    classifier in ``tau`` (= a), ``bias`` (= b) and ``r`` and evaluated by the generated closed
    forms. Each chosen point is then certified (:func:`_certify_linear`): ``gap_bound`` bounds its
    distance below the true frontier of the family (in robust accuracy, or in standard accuracy
    where the curve is steep), a better rule met by the search replaces it, and ``exact`` is True
    only when every gap is <= 1e-9.
    """
    from scipy.optimize import minimize

    p, eta, d, eps = model.p, model.eta, model.d, threat.eps
    kind = f"{threat.norm}_{'full' if threat.perturb_x1 else 'weak'}"
    r_free = threat.norm == "linf" and eps > eta and d > 1
    sd = math.sqrt(d)
    fam = _LinearFamily(model, threat)
    # sign(x1) closes every linear frontier: (p, p) for eps < 1 (x1 perturbable), p otherwise
    x1_std, x1_rob = p, (p if (eps < 1 or not threat.perturb_x1) else 0.0)
    # -- starting points: the traced equal-weights unbiased curve and a global grid
    eq = frontier(model, ThreatModel(threat.norm, eps, perturb_x1=threat.perturb_x1), "linear-unbiased",
                  max(n, 101)) if not r_free else None
    scale = max(1.0, model.mu)
    th = np.linspace(-math.pi / 2, math.pi / 2, 63)[1:-1]
    cs = np.unique(np.concatenate([np.tan(th), scale * np.tan(th), scale + np.linspace(-8, 8, 33),
                                   -scale + np.linspace(-8, 8, 33)]))
    rs = (np.unique(np.concatenate([np.geomspace(1.0, sd, 20), np.sqrt(np.linspace(1.0, float(d), 20))]))
          if r_free else np.array([sd]))
    if biased:
        C1, C2, R = np.meshgrid(cs, cs, rs, indexing="ij")
        up = C1 >= C2  # swapping c1 and c2 flips b and changes nothing
        A, B, R = ((C1 + C2) / 2)[up], ((C1 - C2) / 2)[up], R[up]
    else:
        A, R = (x.ravel() for x in np.meshgrid(np.concatenate([[0.0], np.abs(cs)]), rs, indexing="ij"))
        B = np.zeros_like(A)
    (g_std, _), (g_rob, _) = fam.evaluate(A, B, R)
    k = _pareto(g_std, g_rob)
    cand = [np.stack([A[k], B[k], R[k]], axis=1)]
    if eq is not None:
        fin = np.isfinite(eq.tau)
        cand.append(np.stack([eq.tau[fin], np.zeros(fin.sum()), np.full(fin.sum(), sd)], axis=1))
    # the unbiased rules traced in tau at fixed r (r = sqrt d: the equal-weights curve; with r
    # free, also r = 1 and a few between): where the frontier runs along one of them out to large
    # tau, an optimiser stalls on the flat tails and the traced curve covers it
    traced = []
    for r_ in ([sd] if not r_free else np.unique(np.concatenate([[1.0, sd], np.geomspace(1.0, sd, 6)]))):
        def ev(tau, r_=r_):
            fin = np.isfinite(tau)
            a_ = np.where(fin, tau, 0.0)
            (s_, _), (q_, _) = fam.evaluate(a_, 0.0, r_)
            return np.where(fin, s_, x1_std), np.where(fin, q_, x1_rob), None
        t_ = _trace(ev, 0.0, n)[0]
        t_ = t_[np.isfinite(t_)]
        traced.append(np.stack([t_, np.zeros(t_.size), np.full(t_.size, r_)], axis=1))
    cand += traced
    X = np.concatenate(cand)
    (c_std, _), (c_rob, _) = fam.evaluate(X[:, 0], X[:, 1], X[:, 2])

    free = [0] + ([1] if biased else []) + ([2] if r_free else [])
    big = 4 * (scale + 40)
    bounds = [(-big, big)] + ([(-big, big)] if biased else []) + ([(1.0, sd)] if r_free else [])

    stats = {"nit": 0, "runs": 0}

    def solve(x0, target, by_std):
        def full(z):
            x = x0.copy()
            x[free] = z
            return x

        memo = {}

        def ev(z):  # one evaluation per iterate, shared by the objective and the constraint
            key = z.tobytes()
            if key not in memo:
                memo.clear()
                x = full(z)
                memo[key] = fam.scalar(float(x[0]), float(x[1]), float(x[2]))
            return memo[key]

        def f(z):
            s_, gs, r_, gr = ev(z)
            v, g = (r_, gr) if by_std else (s_, gs)
            return -v, -np.array(g)[free]

        def con(z):
            s_, _, r_, _ = ev(z)
            return (s_ if by_std else r_) - target

        def con_jac(z):
            _, gs, _, gr = ev(z)
            return np.array(gs if by_std else gr)[free]

        res = minimize(f, x0[free], jac=True, method="SLSQP", bounds=bounds,
                       constraints=[{"type": "ineq", "fun": con, "jac": con_jac}],
                       options={"ftol": 1e-12, "maxiter": 100})
        stats["nit"] += res.nit
        stats["runs"] += 1
        return full(res.x)

    def polish(ts, tr, slope_steep, own=None):
        out, prev = [], None
        for j, (s_t, r_t, steep) in enumerate(zip(ts, tr, slope_steep)):
            # from the starting points nearest the target in the plane, and from the previous
            # target's solution (the targets follow the curve)
            dist = np.hypot(c_std - s_t, c_rob - r_t)
            if own is not None:
                prev = own[j].copy()
            starts = [X[i].copy() for i in np.argsort(dist)[:2]]
            # and the best starting point that meets the target's constraint
            feas = (c_std >= s_t) if not steep else (c_rob >= r_t)
            if feas.any():
                starts.append(X[np.flatnonzero(feas)[np.argmax((c_rob if not steep else c_std)[feas])]].copy())
            if prev is not None:
                starts.append(prev.copy())
            if biased:  # b = 0 is a stationary point in b (c1 = c2): start the unbiased ones off it
                starts += [x + np.array([0.0, 0.5, 0.0]) for x in starts if x[1] == 0]
            best = None
            for x0 in starts:
                x = solve(x0, r_t if steep else s_t, by_std=not steep)
                s_, _, r_, _ = fam.scalar(*map(float, x))
                score = r_ if not steep else s_
                ok = (s_ >= s_t - 1e-12) if not steep else (r_ >= r_t - 1e-12)
                if best is None or (ok, score) > best[0]:
                    best = ((ok, score), x)
            prev = best[1]
            out.append(prev)
            if progress is not None:
                progress(j + 1, len(ts))
        return np.array(out).reshape(-1, 3)

    pts = X
    P_std, P_rob = c_std, c_rob
    for rnd in range(6):
        order = _pareto(np.append(P_std, x1_std), np.append(P_rob, x1_rob))
        ps, pr = np.append(P_std, x1_std)[order], np.append(P_rob, x1_rob)[order]
        seg = np.hypot(np.diff(ps), np.diff(pr))
        length = seg.sum()
        if rnd == 0:  # targets at equal arc length along the starting curve
            s_acc = np.concatenate([[0.0], np.cumsum(seg)])
            tgt = np.linspace(0, length, n)
            ts, tr = np.interp(tgt, s_acc, ps), np.interp(tgt, s_acc, pr)
            slope = np.interp(tgt, s_acc[:-1] + seg / 2, np.abs(np.diff(pr)) / np.maximum(np.abs(np.diff(ps)), 1e-300)) \
                if seg.size else np.zeros_like(tgt)
        else:  # midpoints of the gaps still wider than the spacing
            wide = seg > length / (n - 1) / 2
            if not wide.any():
                break
            ts, tr = (ps[:-1][wide] + ps[1:][wide]) / 2, (pr[:-1][wide] + pr[1:][wide]) / 2
            slope = np.abs(np.diff(pr))[wide] / np.maximum(np.abs(np.diff(ps))[wide], 1e-300)
        new = polish(ts, tr, slope > 1)
        (n_std, _), (n_rob, _) = fam.evaluate(new[:, 0], new[:, 1], new[:, 2])
        pts = np.concatenate([pts, new])
        P_std, P_rob = np.concatenate([P_std, n_std]), np.concatenate([P_rob, n_rob])
    # exact values of the optimised points (the grid's were only starting points) and the Bayes
    # rule (the most accurate: the unbiased curve's first point) from the generated closed forms,
    # sign(x1) appended
    pts = pts[X.shape[0]:]
    pts = np.concatenate([pts] + traced)  # traced rules keep covering where the optimiser stalls
    A, B, R = pts[:, 0], pts[:, 1], pts[:, 2]
    taus = np.append(A, np.inf)
    bias = np.append(B, 0.0)
    rr = np.append(R, 0.0)
    fin = np.isfinite(taus)
    Aa, Q = np.where(fin, taus, 1.0), np.where(fin, 1.0, 0.0)
    std, err = accuracy_stats(p, eta, 0.0, Aa, bias, rr, Q, rr, "standard")[:2]
    rob = accuracy_stats(p, eta, eps, Aa, bias, rr, Q, rr, kind)[0]
    keep = _pareto(std, rob)
    keep = keep[_select_along(std[keep], rob[keep], n)]
    # a last pass polishes every chosen point at its own standard accuracy (robust accuracy where
    # the curve is steep), so that none is a mere starting point
    fk = keep[np.isfinite(taus[keep])]
    if fk.size:
        sl = np.abs(np.gradient(rob[keep])) > np.abs(np.gradient(std[keep])) if keep.size > 1 else np.zeros(1, bool)
        sl = sl[np.isfinite(taus[keep])]
        new = polish(std[fk] - 1e-15, rob[fk] - 1e-15, sl, own=np.stack([A[fk], B[fk], R[fk]], axis=1))
        Q2 = np.ones(new.shape[0])
        s2, e2 = accuracy_stats(p, eta, 0.0, new[:, 0], new[:, 1], new[:, 2], Q2, new[:, 2], "standard")[:2]
        r2 = accuracy_stats(p, eta, eps, new[:, 0], new[:, 1], new[:, 2], Q2, new[:, 2], kind)[0]
        better = (s2 >= std[fk]) & (r2 >= rob[fk])
        taus[fk[better]], bias[fk[better]], rr[fk[better]] = new[better, 0], new[better, 1], new[better, 2]
        std[fk[better]], rob[fk[better]], err[fk[better]] = s2[better], r2[better], e2[better]
    # certify every chosen point (:func:`_certify_linear`): where the search finds a better rule it
    # replaces the point (then polished by SLSQP from there), and the bound is recomputed
    cb = _LinearBounds(model, threat, r_free, not biased)
    rob_first = np.ones(keep.size, dtype=bool)
    if keep.size > 1:
        rob_first = np.abs(np.gradient(rob[keep])) <= np.abs(np.gradient(std[keep]))
    todo = np.arange(keep.size)
    gap = np.full(keep.size, np.inf)
    for rnd in range(4):
        kk = keep[todo]
        fk = np.isfinite(taus[kk])
        Xc = np.stack([np.where(fk, taus[kk] + bias[kk], np.inf), np.where(fk, taus[kk] - bias[kk], np.inf),
                       np.where(fk, rr[kk], sd)], axis=1)
        # the first pass only searches (bound to 1e-6: cheap); the later ones certify
        U, inc, bx, rob_first[todo] = _certify_linear(cb, Xc, rob_first[todo],
                                                      tol=1e-6 if rnd == 0 else 0.1 * _CERT_TOL)
        s0, q0 = cb.values(Xc[:, 0], Xc[:, 1], Xc[:, 2])
        moved = inc > np.where(rob_first[todo], q0, s0)
        with np.errstate(invalid="ignore"):  # sign(x1) (c = inf) never moves
            new = np.stack([(bx[:, 0] + bx[:, 1]) / 2, (bx[:, 0] - bx[:, 1]) / 2, bx[:, 2]], axis=1)
        if rnd < 3:  # polish the moved points on their constraint
            for j in np.flatnonzero(moved & (U - inc > _CERT_TOL)):
                rf_j = bool(rob_first[todo[j]])
                t_j = (s0 if rf_j else q0)[j]  # the level the bound was computed at
                # SLSQP meets its constraint only to ~1e-12: aim a little above the level (costs
                # at most the multiplier, <= 1, times the margin)
                for margin in (1e-11, 1e-10):
                    x = solve(new[j].copy(), float(t_j) + margin, by_std=rf_j)
                    sj, qj = (float(v) for v in cb.values(x[0] + x[1], x[0] - x[1], x[2]))
                    if (sj >= t_j and qj > inc[j]) if rf_j else (qj >= t_j and sj > inc[j]):
                        new[j] = x
                        break
        idx = kk[moved]
        nm = new[moved]
        if idx.size:
            Q2 = np.ones(idx.size)
            s2, e2 = accuracy_stats(p, eta, 0.0, nm[:, 0], nm[:, 1], nm[:, 2], Q2, nm[:, 2], "standard")[:2]
            r2 = accuracy_stats(p, eta, eps, nm[:, 0], nm[:, 1], nm[:, 2], Q2, nm[:, 2], kind)[0]
            taus[idx], bias[idx], rr[idx] = nm[:, 0], nm[:, 1], nm[:, 2]
            std[idx], rob[idx], err[idx] = s2, r2, e2
        own = np.where(rob_first[todo], rob[kk], std[kk])
        # a bound at the old point's level also holds at the new one's (it is at least as high there)
        gap[todo] = np.inf if rnd == 0 else U - own
        # the beaten points, and those whose boxes ran out (many points share one box budget),
        # go round again
        todo = todo if rnd == 0 else todo[~(gap[todo] <= _CERT_TOL)]
        if todo.size == 0:
            break
    if todo.size:  # points moved in the last round: certify them where they are now
        kk = keep[todo]
        Xc = np.stack([taus[kk] + bias[kk], taus[kk] - bias[kk], rr[kk]], axis=1)
        U, inc, bx, rob_first[todo] = _certify_linear(cb, Xc, rob_first[todo], stop_beaten=False)
        s0, q0 = cb.values(Xc[:, 0], Xc[:, 1], Xc[:, 2])
        mv = inc > np.where(rob_first[todo], q0, s0)  # the best rule the search met replaces the point
        if mv.any():
            idx, c = kk[mv], bx[mv]
            nm = np.stack([(c[:, 0] + c[:, 1]) / 2, (c[:, 0] - c[:, 1]) / 2, c[:, 2]], axis=1)
            Q2 = np.ones(idx.size)
            s2, e2 = accuracy_stats(p, eta, 0.0, nm[:, 0], nm[:, 1], nm[:, 2], Q2, nm[:, 2], "standard")[:2]
            r2 = accuracy_stats(p, eta, eps, nm[:, 0], nm[:, 1], nm[:, 2], Q2, nm[:, 2], kind)[0]
            taus[idx], bias[idx], rr[idx] = nm[:, 0], nm[:, 1], nm[:, 2]
            std[idx], rob[idx], err[idx] = s2, r2, e2
        gap[todo] = U - np.where(rob_first[todo], rob[kk], std[kk])
    if np.any(gap < -1e-12):  # an upper bound below a value attained by a reported rule
        raise RuntimeError(f"linear frontier certificate failed: bound below an attained point by {-gap.min():.3g}")
    gap = np.maximum(gap, 0.0)  # rounding of the two evaluations (closed forms, bounds), below 1e-12
    worst = float(gap.max())
    exact = worst <= _CERT_TOL
    rr = np.where(fin, rr, np.nan)
    what = "with bias sign(a x1 + u.z + b)" if biased else "without bias sign(a x1 + u.z)"
    note = (f"linear classifiers {what}, |u|_2 = 1" + (", r = |u|_1/|u|_2 free" if r_free else "") +
            ": global grid, then SLSQP (exact gradients, tol 1e-12) at points spread along the curve; "
            "every point is attained"
            + ("; equal weak weights (the f_tau family) are NOT optimal here" if r_free and not biased else "")
            + ("; a bias can do better (family 'linear')" if not biased else "")
            + f"; certified by branch and bound: every point is within gap_bound of the frontier (in robust "
              f"accuracy where the curve is flatter than 1, else in standard accuracy), worst {worst:.2g}"
            + (f" <= {_CERT_TOL:g}" if exact else f" > {_CERT_TOL:g}, so not exact"))
    return Frontier(model, threat, "linear" if biased else "linear-unbiased", bool(exact), taus[keep], std[keep],
                    rob[keep], _bound(model, threat, err[keep]), note,
                    r=rr[keep] if r_free else None, bias=bias[keep] if biased else None, gap_bound=gap)


_CERT_TOL = 1e-9  # the certified gap under which a linear frontier is reported exact
_CERT_WIDEN = 1e-12  # every floating-point upper bound is raised by this much (rounding of O(1) sums)


def _phi_range(lo, hi):
    """Enclosure of the normal density over [lo, hi] (unimodal at 0)."""
    k = 1 / math.sqrt(2 * math.pi)
    top = k * np.exp(-0.5 * np.clip(0.0, lo, hi) ** 2)
    bot = k * np.minimum(np.exp(-0.5 * lo * lo), np.exp(-0.5 * hi * hi))
    return bot, top


def _imul(al, ah, bl, bh):
    """Product of intervals [al, ah] * [bl, bh] (finite)."""
    c = np.stack([al * bl, al * bh, ah * bl, ah * bh])
    return c.min(axis=0), c.max(axis=0)


class _LinearBounds:
    r"""Rigorous bounds for the linear families over boxes of ``(c1, c2, r)`` (:class:`_LinearFamily`'s
    parameters, ``c_{1,2} = a \pm b``; ``unbiased``: ``c2 = c1 = a``).

    With :math:`g(c; m) = p\Phi(c+m) + (1-p)\Phi(m-c)` both accuracies are
    :math:`\tfrac12(g(c_1; m) + g(c_2; m))` at the margins :math:`m_0 = \eta r` (standard) and
    :math:`m_\varepsilon(a, r)` (robust). Two upper bounds of either accuracy, or of a Lagrangian
    ``F + lam (G - t)``, over a box:

    * by monotonicity: g rises with m, and in c it has one maximum at ``L/(2m)`` (m > 0) or
      none inside (m <= 0: a minimum), so its supremum over an interval of c at the largest m of
      the box is a closed form (valid for infinite end points);
    * by the mean-value theorem: the value at the centre plus half of each width times the
      largest slope over the box, from interval enclosures of the partial derivatives
      (``phi`` over an interval is known in closed form); quadratic in the width at a
      stationary point of the Lagrangian, so the bound closes on a constrained optimum.
    """

    def __init__(self, model: ToyModel, threat: ThreatModel, r_free: bool, unbiased: bool):
        self.p, self.eta, self.eps, self.d = model.p, model.eta, threat.eps, model.d
        self.norm, self.full = threat.norm, threat.perturb_x1
        self.sd = math.sqrt(model.d)
        self.r_free, self.unbiased = r_free, unbiased
        with np.errstate(divide="ignore"):
            self.L = math.log(self.p / (1 - self.p)) if self.p < 1 else math.inf

    # -- margins -------------------------------------------------------------------------
    def _margins(self, c1l, c1h, c2l, c2h, rl, rh):
        """Enclosures of m0, m_eps and of d m_eps/d c_j (each c_j) and d m_eps/d r, d m0/d r."""
        eta, eps = self.eta, self.eps
        al, ah = (c1l + c2l) / 2, (c1h + c2h) / 2
        absl = np.where((al <= 0) & (ah >= 0), 0.0, np.minimum(np.abs(al), np.abs(ah)))
        absh = np.maximum(np.abs(al), np.abs(ah))
        m0l, m0h = eta * rl, eta * rh
        zero = np.zeros_like(al)
        if self.norm == "linf":
            k = eta - eps
            mel, meh = np.minimum(k * rl, k * rh), np.maximum(k * rl, k * rh)
            if self.full:
                mel, meh = mel - eps * absh, meh - eps * absl
                dl = np.where(al > 0, -eps / 2, np.where(ah < 0, eps / 2, -eps / 2))
                dh = np.where(al > 0, -eps / 2, np.where(ah < 0, eps / 2, eps / 2))
            else:
                dl, dh = zero, zero
            drl = drh = k + zero
        else:
            base = eta * self.sd
            if self.full:
                mel, meh = base - eps * np.sqrt(1 + absh ** 2), base - eps * np.sqrt(1 + absl ** 2)
                with np.errstate(invalid="ignore"):
                    psi_l = np.where(np.isinf(al), np.sign(al), al / np.sqrt(1 + al * al))
                    psi_h = np.where(np.isinf(ah), np.sign(ah), ah / np.sqrt(1 + ah * ah))
                dl, dh = -eps / 2 * psi_h, -eps / 2 * psi_l
            else:
                mel = meh = base - eps + zero
                dl, dh = zero, zero
            drl = drh = zero
        return (m0l, m0h), (mel, meh), (dl, dh), (drl, drh)

    # -- values --------------------------------------------------------------------------
    def _g(self, c, m):
        p = self.p
        return p * ndtr(c + m) + (1 - p) * ndtr(m - c)

    def values(self, c1, c2, r):
        """(std, rob) at points (arrays; c1 = c2 = inf is the rule sign(x1))."""
        c1, c2, r = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (c1, c2, r)))
        with np.errstate(invalid="ignore"):
            (m0, _), (me, _), _, _ = self._margins(c1, c1, c2, c2, r, r)
            std = 0.5 * (self._g(c1, m0) + self._g(c2, m0))
            rob = 0.5 * (self._g(c1, me) + self._g(c2, me))
        x1 = np.isinf(c1) & np.isinf(c2) & (c1 > 0) & (c2 > 0)
        x1_rob = self.p if (self.eps < 1 or not self.full) else 0.0
        return np.where(x1, self.p, std), np.where(x1, x1_rob, rob)

    def _gsup(self, cl, ch, m):
        """sup of g(c; m) over c in [cl, ch] at fixed m (arrays)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            peak = np.where(m > 0, self.L / (2 * np.where(m > 0, m, 1.0)), np.nan)
        inner = self._g(np.clip(np.nan_to_num(peak, nan=0.0), cl, ch), m)
        ends = np.maximum(self._g(cl, m), self._g(ch, m))
        return np.where(m > 0, inner, ends)

    def _mono(self, lo, hi):
        """Monotonicity bounds: sup std, sup rob over the boxes."""
        c1l, c2l, rl = lo.T
        c1h, c2h, rh = hi.T
        (m0l, m0h), (mel, meh), _, _ = self._margins(c1l, c1h, c2l, c2h, rl, rh)
        s = 0.5 * (self._gsup(c1l, c1h, m0h) + self._gsup(c2l, c2h, m0h))
        q1, q2 = self._gsup(c1l, c1h, meh), self._gsup(c2l, c2h, meh)
        if self.full:
            # m_eps <= M - eps a (M = (eta - eps) r, or eta sqrt(d) under l_2, where
            # sqrt(1 + a^2) >= a), so c1 + m_eps <= (1 - eps/2) c1 - (eps/2) c2 + M, linear in the
            # box: this keeps c and the margin coupled along an infinite side (eps >= 2)
            M = (self.eta - self.eps) * np.maximum(rl, rh) if self.norm == "linf" else self.eta * self.sd + 0 * rl
            M = M if self.norm == "l2" or self.eta >= self.eps else (self.eta - self.eps) * rl
            k = 1 - self.eps / 2
            p = self.p
            with np.errstate(invalid="ignore"):
                for j, (al, ah, bl) in enumerate(((c1l, c1h, c2l), (c2l, c2h, c1l))):
                    top = np.where(k > 0, k * ah, np.where(k < 0, k * al, 0.0)) - self.eps / 2 * bl + M
                    top = np.where(np.isnan(top), np.inf, top)
                    alt = p * ndtr(np.minimum(top, ah + meh)) + (1 - p) * ndtr(meh - al)
                    if j == 0:
                        q1 = np.minimum(q1, alt)
                    else:
                        q2 = np.minimum(q2, alt)
        return s, 0.5 * (q1 + q2)

    def _dg(self, cl, ch, ml, mh):
        """Enclosures of dg/dc and dg/dm over c in [cl, ch], m in [ml, mh]."""
        p = self.p
        ul, uh = _phi_range(cl + ml, ch + mh)
        vl, vh = _phi_range(ml - ch, mh - cl)
        return (p * ul - (1 - p) * vh, p * uh - (1 - p) * vl), (p * ul + (1 - p) * vl, p * uh + (1 - p) * vh)

    def grads(self, lo, hi, w_std, w_rob):
        """Enclosure of the gradient of ``w_std Std + w_rob Rob`` over (finite) boxes in the box
        variables: (c1, c2, r), or (a, -, r) with c1 = c2 = a (unbiased). Shape (3, 2, N)."""
        c1l, c2l, rl = lo.T
        c1h, c2h, rh = hi.T
        (m0l, m0h), (mel, meh), (dl, dh), (drl, drh) = self._margins(c1l, c1h, c2l, c2h, rl, rh)
        gc = []
        gm_e = [0.0, 0.0]
        gm_0 = [0.0, 0.0]
        for cl, ch in ((c1l, c1h), (c2l, c2h)):
            (c0l, c0h), (n0l, n0h) = self._dg(cl, ch, m0l, m0h)
            (cel, ceh), (nel, neh) = self._dg(cl, ch, mel, meh)
            gc.append((0.5 * (w_std * c0l + w_rob * cel), 0.5 * (w_std * c0h + w_rob * ceh)))
            gm_e = [gm_e[0] + 0.5 * nel, gm_e[1] + 0.5 * neh]
            gm_0 = [gm_0[0] + 0.5 * n0l, gm_0[1] + 0.5 * n0h]
        # the robust margin's dependence on a = (c1 + c2)/2 (dl, dh: d m_eps / d c_j)
        tl, th = _imul(w_rob * gm_e[0], w_rob * gm_e[1], dl, dh)
        g1 = (gc[0][0] + tl, gc[0][1] + th)
        g2 = (gc[1][0] + tl, gc[1][1] + th)
        rl_, rh_ = _imul(w_rob * gm_e[0], w_rob * gm_e[1], drl, drh)
        gr = (rl_ + w_std * self.eta * gm_0[0], rh_ + w_std * self.eta * gm_0[1])
        if self.unbiased:
            g1 = (g1[0] + g2[0], g1[1] + g2[1])
            g2 = (np.zeros_like(g1[0]), np.zeros_like(g1[0]))
        return g1, g2, gr

    def mean_value(self, lo, hi, w_std, w_rob):
        """Upper bound of ``w_std Std + w_rob Rob`` over finite boxes by the mean-value theorem,
        expanded about the point of the box that each variable's slope enclosure favours: its top
        where the slope is >= 0 on the whole box, its bottom where <= 0 (no term: an optimum on
        a face, e.g. r = sqrt d, is then bounded to second order), else its centre (half the
        width times the largest slope). Returns the bound and, per variable, half its width times
        its largest slope (where to split)."""
        y = 0.5 * (lo + hi)
        half = 0.5 * (hi - lo)
        terms = np.zeros_like(lo)
        total = np.zeros(lo.shape[0])
        for k, (gl, gh) in enumerate(self.grads(lo, hi, w_std, w_rob)):
            if self.unbiased and k == 1:
                continue
            up, down = gl >= 0, gh <= 0
            y[:, k] = np.where(up, hi[:, k], np.where(down, lo[:, k], y[:, k]))
            terms[:, k] = half[:, k] * np.maximum(np.abs(gl), np.abs(gh))
            total = total + np.where(up | down, 0.0, terms[:, k])
        if self.unbiased:
            y[:, 1] = y[:, 0]
        s, q = self.values(y[:, 0], y[:, 1], y[:, 2])
        return w_std * s + w_rob * q + total, terms

    def point_grads(self, x):
        """Gradients of (std, rob) at points x (N, 3) over the free variables, shape (N, 3) each."""
        gs = np.stack([0.5 * (g[0] + g[1]) for g in self.grads(x, x, 1.0, 0.0)], axis=1)
        gq = np.stack([0.5 * (g[0] + g[1]) for g in self.grads(x, x, 0.0, 1.0)], axis=1)
        mask = np.array([1.0, 0.0 if self.unbiased else 1.0, 1.0 if self.r_free else 0.0])
        return np.nan_to_num(gs) * mask, np.nan_to_num(gq) * mask

    def bound(self, lo, hi, rob_first, t, lam):
        """For each box: an upper bound of the maximised accuracy F over the part of the box where
        the other one, G, is >= t (``-inf`` where that part is empty), the per-variable
        contributions to the mean-value bound (to choose a split), and (F, G) at the centre
        (NaN for infinite boxes)."""
        supS, supQ = self._mono(lo, hi)
        supF, supG = np.where(rob_first, supQ, supS), np.where(rob_first, supS, supQ)
        fin = np.all(np.isfinite(lo) & np.isfinite(hi), axis=1)
        n = lo.shape[0]
        cF, cG, contrib = np.full(n, np.nan), np.full(n, np.nan), np.zeros((n, 3))
        if fin.any():
            l_, h_, rf, tt, lm = lo[fin], hi[fin], rob_first[fin], t[fin], lam[fin]
            one = np.ones(l_.shape[0])
            mvS = self.mean_value(l_, h_, one, 0 * one)[0]
            mvQ = self.mean_value(l_, h_, 0 * one, one)[0]
            wS, wQ = np.where(rf, lm, one), np.where(rf, one, lm)  # F + lam G
            lag, terms = self.mean_value(l_, h_, wS, wQ)
            contrib[np.flatnonzero(fin)] = terms + 1e-3 * 0.5 * (h_ - l_)
            mid = 0.5 * (l_ + h_)
            if self.unbiased:
                mid[:, 1] = mid[:, 0]
            s_, q_ = self.values(mid[:, 0], mid[:, 1], mid[:, 2])
            supG[fin] = np.minimum(supG[fin], np.where(rf, mvS, mvQ))
            # the Lagrangian's rounding grows with lam (G, a sum of four Phi, is rounded well
            # below 1e-14, then scaled by lam; lam <= 1000, see _certify_linear)
            supF[fin] = np.minimum(supF[fin], np.minimum(np.where(rf, mvQ, mvS), lag - lm * tt + lm * 1e-14))
            cF[fin], cG[fin] = np.where(rf, q_, s_), np.where(rf, s_, q_)
        ub = np.where(supG + _CERT_WIDEN < t, -np.inf, supF + _CERT_WIDEN)
        return np.where(np.isnan(ub), np.inf, ub), contrib, cF, cG  # NaN: no bound


def _certify_linear(bounds: _LinearBounds, X, rob_first, max_boxes: int = 400_000, max_iter: int = 300,
                    tol: float = 0.1 * _CERT_TOL, stop_beaten: bool = True):
    """Certified upper bounds for the linear-family points ``X`` (rows (c1, c2, r), c may be inf).

    For point i with (std_i, rob_i) (evaluated by ``bounds``), ``rob_first[i]``: an upper bound
    U_i of max{Rob : Std >= std_i} over the whole family; else of max{Std : Rob >= rob_i}.
    Branch and bound over boxes of (c1, c2, r) (c1 >= |c2| without loss: swapping c1 and c2
    changes nothing, and for p >= 1/2 negating and swapping them raises both accuracies when
    c1 + c2 < 0), with :meth:`_LinearBounds.bound` and a Lagrange multiplier estimated at the
    point. Feasible box centres that beat a point replace it. Returns (U, inc, X_best, rob_first):
    the bound, the best value found (>= the point's own), the classifier attaining it and the
    maximised accuracy (``rob_first`` is only a first guess: the roles swap where the
    frontier's slope at the point, the multiplier, exceeds 1).
    """
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        return _certify_linear_run(bounds, X, rob_first, max_boxes, max_iter, tol, stop_beaten)


def _certify_linear_run(bounds, X, rob_first, max_boxes, max_iter, prune_tol, stop_beaten):
    X = np.array(X, dtype=float)
    n = X.shape[0]
    s0, q0 = bounds.values(X[:, 0], X[:, 1], X[:, 2])
    # the multiplier of max F s.t. G >= t is the frontier's slope |dF/dG| at a smooth point: where
    # it is huge (e.g. the top of the curve, whose one-sided slope from the neighbours misleads)
    # the roles swap, so that lam <= 1000 and its rounding (x 1e-14) stays small
    gs, gq = bounds.point_grads(np.where(np.isfinite(X), X, 1e300))
    rob_first = np.array(rob_first, dtype=bool)
    for _ in range(2):
        gF, gG = np.where(rob_first[:, None], gq, gs), np.where(rob_first[:, None], gs, gq)
        nG = np.sum(gG * gG, axis=1)
        lam = np.nan_to_num(np.where(nG > 0, np.maximum(0.0, -np.sum(gF * gG, axis=1) / nG), 0.0))
        rob_first = np.where(lam > 1000, ~rob_first, rob_first)
    lam = np.minimum(lam, 1000.0)
    t = np.where(rob_first, s0, q0)
    inc = np.where(rob_first, q0, s0)
    inc0 = inc.copy()
    best_x = X.copy()
    r_lo = 1.0 if bounds.r_free else bounds.sd
    lo = np.tile([0.0, -np.inf if not bounds.unbiased else 0.0, r_lo], (n, 1))
    hi = np.tile([np.inf, np.inf, bounds.sd], (n, 1))
    tid = np.arange(n)
    done_max = np.full(n, -np.inf)  # the largest bound among boxes already discarded
    eta_, eps_ = bounds.eta, bounds.eps
    c_max = 64.0 + 4 * (eta_ + eps_) * bounds.sd + 4 * (abs(bounds.L) if math.isfinite(bounds.L) else 0.0)
    for _ in range(max_iter):
        if tid.size == 0:
            break
        ub, contrib, cF, cG = bounds.bound(lo, hi, rob_first[tid], t[tid], lam[tid])
        # feasible centres that beat the incumbent
        better = np.isfinite(cF) & (cG >= t[tid]) & (cF > inc[tid])
        if better.any():
            for j in np.flatnonzero(better):
                i = tid[j]
                if cF[j] > inc[i]:
                    inc[i] = cF[j]
                    m = 0.5 * (lo[j] + hi[j])
                    if bounds.unbiased:
                        m[1] = m[0]
                    best_x[i] = m
        # a point beaten by more than the tolerance stops here (U = inf): it is to be polished
        # where the search found the better rule, and certified again
        beaten = (inc - inc0 > 5 * prune_tol) & stop_beaten
        done_max[beaten] = np.inf
        drop = (ub <= inc[tid] + prune_tol) | beaten[tid]
        np.maximum.at(done_max, tid[drop], ub[drop])
        keep = ~drop
        if bounds.unbiased is False:
            keep &= ~((hi[:, 0] < lo[:, 1]) | (hi[:, 0] + hi[:, 1] < 0))  # dominated (see above)
        lo, hi, tid, contrib = lo[keep], hi[keep], tid[keep], contrib[keep]
        ub_keep = ub[keep]
        if tid.size == 0 or 2 * tid.size > max_boxes:
            break
        # split: an infinite side first (c1 beyond c_max is not split: the tail box keeps its
        # monotonicity bound), else the variable with the largest share of the bound
        infinite = ~(np.isfinite(lo) & np.isfinite(hi))
        infinite[:, 0] &= lo[:, 0] < c_max
        share = np.where(np.isfinite(hi - lo), contrib + 1e-12 * (hi - lo), 0.0)
        share[:, 0] = np.where(lo[:, 0] >= c_max, 0.0, share[:, 0])
        if bounds.unbiased:
            share[:, 1] = 0.0
        k = np.where(infinite.any(axis=1), np.argmax(infinite, axis=1), np.argmax(share, axis=1))
        rows = np.arange(tid.size)
        a, b = lo[rows, k], hi[rows, k]
        with np.errstate(invalid="ignore"):
            cut = np.where(np.isinf(a) & np.isinf(b), 0.0,
                           np.where(np.isinf(b), np.minimum(a + np.maximum(16.0, np.abs(a)), c_max),
                                    np.where(np.isinf(a), b - np.maximum(16.0, np.abs(b)), 0.5 * (a + b))))
        ok = (cut > a) & (cut < b) & (infinite.any(axis=1) | (share.max(axis=1) > 0))
        # boxes that can no longer be split leave with their bound
        np.maximum.at(done_max, tid[~ok], ub_keep[~ok])
        lo, hi, tid, k, cut, rows = lo[ok], hi[ok], tid[ok], k[ok], cut[ok], np.arange(ok.sum())
        lo2, hi2 = lo.copy(), hi.copy()
        hi[rows, k] = cut
        lo2[rows, k] = cut
        lo = np.concatenate([lo, lo2])
        hi = np.concatenate([hi, hi2])
        tid = np.concatenate([tid, tid])
        # c1 >= |c2|: the c2 side never reaches beyond the c1 side's top
        lo[:, 1] = np.maximum(lo[:, 1], -hi[:, 0])
        hi[:, 1] = np.minimum(hi[:, 1], hi[:, 0])
        if bounds.unbiased:
            lo[:, 1], hi[:, 1] = lo[:, 0], hi[:, 0]
        valid = lo[:, 1] <= hi[:, 1]
        lo, hi, tid = lo[valid], hi[valid], tid[valid]
    if tid.size:
        ub = bounds.bound(lo, hi, rob_first[tid], t[tid], lam[tid])[0]
        np.maximum.at(done_max, tid, ub)
    # no max with inc here: a valid bound covers the boxes holding the points themselves, so a
    # bound below an attained value is a broken bound and must show
    return done_max, inc, best_x, rob_first


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
