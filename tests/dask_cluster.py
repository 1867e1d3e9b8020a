"""A dask scheduler and workers started as their own processes, as on a real cluster (one copy for the
tests of `phase --mc` and `verify --scheduler`)."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def external_cluster(log_dir: Path, workers: int) -> Iterator[str]:
    """Start ``dask scheduler`` and ``dask worker --nworkers workers`` (one thread each), wait until the
    workers have joined, yield the scheduler's address; stop both afterwards (log in ``log_dir``)."""
    import distributed

    port = _free_port()
    addr = f"tcp://127.0.0.1:{port}"
    exe = [sys.executable, "-m", "dask"]
    with open(log_dir / "dask.log", "w") as log:
        procs = [subprocess.Popen([*exe, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                                  stdout=log, stderr=subprocess.STDOUT)]
        try:
            procs.append(subprocess.Popen([*exe, "worker", addr, "--nworkers", str(workers), "--nthreads", "1",
                                           "--no-dashboard"], stdout=log, stderr=subprocess.STDOUT))
            with distributed.Client(addr, timeout=60) as client:
                client.wait_for_workers(workers, timeout=120)
            yield addr
        finally:
            for p in reversed(procs):
                p.terminate()
            for p in procs:
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
