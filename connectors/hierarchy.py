"""Listing each database's schemas, with a failing database reported apart rather than failing the listing."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass

from connectors.errors import AuthenticationFailed, ConfigurationError, ConnectorError
from domain.snapshot import RemoteHierarchy


@dataclass(frozen=True, slots=True)
class SchemaListing:
    """One database's schemas; `complete` False when privileges may hide some, then only `confirmed_absent` are
    known to be dropped."""

    schemas: tuple[str, ...]
    complete: bool = True
    confirmed_absent: frozenset[str] = frozenset()


def collect_hierarchy(
    databases: Iterable[str],
    list_schemas: Callable[[str], tuple[str, ...] | SchemaListing],
    failed: dict[str, str] | None = None,
    *,
    fail_whole_listing: bool = False,
    complete: bool = True,
    confirmed_absent: Collection[str] = (),
) -> RemoteHierarchy:
    """A database whose schemas cannot be listed lands in failed_databases, so nothing under it is deleted.

    Failures about the platform itself (unreachable, timed out, credentials rejected, unusable configuration)
    abort the listing instead, as does any failure when `fail_whole_listing` (a connection that is one database).
    `complete` and `confirmed_absent` describe the database listing itself.
    """
    listed: dict[str, tuple[str, ...]] = {}
    incomplete: dict[str, frozenset[str]] = {}
    failed = dict(failed or {})
    for database in databases:
        try:
            listing = list_schemas(database)
        except ConnectorError as error:
            if fail_whole_listing or error.transient or isinstance(error, AuthenticationFailed | ConfigurationError):
                raise
            failed[database] = error.message
            continue
        if isinstance(listing, SchemaListing):
            listed[database] = listing.schemas
            if not listing.complete:
                incomplete[database] = listing.confirmed_absent
        else:
            listed[database] = listing
    return RemoteHierarchy(databases=listed, failed_databases=failed, complete=complete,
                           confirmed_absent=frozenset(confirmed_absent), incomplete_schemas=incomplete)
