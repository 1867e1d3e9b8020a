"""``robtheory mc``: Monte Carlo estimate of one classifier's accuracies against the closed forms."""

from __future__ import annotations

import argparse
from typing import Any

from robtheory._jsonio import dumps
from robtheory.cli.accuracy import _model_threat_classifier
from robtheory.cli.common import (UsageError, _check_cost, _check_weight_vector_memory, _exit_status,
                                  _inconclusive_note, _progress_bar, _weight_vector_message)
from robtheory.cli.options import (_EPS_HELP_ZERO, add_alpha, add_backend, add_classifier, add_json_flag,
                                   add_model, add_resolution, add_sample_count, add_seed, add_threat)
from robtheory.vocabulary import add_deprecated_aliases

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> argparse.ArgumentParser:
    m = sub.add_parser("mc", help="Monte Carlo estimate of one classifier's accuracies",
                       description="Draw n samples of D(p, eta, d) (every coordinate) and print the "
                                   "standard and robust accuracy estimates with their intervals next "
                                   "to the closed forms, and the exact binomial agreement test "
                                   "(family-wise false-alarm rate --alpha over the two checks); exit status 1 if "
                                   "a test fails, 2 for bad arguments, 3 if none fails but one is inconclusive "
                                   "(it could not detect a deviation of --resolution at this --n).")
    add_model(m)
    add_threat(m, 0.0, _EPS_HELP_ZERO)
    add_classifier(m, "as for 'robtheory accuracy'", "d+1 weights for --classifier weights (.npy or text)")
    add_sample_count(m, "samples (default 10**6; 1e7 and 10**7 work)")
    add_seed(m, "seed in [0, 2**64) (default 0)")
    add_backend(m, "auto: cupy with a usable GPU, else numba, else numpy (default auto)")
    m.add_argument("--dtype", default="float64", choices=("float64", "float32"),
                   help="precision of the weak features and the score (default float64)")
    add_alpha(m, "family-wise false-alarm rate of the agreement tests, in (0, 1) (default 1e-6)")
    add_resolution(m)
    add_json_flag(m)
    return m


def run(args: argparse.Namespace) -> int:
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
