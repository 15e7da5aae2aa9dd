"""The first step of a crawl: list databases and schemas, reconcile them, and plan one subtask per schema."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from psycopg import Cursor

from catalog.job_store import add_job_error, close_job_if_done, fail_job, summarize
from catalog.object_store import apply_hierarchy_changes, load_containers
from catalog.outbox import write_events
from catalog.session import raw_cursor, session_scope
from catalog.status_propagation import data_source_events, refresh_effective_status
from connectors import ConnectorError
from domain.hierarchy_diff import HierarchyChanges, diff_hierarchy
from domain.name_filters import InvalidFilter, parse_filters
from domain.snapshot import RemoteHierarchy
from domain.status import ENABLED
from domain.stored_state import HierarchyScope, StoredContainer
from services.crawl.connector_pool import open_connector
from settings import get_settings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CrawlJob:
    id: int
    connection_id: int
    connection_key: str
    technology: str
    scope: tuple[str, ...]
    include_disabled: bool
    dry_run: bool
    allow_mass_deletion: bool
    status: str
    planned: bool  # subtasks already created (a redelivered message only re-enqueues them)
    filters: dict | None = None  # the connection's options.filters, as stored


def lock_key(*parts: object) -> str:
    return "\x1f".join(str(p) for p in parts)


def load_job(cur: Cursor, job_id: int) -> CrawlJob | None:
    cur.execute(
        """SELECT j.id, c.id, c.key, c.technology, j.scope_path, j.options, j.status, j.subtasks_total IS NOT NULL,
                  c.options -> 'filters'
           FROM jobs j JOIN connections c ON c.id = j.connection_id WHERE j.id = %s FOR UPDATE OF j""",
        (job_id,),
    )
    row = cur.fetchone()
    if row is None:
        return None
    options = row[5]
    return CrawlJob(row[0], row[1], row[2], row[3], tuple(row[4]), bool(options.get("includeDisabled")),
                    bool(options.get("dryRun")), bool(options.get("allowMassDeletion")), row[6], row[7], row[8])


def plan_crawl(job_id: int) -> list[int]:
    """Reconcile the hierarchy in scope and create the schema subtasks; returns subtask ids to enqueue.

    Safe to run twice for one job (at-least-once delivery): a second run re-enqueues pending subtasks.
    """
    with session_scope() as session:
        cur = raw_cursor(session)
        job = load_job(cur, job_id)
        if job is None or job.status in ("succeeded", "partial", "failed"):
            return []
        if job.planned:
            cur.execute("SELECT id FROM job_subtasks WHERE job_id = %s AND status = 'pending' ORDER BY id", (job_id,))
            return [r[0] for r in cur.fetchall()]
        cur.execute("UPDATE jobs SET status = 'running', started_at = coalesce(started_at, now()) WHERE id = %s",
                    (job_id,))

    try:
        filters = parse_filters(job.filters)
    except InvalidFilter as exc:
        _fail(job, f"the connection's filters are invalid: {exc}")
        return []
    try:
        with open_connector(job.connection_id) as connector:
            remote = filters.hierarchy(connector.list_hierarchy())
            excluded_schemas = frozenset(connector.system_schemas)
            excluded_databases = frozenset(connector.system_databases) | frozenset(get_settings().internal_databases)
    except ConnectorError as exc:
        if exc.transient:
            _back_to_queued(job_id)
            raise
        _fail(job, f"listing databases and schemas failed: {exc.message}")
        return []

    with session_scope() as session:
        cur = raw_cursor(session)
        cur.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (lock_key("connection",
                                                                                       job.connection_id),))
        # Both sides are filtered before the diff: an object outside the connection's filters is out of scope,
        # neither created nor marked deleted remotely (nor counted by the mass-deletion guard).
        stored = filters.containers(load_containers(cur, job.connection_id))
        connection = _root(cur, job)
        scope = HierarchyScope(
            connection=connection,
            database=job.scope[1] if len(job.scope) > 1 else None,
            schema=job.scope[2] if len(job.scope) > 2 else None,
            excluded_databases=excluded_databases, excluded_schemas=excluded_schemas,
            mass_deletion_threshold=get_settings().mass_deletion_threshold,
            allow_mass_deletion=job.allow_mass_deletion,
        )
        changes = diff_hierarchy(stored, remote, scope)
        events = list(changes.events)
        ids: dict[tuple[str, ...], int] = {connection.path: connection.id}
        for database, error in remote.failed_databases.items():
            add_job_error(cur, job.id, database, f"listing schemas failed: {error}")
        if changes.guard:
            add_job_error(cur, job.id, "/".join(job.scope), changes.guard.message)
        if not job.dry_run:
            ids |= apply_hierarchy_changes(cur, changes, connection_id=job.connection_id, stored=stored)
            touched = [u.id for u in changes.updates]
            if touched:
                flips = refresh_effective_status(cur, touched)
                ids.update({f.path: f.id for f in flips})
                events += data_source_events(flips, f"hierarchy:{job.id}")
        else:
            _record_planned(cur, job.id, changes)
        summary = summarize(events, schemas_not_visible=changes.schemas_not_visible,
                            databases_not_visible=changes.databases_not_visible)
        cur.execute("UPDATE jobs SET summary = %s WHERE id = %s", (json.dumps(summary), job.id))
        subtasks = _create_subtasks(cur, job, _schemas_to_crawl(job, remote, stored, changes))
        if job.dry_run:  # planned only: emitting them would also swallow the real events (same stable ids)
            events = []
        events += close_job_if_done(cur, job.id)
        write_events(cur, job.connection_key, events, job_id=job.id, object_ids=ids)
    return subtasks


def _root(cur: Cursor, job: CrawlJob) -> StoredContainer:
    cur.execute(
        """SELECT id, status_setting, effective_status, activate_new_children, revision
           FROM data_objects WHERE connection_id = %s AND kind = 'connection'""",
        (job.connection_id,),
    )
    id_, setting, status, activate, revision = cur.fetchone()
    return StoredContainer(id_, "connection", (job.connection_key,), setting, status, activate, "present", revision)


def _schemas_to_crawl(job: CrawlJob, remote: RemoteHierarchy, stored: dict[tuple[str, ...], StoredContainer],
                      changes: HierarchyChanges) -> list[tuple[str, str, list[str] | None]]:
    """Schemas present remotely, in the job's scope, and enabled (or all, when disabled ones are included)."""
    known = {p: c.effective_status for p, c in stored.items() if c.kind == "schema" and c.remote_state == "present"}
    known.update({u.path: u.values["effective_status"] for u in changes.updates if "effective_status" in u.values})
    known.update({c.path: c.effective_status for c in changes.new_containers if c.kind == "schema"})
    for update in changes.updates:
        if update.values.get("remote_state") == "deleted":
            known.pop(update.path, None)
    tables = [job.scope[3]] if len(job.scope) > 3 else None
    wanted = []
    for database, schemas in remote.databases.items():
        for schema in schemas:
            path = (job.connection_key, database, schema)
            if path not in known or path[: len(job.scope)] != job.scope[:3]:
                continue
            if known[path] == ENABLED or job.include_disabled:
                wanted.append((database, schema, tables))
    return sorted(wanted)


def _create_subtasks(cur: Cursor, job: CrawlJob, schemas: list[tuple[str, str, list[str] | None]]) -> list[int]:
    cur.execute(
        """INSERT INTO job_subtasks (job_id, database, schema, tables, status, summary)
           SELECT %s, d, s, CASE WHEN %s THEN ARRAY[%s]::text[] END, 'pending', '{}'::jsonb
           FROM unnest(%s::text[], %s::text[]) AS t(d, s)
           ON CONFLICT (job_id, database, schema) DO NOTHING""",
        (job.id, len(job.scope) > 3, job.scope[3] if len(job.scope) > 3 else None,
         [s[0] for s in schemas], [s[1] for s in schemas]),
    )
    cur.execute("SELECT count(*) FROM job_subtasks WHERE job_id = %s", (job.id,))
    total = cur.fetchone()[0]
    cur.execute("UPDATE jobs SET subtasks_total = %s WHERE id = %s", (total, job.id))
    cur.execute("SELECT id FROM job_subtasks WHERE job_id = %s AND status = 'pending' ORDER BY id", (job.id,))
    return [r[0] for r in cur.fetchall()]


def _record_planned(cur: Cursor, job_id: int, changes: HierarchyChanges) -> None:
    limit = get_settings().dry_run_change_limit
    planned = [e.as_dict() for e in changes.events][:limit]
    cur.execute("UPDATE jobs SET planned_changes = %s WHERE id = %s", (json.dumps(planned), job_id))


def _back_to_queued(job_id: int) -> None:
    with session_scope() as session:
        raw_cursor(session).execute("UPDATE jobs SET status = 'queued' WHERE id = %s AND status = 'running'", (job_id,))


def _fail(job: CrawlJob, message: str) -> None:
    log.warning("crawl %s of %s failed: %s", job.id, job.connection_key, message)
    with session_scope() as session:
        cur = raw_cursor(session)
        write_events(cur, job.connection_key, fail_job(cur, job.id, "/".join(job.scope), message), job_id=job.id)


def fail_crawl(job_id: int, message: str) -> None:
    """Give up on a job whose planning kept failing (retries exhausted or an unexpected error)."""
    with session_scope() as session:
        job = load_job(raw_cursor(session), job_id)
    if job is not None and job.status in ("queued", "running"):
        _fail(job, message)
