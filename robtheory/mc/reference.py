r"""The plain NumPy Monte Carlo oracle: sampler and estimators of D(p, eta, d).

Every other backend (:mod:`robtheory.mc.cpu`, :mod:`robtheory.mc.gpu`) is tested against
this module on the same random stream (design principle 4), so it is written to be
obviously correct rather than fast: it materialises every coordinate of every sample in
chunks of rows and evaluates the estimators literally.

Sampler
-------
Sample ``i`` of seed ``s`` is a pure function of ``(s, i)`` through the Philox stream of
:mod:`robtheory.mc.philox` (three independent stream tags):

.. math::

    y_i &= \begin{cases} +1 & u^{(1)}_{i,0} < 1/2 \\ -1 & \text{otherwise} \end{cases}, \qquad
    x_{i,1} = \begin{cases} +y_i & u^{(2)}_{i,0} < p \\ -y_i & \text{otherwise} \end{cases}, \\
    x_{i,k+2} &= \eta\, y_i + z^{(0)}_{i,k}, \qquad k = 0, \dots, d - 1,

where :math:`u^{(t)}_{i,k}` is the float64 uniform and :math:`z^{(0)}_{i,k}` the normal
(float64 or float32) at coordinate ``k`` of row ``i`` of stream ``t``. The labels and x1
always use float64 uniforms, so the two dtypes share them; only the weak features differ.
The uniforms are odd multiples of :math:`2^{-53}`, so :math:`P(y = +1) = 1/2` exactly and
:math:`P(x_1 = y) = p` up to :math:`2^{-53}`.

Because the stream is counter-based, every estimator below returns the same counts for a
given seed whatever the chunk size (rows ``start .. start + n - 1`` are always the same
samples), and memory is :math:`O(\mathrm{chunk}\cdot d)`, independent of ``n``.

Linear classifiers
------------------
For ``f(x) = sign(w^T x + b)`` the worst case over a norm ball is exact: with
:math:`\lVert\cdot\rVert_*` the dual norm (l1 for l_inf, l2 for l_2) over the perturbable
coordinates (all of them, or ``w[1:]`` when x1 cannot move),

.. math::

    \min_{\lVert\delta\rVert \le \varepsilon} y\,(w^T(x + \delta) + b)
      = y\,(w^T x + b) - \varepsilon \lVert w \rVert_*,

and a sample counts as correct iff this robust margin is ``> 0`` (a margin of exactly 0 is
an error, the library's tie convention). The score is accumulated in the fixed order
:math:`w_0 x_1 + w_1 x_2 + \dots + w_d x_{d+1}`, then ``+ b``, so that a compiled kernel
doing the same operations reproduces it bit for bit (up to the normals themselves).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from robtheory.classifiers import dual_norm_penalty
from robtheory.model import ThreatModel, ToyModel
from robtheory.mc import philox as _P
from robtheory.mc.seeds import check_seed

__all__ = [
    "DEFAULT_CHUNK_NORMALS",
    "STREAM_NORMAL",
    "STREAM_X1",
    "STREAM_Y",
    "callable_counts",
    "check_dtype",
    "check_n_start",
    "check_seed",
    "chunk_rows",
    "count_correct",
    "iter_chunks",
    "labels",
    "linear_counts",
    "linear_weights",
    "marginal_sums",
    "robust_penalty",
    "sample_chunk",
    "sample_dataset",
    "shift_attack",
]

#: Stream tag of the Gaussian weak features.
STREAM_NORMAL = 0
#: Stream tag of the label coin.
STREAM_Y = 1
#: Stream tag of the robust-feature coin.
STREAM_X1 = 2
#: Rows per chunk are chosen so that a chunk holds about this many weak features.
DEFAULT_CHUNK_NORMALS = 1 << 20

_TWO64 = 1 << 64


# --------------------------------------------------------------------------- validation
def _is_int(x: Any) -> bool:
    return isinstance(x, (numbers.Integral, np.integer)) and not isinstance(x, (bool, np.bool_))


def check_n_start(n: Any, start: Any = 0) -> tuple[int, int]:
    """``n >= 1`` samples starting at row ``start >= 0`` with ``start + n <= 2**64``."""
    if not _is_int(n) or int(n) <= 0:
        raise ValueError(f"n must be a positive integer, got n={n!r}")
    if not _is_int(start) or int(start) < 0:
        raise ValueError(f"start must be a non-negative integer, got start={start!r}")
    n, start = int(n), int(start)
    if start + n > _TWO64:
        raise ValueError(f"start + n must be <= 2**64, got start={start}, n={n}")
    return n, start


def check_dtype(dtype: Any) -> np.dtype:
    """float64 or float32 (the weak features and the score arithmetic)."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise ValueError(f"dtype must be float64 or float32, got dtype={dtype!r}") from None
    if dt not in (np.dtype(np.float64), np.dtype(np.float32)):
        raise ValueError(f"dtype must be float64 or float32, got dtype={dtype!r}")
    return dt


def chunk_rows(d: int, chunk: int | None = None) -> int:
    """Rows per chunk: ``chunk`` if given, else about :data:`DEFAULT_CHUNK_NORMALS` / d."""
    if chunk is None:
        return max(1, DEFAULT_CHUNK_NORMALS // max(int(d), 1))
    if not _is_int(chunk) or int(chunk) <= 0:
        raise ValueError(f"chunk must be a positive integer, got chunk={chunk!r}")
    return int(chunk)


# --------------------------------------------------------------------------- sampler
def labels(model: ToyModel, seed: int, start: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Labels ``y`` and robust features ``x1`` of rows ``start .. start + count - 1``.

    Returns
    -------
    y, x1 : ndarray of float64, shape (count,), values in {-1, +1}
    """
    u_y = _P.uniform_matrix(seed, start, count, 1, stream=STREAM_Y)[:, 0]
    u_x = _P.uniform_matrix(seed, start, count, 1, stream=STREAM_X1)[:, 0]
    y = np.where(u_y < 0.5, 1.0, -1.0)
    x1 = np.where(u_x < model.p, y, -y)
    return y, x1


def sample_chunk(
    model: ToyModel, seed: int, start: int, count: int, dtype: Any = np.float64
) -> tuple[np.ndarray, np.ndarray]:
    """Materialise rows ``start .. start + count - 1`` of D(p, eta, d).

    Parameters
    ----------
    model : ToyModel
    seed : int, in [0, 2**64)
    start : int
        First sample index.
    count : int
        Number of rows.
    dtype : {float64, float32}
        Of the weak features: ``x_k = eta*y + z_k`` is computed in this dtype.

    Returns
    -------
    y : ndarray, shape (count,), dtype, values in {-1, +1}
    X : ndarray, shape (count, d + 1), dtype, Fortran order
        ``X[:, 0]`` is x1, ``X[:, 1:]`` the weak features (columns contiguous).
    """
    dt = check_dtype(dtype)
    y, x1 = labels(model, seed, start, count)
    z = _P.normal_matrix(seed, start, count, model.d, dtype=dt, stream=STREAM_NORMAL)
    X = np.empty((count, model.d + 1), dtype=dt, order="F")
    X[:, 0] = x1
    yd = y.astype(dt)
    X[:, 1:] = (dt.type(model.eta) * yd)[:, None] + z
    return yd, X


def iter_chunks(model: ToyModel, seed: int, n: int, *, start: int = 0, chunk: int | None = None,
                dtype: Any = np.float64):
    """Yield ``(row0, y, X)`` for consecutive chunks covering rows ``start .. start + n - 1``."""
    seed = check_seed(seed)
    n, start = check_n_start(n, start)
    rows = chunk_rows(model.d, chunk)
    done = 0
    while done < n:
        c = min(rows, n - done)
        y, X = sample_chunk(model, seed, start + done, c, dtype)
        yield start + done, y, X
        done += c


def sample_dataset(model: ToyModel, n: int, seed: int, start: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A finite data set ``(X, y)`` of ``n`` draws of D(p, eta, d) from the reference stream.

    Rows ``start .. start + n - 1`` of seed ``seed`` (the samples every Monte Carlo estimate
    of that seed sees): ``X`` of shape ``(n, d + 1)``, float64, C order (``X[:, 0]`` is x1),
    and ``y`` in {-1, +1}, float64. For finite-sample training (:func:`robtheory.training.fit_svm`)
    on the library's one sampler; disjoint ``start`` ranges give independent data sets.
    """
    if not isinstance(model, ToyModel):
        raise ValueError(f"model must be a ToyModel, got {model!r}")  # noqa: TRY004 (module convention)
    seed = check_seed(seed)
    n, start = check_n_start(n, start)
    y, X = sample_chunk(model, seed, start, n)
    return np.ascontiguousarray(X), y


# --------------------------------------------------------------------------- linear classifiers
def linear_weights(model: ToyModel, clf) -> tuple[np.ndarray, float]:
    """Full weight vector (length d + 1, float64) and bias of a linear classifier.

    Accepts :class:`~robtheory.classifiers.LinearClassifier`,
    :class:`~robtheory.classifiers.StructuredLinear` (materialised with ``.weights()``),
    :class:`~robtheory.classifiers.ConstantClassifier` (``w = 0``) or a pair ``(w, b)``.
    """
    from robtheory.classifiers import ConstantClassifier, LinearClassifier, StructuredLinear

    if isinstance(clf, LinearClassifier):
        w, b = np.asarray(clf.w, dtype=np.float64), clf.b
    elif isinstance(clf, StructuredLinear):
        w, b = clf.weights(), clf.b
    elif isinstance(clf, ConstantClassifier):
        w, b = np.zeros(clf.d + 1), clf.b
    elif isinstance(clf, tuple) and len(clf) == 2:
        w, b = np.asarray(clf[0], dtype=np.float64), float(clf[1])
    else:
        raise ValueError(f"not a linear classifier: {clf!r} (RoundedClassifier is not linear; "
                         "use callable_counts)")
    if w.ndim != 1 or w.size != model.d + 1:
        raise ValueError(f"w has shape {w.shape} but the model needs length d + 1 = {model.d + 1}")
    if not np.all(np.isfinite(w)) or not np.isfinite(b):
        raise ValueError("w and b must be finite")
    return np.ascontiguousarray(w, dtype=np.float64), float(b)


#: :math:`\varepsilon\lVert w_P\rVert_*` over the perturbable coordinates (0 without a threat):
#: the one formula of :func:`robtheory.classifiers.dual_norm_penalty` (l1 dual norm for the l_inf
#: ball, l2 -- overflow-safe -- for the l_2 ball; ``w[1:]`` only when x1 cannot move). Computed
#: once in float64 and handed to every backend, so all of them compare the margin with the same
#: number.
robust_penalty = dual_norm_penalty


def _scores(X: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    """``w_0 x_1 + w_1 x_2 + ... + w_d x_{d+1} + b``, accumulated left to right."""
    dt = X.dtype.type
    s = dt(w[0]) * X[:, 0]
    for k in range(1, X.shape[1]):
        s += dt(w[k]) * X[:, k]
    return s + dt(b)


def linear_counts(
    model: ToyModel,
    w: Any,
    b: float,
    threat: ThreatModel | None,
    n: int,
    seed: int,
    *,
    start: int = 0,
    chunk: int | None = None,
    dtype: Any = np.float64,
) -> tuple[int, int]:
    r"""Counts of correct and of robustly correct samples of ``sign(w^T x + b)``.

    .. math::

        k_{\mathrm{std}} = \#\{i : y_i(w^Tx_i + b) > 0\}, \qquad
        k_{\mathrm{rob}} = \#\{i : y_i(w^Tx_i + b) - \varepsilon\lVert w\rVert_* > 0\}.

    Parameters
    ----------
    model : ToyModel
    w : array_like, shape (d + 1,)
        Full weight vector (``w[0]`` on x1).
    b : float
    threat : ThreatModel or None
        None: ``k_rob = k_std``.
    n : int, >= 1
        Samples (any Python int).
    seed : int, in [0, 2**64)
    start : int, default 0
        First sample index (``start + n <= 2**64``).
    chunk : int, optional
        Rows per chunk; the counts do not depend on it.
    dtype : {float64, float32}
        Precision of the weak features and of the score.

    Returns
    -------
    (standard_count, robust_count) : tuple of int
    """
    dt = check_dtype(dtype)
    w, b = linear_weights(model, (w, b))
    pen = dt.type(robust_penalty(w, threat))
    k_std = k_rob = 0
    for _, y, X in iter_chunks(model, seed, n, start=start, chunk=chunk, dtype=dt):
        margin = y * _scores(X, w, b)
        k_std += int(np.count_nonzero(margin > 0))
        k_rob += int(np.count_nonzero(margin > pen))
    return k_std, k_rob


# --------------------------------------------------------------------------- any classifier
def shift_attack(model: ToyModel) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    r"""The adversary of the proof of Theorem 2.1: :math:`x_i \to x_i - 2\eta y` for :math:`i \ge 2`.

    It moves every weak feature by :math:`2\eta` (an l_inf perturbation of size
    :math:`2\eta` that leaves x1 alone), mapping the weak features of class ``y`` onto
    those of class ``-y``.
    """
    two_eta = 2.0 * model.eta

    def attack(X: np.ndarray, y: np.ndarray) -> np.ndarray:
        Xa = np.array(X, copy=True)
        Xa[:, 1:] -= (X.dtype.type(two_eta) * y)[:, None]
        return Xa

    return attack


def _as_numpy(a) -> np.ndarray:
    """NumPy view of a NumPy / CuPy / torch result (CuPy and CUDA tensors are copied back)."""
    if hasattr(a, "get") and not isinstance(a, np.ndarray):  # cupy
        a = a.get()
    elif hasattr(a, "detach"):  # torch
        a = a.detach().cpu().numpy()
    return np.asarray(a)


def _check_attack(Xa: np.ndarray, X: np.ndarray, threat: ThreatModel | None) -> None:
    if Xa.shape != X.shape:
        raise ValueError(f"the attack returned shape {Xa.shape}, expected {X.shape}")
    if threat is None:
        return
    delta = (Xa - X).astype(np.float64)
    if not threat.perturb_x1 and np.any(delta[:, 0] != 0):
        raise ValueError("the attack moved x1 but the threat model is weak-only")
    if threat.norm == "linf":
        size = np.max(np.abs(delta), axis=1)
    else:
        size = np.sqrt(np.sum(delta * delta, axis=1))
    # The perturbation is recomputed from rounded coordinates: allow a few ulps of slack.
    slack = 8 * np.finfo(X.dtype).eps * (1.0 + np.max(np.abs(X), axis=1)) * (
        1.0 if threat.norm == "linf" else np.sqrt(X.shape[1]))
    bad = np.flatnonzero(size > threat.eps + slack)
    if bad.size:
        raise ValueError(f"the attack left the {threat.norm} ball of radius {threat.eps!r}: "
                         f"a perturbation of size {size[bad[0]]!r}")


def callable_counts(
    model: ToyModel,
    classifier: Callable,
    n: int,
    seed: int,
    *,
    attack: str | Callable | None = None,
    threat: ThreatModel | None = None,
    start: int = 0,
    chunk: int | None = None,
    dtype: Any = np.float64,
    xp: Any = None,
) -> int:
    r"""Number of samples that a vectorised classifier gets right, clean or under attack.

    A sample counts as correct iff :math:`y \cdot f(x') > 0` with :math:`x'` the (attacked)
    input, so ``f`` may return labels in {-1, +1} or real scores (0 is an error).

    Parameters
    ----------
    model : ToyModel
    classifier : callable
        ``f(X) -> array of shape (rows,)`` for ``X`` of shape ``(rows, d + 1)``. With
        ``xp`` given (e.g. ``cupy`` or ``torch``-like ``xp.asarray``), ``X`` is handed over
        as ``xp.asarray(X)``; the result may be a NumPy, CuPy or torch array.
    n : int, >= 1
    seed : int
    attack : None, "shift" or callable
        None: clean accuracy. ``"shift"``: the Theorem 2.1 adversary
        (:func:`shift_attack`). A callable ``attack(X, y) -> X'`` (same shape; NumPy
        arrays in, array out) is a user-supplied adversary.
    threat : ThreatModel, optional
        If given, every attacked input is checked to lie in this ball (a ValueError
        otherwise), so that an "attack" cannot silently cheat.
    start, chunk, dtype
        As in :func:`linear_counts`; the count does not depend on ``chunk``.
    xp : module, optional
        Array namespace the classifier expects (default: NumPy arrays).

    Returns
    -------
    int
    """
    if not callable(classifier):
        raise ValueError(f"classifier must be callable, got {classifier!r}")
    chunks = ((y, X) for _, y, X in iter_chunks(model, seed, n, start=start, chunk=chunk, dtype=dtype))
    return count_correct(model, chunks, classifier, attack=attack, threat=threat, xp=xp)


def count_correct(
    model: ToyModel,
    chunks: Iterable[tuple[np.ndarray, np.ndarray]],
    classifier: Callable,
    *,
    attack: str | Callable | None = None,
    threat: ThreatModel | None = None,
    xp: Any = None,
) -> int:
    r"""The counting loop of :func:`callable_counts` over given ``(y, X)`` chunks.

    Whoever materialises the samples (this module's sampler, or the numba one of
    :func:`robtheory.mc.engine.iter_samples`), a sample counts as correct iff
    :math:`y \cdot f(x') > 0`; ``attack``, ``threat`` and ``xp`` are as in :func:`callable_counts`.
    """
    if not callable(classifier):
        raise ValueError(f"classifier must be callable, got {classifier!r}")
    if attack == "shift":
        attack = shift_attack(model)
    elif attack is not None and not callable(attack):
        raise ValueError(f"attack must be None, 'shift' or a callable, got {attack!r}")
    correct = 0
    for y, X in chunks:
        if attack is not None:
            Xa = _as_numpy(attack(X, y))
            _check_attack(Xa, X, threat)
            X = Xa
        out = _as_numpy(classifier(X if xp is None else xp.asarray(X)))
        out = np.reshape(out, -1)
        if out.shape[0] != y.shape[0]:
            raise ValueError(f"the classifier returned {out.shape[0]} values for {y.shape[0]} rows")
        correct += int(np.count_nonzero(y * out.astype(np.float64) > 0))
    return correct


# --------------------------------------------------------------------------- marginals
def marginal_sums(
    model: ToyModel,
    n: int,
    seed: int,
    *,
    start: int = 0,
    chunk: int | None = None,
    dtype: Any = np.float64,
) -> dict:
    r"""Sufficient statistics of the sampler's own marginals, for separate checks.

    A bug in x1 can be invisible to every accuracy check (only :math:`y x_1` enters the
    margin), so the sampler is checked on its own: per class, how often :math:`x_1 = y`
    (expected :math:`p` in both classes), and the first two moments of the weak features
    (:math:`E[x_k \mid y] = \eta y`, :math:`\operatorname{Var}[x_k \mid y] = 1`).

    Returns
    -------
    dict
        ``n``, ``d``; counts ``n_pos`` (:math:`y = +1`), ``x1_eq_y_pos``, ``x1_eq_y_neg``
        (ints); float64 sums over samples and weak coordinates ``sum_x_pos``
        (:math:`\sum_{y=+1} x_k`), ``sum_x_neg``, ``sum_x2`` (:math:`\sum x_k^2`).
    """
    out = {"n": int(n), "d": model.d, "n_pos": 0, "x1_eq_y_pos": 0, "x1_eq_y_neg": 0,
           "sum_x_pos": 0.0, "sum_x_neg": 0.0, "sum_x2": 0.0}
    for _, y, X in iter_chunks(model, seed, n, start=start, chunk=chunk, dtype=dtype):
        pos = y > 0
        agree = X[:, 0] == y
        weak = X[:, 1:].astype(np.float64)
        row_sum = weak.sum(axis=1)
        out["n_pos"] += int(np.count_nonzero(pos))
        out["x1_eq_y_pos"] += int(np.count_nonzero(agree & pos))
        out["x1_eq_y_neg"] += int(np.count_nonzero(agree & ~pos))
        out["sum_x_pos"] += float(row_sum[pos].sum())
        out["sum_x_neg"] += float(row_sum[~pos].sum())
        out["sum_x2"] += float(np.sum(weak * weak))
    return out
