"""
The paper's theory in ten minutes
=================================

Tsipras et al. (2019) study a toy distribution D(p, eta, d): a label y uniform on {-1, +1}, one
*robust* feature x1 that equals y with probability p, and d *weak* features x2..x_{d+1}, each
N(eta y, 1). Their results say that on this distribution a classifier cannot be both accurate and
robust. robtheory states every result as one *claim* (a record with its hypotheses, an analytic
check against closed forms, Monte Carlo runs and proofs) and checks it.

This example runs the analytic column of the quick claims, one Monte Carlo check at a small
sample size, and draws Theorem 2.1 from the closed forms. ``robtheory verify`` runs all of it at
full strength (every claim, 10^6 samples per Monte Carlo run, the proofs) in about a minute.
"""

# %%
# The claims
# ----------
# The registry holds one record per statement of the paper.
from robtheory.claims import REGISTRY, get

for claim in REGISTRY:
    print(f"{claim.name:20s} {claim.reference}")

# %%
# Their analytic verdicts
# -----------------------
# :func:`robtheory.claims.verify.verify` checks the selected claims against the closed forms over
# a shared grid of parameter points. Here the claims whose analytic check takes under a second
# (``robtheory verify`` checks all sixteen).
from robtheory.claims.verify import verify

quick = ["claim_a", "claim_b", "theorem_2_2_part1", "theorem_2_2_part2", "lemma_d3", "lemma_d4",
         "bayes_optimality", "tightness"]
result = verify([get(name) for name in quick])
for row in result.rows:
    print(f"{row.name:20s} {'PASS' if row.analytic.passed else 'FAIL'}  {row.analytic.detail[:70]}")
print("overall:", result.verdict)

# %%
# A Monte Carlo column at a quick sample size
# -------------------------------------------
# The same claims can be checked by sampling. At 20,000 samples per run the tests are weak, so some
# are INCONCLUSIVE rather than PASS: the sample could not have detected a deviation of the default
# resolution (see the Monte Carlo example).
from robtheory.claims.mc_column import MonteCarloColumn

mc = MonteCarloColumn([get("claim_a")], n=20_000, seed=0, backend="numpy")
sampled = verify([get("claim_a")], mc=mc)
print(sampled.rows[0].name, sampled.verdict)

# %%
# Theorem 2.1: accuracy costs robustness
# --------------------------------------
# For eps >= 2 eta every classifier with standard error rate delta has robust accuracy at most
# p/(1 - p) * delta. Below: the averaging classifier ``sign(sum_i x_i)`` (accurate, not robust) and
# ``sign(x1)`` (robust, accuracy p), against the bound, as d grows.
import matplotlib.pyplot as plt
import numpy as np

from robtheory import ThreatModel, ToyModel, linear_accuracy, theorem_2_1_bound
from robtheory.classifiers import averaging, robust_x1

p, eta = 0.95, 0.1
threat = ThreatModel("linf", 2 * eta)
ds = np.unique(np.logspace(0, 4, 40).astype(int))
std, rob, bound = [], [], []
for d in ds:
    acc = linear_accuracy(ToyModel(p, eta, int(d)), averaging(int(d)), threat)
    std.append(acc.standard_accuracy)
    rob.append(acc.robust_accuracy)
    bound.append(float(theorem_2_1_bound(p, error_rate=acc.standard_error_rate)))
x1 = linear_accuracy(ToyModel(p, eta, 10), robust_x1(10), threat)

fig, ax = plt.subplots(layout="constrained")
ax.semilogx(ds, std, label="averaging: standard accuracy")
ax.semilogx(ds, rob, label="averaging: robust accuracy")
ax.semilogx(ds, np.minimum(bound, 1), "k--", label="Theorem 2.1 bound on any robust accuracy")
ax.axhline(x1.robust_accuracy, color="C2", label=r"sign$(x_1)$: robust accuracy $= p$")
ax.set_xlabel("number of weak features $d$")
ax.set_ylabel("accuracy")
ax.set_title(rf"$p = {p}$, $\eta = {eta}$, $\ell_\infty$ ball $\varepsilon = 2\eta$")
fig.legend(loc="outside lower center", ncols=2, fontsize="small")
plt.show()
