"""The decision procedures behind :class:`proofs._certificate.Certificate`.

Two symbolic deciders (an identity is accepted when sympy reduces the difference to the literal
zero; an inequality when sympy's assumption system certifies the sign after the domain has been
rewritten as cases of substitutions by nonnegative parameters), and the reasoning over domains
(sympy sets) that deductions and conclusions use: whether one set covers another, whether a
relation holds on a domain, and which hypotheses of a region no checked step used. Nothing here
accepts numerical evidence.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

import sympy

if TYPE_CHECKING:
    from ._certificate import Step

#: A domain: each symbol mapped to the set it ranges over (see :mod:`proofs._certificate`).
Domain = Mapping[sympy.Symbol, sympy.Set]


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
