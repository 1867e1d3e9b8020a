"""The library call behind ``robtheory verify``: check every claim, one typed row per claim.

:func:`verify` runs each selected claim's analytic check and every registered verdict column,
and returns a :class:`VerifyResult` of :class:`VerifyRow` s; ``to_dict()`` on either gives the
JSON that ``robtheory verify --json`` writes, key for key (every key is in
:mod:`robtheory.vocabulary`).

Where the columns come from. This module sits in the claims layer, below the proofs and the
torch bridge, so it never imports them: the caller passes the columns. ``verify(mc=...)`` takes
the Monte Carlo column (:class:`robtheory.claims.mc_column.MonteCarloColumn`, in this layer;
its sampler-marginal tests run after the claims) and ``columns={"proof": ..., "torch": ...}``
any other column object, a callable ``Claim -> CheckResult | None`` (the CLI passes
``robtheory.proofs.column.ProofColumn`` and ``robtheory.torch_bridge.column.TorchColumn``).
Columns registered with :func:`robtheory.claims.register_column` (the registration hook) are
included too. The order of the columns is: registered ones, ``mc``, then ``columns`` in order.
Nothing is registered globally by this call.

Example
-------
>>> from robtheory.claims import get
>>> from robtheory.claims.verify import verify
>>> result = verify([get("claim_a")])          # analytic column only
>>> result.rows[0].analytic.passed, result.verdict
(True, 'PASS')
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from robtheory import claims as _claims
from robtheory._ahead import PARALLEL_ENV as PARALLEL_ENV  # re-exported: the switch of verify's helper processes
from robtheory._ahead import Ahead
from robtheory.claims import CheckResult, Claim, cell_verdict

if TYPE_CHECKING:  # the Monte Carlo column loads the sampling engine: only when asked
    from robtheory.claims.mc_column import MonteCarloColumn

#: A verdict column: called once per claim; None means the column has nothing to say (``-``).
Column = Callable[[Claim], "CheckResult | None"]

__all__ = ["Cell", "Column", "VerifyRow", "VerifyResult", "load", "verify", "FAIL", "INCONCLUSIVE", "PASS"]

PASS, FAIL, INCONCLUSIVE = "PASS", "FAIL", "INCONCLUSIVE"

#: One verdict column's cell in a row: the column's own record (``passed``, ``n_points``,
#: ``detail`` and, per column, ``verdict``, ``checks``, ``mark``, ...), or None where the column
#: has nothing to say about the claim (shown as ``-``).
Cell = Mapping[str, Any]

#: The keys of a row before and after its column cells, in the order ``verify --json`` writes them.
_HEAD_KEYS = ("name", "title", "reference", "statement", "notes", "analytic")
_TAIL_KEYS = ("seconds",)


def _cell_of(result: object) -> dict[str, Any]:
    """A column's result as its JSON cell (a result type with ``to_dict`` gives its own keys)."""
    to_dict = getattr(result, "to_dict", None)
    if callable(to_dict):
        cell = to_dict()
        if not isinstance(cell, dict):
            raise ValueError(f"a column's to_dict() must return a dict, got {type(cell).__name__}")
        return cell
    if isinstance(result, CheckResult):
        return {"passed": result.passed, "n_points": result.n_points, "detail": result.detail}
    raise ValueError(f"a verdict column must return a CheckResult (or None), got {result!r}")


def _analytic_dict(res: CheckResult) -> dict[str, Any]:
    return {"passed": res.passed, "n_points": res.n_points, "detail": res.detail}


@dataclass(frozen=True)
class VerifyRow:
    """One claim's line of ``robtheory verify``: the claim, its analytic verdict and one cell per
    verdict column.

    Attributes
    ----------
    name, title, reference, statement, notes : str
        The claim (:class:`robtheory.claims.Claim`).
    analytic : CheckResult
        The analytic check's verdict.
    cells : mapping of column name to Cell or None
        One cell per verdict column, in the columns' order (None: the column says ``-``).
    seconds : float
        Wall-clock seconds of the analytic check and every column for this claim (rounded to ms).
    """

    name: str
    title: str
    reference: str
    statement: str
    notes: str
    analytic: CheckResult
    cells: Mapping[str, Cell | None] = field(default_factory=dict)
    seconds: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"a verify row needs a claim name, got name={self.name!r}")
        if not isinstance(self.analytic, CheckResult):
            raise ValueError(f"analytic must be a CheckResult, got analytic={self.analytic!r}")
        clash = set(self.cells) & {*_HEAD_KEYS, *_TAIL_KEYS}
        if clash:
            raise ValueError(f"a column may not be named like a row key: {sorted(clash)}")
        object.__setattr__(self, "cells", MappingProxyType(dict(self.cells)))

    @property
    def columns(self) -> tuple[str, ...]:
        """The verdict columns after ``analytic``, in order."""
        return tuple(self.cells)

    def cell(self, column: str) -> Cell | None:
        """The cell of ``column`` (None where the column has nothing to say or is absent)."""
        return self.cells.get(column)

    @property
    def passed(self) -> bool:
        """The analytic check and every column cell passed (inconclusive cells count as passed)."""
        return self.analytic.passed and all(c is None or bool(c["passed"]) for c in self.cells.values())

    @property
    def inconclusive(self) -> bool:
        """Some cell (a Monte Carlo one) is INCONCLUSIVE: it could not resolve its resolution."""
        return any(c is not None and c.get("verdict") == INCONCLUSIVE for c in self.cells.values())

    def verdicts(self) -> dict[str, str | None]:
        """The word each column shows (PASS, FAIL, INCONCLUSIVE, PARTIAL; None for ``-``)."""
        return {c: None if e is None else cell_verdict(dict(e)) for c, e in self.cells.items()}

    def to_dict(self) -> dict[str, Any]:
        """The row as ``verify --json`` writes it (one key per column between analytic and seconds)."""
        return {"name": self.name, "title": self.title, "reference": self.reference,
                "statement": self.statement, "notes": self.notes, "analytic": _analytic_dict(self.analytic),
                **{c: None if e is None else dict(e) for c, e in self.cells.items()},
                "seconds": self.seconds}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VerifyRow:
        """Read a row back from :meth:`to_dict` (or from a ``verify --json`` file); ``title``,
        ``notes`` and ``seconds`` may be absent (empty, empty, 0)."""
        missing = [k for k in ("name", "reference", "statement", "analytic") if k not in data]
        if missing:
            raise ValueError(f"a verify row needs the keys {missing}, got {sorted(data)}")
        a = data["analytic"]
        analytic = CheckResult(bool(a["passed"]), int(a["n_points"]), str(a["detail"]))
        cells = {k: v for k, v in data.items() if k not in {*_HEAD_KEYS, *_TAIL_KEYS}}
        return cls(str(data["name"]), str(data.get("title", "")), str(data["reference"]), str(data["statement"]),
                   str(data.get("notes", "")), analytic, cells, float(data.get("seconds", 0.0)))


@dataclass(frozen=True)
class VerifyResult:
    """Everything ``robtheory verify`` computed.

    Attributes
    ----------
    rows : tuple of VerifyRow
        One per claim, in the order checked.
    columns : tuple of str
        The verdict columns after ``analytic`` (the registered ones, in registration order).
    mc : mapping or None
        The Monte Carlo column's run-level summary (n, seed, backends, family-wise alpha, the
        sampler-marginal tests, ...); None without that column.
    mc_statement : str or None
        The Monte Carlo column's one-paragraph account of its tests (None without it).
    passed : bool
        No check failed (analytic, any column, the sampler marginals).
    verdict : {"PASS", "FAIL", "INCONCLUSIVE"}
        FAIL if a check failed, else INCONCLUSIVE if a Monte Carlo test could not resolve its
        resolution, else PASS.
    """

    rows: tuple[VerifyRow, ...]
    columns: tuple[str, ...]
    mc: Mapping[str, Any] | None
    mc_statement: str | None
    passed: bool
    verdict: str

    def __post_init__(self) -> None:
        if self.verdict not in (PASS, FAIL, INCONCLUSIVE):
            raise ValueError(f"verdict must be PASS, FAIL or INCONCLUSIVE, got verdict={self.verdict!r}")
        object.__setattr__(self, "rows", tuple(self.rows))
        object.__setattr__(self, "columns", tuple(self.columns))

    @property
    def analytic_passed(self) -> int:
        """How many claims pass the analytic check."""
        return sum(r.analytic.passed for r in self.rows)

    def row(self, name: str) -> VerifyRow:
        """The row of claim ``name``."""
        for r in self.rows:
            if r.name == name:
                return r
        raise KeyError(f"no row for claim {name!r}; rows: {', '.join(r.name for r in self.rows)}")

    def to_dict(self) -> dict[str, Any]:
        """The document ``verify --json`` writes: ``claims``, ``mc``, ``passed``, ``verdict``."""
        return {"claims": [r.to_dict() for r in self.rows], "mc": None if self.mc is None else dict(self.mc),
                "passed": self.passed, "verdict": self.verdict}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VerifyResult:
        """Read back a ``verify --json`` document (:meth:`to_dict`). The columns are those of the
        rows (every row of a run has the same ones); ``mc_statement`` is not saved, so it is None."""
        if not isinstance(data, Mapping) or not isinstance(data.get("claims"), list) or not data["claims"]:
            raise ValueError("a verify document needs a non-empty 'claims' list (write one with "
                             "'robtheory verify --json FILE')")
        missing = [k for k in ("passed", "verdict") if k not in data]
        if missing:
            raise ValueError(f"a verify document needs the keys {missing}, got {sorted(data)}")
        rows = tuple(VerifyRow.from_dict(r) for r in data["claims"])
        columns = rows[0].columns
        odd = [r.name for r in rows if r.columns != columns]
        if odd:
            raise ValueError(f"rows {odd} have other columns than {list(columns)}: not one verify run")
        mc = data.get("mc")
        return cls(rows, columns, None if mc is None else dict(mc), None, bool(data["passed"]), str(data["verdict"]))


def load(path: str | Path) -> VerifyResult:
    """A saved ``robtheory verify --json FILE`` result (:meth:`VerifyResult.from_dict`); a ValueError
    names the file when it is not one."""
    import json

    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"cannot read a verify result from {str(path)!r}: {exc}") from None
    try:
        return VerifyResult.from_dict(data)
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{str(path)!r} is not a 'robtheory verify --json' result: {exc}") from None


def _overall(rows: Iterable[VerifyRow], marginals: Mapping[str, Any] | None) -> tuple[bool, str]:
    rows = list(rows)
    ok = all(r.passed for r in rows)
    inconclusive = any(r.inconclusive for r in rows)
    if marginals is not None:
        ok = ok and bool(marginals["passed"])
        inconclusive = inconclusive or marginals["verdict"] == INCONCLUSIVE
    return ok, FAIL if not ok else INCONCLUSIVE if inconclusive else PASS


def verify(claims: Sequence[Claim] | None = None, *, mc: MonteCarloColumn | None = None,
           columns: Mapping[str, Column] | None = None,
           on_start: Callable[[str], None] | None = None,
           on_row: Callable[[VerifyRow], None] | None = None,
           on_marginals: Callable[[Mapping[str, Any]], None] | None = None) -> VerifyResult:
    """Check ``claims`` (default: the whole registry) in every registered verdict column.

    Parameters
    ----------
    claims : sequence of Claim, optional
        The claims to check, in order (default :data:`robtheory.claims.REGISTRY`).
    mc : MonteCarloColumn, optional
        The Monte Carlo column (:class:`robtheory.claims.mc_column.MonteCarloColumn`), built by
        the caller for the same claims: the ``"mc"`` column, and its five sampler-marginal
        tests run after the claims.
    columns : mapping of str to Column, optional
        Further verdict columns by name, in order (e.g. ``{"proof": ProofColumn()}``), after
        the registered ones and ``mc``. A name may not repeat a registered column or ``"mc"``.
    on_start : callable(str), optional
        Called with a claim's name before it is checked (and with ``"sampler marginals"``
        before those run): for a progress display.
    on_row : callable(VerifyRow), optional
        Called with each row as soon as it is complete (the CLI prints it).
    on_marginals : callable(mapping), optional
        Called with the Monte Carlo column's marginal record (keys ``passed``, ``verdict``,
        ``detail``, ...) once it is computed.

    Returns
    -------
    VerifyResult
        Its ``to_dict()`` is the ``verify --json`` document.

    Notes
    -----
    Columns registered in :data:`robtheory.claims.COLUMNS` (the registration hook) when the call
    starts come first. A claim's row is timed from its analytic check to its last column.
    """
    selected = tuple(_claims.REGISTRY if claims is None else claims)
    table: dict[str, Column] = dict(_claims.COLUMNS)
    for name, col in ((("mc", mc),) if mc is not None else ()) + tuple((columns or {}).items()):
        if name in table:
            raise ValueError(f"column {name!r} is given twice (registered columns: {', '.join(_claims.COLUMNS)})")
        if not callable(col):
            raise ValueError(f"column {name!r} must be callable (Claim -> CheckResult | None), got {col!r}")
        table[name] = col
    return _run(selected, table, mc, on_start, on_row, on_marginals)


def _run(selected: tuple[Claim, ...], table: Mapping[str, Column], mc: MonteCarloColumn | None,
         on_start: Callable[[str], None] | None, on_row: Callable[[VerifyRow], None] | None,
         on_marginals: Callable[[Mapping[str, Any]], None] | None) -> VerifyResult:
    rows = []
    ahead = _AnalyticAhead(selected) if table else None  # the analytic column, in a second process
    for claim in selected:
        if on_start is not None:
            on_start(claim.name)
        t0 = time.perf_counter()
        if ahead is None:
            res = claim.check()
        cells: dict[str, Cell | None] = {}
        for col, fn in table.items():
            r = fn(claim)
            cells[col] = None if r is None else _cell_of(r)
        if ahead is not None:  # collected after this process's own columns: it never idles waiting
            res = ahead.result(claim)
        row = VerifyRow(claim.name, claim.title, claim.reference, claim.statement, claim.notes, res, cells,
                        round(time.perf_counter() - t0, 3))
        rows.append(row)
        if on_row is not None:
            on_row(row)
    if ahead is not None:
        ahead.close()
    marginals = None
    if mc is not None:
        if on_start is not None:
            on_start("sampler marginals")
        marginals = mc.marginals()
        if on_marginals is not None:
            on_marginals(marginals)
    ok, verdict = _overall(rows, marginals)
    return VerifyResult(tuple(rows), tuple(table), None if mc is None else mc.summary(),
                        None if mc is None else mc.statement(), ok, verdict)


def _registered_check(name: str) -> CheckResult:
    """The analytic check of the registered claim ``name`` (run in the helper process)."""
    return _claims.get(name).check()


class _AnalyticAhead(Ahead):
    """The analytic checks of the registered claims, ahead in a helper process (:class:`robtheory._ahead.Ahead`)
    while the calling process computes the other columns (Monte Carlo, proofs, torch): on two
    cores the analytic column then costs little more than its longest wait.

    The checks are deterministic and the helper evaluates the same registered records, so the
    results are those of ``claim.check()`` here; a claim that is not the registered object of its
    name (a test's stand-in) is checked here, as are all of them when the helper cannot start or dies
    or ``ROBTHEORY_VERIFY_PROCESSES=0``. Only worth its start-up (~1-2 s: a fresh interpreter imports
    robtheory) when there are other columns and more than one claim.
    """

    def __init__(self, selected: Sequence[Claim]) -> None:
        super().__init__(_registered_check, [c.name for c in selected if _is_registered(c)], min_keys=2)

    def result(self, claim: Claim) -> CheckResult:
        if not _is_registered(claim):
            return claim.check()
        res: CheckResult = self.get(claim.name, claim.check)
        return res


def _is_registered(claim: Claim) -> bool:
    try:
        return _claims.get(claim.name) is claim
    except (KeyError, ValueError):
        return False
