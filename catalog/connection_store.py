"""Reading connection rows, and the status updates made without loading them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, update
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


def connection_key_taken(session: Session, key: str) -> bool:
    return session.scalar(select(Connection.id).where(Connection.key == key)) is not None


def lock_connection_by_id(session: Session, connection_id: int) -> Connection | None:
    return session.get(Connection, connection_id, with_for_update=True)


def set_connection_status(session: Session, key: str, status: str) -> None:
    session.execute(update(Connection).where(Connection.key == key).values(status=status))


def connections_to_revalidate(session: Session, statuses: Sequence[str]) -> Sequence[Row[Any]]:
    """(id, technology, config, credentials_encrypted, status) of the connections in one of `statuses`."""
    return session.execute(
        select(Connection.id, Connection.technology, Connection.config, Connection.credentials_encrypted,
               Connection.status).where(Connection.status.in_(list(statuses))).order_by(Connection.id)
    ).all()


def record_revalidation(session: Session, connection_id: int, expected_statuses: Sequence[str], status: str,
                        results: list[dict[str, Any]]) -> None:
    """Store the new status and results, unless the status left `expected_statuses` meanwhile."""
    session.execute(
        update(Connection)
        .where(Connection.id == connection_id, Connection.status.in_(list(expected_statuses)))
        .values(status=status, validation_results=results)
    )
