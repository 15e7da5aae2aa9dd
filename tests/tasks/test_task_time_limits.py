"""Every task runs under Celery's soft and hard time limits: a task stuck where no deadline of its own reaches
(here: connecting through a network that accepts and then says nothing, under a long platform timeout) is
interrupted, and its job fails with the reason instead of holding a pool process forever."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from catalog.session import session_factory
from services.crawl.jobs import start_crawl
from tests.support.pipeline import register_source, wait_for_job
from tests.support.silent_proxy import silent_proxy
from tests.support.sole_worker import sole_worker
from workers.process import WorkerProcess

pytestmark = pytest.mark.usefixtures("catalog", "redis_env")

SOFT_LIMIT = 2


@pytest.fixture
def limited_worker(catalog_url: str, worker: WorkerProcess, tmp_path: Path) -> Iterator[WorkerProcess]:
    """The only worker while the test runs: the session's worker (no such limits) would take the crawl as often
    as not, both waiting on the same queues."""
    env = dict(os.environ, OBJECTSYNC_TASK_SOFT_TIME_LIMIT_SECONDS=str(SOFT_LIMIT),
               OBJECTSYNC_TASK_TIME_LIMIT_SECONDS=str(SOFT_LIMIT + 3), OBJECTSYNC_REMOTE_TIMEOUT_SECONDS="120")
    with sole_worker(worker, env, tmp_path / "worker.log") as process:
        yield process


def test_every_task_keeps_the_configured_limits() -> None:
    """No task overrides the limits away. (Read in a child process: a task registered in this one would make the
    messages this process sends carry this process's limits, which the worker then honours.)"""
    script = ("import json; from workers.celery_app import app; app.loader.import_default_modules(); "
              "print(json.dumps([app.conf.task_soft_time_limit, app.conf.task_time_limit, "
              "{n: [t.soft_time_limit, t.time_limit] for n, t in app.tasks.items() if n.startswith('objectsync.')}]))")
    env = dict(os.environ, OBJECTSYNC_TASK_SOFT_TIME_LIMIT_SECONDS="7", OBJECTSYNC_TASK_TIME_LIMIT_SECONDS="9")
    result = subprocess.run([sys.executable, "-c", script], env=env, cwd=Path(__file__).resolve().parents[2],
                            capture_output=True, text=True, timeout=60, check=True)
    soft, hard, tasks = json.loads(result.stdout.splitlines()[-1])
    assert (soft, hard) == (7, 9) and len(tasks) >= 8
    assert {name: limits for name, limits in tasks.items() if limits != [7, 9]} == {}


def test_a_crawl_stuck_past_the_soft_limit_fails_with_the_reason(limited_worker: WorkerProcess,
                                                                  source_db: str) -> None:
    with silent_proxy("127.0.0.1", 5432) as proxy:
        proxy.silence()
        register_source("stuck", source_db.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}"))
        started = time.monotonic()
        job = wait_for_job(start_crawl(session_factory(), ["stuck"]), 110)
        took = time.monotonic() - started
    assert job["status"] == "failed", job
    assert any("TimeLimit" in e["message"] or "time limit" in e["message"] for e in job["errors"]), job["errors"]
    assert took < 90, f"the job ended {took:.1f} s after it started; the platform timeout was 120 s"
