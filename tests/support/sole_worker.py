"""A worker process of a test's own, as the only worker while the test runs: the session's worker would take the
test's messages as often as not, both waiting on the same queues."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from workers.process import WorkerProcess


@contextmanager
def sole_worker(session_worker: WorkerProcess, env: dict[str, str], log_path: Path,
                name: str = "test") -> Iterator[WorkerProcess]:
    """Stop the session's worker, run one with `env` instead, and bring the session's back afterwards."""
    session_worker.stop()
    process = WorkerProcess(env, log_path, name=name)
    try:
        process.start()
        yield process
    finally:
        process.stop()
        session_worker.start(timeout=120)
