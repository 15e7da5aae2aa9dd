"""Owner validation requests raised by a crawl: a column added to, deleted from or retyped on a data source asks
its data owners to look.

Raised inside the schema subtask's transaction, from the column events it has just written, so each request
belongs to the job (its `request.created` carries the job's bulkId) and is in the outbox before `job.finished`.
A table without a data owner asks governance instead: its request lists the users holding GOVERNANCE. With
nobody to ask (no owner, no governance user) no request is raised. Each request is keyed by the column event
that raised it, so a redelivered subtask never raises one twice. A renamed column (`column.renamed`) keeps its
pending requests, under its new name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from catalog import owner_request_store as store
from catalog.principal_store import data_owner_ids, governance_user_ids
from catalog.session import Session
from domain import change_types as ev

PENDING = "pending"


def raise_owner_requests(session: Session, job_id: int, after_event_id: int) -> list[tuple[ev.PlannedEvent, int]]:
    """Requests for the job's column events written after `after_event_id`; returns their `request.created`
    events with their tables' ids, for the caller to write before the job closes."""
    asked: dict[int, list[int]] = {}
    governance: list[int] | None = None

    def addressed(table_id: int) -> bool:
        nonlocal governance
        owners = data_owner_ids(session, table_id)
        if not owners:
            governance = governance_user_ids(session) if governance is None else governance
            owners = governance
        asked[table_id] = owners
        return bool(owners)

    raised = store.raise_requests_for_job_events(session, job_id, after_event_id, addressed)
    return [(_created(r, asked[r.table_id]), r.table_id) for r in raised]


def _created(request: store.RaisedRequest, owners: list[int]) -> ev.PlannedEvent:
    source_event = str(request.source_event_id)
    path = request.table_path
    return ev.PlannedEvent(
        ev.REQUEST_CREATED, path, ev.stable_event_id(ev.REQUEST_CREATED, path, 0, source_event),
        {"requestId": request.id, "kind": request.kind, "column": request.column_name, "owners": owners,
         "sourceEventId": source_event, "before": None, "after": {"status": PENDING}},
    )


def follow_renamed_columns(session: Session, events: Sequence[ev.PlannedEvent],
                           table_ids: Mapping[tuple[str, ...], int]) -> int:
    """Move the pending requests of each column the events rename to its new name; before this crawl raises
    its own requests, so a new column taking an old name is not given the renamed column's requests."""
    renames = [(table_ids[e.path], e.payload["before"]["name"], e.payload["column"])
               for e in events if e.type == ev.COLUMN_RENAMED and e.path in table_ids]
    return store.follow_column_renames(session, renames)
