"""Scenarios every connector must pass, run against each platform double, end to end through the crawl services.

Each scenario changes the platform with its own DDL (and GRANT / REVOKE), crawls the connection through the crawl
services into the real catalog and asserts what a user would then see: the catalog's objects and columns, the
change events and the job's status and summary. Where platforms differ (a revoked object hidden from a listing or
still listed and refused), the double says how its platform behaves and the scenario asserts exactly that.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection

import pytest

from connectors.errors import ObjectNotFound, PermissionDenied
from domain import change_types as ev
from domain.jobs import DATABASES_NOT_VISIBLE, SCHEMAS_NOT_VISIBLE, TABLES_NOT_VISIBLE
from domain.snapshot import RemoteTable, SchemaSnapshot
from tests.conformance.crawling import Crawl, columns, crawl, objects, register, states
from tests.conformance.doubles import SourceDouble, skip_reason

pytestmark = pytest.mark.usefixtures("catalog")

ODD_SCHEMA = 'Odd "Sch" é Ü'
ODD_TABLE = "Mixed Case 'T' ñ"
ODD_COLUMNS = [('Col "Quoted"', "int"), ("with space", "text"), ("MixedCase", "date"), ("ünïcödé", "bigint")]
PRESENT = ("present", "enabled")
GONE = ("deleted", "disabled")


def read(double: SourceDouble, schema: str, tables: Collection[str] | None = None) -> SchemaSnapshot:
    with double.connector() as connector:
        return connector.read_schema(double.database, schema, tables)


def by_name(snapshot: SchemaSnapshot) -> dict[str, RemoteTable]:
    return {t.name: t for t in snapshot.tables}


def skip_unless_supported(double: SourceDouble, scenario: str) -> None:
    reason = skip_reason(double, scenario)
    if reason:
        pytest.skip(f"{double.technology}: {reason}")


def capability(double: SourceDouble, name: str) -> object:
    found = getattr(double, name, None)
    if found is None:
        pytest.skip(f"{double.technology}: the platform has no such behaviour ({name})")
    return found


def synced(double: SourceDouble, schema: str, *tables: str) -> Crawl:
    """The schema with these one-column tables, registered and crawled once."""
    double.create_schema(schema)
    for name in tables:
        double.create_table(schema, name, [("id", "int")])
    register(double, schema)
    first = crawl()
    assert first.status == "succeeded", first.report
    return first


def tables_of(double: SourceDouble, schema: str) -> dict[str, tuple[str, str]]:
    return states((double.database, schema), 1)


def assert_nothing_changed(result: Crawl) -> None:
    assert result.events == [], "no event: nothing the platform proved changed"


# --- listing and reading ----------------------------------------------------------------------------------------


def test_lists_the_schema_and_no_system_schema(double: SourceDouble, schema_name: str) -> None:
    double.create_schema(schema_name)
    with double.connector() as connector:
        hierarchy = connector.list_hierarchy()
        system = set(connector.system_schemas)
    schemas = hierarchy.databases[double.database]
    assert schema_name in schemas
    assert not system & set(schemas)
    assert double.database not in hierarchy.failed_databases

    register(double, schema_name)
    result = crawl()
    assert result.status == "succeeded", result.report
    assert (ev.OBJECT_CREATED, (double.database, schema_name)) in result.events
    assert objects()[(double.database, schema_name)].kind == "schema"


def test_empty_schema_is_an_empty_schema_not_an_error(double: SourceDouble, schema_name: str) -> None:
    result = synced(double, schema_name)
    assert tables_of(double, schema_name) == {}
    assert result.event_types == [ev.OBJECT_CREATED, ev.OBJECT_CREATED]  # the database and the schema
    assert read(double, schema_name).tables == ()


def test_reads_tables_and_columns_in_order(double: SourceDouble, schema_name: str) -> None:
    double.create_schema(schema_name)
    double.create_table(schema_name, "orders", [("id", "int"), ("total", "numeric(10,2)"), ("note", "varchar(20)"),
                                                ("paid", "boolean"), ("placed", "date"), ("body", "text")])
    register(double, schema_name)
    result = crawl()
    path = (double.database, schema_name, "orders")
    assert (ev.OBJECT_CREATED, path) in result.events
    stored = columns(path)
    assert [(name, ordinal) for name, ordinal, _ in stored] == [
        ("id", 1), ("total", 2), ("note", 3), ("paid", 4), ("placed", 5), ("body", 6)]
    types = {name: data_type.lower() for name, _, data_type in stored}
    assert "20" in types["note"] and "10" in types["total"] and "2" in types["total"]
    assert objects()[path].kind == "table"


def test_unchanged_schema_crawls_to_nothing(double: SourceDouble, schema_name: str) -> None:
    double.create_schema(schema_name)
    double.create_table(schema_name, "a", [("id", "int"), ("name", "text")])
    register(double, schema_name)
    crawl()
    again = crawl()
    assert again.status == "succeeded"
    assert_nothing_changed(again)


def test_add_table(double: SourceDouble, schema_name: str) -> None:
    synced(double, schema_name, "a")
    double.create_table(schema_name, "b", [("id", "int"), ("name", "text")])
    result = crawl()
    assert result.events == [(ev.OBJECT_CREATED, (double.database, schema_name, "b"))]
    assert [name for name, _, _ in columns((double.database, schema_name, "b"))] == ["id", "name"]
    assert tables_of(double, schema_name) == {"a": PRESENT, "b": PRESENT}


def test_drop_table(double: SourceDouble, schema_name: str) -> None:
    synced(double, schema_name, "a", "b", "c")
    double.drop_table(schema_name, "b")
    result = crawl()
    assert result.status == "succeeded", result.report
    assert result.events == [(ev.OBJECT_DELETED_REMOTELY, (double.database, schema_name, "b"))]
    assert tables_of(double, schema_name) == {"a": PRESENT, "b": GONE, "c": PRESENT}
    assert TABLES_NOT_VISIBLE not in result.summary


def test_add_column(double: SourceDouble, schema_name: str) -> None:
    synced(double, schema_name, "a")
    double.add_column(schema_name, "a", "added", "varchar(20)")
    result = crawl()
    assert result.event_types == [ev.COLUMN_ADDED]
    assert [name for name, _, _ in columns((double.database, schema_name, "a"))] == ["id", "added"]


def test_drop_column(double: SourceDouble, schema_name: str) -> None:
    double.create_schema(schema_name)
    double.create_table(schema_name, "a", [("id", "int"), ("gone", "text"), ("kept", "date")])
    register(double, schema_name)
    crawl()
    double.drop_column(schema_name, "a", "gone")
    types = crawl().event_types
    assert {name for name, _, _ in columns((double.database, schema_name, "a"))} == {"id", "kept"}
    # Platforms that renumber ordinals after a drop report the shift as a plain column change.
    assert set(types) <= {ev.COLUMN_DELETED, ev.COLUMN_CHANGED} and types.count(ev.COLUMN_DELETED) == 1


def test_rename_column(double: SourceDouble, schema_name: str) -> None:
    rename = capability(double, "rename_column")
    double.create_schema(schema_name)
    double.create_table(schema_name, "a", [("id", "int"), ("old_name", "text")])
    register(double, schema_name)
    crawl()
    rename(schema_name, "a", "old_name", "new_name")  # type: ignore[operator]
    result = crawl()
    assert [name for name, _, _ in columns((double.database, schema_name, "a"))] == ["id", "new_name"]
    if getattr(double, "proves_column_renames", False):
        assert result.event_types == [ev.COLUMN_RENAMED]
    else:  # nothing proves it is the same column
        assert sorted(result.event_types) == [ev.COLUMN_ADDED, ev.COLUMN_DELETED]


def test_retype_column(double: SourceDouble, schema_name: str) -> None:
    double.create_schema(schema_name)
    double.create_table(schema_name, "a", [("id", "int"), ("amount", "int")])
    register(double, schema_name)
    crawl()
    before = {n: t for n, _, t in columns((double.database, schema_name, "a"))}
    double.retype_column(schema_name, "a", "amount", "bigint")
    assert crawl().event_types == [ev.COLUMN_TYPE_CHANGED]
    after = {n: t for n, _, t in columns((double.database, schema_name, "a"))}
    assert before["amount"] != after["amount"] and before["id"] == after["id"]


def test_views_are_listed_as_views(double: SourceDouble, schema_name: str) -> None:
    skip_unless_supported(double, "views")
    double.create_schema(schema_name)
    double.create_table(schema_name, "base", [("id", "int"), ("name", "text")])
    double.create_view(schema_name, "base_view", "base")
    register(double, schema_name)
    crawl()
    found = objects()
    assert found[(double.database, schema_name, "base")].kind == "table"
    assert found[(double.database, schema_name, "base_view")].kind == "view"
    assert [n for n, _, _ in columns((double.database, schema_name, "base_view"))] == ["id", "name"]


def test_a_table_scoped_crawl_reads_and_changes_only_that_table(double: SourceDouble, schema_name: str) -> None:
    synced(double, schema_name, "a", "b", "c")
    assert set(by_name(read(double, schema_name, {"a", "c", "not_there"}))) == {"a", "c"}
    assert read(double, schema_name, set()).tables == ()
    double.drop_table(schema_name, "b")
    double.add_column(schema_name, "a", "more", "int")
    result = crawl(double.database, schema_name, "a")
    assert result.event_types == [ev.COLUMN_ADDED], "b was not in the crawl's scope"
    assert tables_of(double, schema_name) == {"a": PRESENT, "b": PRESENT, "c": PRESENT}


def test_odd_identifiers_come_back_exactly(double: SourceDouble) -> None:
    skip_unless_supported(double, "odd_identifiers")
    schema = f"{ODD_SCHEMA} {uuid.uuid4().hex[:6]}"
    double.create_schema(schema)
    double.create_table(schema, ODD_TABLE, ODD_COLUMNS)
    register(double, schema)
    crawl()
    assert tables_of(double, schema) == {ODD_TABLE: PRESENT}
    assert [name for name, _, _ in columns((double.database, schema, ODD_TABLE))] == [n for n, _ in ODD_COLUMNS]


def test_missing_schema_raises_object_not_found(double: SourceDouble, schema_name: str) -> None:
    with pytest.raises(ObjectNotFound):
        read(double, schema_name)


def test_validation_passes_with_the_double_credentials(double: SourceDouble, schema_name: str) -> None:
    double.create_schema(schema_name)
    with double.connector() as connector:
        results = connector.validate()
    names = type(connector).test_names
    assert [r.name for r in results if r.name in (names.connect, names.access, names.privileges)] == [
        names.connect, names.access, names.privileges]
    warning = getattr(double, "expected_validation_warning", None)
    if warning is None:
        assert [r.status for r in results] == ["passed"] * len(results), results
    else:
        assert [r.status for r in results] == ["passed"] * (len(results) - 1) + ["warning"], results
        assert warning in (results[-1].message or "")


# --- lost rights are never a deletion ---------------------------------------------------------------------------


def test_unreadable_schema_is_refused_and_nothing_in_it_changes(double: SourceDouble, schema_name: str) -> None:
    skip_unless_supported(double, "permission_denied")
    synced(double, schema_name, "secret")
    double.deny_schema(schema_name)
    with pytest.raises(PermissionDenied) as raised:
        read(double, schema_name)
    assert schema_name in str(raised.value)
    result = crawl()
    # the schema's subtask failed (the only one here, so the whole job did), saying why
    assert result.status in ("partial", "failed") and schema_name in str(result.report["errors"]), result.report
    assert_nothing_changed(result)
    assert tables_of(double, schema_name) == {"secret": PRESENT}
    double.drop_schema(schema_name)  # a schema hidden from the crawler would keep later listings incomplete


def test_a_revoked_table_grant_leaves_the_table_as_it_was(double: SourceDouble, schema_name: str) -> None:
    synced(double, schema_name, "a", "b", "c")
    double.revoke_table(schema_name, "b")
    result = crawl()
    assert result.status == "succeeded", result.report
    assert_nothing_changed(result)
    assert tables_of(double, schema_name) == {"a": PRESENT, "b": PRESENT, "c": PRESENT}
    expected = 1 if double.hides_revoked_tables else None
    assert result.summary.get(TABLES_NOT_VISIBLE) == expected, result.summary

    double.grant_table(schema_name, "b")
    again = crawl()
    assert_nothing_changed(again)
    assert TABLES_NOT_VISIBLE not in again.summary, "visible again"


def test_revoked_schema_usage_leaves_the_schema_and_its_tables_as_they_were(
        double: SourceDouble, schema_name: str) -> None:
    synced(double, schema_name, "a", "b")
    double.revoke_schema(schema_name)
    result = crawl()
    assert_nothing_changed(result)
    assert states((double.database,), 1)[schema_name] == PRESENT
    assert tables_of(double, schema_name) == {"a": PRESENT, "b": PRESENT}
    if double.revoked_schema == "hidden":
        assert result.status == "succeeded" and result.summary.get(SCHEMAS_NOT_VISIBLE) == 1, result.report
    else:  # still listed, refused when read: the job says so
        assert result.status in ("partial", "failed") and schema_name in str(result.report["errors"]), result.report
    double.drop_schema(schema_name)  # a schema hidden from the crawler would keep later listings incomplete


def test_a_dropped_schema_is_deleted(double: SourceDouble, schema_name: str) -> None:
    synced(double, schema_name, "a")
    double.drop_schema(schema_name)
    result = crawl(allow_mass_deletion=True)  # the only schema in the connection's scope
    assert (ev.OBJECT_DELETED_REMOTELY, (double.database, schema_name)) in result.events, result.events
    assert states((double.database,), 1)[schema_name] == GONE
    assert SCHEMAS_NOT_VISIBLE not in result.summary


def test_revoked_database_usage_leaves_everything_as_it_was(double: SourceDouble, schema_name: str) -> None:
    revoke = capability(double, "revoke_database")
    synced(double, schema_name, "a")
    revoke()  # type: ignore[operator]
    try:
        result = crawl()
    finally:
        double.grant_database()  # type: ignore[attr-defined]
    assert_nothing_changed(result)
    assert states((), 1)[double.database] == PRESENT
    assert tables_of(double, schema_name) == {"a": PRESENT}
    if double.revoked_database == "hidden":  # type: ignore[attr-defined]
        assert result.status == "succeeded" and result.summary.get(DATABASES_NOT_VISIBLE) == 1, result.report
    else:  # the connection's own database refuses it: the job fails, changing nothing
        assert result.status == "failed", result.report


def test_a_database_not_online_is_left_as_it_was(double: SourceDouble, schema_name: str) -> None:
    take_offline = capability(double, "take_offline")
    synced(double, schema_name, "a")
    take_offline()  # type: ignore[operator]
    try:
        result = crawl()
    finally:
        double.bring_online()  # type: ignore[attr-defined]
    assert result.status in ("failed", "partial") and result.report["errors"], result.report
    assert_nothing_changed(result)
    assert tables_of(double, schema_name) == {"a": PRESENT}
    back = crawl()
    assert back.status == "succeeded"
    assert_nothing_changed(back)


# --- platform behaviours ------------------------------------------------------------------------------------------


def test_throttled_calls_are_retried_and_the_crawl_completes(double: SourceDouble, schema_name: str) -> None:
    throttle = capability(double, "throttle")
    double.create_schema(schema_name)
    for name in ("a", "b"):
        double.create_table(schema_name, name, [("id", "int")])
    register(double, schema_name)
    throttle(2)  # type: ignore[operator]
    result = crawl()
    assert result.status == "succeeded", result.report
    assert tables_of(double, schema_name) == {"a": PRESENT, "b": PRESENT}


def test_empty_and_unordered_pages_list_everything(double: SourceDouble, schema_name: str) -> None:
    faults = capability(double, "paging_faults")
    double.create_schema(schema_name)
    names = [f"t{i:03d}" for i in range(123)]  # a few pages, whatever the double's page size
    for name in names:
        double.create_table(schema_name, name, [("id", "int")])
    faults()  # type: ignore[operator]
    register(double, schema_name)
    result = crawl()
    assert result.status == "succeeded", result.report
    assert tables_of(double, schema_name) == dict.fromkeys(names, PRESENT)
    assert_nothing_changed(crawl())


def test_every_kind_of_object_keeps_the_platform_word(double: SourceDouble, schema_name: str) -> None:
    make = capability(double, "special_kinds")
    double.create_schema(schema_name)
    expected = make(schema_name)  # type: ignore[operator]
    register(double, schema_name)
    crawl()
    found = objects()
    for name, kind, remote_kind in expected:
        stored = found[(double.database, schema_name, name)]
        assert (name, stored.kind, stored.remote_kind) == (name, kind, remote_kind)


def test_a_table_dropped_and_re_created_under_the_same_name(double: SourceDouble, schema_name: str) -> None:
    synced(double, schema_name, "a", "b")
    double.recreate_table(schema_name, "a", [("id", "int"), ("added", "text")])
    result = crawl()
    path = (double.database, schema_name, "a")
    if double.has_identity:  # reported as a crawl in between would have: gone, back, with its new column
        assert result.events == [(ev.OBJECT_DELETED_REMOTELY, path), (ev.OBJECT_RESTORED, path),
                                 (ev.COLUMN_ADDED, path)]
    else:  # the platform offers no identity: only the difference shows
        assert result.events == [(ev.COLUMN_ADDED, path)]
    assert tables_of(double, schema_name) == {"a": PRESENT, "b": PRESENT}
    assert_nothing_changed(crawl())
