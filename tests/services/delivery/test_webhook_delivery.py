"""Webhook fan-out and delivery against a real HTTP receiver and the real catalog."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from catalog.session import session_scope
from models import WebhookDelivery, WebhookSubscription
from services.delivery.webhook_delivery import deliver_endpoint, endpoints_due
from services.delivery.webhook_fanout import relay_to_webhooks
from services.delivery.webhook_subscriptions import (
    create_subscription,
    delivery_attempts,
    delivery_history,
    replay,
    rotate_secret,
    signing_secrets,
    update_subscription,
)
from settings import Settings, get_settings
from tests.support.events import Receiver, build_hierarchy, column_events, write_outbox

pytestmark = pytest.mark.usefixtures("events_catalog")

TABLE = ("pg", "app", "Sales", "Orders")


def fast(**overrides: object) -> Settings:
    """Delivery settings with sub-second backoffs, so retries happen within the test."""
    values = {"webhook_backoff_base_seconds": 0.05, "webhook_backoff_max_seconds": 0.2, "webhook_max_attempts": 8,
              "webhook_disable_after_failures": 50, "webhook_allow_private_addresses": True}
    values.update(overrides)
    return Settings(**values)


def subscribe(receiver: Receiver, **filters: object) -> int:
    with session_scope() as session:
        created = create_subscription(session, url=receiver.url, **filters)
    receiver.secret = created.secret
    return created.subscription.id


def relay() -> int:
    with session_scope() as session:
        return relay_to_webhooks(session).deliveries_created


def deliver_until_settled(subscription_id: int, settings: Settings, timeout: float = 30.0) -> None:
    """Act as the beat: keep serving the endpoint until nothing is pending (or it got disabled)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        deliver_endpoint(subscription_id, settings)
        with session_scope() as session:
            pending = session.scalar(select(WebhookDelivery.id).where(
                WebhookDelivery.subscription_id == subscription_id, WebhookDelivery.status == "pending").limit(1))
            enabled = session.scalar(
                select(WebhookSubscription.enabled).where(WebhookSubscription.id == subscription_id))
        if pending is None or not enabled:
            return
        time.sleep(0.02)
    raise AssertionError("deliveries did not settle")


def statuses(subscription_id: int) -> dict[int, tuple[str, int]]:
    with session_scope() as session:
        rows = session.execute(select(WebhookDelivery.event_id, WebhookDelivery.status, WebhookDelivery.attempts)
                               .where(WebhookDelivery.subscription_id == subscription_id))
        return {event_id: (status, attempts) for event_id, status, attempts in rows}


def test_signed_cloudevent_verifies_with_standardwebhooks(receiver: Receiver) -> None:
    hierarchy = build_hierarchy()
    sid = subscribe(receiver)
    [outbox_id] = write_outbox("pg", column_events(TABLE, 1), {TABLE: hierarchy.ids[TABLE]})
    assert relay() == 1
    deliver_until_settled(sid, fast())

    [request] = receiver.received
    assert request.verified
    assert request.body["type"] == "objectsync.column.added"
    assert request.body["subject"] == "pg/app/Sales/Orders"
    assert request.body["source"] == "objectsync://connections/pg"
    assert request.body["data"]["column"] == "c0"
    assert request.sequence == outbox_id
    assert request.webhook_id == request.body["id"]  # webhook-id is the stable event id
    assert statuses(sid) == {outbox_id: ("delivered", 1)}


def test_a_wrong_secret_does_not_verify(receiver: Receiver) -> None:
    build_hierarchy()
    subscribe(receiver)
    sid = subscribe(receiver)  # the receiver now checks the second subscription's secret
    with session_scope() as session:
        first = session.scalar(select(WebhookSubscription.id).where(WebhookSubscription.id != sid))
    write_outbox("pg", column_events(TABLE, 1))
    relay()
    deliver_until_settled(first, fast())
    assert [r.verified for r in receiver.received] == [False]


def test_receiver_down_then_back_delivers_every_event_once_in_order(receiver: Receiver) -> None:
    build_hierarchy()
    sid = subscribe(receiver)
    outbox_ids = write_outbox("pg", column_events(TABLE, 6))
    relay()
    receiver.script = [500, 503, 500]
    receiver.server.stop()  # connection refused for a while, then answers 500s, then comes back
    settings = fast()
    for _ in range(3):
        deliver_endpoint(sid, settings)
        time.sleep(0.1)
    assert statuses(sid)[outbox_ids[0]][0] == "pending"
    receiver.server.start()
    deliver_until_settled(sid, settings)

    assert receiver.delivered_sequences() == outbox_ids  # none lost, none twice, in outbox order
    assert [r.answered for r in receiver.received[:3]] == [500, 503, 500]
    final = statuses(sid)
    assert all(status == "delivered" for status, _ in final.values())
    assert final[outbox_ids[0]][1] >= 6  # three refused + three 5xx + the success
    assert all(r.verified for r in receiver.received)

    with session_scope() as session:
        first_delivery = delivery_history(session, sid, limit=1)[0][0]
        attempts = delivery_attempts(session, sid, first_delivery.id)
    assert [a.attempt for a in attempts] == list(range(1, first_delivery.attempts + 1))
    refused = [a for a in attempts if a.status_code is None]
    answered = attempts[len(refused):]
    assert refused and all("ConnectError" in a.error and not a.succeeded for a in refused)
    assert [(a.status_code, a.succeeded) for a in answered] == [(500, False), (503, False), (500, False), (200, True)]
    assert answered[-1].error is None and all(a.duration_ms >= 0 for a in attempts)
    assert [a.attempted_at for a in attempts] == sorted(a.attempted_at for a in attempts)


def test_event_n_plus_one_waits_for_event_n(receiver: Receiver) -> None:
    build_hierarchy()
    sid = subscribe(receiver)
    outbox_ids = write_outbox("pg", column_events(TABLE, 4))
    relay()
    receiver.script = [200, 500, 500, 500]  # the second event fails three times
    deliver_until_settled(sid, fast())
    arrivals = [r.sequence for r in receiver.received]
    assert arrivals == [outbox_ids[0], outbox_ids[1], outbox_ids[1], outbox_ids[1], outbox_ids[1],
                        outbox_ids[2], outbox_ids[3]]
    assert receiver.delivered_sequences() == outbox_ids


def test_dead_letter_after_max_attempts_then_the_next_event_goes(receiver: Receiver) -> None:
    build_hierarchy()
    sid = subscribe(receiver)
    outbox_ids = write_outbox("pg", column_events(TABLE, 2))
    relay()
    receiver.script = [500, 500, 500]
    deliver_until_settled(sid, fast(webhook_max_attempts=3))
    assert statuses(sid) == {outbox_ids[0]: ("dead", 3), outbox_ids[1]: ("delivered", 1)}
    with session_scope() as session:
        [(dead, _)] = delivery_history(session, sid, status="dead")
        assert dead.last_status_code == 500 and "HTTP 500" in dead.last_error
        assert session.get(WebhookSubscription, sid).consecutive_failures == 0  # reset by the success


def test_endpoint_disabled_after_repeated_failures_and_reenabled_by_hand(receiver: Receiver) -> None:
    build_hierarchy()
    sid = subscribe(receiver)
    outbox_ids = write_outbox("pg", column_events(TABLE, 3))
    relay()
    receiver.server.stop()
    deliver_until_settled(sid, fast(webhook_max_attempts=2, webhook_disable_after_failures=3))
    with session_scope() as session:
        subscription = session.get(WebhookSubscription, sid)
        assert not subscription.enabled
        assert "3 consecutive failed attempts" in subscription.disabled_reason
        assert endpoints_due(session)[0] == []  # a disabled endpoint is not served
    assert statuses(sid) == {outbox_ids[0]: ("dead", 2), outbox_ids[1]: ("pending", 1), outbox_ids[2]: ("pending", 0)}

    receiver.server.start()
    with session_scope() as session:
        update_subscription(session, sid, enabled=True)
    with session_scope() as session:
        replay(session, sid, outbox_ids[0])
    deliver_until_settled(sid, fast())
    assert receiver.delivered_sequences() == outbox_ids
    with session_scope() as session:
        subscription = session.get(WebhookSubscription, sid)
        assert subscription.enabled and subscription.disabled_reason is None


def test_replay_from_any_event_id_resends_in_order_and_keeps_history(receiver: Receiver) -> None:
    build_hierarchy()
    sid = subscribe(receiver)
    events = column_events(TABLE, 4)
    outbox_ids = write_outbox("pg", events)
    relay()
    deliver_until_settled(sid, fast())
    with session_scope() as session:
        assert replay(session, sid, str(events[2].event_id)) == 2  # by stable event id
    deliver_until_settled(sid, fast())
    with session_scope() as session:
        assert replay(session, sid, outbox_ids[1]) == 3  # by outbox id
    deliver_until_settled(sid, fast())
    assert receiver.delivered_sequences() == outbox_ids + outbox_ids[2:] + outbox_ids[1:]
    with session_scope() as session:
        history = delivery_history(session, sid)
        assert [(e.id, d.status) for d, e in history] == [(i, "delivered") for i in outbox_ids]
        assert all(d.delivered_at is not None and d.last_status_code == 200 for d, _ in history)


def test_replay_of_an_unknown_event_is_a_clear_error(receiver: Receiver) -> None:
    from services.delivery.webhook_subscriptions import EventNotFound

    build_hierarchy()
    sid = subscribe(receiver)
    with session_scope() as session, pytest.raises(EventNotFound, match="no change event"):
        replay(session, sid, "not-an-event")


def test_filters_by_event_type_family_path_prefix_and_enabled(receiver: Receiver) -> None:
    from domain import change_types as ev

    build_hierarchy(tables={"Orders": "enabled", "Items": "enabled"})
    every = subscribe(receiver)
    columns_only = subscribe(receiver, event_types=["objectsync.column.*"])
    orders_only = subscribe(receiver, path_prefix="pg/app/Sales/Orders")
    created_only = subscribe(receiver, event_types=["object.created"], path_prefix=["pg", "app"])
    switched_off = subscribe(receiver, enabled=False)
    write_outbox("pg", [
        *column_events(TABLE, 1),
        *column_events(("pg", "app", "Sales", "Items"), 1),
        ev.planned(ev.OBJECT_CREATED, ("pg", "app", "Sales", "Items"), 1, {"after": {"kind": "table"}}),
    ])
    relay()
    relay()  # a second pass finds nothing new and duplicates nothing
    with session_scope() as session:
        counts = dict(session.execute(
            select(WebhookDelivery.subscription_id, func.count()).group_by(WebhookDelivery.subscription_id)).all())
    assert counts == {every: 3, columns_only: 2, orders_only: 1, created_only: 1}
    assert switched_off not in counts


def test_invalid_subscriptions_are_refused(receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    from services.delivery.ssrf import UnsafeWebhookUrl
    from services.delivery.subscription_filters import InvalidSubscriptionFilter
    from services.delivery.webhook_subscriptions import InvalidSecret

    with session_scope() as session:
        with pytest.raises(InvalidSubscriptionFilter, match="unknown event type"):
            create_subscription(session, url=receiver.url, event_types=["column.moved"])
        with pytest.raises(InvalidSubscriptionFilter, match="path prefix"):
            create_subscription(session, url=receiver.url, path_prefix=["a", "b", "c", "d", "e"])
        with pytest.raises(InvalidSecret):
            create_subscription(session, url=receiver.url, secret="whsec_not base64!")
        monkeypatch.setenv("OBJECTSYNC_WEBHOOK_ALLOW_PRIVATE_ADDRESSES", "false")
        get_settings.cache_clear()
        try:
            assert get_settings().webhook_allow_private_addresses is False
            with pytest.raises(UnsafeWebhookUrl):
                create_subscription(session, url=receiver.url)
        finally:
            monkeypatch.undo()
            get_settings.cache_clear()
        assert session.scalar(select(WebhookSubscription.id)) is None


def test_delivery_time_ssrf_check_fails_the_attempt_without_calling(receiver: Receiver) -> None:
    build_hierarchy()
    sid = subscribe(receiver)
    write_outbox("pg", column_events(TABLE, 1))
    relay()
    deliver_endpoint(sid, fast(webhook_allow_private_addresses=False))
    assert receiver.received == []
    with session_scope() as session:
        [(delivery, _)] = delivery_history(session, sid)
        assert delivery.status == "pending" and delivery.attempts == 1
        assert "private, loopback" in delivery.last_error


def test_secrets_are_encrypted_at_rest(receiver: Receiver) -> None:
    sid = subscribe(receiver)
    with session_scope() as session:
        stored = session.get(WebhookSubscription, sid).secret_encrypted
    assert receiver.secret.startswith("whsec_")
    assert receiver.secret.encode() not in bytes(stored)


def test_a_rotated_secret_signs_alongside_the_old_one_until_the_grace_ends(receiver: Receiver) -> None:
    build_hierarchy()
    sid = subscribe(receiver)
    old = receiver.secret
    with session_scope() as session:
        rotated = rotate_secret(session, sid, grace_seconds=3600)
    assert rotated.secret != old and rotated.previous_valid_until is not None

    outbox_ids = write_outbox("pg", column_events(TABLE, 4))
    relay()
    verified_with = []
    for secret in (old, rotated.secret):  # during the grace: each secret verifies the delivery
        receiver.secret = secret
        deliver_endpoint(sid, fast(webhook_batch_per_endpoint=1))
        verified_with.append(receiver.received[-1].verified)
    assert verified_with == [True, True]

    with session_scope() as session:  # the grace ends
        session.get(WebhookSubscription, sid).previous_secret_expires_at = datetime.now(UTC) - timedelta(seconds=1)
    verified_with = []
    for secret in (old, rotated.secret):
        receiver.secret = secret
        deliver_endpoint(sid, fast(webhook_batch_per_endpoint=1))
        verified_with.append(receiver.received[-1].verified)
    assert verified_with == [False, True]
    assert [r.webhook_id for r in receiver.received] == [str(e) for e in event_ids(outbox_ids)]
    assert set(statuses(sid).values()) == {("delivered", 1)}

    with session_scope() as session:  # grace 0: the old secret stops signing at once
        again = rotate_secret(session, sid, grace_seconds=0)
        stored = session.get(WebhookSubscription, sid)
        assert stored.previous_secret_encrypted is None and again.previous_valid_until is None
        assert again.secret.encode() not in stored.secret_encrypted


def test_changing_the_secret_by_update_keeps_the_old_one_for_the_default_grace(receiver: Receiver) -> None:
    build_hierarchy()
    sid = subscribe(receiver)
    old = receiver.secret
    new = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    with session_scope() as session:
        update_subscription(session, sid, secret=new)
    write_outbox("pg", column_events(TABLE, 1))
    relay()
    deliver_until_settled(sid, fast())
    assert receiver.received[-1].verified  # still the old secret on the receiver's side
    with session_scope() as session:
        expires = session.get(WebhookSubscription, sid).previous_secret_expires_at
    grace = get_settings().webhook_secret_rotation_grace_seconds
    assert timedelta(seconds=grace - 60) < expires - datetime.now(UTC) <= timedelta(seconds=grace)
    with session_scope() as session, pytest.raises(ValueError, match="whsec_"):
        rotate_secret(session, sid, secret="not-a-secret")
    with session_scope() as session:  # the refused rotation changed nothing
        assert signing_secrets(session.get(WebhookSubscription, sid)) == [new, old]


def event_ids(outbox_ids: list[int]) -> list[str]:
    from models import ChangeEvent

    with session_scope() as session:
        found = dict(session.execute(select(ChangeEvent.id, ChangeEvent.event_id)
                                     .where(ChangeEvent.id.in_(outbox_ids))).tuples().all())
    return [str(found[i]) for i in outbox_ids]
