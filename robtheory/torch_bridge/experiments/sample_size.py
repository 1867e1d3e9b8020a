r"""Fig. 1 (l2) and Fig. 6 (l_inf): standard accuracy against training-set size.

Binary digits, CPU-sized. The data, models, training schedule and conventions shared by
the digit experiments are described in :mod:`robtheory.torch_bridge.experiments.digits_common`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any


from robtheory.torch_bridge import train as T
from robtheory.torch_bridge.experiments.digits_common import (
    L2_EPS,
    LINF_EPS,
    _common,
    _eval_attack,
    _evaluate,
    _fit,
    _load,
    _mean_se,
    _mlp,
    _paired,
    _radius,
    _seed,
    _train_attack,
    _train_config,
)

if TYPE_CHECKING:
    from robtheory.torch_bridge.experiments import RunContext

__all__ = ["run_sample_size"]


def run_sample_size(ctx: RunContext) -> dict[str, Any]:
    """Fig. 1 (l2) and Fig. 6 (l_inf): standard accuracy against training-set size.

    For each size ``n`` and repeat, a class-balanced subset is drawn and one standard and one
    adversarially trained MLP per radius is fitted on it; every model sees at least
    ``min_steps`` optimiser steps (small subsets get more epochs). The paper's claim: with
    few samples adversarial training *raises* standard accuracy; with more it falls below the
    standard model.
    """

    com = _common(ctx)
    pair = _load(ctx, com)
    n_train = int(pair.y_train.numel())
    sizes = (10, 30, 100, 300) if not ctx.quick else (10,)
    sizes = tuple(n for n in sizes if n < n_train) + (n_train,)
    # more subsets where the subset itself is the main source of variance (and runs are cheap)
    repeats = {n: (6 if n <= 30 else 3) if not ctx.quick else 2 for n in sizes}
    min_steps = 150 if not ctx.quick else 30
    min_epochs = 20 if not ctx.quick else 10
    grid = {"2": [_radius("2", e, pair.side) for e in (L2_EPS if not ctx.quick else L2_EPS[1:2])],
            "inf": list(LINF_EPS if not ctx.quick else LINF_EPS[1:2])}
    configs = [(None, 0.0)] + [(c, e) for c in ("2", "inf") for e in grid[c]]
    acc = {i: {n: [] for n in sizes} for i in range(len(configs))}
    train_settings = {}
    robust_at_max = []
    total = sum(repeats.values()) * len(configs)
    bar = T.progress(total=total, desc="sample-size", enabled=ctx.progress)
    tick = getattr(bar, "update", None)  # a tqdm bar, or None for the plain range
    for r in range(max(repeats.values())):
        for n in (n for n in sizes if r < repeats[n]):
            # the largest size is the whole training set (its classes need not be balanced)
            Xs, ys = (pair.X_train, pair.y_train) if n == n_train else pair.subset(n, _seed(ctx.seed, 1, n, r))
            batch = min(com.batch_size, n)
            epochs = max(min_epochs, math.ceil(min_steps / math.ceil(n / batch)))
            for i, (constraint, eps) in enumerate(configs):
                atk = None if constraint is None else _train_attack(com, constraint, eps)
                cfg = _train_config(com, epochs=epochs, batch_size=batch, attack=atk)
                model = _mlp(pair, com)
                seed = _seed(ctx.seed, 2, n, r, i)
                _, schedule = _fit(ctx, model, Xs, ys, cfg, seed=seed, ramp_stages=com.ramp_stages)
                model.eval()
                acc[i][n].append(_evaluate(model, pair.X_test, pair.y_test)["accuracy"])
                train_settings[f"config{i}_n{n}"] = {"train": cfg.to_dict(), "schedule": schedule}
                if r == 0 and n in (sizes[0], sizes[-1]):
                    name = ("standard" if constraint is None
                            else f"l{'inf' if constraint == 'inf' else '2'}_eps{eps:g}")
                    ctx.save_model(model, f"{name}_n{n}",
                                   {"n": n, "repeat": r, "seed": seed, "train": cfg.to_dict(),
                                    "schedule": schedule, "data": pair.describe()})
                    if n == sizes[-1] and constraint is not None:
                        robust_at_max.append({"constraint": constraint, "eps_train": eps,
                                              **_evaluate(model, pair.X_test, pair.y_test,
                                                          _eval_attack(com, constraint, eps))})
                if tick is not None:
                    tick(1)
    if hasattr(bar, "close"):
        bar.close()

    curves = []
    for i, (constraint, eps) in enumerate(configs):
        ms = [_mean_se(acc[i][n]) for n in sizes]
        curves.append({"constraint": constraint, "eps_train": eps, "n": list(sizes),
                       "mean": [m for m, _ in ms], "se": [s for _, s in ms],
                       "runs": [acc[i][n] for n in sizes]})

    # The verdict: for each threat model, (a) at the smallest n the best eps_train > 0 has a
    # higher mean standard accuracy than eps_train = 0, and (b) at the largest n the largest
    # eps_train has a lower one; each difference must exceed two standard errors (SE of the
    # mean over repeats, combined in quadrature), as everywhere in this module.
    std = curves[0]
    by_norm = {}
    for constraint in ("2", "inf"):
        cs = [c for c in curves if c["constraint"] == constraint]
        best_small = max(cs, key=lambda c: c["mean"][0])
        largest = max(cs, key=lambda c: c["eps_train"])
        # every configuration is trained on the same subsets (repeat r of size n), so the
        # comparison is paired: the SE is that of the mean per-subset difference, which removes
        # the subset-to-subset variance both configurations share
        gain, gain_se = _paired(best_small["runs"][0], std["runs"][0])
        loss, loss_se = _paired(std["runs"][-1], largest["runs"][-1])
        helps = gain > 2 * gain_se
        behind = loss > 2 * loss_se
        by_norm[constraint] = {
            "n_small": sizes[0], "standard_at_small": std["mean"][0],
            "best_robust_at_small": best_small["mean"][0], "best_eps_at_small": best_small["eps_train"],
            "gain_at_small": gain, "gain_at_small_se": gain_se,
            "n_large": sizes[-1], "standard_at_large": std["mean"][-1],
            "largest_eps": largest["eps_train"], "largest_eps_at_large": largest["mean"][-1],
            "loss_at_large": loss, "loss_at_large_se": loss_se,
            "robust_helps_at_small_n": bool(helps), "robust_behind_at_large_n": bool(behind)}
    reproduced = all(v["robust_helps_at_small_n"] and v["robust_behind_at_large_n"] for v in by_norm.values())
    parts = []
    for constraint, v in by_norm.items():
        nm = "l2" if constraint == "2" else "l_inf"
        parts.append(f"{nm}: at n={v['n_small']} best robust {v['best_robust_at_small']:.3f} "
                     f"(eps {v['best_eps_at_small']:.3g}) vs standard {v['standard_at_small']:.3f}, difference "
                     f"{v['gain_at_small']:+.3f} +- {v['gain_at_small_se']:.3f} (SE) "
                     f"[{'helps' if v['robust_helps_at_small_n'] else 'does not help'}]; at n={v['n_large']} "
                     f"eps {v['largest_eps']:.3g} {v['largest_eps_at_large']:.3f} vs standard "
                     f"{v['standard_at_large']:.3f}, difference {-v['loss_at_large']:+.3f} "
                     f"+- {v['loss_at_large_se']:.3f} "
                     f"[{'behind' if v['robust_behind_at_large_n'] else 'not behind'}]")
    effect = {"reproduced": bool(reproduced), "detail": "; ".join(parts),
              "criterion": "per threat model: at the smallest n the best eps_train > 0 beats eps_train = 0 in mean "
                           "standard accuracy over repeats, and at the largest n the largest eps_train is below it, "
                           "each by more than 2 SE of the paired per-subset difference",
              "by_constraint": by_norm}

    result = {"data": pair.describe(),
              "settings": {"common": com.to_dict(), "sizes": list(sizes), "repeats": [repeats[n] for n in sizes],
                           "min_steps": min_steps, "min_epochs": min_epochs, "eps_train": grid,
                           "l2_scale": pair.side / 28,
                           "train_attack": {c: _train_attack(com, c, grid[c][-1]).to_dict() for c in grid},
                           "eval_attack": {c: _eval_attack(com, c, grid[c][-1]).to_dict() for c in grid},
                           "runs": train_settings, "seed": ctx.seed,
                           "subset_seeds": {f"n{n}_r{r}": _seed(ctx.seed, 1, n, r)
                                            for n in sizes for r in range(repeats[n])}},
              "results": {"curves": curves, "robust_accuracy_at_largest_n": robust_at_max},
              "effect": effect}
    ctx.draw("sample-size", result)
    return result
