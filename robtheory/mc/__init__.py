"""Monte Carlo engine: every coordinate of every sample, judged by exact binomial tests.

* :mod:`robtheory.mc.philox` -- the Philox4x32-10 counter-based stream (NumPy; numba on demand);
* :mod:`robtheory.mc.reference` -- the plain NumPy sampler and estimators (the oracle);
* :mod:`robtheory.mc.cpu` -- fused numba kernels (imports numba);
* :mod:`robtheory.mc.gpu` -- CuPy RawKernels (imports cupy when called);
* :mod:`robtheory.mc.engine` -- ``backend="auto"|"numpy"|"numba"|"cupy"``, estimates with
  intervals next to the closed forms, and the agreement checks;
* :mod:`robtheory.mc.hinge` -- population hinge losses and gradients (NumPy), CLT z-tests;
* :mod:`robtheory.claims.mc_column` -- the ``mc`` column of ``robtheory verify`` (one plan of
  sampling runs per claim, one family-wise false-alarm rate per run).

``import robtheory.mc`` imports neither numba nor cupy; the names below are loaded from
:mod:`robtheory.mc.engine` on first use.

Examples
--------
>>> import robtheory.mc
>>> from robtheory import ToyModel, averaging
>>> model = ToyModel(0.9, 0.3, 100)
>>> res = robtheory.mc.check_against_closed_form(model, averaging(100), n=20_000, seed=0, backend="numpy")
>>> res["standard"]["n"], res["passed"]
(20000, True)
>>> "estimate_linear" in dir(robtheory.mc)
True
"""

from __future__ import annotations

__all__ = [
    "BACKENDS",
    "backend_status",
    "check_against_closed_form",
    "check_marginals",
    "estimate_callable",
    "estimate_linear",
    "estimate_marginals",
    "resolve_backend",
]


def __getattr__(name: str):
    if name in __all__:
        from robtheory.mc import engine

        return getattr(engine, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    # the lazily loaded names are public too: list them (dir() showed none of them before)
    return sorted(set(__all__) | {n for n in globals() if n.startswith('__')})
