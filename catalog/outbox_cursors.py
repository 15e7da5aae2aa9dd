"""Outbox consumers' positions (one row per consumer, locked for the length of a relay transaction), and the
batches of events they read after them.

Holding the row lock serializes concurrent relays of the same consumer (two beats, two workers), so each
outbox row is handed on once per commit of the cursor.
"""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from models import ChangeEvent

WEBHOOKS = "webhooks"
REDIS_STREAM = "redis_stream"


def lock_cursor(session: Session, name: str) -> int:
    """The consumer's last relayed change_events.id, with its row locked until the transaction ends."""
    session.execute(
        text("INSERT INTO relay_cursors (name, last_event_id) VALUES (:name, 0) ON CONFLICT (name) DO NOTHING"),
        {"name": name},
    )
    return session.execute(
        text("SELECT last_event_id FROM relay_cursors WHERE name = :name FOR UPDATE"), {"name": name}
    ).scalar_one()


def advance_cursor(session: Session, name: str, last_event_id: int) -> None:
    session.execute(
        text("UPDATE relay_cursors SET last_event_id = GREATEST(last_event_id, :last) WHERE name = :name"),
        {"name": name, "last": last_event_id},
    )


def outbox_consumers(*, stream_enabled: bool) -> tuple[str, ...]:
    """The consumers whose cursors move: the stream's only while it is enabled."""
    return (WEBHOOKS, REDIS_STREAM) if stream_enabled else (WEBHOOKS,)


def events_after(session: Session, after_id: int, limit: int) -> list[ChangeEvent]:
    """The next `limit` outbox events after `after_id`, in id order."""
    return list(session.scalars(
        select(ChangeEvent).where(ChangeEvent.id > after_id).order_by(ChangeEvent.id).limit(limit)))
