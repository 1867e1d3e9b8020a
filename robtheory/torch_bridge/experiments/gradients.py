r"""Fig. 2: loss gradients with respect to the input, standard against robust models.

Binary digits, CPU-sized. The data, models, training schedule and conventions shared by
the digit experiments are described in :mod:`robtheory.torch_bridge.experiments.digits_common`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F

from robtheory.torch_bridge.experiments.digits_common import (
    REFERENCE_ROBUST,
    _class_means,
    _common,
    _load,
    _loss_gradient,
    _mean_se,
    _pick,
    _reference_models,
)

if TYPE_CHECKING:
    from robtheory.torch_bridge.experiments import RunContext

__all__ = ["run_gradients"]


def _alignment(g: torch.Tensor, X: torch.Tensor, y: torch.Tensor,
               means: dict[int, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Per-image alignment of loss gradients ``g`` with the image and with class directions."""
    other = torch.where(y[:, None] > 0, means[-1][None], means[+1][None])
    own = torch.where(y[:, None] > 0, means[+1][None], means[-1][None])
    return {
        # Etmann et al. (2019): |<g, x>| / (|g| |x|)
        "image": F.cosine_similarity(g, X, dim=1).abs(),
        # ascent on the loss should move x toward the other class's mean image
        "toward_other_mean": F.cosine_similarity(g, other - X, dim=1),
        # and along the difference of the class means (a global template)
        "class_mean_difference": F.cosine_similarity(g, other - own, dim=1),
    }


def run_gradients(ctx: RunContext) -> dict[str, Any]:
    r"""Fig. 2: loss gradients with respect to the input, standard against robust models.

    For each test image the gradient :math:`g = \nabla_x \log(1 + e^{-y f(x)})` is compared
    with the image (:math:`|\cos(g, x)|`, the alignment of Etmann et al. 2019, the primary
    measure), with the direction to the other class's mean image and with the difference of the
    class means. The paper: robust models' gradients align with perceptually relevant features,
    standard models' look like noise.
    """
    com = _common(ctx)
    pair = _load(ctx, com)
    models, msettings, mresults = _reference_models(ctx, pair, com, "gradients")
    means = _class_means(pair)
    X, y = pair.X_test, pair.y_test
    grads, align = {}, {}
    for name, model in models.items():
        g = _loss_gradient(model, X, y)
        grads[name] = g
        align[name] = _alignment(g, X, y, means)
    summary = {name: {k: dict(zip(("mean", "se"), _mean_se(v.cpu().numpy()))) for k, v in a.items()}
               for name, a in align.items()}

    # Verdict: for every robust model the mean image alignment exceeds
    # the standard model's by more than two standard errors of the paired per-image difference.
    by_model, parts = {}, []
    for name in models:
        if name == "standard":
            continue
        comp = {}
        for k in align[name]:
            d = (align[name][k] - align["standard"][k]).cpu().numpy()
            m, se = _mean_se(d)
            comp[k] = {"robust": summary[name][k]["mean"], "standard": summary["standard"][k]["mean"],
                       "difference": m, "difference_se": se, "z": m / se if se > 0 else float("inf")}
        ok = comp["image"]["z"] > 2
        by_model[name] = {"higher_image_alignment": bool(ok), "metrics": comp,
                          "other_metrics_higher": [k for k in comp if k != "image" and comp[k]["z"] > 2],
                          "other_metrics_lower": [k for k in comp if k != "image" and comp[k]["z"] < -2]}
        parts.append(f"{name}: |cos(g, x)| {comp['image']['robust']:.3f} vs standard {comp['image']['standard']:.3f} "
                     f"(z = {comp['image']['z']:+.1f}); toward other mean {comp['toward_other_mean']['robust']:.3f} vs "
                     f"{comp['toward_other_mean']['standard']:.3f}; class-mean difference "
                     f"{comp['class_mean_difference']['robust']:.3f} vs {comp['class_mean_difference']['standard']:.3f}")
    effect = {"reproduced": all(v["higher_image_alignment"] for v in by_model.values()),
              "detail": "; ".join(parts),
              "criterion": "for every robust model, mean |cos(grad, image)| over the test set exceeds the standard "
                           "model's by more than 2 standard errors of the paired difference",
              "by_model": by_model}

    side = pair.side
    show = _pick(y, 4)
    arrays = {"images": X[show].cpu().numpy(), **{f"gradient_{name}": g[show].cpu().numpy() for name, g in grads.items()}}
    result = {"data": pair.describe(),
              "settings": {"common": com.to_dict(), "models": msettings, "shown_test_indices": show,
                           "reference_robust": [list(r) for r in REFERENCE_ROBUST], "l2_scale": side / 28,
                           "seed": ctx.seed},
              "results": {"models": mresults, "alignment": summary}, "effect": effect}
    ctx.draw("gradients", result, arrays)
    return result
