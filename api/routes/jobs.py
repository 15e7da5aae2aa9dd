"""/jobs: status, counts and errors of crawl and settings jobs, by bulkId or listed newest first."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.schemas.common import Page
from api.support.auth import CurrentPrincipal
from api.support.deps import DbSession
from api.support.error_responses import ERROR_RESPONSES
from api.support.paging import PageParams
from domain.jobs import JobStatus
from services.crawl.jobs import JobFilter, find_job, job_report, page_of_jobs

router = APIRouter(tags=["jobs"])


@router.get("/jobs", response_model=Page[dict[str, Any]], responses=ERROR_RESPONSES)
def list_jobs(
    principal: CurrentPrincipal, session: DbSession, paging: PageParams,
    status: Annotated[list[JobStatus] | None, Query(max_length=5, description="only these statuses (repeatable)")]
    = None,
    connection: Annotated[str | None, Query(max_length=255, description="only jobs of this connection key")] = None,
    kind: Annotated[list[str] | None, Query(max_length=10, description="only these kinds (repeatable): crawl, "
                                                                       "scheduled_sync, settings, …")] = None,
) -> Page[dict[str, Any]]:
    """The newest jobs first; data owners see jobs on what they own and jobs they requested."""
    only = JobFilter(statuses=status, connection_key=connection, kinds=kind)
    jobs, total = page_of_jobs(session, only, visible_to=principal, offset=paging.offset, limit=paging.limit)
    return paging.page([job_report(j) for j in jobs], total)


@router.get("/jobs/{bulkId}", response_model=dict[str, Any], responses=ERROR_RESPONSES)
def get_job(bulkId: uuid.UUID, principal: CurrentPrincipal, session: DbSession) -> dict[str, Any]:
    """One job by the bulkId its request answered with (the `Location` of that 202)."""
    return job_report(find_job(session, bulkId, visible_to=principal))
