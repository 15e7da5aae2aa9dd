"""/data/crawl: a manual crawl of any object path, tracked by its bulkId."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from api.schemas.objects import CrawlRequest, CrawlResponse
from api.support.auth import CurrentPrincipal
from api.support.deps import DbSession, raw_object_path
from api.support.error_responses import accepted
from api.support.locations import job_location
from services.access.permissions import require_object_access
from services.crawl import jobs

router = APIRouter(prefix="/data/crawl", tags=["crawl"])
PREFIX = "/data/crawl/"


@router.post("/{objectPath:path}", response_model=CrawlResponse, status_code=status.HTTP_202_ACCEPTED,
             responses=accepted("The job: `/jobs/{bulkId}`"))
def request_crawl(
    objectPath: str, request: Request, response: Response, principal: CurrentPrincipal, session: DbSession,
    body: CrawlRequest | None = None,
) -> CrawlResponse:
    """Queue a crawl; forceRecursiveCrawl also scans disabled objects, dryRun only plans the changes.

    The last path segment may name a database, schema or table that is new on the platform. `Location` is
    the job, to follow its progress.
    """
    body = body or CrawlRequest()
    path = raw_object_path(request, PREFIX)
    require_object_access(session, principal, path)
    job = jobs.request_crawl(
        session, path, include_disabled=body.force_recursive_crawl, dry_run=body.dry_run,
        allow_mass_deletion=body.allow_mass_deletion, full_read=body.full_read, requested_by=principal.name,
        kind="crawl",
    )
    response.headers["Location"] = job_location(job.bulk_id)
    return CrawlResponse(bulk_id=str(job.bulk_id), object_path=list(path))
