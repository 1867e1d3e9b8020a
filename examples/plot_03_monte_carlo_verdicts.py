"""
Monte Carlo checks: what PASS, INCONCLUSIVE and FAIL mean
=========================================================

Every closed form of robtheory is checked by sampling D(p, eta, d) itself: every coordinate of
every sample is drawn (a counter-based Philox stream, so ``(seed, start, n)`` names the samples
exactly) and a classifier's correct answers are counted. The count ``k`` out of ``n`` is tested
against the closed form with an exact binomial test at a stated false-alarm rate ``alpha``.

A test has three verdicts, not two:

* **FAIL** -- the test rejects: the count is incompatible with the closed form at level alpha;
* **PASS** -- it does not reject, *and* at this n it would have detected (with probability 1/2)
  every deviation at least as large as its *resolution*;
* **INCONCLUSIVE** -- it does not reject, but the sample is too small to have seen a deviation of
  the resolution: a test that could not fail is not a pass. The verdict names the n it would need.

``robtheory mc`` and ``robtheory verify`` print these verdicts (exit status 3 for INCONCLUSIVE).
"""

# %%
# Sampling one classifier next to its closed form
# -----------------------------------------------
from robtheory import ThreatModel, ToyModel
from robtheory.classifiers import bayes
from robtheory.mc import check_against_closed_form

model = ToyModel(0.9, 0.3, 20)
threat = ThreatModel("linf", 0.3)
res = check_against_closed_form(model, bayes(model), threat, n=200_000, seed=1, backend="numpy",
                                total_alpha=1e-3)
for kind in ("standard", "robust"):
    e = res[kind]
    a = e["agreement"]
    print(f"{kind:8s} estimate {e['estimate']:.5f}  closed form {e['analytic']:.5f}  "
          f"z = {a['z']:+.2f}  p-value {a['p_value']:.3f}  detects >= {a['min_detectable']:.4f}")
print("both agree at family-wise alpha 1e-3:", res["passed"])

# %%
# The three verdicts
# ------------------
# :func:`robtheory.stats.agreement_test` tests one count; :func:`robtheory.stats.proportion_resolution`
# says whether the test could have seen a deviation of the resolution; :func:`robtheory.stats.verdict`
# combines the two. The same true accuracy, 0.8, tested three ways at alpha = 1e-3 with a
# resolution of 0.005:
from robtheory.stats import agreement_test, proportion_resolution, verdict


def judge(count, n, p0, alpha=1e-3, resolution=0.005):
    test = agreement_test(count, n, p0, alpha)
    res = proportion_resolution(n, p0, alpha, resolution)
    v = verdict(rejected=not test.passed, resolved=res.resolved)
    need = f", would need n = {res.n_needed}" if v == "INCONCLUSIVE" else ""
    print(f"n = {n:>7}, k = {count:>7}, closed form {p0}: {v} (p-value {test.p_value:.2g}, "
          f"detects >= {res.min_detectable:.4f}){need}")
    return v


judge(400_000 * 8 // 10, 400_000, 0.8)      # a large sample that agrees: PASS
judge(80, 100, 0.8)                          # agrees, but 100 samples see nothing: INCONCLUSIVE
judge(400_000 * 79 // 100, 400_000, 0.8)     # a wrong closed form (truth 0.79): FAIL

# %%
# A negative control
# ------------------
# A check that cannot fail proves nothing. Each claim carries named negative controls: wrong
# formulas that its check must reject. Here the sampled accuracy of the Bayes rule is tested against
# a closed form shifted by four times the smallest deviation the test detects: it is rejected.
shift = 4 * res["standard"]["agreement"]["min_detectable"]
wrong = check_against_closed_form(model, bayes(model), threat, n=200_000, seed=1, backend="numpy",
                                  total_alpha=1e-3,
                                  analytic={"standard": res["standard"]["analytic"] - shift})
print("shifted closed form passes:", wrong["standard"]["agreement"]["passed"])

# %%
# How the estimates tighten with n
# --------------------------------
# The 95% Clopper-Pearson interval of the standard accuracy, from nested samples of the same stream.
import matplotlib.pyplot as plt
import numpy as np

from robtheory.mc import estimate_linear

ns = np.unique(np.logspace(2, 5.3, 12).astype(int))
est = [estimate_linear(model, bayes(model), None, n=int(n), seed=1, backend="numpy")["standard"] for n in ns]
fig, ax = plt.subplots(layout="constrained")
ax.fill_between(ns, [e["ci"][0] for e in est], [e["ci"][1] for e in est], alpha=0.3,
                label="95% Clopper-Pearson interval")
ax.semilogx(ns, [e["estimate"] for e in est], "o-", label="Monte Carlo estimate")
ax.axhline(est[0]["analytic"], color="k", ls="--", label="closed form")
ax.set_xlabel("samples $n$")
ax.set_ylabel("standard accuracy of the Bayes rule")
ax.legend(loc="lower right")
plt.show()
