"""Generate ``robtheory/theory/_generated.py`` from the symbolic derivations.

The numeric layer never re-types a formula: every closed form it evaluates is printed here
from the sympy expression that :mod:`robtheory.symbolic` derived, with the special
functions mapped explicitly (:data:`robtheory._special.MAPPING`). The generated file is
committed so that ``import robtheory`` needs neither sympy nor the derivation time; a test
regenerates it and fails if the committed copy is stale.

Run ``python -m robtheory.symbolic.codegen`` after changing a derivation.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

import sympy as sp
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.precedence import PRECEDENCE

from robtheory._special import MAPPING
from robtheory.symbolic.core import (
    Hypot,
    HypotExcess,
    LogPle,
    LogSumWeighted,
    OrderedSum,
    Pgt,
    Ple,
    Ramp,
    RampDq,
)
from robtheory.symbolic.linear import hinge_losses, linear_accuracy, symbols
from robtheory.symbolic.named import robust_optimal_linf

__all__ = ["VARIANTS", "LINEAR_ARGS", "stable_margin", "stable_form", "generated_functions", "render", "main",
           "TARGET"]

TARGET = Path(__file__).resolve().parent.parent / "theory" / "_generated.py"

#: (name, norm, perturb_x1) for the standard case and the four threat models.
VARIANTS = (
    ("standard", None, True),
    ("linf_full", "linf", True),
    ("linf_weak", "linf", False),
    ("l2_full", "l2", True),
    ("l2_weak", "l2", False),
)

LINEAR_ARGS = ("p", "eta", "eps", "a", "b", "S", "Q", "U1")


def log_error_expr(error):
    """``log(sum_k c_k Ple(m_k, Q))`` as a stable weighted log-sum-exp of ``LogPle`` terms."""
    error = sp.expand(error)
    atoms = sorted(error.atoms(Ple), key=sp.default_sort_key)
    args = []
    for atom in atoms:
        coef = sp.factor(error.coeff(atom))
        args.extend([coef, LogPle(*atom.args)])
    rest = sp.simplify(error - sum(sp.sympify(c) * a for c, a in zip(args[0::2], atoms)))
    if rest != 0:  # pragma: no cover - a derivation producing something unexpected
        raise RuntimeError(f"error rate is not a combination of Ple terms: {rest}")
    return LogSumWeighted(*args)


#: The functions whose first argument is a margin (the mean of a Gaussian whose sign is asked for).
_MARGIN_FUNCTIONS = (Pgt, Ple, LogPle, Ramp, RampDq)


def _plain(expr):
    """``expr`` with :class:`OrderedSum` and :class:`HypotExcess` written out (``Abs``/``sqrt``)."""
    expr = expr.replace(OrderedSum, lambda *args: sp.Add(*args))
    return expr.replace(HypotExcess, lambda x, y: sp.sqrt(x**2 + y**2) - sp.Abs(x))


@cache
def stable_margin(m):
    r"""The margin ``m`` rearranged for floating point: the same value, fewer cancellations.

    A derived margin is a sum of an x1 part (``a``, ``|a|``, and ``sqrt(a^2 + Q^2)`` for the l_2
    ball with x1 perturbable), a bias part (``b``), a weak-feature part (``eta S``, ``U1``, ``Q``)
    and a constant (the hinge's 1). Sympy's order adds them as they sort, so that
    ``eta S + a - eps (U1 + |a|)`` rounds the weak part away against a large ``a`` and then
    cancels ``a`` against ``eps |a|``: at eps = 1 and ``|a| >> U1`` nothing of the margin is
    left. Here the x1 part is collected into

    .. math::

        c_a a + c_{|a|} |a| + c_r \sqrt{a^2 + Q^2}
          = |a|\,(c_a \operatorname{sign}(a) + c_{|a|} + c_r) + c_r\,h(a, Q),

    with ``h`` the :class:`HypotExcess` (``sqrt(a^2 + Q^2) - |a|``, at most ``Q``, moved to the
    weak part), so that ``|a|`` is multiplied by ``±1 - eps``, which is exact near eps = 1; then
    the parts are added in the order x1, bias, weak, constant (:class:`OrderedSum`), each part
    first among its own terms. Margins without ``|a|`` (standard, weak-only balls) keep ``c_a a``.

    Raises RuntimeError if the rearranged margin is not identically ``m`` (checked for a > 0,
    a < 0 and a = 0).
    """
    s = symbols()
    a, b, Q = s["a"], s["b"], s["Q"]
    root = sp.sqrt(a**2 + Q**2)
    c_a = c_abs = c_root = bias = weak = const = sp.S.Zero
    for t in sp.Add.make_args(sp.expand(m)):
        if t.has(root):
            c_root += sp.cancel(t / root)
        elif t.has(sp.Abs(a)):
            c_abs += sp.cancel(t / sp.Abs(a))
        elif t.has(a):
            c_a += sp.cancel(t / a)
        elif t.has(b):
            bias += t
        elif t.is_number:
            const += t
        else:
            weak += t
    for c in (c_a, c_abs, c_root, weak):
        if c.has(a) or c.has(b):  # pragma: no cover - a derivation of an unexpected shape
            raise RuntimeError(f"margin {m} is not linear in (a, |a|, sqrt(a^2 + Q^2)) and b")
    if c_abs == 0 and c_root == 0:
        x1 = c_a * a
    else:
        x1 = sp.Mul(sp.Abs(a), c_a * sp.sign(a) + c_abs + c_root, evaluate=False)
        weak = weak + c_root * HypotExcess(a, Q)
    parts = [t for t in (x1, bias, weak, const) if t != 0]
    out = parts[0] if len(parts) == 1 else OrderedSum(*parts)
    ap = sp.Symbol("a_pos", positive=True)
    for val in (ap, -ap, sp.S.Zero):
        if sp.expand(_plain(out).subs(a, val) - m.subs(a, val)) != 0:  # pragma: no cover
            raise RuntimeError(f"stable form of the margin {m} is not equal to it at a = {val}")
    return out


def stable_form(expr):
    """``expr`` with every margin in :func:`stable_margin` form and ``sqrt(a^2 + Q^2)``
    elsewhere (the hinge gradients) as :class:`Hypot` (``numpy.hypot``: the squares of
    weights beyond 1e154 overflow, below 1e-162 underflow)."""
    s = symbols()
    a, Q = s["a"], s["Q"]
    expr = expr.replace(lambda e: isinstance(e, _MARGIN_FUNCTIONS),
                        lambda e: e.func(stable_margin(e.args[0]), *e.args[1:]))
    base = a**2 + Q**2
    return expr.replace(lambda e: e.is_Pow and e.base == base and e.exp.is_Rational and e.exp.q == 2,
                        lambda e: Hypot(a, Q) ** (2 * e.exp))


def generated_functions():
    """``[(name, args, expr_or_tuple, doc)]`` for every generated function, in the
    :func:`stable_form` that is printed."""
    s = symbols()
    lin_args = tuple(s[k] for k in LINEAR_ARGS)
    out = []
    for name, norm, px1 in VARIANTS:
        D = linear_accuracy(norm, px1)
        what = "standard" if norm is None else f"{norm} ({'x1 perturbable' if px1 else 'weak-only'})"
        out.append((f"accuracy_{name}", lin_args, D.results["accuracy"],
                    f"Accuracy of sign(w.x + b), {what}, from (p, eta, eps, a, b, S, Q, U1)."))
        out.append((f"error_{name}", lin_args, D.results["error"],
                    f"Error rate (complement, exact in the tail), {what}."))
        out.append((f"log_error_{name}", lin_args, log_error_expr(D.results["error"]),
                    f"Natural log of the error rate, {what}; finite where the rate underflows."))
        H = hinge_losses(norm, px1)
        kind = "standard" if norm is None else "adversarial"
        hname = "standard" if norm is None else name
        out.append((f"hinge_{hname}", lin_args, H.results["loss"],
                    f"Population hinge loss, {kind}, {what}."))
        grads = tuple(H.results["grad"][k] for k in ("a", "b", "S", "Q", "U1"))
        out.append((f"hinge_grad_{hname}", lin_args, grads,
                    f"Gradient of the {kind} hinge loss w.r.t. (a, b, S, Q, U1); Abs -> sign."))
    R = robust_optimal_linf()
    e, m, K = R.results["roots_symbols"]
    out.append(("robust_optimal_tau_roots", (e, m, K), tuple(R.results["roots"]),
                "Roots of 2 eps tau^2 - 2 m tau + K = 0 (the l_inf robust-optimal first-order condition)."))
    return [(name, args, tuple(stable_form(e) for e in expr) if isinstance(expr, tuple) else stable_form(expr), doc)
            for name, args, expr, doc in out]


class _Printer(NumPyPrinter):
    def __init__(self):
        super().__init__({"user_functions": dict(MAPPING), "fully_qualified_modules": True})

    def _print_OrderedSum(self, expr):
        """``t1 + t2 - t3 + (t4 + t5)``: Python adds left to right, so the terms are added in the
        order given; a term that is itself a sum is parenthesised (summed first)."""
        # sympy's parenthesize: strict=True brackets only lower precedence, strict=False also equal
        out = self.parenthesize(expr.args[0], PRECEDENCE["Add"], strict=True)
        for t in expr.args[1:]:
            if not t.is_Add and t.could_extract_minus_sign():
                out += " - " + self.parenthesize(-t, PRECEDENCE["Add"])
            else:
                out += " + " + self.parenthesize(t, PRECEDENCE["Add"])
        return out


def _body(expr, printer):
    if isinstance(expr, tuple):
        return "(" + ", ".join(printer.doprint(e) for e in expr) + ",)"
    return printer.doprint(expr)


def render() -> str:
    """The source text of ``_generated.py``."""
    printer = _Printer()
    lines = [
        '"""GENERATED by ``python -m robtheory.symbolic.codegen`` from the sympy derivations.',
        "",
        "Do not edit by hand: tests regenerate this file and compare. Arguments are NumPy",
        "arrays (broadcast together); see robtheory.symbolic for the meaning of every symbol.",
        '"""',
        "# fmt: off",
        "import numpy",
        "",
        "from robtheory import _special as _sp",
        "",
        "",
    ]
    names = []
    for name, args, expr, doc in generated_functions():
        names.append(name)
        arglist = ", ".join(str(a) for a in args)
        lines.append(f"def {name}({arglist}):")
        lines.append(f'    """{doc}"""')
        lines.append("    with numpy.errstate(divide='ignore', invalid='ignore', over='ignore'):")
        lines.append(f"        return {_body(expr, printer)}")
        lines.append("")
        lines.append("")
    lines.append("__all__ = [" + ", ".join(repr(n) for n in names) + "]")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed file is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = TARGET.read_text() if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET} is stale; run python -m robtheory.symbolic.codegen", file=sys.stderr)
            return 1
        print(f"{TARGET} is up to date")
        return 0
    TARGET.write_text(text)
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
