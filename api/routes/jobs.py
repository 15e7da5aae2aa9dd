"""/jobs: status, counts and errors of crawl and settings jobs by bulkId."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import or_, select

from api.auth import CurrentPrincipal
from api.deps import DbSession, PagingParams
from api.errors import NotFound
from api.routes.connections import ERRORS
from api.schemas.objects import JobsResponse
from models import Job
from services.access.permissions import owned_paths
from services.crawl.jobs import job_report

router = APIRouter(tags=["jobs"])


@router.get("/jobs", response_model=JobsResponse, responses=ERRORS)
def list_jobs(
    principal: CurrentPrincipal, session: DbSession, paging: PagingParams,
    bulkId: Annotated[uuid.UUID | None, Query(description="one job")] = None,
) -> JobsResponse:
    """One job by bulkId, or the newest jobs; data owners see jobs on what they own and jobs they requested."""
    query = select(Job)
    if not principal.sees_everything:
        scopes = [Job.scope_path[1:len(p)] == list(p) for p in owned_paths(session, principal)]  # type: ignore[index]
        query = query.where(or_(Job.requested_by == principal.name, *scopes))
    if bulkId is not None:
        job = session.scalar(query.where(Job.bulk_id == bulkId))
        if job is None:
            raise NotFound(f"no job with bulkId {bulkId}")
        return JobsResponse(jobs=[job_report(job)])
    jobs = session.scalars(query.order_by(Job.id.desc()).offset(paging.offset).limit(paging.size))
    return JobsResponse(jobs=[job_report(j) for j in jobs])
