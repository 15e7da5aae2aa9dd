"""Read models of the catalog for the API: an object with its paged children, dictionary, tags and history."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.deps import Paging
from api.schemas.objects import (
    ChildBody,
    ChildrenPage,
    ColumnBody,
    EventBody,
    HistoryPage,
    ObjectSettingsBody,
    ObjectView,
    OwnerBody,
    TagBody,
)
from domain.paths import dotted_name
from models import ChangeEvent, Column, DataObject, Job, ObjectTag
from services.connections.object_settings import ObjectSettings, settings_of

DICTIONARY_KINDS = ("table", "view")


def settings_body(settings: ObjectSettings) -> ObjectSettingsBody:
    return ObjectSettingsBody(
        is_active=settings.is_active, activate_new_children=settings.activate_new_children,
        data_owners=[OwnerBody(type=o.type, name=o.name) for o in settings.data_owners],
    )


def children_page(session: Session, obj: DataObject, paging: Paging, only: Collection[str] | None) -> ChildrenPage:
    condition = DataObject.parent_id == obj.id
    if only is not None:
        condition = condition & DataObject.name.in_(sorted(only))
    count = session.scalar(select(func.count()).select_from(DataObject).where(condition)) or 0
    rows = session.execute(
        select(DataObject.name, DataObject.kind, DataObject.path, DataObject.effective_status, DataObject.remote_state)
        .where(condition).order_by(DataObject.name).offset(paging.offset).limit(paging.size)
    ).all()
    return ChildrenPage(
        offset=paging.offset, size=paging.size, count=count,
        items=[ChildBody(name=r.name, kind=r.kind, object_path=list(r.path), effective_status=r.effective_status,
                         remote_state=r.remote_state) for r in rows],
    )


def dictionary(session: Session, obj: DataObject) -> list[ColumnBody] | None:
    if obj.kind not in DICTIONARY_KINDS:
        return None
    columns = session.scalars(select(Column).where(Column.table_id == obj.id).order_by(Column.ordinal, Column.name))
    return [ColumnBody(name=c.name, ordinal=c.ordinal, data_type=c.data_type, nullable=c.nullable,
                       comment=c.comment, tags=list(c.tags or [])) for c in columns]


def object_view(session: Session, obj: DataObject, paging: Paging, only_children: Collection[str] | None) -> ObjectView:
    tags = session.execute(
        select(ObjectTag.name, ObjectTag.system).where(ObjectTag.object_id == obj.id).order_by(ObjectTag.name)
    ).all()
    is_data_source = obj.kind in DICTIONARY_KINDS and obj.effective_status == "enabled"
    return ObjectView(
        object_path=list(obj.path), name=obj.name, kind=obj.kind, remote_kind=obj.remote_kind,
        effective_status=obj.effective_status, data_source_name=dotted_name(obj.path) if is_data_source else None,
        remote_state=obj.remote_state, settings=settings_body(settings_of(session, obj)), comment=obj.comment,
        owner=obj.owner,
        revision=obj.revision, first_seen_at=obj.first_seen_at, last_changed_at=obj.last_changed_at,
        deleted_remotely_at=obj.deleted_remotely_at, tags=[TagBody(name=t.name, system=t.system) for t in tags],
        children=children_page(session, obj, paging, only_children), dictionary=dictionary(session, obj),
    )


def history_page(session: Session, path: list[str], paging: Paging) -> HistoryPage:
    """The object's own change events, newest first (they stay after the object is deleted)."""
    condition = ChangeEvent.object_path == path
    count = session.scalar(select(func.count()).select_from(ChangeEvent).where(condition)) or 0
    rows = session.execute(
        select(ChangeEvent, Job.bulk_id).outerjoin(Job, Job.id == ChangeEvent.job_id)
        .where(condition).order_by(ChangeEvent.id.desc()).offset(paging.offset).limit(paging.size)
    ).all()
    return HistoryPage(
        offset=paging.offset, size=paging.size, count=count,
        items=[EventBody(id=e.id, event_id=str(e.event_id), type=e.type, object_path=list(e.object_path),
                         payload=e.payload or {}, bulk_id=str(bulk_id) if bulk_id else None,
                         occurred_at=e.occurred_at) for e, bulk_id in rows],
    )
