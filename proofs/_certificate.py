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

import importlib
import itertools
import json
import platform
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import sympy

from robtheory.claims import proof_modules

__all__ = ["PROOF_MODULES", "Certificate", "Step", "comparable", "describe", "holds", "resolve", "run_all"]

#: Proof scripts in this package, each a module with ``build() -> Certificate``: those named by the
#: claims' records (``Claim.proofs``), each once, in registry order.
PROOF_MODULES: tuple[str, ...] = proof_modules()

#: A domain: each symbol mapped to the set it ranges over.  Accepted sets are
#: :class:`sympy.Interval` (bounds may be symbolic and may use symbols listed
#: *earlier* in the mapping) and :class:`sympy.FiniteSet` (a case split).
Domain = Mapping[sympy.Symbol, sympy.Set]


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
# domains -> cases of substitutions by nonnegative parameters
# --------------------------------------------------------------------------- #
def _fresh(name: str, taken: set[sympy.Symbol], **assumptions: bool) -> sympy.Symbol:
    """A parameter symbol whose name does not clash with the expression's."""
    names = {s.name for s in taken}
    candidate = name
    while candidate in names:
        candidate += "'"
    return sympy.Symbol(candidate, **assumptions)


def _alternatives(
    sym: sympy.Symbol, dom: sympy.Set, taken: set[sympy.Symbol]
) -> list[sympy.Expr]:
    """Expressions whose joint range covers ``dom``.

    Every parameter introduced here is a symbol declared ``nonnegative`` (or
    ``positive`` for an open end), so that sympy's assumption system can reason
    about it.  The union of the ranges of the returned expressions contains
    ``dom``; proving a claim for each alternative therefore proves it on
    ``dom`` (a case split, not a sample).
    """
    if isinstance(dom, sympy.FiniteSet):
        return list(dom.args)
    if dom == sympy.S.Reals:
        return [sympy.Symbol(sym.name, real=True)]
    if not isinstance(dom, sympy.Interval):
        raise TypeError(f"unsupported domain for {sym}: {dom!r} (use Interval or FiniteSet)")
    lo, hi = dom.start, dom.end
    left_open, right_open = bool(dom.left_open), bool(dom.right_open)
    # An open end needs a strictly positive parameter, a closed one a nonnegative one.
    if hi == sympy.oo and lo == -sympy.oo:
        return [sympy.Symbol(sym.name, real=True)]
    if hi == sympy.oo:
        s = _fresh(f"s_{sym.name}", taken, positive=True) if left_open else _fresh(
            f"s_{sym.name}", taken, nonnegative=True
        )
        return [lo + s]
    if lo == -sympy.oo:
        s = _fresh(f"s_{sym.name}", taken, positive=True) if right_open else _fresh(
            f"s_{sym.name}", taken, nonnegative=True
        )
        return [hi - s]
    width = hi - lo
    if left_open and not right_open:
        # (lo, hi]: hi - width*s/(1+s) sweeps (lo, hi] as s runs over [0, oo).
        s = _fresh(f"s_{sym.name}", taken, nonnegative=True)
        return [hi - width * s / (1 + s)]
    s = (
        _fresh(f"s_{sym.name}", taken, positive=True)
        if left_open
        else _fresh(f"s_{sym.name}", taken, nonnegative=True)
    )
    # lo + width*s/(1+s) sweeps [lo, hi) (or (lo, hi) with s > 0); the closed
    # right end is the separate case x = hi.
    interior = lo + width * s / (1 + s)
    return [interior] if right_open else [interior, hi]


def _cases(
    exprs: Iterable[sympy.Expr], assumptions: Domain | None
) -> list[tuple[list[tuple[sympy.Symbol, sympy.Expr]], Callable[[sympy.Expr], sympy.Expr]]]:
    """All substitution cases of a domain, as (record, apply) pairs.

    Substitutions are applied from the last symbol to the first, so that a
    bound that mentions an earlier symbol is rewritten in turn.
    """
    if not assumptions:
        return [([], lambda e: e)]
    taken: set[sympy.Symbol] = set()
    for e in exprs:
        taken |= sympy.sympify(e).free_symbols
    for dom in assumptions.values():
        taken |= dom.free_symbols
    symbols = list(assumptions)
    options = [_alternatives(sym, assumptions[sym], taken) for sym in symbols]
    cases = []
    for choice in itertools.product(*options):
        pairs = list(zip(symbols, choice))

        def apply(e: sympy.Expr, pairs=pairs) -> sympy.Expr:
            e = sympy.sympify(e)
            for sym, rep in reversed(pairs):
                e = e.subs(sym, rep)
            return e

        cases.append((pairs, apply))
    return cases


# --------------------------------------------------------------------------- #
# the two symbolic deciders
# --------------------------------------------------------------------------- #
_ZERO_TRANSFORMS: tuple[tuple[str, Callable[[sympy.Expr], sympy.Expr]], ...] = (
    ("auto", lambda e: e),
    ("expand", sympy.expand),
    ("cancel", sympy.cancel),
    ("together-numerator", lambda e: sympy.expand(sympy.numer(sympy.together(e)))),
    ("simplify", sympy.simplify),
    ("trigsimp", sympy.trigsimp),
    ("powsimp-expand", lambda e: sympy.expand(sympy.powsimp(sympy.powdenest(e)))),
    # erfc, Phi-style expressions: express every error function through erf
    ("rewrite(erf)-expand", lambda e: sympy.expand(e.rewrite(sympy.erf))),
)


def _prove_zero(diff: sympy.Expr) -> str | None:
    """Name of the first rewrite that turns ``diff`` into the literal 0."""
    diff = sympy.sympify(diff).doit()
    for name, transform in _ZERO_TRANSFORMS:
        try:
            out = transform(diff)
        except (TypeError, ValueError, NotImplementedError, sympy.PolynomialError):
            continue
        if out is sympy.S.Zero:
            return name
    return None


def _known_sign(f: sympy.Expr, strict: bool) -> int | None:
    """+1 if ``f >= 0`` (``> 0`` if strict) is certified, -1 for ``<= 0``/``< 0``."""
    for g in (f, sympy.expand(f)):
        if (g.is_positive if strict else g.is_nonnegative) is True:
            return 1
        if (g.is_negative if strict else g.is_nonpositive) is True:
            return -1
    return None


def _product_sign(expr: sympy.Expr, strict: bool) -> int | None:
    """Sign of a product read off its factorisation, factor by factor."""
    if expr == 0:
        return None if strict else 1
    try:
        coeff, factors = sympy.factor_list(expr)
    except (sympy.PolynomialError, NotImplementedError, ValueError):
        return _known_sign(expr, strict)
    sign = _known_sign(sympy.sympify(coeff), strict)
    if sign is None:
        return None
    for base, mult in factors:
        if mult % 2 == 0:
            # An even power is nonnegative; strictly positive needs base != 0.
            if strict and sympy.sympify(base).is_nonzero is not True:
                return None
            continue
        s = _known_sign(base, strict)
        if s is None:
            return None
        sign *= s
    return sign


def _prove_nonnegative(expr: sympy.Expr, strict: bool) -> str | None:
    """Name of the argument that certifies ``expr >= 0`` (``> 0``), else None."""
    expr = sympy.sympify(expr).doit()
    if expr.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        return None
    # An order claim is meaningful only for real quantities: every symbol must
    # be declared real, by itself or through its domain.
    if any(s.is_real is not True for s in expr.free_symbols):
        return None
    rewrites: tuple[tuple[str, Callable[[sympy.Expr], sympy.Expr]], ...] = (
        ("assumptions", lambda e: e),
        ("assumptions after cancel", sympy.cancel),
        ("assumptions after factor", sympy.factor),
        ("assumptions after simplify", sympy.simplify),
        # erfc/Phi-type terms: sympy knows the sign of erf at a signed argument
        ("assumptions after rewrite(erf)", lambda e: sympy.simplify(e.rewrite(sympy.erf))),
    )
    for name, rewrite in rewrites:
        try:
            form = rewrite(expr)
        except (TypeError, ValueError, NotImplementedError, sympy.PolynomialError):
            continue
        if (form.is_positive if strict else form.is_nonnegative) is True:
            return name
    # Sign of numerator times sign of (nonzero) denominator, factor by factor.
    num, den = sympy.fraction(sympy.cancel(sympy.together(expr)))
    s_num = _product_sign(num, strict)
    s_den = _product_sign(den, True)
    if s_num is not None and s_den is not None and s_num * s_den == 1:
        return "sign of factors"
    return None


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


def _le(a: sympy.Expr, b: sympy.Expr) -> bool:
    """``a <= b`` decided symbolically (equal, or ``b - a >= 0`` certified); False if undecided."""
    a, b = sympy.sympify(a), sympy.sympify(b)
    if a == b or a == -sympy.oo or b == sympy.oo:
        return True
    if a == sympy.oo or b == -sympy.oo:
        return False
    return _prove_nonnegative(b - a, strict=False) is not None


def _lt(a: sympy.Expr, b: sympy.Expr) -> bool:
    """``a < b`` decided symbolically; False if undecided."""
    a, b = sympy.sympify(a), sympy.sympify(b)
    if a == b:
        return False
    if a == -sympy.oo and b != -sympy.oo or b == sympy.oo and a != sympy.oo:
        return True
    return _prove_nonnegative(b - a, strict=True) is not None


def _as_interval(s: sympy.Set) -> sympy.Interval | None:
    if isinstance(s, sympy.Interval):
        return s
    if s == sympy.S.Reals:
        return sympy.Interval(-sympy.oo, sympy.oo)
    if isinstance(s, sympy.FiniteSet) and len(s) == 1:
        x = next(iter(s))
        return sympy.Interval(x, x)
    return None


def _covers(target: sympy.Set, sets: list[sympy.Set]) -> bool:
    """Whether the union of ``sets`` contains ``target``, decided by sympy or, for intervals with
    symbolic end points, by chaining the intervals from the target's start to its end."""
    if not sets:
        return False
    union = sympy.Union(*sets)
    try:
        decided = target.is_subset(union)
    except (TypeError, ValueError, NotImplementedError):  # pragma: no cover - sympy internals
        decided = None
    if decided is not None:
        return bool(decided)
    t = _as_interval(target)
    ivs = [_as_interval(x) for x in sets]
    if t is None or any(iv is None for iv in ivs):
        return False
    cur, cur_open = t.start, bool(t.left_open)  # points > cur (>= cur if not cur_open) remain
    left = list(ivs)
    while True:
        # reached the end of the target?
        if _lt(t.end, cur) or (_le(t.end, cur) and (cur_open or t.right_open)):
            return True
        nxt = None
        for iv in left:
            starts_ok = _lt(iv.start, cur) or (_le(iv.start, cur) and (not iv.left_open or cur_open))
            if starts_ok and _le(cur, iv.end) and (nxt is None or _le(nxt.end, iv.end)):
                nxt = iv
        if nxt is None:
            return False
        if nxt.end == sympy.oo or t.end == nxt.end and (t.right_open or not nxt.right_open):
            return True
        left.remove(nxt)
        # the points from nxt.end on (from just after it when nxt contains it) remain
        cur, cur_open = nxt.end, not bool(nxt.right_open)


def holds(claim: sympy.Basic, domain: Domain) -> bool | None:
    """Decide a relational (``a < b``, ``a <= b``, ...) on a whole domain.

    True if it is certified in every case of the domain (as in
    :meth:`Certificate.inequality`), False if its negation is, None otherwise.
    """
    if claim is sympy.true or claim is sympy.false:
        return bool(claim)
    if not isinstance(claim, sympy.core.relational.Relational):
        raise TypeError(f"holds() needs a relational, got {claim!r}")

    def certified(rel) -> bool:
        if isinstance(rel, (sympy.StrictLessThan, sympy.StrictGreaterThan)):
            diff, strict = (rel.rhs - rel.lhs) if rel.rel_op == "<" else (rel.lhs - rel.rhs), True
        elif isinstance(rel, (sympy.LessThan, sympy.GreaterThan)):
            diff, strict = (rel.rhs - rel.lhs) if rel.rel_op == "<=" else (rel.lhs - rel.rhs), False
        else:
            return False
        return all(_prove_nonnegative(apply(diff), strict) is not None for _, apply in _cases((diff,), domain))

    if certified(claim):
        return True
    if certified(claim.negated):
        return False
    return None


def resolve(expr: sympy.Expr, domain: Domain) -> sympy.Expr | None:
    """``expr`` with every ``Piecewise`` branch and ``Min``/``Max`` decided on the whole domain
    (through :func:`holds`), or None when some choice is undecided there."""
    expr = sympy.sympify(expr)
    if isinstance(expr, sympy.Piecewise):
        for value, cond in expr.args:
            verdict = holds(cond, domain)
            if verdict is None:
                return None
            if verdict:
                return resolve(value, domain)
        return None
    if isinstance(expr, (sympy.Min, sympy.Max)):
        args = [resolve(a, domain) for a in expr.args]
        if any(a is None for a in args):
            return None
        best = args[0]
        for a in args[1:]:
            verdict = holds(a <= best if isinstance(expr, sympy.Min) else a >= best, domain)
            if verdict is None:
                return None
            if verdict:
                best = a
        return best
    if expr.args:
        args = [resolve(a, domain) for a in expr.args]
        if any(a is None for a in args):
            return None
        return expr.func(*args)
    return expr


def _by_name(expr: Any, names: Mapping[str, sympy.Expr]) -> Any:
    """Substitute symbols by *name* (steps may declare the same name with other assumptions),
    the last one first, so that a replacement mentioning an earlier symbol is rewritten in turn."""
    expr = sympy.sympify(expr)
    for name in reversed(list(names)):
        expr = expr.xreplace({s: names[name] for s in expr.free_symbols
                              if isinstance(s, sympy.Symbol) and s.name == name})
    return expr


def _coverage_gaps(domain: Domain, premises: list[Step], split: tuple[str, Iterable[str]] | None) -> list[str]:
    """Where the premises do not cover ``domain``: one line per uncovered (premise, symbol).

    For each symbol of ``domain`` the symbols listed before it are first rewritten through
    the case parameters of :func:`_cases` (so ``[2p - 1, oo)`` is compared knowing
    ``p in [1/2, 1]``); coverage must hold in every case.
    """
    gaps = []
    names = [sympy.sstr(sym) for sym in domain]
    split_name, split_labels = (split[0], set(split[1])) if split is not None else (None, set())
    if split is not None and split_name not in names:
        raise ValueError(f"split symbol {split_name!r} is not in the domain")
    if split is not None and not split_labels <= {p.step for p in premises}:
        raise ValueError(f"split cases {sorted(split_labels)} must be among the premises")
    items = list(domain.items())
    for k, (sym, target) in enumerate(items):
        name = names[k]
        earlier = dict(items[:k])
        cases = []
        for pairs, _ in _cases((), earlier):
            cases.append({sympy.sstr(s): r for s, r in pairs})
        if name == split_name:
            sets = [p.domain.get(name, sympy.S.EmptySet) for p in premises if p.step in split_labels]
            ok = bool(sets) and all(_covers(_by_name(target, c), [_by_name(x, c) for x in sets]) for c in cases)
            if not ok:
                gaps.append(f"cases: {name} in {sympy.sstr(target)} not covered by the union of "
                            f"{[sympy.sstr(x) for x in sets]}")
            continue
        for p in premises:
            if p.step in split_labels and name == split_name:
                continue
            if name in p.domain and not all(_covers(_by_name(target, c), [_by_name(p.domain[name], c)])
                                            for c in cases):
                gaps.append(f"{p.step}: proved for {name} in {sympy.sstr(p.domain[name])}, "
                            f"needed on {sympy.sstr(target)}")
    return gaps


def _summarise(methods: list[str | None]) -> str | None:
    """One method name for all cases, or the distinct ones joined in order."""
    if not methods or any(m is None for m in methods):
        return None
    distinct = list(dict.fromkeys(methods))
    return distinct[0] if len(distinct) == 1 else "; ".join(distinct)


def comparable(d: Mapping[str, Any]) -> dict[str, Any]:
    """A certificate dict without ``environment``, for cross-version comparison."""
    return {k: v for k, v in d.items() if k != "environment"}


def run_all(out_dir: str | Path | None = None,
            progress: Callable[[str, Certificate | None], None] | None = None) -> list[Certificate]:
    """Build every certificate in :data:`PROOF_MODULES`; write them if ``out_dir``.

    ``progress(name, None)`` is called before each build and ``progress(name, cert)`` after it.
    """
    certificates = []
    for name in PROOF_MODULES:
        if progress is not None:
            progress(name, None)
        module = importlib.import_module("." + name, __package__)
        cert = module.build()
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
