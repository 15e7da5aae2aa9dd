"""CloudEvents 1.0 structured JSON for a change event: the one shape webhooks and the stream carry."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from domain.paths import format_path, format_segment
from models import ChangeEvent

SPEC_VERSION = "1.0"
TYPE_PREFIX = "objectsync."
CONTENT_TYPE = "application/json"


def event_type_name(outbox_type: str) -> str:
    """`column.added` → `objectsync.column.added` (reverse-DNS style, as CloudEvents recommends)."""
    return outbox_type if outbox_type.startswith(TYPE_PREFIX) else TYPE_PREFIX + outbox_type


def outbox_type_name(type_name: str) -> str:
    """Accept either spelling from users; the outbox stores the short one."""
    return type_name.removeprefix(TYPE_PREFIX)


def event_source(connection_key: str) -> str:
    return f"objectsync://connections/{format_segment(connection_key)}"


def to_cloudevent(event: ChangeEvent) -> dict[str, Any]:
    """`id` is the stable event id (dedupe on it); `sequence` is the outbox position (order on it)."""
    occurred = event.occurred_at or datetime.now(UTC)
    data: dict[str, Any] = {
        "objectPath": list(event.object_path),
        "objectId": event.object_id,
        "jobId": event.job_id,
    }
    data.update(event.payload or {})
    data.setdefault("before", None)
    data.setdefault("after", None)
    return {
        "specversion": SPEC_VERSION,
        "id": str(event.event_id),
        "type": event_type_name(event.type),
        "source": event_source(event.connection_key),
        "subject": format_path(event.object_path or [event.connection_key]),
        "time": occurred.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "datacontenttype": CONTENT_TYPE,
        "sequence": str(event.id),
        "data": data,
    }


def serialize(cloudevent: dict[str, Any]) -> str:
    """Compact, key-ordered JSON: the exact bytes that get signed and sent."""
    return json.dumps(cloudevent, ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=str)
