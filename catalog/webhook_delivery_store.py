"""The state of webhook deliveries: which endpoints are due, each endpoint's oldest pending delivery, and the
outcome of every attempt (with its history row and the endpoint's failure count)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from domain.webhook_delivery import DeliveryStatus
from models import ChangeEvent, WebhookDelivery, WebhookSubscription


def endpoints_due(session: Session) -> tuple[list[int], datetime | None]:
    """Enabled endpoints whose oldest pending delivery is due now, and when the next not-yet-due one is."""
    rows = session.execute(text("""
        SELECT head.subscription_id, head.next_attempt_at, head.next_attempt_at <= now()
        FROM (
            SELECT DISTINCT ON (d.subscription_id) d.subscription_id, d.next_attempt_at
            FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id AND s.enabled
            WHERE d.status = 'pending'
            ORDER BY d.subscription_id, d.event_id
        ) head
    """)).all()
    due = [sid for sid, _, is_due in rows if is_due]
    later = [at for _, at, is_due in rows if not is_due and at is not None]
    return due, min(later) if later else None


def next_attempt_at(session: Session, subscription_id: int) -> datetime | None:
    """When the endpoint's next pending delivery falls due (None: nothing pending)."""
    return session.scalar(select(func.min(WebhookDelivery.next_attempt_at)).where(
        WebhookDelivery.subscription_id == subscription_id, WebhookDelivery.status == DeliveryStatus.PENDING))


def pending_head(session: Session,
                 subscription_id: int) -> tuple[WebhookDelivery, ChangeEvent, WebhookSubscription, bool] | None:
    """The endpoint's oldest pending delivery (while the endpoint is enabled), its event, the subscription, and
    whether it is due now; read afresh, never from the session's identity map."""
    head = session.execute(
        select(WebhookDelivery, ChangeEvent, WebhookSubscription, WebhookDelivery.next_attempt_at <= func.now())
        .join(ChangeEvent, ChangeEvent.id == WebhookDelivery.event_id)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(WebhookDelivery.subscription_id == subscription_id, WebhookDelivery.status == DeliveryStatus.PENDING,
               WebhookSubscription.enabled)
        .order_by(WebhookDelivery.event_id)
        .limit(1)
        .execution_options(populate_existing=True)
    ).first()
    if head is None:
        return None
    delivery, event, subscription, due = head
    return delivery, event, subscription, due is not False  # no due time counts as due


_RECORD_ATTEMPT = text("""
    WITH recorded AS (
        UPDATE webhook_deliveries
        SET attempts = attempts + 1, last_status_code = :code, last_error = :error,
            status = CASE WHEN :ok THEN 'delivered' WHEN attempts + 1 >= :max_attempts THEN 'dead'
                          ELSE 'pending' END,
            delivered_at = CASE WHEN :ok THEN now() ELSE delivered_at END,
            next_attempt_at = CASE WHEN :ok OR attempts + 1 >= :max_attempts THEN NULL
                                   ELSE now() + make_interval(secs => :delay) END
        WHERE id = :id AND status = 'pending'
        RETURNING id, attempts, status
    ), history AS (
        INSERT INTO webhook_delivery_attempts (delivery_id, attempt, succeeded, status_code, error, duration_ms)
        SELECT id, attempts, :ok, :code, :error, :duration_ms FROM recorded
    )
    SELECT status FROM recorded
""")


def record_attempt(session: Session, delivery_id: int, *, ok: bool, status_code: int | None, error: str | None,
                   duration_ms: int, max_attempts: int, retry_in_seconds: float) -> str | None:
    """Count the attempt and add its history row in one statement: the delivery is delivered, dead after
    `max_attempts`, or pending again in `retry_in_seconds`. Returns its status; None when it is no longer
    pending (removed or replayed meanwhile), and then nothing is recorded."""
    return session.execute(_RECORD_ATTEMPT, {
        "id": delivery_id, "ok": ok, "code": status_code, "error": error, "duration_ms": duration_ms,
        "max_attempts": max_attempts, "delay": retry_in_seconds,
    }).scalar()


def reset_failures(session: Session, subscription_id: int) -> None:
    session.execute(text("UPDATE webhook_subscriptions SET consecutive_failures = 0 WHERE id = :id"),
                    {"id": subscription_id})


def count_failure(session: Session, subscription_id: int) -> tuple[int, bool]:
    """One more consecutive failure; returns the count and whether the endpoint is still enabled."""
    failures, enabled = session.execute(text("""
        UPDATE webhook_subscriptions SET consecutive_failures = consecutive_failures + 1
        WHERE id = :id RETURNING consecutive_failures, enabled
    """), {"id": subscription_id}).one()
    return failures, enabled


def disable_endpoint(session: Session, subscription_id: int, reason: str) -> None:
    session.execute(text("UPDATE webhook_subscriptions SET enabled = false, disabled_reason = :reason WHERE id = :id"),
                    {"id": subscription_id, "reason": reason})
