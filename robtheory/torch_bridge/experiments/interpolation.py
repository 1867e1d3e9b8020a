r"""Fig. 4: the path from an image to its large-eps adversarial example.

Binary digits, CPU-sized. The data, models, training schedule and conventions shared by
the digit experiments are described in :mod:`robtheory.torch_bridge.experiments.digits_common`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from robtheory.torch_bridge import attacks as A
from robtheory.torch_bridge.experiments.digits_common import (
    KNN_K,
    _common,
    _knn_vote,
    _load,
    _pick,
    _reference_models,
)
from robtheory.torch_bridge.experiments.large_eps import (
    _large_eps_attack,
    _large_eps_setup,
)

if TYPE_CHECKING:
    from robtheory.torch_bridge.experiments import RunContext

__all__ = ["run_interpolation"]


def run_interpolation(ctx: RunContext) -> dict[str, Any]:
    r"""Fig. 4: the path :math:`x_t = (1 - t)\,x + t\,x_{adv}` from an image to its large-eps example.

    Along the path the model's margin :math:`y f(x_t)` should fall monotonically and the image
    should turn into the other class (judged by the k-NN vote over the training images).
    """
    com = _common(ctx)
    pair = _load(ctx, com)
    models, msettings, mresults = _reference_models(ctx, pair, com, "interpolation")
    steps, _, shown = _large_eps_setup(ctx, pair)
    atk = _large_eps_attack(shown, steps)
    ts = np.linspace(0, 1, 11 if not ctx.quick else 6)
    X, y = pair.X_test, pair.y_test
    paths, per_model = {}, {}
    for name, model in models.items():
        Xa = A.pgd(model, X, y, atk)
        marg, judge = [], []
        frames = []
        for t in ts:
            Xt = (1 - t) * X + t * Xa
            with torch.no_grad():
                marg.append(A.margins(model, Xt, y))
            judge.append((_knn_vote(Xt, pair) * y < 0).double())
            frames.append(Xt)
        marg = torch.stack(marg, 1)  # (N, T)
        judge = torch.stack(judge, 1)
        steps_d = marg[:, 1:] - marg[:, :-1]
        tol = 1e-5 * (1 + marg.abs().max(1).values)
        monotone = (steps_d <= tol[:, None]).all(1)
        total_drop = (marg[:, 0] - marg[:, -1]).clamp_min(1e-12)
        max_step = (-steps_d).max(1).values / total_drop
        jr = judge.mean(0).cpu().numpy()
        per_model[name] = {"monotone_fraction": float(monotone.double().mean()),
                           "margin_mean_along_path": marg.mean(0).cpu().tolist(),
                           "margin_quartiles_along_path":
                               np.quantile(marg.cpu().numpy(), [0.25, 0.5, 0.75], axis=0).tolist(),
                           "largest_step_share_median": float(max_step.median()),
                           "judge_other_rate_along_path": jr.tolist(),
                           "judge_monotone": bool(np.all(np.diff(jr) >= 0)),
                           "judge_crosses": bool(jr[0] < 0.5 < jr[-1])}
        paths[name] = torch.stack(frames, 1)  # (N, T, d)

    # Verdict: for every robust model, the margin falls monotonically
    # along the path for at least 90% of the test images, and the k-NN judge's rate of "other
    # class" rises monotonically along t and crosses one half.
    by_model, parts = {}, []
    for name, v in per_model.items():
        if name == "standard":
            continue
        ok = v["monotone_fraction"] >= 0.9 and v["judge_monotone"] and v["judge_crosses"]
        by_model[name] = {"reproduced": bool(ok), "monotone_fraction": v["monotone_fraction"],
                          "judge_other_rate_end": v["judge_other_rate_along_path"][-1],
                          "judge_monotone": v["judge_monotone"], "judge_crosses": v["judge_crosses"]}
        parts.append(f"{name}: margin monotone on {v['monotone_fraction']:.3f} of paths, judge 'other class' "
                     f"{v['judge_other_rate_along_path'][0]:.2f} -> {v['judge_other_rate_along_path'][-1]:.2f} "
                     f"({'monotone' if v['judge_monotone'] else 'not monotone'})")
    s = per_model["standard"]
    parts.append(f"standard (for comparison): margin monotone on {s['monotone_fraction']:.3f}, judge "
                 f"{s['judge_other_rate_along_path'][0]:.2f} -> {s['judge_other_rate_along_path'][-1]:.2f}")
    effect = {"reproduced": all(v["reproduced"] for v in by_model.values()), "detail": "; ".join(parts),
              "criterion": "for every robust model: margin y f(x_t) non-increasing in t on >= 90% of test paths, "
                           f"and the {KNN_K}-NN judge's other-class rate non-decreasing in t, from < 0.5 to > 0.5",
              "by_model": by_model}

    side = pair.side
    show = _pick(y, 2)
    arrays = {f"path_{name}": p[show].cpu().numpy() for name, p in paths.items()}  # (shown, t, pixels)
    result = {"data": pair.describe(),
              "settings": {"common": com.to_dict(), "models": msettings, "attack": atk.to_dict(), "t": ts.tolist(),
                           "judge": {"kind": "k-nearest neighbours in pixel space (l2) over the training images",
                                     "k": KNN_K},
                           "shown_test_indices": show, "l2_scale": side / 28, "seed": ctx.seed},
              "results": {"models": mresults, "paths": per_model}, "effect": effect}
    ctx.draw("interpolation", result, arrays)
    return result
