"""``robtheory learning-curve``: expected accuracy over training sets against n, and the crossover n*."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from robtheory._jsonio import dumps
from robtheory.cli.common import UsageError, _output_dir
from robtheory.cli.options import _finite_float, _positive_int, add_json_flag, add_norm, add_out, add_seed, parse_sizes

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> argparse.ArgumentParser:
    lc = sub.add_parser("learning-curve", help="learning curves over the training-set size n and the crossover n*",
                        description="Expected standard and robust test accuracy of a learner trained on n samples "
                                    "of D(p, eta, d), standard and adversarially trained, as functions of n "
                                    "(the paper's Fig. 1 in the toy model): Monte Carlo over training sets drawn "
                                    "from the counter-based streams, each trained model's test accuracy exact; "
                                    "the exact expectation where one exists (difference-of-means learner); the "
                                    "crossover n* from which standard training stays ahead. SPEC is a number, a "
                                    "list a,b,c, start:stop:num or log:start:stop:num (n values are rounded to "
                                    "whole numbers). Writes DIR/learning_curve.nc, .csv and figures.")
    lc.add_argument("--p", type=_finite_float, required=True, help="P(x1 = y), in [1/2, 1]")
    lc.add_argument("--eta", type=_finite_float, required=True, help="mean of each weak feature (>= 0)")
    lc.add_argument("--d", required=True, metavar="SPEC",
                    help="numbers of weak features; several values also give the (n, d) plane")
    lc.add_argument("--n", required=True, metavar="SPEC", help="training-set sizes (whole numbers >= 1)")
    lc.add_argument("--eps-train", default="0", metavar="SPEC",
                    help="adversarial-training radii (>= 0; 0 is standard training; default 0)")
    lc.add_argument("--learner", choices=("mean", "svm", "logistic"), default="mean",
                    help="mean: difference of means (adversarially trained: soft threshold at eps_train); svm: "
                         "hinge SVM (robtheory.training.fit_svm, --lam); logistic: logistic regression "
                         "(robtheory.training.finite_logistic, --lam); both adversarially trained at eps_train")
    lc.add_argument("--lam", type=_finite_float, default=0.01, help="svm, logistic: l2 regularisation (> 0, default 0.01)")
    add_norm(lc, "norm of adversarial training and of the robust accuracy (default linf)")
    lc.add_argument("--eps", type=_finite_float, default=None,
                    help="radius of the robust accuracy (>= 0; default the largest --eps-train)")
    lc.add_argument("--trials", type=_positive_int, default=200,
                    help="training sets per (eps_train, n) point (>= 2, default 200)")
    lc.add_argument("--accuracy-tol", type=_finite_float, default=1e-4, metavar="TOL",
                    help="svm: each trained model is solved until its exact accuracies are certified within "
                         "TOL of the exact optimum's (> 0, default 1e-4; the bound reached is the dataset "
                         "attribute svm_accuracy_error_bound)")
    lc.add_argument("--workers", type=_positive_int, default=None,
                    help="svm, logistic: threads over the training sets (default: the CPU count, at most 8; "
                         "the results do not depend on it)")
    add_seed(lc, "seed of the training sets' streams, in [0, 2**64) (default 0)")
    add_out(lc, "output directory", required=True)
    add_json_flag(lc, "print a JSON summary instead of text")
    return lc


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from robtheory.finite.learning_curve import accuracy_gap, crossover_exact, learning_curve
    from robtheory.model import ToyModel
    from robtheory.phase import parse_spec

    out = _output_dir(args.out, "--out")
    assert out is not None
    if args.trials < 2:
        raise UsageError(f"--trials must be >= 2, got {args.trials}")
    if not args.lam > 0:
        raise UsageError(f"--lam must be > 0, got {args.lam}")
    if args.accuracy_tol <= 0:
        raise UsageError(f"--accuracy-tol must be > 0, got {args.accuracy_tol}")
    if args.eps is not None and args.eps < 0:
        raise UsageError(f"--eps must be >= 0, got {args.eps}")
    try:
        ns = np.array(parse_sizes(args.n, "--n"), dtype=np.int64)
        eps_tr = np.unique(parse_spec(args.eps_train, "--eps-train"))
        if np.any(eps_tr < 0):
            raise ValueError(f"--eps-train must be >= 0, got {args.eps_train!r}")
        d_raw = parse_spec(args.d, "--d")
        ds_vals = np.rint(d_raw).astype(np.int64)
        if np.any(np.abs(d_raw - ds_vals) > 1e-9 * np.abs(d_raw)) or np.any(ds_vals < 1):
            raise ValueError(f"--d must be whole numbers >= 1, got {args.d!r}")
        models = [ToyModel(args.p, args.eta, int(d)) for d in ds_vals]
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    bar = None
    if sys.stderr.isatty() and not args.json:
        from tqdm import tqdm

        bar = tqdm(total=len(models) * eps_tr.size, desc="learning-curve", file=sys.stderr)
    results = []
    for model in models:
        try:
            ds = learning_curve(model, ns, eps_tr, learner=args.learner, norm=args.norm, eps=args.eps,
                                trials=args.trials, seed=args.seed, lam=args.lam,
                                accuracy_tol=args.accuracy_tol, workers=args.workers,
                                progress=(lambda *_: bar.update(1)) if bar is not None else None)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        if len(models) > 1:
            ds["gap_exact"] = ("n", accuracy_gap(model, ns))
            c = crossover_exact(model).n_star
            ds.attrs["crossover_n_dropped"] = -1 if c is None else int(c)
        results.append(ds)
    if bar is not None:
        bar.close()
    files = []
    for ds in results:
        stem = "learning_curve" if len(results) == 1 else f"learning_curve_d{ds.attrs['d']}"
        nc, csv = out / f"{stem}.nc", out / f"{stem}.csv"
        ds.to_netcdf(nc)
        ds.drop_vars([v for v in ds.data_vars if "n" not in ds[v].dims]).to_dataframe().to_csv(csv)
        files += [str(nc), str(csv)]
    from robtheory.viz.learning_curve import save_learning_curve_figures

    files += [str(p) for p in save_learning_curve_figures(out, results)]

    def nulls(v: Any) -> list[int | None]:
        return [None if int(x) < 0 else int(x) for x in np.asarray(v).ravel()]

    curves = [{"d": int(ds.attrs["d"]), "eps_train_values": [float(e) for e in ds.eps_train.values],
               "crossover_n": nulls(ds.crossover_n.values), "crossover_n_exact": nulls(ds.crossover_n_exact.values)}
              for ds in results]
    summary = {"p": args.p, "eta": args.eta, "learner": args.learner, "norm": args.norm, "trials": args.trials,
               "seed": args.seed, "n_values": [int(x) for x in ns], "eps_train_values": curves[0]["eps_train_values"],
               "crossover_n": curves[0]["crossover_n"], "crossover_n_exact": curves[0]["crossover_n_exact"],
               "curves": curves, "files": files}
    if args.json:
        print(dumps(summary))
        return 0
    for c in curves:
        print(f"d = {c['d']}: crossover n* per eps_train (from the curves; exact vs the dropped learner)")
        for e, a, b in zip(c["eps_train_values"], c["crossover_n"], c["crossover_n_exact"]):
            if e > 0:
                print(f"  eps_train = {e:g}: n* = {a if a is not None else 'none'}"
                      f"; exact: {b if b is not None else 'n/a'}")
    print(f"wrote {len(files)} files to {out}")
    return 0
