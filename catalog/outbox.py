"""Writing change events to the outbox inside the caller's transaction, committed in id order.

Writers take the outbox lock (catalog/locks.py) right before inserting, so ids become visible in increasing
order and a consumer may safely read `id > cursor`. Duplicate event ids are ignored.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime

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


#: The connection's event namespace (0 without the connection), and whether the outbox compresses payloads with lz4.
_NAMESPACE_AND_COMPRESSION = """
    SELECT coalesce((SELECT event_namespace FROM connections WHERE key = %s), 0),
           (SELECT attcompression = 'l' FROM pg_attribute
            WHERE attrelid = 'change_events'::regclass AND attname = 'payload')"""


def write_events(
    session: Session,
    connection_key: str,
    events: Iterable[PlannedEvent],
    *,
    job_id: int | None = None,
    object_ids: Mapping[tuple[str, ...], int] | None = None,
) -> int:
    """Insert events; returns how many were new. Call last in the transaction, just before commit.

    Every event's payload carries the bulkId of its job (null without one), the id its requester holds."""
    rows = list(events)
    if not rows:
        return 0
    ids = object_ids or {}
    cur = raw_cursor(session)
    cur.execute(_NAMESPACE_AND_COMPRESSION, (connection_key,))
    namespace, lz4 = cur.fetchone()  # type: ignore[misc]  # a SELECT without FROM returns one row
    bulk_id = None
    if job_id is not None:
        cur.execute("SELECT bulk_id FROM jobs WHERE id = %s", (job_id,))
        found = cur.fetchone()
        bulk_id = str(found[0]) if found else None
    if lz4:  # staged payloads are compressed once, as the outbox keeps them (INSERT … SELECT copies them as they are)
        cur.execute("SET LOCAL default_toast_compression = lz4")
    cur.execute(
        """CREATE TEMP TABLE IF NOT EXISTS staged_events (
               position int, event_id uuid, type text, object_path text[], object_id bigint, payload json
           ) ON COMMIT DELETE ROWS"""
    )
    with cur.copy("COPY staged_events FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(["int4", "uuid", "text", "text[]", "int8", "json"])
        for position, e in enumerate(rows):  # the bulkId joins the payload here: SQL never rewrites it
            copy.write_row((position, namespaced_event_id(e.event_id, namespace), e.type, list(e.path),
                            ids.get(e.path), Json({**e.payload, "bulkId": bulk_id}, dumps)))
    lock_outbox(session)
    cur.execute(
        """INSERT INTO change_events (event_id, type, connection_key, object_path, object_id, job_id, payload)
           SELECT event_id, type, %s, object_path, object_id, %s, payload
           FROM staged_events ORDER BY position
           ON CONFLICT (event_id) DO NOTHING""",
        (connection_key, job_id),
    )
    inserted = cur.rowcount
    if inserted:
        cur.execute("SELECT pg_notify(%s, %s)", (NOTIFY_CHANNEL, connection_key))
    return inserted
