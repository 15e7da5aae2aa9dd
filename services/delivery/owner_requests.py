"""Owner validation requests: listed, and validated by an owner (or governance).

A crawl raises them (services/crawl/owner_requests.py). Validating a column-added or type-changed request
removes the column's `New` tag and emits `request.resolved`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from catalog import owner_request_store as store
from catalog.outbox import write_events
from catalog.session import Session
from domain import change_types as ev
from domain.errors import Conflict, NotFound

#: Kinds whose column carries the `New` tag until the request is validated.
TAGGING_KINDS = ("column_added", "column_type_changed")
PENDING, VALIDATED = "pending", "validated"


class OwnerRequestNotFound(NotFound):
    def __init__(self, request_id: int):
        super().__init__(f"no owner request with id {request_id}")


class OwnerRequestAlreadyResolved(Conflict):
    def __init__(self, request_id: int):
        super().__init__(f"owner request {request_id} is already validated")


#: A request as the API shows it, with its table's path.
OwnerRequestView = store.OwnerRequestRow


def _write(session: Session, connection_key: str, events: list[tuple[ev.PlannedEvent, int]]) -> None:
    write_events(session, connection_key, [e for e, _ in events], object_ids={e.path: oid for e, oid in events})


def list_requests(
    session: Session,
    *,
    status: str | None = None,
    owned_paths: Sequence[Sequence[str]] | None = None,
    after_id: int = 0,
    limit: int = 100,
) -> list[OwnerRequestView]:
    """Requests oldest first; `owned_paths` (None: all) restricts to tables under those paths."""
    if status is not None and status not in (PENDING, VALIDATED):
        raise ValueError("status must be 'pending' or 'validated'")
    if owned_paths is not None and not owned_paths:
        return []
    return store.list_requests(session, status=status, owned_paths=owned_paths, after_id=after_id,
                               limit=max(1, min(limit, 1000)))


def count_requests(session: Session, *, status: str | None = None,
                   owned_paths: Sequence[Sequence[str]] | None = None, after_id: int = 0) -> int:
    """How many requests `list_requests` would list without a limit."""
    if owned_paths is not None and not owned_paths:
        return 0
    return store.count_requests(session, status=status, owned_paths=owned_paths, after_id=after_id)


def get_request(session: Session, request_id: int) -> OwnerRequestView:
    for view in list_requests(session, after_id=request_id - 1, limit=1):
        if view.id == request_id:
            return view
    raise OwnerRequestNotFound(request_id)


def validate_request(session: Session, request_id: int, *, user_id: int | None) -> OwnerRequestView:
    """Mark the request validated; for an added or retyped column also drop its `New` tag. Emits request.resolved."""
    request = store.lock_request(session, request_id)
    if request is None:
        raise OwnerRequestNotFound(request_id)
    if request.status != PENDING:
        raise OwnerRequestAlreadyResolved(request_id)
    tags_before = tags_after = None
    if request.kind in TAGGING_KINDS:
        tagged = store.remove_column_tag(session, request.table_id, request.column_name, ev.NEW_TAG)
        if tagged is not None:
            tags_before, tags_after = tagged
    store.mark_validated(session, request_id, user_id)
    detail = request.source_event_id or str(uuid.uuid4())
    path = request.table_path
    event = ev.PlannedEvent(
        ev.REQUEST_RESOLVED, path, ev.stable_event_id(ev.REQUEST_RESOLVED, path, 0, detail),
        {"requestId": request_id, "kind": request.kind, "column": request.column_name, "resolvedBy": user_id,
         "before": {"status": PENDING, "tags": tags_before}, "after": {"status": VALIDATED, "tags": tags_after}},
    )
    _write(session, request.connection_key, [(event, request.table_id)])
    session.flush()
    return get_request(session, request_id)
