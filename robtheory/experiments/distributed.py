r"""Monte Carlo runs of the claims spread over a dask.distributed cluster (``verify --scheduler``).

:class:`DistributedRunner` takes the runs of the Monte Carlo column (:mod:`robtheory.claims.runs`)
and of the claims campaign, cuts every draw of every run (:mod:`robtheory.claims.draws`: a contiguous
block of rows of one Philox stream) into *pieces* of about :data:`PIECE_NORMALS` normal variates,
submits all pieces at once, and, when a run's result is asked for, combines its pieces' totals in row
order and judges them with the run's own ``records``. Randomness is keyed by rows of the stream,
never by the schedule (design principle 5): a piece of rows ``a .. b`` draws exactly those rows of
the serial run, so

* every count (accuracy counts, the sampler's marginal counts) equals the serial run's whatever the
  cut, the number of workers or the order in which pieces finish;
* every floating-point sum (the moments of the mean tests, the marginal sums) is kept per unit of rows
  that the serial computation accumulates at a time and folded in the serial order; the pieces are
  whole units, so these equal the serial run's bit for bit too, and so does every record.

Runs without draws (the training-set and trial runs, whose size does not depend on ``n``) go to a
worker whole.

The cluster: ``scheduler=None`` starts a LocalCluster of ``n_workers`` worker processes with one
thread each (and one numba thread each), closed with the runner; an address ``tcp://host:port``
connects to a running scheduler (``dask scheduler`` and ``dask worker`` started elsewhere, with
robtheory installed at the same version). dask is imported only here, and only when a runner starts
(``pip install 'robtheory[dask]'``).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["PIECE_NORMALS", "DistributedRunner", "RunHandle", "default_piece_rows", "require_dask"]

#: Normal variates per piece by default (rows = this / (d + 2), rounded up to the draw's unit): about
#: 1-2 s of numba or 30-40 s of the NumPy sampler per piece on one core.
PIECE_NORMALS = 1 << 28


def require_dask(purpose: str = "spreading the Monte Carlo runs over a cluster") -> Any:
    """``distributed``, or an ImportError that says what needed it (``purpose``) and how to install it."""
    try:
        import distributed
    except ImportError as exc:
        raise ImportError(
            f"{purpose} needs dask.distributed, which is not importable "
            f"here ({exc}); install it with: pip install 'robtheory[dask]'") from None
    return distributed


def default_piece_rows(draw: Any) -> int:
    """Rows per piece of ``draw`` when none is given: about :data:`PIECE_NORMALS` normals."""
    d = getattr(getattr(draw, "model", None), "d", 100)
    return max(1, PIECE_NORMALS // (int(d) + 2))


def _compute(draw: Any) -> Any:
    """One piece (runs on a worker: a draw in, its totals out)."""
    return draw.compute()


def _run_whole(run: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """A run without draws, whole (runs on a worker)."""
    return run.run(*args, **kwargs)


class RunHandle:
    """The pending result of one run: :meth:`result` waits for its pieces and returns its records."""

    def __init__(self, finish: Callable[[], Any]) -> None:
        self._finish = finish
        self._value: Any = None
        self._done = False

    def result(self) -> Any:
        if not self._done:
            self._value, self._done = self._finish(), True
            self._finish = lambda: None
        return self._value


class DistributedRunner:
    """A dask.distributed client (and, by default, its LocalCluster) that computes runs in pieces.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running dask scheduler (``tcp://host:port``); None or ``"local"``: start a
        LocalCluster of ``n_workers`` worker processes here.
    n_workers : int, >= 1
        Worker processes of the LocalCluster (ignored with an address).
    piece_rows : int, optional
        Rows of the stream per piece (rounded up to each draw's unit); default
        :func:`default_piece_rows`. The results do not depend on it.
    progress : callable, optional
        ``progress(done, total)`` after each finished piece (called from dask's callback thread).
    connect_timeout : float
        Seconds to wait for the scheduler before an OSError.

    The runner is a context manager; :meth:`close` closes the client and any cluster it started.
    """

    def __init__(self, scheduler: str | None = None, *, n_workers: int = 2, piece_rows: int | None = None,
                 progress: Callable[[int, int], None] | None = None, connect_timeout: float = 10.0) -> None:
        if isinstance(n_workers, bool) or not isinstance(n_workers, int) or n_workers < 1:
            raise ValueError(f"n_workers must be a positive integer, got n_workers={n_workers!r}")
        if piece_rows is not None and (isinstance(piece_rows, bool) or not isinstance(piece_rows, int)
                                       or piece_rows < 1):
            raise ValueError(f"piece_rows must be a positive integer, got piece_rows={piece_rows!r}")
        if scheduler is not None and (not isinstance(scheduler, str) or not scheduler.strip()):
            raise ValueError(f"scheduler must be an address such as tcp://host:8786 or 'local', got {scheduler!r}")
        distributed = require_dask()
        import dask

        self._distributed = distributed
        self.piece_rows = piece_rows
        self.progress = progress
        self._lock = threading.Lock()
        self.pieces_total = 0
        self.pieces_done = 0
        local = scheduler is None or scheduler.strip() == "local"
        self.cluster: Any = None
        # dask's nannies start workers with MALLOC_TRIM_THRESHOLD_=65536, which turns off glibc's
        # adaptive mmap threshold: every large NumPy temporary of the NumPy sampler is then a fresh
        # mmap and its page faults (measured: twice the CPU time per task). Unset for our own workers.
        with dask.config.set({"distributed.comm.timeouts.connect": f"{connect_timeout:g}s",
                              "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
            if local:
                self.cluster = distributed.LocalCluster(
                    n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None,
                    env={"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"})
                try:
                    self.client = distributed.Client(self.cluster)
                except BaseException:
                    self.cluster.close()
                    raise
            else:
                self.client = distributed.Client(scheduler, timeout=connect_timeout)
        self.address = None if local else scheduler
        where = f"LocalCluster, {n_workers} worker processes" if local else scheduler
        self.executor = f"dask.distributed ({where})"

    # ------------------------------------------------------------------ context
    def __enter__(self) -> DistributedRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the client, and the LocalCluster if this runner started one."""
        client, self.client = getattr(self, "client", None), None
        if client is not None:
            client.close()
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None

    @property
    def workers(self) -> int:
        """Worker threads the scheduler knows now."""
        info = self.client.scheduler_info()
        return int(sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()))

    # ------------------------------------------------------------------ submission
    def _tick(self, _future: Any = None) -> None:
        with self._lock:
            self.pieces_done += 1
            done, total = self.pieces_done, self.pieces_total
        if self.progress is not None:
            self.progress(done, total)

    def _submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        fut = self.client.submit(fn, *args, pure=False)
        with self._lock:
            self.pieces_total += 1
        fut.add_done_callback(self._tick)
        return fut

    def submit_draw(self, draw: Any) -> Callable[[], Any]:
        """Submit ``draw`` in pieces; returns a function that waits and gives the combined totals."""
        from robtheory.claims.draws import pieces

        rows = self.piece_rows if self.piece_rows is not None else default_piece_rows(draw)
        futs = [self._submit(_compute, p) for p in pieces(draw, rows)]
        return lambda: type(draw).combine(self.client.gather(futs))

    def submit(self, run: Any, n: int, seed: int, start: int, backend: str, alpha: float, *,
               resolution: float | None = None, mean_resolution: float | None = None) -> RunHandle:
        """Submit one run (the arguments of its ``run`` method); :meth:`RunHandle.result` gives its records,
        those of ``run.run(n, seed, start, backend, alpha, ...)`` in this process."""
        kwargs = {"resolution": resolution, "mean_resolution": mean_resolution}
        if not hasattr(run, "draws"):
            fut = self._submit(_run_whole, run, (n, seed, start, backend, alpha), kwargs)
            return RunHandle(fut.result)
        waits = [self.submit_draw(d) for d in run.draws(n, seed, start, backend)]
        return RunHandle(lambda: run.records([w() for w in waits], n, seed, start, alpha, **kwargs))

    def run_all(self, jobs: Sequence[tuple[Any, int, int, int, str, float]], **kwargs: Any) -> list[Any]:
        """Records of every ``(run, n, seed, start, backend, alpha)`` in ``jobs``, submitted at once."""
        handles = [self.submit(*job, **kwargs) for job in jobs]
        return [h.result() for h in handles]


def progress_bar(desc: str) -> Any:
    """A tqdm bar over pieces on stderr when it is a terminal (None otherwise), and its update function
    for :class:`DistributedRunner`'s ``progress``."""
    if not sys.stderr.isatty():
        return None, None
    from tqdm import tqdm

    bar = tqdm(total=0, desc=desc, unit="piece", file=sys.stderr, leave=False, position=1)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    return bar, update
