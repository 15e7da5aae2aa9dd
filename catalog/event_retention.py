"""Pruning old change events and their settled webhook deliveries, in bounded batches.

An event goes only once every outbox consumer has relayed it and no delivery of it is pending; its delivered
and dead deliveries go with it (their attempts cascade). Pruning shortens the objects' history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from catalog.session import affected_rows, session_scope

#: Outbox rows (alias `e`) that may go: relayed by every consumer (`:bound`), old, no delivery pending.
PRUNABLE_EVENTS = """
    e.id <= :bound AND e.occurred_at < :older_than
    AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id AND d.status = 'pending')
"""


@dataclass(slots=True)
class EventPruning:
    events: int = 0
    deliveries: int = 0


def relayed_bound(session: Session, consumers: Sequence[str]) -> int:
    """The highest outbox id every consumer has relayed; 0 while one of them has no cursor yet.

    The newest event always stays: max(change_events.id) is the high-water mark that event namespaces are
    taken from (catalog/outbox.py, and a connection registered again under an old key).
    """
    cursors: dict[str, int] = dict(session.execute(
        text("SELECT name, last_event_id FROM relay_cursors WHERE name = ANY(:names)"), {"names": list(consumers)},
    ).tuples().all())
    if not consumers or set(consumers) - cursors.keys():
        return 0
    newest = session.scalar(text("SELECT coalesce(max(id), 0) FROM change_events"))
    return max(0, min(min(cursors.values()), newest - 1))


def count_prunable_events(session: Session, older_than: datetime, consumers: Sequence[str]) -> EventPruning:
    """What `prune_events` would delete now (for a dry run)."""
    events, deliveries = session.execute(text(f"""
        WITH prunable AS (SELECT e.id FROM change_events e WHERE {PRUNABLE_EVENTS})
        SELECT (SELECT count(*) FROM prunable),
               (SELECT count(*) FROM webhook_deliveries d JOIN prunable p ON p.id = d.event_id)
    """), {"bound": relayed_bound(session, consumers), "older_than": older_than}).one()
    return EventPruning(events, deliveries)


def prune_events(older_than: datetime, consumers: Sequence[str], *, batch_size: int) -> EventPruning:
    """Delete prunable events older than `older_than`, one transaction per batch of `batch_size`."""
    with session_scope() as session:
        bound = relayed_bound(session, consumers)
    pruned = EventPruning()
    after = 0
    while True:
        with session_scope() as session:
            batch = _prune_batch(session, after=after, bound=bound, older_than=older_than, batch_size=batch_size)
        if batch is None:
            return pruned
        after, events, deliveries = batch
        pruned.events += events
        pruned.deliveries += deliveries


def _prune_batch(session: Session, *, after: int, bound: int, older_than: datetime,
                 batch_size: int) -> tuple[int, int, int] | None:
    """Prune the next batch after id `after`: (its last id, events, deliveries deleted), None when done.

    The batch's rows are locked first, so a replay cannot add a delivery to one of them halfway through;
    rows a running replay holds are skipped until the next run.
    """
    ids = list(session.scalars(text(f"""
        SELECT e.id FROM change_events e WHERE e.id > :after AND {PRUNABLE_EVENTS}
        ORDER BY e.id LIMIT :limit FOR UPDATE SKIP LOCKED
    """), {"after": after, "bound": bound, "older_than": older_than, "limit": batch_size}))
    if not ids:
        return None
    deliveries = affected_rows(session.execute(text(
        "DELETE FROM webhook_deliveries WHERE event_id = ANY(:ids) AND status IN ('delivered', 'dead')"
    ), {"ids": ids}))
    # A delivery made pending again (replayed) since the SELECT keeps its event.
    events = affected_rows(session.execute(text("""
        DELETE FROM change_events e
        WHERE e.id = ANY(:ids) AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id)
    """), {"ids": ids}))
    return ids[-1], events, deliveries
