"""
Your own parameters: accuracies, a frontier, a phase diagram
============================================================

Everything ``robtheory accuracy``, ``robtheory frontier`` and ``robtheory phase`` print is a
library call. This example evaluates one classifier at parameters of your choice, draws the
trade-off frontier, computes a small phase diagram, saves it as ``phase.nc`` and draws it again
from the saved file, without recomputing anything.
"""

# %%
# One classifier, exact accuracies
# --------------------------------
# A classifier is ``sign(w . x + b)``: pass a classifier object, a weight vector of length d + 1
# (``w[0]`` is the weight on x1) or a pair ``(w, b)``. Error rates are exact, not ``1 - accuracy``:
# at mu = eta sqrt(d) = 40 the standard error rate is exp(-804.6), far below what a float can
# hold as ``1 - accuracy``.
import numpy as np

from robtheory import ThreatModel, ToyModel, bayes_accuracy, linear_accuracy
from robtheory.classifiers import averaging

model = ToyModel(p=0.95, eta=0.3, d=100)
threat = ThreatModel("linf", 0.6)
print(linear_accuracy(model, averaging(100), threat))
w = np.r_[0.5, np.full(100, 0.1)]
print(linear_accuracy(model, (w, -0.2), threat).robust_accuracy)
print(bayes_accuracy(model).standard_accuracy)
print(bayes_accuracy(ToyModel(0.95, 4.0, 100)).log_standard_error_rate)

# %%
# The trade-off frontier
# ----------------------
# :func:`robtheory.theory.frontier.frontier` returns the best robust accuracy reachable at each
# standard accuracy, over all classifiers (``family="all"``, exact at eps = 2 eta) or over linear
# ones. ``robtheory frontier --p 0.95 --eta 0.3 --d 100`` computes the same curve.
import matplotlib.pyplot as plt

from robtheory.theory.frontier import frontier

front = frontier(model, threat, family="all", n=61)
linear = frontier(model, threat, family="linear-unbiased", n=61)
fig, ax = plt.subplots(layout="constrained")
ax.plot(front.standard_accuracy, front.robust_accuracy, label="all classifiers (exact)")
ax.plot(linear.standard_accuracy, linear.robust_accuracy, "--", label="linear, no bias")
ax.set_xlabel("standard accuracy")
ax.set_ylabel(r"robust accuracy ($\ell_\infty$, $\varepsilon = 0.6$)")
ax.set_title(r"$p = 0.95$, $\eta = 0.3$, $d = 100$")
ax.legend(loc="lower left")
plt.show()

# %%
# A phase diagram
# ---------------
# :func:`robtheory.phase.phase_grid` evaluates the closed forms over a grid of parameters and
# returns an ``xarray.Dataset`` (the grid of ``robtheory phase``). Here mu = eta sqrt(d) against
# eps / eta, at p = 0.95 and d = 100.
from robtheory.phase import phase_grid

ds = phase_grid([0.95], [100], mu=np.linspace(0.5, 8, 24), eps_over_eta=np.linspace(0, 3, 25))
print(ds)

# %%
# Save it, then draw it again from the file
# -----------------------------------------
# :func:`robtheory.phase.save` writes ``phase.nc`` (netCDF) and ``phase.csv``: the files
# ``robtheory phase --out DIR`` writes. Any saved grid can be opened with xarray and drawn again,
# without recomputing (``robtheory`` commands that redraw saved results do the same).
import tempfile
from pathlib import Path

import xarray as xr

from robtheory.phase import save

out = Path(tempfile.mkdtemp())
paths = save(ds, out)
print(sorted(p.name for p in out.iterdir()))

with xr.open_dataset(paths["netcdf"], engine="scipy") as saved:
    robust = saved["averaging_robust"].squeeze(drop=True)
    fig, ax = plt.subplots(layout="constrained")
    mesh = ax.pcolormesh(robust["eps_over_eta"], robust["mu"], robust.values, shading="nearest", vmin=0, vmax=1)
    fig.colorbar(mesh, ax=ax, label="robust accuracy of the averaging classifier")
    ax.axvline(2.0, color="w", ls="--", lw=1)
    ax.text(2.05, 7.5, r"$\varepsilon = 2\eta$", color="w")
    ax.set_xlabel(r"$\varepsilon / \eta$")
    ax.set_ylabel(r"$\mu = \eta\sqrt{d}$")
    ax.set_title("redrawn from phase.nc")
plt.show()
