"""Option types and the option groups shared by the commands, each defined once.

The value parsers (``_finite_float``, ``_positive_int``, ``_sample_count``, ``_seed``, ...) turn a
bad value into argparse's one-line error naming the option; the ``add_*`` functions add an option
(or a block of options) with its help text to a command's parser, so that a command that takes the
model, the threat, a seed, a sample count, a backend, a JSON flag, an output folder or a time limit
reads it the same way as every other command.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections.abc import Sequence
from typing import Any

__all__ = ["parse_sizes", "CLASSIFIERS", "MC_BACKENDS", "add_alpha", "add_backend", "add_classifier", "add_json_flag",
           "add_max_seconds", "add_model", "add_norm", "add_out", "add_resolution", "add_sample_count", "add_seed",
           "add_threat"]

#: Longest numeric argument read: longer ones are rejected before any conversion (Python
#: refuses int() of over 4300 digits, and 10**10**10 would take forever to compute).
_MAX_ARG_CHARS = 64


def _short(text: str) -> str:
    if len(text) > _MAX_ARG_CHARS:
        raise argparse.ArgumentTypeError(f"too long to be a number ({len(text)} characters): {text[:20]!r}...")
    return text


def _finite_float(text: str) -> float:
    try:
        x = float(_short(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(x):
        raise argparse.ArgumentTypeError(f"must be finite, got {text!r}")
    return x


def _rate(text: str) -> float:
    """A false-alarm rate: a number in (0, 1)."""
    x = _finite_float(text)
    if not 0 < x < 1:
        raise argparse.ArgumentTypeError(f"must lie in (0, 1), got {text!r}")
    return x


def _positive_float(text: str) -> float:
    """A finite number > 0."""
    x = _finite_float(text)
    if not x > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
    return x


def _whole_number(text: str) -> int | None:
    """An integer written as 1000000, 1e6 or 10**6 (None if ``text`` is none of these).

    The forms every count option accepts, so that ``--d 1e6`` works like ``--n 1e7``; a float
    must be integer-valued (1.5 is refused), and a power is checked before it is computed.
    """
    t = _short(text).strip()
    try:
        if "**" in t:
            base, exp = (int(part) for part in t.split("**", 1))
            if exp < 0 or (base > 1 and exp * math.log2(base) > 4 * _MAX_ARG_CHARS):
                return None
            return base ** exp
        try:
            return int(t)
        except ValueError:
            x = float(t)
            return int(x) if math.isfinite(x) and x.is_integer() else None
    except ValueError:
        return None


def _positive_int(text: str) -> int:
    """A positive whole number (1000000, 1e6 or 10**6)."""
    n = _whole_number(text)
    if n is None or n < 1:
        raise argparse.ArgumentTypeError(f"not a positive integer: {text!r}")
    return n


# argparse reads a token after an option as a value only if it does not start with '-' or is
# a plain negative number like -1 or -.5: '--eps -inf' and '--eps -1e-3' gave "expected one
# argument". main() glues such values to their option ('--eps=-inf') so the value check names them.
_NEGATIVE_VALUE = re.compile(r"-(\d|\.\d|inf|nan)", re.IGNORECASE)


def _attach_negative_values(argv: list[str]) -> list[str]:
    out: list[str] = []
    for tok in argv:
        prev = out[-1] if out else ""
        if (prev.startswith("--") and prev != "--" and "=" not in prev and "--" not in out[:-1]
                and _NEGATIVE_VALUE.match(tok)):
            out[-1] = f"{prev}={tok}"
        else:
            out.append(tok)
    return out


class _DeprecatedAlias(argparse.Action):
    """An old option name kept for one release: stores into the new option's ``dest`` and
    warns once on stderr (however often the old name is given)."""

    def __init__(self, option_strings: Sequence[str], dest: str, new_name: str = "", command: str = "",
                 **kwargs: Any) -> None:
        self.new_name, self.command, self.warned = new_name, command, False
        super().__init__(option_strings, dest, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        if not self.warned:
            self.warned = True
            print(f"robtheory {self.command}: warning: {option_string} is deprecated, use {self.new_name} "
                  f"(same meaning; {option_string} will be removed in a later release)", file=sys.stderr)
        setattr(namespace, self.dest, values)


def _sample_count(text: str) -> int:
    """A positive integer up to 2**64 (the length of a Philox stream), also written as 1e6 or 10**6."""
    n = _whole_number(text)
    if n is None or not 1 <= n <= 2**64:
        raise argparse.ArgumentTypeError(f"not a positive integer <= 2**64: {text!r}")
    return n


def _seed(text: str) -> int:
    try:
        s = int(_short(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if not 0 <= s < 2**64:
        raise argparse.ArgumentTypeError(f"must lie in [0, 2**64), got {text!r}")
    return s


#: The Monte Carlo backends a command may name (``auto`` picks the fastest usable one).
MC_BACKENDS = ("auto", "numpy", "numba", "cupy")

_RESOLUTION_HELP = ("smallest deviation of an accuracy (absolute, in (0, 1)) every Monte Carlo test must be able "
                    "to detect with probability 1/2 at its n and alpha; a test that passes without that power is "
                    "INCONCLUSIVE, not PASS, and the exit status is then 3 (default 0.005)")


#: --eps of accuracy and mc: why its default differs from frontier's and svm's.
_EPS_HELP_ZERO = ("radius of the threat ball (>= 0; default 0, a plain accuracy: the robust accuracy then "
                  "equals the standard one; frontier and svm default to 2*eta, the paper's adversary, because "
                  "their results are about the trade-off under it)")


# ------------------------------------------------------------------------ option groups
Parser = argparse.ArgumentParser


def add_model(p: Parser) -> None:
    """``--p --eta --d``: the distribution D(p, eta, d) (accuracy, mc, frontier, svm)."""
    p.add_argument("--p", type=_finite_float, required=True, help="P(x1 = y), in [1/2, 1]")
    p.add_argument("--eta", type=_finite_float, required=True, help="mean of each weak feature (>= 0)")
    p.add_argument("--d", type=_positive_int, required=True, help="number of weak features (>= 1)")


def add_norm(p: Parser, help: str = "threat-model norm (default linf)") -> None:
    """``--norm {linf,l2}`` (default linf)."""
    p.add_argument("--norm", choices=("linf", "l2"), default="linf", help=help)


def add_threat(p: Parser, eps_default: float | None, eps_help: str) -> None:
    """``--eps --norm --weak-only``: the threat model (accuracy, mc, frontier).

    ``eps_default`` differs between commands (0 for a plain accuracy, None for 2*eta): the help
    says which and why.
    """
    p.add_argument("--eps", type=_finite_float, default=eps_default, help=eps_help)
    add_norm(p)
    p.add_argument("--weak-only", action="store_true", help="the adversary cannot perturb x1")


#: The classifiers ``accuracy`` and ``mc`` can name.
CLASSIFIERS = ("averaging", "robust", "bayes", "robust-optimal", "weights")


def add_classifier(p: Parser, help: str, w_help: str) -> None:
    """``--classifier --w --b``: one of :data:`CLASSIFIERS` (accuracy, mc)."""
    p.add_argument("--classifier", required=True, choices=CLASSIFIERS, help=help)
    p.add_argument("--w", metavar="FILE", help=w_help)
    p.add_argument("--b", type=_finite_float, default=0.0, help="bias for --classifier weights (default 0)")


def add_seed(p: Parser, help: str, default: int | None = 0) -> None:
    """``--seed``: an integer in [0, 2**64)."""
    p.add_argument("--seed", type=_seed, default=default, help=help)


def add_sample_count(p: Parser, help: str) -> None:
    """``--n``: Monte Carlo samples, 1 to 2**64 (default 10**6)."""
    p.add_argument("--n", type=_sample_count, default=10**6, help=help)


def add_backend(p: Parser, help: str) -> None:
    """``--backend``: one of :data:`MC_BACKENDS` (default auto)."""
    p.add_argument("--backend", default="auto", choices=MC_BACKENDS, help=help)


def add_alpha(p: Parser, help: str, default: float | None = 1e-6) -> None:
    """``--alpha``: a family-wise false-alarm rate in (0, 1)."""
    p.add_argument("--alpha", type=_rate, default=default, help=help)


def add_resolution(p: Parser, default: float | None = 5e-3, suffix: str = "") -> None:
    """``--resolution``: the smallest deviation every Monte Carlo test must be able to detect."""
    p.add_argument("--resolution", type=_rate, default=default, help=_RESOLUTION_HELP + suffix)


def add_json_flag(p: Parser, help: str = "print a JSON object instead of a table") -> None:
    """``--json`` as a flag: print JSON on stdout instead of text."""
    p.add_argument("--json", action="store_true", help=help)


def add_out(p: Parser, help: str, required: bool = False) -> None:
    """``--out DIR``: the output directory."""
    p.add_argument("--out", required=required, metavar="DIR", help=help)


def add_max_seconds(parsers: Sequence[Parser]) -> None:
    """``--max-seconds`` on every command that estimates its running time before it starts."""
    from robtheory._cost import DEFAULT_MAX_SECONDS

    for sp in parsers:
        sp.add_argument(
            "--max-seconds", type=_finite_float, default=DEFAULT_MAX_SECONDS, metavar="S",
            help=f"refuse, before starting, a run estimated to take longer than S seconds (default "
                 f"{DEFAULT_MAX_SECONDS:g}; the estimate is printed in the refusal)")


def parse_sizes(spec: str, option: str) -> list[int]:
    """Whole numbers >= 1 from a grid SPEC, each value rounded to the nearest whole number (so that
    ``log:10:10000:7`` gives sizes), duplicates removed."""
    from robtheory.phase import parse_spec

    vals = parse_spec(spec, option)
    out = []
    for v in vals:
        r = round(float(v))
        if not r >= 1:
            raise ValueError(f"{option}: training-set sizes must be >= 1, got {float(v):g}")
        out.append(int(r))
    return sorted(set(out))
