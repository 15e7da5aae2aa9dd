"""Settings of any data object: isActive (enabled/disabled/inherit), activateNewChildren, dataOwners.

A status change is stored at once and propagated to the subtree by a background job (a bulkId), which
recomputes effective statuses, keeps connection tags on data sources only, and emits data_source.enabled /
data_source.disabled for tables that flipped.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from catalog.data_object_store import object_at_path
from catalog.job_store import lock_job
from catalog.outbox import write_events
from catalog.principal_store import (
    direct_owner_grants,
    group_ids_by_name,
    replace_direct_owner_grants,
    user_ids_by_name,
)
from catalog.session import Session, transaction_time
from catalog.status_propagation import CONTAINER_KINDS, data_source_events, inherit_below, refresh_effective_status
from domain import change_types as ev
from domain.errors import DataObjectNotFound, Invalid
from domain.jobs import TERMINAL_STATUSES
from domain.paths import format_path, validate_path
from domain.status import DISABLED, ENABLED, INHERIT
from models import DataObject, Job
from services.enqueue import PROPAGATE_STATUS, enqueue

SETTINGS_JOB_KIND = "settings"


class InvalidObjectSetting(Invalid):
    pass


class UnknownDataOwner(Invalid):
    """A data owner named in the request is no known user or group."""

    def __init__(self, kind: str, name: str):
        super().__init__(f"no {kind} named {name!r}")


@dataclass(frozen=True, slots=True)
class OwnerRef:
    type: Literal["user", "group"]
    name: str


@dataclass(frozen=True, slots=True)
class SettingsChange:
    """None leaves a setting as it is."""

    is_active: str | None = None
    activate_new_children: str | None = None
    data_owners: Sequence[OwnerRef] | None = None


@dataclass(frozen=True, slots=True)
class ObjectSettings:
    """An object's own settings (not the effective status it inherits) and its direct data owners."""

    is_active: str
    activate_new_children: str
    data_owners: list[OwnerRef]


def get_object(session: Session, path: Sequence[str], *, for_update: bool = False) -> DataObject:
    validate_path(list(path))
    obj = object_at_path(session, path, for_update=for_update)
    if obj is None:
        raise DataObjectNotFound(path)
    return obj


def update_settings(
    session: Session, path: Sequence[str], change: SettingsChange, *, requested_by: str | None = None
) -> Job | None:
    """Store the settings; returns the queued propagation job when the status setting changed.

    The propagation task is sent when the caller's session commits.
    """
    obj = get_object(session, path, for_update=True)
    for value in (change.is_active, change.activate_new_children):
        if value is not None and value not in (ENABLED, DISABLED, INHERIT):
            raise InvalidObjectSetting(f"a setting must be enabled, disabled or inherit, got {value!r}")
    if change.data_owners is not None:
        replace_data_owners(session, obj.id, change.data_owners)
    if change.activate_new_children is not None:
        obj.activate_new_children = change.activate_new_children
    if change.is_active is None or change.is_active == obj.status_setting:
        session.flush()
        return None
    if obj.kind == "connection" and change.is_active == INHERIT:
        raise InvalidObjectSetting("a connection has no parent to inherit its status from; use enabled or disabled")
    obj.status_setting = change.is_active
    obj.revision += 1
    if change.is_active == ENABLED and obj.kind in CONTAINER_KINDS:
        inherit_below(session, obj.id)  # enabling a parent enables its whole hierarchy
    job = Job(
        bulk_id=uuid.uuid4(), kind=SETTINGS_JOB_KIND, connection_id=obj.connection_id, connection_key=obj.path[0],
        scope_path=list(obj.path), requested_by=requested_by, status="queued",
        options={"isActive": change.is_active}, errors=[], summary={}, planned_changes=[],
    )
    session.add(job)
    session.flush()
    enqueue(session, PROPAGATE_STATUS, job.id)
    return job


def replace_data_owners(session: Session, object_id: int, owners: Sequence[OwnerRef]) -> None:
    """The object's direct DATA_OWNER grants become exactly `owners` (inherited ones are untouched)."""
    user_names = sorted({o.name for o in owners if o.type == "user"})
    group_names = sorted({o.name for o in owners if o.type == "group"})
    users = user_ids_by_name(session, user_names)
    groups = group_ids_by_name(session, group_names)
    for kind, names, found in (("user", user_names, users), ("group", group_names, groups)):
        missing = [n for n in names if n not in found]
        if missing:
            raise UnknownDataOwner(kind, missing[0])
    replace_direct_owner_grants(session, object_id, users.values(), groups.values())


def read_settings(session: Session, path: Sequence[str]) -> ObjectSettings:
    obj = get_object(session, path)
    return settings_of(session, obj)


def settings_of(session: Session, obj: DataObject) -> ObjectSettings:
    return ObjectSettings(obj.status_setting, obj.activate_new_children,
                          direct_data_owners(session, [obj.id]).get(obj.id, []))


def direct_data_owners(session: Session, object_ids: Sequence[int]) -> dict[int, list[OwnerRef]]:
    """Direct DATA_OWNER grants of several objects in one query."""
    rows = direct_owner_grants(session, object_ids)
    owners: dict[int, list[OwnerRef]] = {}
    for object_id, user_name, group_name in rows:
        ref = OwnerRef("user", user_name) if user_name is not None else OwnerRef("group", group_name)
        if object_id is not None:
            owners.setdefault(object_id, []).append(ref)
    return owners


def propagate_status(session: Session, job_id: int) -> dict[str, int] | None:
    """Run a settings job: recompute the subtree's effective statuses and emit data source events.

    Idempotent under redelivery: a finished job is skipped and event ids derive from the bulkId.
    """
    job = lock_job(session, job_id)
    if job is None or job.status in TERMINAL_STATUSES:
        return None
    root = object_at_path(session, job.scope_path)
    if root is None:
        job.status, job.errors = "failed", [{"scope": format_path(job.scope_path), "message": "object was deleted"}]
        job.finished_at = transaction_time()
        write_events(session, job.connection_key or job.scope_path[0],
                     [_settings_job_finished(job, {"status": "failed", "error": "object was deleted"})], job_id=job.id)
        return None
    flips = refresh_effective_status(session, [root.id])
    events = data_source_events(flips, f"settings:{job.bulk_id}")
    for event in events:
        event.payload["bulkId"] = str(job.bulk_id)
    summary = {"objectsChanged": len(flips),
               "dataSourcesEnabled": sum(e.type.endswith("enabled") for e in events),
               "dataSourcesDisabled": sum(e.type.endswith("disabled") for e in events)}
    events.append(_settings_job_finished(job, {"status": "succeeded", "summary": summary}))
    object_ids = {f.path: f.id for f in flips} | {tuple(root.path): root.id}
    write_events(session, job.connection_key or root.path[0], events, job_id=job.id, object_ids=object_ids)
    job.status, job.summary, job.subtasks_total, job.subtasks_succeeded = "succeeded", summary, 1, 1
    job.started_at = job.started_at or transaction_time()
    job.finished_at = transaction_time()
    return summary


def _settings_job_finished(job: Job, outcome: dict[str, object]) -> ev.PlannedEvent:
    return ev.planned(ev.JOB_FINISHED, tuple(job.scope_path), 0,
                      {"bulkId": str(job.bulk_id), "jobKind": "settings", **outcome}, str(job.bulk_id))
