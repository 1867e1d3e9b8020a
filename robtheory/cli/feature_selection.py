"""``robtheory feature-selection``: the difference-of-means learner on the features most correlated with y."""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

from robtheory.cli.common import UsageError, _output_dir, _write_dataset
from robtheory.cli.options import _finite_float, _positive_int, add_json_flag, add_model, add_norm, add_out, add_seed

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> argparse.ArgumentParser:
    fp = sub.add_parser("feature-selection",
                        help="robustness by feature selection: accuracies of the learner on the features with "
                             "|empirical correlation| >= t",
                        description="The difference-of-means learner restricted to the features whose uncentred "
                                    "empirical correlation with y, sum y x_j / sqrt(n sum x_j^2), is at least t in "
                                    "absolute value: the exact standard and robust accuracy of each trained model, "
                                    "averaged over --trials training sets with standard errors; the number of weak "
                                    "features kept and its exact expectation (noncentral t law); the limit "
                                    "n -> infinity (population correlations 2p - 1 and eta/sqrt(1 + eta^2)); and "
                                    "the robust learner (weak features dropped). SPEC is a number, a list a,b,c, "
                                    "start:stop:num or log:start:stop:num. Writes "
                                    "DIR/feature_selection.{nc,csv,pdf,svg,png} with --out.")
    add_model(fp)
    fp.add_argument("--n", required=True, metavar="SPEC", help="training-set sizes (rounded to whole numbers, >= 1)")
    fp.add_argument("--t", required=True, metavar="SPEC", help="correlation thresholds, in [0, 1]")
    fp.add_argument("--eps", type=_finite_float, required=True, help="radius of the robust accuracy (>= 0)")
    add_norm(fp)
    fp.add_argument("--weak-only", action="store_true", help="the adversary cannot perturb x1")
    fp.add_argument("--trials", type=_positive_int, default=100, help="training sets, >= 2 (default 100)")
    fp.add_argument("--svm-lam", type=_finite_float, default=None,
                    help="also train the adversarially trained hinge SVM (training.fit_svm, this l2 "
                         "regularisation, > 0, against the same --eps ball) on the same training sets and "
                         "report it as the reference learner adversarial_svm (default: off)")
    add_seed(fp, "seed of the training sets, in [0, 2**64) (default 0)")
    add_out(fp, "also write netCDF, CSV and figures to this directory")
    add_json_flag(fp)
    return fp


def _num(x: float) -> float | None:
    return None if not math.isfinite(x) else float(x)


def run(args: argparse.Namespace) -> int:
    from robtheory.cli.options import parse_sizes
    from robtheory.finite.feature_selection import selection_curve
    from robtheory.model import ThreatModel, ToyModel
    from robtheory.phase import parse_spec

    out = _output_dir(args.out, "--out")
    try:
        model = ToyModel(args.p, args.eta, args.d)
        ns = parse_sizes(args.n, "--n")
        ts = [float(t) for t in parse_spec(args.t, "--t")]
        bad = [t for t in ts if not 0 <= t <= 1]
        if bad:
            raise ValueError(f"--t: thresholds must lie in [0, 1], got {bad[0]:g}")
        if args.eps < 0:
            raise ValueError(f"--eps must be >= 0, got {args.eps:g}")
        if args.trials < 2:
            raise ValueError(f"--trials must be >= 2 (a standard error needs two), got {args.trials}")
        threat = ThreatModel(args.norm, args.eps, not args.weak_only)
        if args.svm_lam is not None and not args.svm_lam > 0:
            raise ValueError(f"--svm-lam must be > 0, got {args.svm_lam:g}")
        c = selection_curve(model, ns, ts, threat, trials=args.trials, seed=args.seed, svm_lam=args.svm_lam)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    D = c.data
    rows = []
    for i, t in enumerate(c.t):
        for k, n in enumerate(c.n):
            rows.append({"t": float(t), "n": int(n),
                         "standard_accuracy": _num(D["standard"][i, k]), "standard_accuracy_se": _num(D["standard_se"][i, k]),
                         "robust_accuracy": _num(D["robust"][i, k]), "robust_accuracy_se": _num(D["robust_se"][i, k]),
                         "weak_kept": _num(D["weak_kept"][i, k]), "weak_kept_exact": _num(D["weak_kept_exact"][i, k]),
                         "x1_kept": _num(D["x1_kept"][i, k]), "x1_kept_exact": _num(D["x1_kept_exact"][i, k])})
    limits = [{"t": float(t), "standard_accuracy": _num(D["standard_limit"][i]),
               "robust_accuracy": _num(D["robust_limit"][i])} for i, t in enumerate(c.t)]
    refs = [{"learner": name, "n": int(n),
             "standard_accuracy": _num(D[f"{name}_standard"][k]),
             "standard_accuracy_se": _num(D[f"{name}_standard_se"][k]),
             "robust_accuracy": _num(D[f"{name}_robust"][k]), "robust_accuracy_se": _num(D[f"{name}_robust_se"][k])}
            for name in ("robust_learner", "standard_learner", "adversarial_svm") if f"{name}_standard" in D
            for k, n in enumerate(c.n)]
    doc = {"model": {"p": model.p, "eta": model.eta, "d": model.d}, "eps": args.eps, "norm": args.norm,
           "weak_only": args.weak_only, "trials": args.trials, "seed": args.seed, "results": rows,
           "limits": limits, "reference_learners": refs}
    if out is not None:
        from robtheory.viz.transfer import save_selection_figure

        _write_dataset(out, "feature_selection", c.to_dataset(), save_selection_figure)
    if args.json:
        print(json.dumps(doc, indent=1))
        return 0
    print(f"D(p={model.p:g}, eta={model.eta:g}, d={model.d}), {args.norm} eps={args.eps:g}"
          f"{' weak-only' if args.weak_only else ''}, {args.trials} training sets, seed {args.seed}")
    print(f"{'t':>6} {'n':>8} {'standard':>9} {'+-se':>7} {'robust':>8} {'+-se':>7} {'weak kept':>10} "
          f"{'(exact)':>9} {'x1 kept':>8} {'(exact)':>8}")
    for r in rows:
        print(f"{r['t']:>6.3g} {r['n']:>8d} {r['standard_accuracy']:>9.4f} {r['standard_accuracy_se']:>7.4f} "
              f"{r['robust_accuracy']:>8.4f} {r['robust_accuracy_se']:>7.4f} {r['weak_kept']:>10.2f} "
              f"{r['weak_kept_exact'] if r['weak_kept_exact'] is not None else math.nan:>9.2f} "
              f"{r['x1_kept']:>8.3f} {r['x1_kept_exact']:>8.3f}")
    for lim in limits:
        print(f"{lim['t']:>6.3g} {'inf':>8} {lim['standard_accuracy']:>9.4f} {'':>7} {lim['robust_accuracy']:>8.4f}")
    for r in refs:
        if r["learner"] in ("robust_learner", "adversarial_svm"):
            what = ("robust", "(weak features dropped)") if r["learner"] == "robust_learner" else \
                ("svm", f"(adversarial SVM, lam {args.svm_lam:g})")
            print(f"{what[0]:>6} {r['n']:>8d} {r['standard_accuracy']:>9.4f} {r['standard_accuracy_se']:>7.4f} "
                  f"{r['robust_accuracy']:>8.4f} {r['robust_accuracy_se']:>7.4f}   {what[1]}")
    if out is not None:
        print(f"wrote {out / 'feature_selection.nc'}, {out / 'feature_selection.csv'} and "
              f"feature_selection.{{pdf,svg,png}}")
    return 0
