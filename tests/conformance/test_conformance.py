"""Scenarios every connector must pass, run against each platform double.

Each scenario changes the platform with its own DDL, reads the schema back through the connector and, where a
change is involved, feeds consecutive snapshots to the pure diff to check the events a crawl would emit.
"""

from __future__ import annotations

from collections.abc import Collection

import pytest

from connectors.errors import ObjectNotFound, PermissionDenied
from domain import change_types as ev
from domain.schema_diff import diff_schema
from domain.snapshot import RemoteTable, SchemaSnapshot
from domain.stored_state import SchemaScope, StoredColumn, StoredTable
from tests.conformance.doubles import SourceDouble, skip_reason

ODD_SCHEMA = 'Odd "Sch" é Ü'
ODD_TABLE = "Mixed Case 'T' ñ"
ODD_COLUMNS = [('Col "Quoted"', "int"), ("with space", "text"), ("MixedCase", "date"), ("ünïcödé", "bigint")]


def read(double: SourceDouble, schema: str, tables: Collection[str] | None = None) -> SchemaSnapshot:
    with double.connector() as connector:
        return connector.read_schema(double.database, schema, tables)


def by_name(snapshot: SchemaSnapshot) -> dict[str, RemoteTable]:
    return {t.name: t for t in snapshot.tables}


def column_names(table: RemoteTable) -> list[str]:
    return [c.name for c in sorted(table.columns, key=lambda c: c.ordinal)]


def stored_from(snapshot: SchemaSnapshot) -> dict[str, StoredTable]:
    """The catalog state a crawl of `snapshot` would have stored: every table enabled, dictionary loaded."""
    stored: dict[str, StoredTable] = {}
    column_id = 0
    for table_id, table in enumerate(snapshot.tables, start=1):
        columns = {}
        for c in table.columns:
            column_id += 1
            columns[c.name] = StoredColumn(column_id, c.name, c.ordinal, c.data_type, c.nullable, c.comment)
        stored[table.name] = StoredTable(
            id=table_id, name=table.name, kind=table.kind, status_setting="enabled", effective_status="enabled",
            remote_kind=table.remote_kind, comment=table.comment, owner=table.owner,
            fingerprint=table.fingerprint, columns=columns,
        )
    return stored


def event_types(before: SchemaSnapshot, after: SchemaSnapshot) -> list[str]:
    scope = SchemaScope(schema_path=("conformance", before.database, before.schema),
                        schema_effective_status="enabled", activate_new_children="enabled")
    return sorted(e.type for e in diff_schema(stored_from(before), after, scope).events)


def skip_unless_supported(double: SourceDouble, scenario: str) -> None:
    reason = skip_reason(double, scenario)
    if reason:
        pytest.skip(f"{double.technology}: {reason}")


def test_lists_the_schema_and_no_system_schema(double: SourceDouble, schema_name: str) -> None:
    double.create_schema(schema_name)
    with double.connector() as connector:
        hierarchy = connector.list_hierarchy()
        system = set(connector.system_schemas)
    schemas = hierarchy.databases[double.database]
    assert schema_name in schemas
    assert not system & set(schemas)
    assert double.database not in hierarchy.failed_databases


def test_empty_schema_is_an_empty_snapshot_not_an_error(double: SourceDouble, schema_name: str) -> None:
    double.create_schema(schema_name)
    snapshot = read(double, schema_name)
    assert (snapshot.database, snapshot.schema, snapshot.tables) == (double.database, schema_name, ())


def test_reads_tables_and_columns_in_order(double: SourceDouble, schema_name: str) -> None:
    double.create_schema(schema_name)
    double.create_table(schema_name, "orders", [("id", "int"), ("total", "numeric(10,2)"), ("note", "varchar(20)"),
                                                ("paid", "boolean"), ("placed", "date"), ("body", "text")])
    table = by_name(read(double, schema_name))["orders"]
    assert table.kind == "table"
    assert column_names(table) == ["id", "total", "note", "paid", "placed", "body"]
    assert [c.ordinal for c in table.columns] == [1, 2, 3, 4, 5, 6]
    assert all(c.data_type for c in table.columns)
    types = {c.name: c.data_type.lower() for c in table.columns}
    assert "20" in types["note"] and "10" in types["total"] and "2" in types["total"]


def test_unchanged_schema_diffs_to_nothing(double: SourceDouble, schema_name: str) -> None:
    double.create_schema(schema_name)
    double.create_table(schema_name, "a", [("id", "int"), ("name", "text")])
    assert event_types(read(double, schema_name), read(double, schema_name)) == []


def test_add_table(double: SourceDouble, schema_name: str) -> None:
    double.create_schema(schema_name)
    double.create_table(schema_name, "a", [("id", "int")])
    before = read(double, schema_name)
    double.create_table(schema_name, "b", [("id", "int"), ("name", "text")])
    after = read(double, schema_name)
    assert set(by_name(after)) == {"a", "b"}
    assert column_names(by_name(after)["b"]) == ["id", "name"]
    assert event_types(before, after) == [ev.OBJECT_CREATED]


def test_drop_table(double: SourceDouble, schema_name: str) -> None:
    double.create_schema(schema_name)
    for name in ("a", "b", "c"):
        double.create_table(schema_name, name, [("id", "int")])
    before = read(double, schema_name)
    double.drop_table(schema_name, "b")
    after = read(double, schema_name)
    assert set(by_name(after)) == {"a", "c"}
    assert event_types(before, after) == [ev.OBJECT_DELETED_REMOTELY]


def test_add_column(double: SourceDouble, schema_name: str) -> None:
    double.create_schema(schema_name)
    double.create_table(schema_name, "a", [("id", "int")])
    before = read(double, schema_name)
    double.add_column(schema_name, "a", "added", "varchar(20)")
    after = read(double, schema_name)
    assert column_names(by_name(after)["a"]) == ["id", "added"]
    assert event_types(before, after) == [ev.COLUMN_ADDED]


def test_drop_column(double: SourceDouble, schema_name: str) -> None:
    double.create_schema(schema_name)
    double.create_table(schema_name, "a", [("id", "int"), ("gone", "text"), ("kept", "date")])
    before = read(double, schema_name)
    double.drop_column(schema_name, "a", "gone")
    after = read(double, schema_name)
    assert set(column_names(by_name(after)["a"])) == {"id", "kept"}
    types = event_types(before, after)
    assert ev.COLUMN_DELETED in types
    # Platforms that renumber ordinals after a drop report the shift as a plain column change.
    assert set(types) <= {ev.COLUMN_DELETED, ev.COLUMN_CHANGED} and types.count(ev.COLUMN_DELETED) == 1


def test_retype_column(double: SourceDouble, schema_name: str) -> None:
    double.create_schema(schema_name)
    double.create_table(schema_name, "a", [("id", "int"), ("amount", "int")])
    before = read(double, schema_name)
    double.retype_column(schema_name, "a", "amount", "bigint")
    after = read(double, schema_name)
    old = {c.name: c.data_type for c in by_name(before)["a"].columns}
    new = {c.name: c.data_type for c in by_name(after)["a"].columns}
    assert old["amount"] != new["amount"] and old["id"] == new["id"]
    assert event_types(before, after) == [ev.COLUMN_TYPE_CHANGED]


def test_views_are_listed_as_views(double: SourceDouble, schema_name: str) -> None:
    skip_unless_supported(double, "views")
    double.create_schema(schema_name)
    double.create_table(schema_name, "base", [("id", "int"), ("name", "text")])
    double.create_view(schema_name, "base_view", "base")
    tables = by_name(read(double, schema_name))
    assert (tables["base"].kind, tables["base_view"].kind) == ("table", "view")
    assert column_names(tables["base_view"]) == ["id", "name"]


def test_tables_filter_narrows_the_read(double: SourceDouble, schema_name: str) -> None:
    double.create_schema(schema_name)
    for name in ("a", "b", "c"):
        double.create_table(schema_name, name, [("id", "int")])
    assert set(by_name(read(double, schema_name, {"a", "c", "not_there"}))) == {"a", "c"}
    assert read(double, schema_name, set()).tables == ()


def test_odd_identifiers_come_back_exactly(double: SourceDouble) -> None:
    skip_unless_supported(double, "odd_identifiers")
    import uuid

    schema = f"{ODD_SCHEMA} {uuid.uuid4().hex[:6]}"
    double.create_schema(schema)
    double.create_table(schema, ODD_TABLE, ODD_COLUMNS)
    with double.connector() as connector:
        assert schema in connector.list_hierarchy().databases[double.database]
        snapshot = connector.read_schema(double.database, schema, {ODD_TABLE})
    assert snapshot.schema == schema
    assert [t.name for t in snapshot.tables] == [ODD_TABLE]
    assert column_names(snapshot.tables[0]) == [name for name, _ in ODD_COLUMNS]


def test_unreadable_schema_raises_permission_denied(double: SourceDouble, schema_name: str) -> None:
    skip_unless_supported(double, "permission_denied")
    double.create_schema(schema_name)
    double.create_table(schema_name, "secret", [("id", "int")])
    assert [t.name for t in read(double, schema_name).tables] == ["secret"]
    double.deny_schema(schema_name)
    with pytest.raises(PermissionDenied) as raised:
        read(double, schema_name)
    assert schema_name in str(raised.value)


def test_missing_schema_raises_object_not_found(double: SourceDouble, schema_name: str) -> None:
    with pytest.raises(ObjectNotFound):
        read(double, schema_name)


def test_validation_passes_with_the_double_credentials(double: SourceDouble, schema_name: str) -> None:
    double.create_schema(schema_name)
    with double.connector() as connector:
        results = connector.validate()
    assert [r.name for r in results] == ["Connection test", "Database access test", "Metadata privileges test"]
    assert [r.status for r in results] == ["passed"] * 3, results
