"""Shared fixtures: a throwaway catalog database, an isolated Redis key space and a real worker process."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from workers.process import WorkerProcess

pytest_plugins = ("tests.support.events",)

TESTS = Path(__file__).resolve().parent
#: Suites whose tests reach real servers (databases, brokers, HTTP doubles, worker processes) directly.
SERVER_SUITES = frozenset({"api", "catalog", "cli", "conformance", "connectors", "console", "faults", "tasks"})
#: Fixtures that bring up or need a real server; any test whose fixtures include one is an integration test.
SERVER_FIXTURES = frozenset({"catalog_url", "catalog", "redis_env", "worker", "source_db"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark integration tests, so `pytest -m "not integration"` runs the fast, server-free set."""
    for item in items:
        suite = Path(str(item.path)).resolve().relative_to(TESTS).parts[0]
        if suite in SERVER_SUITES or SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)


ADMIN_URL = os.environ.get("TEST_ADMIN_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
RUN_ID = uuid.uuid4().hex[:10]


def database_url(name: str) -> str:
    base, _, _ = ADMIN_URL.rpartition("/")
    return f"{base}/{name}"


def create_database(name: str) -> str:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return database_url(name)


def drop_database(name: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def reset_settings() -> None:
    """Make this process follow the current environment: settings, database engines and the Celery broker
    (whose configuration Celery reads once, possibly before a fixture set the Redis key prefix)."""
    from catalog.session import dispose_engines
    from settings import get_settings
    from workers.celery_app import app
    from workers.config import celery_config

    get_settings.cache_clear()
    dispose_engines()
    # Drop the references only: kombu keeps one pool per broker URL and options, reused when switching back.
    app._pool = None
    app.amqp._producer_pool = None
    for cached in ("send_task_message", "_event_dispatcher"):  # built once, holding the first broker's objects
        app.amqp.__dict__.pop(cached, None)
    if os.environ.get("REDIS_URL"):
        app.conf.update(celery_config())


@pytest.fixture(scope="session")
def catalog_url() -> Iterator[str]:
    """A migrated catalog database of its own, exported as DATABASE_URL for this process and workers."""
    from catalog.migrate import upgrade

    name = f"objectsync_test_{RUN_ID}"
    url = create_database(name)
    upgrade(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("OBJECTSYNC_SECRET_KEY", "k6rZ1m3dW0fV8q2n5J7t9xL4cB6hY1aS3eG5uI7oP9E=")
    reset_settings()
    yield url
    reset_settings()
    drop_database(name)


@pytest.fixture(scope="session")
def redis_env() -> Iterator[str]:
    """Redis with a key prefix of this run's own, so parallel runs never take each other's tasks."""
    prefix = f"objectsync-test-{RUN_ID}:"
    os.environ["REDIS_URL"] = TEST_REDIS_URL
    os.environ["OBJECTSYNC_REDIS_KEY_PREFIX"] = prefix
    reset_settings()
    yield prefix
    client = redis.Redis.from_url(TEST_REDIS_URL)
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)


@pytest.fixture(scope="session")
def worker(catalog_url: str, redis_env: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerProcess]:
    process = WorkerProcess(dict(os.environ), tmp_path_factory.mktemp("worker") / "worker.log")
    process.start()
    yield process
    process.stop()


@pytest.fixture
def catalog(catalog_url: str) -> Iterator[None]:
    """An empty catalog for the test (tables truncated afterwards)."""
    yield
    from catalog.session import get_engine
    from models import Base

    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    for attempt in range(20):  # a worker may still be relaying the last test's events
        try:
            with get_engine().begin() as conn:
                conn.execute(text("SET LOCAL lock_timeout = '2s'"))
                conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            return
        except OperationalError:
            if attempt == 19:
                raise
            time.sleep(0.25)


@pytest.fixture
def source_db() -> Iterator[str]:
    """A scratch PostgreSQL database to crawl, dropped after the test."""
    name = f"objectsync_src_{uuid.uuid4().hex[:10]}"
    url = create_database(name)
    yield url
    drop_database(name)
