"""Reading connection rows."""

from __future__ import annotations

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
