"""The platform fails under a crawl: unreachable, too slow, credentials revoked, schema permission revoked.

Whatever the failure, nothing in the catalog is deleted or disabled, and the job's errors (and the connection
status after the recurring validation) say why.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import select, update

from catalog.session import session_factory, session_scope
from models import Connection
from services.connections.validation import revalidate_connections
from tests.conftest import ADMIN_URL
from tests.faults.catalog_state import picture, start_crawl_now, wait_for_job_end
from tests.faults.conftest import Stack, StackFactory, free_port
from tests.support.pipeline import register_source, run_sql
from tests.support.silent_proxy import silent_proxy

REMOTE_TIMEOUT = 2
SOURCE = [
    "CREATE SCHEMA sales",
    "CREATE TABLE sales.orders (id bigint, amount numeric(10,2))",
    "CREATE TABLE sales.customers (id int, name text)",
    "CREATE SCHEMA hr",
    "CREATE TABLE hr.staff (id int, salary numeric)",
]


@pytest.fixture(scope="module")
def remote_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One catalog and one worker whose remote calls give up after REMOTE_TIMEOUT seconds, retried once."""
    factory = StackFactory(tmp_path_factory.mktemp("remote"), dict(os.environ))
    try:
        stack = factory(OBJECTSYNC_REMOTE_TIMEOUT_SECONDS=str(REMOTE_TIMEOUT), OBJECTSYNC_SCHEMA_READ_RETRIES="1")
        stack.worker("remote")
        yield stack
    finally:
        factory.close()


@pytest.fixture
def crawled(remote_stack: Stack, source_db: str) -> Iterator[tuple[str, str, str]]:
    """A source crawled once by a role of its own: (connection key, source URL, role name)."""
    remote_stack.activate()
    role = f"crawler_{uuid.uuid4().hex[:8]}"
    run_sql(source_db, *SOURCE, f"CREATE ROLE {role} LOGIN",
            f"GRANT USAGE ON SCHEMA sales, hr TO {role}")
    key = f"pg{uuid.uuid4().hex[:6]}"
    register_source(key, source_db.replace("postgres@", f"{role}@"))
    job = wait_for_job_end(remote_stack.catalog_url, start_crawl_now([key]), timeout=60)
    assert job["status"] == "succeeded", job
    yield key, source_db, role
    run_sql(ADMIN_URL, f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'")
    run_sql(source_db, f"DROP OWNED BY {role}")
    run_sql(ADMIN_URL, f"DROP ROLE IF EXISTS {role}")


def objects_of(catalog_url: str, key: str) -> dict:
    return {p: v for p, v in picture(catalog_url).objects.items() if p[0] == key}


def events_of(catalog_url: str, key: str) -> set:
    with psycopg.connect(catalog_url) as conn:
        return {r[0] for r in conn.execute(
            "SELECT event_id FROM change_events WHERE connection_key = %s AND type <> 'job.finished'", (key,))}


def crawl_under_fault(stack: Stack, key: str) -> dict:
    """Crawl and assert the catalog was left exactly as it was (no deletion, no disabling, no event)."""
    before, events = objects_of(stack.catalog_url, key), events_of(stack.catalog_url, key)
    job = wait_for_job_end(stack.catalog_url, start_crawl_now([key]), timeout=90)
    assert objects_of(stack.catalog_url, key) == before
    assert events_of(stack.catalog_url, key) == events
    return job


def error_text(job: dict) -> str:
    return " | ".join(e["message"] for e in job["errors"])


def connection_status_after_revalidation(key: str) -> tuple[str, str]:
    revalidate_connections(session_factory())
    with session_scope() as session:
        connection = session.scalar(select(Connection).where(Connection.key == key))
        return connection.status, " | ".join(r.get("message") or "" for r in connection.validation_results
                                             if r["status"] == "failed")


def test_unreachable_platform(remote_stack: Stack, crawled: tuple[str, str, str]) -> None:
    key, _, _ = crawled
    with session_scope() as session:
        connection = session.scalar(select(Connection).where(Connection.key == key))
        session.execute(update(Connection).where(Connection.id == connection.id)
                        .values(config={**connection.config, "port": free_port()}))
    job = crawl_under_fault(remote_stack, key)
    assert job["status"] == "failed", job
    assert "listing databases and schemas failed" in error_text(job) and "refused" in error_text(job).lower()
    status, why = connection_status_after_revalidation(key)
    assert status == "recurringValidationError" and "refused" in why.lower()


def test_remote_timeout(remote_stack: Stack, crawled: tuple[str, str, str]) -> None:
    key, source, _ = crawled
    with psycopg.connect(source) as blocker:  # holds the catalog table every schema read joins
        blocker.execute("LOCK TABLE pg_catalog.pg_description IN ACCESS EXCLUSIVE MODE")
        job = crawl_under_fault(remote_stack, key)
        blocker.rollback()
    assert job["status"] == "failed", job
    assert job["failed"] == job["total"] == 3  # hr, sales, public
    assert f"no answer within {REMOTE_TIMEOUT} s" in error_text(job)


def test_credentials_revoked(remote_stack: Stack, crawled: tuple[str, str, str]) -> None:
    key, _, role = crawled
    run_sql(ADMIN_URL, f"ALTER ROLE {role} NOLOGIN",
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{role}'")
    job = crawl_under_fault(remote_stack, key)
    assert job["status"] == "failed", job
    assert f"authentication failed for user '{role}'" in error_text(job)
    status, why = connection_status_after_revalidation(key)
    assert status == "recurringValidationError" and "not permitted to log in" in why


def test_schema_permission_revoked(remote_stack: Stack, crawled: tuple[str, str, str]) -> None:
    key, source, role = crawled
    run_sql(source, f"REVOKE USAGE ON SCHEMA sales FROM {role}")
    job = crawl_under_fault(remote_stack, key)
    assert job["status"] == "partial", job
    assert (job["succeeded"], job["failed"]) == (2, 1)
    assert [e["scope"].rsplit("/", 1)[1] for e in job["errors"]] == ["sales"]
    assert f"user {role!r} has no USAGE privilege on schema 'sales'" in error_text(job)


def register_generic_source(key: str, source_url: str) -> None:
    """The same database through the generic SQLAlchemy connector (postgresql+psycopg URL)."""
    from services.connections.connection_records import store_connection

    with session_scope() as session:
        store_connection(session, key=key, technology="sqlalchemy", activate_new_children=True, config={
            "url": source_url.replace("postgresql://", "postgresql+psycopg://")}, credentials={})


@pytest.mark.parametrize("register", [register_source, register_generic_source], ids=["postgresql", "sqlalchemy"])
def test_a_network_that_goes_silent_after_connect_cannot_hold_a_crawl(remote_stack: Stack, source_db: str,
                                                                       record_property, register) -> None:
    """Through a proxy that accepts and then passes nothing on, even on the worker's kept session: the crawl
    ends within its deadlines, changes nothing, and says why; once the network is back the next crawl works.
    For the PostgreSQL connector and for the generic one reading PostgreSQL."""
    remote_stack.activate()
    run_sql(source_db, *SOURCE)
    with silent_proxy("127.0.0.1", 5432) as proxy:
        key = f"pg{uuid.uuid4().hex[:6]}"
        register(key, source_db.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}"))
        first = wait_for_job_end(remote_stack.catalog_url, start_crawl_now([key]), timeout=60)
        assert first["status"] == "succeeded", first  # the worker now keeps a session through the proxy
        proxy.silence()
        started = time.monotonic()
        job = crawl_under_fault(remote_stack, key)
        record_property("outcome", f"job {job['status']} {time.monotonic() - started:.1f} s after going silent")
        assert job["status"] == "failed", job
        assert any("silent" in e["message"] or "no answer" in e["message"] or "timeout" in e["message"].lower()
                   for e in job["errors"]), job["errors"]
        proxy.resume()
        again = wait_for_job_end(remote_stack.catalog_url, start_crawl_now([key]), timeout=60)
        assert again["status"] == "succeeded", again
