"""Connectors for stored connections, reused across tasks from a small per-process cache."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

from catalog.locks import remote_read_slot
from catalog.session import session_scope
from connectors import Connector, create_connector
from domain.errors import ConnectionNotFound
from models import Connection
from services.access.secrets import decrypt_secret
from settings import get_settings

_CONNECTOR_CACHE_SIZE = 8
_CONNECTORS: dict[tuple, Connector] = {}  # per process, most recently used last


def close_pooled_connectors() -> None:
    """Close every connector this process keeps (at shutdown, or before the platform behind them goes away)."""
    while _CONNECTORS:
        _CONNECTORS.popitem()[1].close()


def connector_for(connection: Connection) -> Connector:
    settings = get_settings()
    return create_connector(
        connection.technology, connection.config, decrypt_secret(connection.credentials_encrypted),
        timeout=settings.remote_timeout_seconds, internal_databases=settings.internal_databases,
    )


@contextmanager
def open_connector(connection_id: int) -> Iterator[Connector]:
    """Borrow a connector for a stored connection from this process's small cache.

    Remote sessions are reused across tasks (a new PostgreSQL or Snowflake session costs more than a
    small schema's whole read); the cache key changes whenever config or credentials are edited, and a
    connector that raised is closed rather than returned.
    """
    with session_scope() as session:
        connection = session.get(Connection, connection_id)
        if connection is None:
            raise ConnectionNotFound(str(connection_id))
        key = (connection.id, json.dumps(connection.config, sort_keys=True),
               bytes(connection.credentials_encrypted or b""))
        connector = _CONNECTORS.pop(key, None) or connector_for(connection)
    try:
        yield connector
    except BaseException:
        connector.close()
        raise
    _CONNECTORS[key] = connector
    while len(_CONNECTORS) > _CONNECTOR_CACHE_SIZE:
        _CONNECTORS.pop(next(iter(_CONNECTORS))).close()


@contextmanager
def read_slot(connection_id: int) -> Iterator[None]:
    """One of the connection's read slots (`settings.remote_reads_per_connection`, over all workers) for the
    length of a remote read: a warehouse never serves more crawl reads of one connection at once."""
    with remote_read_slot(connection_id, get_settings().remote_reads_per_connection):
        yield
