"""Owner validation requests: raised set-based from an outbox batch, listed, and resolved."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from catalog.session import affected_rows


@dataclass(frozen=True, slots=True)
class RaisedRequest:
    id: int
    kind: str
    table_id: int
    column_name: str
    source_event_id: uuid.UUID
    table_path: tuple[str, ...]
    connection_key: str


@dataclass(frozen=True, slots=True)
class OwnerRequestRow:
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


@dataclass(frozen=True, slots=True)
class LockedRequest:
    status: str
    kind: str
    table_id: int
    column_name: str
    source_event_id: str | None
    table_path: tuple[str, ...]
    connection_key: str


def raise_requests_for_job_events(session: Session, job_id: int, after_id: int,
                                  addressed: Callable[[int], bool]) -> list[RaisedRequest]:
    """A pending request for every column the job added to, deleted from or retyped on a present, enabled data
    source in events after `after_id`, where `addressed(table_id)` says someone is asked; an event that already
    raised one raises nothing."""
    candidates = session.execute(text("""
        SELECT e.id, o.id FROM change_events e
        JOIN data_objects o ON o.id = e.object_id AND o.kind IN ('table', 'view')
                           AND o.effective_status = 'enabled' AND o.remote_state = 'present'
        WHERE e.id > :after AND e.job_id = :job
          AND e.type IN ('column.added', 'column.deleted', 'column.type_changed')
          AND e.payload::json->>'column' IS NOT NULL
    """), {"after": after_id, "job": job_id}).all()
    asked = {table_id: addressed(table_id) for table_id in {t for _, t in candidates}}
    event_ids = [e for e, table_id in candidates if asked[table_id]]
    if not event_ids:
        return []
    rows = session.execute(text("""
        INSERT INTO owner_requests (kind, table_id, column_name, event_id, status)
        SELECT CASE e.type WHEN 'column.added' THEN 'column_added' WHEN 'column.deleted' THEN 'column_deleted'
                           ELSE 'column_type_changed' END,
               e.object_id, e.payload::json->>'column', e.event_id, 'pending'
        FROM change_events e WHERE e.id = ANY(:ids)
        ORDER BY e.id
        ON CONFLICT (event_id) DO NOTHING
        RETURNING id, kind, table_id, column_name, event_id,
                  (SELECT path FROM data_objects WHERE id = table_id),
                  (SELECT c.key FROM connections c JOIN data_objects t ON t.connection_id = c.id
                   WHERE t.id = table_id)
    """), {"ids": event_ids}).all()
    return sorted((RaisedRequest(r[0], r[1], r[2], r[3], r[4], tuple(r[5]), r[6]) for r in rows),
                  key=lambda r: r.id)


def follow_column_renames(session: Session, renames: Sequence[tuple[int, str, str]]) -> int:
    """Point the pending requests about a living column (added, retyped) at its new name: `renames` holds
    (table id, old name, new name). One statement, so names swapped or shifted along a chain move together.
    Returns how many requests were renamed."""
    if not renames:
        return 0
    return affected_rows(session.execute(text("""
        UPDATE owner_requests r SET column_name = m.new_name
        FROM unnest(CAST(:tables AS bigint[]), CAST(:olds AS text[]), CAST(:news AS text[]))
             AS m(table_id, old_name, new_name)
        WHERE r.table_id = m.table_id AND r.column_name = m.old_name AND r.status = 'pending'
          AND r.kind IN ('column_added', 'column_type_changed')
    """), {"tables": [t for t, _, _ in renames], "olds": [o for _, o, _ in renames],
           "news": [n for _, _, n in renames]}))


_REQUESTS_WHERE = """
        FROM owner_requests r JOIN data_objects o ON o.id = r.table_id
        WHERE r.id > :after AND (CAST(:status AS text) IS NULL OR r.status = :status)
          AND (CAST(:owned AS jsonb) IS NULL OR EXISTS (
                SELECT 1 FROM jsonb_array_elements(CAST(:owned AS jsonb)) p
                WHERE o.path[1:jsonb_array_length(p)] = ARRAY(SELECT jsonb_array_elements_text(p))))"""


def _request_filter(status: str | None, owned_paths: Sequence[Sequence[str]] | None,
                    after_id: int) -> dict[str, object]:
    return {"after": after_id, "status": status,
            "owned": None if owned_paths is None else json.dumps([list(p) for p in owned_paths])}


def list_requests(session: Session, *, status: str | None, owned_paths: Sequence[Sequence[str]] | None,
                  after_id: int, limit: int) -> list[OwnerRequestRow]:
    """Requests oldest first; `owned_paths` (None: all) restricts to tables under those paths."""
    rows = session.execute(text(f"""
        SELECT r.id, r.kind, r.status, r.table_id, o.path, r.column_name, r.event_id::text, r.created_at,
               r.resolved_at, r.resolved_by {_REQUESTS_WHERE}
        ORDER BY r.id LIMIT :limit
    """), {**_request_filter(status, owned_paths, after_id), "limit": limit}).all()
    return [OwnerRequestRow(r[0], r[1], r[2], r[3], tuple(r[4]), r[5], r[6], r[7], r[8], r[9]) for r in rows]


def count_requests(session: Session, *, status: str | None, owned_paths: Sequence[Sequence[str]] | None,
                   after_id: int) -> int:
    """How many requests `list_requests` would list without a limit."""
    return session.scalar(text(f"SELECT count(*) {_REQUESTS_WHERE}"),
                          _request_filter(status, owned_paths, after_id)) or 0


def lock_request(session: Session, request_id: int) -> LockedRequest | None:
    """The request with its table, the request row locked until the transaction ends."""
    row = session.execute(text("""
        SELECT r.status, r.kind, r.table_id, r.column_name, r.event_id::text, o.path, c.key
        FROM owner_requests r JOIN data_objects o ON o.id = r.table_id JOIN connections c ON c.id = o.connection_id
        WHERE r.id = :id FOR UPDATE OF r
    """), {"id": request_id}).first()
    if row is None:
        return None
    return LockedRequest(row[0], row[1], row[2], row[3], row[4], tuple(row[5]), row[6])


def remove_column_tag(session: Session, table_id: int, column: str, tag: str) -> tuple[list[str], list[str]] | None:
    """Drop `tag` from a column; its tags before and after (None when the column is gone)."""
    tagged = session.execute(text("""
        UPDATE columns c SET tags = array_remove(c.tags, :tag), updated_at = now()
        FROM (SELECT table_id, name, tags FROM columns WHERE table_id = :t AND name = :n FOR UPDATE) old
        WHERE c.table_id = old.table_id AND c.name = old.name RETURNING old.tags, c.tags
    """), {"tag": tag, "t": table_id, "n": column}).first()
    return None if tagged is None else (list(tagged[0]), list(tagged[1]))


def mark_validated(session: Session, request_id: int, user_id: int | None) -> None:
    session.execute(text(
        "UPDATE owner_requests SET status = 'validated', resolved_at = now(), resolved_by = :u WHERE id = :id"
    ), {"id": request_id, "u": user_id})
