"""/schedule: each connection's cron and its next and last sync (cron is set with PUT /data/connection)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from api.auth import CurrentPrincipal
from api.deps import DbSession
from api.routes.connections import ERRORS
from api.schemas.admin import ScheduleEntry, ScheduleResponse
from models import Connection
from services.access.permissions import visible_connection_keys

router = APIRouter(tags=["schedule"])


@router.get("/schedule", response_model=ScheduleResponse, responses=ERRORS)
def list_schedule(principal: CurrentPrincipal, session: DbSession) -> ScheduleResponse:
    query = select(Connection).order_by(Connection.key)
    visible = visible_connection_keys(session, principal)
    if visible is not None:
        query = query.where(Connection.key.in_(sorted(visible)))
    return ScheduleResponse(schedules=[
        ScheduleEntry(connection_key=c.key, status=c.status, cron=c.cron, next_sync_at=c.next_sync_at,
                      last_sync_at=c.last_sync_at)
        for c in session.scalars(query)
    ])
