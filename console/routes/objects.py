"""A connection, database, schema or data source: its hierarchy, settings, dictionary and history; Run Object
Sync on any level."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from catalog.session import Session
from console.support.deps import CurrentViewer, DbSession, FormViewer, Viewer, path_after
from console.support.errors import field_errors
from console.support.forms import Form, checked, text
from console.support.rendering import PREFIX, object_url, page
from domain.errors import ObjectsyncError
from services.access.permissions import can_manage, require_global, require_object_access, visible_child_names
from services.connections.connection_admin import show_connection
from services.connections.object_settings import OwnerRef, SettingsChange, update_settings
from services.connections.object_views import object_history, read_object
from services.crawl.jobs import request_crawl

router = APIRouter()
PAGE_SIZE = 50
HISTORY_SIZE = 25


def _int(request: Request, name: str) -> int:
    value = request.query_params.get(name, "")
    return int(value) if value.isdigit() else 0


def _object_page(request: Request, session: Session, viewer: Viewer, path: tuple[str, ...], *,
                 errors: dict[str, str] | None = None, status_code: int = 200) -> Response:
    principal = viewer.principal
    only = visible_child_names(session, principal, path)
    offset = _int(request, "offset")
    obj = read_object(session, path, offset=offset, limit=PAGE_SIZE, only_children=only)
    manageable = can_manage(session, principal, path)
    history = None
    if manageable and obj.kind in ("table", "view"):
        history = object_history(session, path, offset=_int(request, "historyOffset"), limit=HISTORY_SIZE)
    child_manageable = {c.name: manageable or can_manage(session, principal, c.path) for c in obj.children.items}
    context: dict[str, Any] = {
        "tab": "connections", "obj": obj, "manageable": manageable, "child_manageable": child_manageable,
        "may_change_settings": principal.is_governance, "history": history, "errors": errors or {},
        "connection": show_connection(session, path[0]) if len(path) == 1 else None,
        "may_edit_connection": principal.is_application_admin or principal.is_governance,
        "notice": request.query_params, "breadcrumbs": [path[: i + 1] for i in range(len(path))],
    }
    return page(request, "object.html", status_code, **context)


@router.get("/objects/{objectPath:path}")
def show_object(request: Request, objectPath: str, session: DbSession, viewer: CurrentViewer) -> Response:
    return _object_page(request, session, viewer, path_after(request, "/objects/"))


@router.post("/crawl/{objectPath:path}")
def run_object_sync(request: Request, objectPath: str, session: DbSession, viewer: FormViewer,
                    form: Form) -> Response:
    """Run Object Sync; "Also scan all disabled data objects" crawls disabled objects too."""
    path = path_after(request, "/crawl/")
    require_object_access(session, viewer.principal, path)
    job = request_crawl(session, path, include_disabled=checked(form, "forceRecursiveCrawl"),
                        dry_run=checked(form, "dryRun"), requested_by=viewer.principal.name, kind="crawl")
    return RedirectResponse(f"{PREFIX}/jobs/{job.bulk_id}", status_code=303)


def parse_owners(lines: str) -> list[OwnerRef]:
    """One owner a line: `user:NAME`, `group:NAME`, or a plain NAME for a user (as the API takes them)."""
    owners = []
    for line in lines.splitlines():
        line = line.strip()
        if not line:
            continue
        kind, sep, name = line.partition(":")
        if sep and kind in ("user", "group"):
            owners.append(OwnerRef("group" if kind == "group" else "user", name.strip()))
        else:
            owners.append(OwnerRef("user", line))
    return owners


@router.post("/settings/{objectPath:path}")
def change_settings(request: Request, objectPath: str, session: DbSession, viewer: FormViewer,
                    form: Form) -> Response:
    path = path_after(request, "/settings/")
    require_global(viewer.principal)
    change = SettingsChange(
        is_active=text(form, "isActive") or None, activate_new_children=text(form, "activateNewChildren") or None,
        data_owners=parse_owners(text(form, "dataOwners")) if "dataOwners" in form else None,
    )
    try:
        job = update_settings(session, path, change, requested_by=viewer.principal.name)
    except ObjectsyncError as exc:
        session.rollback()
        return _object_page(request, session, viewer, path, errors=field_errors(exc), status_code=422)
    if job is not None:
        return RedirectResponse(f"{PREFIX}/jobs/{job.bulk_id}", status_code=303)
    return RedirectResponse(object_url(path, saved=1), status_code=303)
