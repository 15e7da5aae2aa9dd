"""Relaying the outbox, in id order, to webhook deliveries; each consumer keeps its own cursor.

Safe to read `id > cursor` because outbox writers commit ids in increasing order (sync/outbox.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from catalog.outbox_cursors import WEBHOOKS, advance_cursor, lock_cursor
from services.delivery.subscription_filters import MATCHES_SQL


@dataclass(frozen=True, slots=True)
class RelayResult:
    events_read: int
    deliveries_created: int
    cursor: int


def relay_to_webhooks(session: Session, *, batch_size: int = 1000) -> RelayResult:
    """Fan one batch of new outbox rows out to the enabled subscriptions whose filters match; caller commits."""
    cursor = lock_cursor(session, WEBHOOKS)
    row = session.execute(
        text(f"""
            WITH batch AS (
                SELECT id, type, object_path FROM change_events WHERE id > :cursor ORDER BY id LIMIT :limit
            ), inserted AS (
                INSERT INTO webhook_deliveries (subscription_id, event_id, status, attempts, next_attempt_at)
                SELECT s.id, e.id, 'pending', 0, now()
                FROM batch e JOIN webhook_subscriptions s ON s.enabled AND {MATCHES_SQL}
                ON CONFLICT (subscription_id, event_id) DO NOTHING
                RETURNING 1
            )
            SELECT (SELECT max(id) FROM batch), (SELECT count(*) FROM batch), (SELECT count(*) FROM inserted)
        """),
        {"cursor": cursor, "limit": batch_size},
    ).one()
    last, read, created = row
    if last is not None:
        advance_cursor(session, WEBHOOKS, last)
        cursor = last
    return RelayResult(events_read=read, deliveries_created=created, cursor=cursor)
