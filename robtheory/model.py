"""The toy distribution D(p, eta, d) of Tsipras et al. (2019, eq. 3) and its threat models.

.. math::

    y \\sim \\mathrm{U}\\{-1, +1\\}, \\qquad
    x_1 = \\begin{cases} +y & \\text{w.p. } p \\\\ -y & \\text{w.p. } 1-p \\end{cases}, \\qquad
    x_2, \\dots, x_{d+1} \\overset{iid}{\\sim} \\mathcal{N}(\\eta y, 1).

Everything in the library is built from these two frozen dataclasses; they validate on
construction and name the offending value in every error.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import SupportsInt, cast

__all__ = ["ToyModel", "ThreatModel", "NORMS"]

#: Threat-model norms understood by the library.
NORMS = ("linf", "l2")


def fmt_number(x: float) -> str:
    """A number for a message: the shortest round-trip form, 0 rather than np.float64(0.0)."""
    x = float(x)
    return repr(int(x)) if x.is_integer() and abs(x) < 1e16 else repr(x)


def _show(value: object) -> str:
    """A value for a message as Python writes it (0.3, 7, nan), never a NumPy repr like np.float64(0.3)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return repr(int(value))
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return repr(float(value))
    return repr(value)


def _finite_real(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    x = float(value)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be finite, got {_show(value)}")
    return x


def _positive_int(name: str, value: object) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a positive integer, got {_show(value)}")
    if isinstance(value, numbers.Integral):
        n = int(value)
    elif isinstance(value, numbers.Real) and math.isfinite(float(value)) and float(value).is_integer():
        n = int(cast(SupportsInt, value))  # every concrete Real (float, NumPy, Fraction) has __int__
    else:
        raise ValueError(f"{name} must be a positive integer, got {_show(value)}")
    if n < 1:
        raise ValueError(f"{name} must be a positive integer, got {_show(value)}")
    return n


@dataclass(frozen=True)
class ToyModel:
    """The distribution D(p, eta, d).

    Parameters
    ----------
    p : float in [1/2, 1]
        Probability that the robust feature agrees with the label, ``P(x1 = y)``. Values below
        1/2 describe the mirror image of the model (replace ``x1`` by ``-x1`` and ``p`` by
        ``1 - p``) and are rejected.
    eta : float >= 0
        Mean of each weak feature given ``y = +1``.
    d : int >= 1
        Number of weak features; the input has ``d + 1`` coordinates.

    Notes
    -----
    Two derived quantities recur everywhere: :math:`\\mu = \\eta\\sqrt{d}`, the signal-to-noise
    ratio of the normalised sum :math:`s(x) = d^{-1/2}\\sum_{i\\ge2} x_i \\sim \\mathcal{N}(y\\mu, 1)`,
    and :math:`L = \\ln(p/(1-p))`, the log-odds of the robust feature (``inf`` at ``p = 1``).
    A label y is +1 or -1 with probability 1/2; x1 equals y with probability p and -y otherwise;
    x2..x_{d+1} are independent N(eta y, 1).

    Examples
    --------
    >>> m = ToyModel(p=0.95, eta=0.3, d=100)
    >>> m.mu, m.dim, round(m.log_odds, 4)
    (3.0, 101, 2.9444)
    >>> ToyModel(0.4, 0.3, 100)
    Traceback (most recent call last):
    ...
    ValueError: p must lie in [1/2, 1], got p=0.4; p < 1/2 is the mirror image of the model: use p' = 1 - p = 0.6 and flip the sign of x1
    """

    p: float
    eta: float
    d: int

    def __post_init__(self) -> None:
        p = _finite_real("p", self.p)
        if p < 0.5:
            hint = (f"; p < 1/2 is the mirror image of the model: use p' = 1 - p = {fmt_number(1 - p)} and flip "
                    f"the sign of x1" if p >= 0 else "")
            raise ValueError(f"p must lie in [1/2, 1], got p={_show(self.p)}{hint}")
        if p > 1.0:
            raise ValueError(f"p must lie in [1/2, 1], got p={_show(self.p)}")
        eta = _finite_real("eta", self.eta)
        if eta < 0:
            raise ValueError(f"eta must be >= 0, got eta={_show(self.eta)}")
        d = _positive_int("d", self.d)
        object.__setattr__(self, "p", p)
        object.__setattr__(self, "eta", eta)
        object.__setattr__(self, "d", d)

    @property
    def mu(self) -> float:
        """:math:`\\mu = \\eta\\sqrt{d}`."""
        return self.eta * math.sqrt(self.d)

    @property
    def log_odds(self) -> float:
        """:math:`L = \\ln(p/(1-p))`; ``inf`` when ``p = 1``."""
        if self.p == 1.0:
            return math.inf
        return math.log(self.p) - math.log1p(-self.p)

    @property
    def dim(self) -> int:
        """Input dimension ``d + 1``."""
        return self.d + 1


@dataclass(frozen=True)
class ThreatModel:
    """A closed norm ball of radius ``eps`` around the input.

    Parameters
    ----------
    norm : {"linf", "l2"}
        The norm of the perturbation.
    eps : float >= 0
        Radius of the ball.
    perturb_x1 : bool, default True
        If False, the adversary may move only the weak features ``x2..x_{d+1}`` (the
        "weak-only" variant used by the proof of Theorem 2.1).

    Notes
    -----
    A linear classifier ``sign(w.x + b)`` loses exactly ``eps`` times the dual norm of the weights
    the adversary may move (l1 for l_inf, l2 for l_2) from its margin: that is what the closed
    forms and the Monte Carlo engine charge it.

    Examples
    --------
    >>> t = ThreatModel("linf", 0.6)
    >>> t.dual, t.perturb_x1
    ('l1', True)
    >>> ThreatModel.weak_only("l2", 1.5)
    ThreatModel(norm='l2', eps=1.5, perturb_x1=False)
    """

    norm: str = "linf"
    eps: float = 0.0
    perturb_x1: bool = True

    def __post_init__(self) -> None:
        if self.norm not in NORMS:
            raise ValueError(f"norm must be one of {NORMS}, got norm={self.norm!r}")
        eps = _finite_real("eps", self.eps)
        if eps < 0:
            raise ValueError(f"eps must be >= 0, got eps={_show(self.eps)}")
        object.__setattr__(self, "eps", eps)
        if not isinstance(self.perturb_x1, bool):
            raise ValueError(f"perturb_x1 must be a bool, got {self.perturb_x1!r}")

    @classmethod
    def weak_only(cls, norm: str = "linf", eps: float = 0.0) -> "ThreatModel":
        """The ball restricted to the weak features (x1 cannot be perturbed)."""
        return cls(norm=norm, eps=eps, perturb_x1=False)

    @property
    def dual(self) -> str:
        """Name of the dual norm that prices a linear classifier: l1 for linf, l2 for l2."""
        return "l1" if self.norm == "linf" else "l2"
