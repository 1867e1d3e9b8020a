"""Command-line interface: ``robtheory verify | accuracy | prove | mc | bench | ...``.

Bad arguments exit with status 2 and a one-line message on stderr, never a traceback; output
paths are checked before any work. Every JSON it writes is strict: non-finite numbers are
written as null (:mod:`robtheory._jsonio`).
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
import time
from pathlib import Path

from robtheory._jsonio import dumps, write_json
from robtheory.model import fmt_number as _fmt
from robtheory.vocabulary import add_deprecated_aliases, option_message

__all__ = ["main", "build_parser"]


class UsageError(Exception):
    """A bad argument value: reported as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, status 2 (argparse's default prints usage too)
        self.exit(2, f"{self.prog}: error: {message}\n")


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


#: Exit status when nothing failed but some Monte Carlo test could not resolve its resolution.
EXIT_INCONCLUSIVE = 3
EXIT_STATUSES = ("exit status: 0 success; 1 a check failed; 2 bad arguments (one line on stderr naming "
                 "the option); 3 nothing failed but a Monte Carlo test was INCONCLUSIVE: it could not "
                 "have detected a deviation of --resolution at its n (raise --n, or coarsen --resolution)")
_RESOLUTION_HELP = ("smallest deviation of an accuracy (absolute, in (0, 1)) every Monte Carlo test must be able "
                    "to detect with probability 1/2 at its n and alpha; a test that passes without that power is "
                    "INCONCLUSIVE, not PASS, and the exit status is then 3 (default 0.005)")


def _inconclusive_note(count: int, total: int, resolution: float, n_needed, option: str) -> str:
    """The summary's clause on inconclusive tests and the sample count that would settle them."""
    return (f"; {count} of {total} tests inconclusive (they cannot detect a deviation of {resolution:g}): "
            + (f"{option} {n_needed} would make them conclusive" if n_needed is not None
               else "no n makes them conclusive"))


def _exit_status(verdict: str) -> int:
    """0 for PASS, 1 for FAIL, 3 for INCONCLUSIVE."""
    return {"PASS": 0, "FAIL": 1, "INCONCLUSIVE": EXIT_INCONCLUSIVE}[verdict]


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

    def __init__(self, option_strings, dest, new_name: str = "", command: str = "", **kwargs):
        self.new_name, self.command, self.warned = new_name, command, False
        super().__init__(option_strings, dest, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        if not self.warned:
            self.warned = True
            print(f"robtheory {self.command}: warning: {option_string} is deprecated, use {self.new_name} "
                  f"(same meaning; {option_string} will be removed in a later release)", file=sys.stderr)
        setattr(namespace, self.dest, values)


# --------------------------------------------------------------------------- output paths
def _output_dir(path: str | None, option: str) -> Path | None:
    """Create the output directory ``path`` and check that files can be written in it.

    Called before any work, so that a bad ``--out`` costs nothing and never ends in a
    traceback after minutes of computation.
    """
    if path is None:
        return None
    if not path.strip():
        raise UsageError(f"{option} needs a directory, got an empty path")
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise UsageError(f"{option} {path!r} exists and is not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
        import tempfile

        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        raise UsageError(f"{option} {path!r}: cannot write there ({exc.strerror or exc})") from None
    return out


def _output_file(path: str | None, option: str) -> None:
    """Check that the output file ``path`` can be written ('-' is stdout), before any work."""
    if path is None or path == "-":
        return
    if not path.strip():
        raise UsageError(f"{option} needs a file name, got an empty path")
    target = Path(path)
    if target.is_dir():
        raise UsageError(f"{option} {path!r} is a directory, not a file")
    existed = target.exists()
    try:
        with open(target, "a"):
            pass
    except OSError as exc:
        raise UsageError(f"{option} {path!r}: cannot write there ({exc.strerror or exc})") from None
    if not existed:
        target.unlink()


# --------------------------------------------------------------------------- memory
def _check_weight_vector_memory(d: int) -> None:
    """Refuse a d whose weight vector (d + 1 float64 entries) alone exceeds the memory limit."""
    from robtheory.phase import memory_limit

    need = 8 * (d + 1)
    if need > memory_limit():
        raise UsageError(_weight_vector_message(d))


def _weight_vector_message(d: int) -> str:
    from robtheory.phase import memory_limit

    return (f"--d {d}: a weight vector of d + 1 = {d + 1} float64 entries needs "
            f"{8 * (d + 1) / 2**30:.3g} GiB (limit {memory_limit() / 2**30:.3g} GiB, half the physical memory)")


#: --eps of accuracy and mc: why its default differs from frontier's and svm's.
_EPS_HELP_ZERO = ("radius of the threat ball (>= 0; default 0, a plain accuracy: the robust accuracy then "
                  "equals the standard one; frontier and svm default to 2*eta, the paper's adversary, because "
                  "their results are about the trade-off under it)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="robtheory",
        description="Machine-checked theory of 'Robustness May Be at Odds with Accuracy' "
                    "(Tsipras et al., ICLR 2019).",
        epilog=EXIT_STATUSES + ".",
    )
    from robtheory import __version__

    parser.add_argument("--version", action="version", version=f"robtheory {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    v = sub.add_parser("verify", help="check every claim of the paper (one row per claim)",
                       description="Run the analytic check of every claim in the registry and print "
                                   "a table; exit status 1 if any claim fails, 2 for bad arguments, 3 if "
                                   "nothing fails but a Monte Carlo test is inconclusive.")
    v.add_argument("--json", metavar="FILE",
                   help="also write the results as JSON to FILE ('-' for stdout: the table then goes to stderr)")
    v.add_argument("--claim", action="append", metavar="NAME",
                   help="check only this claim (repeatable); default: all")
    v.add_argument("--report", metavar="DIR", help="also write the HTML report (index.html and figures) to DIR")
    rep = sub.add_parser("report", help="write one self-contained HTML report (claims table and figures)",
                         description="Run verify (every verdict column) and write DIR/index.html with the "
                                     "claims table and the frontier and phase-diagram figures.")
    rep.add_argument("--out", required=True, metavar="DIR", help="output directory")
    for sp_ in (v, rep):
        sp_.add_argument("--no-mc", action="store_true",
                         help="skip the Monte Carlo column (analytic checks only)")
        sp_.add_argument("--no-proofs", action="store_true",
                         help="skip the proof column (which rebuilds the sympy/interval certificates)")
        sp_.add_argument("--n", type=_sample_count, default=10**6,
                         help="Monte Carlo samples per run (default 10**6; 1e7 and 10**7 work)")
        sp_.add_argument("--seed", type=_seed, default=0, help="Monte Carlo seed in [0, 2**64) (default 0)")
        sp_.add_argument("--backend", default="auto", choices=("auto", "numpy", "numba", "cupy"),
                         help="Monte Carlo backend of the linear runs and the marginals (default auto: "
                              "cupy with a usable GPU, else numba, else numpy)")
        sp_.add_argument("--alpha", type=_rate, default=1e-6,
                         help="family-wise false-alarm rate of all Monte Carlo tests of the run, in (0, 1) "
                              "(Bonferroni; default 1e-6)")
        sp_.add_argument("--resolution", type=_rate, default=5e-3, help=_RESOLUTION_HELP)
        sp_.add_argument("--mean-resolution", type=_positive_float, default=2e-2,
                         help="the same for the tests of means (hinge losses, their differences, gradient "
                              "components), an absolute deviation in the statistic's units (default 0.02)")
        sp_.add_argument("--no-torch", action="store_true",
                         help="skip the torch column (present when torch is installed: trains the toy-data "
                              "models of 'robtheory torch toy --quick': about 30 s on a 2-core machine)")
        sp_.add_argument("--torch-results", metavar="DIR",
                         help="with a report: add a section per experiment saved by 'robtheory torch ... "
                              "--out DIR' (its metrics and PNG figures; reading them needs no torch)")

    a = sub.add_parser("accuracy", help="standard and robust accuracy of one classifier",
                       description="Closed-form standard and robust accuracy, with exact error rates "
                                   "(also far below 1e-300 through their logarithms).")
    a.add_argument("--p", type=_finite_float, required=True, help="P(x1 = y), in [1/2, 1]")
    a.add_argument("--eta", type=_finite_float, required=True, help="mean of each weak feature (>= 0)")
    a.add_argument("--d", type=_positive_int, required=True, help="number of weak features (>= 1)")
    a.add_argument("--eps", type=_finite_float, default=0.0, help=_EPS_HELP_ZERO)
    a.add_argument("--norm", choices=("linf", "l2"), default="linf", help="threat-model norm (default linf)")
    a.add_argument("--weak-only", action="store_true", help="the adversary cannot perturb x1")
    a.add_argument("--classifier", required=True,
                   choices=("averaging", "robust", "bayes", "robust-optimal", "weights"),
                   help="averaging: sign(mean of weak features); robust: sign(x1); bayes: the Bayes "
                        "classifier; robust-optimal: the best linear classifier under the threat; "
                        "weights: sign(w.x + b) with w from --w")
    a.add_argument("--w", metavar="FILE", help="d+1 weights (.npy, or whitespace-separated text); "
                                               "needed by --classifier weights")
    a.add_argument("--b", type=_finite_float, default=0.0, help="bias for --classifier weights (default 0)")
    a.add_argument("--json", action="store_true", help="print a JSON object instead of a table")

    f = sub.add_parser("frontier", help="trade-off frontier of (standard, robust) accuracy",
                       description="The Pareto frontier of (standard accuracy, robust accuracy): over all "
                                   "classifiers (exact at eps = 2 eta, Theorem F) or over linear classifiers.")
    f.add_argument("--p", type=_finite_float, required=True, help="P(x1 = y), in [1/2, 1]")
    f.add_argument("--eta", type=_finite_float, required=True, help="mean of each weak feature (>= 0)")
    f.add_argument("--d", type=_positive_int, required=True, help="number of weak features (>= 1)")
    f.add_argument("--eps", type=_finite_float, default=None,
                   help="radius of the threat ball (>= 0; default 2*eta, the paper's adversary, where Theorem F "
                        "is exact: a frontier is about the trade-off, which vanishes at eps = 0; accuracy and "
                        "mc default to 0)")
    f.add_argument("--norm", choices=("linf", "l2"), default="linf", help="threat-model norm (default linf)")
    f.add_argument("--weak-only", action="store_true", help="the adversary cannot perturb x1")
    f.add_argument("--family", choices=("all", "linear", "linear-unbiased"), default="all",
                   help="all measurable classifiers (default; exact at eps = 2*eta, Theorem F), linear "
                        "classifiers sign(a x1 + u.z + b) with a bias (optimised over the class offsets a+b, "
                        "a-b and, for linf with eps > eta, |u|_1/|u|_2), or linear classifiers without bias "
                        "(the paper's f_tau family)")
    f.add_argument("--points", type=_positive_int, default=201, dest="n",
                   help="number of points, spread at equal arc length along the curve (default 201: "
                        "consecutive points under 0.7%% of the curve's length apart). Cost grows as n: "
                        "a traced curve milliseconds, an optimised family (linear, or linear-unbiased for "
                        "linf with eps > eta) about 0.1 s per point")
    f.add_argument("--n", type=_positive_int, dest="n", action=_DeprecatedAlias, new_name="--points",
                   command="frontier", metavar="N", default=argparse.SUPPRESS,
                   help="deprecated alias of --points (warns once)")
    f.add_argument("--json", action="store_true", help="print the frontier as JSON")
    f.add_argument("--out", metavar="DIR",
                   help="write frontier.json, frontier.csv, frontier.png and frontier.pdf to DIR")
    f.add_argument("--mc", type=_sample_count, default=None, metavar="N",
                   help="also estimate a few frontier points by Monte Carlo (N samples each) with the classifier "
                        "that attains them, test each count against the curve (exact binomial tests, Bonferroni "
                        "at --alpha) and plot them; exit status 1 if a test fails, 3 if none fails but one is "
                        "inconclusive (default: off)")
    f.add_argument("--mc-points", type=_positive_int, default=None, metavar="K",
                   help="number of frontier points for --mc, spread along the curve (default 5)")
    f.add_argument("--seed", type=_seed, default=None, help="Monte Carlo seed for --mc, in [0, 2**64) (default 0)")
    f.add_argument("--alpha", type=_rate, default=None,
                   help="family-wise false-alarm rate of the --mc tests, in (0, 1) (default 1e-6)")
    f.add_argument("--resolution", type=_rate, default=None, help=_RESOLUTION_HELP + "; only with --mc")

    s = sub.add_parser("svm", help="population SVM / logistic-regression optimum and its accuracies",
                       description="Global optimum of the population objective E loss + lam/2 |w|^2 over linear "
                                   "classifiers without bias (Theorem 2.2), standard or adversarially trained. "
                                   "The optimum has equal weak weights (Lemma D.1): w1 on x1 and v on "
                                   "z = d^{-1/2} sum x_i.")
    s.add_argument("--p", type=_finite_float, required=True, help="P(x1 = y), in [1/2, 1]")
    s.add_argument("--eta", type=_finite_float, required=True, help="mean of each weak feature (>= 0)")
    s.add_argument("--d", type=_positive_int, required=True, help="number of weak features (>= 1)")
    s.add_argument("--lam", type=_finite_float, default=None,
                   help="l2 regularisation (> 0); required unless --unit-norm. The result is printed only "
                        "if the solver certifies it (|w - w*| <= 1e-3 |w|); otherwise exit status 2")
    s.add_argument("--eps-train", type=_finite_float, default=0.0,
                   help="adversarial-training radius (>= 0; default 0 = standard training)")
    s.add_argument("--norm", choices=("linf", "l2"), default="linf",
                   help="norm of the training adversary and of the evaluation threat (default linf)")
    s.add_argument("--unit-norm", action="store_true",
                   help="tune lam so that the optimum has unit norm (Theorem 2.2); any --lam given is then "
                        "ignored (not even checked) and the tuned value is reported")
    s.add_argument("--loss", choices=("hinge", "logistic"), default="hinge", help="training loss (default hinge)")
    s.add_argument("--eps", type=_finite_float, default=None,
                   help="radius for the robust accuracy (>= 0; default 2*eta, the adversary of Theorem 2.2; "
                        "accuracy and mc default to 0)")
    s.add_argument("--json", action="store_true", help="print a JSON object instead of text")

    ph = sub.add_parser("phase", help="phase diagrams over (p, eta, eps, d) as netCDF, CSV and figures",
                        description="Evaluate the closed forms over a grid and write DIR/phase.nc, DIR/phase.csv "
                                    "and figures. SPEC is a number, a list a,b,c, a linear range start:stop:num "
                                    "or a geometric range log:start:stop:num. A grid needing more than half the "
                                    "physical memory (about 1 KiB per point) is refused. frontier_standard and "
                                    "price are NaN where eps >= 1 (x1 breaks; not derived there) or where no "
                                    "rule reaches --required-robust; a derived eps_over_eta is inf where "
                                    "eta = 0. Exit status 1 if a --mc test fails, 2 for bad arguments, 3 if no "
                                    "--mc test fails but one is inconclusive.")
    ph.add_argument("--p", required=True, metavar="SPEC", help="P(x1 = y) values, in [1/2, 1]")
    wgroup = ph.add_mutually_exclusive_group(required=True)
    wgroup.add_argument("--eta", metavar="SPEC", help="weak-feature means (>= 0)")
    wgroup.add_argument("--mu", metavar="SPEC", help="reduced coordinate mu = eta*sqrt(d) instead of --eta")
    rgroup = ph.add_mutually_exclusive_group(required=True)
    rgroup.add_argument("--eps", metavar="SPEC", help="threat radii (>= 0)")
    rgroup.add_argument("--eps-over-eta", metavar="SPEC", help="radii as multiples of eta instead of --eps")
    ph.add_argument("--d", required=True, metavar="SPEC",
                    help="numbers of weak features: every value must be a positive whole number (values within a "
                         "relative 1e-9 of one, as log:2:1024:10 gives, are rounded to it)")
    ph.add_argument("--norm", choices=("linf", "l2"), default="linf", help="threat-model norm (default linf)")
    ph.add_argument("--required-robust", type=_finite_float, default=0.5,
                    help="robust accuracy required when pricing robustness, in [0, 1] (default 0.5)")
    ph.add_argument("--lam", type=_finite_float, default=None,
                    help="SVM regularisation (> 0): also compute where l_inf adversarial training drops the weak "
                         "features (one exact solve per (p, eta, d), at most 2000) and draw that boundary "
                         "(default: off)")
    ph.add_argument("--out", required=True, metavar="DIR", help="output directory")
    ph.add_argument("--mc", type=_sample_count, metavar="N",
                    help="also estimate a seeded subsample of grid points by Monte Carlo (N samples each, "
                         "numba) on dask.distributed and write DIR/phase_mc.{nc,csv} and the residual figure; "
                         "exit status 1 if a test fails, 3 if none fails but one is inconclusive (default: off)")
    ph.add_argument("--mc-points", type=_positive_int, default=None, metavar="K",
                    help="number of grid points for --mc (default 8)")
    ph.add_argument("--scheduler", metavar="ADDRESS",
                    help="dask scheduler address for --mc (default: a local cluster of 2 worker processes); "
                         "connecting gives up after 10 s")
    ph.add_argument("--seed", type=_seed, default=None,
                    help="seed of the --mc subsample and streams, in [0, 2**64) (default 0)")
    ph.add_argument("--resolution", type=_rate, default=None, help=_RESOLUTION_HELP + "; only with --mc")

    pr = sub.add_parser("prove", help="run the sympy proof scripts and print a table",
                        description="Run every proof script of proofs/ and print one row per certificate; "
                                    "exit status 1 if any step fails.")
    pr.add_argument("--out", metavar="DIR", help="write the certificates (JSON) to DIR")
    _add_mc_parsers(sub)
    _add_torch_parser(sub)
    _add_cache_parser(sub)
    _add_max_seconds(sub)
    return parser


# --------------------------------------------------------------------------- mc and bench
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


def _add_torch_parser(sub) -> None:
    # the names only: importing the catalogue does not import torch
    from robtheory.torch_bridge.experiments import CATALOGUE

    t = sub.add_parser(
        "torch", help="PyTorch experiments that tie trained models to the theory (needs the torch extra)",
        description="Run one experiment of the PyTorch bridge (or 'all'), writing figures, checkpoints "
                    "(state_dict + JSON config) and DIR/metrics.json (numbers, every setting and seed, and "
                    "whether the paper's effect showed up). 'robtheory torch list' prints the experiments, "
                    "one a line, name first. Needs: pip install 'robtheory[torch]'.")
    t.add_argument("experiment", metavar="EXPERIMENT",
                   help=f"one of {', '.join(CATALOGUE)}; 'all' (every experiment, each in DIR/NAME); or "
                        f"'list' (one a line with its figure and summary; ignores the other options)")
    t.add_argument("--quick", action="store_true",
                   help="small configuration: seconds per experiment, sklearn's 8x8 digits instead of MNIST")
    t.add_argument("--device", choices=("cpu", "cuda"), default="cpu", help="torch device (default cpu)")
    t.add_argument("--seed", type=_seed, default=0,
                   help="seed of all randomness: data split and subsets, initialisation, shuffling, attacks "
                        "(default 0)")
    t.add_argument("--threads", type=_positive_int, default=1,
                   help="torch intra-op threads during the run (default 1: faster for these small models)")
    t.add_argument("--out", metavar="DIR", help="output directory (required unless EXPERIMENT is 'list')")


def _cmd_torch(args) -> int:
    from robtheory.torch_bridge import INSTALL_HINT, torch_available
    from robtheory.torch_bridge.experiments import CATALOGUE, run_experiment

    if args.experiment == "list":
        for e in CATALOGUE.values():
            print(f"{e.name:16s} {e.figure:26s} {e.summary}")
        return 0
    names = list(CATALOGUE) if args.experiment == "all" else [args.experiment]
    for n in names:
        if n not in CATALOGUE:
            raise UsageError(f"unknown experiment {n!r}; 'robtheory torch list' shows: {', '.join(CATALOGUE)}")
    if args.out is None:
        raise UsageError("--out DIR is required")
    if not torch_available():
        raise UsageError(f"torch is not installed: {INSTALL_HINT}")
    from robtheory._cost import torch_seconds

    _check_cost(torch_seconds(names, args.quick), args,
                f"torch {args.experiment}{' --quick' if args.quick else ''} on {args.device}")
    _output_dir(args.out, "--out")

    ok = True
    total = 0.0
    for n in names:
        out = Path(args.out) / n if args.experiment == "all" else Path(args.out)
        try:
            m = run_experiment(n, out, quick=args.quick, device=args.device, seed=args.seed,
                               threads=args.threads)
        except (ValueError, ImportError) as exc:  # bad option, or a data package of the extra missing
            raise UsageError(str(exc)) from None
        total += m["seconds"]
        eff = m["effect"]
        ok &= bool(eff["reproduced"])
        print(f"{n:16s} {m['seconds']:8.1f} s  effect {'REPRODUCED' if eff['reproduced'] else 'NOT REPRODUCED'}: "
              f"{eff['detail']}", flush=True)
        print(f"{'':16s} wrote {out / 'metrics.json'} and {len(m['figures'])} figure files", flush=True)
    if len(names) > 1:
        print(f"total {total:.1f} s")
    # A negative result is a result, not a failure of the command.
    return 0


def _add_mc_parsers(sub) -> None:
    m = sub.add_parser("mc", help="Monte Carlo estimate of one classifier's accuracies",
                       description="Draw n samples of D(p, eta, d) (every coordinate) and print the "
                                   "standard and robust accuracy estimates with their intervals next "
                                   "to the closed forms, and the exact binomial agreement test "
                                   "(family-wise false-alarm rate --alpha over the two checks); exit status 1 if "
                                   "a test fails, 2 for bad arguments, 3 if none fails but one is inconclusive "
                                   "(it could not detect a deviation of --resolution at this --n).")
    m.add_argument("--p", type=_finite_float, required=True, help="P(x1 = y), in [1/2, 1]")
    m.add_argument("--eta", type=_finite_float, required=True, help="mean of each weak feature (>= 0)")
    m.add_argument("--d", type=_positive_int, required=True, help="number of weak features (>= 1)")
    m.add_argument("--eps", type=_finite_float, default=0.0, help=_EPS_HELP_ZERO)
    m.add_argument("--norm", choices=("linf", "l2"), default="linf", help="threat-model norm (default linf)")
    m.add_argument("--weak-only", action="store_true", help="the adversary cannot perturb x1")
    m.add_argument("--classifier", required=True,
                   choices=("averaging", "robust", "bayes", "robust-optimal", "weights"),
                   help="as for 'robtheory accuracy'")
    m.add_argument("--w", metavar="FILE", help="d+1 weights for --classifier weights (.npy or text)")
    m.add_argument("--b", type=_finite_float, default=0.0, help="bias for --classifier weights (default 0)")
    m.add_argument("--n", type=_sample_count, default=10**6, help="samples (default 10**6; 1e7 and 10**7 work)")
    m.add_argument("--seed", type=_seed, default=0, help="seed in [0, 2**64) (default 0)")
    m.add_argument("--backend", default="auto", choices=("auto", "numpy", "numba", "cupy"),
                   help="auto: cupy with a usable GPU, else numba, else numpy (default auto)")
    m.add_argument("--dtype", default="float64", choices=("float64", "float32"),
                   help="precision of the weak features and the score (default float64)")
    m.add_argument("--alpha", type=_rate, default=1e-6,
                   help="family-wise false-alarm rate of the agreement tests, in (0, 1) (default 1e-6)")
    m.add_argument("--resolution", type=_rate, default=5e-3, help=_RESOLUTION_HELP)
    m.add_argument("--json", action="store_true", help="print a JSON object instead of a table")

    b = sub.add_parser("bench", help="normals per second of each Monte Carlo backend",
                       description="Time the NumPy reference, the numba kernels and (with a GPU) the "
                                   "CuPy kernels at d = 10, 100, 1000, 10000 on one workload; report "
                                   "normals per second, the ratio to NumPy and peak memory, with the "
                                   "machine, date and commit.")
    b.add_argument("--quick", action="store_true", help="tiny runs: checks the machinery, not the speed")
    b.add_argument("--d", type=_positive_int, nargs="+", metavar="D", help="dimensions (default 10 100 1000 10000)")
    b.add_argument("--backend", action="append", choices=("numpy", "numba", "cupy"),
                   help="only this backend (repeatable; an unusable one is an error); default: every usable one")
    b.add_argument("--json", action="store_true", help="print a JSON object instead of a table")


def _progress_bar(total: int):
    """A tqdm bar on stderr when it is a terminal, else None (quiet in pipes and logs)."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="sample", unit_scale=True, file=sys.stderr, leave=False)


def _cmd_mc(args) -> int:
    from robtheory.mc.engine import check_against_closed_form

    try:
        model, threat, clf = _model_threat_classifier(args)
        _check_weight_vector_memory(model.d)
        from robtheory._cost import mc_seconds
        from robtheory.mc.engine import resolve_backend

        backend = resolve_backend(args.backend)
        _check_cost(mc_seconds(args.n, model.d, backend), args, f"--n {args.n} samples at d = {model.d} on {backend}")
        bar = _progress_bar(args.n)
        try:
            res = check_against_closed_form(model, clf, threat, args.n, args.seed, args.backend,
                                            total_alpha=args.alpha, dtype=args.dtype,
                                            progress=None if bar is None else bar.update)
        finally:
            if bar is not None:
                bar.close()
    except (ValueError, UsageError) as exc:
        raise UsageError(str(exc)) from None
    except MemoryError:
        raise UsageError(_weight_vector_message(args.d)) from None
    from robtheory.stats import INCONCLUSIVE, proportion_resolution, verdict, worst_verdict

    out = {
        "p": model.p, "eta": model.eta, "d": model.d, "eps": threat.eps, "norm": threat.norm,
        "weak_only": not threat.perturb_x1, "classifier": args.classifier, "n": res["n"],
        "seed": res["seed"], "backend": res["backend"], "dtype": res["dtype"],
        "total_alpha": res["total_alpha"], "passed": res["passed"],
        "resolution": args.resolution,
    }
    for kind in ("standard", "robust"):
        e = res[kind]
        ag = e["agreement"]
        # judged at the test's own alpha; the sides where a deviation of the resolution exists
        rs = proportion_resolution(e["n"], min(max(float(e["analytic"]), 0.0), 1.0), ag["alpha"], args.resolution)
        out[kind] = {"estimate": e["estimate"], "count": e["count"], "n": e["n"],
                     "ci": [float(e["ci"][0]), float(e["ci"][1])], "level": e["level"],
                     "analytic": e["analytic"], "z": ag["z"], "p_value": ag["p_value"],
                     "passed": ag["passed"], "verdict": verdict(not ag["passed"], rs.resolved),
                     "resolution": args.resolution, "min_detectable": rs.min_detectable,
                     "n_needed": rs.n_needed}
    kinds = [out[k] for k in ("standard", "robust")]
    out["verdict"] = worst_verdict(e["verdict"] for e in kinds)
    out["inconclusive"] = sum(e["verdict"] == INCONCLUSIVE for e in kinds)
    needs = [e["n_needed"] for e in kinds if e["verdict"] == INCONCLUSIVE]
    out["n_needed"] = None if not needs or None in needs else max(needs)
    status = _exit_status(out["verdict"])
    if args.json:
        print(dumps(add_deprecated_aliases(out, ("alpha_total", "perturb_x1")), indent=2))
        return status
    print(f"D(p={model.p:g}, eta={model.eta:g}, d={model.d}), {threat.norm} ball eps={threat.eps:g}"
          f"{' (weak-only)' if not threat.perturb_x1 else ''}, classifier: {args.classifier}")
    print(f"n = {res['n']} samples, seed {res['seed']}, backend {res['backend']} ({res['dtype']})")
    level = f"{100 * out['standard']['level']:g}% interval"
    print(f"{'':10s}{'estimate':>12s}  {level:>25s}{'closed form':>14s}{'z':>9s}  agreement")
    for kind in ("standard", "robust"):
        e = out[kind]
        print(f"{kind:10s}{e['estimate']:>12.6f}  [{e['ci'][0]:.6f}, {e['ci'][1]:.6f}]{'':>5s}"
              f"{e['analytic']:>14.6f}{e['z']:>9.2f}  {e['verdict']} (p = {e['p_value']:.3g}, "
              f"detects >= {e['min_detectable']:.2g})")
    summary = f"Monte Carlo: {out['verdict']} at resolution {args.resolution:g}"
    if out["inconclusive"]:
        summary += _inconclusive_note(out["inconclusive"], 2, args.resolution, out["n_needed"], "--n")
    print(summary)
    return status


def _cmd_bench(args) -> int:
    from robtheory.experiments.bench import DIMENSIONS, format_table, run_benchmark
    from robtheory.mc.engine import resolve_backend

    dims = tuple(args.d) if args.d else DIMENSIONS
    try:
        for b in args.backend or ():
            resolve_backend(b)  # an unusable backend asked for by name: the error of 'mc --backend'
        for d in dims:
            _check_weight_vector_memory(d)
        report = run_benchmark(dims, quick=args.quick, backends=args.backend)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    except MemoryError:
        raise UsageError(_weight_vector_message(max(dims))) from None
    print(dumps(report, indent=2) if args.json else format_table(report))
    return 0


def _load_weights(path: str):
    """``--w FILE`` through :func:`robtheory.classifiers.load_weights`, read errors as one line."""
    from robtheory.classifiers import load_weights

    try:
        return load_weights(path)
    except OSError as exc:
        raise UsageError(f"--w {path!r}: cannot read it ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise UsageError(f"--w: {exc}") from None


def _model_threat_classifier(args):
    """The model, threat and classifier named by the shared options of ``accuracy`` and ``mc``."""
    from robtheory.classifiers import LinearClassifier, averaging, bayes, robust_x1
    from robtheory.theory.closed_form import robust_optimal_linear
    from robtheory.model import ThreatModel, ToyModel

    model = ToyModel(args.p, args.eta, args.d)
    threat = ThreatModel(args.norm, args.eps, perturb_x1=not args.weak_only)
    if args.classifier != "weights" and args.w is not None:
        raise UsageError("--w is only used with --classifier weights")
    if args.classifier == "averaging":
        clf = averaging(model.d)
    elif args.classifier == "robust":
        clf = robust_x1(model.d)
    elif args.classifier == "bayes":
        clf = bayes(model)
    elif args.classifier == "robust-optimal":
        clf = robust_optimal_linear(model, threat).classifier
    else:
        if args.w is None:
            raise UsageError("--classifier weights needs --w FILE")
        w = _load_weights(args.w)
        if w.size != model.d + 1:
            raise UsageError(f"--w has {w.size} numbers but d + 1 = {model.d + 1} are needed")
        clf = LinearClassifier(w, args.b)
    return model, threat, clf


def _fmt_rate(rate: float, log_rate: float) -> str:
    """An error rate in %.6e, written from its natural log when it underflows to 0 (1.6e-350)."""
    if rate > 0 or not math.isfinite(log_rate):
        return f"{rate:.6e}"
    l10 = log_rate / math.log(10)
    exp = math.floor(l10)
    mant = 10 ** (l10 - exp)
    if f"{mant:.6f}" == "10.000000":
        mant, exp = 1.0, exp + 1
    return f"{mant:.6f}e{exp:+d}"


def _cmd_accuracy(args) -> int:
    from robtheory.theory.closed_form import linear_accuracy

    try:
        model, threat, clf = _model_threat_classifier(args)
        acc = linear_accuracy(model, clf, threat)
    except (ValueError, UsageError) as exc:
        raise UsageError(str(exc)) from None
    result = {
        "p": model.p, "eta": model.eta, "d": model.d, "eps": threat.eps, "norm": threat.norm,
        "weak_only": not threat.perturb_x1, "classifier": args.classifier,
        **acc.to_dict(),
    }
    if args.classifier == "robust-optimal":
        # the chosen rule sign(a x1 + c sum x_i + b), so that it can be reused
        from robtheory.theory.closed_form import structured_weights

        result.update(structured_weights(clf))
    if args.json:
        print(dumps(add_deprecated_aliases(result, ("perturb_x1",)), indent=2))
        return 0
    print(f"D(p={model.p:g}, eta={model.eta:g}, d={model.d}), {threat.norm} ball eps={threat.eps:g}"
          f"{' (weak-only)' if not threat.perturb_x1 else ''}, classifier: {args.classifier}")
    if args.classifier == "robust-optimal":
        print(f"chosen: sign(x1_weight*x1 + weak_weight*sum(x_i) + bias) with x1_weight = "
              f"{result['x1_weight']!r}, weak_weight = {result['weak_weight']!r}, bias = {result['bias']!r}")
    # columns are separated by two spaces whatever their width (an error rate written from its log,
    # 5.575812e-195437, is wider than 14 characters), and a log rate of -0.0 is written 0
    print(f"{'':10s}{'accuracy':>24s}  {'error rate':>14s}  {'log error rate':>16s}")
    for kind in ("standard", "robust"):
        rate, log_rate = result[f"{kind}_error_rate"], result[f"log_{kind}_error_rate"]
        print(f"{kind:10s}{float(result[f'{kind}_accuracy'])!r:>24}  {_fmt_rate(rate, log_rate):>14s}  "
              f"{log_rate + 0.0:>16.8g}")
    return 0


#: The SVM result is printed only if the solver's certificate |w - w*| <= kkt_residual / lam (strong
#: convexity) is at most this fraction of |w|: the accuracies depend only on the direction of w,
#: and this bounds the angle between the printed weights and the optimum by 1e-3 rad. The solver
#: meets it by orders of magnitude at ordinary scales (1e-8 or better for lam in [1e-4, 100] and
#: mu <= 400); it fails where lam or d is so extreme that the arithmetic cannot resolve the optimum.
_SVM_CERTIFICATE_RTOL = 1e-3


def _check_certificate(opt, model, tuned: bool = False) -> None:
    bound = opt.distance_bound
    if not bound <= _SVM_CERTIFICATE_RTOL * opt.norm:  # also NaN
        lam = f"lam {opt.lam:g} tuned by --unit-norm" if tuned else f"--lam {opt.lam:g}"
        raise UsageError(
            f"the optimum cannot be certified at this scale ({lam}, --d {model.d}): the solver's "
            f"certificate only bounds |w - w*| by {bound:.3g} against |w| = {opt.norm:.3g} (it must be "
            f"<= {_SVM_CERTIFICATE_RTOL:g} |w|)")


def _cmd_svm(args) -> int:
    from robtheory._cost import SVM_SECONDS
    from robtheory.model import ThreatModel, ToyModel
    from robtheory.training import Objective, solve, unit_norm_optimum

    _check_cost(SVM_SECONDS, args, "svm")
    try:
        model = ToyModel(args.p, args.eta, args.d)
        if args.eps_train < 0:
            raise UsageError(f"--eps-train must be >= 0, got {_fmt(args.eps_train)}")
        eps_eval = 2 * model.eta if args.eps is None else args.eps
        if eps_eval < 0:
            raise UsageError(f"--eps must be >= 0, got {_fmt(eps_eval)}")
        threat = ThreatModel(args.norm, args.eps_train) if args.eps_train > 0 else None
        if not args.unit_norm:  # with --unit-norm, --lam is ignored (lam is tuned)
            if args.lam is None:
                raise UsageError("--lam is required (or pass --unit-norm to tune it)")
            if args.lam <= 0:
                raise UsageError(f"--lam must be > 0, got {_fmt(args.lam)}")
        import warnings

        import numpy as np

        # Far from unit scale the solver's arithmetic overflows (lam = 1e300) or its certificate
        # becomes vacuous (lam = 1e-300, d = 1e21); the check below, not a warning, reports it.
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            if args.unit_norm:
                opt = unit_norm_optimum(model, threat, args.loss)
            else:
                opt = solve(Objective(model, args.lam, threat, args.loss))
        _check_certificate(opt, model, tuned=args.unit_norm)
        acc = opt.accuracy(ThreatModel(args.norm, eps_eval))
    except (ValueError, UsageError) as exc:
        raise UsageError(str(exc)) from None
    result = {
        "p": model.p, "eta": model.eta, "d": model.d, "mu": model.mu,
        "loss": args.loss, "norm": args.norm, "eps_train": args.eps_train, "unit_norm": args.unit_norm,
        "w1": opt.w1, "v": opt.v, "c": opt.c, "lam": opt.lam, "weight_norm": opt.norm,
        "objective": opt.value, "kkt_residual": opt.kkt_residual, "kkt_floor": opt.kkt_floor,
        "distance_bound": opt.distance_bound,
        "method": opt.method, "zero_weights": opt.norm == 0, "eps": eps_eval, "weak_only": False,
        **acc.to_dict(),
    }
    if args.json:
        print(dumps(result, indent=2))
        return 0
    kind = "standard" if threat is None else f"{args.norm} adversarial (eps_train={args.eps_train:g})"
    print(f"D(p={model.p:g}, eta={model.eta:g}, d={model.d}), mu={model.mu:g}: {kind} {args.loss} training, "
          f"lam={opt.lam:.10g}{' (tuned for unit norm)' if args.unit_norm else ''}")
    print(f"optimum   w1 = {opt.w1:.12g}   v = {opt.v:.12g}   (each weak weight {opt.c:.6g}, |w| = {opt.norm:.10g})")
    # the residual is computed from gradients accurate to kkt_floor (logistic quadrature): below
    # that floor only the floor is known
    if opt.kkt_residual < opt.kkt_floor:
        res = f"KKT residual below {opt.kkt_floor:.1e} (the accuracy of the gradients)"
    elif opt.kkt_floor > 0:
        res = f"KKT residual {opt.kkt_residual:.2e} (gradients accurate to {opt.kkt_floor:.1e})"
    else:
        res = f"KKT residual {opt.kkt_residual:.2e}"
    print(f"objective {opt.value:.12g}   {res} (|w - w*| <= {opt.distance_bound:.2e})")
    print(f"accuracy  standard {acc.standard_accuracy:.10g}   robust ({args.norm}, eps={eps_eval:g}) "
          f"{acc.robust_accuracy:.10g}")
    if opt.norm == 0:
        print("note: w = 0; sign(0) counts as an error here (with sign(0) = -1, as in the Lean "
              "formalisation, the accuracy is 1/2)")
    return 0


def _cmd_verify(args) -> int:
    from robtheory import claims

    # every output path and input folder is checked before any claim is run
    _output_file(args.json, "--json")
    if args.torch_results is not None:
        if args.report is None:
            raise UsageError("--torch-results needs a report (robtheory report --out DIR, or verify --report DIR)")
        from robtheory.torch_bridge.report import find_metrics

        try:
            find_metrics(args.torch_results)
        except ValueError as exc:
            raise UsageError(f"--torch-results: {exc}") from None
    _output_dir(args.report, "--out" if args.command == "report" else "--report")
    selected = claims.REGISTRY
    if args.claim:
        try:
            selected = tuple(claims.get(n) for n in args.claim)
        except KeyError as exc:
            raise UsageError(exc.args[0]) from None
    from robtheory._cost import verify_seconds
    from robtheory.torch_bridge import torch_available

    if not args.no_mc:  # a bad --n is named as such, before its cost is estimated
        from robtheory.claims.mc_column import check_n

        try:
            check_n(args.n)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    _check_cost(verify_seconds(len(selected), args.n, not args.no_mc, not args.no_proofs,
                               not args.no_torch and torch_available(), args.report is not None),
                args, f"{args.command} ({len(selected)} claims{'' if args.no_mc else f', --n {args.n}'})")
    import contextlib

    mc_ctx = contextlib.nullcontext()
    if not args.no_mc:
        # the Monte Carlo engine loads only when asked
        from robtheory.claims.mc_column import MonteCarloColumn, registered

        try:
            column = MonteCarloColumn(selected, n=args.n, seed=args.seed, backend=args.backend,
                                      total_alpha=args.alpha, resolution=args.resolution,
                                      mean_resolution=args.mean_resolution)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        mc_ctx = registered(column)
    proof_ctx = contextlib.nullcontext()
    proof_col = None
    if not args.no_proofs:
        from robtheory.proofs.column import ProofColumn
        from robtheory.proofs.column import registered as proofs_registered

        proof_col = ProofColumn()
        proof_ctx = proofs_registered(proof_col)
    torch_ctx = contextlib.nullcontext()
    torch_col = None
    from robtheory.torch_bridge import torch_available

    if not args.no_torch and torch_available():
        # torch loads only here; the column trains the quick toy-data models once per run
        from robtheory.torch_bridge.column import TorchColumn
        from robtheory.torch_bridge.column import registered as torch_registered

        torch_col = TorchColumn(quick=True, seed=0)
        torch_ctx = torch_registered(torch_col)
    # with '--json -' stdout carries the JSON only: the table and the summary go to stderr
    table = sys.stderr if args.json == "-" else sys.stdout
    # a bar over the claims (and the sampler marginals) on a terminal only: None in pipes and
    # logs, where every row is printed exactly as without it
    bar = _progress_bar(len(selected) + (0 if args.no_mc else 1))
    if bar is not None:
        bar.unit, bar.unit_scale = "claim", False  # _progress_bar counts samples by default
        bar.refresh()

    def emit(line: str) -> None:
        if bar is None:
            print(line, file=table, flush=True)
        else:
            bar.write(line, file=table)  # clears the bar, prints the row, redraws the bar

    with mc_ctx as mc, proof_ctx, torch_ctx:
        rows = []
        for claim in selected:
            if bar is not None:
                bar.set_description(claim.name)
            t0 = time.perf_counter()
            res = claim.check()
            extra = {}
            for col, fn in claims.COLUMNS.items():
                r = fn(claim)
                extra[col] = None if r is None else (
                    r.to_dict() if hasattr(r, "to_dict")
                    else {"passed": r.passed, "n_points": r.n_points, "detail": r.detail})
            rows.append({
                "name": claim.name, "title": claim.title, "reference": claim.reference,
                "statement": claim.statement, "notes": claim.notes,
                "analytic": {"passed": res.passed, "n_points": res.n_points, "detail": res.detail},
                **extra, "seconds": round(time.perf_counter() - t0, 3),
            })
            mark = "PASS" if res.passed else "FAIL"
            cols = "".join(f"  {c}: {_cell_verdict(e) if e else '-'}" for c, e in extra.items())
            emit(f"{claim.name:20s} {claim.reference:34s} {mark}{cols}  {res.detail}")
            for c, e in extra.items():
                if e and e["detail"]:
                    emit(f"{'':21s}{c}: {e['detail']}")
            if bar is not None:
                bar.update()
        columns = list(claims.COLUMNS)
        ok = all(r["analytic"]["passed"] for r in rows) and all(
            r[c] is None or r[c]["passed"] for r in rows for c in claims.COLUMNS)
        # a column cell with a verdict (the Monte Carlo one) may be INCONCLUSIVE: nothing
        # failed, but a test could not have detected a deviation of the resolution
        inconclusive = any(r[c] is not None and r[c].get("verdict") == "INCONCLUSIVE"
                           for r in rows for c in claims.COLUMNS)
        if mc is not None:
            if bar is not None:
                bar.set_description("sampler marginals")
            marg = mc.marginals()
            ok = ok and marg["passed"]
            inconclusive = inconclusive or marg["verdict"] == "INCONCLUSIVE"
            emit(f"{'sampler_marginals':20s} {'(Monte Carlo sampler)':34s} -     mc: "
                 f"{_cell_verdict(marg)}  {marg['detail']}")
            if bar is not None:
                bar.update()
        if bar is not None:
            bar.close()
    print(f"{sum(r['analytic']['passed'] for r in rows)}/{len(rows)} claims pass the analytic check", file=table)
    if proof_col is not None:
        print(proof_col.summary(), file=table)
    if mc is not None:
        print(mc.statement(), file=table)
    if args.report:
        from robtheory.viz.report import write_report

        sections = []
        if args.torch_results:
            from robtheory.torch_bridge.report import sections as torch_sections

            try:
                sections = torch_sections(args.torch_results, args.report)
            except ValueError as exc:
                raise UsageError(str(exc)) from None
        elif torch_col is not None and torch_col.results_dir is not None:
            from robtheory.torch_bridge.report import sections as torch_sections

            sections = torch_sections(torch_col.results_dir, args.report)
        path = write_report(args.report, rows, columns,
                            frontier_mc_n=None if args.no_mc else min(args.n, 10**5), seed=args.seed,
                            extra_sections=sections)
        print(f"report written to {path}", file=table)
    verdict = "FAIL" if not ok else "INCONCLUSIVE" if inconclusive else "PASS"
    if args.json:
        data = {"claims": rows, "mc": None if mc is None else mc.summary(), "passed": ok, "verdict": verdict}
        if args.json == "-":
            print(dumps(data, indent=2))
        else:
            write_json(args.json, data)
    return _exit_status(verdict)


def _cell_verdict(cell: dict) -> str:
    """PASS / FAIL / INCONCLUSIVE of a verify cell (columns without a verdict: from ``passed``)."""
    from robtheory.claims import cell_verdict

    return cell_verdict(cell)


def _cmd_report(args) -> int:
    args.report, args.json, args.claim = args.out, None, None
    return _cmd_verify(args)


def _cmd_frontier(args) -> int:
    from robtheory.theory.frontier import frontier, frontier_cost
    from robtheory.model import ThreatModel, ToyModel

    out = _output_dir(args.out, "--out")
    if args.mc is None:
        for opt, val in (("--mc-points", args.mc_points), ("--seed", args.seed), ("--alpha", args.alpha),
                         ("--resolution", args.resolution)):
            if val is not None:
                raise UsageError(f"{opt} is only used with --mc N")
    if args.n < 2:
        raise UsageError(f"--points must be >= 2, got {args.n}")
    if not args.max_seconds > 0:
        raise UsageError(f"--max-seconds must be > 0, got {_fmt(args.max_seconds)}")
    try:
        model = ToyModel(args.p, args.eta, args.d)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    eps = 2 * model.eta if args.eps is None else args.eps
    try:
        threat = ThreatModel(args.norm, eps, perturb_x1=not args.weak_only)
        cost = frontier_cost(model, threat, args.family, args.n)
        if cost > args.max_seconds:
            raise UsageError(f"--points {args.n}: the {args.family} frontier is estimated to take about {cost:.3g} s, "
                             f"over --max-seconds {_fmt(args.max_seconds)}; lower --points or raise --max-seconds")
        bar = _progress_bar(args.n)
        if bar is not None:
            bar.unit, bar.unit_scale = "point", False

        def progress(done, total):
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            front = frontier(model, threat, args.family, n=args.n, progress=None if bar is None else progress)
        finally:
            if bar is not None:
                bar.close()
    except ValueError as exc:
        hint = ("" if args.eps is not None or "eps" not in str(exc)
                else f" (eps is the default 2*eta = {_fmt(eps)}; pass --eps to choose it)")
        raise UsageError(f"{exc}{hint}") from None
    data = front.to_dict()
    mc = None
    if args.mc is not None:
        from robtheory.claims.frontier_mc import frontier_mc

        if args.mc_points is not None and args.mc_points > front.tau.size:
            raise UsageError(f"--mc-points {args.mc_points} exceeds the {front.tau.size} points of the frontier "
                             f"(--points {args.n}); ask for at most {front.tau.size}")
        try:
            mc = frontier_mc(front, args.mc, points=5 if args.mc_points is None else args.mc_points,
                             seed=0 if args.seed is None else args.seed,
                             total_alpha=1e-6 if args.alpha is None else args.alpha,
                             resolution=args.resolution)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        for pt in mc["points"]:
            data["points"][pt["index"]]["mc"] = {k: pt[k] for k in ("classifier", "method", "seed", "standard", "robust")}
        data["mc"] = {k: v for k, v in mc.items() if k != "points"}
        data["mc"]["estimated_indices"] = [pt["index"] for pt in mc["points"]]
    add_deprecated_aliases(data, ("perturb_x1", "residual", "max_abs_residual"))
    if out is not None:
        write_json(out / "frontier.json", data)
        with open(out / "frontier.csv", "w") as fh:
            cols = ["tau", "standard_accuracy", "robust_accuracy", "theorem_2_1_bound"]
            cols += [k for k in ("bias", "weak_weight_ratio") if data["points"] and k in data["points"][0]]
            fh.write(",".join(cols) + "\n")
            for pt in data["points"]:
                fh.write(",".join("inf" if pt[k] is None and k == "tau" else "" if pt[k] is None else repr(pt[k])
                                  for k in cols) + "\n")
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from robtheory.viz.plot import plot_frontier, plot_frontier_mc

        fig, ax = plt.subplots(figsize=(5, 4))
        plot_frontier(ax, front)
        if mc is not None:
            plot_frontier_mc(ax, mc)
        fig.tight_layout()
        for ext in ("png", "pdf"):
            fig.savefig(out / f"frontier.{ext}", dpi=150)
        plt.close(fig)
    status = 0 if mc is None else _exit_status(mc["verdict"])
    if args.json:
        print(dumps(data, indent=2))
        return status
    print(f"{data['note']}; {len(data['points'])} points")
    print(f"{'tau':>12s}{'standard':>22s}{'robust':>22s}{'Thm 2.1 bound':>16s}")
    for pt in data["points"]:
        tau = "inf" if pt["tau"] is None else f"{pt['tau']:.6g}"
        bound = "-" if pt["theorem_2_1_bound"] is None else f"{pt['theorem_2_1_bound']:.6g}"
        print(f"{tau:>12s}{float(pt['standard_accuracy'])!r:>22}{float(pt['robust_accuracy'])!r:>22}{bound:>16s}")
    if mc is not None:
        # what is printed is what is judged: each count's exact binomial p-value against the
        # per-test alpha (a count fails iff p <= alpha), and whether the test resolves --resolution
        print(f"Monte Carlo (n={mc['n']} per point, seed {mc['seed']}; exact binomial tests, Bonferroni over "
              f"{mc['n_checks']} at alpha={mc['total_alpha']:g}: a count fails when its p-value <= "
              f"{mc['alpha_per_check']:.3g}; resolution {mc['resolution']:g}):")
        for pt in mc["points"]:
            tau = "inf" if pt["tau"] is None else f"{pt['tau']:.6g}"
            cells = "  ".join(f"{k} {pt[k]['estimate']:.5f} [{pt[k]['ci'][0]:.5f}, {pt[k]['ci'][1]:.5f}] "
                              f"vs {pt[k]['analytic']:.5f} (p={pt[k]['p_value']:.3g}, {pt[k]['verdict']})"
                              for k in ("standard", "robust"))
            print(f"  tau={tau}: {cells}")
        line = (f"Monte Carlo: {mc['verdict']} (smallest p-value {mc['min_p_value']:.3g}, per-test alpha "
                f"{mc['alpha_per_check']:.3g})")
        if mc["inconclusive"]:
            line += _inconclusive_note(mc["inconclusive"], mc["n_checks"], mc["resolution"], mc["n_needed"], "--mc")
        print(line)
    if out is not None:
        print(f"wrote {args.out}/frontier.{{json,csv,png,pdf}}")
    return status


def _cmd_phase(args) -> int:
    from robtheory.phase import check_grid_size, parse_spec, phase_grid, save, spec_length

    out = _output_dir(args.out, "--out")
    if args.mc is None:
        for opt, val in (("--mc-points", args.mc_points), ("--scheduler", args.scheduler), ("--seed", args.seed),
                         ("--resolution", args.resolution)):
            if val is not None:
                raise UsageError(f"{opt} is only used with --mc N")
    # (option, keyword of phase_grid, SPEC) for the four axes, in the grid's order
    w_opt, w_kw, w_spec = ("--eta", "eta", args.eta) if args.eta is not None else ("--mu", "mu", args.mu)
    r_opt, r_kw, r_spec = (("--eps", "eps", args.eps) if args.eps is not None
                           else ("--eps-over-eta", "eps_over_eta", args.eps_over_eta))
    axes = (("--p", "p", args.p), (w_opt, w_kw, w_spec), (r_opt, r_kw, r_spec), ("--d", "d", args.d))
    try:
        # the grid's size from the SPECs alone, before any array is allocated
        check_grid_size({opt: spec_length(spec, opt) for opt, _, spec in axes})
        values = {kw: parse_spec(spec, opt) for opt, kw, spec in axes}
        from robtheory._cost import phase_seconds

        sizes = {kw: len(v) for kw, v in values.items()}
        k_mc = 8 if args.mc_points is None else args.mc_points
        _check_cost(phase_seconds(math.prod(sizes.values()),
                                  0 if args.lam is None else min(2000, sizes["p"] * sizes[w_kw] * sizes["d"]),
                                  args.mc, k_mc, int(max(values["d"]))),
                    args, f"phase over {math.prod(sizes.values())} grid points"
                          f"{'' if args.mc is None else f' with --mc {args.mc} at {k_mc} points'}")
        ds = phase_grid(values.pop("p"), values.pop("d"), norm=args.norm, required_robust=args.required_robust,
                        lam=args.lam, names={kw: opt for opt, kw, _ in axes}, **values)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    paths = save(ds, out)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from robtheory.viz.plot import plot_phase

    dims = sorted(ds["regime"].dims, key=lambda k: (-ds.sizes[k], ("eta", "mu", "eps", "eps_over_eta", "p", "d").index(k)))
    x, y = dims[0], dims[1]
    if x in ("eps", "eps_over_eta") or y in ("eta", "mu"):
        x, y = y, x
    figures = []
    for var in ("bayes_standard", "averaging_robust", "bayes_robust", "optimal_robust", "price", "regime"):
        fig, ax = plt.subplots(figsize=(5.5, 4.2))
        plot_phase(ax, ds, var, x, y)
        fig.tight_layout()
        for ext in ("png", "pdf"):
            path = out / f"phase_{var}.{ext}"
            fig.savefig(path, dpi=120)
            figures.append(path)
        plt.close(fig)
    print(f"grid {dict(ds.sizes)}: wrote {paths['netcdf']}, {paths['csv']} and {len(figures)} figures")
    if args.mc is None:
        return 0
    from robtheory.experiments.phase_mc import mc_overlay, save_mc
    from robtheory.viz.plot import plot_mc_residuals

    try:
        import dask

        # an unreachable --scheduler fails after 10 s (dask's default wait is 30 s)
        with dask.config.set({"distributed.comm.timeouts.connect": "10s"}):
            mc = mc_overlay(ds, args.mc, points=8 if args.mc_points is None else args.mc_points,
                            seed=0 if args.seed is None else args.seed, backend="numba",
                            scheduler=args.scheduler, resolution=args.resolution)
    except ImportError as exc:
        raise NotImplementedError(str(exc)) from None
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:  # TimeoutError and refused connections to --scheduler
        msg = (f"--scheduler {args.scheduler!r}: cannot connect ({exc})" if args.scheduler
               else f"cannot start the local dask cluster ({exc})")
        raise UsageError(" ".join(msg.split())) from None
    mc_paths = save_mc(mc, out)
    fig, ax = plt.subplots(figsize=(8.0, 4.2))
    plot_mc_residuals(ax, mc)
    fig.tight_layout()
    for ext in ("png", "pdf"):
        fig.savefig(out / f"phase_mc_residuals.{ext}", dpi=120)
    plt.close(fig)
    # passed = 0 (a residual beyond the threshold) is a FAIL whatever the resolution
    verdict = mc.attrs["verdict"] if mc.attrs["passed"] else "FAIL"
    inc = ""
    if mc.attrs["inconclusive"]:
        need = mc.attrs["n_needed"]  # -1 in the netCDF attributes where no n makes them conclusive
        inc = _inconclusive_note(mc.attrs["inconclusive"], mc["residual"].size, mc.attrs["resolution"],
                                 need if need > 0 else None, "--mc")
    print(f"Monte Carlo: {mc.sizes['point']} points x n={args.mc} on {mc.attrs['executor']}; "
          f"max |residual| = {mc.attrs['max_abs_residual']:.3g} SE (Bonferroni threshold "
          f"{mc.attrs['z_threshold']:.3g} at alpha={mc.attrs['total_alpha']:g}, resolution "
          f"{mc.attrs['resolution']:g}: {verdict}{inc}); wrote {mc_paths['netcdf']}, {mc_paths['csv']} "
          f"and phase_mc_residuals.{{png,pdf}}")
    return _exit_status(verdict)


def _cmd_prove(args) -> int:
    from robtheory.proofs._certificate import PROOF_MODULES, describe, run_all

    _output_dir(args.out, "--out")
    # a bar over the certificates on a terminal only (the build takes about a minute)
    bar = _progress_bar(len(PROOF_MODULES))
    if bar is not None:
        bar.unit, bar.unit_scale = "certificate", False
        bar.refresh()

    def progress(name, cert):
        if bar is None:
            return
        if cert is None:
            bar.set_description(name)
        else:
            bar.update()

    try:
        certs = run_all(args.out, progress=progress)
    finally:
        if bar is not None:
            bar.close()
    ok = True
    print(f"{'certificate':28s}{'steps':>7s}{'failed':>8s}{'asserted':>10s}  verdict")
    for cert in certs:
        d = cert.to_dict()
        failed = sum(not s["verdict"] for s in d["steps"])
        ok &= cert.passed
        print(f"{cert.name:28s}{len(d['steps']):>7d}{failed:>8d}{cert.asserted_count:>10d}  "
              f"{'PROVED' if cert.passed else 'FAILED'}")
    print()
    for cert in certs:
        print("\n".join(describe(cert)))
    if args.out:
        print(f"certificates written to {args.out}")
    return 0 if ok else 1


# --------------------------------------------------------------------------- cost
def _add_max_seconds(sub) -> None:
    """--max-seconds on every command that estimates its running time before it starts."""
    from robtheory._cost import DEFAULT_MAX_SECONDS

    for name in ("mc", "verify", "report", "phase", "svm", "torch", "frontier"):
        sub.choices[name].add_argument(
            "--max-seconds", type=_finite_float, default=DEFAULT_MAX_SECONDS, metavar="S",
            help=f"refuse, before starting, a run estimated to take longer than S seconds (default "
                 f"{DEFAULT_MAX_SECONDS:g}; the estimate is printed in the refusal)")


def _check_cost(seconds: float, args, what: str) -> None:
    from robtheory._cost import check

    if not args.max_seconds > 0:
        raise UsageError(f"--max-seconds must be > 0, got {_fmt(args.max_seconds)}")
    try:
        check(seconds, args.max_seconds, what)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


# --------------------------------------------------------------------------- cache
def _add_cache_parser(sub) -> None:
    c = sub.add_parser("cache", help="where the compiled numba kernels are cached; --clear deletes them",
                       description="Print the folder holding robtheory's compiled numba kernels (never inside "
                                   "the installed package: $ROBTHEORY_CACHE_DIR, else $XDG_CACHE_HOME/robtheory/"
                                   "numba, else ~/.cache/robtheory/numba), with its number of files and size.")
    c.add_argument("--clear", action="store_true",
                   help="delete the folder (the kernels are compiled again, and cached, on next use)")


def _cmd_cache(args) -> int:
    from robtheory._cache import cache_status, clear_cache

    try:
        st = clear_cache() if args.clear else cache_status()
    except (ValueError, OSError) as exc:
        raise UsageError(str(exc)) from None
    verb = "deleted" if args.clear else "holds"
    print(f"{st['dir']} {verb} {st['files']} files, {st['bytes'] / 2**20:.1f} MiB")
    return 0


def main(argv=None) -> int:
    """Run one command; exit status 0 (success), 1 (a check failed), 2 (bad arguments), 3 (nothing
    failed but a Monte Carlo test was INCONCLUSIVE: it could not have detected a deviation of
    ``--resolution`` at its n)."""
    parser = build_parser()
    argv = _attach_negative_values(list(sys.argv[1:] if argv is None else argv))
    handlers = {"verify": _cmd_verify, "accuracy": _cmd_accuracy, "prove": _cmd_prove,
                "mc": _cmd_mc, "bench": _cmd_bench, "frontier": _cmd_frontier, "phase": _cmd_phase,
                "report": _cmd_report, "svm": _cmd_svm, "torch": _cmd_torch, "cache": _cmd_cache}
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 2
        try:
            status = handlers[args.command](args)
        except UsageError as exc:
            print(f"robtheory {args.command}: error: {option_message(str(exc))}".replace("\n", " "),
                  file=sys.stderr)
            return 2
        except NotImplementedError as exc:
            print(f"robtheory {args.command}: not available: {exc}".replace("\n", " "), file=sys.stderr)
            return 2
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return status
    except BrokenPipeError:
        # the reader went away ('robtheory ... | head'): stop quietly, as the Python docs advise,
        # pointing stdout at /dev/null so that the flush at exit does not fail again
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):  # pragma: no cover - stdout without a file
            pass
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
