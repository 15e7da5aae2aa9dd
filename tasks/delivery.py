"""Event tasks: relay the outbox onward, and deliver webhooks. Both are triggers over state kept in
PostgreSQL, so duplicates are harmless and a lost task is made good by the next beat sweep.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from catalog.session import session_scope
from services.delivery.event_stream import redis_client
from services.delivery.outbox_relay import relay_outbox
from services.delivery.webhook_delivery import deliver_endpoint, endpoints_due, next_attempt_at
from services.enqueue import DELIVER_WEBHOOKS, RELAY_EVENTS
from settings import get_settings
from workers.celery_app import app

log = logging.getLogger(__name__)
SWEEP_SLOT_KEY = "objectsync:events:sweep-at:"
SWEEP_MARGIN_SECONDS = 0.02


@app.task(name=RELAY_EVENTS)
def relay() -> dict[str, int | str | None]:
    result = relay_outbox(on_new_deliveries=request_delivery)  # each as soon as its fan-out commits
    if result.more:  # the rest in a pass of its own, behind whatever was queued meanwhile
        relay.delay()
    if result.events_relayed or result.stream_error:
        log.info("relayed %d events: %d deliveries, stream %s", result.events_relayed,
                 result.deliveries_created, result.stream_error or "ok")
    return {"eventsRelayed": result.events_relayed,
            "deliveriesCreated": result.deliveries_created, "streamPublished": result.stream_published,
            "streamError": result.stream_error}


@app.task(name=DELIVER_WEBHOOKS)
def deliver(subscription_id: int | None = None, sweep_key: str | None = None) -> int:
    """Without an id: fan out one task per endpoint with a due delivery. With one: serve that endpoint."""
    if sweep_key is not None:
        _forget_sweep(sweep_key)
    if subscription_id is None:
        with session_scope() as session:
            due, next_at = endpoints_due(session)
        for endpoint in due:
            deliver.delay(endpoint)
        if next_at is not None:
            schedule_sweep(next_at)
        return len(due)
    run = deliver_endpoint(subscription_id)
    if run.delivered or run.failed:
        log.info("webhook endpoint %d: %d delivered, %d failed, %d dead-lettered", subscription_id,
                 len(run.delivered), run.failed, len(run.dead))
    if run.locked and not run.disabled:
        follow_up = next_attempt_at(subscription_id)
        if follow_up is not None:
            schedule_sweep(follow_up)
    return len(run.delivered)


def schedule_sweep(at: datetime) -> None:
    """A delivery sweep when the next retry falls due, once per due time (the beat sweep is the backstop)."""
    countdown = max(0.0, (at - datetime.now(UTC)).total_seconds()) + SWEEP_MARGIN_SECONDS
    key = get_settings().redis_key_prefix + SWEEP_SLOT_KEY + str(int(at.timestamp() * 1000))
    try:
        if not redis_client().set(key, "1", nx=True, ex=int(countdown) + 60):
            return
    except Exception as exc:  # noqa: BLE001 - the beat sweep covers a missed follow-up
        log.warning("could not schedule a webhook delivery sweep: %s", exc)
        return
    deliver.apply_async(kwargs={"sweep_key": key}, countdown=countdown)


def _forget_sweep(key: str) -> None:
    """The scheduled sweep is running: a sweep for the same due time may be scheduled again if needed."""
    try:
        redis_client().delete(key)
    except Exception as exc:  # noqa: BLE001 - the key expires by itself
        log.warning("could not clear a webhook sweep marker: %s", exc)


def request_delivery(subscription_id: int) -> None:
    """Serve the endpoint now; should the broker refuse, the beat's delivery sweep finds its deliveries."""
    try:
        deliver.delay(subscription_id)
    except Exception as exc:  # noqa: BLE001 - the deliveries are committed; the sweep sends them
        log.warning("could not ask for webhook endpoint %d's delivery: %s", subscription_id, exc)


def request_relay() -> None:
    """Ask for a relay pass now (call after committing events); the beat sweep runs it anyway."""
    relay.delay()
