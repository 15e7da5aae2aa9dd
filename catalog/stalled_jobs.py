"""Recovering jobs whose task messages were lost (a broker restarted without persistence, say).

Every step of a crawl is idempotent (subtasks run once, under a per-schema lock), so sending a message
again is always safe; a duplicate of a message that was not lost finds its work done and stops.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from catalog.session import raw_cursor, session_scope
from domain.jobs import OPEN_STATUSES, JobStatus, SubtaskStatus
from settings import get_settings


@dataclass
class StalledWork:
    jobs_to_plan: list[int] = field(default_factory=list)
    subtasks: list[int] = field(default_factory=list)


def find_stalled_work(stale_after_seconds: float | None = None) -> StalledWork:
    """Jobs never planned, and pending subtasks of jobs that made no progress, for `stale_after_seconds`."""
    stale = stale_after_seconds if stale_after_seconds is not None else get_settings().stalled_job_seconds
    work = StalledWork()
    with session_scope() as session:
        cur = raw_cursor(session)
        cur.execute(
            """SELECT id FROM jobs
               WHERE subtasks_total IS NULL AND status = ANY(%s)
                 AND coalesce(started_at, created_at) < now() - make_interval(secs => %s)
               ORDER BY id""",
            (list(OPEN_STATUSES), stale),
        )
        work.jobs_to_plan = [r[0] for r in cur.fetchall()]
        cur.execute(
            """SELECT s.id FROM job_subtasks s JOIN jobs j ON j.id = s.job_id
               WHERE j.status = %s AND s.status = %s
                 AND greatest(j.started_at, (SELECT max(d.finished_at) FROM job_subtasks d WHERE d.job_id = j.id))
                     < now() - make_interval(secs => %s)
               ORDER BY s.id""",
            (JobStatus.RUNNING, SubtaskStatus.PENDING, stale),
        )
        work.subtasks = [r[0] for r in cur.fetchall()]
    return work
