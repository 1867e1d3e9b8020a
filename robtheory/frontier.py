"""Trade-off frontiers of (standard accuracy, robust accuracy) (spec §3.7, §3.8).

Theorem F (spec §3.7): at eps = 2 eta < 1 (l_inf, x1 perturbable or not) the Pareto frontier
over **all** measurable classifiers is traced by ``f_tau = sign(tau x1 + s(x))`` (rounded in
x1) for :math:`\\tau \\in [L/(2\\mu), \\infty]`:

.. math::

    \\mathrm{Std}(\\tau) = p\\Phi(\\mu+\\tau) + (1-p)\\Phi(\\mu-\\tau),\\qquad
    \\mathrm{Rob}(\\tau) = p\\Phi(\\tau-\\mu) + (1-p)\\Phi(-\\tau-\\mu),

from the Bayes point (tau = L/(2 mu)) to (p, p) (tau = inf, ``sign(x1)``). Both coordinates
are evaluated by the generated closed forms (the robust one as the weak-only l_inf accuracy,
which the rounded rule attains). Along it the Theorem 2.1 bound has the exact gap
:math:`\\frac{2p-1}{2(1-p)}(1 - \\Phi(\\tau+\\mu) + \\Phi(-\\tau-\\mu))`.

For other radii and for linear classifiers the same family is traced with the matching
robust accuracy and only the non-dominated points are kept; those curves are exact for
``family="linear"`` with the l_2 ball (equal weights are optimal there), a numerically
supported conjecture for the full l_inf ball (spec §3.7), and an achievable lower curve for
``family="all"`` away from eps = 2 eta (``exact`` is then False).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from .closed_form import accuracy_stats, theorem_2_1_bound
from .model import ThreatModel, ToyModel

__all__ = ["Frontier", "frontier", "theorem_f_applies"]


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

    def to_dict(self) -> dict:
        m, t = self.model, self.threat
        return {
            "p": m.p, "eta": m.eta, "d": m.d, "eps": t.eps, "norm": t.norm,
            "perturb_x1": t.perturb_x1, "family": self.family, "exact": self.exact, "note": self.note,
            "points": [
                {"tau": (None if not math.isfinite(tau) else float(tau)),
                 "standard_accuracy": float(s), "robust_accuracy": float(r),
                 "theorem_2_1_bound": (None if not math.isfinite(b) else float(b))}
                for tau, s, r, b in zip(self.tau, self.standard_accuracy, self.robust_accuracy, self.bound)
            ],
        }


def theorem_f_applies(model: ToyModel, threat: ThreatModel) -> bool:
    """Theorem F's setting: l_inf, eps = 2 eta (to rounding), eps < 1."""
    return (threat.norm == "linf" and threat.eps < 1 and model.eta > 0
            and math.isclose(threat.eps, 2 * model.eta, rel_tol=1e-12))


def _pareto(std, rob):
    """Indices of the non-dominated points, ordered by decreasing standard accuracy."""
    order = np.lexsort((-rob, -std))
    keep, best_rob = [], -np.inf
    for i in order:
        if rob[i] > best_rob:
            keep.append(i)
            best_rob = rob[i]
    return np.array(keep, dtype=int)


def frontier(model: ToyModel, threat: ThreatModel, family: str = "all", n: int = 201) -> Frontier:
    """The (standard, robust) accuracy frontier.

    Parameters
    ----------
    model, threat
        D(p, eta, d) and the threat ball.
    family : {"all", "linear"}
        Over all measurable classifiers (rounded rules) or over linear classifiers.
    n : int >= 2
        Number of values of ``tau`` (uniform in ``arctan tau``), including ``tau = inf``.
    """
    if family not in ("all", "linear"):
        raise ValueError(f"family must be 'all' or 'linear', got {family!r}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n must be an integer >= 2, got {n!r}")
    p, eta, d, eps = model.p, model.eta, model.d, threat.eps
    mu, L = model.mu, model.log_odds
    sd = math.sqrt(d)
    if family == "all":
        if threat.perturb_x1 and eps >= 1:
            raise ValueError(f"the frontier over all classifiers is derived for eps < 1, got eps={eps!r}")
        kind = f"{threat.norm}_weak"  # rounded rules ignore x1-perturbations below 1
        exact = theorem_f_applies(model, threat)
        tau_lo = (L / (2 * mu) if mu > 0 else math.inf) if exact else 0.0
        note = ("Theorem F: exact frontier over all measurable classifiers" if exact else
                "rounded rules sign(tau sign(x1) + s(x)): achievable, not proved optimal at this eps")
    else:
        kind = f"{threat.norm}_{'full' if threat.perturb_x1 else 'weak'}"
        tau_lo = 0.0
        if threat.norm == "linf" and eps > eta:
            # The l_inf penalty eps*||u||_1 rewards concentrated weak weights while accuracy rewards
            # spread ones: trace the two-parameter family (tau, r = ||u||_1/||u||_2 in [1, sqrt d]).
            return _linf_linear_frontier(model, threat, kind, n)
        exact = True
        note = ("linear classifiers without bias: f_tau (equal weak weights, optimal for this threat "
                "at every trade-off point)")
    theta_lo = math.atan(tau_lo) if math.isfinite(tau_lo) else math.pi / 2
    theta = np.linspace(theta_lo, math.pi / 2, n)
    tau = np.tan(theta[:-1])
    # Finite taus as f_tau; the last point is sign(x1) (a = 1, no weak weight).
    a = np.append(tau, 1.0)
    S = np.append(np.full(tau.shape, sd), 0.0)
    Q = np.append(np.ones(tau.shape), 0.0)
    std = accuracy_stats(p, eta, 0.0, a, 0.0, S, Q, S, "standard")[0]
    rob = accuracy_stats(p, eta, eps, a, 0.0, S, Q, S, kind)[0]
    taus = np.append(tau, np.inf)
    keep = _pareto(std, rob) if not exact or family == "linear" else np.arange(taus.size)
    std, rob, taus = std[keep], rob[keep], taus[keep]
    # Theorem 2.1 needs the shift -2 eta y (0, 1, ..., 1) inside the ball (spec §2.1).
    applies = p < 1 and (eps >= 2 * eta if threat.norm == "linf" else eps >= 2 * mu)
    bound = theorem_2_1_bound(p, std) if applies else np.full(std.shape, np.nan)
    return Frontier(model, threat, family, bool(exact), taus, std, rob, np.asarray(bound, float), note)


def _linf_linear_frontier(model: ToyModel, threat: ThreatModel, kind: str, n: int) -> Frontier:
    """Linear classifiers without bias under an l_inf ball with eps > eta.

    For weak weights of one sign, S = U1 and only (a/Q, r = U1/Q) matter, with r in [1, sqrt d]
    (r = sqrt d: equal weights; r = 1: one weak feature); mixed signs only lower eta*S. The
    frontier is the Pareto set of this two-parameter family, sampled on an n x n grid.
    ``tau`` reported is a/Q for the chosen point. Biased classifiers can do better near (p, p);
    they are not covered (``exact`` is False).
    """
    p, eta, d, eps = model.p, model.eta, model.d, threat.eps
    theta = np.linspace(0.0, math.pi / 2, n)[:-1]
    tau = np.tan(theta)
    r = np.sqrt(np.linspace(1.0, float(d), n))
    T, R = np.meshgrid(tau, r, indexing="ij")
    a, S = np.append(T.ravel(), 1.0), np.append(R.ravel(), 0.0)
    Q = np.append(np.ones(T.size), 0.0)
    std = accuracy_stats(p, eta, 0.0, a, 0.0, S, Q, S, "standard")[0]
    rob = accuracy_stats(p, eta, eps, a, 0.0, S, Q, S, kind)[0]
    keep = _pareto(std, rob)
    taus = np.append(T.ravel(), np.inf)[keep]
    applies = p < 1 and eps >= 2 * eta
    bound = theorem_2_1_bound(p, std[keep]) if applies else np.full(keep.size, np.nan)
    note = ("linear classifiers without bias, l_inf with eps > eta: Pareto set of (tau, r = |u|_1/|u|_2); "
            "equal weak weights (the f_tau family) are NOT optimal here, and a bias can do better near (p, p)")
    return Frontier(model, threat, "linear", False, taus, std[keep], rob[keep], np.asarray(bound, float), note)


def exact_gap(p: float, mu: float, tau) -> np.ndarray:
    """The exact gap of Theorem 2.1 along ``f_tau`` at eps = 2 eta (spec §2.1):
    :math:`\\frac{2p-1}{2(1-p)}(1 - \\Phi(\\tau+\\mu) + \\Phi(-\\tau-\\mu))`."""
    tau = np.asarray(tau, dtype=float)
    return (2 * p - 1) / (2 * (1 - p)) * (1 - ndtr(tau + mu) + ndtr(-tau - mu))
