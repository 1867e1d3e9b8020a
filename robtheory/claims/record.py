"""A claim is one record: :class:`Claim` holds every face of one statement of the paper.

A record names the statement (name, title, paper reference, statement text), its hypotheses
(a predicate over parameter points ``(p, eta, d, eps)``) and analytic check, its Monte Carlo
plan (the runs ``robtheory verify`` draws, and the builder of the runs at any point), the
points of the validation campaign, its **fixed stream block**, the proof scripts that certify
it, the torch experiment that supports it, and its negative controls. Every table that used to
be keyed by a claim's name (the Monte Carlo plans, the proof map, the campaign grid, the torch
catalogue's claims, the README table) is read from the records.

Stream blocks. The Monte Carlo runs of the claim whose record says ``stream_block = b`` are runs
``64 b, 64 b + 1, ...`` of the Philox stream (block 0 holds the sampler's marginal tests). The
block is pinned in the record, never derived from a position: inserting or reordering claims
moves no sample. A new claim takes the next unused block (``tests/claims/test_claim_record.py`` checks
that blocks are unique and that today's are unchanged).
"""

from __future__ import annotations

import contextlib
import itertools
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from robtheory.classifiers import StructuredLinear, robust_x1
from robtheory.model import ToyModel

#: Summary statistics ``(a, b, S, Q, U1)`` of linear classifiers (scalars or arrays).
Stats = tuple[Any, Any, Any, Any, Any]

__all__ = ["Point", "CheckResult", "Claim", "cell_verdict", "GRID", "COLUMNS", "register_column",
           "column_registered", "random_linear_stats"]


@dataclass(frozen=True)
class Point:
    """A parameter point ``(p, eta, d, eps)``; ``eps`` is the l_inf radius unless stated."""

    p: float
    eta: float
    d: int
    eps: float = 0.0

    @classmethod
    def from_mu(cls, p: float, mu: float, d: int, eps: float = 0.0) -> Point:
        """The point with ``eta = mu / sqrt(d)`` (the parameter the closed forms depend on)."""
        return cls(p, mu / math.sqrt(d), d, eps)

    @property
    def mu(self) -> float:
        return self.eta * math.sqrt(self.d)

    @property
    def model(self) -> ToyModel:
        return ToyModel(self.p, self.eta, self.d)


@dataclass(frozen=True)
class CheckResult:
    """Verdict of one check: ``passed`` over ``n_points`` points, with the tightest case."""

    passed: bool
    n_points: int
    detail: str


@dataclass(frozen=True, eq=False)
class Claim:
    """One statement of the paper with every face: see the module docstring.

    ``mc_plan()`` gives the runs ``verify`` draws (empty/None: sampling checks nothing
    meaningful), ``mc_at(point)`` the runs at one point (the campaign), ``campaign`` its points
    ``(p, eta, d, eps)``. ``proofs`` are module names of ``robtheory.proofs``, ``proof_steps``
    the ``"module:step"`` labels that conclude the claim, ``proof_partial`` the pair (certified,
    not certified) when the certificates cover the claim only in part. ``torch_experiment``
    names the torch catalogue entry whose column speaks to the claim. ``controls`` maps a name
    to a negative control: a callable whose replaceable argument (a wrong bound, a wrong
    constant, a shifted frontier) shows that the check it wraps can fail.
    """

    name: str
    title: str
    reference: str
    statement: str
    hypotheses: Callable[[Point], bool]
    analytic: Callable[[Claim], CheckResult]
    notes: str = ""
    mc_plan: Callable[[], list[Any]] | None = None
    mc_at: Callable[[Point], list[Any]] | None = None
    campaign: tuple[Point, ...] = ()
    stream_block: int | None = None
    proofs: tuple[str, ...] = ()
    proof_steps: tuple[str, ...] = ()
    proof_partial: tuple[str, str] | None = None
    torch_experiment: str | None = None
    controls: Mapping[str, Callable[..., Any]] = field(default_factory=dict)

    def points(self) -> list[Point]:
        """The grid points that satisfy this claim's hypotheses."""
        return [pt for pt in GRID if self.hypotheses(pt)]

    def check(self) -> CheckResult:
        return self.analytic(self)

    def control(self, name: str) -> Callable[..., Any]:
        """The negative control ``name`` (ValueError naming the known ones otherwise)."""
        try:
            return self.controls[name]
        except KeyError:
            raise ValueError(f"claim {self.name!r} has no negative control {name!r}; "
                             f"known: {sorted(self.controls)}") from None


def _grid() -> tuple[Point, ...]:
    ps = (0.5, 0.6, 0.75, 0.9, 0.95, 0.975, 0.99)
    ds = (1, 10, 100, 10**4, 10**6)
    mus = (0.5, 1.0, 3.0, 4.0, 6.0, 10.0, 40.0)
    out = []
    for p, d, mu in itertools.product(ps, ds, mus):
        eta = mu / math.sqrt(d)
        for eps in sorted({0.0, eta / 2, eta, 2 * eta, 3 * eta, 0.5, 0.99, 1.5}):
            out.append(Point(p, eta, d, eps))
    return tuple(out)


#: The default parameter grid (p, eta = mu/sqrt(d), d, eps) shared by every analytic check.
GRID = _grid()

#: Extra verdict columns added by other layers: name -> callable(Claim) -> CheckResult | None.
COLUMNS: dict[str, Callable[[Claim], CheckResult | None]] = {}


def register_column(name: str, fn: Callable[[Claim], CheckResult | None]) -> None:
    """Add a verdict column (e.g. ``"mc"``) computed for every claim."""
    COLUMNS[name] = fn


@contextlib.contextmanager
def column_registered(name: str, fn: Callable[[Claim], CheckResult | None]) -> Iterator[Callable[[Claim], CheckResult | None]]:
    """Register ``fn`` as column ``name`` for the duration of a ``with`` block; yields ``fn``.

    Whatever was registered under ``name`` before is restored afterwards.
    """
    previous = COLUMNS.get(name)
    register_column(name, fn)
    try:
        yield fn
    finally:
        if previous is None:
            COLUMNS.pop(name, None)
        else:
            COLUMNS[name] = previous


def cell_verdict(cell: Mapping[str, Any]) -> str:
    """The word a verify cell shows: its three-way ``verdict`` (Monte Carlo: PASS / FAIL /
    INCONCLUSIVE), else its ``mark`` (proofs: PARTIAL), else PASS or FAIL from ``passed``."""
    return str(cell.get("verdict") or cell.get("mark") or ("PASS" if cell.get("passed") else "FAIL"))


def _result(ok: bool, n: int, detail: str) -> CheckResult:
    return CheckResult(bool(ok), int(n), detail)


def _mu_at_least(k: float) -> Callable[[Point], bool]:
    return lambda pt: pt.mu >= k - 1e-12


# ----------------------------------------------------------------------------------------
# Helpers shared by several checks


def _tau_family(d: int, taus: tuple[float, ...] = (0.0, 0.05, 0.2, 0.5, 1.0, 2.0, 5.0, 20.0)) -> list[Any]:
    return [StructuredLinear(t, 1 / math.sqrt(d), d) for t in taus] + [robust_x1(d)]


def random_linear_stats(rng: np.random.Generator, d: int, n: int, k_max: int = 40
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Summary statistics of ``n`` random but realisable linear classifiers in dimension ``d``.

    ``u = c*1 + (noise on k <= min(d, k_max) coordinates)`` so that S, Q and U1 are those of
    an actual vector at any ``d`` (no O(d) memory). Returns arrays (a, b, S, Q, U1).
    """
    k = min(d, k_max)
    a = rng.normal(size=n) * rng.choice([0.0, 0.3, 1.0, 3.0], size=n)
    b = rng.normal(size=n) * rng.choice([0.0, 0.0, 0.1, 1.0], size=n)
    c = rng.normal(size=n) / math.sqrt(d) * rng.choice([0.0, 1.0, 1.0, 3.0], size=n)
    noise = rng.normal(size=(n, k)) * rng.choice([0.0, 0.1, 1.0], size=(n, 1)) / math.sqrt(k)
    head = c[:, None] + noise
    S = c * (d - k) + head.sum(axis=1)
    Q = np.sqrt(c**2 * (d - k) + (head**2).sum(axis=1))
    U1 = np.abs(c) * (d - k) + np.abs(head).sum(axis=1)
    zero = (Q == 0) & (a == 0)
    a = np.where(zero, 1.0, a)  # keep a direction
    return a, b, S, Q, U1


def _random_family_stats(pt: Point, n: int = 200, seed: int = 0
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Statistics (a, b, S, Q, U1) of ``n`` random linear classifiers, seeded by the point."""
    rng = np.random.default_rng([seed, pt.d, int(pt.p * 1000), int(pt.mu * 1000)])
    return random_linear_stats(rng, pt.d, n)
