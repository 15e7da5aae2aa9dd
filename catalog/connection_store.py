"""Reading connection rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.errors import ConnectionNotFound
from models import Connection


def get_connection(session: Session, key: str, *, for_update: bool = False) -> Connection:
    query = select(Connection).where(Connection.key == key)
    if for_update:
        query = query.with_for_update()
    connection = session.scalar(query)
    if connection is None:
        raise ConnectionNotFound(key)
    return connection


def lock_due_connections(session: Session, now: datetime, statuses: Sequence[str]) -> list[Connection]:
    """Connections in one of `statuses` whose next sync is due by `now`, soonest first, locked until the
    transaction ends; rows another transaction holds are skipped (a concurrent dispatcher takes them)."""
    return list(session.scalars(
        select(Connection)
        .where(Connection.next_sync_at <= now, Connection.status.in_(list(statuses)))
        .order_by(Connection.next_sync_at)
        .with_for_update(skip_locked=True)
    ))
