"""Webhook subscriptions and their deliveries: fanning the outbox out, replaying, and reading the history."""

from __future__ import annotations

import uuid
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, text
from sqlalchemy.orm import Session

from models import ChangeEvent, WebhookDelivery, WebhookDeliveryAttempt, WebhookSubscription

#: SQL condition: change event `e` matches subscription `s` (empty filter lists match everything; an event type
#: filter is exact, or a family such as `column.*`; a path prefix matches the object path's first segments).
MATCHES_SQL = """
    (cardinality(s.event_types) = 0
     OR e.type = ANY(s.event_types)
     OR split_part(e.type, '.', 1) || '.*' = ANY(s.event_types))
    AND (cardinality(s.path_prefix) = 0
     OR e.object_path[1:cardinality(s.path_prefix)] = s.path_prefix)
"""


def fan_out(session: Session, after_id: int, limit: int) -> tuple[int | None, int, int, list[int]]:
    """A pending delivery for every enabled subscription matching each of the next `limit` outbox events after
    `after_id`; returns (the batch's last id or None, events read, deliveries created, the subscriptions that
    got one)."""
    last, read, created, endpoints = session.execute(
        text(f"""
            WITH batch AS (
                SELECT id, type, object_path FROM change_events WHERE id > :cursor ORDER BY id LIMIT :limit
            ), inserted AS (
                INSERT INTO webhook_deliveries (subscription_id, event_id, status, attempts, next_attempt_at)
                SELECT s.id, e.id, 'pending', 0, now()
                FROM batch e JOIN webhook_subscriptions s ON s.enabled AND {MATCHES_SQL}
                ON CONFLICT (subscription_id, event_id) DO NOTHING
                RETURNING subscription_id
            )
            SELECT (SELECT max(id) FROM batch), (SELECT count(*) FROM batch), (SELECT count(*) FROM inserted),
                   (SELECT coalesce(array_agg(DISTINCT subscription_id ORDER BY subscription_id), '{{}}')
                    FROM inserted)
        """),
        {"cursor": after_id, "limit": limit},
    ).one()
    return last, read, created, list(endpoints)


def requeue_deliveries(session: Session, subscription_id: int, from_event_id: int) -> int:
    """Every event the subscription matches from outbox id `from_event_id` on becomes a pending delivery again,
    with a fresh attempt budget; returns how many."""
    result = session.execute(
        text(f"""
            INSERT INTO webhook_deliveries (subscription_id, event_id, status, attempts, next_attempt_at)
            SELECT s.id, e.id, 'pending', 0, now()
            FROM change_events e JOIN webhook_subscriptions s ON s.id = :sid AND {MATCHES_SQL}
            WHERE e.id >= :start
            ON CONFLICT (subscription_id, event_id) DO UPDATE
                SET status = 'pending', attempts = 0, next_attempt_at = now()
        """),
        {"sid": subscription_id, "start": from_event_id},
    )
    return cast(CursorResult[Any], result).rowcount


def find_subscription(session: Session, subscription_id: int, *,
                      for_update: bool = False) -> WebhookSubscription | None:
    query = select(WebhookSubscription).where(WebhookSubscription.id == subscription_id)
    if for_update:
        query = query.with_for_update()
    return session.scalar(query)


def all_subscriptions(session: Session) -> list[WebhookSubscription]:
    return list(session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id)))


def find_outbox_id(session: Session, reference: int | uuid.UUID) -> int | None:
    """The outbox id of an event named by its outbox id or by its stable event id (None: no such event)."""
    where = ChangeEvent.event_id == reference if isinstance(reference, uuid.UUID) else ChangeEvent.id == reference
    return session.scalar(select(ChangeEvent.id).where(where))


def deliveries(session: Session, subscription_id: int, *, status: str | None, after_id: int,
               limit: int) -> list[tuple[WebhookDelivery, ChangeEvent]]:
    """Deliveries of one subscription with their events, paged by delivery id."""
    query = (
        select(WebhookDelivery, ChangeEvent)
        .join(ChangeEvent, ChangeEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.subscription_id == subscription_id, WebhookDelivery.id > after_id)
        .order_by(WebhookDelivery.id)
        .limit(limit)
    )
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    return [(d, e) for d, e in session.execute(query).all()]


def count_deliveries(session: Session, subscription_id: int, *, status: str | None, after_id: int) -> int:
    query = select(func.count()).select_from(WebhookDelivery).where(
        WebhookDelivery.subscription_id == subscription_id, WebhookDelivery.id > after_id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    return session.scalar(query) or 0


def attempts(session: Session, delivery_id: int) -> list[WebhookDeliveryAttempt]:
    """Every attempt at one delivery, oldest first."""
    return list(session.scalars(select(WebhookDeliveryAttempt)
                                .where(WebhookDeliveryAttempt.delivery_id == delivery_id)
                                .order_by(WebhookDeliveryAttempt.id)))
