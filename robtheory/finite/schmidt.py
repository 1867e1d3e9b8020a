r"""Schmidt et al. (2018), "Adversarially robust generalization requires more data", in exact form.

The Gaussian model. :math:`y` uniform on :math:`\{-1, +1\}`, :math:`x \mid y \sim
\mathcal N(y\theta, \sigma^2 I_d)`. The weak features of D(p, eta, d) are this model with
:math:`\theta = \eta\mathbf 1`, :math:`\sigma = 1`. The paper normalises
:math:`\lVert\theta\rVert_2 = \sqrt d`; since a linear classifier's decision does not change when
:math:`x` is scaled, the toy's weak part is the paper's model after :math:`x \to x/\eta`:
:math:`\sigma' = \sigma/\eta`, :math:`\varepsilon' = \varepsilon/\eta`
(:func:`to_paper_units`).

Per model (exact). The linear classifier :math:`\operatorname{sign}\langle w, x\rangle` has
robust error, against the :math:`\ell_\infty` (:math:`\ell_2`) ball of radius
:math:`\varepsilon`,

.. math::

    \mathrm{err}_\varepsilon(w) = \Phi\Big(\frac{\varepsilon\lVert w\rVert_* - \langle w, \theta\rangle}
    {\sigma\lVert w\rVert_2}\Big),

with :math:`\lVert\cdot\rVert_* = \lVert\cdot\rVert_1` (:math:`\lVert\cdot\rVert_2`): the
adversary lowers the margin :math:`y\langle w, x\rangle \sim \mathcal N(\langle w,\theta\rangle,
\sigma^2\lVert w\rVert_2^2)` by exactly :math:`\varepsilon\lVert w\rVert_*`
(:func:`robust_error`; :math:`w = 0` is a constant classifier, error 1/2).

The learner. :math:`\bar z = \frac1n\sum_i y_i x_i \sim \mathcal N(\theta, \frac{\sigma^2}{n} I)`
exactly (each :math:`y_ix_i = \theta + \sigma g_i`). :func:`sample_zbar` draws it from that law
on the engine's stream; :func:`zbar_from_training_sets` computes it from training sets of
D(p, eta, d) (:func:`robtheory.finite.learners.training_set`, weak features only), so the two
can be compared.

The theorems (arXiv:1804.11285v2, appendix; statements as :data:`REFERENCES` quotes them):

* Theorem 21 (:func:`theorem21_eps`, :func:`theorem21_failure`): with
  :math:`\lVert\theta\rVert_2 = \sqrt d`, with probability at least
  :math:`1 - 2e^{-d/(8(\sigma^2+1))}` the classifier :math:`\bar z` has
  :math:`\ell_\infty^\varepsilon` robust error at most :math:`\beta` whenever
  :math:`\varepsilon \le \frac{2\sqrt n - 1}{2\sqrt n + 4\sigma} - \frac{\sigma\sqrt{2\log(1/\beta)}}{\sqrt d}`.
* Corollary 22 (:func:`corollary22_n`): if moreover :math:`\sigma \le d^{1/4}/32`, robust error
  at most 0.01 with that probability once :math:`n \ge 1` for
  :math:`\varepsilon \le d^{-1/4}/4` and :math:`n \ge 64\varepsilon^2\sqrt d` for
  :math:`d^{-1/4}/4 \le \varepsilon \le 1/4`.
* Theorem 11 (:func:`lower_bound`): for :math:`\theta \sim \mathcal N(0, I)` and every learner,
  the robust error averaged over :math:`\theta` and the samples is at least
  :math:`\frac12 P(\sqrt{n/(\sigma^2+n)}\lVert v\rVert_\infty \le \varepsilon)` with
  :math:`v \sim \mathcal N(0, I)`, i.e. :math:`\frac12(2\Phi(\varepsilon\sqrt{(\sigma^2+n)/n}) - 1)^d`.
  Derivation (``proofs/schmidt_lower_bound.py``): the posterior of :math:`\theta` is
  :math:`\mathcal N(m, \tau^2 I)`, :math:`m = \frac{n}{n+\sigma^2}\bar z`; a test point moved by
  :math:`-ym` is :math:`\mathcal N(0, (\sigma^2+\tau^2)I)` whatever :math:`y`, so when
  :math:`\lVert m\rVert_\infty \le \varepsilon` every classifier errs with probability 1/2; and
  :math:`m_j \sim \mathcal N(0, \frac{n}{n+\sigma^2})` independently.
* Corollary 23 (:func:`corollary23_n`): the bound is at least :math:`(1-\frac1d)\frac12` when
  :math:`n \le \varepsilon^2\sigma^2/(8\log d)`; :func:`lower_bound_n` gives the exact largest
  such ``n`` (the corollary's constant 8 is loose, see docs/theory.md).

Everything here is in the paper's units unless a function says otherwise.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, special

from robtheory.finite.learners import fit_mean, training_set
from robtheory.mc.reference import sample_dataset
from robtheory.model import ToyModel

__all__ = ["LEARNERS", "REFERENCES", "bayes_robust_errors", "corollary22_n", "corollary23_n",
           "log_lower_bound", "lower_bound", "lower_bound_n", "robust_error", "sample_zbar",
           "theorem21_eps", "theorem21_failure", "to_paper_units", "zbar_from_training_sets",
           "zbar_robust_errors", "zbar_sufficient_n"]

#: Where each statement is (Schmidt, Santurkar, Tsipras, Talwar, Madry, NeurIPS 2018).
REFERENCES = {
    "theorem_11": "Schmidt et al. 2018 (arXiv:1804.11285v2), Thm 11 (p. 8 and p. 28)",
    "theorem_21": "Schmidt et al. 2018 (arXiv:1804.11285v2), App., Thm 21 (p. 26)",
    "corollary_22": "Schmidt et al. 2018 (arXiv:1804.11285v2), App., Cor. 22 (p. 27)",
    "corollary_23": "Schmidt et al. 2018 (arXiv:1804.11285v2), App., Cor. 23 (p. 30)",
}

#: Learners of :func:`bayes_robust_errors`: the class-weighted mean, and two thresholdings of the
#: posterior mean at the budget (soft: the best linear l_inf-robust direction for a known mean).
LEARNERS = ("zbar", "soft", "hard")


def _positive(name: str, x: float, *, allow_zero: bool = False) -> float:
    x = float(x)
    if not (math.isfinite(x) and (x >= 0 if allow_zero else x > 0)):
        raise ValueError(f"{name} must be a finite number {'>= 0' if allow_zero else '> 0'}, got {name}={x!r}")
    return x


def _dim(d: int) -> int:
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1:
        raise ValueError(f"d must be an integer >= 1, got d={d!r}")
    return int(d)


def to_paper_units(eta: float, eps: float, sigma: float = 1.0) -> tuple[float, float]:
    r"""``(sigma', eps')`` of the model :math:`\theta = \eta\mathbf 1` rescaled to :math:`\lVert\theta\rVert_2 = \sqrt d`.

    Dividing :math:`x` by :math:`\eta` maps :math:`\mathcal N(y\eta\mathbf 1, \sigma^2 I)` to
    :math:`\mathcal N(y\mathbf 1, (\sigma/\eta)^2 I)` and the ball of radius :math:`\varepsilon`
    to radius :math:`\varepsilon/\eta`; a linear classifier's errors do not change.

    >>> to_paper_units(0.5, 0.1)
    (2.0, 0.2)
    """
    eta = _positive("eta", eta)
    return _positive("sigma", sigma) / eta, _positive("eps", eps, allow_zero=True) / eta


def robust_error(w: np.ndarray, theta: np.ndarray, eps: float, sigma: float = 1.0,
                 norm: str = "linf") -> np.ndarray:
    r"""Exact robust error :math:`\Phi((\varepsilon\lVert w\rVert_* - \langle w,\theta\rangle)/(\sigma\lVert w\rVert_2))`.

    Parameters
    ----------
    w : array, shape (..., d)
        Weight vectors (one classifier :math:`\operatorname{sign}\langle w, x\rangle` per row).
    theta : array, shape (d,) or broadcastable to ``w``
        The class mean(s).
    eps : float >= 0
        Radius of the ball; 0 gives the standard error.
    sigma : float > 0
    norm : {"linf", "l2"}
        The ball; its dual norm prices the classifier (l1, l2).

    Returns
    -------
    array, shape ``w.shape[:-1]``
        The error; 1/2 where :math:`w = 0` (a constant classifier).

    >>> float(robust_error(np.ones(4), np.ones(4), 0.0))  # Phi(-2)
    0.022750131948179195
    """
    w = np.asarray(w, dtype=np.float64)
    theta = np.asarray(theta, dtype=np.float64)
    eps, sigma = _positive("eps", eps, allow_zero=True), _positive("sigma", sigma)
    if norm not in ("linf", "l2"):
        raise ValueError(f"norm must be 'linf' or 'l2', got norm={norm!r}")
    if w.ndim < 1:
        raise ValueError(f"w must have at least one axis (the d coordinates), got shape {w.shape}")
    l2 = np.sqrt(np.sum(w * w, axis=-1))
    dual = np.sum(np.abs(w), axis=-1) if norm == "linf" else l2
    margin = np.sum(w * theta, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (eps * dual - margin) / (sigma * l2)
    return np.where(l2 > 0, special.ndtr(np.where(l2 > 0, z, 0.0)), 0.5)


def sample_zbar(theta: np.ndarray, n: int, trials: int, seed: int, *, sigma: float = 1.0,
                start: int = 0) -> np.ndarray:
    r"""``trials`` draws of :math:`\bar z \sim \mathcal N(\theta, \frac{\sigma^2}{n} I)` (the exact law), shape ``(trials, d)``.

    Draw ``t`` is :math:`\theta + \sigma g/\sqrt n` with :math:`g` the weak features of row
    ``start + t`` of the engine's reference stream of D(1/2, 0, d) (independent N(0, 1);
    :func:`robtheory.mc.reference.sample_dataset`): counter-based, the same on every machine.
    """
    theta = np.asarray(theta, dtype=np.float64)
    if theta.ndim != 1:
        raise ValueError(f"theta must be a vector (d,), got shape {theta.shape}")
    n = _count("n", n)
    X, _ = sample_dataset(ToyModel(0.5, 0.0, theta.size), _count("trials", trials), seed, start=start)
    return theta + (_positive("sigma", sigma) / math.sqrt(n)) * X[:, 1:]


def _count(name: str, k: int) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {name}={k!r}")
    return int(k)


def zbar_from_training_sets(model: ToyModel, n: int, trials: int, seed: int) -> np.ndarray:
    r""":math:`\bar z` of ``trials`` training sets of D(p, eta, d), weak features only: shape ``(trials, d)``.

    Trial ``t`` is :func:`~robtheory.finite.learners.training_set` ``(model, n, t, seed)`` with
    x1 dropped and :func:`~robtheory.finite.learners.fit_mean` applied: law
    :math:`\mathcal N(\eta\mathbf 1, I/n)`, the Gaussian model with :math:`\sigma = 1`.
    """
    out = np.empty((_count("trials", trials), model.d))
    for t in range(trials):
        X, y = training_set(model, n, t, seed)
        out[t] = fit_mean(X[:, 1:], y)
    return out


def zbar_robust_errors(eta: float, d: int, n: int, eps: float, trials: int, seed: int, *,
                       norm: str = "linf", start: int = 0) -> np.ndarray:
    r"""Exact robust errors of ``trials`` draws of :math:`\bar z` in the toy's weak part (:math:`\theta = \eta\mathbf 1`, :math:`\sigma = 1`)."""
    theta = np.full(_dim(d), _positive("eta", eta))
    return robust_error(sample_zbar(theta, n, trials, seed, start=start), theta, eps, 1.0, norm)


# ----------------------------------------------------------------------------- upper bounds
def theorem21_eps(n: int, d: int, sigma: float, beta: float) -> float:
    r"""Largest :math:`\varepsilon` Theorem 21 covers: :math:`\frac{2\sqrt n-1}{2\sqrt n+4\sigma} - \sigma\sqrt{2\log(1/\beta)/d}`.

    Paper units (:math:`\lVert\theta\rVert_2 = \sqrt d`); ``beta`` in (0, 1).

    >>> round(theorem21_eps(100, 10**4, 1.0, 0.01), 6)
    0.761318
    """
    n, d, sigma = _count("n", n), _dim(d), _positive("sigma", sigma)
    beta = float(beta)
    if not 0 < beta < 1:
        raise ValueError(f"beta must lie in (0, 1), got beta={beta!r}")
    r = 2 * math.sqrt(n)
    return (r - 1) / (r + 4 * sigma) - sigma * math.sqrt(2 * math.log(1 / beta) / d)


def theorem21_failure(d: int, sigma: float) -> float:
    r"""Theorem 21's failure probability :math:`2\exp(-d/(8(\sigma^2+1)))` (may exceed 1: then vacuous)."""
    return 2 * math.exp(-_dim(d) / (8 * (_positive("sigma", sigma) ** 2 + 1)))


def corollary22_n(eps: float, d: int, sigma: float) -> int:
    r"""Corollary 22's sufficient sample size: 1 for :math:`\varepsilon \le d^{-1/4}/4`, else :math:`\lceil 64\varepsilon^2\sqrt d\rceil`.

    Paper units; ValueError outside the corollary's hypotheses :math:`\sigma \le d^{1/4}/32`,
    :math:`\varepsilon \le 1/4`.

    >>> corollary22_n(0.1, 4096, 0.25)
    41
    """
    d, sigma, eps = _dim(d), _positive("sigma", sigma), _positive("eps", eps, allow_zero=True)
    if sigma > d ** 0.25 / 32:
        raise ValueError(f"Corollary 22 needs sigma <= d^(1/4)/32 = {d ** 0.25 / 32:.6g}, got sigma={sigma!r}")
    if eps > 0.25:
        raise ValueError(f"Corollary 22 needs eps <= 1/4, got eps={eps!r}")
    if eps <= d ** -0.25 / 4:
        return 1
    return max(1, math.ceil(64 * eps * eps * math.sqrt(d) - 1e-12))


# ----------------------------------------------------------------------------- lower bound
def _lb_arg(n: float, eps: float, sigma: float, prior_scale: float) -> float:
    # m_j ~ N(0, s^2), s^2 = rho^4 n / (n rho^2 + sigma^2); P(|m_j| <= eps) = erf(eps / (s sqrt 2))
    if n == 0:
        return math.inf
    rho2 = prior_scale * prior_scale
    s = rho2 * math.sqrt(n / (n * rho2 + sigma * sigma))
    return eps / s


def log_lower_bound(n: float, d: int, eps: float, sigma: float = 1.0, prior_scale: float = 1.0) -> float:
    r"""Logarithm of :func:`lower_bound` (finite where the bound underflows)."""
    n = _positive("n", n, allow_zero=True)
    d, eps = _dim(d), _positive("eps", eps, allow_zero=True)
    a = _lb_arg(n, eps, _positive("sigma", sigma), _positive("prior_scale", prior_scale))
    if eps == 0 and n > 0:
        return -math.inf
    # log P(|N(0,1)| <= a) = log1p(-erfc(a / sqrt 2)); the far left tail through log erf
    x = a / math.sqrt(2)
    per = math.log1p(-special.erfc(x)) if x > 0.5 else math.log(special.erf(x))
    return math.log(0.5) + d * per


def lower_bound(n: float, d: int, eps: float, sigma: float = 1.0, prior_scale: float = 1.0) -> float:
    r"""Theorem 11's bound :math:`\frac12\big(2\Phi(\varepsilon\sqrt{n\rho^2+\sigma^2}/(\rho^2\sqrt n)) - 1\big)^d`.

    For :math:`\theta \sim \mathcal N(0, \rho^2 I)` (the paper: :math:`\rho = 1`, where the
    argument is :math:`\varepsilon\sqrt{(\sigma^2+n)/n}`), every learner's
    :math:`\ell_\infty^\varepsilon` robust error averaged over :math:`\theta` and ``n`` samples
    is at least this. ``n = 0`` gives 1/2.

    >>> lower_bound(0, 10, 0.1)
    0.5
    >>> round(lower_bound(4, 1, 1.0, sigma=2.0), 12)  # (2 Phi(sqrt 2) - 1) / 2
    0.421350396475
    """
    return math.exp(log_lower_bound(n, d, eps, sigma, prior_scale))


def corollary23_n(eps: float, d: int, sigma: float) -> float:
    r"""Corollary 23's threshold :math:`\varepsilon^2\sigma^2/(8\log d)` (``inf`` at ``d = 1``)."""
    d = _dim(d)
    val = _positive("eps", eps, allow_zero=True) ** 2 * _positive("sigma", sigma) ** 2
    return math.inf if d == 1 else val / (8 * math.log(d))


def lower_bound_n(eps: float, d: int, sigma: float, level: float | None = None) -> float:
    r"""The largest real :math:`n` at which Theorem 11's bound is at least ``level`` (default :math:`(1-1/d)/2`).

    The bound decreases in ``n`` (the argument :math:`\varepsilon\sqrt{(\sigma^2+n)/n}` does),
    so this is a root of a monotone function, found by bracketing: Corollary 23's threshold
    is a lower estimate of it. Returns ``inf`` if the bound stays above ``level`` for all
    ``n`` and 0 if it is below at every ``n > 0``.
    """
    d, eps, sigma = _dim(d), _positive("eps", eps), _positive("sigma", sigma)
    level = (1 - 1 / d) / 2 if level is None else float(level)
    if not 0 < level < 0.5:
        raise ValueError(f"level must lie in (0, 1/2), got level={level!r}")
    target = math.log(level)

    def f(logn: float) -> float:
        return log_lower_bound(math.exp(logn), d, eps, sigma) - target

    lo, hi = -60.0, 60.0
    if f(hi) >= 0:
        return math.inf
    if f(lo) < 0:
        return 0.0
    return math.exp(optimize.brentq(f, lo, hi, xtol=1e-13, rtol=1e-14))


def bayes_robust_errors(n: int, d: int, eps: float, trials: int, seed: int, *, sigma: float = 1.0,
                        prior_scale: float = 1.0, start: int = 0,
                        learners: tuple[str, ...] = LEARNERS) -> dict[str, np.ndarray]:
    r"""Per-trial exact :math:`\ell_\infty` robust errors of each learner with :math:`\theta \sim \mathcal N(0, \rho^2 I)`.

    Trial ``t``: :math:`\theta = \rho g` and :math:`\bar z = \theta + \sigma g'/\sqrt n` with
    :math:`g, g'` the weak features of rows ``start + 2t`` and ``start + 2t + 1`` of the
    engine's stream of D(1/2, 0, d); each learner's classifier is scored by
    :func:`robust_error` at that :math:`\theta`. The mean over trials estimates the quantity
    Theorem 11 bounds from below (:func:`lower_bound`). Learners (:data:`LEARNERS`), with the
    posterior mean :math:`m = \frac{\rho^2}{\rho^2 + \sigma^2/n}\bar z`:

    * ``"zbar"``: :math:`w = \bar z` (the paper's upper-bound learner; same classifier as :math:`m`);
    * ``"soft"``: :math:`w = \operatorname{sign}(m)(|m| - \varepsilon)_+`;
    * ``"hard"``: :math:`w = m\,1[|m| > \varepsilon]` (a constant classifier, error 1/2, when empty).

    Returns ``{learner: array (trials,)}``.
    """
    for learner in learners:
        if learner not in LEARNERS:
            raise ValueError(f"learner must be one of {LEARNERS}, got learner={learner!r}")
    n, d, trials = _count("n", n), _dim(d), _count("trials", trials)
    sigma, rho = _positive("sigma", sigma), _positive("prior_scale", prior_scale)
    eps = _positive("eps", eps, allow_zero=True)
    X, _ = sample_dataset(ToyModel(0.5, 0.0, d), 2 * trials, seed, start=start)
    theta = rho * X[0::2, 1:]
    zbar = theta + (sigma / math.sqrt(n)) * X[1::2, 1:]
    m = (rho * rho / (rho * rho + sigma * sigma / n)) * zbar
    weights = {"zbar": lambda: zbar,
               "soft": lambda: np.sign(m) * np.maximum(np.abs(m) - eps, 0.0),
               "hard": lambda: np.where(np.abs(m) > eps, m, 0.0)}
    return {learner: robust_error(weights[learner](), theta, eps, sigma) for learner in learners}


def zbar_sufficient_n(eta: float, d: int, eps: float, beta: float, *, quantile: float = 0.99,
                      trials: int = 400, seed: int = 0, n_max: int = 2**30) -> int:
    r"""Smallest ``n`` at which the ``quantile`` of :math:`\bar z`'s exact robust error is :math:`\le \beta` (an estimate).

    Toy units (:math:`\theta = \eta\mathbf 1`, :math:`\sigma = 1`, :math:`\ell_\infty` radius
    ``eps``). The draws share their noise across ``n`` (:math:`\bar z_n = \theta + g/\sqrt n` with
    the same ``trials`` rows :math:`g` of the engine's stream), the empirical quantile is found by
    doubling ``n`` and then bisecting; returns ``n_max + 1`` if even ``n_max`` does not reach it.
    This is what the theorems' sufficient ``n`` is compared with (docs/theory.md).
    """
    theta = np.full(_dim(d), _positive("eta", eta))
    g = sample_zbar(np.zeros(d), 1, _count("trials", trials), seed)

    def ok(n: int) -> bool:
        return bool(np.quantile(robust_error(theta + g / math.sqrt(n), theta, eps), quantile) <= beta)

    if ok(1):
        return 1
    lo, hi = 1, 2
    while not ok(hi):
        lo, hi = hi, 2 * hi
        if hi > n_max:
            return n_max + 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if ok(mid) else (mid, hi)
    return hi
