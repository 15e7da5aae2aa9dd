"""/data/object: an object with children, dictionary and tags; its history; deleting a subtree."""

from __future__ import annotations

from fastapi import APIRouter, Request

from api.schemas.common import Page
from api.schemas.objects import DeleteResponse, EventBody, ObjectView
from api.support.auth import CurrentPrincipal
from api.support.deps import DbSession, ends_with_literal, raw_object_path
from api.support.error_responses import ERROR_RESPONSES
from api.support.object_views import history_page, object_view
from api.support.paging import PageParams
from services.access.permissions import require_object_access, visible_child_names
from services.connections import object_deletion

router = APIRouter(prefix="/data/object", tags=["objects"])
PREFIX = "/data/object/"
HISTORY = "/history"


@router.get("/{objectPath:path}/history", response_model=Page[EventBody] | ObjectView, responses=ERROR_RESPONSES)
def get_object_history(
    objectPath: str, request: Request, principal: CurrentPrincipal, session: DbSession, paging: PageParams
) -> Page[EventBody] | ObjectView:
    """Change events of the object (CloudEvents, as webhooks carry them), newest first; they outlive the
    object, but not the event retention (`OBJECTSYNC_EVENT_RETENTION_DAYS`, when set), which prunes older ones.

    A table literally named `history` is read as `.../%68istory` (an encoded 'h' is not this route's suffix).
    """
    if not ends_with_literal(request, HISTORY):
        return get_object(objectPath, request, principal, session, paging)
    path = raw_object_path(request, PREFIX, HISTORY)
    require_object_access(session, principal, path)
    return history_page(session, path, paging)  # 404 for a path that never existed; a deleted object keeps it


@router.get("/{objectPath:path}", response_model=ObjectView, responses=ERROR_RESPONSES)
def get_object(
    objectPath: str, request: Request, principal: CurrentPrincipal, session: DbSession, paging: PageParams
) -> ObjectView:
    """The object, its settings and effective status, paged children, tags, and the dictionary of a table.

    Names in the path are percent-encoded segments: `pg/app%2Fdb/Sales/Order%20Items`.
    """
    path = raw_object_path(request, PREFIX)
    only_children = visible_child_names(session, principal, path)
    return object_view(session, path, paging, only_children)


@router.delete("/{objectPath:path}", response_model=DeleteResponse, responses=ERROR_RESPONSES)
def delete_object(objectPath: str, request: Request, principal: CurrentPrincipal,
                  session: DbSession) -> DeleteResponse:
    """Remove the subtree from the catalog (never anything on the platform); the connection path deregisters it."""
    path = raw_object_path(request, PREFIX)
    require_object_access(session, principal, path)
    deleted = object_deletion.delete_object(session, path, requested_by=principal.name)
    return DeleteResponse(object_path=list(path), objects_deleted=deleted)
