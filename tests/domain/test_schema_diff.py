"""Every rule of the pure schema diff, table by table (README, "Sync semantics")."""

from __future__ import annotations

import dataclasses

import pytest

from domain import change_types as ev
from domain.json_text import dumps, loads
from domain.paths import format_path, parse_path
from domain.remote_lifecycle import MassDeletionGuard
from domain.schema_diff import SchemaChanges, diff_schema, tables_needing_columns
from domain.snapshot import RemoteColumn, RemoteTable, SchemaSnapshot
from domain.stored_state import SchemaScope, StoredTable
from tests.domain.diff_model import IdSource, apply_schema, diff_view, synced_table, with_guard

SCHEMA = ("pg", "app", "public")


def col(name: str, ordinal: int = 1, data_type: str = "integer", nullable: bool = True,
        comment: str | None = None) -> RemoteColumn:
    return RemoteColumn(name, ordinal, data_type, nullable, comment)


def table(name: str, *columns: RemoteColumn, kind: str = "table", remote_kind: str | None = "BASE TABLE",
          comment: str | None = None, owner: str | None = "app") -> RemoteTable:
    return RemoteTable(name, kind, columns or (col("id"),), remote_kind, comment, owner)  # type: ignore[arg-type]


def snap(*tables: RemoteTable) -> SchemaSnapshot:
    return SchemaSnapshot("app", "public", tables)


def scope(**overrides: object) -> SchemaScope:
    values: dict[str, object] = {"schema_path": SCHEMA, "schema_effective_status": "enabled",
                                 "activate_new_children": "enabled"}
    values.update(overrides)
    return SchemaScope(**with_guard(values))  # type: ignore[arg-type]


def catalog(*tables: RemoteTable, **overrides: dict[str, object]) -> dict[str, StoredTable]:
    """Stored rows as a previous crawl left them; overrides by table name."""
    ids = IdSource(1000)
    return {t.name: synced_table(i, t, ids, **overrides.get(t.name, {})) for i, t in enumerate(tables, start=1)}


def run(stored: dict[str, StoredTable], snapshot: SchemaSnapshot, sc: SchemaScope | None = None) -> SchemaChanges:
    """Diff the way the crawl service does: columns loaded only for tables whose fingerprint changed."""
    return diff_schema(diff_view(stored, snapshot), snapshot, sc or scope())


def types(changes: SchemaChanges) -> list[str]:
    return [e.type for e in changes.events]


ORDERS = table("orders", col("id", 1, "integer", False, "key"), col("amount", 2, "numeric"), col("note", 3, "text"))


# --- tables and views added -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("activate", "schema_status", "setting", "status"), [
    pytest.param("enabled", "enabled", "inherit", "enabled", id="activation-on-follows-enabled-schema"),
    pytest.param("enabled", "disabled", "inherit", "disabled", id="activation-on-under-disabled-schema-is-disabled"),
    pytest.param("disabled", "enabled", "disabled", "disabled", id="activation-off-disabled"),
    pytest.param("disabled", "disabled", "disabled", "disabled", id="activation-off-disabled-schema"),
])
def test_new_table_status_follows_activate_new_children(activate: str, schema_status: str, setting: str,
                                                        status: str) -> None:
    changes = run({}, snap(ORDERS), scope(activate_new_children=activate, schema_effective_status=schema_status))

    (new,) = changes.new_tables
    assert (new.table, new.status_setting, new.effective_status) == (ORDERS, setting, status)
    (event,) = changes.events
    assert (event.type, event.path) == (ev.OBJECT_CREATED, (*SCHEMA, "orders"))
    assert loads(dumps(event.payload)) == {  # the dictionary is serialized already
        "kind": "table", "remoteKind": "BASE TABLE", "status": status, "columns": 3, "comment": None, "owner": "app",
        "dictionary": [
            {"name": "id", "ordinal": 1, "dataType": "integer", "nullable": False, "comment": "key"},
            {"name": "amount", "ordinal": 2, "dataType": "numeric", "nullable": True, "comment": None},
            {"name": "note", "ordinal": 3, "dataType": "text", "nullable": True, "comment": None},
        ]}
    assert changes.table_updates == [] and changes.column_updates == [] and changes.column_deletes == []


@pytest.mark.parametrize("kind", ["table", "view"])
def test_new_table_or_view_columns_are_not_tagged_new(kind: str) -> None:
    added = table("v", col("a", 1), col("b", 2, "text"), kind=kind, remote_kind=kind.upper())
    changes = run({}, snap(added))

    assert list(changes.inserted_columns()) == [("v", col("a", 1), ()), ("v", col("b", 2, "text"), ())]
    assert changes.events[0].payload["kind"] == kind


def test_new_table_without_columns_is_created() -> None:
    empty = RemoteTable("empty", "table", ())
    changes = run({}, snap(empty))
    assert [n.table.name for n in changes.new_tables] == ["empty"] and list(changes.inserted_columns()) == []


def test_new_tables_next_to_unchanged_ones_only_create_the_new_ones() -> None:
    stored = catalog(ORDERS)
    changes = run(stored, snap(ORDERS, table("customers"), table("v_sales", kind="view", remote_kind="VIEW")))
    assert [n.table.name for n in changes.new_tables] == ["customers", "v_sales"]
    assert types(changes) == [ev.OBJECT_CREATED, ev.OBJECT_CREATED]
    assert changes.table_updates == []


# --- tables deleted remotely and restored -------------------------------------------------------------------------

@pytest.mark.parametrize(("setting", "status"), [
    pytest.param("inherit", "enabled", id="inherit"),
    pytest.param("enabled", "enabled", id="explicitly-enabled"),
])
def test_vanished_table_is_disabled_and_marked_deleted(setting: str, status: str) -> None:
    stored = catalog(ORDERS, table("a"), table("b"), orders={"status_setting": setting, "revision": 7})
    changes = run(stored, snap(table("a"), table("b")))

    (update,) = changes.table_updates
    assert (update.id, update.name) == (stored["orders"].id, "orders")
    assert update.values == {"remote_state": "deleted", "status_before_deletion": setting,
                             "status_setting": "disabled", "effective_status": "disabled", "revision": 8}
    (event,) = changes.events
    assert (event.type, event.path) == (ev.OBJECT_DELETED_REMOTELY, (*SCHEMA, "orders"))
    assert event.payload == {"kind": "table", "before": {"status": status}, "after": {"status": "disabled"}}
    assert event.event_id == ev.stable_event_id(ev.OBJECT_DELETED_REMOTELY, (*SCHEMA, "orders"), 8)
    assert changes.column_deletes == [], "the dictionary of a table deleted remotely is kept"


def test_table_already_deleted_remotely_is_left_alone() -> None:
    stored = catalog(ORDERS, table("a"), orders={"remote_state": "deleted", "status_setting": "disabled",
                                                  "effective_status": "disabled", "status_before_deletion": "inherit"})
    assert run(stored, snap(table("a"))).is_empty


@pytest.mark.parametrize(("before_deletion", "schema_status", "setting", "status"), [
    pytest.param("inherit", "enabled", "inherit", "enabled", id="inherit-under-enabled-schema"),
    pytest.param("inherit", "disabled", "inherit", "disabled", id="inherit-under-disabled-schema"),
    pytest.param("enabled", "enabled", "enabled", "enabled", id="explicitly-enabled"),
    pytest.param("disabled", "enabled", "disabled", "disabled", id="was-disabled-stays-disabled"),
    pytest.param(None, "enabled", "disabled", "disabled", id="no-previous-setting-keeps-current"),
])
def test_table_that_reappears_is_restored_with_its_previous_setting(
        before_deletion: str | None, schema_status: str, setting: str, status: str) -> None:
    stored = catalog(ORDERS, orders={"remote_state": "deleted", "status_setting": "disabled",
                                     "effective_status": "disabled", "status_before_deletion": before_deletion,
                                     "revision": 4})
    changes = run(stored, snap(ORDERS), scope(schema_effective_status=schema_status))

    (update,) = changes.table_updates
    assert update.values == {"remote_state": "present", "status_setting": setting, "effective_status": status,
                             "status_before_deletion": None, "revision": 5}
    (event,) = changes.events
    assert (event.type, event.payload) == (ev.OBJECT_RESTORED, {"kind": "table", "status": status})
    assert event.event_id == ev.stable_event_id(ev.OBJECT_RESTORED, (*SCHEMA, "orders"), 5)


def test_restore_and_column_changes_share_one_update_and_revision() -> None:
    stored = catalog(ORDERS, orders={"remote_state": "deleted", "status_setting": "disabled",
                                     "effective_status": "disabled", "status_before_deletion": "inherit",
                                     "revision": 2})
    back = table("orders", col("id", 1, "integer", False, "key"), col("amount", 2, "bigint"),
                 col("created_at", 3, "timestamp"))
    changes = run(stored, snap(back))

    (update,) = changes.table_updates
    assert update.values == {"remote_state": "present", "status_setting": "inherit", "effective_status": "enabled",
                             "status_before_deletion": None, "fingerprint": back.fingerprint, "revision": 3}
    assert sorted(types(changes)) == sorted([ev.OBJECT_RESTORED, ev.COLUMN_ADDED, ev.COLUMN_TYPE_CHANGED,
                                             ev.COLUMN_DELETED])
    assert [i.column.name for i in changes.column_inserts] == ["created_at"]
    assert changes.column_deletes == [stored["orders"].columns["note"].id]  # type: ignore[index]


# --- columns ------------------------------------------------------------------------------------------------------

def _orders_with(*columns: RemoteColumn) -> RemoteTable:
    return dataclasses.replace(ORDERS, columns=columns)


ID, AMOUNT, NOTE = ORDERS.columns
COLUMN_CASES = [
    pytest.param(_orders_with(ID, AMOUNT, NOTE, col("created_at", 4, "timestamp")),
                 [(ev.COLUMN_ADDED, "created_at")], id="column-added"),
    pytest.param(_orders_with(ID, AMOUNT), [(ev.COLUMN_DELETED, "note")], id="column-deleted"),
    pytest.param(_orders_with(ID, dataclasses.replace(AMOUNT, data_type="bigint"), NOTE),
                 [(ev.COLUMN_TYPE_CHANGED, "amount")], id="type-changed"),
    pytest.param(_orders_with(ID, dataclasses.replace(AMOUNT, nullable=False), NOTE),
                 [(ev.COLUMN_CHANGED, "amount")], id="nullability-changed"),
    pytest.param(_orders_with(ID, dataclasses.replace(AMOUNT, comment="in cents"), NOTE),
                 [(ev.COLUMN_CHANGED, "amount")], id="comment-added"),
    pytest.param(_orders_with(dataclasses.replace(ID, comment=None), AMOUNT, NOTE),
                 [(ev.COLUMN_CHANGED, "id")], id="comment-removed"),
    pytest.param(_orders_with(ID, dataclasses.replace(AMOUNT, ordinal=3), dataclasses.replace(NOTE, ordinal=2)),
                 [(ev.COLUMN_CHANGED, "amount"), (ev.COLUMN_CHANGED, "note")], id="columns-reordered"),
    pytest.param(_orders_with(ID, dataclasses.replace(AMOUNT, data_type="bigint", comment="c"), NOTE),
                 [(ev.COLUMN_TYPE_CHANGED, "amount")], id="type-and-comment-changed-one-event"),
    pytest.param(_orders_with(col("ID", 1, "integer", False, "key"), AMOUNT, NOTE),
                 [(ev.COLUMN_ADDED, "ID"), (ev.COLUMN_DELETED, "id")], id="case-change-is-a-different-column"),
    pytest.param(_orders_with(col("identifier", 1, "integer", False, "key"), AMOUNT, NOTE),
                 [(ev.COLUMN_ADDED, "identifier"), (ev.COLUMN_DELETED, "id")], id="rename-is-add-plus-delete"),
]


@pytest.mark.parametrize(("remote", "expected"), COLUMN_CASES)
def test_column_changes_emit_one_event_per_column(remote: RemoteTable, expected: list[tuple[str, str]]) -> None:
    stored = catalog(ORDERS, orders={"revision": 3})
    changes = run(stored, snap(remote))

    assert [(e.type, e.payload["column"]) for e in changes.events] == expected
    (update,) = changes.table_updates
    assert update.values == {"fingerprint": remote.fingerprint, "revision": 4}
    for event in changes.events:
        assert event.event_id == ev.stable_event_id(event.type, (*SCHEMA, "orders"), 4, event.payload["column"])


def test_added_column_is_tagged_new_and_deleted_column_row_is_removed() -> None:
    stored = catalog(ORDERS)
    changes = run(stored, snap(_orders_with(ID, AMOUNT, col("created_at", 3, "timestamp"))))

    assert [(i.table_name, i.column.name, i.tags) for i in changes.column_inserts] == [
        ("orders", "created_at", (ev.NEW_TAG,))]
    assert changes.column_deletes == [stored["orders"].columns["note"].id]  # type: ignore[index]
    added, deleted = changes.events
    assert added.payload == {"column": "created_at", "after": {"ordinal": 3, "dataType": "timestamp",
                                                               "nullable": True, "comment": None}}
    assert deleted.payload == {"column": "note", "before": {"ordinal": 3, "dataType": "text", "nullable": True,
                                                            "comment": None}}


@pytest.mark.parametrize(("tags_before", "tags_after"), [
    pytest.param((), (ev.NEW_TAG,), id="untagged-gets-new"),
    pytest.param(("PII",), ("PII", ev.NEW_TAG), id="existing-tags-kept"),
    pytest.param((ev.NEW_TAG,), (ev.NEW_TAG,), id="new-not-added-twice"),
    pytest.param(("PII", ev.NEW_TAG), ("PII", ev.NEW_TAG), id="new-not-added-twice-among-others"),
])
def test_type_change_tags_column_new_once(tags_before: tuple[str, ...], tags_after: tuple[str, ...]) -> None:
    stored = catalog(ORDERS)
    amount = stored["orders"].columns["amount"]  # type: ignore[index]
    stored["orders"].columns["amount"] = dataclasses.replace(amount, tags=tags_before)  # type: ignore[index]
    changed = dataclasses.replace(AMOUNT, data_type="double precision")
    changes = run(stored, snap(_orders_with(ID, changed, NOTE)))

    assert [(u.id, u.column, u.tags) for u in changes.column_updates] == [(amount.id, changed, tags_after)]
    (event,) = changes.events
    assert event.payload == {"column": "amount", "before": {"dataType": "numeric"},
                             "after": {"dataType": "double precision"}}


@pytest.mark.parametrize("tags", [(), (ev.NEW_TAG,), ("PII", "Finance")], ids=["none", "new", "others"])
def test_other_column_changes_keep_tags(tags: tuple[str, ...]) -> None:
    stored = catalog(ORDERS)
    note = stored["orders"].columns["note"]  # type: ignore[index]
    stored["orders"].columns["note"] = dataclasses.replace(note, tags=tags)  # type: ignore[index]
    changed = dataclasses.replace(NOTE, nullable=False, comment="free text", ordinal=4)
    changes = run(stored, snap(_orders_with(ID, AMOUNT, changed)))

    assert [(u.id, u.column, u.tags) for u in changes.column_updates] == [(note.id, changed, tags)]
    (event,) = changes.events
    assert event.type == ev.COLUMN_CHANGED
    assert event.payload == {"column": "note", "before": {"ordinal": 3, "nullable": True, "comment": None},
                             "after": {"ordinal": 4, "nullable": False, "comment": "free text"}}


def test_several_changes_in_one_table_share_one_revision_bump() -> None:
    stored = catalog(ORDERS, orders={"revision": 9})
    remote = table("orders", dataclasses.replace(ID, comment="primary key"),
                   dataclasses.replace(AMOUNT, data_type="bigint"), col("created_at", 3, "timestamp"),
                   comment="all orders", owner="finance")
    changes = run(stored, snap(remote))

    (update,) = changes.table_updates
    assert update.values["revision"] == 10
    expected = {
        (ev.OBJECT_CHANGED, ""), (ev.COLUMN_CHANGED, "id"), (ev.COLUMN_TYPE_CHANGED, "amount"),
        (ev.COLUMN_ADDED, "created_at"), (ev.COLUMN_DELETED, "note"),
    }
    assert {(e.type, e.payload.get("column", "")) for e in changes.events} == expected
    assert {e.event_id for e in changes.events} == {
        ev.stable_event_id(t, (*SCHEMA, "orders"), 10, c) for t, c in expected}


def test_comment_empty_string_and_none_are_the_same_comment() -> None:
    """The fingerprint treats '' and None alike, so the column diff must too, or whether a comment 'change' is
    reported would depend on whether some other column of the table changed."""
    stored = catalog(ORDERS)
    blank_note = dataclasses.replace(NOTE, comment="")
    assert run(stored, snap(_orders_with(ID, AMOUNT, blank_note))).is_empty
    changes = run(stored, snap(_orders_with(ID, dataclasses.replace(AMOUNT, data_type="bigint"), blank_note)))
    assert [(e.type, e.payload["column"]) for e in changes.events] == [(ev.COLUMN_TYPE_CHANGED, "amount")]


# --- table-level changes ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("remote", "before", "after"), [
    pytest.param(dataclasses.replace(ORDERS, comment="all orders"), {"comment": None}, {"comment": "all orders"},
                 id="comment"),
    pytest.param(dataclasses.replace(ORDERS, owner="finance"), {"owner": "app"}, {"owner": "finance"}, id="owner"),
    pytest.param(dataclasses.replace(ORDERS, kind="view", remote_kind="VIEW"),
                 {"kind": "table", "remoteKind": "BASE TABLE"}, {"kind": "view", "remoteKind": "VIEW"},
                 id="table-became-view"),
    pytest.param(dataclasses.replace(ORDERS, remote_kind="PARTITIONED TABLE"), {"remoteKind": "BASE TABLE"},
                 {"remoteKind": "PARTITIONED TABLE"}, id="remote-kind"),
])
def test_table_level_change_is_object_changed_without_loading_columns(
        remote: RemoteTable, before: dict[str, object], after: dict[str, object]) -> None:
    stored = catalog(ORDERS, orders={"revision": 2})
    assert tables_needing_columns(stored, snap(remote)) == set()
    changes = run(stored, snap(remote))

    (update,) = changes.table_updates
    assert update.values == {"kind": remote.kind, "remote_kind": remote.remote_kind, "comment": remote.comment,
                             "owner": remote.owner, "revision": 3}
    (event,) = changes.events
    assert (event.type, event.payload) == (ev.OBJECT_CHANGED, {"before": before, "after": after})
    assert changes.column_updates == [] and changes.column_inserts == [] and changes.column_deletes == []


# --- idempotency and the fingerprint shortcut --------------------------------------------------------------------

@pytest.mark.parametrize("tables", [
    pytest.param((), id="empty-schema"),
    pytest.param((ORDERS,), id="one-table"),
    pytest.param((ORDERS, table("v", kind="view", remote_kind="VIEW"), table("Mixed Case \"x\"")), id="several"),
])
def test_unchanged_snapshot_changes_nothing_and_loads_no_columns(tables: tuple[RemoteTable, ...]) -> None:
    stored = catalog(*tables)
    assert tables_needing_columns(stored, snap(*tables)) == set()
    changes = diff_schema({n: dataclasses.replace(t, columns=None) for n, t in stored.items()}, snap(*tables), scope())
    assert changes.is_empty and changes.guard is None


def test_applying_a_diff_then_diffing_again_is_empty() -> None:
    stored = catalog(ORDERS, table("gone"), table("a"), table("b"))
    remote = snap(_orders_with(ID, dataclasses.replace(AMOUNT, nullable=False)), table("a"), table("b"), table("new"))
    first = run(stored, remote)
    assert not first.is_empty
    assert run(apply_schema(stored, first, IdSource(5000)), remote).is_empty


def test_tables_needing_columns_names_only_stored_tables_whose_fingerprint_changed() -> None:
    stored = catalog(ORDERS, table("same"), table("retyped"), table("gone"))
    remote = snap(ORDERS, table("same"), table("retyped", col("id", 1, "bigint")), table("brand_new"))
    assert tables_needing_columns(stored, remote) == {"retyped"}


def test_fingerprint_mismatch_without_loaded_columns_raises() -> None:
    stored = catalog(ORDERS)
    stored["orders"].columns = None
    with pytest.raises(ValueError, match="orders"):
        diff_schema(stored, snap(_orders_with(ID, AMOUNT)), scope())


def test_fingerprint_match_trusts_the_fingerprint() -> None:
    """A matching fingerprint means 'unchanged': the dictionary is not even looked at."""
    stored = catalog(ORDERS)
    stored["orders"].columns = {}
    assert diff_schema(stored, snap(ORDERS), scope()).is_empty


def test_fingerprint_separates_fields_unambiguously() -> None:
    one_column = table("t", col("a", 1, "t", True, "x\x1eb\x1f2\x1fu\x1f1\x1fy"))
    two_columns = table("t", col("a", 1, "t", True, "x"), col("b", 2, "u", True, "y"))
    changes = run(catalog(one_column), snap(two_columns))
    assert {(e.type, e.payload["column"]) for e in changes.events} == {(ev.COLUMN_ADDED, "b"),
                                                                      (ev.COLUMN_CHANGED, "a")}


# --- scope ----------------------------------------------------------------------------------------------------------

DISABLED_ROW = {"status_setting": "disabled", "effective_status": "disabled"}
RETYPED_ORDERS = _orders_with(ID, dataclasses.replace(AMOUNT, data_type="bigint"), NOTE)


@pytest.mark.parametrize(("include_disabled", "touched"), [
    pytest.param(False, False, id="skipped-by-default"),
    pytest.param(True, True, id="checked-with-force-recursive-crawl"),
])
def test_disabled_table_changes_are_seen_only_with_include_disabled(include_disabled: bool, touched: bool) -> None:
    stored = catalog(ORDERS, orders=DISABLED_ROW)
    changes = run(stored, snap(RETYPED_ORDERS), scope(include_disabled=include_disabled))
    assert types(changes) == ([ev.COLUMN_TYPE_CHANGED] if touched else [])


@pytest.mark.parametrize(("include_disabled", "touched"), [
    pytest.param(False, False, id="skipped-by-default"),
    pytest.param(True, True, id="checked-with-force-recursive-crawl"),
])
def test_disabled_table_vanishing_is_seen_only_with_include_disabled(include_disabled: bool, touched: bool) -> None:
    stored = catalog(ORDERS, table("a"), table("b"), orders=DISABLED_ROW)
    changes = run(stored, snap(table("a"), table("b")), scope(include_disabled=include_disabled))
    assert types(changes) == ([ev.OBJECT_DELETED_REMOTELY] if touched else [])
    if touched:
        assert changes.table_updates[0].values["status_before_deletion"] == "disabled"


def test_deleted_table_is_always_checked_for_return() -> None:
    stored = catalog(ORDERS, orders={**DISABLED_ROW, "remote_state": "deleted", "status_before_deletion": "inherit"})
    changes = run(stored, snap(ORDERS), scope(include_disabled=False))
    assert types(changes) == [ev.OBJECT_RESTORED]


def test_disabled_table_under_explicit_enabled_schema_stays_untouched_when_unchanged() -> None:
    stored = catalog(ORDERS, orders=DISABLED_ROW)
    assert run(stored, snap(ORDERS), scope(include_disabled=True)).is_empty


@pytest.mark.parametrize(("tables", "created", "deleted", "changed"), [
    pytest.param(frozenset({"new_one"}), ["new_one"], [], [], id="only-named-new-table-created"),
    pytest.param(frozenset({"orders"}), [], [], ["orders"], id="only-named-table-updated"),
    pytest.param(frozenset({"gone", "a"}), [], ["gone"], [], id="only-named-vanished-table-deleted"),
    pytest.param(frozenset({"a"}), [], [], [], id="unnamed-changes-ignored"),
    pytest.param(frozenset(), [], [], [], id="empty-filter-touches-nothing"),
])
def test_tables_filter_restricts_additions_deletions_and_updates(
        tables: frozenset[str], created: list[str], deleted: list[str], changed: list[str]) -> None:
    stored = catalog(ORDERS, table("gone"), table("a"), table("b"))
    remote = snap(RETYPED_ORDERS, table("a"), table("b"), table("new_one"), table("another_new"))
    changes = run(stored, remote, scope(tables=tables))

    assert [n.table.name for n in changes.new_tables] == created
    assert [u.name for u in changes.table_updates if u.values.get("remote_state") == "deleted"] == deleted
    assert [u.name for u in changes.table_updates if "fingerprint" in u.values] == changed
    assert changes.guard is None


# --- the mass-deletion guard -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("present", "vanishing", "threshold", "minimum", "allow", "trips"), [
    pytest.param(4, 3, 0.5, 2, False, True, id="over-half-held"),
    pytest.param(4, 2, 0.5, 2, False, False, id="exactly-half-applied"),
    pytest.param(5, 2, 0.5, 2, False, False, id="under-half-applied"),
    pytest.param(4, 3, 0.5, 2, True, False, id="allowed-applied"),
    pytest.param(10, 10, 0.5, 2, False, True, id="everything-vanished-held"),
    pytest.param(10, 10, 0.5, 2, True, False, id="everything-vanished-allowed"),
    pytest.param(1, 1, 0.5, 2, False, False, id="only-table-vanished-under-the-minimum-applied"),
    pytest.param(1, 1, 0.5, 1, False, True, id="only-table-vanished-minimum-one-held"),
    pytest.param(10, 9, 0.5, 10, False, False, id="under-a-large-minimum-applied"),
    pytest.param(10, 10, 0.5, 10, False, True, id="at-the-minimum-held"),
    pytest.param(5, 2, 0.2, 2, False, True, id="custom-threshold-held"),
    pytest.param(5, 1, 0.2, 1, False, False, id="custom-threshold-exact-applied"),
    pytest.param(3, 3, 1.0, 1, False, False, id="threshold-one-never-holds"),
    pytest.param(3, 1, 0.0, 1, False, True, id="threshold-zero-holds-any-deletion-from-the-minimum"),
])
def test_mass_deletion_guard(present: int, vanishing: int, threshold: float, minimum: int, allow: bool,
                             trips: bool) -> None:
    names = [f"t{i:02d}" for i in range(present)]
    stored = catalog(*(table(n) for n in names))
    remaining = snap(*(table(n) for n in names[vanishing:]), table("fresh"))
    changes = run(stored, remaining, scope(mass_deletion_threshold=threshold, mass_deletion_minimum=minimum,
                                           allow_mass_deletion=allow))

    if trips:
        assert changes.guard is not None
        assert changes.guard.would_delete == tuple(names[:vanishing])
        assert (changes.guard.present, changes.guard.threshold) == (present, threshold)
        assert [e.type for e in changes.events] == [ev.OBJECT_CREATED, ev.SYNC_GUARD_TRIPPED]
        event = changes.events[-1]
        assert event.path == SCHEMA
        assert event.payload["wouldDeleteCount"] == vanishing and event.payload["present"] == present
        assert str(vanishing) in event.payload["message"]
        assert "--allow-mass-deletion" in event.payload["message"] and "allowMassDeletion" in event.payload["message"]
        assert [n.table.name for n in changes.new_tables] == ["fresh"], "the rest is applied"
        assert not changes.table_updates, "the deletions are held"
    else:
        assert changes.guard is None
        assert types(changes).count(ev.OBJECT_DELETED_REMOTELY) == vanishing
        assert [n.table.name for n in changes.new_tables] == ["fresh"]


def test_guard_event_id_is_stable_across_runs_and_depends_on_what_vanished() -> None:
    names = [f"t{i}" for i in range(6)]
    stored = catalog(*(table(n) for n in names))

    def guard_id(kept: list[str], revision_bump: int = 0) -> object:
        rows = {n: dataclasses.replace(t, revision=t.revision + revision_bump) for n, t in stored.items()}
        (event,) = run(rows, snap(*(table(n) for n in kept))).events
        assert event.type == ev.SYNC_GUARD_TRIPPED
        return event.event_id

    assert guard_id(["t5"]) == guard_id(["t5"]) == guard_id(["t5"], revision_bump=3)
    assert guard_id(["t5"]) != guard_id(["t4"])
    assert guard_id([]) != guard_id(["t5"])


def test_guard_ids_differ_when_names_hold_separator_characters() -> None:
    one = run(catalog(table("x\x1fy")), snap(), scope(mass_deletion_minimum=1)).events
    two = run(catalog(table("x"), table("y")), snap(), scope(mass_deletion_minimum=1)).events
    assert one[0].type == two[0].type == ev.SYNC_GUARD_TRIPPED
    assert one[0].event_id != two[0].event_id


def test_guard_counts_only_present_in_scope_tables() -> None:
    stored = catalog(table("a"), table("b"), table("d1"), table("d2"), table("d3"), table("old"),
                     d1=DISABLED_ROW, d2=DISABLED_ROW, d3=DISABLED_ROW,
                     old={**DISABLED_ROW, "remote_state": "deleted"})
    remote = snap(table("d1"), table("d2"), table("d3"))
    held = run(stored, remote)
    assert held.guard is not None and (held.guard.present, held.guard.would_delete) == (2, ("a", "b"))
    spread = run(stored, snap(table("a"), table("d1"), table("d2")), scope(include_disabled=True))
    assert spread.guard is None and {u.name for u in spread.table_updates} == {"b", "d3"}


def test_empty_snapshot_of_populated_schema_trips_guard() -> None:
    stored = catalog(ORDERS, table("customers"), table("v", kind="view"))
    changes = run(stored, snap())
    assert changes.guard is not None and types(changes) == [ev.SYNC_GUARD_TRIPPED]
    assert not changes.is_empty


def test_each_held_run_has_an_event_of_its_own() -> None:
    """A second held crawl writes its own guard event (the alert fires again); a redelivery repeats the id."""
    stored = catalog(table("a"), table("b"), table("c"))

    def guard_event(run_id: int) -> object:
        (event,) = run(stored, snap(), scope(guard=MassDeletionGuard(run_id=run_id))).events
        return event.event_id

    assert guard_event(1) == guard_event(1)
    assert guard_event(1) != guard_event(2)


def test_held_diff_is_the_same_on_every_run() -> None:
    stored = catalog(table("a"), table("b"), table("c"))
    first, second = run(stored, snap(table("a"))), run(stored, snap(table("a")))
    assert first.events == second.events and first.guard == second.guard


# --- stable event ids ------------------------------------------------------------------------------------------------

def _many_changes_catalog() -> tuple[dict[str, StoredTable], SchemaSnapshot]:
    stored = catalog(ORDERS, table("c1"), table("c2"), table("c3"), table("gone"), table("back"),
                     back={"remote_state": "deleted", "status_before_deletion": "inherit", **DISABLED_ROW})
    remote = snap(table("orders", dataclasses.replace(ID, comment=None), dataclasses.replace(AMOUNT, data_type="x"),
                        col("new_col", 3), comment="changed"),
                  table("c1", col("id", 1, "bigint")), table("c2", col("id", 2)), table("c3"),
                  table("back"), table("n1"), table("n2", kind="view"))
    return stored, remote


def test_same_inputs_give_same_event_ids_and_ids_are_unique() -> None:
    stored, remote = _many_changes_catalog()
    first, second = run(stored, remote), run(stored, remote)
    ids = [e.event_id for e in first.events]
    assert ids == [e.event_id for e in second.events]
    assert len(ids) == len(set(ids)) >= 10


def test_event_ids_differ_by_revision_column_and_type() -> None:
    path = (*SCHEMA, "orders")
    base = ev.stable_event_id(ev.COLUMN_CHANGED, path, 2, "amount")
    assert base == ev.stable_event_id(ev.COLUMN_CHANGED, path, 2, "amount")
    assert base != ev.stable_event_id(ev.COLUMN_CHANGED, path, 3, "amount")
    assert base != ev.stable_event_id(ev.COLUMN_CHANGED, path, 2, "note")
    assert base != ev.stable_event_id(ev.COLUMN_TYPE_CHANGED, path, 2, "amount")
    assert base != ev.stable_event_id(ev.COLUMN_CHANGED, (*SCHEMA, "Orders"), 2, "amount")
    assert ev.stable_event_id("t", ("a", "b/c"), 1) != ev.stable_event_id("t", ("a/b", "c"), 1)


def test_same_change_at_a_later_revision_gets_a_new_id() -> None:
    retyped = snap(RETYPED_ORDERS)
    at_3 = run(catalog(ORDERS, orders={"revision": 3}), retyped).events[0]
    at_4 = run(catalog(ORDERS, orders={"revision": 4}), retyped).events[0]
    assert at_3.type == at_4.type and at_3.event_id != at_4.event_id


def test_planned_event_serialises_id_and_path() -> None:
    event = ev.planned(ev.OBJECT_CREATED, ("pg", "db", "s", "t"), 1, {"kind": "table"})
    assert event.as_dict() == {"type": "object.created", "path": ["pg", "db", "s", "t"],
                               "eventId": str(event.event_id), "payload": {"kind": "table"}}


# --- odd identifiers ---------------------------------------------------------------------------------------------

ODD_NAMES = [
    pytest.param("Order Items", id="space"),
    pytest.param('say "hi"', id="double-quote"),
    pytest.param("it's", id="single-quote"),
    pytest.param("Ünïcødé_表_🚀", id="unicode"),
    pytest.param("MixedCase", id="mixed-case"),
    pytest.param("a/b", id="slash"),
    pytest.param("50%off", id="percent"),
    pytest.param("dots.in.name", id="dots"),
    pytest.param(" padded ", id="leading-trailing-space"),
    pytest.param("x" * 300, id="very-long"),
    pytest.param("semi;colon--", id="sql-ish"),
]


@pytest.mark.parametrize("name", ODD_NAMES)
def test_odd_identifiers_flow_through_unchanged(name: str) -> None:
    odd_column = col(name, 2, f'"{name}" type')
    stored = catalog(table(name), table("plain"), table("other"), table("third"))
    changes = run(stored, snap(table(name, col("id"), odd_column), table("plain"), table("other"), table(name + "2")))

    assert [i.column for i in changes.column_inserts if i.table_name == name] == [odd_column]
    assert [n.table.name for n in changes.new_tables] == [name + "2"]
    assert [u.name for u in changes.table_updates] == [name, "third"]
    paths = {e.path for e in changes.events}
    assert paths == {(*SCHEMA, name), (*SCHEMA, name + "2"), (*SCHEMA, "third")}
    for path in paths:
        assert parse_path(format_path(path)) == path
    assert {e.payload["column"] for e in changes.events if e.type == ev.COLUMN_ADDED} == {name}


def test_names_differing_only_in_case_are_different_tables() -> None:
    changes = run(catalog(table("orders")), snap(table("orders"), table("Orders"), table("ORDERS")))
    assert [n.table.name for n in changes.new_tables] == ["Orders", "ORDERS"]
