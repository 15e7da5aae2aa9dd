"""Errors → console answers, in one place: the kinds of `domain.errors` become a sign-in redirect, an error
page with the API's status code, or a message next to the form field it is about."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from kombu.exceptions import OperationalError as BrokerUnavailable

from catalog.errors import CatalogUnavailable
from connectors.errors import ConfigurationError
from console.support.rendering import PREFIX, page
from domain.errors import (
    Conflict,
    ConnectionExists,
    Forbidden,
    Invalid,
    NotAuthenticated,
    NotFound,
    ObjectsyncError,
    Unavailable,
)
from domain.schedule import InvalidCron
from services.connections.connection_records import InvalidConnectionKey
from services.connections.object_settings import InvalidObjectSetting, UnknownDataOwner

log = logging.getLogger(__name__)

STATUS_BY_ERROR: tuple[tuple[type[Exception], int], ...] = (
    (Forbidden, 403), (NotFound, 404), (Conflict, 409), (Invalid, 422), (Unavailable, 503),
    (CatalogUnavailable, 503), (BrokerUnavailable, 503),
)
LIBRARY_MESSAGES: dict[type[Exception], str] = {
    CatalogUnavailable: "the catalog database is unavailable; retry later",
    BrokerUnavailable: "the task broker (Redis) is unavailable; the request was stored but not dispatched",
}
#: Errors about one form field: the message is shown next to it.
FIELD_OF_ERROR: tuple[tuple[type[Exception], str], ...] = (
    (InvalidConnectionKey, "connectionKey"),
    (ConnectionExists, "connectionKey"),
    (InvalidCron, "cron"),
    (ConfigurationError, "technology"),
    (UnknownDataOwner, "dataOwners"),
    (InvalidObjectSetting, "settings"),
)


def message_of(exc: Exception) -> str:
    for cls, message in LIBRARY_MESSAGES.items():
        if isinstance(exc, cls):
            return message
    return str(exc) or type(exc).__name__


def field_errors(exc: Exception) -> dict[str, str]:
    """{field: message} for a form: the field the error is about, or "" for the form as a whole."""
    for cls, name in FIELD_OF_ERROR:
        if isinstance(exc, cls):
            return {name: message_of(exc)}
    return {"": message_of(exc)}


def status_of(exc: Exception) -> int:
    for cls, status in STATUS_BY_ERROR:
        if isinstance(exc, cls):
            return status
    return 500


def sign_in_again(request: Request) -> Response:
    target = f"{PREFIX}/login"
    if request.headers.get("HX-Request"):
        return Response(status_code=401, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


async def not_authenticated(request: Request, _: Exception) -> Response:
    return sign_in_again(request)


async def error_page(request: Request, exc: Exception) -> Response:
    status = status_of(exc)
    if status == 500:
        log.error("unhandled %s in the console", type(exc).__name__, exc_info=exc)
        return page(request, "error.html", 500, title="Something went wrong",
                    message="internal error; the details are in the server log")
    titles = {403: "Not allowed", 404: "Not found", 409: "Conflict", 422: "Invalid request", 503: "Unavailable"}
    return page(request, "error.html", status, title=titles.get(status, "Error"), message=message_of(exc))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(NotAuthenticated, not_authenticated)
    for cls in (ObjectsyncError, CatalogUnavailable, BrokerUnavailable, Exception):
        app.add_exception_handler(cls, error_page)
