r"""Robustness by feature selection: the difference-of-means learner on the features most correlated with y.

The statistic. For a training set ``(X, y)`` of size ``n`` the empirical correlation of feature ``j``
with the label is the cosine

.. math::

    r_j = \frac{\sum_i y_i x_{ij}}{\sqrt{\sum_i y_i^2}\,\sqrt{\sum_i x_{ij}^2}}
        = \frac{\hat w_j}{\sqrt{\frac1n\sum_i x_{ij}^2}},

Pearson's correlation without centring (0 for a column of zeros). In D(p, eta, d) every feature and
the label have mean 0, so its population value is Pearson's correlation: :math:`2p - 1` for x1
(:math:`x_1^2 = 1`) and :math:`\eta/\sqrt{1 + \eta^2}` for each weak feature.

Its exact law. For x1, :math:`r_1 = \hat w_1 = 2K/n - 1`, :math:`K \sim \mathrm{Binomial}(n, p)`.
For a weak feature, :math:`v_i = y_i x_{ij}` are i.i.d. :math:`N(\eta, 1)` and
:math:`r_j = T/\sqrt{T^2 + n - 1}` with :math:`T = \sqrt n\,\bar v/s` (``s`` the sample standard
deviation), a noncentral t variable with ``n - 1`` degrees of freedom and noncentrality
:math:`\eta\sqrt n`; ``r`` is increasing in ``T``, so (``n >= 2``, ``0 < t < 1``)

.. math::

    P(|r_j| \ge t) = P(|T| \ge \tau), \qquad \tau = t\sqrt{\frac{n - 1}{1 - t^2}}

(:func:`weak_pass_probability`, :func:`x1_pass_probability`).

The learner (:func:`fit_selected`): :math:`w_j = \hat w_j` if :math:`|r_j| \ge t`, else 0 (no bias).
Its standard and robust test accuracy are closed forms of its weights
(:func:`robtheory.theory.closed_form.accuracy_stats`); a model that keeps no feature scores 0 and
counts every point as an error. ``t = 0`` is the standard learner; as ``n -> infinity`` the learner
tends to the population one, which keeps x1 iff :math:`2p - 1 \ge t` and every weak feature iff
:math:`\eta/\sqrt{1 + \eta^2} \ge t` (:func:`population_selected`). The comparison ("adversarial
training at the same eps") is the robust learner ``(\hat w_1, 0, ..., 0)``, the classifier
adversarial training of the difference-of-means kind converges to when ``eps >= 2 eta``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats as sps

from robtheory.finite.learners import training_set
from robtheory.model import ThreatModel, ToyModel
from robtheory.theory.closed_form import accuracy_stats, variant

__all__ = ["empirical_correlation", "fit_selected", "weak_pass_probability", "x1_pass_probability",
           "population_correlation", "population_selected", "SelectionCurve", "selection_curve"]


def empirical_correlation(X: ArrayLike, y: ArrayLike) -> np.ndarray:
    """The uncentred correlation ``r_j`` of each column of ``X`` with ``y`` (module docstring); shape ``(k,)``.

    >>> empirical_correlation([[1.0, 2.0], [-1.0, 2.0]], [1.0, -1.0]).tolist()
    [1.0, 0.0]
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim != 2 or y.shape != (X.shape[0],) or X.shape[0] == 0:
        raise ValueError(f"X must be (n, k) and y (n,) with n >= 1, got X{X.shape}, y{y.shape}")
    den = np.sqrt((y @ y) * np.einsum("ij,ij->j", X, X))
    return np.where(den > 0, (y @ X) / np.where(den > 0, den, 1.0), 0.0)


def _check_t(t: float) -> float:
    t = float(t)
    if not 0.0 <= t <= 1.0:
        raise ValueError(f"the threshold t must lie in [0, 1], got t={t!r}")
    return t


def fit_selected(X: ArrayLike, y: ArrayLike, t: float) -> np.ndarray:
    """Difference-of-means weights on the features with ``|r_j| >= t``, 0 elsewhere; shape ``(k,)``."""
    t = _check_t(t)
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    r = empirical_correlation(X, y)
    return np.where(np.abs(r) >= t, (y @ X) / X.shape[0], 0.0)


def weak_pass_probability(n: int, eta: float, t: float) -> float:
    """``P(|r_j| >= t)`` for one weak feature and a training set of size ``n`` (exact, noncentral t)."""
    t = _check_t(t)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got n={n!r}")
    if t == 0.0:
        return 1.0
    if n == 1:
        return 1.0  # |r| = 1 for a single sample (x != 0 almost surely)
    if t == 1.0:
        return 0.0  # |r| = 1 needs the column parallel to y: probability 0 for n >= 2
    tau = t * np.sqrt((n - 1) / ((1 - t) * (1 + t)))
    return _nct_two_sided_tail(n - 1, eta * np.sqrt(n), tau)


def _nct_two_sided_tail(df: int, nc: float, tau: float) -> float:
    r""":math:`P(|T| \ge \tau)` for a noncentral t variable, by quadrature over its chi-square part.

    :math:`T = (Z + \delta)/\sqrt{V/\nu}` with :math:`V \sim \chi^2_\nu`, so
    :math:`P(|T| \ge \tau) = E[\Phi(\delta - \tau\sqrt{V/\nu}) + \Phi(-\delta - \tau\sqrt{V/\nu})]`,
    integrated over ``V`` between its 1e-18 and 1 - 1e-18 quantiles (SciPy's ``nct.cdf`` returns
    NaN at some large ``nu``, e.g. ``nct(999, 3.16).cdf(-6.45)``).
    """
    from scipy.integrate import quad
    from scipy.special import ndtr

    lo, hi = sps.chi2.ppf(1e-18, df), sps.chi2.isf(1e-18, df)
    mode = max(df - 2.0, 0.0)

    def f(v: float) -> float:
        s = np.sqrt(v / df)
        return float(sps.chi2.pdf(v, df) * (ndtr(nc - tau * s) + ndtr(-nc - tau * s)))

    pts = [p for p in (mode, df) if lo < p < hi]
    val, _ = quad(f, lo, hi, points=pts or None, limit=400, epsabs=1e-15, epsrel=1e-12)
    return float(min(1.0, max(0.0, val)))


def x1_pass_probability(n: int, p: float, t: float) -> float:
    """``P(|2K/n - 1| >= t)``, ``K ~ Binomial(n, p)``: the probability that x1 is kept (exact)."""
    t = _check_t(t)
    k = np.arange(n + 1)
    keep = np.abs(2 * k - n) >= t * n - 1e-12 * n  # |2k/n - 1| >= t, exact ties kept
    return float(np.sum(sps.binom.pmf(k[keep], n, p)))


def population_correlation(model: ToyModel) -> tuple[float, float]:
    r"""The population correlations with y: :math:`(2p - 1, \eta/\sqrt{1 + \eta^2})` (x1, each weak feature)."""
    return 2 * model.p - 1, model.eta / float(np.hypot(1.0, model.eta))


def population_selected(model: ToyModel, t: float) -> np.ndarray:
    """The limit ``n -> infinity`` of :func:`fit_selected`: the population weights on the features whose
    population correlation is at least ``t`` (at ``t`` equal to a correlation the finite-n learner
    keeps the feature with probability tending to 1/2: no limit there)."""
    t = _check_t(t)
    c1, cw = population_correlation(model)
    w = np.zeros(model.d + 1)
    w[0] = (2 * model.p - 1) if c1 >= t else 0.0
    w[1:] = model.eta if cw >= t else 0.0
    return w


def _accuracy_of_weights(model: ToyModel, W: np.ndarray, threat: ThreatModel | None) -> tuple[np.ndarray, np.ndarray]:
    """(standard accuracy, robust accuracy) of each row of ``W`` (no bias), closed form."""
    a, U = W[..., 0], W[..., 1:]
    S, Q, U1 = U.sum(-1), np.linalg.norm(U, axis=-1), np.abs(U).sum(-1)
    std = accuracy_stats(model.p, model.eta, 0.0, a, 0.0, S, Q, U1, "standard")[0]
    eps = 0.0 if threat is None else threat.eps
    rob = accuracy_stats(model.p, model.eta, eps, a, 0.0, S, Q, U1, variant(threat))[0]
    return std, rob


@dataclass(frozen=True)
class SelectionCurve:
    """Feature selection over training sets, arrays over ``(t, n)`` (``learner`` arrays over ``n``).

    ``standard``/``robust`` (mean over trials of each trained model's exact accuracy) with ``_se``;
    ``weak_kept`` (mean number of weak features kept) with its exact expectation
    ``weak_kept_exact = d * weak_pass_probability``; ``x1_kept`` (fraction of trials keeping x1)
    with ``x1_kept_exact``; ``*_limit`` (over ``t``) the population learner's accuracies;
    ``robust_learner_*`` and ``standard_learner_*`` (over ``n``) the two reference learners.
    """

    model: ToyModel
    threat: ThreatModel
    n: np.ndarray
    t: np.ndarray
    trials: int
    seed: int
    data: dict[str, np.ndarray] = field(repr=False)

    def to_dataset(self) -> Any:
        """An :class:`xarray.Dataset` of :attr:`data` over (t, n)."""
        import xarray as xr

        dims = {2: ("t", "n"), 1: None}
        out: dict[str, Any] = {}
        for k, v in self.data.items():
            if k.endswith("_limit"):
                out[k] = (("t",), v)
            elif v.ndim == 1:
                out[k] = (("n",), v)
            else:
                out[k] = (dims[2], v)
        ds = xr.Dataset(out, coords={"t": self.t, "n": self.n})
        ds.attrs.update(p=self.model.p, eta=self.model.eta, d=self.model.d, norm=self.threat.norm,
                        eps=self.threat.eps, perturb_x1=int(self.threat.perturb_x1), trials=self.trials,
                        seed=self.seed, correlation="uncentred: sum y x_j / sqrt(sum y^2 sum x_j^2)")
        return ds


def _nested_sums(model: ToyModel, ns: np.ndarray, trial: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``(mean of y x, mean of x^2)`` of training set ``trial`` at every size in ``ns`` (nested sets)."""
    X, y = training_set(model, int(ns.max()), trial, seed)
    c1 = np.cumsum(y[:, None] * X, axis=0)[ns - 1] / ns[:, None]
    c2 = np.cumsum(X * X, axis=0)[ns - 1] / ns[:, None]
    return c1, c2


def _svm_weights(model: ToyModel, ns: np.ndarray, trials: int, seed: int, lam: float,
                 threat: ThreatModel) -> np.ndarray:
    """``fit_svm`` weights on the first ``n`` rows of training set ``k``: shape ``(trials, len(ns), d + 1)``."""
    from robtheory.training import fit_svm

    if not (np.isfinite(lam) and lam > 0):
        raise ValueError(f"svm_lam must be > 0, got svm_lam={lam!r}")
    out = np.empty((trials, ns.size, model.d + 1))
    for k in range(trials):
        X, y = training_set(model, int(ns.max()), k, seed)
        for i, m in enumerate(ns):
            out[k, i] = fit_svm(X[:m], y[:m], lam, threat).w
    return out


def selection_curve(model: ToyModel, n: ArrayLike, t: ArrayLike, threat: ThreatModel, *, trials: int = 100,
                    seed: int = 0, svm_lam: float | None = None) -> SelectionCurve:
    """Exact accuracies of feature-selected difference-of-means models, averaged over ``trials`` training sets.

    Trial ``k`` is training set ``k`` of :func:`robtheory.finite.learners.training_set` (nested in
    ``n``). With ``svm_lam`` the same training sets also train the adversarially trained hinge SVM
    (:func:`robtheory.training.fit_svm` with ``lam = svm_lam`` against ``threat``, certified to its
    duality gap): the reference learner ``adversarial_svm`` (adversarial training at the same eps on
    the same data). Returns a :class:`SelectionCurve`.
    """
    ns = np.unique(np.asarray(n, dtype=np.int64).ravel())
    if ns.size == 0 or ns.min() < 1:
        raise ValueError(f"n must be positive integers, got n={n!r}")
    ts = np.asarray(t, dtype=float).ravel()
    for v in ts:
        _check_t(v)
    if isinstance(trials, bool) or not isinstance(trials, (int, np.integer)) or trials < 2:
        raise ValueError(f"trials must be an integer >= 2 (a standard error needs two), got trials={trials!r}")
    M1, M2 = zip(*(_nested_sums(model, ns, k, seed) for k in range(trials)))
    W = np.stack(M1)  # (trials, n, d+1): difference-of-means weights
    R = W / np.sqrt(np.where(np.stack(M2) > 0, np.stack(M2), 1.0))  # uncentred correlation (|y| = 1)
    R = np.where(np.stack(M2) > 0, R, 0.0)

    def summary(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return v.mean(0), v.std(0, ddof=1) / np.sqrt(v.shape[0])

    data: dict[str, np.ndarray] = {}
    keys = ("standard", "robust", "weak_kept", "x1_kept")
    for k in keys:
        data[k] = np.empty((ts.size, ns.size))
        data[f"{k}_se"] = np.empty((ts.size, ns.size))
    for i, tv in enumerate(ts):
        keep = np.abs(R) >= tv
        std, rob = _accuracy_of_weights(model, np.where(keep, W, 0.0), threat)
        for k, v in (("standard", std), ("robust", rob), ("weak_kept", keep[..., 1:].sum(-1).astype(float)),
                     ("x1_kept", keep[..., 0].astype(float))):
            data[k][i], data[f"{k}_se"][i] = summary(v)
    data["weak_kept_exact"] = np.array([[model.d * weak_pass_probability(int(m), model.eta, tv) for m in ns]
                                        for tv in ts])
    data["x1_kept_exact"] = np.array([[x1_pass_probability(int(m), model.p, tv) for m in ns] for tv in ts])
    lim = np.stack([population_selected(model, tv) for tv in ts])
    data["standard_limit"], data["robust_limit"] = _accuracy_of_weights(model, lim, threat)
    Wr = W.copy()
    Wr[..., 1:] = 0.0
    refs = [("robust_learner", Wr), ("standard_learner", W)]
    if svm_lam is not None:
        refs.append(("adversarial_svm", _svm_weights(model, ns, trials, seed, float(svm_lam), threat)))
        data["adversarial_svm_weak_kept"], data["adversarial_svm_weak_kept_se"] = summary(
            (refs[-1][1][..., 1:] != 0).sum(-1).astype(float))
    for name, V in refs:
        std, rob = _accuracy_of_weights(model, V, threat)
        data[f"{name}_standard"], data[f"{name}_standard_se"] = summary(std)
        data[f"{name}_robust"], data[f"{name}_robust_se"] = summary(rob)
    return SelectionCurve(model, threat, ns, ts, int(trials), int(seed), data)
