r"""What a test can resolve, and its three-way verdict.

* :func:`min_detectable`, :func:`n_for_detectable` -- the smallest deviation the
  agreement test detects at a given :math:`n`, and the :math:`n` needed for a deviation;
* :func:`proportion_resolution`, :func:`mean_resolution`, :class:`Resolution` -- whether a
  test of a probability or of a mean resolves its stated resolution;
* :func:`verdict`, :func:`worst_verdict` -- ``"FAIL"`` when a test rejects, ``"PASS"``
  when it does not and could have detected every deviation of at least the resolution,
  ``"INCONCLUSIVE"`` when it does not reject but could not have (a test that cannot fail
  is not a pass).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from robtheory.stats._checks import _check_scalar_prob, _is_int
from robtheory.stats.intervals import two_sided_z

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

_SIDES = ("both", "above", "below")


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

    Examples
    --------
    >>> round(min_detectable(10**6, 0.5, 1e-3), 6)
    0.001646
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

    Examples
    --------
    >>> n = n_for_detectable(0.005, 0.5, 1e-3)
    >>> n, min_detectable(n, 0.5, 1e-3) <= 0.005 < min_detectable(n - 1, 0.5, 1e-3)
    (108476, True)
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

    Examples
    --------
    >>> res = proportion_resolution(100, 0.8, 1e-3, 0.005)
    >>> res.resolved, res.n_needed
    (False, 69497)
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

    Examples
    --------
    100 samples cannot see a deviation of 0.005 from 0.8; 400,000 can:

    >>> proportion_resolution(100, 0.8, 1e-3, 0.005).resolved
    False
    >>> proportion_resolution(400_000, 0.8, 1e-3, 0.005).resolved
    True
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
                    z_at: Callable[[int], float] | None = None) -> Resolution:
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

    Examples
    --------
    A z-test with critical value 3 on 10,000 samples of standard deviation 1 detects 3/100:

    >>> res = mean_resolution(10_000, 1.0, 3.0, 0.05)
    >>> round(res.min_detectable, 12), res.resolved
    (0.03, True)
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
    resolves its resolution, else ``"INCONCLUSIVE"``.

    Parameters
    ----------
    rejected : bool
        Whether the test rejected its null hypothesis (the closed form).
    resolved : bool
        Whether it could have detected a deviation of its resolution (:class:`Resolution`).

    Returns
    -------
    str
        ``"PASS"``, ``"FAIL"`` or ``"INCONCLUSIVE"``.

    Examples
    --------
    >>> verdict(rejected=False, resolved=True), verdict(False, False), verdict(True, False)
    ('PASS', 'INCONCLUSIVE', 'FAIL')
    """
    if rejected:
        return FAIL
    return PASS if resolved else INCONCLUSIVE


def worst_verdict(verdicts: Iterable[str]) -> str:
    """The verdict of a family: FAIL if any member fails, else INCONCLUSIVE if any is,
    else PASS (also for an empty family).

    Parameters
    ----------
    verdicts : iterable of str
        Verdicts of :data:`VERDICTS`.

    Returns
    -------
    str
        ``"FAIL"`` if any failed, else ``"INCONCLUSIVE"`` if any was, else ``"PASS"``.

    Examples
    --------
    >>> worst_verdict(["PASS", "INCONCLUSIVE", "PASS"])
    'INCONCLUSIVE'
    """
    vs = list(verdicts)
    for v in vs:
        if v not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {v!r}")
    return max(vs, key=VERDICTS.index, default=PASS)
