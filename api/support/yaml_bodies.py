"""Request bodies in YAML (`Content-Type: application/yaml`, `application/x-yaml` or `text/yaml`) read as the
JSON they describe, so every endpoint that takes JSON takes YAML as well. YAML is read with the safe loader
(plain data only); a body that is not YAML is passed on as it is and fails as invalid JSON."""

from __future__ import annotations

import json
from typing import Any

import yaml  # type: ignore[import-untyped]
from starlette.types import ASGIApp, Message, Receive, Scope, Send

YAML_TYPES = frozenset({"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"})
MAX_BODY = 10 * 1024 * 1024


class YamlBodies:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _content_type(scope) not in YAML_TYPES:
            await self.app(scope, receive, send)
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False) and len(body) <= MAX_BODY
        converted = _as_json(body)
        headers = [(k, v) for k, v in scope["headers"] if k not in (b"content-type", b"content-length")]
        if converted is not None:
            body = converted
            headers.append((b"content-type", b"application/json"))
        headers.append((b"content-length", str(len(body)).encode()))
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app({**scope, "headers": headers}, replay, send)


def _content_type(scope: Scope) -> str:
    for key, value in scope["headers"]:
        if key == b"content-type":
            return str(value.decode("latin-1").split(";", 1)[0].strip().lower())
    return ""


def _as_json(body: bytes) -> bytes | None:
    try:
        data: Any = yaml.safe_load(body)
    except yaml.YAMLError:
        return None
    return json.dumps(data, default=str).encode()
