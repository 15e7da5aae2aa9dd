"""A connection's records: its row and its root data object, stored, given new options, or deleted.

These write the catalog only; the use cases in `connection_admin` (register, edit) and `object_deletion`
(deregister) add the validation against the platform, the status transitions and the events. Tests, the
benchmark and the demo seed connections with `store_connection` directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from catalog.connection_store import connection_key_taken, get_connection
from catalog.data_object_store import delete_connection_objects
from catalog.outbox import last_event_id
from catalog.session import Session
from connectors import connector_class
from domain.connection_status import ConnectionStatus
from domain.errors import ConnectionExists, Invalid
from domain.name_filters import normalize_filters
from domain.schedule import next_run, validate_cron
from domain.status import DISABLED, ENABLED
from models import Connection, DataObject
from services.access.secrets import encrypt_secret
from settings import get_settings


class InvalidConnectionKey(Invalid):
    def __init__(self) -> None:
        super().__init__("connectionKey must be 1-255 characters, without '/' or surrounding spaces")


def validate_connection_key(key: str) -> str:
    if not key or key != key.strip() or "/" in key or len(key) > 255:
        raise InvalidConnectionKey()
    return key


def updated_options(options: Mapping[str, Any] | None, *, force_recursive_crawl: bool | None = None,
                    filters: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A connection's options with the given ones replaced (None keeps the current value).

    `filters` replace the whole previous set; empty ones remove it. Raises InvalidNameFilter naming the
    offending key or pattern.
    """
    updated = dict(options or {})
    if force_recursive_crawl is not None:
        updated["forceRecursiveCrawl"] = force_recursive_crawl
    if filters is not None:
        normalized = normalize_filters(filters)
        if normalized:
            updated["filters"] = normalized
        else:
            updated.pop("filters", None)
    return updated


def store_connection(
    session: Session,
    *,
    key: str,
    technology: str,
    config: Mapping[str, Any],
    credentials: Mapping[str, Any],
    is_active: bool = True,
    activate_new_children: bool = False,
    force_recursive_crawl: bool = False,
    filters: Mapping[str, Any] | None = None,
    cron: str | None = None,
    status: str = ConnectionStatus.ENABLED,
) -> Connection:
    """Store the connection and its root data object, credentials encrypted; nothing is validated remotely."""
    validate_connection_key(key)
    options = updated_options({}, force_recursive_crawl=force_recursive_crawl, filters=filters)
    connector_class(technology)  # unknown technology → ConfigurationError
    if connection_key_taken(session, key):
        raise ConnectionExists(key)
    schedule = validate_cron(cron or get_settings().default_cron)
    connection = Connection(
        event_namespace=last_event_id(session),
        key=key, technology=technology, config=dict(config), credentials_encrypted=encrypt_secret(dict(credentials)),
        status=status, options=options, cron=schedule,
        next_sync_at=next_run(schedule), validation_results=[],
    )
    session.add(connection)
    session.flush()
    status_setting = ENABLED if is_active else DISABLED
    session.add(DataObject(
        connection_id=connection.id, parent_id=None, kind="connection", name=key, path=[key],
        status_setting=status_setting, effective_status=status_setting,
        activate_new_children=ENABLED if activate_new_children else DISABLED, remote_state="present",
    ))
    session.flush()
    return connection


def delete_connection_records(session: Session, key: str) -> None:
    """Delete the connection and every child object here; nothing on the platform is touched."""
    connection = get_connection(session, key, for_update=True)
    delete_connection_objects(session, connection.id)
    session.delete(connection)
    session.flush()
