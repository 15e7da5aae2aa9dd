"""/jobs: status, counts and errors of crawl and settings jobs by bulkId."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from api.schemas.objects import JobsResponse
from api.support.auth import CurrentPrincipal
from api.support.deps import DbSession, PagingParams
from api.support.error_responses import ERROR_RESPONSES
from services.crawl.jobs import find_job, job_report, list_jobs

router = APIRouter(tags=["jobs"])


@router.get("/jobs", response_model=JobsResponse, responses=ERROR_RESPONSES)
def read_jobs(
    principal: CurrentPrincipal, session: DbSession, paging: PagingParams,
    bulkId: Annotated[uuid.UUID | None, Query(description="one job")] = None,
    failed: Annotated[bool, Query(description="only jobs that did not fully succeed (failed or partial)")] = False,
    connection: Annotated[str | None, Query(max_length=255, description="only jobs of this connection key")] = None,
) -> JobsResponse:
    """One job by bulkId, or the newest jobs; data owners see jobs on what they own and jobs they requested."""
    if bulkId is not None:
        return JobsResponse(jobs=[job_report(find_job(session, bulkId, visible_to=principal))])
    jobs = list_jobs(session, visible_to=principal, failed_only=failed, connection_key=connection,
                     offset=paging.offset, limit=paging.size)
    return JobsResponse(jobs=[job_report(j) for j in jobs])
