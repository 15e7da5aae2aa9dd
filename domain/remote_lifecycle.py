"""What both diffs do when an object leaves or returns to the platform, and the guard on mass deletion.

An object missing from a complete listing is not removed: it is marked deleted remotely and disabled, and
its setting is kept so that it comes back as it was when the platform lists it again. A run that would mark
more than the threshold of what it checked deleted is held instead (a listing that silently came back short
must not disable a whole scope); the caller reports the trip and changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Protocol

from domain import change_types as ev
from domain.status import DISABLED, EffectiveStatus, RemoteState, effective_status


class StoredObject(Protocol):
    """The fields of a stored table or container the remote lifecycle reads."""

    @property
    def kind(self) -> str: ...
    @property
    def status_setting(self) -> str: ...
    @property
    def effective_status(self) -> str: ...
    @property
    def revision(self) -> int: ...
    @property
    def status_before_deletion(self) -> str | None: ...


def restore(obj: StoredObject, path: tuple[str, ...], parent_effective: str) -> tuple[dict[str, Any], ev.PlannedEvent]:
    """The values and event of an object listed again: its setting from before the deletion comes back."""
    revision = obj.revision + 1
    setting = obj.status_before_deletion or obj.status_setting
    status = effective_status(setting, parent_effective)
    values = {"remote_state": RemoteState.PRESENT, "status_setting": setting, "effective_status": status,
              "status_before_deletion": None, "revision": revision}
    return values, ev.planned(ev.OBJECT_RESTORED, path, revision, {"kind": obj.kind, "status": status})


def mark_deleted(obj: StoredObject, path: tuple[str, ...]) -> tuple[dict[str, Any], ev.PlannedEvent]:
    """The values and event of an object the platform no longer lists: disabled, its setting kept aside."""
    revision = obj.revision + 1
    values = {"remote_state": RemoteState.DELETED, "status_before_deletion": obj.status_setting,
              "status_setting": DISABLED, "effective_status": EffectiveStatus.DISABLED, "revision": revision}
    return values, ev.planned(ev.OBJECT_DELETED_REMOTELY, path, revision, {
        "kind": obj.kind, "before": {"status": obj.effective_status}, "after": {"status": DISABLED},
    })


@dataclass(frozen=True, slots=True)
class GuardTrip:
    """Deletions held back because they exceed the mass-deletion threshold."""

    would_delete: tuple[str, ...]
    present: int
    threshold: float

    @property
    def message(self) -> str:
        return (
            f"held {len(self.would_delete)} of {self.present} objects marked deleted remotely "
            f"(over the {self.threshold:.0%} threshold); crawl again with allow_mass_deletion to apply"
        )


def exceeds_threshold(deleting: int, present: int, threshold: float, *, allow_mass_deletion: bool) -> bool:
    """Whether marking `deleting` of the `present` objects a run checked deleted must be held."""
    return not allow_mass_deletion and deleting > threshold * present


def guard_trip(scope_path: tuple[str, ...], would_delete: tuple[str, ...], present: int, threshold: float, *,
               identity: Any, **detail: Any) -> tuple[GuardTrip, ev.PlannedEvent]:
    """The trip and its `sync.guard_tripped` event on the scope.

    `identity` (JSON) names the held deletions: the same deletions held again give the same event id.
    `detail` adds fields to the payload.
    """
    trip = GuardTrip(would_delete, present, threshold)
    digest = hashlib.blake2b(json.dumps(identity).encode(), digest_size=8).hexdigest()
    return trip, ev.planned(ev.SYNC_GUARD_TRIPPED, scope_path, 0, {
        "message": trip.message, **detail, "wouldDelete": list(would_delete[:100]),
        "wouldDeleteCount": len(would_delete), "present": present, "threshold": threshold,
    }, digest)
