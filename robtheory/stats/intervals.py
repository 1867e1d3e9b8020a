r"""Binomial confidence intervals and estimates.

* :func:`two_sided_z` -- the normal critical value :math:`z_{1-\alpha/2}`;
* :func:`wilson_interval`, :func:`clopper_pearson_interval` -- vectorised intervals;
* :class:`Estimate` and :func:`binomial_estimate` -- :math:`\hat p = k/n` with a Wilson
  or Clopper--Pearson interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import special, stats

from robtheory.stats._checks import (
    _check_count_n,
    _check_counts,
    _check_prob_open,
    _check_scalar_prob,
    _scalar_or_array,
)

DEFAULT_ALPHA = 0.05

_METHODS_CI = ("wilson", "clopper-pearson")


def two_sided_z(alpha: npt.ArrayLike) -> Any:
    r"""Two-sided standard-normal critical value :math:`z_{1-\alpha/2}`.

    .. math:: z = \Phi^{-1}(1 - \alpha/2) = -\Phi^{-1}(\alpha/2),

    computed from the lower tail so that it stays accurate for tiny :math:`\alpha`.

    Parameters
    ----------
    alpha : float or array_like, in (0, 1)

    Returns
    -------
    float or ndarray

    Examples
    --------
    >>> round(float(two_sided_z(0.05)), 6)
    1.959964
    """
    a = _check_prob_open(alpha, "alpha")
    return _scalar_or_array(-special.ndtri(a / 2.0))


def _wilson_lower(k: npt.NDArray[np.float64], n: npt.NDArray[np.float64], z2: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    # The lower root of (n + z^2) p^2 - (2k + z^2) p + k^2/n = 0, written as
    # 2C / (B + sqrt(D)) (product of the roots over the upper root) so that nothing
    # cancels; D = B^2 - 4AC = z^2 (z^2 + 4 k (n - k) / n) exactly.
    c = k * (k / n)
    b = 2.0 * k + z2
    d = z2 * (z2 + 4.0 * k * ((n - k) / n))
    return 2.0 * c / (b + np.sqrt(d))


def wilson_interval(
    count: npt.ArrayLike, n: npt.ArrayLike, alpha: npt.ArrayLike = DEFAULT_ALPHA
) -> tuple[Any, Any]:
    r"""Wilson score interval for a binomial proportion, vectorised.

    The interval is the set of :math:`p` accepted by the two-sided score test,

    .. math::

        \frac{|\hat p - p|}{\sqrt{p(1-p)/n}} \le z, \qquad z = z_{1-\alpha/2},

    i.e. the roots of :math:`(n + z^2)p^2 - (2k + z^2)p + k^2/n = 0`. The lower root is
    evaluated as :math:`2C/(B + \sqrt{D})` and the upper one through the symmetry
    :math:`\mathrm{hi}(k) = 1 - \mathrm{lo}(n - k)`, which is free of cancellation in
    both tails and makes ``count = 0`` give ``lo = 0`` and ``count = n`` give ``hi = 1``
    exactly. Bounds are clamped to :math:`[0, \hat p]` and :math:`[\hat p, 1]` to absorb
    rounding.

    Parameters
    ----------
    count : int or array_like of int
        Successes :math:`k`, :math:`0 \le k \le n`.
    n : int or array_like of int
        Trials, :math:`n \ge 1` (int64 or Python ints; values past :math:`2^{31}` are fine).
    alpha : float or array_like, in (0, 1)
        One minus the confidence level. All three arguments broadcast.

    Returns
    -------
    (lo, hi) : floats or ndarrays of float64

    Examples
    --------
    >>> lo, hi = wilson_interval(5, 100)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.0215, 0.1118)
    """
    k, nn = _check_counts(count, n)
    a = _check_prob_open(alpha, "alpha")
    z = -special.ndtri(a / 2.0)
    z2 = z * z
    k, nn, z2 = np.broadcast_arrays(k, nn, z2)
    phat = k / nn
    lo = np.minimum(_wilson_lower(k, nn, z2), phat)
    hi = np.maximum(1.0 - _wilson_lower(nn - k, nn, z2), phat)
    lo = np.clip(lo, 0.0, 1.0)
    hi = np.clip(hi, 0.0, 1.0)
    return _scalar_or_array(lo), _scalar_or_array(hi)


def clopper_pearson_interval(
    count: npt.ArrayLike, n: npt.ArrayLike, alpha: npt.ArrayLike = DEFAULT_ALPHA
) -> tuple[Any, Any]:
    r"""Clopper--Pearson ("exact") interval for a binomial proportion, vectorised.

    .. math::

        \mathrm{lo} = B^{-1}\!\left(\tfrac{\alpha}{2};\, k,\, n - k + 1\right), \qquad
        \mathrm{hi} = B^{-1}\!\left(1 - \tfrac{\alpha}{2};\, k + 1,\, n - k\right),

    with :math:`B^{-1}(q; a, b)` the beta quantile, ``lo = 0`` when ``count = 0`` and
    ``hi = 1`` when ``count = n``. Equivalently :math:`P_{\mathrm{lo}}(S \ge k) =
    P_{\mathrm{hi}}(S \le k) = \alpha/2` for :math:`S \sim \mathrm{Bin}(n, p)`, so the
    coverage is at least :math:`1 - \alpha` for every :math:`p`. The upper bound uses
    the beta survival inverse so that it keeps full precision for tiny :math:`\alpha`.

    Parameters
    ----------
    count : int or array_like of int
        Successes :math:`k`, :math:`0 \le k \le n`.
    n : int or array_like of int
        Trials, :math:`n \ge 1`.
    alpha : float or array_like, in (0, 1)
        One minus the confidence level. All three arguments broadcast.

    Returns
    -------
    (lo, hi) : floats or ndarrays of float64

    Examples
    --------
    With no success in 10 trials the upper end is :math:`1 - (\\alpha/2)^{1/10}`:

    >>> lo, hi = clopper_pearson_interval(0, 10)
    >>> float(lo), round(float(hi), 6), round(1 - 0.025 ** 0.1, 6)
    (0.0, 0.308497, 0.308497)
    """
    k, nn = _check_counts(count, n)
    a = _check_prob_open(alpha, "alpha")
    k, nn, a = np.broadcast_arrays(k, nn, a)
    has_lo = k > 0
    has_hi = k < nn
    # Degenerate shape parameters are replaced by 1 before the call and masked after,
    # so scipy never sees a zero shape.
    lo = np.where(has_lo, stats.beta.ppf(a / 2.0, np.where(has_lo, k, 1.0), nn - k + 1.0), 0.0)
    hi = np.where(has_hi, stats.beta.isf(a / 2.0, k + 1.0, np.where(has_hi, nn - k, 1.0)), 1.0)
    phat = k / nn
    lo = np.clip(np.minimum(lo, phat), 0.0, 1.0)
    hi = np.clip(np.maximum(hi, phat), 0.0, 1.0)
    return _scalar_or_array(lo), _scalar_or_array(hi)


@dataclass(frozen=True)
class Estimate:
    r"""A binomial proportion :math:`\hat p = k/n` with a confidence interval.

    Parameters
    ----------
    count : int
        Successes :math:`k`, :math:`0 \le k \le n`.
    n : int
        Trials, :math:`n \ge 1`.
    ci : tuple of float
        ``(lo, hi)`` with :math:`0 \le \mathrm{lo} \le \hat p \le \mathrm{hi} \le 1`.
    level : float
        Confidence level :math:`1 - \alpha \in (0, 1)`.

    Attributes
    ----------
    estimate : float
        :math:`k/n`, derived (not passed) so that it cannot disagree with the counts.

    Examples
    --------
    >>> Estimate(30, 100, (0.21, 0.40), 0.95).estimate
    0.3
    """

    count: int
    n: int
    estimate: float = field(init=False)
    ci: tuple[float, float]
    level: float

    def __post_init__(self) -> None:
        count, n = _check_count_n(self.count, self.n)
        object.__setattr__(self, "count", count)
        object.__setattr__(self, "n", n)
        object.__setattr__(self, "estimate", count / n)
        try:
            lo, hi = (float(v) for v in self.ci)
        except (TypeError, ValueError):
            raise ValueError(f"ci must be a pair of floats (lo, hi), got {self.ci!r}") from None
        if not 0.0 <= lo <= self.estimate <= hi <= 1.0:
            raise ValueError(
                f"ci must satisfy 0 <= lo <= count/n <= hi <= 1, got ci={self.ci!r} "
                f"with count/n={self.estimate!r}"
            )
        object.__setattr__(self, "ci", (lo, hi))
        object.__setattr__(self, "level", _check_scalar_prob(self.level, "level", closed=False))

    @property
    def std_error(self) -> float:
        r"""Plug-in standard error :math:`\sqrt{\hat p(1 - \hat p)/n}`."""
        return math.sqrt(self.estimate * (1.0 - self.estimate) / self.n)


def binomial_estimate(
    count: int, n: int, alpha: float = DEFAULT_ALPHA, *, method: str = "clopper-pearson"
) -> Estimate:
    r""":class:`Estimate` of a proportion with a ``1 - alpha`` confidence interval.

    Parameters
    ----------
    count, n : int
        Successes and trials, :math:`0 \le k \le n`, :math:`n \ge 1`.
    alpha : float, in (0, 1), default 0.05
    method : {"clopper-pearson", "wilson"}
        Clopper--Pearson (default) guarantees coverage :math:`\ge 1 - \alpha`; Wilson
        is shorter and has coverage close to :math:`1 - \alpha` on average.

    Returns
    -------
    Estimate

    Examples
    --------
    >>> est = binomial_estimate(30, 100)
    >>> est.estimate, est.level, est.ci[0] < 0.3 < est.ci[1]
    (0.3, 0.95, True)
    """
    count, n = _check_count_n(count, n)
    alpha = _check_scalar_prob(alpha, "alpha", closed=False)
    if method == "wilson":
        lo, hi = wilson_interval(count, n, alpha)
    elif method == "clopper-pearson":
        lo, hi = clopper_pearson_interval(count, n, alpha)
    else:
        raise ValueError(f"method must be one of {_METHODS_CI}, got {method!r}")
    return Estimate(count=count, n=n, ci=(float(lo), float(hi)), level=1.0 - alpha)
