"""What both diffs do when an object leaves or returns to the platform, and the guard on mass deletion.

An object missing from a complete listing is not removed: it is marked deleted remotely and disabled, and
its setting is kept so that it comes back as it was when the platform lists it again. A run that would mark
at least the minimum count and more than the threshold share of what it checked deleted holds those deletions
(a listing that silently came back short must not disable a whole scope); everything else the run found is
applied, and every held run reports its trip with an event of its own.
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
    minimum: int = 1

    @property
    def message(self) -> str:
        return (
            f"held {len(self.would_delete)} of {self.present} objects marked deleted remotely "
            f"(at least {self.minimum} and over the {self.threshold:.0%} threshold); the rest of the changes "
            "were applied; to apply the deletions crawl again with --allow-mass-deletion "
            "(API: allowMassDeletion: true)"
        )


@dataclass(frozen=True, slots=True)
class MassDeletionGuard:
    """When a run's deletions are held: at least `minimum` of them and more than `threshold` of what it checked.

    `run_id` (the job) makes each held run's event its own, while a redelivered run repeats its event id.
    """

    threshold: float = 0.5
    minimum: int = 2
    allow: bool = False
    run_id: int = 0

    def holds(self, deleting: int, present: int) -> bool:
        return not self.allow and deleting >= self.minimum and deleting > self.threshold * present


def guard_trip(scope_path: tuple[str, ...], would_delete: tuple[str, ...], present: int, guard: MassDeletionGuard, *,
               identity: Any, **detail: Any) -> tuple[GuardTrip, ev.PlannedEvent]:
    """The trip and its `sync.guard_tripped` event on the scope.

    `identity` (JSON) names the held deletions: the same deletions held again in the same run give the same
    event id; another run gives another. `detail` adds fields to the payload.
    """
    threshold = guard.threshold
    trip = GuardTrip(would_delete, present, threshold, guard.minimum)
    digest = hashlib.blake2b(json.dumps([guard.run_id, identity]).encode(), digest_size=8).hexdigest()
    return trip, ev.planned(ev.SYNC_GUARD_TRIPPED, scope_path, 0, {
        "message": trip.message, **detail, "wouldDelete": list(would_delete[:100]),
        "wouldDeleteCount": len(would_delete), "present": present, "threshold": threshold,
        "minimum": guard.minimum,
    }, digest)
