"""One schema subtask: one bulk remote read, the pure diff, and apply + outbox in ONE transaction."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from psycopg import Cursor

from catalog.job_store import complete_subtask, summarize
from catalog.object_store import apply_schema_changes, load_columns, load_tables
from catalog.outbox import write_events
from catalog.session import raw_cursor, session_scope
from connectors import ConnectorError
from domain.name_filters import ConnectionFilters, parse_filters
from domain.schema_diff import diff_schema, tables_needing_columns
from domain.snapshot import SchemaSnapshot
from domain.status import DISABLED, effective_status, new_child_status_setting, resolve_activate_new_children
from domain.stored_state import SchemaScope, StoredTable
from services.crawl.connector_pool import open_connector
from services.crawl.planning import lock_key
from settings import get_settings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Subtask:
    id: int
    job_id: int
    status: str
    database: str
    schema: str
    tables: frozenset[str] | None
    connection_id: int
    connection_key: str
    include_disabled: bool
    dry_run: bool
    allow_mass_deletion: bool
    filters: dict | None = None  # the connection's options.filters, as stored


def _load_subtask(cur: Cursor, subtask_id: int) -> Subtask | None:
    cur.execute(
        """SELECT s.id, s.job_id, s.status, s.database, s.schema, s.tables, c.id, c.key, j.options,
                  c.options -> 'filters'
           FROM job_subtasks s JOIN jobs j ON j.id = s.job_id JOIN connections c ON c.id = j.connection_id
           WHERE s.id = %s""",
        (subtask_id,),
    )
    row = cur.fetchone()
    if row is None:
        return None
    options = row[8]
    return Subtask(row[0], row[1], row[2], row[3], row[4], frozenset(row[5]) if row[5] is not None else None,
                   row[6], row[7], bool(options.get("includeDisabled")), bool(options.get("dryRun")),
                   bool(options.get("allowMassDeletion")), row[9])


def _schema_scope(cur: Cursor, task: Subtask) -> tuple[int | None, SchemaScope]:
    """The schema's id (None when a dry run meets a schema new to the catalog) and the diff's scope."""
    path = [task.connection_key, task.database, task.schema]
    cur.execute(
        """SELECT o.id, o.effective_status, o.activate_new_children, cardinality(o.path)
           FROM data_objects o WHERE o.path IN (%s::text[], %s::text[], %s::text[])""",
        (path[:1], path[:2], path),
    )
    rows = {depth: (id_, status, activate) for id_, status, activate, depth in cur.fetchall()}
    schema = rows.get(3)
    activate = resolve_activate_new_children(rows[d][2] for d in (3, 2, 1) if d in rows)
    if schema:
        status = schema[1]
    else:  # a dry run meeting a schema the catalog does not hold yet
        parent = rows.get(2) or rows.get(1)
        status = effective_status(new_child_status_setting(activate), parent[1] if parent else DISABLED)
    settings = get_settings()
    scope = SchemaScope(
        schema_path=tuple(path),
        schema_effective_status=status,
        activate_new_children=activate, include_disabled=task.include_disabled, tables=task.tables,
        mass_deletion_threshold=settings.mass_deletion_threshold, allow_mass_deletion=task.allow_mass_deletion,
    )
    return (schema[0] if schema else None), scope


def crawl_schema(subtask_id: int) -> tuple[str, bool]:
    """Run one subtask; returns its final status and whether it closed the job.

    Transient remote errors propagate for the task to retry.
    """
    with session_scope() as session:
        cur = raw_cursor(session)
        task = _load_subtask(cur, subtask_id)
        if task is None or task.status != "pending":
            return (task.status if task else "missing"), False
        cur.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                    (lock_key("schema", task.connection_id, task.database, task.schema),))
        cur.execute("SELECT status FROM job_subtasks WHERE id = %s FOR UPDATE", (subtask_id,))
        if cur.fetchone()[0] != "pending":
            return "duplicate", False
        schema_id, scope = _schema_scope(cur, task)
        filters = parse_filters(task.filters)
        # Both sides are filtered before the diff: a table outside the connection's filters is out of scope,
        # neither created nor marked deleted remotely (nor counted by the mass-deletion guard). A schema the
        # filters exclude (edited since the job was planned) is left alone entirely.
        snapshot = SchemaSnapshot(task.database, task.schema, ())
        stored: dict[str, StoredTable] = {}
        if filters.keeps_schema(task.database, task.schema):
            snapshot = _read_in_scope(task, filters)
            if schema_id is not None:
                stored = filters.stored_tables(load_tables(cur, schema_id))
        load_columns(cur, stored, tables_needing_columns(stored, snapshot))
        changes = diff_schema(stored, snapshot, scope)
        ids: dict[tuple[str, ...], int] = {scope.schema_path: schema_id} if schema_id is not None else {}
        if not task.dry_run and not changes.guard and not changes.is_empty:
            ids |= apply_schema_changes(cur, changes, connection_id=task.connection_id, schema_id=schema_id,
                                       schema_path=scope.schema_path, stored=stored)
        status = "held" if changes.guard else "succeeded"
        events = list(changes.events)
        planned = [e.as_dict() for e in events] if task.dry_run else None
        finished = complete_subtask(
            cur, subtask_id, status, summary=summarize(events, tables_not_visible=changes.tables_not_visible),
            planned=planned,
            error=changes.guard.message if changes.guard else None,
            planned_limit=get_settings().dry_run_change_limit,
        ) or []
        if task.dry_run:
            events = []
        write_events(cur, task.connection_key, events + finished, job_id=task.job_id, object_ids=ids)
    return status, bool(finished)


def _read_in_scope(task: Subtask, filters: ConnectionFilters) -> SchemaSnapshot:
    """The schema's tables the filters keep; nothing is read for a manual crawl of filtered-out tables only."""
    wanted = task.tables
    if wanted is not None:
        wanted = frozenset(t for t in wanted if filters.tables.keeps(t))
        if not wanted:
            return SchemaSnapshot(task.database, task.schema, ())
    with open_connector(task.connection_id) as connector:
        return filters.snapshot(connector.read_schema(task.database, task.schema, wanted))


def fail_subtask(subtask_id: int, error: ConnectorError | Exception) -> None:
    """Record a subtask that could not read its schema: nothing is changed, the job learns why."""
    message = error.message if isinstance(error, ConnectorError) else f"{type(error).__name__}: {error}"
    with session_scope() as session:
        cur = raw_cursor(session)
        task = _load_subtask(cur, subtask_id)
        if task is None:
            return
        log.warning("schema %s/%s of %s failed: %s", task.database, task.schema, task.connection_key, message)
        finished = complete_subtask(cur, subtask_id, "failed", error=message) or []
        write_events(cur, task.connection_key, finished, job_id=task.job_id)
