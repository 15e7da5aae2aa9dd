"""Which connections are due for their scheduled sync; safe with any number of beats running."""

from __future__ import annotations

from datetime import UTC, datetime

from catalog.connection_store import lock_due_connections
from catalog.session import session_scope
from catalog.stalled_jobs import StalledWork, find_stalled_work
from domain.connection_status import RECURRING_STATUSES, ConnectionStatus
from domain.schedule import next_run
from models import Job
from services.crawl.jobs import SCHEDULED_KIND, request_crawl
from services.crawl.log_context import job_log_context, log_context_header, subtask_log_context
from services.enqueue import CRAWL_CONNECTION, CRAWL_SCHEMA, send_now

#: Object sync runs for every settled connection, whatever its objects' isActive ("disabled": an older status
#: for a switched-off connection).
SCHEDULABLE_STATUSES = (*RECURRING_STATUSES, ConnectionStatus.DISABLED)


def dispatch_due_syncs(now: datetime | None = None) -> list[str]:
    """Create a sync job for each due connection and move its next_sync_at on; returns the bulkIds."""
    now = now or datetime.now(UTC)
    jobs: list[Job] = []  # their tasks go out when the transaction commits
    with session_scope() as session:
        for connection in lock_due_connections(session, now, SCHEDULABLE_STATUSES):
            jobs.append(request_crawl(session, [connection.key], kind=SCHEDULED_KIND, requested_by="schedule"))
            connection.next_sync_at = next_run(connection.cron, now)
    return [str(job.bulk_id) for job in jobs]


def requeue_stalled_work(stale_after_seconds: float | None = None) -> StalledWork:
    """Send again the messages of jobs that stopped making progress; returns what was re-sent."""
    work = find_stalled_work(stale_after_seconds)
    for job_id in work.jobs_to_plan:
        send_now(CRAWL_CONNECTION, job_id, headers=log_context_header(job_log_context(job_id)))
    for subtask_id in work.subtasks:
        send_now(CRAWL_SCHEMA, subtask_id, headers=log_context_header(subtask_log_context(subtask_id)))
    return work

