r"""Standard and adversarial (PGD) training of single-logit models.

Adversarial training is Madry et al.'s saddle-point problem

.. math::

    \min_\theta\ \frac1n\sum_i \max_{\lVert\delta_i\rVert \le \varepsilon}
        \ell\big(y_i f_\theta(x_i + \delta_i)\big) + \frac{\lambda}{2}\lVert\theta\rVert_2^2,

with the inner maximum approximated by :func:`~robtheory.torch_bridge.attacks.pgd` on every
batch (``mix`` < 1 trains on a mixture of clean and adversarial samples, as in Kurakin et al.).
``loss`` is ``"logistic"`` (:math:`\log(1 + e^{-m})`) or ``"hinge"`` (:math:`\max(0, 1 - m)`).
All randomness (initialisation, shuffling, random starts) comes from one seed.
"""

from __future__ import annotations

import math
import sys
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F

from robtheory.model import _positive_int
from robtheory.torch_bridge.attacks import AttackConfig, pgd

__all__ = ["TrainConfig", "train", "seeded", "progress"]


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings.

    Parameters
    ----------
    epochs : int >= 1
    lr : float > 0
    batch_size : int >= 1
    optimizer : {"sgd", "adam"}
    momentum : float in [0, 1), SGD only
    weight_decay : float >= 0
        Adds :math:`\\frac{\\lambda}{2}\\lVert\\theta\\rVert^2` through the optimizer.
    loss : {"logistic", "hinge"}
    attack : AttackConfig, optional
        The training adversary; None for standard training.
    mix : float in (0, 1], default 1
        Fraction of each batch replaced by its adversarial version.
    lr_schedule : {"constant", "cosine"}
        ``"cosine"`` anneals the step size to 0 over all steps (what makes SGD converge on
        the non-smooth convex problems of the linear experiments).
    """

    epochs: int = 20
    lr: float = 0.1
    batch_size: int = 64
    optimizer: str = "sgd"
    momentum: float = 0.9
    weight_decay: float = 0.0
    loss: str = "logistic"
    attack: AttackConfig | None = None
    mix: float = 1.0
    lr_schedule: str = "constant"

    def __post_init__(self):
        for name in ("epochs", "batch_size"):
            object.__setattr__(self, name, _positive_int(name, getattr(self, name)))
        if not (isinstance(self.lr, (int, float)) and math.isfinite(self.lr) and self.lr > 0):
            raise ValueError(f"lr must be a finite number > 0, got {self.lr!r}")
        if self.optimizer not in ("sgd", "adam"):
            raise ValueError(f"optimizer must be 'sgd' or 'adam', got {self.optimizer!r}")
        if not 0 <= self.momentum < 1:
            raise ValueError(f"momentum must lie in [0, 1), got {self.momentum!r}")
        if not (math.isfinite(self.weight_decay) and self.weight_decay >= 0):
            raise ValueError(f"weight_decay must be >= 0, got {self.weight_decay!r}")
        if self.loss not in ("logistic", "hinge"):
            raise ValueError(f"loss must be 'logistic' or 'hinge', got {self.loss!r}")
        if self.attack is not None and not isinstance(self.attack, AttackConfig):
            raise ValueError(f"attack must be an AttackConfig or None, got {self.attack!r}")
        if not 0 < self.mix <= 1:
            raise ValueError(f"mix must lie in (0, 1], got {self.mix!r}")
        if self.lr_schedule not in ("constant", "cosine"):
            raise ValueError(f"lr_schedule must be 'constant' or 'cosine', got {self.lr_schedule!r}")

    def to_dict(self) -> dict:
        d = asdict(self)
        d["attack"] = None if self.attack is None else self.attack.to_dict()
        return d


def seeded(seed: int, device: str | torch.device = "cpu") -> torch.Generator:
    """A torch Generator seeded with ``seed`` (never the global RNG)."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    g = torch.Generator(device=device)
    g.manual_seed(seed)
    return g


def progress(iterable=None, total=None, desc=None, enabled: bool | None = None):
    """A tqdm bar on stderr when it is a terminal (or ``enabled``), else the plain iterable."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        return iterable if iterable is not None else range(total)
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, file=sys.stderr, leave=False)


def _init(model: torch.nn.Module, generator: torch.Generator) -> None:
    """Re-initialise every Linear layer from ``generator`` (PyTorch's default law, no global RNG)."""
    for m in model.modules():
        if isinstance(m, torch.nn.Linear):
            bound = 1.0 / math.sqrt(m.in_features)
            with torch.no_grad():
                m.weight.uniform_(-bound, bound, generator=generator)
                if m.bias is not None:
                    m.bias.uniform_(-bound, bound, generator=generator)


def _loss(kind: str, m: torch.Tensor) -> torch.Tensor:
    return F.softplus(-m).mean() if kind == "logistic" else F.relu(1 - m).mean()


def train(model: torch.nn.Module, X: torch.Tensor, y: torch.Tensor, config: TrainConfig, *,
          seed: int = 0, init: bool = True, show_progress: bool | None = None,
          desc: str | None = None) -> list[dict]:
    """Train ``model`` in place on ``(X, y)`` (labels in {-1, +1}); returns per-epoch history.

    Each history entry has ``epoch``, ``loss`` (mean training objective on the batches actually
    used, adversarial ones included) and ``train_accuracy`` (clean, on the whole training set).
    """
    if not isinstance(config, TrainConfig):
        raise ValueError(f"config must be a TrainConfig, got {config!r}")
    if X.shape[0] != y.shape[0] or X.shape[0] == 0:
        raise ValueError(f"X and y must have the same non-zero number of rows, got {X.shape[0]} and {y.shape[0]}")
    if not bool(torch.all((y == 1) | (y == -1))):
        raise ValueError("labels must be -1 or +1")
    gen = seeded(seed, X.device)
    if init:
        _init(model, gen)
    params = [p for p in model.parameters() if p.requires_grad]
    if config.optimizer == "sgd":
        opt = torch.optim.SGD(params, lr=config.lr, momentum=config.momentum,
                              weight_decay=config.weight_decay)
    else:
        opt = torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay)
    n = X.shape[0]
    sched = None
    if config.lr_schedule == "cosine":
        total_steps = config.epochs * math.ceil(n / config.batch_size)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total_steps)
    history = []
    for epoch in progress(range(config.epochs), desc=desc, enabled=show_progress):
        perm = torch.randperm(n, generator=gen, device=X.device)
        total, seen = 0.0, 0
        for i in range(0, n, config.batch_size):
            idx = perm[i:i + config.batch_size]
            xb, yb = X[idx], y[idx]
            if config.attack is not None and config.attack.eps > 0:
                k = xb.shape[0] if config.mix == 1 else int(round(config.mix * xb.shape[0]))
                if k > 0:
                    xa = pgd(model, xb[:k], yb[:k], config.attack, generator=gen)
                    xb = torch.cat([xa, xb[k:]]) if k < xb.shape[0] else xa
            model.train()
            loss = _loss(config.loss, yb * model(xb))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if sched is not None:
                sched.step()
            total += float(loss.detach()) * xb.shape[0]
            seen += xb.shape[0]
        with torch.no_grad():
            model.eval()
            acc = float(((y * model(X)) > 0).double().mean())
        history.append({"epoch": epoch + 1, "loss": total / seen, "train_accuracy": acc})
    return history
