"""/integrations: platform integrations (system account, role, the service's own database or catalog), their
setup scripts, validation results and lifecycle. Request bodies may be JSON or YAML."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from api.schemas.integrations import (
    IntegrationBody,
    IntegrationCredentials,
    IntegrationPageView,
    IntegrationView,
    ScriptView,
)
from api.support.auth import CurrentPrincipal
from api.support.deps import DbSession
from api.support.error_responses import ERROR_RESPONSES
from services.access.permissions import APPLICATION_ADMIN, require_global
from services.connections import integrations

router = APIRouter(prefix="/integrations", tags=["integrations"])


@router.post("/scripts/initial-create", response_model=ScriptView, responses=ERROR_RESPONSES)
def initial_create_script(body: IntegrationBody, principal: CurrentPrincipal) -> ScriptView:
    """The first script of a manual setup: the system account."""
    require_global(principal, APPLICATION_ADMIN)
    return ScriptView(script=integrations.setup_script("initial-create", body.request()))


@router.post("/scripts/create", response_model=ScriptView, responses=ERROR_RESPONSES)
def create_script(body: IntegrationBody, principal: CurrentPrincipal) -> ScriptView:
    """The second script of a manual setup: the service's database (catalog) and the system account's grants."""
    require_global(principal, APPLICATION_ADMIN)
    return ScriptView(script=integrations.setup_script("create", body.request()))


@router.post("/scripts/cleanup", response_model=ScriptView, responses=ERROR_RESPONSES)
def cleanup_script_of_failed(body: IntegrationBody, principal: CurrentPrincipal) -> ScriptView:
    """Removes what the scripts created, for an integration whose creation failed."""
    require_global(principal, APPLICATION_ADMIN)
    return ScriptView(script=integrations.setup_script("cleanup", body.request()))


@router.post("", response_model=IntegrationView, status_code=status.HTTP_201_CREATED, responses=ERROR_RESPONSES)
def create_integration(body: IntegrationBody, principal: CurrentPrincipal, session: DbSession) -> IntegrationView:
    """Validate and set up (autoBootstrap) an integration; 409 if one already exists on that host."""
    require_global(principal, APPLICATION_ADMIN)
    return IntegrationView.of(integrations.create_integration(session, body.request()))


@router.get("", response_model=IntegrationPageView, responses=ERROR_RESPONSES)
def list_integrations(
    principal: CurrentPrincipal, session: DbSession,
    cursor: Annotated[str | None, Query(pattern=r"^\d{1,18}$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> IntegrationPageView:
    """Every integration by id, with status and validation results."""
    require_global(principal, APPLICATION_ADMIN)
    after = int(cursor) if cursor is not None else None
    return IntegrationPageView.of(integrations.list_integrations(session, after_id=after, limit=limit))


@router.get("/{integrationId}", response_model=IntegrationView, responses=ERROR_RESPONSES)
def read_integration(integrationId: int, principal: CurrentPrincipal, session: DbSession) -> IntegrationView:
    require_global(principal, APPLICATION_ADMIN)
    return IntegrationView.of(integrations.show_integration(session, integrationId))


@router.put("/{integrationId}", response_model=IntegrationView, responses=ERROR_RESPONSES)
def edit_integration(integrationId: int, body: IntegrationBody, principal: CurrentPrincipal,
                     session: DbSession) -> IntegrationView:
    """Validate and apply a new configuration; 409 while the integration is in a transition."""
    require_global(principal, APPLICATION_ADMIN)
    return IntegrationView.of(integrations.edit_integration(session, integrationId, body.request()))


@router.delete("/{integrationId}", response_model=IntegrationView, responses=ERROR_RESPONSES)
def delete_integration(
    integrationId: int, principal: CurrentPrincipal, session: DbSession,
    body: IntegrationCredentials | None = None, force: bool = False,
) -> IntegrationView:
    """With the setup credentials (automatic setup) the cleanup runs; without them the caller runs the cleanup
    scripts; force=true disables it without any cleanup."""
    require_global(principal, APPLICATION_ADMIN)
    credentials = body.model_dump(exclude_none=True) if body is not None else None
    return IntegrationView.of(integrations.delete_integration(session, integrationId, credentials, force=force))


@router.post("/{integrationId}/migrate", response_model=IntegrationView, responses=ERROR_RESPONSES)
def migrate_integration(integrationId: int, body: IntegrationCredentials, principal: CurrentPrincipal,
                        session: DbSession) -> IntegrationView:
    """Run the current setup script on an integration set up with an older one."""
    require_global(principal, APPLICATION_ADMIN)
    credentials = body.model_dump(exclude_none=True)
    return IntegrationView.of(integrations.migrate_integration(session, integrationId, credentials))


@router.post("/{integrationId}/scripts/edit", response_model=ScriptView, responses=ERROR_RESPONSES)
def edit_script(integrationId: int, body: IntegrationBody, principal: CurrentPrincipal,
                session: DbSession) -> ScriptView:
    require_global(principal, APPLICATION_ADMIN)
    return ScriptView(script=integrations.integration_script(session, integrationId, "edit", body.request()))


@router.post("/{integrationId}/scripts/cleanup", response_model=ScriptView, responses=ERROR_RESPONSES)
def cleanup_script(integrationId: int, principal: CurrentPrincipal, session: DbSession) -> ScriptView:
    require_global(principal, APPLICATION_ADMIN)
    return ScriptView(script=integrations.integration_script(session, integrationId, "cleanup"))


@router.post("/{integrationId}/scripts/post-cleanup", response_model=ScriptView, responses=ERROR_RESPONSES)
def post_cleanup_script(integrationId: int, principal: CurrentPrincipal, session: DbSession) -> ScriptView:
    require_global(principal, APPLICATION_ADMIN)
    return ScriptView(script=integrations.integration_script(session, integrationId, "post-cleanup"))
