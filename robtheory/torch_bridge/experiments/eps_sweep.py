r"""Fig. 7: standard accuracy against the radius of the training adversary.

Binary digits, CPU-sized. The data, models, training schedule and conventions shared by
the digit experiments are described in :mod:`robtheory.torch_bridge.experiments.digits_common`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from robtheory.torch_bridge.experiments.digits_common import (
    _common,
    _eval_attack,
    _evaluate,
    _fit,
    _load,
    _mlp,
    _radius,
    _seed,
    _spearman,
    _train_attack,
    _train_config,
)

if TYPE_CHECKING:
    from robtheory.torch_bridge.experiments import RunContext

__all__ = ["run_eps_sweep"]


def run_eps_sweep(ctx: RunContext) -> dict[str, Any]:
    """Fig. 7: standard accuracy against the radius of the training adversary.

    MLPs trained on the whole training set against l2 and l_inf adversaries of growing radius,
    plus l_inf training on batches that mix clean and adversarial samples half and half (the
    paper's App. B remark, after Kurakin et al.). Each model's robust accuracy at its own
    training radius is reported with the attack's settings.
    """
    com = _common(ctx)
    pair = _load(ctx, com)
    if ctx.quick:
        grids = {"2": [0.0, 1.0, 2.0], "inf": [0.0, 0.15, 0.3]}
    else:
        grids = {"2": [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0], "inf": [0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3]}
    variants = [("2", 1.0), ("inf", 1.0), ("inf", 0.5)]
    curves, settings = [], {}
    std_model_result = None
    for vi, (constraint, mix) in enumerate(variants):
        label = f"{'l_inf' if constraint == 'inf' else 'l2'}" + ("" if mix == 1 else f", mix {mix:g}")
        eps_list = [_radius(constraint, e, pair.side) for e in grids[constraint]]
        c = {"label": label, "constraint": constraint, "mix": mix, "eps_train": eps_list,
             "standard_accuracy": [], "robust_accuracy": [], "clean": [], "robust": []}
        for j, eps in enumerate(eps_list):
            if eps == 0 and std_model_result is not None:
                clean, rob_acc = std_model_result
            else:
                atk = None if eps == 0 else _train_attack(com, constraint, eps)
                cfg = _train_config(com, attack=atk, mix=mix)
                model = _mlp(pair, com)
                seed = _seed(ctx.seed, 3, 0 if eps == 0 else vi + 1, j)
                _, schedule = _fit(ctx, model, pair.X_train, pair.y_train, cfg, seed=seed,
                                   ramp_stages=com.ramp_stages, desc=f"eps-sweep {label} eps={eps:.3g}")
                model.eval()
                clean = _evaluate(model, pair.X_test, pair.y_test)
                rob_acc = None if eps == 0 else _evaluate(model, pair.X_test, pair.y_test,
                                                          _eval_attack(com, constraint, eps))
                name = "standard" if eps == 0 else f"{label.replace(', ', '_').replace(' ', '')}_eps{eps:g}"
                settings[name] = {"train": cfg.to_dict(), "schedule": schedule, "seed": seed}
                ctx.save_model(model, name, {**settings[name], "data": pair.describe()})
                if eps == 0:
                    std_model_result = (clean, None)
            c["clean"].append(clean)
            c["robust"].append(rob_acc)
            c["standard_accuracy"].append(clean["accuracy"])
            # at eps_train = 0 the robust accuracy at eps_train is the clean accuracy
            c["robust_accuracy"].append(clean["accuracy"] if rob_acc is None else rob_acc["accuracy"])
        curves.append(c)

    # Verdict: on every curve, standard accuracy falls with eps_train (Spearman rank
    # correlation < 0) and the largest radius is below eps_train = 0 by more than two
    # standard errors (unpaired binomial SE of the two test accuracies).
    per = {}
    n_test = int(pair.y_test.numel())
    for c in curves:
        rho = _spearman(c["eps_train"], c["standard_accuracy"])
        a0, a1 = c["standard_accuracy"][0], c["standard_accuracy"][-1]
        drop = a0 - a1
        drop_se = math.sqrt((a0 * (1 - a0) + a1 * (1 - a1)) / n_test)
        per[c["label"]] = {"spearman": rho, "drop": drop, "drop_se": drop_se, "standard_at_0": a0,
                           "standard_at_max": a1, "eps_max": c["eps_train"][-1],
                           "decreasing": bool(rho < 0 and drop > 2 * drop_se)}
    reproduced = all(v["decreasing"] for v in per.values())
    detail = "; ".join(f"{k}: standard accuracy {v['standard_at_0']:.3f} at eps 0 -> {v['standard_at_max']:.3f} at "
                       f"eps {v['eps_max']:.3g} (drop {v['drop']:+.3f} +- {v['drop_se']:.3f}, Spearman "
                       f"{v['spearman']:+.2f}) [{'falls' if v['decreasing'] else 'does not fall'}]"
                       for k, v in per.items())
    effect = {"reproduced": bool(reproduced), "detail": detail,
              "criterion": "on every curve Spearman(eps_train, standard accuracy) < 0 and standard accuracy at the "
                           "largest eps_train below that at eps_train = 0 by more than 2 SE",
              "by_curve": per}

    for c in curves:
        c["eval_attack"] = _eval_attack(com, c["constraint"], c["eps_train"][-1]).to_dict()
    result = {"data": pair.describe(),
              "settings": {"common": com.to_dict(), "eps_train": grids, "l2_scale": pair.side / 28,
                           "variants": [{"constraint": c, "mix": m} for c, m in variants],
                           "models": settings, "seed": ctx.seed},
              "results": {"curves": curves}, "effect": effect}
    ctx.draw("eps-sweep", result)
    return result
