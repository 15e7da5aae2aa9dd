"""Properties of the pure diffs over random catalogs, random remote changes and random scopes.

Each example: a catalog left by an earlier crawl (tables enabled, disabled or deleted remotely, tagged columns),
a mutated remote snapshot (sometimes an incomplete, grant-filtered listing that confirms some drops), a random
scope. The diff is applied with tests/diff_model.py and checked against the
snapshot; diffing again must find nothing.
"""

from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain import change_types as ev
from domain.hierarchy_diff import HierarchyChanges, diff_hierarchy
from domain.remote_lifecycle import MassDeletionGuard
from domain.schema_diff import SchemaChanges, diff_schema
from domain.snapshot import RemoteColumn, RemoteHierarchy, RemoteTable, SchemaSnapshot
from domain.status import effective_status, new_child_status_setting, resolve_activate_new_children
from domain.stored_state import HierarchyScope, SchemaScope, StoredColumn, StoredContainer, StoredTable
from tests.domain.diff_model import (
    Catalog,
    Containers,
    IdSource,
    apply_hierarchy,
    apply_schema,
    diff_view,
    synced_table,
)

SCHEMA = ("conn", "db", "schema")
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

NAME_POOL = ["orders", "Orders", "ORDERS", "Order Items", 'q"uote', "it's", "表", "a/b", "50%", "é", "x" * 80,
             "semi;colon", " pad "]
odd_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x1e\x1f"), min_size=1,
                   max_size=10)
names = st.one_of(st.sampled_from(NAME_POOL), odd_text)
data_types = st.sampled_from(["integer", "bigint", "text", "varchar(20)", "numeric(10,2)", 'my "type"', "jsonb"])
comments = st.one_of(st.none(), st.just(""), st.sampled_from(["key", "Betrag €", "x"]), odd_text)
tag_sets = st.sampled_from([(), (ev.NEW_TAG,), ("PII",), ("PII", ev.NEW_TAG)])
statuses = st.sampled_from(["enabled", "disabled"])
settings_ = st.sampled_from(["inherit", "enabled", "disabled"])
RANDOMS = st.randoms(use_true_random=False)


@st.composite
def columns(draw: st.DrawFn, taken: frozenset[str] = frozenset(), max_size: int = 5) -> tuple[RemoteColumn, ...]:
    chosen = [n for n in draw(st.lists(names, unique=True, max_size=max_size)) if n not in taken]
    return tuple(RemoteColumn(n, i, draw(data_types), draw(st.booleans()), draw(comments))
                 for i, n in enumerate(chosen, start=1))


@st.composite
def tables(draw: st.DrawFn, name: str) -> RemoteTable:
    kind = draw(st.sampled_from(["table", "view"]))
    remote_kind = draw(st.sampled_from([None, "BASE TABLE", "VIEW", "PARTITIONED TABLE"]))
    return RemoteTable(name, kind, draw(columns()), remote_kind, draw(comments),  # type: ignore[arg-type]
                       draw(st.sampled_from([None, "app", "finance"])))


@st.composite
def mutated(draw: st.DrawFn, table: RemoteTable) -> RemoteTable:
    """Random column additions, deletions, type/nullability/comment changes, reordering, table-level changes."""
    kept: list[RemoteColumn] = []
    for column in table.columns:
        action = draw(st.sampled_from(["retype", "keep", "drop", "keep", "nullable", "comment"]))
        if action == "drop":
            continue
        if action == "retype":
            column = dataclasses.replace(column, data_type=draw(data_types))
        elif action == "nullable":
            column = dataclasses.replace(column, nullable=not column.nullable)
        elif action == "comment":
            column = dataclasses.replace(column, comment=draw(comments))
        kept.append(column)
    added = draw(columns(taken=frozenset(c.name for c in kept), max_size=2))
    order = kept + list(added)
    if draw(st.booleans()):
        draw(RANDOMS).shuffle(order)
    renumbered = tuple(dataclasses.replace(c, ordinal=i) for i, c in enumerate(order, start=1))
    table = dataclasses.replace(table, columns=renumbered)
    if draw(st.booleans()):
        table = dataclasses.replace(table, comment=draw(comments), owner=draw(st.sampled_from([None, "app", "bi"])),
                                    kind=draw(st.sampled_from(["table", "view"])),
                                    remote_kind=draw(st.sampled_from([None, "BASE TABLE", "VIEW", "FOREIGN"])))
    return table


@dataclasses.dataclass
class Scenario:
    catalog: Catalog
    snapshot: SchemaSnapshot
    scope: SchemaScope


@st.composite
def scenarios(draw: st.DrawFn, allow_mass_deletion: bool | None = None) -> Scenario:
    previous_names = draw(st.lists(names, unique=True, max_size=7))
    schema_status = draw(statuses)
    ids = IdSource(1)
    catalog: Catalog = {}
    remote: list[RemoteTable] = []
    for name in previous_names:
        previous = draw(tables(name))
        if draw(st.integers(0, 4)) == 0:
            state = {"remote_state": "deleted", "status_setting": "disabled", "effective_status": "disabled",
                     "status_before_deletion": draw(st.one_of(st.none(), settings_))}
        else:
            setting = draw(settings_)
            state = {"status_setting": setting, "effective_status": effective_status(setting, schema_status)}
        row = synced_table(ids(), previous, ids, revision=draw(st.integers(1, 5)), **state)
        row.columns = {n: dataclasses.replace(c, tags=draw(tag_sets)) for n, c in (row.columns or {}).items()}
        if draw(st.integers(0, 9)) == 0:
            row.fingerprint = None  # a row written before fingerprints existed
        catalog[name] = row
        action = draw(st.sampled_from(["keep", "drop", "mutate", "mutate"]))
        if action == "keep":
            remote.append(previous)
        elif action == "mutate":
            remote.append(draw(mutated(previous)))
    for name in draw(st.lists(names, unique=True, max_size=3)):
        if name not in catalog:
            remote.append(draw(tables(name)))
    draw(RANDOMS).shuffle(remote)
    everything = sorted(set(catalog) | {t.name for t in remote})
    table_filter = draw(st.one_of(st.none(), st.none(), st.frozensets(st.sampled_from(everything))
                                  if everything else st.none()))
    scope = SchemaScope(
        schema_path=SCHEMA, schema_effective_status=schema_status, activate_new_children=draw(statuses),
        include_disabled=draw(st.booleans()), tables=table_filter,
        guard=MassDeletionGuard(
            threshold=draw(st.sampled_from([0.0, 0.25, 0.5, 0.5, 1.0])), minimum=draw(st.sampled_from([1, 2, 3])),
            allow=draw(st.booleans()) if allow_mass_deletion is None else allow_mass_deletion),
    )
    # An incomplete listing may confirm any name gone, even a listed one (the listing wins); complete ones ignore it.
    confirmed = draw(st.frozensets(st.sampled_from(everything))) if everything else frozenset()
    return Scenario(catalog, SchemaSnapshot("db", "schema", tuple(remote), complete=draw(st.booleans()),
                                            confirmed_absent=confirmed), scope)


def diff(catalog: Catalog, snapshot: SchemaSnapshot, scope: SchemaScope) -> SchemaChanges:
    return diff_schema(diff_view(catalog, snapshot), snapshot, scope)


def in_scope_before(s: Scenario, name: str) -> bool:
    """The scope rules restated: filter, then enabled / include_disabled / deleted-and-checked-for-return."""
    if s.scope.tables is not None and name not in s.scope.tables:
        return False
    row = s.catalog.get(name)
    return (row is None or row.effective_status == "enabled" or s.scope.include_disabled
            or row.remote_state == "deleted")


def not_visible(s: Scenario) -> set[str]:
    """Stored present tables an incomplete listing left out without confirming them gone."""
    if s.snapshot.complete:
        return set()
    remote = {t.name for t in s.snapshot.tables}
    return {n for n, t in s.catalog.items() if t.remote_state == "present" and in_scope_before(s, n)
            and n not in remote and n not in s.snapshot.confirmed_absent}


def vanished_and_present(s: Scenario) -> tuple[set[str], int]:
    remote = {t.name for t in s.snapshot.tables}
    present = {n for n, t in s.catalog.items() if t.remote_state == "present" and in_scope_before(s, n)}
    present -= not_visible(s)
    return present - remote, len(present)


def column_attributes(column: RemoteColumn | StoredColumn) -> tuple[object, ...]:
    return column.ordinal, column.data_type, column.nullable, column.comment or None


def check_idempotent(s: Scenario, changes: SchemaChanges) -> Catalog:
    after = apply_schema(s.catalog, changes, IdSource(100_000))
    again = diff(after, s.snapshot, s.scope)
    if changes.guard is not None:
        assert changes.events[-1].type == ev.SYNC_GUARD_TRIPPED
        assert ev.OBJECT_DELETED_REMOTELY not in {e.type for e in changes.events}, "the deletions are held"
        if again.guard is not None:
            assert [e.type for e in again.events] == [ev.SYNC_GUARD_TRIPPED], "the rest was applied"
            assert again.guard.would_delete == changes.guard.would_delete, "the deletions are held the same way"
        else:  # what the first run applied (a restore) made the held deletions a smaller share: now applied
            assert {e.type for e in again.events} == {ev.OBJECT_DELETED_REMOTELY}
            assert {e.path[-1] for e in again.events} == set(changes.guard.would_delete)
    else:
        assert again.is_empty, f"second diff not empty: {again}"
    return after


# --- 1. idempotency -------------------------------------------------------------------------------------------------

@PROPERTY_SETTINGS
@given(scenarios(allow_mass_deletion=True))
def test_applying_a_diff_then_diffing_again_is_empty(s: Scenario) -> None:
    changes = diff(s.catalog, s.snapshot, s.scope)
    assert changes.guard is None
    check_idempotent(s, changes)


@PROPERTY_SETTINGS
@given(scenarios(allow_mass_deletion=False))
def test_with_the_guard_on_a_diff_is_held_or_applied_then_empty(s: Scenario) -> None:
    check_idempotent(s, diff(s.catalog, s.snapshot, s.scope))


# --- 2. the catalog matches the snapshot -----------------------------------------------------------------------

@PROPERTY_SETTINGS
@given(scenarios())
def test_catalog_after_applying_matches_the_snapshot_in_scope(s: Scenario) -> None:
    changes = diff(s.catalog, s.snapshot, s.scope)
    after = apply_schema(s.catalog, changes, IdSource(100_000))
    if changes.guard is not None:
        assert all(after[name].remote_state == "present" for name in changes.guard.would_delete), "held"
        return
    remote = {t.name: t for t in s.snapshot.tables}
    for name in set(remote) | set(s.catalog):
        before, now = s.catalog.get(name), after.get(name)
        if not in_scope_before(s, name):
            assert now == before, f"out-of-scope table {name!r} was touched"
            continue
        if name not in remote:
            assert before is not None and now is not None
            if name in not_visible(s):
                assert now == before, f"table {name!r} missing from an incomplete listing was touched"
            elif before.remote_state == "present":
                assert (now.remote_state, now.effective_status, now.status_setting) == ("deleted", "disabled",
                                                                                       "disabled")
                assert now.status_before_deletion == before.status_setting
                assert now.columns == before.columns, "a table deleted remotely keeps its dictionary"
            else:
                assert now == before
            continue
        table = remote[name]
        assert now is not None and now.remote_state == "present"
        assert (now.kind, now.remote_kind, now.comment, now.owner, now.fingerprint) == (
            table.kind, table.remote_kind, table.comment, table.owner, table.fingerprint)
        assert {n: column_attributes(c) for n, c in (now.columns or {}).items()} == {
            c.name: column_attributes(c) for c in table.columns}
        check_status_and_tags(s, before, now)
        check_column_changes(changes, before, table)


def check_column_changes(changes: SchemaChanges, before: StoredTable | None, table: RemoteTable) -> None:
    """Exactly the columns whose attributes differ are updated, each with one event of the right type."""
    if before is None or before.fingerprint == table.fingerprint:
        return
    old = before.columns or {}
    remote = {c.name: c for c in table.columns}
    differing = {n for n in old.keys() & remote.keys() if column_attributes(old[n]) != column_attributes(remote[n])}
    ids = {c.id: n for n, c in old.items()}
    assert {ids[u.id] for u in changes.column_updates if u.id in ids} == differing
    column_events = {(e.type, e.payload["column"]) for e in changes.events
                     if e.path[-1] == table.name and e.type.startswith("column.")}
    assert column_events == (
        {(ev.COLUMN_ADDED, n) for n in remote.keys() - old.keys()}
        | {(ev.COLUMN_DELETED, n) for n in old.keys() - remote.keys()}
        | {(ev.COLUMN_TYPE_CHANGED if old[n].data_type != remote[n].data_type else ev.COLUMN_CHANGED, n)
           for n in differing})


def check_status_and_tags(s: Scenario, before: StoredTable | None, now: StoredTable) -> None:
    assert now.columns is not None
    if before is None:
        expected_setting = "inherit" if s.scope.activate_new_children == "enabled" else "disabled"
        assert (now.status_setting, now.effective_status) == (
            expected_setting, effective_status(expected_setting, s.scope.schema_effective_status))
        assert all(c.tags == () for c in now.columns.values()), "columns of new tables are not tagged New"
        return
    if before.remote_state == "deleted":
        restored = before.status_before_deletion or before.status_setting
        assert (now.status_setting, now.status_before_deletion) == (restored, None)
        assert now.effective_status == effective_status(restored, s.scope.schema_effective_status)
    else:
        assert (now.status_setting, now.effective_status) == (before.status_setting, before.effective_status)
    old_columns = before.columns or {}
    for name, column in now.columns.items():
        old = old_columns.get(name)
        if old is None:
            assert column.tags == (ev.NEW_TAG,)
        elif old.data_type != column.data_type:
            assert column.tags[: len(old.tags)] == old.tags and column.tags.count(ev.NEW_TAG) == 1
        else:
            assert column.tags == old.tags


# --- 3. event ids ------------------------------------------------------------------------------------------------

@PROPERTY_SETTINGS
@given(scenarios())
def test_event_ids_are_unique_and_deterministic(s: Scenario) -> None:
    first = diff(s.catalog, s.snapshot, s.scope)
    second = diff(s.catalog, s.snapshot, s.scope)
    ids = [e.event_id for e in first.events]
    assert len(ids) == len(set(ids))
    assert ids == [e.event_id for e in second.events]
    written = {u.name for u in first.table_updates} | {n.table.name for n in first.new_tables}
    evented = {e.path[-1] for e in first.events if e.type != ev.SYNC_GUARD_TRIPPED}
    silent = {"fingerprint", "revision"}  # refreshing a stale fingerprint is bookkeeping, not a change
    assert evented <= written, "every event describes a written table"
    assert written - evented <= {u.name for u in first.table_updates if set(u.values) <= silent}, \
        "every real change has an event"


# --- 4. the guard -------------------------------------------------------------------------------------------------

@PROPERTY_SETTINGS
@given(scenarios(allow_mass_deletion=False))
def test_guard_never_lets_more_than_threshold_deletions_through(s: Scenario) -> None:
    changes = diff(s.catalog, s.snapshot, s.scope)
    vanished, present = vanished_and_present(s)
    deleted = [e for e in changes.events if e.type == ev.OBJECT_DELETED_REMOTELY]
    guard = s.scope.guard
    assert len(deleted) < guard.minimum or len(deleted) <= guard.threshold * present
    if changes.guard is not None:
        assert set(changes.guard.would_delete) == vanished and changes.guard.present == present
        assert len(vanished) > guard.threshold * present, "held only when over the threshold"
        assert len(vanished) >= guard.minimum, "held only from the minimum count on"
        assert not deleted and not [u for u in changes.table_updates if u.values.get("remote_state") == "deleted"], \
            "the deletions are held"
        unguarded = diff(s.catalog, s.snapshot, dataclasses.replace(
            s.scope, guard=dataclasses.replace(guard, allow=True)))
        assert [n.table.name for n in changes.new_tables] == [n.table.name for n in unguarded.new_tables], \
            "everything else is applied"
    else:
        assert {e.path[-1] for e in deleted} == vanished


@PROPERTY_SETTINGS
@given(scenarios())
def test_an_incomplete_listing_deletes_only_confirmed_tables(s: Scenario) -> None:
    changes = diff(s.catalog, s.snapshot, s.scope)
    assert changes.tables_not_visible == len(not_visible(s))
    touched = {u.name for u in changes.table_updates} | {e.path[-1] for e in changes.events}
    assert not touched & not_visible(s), "no event and no write for a table the listing could not see"
    if changes.guard is not None:
        assert not set(changes.guard.would_delete) & not_visible(s)
    if not s.snapshot.complete:
        deleted = {e.path[-1] for e in changes.events if e.type == ev.OBJECT_DELETED_REMOTELY}
        assert deleted <= s.snapshot.confirmed_absent


# --- 5. hierarchy ----------------------------------------------------------------------------------------------------

DB_POOL = ["app", "App", "warehouse", "objectsync", "my db", "表", "a/b", "x" * 70]
SCHEMA_POOL = ["public", "sales", "information_schema", "pg_catalog", "Sales", 'q"s', "ü", "raw"]
db_names = st.one_of(st.sampled_from(DB_POOL), odd_text)
schema_names = st.one_of(st.sampled_from(SCHEMA_POOL), odd_text)


@dataclasses.dataclass
class HierarchyScenario:
    stored: Containers
    remote: RemoteHierarchy
    scope: HierarchyScope


def _container_state(draw: st.DrawFn) -> dict[str, object]:
    if draw(st.integers(0, 4)) == 0:
        return {"remote_state": "deleted", "status_setting": "disabled", "effective_status": "disabled",
                "status_before_deletion": draw(st.one_of(st.none(), settings_))}
    setting = draw(settings_)
    return {"status_setting": setting, "effective_status": "disabled" if setting == "disabled" else "enabled",
            "activate_new_children": draw(settings_)}


@st.composite
def hierarchy_scenarios(draw: st.DrawFn, allow_mass_deletion: bool | None = None) -> HierarchyScenario:
    previous = draw(st.dictionaries(db_names, st.lists(schema_names, unique=True, max_size=4), max_size=4))
    ids = IdSource(10)
    stored: Containers = {}
    for database, schemas in previous.items():
        for path in [("conn", database), *(("conn", database, s) for s in schemas)]:
            kind = "database" if len(path) == 2 else "schema"
            row = StoredContainer(ids(), kind, path, "inherit", "enabled", revision=draw(st.integers(1, 4)))
            stored[path] = dataclasses.replace(row, **_container_state(draw))  # type: ignore[arg-type]
    listing: dict[str, tuple[str, ...]] = {}
    failed: dict[str, str] = {}
    for database, schemas in previous.items():
        action = draw(st.sampled_from(["keep", "mutate", "mutate", "drop", "fail"]))
        if action == "keep":
            listing[database] = tuple(schemas)
        elif action == "mutate":
            kept = [s for s in schemas if draw(st.booleans())]
            extra = [n for n in draw(st.lists(schema_names, unique=True, max_size=2)) if n not in kept]
            order = kept + extra
            draw(RANDOMS).shuffle(order)
            listing[database] = tuple(order)
        elif action == "fail":
            failed[database] = "permission denied"
    for database in draw(st.lists(db_names, unique=True, max_size=2)):
        if database not in previous:
            listing[database] = tuple(draw(st.lists(schema_names, unique=True, max_size=3)))
    all_dbs = sorted(set(previous) | set(listing))
    database = draw(st.one_of(st.none(), st.sampled_from(all_dbs))) if all_dbs else None
    schema = None
    if database is not None and draw(st.booleans()):
        candidates = sorted(set(previous.get(database, [])) | set(listing.get(database, ())))
        schema = draw(st.sampled_from(candidates)) if candidates else None
    connection = StoredContainer(1, "connection", ("conn",), "enabled", draw(statuses),
                                 activate_new_children=draw(settings_))
    scope = HierarchyScope(
        connection, database=database, schema=schema,
        excluded_databases=draw(st.frozensets(st.sampled_from(DB_POOL), max_size=2)),
        excluded_schemas=draw(st.frozensets(st.sampled_from(SCHEMA_POOL), max_size=2)),
        guard=MassDeletionGuard(
            threshold=draw(st.sampled_from([0.0, 0.5, 0.5, 1.0])), minimum=draw(st.sampled_from([1, 2, 3])),
            allow=draw(st.booleans()) if allow_mass_deletion is None else allow_mass_deletion),
    )
    return HierarchyScenario(stored, RemoteHierarchy(listing, failed), scope)


def check_hierarchy_idempotent(h: HierarchyScenario, changes: HierarchyChanges) -> Containers:
    after = apply_hierarchy(h.stored, changes, IdSource(100_000))
    again = diff_hierarchy(after, h.remote, h.scope)
    if changes.guard is not None:
        assert changes.events[-1].type == ev.SYNC_GUARD_TRIPPED
        assert ev.OBJECT_DELETED_REMOTELY not in {e.type for e in changes.events}, "the deletions are held"
        if again.guard is not None:
            assert [e.type for e in again.events] == [ev.SYNC_GUARD_TRIPPED], "the rest was applied"
        else:  # what the first run applied (a restore) made the held deletions a smaller share: now applied
            assert {e.type for e in again.events} == {ev.OBJECT_DELETED_REMOTELY}
    else:
        assert again.is_empty, f"second hierarchy diff not empty: {again}"
    return after


@PROPERTY_SETTINGS
@given(hierarchy_scenarios())
def test_hierarchy_diff_is_idempotent_and_safe(h: HierarchyScenario) -> None:
    changes = diff_hierarchy(h.stored, h.remote, h.scope)
    again = diff_hierarchy(h.stored, h.remote, h.scope)
    ids = [e.event_id for e in changes.events]
    assert len(ids) == len(set(ids)) and ids == [e.event_id for e in again.events]

    after = check_hierarchy_idempotent(h, changes)
    touched = {c.path for c in changes.new_containers} | {u.path for u in changes.updates}
    for path in touched:
        assert path[1] not in h.remote.failed_databases, f"{path!r} is under a database whose listing failed"
        assert path[1] not in h.scope.excluded_databases
    for new in changes.new_containers:
        assert len(new.path) == 2 or new.path[2] not in h.scope.excluded_schemas
        assert h.scope.database is None or new.path[1] == h.scope.database
        assert h.scope.schema is None or len(new.path) == 2 or new.path[2] == h.scope.schema
    for path, container in after.items():
        if path in h.stored and path not in touched:
            assert container == h.stored[path]
    check_new_container_status(h, changes, after)


def check_new_container_status(h: HierarchyScenario, changes: HierarchyChanges, after: Containers) -> None:
    """New children: nearest explicit activateNewChildren (schema <- database <- connection), then inherit."""
    connection = h.scope.connection
    for new in changes.new_containers:
        if len(new.path) == 2:
            chain, parent_status = [connection.activate_new_children], connection.effective_status
        else:
            database = after[new.path[:2]]
            chain = [database.activate_new_children, connection.activate_new_children]
            parent_status = database.effective_status
        setting = new_child_status_setting(resolve_activate_new_children(chain))
        assert (new.status_setting, new.effective_status) == (setting, effective_status(setting, parent_status))


@PROPERTY_SETTINGS
@given(hierarchy_scenarios(allow_mass_deletion=False))
def test_hierarchy_guard_never_lets_more_than_threshold_deletions_through(h: HierarchyScenario) -> None:
    changes = diff_hierarchy(h.stored, h.remote, h.scope)
    scope = h.scope

    def checked(path: tuple[str, ...]) -> bool:
        if path[1] in scope.excluded_databases or (scope.database is not None and path[1] != scope.database):
            return False
        return len(path) == 2 or (path[1] in h.remote.databases and scope.schema in (None, path[2]))

    for length in (2, 3):
        present = sum(1 for p, c in h.stored.items()
                      if len(p) == length and c.remote_state == "present" and checked(p))
        deleted = [u for u in changes.updates if len(u.path) == length and u.values["remote_state"] == "deleted"]
        assert len(deleted) < scope.guard.minimum or len(deleted) <= scope.guard.threshold * present
