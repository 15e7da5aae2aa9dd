"""Owner validation requests: a column added to or deleted from a data source asks its data owners to look.

Raised by an outbox consumer (its own cursor), so the crawl transaction stays as small as it is; each
request is keyed by the change event that raised it, so re-reading the outbox never raises one twice.
Validating a column-added request removes the column's `New` tag. Both steps emit events.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from catalog.outbox import write_events
from catalog.outbox_cursors import OWNER_REQUESTS, advance_cursor, lock_cursor
from domain import change_types as ev
from domain.errors import Conflict, NotFound
from services.access.permissions import data_owners_of

KIND_BY_EVENT = {ev.COLUMN_ADDED: "column_added", ev.COLUMN_DELETED: "column_deleted"}
PENDING, VALIDATED = "pending", "validated"


class OwnerRequestNotFound(NotFound):
    def __init__(self, request_id: int):
        super().__init__(f"no owner request with id {request_id}")


class OwnerRequestAlreadyResolved(Conflict):
    def __init__(self, request_id: int):
        super().__init__(f"owner request {request_id} is already validated")


@dataclass(frozen=True, slots=True)
class OwnerRequestView:
    id: int
    kind: str
    status: str
    table_id: int
    table_path: tuple[str, ...]
    column_name: str
    event_id: str | None
    created_at: datetime
    resolved_at: datetime | None
    resolved_by: int | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "kind": self.kind, "status": self.status, "tableId": self.table_id,
            "tablePath": list(self.table_path), "column": self.column_name, "eventId": self.event_id,
            "createdAt": self.created_at.isoformat(),
            "resolvedAt": self.resolved_at.isoformat() if self.resolved_at else None,
            "resolvedBy": self.resolved_by,
        }


def raise_owner_requests(session: Session, *, enabled: bool, batch_size: int = 1000) -> tuple[int, int]:
    """Read one outbox batch; create requests for column events on data sources; caller commits.

    Returns (events read, requests created).
    """
    cursor = lock_cursor(session, OWNER_REQUESTS)
    last, read = session.execute(
        text("SELECT max(id), count(*) FROM (SELECT id FROM change_events WHERE id > :c ORDER BY id LIMIT :n) b"),
        {"c": cursor, "n": batch_size},
    ).one()
    if last is None:
        return 0, 0
    created: list[Any] = []
    if enabled:
        created = session.execute(text("""
            INSERT INTO owner_requests (kind, table_id, column_name, event_id, status)
            SELECT CASE e.type WHEN 'column.added' THEN 'column_added' ELSE 'column_deleted' END,
                   o.id, e.payload->>'column', e.event_id, 'pending'
            FROM change_events e
            JOIN data_objects o ON o.id = e.object_id AND o.kind IN ('table', 'view')
                               AND o.effective_status = 'enabled' AND o.remote_state = 'present'
            WHERE e.id > :c AND e.id <= :last AND e.type IN ('column.added', 'column.deleted')
              AND e.payload ? 'column'
            ORDER BY e.id
            ON CONFLICT (event_id) DO NOTHING
            RETURNING id, kind, table_id, column_name, event_id,
                      (SELECT path FROM data_objects WHERE id = table_id),
                      (SELECT c.key FROM connections c JOIN data_objects t ON t.connection_id = c.id
                       WHERE t.id = table_id)
        """), {"c": cursor, "last": last}).all()
    if created:
        _emit_created(session, created)
    advance_cursor(session, OWNER_REQUESTS, last)
    return read, len(created)


def _emit_created(session: Session, rows: Sequence[Any]) -> None:
    owners = {table_id: data_owners_of(session, table_id) for table_id in {row[2] for row in rows}}
    by_connection: dict[str, list[tuple[ev.PlannedEvent, int]]] = {}
    for request_id, kind, table_id, column, source_event, path, connection_key in rows:
        event = ev.PlannedEvent(
            ev.REQUEST_CREATED, tuple(path), ev.stable_event_id(ev.REQUEST_CREATED, tuple(path), 0, str(source_event)),
            {"requestId": request_id, "kind": kind, "column": column, "owners": owners[table_id],
             "sourceEventId": str(source_event), "before": None, "after": {"status": PENDING}},
        )
        by_connection.setdefault(connection_key, []).append((event, table_id))
    for connection_key, events in by_connection.items():
        _write(session, connection_key, events)


def _write(session: Session, connection_key: str, events: list[tuple[ev.PlannedEvent, int]]) -> None:
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cur:
        write_events(cur, connection_key, [e for e, _ in events], object_ids={e.path: oid for e, oid in events})


def list_requests(
    session: Session,
    *,
    status: str | None = None,
    owned_paths: Sequence[Sequence[str]] | None = None,
    after_id: int = 0,
    limit: int = 100,
) -> list[OwnerRequestView]:
    """Requests oldest first; `owned_paths` (None: all) restricts to tables under those paths."""
    if status is not None and status not in (PENDING, VALIDATED):
        raise ValueError("status must be 'pending' or 'validated'")
    if owned_paths is not None and not owned_paths:
        return []
    rows = session.execute(text("""
        SELECT r.id, r.kind, r.status, r.table_id, o.path, r.column_name, r.event_id::text, r.created_at,
               r.resolved_at, r.resolved_by
        FROM owner_requests r JOIN data_objects o ON o.id = r.table_id
        WHERE r.id > :after AND (CAST(:status AS text) IS NULL OR r.status = :status)
          AND (CAST(:owned AS jsonb) IS NULL OR EXISTS (
                SELECT 1 FROM jsonb_array_elements(CAST(:owned AS jsonb)) p
                WHERE o.path[1:jsonb_array_length(p)] = ARRAY(SELECT jsonb_array_elements_text(p))))
        ORDER BY r.id LIMIT :limit
    """), {
        "after": after_id, "status": status, "limit": max(1, min(limit, 1000)),
        "owned": None if owned_paths is None else json.dumps([list(p) for p in owned_paths]),
    }).all()
    return [OwnerRequestView(r[0], r[1], r[2], r[3], tuple(r[4]), r[5], r[6], r[7], r[8], r[9]) for r in rows]


def get_request(session: Session, request_id: int) -> OwnerRequestView:
    for view in list_requests(session, after_id=request_id - 1, limit=1):
        if view.id == request_id:
            return view
    raise OwnerRequestNotFound(request_id)


def validate_request(session: Session, request_id: int, *, user_id: int | None) -> OwnerRequestView:
    """Mark the request validated; for an added column also drop its `New` tag. Emits request.resolved."""
    row = session.execute(text("""
        SELECT r.status, r.kind, r.table_id, r.column_name, r.event_id::text, o.path, c.key
        FROM owner_requests r JOIN data_objects o ON o.id = r.table_id JOIN connections c ON c.id = o.connection_id
        WHERE r.id = :id FOR UPDATE OF r
    """), {"id": request_id}).first()
    if row is None:
        raise OwnerRequestNotFound(request_id)
    status, kind, table_id, column, source_event, path, connection_key = row
    if status != PENDING:
        raise OwnerRequestAlreadyResolved(request_id)
    tags_before = tags_after = None
    if kind == "column_added":
        tagged = session.execute(text("""
            UPDATE columns c SET tags = array_remove(c.tags, :new), updated_at = now()
            FROM (SELECT id, tags FROM columns WHERE table_id = :t AND name = :n FOR UPDATE) old
            WHERE c.id = old.id RETURNING old.tags, c.tags
        """), {"new": ev.NEW_TAG, "t": table_id, "n": column}).first()
        if tagged is not None:
            tags_before, tags_after = list(tagged[0]), list(tagged[1])
    session.execute(text("""
        UPDATE owner_requests SET status = 'validated', resolved_at = now(), resolved_by = :u WHERE id = :id
    """), {"id": request_id, "u": user_id})
    detail = source_event or str(uuid.uuid4())
    event = ev.PlannedEvent(
        ev.REQUEST_RESOLVED, tuple(path), ev.stable_event_id(ev.REQUEST_RESOLVED, tuple(path), 0, detail),
        {"requestId": request_id, "kind": kind, "column": column, "resolvedBy": user_id,
         "before": {"status": PENDING, "tags": tags_before}, "after": {"status": VALIDATED, "tags": tags_after}},
    )
    _write(session, connection_key, [(event, table_id)])
    session.flush()
    return get_request(session, request_id)
