"""Delivery through a REAL Celery worker: retries on its own, and survives a SIGKILL mid-delivery."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from catalog.session import session_scope
from models import WebhookDelivery
from services.delivery.webhook_subscriptions import create_subscription
from tests.support.events import (
    Received,
    Receiver,
    build_hierarchy,
    column_events,
    write_outbox,
)
from tests.support.pipeline import wait_until
from workers.process import WorkerProcess

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("events_catalog")]

TABLE = ("pg", "app", "Sales", "Orders")


def subscribe(receiver: Receiver) -> int:
    with session_scope() as session:
        created = create_subscription(session, url=receiver.url)
    receiver.secret = created.secret
    return created.subscription.id


def deliveries(subscription_id: int) -> dict[int, tuple[str, int]]:
    with session_scope() as session:
        rows = session.execute(select(WebhookDelivery.event_id, WebhookDelivery.status, WebhookDelivery.attempts)
                               .where(WebhookDelivery.subscription_id == subscription_id))
        return {event_id: (status, attempts) for event_id, status, attempts in rows}



def all_delivered(subscription_id: int, count: int) -> bool:
    state = deliveries(subscription_id)
    return len(state) == count and all(status == "delivered" for status, _ in state.values())


def test_worker_relays_signs_and_retries_without_a_beat(worker: WorkerProcess, receiver: Receiver) -> None:
    from tasks.delivery import relay

    build_hierarchy()
    sid = subscribe(receiver)
    outbox_ids = write_outbox("pg", column_events(TABLE, 5))
    receiver.script = [500, 502, 500]  # the first event fails three times; the worker schedules its retries
    relay.delay()
    wait_until(lambda: all_delivered(sid, 5), timeout=60)
    assert receiver.delivered_sequences() == outbox_ids
    assert all(r.verified for r in receiver.received)
    assert deliveries(sid)[outbox_ids[0]] == ("delivered", 4)


def test_worker_killed_mid_delivery_still_delivers_after_restart(worker: WorkerProcess, receiver: Receiver) -> None:
    from tasks.delivery import deliver, relay

    build_hierarchy()
    sid = subscribe(receiver)
    outbox_ids = write_outbox("pg", column_events(TABLE, 5))
    in_flight, release = threading.Event(), threading.Event()

    def hold_first(entry: Received) -> None:
        if not in_flight.is_set():
            in_flight.set()
            release.wait(60)

    receiver.before_answer = hold_first
    relay.delay()
    assert in_flight.wait(60), "the worker never called the endpoint"
    worker.kill()  # SIGKILL the worker and its pool while the HTTP request is open
    release.set()
    assert deliveries(sid)[outbox_ids[0]] == ("pending", 0)  # the attempt never committed

    worker.log_path.write_bytes(b"")
    worker.start()
    wait_until(lambda: all_delivered(sid, 5), timeout=90, every=0.5, nudge=deliver.delay)  # the test plays beat

    arrivals = [r.webhook_id for r in receiver.received if r.answered == 200]
    first_seen = list(dict.fromkeys(arrivals))
    with session_scope() as session:
        from models import ChangeEvent

        expected = [str(e) for e in session.scalars(
            select(ChangeEvent.event_id).where(ChangeEvent.id.in_(outbox_ids)).order_by(ChangeEvent.id))]
    assert first_seen == expected  # every event, in order; receivers dedupe on webhook-id
    assert len(arrivals) - len(first_seen) <= 1  # at most the one in flight when the worker died came twice
    assert all(r.verified for r in receiver.received)
    assert {attempts for _, attempts in deliveries(sid).values()} == {1}
