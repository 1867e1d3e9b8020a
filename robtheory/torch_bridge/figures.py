"""Figures of the torch experiments that can be drawn from saved numbers alone (no torch import),
so that ``robtheory plot metrics.json`` redraws them without training."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["ARRAYS_FILE", "CAPTIONS", "FIGURES", "caption", "eps_sweep_figure", "gradients_figures", "image_rows",
           "interpolation_figures", "large_eps_figures", "linear_features_figure",
           "plot_eps_sweep", "plot_theorem_2_1", "show_image", "toy_figures",
           "plot_sample_size", "sample_size_figure", "source_title"]

#: The sidecar beside ``metrics.json`` holding the arrays an experiment's figures draw (images,
#: weights, per-sample margins), named in ``metrics.json`` under ``figure_data.arrays``.
ARRAYS_FILE = "figure_data.npz"

#: The report's caption of each torch figure (file stem -> what the figure shows).
CAPTIONS = {
    "fig1_fig6_sample_size": "Standard test accuracy against training-set size n, for standard training and "
                             "adversarial training at several radii (left l_2, right l_inf); each point the mean over "
                             "random class-balanced subsets, error bars one standard error. The paper's Fig. 1 / 6: "
                             "adversarial training helps at small n and costs standard accuracy at large n.",
    "fig7_eps_sweep": "Standard test accuracy against the adversarial-training radius eps_train (left l_2, right "
                      "l_inf). The paper's Fig. 7: standard accuracy falls as the training radius grows.",
    "fig5_linear_features": "Linear models on two digit classes: the weights of standard and adversarially trained "
                            "models as images, and how they correlate with the label. The paper's Fig. 5: robust "
                            "models put their weight on fewer, more interpretable features.",
    "fig2_gradients": "Loss gradients with respect to the input image (red positive, blue negative) of standard "
                      "and adversarially trained models. The paper's Fig. 2: robust models' gradients look like "
                      "the digits.",
    "fig2_gradient_alignment": "How the input gradient aligns with the image and with the direction to the other "
                               "class (mean over test images, error bars one standard error).",
    "fig3_large_eps": "Large-radius l_2 adversarial examples of standard and robust models. The paper's Fig. 3: "
                      "those of robust models look like the other class.",
    "fig3_judge": "How often a nearest-neighbour judge, trained on clean images, calls the adversarial example the "
                  "other class, against the attack radius.",
    "fig4_interpolation": "Images along the straight path from a test image (t = 0) to its large-radius adversarial "
                          "example (t = 1), per model. The paper's Fig. 4.",
    "fig4_path_scores": "Along that path: the model's margin (median and quartiles, scaled by its value at t = 0) "
                        "and the nearest-neighbour judge's rate of 'other class'.",
    "linear_vs_population": "Linear SVMs trained on samples of D(p, eta, d) against the population optimum: the "
                            "weights (w_1, v), the weak features' share of the weight norm (Theorem 2.2: adversarial "
                            "training drops them) and the distance to the population optimum, against n.",
    "pgd_vs_exact": "Margins after a PGD attack against the exact worst-case margins of the linear models: PGD "
                    "reaches the exact adversary.",
    "theorem_2_1_mlp": "Standard and robust accuracy of trained MLPs (PGD and the shift adversary, with confidence "
                       "intervals) against the Theorem 2.1 bound: no point lies above it.",
}


def caption(stem: str, experiment: str = "") -> str:
    """The report caption of the figure file ``stem`` (a generic one naming the experiment if the
    figure is not in :data:`CAPTIONS`)."""
    return CAPTIONS.get(stem, f"A figure of the torch experiment {experiment or '?'} (see its summary above).")

#: How a figure title names each source (a reader has not seen the option value "digits8").
_SOURCE_TITLES = {"mnist": "MNIST (5,000-image subset)", "digits8": "scikit-learn 8x8 digits"}


def source_title(source: str) -> str:
    """The data source as a figure title names it: ``"digits8"`` -> ``"scikit-learn 8x8 digits"``."""
    return _SOURCE_TITLES.get(source, source)


def plot_sample_size(ax: Axes, curves: list[dict[str, Any]], constraint: str) -> Axes:
    """Standard accuracy against training-set size, one line per eps_train (error bars: SE)."""
    for c in curves:
        if c["constraint"] not in (constraint, None):
            continue
        label = ("standard training ($\\varepsilon_{train} = 0$)" if c["eps_train"] == 0
                 else f"$\\varepsilon_{{train}} = {c['eps_train']:.3g}$")
        ax.errorbar(c["n"], c["mean"], yerr=np.nan_to_num(c["se"]), marker="o", ms=3, capsize=2,
                    label=label, color="black" if c["eps_train"] == 0 else None)
    ax.set_xscale("log")
    ax.set_xlabel("training-set size n")
    ax.set_ylabel("standard test accuracy")
    ax.set_title(("$\\ell_\\infty$" if constraint == "inf" else "$\\ell_2$") + " adversarial training")
    ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)  # below: off the data
    return ax


def sample_size_figure(curves: list[dict[str, Any]], source: str, repeats: list[int], classes) -> Any:
    """Fig. 1 / Fig. 6 from the saved curves (``metrics.json``'s ``results.curves``): standard
    accuracy against n, l_2 and l_inf adversarial training side by side."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), layout="constrained", sharey=True)
    plot_sample_size(axes[0], [dict(c, constraint=c["constraint"] or "2") for c in curves], "2")
    plot_sample_size(axes[1], [dict(c, constraint=c["constraint"] or "inf") for c in curves], "inf")
    lo, hi = min(repeats), max(repeats)
    subsets = f"{lo}" if lo == hi else f"{lo} to {hi}"
    fig.suptitle(f"Fig. 1 / Fig. 6: {source_title(source)}, digit {classes[0]} vs {classes[1]}\n"
                 f"each point: the mean over {subsets} random training subsets of size n; error bars: standard error")
    return fig


def _sample_size_from(m, arrays) -> list[tuple[str, Any]]:
    data = m.get("data") or {}
    fig = sample_size_figure(m["results"]["curves"], str(data.get("source", "?")),
                             list(m["settings"]["repeats"]), tuple(data.get("classes") or ("?", "?")))
    return [("fig1_fig6_sample_size", fig)]


def plot_eps_sweep(ax: Axes, curves: list[dict[str, Any]]) -> Axes:
    """Standard accuracy (and robust accuracy at the training radius) against eps_train."""
    for c in curves:
        line = ax.plot(c["eps_train"], c["standard_accuracy"], marker="o", ms=3, label=f"{c['label']}: standard")
        ax.plot(c["eps_train"], c["robust_accuracy"], ls="--", marker="x", ms=3, color=line[0].get_color(),
                label=f"{c['label']}: robust accuracy at " + r"$\varepsilon_{train}$")
    ax.set_xlabel(r"adversarial-training radius $\varepsilon_{train}$")
    ax.set_ylabel("test accuracy")
    ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.2))  # below: off the data
    return ax


def eps_sweep_figure(m, arrays=None) -> list[tuple[str, Any]]:
    """Fig. 7 from the eps-sweep's saved results (``results.curves``, ``data``)."""
    import matplotlib.pyplot as plt

    curves, data = m["results"]["curves"], m["data"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    plot_eps_sweep(axes[0], [c for c in curves if c["constraint"] == "2"]).set_title(r"$\ell_2$ adversarial training")
    plot_eps_sweep(axes[1], [c for c in curves if c["constraint"] == "inf"]).set_title(
        r"$\ell_\infty$ adversarial training")
    classes = data["classes"]
    fig.suptitle(f"Fig. 7: {source_title(data['source'])}, digit {classes[0]} vs {classes[1]}, "
                 f"{data['n_train']} training images")
    return [("fig7_eps_sweep", fig)]


def linear_features_figure(m, arrays) -> list[tuple[str, Any]]:
    """Fig. 5 from the linear-features run: ``results.topk``, ``settings`` (tau, eval_attack.eps),
    ``data`` and the arrays ``correlation``, ``weights_standard``, ``weights_robust_linf``,
    ``tau_grid``, ``weak_mass_standard``, ``weak_mass_robust_linf`` of ``figure_data.npz``."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter

    data, settings, topk = m["data"], m["settings"], m["results"]["topk"]
    tau, eps, side, classes = settings["tau"], settings["eval_attack"]["eps"], data["side"], data["classes"]
    corr = arrays["correlation"]
    models = {name: arrays[f"weights_{name}"] for name in ("standard", "robust_linf")}
    fig, axes = plt.subplots(2, 3, figsize=(12, 7.5), layout="constrained")  # colour bars laid out with the panels
    ax = axes[0, 0]
    mx = float(np.abs(corr).max())
    im = ax.imshow(corr.reshape(side, side), cmap="seismic", vmin=-mx, vmax=mx)
    fig.colorbar(im, ax=ax, shrink=0.9)
    ax.set_title(f"corr(pixel, label), +1 = digit {classes[0]}")
    for ax, name in ((axes[0, 1], "standard"), (axes[0, 2], "robust_linf")):
        w = models[name]
        mx = float(np.abs(w).max()) or 1.0
        im = ax.imshow(w.reshape(side, side), cmap="seismic", vmin=-mx, vmax=mx)
        fig.colorbar(im, ax=ax, shrink=0.9)
        ax.set_title(f"(a) weights: {name.replace('_', ' ')}")
    for a in axes[0]:
        a.set_xticks([])
        a.set_yticks([])
    ax = axes[1, 0]
    for name, color in (("standard", "tab:blue"), ("robust_linf", "tab:red")):
        w = models[name]
        ax.scatter(corr, w / (np.abs(w).max() or 1.0), s=4, alpha=0.6, color=color, label=name.replace("_", " "))
    ax.axvspan(-tau, tau, color="gray", alpha=0.15, label=f"|corr| < {tau:g}")
    ax.set_xlabel("feature-label correlation")
    ax.set_ylabel("weight / max |weight|")
    ax.set_title("(b) weight against correlation")
    ax.legend(fontsize="small", markerscale=3)
    ax = axes[1, 1]
    for name, color in (("standard", "tab:blue"), ("robust_linf", "tab:red")):
        ax.plot(arrays["tau_grid"], arrays[f"weak_mass_{name}"], color=color, label=name.replace("_", " "))
    ax.axvline(tau, color="gray", ls=":")
    ax.set_xlabel("threshold tau")
    ax.set_ylabel("weight mass on pixels with |corr| < tau")
    ax.set_title("(b') weight mass on weakly correlated pixels")
    ax.legend(fontsize="small")
    ax = axes[1, 2]
    kk = [t["k"] for t in topk]
    ax.plot(kk, [t["standard_accuracy"] for t in topk], marker="o", ms=3, label="standard accuracy")
    ax.plot(kk, [t["robust_accuracy"] for t in topk], marker="x", ms=3,
            label=f"robust accuracy (exact, l_inf {eps:g})")
    ax.set_xscale("log")
    ax.xaxis.set_minor_formatter(NullFormatter())  # labelled minor ticks of a short log axis overlap
    ax.set_xlabel("number k of most label-correlated pixels used")
    ax.set_ylabel("test accuracy")
    ax.set_title("(c) standard linear models on the top-k pixels")
    ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.2))  # below: off the data
    fig.suptitle(f"Fig. 5: {source_title(data['source'])}, digit {classes[0]} vs {classes[1]}, linear models")
    return [("fig5_linear_features", fig)]


def plot_theorem_2_1(ax, p: float, rows: list[dict]):
    r"""Draw Theorem 2.1's bound and, per model, exactly what :func:`robtheory.torch_bridge.experiments.toy.theorem_2_1_check` judged.

    ``rows`` are ``{"label": str, "check": theorem_2_1_check(...)}``. For each: the robust
    accuracy with its two-sided interval at the check's level (a vertical bar), the standard
    accuracy's interval at the same level (a horizontal bar), and the band of bound values over
    that interval, from :math:`\frac{p}{1-p}(1 - \mathrm{std}_{hi})` to the verdict's threshold
    :math:`\frac{p}{1-p}(1 - \mathrm{std}_{lo})` (its top edge). The verdict is "consistent"
    exactly when the bottom of the vertical bar is not above the band's top edge, so the figure
    and the verdict cannot disagree. Returns ``ax``.
    """
    a = np.linspace(0.5, 1, 400)
    ax.plot(a, np.minimum(1, p / (1 - p) * (1 - a)), "k-", lw=1,
            label=r"Theorem 2.1 bound $\frac{p}{1-p}(1-\mathrm{std})$")
    levels = set()
    for i, row in enumerate(rows):
        c = row["check"]
        color = f"C{i}"
        lo, hi = c["standard_ci"]
        band_top = min(1.0, c["bound_at_standard_lower_limit"])
        band_bottom = min(1.0, c["bound_at_standard_upper_limit"])
        ax.fill_between([lo, hi], [band_bottom, band_bottom], [band_top, band_top], color=color,
                        alpha=0.25, lw=0)
        ax.hlines(band_top, lo, hi, colors=color, lw=1.5, linestyles="--")
        sa, ra = c["standard_accuracy"], c["accuracy"]
        verdict = "consistent" if c["consistent"] else "VIOLATION"
        ax.errorbar([sa], [ra], xerr=[[sa - lo], [hi - sa]],
                    yerr=[[ra - c["ci"][0]], [c["ci"][1] - ra]], fmt=row.get("marker", "o"), color=color,
                    capsize=3, label=f"{row['label']}: {verdict}")
        levels.add(c["level"])
    level = ", ".join(f"{lv:.6g}" for lv in sorted(levels))
    ax.set_xlabel("standard accuracy")
    ax.set_ylabel("robust accuracy")
    ax.text(0.02, 0.02, f"bars: Clopper-Pearson intervals at level {level} (the verdict's);\n"
            "band: the bound over the standard accuracy's interval; dashed: its top, the threshold\n"
            "a robust accuracy's lower limit must exceed to count as a violation",
            transform=ax.transAxes, fontsize=6, va="bottom")
    return ax




def toy_figures(m, arrays) -> list[tuple[str, Any]]:
    """The toy study's three figures from its saved results (``settings``, ``results.linear``,
    ``results.pgd_vs_exact``, ``results.mlp``) and the per-sample margins
    ``margins_exact_<i>``, ``margins_pgd_<i>`` (row i of ``pgd_vs_exact``) of ``figure_data.npz``."""
    import matplotlib.pyplot as plt

    s, res = m["settings"], m["results"]
    eps, lin_rows, pgd_rows, mlp_rows = s["eps"], res["linear"], res["pgd_vs_exact"], res["mlp"]
    out = []
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    colors = {"standard": "C0", "adversarial": "C3"}
    for kind, c in colors.items():
        rows = [r for r in lin_rows if r["training"] == kind and r["n"] != "population"]
        pop = next(r for r in lin_rows if r["training"] == kind and r["n"] == "population")
        ns = [r["n"] for r in rows]
        axes[0].plot(ns, [r["w1"] for r in rows], "o-", color=c, label=f"{kind}: $w_1$")
        axes[0].plot(ns, [r["v"] for r in rows], "s--", color=c, label=f"{kind}: $v$")
        axes[0].axhline(pop["w1"], color=c, lw=0.8)
        axes[0].axhline(pop["v"], color=c, lw=0.8, ls=":")
        axes[1].plot(ns, [max(r["weak_norm_fraction"], 1e-6) for r in rows], "o-", color=c,
                     label=f"{kind}: trained (Adam)")
        axes[1].plot(ns, [max(r["svm_weak_norm_fraction"], 1e-6) for r in rows], "x:", color=c,
                     label=f"{kind}: exact SVM (floored at 1e-6)")
        axes[2].plot(ns, [max(r["distance_to_population"], 1e-6) for r in rows], "o-", color=c,
                     label=f"{kind}: trained (Adam)")
        axes[2].plot(ns, [max(r["svm_distance_to_population"], 1e-6) for r in rows], "x:", color=c,
                     label=f"{kind}: exact SVM on the sample (floored at 1e-6)")
    axes[0].set(xscale="log", xlabel="training-set size n", ylabel="weight",
                title="trained $(w_1, v)$; lines: population optimum")
    axes[1].set(xscale="log", yscale="log", xlabel="n", ylabel="$\\|w_{weak}\\|_2 / \\|w\\|_2$",
                title="Thm 2.2: adversarial training drops them")
    axes[2].set(xscale="log", yscale="log", xlabel="n", ylabel="distance to population optimum",
                title="convergence in $(w_1, v)$")
    for ax in axes:  # below each panel: off the data
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16))
    fig.suptitle(f"linear SVMs on $D(p={s['p']}, \\eta={s['eta']}, d={s['d']})$, $\\lambda = {s['lam']}$, "
                 f"adversary $\\ell_\\infty$, $\\varepsilon = {eps}$")
    out.append(("linear_vs_population", fig))

    fig, axes = plt.subplots(1, len(pgd_rows), figsize=(3.6 * len(pgd_rows), 3.6))
    for i, (ax, r) in enumerate(zip(np.atleast_1d(axes), pgd_rows)):
        m_exact, m_pgd = arrays[f"margins_exact_{i}"], arrays[f"margins_pgd_{i}"]
        lo_n = min(len(m_exact), 2000)  # a scatter of 2000 points shows it; more only slows the PDF
        ax.scatter(m_exact[:lo_n], m_pgd[:lo_n], s=2, alpha=0.4)
        lo, hi = float(min(m_exact.min(), m_pgd.min())), float(max(m_exact.max(), m_pgd.max()))
        ax.plot([lo, hi], [lo, hi], "k-", lw=0.6)
        ax.set(xlabel="margin at the exact worst case", ylabel="margin after PGD",
               title=f"{r['training']}, l_{r['attack']['constraint']} eps={r['attack']['eps']:g}\n"
                     f"{r['samples_where_they_differ']} of {r['n']} verdicts differ")
    out.append(("pgd_vs_exact", fig))

    fig, ax = plt.subplots(figsize=(6.5, 5), layout="constrained")
    rows = [{"label": f"MLP {r['training']}, {adv}", "check": r[adv], "marker": mk}
            for r in mlp_rows for adv, mk in (("pgd", "o"), ("shift", "x"))]
    plot_theorem_2_1(ax, s["p"], rows)
    ax.set(ylabel=f"robust accuracy ($\\ell_\\infty$, $\\varepsilon = 2\\eta = {eps:g}$)",
           title="trained MLPs against Theorem 2.1", xlim=(0.85, 1.002), ylim=(-0.02, 1.02))
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0))  # beside: off the data
    out.append(("theorem_2_1_mlp", fig))
    return out


def show_image(ax: Axes, img, side: int, *, signed: bool = False) -> Axes:
    """One image (a flat or square array of ``side * side`` pixels) without ticks: grey on [0, 1], or
    a signed map (red positive, blue negative) symmetric about 0."""
    img = np.asarray(img, dtype=float).reshape(side, side)
    if signed:
        m = float(np.abs(img).max()) or 1.0
        ax.imshow(img, cmap="seismic", vmin=-m, vmax=m)
    else:
        ax.imshow(img, cmap="gray", vmin=0, vmax=1)
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def image_rows(images, rows: dict, side: int, *, first: str, signed: bool = False) -> Any:
    """A figure: ``images`` (one per column) in the first row, then one row per entry of ``rows``
    (arrays of the same shape as ``images``)."""
    import matplotlib.pyplot as plt

    names = list(rows)
    k = len(images)
    fig, axes = plt.subplots(1 + len(names), k, figsize=(1.3 * k, 1.35 * (1 + len(names))))
    axes = np.asarray(axes).reshape(1 + len(names), k)
    for col in range(k):
        show_image(axes[0, col], images[col], side)
        for row, name in enumerate(names, start=1):
            show_image(axes[row, col], rows[name][col], side, signed=signed)
    axes[0, 0].set_ylabel(first, fontsize="small")
    for row, name in enumerate(names, start=1):
        axes[row, 0].set_ylabel(name.replace("_", "\n"), fontsize="small")
    return fig


def gradients_figures(m, arrays) -> list[tuple[str, Any]]:
    """Fig. 2 from the gradients run: the shown test images (``images``) and each model's loss
    gradients on them (``gradient_<model>``) of ``figure_data.npz``, and ``results.alignment``."""
    import matplotlib.pyplot as plt

    summary = m["results"]["alignment"]
    names = list(summary)
    fig = image_rows(arrays["images"], {n: arrays[f"gradient_{n}"] for n in names}, m["data"]["side"],
                     first="image", signed=True)
    fig.suptitle("Fig. 2: loss gradient w.r.t. the input (red +, blue -)", fontsize="medium")
    out = [("fig2_gradients", fig)]
    fig, ax = plt.subplots(figsize=(7, 3.5))
    keys = list(summary[names[0]])
    width = 0.8 / len(names)
    for j, name in enumerate(names):
        ax.bar(np.arange(len(keys)) + j * width, [summary[name][k]["mean"] for k in keys], width,
               yerr=[summary[name][k]["se"] for k in keys], capsize=2, label=name)
    ax.set_xticks(np.arange(len(keys)) + width * (len(names) - 1) / 2)
    ax.set_xticklabels(["|cos(g, x)|", "cos(g, mean_other - x)", "cos(g, mean_other\n - mean_own)"],
                       fontsize="small")
    ax.set_ylabel("mean over test images")
    ax.legend(fontsize="small")
    ax.set_title("Gradient alignment")
    out.append(("fig2_gradient_alignment", fig))
    return out


def large_eps_figures(m, arrays) -> list[tuple[str, Any]]:
    """Fig. 3 from the large-eps run: the shown test images (``images``) and their adversarial
    examples at the shown radius (``adversarial_<model>``) of ``figure_data.npz``, and the judge's
    rates ``results.per_eps``."""
    import matplotlib.pyplot as plt

    s, per_eps = m["settings"], m["results"]["per_eps"]
    names = list(per_eps)
    fig = image_rows(arrays["images"], {n: arrays[f"adversarial_{n}"] for n in names}, m["data"]["side"],
                     first="original")
    fig.suptitle(f"Fig. 3: l2 adversarial examples, eps = {s['shown_eps']:.3g}, {s['attack_steps']} PGD steps",
                 fontsize="medium")
    out = [("fig3_large_eps", fig)]
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for name in names:
        ax.plot([r["eps"] for r in per_eps[name]], [r["judge_other_rate"] for r in per_eps[name]], marker="o", ms=3,
                label=name)
    ax.set_xlabel("l2 eps of the attack")
    ax.set_ylabel(f"{s['judge']['k']}-NN judge: other class")
    ax.set_title("Do large-eps examples look like the other class?")
    ax.legend(fontsize="small")
    out.append(("fig3_judge", fig))
    return out


def interpolation_figures(m, arrays) -> list[tuple[str, Any]]:
    """Fig. 4 from the interpolation run: the images along each shown path (``path_<model>``, shape
    (shown images, t, pixels)) of ``figure_data.npz``, and the margins and judge rates along the
    paths in ``results.paths``."""
    import matplotlib.pyplot as plt

    s, per_model = m["settings"], m["results"]["paths"]
    names, ts, side = list(per_model), np.asarray(s["t"], dtype=float), m["data"]["side"]
    k = len(arrays[f"path_{names[0]}"])
    rows = [(name, i) for i in range(k) for name in names]
    fig, axes = plt.subplots(len(rows), len(ts), figsize=(1.0 * len(ts), 1.05 * len(rows)))
    axes = np.asarray(axes).reshape(len(rows), len(ts))
    for r, (name, i) in enumerate(rows):
        for c in range(len(ts)):
            show_image(axes[r, c], arrays[f"path_{name}"][i, c], side)
        axes[r, 0].set_ylabel(name.replace("_", "\n"), fontsize="x-small")
    for c, t in enumerate(ts):
        axes[0, c].set_title(f"t={t:.1f}", fontsize="x-small")
    fig.suptitle(f"Fig. 4: interpolation to the l2 eps = {s['attack']['eps']:.3g} adversarial example",
                 fontsize="medium")
    out = [("fig4_interpolation", fig)]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
    for name in names:
        v = per_model[name]
        q = np.asarray(v["margin_quartiles_along_path"])
        scale = abs(q[1, 0]) or 1.0
        line = axes[0].plot(ts, q[1] / scale, label=name)
        axes[0].fill_between(ts, q[0] / scale, q[2] / scale, alpha=0.2, color=line[0].get_color())
        axes[1].plot(ts, v["judge_other_rate_along_path"], marker="o", ms=3, label=name)
    axes[0].axhline(0, color="gray", lw=0.8)
    axes[0].set_xlabel("t")
    axes[0].set_ylabel("margin y f(x_t) / median at t = 0 (quartiles)")
    axes[1].axhline(0.5, color="gray", lw=0.8)
    axes[1].set_xlabel("t")
    axes[1].set_ylabel(f"{s['judge']['k']}-NN judge: other class")
    for a in axes:
        a.legend(fontsize="small")
    out.append(("fig4_path_scores", fig))
    return out


#: Experiment name -> a function of (its saved results, the arrays of its sidecar) returning
#: (file stem, figure) pairs: the one drawing of each experiment's figures, called by the
#: experiment's run and by ``robtheory plot metrics.json``.
FIGURES: dict[str, Callable[[Mapping[str, Any], dict[str, Any]], list[tuple[str, Any]]]] = {
    "sample-size": _sample_size_from,
    "eps-sweep": eps_sweep_figure,
    "linear-features": linear_features_figure,
    "toy": toy_figures,
    "gradients": gradients_figures,
    "large-eps": large_eps_figures,
    "interpolation": interpolation_figures,
}
