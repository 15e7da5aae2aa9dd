"""Errors → HTTP responses, in one place: each kind of `domain.errors` has one status, and the few library
errors that can escape a service (the catalog or the broker unreachable, a constraint hit by a race) have
theirs. Every error body is an RFC 9457 problem (`application/problem+json`: type, title, status, detail,
instance), with extension members where a client needs more (`errors` for invalid fields). The members
`statusCode`, `error` and `message` repeat status, title and detail for clients of the reference product's
error body."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from kombu.exceptions import OperationalError as BrokerUnavailable
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.schemas.connections import ConnectionView
from catalog.errors import CatalogUnavailable, DataError, IntegrityError
from domain.errors import Conflict, Forbidden, Invalid, NotAuthenticated, NotFound, ObjectsyncError, Unavailable
from domain.paths import DotSegmentInPath
from services.connections.connection_admin import ConnectionValidationFailed

log = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"

#: Most specific first: the first matching class decides the status code.
STATUS_BY_ERROR: tuple[tuple[type[Exception], int], ...] = (
    (ConnectionValidationFailed, 400),
    (DotSegmentInPath, 400),
    (NotAuthenticated, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (Conflict, 409),
    (IntegrityError, 409),
    (Invalid, 422),
    (DataError, 422),
    (ValueError, 422),  # input that a library rejected before any of our checks could name it
    (Unavailable, 503),
    (CatalogUnavailable, 503),
    (BrokerUnavailable, 503),
)

LIBRARY_ERROR_MESSAGES: dict[type[Exception], str] = {
    CatalogUnavailable: "the catalog database is unavailable; retry later",
    IntegrityError: "the request conflicts with data stored meanwhile (for example a duplicate name); retry",
    BrokerUnavailable: "the task broker (Redis) is unavailable; the request was stored but not dispatched",
}


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_CONTENT_TYPE


def problem(status: int, detail: str, instance: str | None = None, **extensions: Any) -> dict[str, Any]:
    """An RFC 9457 problem; `type` stays `about:blank`, so `title` is the status phrase."""
    title = HTTPStatus(status).phrase
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail,
                            "statusCode": status, "error": title, "message": detail}
    if instance:
        body["instance"] = instance
    body.update({k: v for k, v in extensions.items() if v is not None})
    return body


def problem_response(request: Request | None, status: int, detail: str, headers: dict[str, str] | None = None,
                     **extensions: Any) -> ProblemResponse:
    instance = request.url.path if request is not None else None
    return ProblemResponse(problem(status, detail, instance, **extensions), status_code=status, headers=headers)


def status_of(exc: Exception) -> int:
    for cls, status in STATUS_BY_ERROR:
        if isinstance(exc, cls):
            return status
    return 500


def _message(exc: Exception) -> str:
    for cls, message in LIBRARY_ERROR_MESSAGES.items():
        if isinstance(exc, cls):
            return message
    if isinstance(exc, DataError):  # the driver's first line only: the wrapper would echo SQL parameters
        return f"a value cannot be stored in the catalog: {str(exc.orig).splitlines()[0]}"
    return str(exc) or type(exc).__name__


async def mapped_error(request: Request, exc: Exception) -> ProblemResponse:
    status = status_of(exc)
    if status == 500:
        log.error("unhandled %s", type(exc).__name__, exc_info=exc)
        return problem_response(request, 500, "internal error")
    if status >= 500:
        log.warning("service unavailable: %s", type(exc).__name__)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return problem_response(request, status, _message(exc), headers=headers)


async def connection_validation_failed(request: Request, exc: ConnectionValidationFailed) -> ProblemResponse:
    """400 with the connection as stored now (its status, validation results) in the `connection` member."""
    view = ConnectionView.of(exc.details).model_dump(mode="json", by_alias=True)
    return problem_response(request, 400, str(exc), connection=view)


async def request_validation_error(request: Request, exc: RequestValidationError) -> ProblemResponse:
    """Say which field is wrong and why; never echo the submitted values (they may be credentials)."""
    errors = [
        {"location": [str(p) for p in e.get("loc", ())], "message": e.get("msg", "invalid"), "type": e.get("type")}
        for e in exc.errors()
    ]
    summary = "; ".join(f"{'.'.join(err['location'])}: {err['message']}" for err in errors[:5])
    return problem_response(request, 422, f"invalid request: {summary}" if summary else "invalid request",
                            errors=errors)


async def http_error(request: Request, exc: StarletteHTTPException) -> ProblemResponse:
    message = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    return problem_response(request, exc.status_code, message, headers=getattr(exc, "headers", None))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, request_validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, http_error)  # type: ignore[arg-type]
    mapped: tuple[type[Exception], ...] = (ObjectsyncError, *(cls for cls, _ in STATUS_BY_ERROR), Exception)
    for cls in mapped:
        app.add_exception_handler(cls, mapped_error)
    app.add_exception_handler(ConnectionValidationFailed, connection_validation_failed)  # type: ignore[arg-type]
