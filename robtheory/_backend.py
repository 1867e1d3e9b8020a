"""Which compute backend runs: the numba probe and the one resolution rule.

Three parts of robtheory can run on several backends: the Monte Carlo engine
(:func:`robtheory.mc.engine.resolve_backend`: numpy, numba, cupy), the Philox stream
(:mod:`robtheory.mc.philox`: numpy, numba) and the closed-form grid
(:func:`robtheory.theory._grid.grid_backend`: numpy, numba). Each states which backends it has
and whether each is usable now (a ``{name: (usable, reason)}`` map); :func:`resolve` then
applies the same rule everywhere:

* an unknown name is a ValueError naming it;
* ``"numpy"`` (the reference) is always usable;
* ``"auto"`` takes the first usable backend of the caller's preference order, else NumPy
  (with an optional notice saying why);
* any other backend that is not usable is a ValueError saying why
  (``backend 'numba' is not usable here: numba is not installed``).

numba is a hard dependency, but an install can still be broken (llvmlite) or switched off
(``ROBTHEORY_DISABLE_NUMBA=1``): :func:`numba_status` and :func:`disabled` are the probes.
This module sits in the bottom layer and imports nothing of robtheory.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from collections.abc import Callable, Mapping

__all__ = ["Status", "disabled", "numba_status", "numba_usable", "resolve"]

#: ``(usable, reason)``: the reason is ``"ok..."`` when usable, else a sentence saying why not.
Status = tuple[bool, str]


def disabled(var: str) -> bool:
    """Whether environment variable ``var`` (``ROBTHEORY_DISABLE_NUMBA``, ...) switches a backend off."""
    return os.environ.get(var, "") not in ("", "0")


@functools.cache
def numba_status() -> Status:
    """Whether numba is installed and imports: ``(usable, reason)``.

    find_spec sees a missing package (and a ``None`` entry in ``sys.modules``, how a package is
    blocked) without importing anything; the import, whose result is used below so that no
    linter removes it as unused, catches a broken install (llvmlite, a NumPy it does not support).
    """
    try:
        spec = importlib.util.find_spec("numba")
    except (ImportError, ValueError) as exc:  # a broken parent or a module without a spec
        return False, f"numba is not importable ({type(exc).__name__}: {exc})"
    if spec is None:
        return False, "numba is not installed"
    try:
        import numba
    except Exception as exc:  # noqa: BLE001 - ImportError, or a broken llvmlite (OSError, ...)
        return False, f"numba is not importable ({type(exc).__name__}: {exc})"
    return True, f"ok (numba {numba.__version__})"


def numba_usable(probe: Callable[[], Status] = numba_status) -> Status:
    """numba's status for a backend map: switched off by ``ROBTHEORY_DISABLE_NUMBA``, else what
    ``probe`` says (:func:`numba_status`, or a caller's probe of its own kernels)."""
    if disabled("ROBTHEORY_DISABLE_NUMBA"):
        return False, "disabled by ROBTHEORY_DISABLE_NUMBA"
    return probe()


def resolve(backend: str, choices: tuple[str, ...], status: Callable[[], Mapping[str, Status]],
            auto_order: tuple[str, ...], notice: Callable[[str], None] | None = None) -> str:
    """The concrete backend for ``backend`` (see the module docstring for the rule).

    Parameters
    ----------
    backend : str
        What the caller asked for: one of ``choices``.
    choices : tuple of str
        The names the caller accepts (``"auto"`` and ``"numpy"`` among them).
    status : callable
        ``{name: (usable, reason)}`` for the backends other than numpy, asked only when needed.
    auto_order : tuple of str
        ``"auto"``'s preference, best first; NumPy when none is usable.
    notice : callable, optional
        Called with one sentence when ``"auto"`` falls back to NumPy.
    """
    if backend not in choices:
        raise ValueError(f"backend must be one of {choices}, got backend={backend!r}")
    if backend == "numpy":
        return "numpy"
    st = status()
    if backend == "auto":
        for name in auto_order:
            if st[name][0]:
                return name
        if notice is not None:
            notice(f"backend auto: numba is not usable ({st['numba'][1]}); using the NumPy reference (slower)")
        return "numpy"
    ok, why = st[backend]
    if not ok:
        raise ValueError(f"backend {backend!r} is not usable here: {why}")
    return backend
