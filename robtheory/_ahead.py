"""Work computed ahead in one helper process while the calling process does something else.

:class:`Ahead` submits ``fn(key)`` for every key to a one-worker process pool (spawned: a fresh
interpreter, safe with threads and numba), and :meth:`Ahead.get` returns a key's result, or computes
it here with the given fallback when the helper could not start, failed, or was never asked. Used by
``robtheory verify`` for its analytic column (:mod:`robtheory.claims.verify`) and its proof column
(``robtheory.proofs.column``), so that both cores work. ``ROBTHEORY_VERIFY_PROCESSES=0`` switches the
helper processes off (everything is then computed in the calling process), as does a one-core machine.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["PARALLEL_ENV", "Ahead"]

#: Set to ``0`` to compute everything in the calling process (no helper processes).
PARALLEL_ENV = "ROBTHEORY_VERIFY_PROCESSES"


class Ahead:
    """``fn(key)`` for each of ``keys``, computed in a helper process in the order given.

    ``fn`` must be a module-level function (it is pickled by reference) and its results picklable.
    Nothing is started when fewer than ``min_keys`` keys are given, when :data:`PARALLEL_ENV` is
    ``0``, or on a one-core machine; :meth:`get` then computes with its fallback.
    """

    def __init__(self, fn: Callable[[Any], Any], keys: Iterable[Any], *, min_keys: int = 1) -> None:
        self._futures: dict[Any, Any] = {}
        self._pool: Any = None
        keys = list(dict.fromkeys(keys))
        if len(keys) < min_keys or os.environ.get(PARALLEL_ENV, "").strip() == "0" or (os.cpu_count() or 1) < 2:
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        try:
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
            self._futures = {k: self._pool.submit(fn, k) for k in keys}
        except (OSError, RuntimeError):  # no processes here (sandbox, frozen interpreter): compute in-process
            self.close()

    def get(self, key: Any, fallback: Callable[[], Any]) -> Any:
        """The helper's result for ``key`` (each is taken once), else ``fallback()`` computed here."""
        fut = self._futures.pop(key, None)
        if fut is not None:
            try:
                return fut.result()
            except Exception:  # noqa: BLE001 (a broken helper process: the work is done here instead)
                pass
        return fallback()

    def close(self) -> None:
        """Stop the helper (results not yet taken are dropped; :meth:`get` then computes them here)."""
        if self._pool is not None:
            for fut in self._futures.values():
                fut.cancel()
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._futures = {}
