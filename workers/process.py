"""A real Celery worker in its own process group: started by the demo, tests and benchmarks (and killed by them)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from workers.queues import QUEUES

ROOT = Path(__file__).resolve().parent.parent


class WorkerProcess:
    def __init__(self, env: dict[str, str], log_path: Path, concurrency: int = 2, name: str = "test",
                 pool: str = "prefork", app: str = "workers.celery_app"):
        self.env = env
        self.log_path = log_path
        self.concurrency = concurrency
        self.name = name
        self.pool = pool
        self.app = app  # another module exposing the app (the benchmark's, with its own connectors registered)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30.0) -> None:
        """Start and wait until this start's own "ready" line is in the log."""
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", self.app, "worker", "--loglevel=INFO",
             f"--concurrency={self.concurrency}", f"--hostname={self.name}-{os.getpid()}@%h", f"--pool={self.pool}",
             "--queues", ",".join(q.name for q in QUEUES), "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited with {self.process.returncode}; see {self.log_path}")
            with open(self.log_path, "rb") as written:
                written.seek(offset)
                if b" ready." in written.read():
                    return
            time.sleep(0.1)
        raise TimeoutError(f"worker not ready after {timeout}s; see {self.log_path}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None

    def kill(self) -> None:
        """SIGKILL the whole process group: the main process and its pool children, mid-task."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        self.process = None

    def exited(self) -> bool:
        """The process ended by itself (a crash, or an unrecoverable broker error)."""
        return self.process is not None and self.process.poll() is not None

    def restart(self) -> None:
        self.stop()
        self.log_path.write_bytes(b"")
        self.start()
