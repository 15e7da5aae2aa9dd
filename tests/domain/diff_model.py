"""An in-memory catalog that applies diffs the way sync/apply.py does, for the pure property tests.

The catalog always holds every table's full dictionary; `diff_view` hands the diff what the crawl service would
load (columns only for tables whose fingerprint changed), so the tests also exercise the fingerprint shortcut.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping

from domain.hierarchy_diff import HierarchyChanges
from domain.remote_lifecycle import MassDeletionGuard
from domain.schema_diff import SchemaChanges, tables_needing_columns
from domain.snapshot import RemoteColumn, RemoteTable, SchemaSnapshot, columns_fingerprint
from domain.stored_state import StoredColumn, StoredContainer, StoredTable

TABLE_FIELDS = {f.name for f in dataclasses.fields(StoredTable)} - {"id", "name", "columns"}
CONTAINER_FIELDS = {f.name for f in dataclasses.fields(StoredContainer)} - {"id", "kind", "path"}

Catalog = dict[str, StoredTable]


def with_guard(overrides: dict[str, object]) -> dict[str, object]:
    """Scope keyword arguments with `mass_deletion_threshold`, `mass_deletion_minimum` and `allow_mass_deletion`
    folded into the scope's `guard`."""
    values = dict(overrides)
    guard = {name: values.pop(key) for key, name in (("mass_deletion_threshold", "threshold"),
                                                    ("mass_deletion_minimum", "minimum"),
                                                    ("allow_mass_deletion", "allow")) if key in values}
    if guard:
        values["guard"] = MassDeletionGuard(**guard)  # type: ignore[arg-type]
    return values
Containers = dict[tuple[str, ...], StoredContainer]


class IdSource:
    """Fresh row ids above every id already used, like a database sequence."""

    def __init__(self, start: int = 1) -> None:
        self._ids = itertools.count(start)

    def __call__(self) -> int:
        return next(self._ids)


def stored_fingerprint(columns: Mapping[str, StoredColumn]) -> str:
    return columns_fingerprint([as_remote(c) for c in columns.values()])


def as_remote(column: StoredColumn) -> RemoteColumn:
    return RemoteColumn(column.name, column.ordinal, column.data_type, column.nullable, column.comment)


def synced_table(table_id: int, table: RemoteTable, ids: IdSource, **overrides: object) -> StoredTable:
    """A catalog row as a previous crawl of `table` would have left it (enabled unless overridden)."""
    values: dict[str, object] = {
        "id": table_id, "name": table.name, "kind": table.kind, "status_setting": "inherit",
        "effective_status": "enabled", "remote_kind": table.remote_kind, "comment": table.comment,
        "owner": table.owner, "fingerprint": table.fingerprint, "remote_id": table.remote_id,
        "columns": {c.name: StoredColumn(ids(), c.name, c.ordinal, c.data_type, c.nullable, c.comment,
                                         remote_id=c.remote_id)
                    for c in table.columns},
    }
    values.update(overrides)
    return StoredTable(**values)  # type: ignore[arg-type]


def diff_view(catalog: Catalog, snapshot: SchemaSnapshot) -> Catalog:
    """What the service loads: every table, with a dictionary only where the fingerprint differs."""
    view = {name: dataclasses.replace(t, columns=None) for name, t in catalog.items()}
    for name in tables_needing_columns(view, snapshot):
        view[name].columns = dict(catalog[name].columns or {})
    return view


def apply_schema(catalog: Catalog, changes: SchemaChanges, ids: IdSource) -> Catalog:
    """The next catalog; a held change set (guard tripped) holds only its deletions, which the diff left out."""
    result = {name: dataclasses.replace(t, columns=dict(t.columns or {})) for name, t in catalog.items()}
    for new in changes.new_tables:
        assert new.table.name not in result, f"created twice: {new.table.name!r}"
        t = new.table
        result[t.name] = StoredTable(
            id=ids(), name=t.name, kind=t.kind, status_setting=new.status_setting,
            effective_status=new.effective_status, remote_kind=t.remote_kind, comment=t.comment, owner=t.owner,
            fingerprint=t.fingerprint, revision=1, remote_id=t.remote_id, columns={},
        )
    by_id = {t.id: t for t in result.values()}
    for update in changes.table_updates:
        unknown = set(update.values) - TABLE_FIELDS
        assert not unknown, f"update sets unknown fields {unknown}"
        table = by_id[update.id]
        assert table.name == update.name
        for key, value in update.values.items():
            setattr(table, key, value)
    owner_of = {c.id: t for t in result.values() for c in (t.columns or {}).values()}
    for column_id in changes.column_deletes:
        table = owner_of[column_id]
        assert table.columns is not None
        (name,) = [n for n, c in table.columns.items() if c.id == column_id]
        del table.columns[name]
    for update in changes.column_updates:  # all taken out first: renamed columns may trade names
        table = owner_of[update.id]
        assert table.columns is not None
        (name,) = [n for n, c in table.columns.items() if c.id == update.id]
        assert name == (update.renamed_from or update.column.name)
        del table.columns[name]
    for update in changes.column_updates:
        table = owner_of[update.id]
        assert table.columns is not None
        c = update.column
        assert c.name not in table.columns, f"two columns named {c.name!r}"
        table.columns[c.name] = StoredColumn(update.id, c.name, c.ordinal, c.data_type, c.nullable, c.comment,
                                             update.tags, c.remote_id)
    for table_name, c, tags in changes.inserted_columns():
        table = result[table_name]
        assert table.columns is not None
        assert c.name not in table.columns, f"column inserted twice: {c.name!r}"
        table.columns[c.name] = StoredColumn(ids(), c.name, c.ordinal, c.data_type, c.nullable, c.comment, tags,
                                             c.remote_id)
    return result


def apply_hierarchy(containers: Containers, changes: HierarchyChanges, ids: IdSource) -> Containers:
    result = dict(containers)
    for new in changes.new_containers:
        assert new.path not in result, f"created twice: {new.path!r}"
        assert len(new.path) == 2 or new.path[:-1] in result, f"schema before its database: {new.path!r}"
        result[new.path] = StoredContainer(ids(), new.kind, new.path, new.status_setting, new.effective_status)
    by_id = {c.id: c for c in result.values()}
    for update in changes.updates:
        unknown = set(update.values) - CONTAINER_FIELDS
        assert not unknown, f"update sets unknown fields {unknown}"
        current = by_id[update.id]
        assert current.path == update.path
        result[current.path] = by_id[update.id] = dataclasses.replace(current, **update.values)
    return result
