"""/events: the change-event feed in id order, for consumers without webhooks; data owners see their subtrees'."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.schemas.common import Page
from api.schemas.objects import EventBody
from api.support.auth import CurrentPrincipal
from api.support.deps import DbSession
from api.support.error_responses import ERROR_RESPONSES
from api.support.object_views import event_body
from domain.paths import parse_path
from services.delivery.event_feed import count_events, feed_types, list_events

router = APIRouter(tags=["events"])


@router.get("/events", response_model=Page[EventBody], responses=ERROR_RESPONSES)
def list_change_events(
    principal: CurrentPrincipal, session: DbSession,
    cursor: Annotated[str | None, Query(max_length=20, pattern=r"^[0-9]+$",
                                        description="nextCursor of the previous page: events after it")] = None,
    event_types: Annotated[list[str] | None, Query(alias="type", max_length=50,
                                                   description="only these types (repeatable), with or without "
                                                               "the `objectsync.` prefix")] = None,
    path: Annotated[str | None, Query(max_length=4000, description="only at or below this object path")] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="events per page")] = 100,
) -> Page[EventBody]:
    """CloudEvents in outbox order. Poll with `cursor` set to the last page's `nextCursor` to follow the feed:
    it is never null, so an empty page tells you to wait and ask again with the same cursor. `total` counts the
    matching events after the cursor, this page's included."""
    after_id = int(cursor) if cursor else 0
    prefix = parse_path(path) if path else None
    event_types = feed_types(event_types)
    events = list_events(session, visible_to=principal, after_id=after_id, types=event_types, path_prefix=prefix,
                         limit=limit)
    total = count_events(session, visible_to=principal, after_id=after_id, types=event_types, path_prefix=prefix)
    return Page[EventBody](items=[event_body(e) for e in events], total=total,
                           next_cursor=str(events[-1].id if events else after_id))
