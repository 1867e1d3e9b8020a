"""Finite-sample claims (issue 14, item 1): the difference-of-means learner's expected test accuracy
over training sets of size n, and the crossover n* of the paper's Fig. 1 in the toy model.

These are robtheory's own exact results in D(p, eta, d), not theorems of Tsipras et al.: the paper
shows Fig. 1 (adversarial training helps standard accuracy with little data and hurts with more)
on MNIST only. Each record has an analytic check, a Monte Carlo plan over training sets drawn from
the engine's stream (:func:`robtheory.mc.reference.sample_dataset`), and a proof script
(``proofs/finite_mean_learner.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from robtheory.claims.record import CheckResult, Claim, Point, _result
from robtheory.claims.records import CheckRecord, _mean_record
from robtheory.model import ToyModel

__all__ = ["MEAN_LEARNER_CURVE", "FINITE_CROSSOVER", "RECORDS", "TrainingSetRun", "TRIALS"]

#: Training sets per Monte Carlo run (each at every training-set size of the run).
TRIALS = 8000


@dataclass(frozen=True)
class TrainingSetRun:
    r"""Mean tests of expected test accuracies over training sets of the difference-of-means learner.

    The run's stream rows ``start ..`` are cut into :data:`TRIALS` consecutive disjoint training
    sets of ``max(ns)`` rows (each drawn by the engine, :func:`robtheory.mc.reference.sample_dataset`;
    the ``n``-sample set is the first ``n`` rows, nested as in :func:`robtheory.finite.learners.training_set`,
    whose 2**40-row trials would not fit in a claim's 64 runs). For each ``n``: the exact test
    accuracy of the standard mean learner and of the weak-features-dropped one, per training set;
    their means are tested (two-sided CLT z-test) against ``exact(n)`` and ``dropped(n)``.
    The verify ``--n`` does not apply: the sample size of these tests is :data:`TRIALS`.
    """

    label: str
    model: ToyModel
    ns: tuple[int, ...]
    #: sizes of the dropped learner's tests (its accuracy is p or 1 - p or 0 per set: at larger n almost
    #: always p, a mean without variation that no CLT test can judge)
    dropped_ns: tuple[int, ...] = (1, 3)
    exact: Any = None     # callable(model, ns) -> expected standard accuracy (negative controls replace it)
    dropped: Any = None   # callable(model, ns) -> expected accuracy of the dropped learner
    trials: int = TRIALS
    min_n: int = field(default=1, init=False)

    @property
    def n_tests(self) -> int:
        return len(self.ns) + len(self.dropped_ns)

    def run(self, n: int, seed: int, start: int, backend: str, alpha: float, *, resolution: float | None = None,
            mean_resolution: float | None = None) -> list[CheckRecord]:
        from robtheory.finite.mean_learner import dropped_learner_accuracy, mean_learner_accuracy
        from robtheory.mc.reference import sample_dataset
        from robtheory.theory.closed_form import accuracy_stats

        exact = self.exact or (lambda m, ns: mean_learner_accuracy(m, ns).accuracy)
        dropped = self.dropped or (lambda m, ns: dropped_learner_accuracy(m, ns).accuracy)
        ns = np.array(sorted(set(self.ns) | set(self.dropped_ns)))
        nmax = int(ns.max())
        X, y = sample_dataset(self.model, self.trials * nmax, seed, start=start)
        Z = (y[:, None] * X).reshape(self.trials, nmax, -1)
        W = np.cumsum(Z, axis=1)[:, ns - 1, :] / ns[None, :, None]      # (trials, len(ns), d + 1)
        a = W[..., 0]
        u = W[..., 1:]
        p, eta = self.model.p, self.model.eta
        std = accuracy_stats(p, eta, 0.0, a, 0.0, u.sum(-1), np.linalg.norm(u, axis=-1), np.abs(u).sum(-1))[0]
        drop = np.where(a > 0, p, np.where(a < 0, 1 - p, 0.0))
        out: list[CheckRecord] = []
        for values, ref, name in ((std, exact(self.model, ns), "standard"), (drop, dropped(self.model, ns), "dropped")):
            for j, nj in enumerate(ns):
                if nj not in (self.ns if name == "standard" else self.dropped_ns):
                    continue
                v = values[:, j]
                m, var = float(v.mean()), float(v.var(ddof=1))
                sd = math.sqrt(var)
                skew = float(((v - m) ** 3).mean() / sd**3) if sd > 0 else 0.0
                rec = _mean_record(self.label, f"E acc, {name} mean learner, n={nj}", m, var, skew, self.trials,
                                   float(ref[j]), alpha, mean_resolution)
                rec.update({"backend": "numpy", "start": int(start)})
                out.append(rec)
        return out


_CURVE_MODEL = ToyModel(0.9, 0.3, 10)


def _runs_curve(pt: Point) -> list[Any]:
    """The mean learner over training sets of sizes 1, 8 and 64 at ``pt``'s model (``eps`` unused: 0)."""
    return [TrainingSetRun(f"mean learner over training sets, {pt.model}", pt.model, (1, 8, 64))]


def _plan_curve() -> list[Any]:
    return _runs_curve(Point(_CURVE_MODEL.p, _CURVE_MODEL.eta, _CURVE_MODEL.d))


def _check_curve(claim: Claim) -> CheckResult:
    """The exact curve: its quadrature error is small, its n -> inf limit is the population mean
    learner's accuracy, and the second moment of Q^2 over the quadrature nodes is exact."""
    from robtheory.finite import mean_learner as ml
    from robtheory.theory.closed_form import linear_accuracy

    k = 0
    for p, eta, d, big in ((0.9, 0.3, 10, 10**5), (0.95, 0.3, 100, 10**4), (0.75, 0.5, 5, 10**4)):
        model = ToyModel(p, eta, d)
        r = ml.mean_learner_accuracy(model, [10, 1000, big])
        if r.quadrature_error.max() > 1e-9:
            return _result(False, k, f"quadrature error {r.quadrature_error.max():.2e} at {model}")
        pop = linear_accuracy(model, ml.population_mean_weights(model)).standard_accuracy
        if abs(r.accuracy[-1] - pop) > 100 / big:  # O(1/n) bias, constant 100
            return _result(False, k, f"n = {big} gives {r.accuracy[-1]:.6f}, the limit is {pop:.6f} at {model}")
        if d > 1:
            # E Q^2 = d eta^2 + d/n: the nodes reproduce the first moment of S^2/d + R/n exactly
            Z, R, W = ml._nodes(d, 16)
            n = 7
            S = d * eta + math.sqrt(d / n) * Z
            q2 = float((S * S / d + R / n) @ W)
            if abs(q2 - (d * eta * eta + d / n)) > 1e-10 * q2:
                return _result(False, k, f"E Q^2 = {q2} from the nodes, {d * eta * eta + d / n} exact")
        k += 1
    return _result(True, k, "quadrature errors <= 1e-9 at n >= 10; n = 1e4-1e5 within 100/n of the population mean "
                            "learner; E||w_weak||^2 = d eta^2 + d/n on the nodes")


def _check_crossover(claim: Claim) -> CheckResult:
    """n* by root finding is a crossover: Delta(n* - 1) <= 0 (unless n* = 1) and Delta > 0 on [n*, 3 n*];
    None iff the limit gap <= 0, and then Delta <= 0 on [1, 30]. (The unit tests compare with the
    definition on the full integer grid.)"""
    from robtheory.finite.learning_curve import accuracy_gap, crossover_exact

    k = 0
    found = []
    for p, eta, d in ((0.9, 0.3, 10), (0.95, 0.3, 100), (0.99, 0.2, 50)):
        model = ToyModel(p, eta, d)
        c = crossover_exact(model)
        if c.n_star is None:
            ok = c.limit_gap <= 0 and bool(np.all(accuracy_gap(model, np.arange(1, 31)) <= 0))
        else:
            gap = accuracy_gap(model, np.arange(max(c.n_star - 1, 1), 3 * c.n_star + 1))
            ok = c.limit_gap > 0 and bool(np.all(gap[1:] > 0 if c.n_star > 1 else gap > 0)) \
                and (c.n_star == 1 or gap[0] <= 0)
        if not ok:
            return _result(False, k, f"root finding n* = {c.n_star} is not the crossover at {model}")
        found.append(f"{model.p:g}/{model.eta:g}/{model.d}: {c.n_star}")
        k += 1
    return _result(True, k, "n* (p/eta/d) " + "; ".join(found))


MEAN_LEARNER_CURVE = Claim(
    "mean_learner_curve", "Exact learning curve of the difference-of-means learner (robtheory's result)",
    "derived here (finite-sample theory of the toy model, Sec. 2.1); context: Fig. 1",
    "For w = (1/n) sum y_i x_i trained on n samples of D(p, eta, d): w1 = 2K/n - 1 with K ~ Bin(n, p), "
    "S = sum w_weak ~ N(d eta, d/n), n(||w_weak||^2 - S^2/d) ~ chi^2_{d-1} independent of S and K, and "
    "E acc = sum_K Bin(K) E[p Phi((a_K + eta S)/Q) + (1-p) Phi((eta S - a_K)/Q)].",
    lambda pt: pt.eps == 0 and pt.p > 0.5, _check_curve,
    notes="Not a result of Tsipras et al.: an exact finite-sample counterpart of their Fig. 1 in the toy model. "
          "The Monte Carlo tests use 8000 training sets per run (verify's --n does not apply).",
    mc_plan=_plan_curve, mc_at=_runs_curve, stream_block=17, proofs=("finite_mean_learner",),
    campaign=(Point(_CURVE_MODEL.p, _CURVE_MODEL.eta, _CURVE_MODEL.d), Point(0.75, 0.5, 5), Point(0.95, 0.3, 100)),
    controls={"run": TrainingSetRun})

FINITE_CROSSOVER = Claim(
    "finite_crossover", "Crossover n*: standard training overtakes weak-features-dropped training",
    "derived here; the toy-model counterpart of Fig. 1 (MNIST)",
    "For the mean learner, Delta(n) = E acc(standard) - E acc(weak features dropped) is negative at small n "
    "when p beats the standard learner's small-n accuracy and positive for every n >= n* iff the population mean "
    "learner's accuracy exceeds p; n* by root finding on the exact Delta equals its definition on the integer grid.",
    lambda pt: pt.eps == 0 and pt.p > 0.5, _check_crossover,
    notes="The dropped learner is the n -> inf limit of l_inf adversarial training of the mean learner at "
          "eps_train >= eta (soft threshold); at finite n the soft-thresholded learner itself does not beat "
          "standard training in the toy runs (robtheory learning-curve).",
    stream_block=18, proofs=("finite_mean_learner",))

#: The records of this family.
RECORDS = (MEAN_LEARNER_CURVE, FINITE_CROSSOVER)
