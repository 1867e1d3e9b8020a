r"""Single-logit models for ±1 labels, a two-logit adapter, and checkpoints without pickles.

Every model maps ``(N, d_in)`` (images flattened) to ``(N,)`` scores ``f(x)``; the predicted
label is ``sign f(x)`` and a score of exactly 0 counts as an error. The logistic loss of a
single logit is :math:`\log(1 + e^{-y f(x)})`; :class:`TwoLogit` returns
:math:`(-f/2, f/2)` so that softmax cross-entropy with class index ``(y + 1) / 2`` is the same
loss, which is what libraries written for multi-class models expect.

Checkpoints are a ``state_dict`` saved with :func:`torch.save` (tensors only, loaded with
``weights_only=True``) and a JSON file holding the configuration that rebuilds the module.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from torch import nn

from robtheory.model import _positive_int

__all__ = ["LinearModel", "MLP", "TwoLogit", "build_model", "model_config", "save_checkpoint",
           "load_checkpoint", "labels_to_index"]


class LinearModel(nn.Module):
    """``f(x) = w . x + b`` with one output."""

    def __init__(self, d_in: int, bias: bool = True):
        super().__init__()
        self.d_in = _positive_int("d_in", d_in)
        self.bias = bool(bias)
        self.linear = nn.Linear(d_in, 1, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x.reshape(x.shape[0], -1)).squeeze(-1)

    @property
    def weight(self) -> torch.Tensor:
        """The weight vector ``w``, shape ``(d_in,)``."""
        return self.linear.weight[0]

    def config(self) -> dict:
        return {"kind": "linear", "d_in": self.d_in, "bias": self.bias}


class MLP(nn.Module):
    """A fully connected ReLU network with one output: ``d_in -> hidden... -> 1``."""

    def __init__(self, d_in: int, hidden: tuple[int, ...] = (64,)):
        super().__init__()
        self.d_in = _positive_int("d_in", d_in)
        hidden = tuple(hidden)
        if not hidden:
            raise ValueError("an MLP needs at least one hidden layer; use LinearModel for none")
        self.hidden = tuple(_positive_int("hidden width", h) for h in hidden)
        layers: list[nn.Module] = []
        width = d_in
        for h in self.hidden:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        layers.append(nn.Linear(width, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.reshape(x.shape[0], -1)).squeeze(-1)

    def config(self) -> dict:
        return {"kind": "mlp", "d_in": self.d_in, "hidden": list(self.hidden)}


class TwoLogit(nn.Module):
    r"""Two-logit view :math:`(-f/2, f/2)` of a single-logit model.

    Class index 1 is label +1. ``softmax`` of the pair is :math:`(\sigma(-f), \sigma(f))`, so
    cross-entropy at index ``(y + 1) / 2`` equals the logistic loss of ``y f``, and ``argmax``
    agrees with ``sign f`` (a tie ``f = 0`` goes to index 0 in torch's argmax; robtheory counts
    it as an error for either label).
    """

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = self.model(x)
        return torch.stack([-0.5 * f, 0.5 * f], dim=-1)


def labels_to_index(y: torch.Tensor) -> torch.Tensor:
    """Labels in {-1, +1} to class indices in {0, 1} (for :class:`TwoLogit`)."""
    if not bool(torch.all((y == 1) | (y == -1))):
        raise ValueError("labels must be -1 or +1")
    return ((y + 1) // 2).long()


def model_config(model: nn.Module) -> dict:
    """The JSON-able configuration that :func:`build_model` turns back into ``model``."""
    if not hasattr(model, "config"):
        raise ValueError(f"{type(model).__name__} has no config(); use LinearModel or MLP")
    return model.config()


def build_model(config: dict) -> nn.Module:
    """Rebuild an (untrained) module from :func:`model_config`'s output."""
    kind = config.get("kind")
    if kind == "linear":
        return LinearModel(config["d_in"], bias=config.get("bias", True))
    if kind == "mlp":
        return MLP(config["d_in"], tuple(config["hidden"]))
    raise ValueError(f"unknown model kind {kind!r} in config {config!r}")


def save_checkpoint(model: nn.Module, path: str | Path, extra: dict | None = None) -> tuple[Path, Path]:
    """Write ``path.pt`` (the state_dict) and ``path.json`` (model config plus ``extra``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pt, js = path.with_suffix(".pt"), path.with_suffix(".json")
    torch.save({k: v.detach().cpu() for k, v in model.state_dict().items()}, pt)
    js.write_text(json.dumps({"model": model_config(model), **(extra or {})}, indent=2) + "\n")
    return pt, js


def load_checkpoint(path: str | Path, device: str | torch.device = "cpu") -> tuple[nn.Module, dict]:
    """Rebuild a model saved by :func:`save_checkpoint`; returns ``(model, json_dict)``."""
    path = Path(path)
    meta = json.loads(path.with_suffix(".json").read_text())
    model = build_model(meta["model"])
    state = torch.load(path.with_suffix(".pt"), map_location=device, weights_only=True)
    model.load_state_dict(state)
    return model.to(device), meta
