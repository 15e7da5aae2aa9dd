"""The pure diff: stored state + remote snapshot + settings → changes and the events describing them.

No Celery and no database here; the services load the state and apply what this returns.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from domain import change_types as ev
from domain.json_text import serialized
from domain.remote_lifecycle import GuardTrip, guard_trip, mark_deleted, restore
from domain.snapshot import RemoteColumn, RemoteTable, SchemaSnapshot
from domain.status import ENABLED, RemoteState, effective_status, new_child_status_setting
from domain.stored_state import SchemaScope, StoredColumn, StoredTable

_Column = TypeVar("_Column", RemoteColumn, StoredColumn)


@dataclass(frozen=True, slots=True)
class NewTable:
    table: RemoteTable
    status_setting: str
    effective_status: str


@dataclass(frozen=True, slots=True)
class TableUpdate:
    id: int
    name: str
    values: dict[str, Any]  # data_objects columns to set, always including revision


@dataclass(frozen=True, slots=True)
class ColumnInsert:
    table_name: str
    column: RemoteColumn
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ColumnUpdate:
    """The stored column `id` takes the remote column's attributes (its name too, when `renamed_from` is set)."""

    id: int
    column: RemoteColumn
    tags: tuple[str, ...]
    renamed_from: str | None = None


@dataclass(slots=True)
class SchemaChanges:
    new_tables: list[NewTable] = field(default_factory=list)  # their columns are inserted with them
    table_updates: list[TableUpdate] = field(default_factory=list)
    column_inserts: list[ColumnInsert] = field(default_factory=list)  # columns new to existing tables
    column_updates: list[ColumnUpdate] = field(default_factory=list)
    column_deletes: list[int] = field(default_factory=list)
    events: list[ev.PlannedEvent] = field(default_factory=list)
    guard: GuardTrip | None = None
    #: Stored tables missing from an incomplete listing and not confirmed gone: left as they are.
    tables_not_visible: int = 0

    def inserted_columns(self) -> Iterator[tuple[str, RemoteColumn, tuple[str, ...]]]:
        """(table name, column, tags) of every column to insert: the new tables' and the new ones of the rest."""
        for new in self.new_tables:
            for column in new.table.columns:
                yield new.table.name, column, ()
        for insert in self.column_inserts:
            yield insert.table_name, insert.column, insert.tags

    @property
    def is_empty(self) -> bool:
        return not (self.new_tables or self.table_updates or self.column_inserts or self.column_updates
                    or self.column_deletes or self.events)


def tables_needing_columns(stored: Mapping[str, StoredTable], snapshot: SchemaSnapshot) -> set[str]:
    """Stored tables whose dictionary must be loaded: those read again whose column fingerprint changed."""
    return {
        t.name for t in snapshot.tables
        if not t.columns_unread and t.name in stored and stored[t.name].fingerprint != t.fingerprint
    }


def in_scope(table: StoredTable, scope: SchemaScope) -> bool:
    """Disabled tables are crawled only when asked; a table deleted remotely is always checked for return."""
    if scope.tables is not None and table.name not in scope.tables:
        return False
    if scope.batch is not None and not scope.batch.range.holds(table.name):
        return False
    return table.effective_status == ENABLED or scope.include_disabled or table.remote_state == RemoteState.DELETED


def diff_schema(stored: Mapping[str, StoredTable], snapshot: SchemaSnapshot, scope: SchemaScope) -> SchemaChanges:
    changes = SchemaChanges()
    remote = {t.name: t for t in snapshot.tables if (scope.tables is None or t.name in scope.tables)
              and (scope.batch is None or scope.batch.range.holds(t.name))}

    for name, table in remote.items():
        current = stored.get(name)
        if current is None:
            _add_table(changes, table, scope)
        elif in_scope(current, scope):
            _update_table(changes, current, table, scope)

    absent = [
        t for name, t in stored.items()
        if name not in remote and t.remote_state == RemoteState.PRESENT and in_scope(t, scope)
    ]
    # An incomplete listing proves nothing about a table it left out, unless the connector confirmed the drop.
    vanished = absent if snapshot.complete else [t for t in absent if t.name in snapshot.confirmed_absent]
    not_visible = {t.name for t in absent} - {t.name for t in vanished}
    changes.tables_not_visible = len(not_visible)
    if vanished:
        present = sum(1 for t in stored.values()
                      if t.remote_state == RemoteState.PRESENT and in_scope(t, scope) and t.name not in not_visible)
        deleting = len(vanished)
        if scope.batch is not None:  # a batch of a large schema: the guard is counted over the whole schema
            deleting = max(deleting, scope.batch.schema_vanished)
            present = max(present, scope.batch.schema_present)
        if scope.guard.holds(deleting, present):
            changes.guard, event = _held(scope, vanished, present)
            changes.events.append(event)
            return changes
        for gone in vanished:
            values, event = mark_deleted(gone, _path(scope, gone.name))
            changes.table_updates.append(TableUpdate(gone.id, gone.name, values))
            changes.events.append(event)
    return changes


def _path(scope: SchemaScope, name: str) -> tuple[str, ...]:
    return (*scope.schema_path, name)


def _add_table(changes: SchemaChanges, table: RemoteTable, scope: SchemaScope) -> None:
    setting = new_child_status_setting(scope.activate_new_children)
    status = effective_status(setting, scope.schema_effective_status)
    changes.new_tables.append(NewTable(table, setting, status))
    changes.events.append(ev.planned(ev.OBJECT_CREATED, _path(scope, table.name), 1, {
        "kind": table.kind, "remoteKind": table.remote_kind, "status": status, "columns": len(table.columns),
        "comment": table.comment or None, "owner": table.owner or None,
        # _column_dict's fields, spelt out: a first sync builds one entry per column of every table, written out
        # at once so they never pile up
        "dictionary": serialized([{"name": c.name, "ordinal": c.ordinal, "dataType": c.data_type,
                                   "nullable": c.nullable, "comment": c.comment or None} for c in table.columns]),
    }))


def _update_table(changes: SchemaChanges, current: StoredTable, table: RemoteTable, scope: SchemaScope) -> None:
    path = _path(scope, table.name)
    revision = current.revision + 1
    values: dict[str, Any] = {}
    table_events: list[ev.PlannedEvent] = []

    if _recreated(current, table):  # a crawl between the drop and the re-create would have seen both
        deleted, event = mark_deleted(current, path)
        table_events.append(event)
        current = replace(current, **deleted)
        revision = current.revision + 1
    if table.remote_id is not None and table.remote_id != current.remote_id:
        values["remote_id"] = table.remote_id

    if current.remote_state == RemoteState.DELETED:
        restored, event = restore(current, path, scope.schema_effective_status)
        values.update(restored)
        table_events.append(event)

    before = {"kind": current.kind, "remoteKind": current.remote_kind, "comment": current.comment,
              "owner": current.owner}
    after = {"kind": table.kind, "remoteKind": table.remote_kind, "comment": table.comment, "owner": table.owner}
    if before != after:
        values.update(kind=table.kind, remote_kind=table.remote_kind, comment=table.comment, owner=table.owner)
        changed = {k: v for k, v in before.items() if after[k] != v}
        table_events.append(ev.planned(ev.OBJECT_CHANGED, path, revision, {
            "before": changed, "after": {k: after[k] for k in changed},
        }))

    fingerprint = None if table.columns_unread else table.fingerprint  # an unmoved token: columns as stored
    if fingerprint is not None and fingerprint != current.fingerprint:
        if current.columns is None:
            raise ValueError(f"columns of {table.name!r} must be loaded: its fingerprint changed")
        # Column identities mean something within one object only: not across a drop and re-create of the table.
        same_object = table.remote_id is not None and table.remote_id == current.remote_id
        table_events.extend(_diff_columns(changes, current, table, path, revision, same_object))
        values["fingerprint"] = fingerprint
    if table.change_token != current.change_token:
        values["change_token"] = table.change_token

    if values:
        if table_events or set(values) - _BOOKKEEPING:  # learning the identity or a new token is no new revision
            values["revision"] = revision
        changes.table_updates.append(TableUpdate(current.id, current.name, values))
        changes.events.extend(table_events)


#: Values that describe how the platform is read, not the object: they change no revision. (A new fingerprint
#: that comes with no column event only learnt the columns' identities.)
_BOOKKEEPING = frozenset({"remote_id", "change_token", "fingerprint"})


def _recreated(current: StoredTable, table: RemoteTable) -> bool:
    """Dropped and re-created under the same name since the last crawl: the platform's identity changed."""
    return (current.remote_state == RemoteState.PRESENT and current.remote_id is not None
            and table.remote_id is not None and current.remote_id != table.remote_id)


def _diff_columns(changes: SchemaChanges, current: StoredTable, table: RemoteTable,
                  path: tuple[str, ...], revision: int, same_object: bool) -> list[ev.PlannedEvent]:
    stored_columns = current.columns or {}
    matched = match_columns(stored_columns, table.columns, by_identity=same_object)
    found: list[ev.PlannedEvent] = []
    for column in table.columns:
        old = matched.get(column.name)
        if old is None:
            changes.column_inserts.append(ColumnInsert(table.name, column, (ev.NEW_TAG,)))
            found.append(ev.planned(ev.COLUMN_ADDED, path, revision, {
                "column": column.name, "after": _column_dict(column)}, column.name))
            continue
        renamed_from = old.name if old.name != column.name else None
        if renamed_from is not None:
            found.append(ev.planned(ev.COLUMN_RENAMED, path, revision, {
                "column": column.name, "before": {"name": old.name}, "after": {"name": column.name}},
                json.dumps([old.name, column.name], ensure_ascii=False)))
        before, after = _column_dict(old), _column_dict(column)
        if before == after:
            if renamed_from is not None or (column.remote_id is not None and column.remote_id != old.remote_id):
                changes.column_updates.append(ColumnUpdate(old.id, column, old.tags, renamed_from))
            continue
        if old.data_type != column.data_type:
            tags = old.tags if ev.NEW_TAG in old.tags else (*old.tags, ev.NEW_TAG)
            event_type = ev.COLUMN_TYPE_CHANGED
        else:
            tags = old.tags
            event_type = ev.COLUMN_CHANGED
        changes.column_updates.append(ColumnUpdate(old.id, column, tags, renamed_from))
        changed = [k for k in before if before[k] != after[k]]
        found.append(ev.planned(event_type, path, revision, {
            "column": column.name,
            "before": {k: before[k] for k in changed},
            "after": {k: after[k] for k in changed},
        }, column.name))
    kept = {old.id for old in matched.values()}
    for name, old in stored_columns.items():
        if old.id not in kept:
            changes.column_deletes.append(old.id)
            found.append(ev.planned(ev.COLUMN_DELETED, path, revision, {
                "column": name, "before": _column_dict(old)}, name))
    return found


def match_columns(stored: Mapping[str, StoredColumn], remote: Sequence[RemoteColumn], *,
                  by_identity: bool = True) -> dict[str, StoredColumn]:
    """Remote column name → the stored column it is.

    With `by_identity` (the table is the same object on the platform), identity first: a remote column whose
    platform identity a stored column holds is that column, whatever the two names (a rename, or names swapped);
    then by name, among the stored columns no identity claimed, unless the two identities differ (a column
    dropped and added again under its name is another column). Identities missing on either side, or not
    unique, prove nothing. Without `by_identity`, by name only.
    """
    stored_identities = _unique_identities(stored.values()) if by_identity else {}
    matched: dict[str, StoredColumn] = {}
    for identity, column in (_unique_identities(remote) if by_identity else {}).items():
        if identity in stored_identities:
            matched[column.name] = stored_identities[identity]
    claimed = {old.name for old in matched.values()}
    for column in remote:
        old = stored.get(column.name)
        if column.name in matched or old is None or old.name in claimed:
            continue
        if by_identity and None not in (old.remote_id, column.remote_id) and old.remote_id != column.remote_id:
            continue
        matched[column.name] = old
        claimed.add(old.name)
    return matched


def _unique_identities(columns: Iterable[_Column]) -> dict[str, _Column]:
    seen: dict[str, list[_Column]] = {}
    for column in columns:
        if column.remote_id is not None:
            seen.setdefault(column.remote_id, []).append(column)
    return {identity: same[0] for identity, same in seen.items() if len(same) == 1}


def _column_dict(column: RemoteColumn | StoredColumn) -> dict[str, Any]:
    """Compared like the fingerprint compares them: an empty comment is no comment. (Spelt out again in the
    dictionary of object.created.)"""
    return {"ordinal": column.ordinal, "dataType": column.data_type, "nullable": column.nullable,
            "comment": column.comment or None}


def _held(scope: SchemaScope, vanished: list[StoredTable], present: int) -> tuple[GuardTrip, ev.PlannedEvent]:
    names = tuple(sorted(t.name for t in vanished))
    return guard_trip(scope.schema_path, names, present, scope.guard, identity=names)
