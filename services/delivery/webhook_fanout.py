"""Relaying the outbox, in id order, to webhook deliveries; each consumer keeps its own cursor.

Safe to read `id > cursor` because outbox writers commit ids in increasing order (catalog/outbox.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from catalog.outbox_cursors import WEBHOOKS, advance_cursor, lock_cursor
from catalog.session import Session
from catalog.webhook_store import fan_out


@dataclass(frozen=True, slots=True)
class RelayResult:
    events_read: int
    deliveries_created: int
    cursor: int
    #: The subscriptions that got a new delivery: their endpoints have something to send.
    endpoints: list[int] = field(default_factory=list)


def relay_to_webhooks(session: Session, *, batch_size: int = 1000) -> RelayResult:
    """Fan one batch of new outbox rows out to the enabled subscriptions whose filters match; caller commits."""
    cursor = lock_cursor(session, WEBHOOKS)
    last, read, created, endpoints = fan_out(session, cursor, batch_size)
    if last is not None:
        advance_cursor(session, WEBHOOKS, last)
        cursor = last
    return RelayResult(events_read=read, deliveries_created=created, cursor=cursor, endpoints=endpoints)
