"""Jobs by bulkId: live progress (schema subtasks finished of total), then the summary, errors and, for a dry
run, the planned changes."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from console.support.deps import CurrentViewer, DbSession
from console.support.rendering import page
from services.crawl.jobs import TERMINAL_STATUSES, find_job, job_report, list_jobs

router = APIRouter()


@router.get("/jobs")
def jobs(request: Request, session: DbSession, viewer: CurrentViewer) -> Response:
    connection = request.query_params.get("connection") or None
    failed = request.query_params.get("failed") == "on"
    listed = list_jobs(session, visible_to=viewer.principal, failed_only=failed, connection_key=connection, limit=100)
    return page(request, "jobs.html", tab="jobs", jobs=[job_report(j) for j in listed], connection=connection,
                failed=failed)


def _report(session: DbSession, viewer: CurrentViewer, bulk_id: str) -> dict:
    return job_report(find_job(session, bulk_id, visible_to=viewer.principal))


@router.get("/jobs/{bulk_id}")
def job(request: Request, bulk_id: str, session: DbSession, viewer: CurrentViewer) -> Response:
    report = _report(session, viewer, bulk_id)
    return page(request, "job.html", tab="jobs", job=report, finished=report["status"] in TERMINAL_STATUSES)


@router.get("/jobs/{bulk_id}/progress")
def job_progress(request: Request, bulk_id: str, session: DbSession, viewer: CurrentViewer) -> Response:
    """The part of the job page that refreshes itself until the job is closed."""
    report = _report(session, viewer, bulk_id)
    return page(request, "_job_progress.html", job=report, finished=report["status"] in TERMINAL_STATUSES)
