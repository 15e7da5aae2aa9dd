"""Which events a webhook subscription wants: event types (exact or `column.*`) and an object path prefix."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from domain.change_types import ChangeType, outbox_type_name
from domain.errors import Invalid
from domain.paths import InvalidPath, parse_path

EVENT_TYPES = tuple(ChangeType)
EVENT_FAMILIES = tuple(sorted({t.split(".", 1)[0] + ".*" for t in EVENT_TYPES}))


class InvalidSubscriptionFilter(Invalid):
    """A webhook subscription's event type that is unknown, or a path prefix that is malformed."""


def normalize_event_types(types: Iterable[str]) -> list[str]:
    """Accept `column.added`, `objectsync.column.added` or `column.*`; reject anything unknown."""
    result: list[str] = []
    for raw in types:
        name = outbox_type_name(str(raw).strip())
        if name not in EVENT_TYPES and name not in EVENT_FAMILIES:
            raise InvalidSubscriptionFilter(
                f"unknown event type {raw!r}; known: {', '.join(EVENT_TYPES)} (or a family such as 'column.*')"
            )
        if name not in result:
            result.append(name)
    return result


def normalize_path_prefix(prefix: str | Sequence[str] | None) -> list[str]:
    """A path prefix as the URL-style string (`pg/app/Sales`) or as a list of segments."""
    if prefix is None or prefix == "" or prefix == []:
        return []
    try:
        if isinstance(prefix, str):
            return list(parse_path(prefix))
        segments = [str(s) for s in prefix]
        if not 1 <= len(segments) <= 4 or any(s == "" for s in segments):
            raise InvalidPath("path prefix must have 1 to 4 non-empty segments")
        return segments
    except InvalidPath as exc:
        raise InvalidSubscriptionFilter(f"invalid path prefix: {exc}") from None
