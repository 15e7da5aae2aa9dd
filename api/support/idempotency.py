"""`Idempotency-Key` on every POST of the API: a repeated request gets the first answer again (24 hours).

An ASGI middleware, because the answer to keep is the response as sent, after the request's unit of work has
committed. The rules (who owns a key, what counts as the same request, how long answers are kept) are the
service's (`services.operations.idempotent_requests`).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.support.errors import PROBLEM_CONTENT_TYPE, problem, status_of
from domain.errors import ObjectsyncError
from services.operations import idempotent_requests as service

HEADER = "idempotency-key"
#: Response headers kept with the answer (the rest are per response: date, server, content-length).
KEPT_HEADERS = ("content-type", "location", "www-authenticate")
#: Not the API: the console's forms carry their own CSRF tokens and never send the header.
EXCLUDED_PREFIXES = ("/console",)


def _digest(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _send_answer(send: Send, status: int, headers: dict[str, str], body: bytes) -> None:
    raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"].startswith(EXCLUDED_PREFIXES):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = headers.get(HEADER)
        if key is None:
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        caller = _digest(headers.get("authorization", "").encode())
        fingerprint = _digest(scope["method"].encode(), scope.get("raw_path") or scope["path"].encode(),
                              scope.get("query_string", b""), body)
        try:
            claimed = await run_in_threadpool(service.begin, caller, key, fingerprint)
        except ObjectsyncError as exc:
            status = status_of(exc)
            await _send_answer(send, status, {"content-type": PROBLEM_CONTENT_TYPE},
                               _json(problem(status, str(exc), scope["path"])))
            return
        if isinstance(claimed, service.StoredAnswer):
            await _send_answer(send, claimed.status_code, {**claimed.headers, "idempotent-replayed": "true"},
                               claimed.body)
            return
        await self._run_and_keep(scope, body, send, caller, key)

    async def _run_and_keep(self, scope: Scope, body: bytes, send: Send, caller: str, key: str) -> None:
        sent_body = False

        async def replay_body() -> Message:
            nonlocal sent_body
            if sent_body:
                return {"type": "http.disconnect"}
            sent_body = True
            return {"type": "http.request", "body": body, "more_body": False}

        status = 500
        start: Message | None = None
        kept: dict[str, str] = {}
        chunks: list[bytes] = []

        async def hold(message: Message) -> None:
            """Keep the response until its answer is stored, so a repeat sent after it finds the answer."""
            nonlocal status, start
            if message["type"] == "http.response.start":
                start, status = message, message["status"]
                for name, value in message.get("headers", []):
                    if name.decode("latin-1").lower() in KEPT_HEADERS:
                        kept[name.decode("latin-1").lower()] = value.decode("latin-1")
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        try:
            await self.app(scope, replay_body, hold)
        except BaseException:
            await run_in_threadpool(service.abandon, caller, key)
            raise
        answer = service.StoredAnswer(status, kept, b"".join(chunks))
        await run_in_threadpool(service.finish, caller, key, answer)
        if start is not None:
            await send(start)
            await send({"type": "http.response.body", "body": answer.body})


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()
