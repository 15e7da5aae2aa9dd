"""The change-event feed, filtered by type and path, refreshing itself."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from console.support.deps import CurrentViewer, DbSession
from console.support.rendering import page
from domain import change_types
from domain.paths import parse_path
from services.delivery.event_feed import list_events

router = APIRouter()
FEED_SIZE = 100
EVENT_TYPES = sorted(value for name, value in vars(change_types).items()
                     if name.isupper() and isinstance(value, str) and "." in value)


def _feed(request: Request, session: DbSession, viewer: CurrentViewer) -> dict:
    event_type = request.query_params.get("type") or None
    path_text = (request.query_params.get("path") or "").strip()
    errors: dict[str, str] = {}
    prefix = None
    if path_text:
        try:
            prefix = parse_path(path_text)
        except ValueError as exc:
            errors["path"] = str(exc)
    events = [] if errors else list_events(session, visible_to=viewer.principal, types=[event_type] if event_type
                                           else None, path_prefix=prefix, newest_first=True, limit=FEED_SIZE)
    return {"events": events, "event_type": event_type, "path": path_text, "errors": errors,
            "event_types": EVENT_TYPES}


@router.get("/events")
def events(request: Request, session: DbSession, viewer: CurrentViewer) -> Response:
    return page(request, "events.html", tab="events", **_feed(request, session, viewer))


@router.get("/events/rows")
def event_rows(request: Request, session: DbSession, viewer: CurrentViewer) -> Response:
    return page(request, "_event_rows.html", **_feed(request, session, viewer))
