"""/data/settings: isActive, activateNewChildren and dataOwners of any object."""

from __future__ import annotations

from fastapi import APIRouter, Request

from api.auth import CurrentPrincipal
from api.deps import DbSession, raw_object_path
from api.object_views import settings_body
from api.routes.connections import ERRORS
from api.schemas.common import status_setting_value
from api.schemas.objects import SettingsRequest, SettingsResponse
from services.access.permissions import require_global
from services.connections.object_settings import OwnerRef, SettingsChange, get_object, update_settings

router = APIRouter(prefix="/data/settings", tags=["settings"])
PREFIX = "/data/settings/"


@router.put("/{objectPath:path}", response_model=SettingsResponse, responses=ERRORS)
def put_settings(
    objectPath: str, body: SettingsRequest, request: Request, principal: CurrentPrincipal, session: DbSession,
) -> SettingsResponse:
    """Change settings (GOVERNANCE); a status change propagates to the subtree as a background job (bulkId)."""
    require_global(principal)
    path = raw_object_path(request, PREFIX)
    values = body.settings
    owners = None
    if values.data_owners is not None:
        owners = [OwnerRef("user", o) if isinstance(o, str) else OwnerRef(o.type, o.name) for o in values.data_owners]
    change = SettingsChange(
        is_active=status_setting_value(values.is_active),
        activate_new_children=status_setting_value(values.activate_new_children),
        data_owners=owners,
    )
    job = update_settings(session, path, change, requested_by=principal.name)
    session.commit()
    return SettingsResponse(object_path=list(path), bulk_id=str(job.bulk_id) if job else None,
                            settings=settings_body(session, get_object(session, path)))
