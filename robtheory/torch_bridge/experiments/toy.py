r"""The toy-data study: trained models on D(p, eta, d) against the theory.

Three parts, all on samples from the Philox stream of :mod:`robtheory.mc` (training rows from
index 0, evaluation rows from index :math:`10^9` on, so they never overlap):

1. **Linear models against the population optima.** Bias-free linear models trained by minibatch Adam (cosine schedule) on
   the soft-margin objective :math:`\frac1n\sum\max(0, 1 - y w\cdot x') + \frac\lambda2\lVert
   w\rVert^2` (standard, and adversarial with :math:`x'` the l_inf worst case at
   :math:`\varepsilon = 2\eta`) for growing n. Each trained ``w`` is compared with the exact
   finite-sample optimum on the same data (:func:`robtheory.training.fit_svm`, certified by
   its duality gap: the optimisation error) and with the population optimum
   (:func:`robtheory.training.solve`: the statistical error), in Lemma D.1's coordinates
   :math:`(w_1, v)`, :math:`v = d^{-1/2}\sum_{i\ge2} w_i`. Its accuracies are the closed forms
   of the trained weights (exact, no sampling). Theorem 2.2: the standard optimum is accurate
   and not robust; adversarial training removes the weak features (weight mass on
   :math:`x_2..x_{d+1}` goes to 0).
2. **PGD reaches the exact worst case** of the trained linear models (l_inf and l_2): robust
   accuracy on a test sample under PGD and under the exact minimiser, sample by sample, and the
   exact one against the closed form by an exact binomial test.
3. **Theorem 2.1 for trained MLPs.** An MLP trained with and without PGD; its standard accuracy
   and its accuracy under PGD and under the shift adversary of the proof
   (:math:`x_i \to x_i - 2\eta y`) are estimated by Monte Carlo
   (:func:`robtheory.mc.engine.estimate_callable`, every attacked input checked to lie in the
   ball). The theorem says :math:`\mathrm{acc}_\varepsilon \le \frac{p}{1-p}(1 - \mathrm{acc})`;
   a violation is declared only if the lower confidence limit of the robust accuracy exceeds
   the bound evaluated at the lower confidence limit of the standard accuracy, at a stated
   family-wise false-alarm rate (Bonferroni over the checks).
"""

from __future__ import annotations

import copy
import math

import numpy as np
import torch

from robtheory import stats
from robtheory import training as T
from robtheory.classifiers import LinearClassifier
from robtheory.theory.closed_form import linear_accuracy
from robtheory.mc import engine
from robtheory.model import ThreatModel, ToyModel
from robtheory.torch_bridge import data
from robtheory.torch_bridge.figures import plot_theorem_2_1
from robtheory.torch_bridge.attacks import AttackConfig, exact_linear_worst_case, margins, pgd
from robtheory.torch_bridge.models import MLP, LinearModel
from robtheory.torch_bridge.train import TrainConfig, progress, train

__all__ = ["run", "SETTINGS", "theorem_2_1_check", "plot_theorem_2_1"]

#: evaluation samples start at this row of the stream (training uses rows 0 .. n - 1)
EVAL_START = 10**9

#: largest ``|w_weak|/|w|`` accepted as "zero up to the optimiser's error" (standard training: ~0.98)
WEAK_TOL = 0.05
#: largest Euclidean distance accepted between the trained weights and the exact SVM on the same sample
OPT_TOL = 0.05

#: full / quick settings
SETTINGS = {
    False: {"p": 0.95, "eta": 0.2, "d": 400, "lam": 0.1, "ns": [100, 300, 1000, 3000, 10000],
            "linear_steps": 2000, "batch_size": 500, "lr": 0.01, "n_test": 20000,
            "mlp_hidden": [64], "mlp_n": 10000, "mlp_epochs": 12, "mlp_train_steps": 7,
            "eval_steps": 20, "n_mc": 50000, "alpha": 1e-3},
    True: {"p": 0.95, "eta": 0.2, "d": 400, "lam": 0.1, "ns": [100, 1000],
           "linear_steps": 800, "batch_size": 500, "lr": 0.01, "n_test": 4000,
           "mlp_hidden": [32], "mlp_n": 2000, "mlp_epochs": 6, "mlp_train_steps": 5,
           "eval_steps": 10, "n_mc": 10000, "alpha": 1e-3},
}


def _reduced(w: np.ndarray) -> tuple[float, float]:
    d = w.size - 1
    return float(w[0]), float(w[1:].sum() / math.sqrt(d))


def _weak_mass(w: np.ndarray) -> float:
    """Fraction of the l1 mass of ``w`` on the weak features."""
    tot = float(np.abs(w).sum())
    return float(np.abs(w[1:]).sum() / tot) if tot > 0 else 0.0


def _weak_norm_fraction(w: np.ndarray) -> float:
    r""":math:`\lVert w_{2..d+1}\rVert_2 / \lVert w\rVert_2` (less sensitive than the l1 mass to
    the optimiser's noise spread over d coordinates that the exact optimum sets to 0)."""
    tot = float(np.linalg.norm(w))
    return float(np.linalg.norm(w[1:]) / tot) if tot > 0 else 0.0


def _linear_part(ctx, s, model: ToyModel, eps: float):
    threat = ThreatModel("linf", eps)
    lam = s["lam"]
    # One sign step of size eps from the clean point is the exact l_inf worst case of a linear
    # model (checked in part 2 and by the tests), so PGD with one step trains exactly.
    train_attack = AttackConfig("inf", eps, attack_steps=1, attack_lr=eps)
    kinds = {"standard": (None, None), "adversarial": (threat, train_attack)}
    rows = []
    final = {}
    for kind, (thr, attack) in kinds.items():
        pop = T.solve(T.Objective(model, lam, thr, "hinge"))
        pop_clf = LinearClassifier(T.embed(pop.w1, pop.v, model.d))
        pop_acc = linear_accuracy(model, pop_clf, threat)
        for n in progress(s["ns"], desc=f"toy linear {kind}", enabled=ctx.progress):
            X, y = data.toy_tensors(model, n, ctx.seed)
            net = LinearModel(model.d + 1, bias=False)
            # Adam rather than SGD: with SGD the noise of the d weak weights, each pushed to 0 by
            # the eps * |w_i| term, lowered every margin and drove w1 past the kink of the
            # adversarial optimum (0.26 from the exact SVM at n = 1000 against 0.02 with Adam)
            batch = min(s["batch_size"], n)
            epochs = max(1, math.ceil(s["linear_steps"] * batch / n))
            cfg = TrainConfig(epochs=epochs, lr=s["lr"], batch_size=batch, optimizer="adam",
                              weight_decay=lam, loss="hinge", attack=attack, lr_schedule="cosine")
            train(net, X.to(ctx.device), y.to(ctx.device), cfg, seed=ctx.seed + n, show_progress=False)
            w = net.weight.detach().double().cpu().numpy()
            svm = T.fit_svm(X.double().numpy(), y.double().numpy(), lam, thr)
            acc = linear_accuracy(model, LinearClassifier(w), threat)
            w1, v = _reduced(w)
            rows.append({
                "training": kind, "n": n, "w1": w1, "v": v, "weak_weight_mass": _weak_mass(w),
                "weak_norm_fraction": _weak_norm_fraction(w),
                "svm_weak_norm_fraction": _weak_norm_fraction(svm.w),
                "svm_w1": svm.reduced()[0], "svm_v": svm.reduced()[1], "svm_duality_gap": svm.gap,
                "distance_to_svm": float(np.linalg.norm(w - svm.w)),
                "distance_to_population": float(math.hypot(w1 - pop.w1, v - pop.v)),
                "svm_distance_to_population": float(math.hypot(svm.reduced()[0] - pop.w1,
                                                                 svm.reduced()[1] - pop.v)),
                "standard_accuracy": acc.standard_accuracy, "robust_accuracy": acc.robust_accuracy,
                "standard_error_rate": acc.standard_error_rate, "robust_error_rate": acc.robust_error_rate,
                "train_config": cfg.to_dict(),
            })
            final[kind] = net
        rows.append({"training": kind, "n": "population", "w1": pop.w1, "v": pop.v,
                     "weak_weight_mass": _weak_mass(T.embed(pop.w1, pop.v, model.d)),
                     "weak_norm_fraction": _weak_norm_fraction(T.embed(pop.w1, pop.v, model.d)),
                     "kkt_residual": pop.kkt_residual,
                     "standard_accuracy": pop_acc.standard_accuracy,
                     "robust_accuracy": pop_acc.robust_accuracy,
                     "standard_error_rate": pop_acc.standard_error_rate,
                     "robust_error_rate": pop_acc.robust_error_rate})
    return rows, final


def _pgd_part(ctx, s, model: ToyModel, eps: float, nets: dict, alpha_each: float):
    X, y = data.toy_tensors(model, s["n_test"], ctx.seed + 1, start=EVAL_START)
    X, y = X.double(), y.double()
    out = []
    gen = torch.Generator().manual_seed(ctx.seed)
    threats = {"inf": eps, "2": 1.0}
    for kind, net in nets.items():
        net = copy.deepcopy(net).double()  # evaluate in float64 without touching the trained model
        w = net.weight.detach()
        for constraint, r in threats.items():
            cfg = AttackConfig(constraint, r, attack_steps=s["eval_steps"])
            xa = pgd(net, X, y, cfg, generator=gen)
            xe = exact_linear_worst_case(w, X, y, cfg)
            with torch.no_grad():
                m_pgd = margins(net, xa, y).numpy()
                m_exact = margins(net, xe, y).numpy()
            c_pgd, c_exact = int((m_pgd > 0).sum()), int((m_exact > 0).sum())
            thr = ThreatModel("linf" if constraint == "inf" else "l2", r)
            analytic = linear_accuracy(model, LinearClassifier(w.numpy()), thr).robust_accuracy
            test = stats.agreement_test(c_exact, len(y), analytic, alpha_each)
            out.append({
                "training": kind, "attack": cfg.to_dict(), "n": len(y),
                "pgd_accuracy": c_pgd / len(y), "exact_accuracy": c_exact / len(y),
                "samples_where_they_differ": int(((m_pgd > 0) != (m_exact > 0)).sum()),
                "max_margin_gap": float(np.max(m_pgd - m_exact)),
                "closed_form_robust_accuracy": analytic,
                "exact_vs_closed_form": {"passed": bool(test.passed), "z": float(test.z),
                                         "min_detectable": float(test.min_detectable),
                                         "alpha": alpha_each},
                "_margins": (m_exact, m_pgd),
            })
    return out


def theorem_2_1_check(p: float, std_count: int, std_n: int, rob_count: int, rob_n: int,
                      alpha: float) -> dict:
    r"""Is a (standard, robust) accuracy estimate consistent with Theorem 2.1?

    The theorem: :math:`\mathrm{rob} \le \frac{p}{1-p}(1 - \mathrm{std})`. The verdict is the one
    sampled test of the theorem, :func:`robtheory.claims.theorem_2_1_sampled` (also the Monte
    Carlo column's): a violation is declared only when the lower Clopper-Pearson limit of the
    robust accuracy exceeds the bound at the upper limit of the standard error rate, each a
    one-sided limit at ``alpha / 2`` (the ends of the two-sided ``1 - alpha`` intervals reported
    here): under the theorem, a false alarm needs one of the two to miss, probability at most
    ``alpha``.
    """
    from robtheory.claims import theorem_2_1_sampled

    test = theorem_2_1_sampled(p, std_count, std_n, rob_count, rob_n, alpha)
    std_ci = stats.binomial_estimate(std_count, std_n, alpha).ci
    rob = stats.binomial_estimate(rob_count, rob_n, alpha)
    return {"accuracy": rob_count / rob_n, "count": rob_count, "n": rob_n, "ci": list(rob.ci),
            "lower_limit": test.robust_lower, "standard_accuracy": std_count / std_n,
            "standard_ci": list(std_ci), "standard_lower_limit": std_ci[0],
            "bound_at_standard_lower_limit": test.bound,
            "bound_at_standard_upper_limit": p / (1 - p) * (1 - std_ci[1]),
            "bound_at_estimate": p / (1 - p) * (1 - std_count / std_n),
            "consistent": test.consistent, "alpha": alpha, "level": 1 - alpha}


def _mlp_part(ctx, s, model: ToyModel, eps: float, alpha_each: float):
    X, y = data.toy_tensors(model, s["mlp_n"], ctx.seed + 2)
    attack_train = AttackConfig("inf", eps, attack_steps=s["mlp_train_steps"], random_start=True)
    attack_eval = AttackConfig("inf", eps, attack_steps=s["eval_steps"], random_restarts=1)
    threat = ThreatModel("linf", eps)
    results = []
    gen = torch.Generator().manual_seed(ctx.seed + 3)
    for kind, attack in (("standard", None), ("adversarial", attack_train)):
        net = MLP(model.d + 1, tuple(s["mlp_hidden"]))
        cfg = TrainConfig(epochs=s["mlp_epochs"], lr=1e-3, batch_size=100, optimizer="adam",
                          loss="logistic", attack=attack)
        hist = train(net, X.to(ctx.device), y.to(ctx.device), cfg, seed=ctx.seed + 4,
                     show_progress=ctx.progress, desc=f"toy MLP {kind}")
        net = net.cpu().eval()
        ctx.save_model(net, f"toy_mlp_{kind}", {"train_config": cfg.to_dict(), "model_params":
                       {"p": model.p, "eta": model.eta, "d": model.d}, "seed": ctx.seed})

        def f(Xn, net=net):
            with torch.no_grad():
                return net(torch.as_tensor(Xn, dtype=torch.float32)).numpy()

        def pgd_attack(Xn, yn, net=net):
            xa = pgd(net, torch.as_tensor(Xn, dtype=torch.float32), torch.as_tensor(yn, dtype=torch.float32),
                     attack_eval, generator=gen)
            # rounding the attacked point back to float64 keeps it in the ball up to float32 ulps
            return np.clip(xa.double().numpy(), Xn - eps, Xn + eps)

        seed = ctx.seed + 10**6
        std = engine.estimate_callable(model, f, s["n_mc"], seed, start=EVAL_START)
        shift = engine.estimate_callable(model, f, s["n_mc"], seed, start=EVAL_START, attack="shift",
                                         threat=threat)
        adv = engine.estimate_callable(model, f, s["n_mc"], seed, start=EVAL_START, attack=pgd_attack,
                                       threat=threat)
        checks = {name: theorem_2_1_check(model.p, std["count"], std["n"], est["count"], est["n"], alpha_each)
                  for name, est in (("pgd", adv), ("shift", shift))}
        std_lo = checks["pgd"]["standard_lower_limit"]
        results.append({"training": kind, "train_config": cfg.to_dict(),
                        "final_train_loss": hist[-1]["loss"],
                        "standard": {"accuracy": std["estimate"], "count": std["count"], "n": std["n"],
                                     "ci": list(std["ci"]), "lower_limit": std_lo},
                        "pgd": {**checks["pgd"], "attack": attack_eval.to_dict()},
                        "shift": {**checks["shift"], "attack": "shift x_i -> x_i - 2 eta y (i >= 2)"}})
    return results


def run(ctx) -> dict:
    """Run the toy-data study (see the module docstring); returns the metrics dict."""
    s = dict(SETTINGS[bool(ctx.quick)])
    model = ToyModel(s["p"], s["eta"], s["d"])
    eps = 2 * model.eta
    n_checks = 2 * 2 + 2 * 2  # PGD-part closed-form tests + MLP Theorem 2.1 checks
    alpha_each = stats.familywise_alpha(s["alpha"], n_checks)

    lin_rows, nets = _linear_part(ctx, s, model, eps)
    for kind, net in nets.items():
        ctx.save_model(net.cpu(), f"toy_linear_{kind}", {"lam": s["lam"], "n": s["ns"][-1], "seed": ctx.seed})
    pgd_rows = _pgd_part(ctx, s, model, eps, nets, alpha_each)
    mlp_rows = _mlp_part(ctx, s, model, eps, alpha_each)

    largest = {k: next(r for r in lin_rows if r["training"] == k and r["n"] == s["ns"][-1])
               for k in ("standard", "adversarial")}
    smallest = {k: next(r for r in lin_rows if r["training"] == k and r["n"] == s["ns"][0])
                for k in ("standard", "adversarial")}
    checks = {
        "theorem_2_1": {
            "passed": all(r[a]["consistent"] for r in mlp_rows for a in ("pgd", "shift")),
            "detail": "; ".join(f"MLP {r['training']}: std {r['standard']['accuracy']:.4f}, "
                                f"PGD {r['pgd']['accuracy']:.4f}, shift {r['shift']['accuracy']:.4f} "
                                f"(bound {r['shift']['bound_at_estimate']:.4f} at the estimate, "
                                f"{r['shift']['bound_at_standard_lower_limit']:.4f} at its lower limit)"
                                for r in mlp_rows)},
        "theorem_2_2_part1": {
            "passed": bool(largest["standard"]["standard_accuracy"] > 0.99
                           and largest["standard"]["robust_accuracy"] < 0.01),
            "detail": (f"trained standard linear SVM (n={s['ns'][-1]}): standard "
                       f"{largest['standard']['standard_accuracy']:.5f}, robust at eps=2eta "
                       f"{largest['standard']['robust_accuracy']:.5f} (closed forms of the trained w)")},
        "theorem_2_2_part2": {
            # the optimum has w_weak = 0 exactly and accuracy p (standard and robust); training gets
            # there up to its optimisation error, so the check asks for a small weak-weight norm
            # (against ~0.98 for standard training) and accuracies equal to p to 3 decimals
            "passed": bool(largest["adversarial"]["weak_norm_fraction"] < WEAK_TOL
                           and abs(largest["adversarial"]["standard_accuracy"] - model.p) < 1e-3
                           and abs(largest["adversarial"]["robust_accuracy"] - model.p) < 1e-3),
            "detail": (f"adversarially trained linear SVM (n={s['ns'][-1]}): |w_weak|/|w| = "
                       f"{largest['adversarial']['weak_norm_fraction']:.2e} (standard training: "
                       f"{largest['standard']['weak_norm_fraction']:.3f}; tolerance {WEAK_TOL}), "
                       f"standard accuracy {largest['adversarial']['standard_accuracy']:.4f}, robust "
                       f"{largest['adversarial']['robust_accuracy']:.4f} (p={model.p})")},
        "pgd_reaches_exact": {
            "passed": all(r["samples_where_they_differ"] == 0 for r in pgd_rows)
            and all(r["exact_vs_closed_form"]["passed"] for r in pgd_rows),
            "detail": "; ".join(f"{r['training']} l_{r['attack']['constraint']}: {r['samples_where_they_differ']}"
                                f"/{r['n']} differ, max margin gap {r['max_margin_gap']:.1e}" for r in pgd_rows)},
        "converges_to_population": {
            # two errors, checked apart: the statistical one (exact SVM on the sample against the
            # population optimum) shrinks with n or is already 0, and the optimisation one (trained
            # against the exact SVM on the same sample) is below OPT_TOL at every n
            "passed": all((largest[k]["svm_distance_to_population"]
                           <= max(smallest[k]["svm_distance_to_population"], 1e-9))
                          for k in largest)
            and all(r["distance_to_svm"] < OPT_TOL for r in lin_rows if r["n"] != "population"),
            "detail": "; ".join(
                f"{k}: exact SVM to population {smallest[k]['svm_distance_to_population']:.3g} at n={s['ns'][0]} "
                f"-> {largest[k]['svm_distance_to_population']:.3g} at n={s['ns'][-1]}, trained to exact SVM <= "
                f"{max(r['distance_to_svm'] for r in lin_rows if r['training'] == k and r['n'] != 'population'):.3g}"
                for k in largest)},
    }
    arrays = {}  # the margins pgd_vs_exact scatters, saved in figure_data.npz
    for i, r in enumerate(pgd_rows):
        arrays[f"margins_exact_{i}"], arrays[f"margins_pgd_{i}"] = r.pop("_margins")
    reproduced = all(c["passed"] for c in checks.values())
    result = {
        "settings": {**s, "eps": eps, "threat": "l_inf, every coordinate", "eval_start_row": EVAL_START,
                     "alpha_each": alpha_each, "n_checks": n_checks},
        "results": {"linear": lin_rows, "pgd_vs_exact": pgd_rows, "mlp": mlp_rows},
        "checks": checks,
        "effect": {"reproduced": reproduced,
                   "detail": "; ".join(f"{k}: {'yes' if c['passed'] else 'NO'}" for k, c in checks.items())},
    }
    ctx.draw("toy", result, arrays)
    return result
