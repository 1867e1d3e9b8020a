"""Proof certificates: steps checked by sympy, recorded as a JSON artifact.

A proof script builds a :class:`Certificate`, adds one step per line of the
argument and writes the result with :meth:`Certificate.write`.  Three kinds of
step exist:

``identity``
    ``lhs == rhs``, accepted only when sympy reduces ``lhs - rhs`` to the
    literal zero.
``inequality``
    ``expr >= 0`` (or ``> 0``) on a stated domain, accepted only when sympy's
    assumption system certifies the sign after the domain has been rewritten
    in terms of nonnegative parameters (see :meth:`Certificate.inequality`).
``fact``
    a computation checked by other means (a ``solve`` result compared with an
    expected value, an interval-arithmetic enclosure or covering); the caller
    supplies the computed verdict and the evidence.
``deduction``
    a conclusion drawn from earlier steps (:meth:`Certificate.deduce`): it
    passes only if every premise passed and, when it states a domain, every
    premise that constrains a symbol of that domain was proved on a superset
    of it (a premise proved on a smaller domain makes the deduction fail).
``asserted``
    a step that is not machine-checked at all (:meth:`Certificate.asserted`),
    with the reason; it is counted (:attr:`Certificate.asserted_count`) and
    printed by ``robtheory prove``, never passed off as computed.

A certificate states its hypotheses as a machine-read *region*
(:meth:`Certificate.set_region`, a mapping of symbols to sympy sets) and ends
in :meth:`Certificate.conclude`, a deduction over the region that also fails
when some hypothesis of the region enters no checked step.

No step is ever accepted on numerical evidence: a step that sympy cannot
settle is recorded with ``verdict: false``, so a certificate either carries a
symbolic proof of each step or says that it does not (``asserted`` steps say so
with their reason).

The registry :data:`PROOF_MODULES` names the proof scripts of this package (read from the
claims' records);
:func:`run_all` builds every certificate.  The tests regenerate the
certificates and compare them with the committed ones through
:func:`comparable`, which ignores the library versions.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import platform
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

import sympy

from robtheory.claims import proof_modules

from ._decide import (  # noqa: F401 (holds and resolve are public here, as before)
    Domain,
    _cases,
    _coverage_gaps,
    _prove_nonnegative,
    _prove_zero,
    _summarise,
    holds,
    resolve,
)

__all__ = ["PROOF_MODULES", "Certificate", "Step", "build_of", "comparable", "describe", "holds", "resolve", "run_all",
           "shared_builds"]

#: Proof scripts in this package, each a module with ``build() -> Certificate``: those named by the
#: claims' records (``Claim.proofs``), each once, in registry order.
PROOF_MODULES: tuple[str, ...] = proof_modules()

#: A domain (:data:`proofs._decide.Domain`): each symbol mapped to the set it ranges over.
#: Accepted sets are :class:`sympy.Interval` (bounds may be symbolic and may use symbols listed
#: *earlier* in the mapping) and :class:`sympy.FiniteSet` (a case split).


# --------------------------------------------------------------------------- #
# rendering
# --------------------------------------------------------------------------- #
def _render(expr: Any) -> dict[str, str]:
    """Human-readable ``str`` and LaTeX forms of a sympy object."""
    expr = sympy.sympify(expr)
    return {"str": sympy.sstr(expr), "latex": sympy.latex(expr)}


def _jsonable(value: Any) -> Any:
    """Turn fact details into JSON values; sympy objects become ``_render``."""
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, sympy.logic.boolalg.BooleanAtom):
        return bool(value)
    if isinstance(value, sympy.Basic):
        return _render(value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return str(value)


def _symbol_assumptions(exprs: Iterable[Any]) -> dict[str, list[str]]:
    """The assumptions declared on each symbol, part of every step's hypotheses."""
    symbols: set[sympy.Symbol] = set()
    for e in exprs:
        symbols |= {s for s in sympy.sympify(e).free_symbols if isinstance(s, sympy.Symbol)}
    out = {}
    for sym in sorted(symbols, key=lambda s: s.name):
        declared = getattr(sym, "_assumptions_orig", None) or {}
        out[sym.name] = sorted(f"{k}={v}" for k, v in declared.items())
    return out


def _domain_by_name(assumptions: Domain | None) -> dict[str, sympy.Set]:
    """A domain keyed by symbol name (how regions and steps are compared)."""
    return {sympy.sstr(sym): dom for sym, dom in (assumptions or {}).items()}


def _render_domain(assumptions: Domain | None) -> dict[str, dict[str, str]]:
    if not assumptions:
        return {}
    return {sympy.sstr(sym): _render(dom) for sym, dom in assumptions.items()}


# --------------------------------------------------------------------------- #
# certificate
# --------------------------------------------------------------------------- #
@dataclass
class Step:
    """One recorded step of a proof."""

    step: str
    description: str
    kind: str
    expressions: dict[str, dict[str, str]]
    verdict: bool
    assumptions: dict[str, dict[str, str]] = field(default_factory=dict)
    method: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    #: symbol name -> the set on which the step was proved (explicit domains only)
    domain: dict[str, sympy.Set] = field(default_factory=dict, repr=False, compare=False)
    #: labels of the premises (deductions)
    uses: tuple[str, ...] = field(default=(), repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "description": self.description,
            "kind": self.kind,
            "expressions": self.expressions,
            "assumptions": self.assumptions,
            "method": self.method,
            "details": self.details,
            "verdict": self.verdict,
        }


class Certificate:
    """An ordered list of checked proof steps with a JSON rendering.

    Parameters
    ----------
    name : str
        File stem of the certificate (``<name>.json``), e.g. ``"theorem_2_1"``.
    title : str
        Human-readable statement of what is proved.
    reference : str
        Where the statement comes from (paper, theorem, appendix).
    """

    def __init__(self, name: str, title: str, reference: str) -> None:
        if not name or any(c in name for c in "/\\"):
            raise ValueError(f"certificate name must be a plain file stem, got {name!r}")
        self.name = name
        self.title = title
        self.reference = reference
        self.steps: list[Step] = []
        self.region: dict[str, sympy.Set] | None = None
        self._region_render: dict[str, dict[str, str]] = {}
        self.region_note = ""
        self.scope: dict[str, Any] = {}

    # -- hypotheses and scope ------------------------------------------------- #
    def set_region(self, region: Domain, note: str = "") -> None:
        """State the hypotheses as a machine-read domain (symbols mapped to sympy sets).

        :meth:`conclude` checks the region against the steps: every symbol of the
        region must be constrained by some checked step, and every premise that
        constrains it must have been proved on a superset of the region's set.
        ``note`` states in words what the region does not express (e.g. "every d >= 1").
        """
        if not region:
            raise ValueError(f"certificate {self.name!r}: the region must name at least one symbol")
        for sym, dom in region.items():
            if not isinstance(dom, sympy.Set):
                raise TypeError(f"region of {sym}: expected a sympy Set, got {dom!r}")
        self.region = _domain_by_name(region)
        self._region_symbols = dict(region)
        self._region_render = _render_domain(region)
        self.region_note = note

    def set_scope(self, certified: str, method: str, not_certified: str = "") -> None:
        """Say in words what the certificate certifies, by which method, and what it does not."""
        self.scope = {"certified": certified, "method": method, "not_certified": not_certified}

    # -- steps -------------------------------------------------------------- #
    def identity(
        self,
        step: str,
        description: str,
        lhs: Any,
        rhs: Any,
        assumptions: Domain | None = None,
    ) -> bool:
        """Check ``lhs == rhs`` symbolically and record the step.

        The difference ``lhs - rhs`` is passed through ``doit`` and then a fixed
        sequence of rewrites (auto-evaluation, ``expand``, ``cancel``, the
        numerator after ``together``, ``simplify``, ``trigsimp``, ``powsimp``);
        the step passes only if one of them yields the literal ``0``.

        Parameters
        ----------
        assumptions : mapping of Symbol to Set, optional
            Domain of the identity.  A :class:`sympy.FiniteSet` splits into
            one case per element; an :class:`sympy.Interval` is rewritten through
            nonnegative parameters exactly as in :meth:`inequality`, so the
            symbols of the identity inherit the sign information of their domain.

        Returns
        -------
        bool
            The verdict: True only if every case was reduced to zero.
        """
        lhs, rhs = sympy.sympify(lhs), sympy.sympify(rhs)
        methods = []
        verdict = True
        for _, apply in _cases((lhs, rhs), assumptions):
            method = _prove_zero(apply(lhs) - apply(rhs))
            methods.append(method)
            if method is None:
                verdict = False
                break
        self._add(
            Step(
                step=step,
                description=description,
                kind="identity",
                expressions={"lhs": _render(lhs), "rhs": _render(rhs)},
                assumptions=_render_domain(assumptions),
                method=_summarise(methods),
                details={"symbols": _symbol_assumptions((lhs, rhs))},
                verdict=verdict,
                domain=_domain_by_name(assumptions),
            )
        )
        return verdict

    def inequality(
        self,
        step: str,
        description: str,
        expr: Any,
        assumptions: Domain | None = None,
        *,
        strict: bool = False,
    ) -> bool:
        r"""Prove ``expr >= 0`` (``expr > 0`` if ``strict``) on a domain.

        Each domain symbol is rewritten through parameters that sympy knows to
        be nonnegative, covering the domain exactly (a union of cases):

        .. math::

            x \in [l, h) &\mapsto l + (h-l)\,\frac{s}{1+s},\quad s \ge 0, \\
            x \in [l, h] &\mapsto \text{the above, and the case } x = h, \\
            x \in [l, \infty) &\mapsto l + s,\quad s \ge 0,

        and a :class:`sympy.FiniteSet` becomes one case per element.  In
        every case the rewritten expression must be certified by sympy's
        assumption system, directly or after ``cancel``/``factor``/
        ``simplify``, or by the signs of the factors of its numerator and
        denominator.  Nothing is sampled: if sympy cannot certify a case, the
        step is recorded with verdict False.

        Returns
        -------
        bool
            The verdict.
        """
        expr = sympy.sympify(expr)
        cases = []
        verdict = True
        for pairs, apply in _cases((expr,), assumptions):
            reduced = apply(expr)
            method = _prove_nonnegative(reduced, strict)
            cases.append(
                {
                    "substitution": {sympy.sstr(s): sympy.sstr(r) for s, r in pairs},
                    "method": method,
                }
            )
            if method is None:
                verdict = False
                break
        self._add(
            Step(
                step=step,
                description=description,
                kind="inequality",
                expressions={
                    "expr": _render(expr),
                    "claim": {"str": "expr > 0" if strict else "expr >= 0",
                              "latex": r"> 0" if strict else r"\geq 0"},
                },
                assumptions=_render_domain(assumptions),
                method=_summarise([c["method"] for c in cases]),
                details={"cases": cases, "symbols": _symbol_assumptions((expr,))},
                verdict=verdict,
                domain=_domain_by_name(assumptions),
            )
        )
        return verdict

    def fact(self, step: str, description: str, verdict: bool, domain: Domain | None = None,
             **details: Any) -> bool:
        """Record a step checked by other means; ``verdict`` must be a real bool.

        Sympy objects in ``details`` are rendered like expressions.  A sympy
        relational or any non-boolean is refused, so that an undecided
        comparison cannot be recorded as a pass.
        """
        if isinstance(verdict, sympy.logic.boolalg.BooleanAtom):
            verdict = bool(verdict)
        if not isinstance(verdict, bool):
            raise TypeError(
                f"fact {step!r}: verdict must be a bool, got {type(verdict).__name__} {verdict!r}"
            )
        expressions = {
            k: _render(v) for k, v in details.items() if isinstance(v, sympy.Basic)
            and not isinstance(v, sympy.logic.boolalg.BooleanAtom)
        }
        rest = {k: _jsonable(v) for k, v in details.items() if k not in expressions}
        self._add(
            Step(
                step=step,
                description=description,
                kind="fact",
                expressions=expressions,
                assumptions=_render_domain(domain),
                details=rest,
                verdict=verdict,
                domain=_domain_by_name(domain),
            )
        )
        return verdict

    def deduce(self, step: str, description: str, uses: Iterable[str], check: bool = True,
               domain: Domain | None = None, split: tuple[str, Iterable[str]] | None = None,
               **details: Any) -> bool:
        """Record a conclusion drawn from earlier steps; it can fail.

        The verdict is True only if ``check`` is True, every step in ``uses`` was
        recorded and passed, and -- when ``domain`` is given -- every premise that
        was proved on an explicit domain for a symbol of ``domain`` covers that
        symbol's set (``domain[x]`` is a subset of the premise's set, decided by
        sympy). With ``split=("x", labels)`` the premises named in ``labels`` are the
        cases of a case split on ``x``: the *union* of their sets for ``x`` must cover
        ``domain[x]`` (each must state a set for ``x``).
        """
        uses = tuple(uses)
        by_label = {st.step: st for st in self.steps}
        missing = [n for n in uses if n not in by_label]
        if missing:
            raise KeyError(f"step {step!r} uses steps not yet recorded: {missing}")
        if not isinstance(check, bool):
            if isinstance(check, sympy.logic.boolalg.BooleanAtom):
                check = bool(check)
            else:
                raise TypeError(f"deduction {step!r}: check must be a bool, got {check!r}")
        failed = [n for n in uses if not by_label[n].verdict]
        named = _domain_by_name(domain)
        gaps = _coverage_gaps(domain or {}, [by_label[n] for n in uses], split)
        verdict = check and not failed and not gaps
        if failed:
            details["failed_premises"] = failed
        if gaps:
            details["not_covered"] = gaps
        self._add(Step(step=step, description=description, kind="deduction", expressions={},
                       assumptions=_render_domain(domain), details={"uses": list(uses), **_jsonable(details)},
                       verdict=verdict, domain=named, uses=uses))
        return verdict

    def conclude(self, step: str, description: str, uses: Iterable[str], check: bool = True,
                 free: Mapping[str, str] | None = None, domain: Domain | None = None,
                 split: tuple[str, Iterable[str]] | None = None, **details: Any) -> bool:
        """The final deduction over the region (:meth:`set_region`).

        Besides the checks of :meth:`deduce` on the region, it fails when a symbol
        of the region is constrained by no checked step among the premises and their
        premises (a hypothesis that enters no step), unless the symbol is listed in
        ``free`` with the reason why the argument does not depend on it. ``domain``
        replaces the region for a second statement of the same certificate.
        """
        if domain is None and self.region is None:
            raise ValueError(f"certificate {self.name!r}: conclude() needs set_region() first")
        region = _domain_by_name(domain) if domain is not None else self.region
        uses = tuple(uses)
        free = dict(free or {})
        unknown = sorted(set(free) - set(region))
        if unknown:
            raise ValueError(f"free symbols not in the region: {unknown}")
        constrained = self._constrained(uses)
        unused = [x for x in region if x not in constrained and x not in free]
        extra = {"free": free} if free else {}
        if unused:
            extra["hypotheses_in_no_step"] = unused
        if domain is None:  # the region, by symbol name (symbols of the original mapping are not kept)
            domain = self._region_symbols
        return self.deduce(step, description, uses, bool(check) and not unused, domain=domain, split=split,
                           **extra, **details)

    def asserted(self, step: str, description: str, reason: str, **details: Any) -> bool:
        """Record a step that is *not* machine-checked, with the reason; it is counted."""
        if not reason or not reason.strip():
            raise ValueError(f"asserted step {step!r} needs a reason")
        self._add(Step(step=step, description=description, kind="asserted", expressions={},
                       details={"reason": reason, **_jsonable(details)}, verdict=True))
        return True

    @property
    def asserted_count(self) -> int:
        """Number of steps that are asserted, not checked."""
        return sum(s.kind == "asserted" for s in self.steps)

    def _constrained(self, uses: Iterable[str]) -> set[str]:
        """Symbol names given an explicit domain by a checked step among ``uses`` and their premises."""
        by_label = {st.step: st for st in self.steps}
        seen, out, todo = set(), set(), list(uses)
        while todo:
            label = todo.pop()
            if label in seen or label not in by_label:
                continue
            seen.add(label)
            st = by_label[label]
            if st.kind in ("identity", "inequality", "fact", "deduction"):
                out |= set(st.domain)
            todo.extend(st.uses)
        return out

    def _add(self, step: Step) -> None:
        if any(s.step == step.step for s in self.steps):
            raise ValueError(f"duplicate step label {step.step!r} in certificate {self.name!r}")
        self.steps.append(step)

    # -- results ------------------------------------------------------------ #
    @property
    def passed(self) -> bool:
        """True when there is at least one step and every step passed."""
        return bool(self.steps) and all(s.verdict for s in self.steps)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able record: metadata, steps, overall verdict, library versions."""
        return {
            "name": self.name,
            "title": self.title,
            "reference": self.reference,
            "region": {"domain": self._region_render, "note": self.region_note},
            "scope": self.scope,
            "asserted_steps": [{"step": s.step, "reason": s.details["reason"]}
                               for s in self.steps if s.kind == "asserted"],
            "steps": [s.to_dict() for s in self.steps],
            "passed": self.passed,
            "environment": {
                "python": platform.python_version(),
                "sympy": sympy.__version__,
            },
        }

    def to_json(self) -> str:
        """Canonical text: sorted keys, indent 2, trailing newline."""
        return json.dumps(self.to_dict(), sort_keys=True, indent=2, ensure_ascii=False) + "\n"

    def write(self, directory: str | Path) -> Path:
        """Write ``<directory>/<name>.json`` and return its path."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{self.name}.json"
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(self.to_json())
        return path

    def __repr__(self) -> str:
        ok = sum(s.verdict for s in self.steps)
        return f"Certificate({self.name!r}, {ok}/{len(self.steps)} steps pass)"


def comparable(d: Mapping[str, Any]) -> dict[str, Any]:
    """A certificate dict without ``environment``, for cross-version comparison."""
    return {k: v for k, v in d.items() if k != "environment"}


#: The certificates built so far inside the innermost :func:`shared_builds` block (None outside one).
_SHARED: dict[str, Certificate] | None = None


@contextlib.contextmanager
def shared_builds(built: dict[str, Certificate] | None = None) -> Iterator[dict[str, Certificate]]:
    """Within the block, :func:`build_of` builds each proof module's certificate at most once.

    A certificate that rests on another one rebuilds it (Theorem F re-checks two steps of Theorem
    2.1 by building that certificate): inside one run that builds both (``robtheory prove``, the
    proof column of ``robtheory verify``) the second build would repeat the first one's sympy work
    exactly, since a build is deterministic. ``built`` is the dict to keep them in (a caller that
    runs several blocks passes the same dict each time); a block inside another one uses the outer
    block's dict. Outside any block every :func:`build_of` builds afresh.
    """
    global _SHARED
    outer = _SHARED
    if outer is not None:
        yield outer
        return
    _SHARED = {} if built is None else built
    try:
        yield _SHARED
    finally:
        _SHARED = None


def build_of(name: str) -> Certificate:
    """The certificate of proof module ``name`` (one of :data:`PROOF_MODULES`), built now, or inside
    a :func:`shared_builds` block the one already built there."""
    if _SHARED is not None and name in _SHARED:
        return _SHARED[name]
    cert: Certificate = importlib.import_module("." + name, __package__).build()
    if _SHARED is not None:
        _SHARED[name] = cert
    return cert


def run_all(out_dir: str | Path | None = None,
            progress: Callable[[str, Certificate | None], None] | None = None) -> list[Certificate]:
    """Build every certificate in :data:`PROOF_MODULES` (each once: :func:`shared_builds`); write
    them if ``out_dir``.

    ``progress(name, None)`` is called before each build and ``progress(name, cert)`` after it.
    """
    certificates = []
    with shared_builds():
        for name in PROOF_MODULES:
            if progress is not None:
                progress(name, None)
            cert = build_of(name)
            if out_dir is not None:
                cert.write(out_dir)
            certificates.append(cert)
            if progress is not None:
                progress(name, cert)
    return certificates


def describe(cert: Certificate) -> list[str]:
    """What a certificate certifies, on what domain, by which method, and what is asserted or not
    certified, as lines of text (printed by ``robtheory prove``)."""
    d = cert.to_dict()
    scope = d["scope"]
    lines = [f"{cert.name}: {'PROVED' if cert.passed else 'FAILED'}"]
    if scope:
        lines.append(f"  certified: {scope['certified']}")
    region = d["region"]["domain"]
    if region:
        dom = ", ".join(f"{k} in {v['str']}" for k, v in region.items())
        note = d["region"]["note"]
        lines.append(f"  domain: {dom}" + (f" ({note})" if note else ""))
    else:
        lines.append("  domain: as stated in each step")
    if scope:
        lines.append(f"  method: {scope['method']}")
    asserted = d["asserted_steps"]
    lines.append(f"  asserted (not machine-checked): {len(asserted)}"
                 + "".join(f"\n    {a['step']}: {a['reason']}" for a in asserted))
    if scope and scope.get("not_certified"):
        lines.append(f"  not certified: {scope['not_certified']}")
    failed = [s["step"] for s in d["steps"] if not s["verdict"]]
    if failed:
        lines.append(f"  failed steps: {', '.join(failed)}")
    return lines


def run_main(build, description: str, default_dir, argv=None) -> int:
    """Shared command line of the proof scripts: build, print each step, write the certificate."""
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--out", default=str(default_dir), help="directory for the certificate (default: %(default)s)")
    args = parser.parse_args(argv)
    cert = build()
    for st in cert.to_dict()["steps"]:
        mark = "ASSERTED" if st["kind"] == "asserted" else ("PASS" if st["verdict"] else "FAIL")
        print(f"{mark}  {st['step']}: {st['description']}")
    path = cert.write(args.out)
    if cert.asserted_count:
        print(f"{cert.asserted_count} asserted (not machine-checked) step(s): "
              + "; ".join(f"{a['step']} ({a['reason']})" for a in cert.to_dict()["asserted_steps"]))
    print(f"{'PROVED' if cert.passed else 'FAILED'}: {cert.title} -> {path}")
    return 0 if cert.passed else 1
