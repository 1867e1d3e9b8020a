"""Small numerical tools shared by the tests' independent references (one copy, not one per test)."""

from __future__ import annotations


def golden_section_min(f, lo, hi, *, iterations: int | None = None, width=None):
    """Minimise a unimodal ``f`` on ``[lo, hi]`` by golden-section search; returns the smaller of the
    last two values. Stops after ``iterations`` steps or once the bracket is narrower than ``width``
    (works with floats or mpmath numbers: ``lo``, ``hi`` and ``width`` set the arithmetic)."""
    if (iterations is None) == (width is None):
        raise ValueError("give exactly one of iterations and width")
    import mpmath as mp

    exact = isinstance(lo, mp.mpf) or isinstance(hi, mp.mpf)
    g = (mp.sqrt(5) - 1) / 2 if exact else (5 ** 0.5 - 1) / 2
    x1, x2 = hi - g * (hi - lo), lo + g * (hi - lo)
    f1, f2 = f(x1), f(x2)
    steps = 0
    while (iterations is not None and steps < iterations) or (width is not None and hi - lo > width):
        if f1 < f2:
            hi, x2, f2 = x2, x1, f1
            x1 = hi - g * (hi - lo)
            f1 = f(x1)
        else:
            lo, x1, f1 = x1, x2, f2
            x2 = lo + g * (hi - lo)
            f2 = f(x2)
        steps += 1
    return min(f1, f2)
