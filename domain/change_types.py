"""The change event vocabulary and stable event ids."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

EVENT_NAMESPACE = uuid.UUID("5b0f3c1e-6a8e-4c1b-9d6e-0b7a51c2e9a4")


class ChangeType(StrEnum):
    """Every type of change event the outbox carries (`family.action`)."""

    OBJECT_CREATED = "object.created"
    OBJECT_CHANGED = "object.changed"
    OBJECT_DELETED_REMOTELY = "object.deleted_remotely"
    OBJECT_RESTORED = "object.restored"
    OBJECT_DELETED = "object.deleted"
    DATA_SOURCE_ENABLED = "data_source.enabled"
    DATA_SOURCE_DISABLED = "data_source.disabled"
    COLUMN_ADDED = "column.added"
    COLUMN_DELETED = "column.deleted"
    COLUMN_TYPE_CHANGED = "column.type_changed"
    COLUMN_CHANGED = "column.changed"
    COLUMN_RENAMED = "column.renamed"
    REQUEST_CREATED = "request.created"
    REQUEST_RESOLVED = "request.resolved"
    JOB_FINISHED = "job.finished"
    SYNC_GUARD_TRIPPED = "sync.guard_tripped"


# The members under their short names, as the diffs and services spell them (`ev.OBJECT_CREATED`).
OBJECT_CREATED = ChangeType.OBJECT_CREATED
OBJECT_CHANGED = ChangeType.OBJECT_CHANGED
OBJECT_DELETED_REMOTELY = ChangeType.OBJECT_DELETED_REMOTELY
OBJECT_RESTORED = ChangeType.OBJECT_RESTORED
OBJECT_DELETED = ChangeType.OBJECT_DELETED
DATA_SOURCE_ENABLED = ChangeType.DATA_SOURCE_ENABLED
DATA_SOURCE_DISABLED = ChangeType.DATA_SOURCE_DISABLED
COLUMN_ADDED = ChangeType.COLUMN_ADDED
COLUMN_DELETED = ChangeType.COLUMN_DELETED
COLUMN_TYPE_CHANGED = ChangeType.COLUMN_TYPE_CHANGED
COLUMN_CHANGED = ChangeType.COLUMN_CHANGED
COLUMN_RENAMED = ChangeType.COLUMN_RENAMED
REQUEST_CREATED = ChangeType.REQUEST_CREATED
REQUEST_RESOLVED = ChangeType.REQUEST_RESOLVED
JOB_FINISHED = ChangeType.JOB_FINISHED
SYNC_GUARD_TRIPPED = ChangeType.SYNC_GUARD_TRIPPED

NEW_TAG = "New"
TYPE_PREFIX = "objectsync."  # the CloudEvents type of `column.added` is `objectsync.column.added`


def event_type_name(outbox_type: str) -> str:
    """`column.added` → `objectsync.column.added` (reverse-DNS style, as CloudEvents recommends)."""
    return outbox_type if outbox_type.startswith(TYPE_PREFIX) else TYPE_PREFIX + outbox_type


def outbox_type_name(type_name: str) -> str:
    """Accept either spelling from users; the outbox stores the short one."""
    return type_name.removeprefix(TYPE_PREFIX)


def stable_event_id(event_type: str, path: tuple[str, ...], revision: int | str, detail: str = "") -> uuid.UUID:
    """The same change to the same object revision always gets the same id, whichever run found it."""
    key = json.dumps([event_type, list(path), str(revision), detail], ensure_ascii=False)
    return uuid.uuid5(EVENT_NAMESPACE, key)


@dataclass(frozen=True, slots=True)
class PlannedEvent:
    """A change event the diff wants written to the outbox with the change it describes."""

    type: str
    path: tuple[str, ...]
    event_id: uuid.UUID
    payload: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"type": self.type, "path": list(self.path), "eventId": str(self.event_id), "payload": self.payload}


def planned(
    event_type: str, path: tuple[str, ...], revision: int, payload: dict[str, Any], detail: str = ""
) -> PlannedEvent:
    return PlannedEvent(event_type, path, stable_event_id(event_type, path, revision, detail), payload)
