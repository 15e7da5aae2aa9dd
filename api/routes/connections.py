"""/data/connection: test, register, list, read and edit connections (deleting is DELETE /data/object/{key})."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from api.schemas.common import Page, ProblemBody, ValidationResultsBody
from api.schemas.connections import (
    ConnectionCreateRequest,
    ConnectionCreateResponse,
    ConnectionEditRequest,
    ConnectionSummaryView,
    ConnectionTestRequest,
    ConnectionTestResponse,
    ConnectionView,
)
from api.support.auth import CurrentPrincipal
from api.support.deps import DbSession
from api.support.error_responses import ERROR_RESPONSES
from api.support.paging import PageParams
from services.access.permissions import (
    APPLICATION_ADMIN,
    require_connection_access,
    require_global,
    visible_connection_keys,
)
from services.connections import connection_admin

router = APIRouter(prefix="/data/connection", tags=["connections"])
VALIDATION_FAILED: dict[int | str, dict[str, Any]] = {400: {
    "model": ProblemBody,
    "description": "validation failed: the problem's `connection` member is the connection as stored (status, "
                   "validationResults)",
}}


@router.post("/test", response_model=ConnectionTestResponse, responses=ERROR_RESPONSES)
def test_connection(body: ConnectionTestRequest, principal: CurrentPrincipal) -> ConnectionTestResponse:
    """Dry run of the create payload (or only its `connection`): the validation tests against the platform,
    with those of its nativeIntegration; nothing is stored."""
    require_global(principal, APPLICATION_ADMIN)
    report = connection_admin.run_connection_test(body.connection.technology, body.connection.flat(), body.native())
    return ConnectionTestResponse(validation_results=ValidationResultsBody.of(report.results), passed=report.passed)


@router.post("", response_model=ConnectionCreateResponse, status_code=status.HTTP_201_CREATED,
             responses={**ERROR_RESPONSES, **VALIDATION_FAILED})
def create_connection(
    body: ConnectionCreateRequest, principal: CurrentPrincipal, session: DbSession
) -> ConnectionCreateResponse:
    """Validate, register and request the first crawl; 400 with validationResults if validation fails.

    A connection that fails validation is kept in status createError so it can be fixed with PUT.
    """
    require_global(principal, APPLICATION_ADMIN)
    registration = connection_admin.register_connection(session, body.new_connection(), requested_by=principal.name)
    return ConnectionCreateResponse.of(registration)


@router.get("", response_model=Page[ConnectionSummaryView], responses=ERROR_RESPONSES)
def list_connections(
    principal: CurrentPrincipal, session: DbSession, paging: PageParams,
    technology: Annotated[str | None, Query(max_length=100, description="only this technology")] = None,
    status: Annotated[str | None, Query(max_length=50, description="only connections in this status")] = None,
) -> Page[ConnectionSummaryView]:
    """Connections by key with status, schedule and number of data sources; data owners see theirs."""
    summaries, total = connection_admin.list_connections(
        session, only_keys=visible_connection_keys(session, principal), technology=technology, status=status,
        offset=paging.offset, limit=paging.limit)
    return paging.page([ConnectionSummaryView.of(s) for s in summaries], total)


@router.get("/{connectionKey}", response_model=ConnectionView, responses=ERROR_RESPONSES)
def get_connection(connectionKey: str, principal: CurrentPrincipal, session: DbSession) -> ConnectionView:
    """The connection's configuration, status and validation results; credentials are never returned."""
    require_connection_access(session, principal, connectionKey)
    return ConnectionView.of(connection_admin.show_connection(session, connectionKey))


@router.put("/{connectionKey}", response_model=ConnectionView, responses={**ERROR_RESPONSES, **VALIDATION_FAILED})
def edit_connection(
    connectionKey: str, body: ConnectionEditRequest, principal: CurrentPrincipal, session: DbSession
) -> ConnectionView:
    """Edit configuration/credentials (validated: editing → enabled | editError), options or the cron schedule.

    A failed validation keeps the previous, working configuration and answers 400 with the results.
    """
    require_global(principal, APPLICATION_ADMIN)
    return ConnectionView.of(connection_admin.edit_connection(session, connectionKey, body.changes()))
