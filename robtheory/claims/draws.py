r"""The sampling face of a Monte Carlo run: draws of contiguous blocks of one Philox stream.

A run of the Monte Carlo column (:mod:`robtheory.claims.runs`) is two steps: it *draws* (counts or
sums over rows ``start .. start + n - 1`` of the stream of ``seed``) and it *judges* (turns the totals
into test records). A :class:`Draw` is the first step as plain, picklable data: ``compute()`` returns
its totals, ``at(start, n)`` is the same draw over another block of rows of the same stream, and
``combine(parts)`` adds the totals of consecutive blocks. Hence a draw can be cut into pieces
(:func:`pieces`), each computed anywhere (a worker of a dask cluster), and the pieces' totals
combined are the draw's own:

* integer counts (:class:`LinearDraw`, :class:`CallableDraw`, the counts of :class:`MarginalDraw`)
  are sums of per-row indicators, equal for every cut;
* floating-point sums (:class:`MomentsDraw`, the sums of :class:`MarginalDraw`) are kept per *unit*
  (the blocks of rows the serial computation accumulates one at a time: :attr:`Draw.unit`) and
  folded in row order by ``combine``. A cut at multiples of the unit therefore gives the serial
  result bit for bit; :func:`pieces` rounds the piece length up to a multiple of the unit.

Nothing here imports dask: :mod:`robtheory.experiments.distributed` submits the pieces.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from robtheory.mc import reference as ref
from robtheory.model import ThreatModel, ToyModel
from robtheory.stats.moments import Moments, chunk_moments, merge_moments

__all__ = ["CallableDraw", "Draw", "LinearDraw", "MarginalDraw", "MomentsDraw", "finish_moments", "pieces",
           "piece_rows"]


def _numba_max_call() -> int:
    from robtheory.mc.cpu import MAX_CALL

    return int(MAX_CALL)


@dataclass(frozen=True)
class Draw:
    """Rows ``start .. start + n - 1`` of the Philox stream of ``seed`` (base of the draws below)."""

    seed: int
    start: int
    n: int

    #: Rows the serial computation accumulates at a time (1: exact integer counts, any cut is exact).
    @property
    def unit(self) -> int:
        return 1

    def at(self, start: int, n: int) -> Draw:
        """The same draw over rows ``start .. start + n - 1``."""
        return replace(self, start=int(start), n=int(n))

    def compute(self) -> Any:  # pragma: no cover - every draw defines it
        raise NotImplementedError

    @staticmethod
    def combine(parts: Sequence[Any]) -> Any:  # pragma: no cover - every draw defines it
        raise NotImplementedError


@dataclass(frozen=True)
class LinearDraw(Draw):
    """Counts of :func:`robtheory.mc.engine.estimate_linear`: ``{"standard", "robust", "backend"}``."""

    model: ToyModel = None  # type: ignore[assignment]
    clf: Any = None
    threat: ThreatModel | None = None
    backend: str = "numpy"

    def compute(self) -> dict[str, Any]:
        from robtheory.mc import engine

        res = engine.estimate_linear(self.model, self.clf, self.threat, self.n, self.seed, self.backend,
                                     start=self.start)
        return {"standard": int(res["standard"]["count"]), "robust": int(res["robust"]["count"]),
                "backend": res["backend"]}

    @staticmethod
    def combine(parts: Sequence[dict[str, Any]]) -> dict[str, Any]:
        return {"standard": sum(p["standard"] for p in parts), "robust": sum(p["robust"] for p in parts),
                "backend": parts[0]["backend"]}


@dataclass(frozen=True)
class CallableDraw(Draw):
    """The count of :func:`robtheory.mc.engine.estimate_callable`: ``{"count", "backend"}``.

    ``backend`` says who materialises the samples (:func:`robtheory.mc.engine.iter_samples`: the
    NumPy oracle for ``"numpy"``, the numba sampler otherwise where it is usable); ``"backend"`` in
    the totals is the one that did.
    """

    model: ToyModel = None  # type: ignore[assignment]
    classifier: Callable[..., Any] = None  # type: ignore[assignment]
    attack: Any = None
    threat: ThreatModel | None = None
    backend: str = "numpy"

    def compute(self) -> dict[str, Any]:
        from robtheory.mc import engine

        res = engine.estimate_callable(self.model, self.classifier, self.n, self.seed, attack=self.attack,
                                       threat=self.threat, start=self.start, backend=self.backend)
        return {"count": int(res["count"]), "backend": res["backend"]}

    @staticmethod
    def combine(parts: Sequence[dict[str, Any]]) -> dict[str, Any]:
        return {"count": sum(p["count"] for p in parts), "backend": parts[0]["backend"]}


@dataclass(frozen=True)
class MomentsDraw(Draw):
    """Per-unit moments (:func:`robtheory.stats.moments.chunk_moments`) of ``statistic(X, y)``.

    ``backend`` is ``"numpy"`` or ``"numba"`` (who materialises the samples, as in
    :func:`robtheory.claims.runs.sample_moments`); the unit is the chunk that function merges at a time.
    """

    model: ToyModel = None  # type: ignore[assignment]
    statistic: Callable[..., Any] = None  # type: ignore[assignment]
    backend: str = "numpy"

    @property
    def unit(self) -> int:
        rows = ref.chunk_rows(self.model.d)
        return rows if self.backend != "numba" else min(rows, _numba_max_call())

    def compute(self) -> dict[str, Any]:
        from robtheory.mc import engine

        parts: list[Moments] = []
        for y, X in engine.iter_samples(self.model, self.seed, self.n, start=self.start, backend=self.backend):
            V = np.asarray(self.statistic(X, y), dtype=np.float64)
            if V.ndim != 2 or V.shape[0] != y.size:
                raise ValueError(f"statistic must return shape (rows, m), got {V.shape} for {y.size} rows")
            parts.append(chunk_moments(V))
        return {"parts": parts, "backend": self.backend}

    @staticmethod
    def combine(parts: Sequence[dict[str, Any]]) -> dict[str, Any]:
        return {"parts": [m for p in parts for m in p["parts"]], "backend": parts[0]["backend"]}


def finish_moments(parts: Sequence[Moments], n: int) -> dict[str, Any]:
    """Mean, unbiased variance and sample skewness from per-unit moments merged in row order."""
    acc: Moments | None = None
    for m in parts:
        acc = merge_moments(acc, m)
    if acc is None or int(acc["n"]) != n:
        raise ValueError(f"the moments cover {0 if acc is None else acc['n']} rows, expected n={n}")
    m2 = acc["m2"] / n
    with np.errstate(divide="ignore", invalid="ignore"):
        skew = np.where(m2 > 0, (acc["m3"] / n) / np.maximum(m2, 1e-300) ** 1.5, 0.0)
    return {"n": n, "mean": acc["mean"], "var": acc["m2"] / (n - 1), "skew": skew}


_MARGINAL_COUNTS = ("n_pos", "x1_eq_y_pos", "x1_eq_y_neg")
_MARGINAL_SUMS = ("sum_x_pos", "sum_x_neg", "sum_x2")


@dataclass(frozen=True)
class MarginalDraw(Draw):
    """The sums of :func:`robtheory.mc.engine.estimate_marginals`, one dict per unit of rows."""

    model: ToyModel = None  # type: ignore[assignment]
    backend: str = "numpy"

    @property
    def unit(self) -> int:
        return _numba_max_call() if self.backend == "numba" else ref.chunk_rows(self.model.d)

    def compute(self) -> dict[str, Any]:
        from robtheory.mc import engine

        parts, done, u = [], 0, self.unit
        while done < self.n:
            c = min(u, self.n - done)
            parts.append(engine.estimate_marginals(self.model, c, self.seed, self.backend, start=self.start + done))
            done += c
        return {"parts": parts, "backend": parts[0]["backend"]}

    @staticmethod
    def combine(parts: Sequence[dict[str, Any]]) -> dict[str, Any]:
        return {"parts": [m for p in parts for m in p["parts"]], "backend": parts[0]["backend"]}

    def totals(self, result: dict[str, Any]) -> dict[str, Any]:
        """The dict of :func:`~robtheory.mc.engine.estimate_marginals` over the whole draw (sums folded
        in row order, as the serial call adds them)."""
        out: dict[str, Any] = {"n": self.n, "d": self.model.d, **{k: 0 for k in _MARGINAL_COUNTS},
                               **{k: 0.0 for k in _MARGINAL_SUMS}}
        for part in result["parts"]:
            for k in _MARGINAL_COUNTS:
                out[k] += int(part[k])
            for k in _MARGINAL_SUMS:
                out[k] += float(part[k])
        out["backend"] = result["backend"]
        return out


def piece_rows(draw: Draw, rows: int) -> int:
    """``rows`` rounded up to a multiple of the draw's unit (at least one unit)."""
    if isinstance(rows, bool) or not isinstance(rows, (int, np.integer)) or int(rows) < 1:
        raise ValueError(f"rows per piece must be a positive integer, got {rows!r}")
    u = draw.unit
    return u * max(1, math.ceil(int(rows) / u))


def pieces(draw: Draw, rows: int) -> list[Draw]:
    """``draw`` cut into consecutive blocks of :func:`piece_rows` ``(draw, rows)`` rows (the last one
    shorter): their totals, combined in order, are the draw's."""
    step = piece_rows(draw, rows)
    return [draw.at(draw.start + off, min(step, draw.n - off)) for off in range(0, draw.n, step)]
