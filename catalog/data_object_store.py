"""Data object rows found by path or connection: looked up (optionally locked), listed as a subtree, deleted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Row, delete, select
from sqlalchemy.orm import Session

from models import DataObject


def object_at_path(session: Session, path: Sequence[str], *, for_update: bool = False) -> DataObject | None:
    query = select(DataObject).where(DataObject.path == list(path))
    if for_update:
        query = query.with_for_update()
    return session.scalar(query)


def object_exists(session: Session, path: Sequence[str]) -> bool:
    return session.scalar(select(DataObject.id).where(DataObject.path == list(path))) is not None


def connection_root_setting(session: Session, connection_id: int) -> str | None:
    """The status setting of the connection's own data object (None before it exists)."""
    return session.scalar(
        select(DataObject.status_setting).where(DataObject.connection_id == connection_id,
                                                DataObject.parent_id.is_(None))
    )


def subtree_rows(session: Session, root: DataObject) -> Sequence[Row[int, str, list[str], int, datetime]]:
    """(id, kind, path, revision, first_seen_at) of `root` and every object below it, in path order."""
    prefix = list(root.path)
    return session.execute(
        select(DataObject.id, DataObject.kind, DataObject.path, DataObject.revision, DataObject.first_seen_at)
        .where(DataObject.connection_id == root.connection_id, DataObject.path[1:len(prefix)] == prefix)
        .order_by(DataObject.path)
    ).all()


def delete_object_row(session: Session, object_id: int) -> None:
    """Delete one object; its children go with it (ON DELETE CASCADE)."""
    session.execute(delete(DataObject).where(DataObject.id == object_id))


def delete_connection_objects(session: Session, connection_id: int) -> None:
    session.execute(delete(DataObject).where(DataObject.connection_id == connection_id))
