"""/schedule: each connection's cron and its next and last sync (cron is set with PUT /data/connection)."""

from __future__ import annotations

from fastapi import APIRouter

from api.schemas.admin import ScheduleEntry
from api.schemas.common import Page
from api.support.auth import CurrentPrincipal
from api.support.deps import DbSession
from api.support.error_responses import ERROR_RESPONSES
from api.support.paging import PageParams
from services.access.permissions import visible_connection_keys
from services.connections.connection_admin import list_connections

router = APIRouter(tags=["schedule"])


@router.get("/schedule", response_model=Page[ScheduleEntry], responses=ERROR_RESPONSES)
def list_schedule(principal: CurrentPrincipal, session: DbSession, paging: PageParams) -> Page[ScheduleEntry]:
    """Connections by key, paged like every list."""
    summaries, total = list_connections(session, only_keys=visible_connection_keys(session, principal),
                                        offset=paging.offset, limit=paging.limit)
    return paging.page([
        ScheduleEntry(connection_key=s.key, status=s.status, cron=s.cron, next_sync_at=s.next_sync_at,
                      last_sync_at=s.last_sync_at)
        for s in summaries
    ], total)
