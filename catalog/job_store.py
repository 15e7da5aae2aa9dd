"""Crawl jobs and their schema subtasks: loading them, their status transitions, and the subtask count in
PostgreSQL by which the last subtask to finish closes the job."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from psycopg import Cursor
from sqlalchemy.orm import Session

from catalog.session import raw_cursor
from domain import change_types as ev
from domain.change_types import PlannedEvent
from domain.jobs import OPEN_STATUSES, TERMINAL_STATUSES, JobStatus, SubtaskStatus, final_job_status
from domain.json_text import dumps
from domain.schema_batches import Batch, TableRange
from models import Job

SUBTASK_COUNTERS = {SubtaskStatus.SUCCEEDED: "subtasks_succeeded", SubtaskStatus.HELD: "subtasks_held",
                    SubtaskStatus.FAILED: "subtasks_failed"}


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
    filters: dict[str, Any] | None = None  # the connection's options.filters, as stored
    full_read: bool = False  # read every column, whatever the change tokens say


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
    filters: dict[str, Any] | None = None  # the connection's options.filters, as stored
    full_read: bool = False  # read every column, whatever the change tokens say
    batch: Batch | None = None  # one name-range batch of a large schema

    @property
    def table_range(self) -> TableRange | None:
        """The names of the batch's tables (None: the whole schema)."""
        return self.batch.range if self.batch else None


def lock_job(session: Session, job_id: int) -> Job | None:
    """The job row, locked until the transaction ends."""
    return session.get(Job, job_id, with_for_update=True)


def load_crawl_job(session: Session, job_id: int) -> CrawlJob | None:
    """The job with its connection, the job row locked until the transaction ends."""
    cur = raw_cursor(session)
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
                    bool(options.get("dryRun")), bool(options.get("allowMassDeletion")), row[6], row[7], row[8],
                    bool(options.get("fullRead")))


def make_full_read_if_due(session: Session, job: CrawlJob, every: int) -> bool:
    """Whether the job reads every column: asked for, or `every` jobs of its connection since the last full read
    (0: only when asked). A job found due is marked so, which restarts the count."""
    if job.full_read:
        return True
    if every <= 0:
        return False
    cur = raw_cursor(session)
    cur.execute(
        """SELECT count(*) FROM jobs
           WHERE connection_id = %(connection)s AND id < %(job)s
             AND id > coalesce((SELECT max(id) FROM jobs WHERE connection_id = %(connection)s AND id < %(job)s
                                AND (options ->> 'fullRead')::boolean), 0)""",
        {"connection": job.connection_id, "job": job.id},
    )
    if _one(cur)[0] < every - 1:
        return False
    cur.execute("""UPDATE jobs SET options = options || '{"fullRead": true}'::jsonb WHERE id = %s""", (job.id,))
    return True


def job_is_open(session: Session, job_id: int) -> bool:
    """Whether the job is still queued or running, its row locked until the transaction ends."""
    cur = raw_cursor(session)
    cur.execute("SELECT status FROM jobs WHERE id = %s FOR UPDATE", (job_id,))
    row = cur.fetchone()
    return row is not None and row[0] in OPEN_STATUSES


def start_job(session: Session, job_id: int) -> None:
    raw_cursor(session).execute(
        "UPDATE jobs SET status = %s, started_at = coalesce(started_at, clock_timestamp()) WHERE id = %s",
        (JobStatus.RUNNING, job_id))


def requeue_job(session: Session, job_id: int) -> None:
    """A running job goes back to queued (its planning will be retried)."""
    raw_cursor(session).execute("UPDATE jobs SET status = %s WHERE id = %s AND status = %s",
                                (JobStatus.QUEUED, job_id, JobStatus.RUNNING))


def set_job_summary(session: Session, job_id: int, summary: dict[str, int]) -> None:
    raw_cursor(session).execute("UPDATE jobs SET summary = %s WHERE id = %s", (json.dumps(summary), job_id))


def set_planned_changes(session: Session, job_id: int, planned: list[dict[str, Any]]) -> None:
    """What a dry run would have changed."""
    raw_cursor(session).execute("UPDATE jobs SET planned_changes = %s WHERE id = %s",
                                (_planned_json(planned), job_id))


def create_subtasks(session: Session, job_id: int, schemas: list[tuple[str, str]],
                    tables: list[str] | None = None, batches: Mapping[tuple[str, str], list[Batch]] | None = None,
                    ) -> list[int]:
    """One pending subtask per (database, schema), or per batch of the schemas in `batches` (`tables`: a manual
    crawl of those only); fixes the job's subtask total. Returns the pending subtask ids."""
    rows: list[tuple[str, str, int, str | None]] = []
    for database, schema in schemas:
        split: list[Batch | None] = [*(batches or {}).get((database, schema), ())] or [None]
        rows.extend((database, schema, number, json.dumps(b.as_dict()) if b else None)
                    for number, b in enumerate(split))
    cur = raw_cursor(session)
    cur.execute(
        """INSERT INTO job_subtasks (job_id, database, schema, batch, batch_range, tables, status, summary)
           SELECT %s, d, s, b, r, %s::text[], %s, '{}'::jsonb
           FROM unnest(%s::text[], %s::text[], %s::int[], %s::jsonb[]) AS t(d, s, b, r)
           ON CONFLICT (job_id, database, schema, batch) DO NOTHING""",
        (job_id, tables, SubtaskStatus.PENDING, [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows],
         [r[3] for r in rows]),
    )
    cur.execute("UPDATE jobs SET subtasks_total = (SELECT count(*) FROM job_subtasks WHERE job_id = %s) WHERE id = %s",
                (job_id, job_id))
    return pending_subtask_ids(session, job_id)


def in_flight_partition(session: Session, connection_id: int, database: str, schema: str) -> list[TableRange]:
    """The name ranges of the newest open job with a batch of this schema still pending (none: an empty list).

    Batches lock their own range (catalog/locks.py), so every job in flight for a schema must split it alike:
    planning (under the connection's lock) reuses this partition rather than one whose ranges could overlap.
    """
    cur = raw_cursor(session)
    cur.execute(
        """SELECT s.batch_range FROM job_subtasks s
           WHERE s.job_id = (SELECT max(p.job_id) FROM job_subtasks p JOIN jobs j ON j.id = p.job_id
                             WHERE j.connection_id = %(connection)s AND j.status = ANY(%(open)s)
                               AND p.database = %(database)s
                               AND p.schema = %(schema)s AND p.status = %(pending)s AND p.batch_range IS NOT NULL)
             AND s.database = %(database)s AND s.schema = %(schema)s
           ORDER BY s.batch""",
        {"connection": connection_id, "database": database, "schema": schema, "pending": SubtaskStatus.PENDING,
         "open": list(OPEN_STATUSES)},
    )
    return [Batch.from_dict(row[0]).range for row in cur.fetchall() if row[0]]


def pending_subtask_ids(session: Session, job_id: int) -> list[int]:
    cur = raw_cursor(session)
    cur.execute("SELECT id FROM job_subtasks WHERE job_id = %s AND status = %s ORDER BY id",
                (job_id, SubtaskStatus.PENDING))
    return [r[0] for r in cur.fetchall()]


def load_subtask(session: Session, subtask_id: int) -> Subtask | None:
    cur = raw_cursor(session)
    cur.execute(
        """SELECT s.id, s.job_id, s.status, s.database, s.schema, s.tables, c.id, c.key, j.options,
                  c.options -> 'filters', s.batch_range
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
                   bool(options.get("allowMassDeletion")), row[9], bool(options.get("fullRead")),
                   Batch.from_dict(row[10]) if row[10] else None)


def lock_subtask_status(session: Session, subtask_id: int) -> str:
    """The subtask's status, its row locked until the transaction ends."""
    cur = raw_cursor(session)
    cur.execute("SELECT status FROM job_subtasks WHERE id = %s FOR UPDATE", (subtask_id,))
    row = cur.fetchone()
    if row is None:
        raise LookupError(f"no subtask {subtask_id}")
    return str(row[0])


def add_job_error(session: Session, job_id: int, scope: str, message: str) -> None:
    _add_job_error(raw_cursor(session), job_id, scope, message)


def _add_job_error(cur: Cursor[Any], job_id: int, scope: str, message: str) -> None:
    cur.execute("UPDATE jobs SET errors = errors || %s::jsonb WHERE id = %s",
                (json.dumps([{"scope": scope, "message": message}]), job_id))


def complete_subtask(
    session: Session,
    subtask_id: int,
    status: SubtaskStatus,
    *,
    summary: dict[str, int] | None = None,
    error: str | None = None,
    planned: list[dict[str, Any]] | None = None,
    planned_limit: int = 1000,
    read_seconds: float | None = None,
) -> list[PlannedEvent] | None:
    """Record a subtask's outcome once (with how long its remote read took, if it read); returns the
    job.finished event if it was the last, None if already done."""
    cur = raw_cursor(session)
    cur.execute(
        """UPDATE job_subtasks SET status = %s, error = %s, summary = %s, read_seconds = %s,
                  finished_at = clock_timestamp()
           WHERE id = %s AND status = %s RETURNING job_id, database, schema""",
        (status, error, json.dumps(summary or {}), read_seconds, subtask_id, SubtaskStatus.PENDING),
    )
    row = cur.fetchone()
    if row is None:
        return None
    job_id, database, schema = row
    cur.execute("SELECT summary, planned_changes FROM jobs WHERE id = %s FOR UPDATE", (job_id,))
    job_summary, job_planned = _one(cur)
    merged = Counter(job_summary) + Counter(summary or {})
    if planned:
        job_planned = (job_planned + planned)[:planned_limit]
    counter = SUBTASK_COUNTERS[status]
    cur.execute(
        f"UPDATE jobs SET {counter} = {counter} + 1, summary = %s, planned_changes = %s WHERE id = %s",
        (json.dumps(dict(merged)), _planned_json(job_planned), job_id),
    )
    if error:
        _add_job_error(cur, job_id, f"{database}/{schema}", error)
    return close_job_if_done(session, job_id)


def close_job_if_done(session: Session, job_id: int) -> list[PlannedEvent]:
    """Close the job when every subtask has finished; returns the job.finished event (or nothing)."""
    cur = raw_cursor(session)
    cur.execute(
        """SELECT bulk_id, scope_path, subtasks_total, subtasks_succeeded, subtasks_held, subtasks_failed,
                  jsonb_array_length(errors), status, connection_id, summary, options, nothing_crawled
           FROM jobs WHERE id = %s FOR UPDATE""",
        (job_id,),
    )
    bulk_id, scope, total, succeeded, held, failed, errors, status, connection_id, summary, options, nothing = \
        _one(cur)
    if status in TERMINAL_STATUSES or total is None or succeeded + held + failed < total:
        return []
    final = final_job_status(succeeded=succeeded, held=held, failed=failed, errors=errors)
    cur.execute("UPDATE jobs SET status = %s, finished_at = clock_timestamp() WHERE id = %s", (final, job_id))
    if not options.get("dryRun") and connection_id is not None:
        cur.execute("UPDATE connections SET last_sync_at = clock_timestamp() WHERE id = %s", (connection_id,))
    return [ev.planned(ev.JOB_FINISHED, tuple(scope), 0, {
        "bulkId": str(bulk_id), "jobKind": "crawl", "status": final,
        "subtasks": {"total": total, "succeeded": succeeded, "held": held, "failed": failed},
        "summary": summary, "dryRun": bool(options.get("dryRun")), "nothingCrawled": nothing,
    }, str(bulk_id))]


def set_nothing_crawled(session: Session, job_id: int, why: dict[str, Any]) -> None:
    """Record why the job reads nothing ({reason, message}); the first reason found stays."""
    raw_cursor(session).execute(
        "UPDATE jobs SET nothing_crawled = coalesce(nothing_crawled, %s::jsonb) WHERE id = %s",
        (json.dumps(why), job_id))


def fail_job(session: Session, job_id: int, scope: str, message: str) -> list[PlannedEvent]:
    """A crawl that could not even list its scope, or whose planning gave up: the job fails with the reason, and
    subtasks a late message may still bring find themselves failed too (they never run on a closed job)."""
    cur = raw_cursor(session)
    _add_job_error(cur, job_id, scope, message)
    cur.execute("""UPDATE job_subtasks SET status = %s, error = %s, finished_at = clock_timestamp()
                   WHERE job_id = %s AND status = %s""", (SubtaskStatus.FAILED, message, job_id, SubtaskStatus.PENDING))
    cur.execute("""UPDATE jobs SET subtasks_total = 0, status = %s, finished_at = clock_timestamp()
                   WHERE id = %s RETURNING bulk_id, scope_path""", (JobStatus.FAILED, job_id))
    bulk_id, path = _one(cur)
    return [ev.planned(ev.JOB_FINISHED, tuple(path), 0, {"bulkId": str(bulk_id), "jobKind": "crawl",
                                                         "status": JobStatus.FAILED, "error": message},
                       str(bulk_id))]


def cancel_open_jobs(session: Session, connection_id: int, message: str) -> dict[int, list[PlannedEvent]]:
    """Fail the connection's queued and running jobs and their pending subtasks (a redelivered task then finds
    nothing to do); returns each cancelled job's job.finished event by job id."""
    cur = raw_cursor(session)
    cur.execute(
        """UPDATE job_subtasks s SET status = %s, error = %s, finished_at = clock_timestamp()
           FROM jobs j WHERE s.job_id = j.id AND j.connection_id = %s AND j.status = ANY(%s) AND s.status = %s""",
        (SubtaskStatus.FAILED, message, connection_id, list(OPEN_STATUSES), SubtaskStatus.PENDING),
    )
    cur.execute(
        """UPDATE jobs SET status = %s, finished_at = clock_timestamp(), errors = errors || %s::jsonb
           WHERE connection_id = %s AND status = ANY(%s) RETURNING id, bulk_id, scope_path""",
        (JobStatus.FAILED, json.dumps([{"scope": "", "message": message}]), connection_id, list(OPEN_STATUSES)),
    )
    return {job_id: [ev.planned(ev.JOB_FINISHED, tuple(path), 0, {
        "bulkId": str(bulk_id), "jobKind": "crawl", "status": JobStatus.FAILED, "error": message}, str(bulk_id))]
        for job_id, bulk_id, path in cur.fetchall()}


def _planned_json(planned: list[dict[str, Any]]) -> str:
    """Planned events as JSON, their payloads' serialized parts (a new table's dictionary) included."""
    return dumps(planned).decode()


def _one(cur: Cursor[Any]) -> tuple[Any, ...]:
    row = cur.fetchone()
    if row is None:
        raise LookupError("the job row is gone")
    return tuple(row)
