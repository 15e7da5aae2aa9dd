"""Checks every request passes before any route reads it, as one ASGI middleware.

- A raw '.' or '..' path segment is refused (400): a normalising client or proxy would have sent it to another
  object (`/data/object/pg/db/s/..` is the database), so it never reaches a route.
- A request with a body must carry a live API token before a byte of the body is read (401), except the web
  console's forms, which authenticate with their session cookie.
- A body longer than the cap is refused (413): at once when its Content-Length says so, else as soon as the
  bytes streamed so far pass the cap, so a large body is never buffered.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import HTTPException
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.support.auth import INVALID_TOKEN, MISSING_TOKEN, token_of
from api.support.errors import ProblemResponse, problem
from catalog.session import session_scope
from domain.paths import has_dot_segment
from services.access.tokens import verify_token
from settings import get_settings

#: Paths whose requests authenticate some other way (the console's session cookie and sign-in form).
COOKIE_AUTHENTICATED_PREFIXES = ("/console",)


def token_is_live(secret: str) -> bool:
    with session_scope() as session:
        return verify_token(session, secret) is not None


class RequestGuards:
    def __init__(self, app: ASGIApp, token_check: Callable[[str], bool] = token_is_live):
        self.app = app
        self.token_check = token_check

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_path = scope.get("raw_path") or scope["path"].encode()
        path = raw_path.split(b"?", 1)[0].decode("latin-1")
        if has_dot_segment(path):
            await _refuse(scope, receive, send, 400, "the request path holds a raw '.' or '..' segment; "
                                                     "percent-encode a name that is one ('%2E', '%2E%2E')")
            return
        headers = Headers(scope=scope)
        if not _has_body(headers):
            await self.app(scope, receive, send)
            return
        if not path.startswith(COOKIE_AUTHENTICATED_PREFIXES):
            refusal = await self._authentication_refusal(headers)
            if refusal is not None:
                await _refuse(scope, receive, send, 401, refusal, {"WWW-Authenticate": "Bearer"})
                return
        limit = get_settings().max_request_body_bytes
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _refuse(scope, receive, send, 413, f"the request body is larger than {limit} bytes")
            return
        await self.app(scope, _capped(receive, limit), send)

    async def _authentication_refusal(self, headers: Headers) -> str | None:
        """Why the request may not send a body, in the routes' own words; None when its token is live."""
        secret = token_of(headers.get("authorization"))  # `Bearer <token>` or the bare token, as the routes take it
        if secret is None:
            return MISSING_TOKEN
        return None if await run_in_threadpool(self.token_check, secret) else INVALID_TOKEN


def _has_body(headers: Headers) -> bool:
    return headers.get("content-length", "0") not in ("", "0") or "transfer-encoding" in headers


def _capped(receive: Receive, limit: int) -> Callable[[], Awaitable[Message]]:
    """`receive` that counts the body's bytes and stops the request with a 413 once they pass `limit`."""
    received = 0

    async def capped_receive() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise HTTPException(413, f"the request body is larger than {limit} bytes")
        return message

    return capped_receive


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, message: str,
                  headers: MutableMapping[str, Any] | None = None) -> None:
    body = problem(status, message, scope.get("path"))
    await ProblemResponse(body, status_code=status, headers=dict(headers or {}) or None)(scope, receive, send)
