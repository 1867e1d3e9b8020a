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
    anything checked by other means (a ``solve`` result compared with an
    expected value, a combination of earlier verdicts); the caller supplies
    the verdict and the evidence.

No step is ever accepted on numerical evidence: a step that sympy cannot
settle is recorded with ``verdict: false``, so a certificate either carries a
symbolic proof of each step or says that it does not.

The registry :data:`PROOF_MODULES` names the proof scripts of this package;
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

__all__ = ["PROOF_MODULES", "Certificate", "Step", "comparable", "run_all"]

#: Proof scripts in this package, each a module with ``build() -> Certificate``.
PROOF_MODULES: tuple[str, ...] = ("theorem_2_1", "derivations", "lemma_d1", "lemma_d2", "lemma_d3", "lemma_d4", "lemma_d5",
                                   "theorem_f")

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
            )
        )
        return verdict

    def fact(self, step: str, description: str, verdict: bool, **details: Any) -> bool:
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
                details=rest,
                verdict=verdict,
            )
        )
        return verdict

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


def _summarise(methods: list[str | None]) -> str | None:
    """One method name for all cases, or the distinct ones joined in order."""
    if not methods or any(m is None for m in methods):
        return None
    distinct = list(dict.fromkeys(methods))
    return distinct[0] if len(distinct) == 1 else "; ".join(distinct)


def comparable(d: Mapping[str, Any]) -> dict[str, Any]:
    """A certificate dict without ``environment``, for cross-version comparison."""
    return {k: v for k, v in d.items() if k != "environment"}


def run_all(out_dir: str | Path | None = None) -> list[Certificate]:
    """Build every certificate in :data:`PROOF_MODULES`; write them if ``out_dir``."""
    certificates = []
    for name in PROOF_MODULES:
        module = importlib.import_module("." + name, __package__)
        cert = module.build()
        if out_dir is not None:
            cert.write(out_dir)
        certificates.append(cert)
    return certificates


def run_main(build, description: str, default_dir, argv=None) -> int:
    """Shared command line of the proof scripts: build, print each step, write the certificate."""
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--out", default=str(default_dir), help="directory for the certificate (default: %(default)s)")
    args = parser.parse_args(argv)
    cert = build()
    for st in cert.to_dict()["steps"]:
        print(f"{'PASS' if st['verdict'] else 'FAIL'}  {st['step']}: {st['description']}")
    path = cert.write(args.out)
    print(f"{'PROVED' if cert.passed else 'FAILED'}: {cert.title} -> {path}")
    return 0 if cert.passed else 1
