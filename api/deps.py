"""Request-scoped dependencies: a catalog session, paging, and object paths read from the raw URL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session

from catalog.session import session_factory
from domain.paths import parse_path


def db_session() -> Iterator[Session]:
    session = session_factory()()
    try:
        yield session
    finally:
        session.close()


DbSession = Annotated[Session, Depends(db_session)]


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
