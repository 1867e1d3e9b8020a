"""``robtheory transfer``: transfer rates of adversarial examples between models trained on independent samples."""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

from robtheory.cli.common import UsageError, _output_dir, _write_dataset
from robtheory.cli.options import parse_sizes
from robtheory.cli.options import _positive_int, add_json_flag, add_model, add_norm, add_out, add_seed

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> argparse.ArgumentParser:
    tp = sub.add_parser("transfer", help="transfer rates of adversarial examples between trained linear models",
                        description="For pairs of difference-of-means models trained on independent training sets "
                                    "of size n (standard, or robust: weak features dropped), the exact probability "
                                    "that the worst-case perturbation against the source A fools the target B "
                                    "(fool_rate) and that an adversarial example of A (both right on x, A wrong "
                                    "after the attack) also fools B (transfer_rate), averaged over --trials pairs "
                                    "with standard errors; the limits are the pair of population learners "
                                    "(n -> infinity). SPEC is a number, a list a,b,c, start:stop:num or "
                                    "log:start:stop:num. Writes DIR/transfer.{nc,csv,pdf,svg,png} with --out.")
    add_model(tp)
    tp.add_argument("--n", required=True, metavar="SPEC", help="training-set sizes of each model (rounded to whole numbers, >= 1)")
    tp.add_argument("--eps", required=True, metavar="SPEC", help="attack radii (>= 0)")
    add_norm(tp)
    tp.add_argument("--weak-only", action="store_true", help="the adversary cannot perturb x1")
    tp.add_argument("--trials", type=_positive_int, default=100,
                    help="pairs of training sets (pair t: training sets 2t and 2t+1), >= 2 (default 100)")
    add_seed(tp, "seed of the training sets, in [0, 2**64) (default 0)")
    add_out(tp, "also write netCDF, CSV and figures to this directory")
    add_json_flag(tp)
    return tp


def _num(x: float) -> float | None:
    return None if not math.isfinite(x) else float(x)


def run(args: argparse.Namespace) -> int:
    from robtheory.finite.transfer import RATES, transfer_curve
    from robtheory.model import ToyModel
    from robtheory.phase import parse_spec

    out = _output_dir(args.out, "--out")
    try:
        model = ToyModel(args.p, args.eta, args.d)
        ns = parse_sizes(args.n, "--n")
        eps = [float(e) for e in parse_spec(args.eps, "--eps")]
        if any(e < 0 for e in eps):
            raise ValueError(f"--eps: radii must be >= 0, got {min(eps):g}")
        if args.trials < 2:
            raise ValueError(f"--trials must be >= 2 (a standard error needs two pairs), got {args.trials}")
        curve = transfer_curve(model, ns, eps, norm=args.norm, pairs=args.trials, seed=args.seed,
                               perturb_x1=not args.weak_only)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    rows, limits = [], []
    for i, kind in enumerate(curve.kinds):
        for j, e in enumerate(curve.eps):
            limits.append({"kind": kind, "eps": float(e), **{r: _num(curve.limit[r][i, j]) for r in RATES}})
            for k, n in enumerate(curve.n):
                row: dict[str, Any] = {"kind": kind, "eps": float(e), "n": int(n)}
                for r in RATES:
                    row[r] = _num(curve.mean[r][i, j, k])
                    if r in ("fool_rate", "transfer_rate"):
                        row[f"{r}_se"] = _num(curve.se[r][i, j, k])
                row["pairs"] = int(curve.count["transfer_rate"][i, j, k])
                rows.append(row)
    doc = {"model": {"p": model.p, "eta": model.eta, "d": model.d}, "norm": args.norm, "weak_only": args.weak_only,
           "trials": args.trials, "seed": args.seed, "results": rows, "limits": limits}
    if out is not None:
        from robtheory.viz.transfer import save_transfer_figure

        _write_dataset(out, "transfer", curve.to_dataset(), save_transfer_figure)
    if args.json:
        print(json.dumps(doc, indent=1))
        return 0
    print(f"D(p={model.p:g}, eta={model.eta:g}, d={model.d}), {args.norm}"
          f"{' weak-only' if args.weak_only else ''}, {args.trials} pairs of training sets, seed {args.seed}")
    print(f"{'kind':<20} {'eps':>7} {'n':>8} {'fool_rate':>10} {'+-se':>8} {'transfer_rate':>14} {'+-se':>8}")

    def f(x: float | None, w: int) -> str:
        return f"{'nan':>{w}}" if x is None else f"{x:>{w}.4f}"

    for r in rows:
        print(f"{r['kind']:<20} {r['eps']:>7.4g} {r['n']:>8d} {f(r['fool_rate'], 10)} {f(r['fool_rate_se'], 8)} "
              f"{f(r['transfer_rate'], 14)} {f(r['transfer_rate_se'], 8)}")
    for lim in limits:
        print(f"{lim['kind']:<20} {lim['eps']:>7.4g} {'inf':>8} {f(lim['fool_rate'], 10)} {'':>8} "
              f"{f(lim['transfer_rate'], 14)}")
    if out is not None:
        print(f"wrote {out / 'transfer.nc'}, {out / 'transfer.csv'} and transfer.{{pdf,svg,png}}")
    return 0
