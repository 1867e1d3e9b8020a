r"""A compiled filler of finite data sets, bit-identical to :func:`robtheory.mc.reference.sample_dataset`.

:func:`sample_dataset_fast` returns the same ``(X, y)`` as the NumPy reference, byte for byte, for
every ``(model, n, seed, start)``. The work splits where bit-identity can be kept by construction:

* the integer part (the Philox4x32-10 words of the three streams and their conversion to the
  uniforms :math:`U_{53}`) runs in one numba kernel (``_dataset_uniforms`` of
  :mod:`robtheory.mc._cpu_kernels`, the file that holds every cached kernel of the CPU backend, since
  numba's disk cache is keyed on that file's contents only); it is exact integer arithmetic plus
  an exact conversion (odd multiples of :math:`2^{-53}` below 1), so any implementation gives the
  same bits;
* the floating-point part (the Box--Muller transform and ``eta * y + z``) runs through the same
  NumPy calls on the same arrays as the reference (:func:`robtheory.mc.philox.box_muller` on the
  ``(n, blocks)`` uniform arrays), because a compiled ``log``/``cos``/``sin`` may differ from
  NumPy's in the last bit.

Each row is a pure function of ``(seed, row)``: the result does not depend on how rows are
split between calls or threads. The kernel is ``nogil``, so trials can be drawn from threads.
"""

from __future__ import annotations

import numpy as np

from robtheory.mc._cpu_kernels import _dataset_uniforms
from robtheory.mc._philox_core import box_muller, seed_to_key
from robtheory.mc.reference import check_n_start
from robtheory.mc.seeds import check_seed
from robtheory.model import ToyModel

__all__ = ["sample_dataset_fast"]


def sample_dataset_fast(model: ToyModel, n: int, seed: int, start: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """:func:`robtheory.mc.reference.sample_dataset` with the Philox words computed by numba.

    Same arguments, same validation, same ``(X, y)`` bit for bit: ``X`` of shape ``(n, d + 1)``,
    float64, C order (``X[:, 0]`` is x1), ``y`` in {-1, +1}, float64.
    """
    if not isinstance(model, ToyModel):
        raise ValueError(f"model must be a ToyModel, got {model!r}")  # noqa: TRY004 (module convention)
    seed = check_seed(seed)
    n, start = check_n_start(n, start)
    k0, k1 = seed_to_key(seed)
    d = model.d
    n_blocks = -(-d // 2)
    ua = np.empty((n, n_blocks))
    ub = np.empty((n, n_blocks))
    u_y = np.empty(n)
    u_x = np.empty(n)
    _dataset_uniforms(np.uint64(k0), np.uint64(k1), np.uint64(start), n, n_blocks, ua, ub, u_y, u_x)
    # from here on the reference's own operations (mc.reference.labels, sample_chunk and
    # mc._philox_core._block_values for float64 normals)
    y = np.where(u_y < 0.5, 1.0, -1.0)
    x1 = np.where(u_x < model.p, y, -y)
    za, zb = box_muller(ua, ub)
    z = np.stack(np.broadcast_arrays(za, zb), axis=-1).reshape(n, 2 * n_blocks)[:, :d]
    X = np.empty((n, d + 1))
    X[:, 0] = x1
    X[:, 1:] = (np.float64(model.eta) * y)[:, None] + z
    return X, y
