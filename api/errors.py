"""Domain exceptions → HTTP responses, in one place. Bodies: {statusCode, error, message[, details]}."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from kombu.exceptions import OperationalError as BrokerUnavailable
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.exc import OperationalError as CatalogUnavailable
from starlette.exceptions import HTTPException as StarletteHTTPException

from catalog.session import CatalogNotConfigured
from connectors import ConfigurationError
from domain.errors import ConnectionExists, ConnectionNotFound, DataObjectNotFound
from domain.paths import InvalidPath
from domain.schedule import InvalidCron
from services.access.permissions import NotAuthorized
from services.access.secrets import SecretKeyError
from services.connections.object_settings import InvalidSetting, UnknownPrincipal

log = logging.getLogger(__name__)


class NotAuthenticated(Exception):
    """No token, or one that is unknown or revoked."""


class NotFound(Exception):
    pass


class Conflict(Exception):
    """The request clashes with the current state (a duplicate, or a connection busy with another change)."""


class BadRequest(ValueError):
    pass


class ValidationFailed(Exception):
    """The platform rejected the connection; the body carries the validation results and stored status."""

    def __init__(self, message: str, body: dict[str, Any]):
        super().__init__(message)
        self.message = message
        self.body = body


#: Most specific first: the first matching class decides the status code.
STATUS_BY_ERROR: tuple[tuple[type[Exception], int], ...] = (
    (NotAuthenticated, 401),
    (NotAuthorized, 403),
    (ConnectionNotFound, 404),
    (DataObjectNotFound, 404),
    (NotFound, 404),
    (ConnectionExists, 409),
    (Conflict, 409),
    (IntegrityError, 409),
    (DataError, 422),
    (InvalidPath, 422),
    (InvalidCron, 422),
    (InvalidSetting, 422),
    (UnknownPrincipal, 422),
    (ConfigurationError, 422),
    (BadRequest, 400),
    (ValueError, 422),
    (SecretKeyError, 503),
    (CatalogNotConfigured, 503),
    (CatalogUnavailable, 503),
    (BrokerUnavailable, 503),
)

SERVICE_UNAVAILABLE_MESSAGES: dict[type[Exception], str] = {
    CatalogUnavailable: "the catalog database is unavailable; retry later",
    IntegrityError: "the request conflicts with data stored meanwhile (for example a duplicate name); retry",
    BrokerUnavailable: "the task broker (Redis) is unavailable; the request was stored but not dispatched",
}


def error_body(status: int, message: str, details: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"statusCode": status, "error": HTTPStatus(status).phrase, "message": message}
    if details is not None:
        body["details"] = details
    return body


def error_response(status: int, message: str, details: Any = None, headers: dict[str,
                                                                                 str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(status, message, details), status_code=status, headers=headers)


def _message(exc: Exception) -> str:
    for cls, message in SERVICE_UNAVAILABLE_MESSAGES.items():
        if isinstance(exc, cls):
            return message
    if isinstance(exc, ConfigurationError):
        return exc.message
    if isinstance(exc, DataError):  # the driver's first line only: the wrapper would echo SQL parameters
        return f"a value cannot be stored in the catalog: {str(exc.orig).splitlines()[0]}"
    return str(exc) or type(exc).__name__


async def domain_error(_: Request, exc: Exception) -> JSONResponse:
    for cls, status in STATUS_BY_ERROR:
        if isinstance(exc, cls):
            if status >= 500:
                log.warning("service unavailable: %s", type(exc).__name__)
            headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
            return error_response(status, _message(exc), headers=headers)
    log.error("unhandled %s", type(exc).__name__, exc_info=exc)
    return error_response(500, "internal error")


async def validation_failed(_: Request, exc: ValidationFailed) -> JSONResponse:
    return JSONResponse({**error_body(400, exc.message), **exc.body}, status_code=400)


async def request_validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    """Say which field is wrong and why; never echo the submitted values (they may be credentials)."""
    errors = [
        {"location": [str(p) for p in e.get("loc", ())], "message": e.get("msg", "invalid"), "type": e.get("type")}
        for e in exc.errors()
    ]
    summary = "; ".join(f"{'.'.join(err['location'])}: {err['message']}" for err in errors[:5])
    return error_response(422, f"invalid request: {summary}" if summary else "invalid request", errors)


async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
    message = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    return error_response(exc.status_code, message, headers=getattr(exc, "headers", None))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, request_validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, http_error)  # type: ignore[arg-type]
    app.add_exception_handler(ValidationFailed, validation_failed)  # type: ignore[arg-type]
    for cls, _ in STATUS_BY_ERROR:
        app.add_exception_handler(cls, domain_error)
    app.add_exception_handler(Exception, domain_error)
