"""Crawling a double end to end through the crawl services, in this process: the job request, the planning of the
hierarchy, one subtask per schema and the job's closing run exactly as the Celery tasks run them (same functions,
same retry and failure handling), against the real catalog database; only the broker is left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from catalog.session import session_factory, session_scope
from connectors import ConnectorError
from models import Column, DataObject
from services.connections.connection_records import store_connection
from services.crawl.jobs import get_job, job_report, start_crawl
from services.crawl.planning import fail_crawl, plan_crawl
from services.crawl.schema_crawl import crawl_schema, fail_subtask
from services.enqueue import CRAWL_CONNECTION, CRAWL_SCHEMA, install_sender
from settings import get_settings
from tests.conformance.doubles import SourceDouble
from tests.support.pipeline import events_after, last_event_id

KEY = "conformance"


@dataclass(frozen=True, slots=True)
class Crawl:
    """A finished job as the API reports it, and the change events it wrote."""

    report: dict[str, Any]
    events: list[tuple[str, tuple[str, ...]]]  # (type, path below the connection key)

    @property
    def status(self) -> str:
        return str(self.report["status"])

    @property
    def summary(self) -> dict[str, int]:
        return dict(self.report["summary"])

    @property
    def event_types(self) -> list[str]:
        return sorted(t for t, _ in self.events)


def register(double: SourceDouble, *schemas: str) -> None:
    """The double's connection, its filters keeping only these schemas (the double's platform holds others)."""
    with double.connector() as connector:
        technology, config, credentials = connector.technology, connector.config, connector.credentials
    with session_scope() as session:
        store_connection(
            session, key=KEY, technology=technology, config=config, credentials=credentials,
            activate_new_children=True,
            filters={"schemas": {"include": [re.escape(s) for s in schemas]}} if schemas else None,
        )


def crawl(*path: str, allow_mass_deletion: bool = False) -> Crawl:
    """Crawl the connection (or an object below it) to the end and return the job and its events."""
    mark = last_event_id()
    sent: list[tuple[str, tuple[Any, ...]]] = []
    with _sending_to(sent):
        bulk_id = start_crawl(session_factory(), [KEY, *path], allow_mass_deletion=allow_mass_deletion)
        while sent:
            task, args = sent.pop(0)
            if task == CRAWL_CONNECTION:
                sent.extend((CRAWL_SCHEMA, (subtask,)) for subtask in _plan(args[0]))
            elif task == CRAWL_SCHEMA:
                _crawl_schema(args[0])
    with session_factory()() as session:
        job = get_job(session, bulk_id)
        assert job is not None
        report = job_report(job)
    assert report["status"] in ("succeeded", "partial", "failed"), report
    events = [(e.type, tuple(e.object_path[1:])) for e in events_after(mark)]
    return Crawl(report, events)


def _plan(job_id: int) -> list[int]:
    """tasks.crawl.crawl_connection: transient listing failures are retried, then fail the job."""
    for _ in range(get_settings().schema_read_retries + 1):
        try:
            return plan_crawl(job_id)
        except ConnectorError as error:
            last = error
    fail_crawl(job_id, f"listing databases and schemas failed: {last.message}")
    return []


def _crawl_schema(subtask_id: int) -> None:
    """tasks.crawl.crawl_schema: transient read failures are retried, others fail the subtask."""
    for attempt in range(get_settings().schema_read_retries + 1):
        try:
            crawl_schema(subtask_id)
            return
        except ConnectorError as error:
            if not error.transient or attempt == get_settings().schema_read_retries:
                fail_subtask(subtask_id, error)
                return


@contextmanager
def _sending_to(sent: list[tuple[str, tuple[Any, ...]]]) -> Iterator[None]:
    previous = install_sender(lambda task, args, options: sent.append((task, tuple(args))))
    try:
        yield
    finally:
        install_sender(previous)


# --- the catalog, as a user reads it ------------------------------------------------------------------------------


def objects() -> dict[tuple[str, ...], DataObject]:
    """The connection's databases, schemas, tables and views by path below the connection key."""
    with session_factory()() as session:
        rows = session.scalars(select(DataObject).where(DataObject.kind != "connection"))
        return {tuple(o.path[1:]): o for o in rows}


def states(prefix: tuple[str, ...], depth: int) -> dict[str, tuple[str, str]]:
    """(remote state, effective status) of the objects `depth` levels below `prefix`, by name."""
    return {path[-1]: (o.remote_state, o.effective_status) for path, o in objects().items()
            if path[: len(prefix)] == prefix and len(path) == len(prefix) + depth}


def columns(path: tuple[str, ...]) -> list[tuple[str, int, str]]:
    """(name, ordinal, data type) of a table's columns in the catalog, in ordinal order."""
    with session_factory()() as session:
        table = session.scalar(select(DataObject).where(DataObject.path == [KEY, *path]))
        assert table is not None, path
        rows = session.scalars(select(Column).where(Column.table_id == table.id).order_by(Column.ordinal))
        return [(c.name, c.ordinal, c.data_type) for c in rows]
