"""/data/settings: isActive, activateNewChildren and dataOwners of any object."""

from __future__ import annotations

from fastapi import APIRouter, Request

from api.schemas.objects import SettingsRequest, SettingsResponse
from api.support.auth import CurrentPrincipal
from api.support.deps import DbSession, raw_object_path
from api.support.error_responses import ERROR_RESPONSES
from api.support.object_views import settings_body
from services.access.permissions import APPLICATION_ADMIN, require_global
from services.connections.object_settings import read_settings, update_settings

router = APIRouter(prefix="/data/settings", tags=["settings"])
PREFIX = "/data/settings/"


@router.put("/{objectPath:path}", response_model=SettingsResponse, responses=ERROR_RESPONSES)
def update_object_settings(
    objectPath: str, body: SettingsRequest, request: Request, principal: CurrentPrincipal, session: DbSession,
) -> SettingsResponse:
    """Change settings (GOVERNANCE or APPLICATION_ADMIN); a status change propagates to the subtree as a
    background job (bulkId), and enabling a connection, database or schema enables everything below it."""
    require_global(principal, APPLICATION_ADMIN)
    path = raw_object_path(request, PREFIX)
    job = update_settings(session, path, body.settings.change(), requested_by=principal.name)
    return SettingsResponse(object_path=list(path), bulk_id=str(job.bulk_id) if job else None,
                            settings=settings_body(read_settings(session, path)))
