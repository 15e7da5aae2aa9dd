"""Pruning finished jobs (their subtasks cascade), in bounded batches; queued and running jobs are never touched.

Change events keep their `job_id` (a plain column): a pruned job's bulkId simply is no longer found.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from catalog.session import affected_rows, session_scope
from domain.jobs import TERMINAL_STATUSES

PRUNABLE_JOBS = "status = ANY(:terminal) AND finished_at < :older_than"


def count_prunable_jobs(session: Session, older_than: datetime) -> int:
    """What `prune_jobs` would delete now (for a dry run)."""
    return session.scalar(text(f"SELECT count(*) FROM jobs WHERE {PRUNABLE_JOBS}"),
                          {"older_than": older_than, "terminal": list(TERMINAL_STATUSES)}) or 0


def prune_jobs(older_than: datetime, *, batch_size: int) -> int:
    """Delete jobs that finished before `older_than`, one transaction per batch; returns how many."""
    deleted = 0
    while True:
        with session_scope() as session:
            batch = affected_rows(session.execute(text(f"""
                DELETE FROM jobs WHERE id IN (
                    SELECT id FROM jobs WHERE {PRUNABLE_JOBS} ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED)
            """), {"older_than": older_than, "limit": batch_size, "terminal": list(TERMINAL_STATUSES)}))
        deleted += batch
        if batch < batch_size:
            return deleted
