"""The change-event feed as people read it (console, API): filtered by type and path, limited to what the
reader may see (global admins: everything; data owners: events on their subtrees)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from catalog.object_view_store import count_events as count_stored_events
from catalog.object_view_store import events_after
from catalog.outbox import event_id_before, last_event_id
from catalog.session import Session
from domain.change_types import outbox_type_name
from models import ChangeEvent
from services.access.permissions import Principal, owned_paths
from services.connections.object_views import EventRecord, event_record
from services.delivery.contract.registry import EVENT_MODELS, UnknownEventType

MAX_PAGE = 1000


def feed_types(given: Sequence[str] | None) -> list[str] | None:
    """The types a reader asked for, in either spelling (`column.added`, `objectsync.column.added`); an unknown
    one is refused (`Invalid`) rather than made a filter that silently matches nothing."""
    if not given:
        return None
    types = [outbox_type_name(raw.strip()) for raw in given]
    for raw, name in zip(given, types, strict=True):
        if name not in EVENT_MODELS:
            raise UnknownEventType(raw)
    return types


def list_events(session: Session, *, visible_to: Principal | None, after_id: int = 0, before_id: int | None = None,
                types: Collection[str] | None = None, path_prefix: Sequence[str] | None = None,
                newest_first: bool = False, limit: int = 100) -> list[EventRecord]:
    """Events after `after_id` (and before `before_id`) in id order, or newest first; `visible_to` None is the
    operator."""
    within = None if visible_to is None or visible_to.sees_everything else owned_paths(session, visible_to)
    rows = events_after(session, after_id=after_id, before_id=before_id, types=types, path_prefix=path_prefix,
                        within=within, newest_first=newest_first, limit=min(max(limit, 1), MAX_PAGE))
    return [event_record(event, bulk_id) for event, bulk_id in rows]


def count_events(session: Session, *, visible_to: Principal | None, after_id: int = 0,
                 types: Collection[str] | None = None, path_prefix: Sequence[str] | None = None) -> int:
    """How many events `list_events` would list in id order without a limit."""
    within = None if visible_to is None or visible_to.sees_everything else owned_paths(session, visible_to)
    return count_stored_events(session, after_id=after_id, types=types, path_prefix=path_prefix, within=within)


def read_change_events(session: Session, *, after_id: int = 0, path_prefix: Sequence[str] | None = None,
                       types: Collection[str] | None = None, limit: int = MAX_PAGE) -> list[ChangeEvent]:
    """The operator's read of the outbox (CLI): every event after `after_id` in id order, as stored."""
    rows = events_after(session, after_id=after_id, types=types, path_prefix=path_prefix, limit=limit)
    return [event for event, _bulk_id in rows]


def event_id_at(session: Session, when: datetime) -> int:
    """The id to read after to start at the first event that occurred at or after `when`."""
    return event_id_before(session, when)


def newest_event_id(session: Session) -> int:
    """The id of the newest change event, 0 when there is none."""
    return last_event_id(session)
