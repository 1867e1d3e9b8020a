r"""Projected gradient descent (PGD) and the exact worst case of linear models.

The vocabulary is MadryLab's (``robustness`` library): ``constraint`` is ``"inf"`` or ``"2"``,
``eps`` the radius, ``attack_steps`` the number of steps of size ``attack_lr`` (default
:math:`2.5\,\varepsilon/\text{steps}`), ``random_restarts`` independent runs from random starts
(the worst per example is kept), ``use_best`` keeps each run's worst iterate instead of its last.

The adversary drives the margin :math:`m = y f(x + \delta)` down; the steps are

.. math::

    \delta \leftarrow \Pi\big(\delta - \alpha\,\mathrm{sign}\,\nabla_\delta m\big)\ (\ell_\infty),
    \qquad
    \delta \leftarrow \Pi\big(\delta - \alpha\,\nabla_\delta m / \lVert\nabla_\delta m\rVert_2\big)\ (\ell_2).

These are exactly the steps of PGD on the logistic loss :math:`L = \log(1 + e^{-m})`, whose
gradient :math:`-\sigma(-m)\nabla m` is, sample by sample, a positive multiple of
:math:`-\nabla m` -- except that :math:`\sigma(-m)` underflows to 0 once the margin exceeds
about 104 in float32 (745 in float64), where PGD on :math:`L` stops moving and reports a
confident model robust (gradient masking). Stepping along the margin's own gradient makes the
attack invariant to a positive rescaling of the logits: multiplying the model's output by
:math:`c > 0` leaves every iterate unchanged (bit for bit when :math:`c` is a power of two).

with :math:`\Pi` the projection onto the ball (and onto the box ``bounds`` of valid inputs when
given). For a linear model :math:`f(x) = w\cdot x + b` the inner maximisation has the exact
solution :math:`\delta^* = -\varepsilon y\,\mathrm{sign}(w)` (:math:`\ell_\infty`) or
:math:`-\varepsilon y\,w/\lVert w\rVert_2` (:math:`\ell_2`) (:func:`exact_linear_worst_case`),
which the tests use to show that PGD reaches it.

**When PGD equals the exact worst case.** For a linear model, with no box ``bounds`` under
:math:`\ell_2`, and a step budget ``attack_steps * attack_lr >= eps`` from the clean start
(``>= 2 eps`` from a random start), PGD returns the exact minimiser up to rounding: the step
direction is the constant :math:`-y\,\mathrm{sign}(w)` (:math:`\ell_\infty`) or
:math:`-y\,w/\lVert w\rVert_2` (:math:`\ell_2`) whatever the scale of :math:`w`, the iterate
reaches the boundary of the ball after ``ceil(eps / attack_lr)`` steps and the projection keeps
it at the minimiser; ``use_best`` keeps the lowest margin seen. MadryLab's default
``attack_lr = 2.5 eps / attack_steps`` meets the budget. For non-linear models PGD is a local
search and gives an upper bound on the robust accuracy.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch

from robtheory.model import _finite_real

__all__ = ["AttackConfig", "project", "pgd", "exact_linear_worst_case", "margins", "evaluate"]

_CONSTRAINTS = {"inf": "inf", "linf": "inf", "2": "2", "l2": "2"}


@dataclass(frozen=True)
class AttackConfig:
    """Settings of one PGD adversary; every reported robust accuracy carries them.

    Parameters
    ----------
    constraint : {"inf", "2"}
        Threat model (``"linf"``/``"l2"`` are accepted and normalised).
    eps : float >= 0
        Radius of the ball.
    attack_steps : int >= 1, default 10
    attack_lr : float > 0, optional
        Step size; default :math:`2.5\\,\\varepsilon/\\text{attack\\_steps}` (MadryLab's rule).
    random_restarts : int >= 0, default 0
        0: one run from the clean input (or from a random point if ``random_start``);
        ``R >= 1``: ``R`` runs from uniform random points of the ball, worst kept per example.
    random_start : bool, default False
    use_best : bool, default True
        Return each run's lowest-margin iterate (the start included) rather than the last one.
    bounds : (lo, hi), optional
        Box of valid inputs (e.g. ``(0, 1)`` for images); ``None`` means unbounded.
    fixed_features : tuple of int
        Feature indices the adversary may not move (``(0,)`` is the "weak-only" threat of the
        toy model, in which x1 is fixed).
    """

    constraint: str
    eps: float
    attack_steps: int = 10
    attack_lr: float | None = None
    random_restarts: int = 0
    random_start: bool = False
    use_best: bool = True
    bounds: tuple[float, float] | None = None
    fixed_features: tuple[int, ...] = ()

    def __post_init__(self):
        c = _CONSTRAINTS.get(str(self.constraint).lower())
        if c is None:
            raise ValueError(f"constraint must be 'inf' or '2', got {self.constraint!r}")
        object.__setattr__(self, "constraint", c)
        eps = _finite_real("eps", self.eps)
        if eps < 0:
            raise ValueError(f"eps must be >= 0, got eps={self.eps!r}")
        object.__setattr__(self, "eps", eps)
        steps = self.attack_steps
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
            raise ValueError(f"attack_steps must be a positive integer, got {steps!r}")
        if self.attack_lr is None:
            object.__setattr__(self, "attack_lr", 2.5 * eps / steps)
        else:
            lr = _finite_real("attack_lr", self.attack_lr)
            if lr <= 0:
                raise ValueError(f"attack_lr must be > 0, got attack_lr={self.attack_lr!r}")
            object.__setattr__(self, "attack_lr", lr)
        r = self.random_restarts
        if isinstance(r, bool) or not isinstance(r, int) or r < 0:
            raise ValueError(f"random_restarts must be a non-negative integer, got {r!r}")
        if self.bounds is not None:
            try:
                lo, hi = (_finite_real("bounds", b) for b in self.bounds)
            except TypeError:
                raise ValueError(f"bounds must be a pair (lo, hi), got {self.bounds!r}") from None
            if not lo < hi:
                raise ValueError(f"bounds must satisfy lo < hi, got {self.bounds!r}")
            object.__setattr__(self, "bounds", (lo, hi))
        fixed = tuple(int(i) for i in self.fixed_features)
        if any(i < 0 for i in fixed):
            raise ValueError(f"fixed_features must be non-negative indices, got {self.fixed_features!r}")
        object.__setattr__(self, "fixed_features", fixed)

    def to_dict(self) -> dict:
        """JSON-able settings (written next to every robust accuracy)."""
        d = asdict(self)
        d["bounds"] = None if self.bounds is None else list(self.bounds)
        d["fixed_features"] = list(self.fixed_features)
        return d


def margins(model, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """:math:`y f(x)` per sample (correct iff > 0)."""
    return y * model(x)


def _norms(v: torch.Tensor) -> torch.Tensor:
    return v.reshape(v.shape[0], -1).norm(dim=1).reshape((-1,) + (1,) * (v.dim() - 1))


def project(delta: torch.Tensor, constraint: str, eps: float) -> torch.Tensor:
    r"""Euclidean projection of each row of ``delta`` onto the ball of radius ``eps``.

    :math:`\ell_\infty`: coordinatewise clipping to :math:`[-\varepsilon, \varepsilon]`;
    :math:`\ell_2`: rows with :math:`\lVert\delta\rVert_2 > \varepsilon` are scaled to norm
    :math:`\varepsilon`, the others are left alone.
    """
    c = _CONSTRAINTS.get(str(constraint).lower())
    if c is None:
        raise ValueError(f"constraint must be 'inf' or '2', got {constraint!r}")
    if c == "inf":
        return delta.clamp(-eps, eps)
    n = _norms(delta)
    scale = torch.where(n > eps, eps / n.clamp_min(torch.finfo(delta.dtype).tiny), torch.ones_like(n))
    return delta * scale


def _random_point(x: torch.Tensor, cfg: AttackConfig, generator) -> torch.Tensor:
    """Uniform random point of the ball (for l_2: direction uniform, radius eps * U^(1/k))."""
    if cfg.constraint == "inf":
        u = torch.rand(x.shape, generator=generator, device=x.device, dtype=x.dtype)
        return (2 * u - 1) * cfg.eps
    g = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
    k = x[0].numel() - len(cfg.fixed_features)
    r = torch.rand((x.shape[0],) + (1,) * (x.dim() - 1), generator=generator, device=x.device,
                   dtype=x.dtype) ** (1.0 / max(k, 1))
    return g / _norms(g).clamp_min(torch.finfo(x.dtype).tiny) * r * cfg.eps


def _constrain(delta: torch.Tensor, x: torch.Tensor, cfg: AttackConfig, mask) -> torch.Tensor:
    if mask is not None:
        delta = delta * mask
    delta = project(delta, cfg.constraint, cfg.eps)
    if cfg.bounds is not None:
        delta = (x + delta).clamp(*cfg.bounds) - x
    return delta


def _mask(x: torch.Tensor, cfg: AttackConfig):
    if not cfg.fixed_features:
        return None
    flat = torch.ones(x[0].numel(), device=x.device, dtype=x.dtype)
    if max(cfg.fixed_features) >= flat.numel():
        raise ValueError(f"fixed_features {cfg.fixed_features!r} out of range for {flat.numel()} features")
    flat[list(cfg.fixed_features)] = 0
    return flat.reshape(x.shape[1:])


def pgd(model, x: torch.Tensor, y: torch.Tensor, cfg: AttackConfig, *,
        generator: torch.Generator | None = None) -> torch.Tensor:
    """Adversarial inputs for ``(x, y)`` by PGD under ``cfg`` (the model is left unchanged).

    Returns a detached tensor of the shape of ``x``; every row lies in the ball around ``x``
    (and in ``cfg.bounds``). With ``eps = 0`` it returns ``x``.
    """
    if not isinstance(cfg, AttackConfig):
        raise ValueError(f"cfg must be an AttackConfig, got {cfg!r}")
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"x has {x.shape[0]} rows but y has {y.shape[0]}")
    x = x.detach()
    y = y.detach()
    if cfg.eps == 0:
        return x.clone()
    was_training = model.training
    model.eval()
    mask = _mask(x, cfg)
    best_x = x.clone()
    with torch.no_grad():
        best_m = margins(model, x, y)
    runs = max(1, cfg.random_restarts)
    random = cfg.random_start or cfg.random_restarts > 0
    try:
        for _ in range(runs):
            delta = _random_point(x, cfg, generator) if random else torch.zeros_like(x)
            delta = _constrain(delta, x, cfg, mask)
            run_x, run_m = None, None
            for step in range(cfg.attack_steps + 1):
                delta.requires_grad_(True)
                with torch.enable_grad():  # also when called inside a no_grad evaluation loop
                    m = margins(model, x + delta, y)
                with torch.no_grad():
                    if run_m is None or not cfg.use_best:
                        run_x, run_m = (x + delta).detach(), m.detach()
                    else:
                        better = m < run_m
                        run_m = torch.where(better, m, run_m)
                        run_x = torch.where(better.reshape((-1,) + (1,) * (x.dim() - 1)), x + delta, run_x)
                if step == cfg.attack_steps:
                    break
                with torch.enable_grad():
                    # the ascent direction of the logistic loss softplus(-m) is -sigma(-m) grad m:
                    # per sample a positive multiple of -grad m, so the sign (l_inf) and the
                    # normalised direction (l_2) are those of -grad m. Differentiating the margin
                    # itself keeps them where sigma(-m) underflows (m > ~104 in float32, ~745 in
                    # float64), which would stop PGD dead on confident models.
                    (g,) = torch.autograd.grad(-m.sum(), delta)
                with torch.no_grad():
                    if cfg.constraint == "inf":
                        step_dir = g.sign()
                    else:
                        gm = g if mask is None else g * mask
                        step_dir = gm / _norms(gm).clamp_min(torch.finfo(g.dtype).tiny)
                    delta = _constrain(delta.detach() + cfg.attack_lr * step_dir, x, cfg, mask)
            with torch.no_grad():
                better = run_m < best_m
                best_m = torch.where(better, run_m, best_m)
                best_x = torch.where(better.reshape((-1,) + (1,) * (x.dim() - 1)), run_x, best_x)
    finally:
        model.train(was_training)
    return best_x.detach()


def exact_linear_worst_case(w: torch.Tensor, x: torch.Tensor, y: torch.Tensor,
                            cfg: AttackConfig) -> torch.Tensor:
    r"""The exact minimiser of :math:`y\,(w\cdot x' + b)` over the ball (and box) around ``x``.

    :math:`\ell_\infty`: :math:`x' = x - \varepsilon y\,\mathrm{sign}(w)` on the free features,
    clipped to ``cfg.bounds`` when given (exact: the ball and the box are both boxes and the
    objective is separable). :math:`\ell_2`: :math:`x' = x - \varepsilon y\, w_F/\lVert w_F\rVert`
    with :math:`w_F` the weights of the free features; with ``bounds`` the problem is no longer
    separable and a ValueError is raised.
    """
    w = w.detach().reshape(-1).to(x.dtype)
    if x.dim() != 2 or x.shape[1] != w.numel():
        raise ValueError(f"x must have shape (N, {w.numel()}), got {tuple(x.shape)}")
    mask = _mask(x, cfg)
    wf = w if mask is None else w * mask
    ys = y.reshape(-1, 1).to(x.dtype)
    if cfg.constraint == "inf":
        xa = x - cfg.eps * ys * torch.sign(wf)
        if cfg.bounds is not None:
            xa = xa.clamp(*cfg.bounds)
        return xa
    if cfg.bounds is not None:
        raise ValueError("the exact l_2 worst case inside a box is not separable; use pgd")
    n = wf.norm()
    if float(n) == 0.0:
        return x.clone()
    return x - cfg.eps * ys * (wf / n)


def evaluate(model, X: torch.Tensor, y: torch.Tensor, attack: AttackConfig | None = None, *,
             batch_size: int = 2048, generator: torch.Generator | None = None,
             alpha: float = 0.05) -> dict:
    """Accuracy of ``model`` on ``(X, y)``, clean or under ``attack`` (PGD), with its interval.

    Returns a dict with ``accuracy``, ``error_rate``, ``correct``, ``n``, ``ci`` (Clopper-Pearson
    at level ``1 - alpha``) and ``attack`` (the settings, or None for clean accuracy).
    """
    from robtheory.stats import binomial_estimate

    if X.shape[0] != y.shape[0] or X.shape[0] == 0:
        raise ValueError(f"X and y must have the same non-zero number of rows, got {X.shape[0]} and {y.shape[0]}")
    correct = 0
    for i in range(0, X.shape[0], batch_size):
        xb, yb = X[i:i + batch_size], y[i:i + batch_size]
        if attack is not None:
            xb = pgd(model, xb, yb, attack, generator=generator)
        with torch.no_grad():
            correct += int((margins(model, xb, yb) > 0).sum())
    n = int(X.shape[0])
    est = binomial_estimate(correct, n, alpha)
    return {"accuracy": correct / n, "error_rate": 1 - correct / n, "correct": correct, "n": n,
            "ci": list(est.ci), "attack": None if attack is None else attack.to_dict()}
