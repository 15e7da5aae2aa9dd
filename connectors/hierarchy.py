"""Listing each database's schemas, with a failing database reported apart rather than failing the listing."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from connectors.errors import AuthenticationFailed, ConnectorError
from domain.snapshot import RemoteHierarchy


def collect_hierarchy(
    databases: Iterable[str],
    list_schemas: Callable[[str], tuple[str, ...]],
    failed: dict[str, str] | None = None,
    *,
    fail_whole_listing: bool = False,
) -> RemoteHierarchy:
    """A database whose schemas cannot be listed lands in failed_databases, so nothing under it is deleted.

    Failures about the platform itself (unreachable, timed out, credentials rejected) abort the listing
    instead, as does any failure when `fail_whole_listing` (a connection that is one database).
    """
    listed: dict[str, tuple[str, ...]] = {}
    failed = dict(failed or {})
    for database in databases:
        try:
            listed[database] = list_schemas(database)
        except ConnectorError as error:
            if fail_whole_listing or error.transient or isinstance(error, AuthenticationFailed):
                raise
            failed[database] = error.message
    return RemoteHierarchy(databases=listed, failed_databases=failed)
