"""Hypothesis strategies for robtheory: the one place where test inputs are described.

Ranges are chosen so that float64 is meaningful: weights and biases have magnitudes in
[1e-3, 10] (or are exactly 0), ``eta`` is 0 or at least 1e-9 and ``eps`` is 0 or at least
1e-12 (subnormal values make ``L/(2 mu)`` and ``m/eps`` overflow; those edges have their own
tests in test_properties.py), ``d`` runs from 1 to 10**6.

Linear summary statistics (a, b, S, Q, U1) are always *realisable*: they are computed from an
actual weak-weight vector ``u`` in R^d, so besides the necessary conditions
``|S| <= U1``, ``Q <= U1 <= sqrt(d) Q`` and ``S^2 <= d Q^2`` every finer constraint (e.g. that
``U1 = sqrt(d) Q`` forces ``|u_i|`` constant) holds too. For large ``d`` the vector is
described by at most three groups of equal coordinates, whose statistics are exact sums.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from robtheory.classifiers import (
    ConstantClassifier,
    LinearClassifier,
    LinearStats,
    StructuredLinear,
)
from robtheory.model import ThreatModel, ToyModel

__all__ = [
    "KINDS",
    "ROBUST_KINDS",
    "classifiers",
    "ds",
    "epss",
    "etas",
    "full_linear",
    "linear_stats",
    "magnitudes",
    "model_and_classifier",
    "model_and_stats",
    "models",
    "ps",
    "ps_below_one",
    "scales",
    "signed",
    "small_ds",
    "structured_linear",
    "threat_of_kind",
    "threats",
    "weight_vectors",
]

#: accuracy kinds of :func:`robtheory.theory.closed_form.accuracy_stats`.
KINDS = ("standard", "linf_full", "linf_weak", "l2_full", "l2_weak")
ROBUST_KINDS = KINDS[1:]

# --------------------------------------------------------------------------- scalars
ps = st.one_of(
    st.floats(0.5, 1.0),
    st.sampled_from([0.5, 0.75, 0.95, 0.975, 1.0]),
    st.integers(1, 15).map(lambda k: 1.0 - 10.0 ** -k),  # p -> 1
)
ps_below_one = ps.filter(lambda p: p < 1.0)
etas = st.one_of(st.just(0.0), st.floats(1e-9, 3.0), st.floats(1e-3, 0.5))
small_ds = st.integers(1, 10)
ds = st.one_of(small_ds, st.integers(1, 10**6), st.sampled_from([1, 2, 100, 10**6]))
epss = st.one_of(
    st.floats(1e-12, 3.0),
    st.sampled_from([0.0, 0.5, 1.0, 2.0]),
    st.floats(1e-12, 0.2),
)
magnitudes = st.floats(1e-3, 10.0)
signed = st.builds(lambda m, s: s * m, magnitudes, st.sampled_from([-1.0, 1.0]))
maybe_zero = st.one_of(st.just(0.0), signed)
#: positive rescaling factors; powers of two rescale every statistic exactly.
scales = st.one_of(st.floats(1e-3, 1e3), st.integers(-20, 20).map(lambda k: 2.0 ** k))


@st.composite
def models(draw, p=ps, eta=etas, d=ds):
    return ToyModel(draw(p), draw(eta), draw(d))


def threat_of_kind(kind: str, eps: float) -> ThreatModel:
    norm, part = kind.split("_")
    return ThreatModel(norm, eps, part == "full")


@st.composite
def threats(draw, eps=epss, norms=("linf", "l2"), perturb_x1=(True, False)):
    return ThreatModel(draw(st.sampled_from(norms)), draw(eps), draw(st.sampled_from(perturb_x1)))


# --------------------------------------------------------------------------- classifiers
@st.composite
def linear_stats(draw, d: int, bias: bool = True, allow_zero_weak: bool = True,
                 allow_constant: bool = True):
    """Realisable (a, b, S, Q, U1) for a weak-weight vector in R^d (groups of equal values)."""
    n_groups = draw(st.integers(0 if allow_zero_weak else 1, 3))
    remaining = d
    S = Q2 = U1 = 0.0
    for _ in range(n_groups):
        if remaining == 0:
            break
        k = draw(st.one_of(st.integers(1, remaining), st.just(remaining)))
        remaining -= k
        v = draw(signed)
        S += k * v
        Q2 += k * v * v
        U1 += k * abs(v)
    a = draw(maybe_zero)
    b = draw(maybe_zero) if bias else 0.0
    if not allow_constant and a == 0.0 and Q2 == 0.0:
        a = draw(signed)
    return LinearStats(a=a, b=b, S=S, Q=math.sqrt(Q2), U1=U1)


@st.composite
def structured_linear(draw, d: int, bias: bool = True):
    a, c = draw(maybe_zero), draw(maybe_zero)
    if a == 0.0 and c == 0.0:
        a = draw(signed)
    return StructuredLinear(a, c, d, draw(maybe_zero) if bias else 0.0)


def weight_vectors(d: int):
    """Full weight vectors ``w`` of length ``d + 1`` with some exact zeros, not all zero."""
    elem = st.one_of(st.just(0.0), signed)
    return hnp.arrays(np.float64, d + 1, elements=elem).filter(lambda w: bool(np.any(w)))


@st.composite
def full_linear(draw, d: int, bias: bool = True):
    return LinearClassifier(draw(weight_vectors(d)), draw(maybe_zero) if bias else 0.0)


@st.composite
def classifiers(draw, d: int, bias: bool = True):
    """A linear classifier for dimension d: structured, full (small d only) or constant."""
    options = [structured_linear(d, bias)]
    if d <= 10:
        options.append(full_linear(d, bias))
    if bias:
        options.append(st.builds(ConstantClassifier, st.just(d), maybe_zero))
    return draw(st.one_of(*options))


@st.composite
def model_and_stats(draw, model=None, bias: bool = True, **kw):
    m = draw(model if model is not None else models())
    return m, draw(linear_stats(m.d, bias=bias, **kw))


@st.composite
def model_and_classifier(draw, model=None, bias: bool = True):
    m = draw(model if model is not None else models())
    return m, draw(classifiers(m.d, bias=bias))
