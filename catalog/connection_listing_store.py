"""Listing connections with what they hold."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Connection, DataObject


def connections_with_data_sources(
    session: Session, only_keys: Collection[str] | None = None, *, technology: str | None = None,
    status: str | None = None, offset: int = 0, limit: int | None = None,
) -> tuple[list[tuple[Connection, int]], int]:
    """A page of connections by key, each with its count of data sources (enabled tables and views still
    present), and how many connections match in all."""
    data_sources = (
        select(DataObject.connection_id, func.count().label("count"))
        .where(DataObject.kind.in_(("table", "view")), DataObject.effective_status == "enabled",
               DataObject.remote_state == "present")
        .group_by(DataObject.connection_id).subquery()
    )
    query = (
        select(Connection, func.coalesce(data_sources.c.count, 0))
        .outerjoin(data_sources, data_sources.c.connection_id == Connection.id).order_by(Connection.key)
    )
    if only_keys is not None:
        query = query.where(Connection.key.in_(sorted(only_keys)))
    if technology is not None:
        query = query.where(Connection.technology == technology)
    if status is not None:
        query = query.where(Connection.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.offset(offset).limit(limit)).tuples()
    return [(connection, int(count)) for connection, count in rows], total
