"""Owner validation requests: data owners see and validate those on their tables; GOVERNANCE and
APPLICATION_ADMIN see and validate all."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from api.schemas.common import CamelModel, Page
from api.support.auth import CurrentPrincipal
from api.support.deps import DbSession
from api.support.error_responses import ERROR_RESPONSES
from api.support.paging import PageParams
from domain.paths import format_path
from services.access.permissions import PermissionRequired, can_manage, owned_paths
from services.delivery import owner_requests as service

router = APIRouter(tags=["owner requests"])


class OwnerRequestBody(CamelModel):
    id: int
    kind: Literal["column_added", "column_deleted", "column_type_changed"]
    status: Literal["pending", "validated"]
    object_path: list[str]
    data_source: str
    column: str
    event_id: str | None
    created_at: datetime
    resolved_at: datetime | None
    resolved_by: int | None


def request_body(view: service.OwnerRequestView) -> OwnerRequestBody:
    return OwnerRequestBody(
        id=view.id, kind=view.kind, status=view.status, object_path=list(view.table_path),
        data_source=format_path(view.table_path), column=view.column_name, event_id=view.event_id,
        created_at=view.created_at, resolved_at=view.resolved_at, resolved_by=view.resolved_by,
    )


@router.get("/requests", response_model=Page[OwnerRequestBody], responses=ERROR_RESPONSES)
def list_requests(
    principal: CurrentPrincipal,
    session: DbSession,
    paging: PageParams,
    request_status: Annotated[Literal["pending", "validated"] | None, Query(alias="status")] = None,
) -> Page[OwnerRequestBody]:
    """Requests oldest first."""
    scope = None if principal.sees_everything else owned_paths(session, principal)
    views = service.list_requests(session, status=request_status, owned_paths=scope, after_id=paging.after_id,
                                  limit=paging.limit)
    total = service.count_requests(session, status=request_status, owned_paths=scope, after_id=paging.after_id)
    return paging.page_after([request_body(v) for v in views], total, views[-1].id if views else None)


@router.post("/requests/{requestId}/validate", response_model=OwnerRequestBody, responses=ERROR_RESPONSES)
def validate_request(requestId: int, principal: CurrentPrincipal, session: DbSession) -> OwnerRequestBody:
    """Validate the change; for an added column this removes its `New` tag. Emits `request.resolved`."""
    view = service.get_request(session, requestId)
    if not can_manage(session, principal, view.table_path):
        raise PermissionRequired(f"DATA_OWNER on {format_path(view.table_path)!r} or one of its parents is required")
    return request_body(service.validate_request(session, requestId, user_id=principal.user_id))
