"""The API's bodies of the object read model: an object with its paged children, dictionary, tags and history."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from api.schemas.common import Page
from api.schemas.objects import ChildBody, ColumnBody, EventBody, ObjectSettingsBody, ObjectView, OwnerBody, TagBody
from api.support.paging import PageRequest
from catalog.session import Session
from services.connections.object_settings import ObjectSettings
from services.connections.object_views import EventRecord, object_history, read_object
from services.delivery.envelope import to_cloudevent


def settings_body(settings: ObjectSettings) -> ObjectSettingsBody:
    return ObjectSettingsBody(
        is_active=settings.is_active, activate_new_children=settings.activate_new_children,
        data_owners=[OwnerBody(type=o.type, name=o.name) for o in settings.data_owners],
    )


def event_body(event: EventRecord) -> EventBody:
    return to_cloudevent(event.change)


def object_view(session: Session, path: Sequence[str], paging: PageRequest,
                only_children: Collection[str] | None) -> ObjectView:
    obj = read_object(session, path, offset=paging.offset, limit=paging.limit, only_children=only_children)
    children = obj.children
    return ObjectView(
        object_path=list(obj.path), name=obj.name, kind=obj.kind, remote_kind=obj.remote_kind,
        effective_status=obj.effective_status, data_source_name=obj.data_source_name,
        remote_state=obj.remote_state, settings=settings_body(obj.settings), comment=obj.comment, owner=obj.owner,
        revision=obj.revision, first_seen_at=obj.first_seen_at, last_changed_at=obj.last_changed_at,
        deleted_remotely_at=obj.deleted_remotely_at, tags=[TagBody(name=t.name, system=t.system) for t in obj.tags],
        children=paging.page(
            [ChildBody(name=c.name, kind=c.kind, object_path=list(c.path), effective_status=c.effective_status,
                       remote_state=c.remote_state) for c in children.items], children.count),
        dictionary=None if obj.dictionary is None else [
            ColumnBody(name=c.name, ordinal=c.ordinal, data_type=c.data_type, nullable=c.nullable,
                       comment=c.comment, tags=c.tags) for c in obj.dictionary],
    )


def history_page(session: Session, path: Sequence[str], paging: PageRequest) -> Page[EventBody]:
    page = object_history(session, path, offset=paging.offset, limit=paging.limit)
    return paging.page([event_body(e) for e in page.items], page.count)
