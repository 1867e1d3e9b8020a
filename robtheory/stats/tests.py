r"""Tests of a binomial count against a hypothesised probability.

* :func:`binomial_p_value` -- exact (or, past :math:`2^{53}` draws, normal) two-sided
  p-value, with :func:`berry_esseen_bound` for the normal approximation;
* :func:`agreement_test` -- the test of :math:`H_0: p = p_0` with its false-alarm rate,
  the deviation in standard errors and the smallest deviation it detects;
* :func:`familywise_alpha`, :func:`z_threshold` -- split a total false-alarm budget;
* :func:`residuals` -- standardised residuals of many counts at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import special, stats

from robtheory.stats._checks import (
    _check_count_n,
    _check_counts,
    _check_scalar_prob,
    _is_int,
    _scalar_or_array,
)
from robtheory.stats.intervals import two_sided_z
from robtheory.stats.resolution import _check_power, min_detectable

#: Largest n for which :func:`agreement_test` uses the exact binomial tails by default:
#: above 2**53 counts are no longer exactly representable in the float64 arguments of
#: scipy's binomial distribution.
EXACT_MAX_N = 2**53
#: Berry--Esseen constant for sums of i.i.d. variables (Shevtsova 2011: C <= 0.4748).
BERRY_ESSEEN_C = 0.4748

_METHODS_P = ("auto", "exact", "normal")


def berry_esseen_bound(n: npt.ArrayLike, p0: npt.ArrayLike) -> Any:
    r"""Berry--Esseen bound on the normal approximation of one binomial tail.

    .. math::

        \sup_x \left| P(S \le x) - \Phi\!\left(\frac{x - n p_0}{\sqrt{n p_0 q_0}}\right)
        \right| \le C\,\frac{p_0^2 + q_0^2}{\sqrt{n p_0 q_0}}, \qquad C = 0.4748,

    since :math:`E|X - p_0|^3 = p_0 q_0 (p_0^2 + q_0^2)` for a Bernoulli(:math:`p_0`)
    summand. Evaluating :math:`\Phi` at :math:`k \pm 1/2` (continuity correction) keeps
    the bound, because :math:`P(S \le k) = P(S \le k + 1/2)`. Infinite at
    :math:`p_0 \in \{0, 1\}`.

    Parameters
    ----------
    n : int or array_like
    p0 : float or array_like, in [0, 1]

    Returns
    -------
    float or ndarray

    Examples
    --------
    >>> round(float(berry_esseen_bound(1000, 0.5)), 4)
    0.015
    """
    nn = np.asarray(n, dtype=np.float64)
    p = np.asarray(p0, dtype=np.float64)
    q = 1.0 - p
    with np.errstate(divide="ignore"):
        out = BERRY_ESSEEN_C * (p * p + q * q) / np.sqrt(nn * p * q)
    return _scalar_or_array(np.asarray(out))


def _resolve_p_method(method: str, n_max: float) -> str:
    if method not in _METHODS_P:
        raise ValueError(f"method must be one of {_METHODS_P}, got {method!r}")
    if method == "auto":
        return "exact" if n_max <= EXACT_MAX_N else "normal"
    return method


def binomial_p_value(
    count: npt.ArrayLike, n: npt.ArrayLike, p0: npt.ArrayLike, *, method: str = "auto"
) -> Any:
    r"""Two-sided p-value of :math:`H_0: p = p_0` for a binomial count, vectorised.

    ``"exact"`` -- the equal-tailed exact p-value

    .. math:: P = \min\bigl(1,\; 2\min\{P_{p_0}(S \le k),\; P_{p_0}(S \ge k)\}\bigr),
              \qquad S \sim \mathrm{Bin}(n, p_0),

    with the tails from :data:`scipy.stats.binom` (regularised incomplete beta,
    :math:`O(1)` in :math:`n`). It is the test dual to the Clopper--Pearson interval:
    :math:`P > \alpha \iff p_0 \in (\mathrm{lo}, \mathrm{hi})`. (``scipy.stats.binomtest``
    uses the "minimum likelihood" two-sided rule instead, which is not dual to either
    interval here; both coincide at :math:`p_0 = 1/2`.)

    ``"normal"`` -- the same rule with continuity-corrected normal tails,

    .. math:: P = \min\Bigl(1,\; 2\,\Phi\Bigl(-\frac{|k - n p_0| - 1/2}{\sqrt{n p_0 q_0}}
              \Bigr)\Bigr),

    within :math:`2\times` :func:`berry_esseen_bound` of the exact value.

    ``"auto"`` (default) -- exact for :math:`n \le 2^{53}` (:data:`EXACT_MAX_N`), normal
    above, where counts stop being exact in float64 and the Berry--Esseen error is below
    :math:`10^{-8}/\sqrt{p_0 q_0}`.

    At :math:`p_0 \in \{0, 1\}` both methods give the exact answer: 1 if
    :math:`k = n p_0`, else 0.

    Parameters
    ----------
    count, n : int or array_like of int
        :math:`0 \le k \le n`, :math:`n \ge 1`.
    p0 : float or array_like, in [0, 1]
    method : {"auto", "exact", "normal"}

    Returns
    -------
    float or ndarray of float64, in [0, 1]

    Examples
    --------
    >>> float(binomial_p_value(5, 10, 0.5))           # the most likely count: p-value 1
    1.0
    >>> round(float(binomial_p_value(520, 1000, 0.5)), 4)
    0.2174
    """
    k, nn = _check_counts(count, n)
    p = np.asarray(p0, dtype=np.float64)
    if not np.all((p >= 0) & (p <= 1)):
        raise ValueError(f"p0 must lie in [0, 1], got {p0!r}")
    k, nn, p = np.broadcast_arrays(k, nn, p)
    method = _resolve_p_method(method, float(nn.max()) if nn.size else 0.0)
    degenerate = (p == 0.0) | (p == 1.0)
    pc = np.where(degenerate, 0.5, p)  # any interior value: masked out below
    if method == "exact":
        lower = stats.binom.cdf(k, nn, pc)
        upper = stats.binom.sf(k - 1.0, nn, pc)
        pv = np.minimum(1.0, 2.0 * np.minimum(lower, upper))
    else:
        sd = np.sqrt(nn * pc * (1.0 - pc))
        dev = np.abs(k - nn * pc) - 0.5
        pv = np.minimum(1.0, 2.0 * special.ndtr(-dev / sd))
    pv = np.where(degenerate, np.where(k == nn * p, 1.0, 0.0), pv)
    return _scalar_or_array(np.asarray(pv, dtype=np.float64))


def familywise_alpha(total_alpha: float, n_checks: int) -> float:
    r"""Per-check false-alarm rate for a family of checks (Bonferroni).

    .. math:: \alpha_{\text{check}} = \alpha_{\text{total}} / m,

    so that by the union bound :math:`P(\text{any false alarm}) \le \sum_i
    \alpha_{\text{check}} = \alpha_{\text{total}}`, whatever the dependence between the
    checks (they often share a random stream).

    Parameters
    ----------
    total_alpha : float, in (0, 1)
    n_checks : int, >= 1

    Returns
    -------
    float

    Examples
    --------
    >>> familywise_alpha(1e-3, 10)
    0.0001
    """
    total_alpha = _check_scalar_prob(total_alpha, "total_alpha", closed=False)
    if not _is_int(n_checks) or int(n_checks) < 1:
        raise ValueError(f"n_checks must be a positive integer, got {n_checks!r}")
    return total_alpha / int(n_checks)


@dataclass(frozen=True)
class AgreementResult:
    r"""Outcome of :func:`agreement_test`.

    Attributes
    ----------
    count, n : int
        The observed count and the number of trials.
    p0 : float
        The hypothesised probability (e.g. a closed form).
    alpha : float
        False-alarm rate.
    p_value : float
        Two-sided p-value (see :func:`binomial_p_value`).
    z : float
        :math:`(k/n - p_0)/\sqrt{p_0 q_0 / n}`; at :math:`p_0 \in \{0, 1\}` it is 0 if
        :math:`k = n p_0` and :math:`\pm\infty` otherwise.
    passed : bool
        ``p_value > alpha``.
    min_detectable : float
        :func:`min_detectable` ``(n, p0, alpha, power)``.
    power : float
        The power used for ``min_detectable``.
    method : str
        ``"exact"`` or ``"normal"``: which p-value was computed.

    Examples
    --------
    >>> r = agreement_test(520, 1000, 0.5, 0.01)
    >>> r.passed, round(r.z, 4)                      # z = 20 / sqrt(250)
    (True, 1.2649)
    """

    count: int
    n: int
    p0: float
    alpha: float
    p_value: float
    z: float
    passed: bool
    min_detectable: float
    power: float
    method: str

    def __post_init__(self) -> None:
        _check_count_n(self.count, self.n)
        if not 0.0 <= self.p_value <= 1.0:
            raise ValueError(f"p_value must lie in [0, 1], got {self.p_value!r}")
        if self.passed != (self.p_value > self.alpha):
            raise ValueError(
                f"passed={self.passed!r} contradicts p_value={self.p_value!r} "
                f"and alpha={self.alpha!r}"
            )


def agreement_test(
    count: int,
    n: int,
    p0: float,
    alpha: float,
    *,
    power: float = 0.5,
    method: str = "auto",
) -> AgreementResult:
    r"""Test whether a Monte Carlo count agrees with a hypothesised probability.

    Tests :math:`H_0: p = p_0` for :math:`k \sim \mathrm{Bin}(n, p)` at false-alarm
    rate :math:`\alpha` with the two-sided p-value of :func:`binomial_p_value`
    (exact for :math:`n \le 2^{53}`, continuity-corrected normal above), and reports
    what the test could have seen:

    .. math::

        z = \frac{k/n - p_0}{\sqrt{p_0(1 - p_0)/n}}, \qquad
        \Delta_{\min} = z_{1-\alpha/2}\sqrt{\frac{p_0 q_0}{n}} + \frac{1}{2n}
        \quad (\text{power } 1/2).

    A passing test only says that any error of the closed form is likely smaller than
    ``min_detectable``; a negative control at, say, :math:`p_0 \pm 4\Delta_{\min}` shows
    that the check has teeth.

    Parameters
    ----------
    count : int
        Observed successes :math:`k`, :math:`0 \le k \le n`.
    n : int
        Trials, :math:`n \ge 1`; any Python int (past :math:`2^{31}` is fine).
    p0 : float, in [0, 1]
        Hypothesised probability.
    alpha : float, in (0, 1)
        False-alarm rate; split a campaign's budget with :func:`familywise_alpha`.
    power : float, in [0.5, 1), default 0.5
        Power at which ``min_detectable`` is reported.
    method : {"auto", "exact", "normal"}

    Returns
    -------
    AgreementResult

    Examples
    --------
    >>> r = agreement_test(520, 1000, 0.5, 0.01)
    >>> r.passed, r.method, round(r.p_value, 4)
    (True, 'exact', 0.2174)
    >>> agreement_test(560, 1000, 0.5, 0.01).passed     # z = 60 / sqrt(250) = 3.8
    False
    """
    count, n = _check_count_n(count, n)
    p0 = _check_scalar_prob(p0, "p0", closed=True)
    alpha = _check_scalar_prob(alpha, "alpha", closed=False)
    power = _check_power(power)
    method = _resolve_p_method(method, float(n))
    p_value = float(binomial_p_value(count, n, p0, method=method))
    if 0.0 < p0 < 1.0:
        z = (count / n - p0) / math.sqrt(p0 * (1.0 - p0) / n)
    else:
        diff = count / n - p0
        z = 0.0 if diff == 0.0 else math.copysign(math.inf, diff)
    return AgreementResult(
        count=count,
        n=n,
        p0=p0,
        alpha=alpha,
        p_value=p_value,
        z=z,
        passed=p_value > alpha,
        min_detectable=min_detectable(n, p0, alpha, power),
        power=power,
        method=method,
    )


def z_threshold(total_alpha: float, n_checks: int) -> float:
    """Two-sided Bonferroni threshold :math:`z_{1-\\alpha/(2m)}` for ``m = n_checks`` residuals.

    Parameters
    ----------
    total_alpha : float in (0, 1)
        Family-wise false-alarm rate.
    n_checks : int >= 1
        Number of checks that share it.

    Returns
    -------
    float
        :func:`two_sided_z` of :func:`familywise_alpha`: the largest ``|z|`` a check may show.

    Examples
    --------
    >>> round(z_threshold(1e-3, 10), 4)
    3.8906
    """
    return float(two_sided_z(familywise_alpha(total_alpha, n_checks)))


def residuals(
    count: npt.ArrayLike, n: npt.ArrayLike, analytic: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    r"""``(count/n - a0) / sqrt(a0 (1 - a0) / n)``, elementwise (the null standard error).

    Where :math:`a_0 \in \{0, 1\}` the standard error is 0: the residual is 0 if the
    estimate equals it and infinite (signed) otherwise.

    Parameters
    ----------
    count : array_like of int
        Successes.
    n : array_like of int
        Trials (broadcast with ``count``).
    analytic : array_like, in [0, 1]
        The closed-form probabilities.

    Returns
    -------
    ndarray
        The residuals in null standard errors.

    Examples
    --------
    >>> residuals([520, 480], 1000, [0.5, 0.5]).round(4)
    array([ 1.2649, -1.2649])
    """
    count, n, a0 = (np.asarray(x, float) for x in (count, n, analytic))
    est = count / n
    se = np.sqrt(a0 * (1 - a0) / n)
    diff = est - a0
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(se > 0, diff / np.where(se > 0, se, 1.0), np.where(diff == 0, 0.0, np.sign(diff) * np.inf))
    return r
