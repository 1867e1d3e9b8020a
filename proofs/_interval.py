r"""Rigorous interval arithmetic for the lemma certificates (python-flint's ``arb``).

An ``arb`` is a ball ``[m +/- r]`` whose arithmetic and special functions (``erfc``, ``exp``)
return balls guaranteed to contain the exact result. On top of it this module provides

* point enclosures of :math:`\Phi`, :math:`\varphi` and the ramp
  :math:`R(m, q) = E\max(0, m + qG) = m\Phi(m/q) + q\varphi(m/q)`;
* enclosures over whole intervals through *monotonicity* (:math:`\Phi` is increasing,
  :math:`\varphi` increasing on :math:`(-\infty, 0]` and decreasing after, :math:`R`
  increasing in ``m`` and in ``q``), which are tight and allow infinite end points;
* :func:`cover`, which proves a predicate on ``[lo, hi]`` by bisection and returns the
  boxes that cover the interval (a proof, not a sample: every point lies in a box on which
  the predicate was verified for the whole box).

Every bound that leaves this module is an ``Interval`` of Python floats obtained by outward
rounding (``lower()``/``upper()`` of the ball, then one ulp outwards), so comparisons made on
the floats are safe.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

from flint import arb, ctx

__all__ = ["PREC", "Interval", "point", "box", "Phi", "phi", "ramp", "Phi_range", "phi_range", "ramp_range",
           "cover", "lo", "hi", "fmt"]

#: working precision in bits
PREC = 128
ctx.prec = PREC

_SQRT2 = arb(2).sqrt()
_SQRT2PI = (2 * arb.pi()).sqrt()


@dataclass(frozen=True)
class Interval:
    """A closed interval ``[lo, hi]`` of floats (``-inf``/``inf`` allowed)."""

    lo: float
    hi: float

    def __post_init__(self):
        if not self.lo <= self.hi:
            raise ValueError(f"empty interval [{self.lo}, {self.hi}]")

    def __repr__(self) -> str:
        return f"[{fmt(self.lo)}, {fmt(self.hi)}]"


def fmt(x: float) -> str:
    """A float as a short, reproducible string (17 significant digits)."""
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:.17g}"


def lo(b: arb) -> float:
    """A float ``<=`` every point of the ball."""
    return math.nextafter(float(b.lower()), -math.inf)


def hi(b: arb) -> float:
    """A float ``>=`` every point of the ball."""
    return math.nextafter(float(b.upper()), math.inf)


def point(x) -> arb:
    """An exact (radius 0) ball for a float or int, or a ball from a string like ``'1/2'``."""
    if isinstance(x, arb):
        return x
    if isinstance(x, str) and "/" in x:
        n, d = x.split("/")
        return arb(int(n)) / arb(int(d))
    return arb(x)


def box(a: float, b: float) -> arb:
    """A ball containing the whole interval ``[a, b]`` (finite ends), for direct ball evaluation.

    Functions of a ball (``erfc``, ``exp``, products) enclose the range of the exact function
    over every point of the ball, so ``f(box(a, b))`` is a rigorous enclosure of ``f`` on
    ``[a, b]``, wider than the true range when the expression repeats its variable.
    """
    if not (math.isfinite(a) and math.isfinite(b) and a <= b):
        raise ValueError(f"box needs finite a <= b, got [{a}, {b}]")
    return point(a).union(point(b))


def Phi(x) -> arb:
    """:math:`\\Phi(x) = \\tfrac12\\operatorname{erfc}(-x/\\sqrt2)` as a ball."""
    x = point(x)
    return (-x / _SQRT2).erfc() / 2


def phi(x) -> arb:
    """:math:`\\varphi(x) = e^{-x^2/2}/\\sqrt{2\\pi}` as a ball."""
    x = point(x)
    return (-(x * x) / 2).exp() / _SQRT2PI


def ramp(m, q) -> arb:
    """:math:`R(m, q) = m\\Phi(m/q) + q\\varphi(m/q)` (``q > 0``); ``max(0, m)`` at ``q = 0``."""
    m, q = point(m), point(q)
    if q.is_zero():
        if not (m >= 0 or m <= 0):
            raise ValueError("ramp at q = 0 needs a ball for m that does not straddle 0")
        return m if m >= 0 else arb(0)
    t = m / q
    return m * Phi(t) + q * phi(t)


def _hull(a: arb, b: arb) -> Interval:
    return Interval(min(lo(a), lo(b)), max(hi(a), hi(b)))


def Phi_range(a: float, b: float) -> Interval:
    """Enclosure of :math:`\\Phi` over ``[a, b]`` (infinite ends allowed): ``[Phi(a), Phi(b)]``."""
    low = 0.0 if a == -math.inf else lo(Phi(a))
    high = 1.0 if b == math.inf else hi(Phi(b))
    return Interval(max(low, 0.0), min(high, 1.0))


def phi_range(a: float, b: float) -> Interval:
    """Enclosure of :math:`\\varphi` over ``[a, b]`` from its unimodality (maximum at 0)."""
    def val(x):
        return arb(0) if math.isinf(x) else phi(x)

    if a >= 0:
        return Interval(max(lo(val(b)), 0.0), hi(val(a)))
    if b <= 0:
        return Interval(max(lo(val(a)), 0.0), hi(val(b)))
    top = phi(0)
    return Interval(max(min(lo(val(a)), lo(val(b))), 0.0), hi(top))


def ramp_range(m: Interval, q: Interval) -> Interval:
    """Enclosure of :math:`R` over a box: :math:`R` increases in ``m`` (slope Phi) and in ``q`` (slope phi)."""
    return Interval(max(lo(ramp(m.lo, q.lo)), 0.0), hi(ramp(m.hi, q.hi)))


#: default cap on the number of boxes :func:`cover` may evaluate (checked plus split)
MAX_BOXES = 200_000


@dataclass
class Covering:
    """Result of :func:`cover`.

    ``boxes`` are the verified boxes (in order, a partition of ``[a, b]`` when ``proved``);
    ``failed`` holds at most one box: the *counterexample*, the first box on which the check
    still failed at the finest width (``max_depth`` halvings), or the box being examined when
    the cap on evaluations was reached (then ``exhausted`` is True). ``worst`` is the least
    positive margin among the verified boxes.
    """

    boxes: list
    failed: list
    worst: float
    evaluations: int = 0
    exhausted: bool = False

    @property
    def proved(self) -> bool:
        return not self.failed and not self.exhausted and bool(self.boxes)

    @property
    def counterexample(self):
        """The box that refuted the covering, or None."""
        return self.failed[0] if self.failed else None


def cover(check: Callable[[float, float], float], a: float, b: float, max_depth: int = 30,
          initial: int = 1, max_boxes: int = MAX_BOXES) -> Covering:
    """Prove ``check(lo, hi) > 0`` on boxes that partition ``[a, b]``, bisecting where it fails.

    ``check`` must return a float that is a *rigorous lower bound* of the quantity to be
    shown positive over the whole box ``[lo, hi]`` (so it is built from the enclosures
    above). A box whose bound is not positive (or is NaN) is split in two, down to
    ``max_depth`` halvings. The search stops at the first box that still fails at that
    finest width -- the covering is refuted and that box is reported as the counterexample
    in ``failed`` -- or when ``max_boxes`` boxes have been evaluated (``exhausted``): a
    false predicate therefore costs about ``2 * max_depth`` evaluations, not ``2**max_depth``.
    End points are exact binary fractions of ``[a, b]`` so the covering is reproducible.

    Raises
    ------
    ValueError
        if ``a`` or ``b`` is not finite, ``a >= b``, or ``initial``/``max_boxes`` is not a
        positive integer or ``max_depth`` is negative.
    """
    if not (math.isfinite(a) and math.isfinite(b)):
        raise ValueError(f"cover needs finite end points, got a={a!r}, b={b!r}")
    if not a < b:
        raise ValueError(f"cover needs a < b, got a={a!r}, b={b!r}")
    if int(initial) != initial or initial < 1:
        raise ValueError(f"initial must be a positive integer, got {initial!r}")
    if int(max_boxes) != max_boxes or max_boxes < 1:
        raise ValueError(f"max_boxes must be a positive integer, got {max_boxes!r}")
    if int(max_depth) != max_depth or max_depth < 0:
        raise ValueError(f"max_depth must be a nonnegative integer, got {max_depth!r}")
    boxes: list[Any] = []
    worst = math.inf
    width = (b - a) / initial
    stack = [(a + k * width, a + (k + 1) * width if k + 1 < initial else b, 0) for k in range(initial)][::-1]
    evaluations = 0
    while stack:
        x0, x1, depth = stack.pop()
        if evaluations >= max_boxes:
            return Covering(boxes, [(x0, x1)], worst, evaluations, exhausted=True)
        evaluations += 1
        margin = check(x0, x1)
        if margin > 0:  # False for NaN
            boxes.append((x0, x1))
            worst = min(worst, margin)
        elif depth >= max_depth:
            return Covering(boxes, [(x0, x1)], worst, evaluations)
        else:
            mid = 0.5 * (x0 + x1)
            stack.append((mid, x1, depth + 1))
            stack.append((x0, mid, depth + 1))
    return Covering(boxes, [], worst, evaluations)
