"""Deleting from the catalog by hand, never anything on the platform: a subtree, or a whole connection.

Deleting a connection's root deregisters the connection. Every deleted table and view, and the object
itself, gets an object.deleted event written in the same transaction as the deletion.
"""

from __future__ import annotations

from collections.abc import Sequence

from catalog.connection_store import get_connection, set_connection_status
from catalog.data_object_store import delete_object_row, object_at_path, subtree_rows
from catalog.outbox import renew_event_namespace, write_events
from catalog.session import Session
from domain import change_types as ev
from domain.connection_status import ConnectionStatus
from domain.paths import validate_path
from models import DataObject
from services.connections.connection_records import delete_connection_records
from services.connections.object_settings import get_object


def delete_object(session: Session, path: Sequence[str], *, requested_by: str | None = None) -> int:
    """Remove the object at `path` and its subtree; returns how many objects were removed.

    A connection's path deregisters the connection, which commits (see `deregister_connection`); below it,
    the caller's unit of work commits.
    """
    validate_path(list(path))
    if len(path) == 1:
        return deregister_connection(session, path[0], requested_by=requested_by)
    return _delete_subtree(session, get_object(session, path, for_update=True), requested_by)


def deregister_connection(session: Session, key: str, *, requested_by: str | None = None) -> int:
    """Delete the connection and everything of it here (`deleting` → gone | `deleteError`); returns how many
    objects were removed. Commits: `deleting` is visible while the objects go, and a failure is recorded
    as `deleteError` whatever the caller does next."""
    get_connection(session, key, for_update=True).status = ConnectionStatus.DELETING
    session.commit()
    try:
        root = object_at_path(session, [key], for_update=True)
        if root is None:  # registered but never listed: no objects, nothing to announce
            delete_connection_records(session, key)
            removed = 0
        else:
            removed = _delete_subtree(session, root, requested_by)
        session.commit()
    except BaseException:
        session.rollback()
        set_connection_status(session, key, ConnectionStatus.DELETE_ERROR)
        session.commit()
        raise
    return removed


def _delete_subtree(session: Session, root: DataObject, requested_by: str | None) -> int:
    prefix = list(root.path)
    rows = subtree_rows(session, root)
    events = [
        ev.planned(ev.OBJECT_DELETED, tuple(r.path), r.revision,
                   {"kind": r.kind, "requestedBy": requested_by, "objectsDeleted": len(rows) if r.id == root.id else 1},
                   f"manual:{r.first_seen_at.isoformat()}")
        for r in rows
        if r.id == root.id or r.kind in ("table", "view")
    ]
    # Events first: the outbox reads the connection's event namespace, which deregistering removes.
    write_events(session, prefix[0], events, object_ids={tuple(r.path): r.id for r in rows})
    if root.kind == "connection":
        delete_connection_records(session, root.path[0])
    else:
        delete_object_row(session, root.id)
        renew_event_namespace(session, root.connection_id)
    return len(rows)
