"""/data/connection: test, register, read and edit connections."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from api.auth import CurrentPrincipal
from api.deps import DbSession
from api.errors import Conflict, ValidationFailed
from api.schemas.common import ErrorBody
from api.schemas.connections import (
    ConnectionCreateRequest,
    ConnectionCreateResponse,
    ConnectionEditRequest,
    ConnectionTestRequest,
    ConnectionTestResponse,
    ConnectionView,
)
from catalog.connection_store import get_connection
from catalog.session import session_factory
from domain.schedule import next_run, validate_cron
from models import Connection
from services.access.permissions import APPLICATION_ADMIN, require_global, require_object_access
from services.access.secrets import decrypt_secret, encrypt_secret
from services.connections.registry import register_connection, updated_options, validate_connection_key
from services.connections.validation import (
    BUSY_STATUSES,
    SHARED_FIELDS,
    all_passed,
    finish_creation,
    finish_edit,
    run_validation,
    split_connection_fields,
)
from services.crawl.jobs import request_crawl

router = APIRouter(prefix="/data/connection", tags=["connections"])
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (400, 401, 403, 404, 409, 422)
}


def connection_view(connection: Connection) -> ConnectionView:
    return ConnectionView(
        connection_key=connection.key, object_path=[connection.key], technology=connection.technology,
        connection={"technology": connection.technology, **connection.config},
        credentials_set=sorted(set(decrypt_secret(connection.credentials_encrypted)) - SHARED_FIELDS),
        status=connection.status, validation_results=connection.validation_results or [],
        options=connection.options or {}, cron=connection.cron, next_sync_at=connection.next_sync_at,
        last_sync_at=connection.last_sync_at, created_at=connection.created_at, updated_at=connection.updated_at,
    )


def _validate_or_restore(
    key: str, status_on_error: str, technology: str, config: dict[str, Any], credentials: dict[str, Any]
) -> list[dict[str, Any]]:
    """Run validation; if it cannot run at all, leave the connection in `status_on_error`, not stuck mid-change."""
    try:
        return run_validation(technology, config, credentials)
    except BaseException:
        with session_factory()() as restoring:
            get_connection(restoring, key, for_update=True).status = status_on_error
            restoring.commit()
        raise


@router.post("/test", response_model=ConnectionTestResponse, responses=ERRORS)
def test_connection(body: ConnectionTestRequest, principal: CurrentPrincipal) -> ConnectionTestResponse:
    """Dry run: run the validation tests against the platform; nothing is stored."""
    require_global(principal, APPLICATION_ADMIN)
    config, credentials = split_connection_fields(body.connection.flat())
    results = run_validation(body.connection.technology, config, credentials)
    return ConnectionTestResponse(validation_results=results, passed=all_passed(results))


@router.post(
    "", response_model=ConnectionCreateResponse, status_code=status.HTTP_201_CREATED,
    responses={**ERRORS, 400: {"model": ErrorBody, "description": "stored in createError: validation failed"}},
)
def create_connection(
    body: ConnectionCreateRequest, principal: CurrentPrincipal, session: DbSession
) -> ConnectionCreateResponse:
    """Validate, register and request the first crawl; 400 with validationResults if validation fails.

    A connection that fails validation is kept in status createError so it can be fixed with PUT.
    """
    require_global(principal, APPLICATION_ADMIN)
    key = validate_connection_key(body.connection_key)
    fields = body.connection.flat()
    config, credentials = split_connection_fields(fields)
    cron = validate_cron(body.cron) if body.cron is not None else None
    register_connection(
        session, key=key, technology=body.connection.technology, config=config, credentials=credentials,
        is_active=body.settings.is_active, activate_new_children=body.settings.activate_new_children,
        force_recursive_crawl=body.options.force_recursive_crawl,
        filters=body.options.filters.stored() if body.options.filters is not None else None,
        cron=cron, status="creating",
    )
    session.commit()
    results = _validate_or_restore(key, "createError", body.connection.technology, config, credentials)
    with session_factory()() as finishing:
        connection = get_connection(finishing, key, for_update=True)
        passed = finish_creation(finishing, connection, results)
        job = request_crawl(finishing, [key], requested_by=principal.name) if passed else None
        finishing.commit()
    response = ConnectionCreateResponse(
        connection_key=key, object_path=[key], bulk_id=str(job.bulk_id) if job else None,
        status=connection.status, validation_results=results,
    )
    if not passed:
        raise ValidationFailed(
            f"connection validation failed; {key!r} is stored with status createError: fix it with "
            f"PUT /data/connection/{key} or delete it", response.model_dump(mode="json", by_alias=True))
    return response


@router.get("/{connectionKey}", response_model=ConnectionView, responses=ERRORS)
def read_connection(connectionKey: str, principal: CurrentPrincipal, session: DbSession) -> ConnectionView:
    """The connection's configuration, status and validation results; credentials are never returned."""
    require_object_access(session, principal, [connectionKey])
    return connection_view(get_connection(session, connectionKey))


@router.put("/{connectionKey}", response_model=ConnectionView, responses=ERRORS)
def edit_connection(
    connectionKey: str, body: ConnectionEditRequest, principal: CurrentPrincipal, session: DbSession
) -> ConnectionView:
    """Edit configuration/credentials (validated: editing → enabled | editError), options or the cron schedule.

    A failed validation keeps the previous, working configuration and answers 400 with the results.
    """
    require_global(principal, APPLICATION_ADMIN)
    connection = get_connection(session, connectionKey, for_update=True)
    if connection.status in BUSY_STATUSES:
        raise Conflict(f"connection {connectionKey!r} is {connection.status}; retry when it has settled")
    if body.cron is not None:
        connection.cron = validate_cron(body.cron)
        connection.next_sync_at = next_run(connection.cron)
    if body.options is not None:
        connection.options = updated_options(
            connection.options, force_recursive_crawl=body.options.force_recursive_crawl,
            filters=body.options.filters.stored() if body.options.filters is not None else None)
    if body.connection is None:
        session.commit()
        return connection_view(connection)
    fields = body.connection.flat()
    technology = fields.pop("technology", connection.technology)
    if technology != connection.technology:
        raise ValueError(f"the technology of a connection cannot change (it is {connection.technology!r})")
    new_config, new_credentials = split_connection_fields(fields)
    config = {**(connection.config or {}), **new_config}
    credentials = {**decrypt_secret(connection.credentials_encrypted), **new_credentials}
    previous_status = connection.status
    connection.status = "editing"
    session.commit()
    results = _validate_or_restore(connectionKey, previous_status, technology, config, credentials)
    with session_factory()() as finishing:
        edited = get_connection(finishing, connectionKey, for_update=True)
        passed = finish_edit(finishing, edited, results, config, encrypt_secret(credentials))
        finishing.commit()
        view = connection_view(edited)
    if not passed:
        raise ValidationFailed(
            "connection validation failed; the previous configuration is kept (status editError)",
            view.model_dump(mode="json", by_alias=True))
    return view
