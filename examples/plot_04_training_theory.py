"""
The training theory: what adversarial training learns
=====================================================

Theorem 2.2 of the paper is about *training*: the soft-margin SVM
``J(w) = E max(0, 1 - y w.x) + lam/2 |w|^2``, trained on D(p, eta, d), uses the weak features;
trained adversarially (the loss of the worst x + delta in an l_inf ball of radius eps_train >=
2 eta) it drops them. robtheory solves these population problems exactly: by Lemma D.1 the
weak weights are equal at the optimum, so the problem is two-dimensional in ``(w1, v)`` (``v`` the
weight on ``z = d^{-1/2} sum x_i``), and :func:`robtheory.training.solve` returns the global
minimiser with a certificate (``distance_bound``) of how far the true optimum can be.
``robtheory svm`` prints the same numbers.
"""

# %%
# Standard and adversarial training
# ---------------------------------
from robtheory import ThreatModel, ToyModel, linear_accuracy
from robtheory.training import Objective, solve

model = ToyModel(0.95, 0.4, 100)
lam = 0.1
for eps_train in (0.0, 0.2, 0.8):
    threat = ThreatModel("linf", eps_train) if eps_train else None
    opt = solve(Objective(model, lam, threat))
    acc = linear_accuracy(model, opt.classifier(), ThreatModel("linf", 0.8))
    print(f"eps_train = {eps_train:3.1f}: w1* = {opt.w1:.4f}, v* = {opt.v:.4f} "
          f"(certified to {opt.distance_bound:.1e}); standard accuracy {acc.standard_accuracy:.4f}, "
          f"robust accuracy at eps = 0.8: {acc.robust_accuracy:.4f}")

# %%
# When are the weak features dropped?
# -----------------------------------
# The paper asks for eps_train >= 2 eta. The exact answer is earlier:
# :func:`robtheory.training.weak_feature_threshold` is the radius from which on the weak weight is
# 0 (here below eta, the radius from which Lemma D.5's argument applies). Past eps_train = 2p - 1
# the optimum is w = 0 (the corrected hypothesis of Theorem 2.2 (2), see the theory page).
import matplotlib.pyplot as plt
import numpy as np

from robtheory.training import weak_feature_threshold

t = weak_feature_threshold(model, lam)
print(f"weak features dropped from eps_train = {t:.6f} on (eta = {model.eta}, 2 eta = {2 * model.eta})")

eps_grid = np.linspace(0.0, 0.95, 20)
opts = [solve(Objective(model, lam, ThreatModel("linf", float(e)) if e else None)) for e in eps_grid]
fig, ax = plt.subplots(layout="constrained")
ax.plot(eps_grid, [o.w1 for o in opts], "o-", ms=3, label=r"$w_1^*$ (weight on $x_1$)")
ax.plot(eps_grid, [o.v for o in opts], "s-", ms=3, label=r"$v^*$ (weight on the weak features)")
ax.axvline(t, color="k", ls=":", label="weak features dropped from here")
ax.axvline(2 * model.eta, color="grey", ls="--", label=r"$\varepsilon_{train} = 2\eta$ (the paper)")
ax.set_xlabel(r"training radius $\varepsilon_{train}$ ($\ell_\infty$)")
ax.set_ylabel("optimal weight")
ax.set_title(rf"population hinge SVM, $p = {model.p}$, $\eta = {model.eta}$, $d = {model.d}$, $\lambda = {lam}$")
ax.legend(loc="upper left", fontsize="small")
plt.show()

# %%
# A finite sample
# ---------------
# :func:`robtheory.training.fit_svm` trains the same SVM on a finite sample, to a certified
# duality gap. With enough data its weights approach the population optimum.
from robtheory.mc.reference import sample_dataset
from robtheory.training import fit_svm

X, y = sample_dataset(model, 2000, seed=3)
fit = fit_svm(X, y, lam, ThreatModel("linf", 0.8))
print(f"finite sample (n = 2000): w1 = {fit.w[0]:.4f}, largest |weak weight| = {np.max(np.abs(fit.w[1:])):.2e}, "
      f"duality gap {fit.gap:.1e}")
pop = solve(Objective(model, lam, ThreatModel("linf", 0.8)))
print(f"population optimum:       w1 = {pop.w1:.4f}, v = {pop.v:.1f}")
