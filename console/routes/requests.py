"""Owner validation requests: data owners see and validate those on their data sources; GOVERNANCE and
APPLICATION_ADMIN all of them."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from console.support.deps import CurrentViewer, DbSession, FormViewer
from console.support.rendering import PREFIX, page
from domain.paths import format_path
from services.access.permissions import PermissionRequired, can_manage, owned_paths
from services.delivery import owner_requests

router = APIRouter()
STATUSES = ("pending", "validated")


@router.get("/requests")
def requests(request: Request, session: DbSession, viewer: CurrentViewer) -> Response:
    asked = request.query_params.get("status", "pending")
    status = asked if asked in STATUSES else None
    principal = viewer.principal
    scope = None if principal.sees_everything else owned_paths(session, principal)
    listed = owner_requests.list_requests(session, status=status, owned_paths=scope, limit=500)
    return page(request, "requests.html", tab="requests", requests=listed, status=status,
                validated=request.query_params.get("validated"))


@router.post("/requests/{request_id}/validate")
def validate(request_id: int, session: DbSession, viewer: FormViewer) -> Response:
    """Validate the change; for an added column this removes its `New` tag."""
    view = owner_requests.get_request(session, request_id)
    if not can_manage(session, viewer.principal, view.table_path):
        raise PermissionRequired(f"DATA_OWNER on {format_path(view.table_path)!r} or one of its parents is required")
    owner_requests.validate_request(session, request_id, user_id=viewer.principal.user_id)
    return RedirectResponse(f"{PREFIX}/requests?validated={request_id}", status_code=303)
