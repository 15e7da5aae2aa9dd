"""Writing change events to the outbox inside the caller's transaction, committed in id order.

Writers take the outbox lock (catalog/locks.py) right before inserting, so ids become visible in increasing
order and a consumer may safely read `id > cursor`. Duplicate event ids are ignored.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from psycopg.types.json import Json
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.locks import lock_outbox
from catalog.session import raw_cursor
from domain.change_types import PlannedEvent
from domain.json_text import dumps
from models import ChangeEvent

NOTIFY_CHANNEL = "objectsync_events"


def namespaced_event_id(event_id: uuid.UUID, namespace: int) -> uuid.UUID:
    """A connection's first life keeps the diff's ids; a re-registered one gets ids of its own."""
    return event_id if not namespace else uuid.uuid5(event_id, str(namespace))


def last_event_id(session: Session) -> int:
    """The id of the newest change event, 0 when there is none."""
    return session.scalar(select(func.coalesce(func.max(ChangeEvent.id), 0))) or 0


def event_id_before(session: Session, when: datetime) -> int:
    """The id to read after to start at the first event that occurred at or after `when` (the newest id when none
    did yet)."""
    first = session.scalar(select(func.min(ChangeEvent.id)).where(ChangeEvent.occurred_at >= when))
    return first - 1 if first is not None else last_event_id(session)


def renew_event_namespace(session: Session, connection_id: int) -> None:
    """After objects are deleted by hand they may come back with the revisions they started with; a new
    namespace keeps the events of their second life from reusing the ids of their first."""
    raw_cursor(session).execute(
        "UPDATE connections SET event_namespace = (SELECT coalesce(max(id), 0) FROM change_events) WHERE id = %s",
        (connection_id,))


def write_events(
    session: Session,
    connection_key: str,
    events: Iterable[PlannedEvent],
    *,
    job_id: int | None = None,
    object_ids: Mapping[tuple[str, ...], int] | None = None,
) -> int:
    """Insert events; returns how many were new (an event whose id the outbox holds already is left out, as is the
    second of two with one id). Call last in the transaction, just before commit.

    Every event's payload carries the bulkId of its job (null without one), the id its requester holds."""
    return insert_outbox_rows(session, outbox_rows(session, connection_key, events, job_id=job_id,
                                                   object_ids=object_ids))


@dataclass(frozen=True)
class OutboxRows:
    """Events serialized for the outbox, not yet inserted."""

    connection_key: str
    rows: dict[uuid.UUID, tuple[Any, ...]] = field(default_factory=dict)


def outbox_rows(session: Session, connection_key: str, events: Iterable[PlannedEvent], *,
                job_id: int | None = None, object_ids: Mapping[tuple[str, ...], int] | None = None) -> OutboxRows:
    """The events as outbox rows, payloads serialized, without taking a lock: a caller that holds a lock other
    writers wait for (a job's row) prepares its events first, then takes it."""
    planned = list(events)
    if not planned:
        return OutboxRows(connection_key)
    ids = object_ids or {}
    cur = raw_cursor(session)
    cur.execute("SELECT event_namespace FROM connections WHERE key = %s", (connection_key,))
    row = cur.fetchone()
    namespace = row[0] if row else 0
    bulk_id = None
    if job_id is not None:
        cur.execute("SELECT bulk_id FROM jobs WHERE id = %s", (job_id,))
        found = cur.fetchone()
        bulk_id = str(found[0]) if found else None
    rows: dict[uuid.UUID, tuple[Any, ...]] = {}
    for e in planned:  # the bulkId joins the payload here: SQL never rewrites it
        event_id = namespaced_event_id(e.event_id, namespace)
        if event_id not in rows:
            rows[event_id] = (event_id, e.type, connection_key, list(e.path), ids.get(e.path), job_id,
                              Json(dumps({**e.payload, "bulkId": bulk_id}), _serialized))
    return OutboxRows(connection_key, rows)


def insert_outbox_rows(session: Session, prepared: OutboxRows) -> int:
    """Insert prepared events under the outbox lock; returns how many were new (see `write_events`)."""
    if not prepared.rows:
        return 0
    rows = dict(prepared.rows)
    cur = raw_cursor(session)
    lock_outbox(session)
    cur.execute("SELECT event_id FROM change_events WHERE event_id = ANY(%s)", (list(rows),))
    for (known,) in cur.fetchall():
        del rows[known]
    if not rows:
        return 0
    # Straight into the outbox, in the diff's order (ids are taken as the rows arrive). The payload's bytes go as
    # they are (json's binary form is its text) into the text column, which neither parses nor validates them
    # (migration 0020), compressed as the column says (lz4 where the server has it).
    with cur.copy("COPY change_events (event_id, type, connection_key, object_path, object_id, job_id, payload) "
                  "FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(["uuid", "text", "text", "text[]", "int8", "int8", "json"])
        for values in rows.values():
            copy.write_row(values)
    cur.execute("SELECT pg_notify(%s, %s)", (NOTIFY_CHANNEL, prepared.connection_key))
    return len(rows)


def _serialized(payload: bytes) -> bytes:
    """The `dumps` of a payload serialized already."""
    return payload
