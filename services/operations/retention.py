"""The retention policy: change events and finished jobs older than their configured days are pruned.

0 days (the default) keeps that history forever. Run nightly by beat (`objectsync.prune_history`) and by
`objectsync prune`; both only translate this report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from catalog.event_retention import count_prunable_events, prune_events
from catalog.job_retention import count_prunable_jobs, prune_jobs
from catalog.outbox_cursors import outbox_consumers
from catalog.session import session_scope
from settings import Settings, get_settings

#: Rows deleted per transaction, so pruning never holds locks for long.
BATCH_SIZE = 10_000


@dataclass(frozen=True, slots=True)
class HistoryPruning:
    """What one run deleted (or, in a dry run, would delete); None where retention is off."""

    dry_run: bool
    event_retention_days: int
    job_retention_days: int
    events: int | None = None
    deliveries: int | None = None
    jobs: int | None = None

    @property
    def retention_off(self) -> bool:
        return not self.event_retention_days and not self.job_retention_days

    def as_dict(self) -> dict[str, Any]:
        return {"dryRun": self.dry_run, "eventRetentionDays": self.event_retention_days,
                "jobRetentionDays": self.job_retention_days, "events": self.events,
                "deliveries": self.deliveries, "jobs": self.jobs}

    def lines(self) -> list[str]:
        """The outcome in words, one line per kind of history."""
        if self.retention_off:
            return ["retention is off (OBJECTSYNC_EVENT_RETENTION_DAYS and OBJECTSYNC_JOB_RETENTION_DAYS are 0): "
                    "nothing pruned"]
        verb = "would delete" if self.dry_run else "deleted"
        if self.events is None:
            events = "change events kept forever (OBJECTSYNC_EVENT_RETENTION_DAYS is 0)"
        else:
            events = (f"{verb} {self.events} change events older than {self.event_retention_days} days "
                      f"and {self.deliveries} of their webhook deliveries")
        if self.jobs is None:
            jobs = "jobs kept forever (OBJECTSYNC_JOB_RETENTION_DAYS is 0)"
        else:
            jobs = f"{verb} {self.jobs} jobs finished more than {self.job_retention_days} days ago"
        return [events, jobs]


def prune_history(settings: Settings | None = None, *, dry_run: bool = False,
                  batch_size: int = BATCH_SIZE) -> HistoryPruning:
    settings = settings or get_settings()
    now = datetime.now(UTC)
    event_days, job_days = settings.event_retention_days, settings.job_retention_days
    consumers = outbox_consumers(stream_enabled=settings.event_stream_enabled)
    events = deliveries = jobs = None
    if event_days:
        events_before = now - timedelta(days=event_days)
        if dry_run:
            with session_scope() as session:
                counted = count_prunable_events(session, events_before, consumers)
        else:
            counted = prune_events(events_before, consumers, batch_size=batch_size)
        events, deliveries = counted.events, counted.deliveries
    if job_days:
        jobs_before = now - timedelta(days=job_days)
        if dry_run:
            with session_scope() as session:
                jobs = count_prunable_jobs(session, jobs_before)
        else:
            jobs = prune_jobs(jobs_before, batch_size=batch_size)
    return HistoryPruning(dry_run, event_days, job_days, events, deliveries, jobs)
