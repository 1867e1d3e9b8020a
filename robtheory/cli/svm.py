"""``robtheory svm``: the population SVM / logistic-regression optimum and its accuracies."""

from __future__ import annotations

import argparse
from typing import Any

from robtheory._jsonio import dumps
from robtheory.cli.common import UsageError, _check_cost
from robtheory.cli.options import _finite_float, add_json_flag, add_model, add_norm
from robtheory.model import fmt_number as _fmt

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> argparse.ArgumentParser:
    s = sub.add_parser("svm", help="population SVM / logistic-regression optimum and its accuracies",
                       description="Global optimum of the population objective E loss + lam/2 |w|^2 over linear "
                                   "classifiers without bias (Theorem 2.2), standard or adversarially trained. "
                                   "The optimum has equal weak weights (Lemma D.1): w1 on x1 and v on "
                                   "z = d^{-1/2} sum x_i.")
    add_model(s)
    s.add_argument("--lam", type=_finite_float, default=None,
                   help="l2 regularisation (> 0); required unless --unit-norm. The result is printed only "
                        "if the solver certifies it (|w - w*| <= 1e-3 |w|); otherwise exit status 2")
    s.add_argument("--eps-train", type=_finite_float, default=0.0,
                   help="adversarial-training radius (>= 0; default 0 = standard training)")
    add_norm(s, "norm of the training adversary and of the evaluation threat (default linf)")
    s.add_argument("--unit-norm", action="store_true",
                   help="tune lam so that the optimum has unit norm (Theorem 2.2); any --lam given is then "
                        "ignored (not even checked) and the tuned value is reported")
    s.add_argument("--loss", choices=("hinge", "logistic"), default="hinge", help="training loss (default hinge)")
    s.add_argument("--eps", type=_finite_float, default=None,
                   help="radius for the robust accuracy (>= 0; default 2*eta, the adversary of Theorem 2.2; "
                        "accuracy and mc default to 0)")
    add_json_flag(s, "print a JSON object instead of text")
    return s


#: The SVM result is printed only if the solver's certificate |w - w*| <= kkt_residual / lam (strong
#: convexity) is at most this fraction of |w|: the accuracies depend only on the direction of w,
#: and this bounds the angle between the printed weights and the optimum by 1e-3 rad. The solver
#: meets it by orders of magnitude at ordinary scales (1e-8 or better for lam in [1e-4, 100] and
#: mu <= 400); it fails where lam or d is so extreme that the arithmetic cannot resolve the optimum.
_SVM_CERTIFICATE_RTOL = 1e-3


def _check_certificate(opt: Any, model: Any, tuned: bool = False) -> None:
    bound = opt.distance_bound
    if not bound <= _SVM_CERTIFICATE_RTOL * opt.norm:  # also NaN
        lam = f"lam {opt.lam:g} tuned by --unit-norm" if tuned else f"--lam {opt.lam:g}"
        raise UsageError(
            f"the optimum cannot be certified at this scale ({lam}, --d {model.d}): the solver's "
            f"certificate only bounds |w - w*| by {bound:.3g} against |w| = {opt.norm:.3g} (it must be "
            f"<= {_SVM_CERTIFICATE_RTOL:g} |w|)")


def run(args: argparse.Namespace) -> int:
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
