"""Every rule of the pure databases-and-schemas diff."""

from __future__ import annotations

import dataclasses

import pytest

from domain import change_types as ev
from domain.hierarchy_diff import HierarchyChanges, diff_hierarchy
from domain.paths import format_path, parse_path
from domain.snapshot import RemoteHierarchy
from domain.stored_state import HierarchyScope, StoredContainer
from tests.domain.diff_model import IdSource, apply_hierarchy, with_guard

KEY = "pg"
Stored = dict[tuple[str, ...], StoredContainer]


def connection(activate: str = "enabled", status: str = "enabled") -> StoredContainer:
    return StoredContainer(1, "connection", (KEY,), status, status, activate_new_children=activate)


def hscope(conn: StoredContainer | None = None, **overrides: object) -> HierarchyScope:
    return HierarchyScope(conn or connection(), **with_guard(overrides))  # type: ignore[arg-type]


def containers(listing: dict[str, tuple[str, ...]], **overrides: dict[str, object]) -> Stored:
    """The catalog after a previous crawl of `listing`; overrides keyed 'db' or 'db.schema'."""
    stored: Stored = {}
    ids = IdSource(100)
    for database, schemas in listing.items():
        for path in [(KEY, database), *((KEY, database, s) for s in schemas)]:
            kind = "database" if len(path) == 2 else "schema"
            row = StoredContainer(ids(), kind, path, "inherit", "enabled")
            stored[path] = dataclasses.replace(row, **overrides.get(".".join(path[1:]), {}))  # type: ignore[arg-type]
    return stored


def remote(databases: dict[str, tuple[str, ...]], failed: dict[str, str] | None = None) -> RemoteHierarchy:
    return RemoteHierarchy(databases, failed or {})


def kinds_and_paths(changes: HierarchyChanges) -> list[tuple[str, tuple[str, ...]]]:
    return [(e.type, e.path) for e in changes.events]


LISTING = {"app": ("public", "sales"), "warehouse": ("raw", "marts", "staging")}
DELETED = {"remote_state": "deleted", "status_setting": "disabled", "effective_status": "disabled",
           "status_before_deletion": "inherit", "revision": 3}


def test_first_listing_creates_databases_before_their_schemas() -> None:
    changes = diff_hierarchy({}, remote(LISTING), hscope())

    assert [(c.kind, c.path) for c in changes.new_containers] == [
        ("database", (KEY, "app")), ("schema", (KEY, "app", "public")), ("schema", (KEY, "app", "sales")),
        ("database", (KEY, "warehouse")), ("schema", (KEY, "warehouse", "marts")),
        ("schema", (KEY, "warehouse", "raw")), ("schema", (KEY, "warehouse", "staging")),
    ]
    assert [e.type for e in changes.events] == [ev.OBJECT_CREATED] * 7
    assert [e.path for e in changes.events] == [c.path for c in changes.new_containers]
    assert changes.updates == [] and changes.guard is None


@pytest.mark.parametrize(("conn_activate", "conn_status", "setting", "status"), [
    pytest.param("enabled", "enabled", "inherit", "enabled", id="activation-on"),
    pytest.param("enabled", "disabled", "inherit", "disabled", id="activation-on-disabled-connection"),
    pytest.param("disabled", "enabled", "disabled", "disabled", id="activation-off"),
    pytest.param("inherit", "enabled", "disabled", "disabled", id="connection-default-is-disabled"),
])
def test_new_database_and_its_schemas_follow_the_connection(conn_activate: str, conn_status: str, setting: str,
                                                             status: str) -> None:
    changes = diff_hierarchy({}, remote({"app": ("public",)}), hscope(connection(conn_activate, conn_status)))

    database, schema = changes.new_containers
    assert (database.status_setting, database.effective_status) == (setting, status)
    assert (schema.status_setting, schema.effective_status) == (setting, status)
    assert [e.payload for e in changes.events] == [{"kind": "database", "status": status},
                                                   {"kind": "schema", "status": status}]


@pytest.mark.parametrize(("db_activate", "db_status", "conn_activate", "setting", "status"), [
    pytest.param("enabled", "enabled", "disabled", "inherit", "enabled", id="database-on-wins-over-connection-off"),
    pytest.param("disabled", "enabled", "enabled", "disabled", "disabled", id="database-off-wins-over-connection-on"),
    pytest.param("inherit", "enabled", "enabled", "inherit", "enabled", id="database-inherits-connection-on"),
    pytest.param("inherit", "enabled", "disabled", "disabled", "disabled", id="database-inherits-connection-off"),
    pytest.param("inherit", "enabled", "inherit", "disabled", "disabled", id="nobody-chose-means-disabled"),
    pytest.param("enabled", "disabled", "enabled", "inherit", "disabled", id="children-of-disabled-database"),
])
def test_new_schema_in_known_database_follows_the_activation_chain(
        db_activate: str, db_status: str, conn_activate: str, setting: str, status: str) -> None:
    stored = containers({"app": ("public",)}, app={"activate_new_children": db_activate,
                                                   "effective_status": db_status})
    changes = diff_hierarchy(stored, remote({"app": ("public", "sales")}), hscope(connection(conn_activate)))

    (schema,) = changes.new_containers
    assert (schema.kind, schema.path, schema.status_setting, schema.effective_status) == (
        "schema", (KEY, "app", "sales"), setting, status)


def test_unchanged_listing_is_empty() -> None:
    assert diff_hierarchy(containers(LISTING), remote(LISTING), hscope()).is_empty


def test_vanished_schema_is_marked_deleted_remotely() -> None:
    stored = containers(LISTING, **{"warehouse.staging": {"status_setting": "enabled", "revision": 5}})
    changes = diff_hierarchy(stored, remote({**LISTING, "warehouse": ("raw", "marts")}), hscope())

    (update,) = changes.updates
    assert (update.id, update.path) == (stored[(KEY, "warehouse", "staging")].id, (KEY, "warehouse", "staging"))
    assert update.values == {"remote_state": "deleted", "status_before_deletion": "enabled",
                             "status_setting": "disabled", "effective_status": "disabled", "revision": 6}
    (event,) = changes.events
    assert (event.type, event.path) == (ev.OBJECT_DELETED_REMOTELY, (KEY, "warehouse", "staging"))
    assert event.payload == {"kind": "schema", "before": {"status": "enabled"}, "after": {"status": "disabled"}}
    assert event.event_id == ev.stable_event_id(ev.OBJECT_DELETED_REMOTELY, (KEY, "warehouse", "staging"), 6)


def test_vanished_database_is_marked_deleted_remotely() -> None:
    listing = {**LISTING, "extra": ("s",)}
    changes = diff_hierarchy(containers(listing), remote(LISTING), hscope())
    assert kinds_and_paths(changes) == [(ev.OBJECT_DELETED_REMOTELY, (KEY, "extra"))]
    assert changes.updates[0].values["remote_state"] == "deleted"


def test_containers_already_deleted_stay_as_they_are() -> None:
    stored = containers({**LISTING, "extra": ("s",)}, extra=DELETED, **{"app.sales": DELETED})
    assert diff_hierarchy(stored, remote({**LISTING, "app": ("public",)}), hscope()).is_empty


@pytest.mark.parametrize(("before_deletion", "setting", "status"), [
    pytest.param("inherit", "inherit", "enabled", id="inherit"),
    pytest.param("enabled", "enabled", "enabled", id="enabled"),
    pytest.param("disabled", "disabled", "disabled", id="disabled"),
])
def test_database_and_schema_that_reappear_are_restored(before_deletion: str, setting: str, status: str) -> None:
    gone = {**DELETED, "status_before_deletion": before_deletion}
    stored = containers(LISTING, warehouse=gone, **{"warehouse.raw": {**DELETED}})
    changes = diff_hierarchy(stored, remote(LISTING), hscope())

    by_path = {u.path: u.values for u in changes.updates}
    assert by_path[(KEY, "warehouse")] == {"remote_state": "present", "status_setting": setting,
                                           "effective_status": status, "status_before_deletion": None,
                                           "revision": 4}
    assert by_path[(KEY, "warehouse", "raw")]["effective_status"] == status, "schema follows its restored database"
    assert kinds_and_paths(changes) == [(ev.OBJECT_RESTORED, (KEY, "warehouse")),
                                        (ev.OBJECT_RESTORED, (KEY, "warehouse", "raw"))]


def test_new_schema_under_restored_database_follows_its_restored_status() -> None:
    stored = containers({"app": ()}, app={**DELETED, "status_before_deletion": "disabled"})
    changes = diff_hierarchy(stored, remote({"app": ("public",)}), hscope())
    (schema,) = changes.new_containers
    assert (schema.status_setting, schema.effective_status) == ("inherit", "disabled")


@pytest.mark.parametrize(("db_activate", "setting"), [("disabled", "disabled"), ("enabled", "inherit"),
                                                     ("inherit", "inherit")])
def test_new_schema_under_restored_database_follows_the_database_activation(db_activate: str, setting: str) -> None:
    stored = containers({"app": ()}, app={**DELETED, "activate_new_children": db_activate})
    changes = diff_hierarchy(stored, remote({"app": ("public",)}), hscope(connection("enabled")))
    (schema,) = changes.new_containers
    assert schema.status_setting == setting


@pytest.mark.parametrize(("excluded_databases", "excluded_schemas", "created"), [
    pytest.param(frozenset({"objectsync"}), frozenset(), ["app", "app/public", "app/information_schema",
                                                          "app/pg_catalog"], id="internal-database"),
    pytest.param(frozenset(), frozenset({"information_schema", "pg_catalog"}),
                 ["app", "app/public", "objectsync", "objectsync/public"], id="system-schemas"),
    pytest.param(frozenset({"objectsync"}), frozenset({"information_schema", "pg_catalog"}),
                 ["app", "app/public"], id="both"),
])
def test_excluded_databases_and_schemas_are_never_created(
        excluded_databases: frozenset[str], excluded_schemas: frozenset[str], created: list[str]) -> None:
    listing = {"app": ("public", "information_schema", "pg_catalog"), "objectsync": ("public",)}
    changes = diff_hierarchy({}, remote(listing), hscope(excluded_databases=excluded_databases,
                                                         excluded_schemas=excluded_schemas))
    assert sorted("/".join(c.path[1:]) for c in changes.new_containers) == sorted(created)


def test_stored_excluded_database_is_not_deleted_when_it_disappears() -> None:
    stored = containers({**LISTING, "objectsync": ("public",)})
    changes = diff_hierarchy(stored, remote(LISTING), hscope(excluded_databases=frozenset({"objectsync"})))
    assert changes.is_empty


def test_failed_database_deletes_nothing_under_it() -> None:
    stored = containers(LISTING)
    listing = remote({"app": ("public", "sales", "new_schema")}, failed={"warehouse": "permission denied"})
    changes = diff_hierarchy(stored, listing, hscope())

    assert kinds_and_paths(changes) == [(ev.OBJECT_CREATED, (KEY, "app", "new_schema"))]


def test_every_database_failing_deletes_nothing() -> None:
    failed = dict.fromkeys(LISTING, "timeout")
    assert diff_hierarchy(containers(LISTING), remote({}, failed), hscope()).is_empty


def test_scope_to_one_database_leaves_the_others_alone() -> None:
    stored = containers({**LISTING, "other": ("x",)})
    listing = remote({"app": ("public", "fresh"), "brand_new": ("s",), "warehouse": ()})
    changes = diff_hierarchy(stored, listing, hscope(database="app"))
    assert kinds_and_paths(changes) == [(ev.OBJECT_CREATED, (KEY, "app", "fresh")),
                                        (ev.OBJECT_DELETED_REMOTELY, (KEY, "app", "sales"))]


def test_scope_to_one_schema_reconciles_only_that_schema() -> None:
    stored = containers({"app": ("public", "sales", "hr")})
    listing = remote({"app": ("fresh", "public", "sales"), "brand_new": ("s",)})
    assert diff_hierarchy(stored, listing, hscope(database="app", schema="hr", allow_mass_deletion=True)).events == [
        ev.planned(ev.OBJECT_DELETED_REMOTELY, (KEY, "app", "hr"), 2,
                   {"kind": "schema", "before": {"status": "enabled"}, "after": {"status": "disabled"}})]
    held = diff_hierarchy(stored, listing, hscope(database="app", schema="hr", mass_deletion_minimum=1))
    assert held.guard is not None and (held.guard.would_delete, held.guard.present) == (("app/hr",), 1), \
        "the one schema in scope vanished: all of the scope, like a tables filter"
    applied = diff_hierarchy(stored, listing, hscope(database="app", schema="hr"))
    assert applied.guard is None and kinds_and_paths(applied) == [(ev.OBJECT_DELETED_REMOTELY, (KEY, "app", "hr"))], \
        "one deletion is under the default minimum count"
    created = diff_hierarchy(stored, listing, hscope(database="app", schema="fresh"))
    assert kinds_and_paths(created) == [(ev.OBJECT_CREATED, (KEY, "app", "fresh"))]
    assert diff_hierarchy(stored, listing, hscope(database="app", schema="sales")).is_empty


def test_scope_to_one_schema_of_a_failed_or_missing_database_deletes_nothing() -> None:
    stored = containers({"app": ("public", "sales")})
    failed = remote({}, failed={"app": "unauthorized"})
    assert diff_hierarchy(stored, failed, hscope(database="app", schema="public")).is_empty
    assert diff_hierarchy(stored, remote({}), hscope(database="app", schema="public")).is_empty


@pytest.mark.parametrize(("databases", "vanishing", "allow", "trips"), [
    pytest.param(4, 3, False, True, id="databases-over-half-held"),
    pytest.param(4, 2, False, False, id="databases-exactly-half-applied"),
    pytest.param(4, 3, True, False, id="databases-allowed"),
    pytest.param(4, 4, False, True, id="empty-listing-held"),
    pytest.param(1, 1, False, False, id="only-database-under-the-minimum-applied"),
])
def test_guard_on_databases(databases: int, vanishing: int, allow: bool, trips: bool) -> None:
    names = [f"db{i}" for i in range(databases)]
    stored = containers(dict.fromkeys(names, ()))
    listing = remote(dict.fromkeys(names[vanishing:], ()) | {"fresh": ()})
    changes = diff_hierarchy(stored, listing, hscope(allow_mass_deletion=allow))

    if trips:
        assert changes.guard is not None and changes.guard.would_delete == tuple(names[:vanishing])
        assert [(e.type, e.path) for e in changes.events] == [(ev.OBJECT_CREATED, (KEY, "fresh")),
                                                              (ev.SYNC_GUARD_TRIPPED, (KEY,))]
        assert changes.events[-1].payload["kind"] == "database"
        assert [c.path for c in changes.new_containers] == [(KEY, "fresh")], "the rest is applied"
        assert changes.updates == [], "the deletions are held"
    else:
        assert changes.guard is None
        assert [e.type for e in changes.events].count(ev.OBJECT_DELETED_REMOTELY) == vanishing
        assert [c.path for c in changes.new_containers] == [(KEY, "fresh")]


@pytest.mark.parametrize(("vanishing", "allow", "trips"), [
    pytest.param(["app/public", "app/sales", "warehouse/raw"], False, True, id="schemas-over-half-held"),
    pytest.param(["app/public", "app/sales"], False, False, id="schemas-under-half-applied"),
    pytest.param(["app/public", "app/sales", "warehouse/raw", "warehouse/marts"], True, False, id="allowed"),
])
def test_guard_on_schemas(vanishing: list[str], allow: bool, trips: bool) -> None:
    stored = containers(LISTING)
    listing = remote({db: tuple(s for s in schemas if f"{db}/{s}" not in vanishing) for db, schemas in LISTING.items()})
    changes = diff_hierarchy(stored, listing, hscope(allow_mass_deletion=allow))

    if trips:
        assert changes.guard is not None
        assert (changes.guard.would_delete, changes.guard.present) == (tuple(sorted(vanishing)), 5)
        assert [(e.type, e.payload.get("kind")) for e in changes.events] == [(ev.SYNC_GUARD_TRIPPED, "schema")]
    else:
        assert changes.guard is None
        assert sorted("/".join(e.path[1:]) for e in changes.events) == sorted(vanishing)


def test_schemas_of_failed_databases_do_not_dilute_the_guard() -> None:
    stored = containers({"app": ("public", "sales"), "big": tuple(f"s{i}" for i in range(10))})
    changes = diff_hierarchy(stored, remote({"app": ()}, failed={"big": "permission denied"}), hscope())
    assert changes.guard is not None, "every schema this run could check vanished"
    assert (changes.guard.would_delete, changes.guard.present) == (("app/public", "app/sales"), 2)


def test_schemas_of_other_databases_count_towards_the_guard() -> None:
    stored = containers({"app": ("public", "sales"), "big": tuple(f"s{i}" for i in range(10))})
    listing = remote({"app": (), "big": tuple(f"s{i}" for i in range(10))})
    assert diff_hierarchy(stored, listing, hscope()).guard is None, "2 of 12 schemas is under the threshold"


def test_hierarchy_guard_event_id_is_stable() -> None:
    stored = containers({f"db{i}": () for i in range(4)})
    first = diff_hierarchy(stored, remote({"db3": ()}), hscope())
    again = diff_hierarchy(stored, remote({"db3": ()}), hscope())
    other = diff_hierarchy(stored, remote({"db0": ()}), hscope())
    assert first.events == again.events
    assert first.events[0].event_id != other.events[0].event_id


def test_guard_ids_differ_for_a_database_and_a_schema_with_the_same_display_name() -> None:
    database_gone = diff_hierarchy(containers({"a/b": ()}), remote({}), hscope(mass_deletion_minimum=1))
    schema_gone = diff_hierarchy(containers({"a": ("b",)}), remote({"a": ()}), hscope(mass_deletion_minimum=1))
    assert database_gone.guard is not None and schema_gone.guard is not None
    assert (database_gone.guard.would_delete, schema_gone.guard.would_delete) == (("a%2Fb",), ("a/b",))
    assert database_gone.events[0].event_id != schema_gone.events[0].event_id


def test_applied_hierarchy_diff_rediffs_to_nothing() -> None:
    stored = containers(LISTING, **{"warehouse.raw": DELETED})
    listing = remote({"app": ("public",), "warehouse": ("raw", "marts", "staging"), "new": ("a", "b")})
    changes = diff_hierarchy(stored, listing, hscope())
    assert not changes.is_empty
    assert diff_hierarchy(apply_hierarchy(stored, changes, IdSource(1000)), listing, hscope()).is_empty


@pytest.mark.parametrize("name", ["Sales Data", 'q"uote', "it's", "Ünïcødé_表", "MiXeD", "a/b", "100%", "x" * 255])
def test_odd_database_and_schema_names_flow_through_unchanged(name: str) -> None:
    changes = diff_hierarchy({}, remote({name: (name, name + " 2")}), hscope())
    paths = [c.path for c in changes.new_containers]
    assert paths == [(KEY, name), (KEY, name, name), (KEY, name, name + " 2")]
    for path in paths:
        assert parse_path(format_path(path)) == path
    assert len({e.event_id for e in changes.events}) == len(changes.events)


@pytest.mark.parametrize("exclusion", [{"excluded_databases": frozenset({"warehouse"})},
                                       {"excluded_schemas": frozenset({"staging"})}])
def test_a_schema_scoped_crawl_under_a_filter_leaves_the_filtered_schema_alone(exclusion: dict[str, object]) -> None:
    """Crawling one schema that a filter excludes touches nothing, even when the listing no longer shows it."""
    scope = hscope(database="warehouse", schema="staging", **exclusion)
    changes = diff_hierarchy(containers(LISTING), remote({**LISTING, "warehouse": ("raw", "marts")}), scope)
    assert changes.is_empty, changes
