"""phase's frontier_standard and price are solved, not read off a tau grid.

References are independent of the code under test: Theorem 2.1's bound at eps = 2 eta (with
the exact gap of the rounded rules), a 40-digit mpmath bisection of Rob(tau) = r, and a dense
scan of the rule family with SciPy's ndtr (no feasible rule of the family may beat the value).
"""

import math

import mpmath
import numpy as np
import pytest

from robtheory import ThreatModel, ToyModel
from robtheory.theory.frontier import frontier
from robtheory.phase import phase_grid

xr = pytest.importorskip("xarray")
mpmath.mp.dps = 40


def _mp_frontier(p, eta, eps, d, r, norm="linf"):
    """Best Std of sign(tau sign(x1) + s(x)) with Rob >= r, from the definitions, in mpmath."""
    p, eta, eps, r = (mpmath.mpf(x) for x in (p, eta, eps, r))
    sd = mpmath.sqrt(d)
    mu = eta * sd
    me = sd * eta - (eps if norm == "l2" else eps * sd)
    Phi = mpmath.ncdf

    def std(t):
        return p if t == mpmath.inf else p * Phi(mu + t) + (1 - p) * Phi(mu - t)

    def robust_enough(t):
        # Rob = p - p Phi(-(me + t)) + (1 - p) Phi(me - t): the deficit from p is computed from
        # its two tails, which mpmath keeps to 40 digits however small they are
        if t == mpmath.inf:
            return p >= r
        return p * Phi(-(me + t)) - (1 - p) * Phi(me - t) <= p - r

    L = mpmath.log(p / (1 - p))
    tb = L / (2 * mu) if mu > 0 else mpmath.inf
    if robust_enough(tb):
        return std(tb)
    te = L / (2 * me) if me > 0 else mpmath.inf
    if not robust_enough(te):
        return None
    lo, hi = tb, te
    if hi == mpmath.inf:  # grow a finite bracket
        hi = max(2 * lo, mpmath.mpf(1))
        while not robust_enough(hi):
            lo, hi = hi, 2 * hi
            if hi > mpmath.mpf(10) ** 30:
                return p  # only tau = inf reaches r (r = p)
    for _ in range(200):
        mid = (lo + hi) / 2
        if robust_enough(mid):
            hi = mid
        else:
            lo = mid
    return std(hi)


P_EPS2ETA = [0.55, 0.6, 0.75, 0.9, 0.95, 0.99]
ETA_EPS2ETA = [0.05, 0.2, 0.3, 0.4, 0.45]
D_EPS2ETA = [1, 100, 10**6]


@pytest.mark.parametrize("r", [0.1, 0.5, 0.9])
def test_at_eps_2eta_phase_is_theorem_2_1_bound(r):
    ds = phase_grid(P_EPS2ETA, D_EPS2ETA, eta=ETA_EPS2ETA, eps_over_eta=[2.0], required_robust=r)
    checked = 0
    for p in P_EPS2ETA:
        for eta in ETA_EPS2ETA:
            for d in D_EPS2ETA:
                pt = ds.sel(p=p, eta=eta, d=d).squeeze()
                val = float(pt["frontier_standard"])
                mu = eta * math.sqrt(d)
                if r > p:  # no classifier has robust accuracy above p here (Theorem 2.1 at delta = 1 - p)
                    assert math.isnan(val)
                    continue
                bound = 1 - r * (1 - p) / p  # Theorem 2.1: acc_eps <= p/(1-p) (1 - acc)
                assert val <= bound + 1e-13
                ref = _mp_frontier(p, eta, 2 * eta, d, r)
                assert val == pytest.approx(float(ref), abs=1e-12)
                tb = math.log(p / (1 - p)) / (2 * mu)
                rob_bayes = p * mpmath.ncdf(tb - mu) + (1 - p) * mpmath.ncdf(-tb - mu)
                if rob_bayes < r:  # the requirement binds: the rounded rules attain the bound up to
                    # their exact gap (2p-1)/p Phi(-mu-tau) <= (2p-1)/p Phi(-mu-tau_B)
                    slack = (2 * p - 1) / p * float(mpmath.ncdf(-mu - tb))
                    assert bound - val <= slack + 1e-12
                    checked += 1
                price = float(pt["price"])
                assert price == pytest.approx(float(pt["bayes_standard"]) - val, abs=1e-15)
    assert checked >= 20


@pytest.mark.parametrize("p,eta,eps,d,expected", [
    (0.6, 0.3, 0.6, 10**6, 2 / 3),       # the issue's three cases: exact 2/3, 17/18, 1 - 0.5 * 0.05/0.95
    (0.9, 0.3, 0.6, 10**6, 17 / 18),
    (0.95, 0.4, 0.8, 100, 1 - 0.5 * 0.05 / 0.95),
])
def test_issue_cases(p, eta, eps, d, expected):
    pt = phase_grid([p], [d], eta=[eta], eps=[eps]).squeeze()
    assert float(pt["frontier_standard"]) == pytest.approx(expected, abs=1e-12)
    assert float(pt["price"]) == pytest.approx(float(pt["bayes_standard"]) - expected, abs=1e-12)


@pytest.mark.parametrize("norm", ["linf", "l2"])
@pytest.mark.parametrize("r", [0.3, 0.6, 0.95, 0.999999])
def test_elsewhere_against_mpmath_and_frontier(norm, r):
    ps, etas, ratios, ds_ = [0.6, 0.8, 0.97], [0.02, 0.1, 0.3], [0.0, 0.5, 1.0, 1.5, 3.0], [4, 100, 10**4]
    if norm == "l2":
        ratios = [0.0, 5.0, 20.0]  # eps/eta: l_2 budgets reach eps/sqrt(d) ~ eta only for large eps
    grid = phase_grid(ps, ds_, eta=etas, eps_over_eta=ratios, norm=norm, required_robust=r)
    for p in ps:
        for eta in etas:
            for k in ratios:
                for d in ds_:
                    eps = k * eta
                    val = float(grid.sel(p=p, eta=eta, eps_over_eta=k, d=d)["frontier_standard"])
                    if eps >= 1:
                        assert math.isnan(val)
                        continue
                    ref = _mp_frontier(p, eta, eps, d, r, norm)
                    if ref is None:
                        assert math.isnan(val)
                        continue
                    assert val == pytest.approx(float(ref), abs=1e-12)
                    # the frontier command's rounded rules at the same parameters: none that is
                    # robust enough is more accurate than phase's value
                    front = frontier(ToyModel(p, eta, d), ThreatModel(norm, eps), "all", n=201)
                    feasible = front.robust_accuracy >= r + 1e-12  # (its accuracies are rounded)
                    if feasible.any():
                        assert float(front.standard_accuracy[feasible].max()) <= val + 1e-12


def test_no_rule_of_the_family_beats_phase():
    """A dense scan of tau in float (SciPy's ndtr, not the grid kernels): the value is never beaten."""
    from scipy.special import ndtr

    rng = np.random.default_rng(7)
    for _ in range(40):
        p, eta, d = rng.uniform(0.55, 0.99), rng.uniform(0.01, 0.45), int(rng.integers(1, 400))
        eps, r = rng.uniform(0, 0.99), rng.uniform(0.05, 0.95)
        val = float(phase_grid([p], [d], eta=[eta], eps=[eps], required_robust=r)["frontier_standard"].squeeze())
        mu, me = eta * math.sqrt(d), (eta - eps) * math.sqrt(d)
        tau = np.concatenate([np.linspace(0, 50, 200001), np.geomspace(50, 1e6, 1000)])
        std = p * ndtr(mu + tau) + (1 - p) * ndtr(mu - tau)
        rob = p * ndtr(me + tau) + (1 - p) * ndtr(me - tau)
        ok = rob >= r + 1e-12
        best = max(std[ok].max() if ok.any() else -np.inf, p if p >= r + 1e-12 else -np.inf)
        if math.isfinite(best):
            assert val >= best - 1e-12


def test_attributes_and_regime_text():
    for norm, word in (("linf", "eps < eta"), ("l2", "eps/sqrt(d) < eta")):
        ds = phase_grid([0.9], [100], eta=[0.1], eps=[0.05], norm=norm)
        for var in ("frontier_standard", "price"):
            assert {"long_name", "definition", "units"} <= set(ds[var].attrs)
        assert ds["regime"].attrs["flag_meanings"].split("; ")[0] == word
    # under l_2 the code compares eps/sqrt(d) with eta: at d = 100, eta = 0.04, eps = 0.3 is
    # regime 0 (0.03 < eta) although eps > 2 eta, and eps = 0.9 is regime 2 (0.09 >= 2 eta)
    ds = phase_grid([0.9], [100], eta=[0.04], eps=[0.3, 0.9], norm="l2")
    assert [int(v) for v in ds["regime"].values.ravel()] == [0, 2]
