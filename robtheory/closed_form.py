"""Closed-form accuracies, losses and optima, evaluated from the generated code.

Every formula here is evaluated by a function of :mod:`robtheory._generated`, which is
printed from the sympy derivations of :mod:`robtheory.symbolic` (nothing is re-typed).
Functions whose names end in ``_stats`` are vectorised: they broadcast NumPy arrays of
parameters. Error rates are computed as complementary sums and in log space, so an
accuracy that rounds to 1.0 still reports its true error rate (e.g. ``1e-300``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from . import _generated as G
from . import _special as _sp
from .classifiers import (
    ConstantClassifier,
    LinearClassifier,
    LinearStats,
    RoundedClassifier,
    StructuredLinear,
    averaging,
    bayes,
    robust_x1,
)
from .model import ThreatModel, ToyModel

__all__ = [
    "log_accuracy_stats",
    "Accuracy",
    "variant",
    "accuracy_stats",
    "linear_accuracy",
    "bayes_accuracy",
    "theorem_2_1_bound",
    "optimal_robust_accuracy",
    "robust_optimal_linear",
    "hinge_loss",
    "hinge_gradient",
]


def variant(threat: ThreatModel | None) -> str:
    """Name of the generated-function family for a threat model (``standard`` if None)."""
    if threat is None:
        return "standard"
    return f"{threat.norm}_{'full' if threat.perturb_x1 else 'weak'}"


def accuracy_stats(p, eta, eps, a, b, S, Q, U1, kind: str = "standard"):
    """Vectorised accuracy, error rate and log error rate from summary statistics.

    Parameters
    ----------
    p, eta, eps, a, b, S, Q, U1 : array_like
        Model parameters and classifier statistics (broadcast together).
    kind : {"standard", "linf_full", "linf_weak", "l2_full", "l2_weak"}

    Returns
    -------
    accuracy, error_rate, log_error_rate : ndarray
        The error rate and its log are accurate relative to themselves at both ends: where the
        accuracy is at least 1/2 they come from the generated complementary sum (a log-sum-exp
        of ``log_ndtr`` terms, exact when the accuracy rounds to 1); below 1/2 from
        ``log1p(-accuracy)`` and ``1 - accuracy`` (the log-sum-exp of logs next to 0 is only
        absolutely accurate there: it would give ``log 1 = 0`` for an accuracy of 1e-33).

    Notes
    -----
    The statistics ``(a, b, S, Q, U1)`` enter only through the scale-invariant sign of
    ``w.x + b``, so at points where they are beyond ``2**±256`` they are first multiplied by a
    common power of two (:func:`robtheory._special.rescale_statistics`): weights of 1e300 or
    1e-300 give the same accuracies as weights of 1.
    """
    if kind not in ("standard", "linf_full", "linf_weak", "l2_full", "l2_weak"):
        raise ValueError(f"unknown accuracy kind {kind!r}")
    args = [np.asarray(x, dtype=float) for x in (p, eta, eps, a, b, S, Q, U1)]
    args[3:] = _sp.rescale_statistics(*args[3:])
    # The four-case sums can land an ulp outside [0, 1] (or log 1 = 0): clip that rounding.
    acc = np.clip(getattr(G, f"accuracy_{kind}")(*args), 0.0, 1.0)
    log_err = np.minimum(getattr(G, f"log_error_{kind}")(*args), 0.0)
    err = np.exp(log_err)
    small = acc < 0.5
    if np.any(small):
        with np.errstate(divide="ignore"):  # log1p(-1) where acc = 1 is not selected
            log_err = np.where(small, np.log1p(-acc), log_err)
        err = np.where(small, 1.0 - acc, err)
    return acc, err, log_err


def log_accuracy_stats(p, eta, eps, a, b, S, Q, U1, kind: str = "standard"):
    """Natural log of the (robust) accuracy of ``sign(w.x + b)``, finite where the accuracy underflows.

    The accuracy of ``(a, b, u)`` against a ball of radius ``eps`` is a sum of
    :math:`P_{>}(m_k, Q)` with margins :math:`m_k = a s_1 + y b + \\eta S - \\varepsilon\\lVert w\\rVert_*`;
    the error rate of ``(-a, -b, -u)`` at radius ``-eps`` is the same sum of :math:`P_{\\le}(-m_k, Q)`
    (the dual norm does not see the sign of ``w``), and :math:`P_{\\le}(-m, Q) = P_{>}(m, Q)` when
    ``Q > 0``. So the generated log error rate evaluated there is the log accuracy, exact in
    the tail. Where ``Q = 0`` (no weak weight: the accuracy is a sum of indicators, never tiny)
    it is ``log`` of the accuracy.
    """
    acc = accuracy_stats(p, eta, eps, a, b, S, Q, U1, kind)[0]
    neg = [-np.asarray(x, dtype=float) for x in (eps, a, b, S)]
    args = [np.asarray(x, dtype=float) for x in (p, eta)]
    log_tail = np.minimum(getattr(G, f"log_error_{kind}")(*args, *neg, np.asarray(Q, float), np.asarray(U1, float)), 0.0)
    with np.errstate(divide="ignore"):
        log_direct = np.log(acc)
    return np.where(np.asarray(Q) > 0, log_tail, log_direct)


@dataclass(frozen=True)
class Accuracy:
    """Standard and robust accuracy of one classifier, with exact error rates."""

    standard_accuracy: float
    robust_accuracy: float
    standard_error_rate: float
    robust_error_rate: float
    log_standard_error_rate: float
    log_robust_error_rate: float

    def to_dict(self) -> dict:
        return {k: float(v) for k, v in asdict(self).items()}


def _stats_of(clf, model: ToyModel) -> LinearStats:
    if isinstance(clf, RoundedClassifier):
        raise TypeError("RoundedClassifier is not linear; use rounded_accuracy")
    return clf.stats(model)


def _direction_stats_of(clf, model: ToyModel) -> LinearStats:
    """The statistics of ``clf``, or of ``clf`` scaled by a power of two where they overflow.

    Weights near the largest double have sums (S, U1) or a norm (Q) beyond it; the accuracy
    depends on ``(w, b)`` only up to a positive factor, so it is that of the scaled copy whose
    largest weight lies in [1/2, 1).
    """
    st = _stats_of(clf, model)
    if all(math.isfinite(v) for v in (st.a, st.b, st.S, st.Q, st.U1)):
        return st
    if isinstance(clf, LinearClassifier):
        e = math.frexp(max(float(np.max(np.abs(clf.w))), abs(clf.b)))[1]
        return LinearClassifier(np.ldexp(clf.w, -e), math.ldexp(clf.b, -e)).stats(model)
    if isinstance(clf, StructuredLinear):
        e = math.frexp(max(abs(clf.a), abs(clf.c), abs(clf.b)))[1]
        return StructuredLinear(math.ldexp(clf.a, -e), math.ldexp(clf.c, -e), clf.d,
                                math.ldexp(clf.b, -e)).stats(model)
    return st  # pragma: no cover - every classifier with weights is one of the two


def linear_accuracy(model: ToyModel, clf, threat: ThreatModel | None = None) -> Accuracy:
    """Standard accuracy of ``clf`` and its robust accuracy under ``threat``.

    Without a threat model the robust columns equal the standard ones (eps = 0).

    .. math::

        \\mathrm{Rob}(w,b;\\varepsilon) = \\tfrac12\\sum_{y=\\pm1}\\Big[
            p\\,P_{>}(a + yb + \\eta S - \\varepsilon\\lVert w\\rVert_*, Q)
          + (1-p)\\,P_{>}(-a + yb + \\eta S - \\varepsilon\\lVert w\\rVert_*, Q)\\Big]

    The accuracy does not change when ``(w, b)`` is scaled by a positive factor, and neither
    does what this returns: weights of any finite size are handled (see :func:`accuracy_stats`).
    """
    st = _direction_stats_of(clf, model)
    common = (model.p, model.eta)
    sa, se, sl = accuracy_stats(*common, 0.0, st.a, st.b, st.S, st.Q, st.U1, "standard")
    if threat is None:
        ra, re, rl = sa, se, sl
    else:
        ra, re, rl = accuracy_stats(*common, threat.eps, st.a, st.b, st.S, st.Q, st.U1, variant(threat))
    return Accuracy(float(sa), float(ra), float(se), float(re), float(sl), float(rl))


def rounded_accuracy(model: ToyModel, clf: RoundedClassifier, threat: ThreatModel | None = None) -> Accuracy:
    """Accuracy of ``sign(tau sign(x1) + s(x))`` for l_inf or l_2 balls of radius < 1.

    A perturbation of size < 1 cannot change ``sign(x1)``, so the robust accuracy is that
    of the linear ``f_tau`` against the weak-only adversary of the same norm.
    """
    lin = clf.as_linear()
    if threat is None:
        return linear_accuracy(model, lin)
    if threat.perturb_x1 and threat.eps >= 1:
        raise ValueError(f"rounded classifiers are analysed for eps < 1 only, got eps={threat.eps!r}")
    return linear_accuracy(model, lin, ThreatModel.weak_only(threat.norm, threat.eps))


def bayes_accuracy(model: ToyModel) -> Accuracy:
    """:math:`A_B(p,\\mu) = p\\Phi(\\mu + L/(2\\mu)) + (1-p)\\Phi(\\mu - L/(2\\mu))` (spec §3.3)."""
    return linear_accuracy(model, bayes(model))


def theorem_2_1_bound(p, standard_accuracy=None, *, error_rate=None):
    """Theorem 2.1: :math:`\\mathrm{acc}_\\varepsilon \\le \\frac{p}{1-p}\\delta` for eps >= 2 eta,
    :math:`\\delta = 1 - \\mathrm{acc}` the standard error rate.

    Pass the exact ``error_rate`` wherever it is known (``accuracy_stats`` returns it): the bound
    computed from a rounded accuracy as ``1 - acc`` loses every digit once delta < 1e-16 and is 0
    below that, exactly where the theorem says the most. Give one of the two.
    """
    if (standard_accuracy is None) == (error_rate is None):
        raise ValueError("give exactly one of standard_accuracy and error_rate")
    p = np.asarray(p, dtype=float)
    delta = (1 - np.asarray(standard_accuracy, dtype=float) if error_rate is None
             else np.asarray(error_rate, dtype=float))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(p < 1, p / (1 - p) * delta, np.inf)


@dataclass(frozen=True)
class Optimum:
    """An optimal classifier and the accuracy it attains."""

    classifier: object
    value: float
    description: str


def _shifted(model: ToyModel, shift_per_coordinate: float) -> ToyModel:
    return ToyModel(model.p, max(model.eta - shift_per_coordinate, 0.0), model.d)


def optimal_robust_accuracy(model: ToyModel, threat: ThreatModel) -> Optimum:
    """:math:`A^*_{rob}(\\varepsilon)` over all measurable classifiers, and a classifier attaining it.

    l_inf (spec §3.8): for :math:`\\varepsilon < \\min(\\eta, 1)` the Bayes accuracy of the
    shifted model D(p, eta - eps, d), attained by the rounded rule with
    :math:`\\tau = L/(2\\mu_\\varepsilon)`; ``p`` for :math:`\\eta \\le \\varepsilon < 1`
    (``sign(x1)``); :math:`\\Phi(\\max(\\eta-\\varepsilon, 0)\\sqrt d)` for ``eps >= 1``.
    Weak-only l_inf: x1 is never moved, so the first two cases hold for every ``eps``.
    l_2 with ``eps < 1``: the same with the shift ``eps/sqrt(d)`` per coordinate. l_2 with
    ``eps >= 1`` is not derived (the adversary can split its budget) and raises.
    """
    eps, d = threat.eps, model.d
    per_coord = eps if threat.norm == "linf" else eps / math.sqrt(d)
    x1_breaks = threat.perturb_x1 and eps >= 1
    if threat.norm == "l2" and x1_breaks:
        raise NotImplementedError(
            f"A*_rob for the l2 ball with eps={eps!r} >= 1 (x1 perturbable) is not derived"
        )
    if per_coord < model.eta:
        shifted = _shifted(model, per_coord)
        if x1_breaks:
            # x1 can be moved to 0: only the shifted weak features remain.
            clf = averaging(d)
            value = linear_accuracy(shifted, clf).standard_accuracy
            return Optimum(clf, value, "averaging classifier (x1 neutralised, weak features shifted)")
        rule = bayes(shifted)
        tau = rule.a if rule.c > 0 else math.inf  # rule = sign(tau x1 + s(x))
        value = bayes_accuracy(shifted).standard_accuracy
        return Optimum(RoundedClassifier(tau, d), value,
                       "rounded Bayes rule of the shifted model sign(tau*sign(x1) + s(x))")
    if x1_breaks:
        return Optimum(ConstantClassifier(d), 0.5, "constant classifier (both classes identical)")
    return Optimum(robust_x1(d), model.p, "sign(x1)")


def _candidates_equal_weights(model: ToyModel, taus) -> list:
    out = []
    for tau in taus:
        if tau is None or not np.isfinite(tau) or tau < 0:
            continue
        if tau == 0:
            out.append(StructuredLinear(0.0, 1 / math.sqrt(model.d), model.d))
        else:
            out.append(StructuredLinear(float(tau), 1 / math.sqrt(model.d), model.d))
    return out


def robust_optimal_linear(model: ToyModel, threat: ThreatModel, grid: int = 4001) -> Optimum:
    """The linear classifier with the highest robust accuracy under ``threat``.

    Reduction: for a fixed weight ``a`` on x1 and fixed :math:`Q = \\lVert u\\rVert_2`, the
    robust margin depends on ``u`` through :math:`\\eta S - \\varepsilon U_1` (l_inf) or
    :math:`\\eta S` (l_2), maximised by equal weights (Cauchy-Schwarz) when the weak
    features still help; so the search is over ``f_tau = sign(tau x1 + s(x))``,
    ``tau in [0, inf]``, plus the constant classifier.

    l_inf, x1 perturbable: the interior optimum solves the quadratic of
    :func:`robtheory.symbolic.named.robust_optimal_linf` (generated roots);
    candidates are its real non-negative roots, ``tau = 0`` (averaging),
    ``tau = inf`` (``sign(x1)``) and the constant rule, compared exactly.
    Other threat models: ``tau = L/(2 m)`` for the weak-only balls (the Bayes ratio of the
    shifted model), and a dense grid in ``theta = arctan(tau)`` refined by bounded Brent
    for l_2 with x1 perturbable.
    """
    from scipy.optimize import minimize_scalar

    d, eps, p = model.d, threat.eps, model.p
    L = model.log_odds
    cands = [robust_x1(d), ConstantClassifier(d)]
    if threat.norm == "linf" and threat.perturb_x1:
        m = math.sqrt(d) * (model.eta - eps)
        taus = [0.0]
        if eps < 1 and m > 0:
            K = L + math.log1p(-eps) - math.log1p(eps)
            if eps == 0:
                taus.append(K / (2 * m))
            else:
                taus.extend(float(r) for r in G.robust_optimal_tau_roots(eps, m, K))
        cands += _candidates_equal_weights(model, taus)
    elif not threat.perturb_x1:
        m = model.mu - eps * (math.sqrt(d) if threat.norm == "linf" else 1.0)
        taus = [0.0]
        if m > 0:
            taus.append(L / (2 * m) if math.isfinite(L) else None)
        cands += _candidates_equal_weights(model, taus)
    else:  # l2, x1 perturbable: no closed form for the optimum, maximise in theta
        # theta = pi/2 is sign(x1), a separate candidate; at eps = 1 exactly the supremum is
        # approached as theta -> pi/2 but not attained (tiny weak weights break the x1 tie), so
        # the grid stops just short of it.
        theta = np.append(np.linspace(0.0, math.pi / 2, grid, endpoint=False), math.pi / 2 - 1e-7)

        def rob(th):
            a_, c_ = np.sin(th), np.cos(th) / math.sqrt(d)
            return accuracy_stats(p, model.eta, eps, a_, 0.0, c_ * d, np.abs(c_) * math.sqrt(d),
                                  np.abs(c_) * d, "l2_full")[0]

        vals = rob(theta)
        k = int(np.argmax(vals))
        lo, hi = theta[max(k - 1, 0)], theta[min(k + 1, theta.size - 1)]
        res = minimize_scalar(lambda th: -float(rob(th)), bounds=(lo, hi), method="bounded",
                              options={"xatol": 1e-12})
        th = float(res.x) if -res.fun >= vals[k] else float(theta[k])
        cands.append(StructuredLinear(math.sin(th), math.cos(th) / math.sqrt(d), d))
    best, best_val = None, -1.0
    for clf in cands:
        val = linear_accuracy(model, clf, threat).robust_accuracy
        if val > best_val + 1e-15:
            best, best_val = clf, val
    desc = ("constant classifier" if isinstance(best, ConstantClassifier)
            else "sign(x1)" if best.c == 0
            else f"sign(tau*x1 + s(x)) with tau = {best.a / (best.c * math.sqrt(d)):.6g}")
    return Optimum(best, best_val, desc)


def hinge_loss(model: ToyModel, clf, threat: ThreatModel | None = None) -> float:
    """Population hinge loss :math:`E\\max(0, 1 - y(w^Tx + b))`, adversarial if ``threat`` is given."""
    st = _stats_of(clf, model)
    eps = 0.0 if threat is None else threat.eps
    fn = G.hinge_standard if threat is None else getattr(G, f"hinge_{variant(threat)}")
    return float(fn(model.p, model.eta, eps, st.a, st.b, st.S, st.Q, st.U1))


def hinge_gradient(model: ToyModel, clf, threat: ThreatModel | None = None) -> dict:
    """Gradient of the population hinge loss w.r.t. (a, b, S, Q, U1).

    For a full weight vector the chain rule gives, per weak weight,
    :math:`\\partial/\\partial u_i = g_S + g_Q u_i/Q + g_{U_1}\\operatorname{sign}(u_i)`.
    """
    st = _stats_of(clf, model)
    eps = 0.0 if threat is None else threat.eps
    fn = G.hinge_grad_standard if threat is None else getattr(G, f"hinge_grad_{variant(threat)}")
    vals = fn(model.p, model.eta, eps, st.a, st.b, st.S, st.Q, st.U1)
    return {k: float(np.asarray(v, dtype=float)) for k, v in zip(("a", "b", "S", "Q", "U1"), vals)}
