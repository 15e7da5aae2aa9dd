"""Counting subtasks in PostgreSQL; the last subtask to finish closes the job."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from psycopg import Cursor

from domain import change_types as ev
from domain.change_types import PlannedEvent

SUBTASK_COUNTERS = {"succeeded": "subtasks_succeeded", "held": "subtasks_held", "failed": "subtasks_failed"}


#: Summary keys: stored tables, schemas and databases a privilege-filtered listing did not show and that were left
#: as they are (not proven dropped).
TABLES_NOT_VISIBLE = "tablesNotVisible"
SCHEMAS_NOT_VISIBLE = "schemasNotVisible"
DATABASES_NOT_VISIBLE = "databasesNotVisible"


def summarize(events: list[PlannedEvent], *, tables_not_visible: int = 0, schemas_not_visible: int = 0,
              databases_not_visible: int = 0) -> dict[str, int]:
    summary = dict(Counter(e.type for e in events))
    for key, count in ((TABLES_NOT_VISIBLE, tables_not_visible), (SCHEMAS_NOT_VISIBLE, schemas_not_visible),
                       (DATABASES_NOT_VISIBLE, databases_not_visible)):
        if count:
            summary[key] = count
    return summary


def add_job_error(cur: Cursor, job_id: int, scope: str, message: str) -> None:
    cur.execute("UPDATE jobs SET errors = errors || %s::jsonb WHERE id = %s",
                (json.dumps([{"scope": scope, "message": message}]), job_id))


def complete_subtask(
    cur: Cursor,
    subtask_id: int,
    status: str,
    *,
    summary: dict[str, int] | None = None,
    error: str | None = None,
    planned: list[dict[str, Any]] | None = None,
    planned_limit: int = 1000,
) -> list[PlannedEvent] | None:
    """Record a subtask's outcome once; returns the job.finished event if it was the last, None if already done."""
    cur.execute(
        """UPDATE job_subtasks SET status = %s, error = %s, summary = %s, finished_at = now()
           WHERE id = %s AND status = 'pending' RETURNING job_id, database, schema""",
        (status, error, json.dumps(summary or {}), subtask_id),
    )
    row = cur.fetchone()
    if row is None:
        return None
    job_id, database, schema = row
    cur.execute("SELECT summary, planned_changes FROM jobs WHERE id = %s FOR UPDATE", (job_id,))
    job_summary, job_planned = cur.fetchone()
    merged = Counter(job_summary) + Counter(summary or {})
    if planned:
        job_planned = (job_planned + planned)[:planned_limit]
    counter = SUBTASK_COUNTERS[status]
    cur.execute(
        f"UPDATE jobs SET {counter} = {counter} + 1, summary = %s, planned_changes = %s WHERE id = %s",
        (json.dumps(dict(merged)), json.dumps(job_planned), job_id),
    )
    if error:
        add_job_error(cur, job_id, f"{database}/{schema}", error)
    return close_job_if_done(cur, job_id)


def close_job_if_done(cur: Cursor, job_id: int) -> list[PlannedEvent]:
    """Close the job when every subtask has finished; returns the job.finished event (or nothing)."""
    cur.execute(
        """SELECT bulk_id, scope_path, subtasks_total, subtasks_succeeded, subtasks_held, subtasks_failed,
                  jsonb_array_length(errors), status, connection_id, summary, options
           FROM jobs WHERE id = %s FOR UPDATE""",
        (job_id,),
    )
    bulk_id, scope, total, succeeded, held, failed, errors, status, connection_id, summary, options = cur.fetchone()
    if status in ("succeeded", "partial", "failed") or total is None or succeeded + held + failed < total:
        return []
    if failed and not succeeded and not held:
        final = "failed"
    elif failed or held or errors:
        final = "partial"
    else:
        final = "succeeded"
    cur.execute("UPDATE jobs SET status = %s, finished_at = now() WHERE id = %s", (final, job_id))
    if not options.get("dryRun") and connection_id is not None:
        cur.execute("UPDATE connections SET last_sync_at = now() WHERE id = %s", (connection_id,))
    return [ev.planned(ev.JOB_FINISHED, tuple(scope), 0, {
        "bulkId": str(bulk_id), "jobKind": "crawl", "status": final, "subtasks": {"total": total,
                                                                                  "succeeded": succeeded,
                                                              "held": held, "failed": failed},
        "summary": summary, "dryRun": bool(options.get("dryRun")),
    }, str(bulk_id))]


def fail_job(cur: Cursor, job_id: int, scope: str, message: str) -> list[PlannedEvent]:
    """A crawl that could not even list its scope: nothing was changed, the job fails with the reason."""
    add_job_error(cur, job_id, scope, message)
    cur.execute("""UPDATE jobs SET subtasks_total = 0, status = 'failed', finished_at = now()
                   WHERE id = %s RETURNING bulk_id, scope_path""", (job_id,))
    bulk_id, path = cur.fetchone()
    return [ev.planned(ev.JOB_FINISHED, tuple(path), 0, {"bulkId": str(bulk_id), "jobKind": "crawl",
                                                         "status": "failed", "error": message}, str(bulk_id))]
