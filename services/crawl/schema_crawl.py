"""One schema subtask: one bulk remote read, the pure diff, and apply + outbox in ONE transaction."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import replace

from catalog.job_store import Subtask, complete_subtask, load_subtask, lock_subtask_status, set_nothing_crawled
from catalog.locks import lock_schema, share_connection, subtask_claim
from catalog.object_store import (
    apply_schema_changes,
    load_change_tokens,
    load_columns,
    load_path_objects,
    load_tables,
    schema_object_id,
)
from catalog.outbox import insert_outbox_rows, last_event_id, outbox_rows, write_events
from catalog.session import Session, session_scope
from connectors import ConnectorError
from domain.gc import paused_gc
from domain.jobs import SubtaskStatus, summarize
from domain.name_filters import ConnectionFilters, parse_filters
from domain.nothing_crawled import NOT_FOUND, NothingCrawled
from domain.schema_diff import diff_schema, tables_needing_columns
from domain.snapshot import SchemaSnapshot
from domain.status import DISABLED, effective_status, new_child_status_setting, resolve_activate_new_children
from domain.stored_state import SchemaScope, StoredTable
from services.crawl.connector_pool import open_connector, read_slot
from services.crawl.guard import mass_deletion_guard
from services.crawl.owner_requests import follow_renamed_columns, raise_owner_requests
from services.enqueue import RELAY_EVENTS, enqueue
from settings import get_settings

log = logging.getLogger(__name__)


def _schema_scope(session: Session, task: Subtask) -> tuple[int | None, SchemaScope]:
    """The schema's id (None when a dry run meets a schema new to the catalog) and the diff's scope."""
    path = (task.connection_key, task.database, task.schema)
    objects = load_path_objects(session, path)
    schema = objects.get(3)
    activate = resolve_activate_new_children(objects[d].activate_new_children for d in (3, 2, 1) if d in objects)
    if schema:
        status = schema.effective_status
    else:  # a dry run meeting a schema the catalog does not hold yet
        parent = objects.get(2) or objects.get(1)
        status = effective_status(new_child_status_setting(activate), parent.effective_status if parent else DISABLED)
    scope = SchemaScope(
        schema_path=path,
        schema_effective_status=status,
        activate_new_children=activate, include_disabled=task.include_disabled, tables=task.tables,
        guard=mass_deletion_guard(task.allow_mass_deletion, task.job_id),
        batch=task.batch,
    )
    return (schema.id if schema else None), scope


def crawl_schema(subtask_id: int) -> tuple[str, bool]:
    """Run one subtask; returns its final status and whether it closed the job.

    A platform error that retrying cannot cure fails the subtask with the reason; transient ones propagate
    for the task to retry.
    """
    try:
        return _crawl_schema(subtask_id)
    except ConnectorError as exc:
        if exc.transient:
            raise
        return SubtaskStatus.FAILED, fail_subtask(subtask_id, exc)


def _crawl_schema(subtask_id: int) -> tuple[str, bool]:
    with subtask_claim(subtask_id) as claimed:
        if not claimed:  # another delivery of this task is running it: exit at once rather than queue behind it
            return "duplicate", False
        with paused_gc():  # the snapshot and the changes are acyclic; collecting while they grow only costs time
            return _crawl_schema_now(subtask_id)


def _crawl_schema_now(subtask_id: int) -> tuple[str, bool]:
    # The remote read runs outside any catalog transaction (a slow platform holds no lock, row or connection
    # of the catalog); the transaction after it only diffs and applies.
    with session_scope() as session:
        task = load_subtask(session, subtask_id)
        if task is None or task.status != SubtaskStatus.PENDING:
            return (task.status if task else "missing"), False
        schema_id = schema_object_id(session, (task.connection_key, task.database, task.schema))
        # The batch's own range only: a batch of a schema's first sync, run beside batches that already stored
        # their tables, knows none of its own and reads them at once rather than listing tokens first.
        known = ({} if task.full_read or schema_id is None
                 else load_change_tokens(session, schema_id, task.table_range))
    filters = parse_filters(task.filters)
    # Both sides are filtered before the diff: a table outside the connection's filters is out of scope,
    # neither created nor marked deleted remotely (nor counted by the mass-deletion guard). A schema the
    # filters exclude (edited since the job was planned) is left alone entirely, and so is one deleted from
    # the catalog by hand since then (only a dry run meets schemas the catalog does not hold).
    read = filters.keeps_schema(task.database, task.schema) and (schema_id is not None or task.dry_run)
    read_seconds: float | None = None
    if read:
        snapshot, read_seconds = _read_in_scope(task, filters, known)
    else:
        snapshot = SchemaSnapshot(task.database, task.schema, ())

    with session_scope() as session:
        share_connection(session, task.connection_id)  # the lock order: see catalog/locks.py
        lock_schema(session, task.connection_id, task.database, task.schema, task.table_range)
        if lock_subtask_status(session, subtask_id) != SubtaskStatus.PENDING:
            return "duplicate", False
        schema_id, scope = _schema_scope(session, task)
        stored: dict[str, StoredTable] = {}
        if read and schema_id is not None:
            stored = filters.stored_tables(load_tables(session, schema_id, task.table_range))
            snapshot = _settle_tokens(task, filters, snapshot, stored)
        load_columns(session, stored, tables_needing_columns(stored, snapshot))
        if read and task.tables is not None:
            _tell_missing_tables(session, task, filters, snapshot, stored)
        changes = diff_schema(stored, snapshot, scope)
        del snapshot
        ids: dict[tuple[str, ...], int] = {scope.schema_path: schema_id} if schema_id is not None else {}
        # A held run still applies everything but the held deletions (the diff left those out).
        if schema_id is not None and not task.dry_run and not changes.is_empty:
            ids |= apply_schema_changes(session, changes, connection_id=task.connection_id, schema_id=schema_id,
                                        schema_path=scope.schema_path, stored=stored)
        status = SubtaskStatus.HELD if changes.guard else SubtaskStatus.SUCCEEDED
        events = [] if task.dry_run else list(changes.events)
        planned = [e.as_dict() for e in changes.events] if task.dry_run else None
        # Serialized before complete_subtask locks the job's row, which the job's other subtasks wait for.
        prepared = outbox_rows(session, task.connection_key, events, job_id=task.job_id, object_ids=ids)
        finished = complete_subtask(
            session, subtask_id, status,
            summary=summarize(changes.events, tables_not_visible=changes.tables_not_visible),
            planned=planned,
            error=changes.guard.message if changes.guard else None,
            planned_limit=get_settings().dry_run_change_limit, read_seconds=read_seconds,
        ) or []
        before = last_event_id(session)
        insert_outbox_rows(session, prepared)
        follow_renamed_columns(session, events, ids)  # a renamed column keeps its pending requests
        # The requests the column events raise belong to the job: written after those events, before it closes.
        requests = raise_owner_requests(session, task.job_id, before) if events and _requests_enabled() else []
        write_events(session, task.connection_key, [e for e, _ in requests] + finished, job_id=task.job_id,
                     object_ids=ids | {e.path: table_id for e, table_id in requests})
        if events or finished:
            enqueue(session, RELAY_EVENTS)  # publish on commit rather than at the next beat sweep
    return status, bool(finished)


def _tell_missing_tables(session: Session, task: Subtask, filters: ConnectionFilters, snapshot: SchemaSnapshot,
                         stored: Mapping[str, StoredTable]) -> None:
    """A table crawl of a table neither the platform nor the catalog holds reads nothing: the job says why."""
    missing = sorted(t for t in task.tables or () if filters.tables.keeps(t) and t not in stored
                     and all(r.name != t for r in snapshot.tables))
    if missing:
        where = f"{task.database}/{task.schema}"
        set_nothing_crawled(session, task.job_id, NothingCrawled(
            NOT_FOUND, f"table {missing[0]!r} is neither on the platform in {where!r} (or these credentials cannot "
                       "see it) nor in the catalog").as_dict())


def _requests_enabled() -> bool:
    return get_settings().owner_requests_enabled


def _read_in_scope(task: Subtask, filters: ConnectionFilters,
                   known: Mapping[str, str]) -> tuple[SchemaSnapshot, float | None]:
    """The schema's tables the filters keep, and how long the remote read took (None: nothing was read, as for a
    manual crawl of filtered-out tables only). Waiting for a read slot is not counted.

    `known`: the change tokens stored per table; the columns of a table whose token has not moved are not read.
    """
    wanted = task.tables
    if wanted is not None:
        wanted = frozenset(t for t in wanted if filters.tables.keeps(t))
        if not wanted:
            return SchemaSnapshot(task.database, task.schema, ()), None
    with read_slot(task.connection_id):
        started = time.monotonic()
        with open_connector(task.connection_id) as connector:
            if wanted is None:
                snapshot = connector.read_schema_changes(task.database, task.schema, known,
                                                         task.table_range)
            else:
                snapshot = connector.read_schema(task.database, task.schema, wanted)
        return filters.snapshot(snapshot), time.monotonic() - started


def _settle_tokens(task: Subtask, filters: ConnectionFilters, snapshot: SchemaSnapshot,
                   stored: Mapping[str, StoredTable]) -> SchemaSnapshot:
    """Read the columns of unread tables whose stored token changed since the tokens were loaded (a concurrent
    crawl, a catalog edited by hand); rare, so it is done under the schema lock."""
    stale = {t.name for t in snapshot.tables if t.columns_unread
             and (t.name not in stored or stored[t.name].change_token != t.change_token)}
    if not stale:
        return snapshot
    with open_connector(task.connection_id) as connector:
        fresh = {t.name: t for t in connector.read_schema(task.database, task.schema, stale).tables}
    tables = tuple(fresh.get(t.name, t) if t.name in stale else t for t in snapshot.tables)
    return replace(snapshot, tables=tuple(t for t in tables if not (t.name in stale and t.columns_unread)))


def fail_subtask(subtask_id: int, error: BaseException) -> bool:
    """Record a subtask that could not read its schema: nothing is changed, the job learns why.

    Returns whether this closed the job.
    """
    message = error.message if isinstance(error, ConnectorError) else f"{type(error).__name__}: {error}"
    with session_scope() as session:
        task = load_subtask(session, subtask_id)
        if task is None:
            return False
        log.warning("schema %s/%s of %s failed: %s", task.database, task.schema, task.connection_key, message)
        share_connection(session, task.connection_id)  # the lock order: see catalog/locks.py
        finished = complete_subtask(session, subtask_id, SubtaskStatus.FAILED, error=message) or []
        write_events(session, task.connection_key, finished, job_id=task.job_id)
    return bool(finished)
