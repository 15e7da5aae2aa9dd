"""Which events a webhook subscription wants: event types (exact or `column.*`) and an object path prefix."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from domain import change_types as ev
from domain.errors import Invalid
from domain.paths import InvalidPath, parse_path
from services.delivery.envelope import outbox_type_name

EVENT_TYPES = (
    ev.OBJECT_CREATED, ev.OBJECT_CHANGED, ev.OBJECT_DELETED_REMOTELY, ev.OBJECT_RESTORED, ev.OBJECT_DELETED,
    ev.DATA_SOURCE_ENABLED, ev.DATA_SOURCE_DISABLED,
    ev.COLUMN_ADDED, ev.COLUMN_DELETED, ev.COLUMN_TYPE_CHANGED, ev.COLUMN_CHANGED,
    ev.REQUEST_CREATED, ev.REQUEST_RESOLVED, ev.JOB_FINISHED, ev.SYNC_GUARD_TRIPPED,
)
EVENT_FAMILIES = tuple(sorted({t.split(".", 1)[0] + ".*" for t in EVENT_TYPES}))

#: SQL condition: change event `e` matches subscription `s` (empty filter lists match everything).
MATCHES_SQL = """
    (cardinality(s.event_types) = 0
     OR e.type = ANY(s.event_types)
     OR split_part(e.type, '.', 1) || '.*' = ANY(s.event_types))
    AND (cardinality(s.path_prefix) = 0
     OR e.object_path[1:cardinality(s.path_prefix)] = s.path_prefix)
"""


class InvalidSubscriptionFilter(Invalid):
    pass


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
