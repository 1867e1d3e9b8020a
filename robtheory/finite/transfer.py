r"""Transferability of adversarial examples between linear models trained on independent samples.

Setting. Two linear classifiers without bias, ``A: sign(<w_A, x>)`` and ``B: sign(<w_B, x>)``,
``w = (a, u)`` with ``a`` on the robust feature x1 and ``u`` on the ``d`` weak features; the
threat model (:class:`robtheory.model.ThreatModel`) is a ball of radius ``eps`` in l_inf or l_2
over the coordinates ``P`` it may move: all ``d + 1`` (``perturb_x1=True``, the default) or the
weak features only.

The attack. The worst-case perturbation against ``A`` at ``(x, y)`` minimises ``y <w_A, x + delta>``
over the ball. It does not depend on ``x``:

.. math::

    \delta_A = -\varepsilon\, y\, g_A, \qquad
    g_A = \mathrm{sign}(w_{A,P}) \ (\ell_\infty), \qquad g_A = w_{A,P}/\lVert w_{A,P}\rVert_2 \ (\ell_2),

zero off ``P``; where a perturbable weight of ``A`` is 0 its coordinate is left alone
(``sign(0) = 0``; any value there is equally bad for ``A``, this one is the least movement), and
``g_A = 0`` when ``w_{A,P} = 0``. It takes :math:`c_{AA} = \varepsilon\lVert w_{A,P}\rVert_*` off
``A``'s margin (dual norm: l_1 for l_inf, l_2 for l_2) and :math:`c_{BA} = \varepsilon\langle w_B, g_A\rangle`
off ``B``'s (which may be negative: the attack may help ``B``).

Margins. With :math:`s = y x_1 \in \{+1 \text{ w.p. } p, -1 \text{ w.p. } 1 - p\}` and
:math:`x_j = y\eta + z_j`, :math:`z \sim N(0, I_d)`, the clean margins are
:math:`m_M = y\langle w_M, x\rangle = a_M s + \eta S_M + G_M` with :math:`S_M = \sum_j u_{M,j}` and
:math:`(G_A, G_B) = (y\langle u_A, z\rangle, y\langle u_B, z\rangle)` bivariate normal given ``s``: variances
:math:`Q_A^2 = \lVert u_A\rVert^2`, :math:`Q_B^2`, covariance :math:`C = \langle u_A, u_B\rangle`.
The margins under ``A``'s attack are :math:`m_A - c_{AA}` and :math:`m_B - c_{BA}`. Every rate below
is therefore a mixture over ``s`` of bivariate normal rectangle probabilities (computed with
Owen's T function, :func:`bvn_cdf`); a model with ``u = 0`` has a deterministic margin given ``s``.
Ties (a margin of exactly 0) count as errors, as everywhere in robtheory.

The rates of a pair (source ``A``, target ``B``):

* ``fool_rate`` :math:`= P(m_B \le c_{BA})`: ``B`` errs on ``x + delta_A`` (its accuracy under
  ``A``'s attack is ``1 - fool_rate``);
* ``attack_success`` :math:`= P(0 < m_A \le c_{AA},\ m_B > 0)`: both right on ``x`` and the attack
  fools its source;
* ``transfer_joint`` :math:`= P(0 < m_A \le c_{AA},\ 0 < m_B \le c_{BA})`: and it also fools ``B``;
* ``transfer_rate`` = ``transfer_joint / attack_success``: the probability that an adversarial
  example of ``A`` (an input both models classify right, which the attack makes ``A`` misclassify)
  also fools ``B``; NaN where ``A`` has no adversarial example (``attack_success = 0``).

Learners (:func:`fit_pair_weights`): ``standard`` is the difference-of-means learner
(:func:`robtheory.finite.learners.fit_mean`), ``robust`` the same with the weak features dropped
(``w = (\hat w_1, 0, ..., 0)``: the classifier adversarial training converges to when
``eps >= 2 eta``). Pair ``t`` of a Monte Carlo over training sets trains ``A`` on training set
``2t`` and ``B`` on ``2t + 1`` (independent, :func:`robtheory.finite.learners.training_set`).

As ``n -> infinity`` both standard models tend to :math:`w_\infty = (2p - 1, \eta, \dots, \eta)`
(:func:`population_weights`): the standard -> standard ``fool_rate`` tends to the adversarial
error rate of :math:`w_\infty` (a closed form, :func:`population_transfer`) and the
``transfer_rate`` to 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import ndtr, owens_t

from robtheory.finite.learners import fit_mean, training_set
from robtheory.model import ThreatModel, ToyModel

__all__ = ["KINDS", "LEARNERS", "RATES", "bvn_cdf", "pair_statistics", "pair_rates", "transfer_rates",
           "population_weights", "population_transfer", "fit_pair_weights", "TransferCurve", "transfer_curve"]

#: The learners of a pair.
LEARNERS = ("standard", "robust")
#: The (source, target) kinds of pairs a curve reports.
KINDS = ("standard->standard", "standard->robust", "robust->standard")
#: The rates of a pair (see the module docstring).
RATES = ("fool_rate", "attack_success", "transfer_joint", "transfer_rate")


def bvn_cdf(h: ArrayLike, k: ArrayLike, rho: ArrayLike, r: ArrayLike | None = None) -> np.ndarray:
    r""":math:`\Phi_2(h, k; \rho) = P(X \le h, Y \le k)` for standard normals of correlation ``rho``.

    Owen's formula (Owen 1956):
    :math:`\Phi_2 = \tfrac12\Phi(h) + \tfrac12\Phi(k) - T(h, a_h) - T(k, a_k) - \beta` with
    :math:`a_h = (k - \rho h)/(h\sqrt{1 - \rho^2})`, :math:`a_k = (h - \rho k)/(k\sqrt{1 - \rho^2})`,
    :math:`\beta = \tfrac12` when :math:`hk < 0` or (:math:`hk = 0` and :math:`h + k < 0`), else 0;
    ``T(0, +-inf) = +-1/4``. ``h``, ``k`` may be infinite; ``rho = +-1`` is exact
    (:math:`\Phi(\min(h, k))`, :math:`\max(0, \Phi(h) + \Phi(k) - 1)`), and ``h = k = 0`` is
    :math:`1/4 + \arcsin(\rho)/(2\pi)`. Absolute accuracy ~1e-15 (it is a difference of terms
    of order 1; tiny probabilities are not accurate relative to themselves).

    ``r``, if given, is :math:`\sqrt{1 - \rho^2}` computed by the caller without cancellation
    (near :math:`\rho = 1`, one rounding of ``rho`` moves :math:`\Phi_2` by ~1e-8: the CDF has
    a square-root singularity there); ``r = 0`` means :math:`|\rho| = 1`.

    >>> round(float(bvn_cdf(0.0, 0.0, 0.5)), 12)
    0.333333333333
    """
    h, k, rho = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (h, k, rho)))
    if np.any(np.isnan(rho)) or np.any(np.abs(rho) > 1):
        raise ValueError(f"rho must lie in [-1, 1], got {rho[np.isnan(rho) | (np.abs(rho) > 1)].ravel()[0]!r}")
    if r is None:
        rr = np.sqrt((1.0 - rho) * (1.0 + rho))
    else:
        rr = np.broadcast_to(np.asarray(r, dtype=float), h.shape)
        if np.any(~(rr >= 0)) or np.any(rr > 1):
            raise ValueError("r = sqrt(1 - rho^2) must lie in [0, 1]")
        rho = np.where(rr == 0, np.sign(rho), rho)
    out = np.empty(h.shape)
    Ph, Pk = ndtr(h), ndtr(k)
    inf = ~np.isfinite(h) | ~np.isfinite(k)
    # an infinite limit: the other marginal, or 0
    # an infinite limit: 0 at -inf, else the other marginal (Phi(+inf) = 1, so the minimum)
    out[inf] = np.where((h[inf] == -np.inf) | (k[inf] == -np.inf), 0.0, np.minimum(Ph[inf], Pk[inf]))
    one = ~inf & ((rr == 0) | (np.abs(rho) == 1)) & (rho > 0)
    out[one] = np.minimum(Ph[one], Pk[one])
    mone = ~inf & ((rr == 0) | (np.abs(rho) == 1)) & (rho < 0)
    out[mone] = np.maximum(0.0, Ph[mone] + Pk[mone] - 1.0)
    gen = ~inf & ~one & ~mone
    hg, kg, rg, r = h[gen], k[gen], rho[gen], rr[gen]
    with np.errstate(divide="ignore", invalid="ignore"):
        ah = (kg - rg * hg) / (hg * r)
        ak = (hg - rg * kg) / (kg * r)
        # h = 0: a_h = sign(k) * inf, T(0, +-inf) = +-1/4 (h = k = 0 is set apart below)
        ah = np.where(hg == 0, np.sign(kg) * np.inf, ah)
        ak = np.where(kg == 0, np.sign(hg) * np.inf, ak)
    Th, Tk = _owens_t(hg, ah), _owens_t(kg, ak)
    beta = np.where((hg * kg < 0) | ((hg * kg == 0) & (hg + kg < 0)), 0.5, 0.0)
    val = 0.5 * (Ph[gen] + Pk[gen]) - Th - Tk - beta
    both0 = (hg == 0) & (kg == 0)
    val = np.where(both0, 0.25 + np.arcsin(rg) / (2 * np.pi), val)
    out[gen] = np.clip(val, 0.0, np.minimum(Ph[gen], Pk[gen]))
    return out


def _owens_t(h: np.ndarray, a: np.ndarray) -> np.ndarray:
    r"""Owen's T with an infinite second argument allowed: :math:`T(h, \pm\infty) = \pm\Phi(-|h|)/2`."""
    big = np.isinf(a)
    return np.where(big, np.sign(a) * 0.5 * ndtr(-np.abs(h)), owens_t(h, np.where(big | np.isnan(a), 0.0, a)))


def _direction(W: np.ndarray, threat: ThreatModel) -> np.ndarray:
    """``g`` of each row of ``W`` (module docstring): the unit-radius worst-case direction."""
    lo = 0 if threat.perturb_x1 else 1
    g = np.zeros_like(W)
    U = W[:, lo:]
    if threat.norm == "linf":
        g[:, lo:] = np.sign(U)
    else:
        top = np.max(np.abs(U), axis=1, keepdims=True)
        scale = np.where(top > 0, top, 1.0)
        Us = U / scale
        nrm = np.linalg.norm(Us, axis=1, keepdims=True)
        g[:, lo:] = np.where(nrm > 0, Us / np.where(nrm > 0, nrm, 1.0), 0.0)
    return g


def pair_statistics(WA: ArrayLike, WB: ArrayLike, threat: ThreatModel) -> dict[str, np.ndarray]:
    r"""The statistics of pairs ``(A, B)`` that their rates depend on, one entry per row.

    ``WA``, ``WB``: shape ``(d + 1,)`` or ``(T, d + 1)``. Returns ``aA, aB`` (x1 weights),
    ``SA, SB`` (sums of weak weights), ``QA, QB`` (their l_2 norms), ``C`` (:math:`\langle u_A, u_B\rangle`)
    and the margin shifts ``cAA`` (:math:`\varepsilon\lVert w_{A,P}\rVert_*`), ``cBA``
    (:math:`\varepsilon\langle w_B, g_A\rangle`), each of shape ``(T,)``.
    """
    WA = np.atleast_2d(np.asarray(WA, dtype=float))
    WB = np.atleast_2d(np.asarray(WB, dtype=float))
    if WA.shape != WB.shape or WA.shape[1] < 2:
        raise ValueError(f"WA and WB must have the same shape (T, d + 1), d >= 1; got {WA.shape} and {WB.shape}")
    if not (np.all(np.isfinite(WA)) and np.all(np.isfinite(WB))):
        raise ValueError("the weights must be finite")
    gA = _direction(WA, threat)
    uA, uB = WA[:, 1:], WB[:, 1:]
    QA, QB = np.linalg.norm(uA, axis=1), np.linalg.norm(uB, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ha = uA / np.where(QA > 0, QA, 1.0)[:, None]
        hb = uB / np.where(QB > 0, QB, 1.0)[:, None]
    sin = np.minimum(1.0, 0.5 * np.linalg.norm(ha - hb, axis=1) * np.linalg.norm(ha + hb, axis=1))
    sin = np.where((QA > 0) & (QB > 0), sin, 1.0)
    return {"sin": sin, "aA": WA[:, 0], "aB": WB[:, 0], "SA": uA.sum(1), "SB": uB.sum(1),
            "QA": np.linalg.norm(uA, axis=1), "QB": np.linalg.norm(uB, axis=1),
            "C": np.einsum("ij,ij->i", uA, uB),
            "cAA": threat.eps * np.einsum("ij,ij->i", WA, gA), "cBA": threat.eps * np.einsum("ij,ij->i", WB, gA)}


def _z(t: np.ndarray, m: np.ndarray, Q: np.ndarray) -> np.ndarray:
    """``(t - m)/Q``: the standardised limit of ``M <= t`` for :math:`M \\sim N(m, Q^2)`; ``+-inf``
    for a constant ``M = m`` (``Q = 0``: +inf iff ``m <= t``) and for an infinite ``t``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        g = (t - m) / np.where(Q > 0, Q, 1.0)
    out = np.where(Q > 0, g, np.where(m <= t, np.inf, -np.inf))
    return np.where(t == -np.inf, -np.inf, np.where(t == np.inf, np.inf, out))


def transfer_rates(model: ToyModel, stats: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The rates (:data:`RATES`) of pairs given by their :func:`pair_statistics`, exact (module docstring).

    Each of ``fool_rate``, ``attack_success``, ``transfer_joint`` is, for each ``s = +-1``, a
    rectangle probability :math:`P(l_A < m_A \\le h_A,\\ l_B < m_B \\le h_B)` (an empty interval has
    probability 0), i.e. four bivariate normal CDF values by inclusion-exclusion; all of them are
    evaluated in one vectorised call.
    """
    st = {k: np.asarray(v, dtype=float) for k, v in stats.items()}
    QA, QB, C = st["QA"], st["QB"], st["C"]
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = np.where((QA > 0) & (QB > 0), C / np.where((QA > 0) & (QB > 0), QA * QB, 1.0), 0.0)
    rho = np.clip(rho, -1.0, 1.0)
    sin = st["sin"] if "sin" in st else np.sqrt((1.0 - rho) * (1.0 + rho))
    inf = np.full_like(QA, np.inf)
    zero = np.zeros_like(QA)
    # (rate, l_A, h_A, l_B, h_B)
    rects = (("fool_rate", -inf, inf, -inf, st["cBA"]), ("attack_success", zero, st["cAA"], zero, inf),
             ("transfer_joint", zero, st["cAA"], zero, st["cBA"]))
    H, K, weights, names = [], [], [], []
    for s, ws in ((1.0, model.p), (-1.0, 1.0 - model.p)):
        mA = st["aA"] * s + model.eta * st["SA"]
        mB = st["aB"] * s + model.eta * st["SB"]
        for name, la, ha, lb, hb in rects:
            ha, hb = np.maximum(ha, la), np.maximum(hb, lb)
            for ta, tb, sign in ((ha, hb, 1.0), (la, hb, -1.0), (ha, lb, -1.0), (la, lb, 1.0)):
                H.append(_z(ta, mA, QA))
                K.append(_z(tb, mB, QB))
                weights.append(ws * sign)
                names.append(name)
    n_corner = len(H)
    F = bvn_cdf(np.concatenate(H), np.concatenate(K), np.tile(rho, n_corner),
                np.tile(sin, n_corner)).reshape(n_corner, -1)
    out = {r: np.zeros_like(QA) for r in RATES[:3]}
    for i in range(0, n_corner, 4):  # one rectangle: four corners
        rect = np.clip(F[i] - F[i + 1] - F[i + 2] + F[i + 3], 0.0, 1.0)
        out[names[i]] += weights[i] * rect
    with np.errstate(divide="ignore", invalid="ignore"):
        out["transfer_rate"] = np.where(out["attack_success"] > 0,
                                        out["transfer_joint"] / np.where(out["attack_success"] > 0,
                                                                         out["attack_success"], 1.0), np.nan)
    return out


def pair_rates(model: ToyModel, wA: ArrayLike, wB: ArrayLike, threat: ThreatModel) -> dict[str, float]:
    """The exact rates (:data:`RATES`) of one pair: source ``wA``, target ``wB`` (weights of length ``d + 1``).

    >>> from robtheory import ToyModel, ThreatModel
    >>> r = pair_rates(ToyModel(0.9, 0.5, 4), [0.8, .5, .5, .5, .5], [0.8, .5, .5, .5, .5], ThreatModel("linf", 1.0))
    >>> r["transfer_rate"]
    1.0
    """
    wA, wB = np.asarray(wA, dtype=float), np.asarray(wB, dtype=float)
    if wA.shape != (model.d + 1,) or wB.shape != (model.d + 1,):
        raise ValueError(f"wA and wB must have length d + 1 = {model.d + 1}, got {wA.shape} and {wB.shape}")
    rates = transfer_rates(model, pair_statistics(wA, wB, threat))
    return {k: float(v[0]) for k, v in rates.items()}


def population_weights(model: ToyModel, learner: str = "standard") -> np.ndarray:
    r"""The limit ``n -> infinity`` of a learner's weights: :math:`(2p - 1, \eta, \dots, \eta)` (``standard``)
    or :math:`(2p - 1, 0, \dots, 0)` (``robust``)."""
    _check_learner(learner)
    w = np.full(model.d + 1, model.eta if learner == "standard" else 0.0)
    w[0] = 2 * model.p - 1
    return w


def population_transfer(model: ToyModel, threat: ThreatModel, kind: str = "standard->standard") -> dict[str, float]:
    """The rates of the pair of population learners (the limit ``n -> infinity`` of a pair of ``kind``)."""
    src, dst = _check_kind(kind)
    return pair_rates(model, population_weights(model, src), population_weights(model, dst), threat)


def _check_learner(learner: str) -> None:
    if learner not in LEARNERS:
        raise ValueError(f"learner must be one of {LEARNERS}, got learner={learner!r}")


def _check_kind(kind: str) -> tuple[str, str]:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got kind={kind!r}")
    src, dst = kind.split("->")
    return src, dst


def _learner_weights(W: np.ndarray, learner: str) -> np.ndarray:
    if learner == "standard":
        return W
    R = np.zeros_like(W)
    R[..., 0] = W[..., 0]
    return R


def _mean_weights_nested(model: ToyModel, ns: np.ndarray, trial: int, seed: int) -> np.ndarray:
    """Difference-of-means weights of training set ``trial`` at every size in ``ns``: shape ``(len(ns), d + 1)``.

    One draw of the largest set; the set of size ``n`` is its first ``n`` rows (nested), so
    row ``i`` equals ``fit_mean`` on ``training_set(model, ns[i], trial, seed)``.
    """
    X, y = training_set(model, int(ns.max()), trial, seed)
    csum = np.cumsum(y[:, None] * X, axis=0)
    return csum[ns - 1] / ns[:, None]


def fit_pair_weights(model: ToyModel, n: int, pair: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Standard (difference-of-means) weights of pair ``pair``: trained on training sets ``2 pair`` and ``2 pair + 1``."""
    XA, yA = training_set(model, n, 2 * pair, seed)
    XB, yB = training_set(model, n, 2 * pair + 1, seed)
    return fit_mean(XA, yA), fit_mean(XB, yB)


@dataclass(frozen=True)
class TransferCurve:
    """Transfer rates over training sets: ``mean[rate]`` and ``se[rate]`` of shape ``(kind, eps, n)``.

    ``mean`` is the average over ``pairs`` pairs of each pair's exact rate, ``se`` its standard
    error (sample standard deviation / sqrt(count)); ``count[rate]`` the pairs where the rate is
    defined (``transfer_rate`` is undefined for a pair whose source has no adversarial example).
    ``limit[rate]`` (shape ``(kind, eps)``) holds the rates of the population pair.
    """

    model: ToyModel
    norm: str
    perturb_x1: bool
    n: np.ndarray
    eps: np.ndarray
    kinds: tuple[str, ...]
    pairs: int
    seed: int
    mean: dict[str, np.ndarray] = field(repr=False)
    se: dict[str, np.ndarray] = field(repr=False)
    count: dict[str, np.ndarray] = field(repr=False)
    limit: dict[str, np.ndarray] = field(repr=False)

    def to_dataset(self) -> Any:
        """An :class:`xarray.Dataset` over (kind, eps, n): ``<rate>``, ``<rate>_se``, ``<rate>_pairs``, ``<rate>_limit``."""
        import xarray as xr

        coords = {"kind": list(self.kinds), "eps": self.eps, "n": self.n}
        data: dict[str, Any] = {}
        for r in RATES:
            data[r] = (("kind", "eps", "n"), self.mean[r])
            data[f"{r}_se"] = (("kind", "eps", "n"), self.se[r])
            data[f"{r}_pairs"] = (("kind", "eps", "n"), self.count[r])
            data[f"{r}_limit"] = (("kind", "eps"), self.limit[r])
        ds = xr.Dataset(data, coords=coords)
        ds.attrs.update(p=self.model.p, eta=self.model.eta, d=self.model.d, norm=self.norm,
                        perturb_x1=int(self.perturb_x1), pairs=self.pairs, seed=self.seed,
                        note="mean over pairs of training sets (2t, 2t+1) of each pair's exact rate; "
                             "_limit: the pair of population learners (n -> infinity)")
        return ds


def transfer_curve(model: ToyModel, n: ArrayLike, eps: ArrayLike, *, norm: str = "linf", pairs: int = 100,
                   seed: int = 0, kinds: tuple[str, ...] = KINDS, perturb_x1: bool = True) -> TransferCurve:
    """Exact per-pair transfer rates averaged over ``pairs`` pairs of independent training sets.

    For each pair ``t`` (training sets ``2t`` and ``2t + 1``), each ``n`` (nested training sets)
    and each radius in ``eps``: the rates of :func:`transfer_rates` for every kind of pair in
    ``kinds``. Returns a :class:`TransferCurve`.
    """
    ns = np.unique(np.asarray(n, dtype=np.int64).ravel())
    if ns.size == 0 or ns.min() < 1:
        raise ValueError(f"n must be positive integers, got n={n!r}")
    epss = np.asarray(eps, dtype=float).ravel()
    if epss.size == 0 or np.any(~np.isfinite(epss)) or np.any(epss < 0):
        raise ValueError(f"eps must be finite and >= 0, got eps={eps!r}")
    if isinstance(pairs, bool) or not isinstance(pairs, (int, np.integer)) or pairs < 2:
        raise ValueError(f"pairs must be an integer >= 2 (a standard error needs two), got pairs={pairs!r}")
    for k in kinds:
        _check_kind(k)
    WA = np.stack([_mean_weights_nested(model, ns, 2 * t, seed) for t in range(pairs)])  # (pairs, n, d+1)
    WB = np.stack([_mean_weights_nested(model, ns, 2 * t + 1, seed) for t in range(pairs)])
    shape = (len(kinds), epss.size, ns.size)
    mean = {r: np.full(shape, np.nan) for r in RATES}
    se = {r: np.full(shape, np.nan) for r in RATES}
    count = {r: np.zeros(shape, dtype=np.int64) for r in RATES}
    limit = {r: np.full(shape[:2], np.nan) for r in RATES}
    flatA = WA.reshape(-1, model.d + 1)
    flatB = WB.reshape(-1, model.d + 1)
    for i, kind in enumerate(kinds):
        src, dst = _check_kind(kind)
        A, B = _learner_weights(flatA, src), _learner_weights(flatB, dst)
        for j, e in enumerate(epss):
            threat = ThreatModel(norm, float(e), perturb_x1)
            rates = transfer_rates(model, pair_statistics(A, B, threat))
            pop = population_transfer(model, threat, kind)
            for r in RATES:
                v = rates[r].reshape(pairs, ns.size)
                ok = np.isfinite(v)
                c = ok.sum(0)
                count[r][i, j] = c
                s = np.where(ok, v, 0.0).sum(0)
                m = np.where(c > 0, s / np.maximum(c, 1), np.nan)
                dev = np.where(ok, v - m, 0.0)
                var = np.where(c > 1, (dev ** 2).sum(0) / np.maximum(c - 1, 1), np.nan)
                mean[r][i, j] = m
                se[r][i, j] = np.sqrt(var / np.maximum(c, 1))
                limit[r][i, j] = pop[r]
    return TransferCurve(model, norm, perturb_x1, ns, epss, tuple(kinds), int(pairs), int(seed), mean, se, count,
                         limit)


def transfer_crossing(curve: TransferCurve, rate: str = "transfer_rate", level: float = 0.5) -> np.ndarray:
    """For each (kind, eps): the smallest ``n`` of the curve whose mean ``rate`` is at least ``level`` (NaN if none)."""
    m = curve.mean[rate]
    out = np.full(m.shape[:2], np.nan)
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            hit = np.flatnonzero(m[i, j] >= level)
            if hit.size:
                out[i, j] = curve.n[hit[0]]
    return out

