"""The first step of a crawl: list databases and schemas, reconcile them, and plan one subtask per schema."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from catalog.job_store import (
    CrawlJob,
    add_job_error,
    close_job_if_done,
    create_subtasks,
    fail_job,
    in_flight_partition,
    job_is_open,
    load_crawl_job,
    make_full_read_if_due,
    pending_subtask_ids,
    requeue_job,
    set_job_summary,
    set_nothing_crawled,
    set_planned_changes,
    start_job,
)
from catalog.locks import lock_connection, share_connection
from catalog.object_store import (
    apply_hierarchy_changes,
    load_connection_root,
    load_containers,
    load_tables,
    path_statuses,
)
from catalog.outbox import write_events
from catalog.session import Session, session_scope
from catalog.status_propagation import data_source_events, refresh_effective_status
from connectors import Connector, ConnectorError
from domain.hierarchy_diff import HierarchyChanges, diff_hierarchy
from domain.jobs import OPEN_STATUSES, TERMINAL_STATUSES, summarize
from domain.name_filters import ConnectionFilters, InvalidNameFilter, parse_filters
from domain.nothing_crawled import NothingCrawled, path_disabled, path_filtered, why_nothing_crawled
from domain.paths import ObjectKind, format_path
from domain.schema_batches import Batch, plan_batches
from domain.snapshot import RemoteHierarchy
from domain.status import ENABLED, RemoteState
from domain.stored_state import HierarchyScope, StoredContainer
from services.crawl.connector_pool import open_connector, read_slot
from services.crawl.guard import mass_deletion_guard
from settings import get_settings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CrawlPlan:
    """A planned job's pending subtasks, and whether the job crawls tables of one schema only."""

    subtasks: list[int]
    tables_only: bool = False

    @property
    def inline_subtask(self) -> int | None:
        """The subtask the planning task may run itself: a crawl of named tables is one small read, for which
        a second task message would cost more than the read."""
        return self.subtasks[0] if self.tables_only and len(self.subtasks) == 1 else None


def plan_crawl(job_id: int) -> list[int]:
    """Reconcile the hierarchy in scope and create the schema subtasks; returns subtask ids to enqueue."""
    return plan_job(job_id).subtasks


def plan_job(job_id: int) -> CrawlPlan:
    """Reconcile the hierarchy in scope and create the schema subtasks; returns the pending ones.

    Safe to run twice for one job (at-least-once delivery): a second run returns the pending subtasks again.
    A transient platform error puts the job back in the queue and propagates (for the task to retry);
    any other platform error fails the job with the reason.
    """
    with session_scope() as session:
        job = load_crawl_job(session, job_id)
        if job is None or job.status in TERMINAL_STATUSES:
            return CrawlPlan([])
        if job.planned:
            return CrawlPlan(pending_subtask_ids(session, job_id), len(job.scope) > 3)
        start_job(session, job_id)

    try:
        filters = parse_filters(job.filters)
    except InvalidNameFilter as exc:
        _fail(job, f"the connection's filters are invalid: {exc}")
        return CrawlPlan([])
    try:
        with read_slot(job.connection_id), open_connector(job.connection_id) as connector:
            listing = connector.list_hierarchy()
            remote = filters.hierarchy(listing)
            excluded_schemas = frozenset(connector.system_schemas)
            excluded_databases = frozenset(connector.system_databases) | frozenset(get_settings().internal_databases)
            listed = _table_names(connector, job, remote, filters)
    except ConnectorError as exc:
        if exc.transient:
            with session_scope() as session:
                requeue_job(session, job_id)
            raise
        _fail(job, f"listing databases and schemas failed: {exc.message}")
        return CrawlPlan([])

    with session_scope() as session:
        share_connection(session, job.connection_id)
        lock_connection(session, job.connection_id)
        if not job_is_open(session, job.id):  # cancelled meanwhile (the connection was deregistered)
            return CrawlPlan([])
        # Both sides are filtered before the diff: an object outside the connection's filters is out of scope,
        # neither created nor marked deleted remotely (nor counted by the mass-deletion guard).
        stored = filters.containers(load_containers(session, job.connection_id))
        connection = load_connection_root(session, job.connection_id, job.connection_key)
        settings = get_settings()
        scope = HierarchyScope(
            connection=connection,
            database=job.scope[1] if len(job.scope) > 1 else None,
            schema=job.scope[2] if len(job.scope) > 2 else None,
            excluded_databases=excluded_databases, excluded_schemas=excluded_schemas,
            guard=mass_deletion_guard(job.allow_mass_deletion, job.id),
        )
        make_full_read_if_due(session, job, settings.full_read_every)
        changes = diff_hierarchy(stored, remote, scope)
        events = list(changes.events)
        ids: dict[tuple[str, ...], int] = {connection.path: connection.id}
        for database, error in remote.failed_databases.items():
            add_job_error(session, job.id, database, f"listing schemas failed: {error}")
        if changes.guard:
            add_job_error(session, job.id, format_path(job.scope), changes.guard.message)
        if not job.dry_run:
            ids |= apply_hierarchy_changes(session, changes, connection_id=job.connection_id, stored=stored)
            touched = [u.id for u in changes.updates]
            if touched:
                flips = refresh_effective_status(session, touched)
                ids.update({f.path: f.id for f in flips})
                events += data_source_events(flips, f"hierarchy:{job.id}")
        else:
            planned = [e.as_dict() for e in changes.events][:settings.dry_run_change_limit]
            set_planned_changes(session, job.id, planned)
        set_job_summary(session, job.id, summarize(events, schemas_not_visible=changes.schemas_not_visible,
                                                   databases_not_visible=changes.databases_not_visible))
        tables = [job.scope[3]] if len(job.scope) > 3 else None
        wanted = _schemas_to_crawl(job, remote, stored, changes)
        why = _why_nothing_crawled(session, job, filters, listing, remote, wanted)
        if why is not None:
            set_nothing_crawled(session, job.id, why.as_dict())
        batches = _batches(session, job, wanted, listed, ids, filters, settings.schema_batch_tables,
                           settings.schema_batch_parallelism)
        subtasks = create_subtasks(session, job.id, wanted, tables, batches)
        if job.dry_run:  # planned only: emitting them would also swallow the real events (same stable ids)
            events = []
        events += close_job_if_done(session, job.id)
        write_events(session, job.connection_key, events, job_id=job.id, object_ids=ids)
    return CrawlPlan(subtasks, tables is not None)


def _schemas_to_crawl(job: CrawlJob, remote: RemoteHierarchy, stored: dict[tuple[str, ...], StoredContainer],
                      changes: HierarchyChanges) -> list[tuple[str, str]]:
    """Schemas present remotely, in the job's scope, and enabled (or all, when disabled ones are included)."""
    known = {p: c.effective_status for p, c in stored.items()
             if c.kind == ObjectKind.SCHEMA and c.remote_state == RemoteState.PRESENT}
    known.update({u.path: u.values["effective_status"] for u in changes.updates if "effective_status" in u.values})
    known.update({c.path: c.effective_status for c in changes.new_containers if c.kind == ObjectKind.SCHEMA})
    for update in changes.updates:
        if update.values.get("remote_state") == RemoteState.DELETED:
            known.pop(update.path, None)
    wanted = []
    for database, schemas in remote.databases.items():
        for schema in schemas:
            path = (job.connection_key, database, schema)
            if path not in known or path[: len(job.scope)] != job.scope[:3]:
                continue
            if known[path] == ENABLED or job.include_disabled:
                wanted.append((database, schema))
    return sorted(wanted)


def _why_nothing_crawled(session: Session, job: CrawlJob, filters: ConnectionFilters, listing: RemoteHierarchy,
                         remote: RemoteHierarchy, wanted: list[tuple[str, str]]) -> NothingCrawled | None:
    """Why the job will read nothing: no schema to crawl, or a table path that is filtered out or disabled.
    (A table missing on the platform is told by its subtask.) None when something is read, or when a database's
    listing failed (the job's errors say so)."""
    if remote.failed_databases or (wanted and len(job.scope) < 4):
        return None
    statuses = path_statuses(session, job.scope)
    if wanted:
        return path_filtered(job.scope, filters) or (None if job.include_disabled else path_disabled(job.scope,
                                                                                                   statuses))
    in_scope = sum(1 for database, schemas in remote.databases.items() for schema in schemas
                   if (job.connection_key, database, schema)[: len(job.scope)] == job.scope[:3])
    return why_nothing_crawled(job.scope, filters, listing, statuses, include_disabled=job.include_disabled,
                               schemas_on_platform=in_scope)


def _table_names(connector: Connector, job: CrawlJob, remote: RemoteHierarchy,
                 filters: ConnectionFilters) -> dict[tuple[str, str], list[str]]:
    """The tables each schema in the job's scope lists now, where the platform lists them cheaply (to split a
    large schema into batches); one listing per database. The schemas of a database whose listing fails, and
    any schema it leaves out, are read as one."""
    if len(job.scope) > 3:
        return {}
    names: dict[tuple[str, str], list[str]] = {}
    for database, schemas in remote.databases.items():
        in_scope = [s for s in schemas if (job.connection_key, database, s)[: len(job.scope)] == job.scope]
        if not in_scope:
            continue
        try:
            listed = connector.list_table_names(database, in_scope)
        except ConnectorError:
            continue
        if listed is None:
            return {}
        names |= {(database, schema): [n for n in tables if filters.tables.keeps(n)]
                  for schema, tables in listed.items() if schema in in_scope}
    return names


def _batches(session: Session, job: CrawlJob, schemas: list[tuple[str, str]],
             listed: dict[tuple[str, str], list[str]], ids: dict[tuple[str, ...], int], filters: ConnectionFilters,
             tables_per_batch: int, parallelism: int) -> dict[tuple[str, str], list[Batch]]:
    """Name-range batches for the schemas that list more tables than a batch holds."""
    batches = {}
    for database, schema in schemas:
        names = listed.get((database, schema), ())
        if len(names) <= tables_per_batch:
            continue
        schema_id = ids.get((job.connection_key, database, schema))
        stored = filters.stored_tables(load_tables(session, schema_id)) if schema_id is not None else {}
        in_flight = in_flight_partition(session, job.connection_id, database, schema)
        batches[(database, schema)] = plan_batches(names, stored, tables_per_batch, parallelism=parallelism,
                                                   include_disabled=job.include_disabled, in_flight=in_flight)
    return batches


def _fail(job: CrawlJob, message: str) -> None:
    log.warning("crawl %s of %s failed: %s", job.id, job.connection_key, message)
    with session_scope() as session:
        if job.connection_id is not None:
            share_connection(session, job.connection_id)  # the lock order: see catalog/locks.py
        if not job_is_open(session, job.id):
            return
        write_events(session, job.connection_key, fail_job(session, job.id, format_path(job.scope), message),
                     job_id=job.id)


def fail_crawl(job_id: int, message: str) -> None:
    """Give up on a job whose planning kept failing (retries exhausted or an unexpected error)."""
    with session_scope() as session:
        job = load_crawl_job(session, job_id)
    if job is not None and job.status in OPEN_STATUSES:
        _fail(job, message)
