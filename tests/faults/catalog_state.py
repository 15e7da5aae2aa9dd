"""Reading a catalog as plain values, so a faulted run can be compared with a clean one, and sources to crawl."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
import redis

from tests.support.pipeline import wait_until as shared_wait_until
from workers.process import WorkerProcess

#: schemas × tables × columns of the source that faults interrupt mid-crawl.
WIDE_SHAPE = (5, 500, 6)
OBJECTS_SQL = """SELECT path, kind, remote_kind, status_setting, effective_status, activate_new_children, remote_state,
                        comment, fingerprint, revision FROM data_objects"""
COLUMNS_SQL = """SELECT o.path, c.name, c.ordinal, c.data_type, c.nullable, c.comment, c.tags
                 FROM columns c JOIN data_objects o ON o.id = c.table_id"""


@dataclass(frozen=True)
class CatalogPicture:
    """Everything a crawl decides, without ids and timestamps (which differ between two catalogs)."""

    objects: dict[tuple[str, ...], tuple[Any, ...]]
    columns: dict[tuple[str, ...], tuple[tuple[Any, ...], ...]]
    event_ids: Counter[uuid.UUID]

    def differences(self, other: CatalogPicture) -> list[str]:
        found = []
        for name in ("objects", "columns"):
            mine, theirs = getattr(self, name), getattr(other, name)
            for key in sorted(set(mine) | set(theirs)):
                if mine.get(key) != theirs.get(key):
                    found.append(f"{name} {key}: {mine.get(key)} != {theirs.get(key)}")
        if set(self.event_ids) != set(other.event_ids):
            found.append(f"event ids differ: {len(set(self.event_ids) ^ set(other.event_ids))} not shared")
        return found


def picture(catalog_url: str) -> CatalogPicture:
    with psycopg.connect(catalog_url) as conn:
        objects = {tuple(r[0]): tuple(r[1:]) for r in conn.execute(OBJECTS_SQL)}
        columns: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
        for path, *rest in conn.execute(COLUMNS_SQL):
            columns.setdefault(tuple(path), []).append(tuple(rest))
        events = Counter(r[0] for r in conn.execute("SELECT event_id FROM change_events WHERE type <> 'job.finished'"))
    return CatalogPicture(objects, {k: tuple(sorted(v)) for k, v in columns.items()}, events)


def duplicated(counter: Counter[Any]) -> list[Any]:
    return [k for k, n in counter.items() if n > 1]


def job_row(catalog_url: str, bulk_id: uuid.UUID | str) -> dict[str, Any] | None:
    with psycopg.connect(catalog_url, connect_timeout=3) as conn:
        row = conn.execute(
            """SELECT status, subtasks_total, subtasks_succeeded, subtasks_held, subtasks_failed, errors, summary
               FROM jobs WHERE bulk_id = %s""", (str(bulk_id),)).fetchone()
    if row is None:
        return None
    keys = ("status", "total", "succeeded", "held", "failed", "errors", "summary")
    return dict(zip(keys, row, strict=True))


def subtask_counts(catalog_url: str, bulk_id: uuid.UUID | str) -> Counter[str]:
    with psycopg.connect(catalog_url, connect_timeout=3) as conn:
        return Counter(dict(conn.execute(
            """SELECT s.status, count(*) FROM job_subtasks s JOIN jobs j ON j.id = s.job_id
               WHERE j.bulk_id = %s GROUP BY s.status""", (str(bulk_id),)).fetchall()))


def wait_for_job_end(catalog_url: str, bulk_id: uuid.UUID | str, timeout: float,
                     beat_every: float | None = None, supervise: Sequence[WorkerProcess] = ()) -> dict[str, Any]:
    """Poll the job, riding out a catalog that is down for a while; returns the closed job.

    With `beat_every`, the dispatcher task is sent that often, as beat would (every minute in service),
    so jobs whose task messages were lost are resumed. Workers in `supervise` that exit are started again,
    as a process supervisor (compose's restart policy, systemd) does: kombu's Redis transport can end a
    worker with an "Unrecoverable error" when the broker goes away.
    """
    last_tick = [0.0]

    def closed() -> dict[str, Any] | None:
        for worker in supervise:
            if worker.exited():
                worker.start(timeout=60)
        if beat_every is not None and time.monotonic() - last_tick[0] >= beat_every:
            send_beat_tick()
            last_tick[0] = time.monotonic()
        job = job_row(catalog_url, bulk_id)
        return job if job and job["status"] in ("succeeded", "partial", "failed") else None

    try:
        return wait_until(closed, timeout, every=0.2, what=f"job {bulk_id} closed")
    except AssertionError:
        raise AssertionError(f"job {bulk_id} not closed in {timeout}s: {job_row(catalog_url, bulk_id)}") from None


def send_beat_tick() -> None:
    """What celery beat sends every minute; a broker that is still down just means no tick this time."""
    from kombu.exceptions import OperationalError as BrokerDown

    from workers.celery_app import app

    try:
        app.send_task("objectsync.dispatch_due_syncs")
    except BrokerDown:
        pass


def start_crawl_now(path: list[str], **options: Any) -> uuid.UUID:
    from catalog.session import session_factory
    from services.crawl.jobs import start_crawl

    return start_crawl(session_factory(), path, **options)


def build_wide_source(url: str, schemas: int, tables: int, columns: int) -> None:
    """`schemas` schemas of `tables` tables of `columns` columns each, in one server-side loop."""
    column_list = ", ".join(f"c{i} {'int' if i % 3 == 0 else 'text' if i % 3 == 1 else 'numeric(12,2)'}"
                            for i in range(columns))
    with psycopg.connect(url, autocommit=True) as conn:
        for schema in range(1, schemas + 1):  # one transaction per schema: locks stay within bounds
            conn.execute(f"""
                DO $$
                BEGIN
                  CREATE SCHEMA s{schema};
                  FOR t IN 1..{tables} LOOP
                    EXECUTE format('CREATE TABLE s{schema}.%I ({column_list})', 't' || t);
                  END LOOP;
                END $$""")


def table_count(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname LIKE 's%'").fetchone()[0]


#: Jobs without progress for this long get their task messages re-sent by the dispatcher (a lost message,
#: e.g. a Redis restarted without persistence, or one taken by BRPOP just before a SIGKILL).
STALLED_JOB_SECONDS = "4"


def broker_messages(redis_url: str, prefix: str = "") -> int:
    """Task messages the broker still holds under `prefix`: queued, or delivered and not yet acknowledged."""
    client = redis.Redis.from_url(redis_url)
    held = 0
    for key in client.scan_iter(match=f"{prefix}*"):
        kind = client.type(key)
        held += client.llen(key) if kind == b"list" else client.hlen(key) if kind == b"hash" else 0
    return held


def elapsed(since: float) -> float:
    return round(time.monotonic() - since, 2)


def wait_until(predicate: Callable[[], Any], timeout: float, every: float = 0.05, what: str = "condition") -> Any:
    """As tests.support.pipeline.wait_until, treating a server that is down for now as "not yet"."""

    def tolerant() -> Any:
        try:
            return predicate()
        except (psycopg.OperationalError, redis.ConnectionError):
            return None

    return shared_wait_until(tolerant, timeout, every=every, what=what)
