"""Plain pictures of what the catalog holds, loaded by the services and fed to the pure diff."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from domain.remote_lifecycle import MassDeletionGuard
from domain.status import RemoteState, StatusSetting

if TYPE_CHECKING:
    from domain.schema_batches import Batch


@dataclass(frozen=True, slots=True)
class StoredColumn:
    #: The handle the changes name this column by (the catalog's loader numbers the columns it loads).
    id: int
    name: str
    ordinal: int
    data_type: str
    nullable: bool
    comment: str | None
    tags: tuple[str, ...] = ()
    remote_id: str | None = None  # see RemoteColumn.remote_id


@dataclass(slots=True)
class StoredTable:
    id: int
    name: str
    kind: str
    status_setting: str
    effective_status: str
    remote_state: str = RemoteState.PRESENT
    remote_kind: str | None = None
    comment: str | None = None
    owner: str | None = None
    fingerprint: str | None = None
    revision: int = 1
    status_before_deletion: str | None = None
    remote_id: str | None = None  # the platform's identity, where it has one (see RemoteTable.remote_id)
    change_token: str | None = None  # see RemoteTable.change_token
    #: The dictionary, loaded only for tables whose fingerprint differs from the remote one.
    columns: dict[str, StoredColumn] | None = None


@dataclass(frozen=True, slots=True)
class StoredContainer:
    """A connection, database or schema object."""

    id: int
    kind: str
    path: tuple[str, ...]
    status_setting: str
    effective_status: str
    activate_new_children: str = StatusSetting.INHERIT
    remote_state: str = RemoteState.PRESENT
    revision: int = 1
    status_before_deletion: str | None = None


@dataclass(frozen=True, slots=True)
class SchemaScope:
    """What the diff of one schema needs to know about its surroundings."""

    schema_path: tuple[str, ...]  # (connection key, database, schema)
    schema_effective_status: str
    activate_new_children: str  # resolved: enabled or disabled
    include_disabled: bool = False
    tables: frozenset[str] | None = None  # a manual crawl of some tables only
    guard: MassDeletionGuard = MassDeletionGuard()
    #: One name-range batch of a large schema: only its tables are in scope, the guard counts the whole schema.
    batch: Batch | None = None


@dataclass(frozen=True, slots=True)
class HierarchyScope:
    connection: StoredContainer
    database: str | None = None  # reconcile one database only
    schema: str | None = None  # reconcile one schema only (requires database)
    excluded_databases: frozenset[str] = frozenset()
    excluded_schemas: frozenset[str] = frozenset()
    guard: MassDeletionGuard = MassDeletionGuard()
