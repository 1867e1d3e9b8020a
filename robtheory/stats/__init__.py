r"""Binomial estimates, confidence intervals and agreement tests for Monte Carlo checks.

Every Monte Carlo check in robtheory estimates a probability (an accuracy, a robust
accuracy, a margin-violation rate) as :math:`\hat p = k/n` and compares it with the value
of a closed form. This module supplies the pieces with their tolerances *derived* from
the binomial law (design principle 6):

* :class:`Estimate` and :func:`binomial_estimate` -- :math:`\hat p` with a Wilson or
  Clopper--Pearson interval;
* :func:`wilson_interval`, :func:`clopper_pearson_interval` -- vectorised intervals;
* :func:`agreement_test` -- an exact (or, past :math:`2^{53}` draws, normal) two-sided
  test of :math:`H_0: p = p_0` with its false-alarm rate :math:`\alpha`, the deviation
  in standard errors, and the smallest deviation the test detects at this :math:`n`
  (for the negative controls of principle 7);
* :func:`familywise_alpha`, :func:`n_for_detectable`, :func:`min_detectable` -- to plan
  a campaign: split a total false-alarm budget and size :math:`n`;
* :func:`verdict`, :func:`proportion_resolution`, :func:`mean_resolution` -- the three-way
  verdict of a test with a stated *resolution*: ``"FAIL"`` when it rejects, ``"PASS"``
  when it does not reject and could have detected every deviation of at least the
  resolution, ``"INCONCLUSIVE"`` when it does not reject but could not have (a test
  that cannot fail is not a pass).

Counts are Python ints or int64 and all probability arithmetic is float64, so sample
sizes far beyond :math:`2^{31}` are handled without overflow.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import special, stats

__all__ = [
    "BERRY_ESSEEN_C",
    "DEFAULT_ALPHA",
    "DEFAULT_MEAN_RESOLUTION",
    "DEFAULT_RESOLUTION",
    "EXACT_MAX_N",
    "FAIL",
    "INCONCLUSIVE",
    "PASS",
    "VERDICTS",
    "AgreementResult",
    "Estimate",
    "Resolution",
    "agreement_test",
    "berry_esseen_bound",
    "binomial_estimate",
    "binomial_p_value",
    "clopper_pearson_interval",
    "familywise_alpha",
    "mean_resolution",
    "min_detectable",
    "n_for_detectable",
    "proportion_resolution",
    "residuals",
    "two_sided_z",
    "z_threshold",
    "verdict",
    "wilson_interval",
    "worst_verdict",
]

DEFAULT_ALPHA = 0.05
#: Largest n for which :func:`agreement_test` uses the exact binomial tails by default:
#: above 2**53 counts are no longer exactly representable in the float64 arguments of
#: scipy's binomial distribution.
EXACT_MAX_N = 2**53
#: Berry--Esseen constant for sums of i.i.d. variables (Shevtsova 2011: C <= 0.4748).
BERRY_ESSEEN_C = 0.4748

#: Verdicts of a statistical test (and of a family of tests: the worst of its members).
PASS, FAIL, INCONCLUSIVE = "PASS", "FAIL", "INCONCLUSIVE"
VERDICTS = (PASS, INCONCLUSIVE, FAIL)
#: Default resolution of a test of a probability (an accuracy, a robust accuracy, a marginal
#: frequency): an absolute deviation of 0.005 (half a percentage point), detected with
#: probability 1/2. Absolute, not relative to the error rate: a relative resolution of a
#: tiny error rate (say 1e-20) would need n >> 1/rate samples, which no run has; such tails
#: are judged by the closed forms in log space, not by sampling.
DEFAULT_RESOLUTION = 5e-3
#: Default resolution of a test of a mean (a hinge loss, a difference of losses, a gradient
#: component, in the statistic's own units): an absolute deviation of 0.02. The statistics
#: checked by sampling are of order 1 per sample.
DEFAULT_MEAN_RESOLUTION = 2e-2

_METHODS_CI = ("wilson", "clopper-pearson")
_METHODS_P = ("auto", "exact", "normal")
_SIDES = ("both", "above", "below")


# --------------------------------------------------------------------------- validation
def _is_int(x: Any) -> bool:
    return isinstance(x, (numbers.Integral, np.integer)) and not isinstance(x, (bool, np.bool_))


def _check_count_n(count: Any, n: Any) -> tuple[int, int]:
    """Scalar count and n as Python ints, with 0 <= count <= n and n >= 1."""
    if not _is_int(count):
        raise ValueError(f"count must be an integer, got {count!r}")
    if not _is_int(n):
        raise ValueError(f"n must be an integer, got {n!r}")
    count, n = int(count), int(n)
    if n <= 0:
        raise ValueError(f"n must be positive, got n={n}")
    if count < 0:
        raise ValueError(f"count must be non-negative, got count={count}")
    if count > n:
        raise ValueError(f"count must not exceed n, got count={count} > n={n}")
    return count, n


def _int_array(x: Any, name: str) -> np.ndarray:
    """Integer array-like -> float64 array (exact below 2**53), rejecting non-integers."""
    if _is_int(x):
        return np.asarray(float(int(x)))
    arr = np.asarray(x)
    if arr.dtype.kind in "iu":
        return arr.astype(np.float64)
    if arr.dtype == object and all(_is_int(v) for v in arr.reshape(-1)):
        return np.array([float(int(v)) for v in arr.reshape(-1)]).reshape(arr.shape)
    raise ValueError(f"{name} must hold integers, got {x!r}")


def _check_counts(count: Any, n: Any) -> tuple[np.ndarray, np.ndarray]:
    k = _int_array(count, "count")
    nn = _int_array(n, "n")
    k, nn = np.broadcast_arrays(k, nn)
    if np.any(nn <= 0):
        raise ValueError(f"n must be positive, got n={nn[nn <= 0].flat[0]:.0f}")
    if np.any(k < 0):
        raise ValueError(f"count must be non-negative, got count={k[k < 0].flat[0]:.0f}")
    if np.any(k > nn):
        bad = np.argmax((k > nn).reshape(-1))
        raise ValueError(
            f"count must not exceed n, got count={k.flat[bad]:.0f} > n={nn.flat[bad]:.0f}"
        )
    return k, nn


def _check_prob_open(x: Any, name: str) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64)
    if not np.all((a > 0) & (a < 1)):
        raise ValueError(f"{name} must lie in (0, 1), got {x!r}")
    return a


def _check_scalar_prob(x: Any, name: str, closed: bool) -> float:
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (numbers.Real, np.floating)):
        # ValueError, not TypeError: every bad argument of this module is a ValueError.
        raise ValueError(f"{name} must be a real number, got {x!r}")  # noqa: TRY004
    v = float(x)
    ok = (0.0 <= v <= 1.0) if closed else (0.0 < v < 1.0)
    if not ok:
        raise ValueError(f"{name} must lie in {'[0, 1]' if closed else '(0, 1)'}, got {x!r}")
    return v


def _scalar_or_array(a: np.ndarray):
    return a[()] if a.ndim == 0 else a


# --------------------------------------------------------------------------- intervals
def two_sided_z(alpha: Any) -> Any:
    r"""Two-sided standard-normal critical value :math:`z_{1-\alpha/2}`.

    .. math:: z = \Phi^{-1}(1 - \alpha/2) = -\Phi^{-1}(\alpha/2),

    computed from the lower tail so that it stays accurate for tiny :math:`\alpha`.

    Parameters
    ----------
    alpha : float or array_like, in (0, 1)

    Returns
    -------
    float or ndarray
    """
    a = _check_prob_open(alpha, "alpha")
    return _scalar_or_array(-special.ndtri(a / 2.0))


def _wilson_lower(k: np.ndarray, n: np.ndarray, z2: np.ndarray) -> np.ndarray:
    # The lower root of (n + z^2) p^2 - (2k + z^2) p + k^2/n = 0, written as
    # 2C / (B + sqrt(D)) (product of the roots over the upper root) so that nothing
    # cancels; D = B^2 - 4AC = z^2 (z^2 + 4 k (n - k) / n) exactly.
    c = k * (k / n)
    b = 2.0 * k + z2
    d = z2 * (z2 + 4.0 * k * ((n - k) / n))
    return 2.0 * c / (b + np.sqrt(d))


def wilson_interval(count: Any, n: Any, alpha: Any = DEFAULT_ALPHA) -> tuple[Any, Any]:
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


def clopper_pearson_interval(count: Any, n: Any, alpha: Any = DEFAULT_ALPHA) -> tuple[Any, Any]:
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


# --------------------------------------------------------------------------- tests
def berry_esseen_bound(n: Any, p0: Any) -> Any:
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


def binomial_p_value(count: Any, n: Any, p0: Any, *, method: str = "auto") -> Any:
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


def _check_power(power: Any) -> float:
    v = _check_scalar_prob(power, "power", closed=False)
    if v < 0.5:
        raise ValueError(f"power must lie in [0.5, 1), got {power!r}")
    return v


def _detectable_side(n: float, p0: float, z_a: float, power: float, s: int) -> float:
    r"""Smallest deviation in direction ``s`` (+1 above, -1 below) detected w.p. >= power.

    With :math:`p_1 = p_0 + s\Delta`, the power reaches its target where
    :math:`g(\Delta) = \Delta - a - z_b\sqrt{p_1 q_1 / n} = 0`. For :math:`\Delta \ge a`
    that is :math:`h(\Delta) = (\Delta - a)^2 - z_b^2 p_1 q_1 / n = 0`, a convex
    quadratic. If the threshold :math:`a` exceeds the room on this side nothing there
    is detectable (``inf``); otherwise :math:`h(a) \le 0 \le h(\mathrm{room})`, so the
    larger root lies in :math:`[a, \mathrm{room}]` and beyond it :math:`g \ge 0`.
    Returns ``nan`` when the side has no room at all (below 0 or above 1).
    """
    room = (1.0 - p0) if s > 0 else p0
    if room <= 0.0:
        return math.nan
    q0 = 1.0 - p0
    if p0 == 0.0 or q0 == 0.0:
        # The exact test rejects iff k != n p0; P(k != n p0 | p1) = 1 - (1 - |p1 - p0|)^n.
        return -math.expm1(math.log1p(-power) / n)
    a = z_a * math.sqrt(p0 * q0 / n) + 0.5 / n
    if a > room:
        return math.inf
    z_b = float(special.ndtri(power))
    b2 = z_b * z_b / n
    c = s * (q0 - p0)
    # h(D) = (1 + b2) D^2 - (2a + b2 c) D + (a^2 - b2 p0 q0); its discriminant simplifies
    # (using c^2 + 4 p0 q0 = 1) to b2 (b2 + 4 (p0 q0 + a c - a^2)).
    disc = max(0.0, b2 * (b2 + 4.0 * (p0 * q0 + a * c - a * a)))
    delta = ((2.0 * a + b2 * c) + math.sqrt(disc)) / (2.0 * (1.0 + b2))
    return min(max(delta, a), room)


def min_detectable(
    n: int, p0: float, alpha: float, power: float = 0.5, *, side: str = "both"
) -> float:
    r"""Smallest :math:`|p - p_0|` that the agreement test detects with a given power.

    The continuity-corrected test rejects (normal approximation) when
    :math:`|\hat p - p_0| > a`, :math:`a = z_{1-\alpha/2}\sqrt{p_0 q_0 / n} + 1/(2n)`.
    If the truth is :math:`p_1 = p_0 + s\Delta` (:math:`s = \pm 1`),
    :math:`\hat p \approx N(p_1, p_1 q_1 / n)` and the near-side rejection probability
    reaches the power :math:`\pi` when

    .. math:: \Delta = a + z_\pi \sqrt{p_1 q_1 / n}, \qquad z_\pi = \Phi^{-1}(\pi),

    a quadratic in :math:`\Delta` whose root :math:`\ge a` is taken. For the default
    :math:`\pi = 1/2`, :math:`z_\pi = 0` and simply :math:`\Delta = a`: a true value
    just :math:`a` away puts the median of :math:`\hat p` on the rejection threshold.
    (The far tail only adds power, so the value is conservative.) At
    :math:`p_0 \in \{0, 1\}` the exact test rejects any :math:`k \ne n p_0`, so
    :math:`\Delta = 1 - (1 - \pi)^{1/n}` exactly.

    Parameters
    ----------
    n : int
        Trials, :math:`n \ge 1`.
    p0 : float, in [0, 1]
    alpha : float, in (0, 1)
        False-alarm rate of the test.
    power : float, in [0.5, 1), default 0.5
    side : {"both", "above", "below"}
        ``"both"`` is the larger of the two one-sided values (sides with no room, e.g.
        "below" at :math:`p_0 = 0`, are skipped), so every deviation of at least that
        size in either direction is detected.

    Returns
    -------
    float
        ``inf`` where some deviation on a requested side can never be detected (e.g.
        :math:`p_0 = 0.01`, :math:`n = 100`: even :math:`p = 0` is not rejected).
        Accurate when :math:`n p_0 q_0 \gg z^2`; a normal approximation otherwise.
    """
    if not _is_int(n) or int(n) <= 0:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    p0 = _check_scalar_prob(p0, "p0", closed=True)
    alpha = _check_scalar_prob(alpha, "alpha", closed=False)
    power = _check_power(power)
    if side not in _SIDES:
        raise ValueError(f"side must be one of {_SIDES}, got {side!r}")
    z_a = float(two_sided_z(alpha))
    sides = {"both": (1, -1), "above": (1,), "below": (-1,)}[side]
    vals = [_detectable_side(float(int(n)), p0, z_a, power, s) for s in sides]
    vals = [v for v in vals if not math.isnan(v)]
    if not vals:
        raise ValueError(f"no deviation is possible on side {side!r} of p0={p0!r}")
    return max(vals)


def n_for_detectable(
    delta: float, p0: float, alpha: float, power: float = 0.5, *, side: str = "both"
) -> int:
    r"""Smallest :math:`n` with :func:`min_detectable` :math:`(n) \le \delta`.

    From :math:`\Delta = a + z_\pi\sqrt{p_1q_1/n}` with :math:`p_1 = p_0 \pm \delta`
    (and :math:`1/\sqrt n = x`: :math:`\tfrac12 x^2 + S x - \delta = 0`,
    :math:`S = z_{1-\alpha/2}\sqrt{p_0q_0} + z_\pi\sqrt{p_1q_1}`),

    .. math:: n \approx \left(\frac{1}{\sqrt{S^2 + 2\delta} - S}\right)^2
              \approx \left(\frac{z_{1-\alpha/2}\sqrt{p_0q_0} + z_\pi\sqrt{p_1q_1}}
              {\delta}\right)^2.

    The returned value is made consistent with :func:`min_detectable` by an integer
    bisection: with ``sides`` the requested sides that have room for a deviation of
    ``delta`` (e.g. "below" is dropped when :math:`p_0 < \delta`, since no such
    deviation exists), ``max(min_detectable(n, side=s) for s in sides) <= delta`` and
    the same fails at ``n - 1``.

    Parameters
    ----------
    delta : float, in (0, 1]
        Deviation :math:`|p - p_0|` to detect.
    p0 : float, in [0, 1]
    alpha : float, in (0, 1)
    power : float, in [0.5, 1), default 0.5
    side : {"both", "above", "below"}

    Returns
    -------
    int
    """
    if isinstance(delta, (bool, np.bool_)) or not isinstance(delta, (numbers.Real, np.floating)):
        raise ValueError(f"delta must be a real number, got {delta!r}")  # noqa: TRY004
    if not 0.0 < float(delta) <= 1.0:
        raise ValueError(f"delta must lie in (0, 1], got {delta!r}")
    delta = float(delta)
    p0 = _check_scalar_prob(p0, "p0", closed=True)
    if side not in _SIDES:
        raise ValueError(f"side must be one of {_SIDES}, got {side!r}")
    wanted = {"both": ("above", "below"), "above": ("above",), "below": ("below",)}[side]
    room = {"above": 1.0 - p0, "below": p0}
    sides = [s for s in wanted if room[s] >= delta]
    if not sides:
        raise ValueError(f"no deviation of delta={delta!r} from p0={p0!r} exists on side {side!r}")

    def ok(m: int) -> bool:
        return max(min_detectable(m, p0, alpha, power, side=s) for s in sides) <= delta

    hi = 1
    while not ok(hi):
        hi *= 2
        if hi > 2**80:
            raise ValueError(f"delta={delta!r} is not detectable at any n")
    lo = hi // 2  # ok(lo) is False, or lo == 0
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi


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


# --------------------------------------------------------------------------- verdicts
def _check_resolution(resolution: Any, name: str = "resolution") -> float:
    if isinstance(resolution, (bool, np.bool_)) or not isinstance(resolution, (numbers.Real, np.floating)):
        raise ValueError(f"{name} must be a positive number, got {resolution!r}")  # noqa: TRY004
    r = float(resolution)
    if not (r > 0 and math.isfinite(r)):
        raise ValueError(f"{name} must be a positive finite number, got {resolution!r}")
    return r


@dataclass(frozen=True)
class Resolution:
    r"""What a test can resolve: the deviation it must detect and the one it does.

    Attributes
    ----------
    resolution : float
        The deviation the test must be able to detect (with probability 1/2).
    min_detectable : float
        The smallest deviation it detects at its n and alpha (``inf``: none).
    resolved : bool
        ``min_detectable <= resolution`` (or no deviation as large as the resolution is
        possible, e.g. a resolution of 0.6 around a probability of 1/2).
    n_needed : int or None
        The smallest n at which the test resolves ``resolution`` (at most n when
        ``resolved``); None where no n does.
    """

    resolution: float
    min_detectable: float
    resolved: bool
    n_needed: int | None


def proportion_resolution(
    n: int, p0: float, alpha: float, resolution: float = DEFAULT_RESOLUTION, *,
    side: str = "both", power: float = 0.5,
) -> Resolution:
    r"""Whether a test of :math:`H_0: p = p_0` at ``n``, ``alpha`` resolves ``resolution``.

    Only the sides on which a deviation of ``resolution`` exists count (room
    :math:`1 - p_0` above, :math:`p_0` below): an error rate of :math:`10^{-5}` cannot fall
    by 0.005, so the test need not see that. On those sides the test must detect a
    deviation of ``resolution`` with probability ``power`` (:func:`min_detectable`); the
    smallest such n is :func:`n_for_detectable`, so the two agree by construction.

    Parameters
    ----------
    n : int, >= 1
    p0 : float, in [0, 1]
    alpha : float, in (0, 1)
        The test's own false-alarm rate (two-sided; a one-sided bound test at
        :math:`\alpha` passes :math:`2\alpha`).
    resolution : float, > 0
        Absolute deviation of the probability.
    side : {"both", "above", "below"}
        The deviations that matter (a bound ``<=`` fails only above, ``>=`` only below).
    power : float, in [0.5, 1)

    Returns
    -------
    Resolution
    """
    if not _is_int(n) or int(n) <= 0:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    p0 = _check_scalar_prob(p0, "p0", closed=True)
    resolution = _check_resolution(resolution)
    if side not in _SIDES:
        raise ValueError(f"side must be one of {_SIDES}, got {side!r}")
    wanted = {"both": ("above", "below"), "above": ("above",), "below": ("below",)}[side]
    room = {"above": 1.0 - p0, "below": p0}
    sides = [s for s in wanted if room[s] >= resolution]
    if not sides:
        # no deviation as large as the resolution exists: nothing to detect at that size
        with_room = [s for s in wanted if room[s] > 0.0]
        md = max((min_detectable(int(n), p0, alpha, power, side=s) for s in with_room), default=0.0)
        return Resolution(resolution, md, True, 1)
    md = max(min_detectable(int(n), p0, alpha, power, side=s) for s in sides)
    try:
        n_needed = n_for_detectable(min(resolution, 1.0), p0, alpha, power, side=side)
    except ValueError:
        n_needed = None
    return Resolution(resolution, md, md <= resolution, n_needed)


def mean_resolution(n: int, sd: float, z: float, resolution: float = DEFAULT_MEAN_RESOLUTION, *,
                    z_at: Any = None) -> Resolution:
    r"""Whether a z-test of a mean (critical value ``z``) resolves ``resolution``.

    The test rejects when :math:`|\bar T - a| > z\,s/\sqrt n`, so a deviation of
    :math:`z s/\sqrt n` is detected with probability 1/2: that is ``min_detectable``, and
    the smallest n with :math:`z s/\sqrt n \le` ``resolution`` is
    :math:`\lceil (z s / \mathrm{resolution})^2 \rceil`. When the critical value itself
    depends on n (the skewness correction of a mean), ``z_at(m)`` gives it at ``m`` (``inf``
    where no verdict is possible) and ``n_needed`` is the smallest m at which the critical
    value is finite and :math:`z(m)\,s/\sqrt m \le` ``resolution``.

    Parameters
    ----------
    n : int, >= 1
    sd : float, >= 0
        Standard deviation of one sample of the statistic.
    z : float, > 0
        Critical value at this n (``inf``: the test cannot reject).
    resolution : float, > 0
        Absolute deviation of the mean, in the statistic's units.
    z_at : callable, optional
        ``m -> critical value at m samples``.

    Returns
    -------
    Resolution
    """
    if not _is_int(n) or int(n) <= 0:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    sd, z = float(sd), float(z)
    if not (sd >= 0 and math.isfinite(sd)):
        raise ValueError(f"sd must be a finite non-negative number, got {sd!r}")
    if not z > 0:
        raise ValueError(f"z must be positive, got {z!r}")
    resolution = _check_resolution(resolution)
    md = z * sd / math.sqrt(int(n)) if sd > 0 else (0.0 if math.isfinite(z) else math.inf)
    z_at = (lambda m: z) if z_at is None else z_at

    def ok(m: int) -> bool:
        zm = float(z_at(m))
        return math.isfinite(zm) and zm * sd / math.sqrt(m) <= resolution

    # the smallest m with ok(m), assuming (as for every critical value here) that ok stays
    # true once reached: doubling, then bisection
    hi = 1
    while not ok(hi):
        hi *= 2
        if hi > 2**80:
            return Resolution(resolution, md, md <= resolution, None)
    lo = hi // 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if ok(mid) else (mid, hi)
    m = hi
    return Resolution(resolution, md, md <= resolution, m)


def verdict(rejected: bool, resolved: bool) -> str:
    """``"FAIL"`` if the test rejected (evidence whatever its power), else ``"PASS"`` if it
    resolves its resolution, else ``"INCONCLUSIVE"``."""
    if rejected:
        return FAIL
    return PASS if resolved else INCONCLUSIVE


def worst_verdict(verdicts) -> str:
    """The verdict of a family: FAIL if any member fails, else INCONCLUSIVE if any is,
    else PASS (also for an empty family)."""
    vs = list(verdicts)
    for v in vs:
        if v not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {v!r}")
    return max(vs, key=VERDICTS.index, default=PASS)


def z_threshold(total_alpha: float, n_checks: int) -> float:
    """Two-sided Bonferroni threshold :math:`z_{1-\\alpha/(2m)}` for ``m = n_checks`` residuals."""
    return float(two_sided_z(familywise_alpha(total_alpha, n_checks)))


def residuals(count, n, analytic):
    r"""``(count/n - a0) / sqrt(a0 (1 - a0) / n)``, elementwise (the null standard error).

    Where :math:`a_0 \in \{0, 1\}` the standard error is 0: the residual is 0 if the
    estimate equals it and infinite (signed) otherwise.
    """
    count, n, a0 = (np.asarray(x, float) for x in (count, n, analytic))
    est = count / n
    se = np.sqrt(a0 * (1 - a0) / n)
    diff = est - a0
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(se > 0, diff / np.where(se > 0, se, 1.0), np.where(diff == 0, 0.0, np.sign(diff) * np.inf))
    return r
from robtheory.stats.moments import chunk_moments, mean_z, merge_moments, one_sided_z  # noqa: E402,F401 (streaming moments)
