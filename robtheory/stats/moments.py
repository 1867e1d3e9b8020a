r"""Streaming sample moments and the normal-approximation tests of a mean (no model inside).

The Monte Carlo checks evaluate per-sample statistics chunk by chunk; their moments are
accumulated per chunk (:func:`chunk_moments`) and merged pairwise (:func:`merge_moments`,
Chan, Golub and LeVeque's update extended to the third central moment by Pebay 2008), so
memory is flat in the number of samples and the result does not depend on the chunking
beyond rounding. :func:`mean_z` is the z-statistic of a sample mean against a value (with the
degenerate case of a constant statistic), :func:`one_sided_z` the critical value of a
one-sided test of a mean corrected for the skewness of the mean.
"""

from __future__ import annotations

import math
from typing import TypedDict

import numpy as np
from scipy.optimize import brentq
from scipy.special import ndtr, ndtri

__all__ = ["Moments", "chunk_moments", "mean_z", "merge_moments", "one_sided_z"]


class Moments(TypedDict, total=False):
    """Count ``n``, ``mean`` and central moment sums ``m2`` (and ``m3``) of the columns of a sample."""

    n: int
    mean: np.ndarray
    m2: np.ndarray
    m3: np.ndarray


def chunk_moments(V: np.ndarray, third: bool = True) -> Moments:
    """Count, mean and central moment sums M2 (and M3 if ``third``) of the columns of ``V`` (rows = samples)."""
    mean = V.mean(axis=0)
    dev = V - mean
    dev2 = dev * dev
    out: Moments = {"n": V.shape[0], "mean": mean, "m2": dev2.sum(axis=0)}
    if third:
        out["m3"] = (dev2 * dev).sum(axis=0)
    return out


def merge_moments(a: Moments | None, b: Moments) -> Moments:
    """Pairwise update of (n, mean, M2[, M3]) (Chan, Golub and LeVeque; Pebay 2008).

    ``a`` None (nothing accumulated yet) returns ``b``. M3 is merged when both carry it.
    """
    if a is None:
        return b
    na, nb = a["n"], b["n"]
    n = na + nb
    delta = b["mean"] - a["mean"]
    m2 = a["m2"] + b["m2"] + delta * delta * (na * nb / n)
    out: Moments = {"n": n, "mean": a["mean"] + delta * (nb / n), "m2": m2}
    if "m3" in a and "m3" in b:
        out["m3"] = (a["m3"] + b["m3"] + delta**3 * (na * nb * (na - nb) / (n * n))
                     + 3.0 * delta * (na * b["m2"] - nb * a["m2"]) / n)
    return out


def mean_z(mean: float, se: float, analytic: float) -> float:
    """``(mean - analytic) / se``; for a constant statistic (``se == 0``) 0 when the mean equals
    ``analytic`` to rounding (1e-12 relative), else an infinity of the sign of the difference."""
    diff = mean - analytic
    if se > 0:
        return diff / se
    return 0.0 if abs(diff) <= 1e-12 * max(1.0, abs(analytic)) else math.copysign(math.inf, diff)


def one_sided_z(alpha: float, skew_of_mean: float = 0.0) -> float:
    r"""Critical value of a one-sided test of a mean, widened for the skewness of the mean.

    The studentised mean :math:`T` has the Edgeworth expansion (Hall 1992, §2.6)
    :math:`P(T \le x) = \Phi(x) + g\,(2x^2 + 1)\,\varphi(x)/6 + O(n^{-1})` with
    :math:`g = \gamma/\sqrt n` the skewness of the mean; whichever the side, one tail is
    heavier by :math:`|g|(2x^2+1)\varphi(x)/6`. The returned :math:`z` solves

    .. math:: \bar\Phi(z) + |g|\,(2z^2 + 1)\,\varphi(z)/6 = \alpha ,

    so the one-sided false-alarm rate is :math:`\alpha` to :math:`O(n^{-1})` (for a
    two-sided test the :math:`n^{-1/2}` terms of the two tails cancel and no widening is
    needed).
    """
    if not 0 < alpha < 0.5:
        raise ValueError(f"alpha must lie in (0, 1/2), got alpha={alpha!r}")
    z0 = float(-ndtri(alpha))
    g = abs(float(skew_of_mean))
    if g == 0 or not math.isfinite(g):
        return z0 if g == 0 else math.inf

    def excess(z: float) -> float:
        return float(ndtr(-z)) + g * (2 * z * z + 1) * math.exp(-0.5 * z * z) / (6 * math.sqrt(2 * math.pi)) - alpha

    hi = z0 + 1.0
    while excess(hi) > 0:
        hi += 1.0
    return float(brentq(excess, z0, hi, xtol=1e-10))
