"""Loading the stored state the diffs compare, and applying their changes with set-based SQL (unnest, COPY),
inside the caller's transaction."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from psycopg import Cursor
from sqlalchemy.orm import Session

from catalog.column_copy import copy_new_columns
from catalog.session import raw_cursor
from domain.hierarchy_diff import HierarchyChanges
from domain.nothing_crawled import PathStatus
from domain.paths import ObjectKind
from domain.schema_batches import TableRange
from domain.schema_diff import SchemaChanges
from domain.snapshot import RemoteTable
from domain.stored_state import StoredColumn, StoredContainer, StoredTable

_TABLE_COLUMNS = ("id, name, kind, status_setting, effective_status, remote_state, remote_kind, comment, owner, "
                  "fingerprint, revision, status_before_deletion, remote_id, change_token")
#: A name range of a schema's children (start <= name < stop in code-point order; NULL leaves an end open).
_IN_RANGE = """AND (%(start)s::text IS NULL OR name COLLATE "C" >= %(start)s::text)
               AND (%(stop)s::text IS NULL OR name COLLATE "C" < %(stop)s::text)"""


@dataclass(frozen=True, slots=True)
class PathObject:
    """An object on the way down to a schema: what a new child's status is resolved from."""

    id: int
    effective_status: str
    activate_new_children: str


def _on_path(session: Session, path: Sequence[str]) -> list[tuple[Any, ...]]:
    """(path, id, status_setting, effective_status, activate_new_children) of the stored object at each prefix of
    `path`, root first."""
    prefixes = [list(path[:depth]) for depth in range(1, len(path) + 1)]
    cur = raw_cursor(session)
    cur.execute(
        "SELECT path, id, status_setting, effective_status, activate_new_children FROM data_objects "
        f"WHERE path IN ({', '.join(['%s::text[]'] * len(prefixes))}) ORDER BY cardinality(path)",
        prefixes,
    )
    return cur.fetchall()


def load_path_objects(session: Session, path: Sequence[str]) -> dict[int, PathObject]:
    """The stored objects at each prefix of `path` (connection, database, schema…), by depth."""
    return {len(p): PathObject(id_, status, activate) for p, id_, _, status, activate in _on_path(session, path)}


def path_statuses(session: Session, path: Sequence[str]) -> list[PathStatus]:
    """The stored objects at each prefix of `path`, with their status settings, root first."""
    return [PathStatus(tuple(p), setting, status) for p, _, setting, status, _ in _on_path(session, path)]


def load_connection_root(session: Session, connection_id: int, connection_key: str) -> StoredContainer:
    """The connection's own data object, the root of its hierarchy."""
    cur = raw_cursor(session)
    cur.execute(
        """SELECT id, status_setting, effective_status, activate_new_children, revision
           FROM data_objects WHERE connection_id = %s AND kind = 'connection'""",
        (connection_id,),
    )
    row = cur.fetchone()
    if row is None:
        raise LookupError(f"connection {connection_key!r} has no root data object")
    id_, setting, status, activate, revision = row
    return StoredContainer(id_, ObjectKind.CONNECTION, (connection_key,), setting, status, activate,
                           revision=revision)


def schema_object_id(session: Session, path: Sequence[str]) -> int | None:
    cur = raw_cursor(session)
    cur.execute("SELECT id FROM data_objects WHERE path = %s::text[]", (list(path),))
    row = cur.fetchone()
    return row[0] if row else None


def load_change_tokens(session: Session, schema_id: int, table_range: TableRange | None = None) -> dict[str, str]:
    """The change token stored per table of the schema, or of one name range of it (tables without one are not
    listed)."""
    cur = raw_cursor(session)
    cur.execute(
        "SELECT name, change_token FROM data_objects WHERE parent_id = %(schema)s AND change_token IS NOT NULL "
        + _IN_RANGE,
        _range_params(schema_id, table_range),
    )
    return dict(cur.fetchall())


def load_tables(session: Session, schema_id: int, table_range: TableRange | None = None) -> dict[str, StoredTable]:
    """The schema's tables and views (of one name range only, when given)."""
    cur = raw_cursor(session)
    cur.execute(f"SELECT {_TABLE_COLUMNS} FROM data_objects WHERE parent_id = %(schema)s {_IN_RANGE}",
                _range_params(schema_id, table_range))
    return {row[1]: StoredTable(*row) for row in cur.fetchall()}


def _range_params(schema_id: int, table_range: TableRange | None) -> dict[str, Any]:
    within = table_range or TableRange()
    return {"schema": schema_id, "start": within.start, "stop": within.stop}


def load_columns(session: Session, tables: Mapping[str, StoredTable], names: set[str]) -> None:
    """Fill in the dictionary of the named tables (those whose fingerprint changed). Each column gets a handle
    for the changes to name it by, unique among the columns loaded (`column_keys` maps handles back)."""
    if not names:
        return
    by_id = {tables[n].id: tables[n] for n in names}
    columns: dict[int, dict[str, StoredColumn]] = {table_id: {} for table_id in by_id}
    cur = raw_cursor(session)
    cur.execute(
        "SELECT table_id, name, ordinal, data_type, nullable, comment, tags, remote_id FROM columns "
        "WHERE table_id = ANY(%s)",
        (list(by_id),),
    )
    for handle, (table_id, name, ordinal, data_type, nullable, comment, tags, remote_id) in enumerate(
            cur.fetchall(), start=1):
        columns[table_id][name] = StoredColumn(handle, name, ordinal, data_type, nullable, comment,
                                               tuple(tags or ()), remote_id)
    for table_id, table in by_id.items():
        table.columns = columns[table_id]


def column_keys(tables: Mapping[str, StoredTable]) -> dict[int, tuple[int, str]]:
    """(table id, name) of each loaded column, by its handle."""
    return {c.id: (t.id, c.name) for t in tables.values() if t.columns for c in t.columns.values()}


def load_containers(session: Session, connection_id: int) -> dict[tuple[str, ...], StoredContainer]:
    cur = raw_cursor(session)
    cur.execute(
        """SELECT id, kind, path, status_setting, effective_status, activate_new_children, remote_state, revision,
                  status_before_deletion
           FROM data_objects WHERE connection_id = %s AND kind IN ('database', 'schema')""",
        (connection_id,),
    )
    return {tuple(r[2]): StoredContainer(r[0], r[1], tuple(r[2]), *r[3:]) for r in cur.fetchall()}


def apply_schema_changes(session: Session, changes: SchemaChanges, *, connection_id: int, schema_id: int,
                         schema_path: tuple[str, ...], stored: Mapping[str, StoredTable]) -> dict[tuple[str, ...], int]:
    """Write the changes of a schema (or of one name range of it); returns object ids by path for every table the
    changes touch."""
    cur = raw_cursor(session)
    ids = {(*schema_path, name): t.id for name, t in stored.items()}
    ids.update(_insert_tables(cur, changes, connection_id, schema_id, schema_path))
    _update_objects(cur, [(u.id, u.values) for u in changes.table_updates])
    if changes.column_deletes or changes.column_updates:
        keys = column_keys(stored)
        deleted = [keys[handle] for handle in changes.column_deletes]
        if deleted:
            cur.execute("DELETE FROM columns c USING unnest(%s::bigint[], %s::text[]) AS d(table_id, name) "
                        "WHERE c.table_id = d.table_id AND c.name = d.name",
                        ([t for t, _ in deleted], [n for _, n in deleted]))
        if changes.column_updates:
            _update_columns(cur, changes, keys)
    if changes.new_tables or changes.column_inserts:
        table_ids = {path[-1]: id_ for path, id_ in ids.items()}
        copy_new_columns(cur, table_ids, changes)
    return ids


def _update_columns(cur: Cursor[Any], changes: SchemaChanges, keys: Mapping[int, tuple[int, str]]) -> None:
    """Update columns in place, so a renamed one keeps its row (tags). Renamed columns first take a name no column
    can have (a renamed table never holds two columns of one name, not even while names are swapped), then their
    new one; new columns are inserted after this, so one may take a name a rename freed."""
    renamed = [keys[u.id] for u in changes.column_updates if u.renamed_from is not None]
    if renamed:
        cur.execute("UPDATE columns c SET name = %s || c.name "
                    "FROM unnest(%s::bigint[], %s::text[]) AS r(table_id, name) "
                    "WHERE c.table_id = r.table_id AND c.name = r.name",
                    (_RENAMING, [t for t, _ in renamed], [n for _, n in renamed]))
    rows = []
    for u in changes.column_updates:
        table_id, name = keys[u.id]
        rows.append((u.column.name, u.column.ordinal, u.column.data_type, u.column.nullable, u.column.comment,
                     list(u.tags), u.column.remote_id, table_id,
                     name if u.renamed_from is None else _RENAMING + name))
    cur.executemany(
        """UPDATE columns SET name = %s, ordinal = %s, data_type = %s, nullable = %s, comment = %s, tags = %s,
                  remote_id = %s, updated_at = now() WHERE table_id = %s AND name = %s""",
        rows,
    )


#: The prefix a renamed column's name takes while names move (no platform's column name starts with U+0001).
_RENAMING = "\x01renaming "


def _insert_tables(cur: Cursor[Any], changes: SchemaChanges, connection_id: int, schema_id: int,
                   schema_path: tuple[str, ...]) -> dict[tuple[str, ...], int]:
    if not changes.new_tables:
        return {}
    tables: list[RemoteTable] = [n.table for n in changes.new_tables]
    # The arrays travel in binary (%b): about a quarter of the client time of text arrays, which quote each element.
    cur.execute(
        """
        INSERT INTO data_objects (connection_id, parent_id, kind, name, path, remote_kind, status_setting,
                                  effective_status, activate_new_children, remote_state, comment, owner,
                                  fingerprint, revision, remote_id, change_token)
        SELECT %(connection)s, %(parent)s, t.kind, t.name, %(schema_path)b::text[] || t.name, t.remote_kind,
               t.setting, t.status, 'inherit', 'present', t.comment, t.owner, t.fingerprint, 1, t.remote_id,
               t.change_token
        FROM unnest(%(kinds)b::text[], %(names)b::text[], %(remote_kinds)b::text[], %(settings)b::text[],
                    %(statuses)b::text[], %(comments)b::text[], %(owners)b::text[], %(fingerprints)b::text[],
                    %(remote_ids)b::text[], %(change_tokens)b::text[])
             AS t(kind, name, remote_kind, setting, status, comment, owner, fingerprint, remote_id, change_token)
        RETURNING name, id
        """,
        {
            "connection": connection_id, "parent": schema_id, "schema_path": list(schema_path),
            "kinds": [t.kind for t in tables], "names": [t.name for t in tables],
            "remote_kinds": [t.remote_kind for t in tables],
            "settings": [n.status_setting for n in changes.new_tables],
            "statuses": [n.effective_status for n in changes.new_tables],
            "comments": [t.comment for t in tables], "owners": [t.owner for t in tables],
            "fingerprints": [t.fingerprint for t in tables], "remote_ids": [t.remote_id for t in tables],
            "change_tokens": [t.change_token for t in tables],
        },
    )
    return {(*schema_path, name): id_ for name, id_ in cur.fetchall()}


def _update_objects(cur: Cursor[Any], updates: list[tuple[int, dict[str, Any]]]) -> None:
    """One executemany per distinct set of changed fields; deletion time follows the new remote_state.

    (A SET expression reads the row as it was, so the CASE is given the new state as a parameter.)
    """
    groups: dict[tuple[str, ...], list[tuple[Any, ...]]] = defaultdict(list)
    for object_id, values in updates:
        keys = tuple(sorted(values))
        new_state = (values["remote_state"],) if "remote_state" in values else ()
        groups[keys].append((*(values[k] for k in keys), *new_state, object_id))
    for keys, rows in groups.items():
        assignments = [f"{k} = %s" for k in keys]
        if "remote_state" in keys:
            assignments.append("deleted_remotely_at = CASE WHEN %s::text = 'deleted' "
                               "THEN coalesce(deleted_remotely_at, now()) END")
        assignments.append("last_changed_at = now()")
        cur.executemany(f"UPDATE data_objects SET {', '.join(assignments)} WHERE id = %s", rows)


def apply_hierarchy_changes(session: Session, changes: HierarchyChanges, *, connection_id: int,
                            stored: Mapping[tuple[str, ...], StoredContainer]) -> dict[tuple[str, ...], int]:
    """Create new databases then schemas, update the rest; returns ids by path of all touched containers."""
    cur = raw_cursor(session)
    ids = {path: c.id for path, c in stored.items()}
    cur.execute("SELECT id FROM data_objects WHERE connection_id = %s AND kind = 'connection'", (connection_id,))
    root = cur.fetchone()
    if root is None:
        raise LookupError(f"connection {connection_id} has no root data object")
    for kind in (ObjectKind.DATABASE, ObjectKind.SCHEMA):
        new = [c for c in changes.new_containers if c.kind == kind]
        if not new:
            continue
        cur.execute(
            """
            INSERT INTO data_objects (connection_id, parent_id, kind, name, path, status_setting, effective_status,
                                      activate_new_children, remote_state, revision)
            SELECT %(connection)s, p.parent_id, %(kind)s, p.path[array_length(p.path, 1)], p.path, p.setting,
                   p.status, 'inherit', 'present', 1
            FROM unnest(%(parents)s::bigint[], %(paths)s::jsonb[], %(settings)s::text[], %(statuses)s::text[])
                 AS n(parent_id, path_json, setting, status),
                 LATERAL (SELECT n.parent_id, ARRAY(SELECT jsonb_array_elements_text(n.path_json)) AS path,
                                 n.setting, n.status) p
            RETURNING path, id
            """,
            {
                "connection": connection_id, "kind": kind,
                "parents": [root[0] if kind == ObjectKind.DATABASE else ids[c.path[:-1]] for c in new],
                "paths": [_json_path(c.path) for c in new],
                "settings": [c.status_setting for c in new], "statuses": [c.effective_status for c in new],
            },
        )
        ids.update({tuple(path): id_ for path, id_ in cur.fetchall()})
    _update_objects(cur, [(u.id, u.values) for u in changes.updates])
    return ids


def _json_path(path: tuple[str, ...]) -> str:
    return json.dumps(list(path))


def lock_connection_objects(session: Session, connection_id: int) -> None:
    """Lock every data object of a connection (`FOR UPDATE`), in id order, before deleting them."""
    raw_cursor(session).execute(
        "SELECT id FROM data_objects WHERE connection_id = %s ORDER BY id FOR UPDATE", (connection_id,))
