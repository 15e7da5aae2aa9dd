"""The crawl tasks' declared retries, run eagerly in this process against a real catalog and real sources.

Transient platform errors are retried `schema_read_retries` times, then the job or subtask fails with the
reason; permanent ones fail at once; a catalog that stays unreachable is retried and leaves the work pending
for the stalled-work sweep.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
import structlog
from celery.signals import task_retry
from sqlalchemy import select, update

from catalog.session import session_factory, session_scope
from models import Connection, Job, JobSubtask
from services.crawl.jobs import request_crawl
from services.crawl.planning import plan_crawl
from settings import get_settings
from tasks.base import CATALOG_RETRIES
from tasks.crawl import crawl_connection, crawl_schema
from tests.conftest import reset_settings
from tests.support.pipeline import register_source, run_sql, task_messages_lost

pytestmark = pytest.mark.usefixtures("catalog", "redis_env")

READ_RETRIES = 2


@pytest.fixture(autouse=True)
def read_retries(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("OBJECTSYNC_SCHEMA_READ_RETRIES", str(READ_RETRIES))
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture
def retries() -> Iterator[list[str]]:
    """The error behind every retry Celery schedules, in order."""
    seen: list[str] = []

    def record(reason: BaseException, **_: object) -> None:
        seen.append(type(getattr(reason, "exc", reason)).__name__)

    task_retry.connect(record, weak=False)
    yield seen
    task_retry.disconnect(record)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def queued_job(key: str) -> Job:
    with task_messages_lost(), session_factory()() as session, session.begin():
        return request_crawl(session, [key])


def job_row(job_id: int) -> Job:
    with session_factory()() as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


def subtasks_of(job_id: int) -> list[JobSubtask]:
    with session_factory()() as session:
        return list(session.scalars(select(JobSubtask).where(JobSubtask.job_id == job_id).order_by(JobSubtask.id)))


def point_connection_at(key: str, port: int) -> None:
    with session_scope() as session:
        connection = session.scalar(select(Connection).where(Connection.key == key))
        session.execute(update(Connection).where(Connection.key == key)
                        .values(config={**connection.config, "port": port}))


def test_an_unreachable_platform_is_retried_then_the_job_fails_with_the_reason(source_db: str,
                                                                               retries: list[str]) -> None:
    register_source("pg", source_db)
    point_connection_at("pg", free_port())
    job = queued_job("pg")
    crawl_connection.apply(args=(job.id,))
    assert retries == ["RemoteUnavailable"] * READ_RETRIES
    failed = job_row(job.id)
    assert failed.status == "failed"
    [error] = failed.errors
    assert error["message"].startswith("listing databases and schemas failed") and "refused" in error["message"]


def test_a_permanent_platform_error_fails_the_job_at_once(source_db: str, retries: list[str]) -> None:
    register_source("pg", source_db.replace("postgres@", "no_such_role@"))
    job = queued_job("pg")
    crawl_connection.apply(args=(job.id,))
    assert retries == []
    failed = job_row(job.id)
    assert failed.status == "failed"
    assert "authentication failed for user 'no_such_role'" in failed.errors[0]["message"]


def test_a_schema_read_that_keeps_failing_is_retried_then_the_subtask_fails(source_db: str,
                                                                            retries: list[str]) -> None:
    run_sql(source_db, "CREATE SCHEMA sales", "CREATE TABLE sales.orders (id int)")
    register_source("pg", source_db)
    job = queued_job("pg")
    pending = plan_crawl(job.id)
    assert len(pending) == 2  # public and sales
    point_connection_at("pg", free_port())
    for subtask_id in pending:
        crawl_schema.apply(args=(subtask_id,))
    assert retries == ["RemoteUnavailable"] * READ_RETRIES * len(pending)
    assert [s.status for s in subtasks_of(job.id)] == ["failed", "failed"]
    assert all("refused" in (s.error or "") for s in subtasks_of(job.id))
    closed = job_row(job.id)
    assert closed.status == "failed" and closed.subtasks_failed == 2


def test_an_unreachable_catalog_is_retried_and_leaves_the_subtask_pending(
        source_db: str, retries: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    run_sql(source_db, "CREATE SCHEMA sales")
    register_source("pg", source_db)
    job = queued_job("pg")
    first, second = plan_crawl(job.id)
    # A platform retry first, as in a long-lived worker: its limit must not stick to later catalog retries.
    point_connection_at("pg", free_port())
    crawl_schema.apply(args=(first,))
    assert retries == ["RemoteUnavailable"] * READ_RETRIES
    retries.clear()
    catalog = get_settings().database_url
    assert catalog
    monkeypatch.setenv("DATABASE_URL", catalog.replace(":5432/", f":{free_port()}/"))
    reset_settings()
    try:
        result = crawl_schema.apply(args=(second,))
    finally:
        monkeypatch.setenv("DATABASE_URL", catalog)
        reset_settings()
    assert result.failed()
    assert retries == ["OperationalError"] * CATALOG_RETRIES
    assert [s.status for s in subtasks_of(job.id)] == ["failed", "pending"]  # the stalled-work sweep re-sends it


@pytest.fixture(autouse=True)
def no_log_context_left() -> Iterator[None]:
    """Tasks run eagerly here bind their log context in this thread: none of it outlives the test."""
    yield
    structlog.contextvars.clear_contextvars()


@pytest.fixture
def subtask_messages(monkeypatch: pytest.MonkeyPatch) -> list[tuple[object, ...]]:
    """The crawl_schema messages the planning task sends (kept here, not sent)."""
    sent: list[tuple[object, ...]] = []
    monkeypatch.setattr(crawl_schema, "apply_async", lambda args, **options: sent.append(tuple(args)))
    return sent


def crawled_source(source_db: str) -> str:
    """A source whose public.orders the catalog knows; returns the database name."""
    run_sql(source_db, "CREATE TABLE public.orders (id int)")
    register_source("pg", source_db)
    job = queued_job("pg")
    for subtask_id in plan_crawl(job.id):
        crawl_schema.apply(args=(subtask_id,))
    assert job_row(job.id).status == "succeeded"
    return source_db.rsplit("/", 1)[1]


def table_job(path: list[str]) -> Job:
    with task_messages_lost(), session_factory()() as session, session.begin():
        return request_crawl(session, path)


def test_a_crawl_of_one_table_is_done_by_the_planning_task_alone(
        source_db: str, subtask_messages: list[tuple[object, ...]]) -> None:
    database = crawled_source(source_db)
    run_sql(source_db, "ALTER TABLE public.orders ADD COLUMN amount numeric")
    job = table_job(["pg", database, "public", "orders"])
    crawl_connection.apply(args=(job.id,))
    assert subtask_messages == []  # no second task
    closed = job_row(job.id)
    assert closed.status == "succeeded" and closed.subtasks_succeeded == 1
    assert closed.summary.get("column.added") == 1, closed.summary


def test_a_one_table_crawl_that_raises_in_the_planning_task_goes_to_its_own_task(
        source_db: str, subtask_messages: list[tuple[object, ...]], monkeypatch: pytest.MonkeyPatch) -> None:
    import tasks.crawl

    database = crawled_source(source_db)
    job = table_job(["pg", database, "public", "orders"])

    def broken(subtask_id: int) -> tuple[str, bool]:
        raise RuntimeError("a bug in the schema crawl")

    monkeypatch.setattr(tasks.crawl, "run_crawl_schema", broken)
    crawl_connection.apply(args=(job.id,))
    [subtask] = subtasks_of(job.id)
    assert subtask_messages == [(subtask.id,)]  # its own task retries it or records the failure
    assert subtask.status == "pending" and job_row(job.id).status == "running"


def test_a_crawl_of_a_schema_still_fans_out(source_db: str, subtask_messages: list[tuple[object, ...]]) -> None:
    database = crawled_source(source_db)
    job = table_job(["pg", database, "public"])
    crawl_connection.apply(args=(job.id,))
    [subtask] = subtasks_of(job.id)
    assert subtask_messages == [(subtask.id,)] and subtask.status == "pending"
