"""Request-scoped dependencies: the request's unit of work, paging, and object paths read from the raw URL."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from catalog.session import Session, unit_of_work
from domain.paths import parse_path

#: One catalog session per request (catalog.session.unit_of_work): committed when the endpoint returns, rolled
#: back when it raises. Routes never commit. The work services asked to send (`services.enqueue`) leaves on that
#: commit, and the dependency's scope is "function" so it all happens before the response is sent: a client that
#: gets 201 or 202 finds the rows committed and the task messages queued. (With the default "request" scope
#: FastAPI would run this teardown only after the response went out.) A failing commit, such as the broker
#: refusing the messages, still becomes the error response (503).
DbSession = Annotated[Session, Depends(unit_of_work, scope="function")]


class Paging:
    def __init__(
        self,
        offset: Annotated[int, Query(ge=0, le=10_000_000, description="items to skip")] = 0,
        size: Annotated[int, Query(ge=1, le=1000, description="items per page")] = 100,
    ):
        self.offset = offset
        self.size = size


PagingParams = Annotated[Paging, Depends()]


def raw_object_path(request: Request, prefix: str, suffix: str = "") -> tuple[str, ...]:
    """The object path exactly as sent, percent-encoding intact, so a '%2F' inside a name stays in the name.

    The router only sees the decoded path (where '%2F' already became '/'), hence the raw ASGI path.
    """
    raw = request.scope.get("raw_path")
    text = raw.decode("utf-8", errors="replace") if raw else request.url.path
    _, found, rest = text.partition(prefix)
    if not found:
        rest = request.path_params.get("objectPath", "")
    if suffix and rest.endswith(suffix):
        rest = rest[: -len(suffix)]
    return parse_path(rest)


def ends_with_literal(request: Request, suffix: str) -> bool:
    raw = request.scope.get("raw_path")
    return (raw.decode("utf-8", errors="replace") if raw else request.url.path).endswith(suffix)
