"""Command-line interface: ``robtheory verify | accuracy | prove``.

Bad arguments exit with status 2 and a one-line message on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time

__all__ = ["main", "build_parser"]


class UsageError(Exception):
    """A bad argument value: reported as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, status 2 (argparse's default prints usage too)
        self.exit(2, f"{self.prog}: error: {message}\n")


def _finite_float(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(x):
        raise argparse.ArgumentTypeError(f"must be finite, got {text!r}")
    return x


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a positive integer: {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"not a positive integer: {text!r}")
    return n


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="robtheory",
        description="Machine-checked theory of 'Robustness May Be at Odds with Accuracy' "
                    "(Tsipras et al., ICLR 2019).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    v = sub.add_parser("verify", help="check every claim of the paper (one row per claim)",
                       description="Run the analytic check of every claim in the registry and print "
                                   "a table; exit status 1 if any claim fails.")
    v.add_argument("--json", metavar="FILE", help="also write the results as JSON to FILE ('-' for stdout)")
    v.add_argument("--claim", action="append", metavar="NAME",
                   help="check only this claim (repeatable); default: all")

    a = sub.add_parser("accuracy", help="standard and robust accuracy of one classifier",
                       description="Closed-form standard and robust accuracy, with exact error rates "
                                   "(also far below 1e-300 through their logarithms).")
    a.add_argument("--p", type=_finite_float, required=True, help="P(x1 = y), in [1/2, 1]")
    a.add_argument("--eta", type=_finite_float, required=True, help="mean of each weak feature (>= 0)")
    a.add_argument("--d", type=_positive_int, required=True, help="number of weak features (>= 1)")
    a.add_argument("--eps", type=_finite_float, default=0.0, help="radius of the threat ball (>= 0; default 0)")
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

    pr = sub.add_parser("prove", help="run the sympy proof scripts and print a table",
                        description="Run every proof script of proofs/ and print one row per certificate; "
                                    "exit status 1 if any step fails.")
    pr.add_argument("--out", metavar="DIR", help="write the certificates (JSON) to DIR")
    return parser


def _cmd_accuracy(args) -> int:
    from .classifiers import LinearClassifier, averaging, bayes, load_weights, robust_x1
    from .closed_form import linear_accuracy, robust_optimal_linear
    from .model import ThreatModel, ToyModel

    try:
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
            w = load_weights(args.w)
            if w.size != model.d + 1:
                raise UsageError(f"--w has {w.size} numbers but d + 1 = {model.d + 1} are needed")
            clf = LinearClassifier(w, args.b)
        acc = linear_accuracy(model, clf, threat)
    except (ValueError, UsageError) as exc:
        raise UsageError(str(exc)) from None
    result = {
        "p": model.p, "eta": model.eta, "d": model.d, "eps": threat.eps, "norm": threat.norm,
        "perturb_x1": threat.perturb_x1, "classifier": args.classifier,
        **acc.to_dict(),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"D(p={model.p:g}, eta={model.eta:g}, d={model.d}), {threat.norm} ball eps={threat.eps:g}"
          f"{' (weak-only)' if not threat.perturb_x1 else ''}, classifier: {args.classifier}")
    print(f"{'':10s}{'accuracy':>24s}{'error rate':>14s}{'log error rate':>18s}")
    for kind in ("standard", "robust"):
        print(f"{kind:10s}{result[f'{kind}_accuracy']:>24.17g}{result[f'{kind}_error_rate']:>14.6e}"
              f"{result[f'log_{kind}_error_rate']:>18.8g}")
    return 0


def _cmd_verify(args) -> int:
    from . import claims

    selected = claims.REGISTRY
    if args.claim:
        try:
            selected = tuple(claims.get(n) for n in args.claim)
        except KeyError as exc:
            raise UsageError(exc.args[0]) from None
    rows = []
    for claim in selected:
        t0 = time.perf_counter()
        res = claim.check()
        extra = {}
        for col, fn in claims.COLUMNS.items():
            r = fn(claim)
            extra[col] = None if r is None else {"passed": r.passed, "n_points": r.n_points, "detail": r.detail}
        rows.append({
            "name": claim.name, "title": claim.title, "reference": claim.reference,
            "statement": claim.statement, "notes": claim.notes,
            "analytic": {"passed": res.passed, "n_points": res.n_points, "detail": res.detail},
            **extra, "seconds": round(time.perf_counter() - t0, 3),
        })
        mark = "PASS" if res.passed else "FAIL"
        cols = "".join(f"  {c}: {('PASS' if e['passed'] else 'FAIL') if e else '-'}" for c, e in extra.items())
        print(f"{claim.name:20s} {claim.reference:34s} {mark}{cols}  {res.detail}", flush=True)
    ok = all(r["analytic"]["passed"] for r in rows) and all(
        r[c] is None or r[c]["passed"] for r in rows for c in claims.COLUMNS)
    print(f"{sum(r['analytic']['passed'] for r in rows)}/{len(rows)} claims pass the analytic check")
    if args.json:
        text = json.dumps({"claims": rows, "passed": ok}, indent=2)
        if args.json == "-":
            print(text)
        else:
            with open(args.json, "w") as fh:
                fh.write(text + "\n")
    return 0 if ok else 1


def _cmd_prove(args) -> int:
    from .proofs._certificate import run_all

    certs = run_all(args.out)
    ok = True
    print(f"{'certificate':28s}{'steps':>7s}{'failed':>8s}  verdict")
    for cert in certs:
        d = cert.to_dict()
        failed = sum(not s["verdict"] for s in d["steps"])
        ok &= cert.passed
        print(f"{cert.name:28s}{len(d['steps']):>7d}{failed:>8d}  {'PROVED' if cert.passed else 'FAILED'}")
    if args.out:
        print(f"certificates written to {args.out}")
    return 0 if ok else 1


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    handlers = {"verify": _cmd_verify, "accuracy": _cmd_accuracy, "prove": _cmd_prove}
    try:
        return handlers[args.command](args)
    except UsageError as exc:
        print(f"robtheory {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except NotImplementedError as exc:
        print(f"robtheory {args.command}: not available: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
