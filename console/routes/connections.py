"""The Connections tab: every connection, registering one per technology with Validate Credentials, editing,
and deregistering behind a confirmation."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from console.support.deps import CurrentViewer, DbSession, FormViewer, Viewer
from console.support.errors import field_errors
from console.support.forms import Form, checked, text
from console.support.rendering import PREFIX, object_url, page
from domain.errors import ObjectsyncError
from services.access.permissions import (
    APPLICATION_ADMIN,
    require_global,
    require_object_access,
    visible_connection_keys,
)
from services.connections import connection_admin
from services.connections.connection_admin import ConnectionChanges, ConnectionValidationFailed, NewConnection
from services.connections.object_deletion import delete_object
from services.connections.technology_fields import TECHNOLOGIES, form_fields, technology
from services.connections.validation import SECRET_FIELDS
from services.crawl.jobs import last_jobs

router = APIRouter()


@router.get("/")
def home() -> Response:
    return RedirectResponse(f"{PREFIX}/connections", status_code=303)


@router.get("/connections")
def connections(request: Request, session: DbSession, viewer: CurrentViewer) -> Response:
    summaries, _ = connection_admin.list_connections(
        session, only_keys=visible_connection_keys(session, viewer.principal))
    latest = last_jobs(session, [s.key for s in summaries], visible_to=viewer.principal)
    return page(request, "connections.html", tab="connections", connections=summaries, last_jobs=latest,
                technologies=TECHNOLOGIES.values(), may_register=_may_register(viewer),
                deregistered=request.query_params.get("deregistered"))


def _may_register(viewer: Viewer) -> bool:
    return viewer.principal.is_application_admin or viewer.principal.is_governance


def _form_page(request: Request, *, technology_name: str, values: dict[str, Any], errors: dict[str, str],
               results: list[dict[str, Any]] | None = None, editing: Any = None, status_code: int = 200) -> Response:
    return page(request, "connection_form.html", status_code, tab="connections", tech=technology(technology_name),
                technologies=TECHNOLOGIES.values(), values=values, errors=errors, results=results, editing=editing)


def _values(form: FormData) -> dict[str, Any]:
    """What to show again in the form: everything but secrets."""
    return {k: v for k, v in form.items() if k not in SECRET_FIELDS and k != "csrf_token"}


@router.get("/connections/new")
def register_form(request: Request, viewer: CurrentViewer) -> Response:
    require_global(viewer.principal, APPLICATION_ADMIN)
    name = request.query_params.get("technology") or "postgresql"
    tech = technology(name)
    defaults = {f.name: f.default for f in tech.fields if f.default is not None}
    values = {"technology": name, "isActive": True, "forceRecursiveCrawl": True, **defaults}
    return _form_page(request, technology_name=name, values=values, errors={})


@router.post("/connections/new")
def register(request: Request, session: DbSession, viewer: FormViewer, form: Form) -> Response:
    require_global(viewer.principal, APPLICATION_ADMIN)
    name = text(form, "technology")
    try:
        new = NewConnection(
            key=text(form, "connectionKey"), technology=name, fields=form_fields(name, form),
            is_active=checked(form, "isActive"), activate_new_children=checked(form, "activateNewChildren"),
            force_recursive_crawl=checked(form, "forceRecursiveCrawl"), cron=text(form, "cron").strip() or None,
        )
        registration = connection_admin.register_connection(session, new, requested_by=viewer.principal.name)
    except ConnectionValidationFailed as exc:
        return _form_page(request, technology_name=name, values=_values(form), errors={"": str(exc)},
                          results=exc.details.validation_results, status_code=400)
    except ObjectsyncError as exc:
        session.rollback()
        return _form_page(request, technology_name=name if name in TECHNOLOGIES else "postgresql",
                          values=_values(form), errors=field_errors(exc), status_code=422)
    bulk_id = registration.first_crawl
    return RedirectResponse(object_url([new.key], registered=1, job=str(bulk_id) if bulk_id else None),
                            status_code=303)


@router.post("/connections/validate")
def validate_credentials(request: Request, session: DbSession, viewer: FormViewer, form: Form) -> Response:
    """Validate Credentials: the validation tests on the form as it is, nothing stored (an edit form's blank
    secrets are the stored ones)."""
    require_global(viewer.principal, APPLICATION_ADMIN)
    name = text(form, "technology")
    editing = text(form, "editing")
    try:
        fields = form_fields(name, form)
        report = (connection_admin.run_edit_test(session, editing, fields) if editing
                  else connection_admin.run_connection_test(name, fields))
        results, errors = report.results, {}
    except ObjectsyncError as exc:
        results, errors = None, field_errors(exc)
    if request.headers.get("HX-Request"):
        return page(request, "_validation.html", results=results, errors=errors)
    details = connection_admin.show_connection(session, editing) if editing else None
    return _form_page(request, technology_name=name, values=_values(form), errors=errors, results=results,
                      editing=details)


@router.get("/connections/{key}/edit")
def edit_form(request: Request, key: str, session: DbSession, viewer: CurrentViewer) -> Response:
    require_global(viewer.principal, APPLICATION_ADMIN)
    details = connection_admin.show_connection(session, key)
    values = {**details.config, "connectionKey": key, "technology": details.technology, "cron": details.cron,
              "forceRecursiveCrawl": bool(details.options.get("forceRecursiveCrawl"))}
    for name in details.credentials_set:
        values.setdefault(name, "")
    return _form_page(request, technology_name=details.technology, values=values, errors={}, editing=details)


@router.post("/connections/{key}/edit")
def edit(request: Request, key: str, session: DbSession, viewer: FormViewer, form: Form) -> Response:
    require_global(viewer.principal, APPLICATION_ADMIN)
    details = connection_admin.show_connection(session, key)
    try:
        changes = ConnectionChanges(fields=form_fields(details.technology, form),
                                    force_recursive_crawl=checked(form, "forceRecursiveCrawl"),
                                    cron=text(form, "cron").strip() or None)
        connection_admin.edit_connection(session, key, changes)
    except ConnectionValidationFailed as exc:
        return _form_page(request, technology_name=details.technology, values=_values(form),
                          errors={"": str(exc)}, results=exc.details.validation_results, editing=exc.details,
                          status_code=400)
    except ObjectsyncError as exc:
        session.rollback()
        return _form_page(request, technology_name=details.technology, values=_values(form),
                          errors=field_errors(exc), editing=details, status_code=422)
    return RedirectResponse(object_url([key], saved=1), status_code=303)


@router.get("/connections/{key}/deregister")
def deregister_form(request: Request, key: str, session: DbSession, viewer: CurrentViewer) -> Response:
    require_object_access(session, viewer.principal, [key])
    details = connection_admin.show_connection(session, key)
    return page(request, "deregister.html", tab="connections", connection=details, errors={})


@router.post("/connections/{key}/deregister")
def deregister(request: Request, key: str, session: DbSession, viewer: FormViewer, form: Form) -> Response:
    require_object_access(session, viewer.principal, [key])
    if text(form, "confirmKey").strip() != key:
        details = connection_admin.show_connection(session, key)
        return page(request, "deregister.html", 422, tab="connections", connection=details,
                    errors={"confirmKey": f"type {key} exactly to confirm"})
    delete_object(session, [key], requested_by=viewer.principal.name)
    return RedirectResponse(f"{PREFIX}/connections?deregistered={key}", status_code=303)
