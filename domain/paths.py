"""Object paths: [connectionKey, database, schema, table] as lists, and as URL-style strings; object kinds.

In string form segments are joined by '/' and percent-encoded, so names holding '/', '%', quotes,
spaces or unicode round-trip exactly: 'pg/app%2Fdb/Sales/Order Items'. A name that is a dot segment ('.' or
'..') is written '%2E' / '%2E%2E', so no client or proxy normalising a URL can turn it into "this" or "the
parent"; a raw dot segment in a path string is refused, since whoever sent it meant a different object.
"""

from __future__ import annotations

from enum import StrEnum
from urllib.parse import quote, unquote

from domain.errors import Invalid


class ObjectKind(StrEnum):
    """What a data object is; a path's depth says which (a table-depth object is a table or a view)."""

    CONNECTION = "connection"
    DATABASE = "database"
    SCHEMA = "schema"
    TABLE = "table"
    VIEW = "view"


#: Data sources: the objects that carry columns and connection tags.
DATA_SOURCE_KINDS = frozenset({ObjectKind.TABLE, ObjectKind.VIEW})
KINDS_BY_DEPTH = {1: ObjectKind.CONNECTION, 2: ObjectKind.DATABASE, 3: ObjectKind.SCHEMA, 4: ObjectKind.TABLE}


class InvalidPath(Invalid):
    pass


class DotSegmentInPath(InvalidPath):
    """A raw '.' or '..' segment: it names no object here, and a normalising client would retarget it."""

    def __init__(self, text: str):
        super().__init__(f"object path {text!r} holds a raw '.' or '..' segment; write a name that is a dot "
                         "segment percent-encoded ('%2E', '%2E%2E')")


DOT_SEGMENTS = frozenset({".", ".."})


def has_dot_segment(text: str) -> bool:
    """Whether a path as sent (still percent-encoded) holds a raw '.' or '..' segment."""
    return any(segment in DOT_SEGMENTS for segment in text.split("/"))


def parse_path(text: str) -> tuple[str, ...]:
    if not text or not text.strip("/"):
        raise InvalidPath("object path is empty")
    if has_dot_segment(text):
        raise DotSegmentInPath(text)
    try:
        segments = tuple(unquote(s, errors="strict") for s in text.strip("/").split("/"))
    except UnicodeDecodeError as error:
        raise InvalidPath(f"object path holds a percent-escape that is not UTF-8: {text!r}") from error
    validate_path(segments)
    return segments


def format_segment(segment: str) -> str:
    """One name as a path segment: percent-encoded, and a dot segment spelled with '%2E'."""
    return segment.replace(".", "%2E") if segment in DOT_SEGMENTS else quote(segment, safe="")


def format_path(path: tuple[str, ...] | list[str]) -> str:
    return "/".join(format_segment(segment) for segment in path)


def validate_path(path: tuple[str, ...] | list[str]) -> None:
    if not 1 <= len(path) <= 4:
        raise InvalidPath(f"object path must have 1 to 4 segments (connection/database/schema/table), got {len(path)}")
    if any(segment == "" for segment in path):
        raise InvalidPath("object path segments must not be empty")


def dotted_name(path: tuple[str, ...] | list[str]) -> str:
    """`Connection.DATABASE.SCHEMA.TABLE` with the platform's casing (a data source's display name)."""
    return ".".join(path)
