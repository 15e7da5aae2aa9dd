"""The pure diff of databases and schemas: stored containers + remote listing → changes and events."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from domain import change_types as ev
from domain.paths import ObjectKind, format_path
from domain.remote_lifecycle import GuardTrip, guard_trip, mark_deleted, restore
from domain.snapshot import RemoteHierarchy
from domain.status import (
    INHERIT,
    RemoteState,
    effective_status,
    new_child_status_setting,
    resolve_activate_new_children,
)
from domain.stored_state import HierarchyScope, StoredContainer


@dataclass(frozen=True, slots=True)
class NewContainer:
    kind: ObjectKind  # database | schema
    path: tuple[str, ...]
    status_setting: str
    effective_status: str


@dataclass(frozen=True, slots=True)
class ContainerUpdate:
    id: int
    path: tuple[str, ...]
    values: dict[str, Any]


@dataclass(slots=True)
class HierarchyChanges:
    new_containers: list[NewContainer] = field(default_factory=list)  # parents before children
    updates: list[ContainerUpdate] = field(default_factory=list)
    events: list[ev.PlannedEvent] = field(default_factory=list)
    guard: GuardTrip | None = None
    #: Stored containers missing from an incomplete listing and not proven gone: left as they are.
    databases_not_visible: int = 0
    schemas_not_visible: int = 0

    @property
    def is_empty(self) -> bool:
        return not (self.new_containers or self.updates or self.events)


@dataclass(frozen=True, slots=True)
class _Node:
    """A database as the diff sees it after this run: stored or about to be created."""

    path: tuple[str, ...]
    effective_status: str
    activate_new_children: str


def diff_hierarchy(
    stored: Mapping[tuple[str, ...], StoredContainer], remote: RemoteHierarchy, scope: HierarchyScope
) -> HierarchyChanges:
    """`stored` maps paths (connection key, db[, schema]) to the connection's databases and schemas."""
    changes = HierarchyChanges()
    connection = scope.connection
    key = connection.path[0]
    deletions: list[StoredContainer] = []

    for database, schemas in sorted(remote.databases.items()):
        if not _database_in_scope(database, scope):
            continue
        db_node = _reconcile(changes, stored.get((key, database)), ObjectKind.DATABASE, (key, database),
                             connection.effective_status, [connection.activate_new_children])
        for schema in sorted(schemas):
            if schema in scope.excluded_schemas or (scope.schema is not None and schema != scope.schema):
                continue
            _reconcile(changes, stored.get((key, database, schema)), ObjectKind.SCHEMA,
                       (key, database, schema),
                       db_node.effective_status, [db_node.activate_new_children, connection.activate_new_children])
        if scope.schema is None:
            listed = set(schemas)
            deletions.extend(
                c for path, c in stored.items()
                if c.kind == ObjectKind.SCHEMA and path[1] == database and path[2] not in listed
                and c.remote_state == RemoteState.PRESENT
            )

    if (scope.schema is not None and scope.database in remote.databases
            and _database_in_scope(scope.database, scope) and scope.schema not in scope.excluded_schemas):
        gone = stored.get((key, scope.database, scope.schema))
        if gone and scope.schema not in remote.databases[scope.database] and gone.remote_state == RemoteState.PRESENT:
            deletions.append(gone)
    if scope.schema is None:
        listed_dbs = set(remote.databases) | set(remote.failed_databases)
        deletions.extend(
            c for path, c in stored.items()
            if c.kind == ObjectKind.DATABASE and path[1] not in listed_dbs and c.remote_state == RemoteState.PRESENT
            and _database_in_scope(path[1], scope)
        )

    hidden = _not_visible(deletions, remote)
    if hidden:
        deletions, stored = _without(hidden, deletions, stored)
        _count_not_visible(changes, hidden)
    if deletions:
        held = _guard(stored, remote, deletions, scope)
        if held is not None:
            changes.guard, event = held
            changes.events.append(event)
            return changes
        for container in deletions:
            values, event = mark_deleted(container, container.path)
            changes.updates.append(ContainerUpdate(container.id, container.path, values))
            changes.events.append(event)
    return changes


def _not_visible(missing: list[StoredContainer], remote: RemoteHierarchy) -> list[StoredContainer]:
    """The containers missing from the listing that it may merely hide (privileges): not proven gone."""
    return [
        c for c in missing
        if not (remote.database_gone(c.path[1]) if c.kind == "database" else remote.schema_gone(c.path[1], c.path[2]))
    ]


def _without(hidden: list[StoredContainer], deletions: list[StoredContainer],
             stored: Mapping[tuple[str, ...], StoredContainer],
             ) -> tuple[list[StoredContainer], dict[tuple[str, ...], StoredContainer]]:
    """Deletions and stored containers minus the hidden ones, which the guard must not count as present."""
    paths = {c.path for c in hidden}
    return ([c for c in deletions if c.path not in paths],
            {path: c for path, c in stored.items() if path not in paths})


def _count_not_visible(changes: HierarchyChanges, hidden: list[StoredContainer]) -> None:
    changes.databases_not_visible = sum(1 for c in hidden if c.kind == "database")
    changes.schemas_not_visible = sum(1 for c in hidden if c.kind == "schema")


def _database_in_scope(database: str, scope: HierarchyScope) -> bool:
    if database in scope.excluded_databases:
        return False
    return scope.database is None or database == scope.database


def _reconcile(changes: HierarchyChanges, current: StoredContainer | None, kind: ObjectKind, path: tuple[str, ...],
               parent_effective: str, activate_settings_nearest_first: list[str]) -> _Node:
    if current is None:
        setting = new_child_status_setting(resolve_activate_new_children(activate_settings_nearest_first))
        status = effective_status(setting, parent_effective)
        changes.new_containers.append(NewContainer(kind, path, setting, status))
        changes.events.append(ev.planned(ev.OBJECT_CREATED, path, 1, {"kind": kind, "status": status}))
        return _Node(path, status, INHERIT)
    if current.remote_state == RemoteState.DELETED:
        values, event = restore(current, path, parent_effective)
        changes.updates.append(ContainerUpdate(current.id, path, values))
        changes.events.append(event)
        return _Node(path, values["effective_status"], current.activate_new_children)
    return _Node(path, current.effective_status, current.activate_new_children)


def _checked(path: tuple[str, ...], remote: RemoteHierarchy, scope: HierarchyScope) -> bool:
    """Whether this run looked for the container: schemas of a failed database or outside the scope were not."""
    if not _database_in_scope(path[1], scope):
        return False
    if len(path) == 2:
        return True
    return path[1] in remote.databases and (scope.schema is None or path[2] == scope.schema)


def _guard(stored: Mapping[tuple[str, ...], StoredContainer], remote: RemoteHierarchy,
           deletions: list[StoredContainer], scope: HierarchyScope) -> tuple[GuardTrip, ev.PlannedEvent] | None:
    """Compare deletions with the present containers this run checked, so unchecked ones cannot dilute it."""
    for kind in (ObjectKind.DATABASE, ObjectKind.SCHEMA):
        doomed = [c for c in deletions if c.kind == kind]
        present = sum(
            1 for path, c in stored.items()
            if c.kind == kind and c.remote_state == RemoteState.PRESENT and _checked(path, remote, scope)
        )
        if doomed and scope.guard.holds(len(doomed), present):
            names = tuple(sorted(format_path(c.path[1:]) for c in doomed))
            paths = sorted(list(c.path[1:]) for c in doomed)
            return guard_trip(scope.connection.path, names, present, scope.guard, identity=[kind, paths], kind=kind)
    return None
