"""/data/crawl: a manual crawl of any object path, tracked by its bulkId."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from api.schemas.objects import CrawlRequest, CrawlResponse
from api.support.auth import CurrentPrincipal
from api.support.deps import DbSession, raw_object_path
from api.support.error_responses import ERROR_RESPONSES
from services.access.permissions import require_object_access
from services.crawl.jobs import request_crawl

router = APIRouter(prefix="/data/crawl", tags=["crawl"])
PREFIX = "/data/crawl/"


@router.post("/{objectPath:path}", response_model=CrawlResponse, status_code=status.HTTP_202_ACCEPTED,
             responses=ERROR_RESPONSES)
def crawl(
    objectPath: str, request: Request, principal: CurrentPrincipal, session: DbSession,
    body: CrawlRequest | None = None,
) -> CrawlResponse:
    """Queue a crawl; forceRecursiveCrawl also scans disabled objects, dryRun only plans the changes.

    The last path segment may name a database, schema or table that is new on the platform.
    """
    body = body or CrawlRequest()
    path = raw_object_path(request, PREFIX)
    require_object_access(session, principal, path)
    job = request_crawl(
        session, path, include_disabled=body.force_recursive_crawl, dry_run=body.dry_run,
        allow_mass_deletion=body.allow_mass_deletion, full_read=body.full_read, requested_by=principal.name,
        kind="crawl",
    )
    return CrawlResponse(bulk_id=str(job.bulk_id), object_path=list(path))
