"""Deleting a subtree from the catalog by hand: never anything on the platform.

Deleting a connection's root deregisters the connection. Every deleted table and view, and the object
itself, gets an object.deleted event written in the same transaction as the deletion.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from catalog.connection_store import get_connection
from catalog.outbox import renew_event_namespace, write_events
from catalog.session import raw_cursor
from domain import change_types as ev
from models import Connection, DataObject
from services.connections.object_settings import get_object
from services.connections.registry import deregister_connection


def delete_object(session: Session, path: Sequence[str], *, requested_by: str | None = None) -> int:
    """Remove the object and its subtree; returns how many objects were removed."""
    root = get_object(session, path, for_update=True)
    prefix = list(root.path)
    rows = session.execute(
        select(DataObject.id, DataObject.kind, DataObject.path, DataObject.revision, DataObject.first_seen_at)
        .where(DataObject.connection_id == root.connection_id,
               DataObject.path[1:len(prefix)] == prefix)  # type: ignore[index]
        .order_by(DataObject.path)
    ).all()
    events = [
        ev.planned(ev.OBJECT_DELETED, tuple(r.path), r.revision,
                   {"kind": r.kind, "requestedBy": requested_by, "objectsDeleted": len(rows) if r.id == root.id else 1},
                   f"manual:{r.first_seen_at.isoformat()}")
        for r in rows
        if r.id == root.id or r.kind in ("table", "view")
    ]
    # Events first: the outbox reads the connection's event namespace, which deregistering removes.
    write_events(raw_cursor(session), prefix[0], events, object_ids={tuple(r.path): r.id for r in rows})
    if root.kind == "connection":
        deregister_connection(session, root.path[0])
    else:
        session.execute(delete(DataObject).where(DataObject.id == root.id))
        renew_event_namespace(raw_cursor(session), root.connection_id)
    return len(rows)


def remove_connection(session: Session, key: str, *, requested_by: str | None = None) -> int:
    """Deregister a connection as DELETE on its path does, object.deleted events included (CLI and API alike)."""
    get_connection(session, key, for_update=True)  # ConnectionNotFound for an unknown key
    if session.scalar(select(DataObject.id).where(DataObject.path == [key])) is None:
        deregister_connection(session, key)  # registered but never listed: no objects, nothing to announce
        return 0
    return delete_object(session, [key], requested_by=requested_by)


def mark_connection_delete_failed(session: Session, key: str) -> None:
    session.execute(update(Connection).where(Connection.key == key).values(status="deleteError"))
