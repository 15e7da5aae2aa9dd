"""/events: the change-event feed in id order, filtered by type and path; data owners see their subtrees'."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.schemas.objects import EventBody
from api.support.auth import CurrentPrincipal
from api.support.deps import DbSession
from api.support.error_responses import ERROR_RESPONSES
from api.support.object_views import event_body
from domain.paths import parse_path
from services.delivery.event_feed import list_events

router = APIRouter(tags=["events"])


@router.get("/events", response_model=list[EventBody], responses=ERROR_RESPONSES)
def read_events(
    principal: CurrentPrincipal, session: DbSession,
    after_id: Annotated[int, Query(alias="afterId", ge=0, le=2**63 - 1, description="events after this id")] = 0,
    event_types: Annotated[list[str] | None, Query(alias="type", max_length=50,
                                                   description="only these types (repeatable)")] = None,
    path: Annotated[str | None, Query(max_length=4000, description="only at or below this object path")] = None,
    size: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[EventBody]:
    """Poll with `afterId` set to the last id seen to follow the feed."""
    prefix = parse_path(path) if path else None
    events = list_events(session, visible_to=principal, after_id=after_id, types=event_types, path_prefix=prefix,
                         limit=size)
    return [event_body(e) for e in events]
