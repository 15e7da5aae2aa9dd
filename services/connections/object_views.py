"""What every door shows of a data object: settings, effective status, tags, paged children (with their
data owners and `New` columns), the dictionary of a table or view, and its change history."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from catalog import object_view_store as store
from catalog.session import Session
from domain.paths import dotted_name
from models import ChangeEvent
from services.connections.object_settings import ObjectSettings, OwnerRef, direct_data_owners, get_object, settings_of

DICTIONARY_KINDS = ("table", "view")


@dataclass(frozen=True, slots=True)
class ChildSummary:
    name: str
    kind: str
    path: tuple[str, ...]
    status_setting: str
    effective_status: str
    remote_state: str
    data_owners: list[OwnerRef]
    #: Columns tagged `New` (tables and views only).
    new_columns: int


@dataclass(frozen=True, slots=True)
class ChildrenPage:
    offset: int
    size: int
    count: int
    items: list[ChildSummary]


@dataclass(frozen=True, slots=True)
class ColumnDetails:
    name: str
    ordinal: int
    data_type: str
    nullable: bool
    comment: str | None
    tags: list[str]


@dataclass(frozen=True, slots=True)
class TagDetails:
    name: str
    system: bool


@dataclass(frozen=True, slots=True)
class ObjectDetails:
    path: tuple[str, ...]
    name: str
    kind: str
    remote_kind: str | None
    effective_status: str
    #: `Connection.DATABASE.SCHEMA.TABLE` when the object is a data source (an enabled table or view).
    data_source_name: str | None
    remote_state: str
    settings: ObjectSettings
    comment: str | None
    owner: str | None
    revision: int
    first_seen_at: datetime
    last_changed_at: datetime
    deleted_remotely_at: datetime | None
    tags: list[TagDetails]
    children: ChildrenPage
    dictionary: list[ColumnDetails] | None


@dataclass(frozen=True, slots=True)
class EventRecord:
    id: int
    event_id: str
    type: str
    connection_key: str
    object_path: list[str]
    payload: dict[str, Any]
    bulk_id: str | None
    occurred_at: datetime
    change: ChangeEvent  # the outbox row, for doors that send the event as the CloudEvent it is


@dataclass(frozen=True, slots=True)
class EventPage:
    offset: int
    size: int
    count: int
    items: list[EventRecord]


def read_object(session: Session, path: Sequence[str], *, offset: int = 0, limit: int = 100,
                only_children: Collection[str] | None = None) -> ObjectDetails:
    """The object at `path`; `only_children` restricts the children listed (what a data owner may see)."""
    obj = get_object(session, path)
    rows = store.children(session, obj.id, only_children, offset, limit)
    owners = direct_data_owners(session, [r.id for r in rows])
    new_columns = store.new_column_counts(session, [r.id for r in rows if r.kind in DICTIONARY_KINDS])
    children = ChildrenPage(
        offset=offset, size=limit, count=store.count_children(session, obj.id, only_children),
        items=[ChildSummary(name=r.name, kind=r.kind, path=tuple(r.path), status_setting=r.status_setting,
                            effective_status=r.effective_status, remote_state=r.remote_state,
                            data_owners=owners.get(r.id, []), new_columns=new_columns.get(r.id, 0))
               for r in rows],
    )
    dictionary = None
    if obj.kind in DICTIONARY_KINDS:
        dictionary = [ColumnDetails(name=c.name, ordinal=c.ordinal, data_type=c.data_type, nullable=c.nullable,
                                    comment=c.comment, tags=list(c.tags or []))
                      for c in store.table_columns(session, obj.id)]
    is_data_source = obj.kind in DICTIONARY_KINDS and obj.effective_status == "enabled"
    return ObjectDetails(
        path=tuple(obj.path), name=obj.name, kind=obj.kind, remote_kind=obj.remote_kind,
        effective_status=obj.effective_status, data_source_name=dotted_name(obj.path) if is_data_source else None,
        remote_state=obj.remote_state, settings=settings_of(session, obj), comment=obj.comment, owner=obj.owner,
        revision=obj.revision, first_seen_at=obj.first_seen_at, last_changed_at=obj.last_changed_at,
        deleted_remotely_at=obj.deleted_remotely_at,
        tags=[TagDetails(name=name, system=system) for name, system in store.object_tags(session, obj.id)],
        children=children, dictionary=dictionary,
    )


def event_record(event: ChangeEvent, bulk_id: uuid.UUID | None) -> EventRecord:
    return EventRecord(id=event.id, event_id=str(event.event_id), type=event.type,
                       connection_key=event.connection_key, object_path=list(event.object_path or []),
                       payload=event.payload or {}, bulk_id=str(bulk_id) if bulk_id else None,
                       occurred_at=event.occurred_at, change=event)


def object_history(session: Session, path: Sequence[str], *, offset: int = 0, limit: int = 100) -> EventPage:
    """The object's own change events, newest first; they outlive the object, so a deleted object still has
    its history (a path that never existed: DataObjectNotFound)."""
    count = store.count_history(session, path)
    if count == 0:
        get_object(session, path)
    return EventPage(offset=offset, size=limit, count=count,
                     items=[event_record(e, b) for e, b in store.history(session, path, offset, limit)])
