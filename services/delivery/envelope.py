"""CloudEvents 1.0 for a change event: the one shape webhooks, the stream, the feed and the history carry.

Over HTTP (the CloudEvents HTTP binding) a webhook endpoint gets either structured mode, the whole event as
the body with `content-type: application/cloudevents+json`, or binary mode, the event's data as the body
(`content-type` is its `datacontenttype`) and every other attribute in a `ce-` header.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from domain.change_types import event_type_name
from domain.json_text import dumps
from domain.paths import format_path, format_segment
from models import ChangeEvent

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"  # of an event's data
STRUCTURED_CONTENT_TYPE = "application/cloudevents+json"


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
    data.setdefault("bulkId", None)  # events written before every event carried it
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


def serialize(cloudevent: Any) -> str:
    """Compact, key-ordered JSON: the exact bytes that get signed and sent."""
    return dumps(cloudevent, sort_keys=True).decode()


def structured_message(cloudevent: dict[str, Any]) -> tuple[dict[str, str], str]:
    """Headers and body of the event in structured mode."""
    return {"content-type": STRUCTURED_CONTENT_TYPE}, serialize(cloudevent)


def binary_message(cloudevent: dict[str, Any]) -> tuple[dict[str, str], str]:
    """Headers and body of the event in binary mode: `ce-` headers, percent-encoded as the binding says."""
    headers = {"content-type": cloudevent.get("datacontenttype", CONTENT_TYPE)}
    for name, value in cloudevent.items():
        if name not in ("data", "datacontenttype"):
            headers[f"ce-{name}"] = _header_value(str(value))
    return headers, serialize(cloudevent.get("data"))


def _header_value(text: str) -> str:
    """Space, '"', '%' and anything outside printable ASCII percent-encoded (UTF-8), the rest as is."""
    return "".join(ch if "!" <= ch <= "~" and ch not in '"%' else quote(ch, safe="") for ch in text)


def http_message(cloudevent: dict[str, Any], content_mode: str) -> tuple[dict[str, str], str]:
    return binary_message(cloudevent) if content_mode == "binary" else structured_message(cloudevent)
