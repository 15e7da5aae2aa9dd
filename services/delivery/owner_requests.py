"""Owner validation requests: a column added to, deleted from or retyped on a data source asks its data owners to
look.

Raised by an outbox consumer (its own cursor), so the crawl transaction stays as small as it is; each
request is keyed by the change event that raised it, so re-reading the outbox never raises one twice.
Validating a column-added or type-changed request removes the column's `New` tag. Both steps emit events.
A renamed column (`column.renamed`) keeps its pending requests, under its new name.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from catalog import owner_request_store as store
from catalog.outbox import write_events
from catalog.outbox_cursors import OWNER_REQUESTS, advance_cursor, lock_cursor
from catalog.session import Session
from domain import change_types as ev
from domain.errors import Conflict, NotFound
from services.access.permissions import data_owners_of

KIND_BY_EVENT = {ev.COLUMN_ADDED: "column_added", ev.COLUMN_DELETED: "column_deleted",
                 ev.COLUMN_TYPE_CHANGED: "column_type_changed"}
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


def raise_owner_requests(session: Session, *, enabled: bool, batch_size: int = 1000) -> tuple[int, int]:
    """Read one outbox batch; create requests for column events on data sources; caller commits.

    Returns (events read, requests created).
    """
    cursor = lock_cursor(session, OWNER_REQUESTS)
    last, read = store.outbox_batch_end(session, cursor, batch_size)
    if last is None:
        return 0, 0
    created = store.raise_requests_for_column_events(session, cursor, last) if enabled else []
    store.follow_column_renames(session, cursor, last)  # a renamed column keeps its open requests
    if created:
        _emit_created(session, created)
    advance_cursor(session, OWNER_REQUESTS, last)
    return read, len(created)


def _emit_created(session: Session, requests: Sequence[store.RaisedRequest]) -> None:
    owners = {table_id: data_owners_of(session, table_id) for table_id in {r.table_id for r in requests}}
    by_connection: dict[str, list[tuple[ev.PlannedEvent, int]]] = {}
    for r in requests:
        source_event = str(r.source_event_id)
        event = ev.PlannedEvent(
            ev.REQUEST_CREATED, r.table_path, ev.stable_event_id(ev.REQUEST_CREATED, r.table_path, 0, source_event),
            {"requestId": r.id, "kind": r.kind, "column": r.column_name, "owners": owners[r.table_id],
             "sourceEventId": source_event, "before": None, "after": {"status": PENDING}},
        )
        by_connection.setdefault(r.connection_key, []).append((event, r.table_id))
    for connection_key, events in by_connection.items():
        _write(session, connection_key, events)


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
