"""The vectorised analytic checks of Theorem 2.1 and Theorem F make the comparisons of the plain loops.

The maximum over candidates of lambda std + (1 - lambda) rob, for each supporting weight lambda in
[0, 1], must equal the brute-force maximum over every candidate to the bit (the filter is exact).
"""

from __future__ import annotations

import numpy as np
import pytest

from robtheory import ThreatModel
from robtheory.claims.record import Point
from robtheory.claims.tradeoff import supporting_lambda, theorem_f_candidates, theorem_f_point_check
from robtheory.theory.frontier import frontier


def _brute_force_excess(pt, threat, front):
    p, mu = pt.p, pt.mu
    tau = np.asarray(front.tau, float)
    S, R = np.asarray(front.standard_accuracy, float), np.asarray(front.robust_accuracy, float)
    fin = np.isfinite(tau)
    lams = np.concatenate([supporting_lambda(p, mu, tau[fin]), [1.0, 1 - p, 0.5, p]])
    idx = np.concatenate([np.flatnonzero(fin), [0, tau.size - 1, tau.size - 1, tau.size - 1]])
    support = lams * S[idx] + (1 - lams) * R[idx]
    std_c, rob_c = theorem_f_candidates(pt, "linf_full" if threat.perturb_x1 else "linf_weak")
    return max(float(np.max(lam * std_c + (1 - lam) * rob_c - s)) for lam, s in zip(lams, support))


@pytest.mark.parametrize("p,eta,d", [(0.9, 0.1, 100), (0.75, 0.3, 4), (0.99, 0.45, 1)])
@pytest.mark.parametrize("weak_only", [False, True])
def test_max_excess_equals_the_brute_force_over_every_candidate(p, eta, d, weak_only):
    pt = Point(p, eta, d, 2 * eta)
    threat = ThreatModel.weak_only("linf", pt.eps) if weak_only else ThreatModel("linf", pt.eps)
    front = frontier(pt.model, threat, "all", n=41)
    out = theorem_f_point_check(pt, threat, front)
    assert out["max_excess"] == _brute_force_excess(pt, threat, front)
    assert out["n_candidates"] == theorem_f_candidates(pt, "linf_full" if not weak_only else "linf_weak")[0].size


def test_theorem_2_1_scan_is_the_loop_over_points_families_and_kinds():
    """The vectorised scan makes the comparisons of the plain loop (log slack per classifier)."""
    from robtheory.claims.tradeoff import _theorem_2_1_family, theorem_2_1_log_slack, theorem_2_1_scan

    pts = [Point(0.9, 0.3, 100, 0.6), Point(0.99, 0.5, 1, 1.0), Point(0.75, 0.05, 10**4, 0.1)]
    n, ratios = 0, []
    for pt in pts:
        kinds = ["linf_full", "linf_weak"] + (["l2_full"] if pt.eps >= 2 * pt.mu else [])
        for stats in _theorem_2_1_family(pt):
            for kind in kinds:
                slack, tol = theorem_2_1_log_slack(pt.p, pt.eta, pt.eps, stats, kind)
                ratios.append(np.ravel(slack / tol))
                n += ratios[-1].size
    n_scan, worst = theorem_2_1_scan(pts)
    assert n_scan == n
    assert worst["ratio"] == float(np.min(np.concatenate(ratios)))
