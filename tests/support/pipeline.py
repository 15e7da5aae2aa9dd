"""Helpers for tests that drive the real pipeline: register a source, crawl through the worker, read events."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from sqlalchemy import select

from catalog.session import session_factory
from models import ChangeEvent, Job
from services.crawl.jobs import start_crawl, wait_for_job
from services.enqueue import install_sender
from tests.support.pg_source import register_source  # noqa: F401 - re-exported for the tests
from workers.celery_app import install_enqueue_sender


@contextmanager
def task_messages_lost() -> Iterator[None]:
    """Work committed inside never reaches the broker, as when Redis restarts without persistence."""
    install_sender(lambda *_: None)
    try:
        yield
    finally:
        install_enqueue_sender()


def crawl(path: list[str], timeout: float = 60.0, **options: Any) -> dict[str, Any]:
    return wait_for_job(start_crawl(session_factory(), path, **options), timeout)


def last_event_id() -> int:
    with session_factory()() as session:
        return session.scalar(select(ChangeEvent.id).order_by(ChangeEvent.id.desc()).limit(1)) or 0


def events_after(event_id: int, *, include_jobs: bool = False) -> list[ChangeEvent]:
    """Events the crawls wrote about the data; the owner requests they raise are left out."""
    with session_factory()() as session:
        query = (select(ChangeEvent).where(ChangeEvent.id > event_id, ~ChangeEvent.type.startswith("request."))
                 .order_by(ChangeEvent.id))
        if not include_jobs:
            query = query.where(ChangeEvent.type != "job.finished")
        return list(session.scalars(query))


def jobs() -> list[Job]:
    with session_factory()() as session:
        return list(session.scalars(select(Job).order_by(Job.id)))


def run_sql(url: str, *statements: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def wait_until(predicate: Callable[[], Any], timeout: float, every: float = 0.1,
               nudge: Callable[[], object] | None = None, what: str = "condition") -> Any:
    """Poll until `predicate` returns something truthy and return it; `nudge` runs between polls."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout}s")
        if nudge is not None:
            nudge()
        time.sleep(every)

