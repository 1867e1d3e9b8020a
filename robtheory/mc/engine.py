r"""One interface over the Monte Carlo backends, and the checks against the closed forms.

``backend`` is one of ``"auto"``, ``"numpy"`` (the oracle :mod:`robtheory.mc.reference`),
``"numba"`` (:mod:`robtheory.mc.cpu`) or ``"cupy"`` (:mod:`robtheory.mc.gpu`). ``"auto"``
picks CuPy when it imports and sees a GPU, else numba when it imports, else NumPy.
Setting ``ROBTHEORY_DISABLE_NUMBA=1`` or ``ROBTHEORY_DISABLE_CUPY=1`` switches a backend
off (read at every call). Every backend draws the same samples for a given seed (the
counter-based stream of :mod:`robtheory.mc.philox`); in float64 they return the same
counts.

Every estimate carries its count, n, a confidence interval and the closed-form value it
estimates (design principle 1: the analytic value and the sampler come from the same
``(model, classifier, threat)``). :func:`check_against_closed_form` judges agreement with
the exact binomial test of :func:`robtheory.stats.agreement_test` at a family-wise
false-alarm rate (default :math:`10^{-6}` for the whole call, Bonferroni-split with
:func:`robtheory.stats.familywise_alpha`), and reports the smallest deviation each check
could detect at its n.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from robtheory import stats
from robtheory._backend import Status, numba_usable, resolve
from robtheory.model import ThreatModel, ToyModel
from robtheory.mc import reference as ref

__all__ = [
    "BACKENDS",
    "DEFAULT_TOTAL_ALPHA",
    "backend_status",
    "check_against_closed_form",
    "check_marginals",
    "estimate_callable",
    "estimate_linear",
    "estimate_marginals",
    "iter_samples",
    "resolve_backend",
    "sampler_backend",
]

BACKENDS = ("auto", "numpy", "numba", "cupy")
#: Family-wise false-alarm rate of one :func:`check_against_closed_form` call.
DEFAULT_TOTAL_ALPHA = 1e-6
#: Confidence level of the reported intervals is ``1 - CI_ALPHA``.
CI_ALPHA = 0.05


# --------------------------------------------------------------------------- backends
_NOTICES: set[str] = set()


def _notice(message: str) -> None:
    """One line on stderr, once per process and message."""
    if message not in _NOTICES:
        _NOTICES.add(message)
        print(f"robtheory: {message}", file=sys.stderr)


def backend_status() -> dict[str, Status]:
    """``{name: (usable, reason)}`` for numpy, numba and cupy, as seen now.

    Returns
    -------
    dict
        ``{"numpy": (True, "ok"), "numba": (bool, str), "cupy": (bool, str)}``: whether each
        backend can run here and, if not, why (one sentence).

    Examples
    --------
    >>> backend_status()["numpy"]
    (True, 'ok')
    """
    from robtheory.mc import gpu

    return {"numpy": (True, "ok"), "numba": numba_usable(), "cupy": gpu.cupy_usable()}


def resolve_backend(backend: str = "auto") -> str:
    """The concrete backend for ``backend`` (:func:`robtheory._backend.resolve`: "auto" is cupy,
    then numba, then NumPy with a one-line notice); a ValueError names an unknown or unusable one.

    Parameters
    ----------
    backend : {"auto", "numpy", "numba", "cupy"}

    Returns
    -------
    str
        The backend that will run.

    Examples
    --------
    >>> resolve_backend("numpy")
    'numpy'
    >>> resolve_backend("fortran")
    Traceback (most recent call last):
    ...
    ValueError: ...fortran...
    """
    return resolve(backend, BACKENDS, backend_status, ("cupy", "numba"), _notice)


# --------------------------------------------------------------------------- helpers
def _check_model(model) -> ToyModel:
    if not isinstance(model, ToyModel):
        raise ValueError(f"model must be a ToyModel, got {model!r}")
    return model


def _check_threat(threat) -> ThreatModel | None:
    if threat is not None and not isinstance(threat, ThreatModel):
        raise ValueError(f"threat must be a ThreatModel or None, got {threat!r}")
    return threat


def _estimate(count: int, n: int, analytic: float | None, alpha: float = CI_ALPHA) -> dict:
    e = stats.binomial_estimate(count, n, alpha)
    return {"estimate": e.estimate, "count": e.count, "n": e.n, "ci": [e.ci[0], e.ci[1]],
            "level": e.level, "analytic": None if analytic is None else float(analytic)}


def _analytic_linear(model, clf, threat) -> tuple[float, float] | tuple[None, None]:
    from robtheory.theory.closed_form import linear_accuracy

    if isinstance(clf, tuple):
        from robtheory.classifiers import LinearClassifier

        w, b = clf
        if not np.any(np.asarray(w)):
            from robtheory.classifiers import ConstantClassifier

            clf = ConstantClassifier(model.d, b)
        else:
            clf = LinearClassifier(w, b)
    acc = linear_accuracy(model, clf, threat)
    return acc.standard_accuracy, acc.robust_accuracy


# --------------------------------------------------------------------------- estimators
def estimate_linear(
    model: ToyModel,
    clf: Any,
    threat: ThreatModel | None = None,
    n: int = 10**6,
    seed: int = 0,
    backend: str = "auto",
    *,
    dtype: Any = np.float64,
    start: int = 0,
    ci_alpha: float = CI_ALPHA,
    chunk: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict:
    r"""Monte Carlo standard and exact-worst-case robust accuracy of a linear classifier.

    .. math::

        \widehat{\mathrm{acc}} = \frac1n\#\{i : y_i(w^Tx_i + b) > 0\}, \qquad
        \widehat{\mathrm{acc}}_\varepsilon = \frac1n\#\{i : y_i(w^Tx_i + b)
            - \varepsilon\lVert w\rVert_* > 0\},

    with every coordinate of every sample drawn (n·d normals), next to the closed forms of
    :func:`robtheory.theory.closed_form.linear_accuracy`.

    Parameters
    ----------
    model : ToyModel
    clf : LinearClassifier, StructuredLinear, ConstantClassifier or (w, b)
        ``StructuredLinear`` is materialised with ``.weights()`` (O(d) memory).
    threat : ThreatModel or None
        None: the robust entry equals the standard one.
    n : int, >= 1
        Samples; any Python int (counts are exact past 2**31).
    seed : int, in [0, 2**64)
    backend : {"auto", "numpy", "numba", "cupy"}
    dtype : {float64, float32}
        Precision of the weak features and of the score (float64 counts are identical on
        every backend; float32 counts agree statistically).
    start : int, default 0
        First sample index: ``(seed, start, n)`` names the samples exactly.
    ci_alpha : float, default 0.05
        The intervals are Clopper--Pearson at level ``1 - ci_alpha``.
    chunk : int, optional
        Rows per chunk of the NumPy backend (the counts do not depend on it).
    progress : callable, optional
        ``progress(k)`` after each block of ``k`` samples.

    Returns
    -------
    dict
        ``standard`` and ``robust``: ``{estimate, count, n, ci: [lo, hi], level,
        analytic}``; and ``backend``, ``dtype``, ``seed``, ``start``, ``n``.

    Examples
    --------
    >>> from robtheory import ThreatModel, ToyModel, bayes
    >>> model = ToyModel(0.9, 0.3, 10)
    >>> res = estimate_linear(model, bayes(model), ThreatModel("linf", 0.3), n=10_000, seed=1, backend="numpy")
    >>> std = res["standard"]
    >>> std["n"], std["ci"][0] <= std["analytic"] <= std["ci"][1]
    (10000, True)
    """
    model = _check_model(model)
    threat = _check_threat(threat)
    n, start = ref.check_n_start(n, start)
    seed = ref.check_seed(seed)
    dt = ref.check_dtype(dtype)
    name = resolve_backend(backend)
    w, b = ref.linear_weights(model, clf)
    pen = ref.robust_penalty(w, threat)
    if name == "numpy":
        ks, kr = 0, 0
        rows = ref.chunk_rows(model.d, chunk)
        done = 0
        while done < n:  # outer blocks only to report progress; counts are chunk-free
            c = min(n - done, max(rows, 1 << 16))
            a, r = ref.linear_counts(model, w, b, threat, c, seed, start=start + done,
                                     chunk=rows, dtype=dt)
            ks, kr, done = ks + a, kr + r, done + c
            if progress is not None:
                progress(c)
    elif name == "numba":
        from robtheory.mc import cpu

        ks, kr = cpu.linear_counts(w, b, pen, model.eta, model.p, n, seed, start=start,
                                   dtype=dt, progress=progress)
    else:
        from robtheory.mc import gpu

        ks, kr = gpu.linear_counts(w, b, pen, model.eta, model.p, n, seed, start=start,
                                   dtype=dt, progress=progress)
    a_std, a_rob = _analytic_linear(model, clf, threat)
    return {
        "standard": _estimate(ks, n, a_std, ci_alpha),
        "robust": _estimate(kr, n, a_rob, ci_alpha),
        "backend": name, "dtype": dt.name, "seed": seed, "start": start, "n": n,
    }


def sampler_backend(backend: str) -> str:
    """Who materialises samples on the host for ``backend``: ``"numpy"`` or ``"numba"``.

    ``"numpy"`` stays the oracle; any other value resolves as in :func:`resolve_backend`,
    and CuPy becomes numba where numba is usable (the samples are host arrays), else NumPy.

    Parameters
    ----------
    backend : {"auto", "numpy", "numba", "cupy"}

    Returns
    -------
    str
        ``"numpy"`` or ``"numba"``.

    Examples
    --------
    >>> sampler_backend("numpy")
    'numpy'
    >>> sampler_backend("auto") in ("numpy", "numba")
    True
    """
    if backend == "numpy":
        return "numpy"
    used = resolve_backend(backend)
    if used == "cupy":
        return "numba" if numba_usable()[0] else "numpy"
    return used


def iter_samples(model: ToyModel, seed: int, n: int, *, start: int = 0, chunk: int | None = None,
                 backend: str = "numpy") -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """``(y, X)`` chunks of rows ``start .. start + n - 1`` of the stream, materialised.

    ``backend="numpy"`` uses the oracle's sampler (:func:`robtheory.mc.reference.iter_chunks`);
    ``"numba"`` the compiled one (:func:`robtheory.mc.cpu.sample_chunk`, both cores): the same
    rows, with ``y`` and ``x1`` bit-identical and the weak features within a few ulps of the
    oracle's (a count can differ only where a score lies within that distance of 0). Any other
    value resolves as in :func:`resolve_backend`, CuPy falling back to numba (the chunks are
    host arrays).

    Parameters
    ----------
    model : ToyModel
    seed : int, in [0, 2**64)
    n : int, >= 1
        Rows ``start .. start + n - 1``.
    start : int, default 0
    chunk : int, optional
        Rows per chunk (default about 2**20 weak features per chunk; numba: at most ``MAX_CALL``).
    backend : {"numpy", "numba", "auto", "cupy"}, default "numpy"

    Returns
    -------
    iterator of (ndarray, ndarray)
        ``(y, X)`` per chunk: ``y`` of shape ``(rows,)`` in {-1, +1}, ``X`` of shape ``(rows, d + 1)``
        (``X[:, 0]`` is x1), float64, Fortran order; the chunks cover the rows in order.

    Examples
    --------
    >>> from robtheory import ToyModel
    >>> chunks = list(iter_samples(ToyModel(0.9, 0.3, 4), seed=0, n=5, chunk=3))
    >>> [X.shape for y, X in chunks]
    [(3, 5), (2, 5)]
    """
    model = _check_model(model)
    seed = ref.check_seed(seed)
    n, start = ref.check_n_start(n, start)
    if sampler_backend(backend) != "numba":
        for _, y, X in ref.iter_chunks(model, seed, n, start=start, chunk=chunk):
            yield y, X
        return
    from robtheory.mc import cpu

    rows = min(ref.chunk_rows(model.d, chunk), cpu.MAX_CALL)
    done = 0
    while done < n:
        c = min(rows, n - done)
        yield cpu.sample_chunk(model.eta, model.p, model.d, seed, start + done, c)
        done += c


def estimate_callable(
    model: ToyModel,
    classifier: Callable,
    n: int = 10**5,
    seed: int = 0,
    *,
    attack: str | Callable | None = None,
    threat: ThreatModel | None = None,
    analytic: float | None = None,
    dtype: Any = np.float64,
    start: int = 0,
    chunk: int | None = None,
    ci_alpha: float = CI_ALPHA,
    xp: Any = None,
    backend: str = "numpy",
) -> dict:
    """Accuracy of any vectorised classifier on materialised samples.

    The samples come from the NumPy oracle's sampler by default; ``backend="numba"`` (or
    ``"auto"``) materialises the same rows with the compiled sampler of :func:`iter_samples`,
    about 20 times faster (float64 only: ``dtype=float32`` always uses the oracle).

    See :func:`robtheory.mc.reference.callable_counts` for ``attack`` (None, ``"shift"``
    for the Theorem 2.1 adversary, or a callable), ``threat`` (checks that the attack
    stays in the ball) and ``xp``. ``analytic`` is an optional value to report alongside.

    Parameters
    ----------
    model : ToyModel
    classifier : callable
        ``classifier(X)`` maps samples ``X`` of shape ``(m, d + 1)`` (x1 first) to scores of shape
        ``(m,)``; a sample is correct iff ``y * score > 0``.
    n : int >= 1
    seed : int in [0, 2**64)
    attack, threat, analytic, dtype, start, chunk, ci_alpha, xp
        Keywords, as above and in :func:`estimate_linear`.

    Returns
    -------
    dict
        ``{estimate, count, n, ci, level, analytic, backend, seed, start}``.

    Examples
    --------
    >>> import numpy as np
    >>> from robtheory import ToyModel
    >>> res = estimate_callable(ToyModel(0.9, 0.3, 10), lambda X: np.sign(X[:, 0]), n=10_000, seed=1,
    ...                         analytic=0.9)                   # sign(x1) is right with probability p
    >>> res["ci"][0] <= 0.9 <= res["ci"][1]
    True
    """
    model = _check_model(model)
    threat = _check_threat(threat)
    n, start = ref.check_n_start(n, start)
    used = sampler_backend(backend) if np.dtype(dtype) == np.float64 else "numpy"
    if used == "numba":
        k = ref.count_correct(model, iter_samples(model, seed, n, start=start, chunk=chunk, backend="numba"),
                              classifier, attack=attack, threat=threat, xp=xp)
    else:
        k = ref.callable_counts(model, classifier, n, seed, attack=attack, threat=threat,
                                start=start, chunk=chunk, dtype=dtype, xp=xp)
    out = _estimate(k, n, analytic, ci_alpha)
    out.update({"backend": used, "seed": ref.check_seed(seed), "start": start})
    return out


def estimate_marginals(
    model: ToyModel, n: int = 10**6, seed: int = 0, backend: str = "auto", *, start: int = 0,
    progress: Callable[[int], None] | None = None,
) -> dict:
    """The sampler's marginal statistics (:func:`robtheory.mc.reference.marginal_sums`).

    float64 stream. ``"cupy"`` has no marginal kernel and runs on numba (or NumPy); the
    returned ``backend`` says which ran.

    Parameters
    ----------
    model : ToyModel
    n : int >= 1
    seed : int in [0, 2**64)
    backend : {"auto", "numpy", "numba", "cupy"}
    start : int >= 0, keyword
    progress : callable, optional, keyword

    Returns
    -------
    dict
        ``n``, ``d``, ``n_pos`` (labels +1), ``x1_eq_y_pos``/``x1_eq_y_neg`` (x1 = y within each
        class), ``sum_x_pos``/``sum_x_neg`` (sums of the weak features per class), ``sum_x2`` and
        ``backend``.

    Examples
    --------
    >>> from robtheory import ToyModel
    >>> m = estimate_marginals(ToyModel(0.9, 0.3, 10), n=1000, seed=1, backend="numpy")
    >>> m["n"], 0 < m["x1_eq_y_pos"] <= m["n_pos"]
    (1000, True)
    """
    model = _check_model(model)
    n, start = ref.check_n_start(n, start)
    seed = ref.check_seed(seed)
    name = resolve_backend(backend)
    if name == "cupy":
        name = "numba" if backend_status()["numba"][0] else "numpy"
    if name == "numba":
        from robtheory.mc import cpu

        out = cpu.marginal_sums(model.d, model.eta, model.p, n, seed, start=start,
                                progress=progress)
    else:
        out = ref.marginal_sums(model, n, seed, start=start)
        if progress is not None:
            progress(n)
    out["backend"] = name
    return out


# --------------------------------------------------------------------------- checks
def _agreement(count: int, n: int, p0: float, alpha: float, power: float) -> dict:
    r = stats.agreement_test(count, n, p0, alpha, power=power)
    return {"passed": r.passed, "p_value": r.p_value, "z": r.z, "alpha": r.alpha,
            "min_detectable": r.min_detectable, "method": r.method}


def check_against_closed_form(
    model: ToyModel,
    clf: Any,
    threat: ThreatModel | None = None,
    n: int = 10**6,
    seed: int = 0,
    backend: str = "auto",
    *,
    total_alpha: float = DEFAULT_TOTAL_ALPHA,
    n_checks: int = 2,
    analytic: dict | None = None,
    power: float = 0.5,
    dtype: Any = np.float64,
    start: int = 0,
    progress: Callable[[int], None] | None = None,
) -> dict:
    r"""Monte Carlo counts of :func:`estimate_linear` tested against the closed forms.

    Each of the ``standard`` and ``robust`` counts is tested for
    :math:`H_0: p = p_{\mathrm{analytic}}` with :func:`robtheory.stats.agreement_test` at
    :math:`\alpha = \alpha_{\mathrm{total}} / m` (:func:`robtheory.stats.familywise_alpha`,
    ``m = n_checks``: pass the size of the whole family when this call is one check of
    many). By the union bound a correct closed form fails the whole family with
    probability at most ``total_alpha``. Each entry also reports ``min_detectable``: the
    smallest deviation from the closed form the test detects with probability ``power``
    at this n.

    Parameters
    ----------
    analytic : dict, optional
        ``{"standard": value, "robust": value}`` to test instead of the closed forms (how
        the negative controls test deliberately wrong formulas). Missing keys keep the
        closed form.
    Other parameters as in :func:`estimate_linear`.

    Returns
    -------
    dict
        The :func:`estimate_linear` dict, each of ``standard``/``robust`` extended with
        ``agreement: {passed, p_value, z, alpha, min_detectable, method}``; plus
        ``passed`` (both pass), ``total_alpha`` and ``alpha_per_check``.

    Examples
    --------
    >>> from robtheory import ThreatModel, ToyModel, bayes
    >>> model = ToyModel(0.9, 0.3, 10)
    >>> res = check_against_closed_form(model, bayes(model), ThreatModel("linf", 0.3), n=10_000, seed=1,
    ...                                 backend="numpy")
    >>> res["passed"], res["alpha_per_check"] == res["total_alpha"] / 2
    (True, True)
    """
    alpha = stats.familywise_alpha(total_alpha, n_checks)
    res = estimate_linear(model, clf, threat, n, seed, backend, dtype=dtype, start=start,
                          progress=progress)
    for kind in ("standard", "robust"):
        if analytic is not None and kind in analytic:
            res[kind]["analytic"] = float(analytic[kind])
        e = res[kind]
        e["agreement"] = _agreement(e["count"], e["n"], e["analytic"], alpha, power)
    res["passed"] = res["standard"]["agreement"]["passed"] and res["robust"]["agreement"]["passed"]
    res["total_alpha"] = float(total_alpha)
    res["alpha_per_check"] = alpha
    return res


def check_marginals(
    model: ToyModel,
    n: int = 10**6,
    seed: int = 0,
    backend: str = "auto",
    *,
    total_alpha: float = DEFAULT_TOTAL_ALPHA,
    expected: dict | None = None,
    start: int = 0,
    sums: dict | None = None,
) -> dict:
    r"""Test the sampler's marginals: labels, x1 given y, and the weak-feature moments.

    Five checks share ``total_alpha`` (Bonferroni):

    * ``y``: :math:`\#\{y = +1\} \sim \mathrm{Bin}(n, 1/2)` (exact test);
    * ``x1_pos``, ``x1_neg``: :math:`\#\{x_1 = y\}` within each class
      :math:`\sim \mathrm{Bin}(n_\pm, p)` (exact tests), so a sampler that gets
      :math:`P(x_1 = y)` right only on average over the classes is caught;
    * ``mean``: :math:`\bar m = (\sum_{y=+1} x_k - \sum_{y=-1} x_k)/(nd)`, the mean of
      :math:`y x_k`, has mean :math:`\eta` and variance :math:`1/(nd)`;
    * ``var``: :math:`\overline{x^2} = \sum x_k^2/(nd)` has mean :math:`1 + \eta^2` and
      variance :math:`(2 + 4\eta^2)/(nd)` (so the weak-feature variance is 1);

    the last two by two-sided z-tests (CLT over :math:`nd` terms).

    ``expected`` may override ``p``, ``eta`` or ``var`` (the weak-feature variance) to test
    deliberately wrong values (negative controls).

    Parameters
    ----------
    model : ToyModel
    n : int >= 1
    seed : int in [0, 2**64)
    backend : {"auto", "numpy", "numba", "cupy"}
    total_alpha : float in (0, 1), keyword
        Family-wise false-alarm rate of the five checks.
    expected : dict, optional, keyword
    start : int >= 0, keyword
    sums : dict, optional, keyword
        The :func:`estimate_marginals` dict of these ``n`` rows, computed elsewhere (e.g. in pieces
        on a cluster); default: computed here.

    Returns
    -------
    dict
        One entry per check (``y``, ``x1_pos``, ``x1_neg``, ``mean``, ``var``: each with
        ``passed``, ``p_value``, ``z``), ``passed`` (all five), the ``sums`` and the settings.

    Examples
    --------
    >>> from robtheory import ToyModel
    >>> check_marginals(ToyModel(0.9, 0.3, 10), n=10_000, seed=1, backend="numpy")["passed"]
    True
    >>> check_marginals(ToyModel(0.9, 0.3, 10), n=10_000, seed=1, backend="numpy",
    ...                 expected={"p": 0.8})["passed"]      # a wrong p is rejected
    False
    """
    from scipy.special import ndtr

    model = _check_model(model)
    exp = {"p": model.p, "eta": model.eta, "var": 1.0}
    exp.update(expected or {})
    alpha = stats.familywise_alpha(total_alpha, 5)
    m = estimate_marginals(model, n, seed, backend, start=start) if sums is None else dict(sums)
    n, d, n_pos = m["n"], m["d"], m["n_pos"]
    out = {"backend": m["backend"], "n": n, "d": d, "alpha_per_check": alpha,
           "total_alpha": float(total_alpha), "sums": m}
    out["y"] = _agreement(n_pos, n, 0.5, alpha, 0.5)
    out["x1_pos"] = _agreement(m["x1_eq_y_pos"], n_pos, exp["p"], alpha, 0.5) if n_pos else None
    n_neg = n - n_pos
    out["x1_neg"] = _agreement(m["x1_eq_y_neg"], n_neg, exp["p"], alpha, 0.5) if n_neg else None
    nd = n * d
    zcrit = float(stats.two_sided_z(alpha))
    mean = (m["sum_x_pos"] - m["sum_x_neg"]) / nd
    z_mean = (mean - exp["eta"]) * math.sqrt(nd)
    second = m["sum_x2"] / nd
    mu2 = exp["var"] + exp["eta"] ** 2
    sd2 = math.sqrt((2 * exp["var"] ** 2 + 4 * exp["var"] * exp["eta"] ** 2) / nd)
    z_var = (second - mu2) / sd2
    for key, val, z, sd in (("mean", mean, z_mean, 1 / math.sqrt(nd)),
                            ("var", second - mean**2, z_var, sd2)):
        out[key] = {"value": val, "z": z, "p_value": float(2 * ndtr(-abs(z))),
                    "passed": abs(z) <= zcrit, "alpha": alpha,
                    "min_detectable": zcrit * sd}
    out["passed"] = all(out[k]["passed"] for k in ("y", "x1_pos", "x1_neg", "mean", "var")
                        if out[k] is not None)
    return out
