"""Jobs tracked by bulkId: requesting a crawl (its task is sent after commit), finding and listing jobs,
and waiting for one to finish."""

from __future__ import annotations

import time
import uuid
from collections.abc import Collection, Sequence
from typing import Any

from catalog.connection_store import get_connection
from catalog.data_object_store import object_exists
from catalog.job_listing_store import (
    JobFilter,
    JobVisibility,
    count_jobs,
    job_by_bulk_id,
    last_job_by_connection,
    newest_jobs,
)
from catalog.session import Session, session_factory
from domain.errors import DataObjectNotFound, Invalid, JobNotFound, Unavailable
from domain.jobs import TERMINAL_STATUSES, JobStatus
from domain.paths import validate_path
from models import Job
from services.access.permissions import Principal, owned_paths
from services.crawl.log_context import log_context_header
from services.enqueue import CRAWL_CONNECTION, MANUAL_QUEUE, enqueue

#: The kind of the jobs the schedule creates; every other crawl was asked for by hand.
SCHEDULED_KIND = "scheduled_sync"

#: What `failed_only` lists: jobs that did not fully succeed (a partial job held or failed some schemas).
UNSUCCESSFUL_STATUSES = frozenset({JobStatus.PARTIAL, JobStatus.FAILED})


class JobNotFinished(Unavailable, TimeoutError):
    """Waiting gave up: the job is still queued or running (is a worker running?)."""


class InvalidBulkId(Invalid):
    def __init__(self, text: str):
        super().__init__(f"a bulkId is a UUID, got {text!r}")


def request_crawl(
    session: Session,
    path: Sequence[str],
    *,
    include_disabled: bool | None = None,
    dry_run: bool = False,
    allow_mass_deletion: bool = False,
    full_read: bool = False,
    requested_by: str | None = None,
    kind: str = "crawl",
) -> Job:
    """Create a queued crawl job for any object path; its task is sent when the session commits.

    A path below the connection must name an object the catalog knows, except the last segment of a
    manual crawl, which may name a database, schema or table that is new on the platform. `full_read` reads
    every column, whatever the platform's change tokens say.
    """
    path = tuple(path)
    validate_path(path)
    connection = get_connection(session, path[0])
    if len(path) > 2 and not object_exists(session, path[:-1]):
        raise DataObjectNotFound(path[:-1])
    if include_disabled is None:
        include_disabled = bool(connection.options.get("forceRecursiveCrawl", False))
    job = Job(
        bulk_id=uuid.uuid4(), kind=kind, connection_id=connection.id, connection_key=connection.key,
        scope_path=list(path), requested_by=requested_by, status="queued",
        options={"includeDisabled": include_disabled, "dryRun": dry_run, "allowMassDeletion": allow_mass_deletion,
                 "fullRead": full_read},
        errors=[], summary={}, planned_changes=[],
    )
    session.add(job)
    session.flush()
    enqueue(session, CRAWL_CONNECTION, job.id, **({} if kind == SCHEDULED_KIND else {"queue": MANUAL_QUEUE}),
            headers=log_context_header({"bulkId": str(job.bulk_id), "connectionKey": connection.key}))
    return job


def start_crawl(session_factory: Any, path: Sequence[str], **options: Any) -> uuid.UUID:
    """Request and commit a crawl (its task goes out on commit); returns its bulkId."""
    with session_factory() as session:
        job = request_crawl(session, path, **options)
        session.commit()
    return job.bulk_id


def get_job(session: Session, bulk_id: uuid.UUID | str) -> Job | None:
    return job_by_bulk_id(session, parse_bulk_id(bulk_id))


def parse_bulk_id(bulk_id: uuid.UUID | str) -> uuid.UUID:
    try:
        return bulk_id if isinstance(bulk_id, uuid.UUID) else uuid.UUID(bulk_id)
    except ValueError:
        raise InvalidBulkId(str(bulk_id)) from None


def _visibility(session: Session, principal: Principal | None) -> JobVisibility | None:
    """None (everything) for the operator and global admins; data owners see jobs on what they own and jobs
    they requested."""
    if principal is None or principal.sees_everything:
        return None
    return JobVisibility(requested_by=principal.name, owned_paths=owned_paths(session, principal))


def find_job(session: Session, bulk_id: uuid.UUID | str, *, visible_to: Principal | None = None) -> Job:
    """The job by bulkId; JobNotFound also when `visible_to` may not see it. None means the operator."""
    job = job_by_bulk_id(session, parse_bulk_id(bulk_id), _visibility(session, visible_to))
    if job is None:
        raise JobNotFound(bulk_id)
    return job


def list_jobs(session: Session, *, visible_to: Principal | None = None, failed_only: bool = False,
              connection_key: str | None = None, offset: int = 0, limit: int = 100) -> list[Job]:
    """The newest jobs first; `failed_only` keeps those that did not fully succeed (failed or partial)."""
    return newest_jobs(session, visibility=_visibility(session, visible_to),
                       only=JobFilter(UNSUCCESSFUL_STATUSES if failed_only else None, connection_key),
                       offset=offset, limit=limit)


def page_of_jobs(session: Session, only: JobFilter, *, visible_to: Principal | None = None, offset: int = 0,
                 limit: int = 100) -> tuple[list[Job], int]:
    """A page of the newest jobs matching `only`, and how many match in all."""
    visibility = _visibility(session, visible_to)
    return (newest_jobs(session, visibility=visibility, only=only, offset=offset, limit=limit),
            count_jobs(session, visibility=visibility, only=only))


def last_jobs(session: Session, connection_keys: Collection[str], *,
              visible_to: Principal | None = None) -> dict[str, Job]:
    """Each connection's newest job that `visible_to` may see, by connection key (the Connections tab)."""
    return last_job_by_connection(session, connection_keys, _visibility(session, visible_to))


def job_report(job: Job) -> dict[str, Any]:
    """The job as the API and CLI show it (camelCase, as on the wire)."""
    return {
        "bulkId": str(job.bulk_id), "kind": job.kind, "status": job.status, "objectPath": job.scope_path,
        "options": job.options, "requestedBy": job.requested_by,
        "subtasks": {"total": job.subtasks_total, "succeeded": job.subtasks_succeeded,
                     "held": job.subtasks_held, "failed": job.subtasks_failed},
        "errors": job.errors, "summary": job.summary, "plannedChanges": job.planned_changes,
        "nothingCrawled": job.nothing_crawled,
        "createdAt": job.created_at.isoformat() if job.created_at else None,
        "startedAt": job.started_at.isoformat() if job.started_at else None,
        "finishedAt": job.finished_at.isoformat() if job.finished_at else None,
    }


def wait_for_job(bulk_id: uuid.UUID | str, timeout: float = 60.0, poll: float = 0.02,
                 on_progress: Any = None) -> dict[str, Any]:
    """Poll until the job is closed; returns its report. `on_progress(report)` sees every poll.

    Raises JobNotFinished after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    factory = session_factory()
    while True:
        with factory() as session:
            job = get_job(session, bulk_id)
            report = job_report(job) if job is not None else None
        if report is not None:
            if on_progress is not None:
                on_progress(report)
            if report["status"] in TERMINAL_STATUSES:
                return report
        if time.monotonic() > deadline:
            status = report["status"] if report is not None else "not found"
            raise JobNotFinished(f"job {bulk_id} is not finished after {timeout:g}s (status {status}; is a worker "
                                 "running?)")
        time.sleep(poll)
