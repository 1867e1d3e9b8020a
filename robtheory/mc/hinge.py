r"""Monte Carlo estimates of the population hinge losses and their gradients (NumPy oracle).

For a linear classifier :math:`f(x) = w^Tx + b` and a norm ball of radius
:math:`\varepsilon` (or none), the inner maximisation of the adversarial hinge loss is
exact:

.. math::

    \ell_i = \max_{\lVert\delta\rVert\le\varepsilon}\max(0, 1 - y_i(w^T(x_i+\delta)+b))
           = \max(0,\; 1 - y_i(w^Tx_i + b) + \varepsilon\lVert w_P\rVert_*),

with :math:`w_P` the perturbable coordinates (all, or the weak ones when x1 is fixed) and
:math:`\lVert\cdot\rVert_*` the dual norm (l1 for l_inf, l2 for l_2). By Danskin's theorem
its gradient at a sample is

.. math::

    \nabla_w \ell_i = \mathbb 1[\ell_i > 0]\,(-y_i x_i + \varepsilon\,\partial\lVert w_P\rVert_*),
    \qquad \partial_b \ell_i = -\mathbb 1[\ell_i > 0]\, y_i,

with :math:`\partial\lVert u\rVert_1 = \mathrm{sign}(u)` (weights must be non-zero there) and
:math:`\partial\lVert u\rVert_2 = u/\lVert u\rVert_2`. Since the weak features are Gaussian
the kink :math:`\ell_i = 0` has probability zero, so the mean of the per-sample gradients
estimates the gradient of the population loss.

Every coordinate of every sample is drawn from the Philox stream of
:mod:`robtheory.mc.reference` (so ``(seed, start, n)`` names the samples and chunking
does not change them); means and variances are accumulated per chunk and merged with
Chan's pairwise update, so memory is flat in n.

The closed forms (:func:`robtheory.theory.closed_form.hinge_loss`, :func:`~robtheory.theory.closed_form.
hinge_gradient`) are tested by a CLT z-test per quantity,

.. math:: z = \frac{\bar\ell - L}{\sqrt{s^2/n}}, \qquad \text{fail iff } |z| > z_{1-\alpha/2},

with :math:`s^2` the sample variance and :math:`\alpha` the family-wise false-alarm rate
split (Bonferroni) over the loss and the :math:`d + 2` gradient components. The tolerance
:math:`z_{1-\alpha/2}\, s/\sqrt n` is reported as each test's ``min_detectable`` (the
deviation detected with probability 1/2). The test is asymptotic (CLT); the hinge loss and
its gradient have Gaussian tails, so at :math:`n \ge 10^4` it is accurate.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.special import ndtr

from robtheory import stats
from robtheory.classifiers import dual_norm_penalty, dual_norm_penalty_gradient
from robtheory.model import ThreatModel, ToyModel
from robtheory.stats.moments import chunk_moments, mean_z, merge_moments
from robtheory.mc import reference as ref

__all__ = ["check_hinge", "closed_form_hinge", "estimate_hinge"]


def estimate_hinge(
    model: ToyModel,
    clf: Any,
    threat: ThreatModel | None = None,
    n: int = 10**6,
    seed: int = 0,
    *,
    start: int = 0,
    chunk: int | None = None,
) -> dict:
    """Sample means and variances of the (adversarial) hinge loss and its gradient.

    Parameters
    ----------
    model : ToyModel
    clf : LinearClassifier, StructuredLinear or (w, b)
        Weights must be non-zero on the perturbable coordinates for an l_inf threat.
    threat : ThreatModel or None
        None: the standard hinge loss.
    n : int, >= 2
    seed : int, in [0, 2**64)
    start, chunk
        As in :func:`robtheory.mc.reference.linear_counts`; the samples do not depend on
        ``chunk`` (the merged moments agree to rounding).

    Returns
    -------
    dict
        ``n``; ``loss`` and ``grad`` as ``{"mean", "var"}`` (``grad`` arrays of length
        ``d + 2``: ``w[0]`` (x1), ``w[1:]`` (weak), then ``b``); ``var`` is the unbiased
        sample variance of one sample's value.
    """
    if not isinstance(model, ToyModel):
        raise ValueError(f"model must be a ToyModel, got {model!r}")  # noqa: TRY004 (module convention)
    n, start = ref.check_n_start(n, start)
    if n < 2:
        raise ValueError(f"n must be >= 2 for a sample variance, got n={n}")
    w, b = ref.linear_weights(model, clf)
    pen, dgrad = dual_norm_penalty(w, threat), dual_norm_penalty_gradient(w, threat)
    acc = None
    for _, y, X in ref.iter_chunks(model, seed, n, start=start, chunk=chunk):
        slack = 1.0 - y * (X @ w + b) + pen
        active = slack > 0
        loss = np.where(active, slack, 0.0)
        # per-sample gradient: active * (-y x + eps d||w||*), and -active * y for b
        G = np.empty((y.size, w.size + 2))
        G[:, 0] = loss
        G[:, 1:-1] = (-y[:, None] * X + dgrad[None, :]) * active[:, None]
        G[:, -1] = -y * active
        acc = merge_moments(acc, chunk_moments(G, third=False))
    assert acc is not None  # n >= 1: at least one chunk
    var = acc["m2"] / (n - 1)
    return {"n": n, "seed": ref.check_seed(seed), "start": start,
            "loss": {"mean": float(acc["mean"][0]), "var": float(var[0])},
            "grad": {"mean": acc["mean"][1:], "var": var[1:]}}


def closed_form_hinge(model: ToyModel, clf: Any, threat: ThreatModel | None = None) -> tuple[float, np.ndarray]:
    r"""Closed-form loss and full gradient ``(d/dw_0, d/dw_1.., d/db)`` by the chain rule.

    :func:`robtheory.theory.closed_form.hinge_gradient` differentiates w.r.t. the summary
    statistics :math:`(a, b, S, Q, U_1)`; per weak weight
    :math:`\partial/\partial u_i = g_S + g_Q u_i/Q + g_{U_1}\mathrm{sign}(u_i)`.
    """
    from robtheory.classifiers import LinearClassifier
    from robtheory.theory.closed_form import hinge_gradient, hinge_loss

    w, b = ref.linear_weights(model, clf)
    lin = LinearClassifier(w, b)
    loss = hinge_loss(model, lin, threat)
    g = hinge_gradient(model, lin, threat)
    u = w[1:]
    Q = float(np.sqrt(np.sum(u * u)))
    gu = g["S"] + (g["Q"] * u / Q if Q > 0 else 0.0) + g["U1"] * np.sign(u)
    return loss, np.concatenate([[g["a"]], gu, [g["b"]]])


def _z_record(name: str, mean: float, var: float, n: int, analytic: float, alpha: float) -> dict:
    se = math.sqrt(max(var, 0.0) / n)
    zcrit = float(stats.two_sided_z(alpha))
    z = mean_z(mean, se, analytic)  # a constant quantity (a gradient 0 on every sample): 0 or +-inf
    p_value = float(2 * ndtr(-abs(z)))
    return {"quantity": name, "estimate": float(mean), "analytic": float(analytic), "std_error": se,
            "ci": [float(mean - 1.959963984540054 * se), float(mean + 1.959963984540054 * se)],
            "z": float(z), "p_value": p_value, "alpha": alpha, "passed": p_value > alpha,
            "min_detectable": zcrit * se, "n": n}


def check_hinge(
    model: ToyModel,
    clf: Any,
    threat: ThreatModel | None = None,
    n: int = 10**6,
    seed: int = 0,
    *,
    total_alpha: float = 1e-6,
    analytic: dict | None = None,
    start: int = 0,
    chunk: int | None = None,
) -> dict:
    """Test the closed-form hinge loss and gradient against :func:`estimate_hinge`.

    ``d + 3`` z-tests (the loss, ``d + 1`` weight components, the bias) share
    ``total_alpha`` (Bonferroni). ``analytic`` may override ``{"loss": value,
    "grad": array}`` to test deliberately wrong formulas (negative controls).

    Returns
    -------
    dict
        ``loss``: one test record; ``grad``: a list of records (``w0``, ``w1``.., ``b``);
        ``passed``, ``n``, ``total_alpha``, ``alpha_per_check``. Each record has
        ``estimate``, ``analytic``, ``std_error``, ``ci`` (95 %), ``z``, ``p_value``,
        ``passed`` and ``min_detectable``.
    """
    loss_cf, grad_cf = closed_form_hinge(model, clf, threat)
    if analytic is not None:
        loss_cf = float(analytic.get("loss", loss_cf))
        grad_cf = np.asarray(analytic.get("grad", grad_cf), dtype=float)
    est = estimate_hinge(model, clf, threat, n, seed, start=start, chunk=chunk)
    m = model.d + 3
    alpha = stats.familywise_alpha(total_alpha, m)
    names = [f"w{k}" for k in range(model.d + 1)] + ["b"]
    loss = _z_record("loss", est["loss"]["mean"], est["loss"]["var"], n, loss_cf, alpha)
    grad = [_z_record(f"grad_{nm}", float(est["grad"]["mean"][k]), float(est["grad"]["var"][k]), n,
                      float(grad_cf[k]), alpha) for k, nm in enumerate(names)]
    return {"loss": loss, "grad": grad, "passed": loss["passed"] and all(g["passed"] for g in grad),
            "n": n, "total_alpha": float(total_alpha), "alpha_per_check": alpha}
