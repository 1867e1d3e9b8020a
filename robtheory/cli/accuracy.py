"""``robtheory accuracy``: closed-form standard and robust accuracy of one classifier."""

from __future__ import annotations

import argparse
import math
from typing import Any

from robtheory._jsonio import dumps
from robtheory.cli.common import UsageError
from robtheory.cli.options import _EPS_HELP_ZERO, add_classifier, add_json_flag, add_model, add_threat
from robtheory.vocabulary import add_deprecated_aliases

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> argparse.ArgumentParser:
    a = sub.add_parser("accuracy", help="standard and robust accuracy of one classifier",
                       description="Closed-form standard and robust accuracy, with exact error rates "
                                   "(also far below 1e-300 through their logarithms).")
    add_model(a)
    add_threat(a, 0.0, _EPS_HELP_ZERO)
    add_classifier(a, "averaging: sign(mean of weak features); robust: sign(x1); bayes: the Bayes "
                      "classifier; robust-optimal: the best linear classifier under the threat; "
                      "weights: sign(w.x + b) with w from --w",
                   "d+1 weights (.npy, or whitespace-separated text); needed by --classifier weights")
    add_json_flag(a)
    return a


def _load_weights(path: str) -> Any:
    """``--w FILE`` through :func:`robtheory.classifiers.load_weights`, read errors as one line."""
    from robtheory.classifiers import load_weights

    try:
        return load_weights(path)
    except OSError as exc:
        raise UsageError(f"--w {path!r}: cannot read it ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise UsageError(f"--w: {exc}") from None


def _model_threat_classifier(args: argparse.Namespace) -> tuple[Any, Any, Any]:
    """The model, threat and classifier named by the shared options of ``accuracy`` and ``mc``."""
    from robtheory.classifiers import LinearClassifier, averaging, bayes, robust_x1
    from robtheory.theory.closed_form import best_robust_linear_classifier
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
        clf = best_robust_linear_classifier(model, threat).classifier
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


def run(args: argparse.Namespace) -> int:
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

