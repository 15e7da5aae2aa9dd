"""Delivering webhook deliveries per Standard Webhooks: signed, at least once, in event order per endpoint.

Only the oldest pending delivery of an endpoint is ever sent (event N+1 waits until N is delivered or
dead). One endpoint is served by one worker at a time, under a session-level advisory lock that dies with
the worker's database connection, so a killed worker never strands an endpoint. A delivery's state lives
in PostgreSQL and is committed after every attempt; a worker killed mid-request leaves it pending and it
is sent again (receivers dedupe on `webhook-id`, the stable event id).
"""

from __future__ import annotations

import random
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache

import httpx
from standardwebhooks import Webhook

from catalog import webhook_delivery_store as store
from catalog.locks import webhook_endpoint_session
from catalog.session import Session, session_scope
from domain.webhook_delivery import DeliveryStatus
from models import ChangeEvent, WebhookDelivery, WebhookSubscription
from services.delivery.envelope import http_message, to_cloudevent
from services.delivery.ssrf import UnsafeWebhookUrl, pinned_target
from services.delivery.webhook_subscriptions import signing_secrets
from settings import Settings, get_settings

USER_AGENT = "objectsync-webhooks/1"
ERROR_TEXT_LIMIT = 500


@dataclass(slots=True)
class EndpointRun:
    subscription_id: int
    locked: bool = True
    delivered: list[int] = field(default_factory=list)
    failed: int = 0
    dead: list[int] = field(default_factory=list)
    disabled: bool = False


@dataclass(frozen=True, slots=True)
class AttemptResult:
    ok: bool
    status_code: int | None
    error: str | None
    duration_ms: int = 0


def backoff_delay(attempts: int, event_settings: Settings) -> float:
    """Exponential backoff with equal jitter: half the delay fixed, half random, capped."""
    delay = min(event_settings.webhook_backoff_max_seconds,
                event_settings.webhook_backoff_base_seconds * 2 ** max(0, attempts - 1))
    return delay / 2 + random.uniform(0, delay / 2)


def sign_headers(secrets: Sequence[str], message_id: str, body: str, now: datetime) -> dict[str, str]:
    """One signature per secret, space-separated (Standard Webhooks' way to rotate a secret without a gap)."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": " ".join(Webhook(secret).sign(message_id, now, body) for secret in secrets),
    }


@cache
def tls_context() -> ssl.SSLContext:
    """The process's one TLS context for webhook endpoints (loading the CA bundle takes ~15 ms, longer than a
    whole delivery to a nearby receiver); it holds no connection, so every client may share it."""
    return httpx.create_ssl_context(trust_env=False)


def http_client(event_settings: Settings) -> httpx.Client:
    """No redirects (a redirect could lead past the SSRF guard), no proxies from the environment."""
    return httpx.Client(timeout=event_settings.webhook_timeout_seconds, follow_redirects=False, trust_env=False,
                        headers={"user-agent": USER_AGENT}, verify=tls_context())


def send(client: httpx.Client, url: str, secrets: Sequence[str], event: ChangeEvent,
         event_settings: Settings, content_mode: str = "structured") -> AttemptResult:
    """One HTTP attempt; any 2xx is success, anything else (redirects included) a failure to retry."""
    started = time.monotonic()
    ok, status_code, error = _post(client, url, secrets, event, event_settings, content_mode)
    return AttemptResult(ok, status_code, error, round((time.monotonic() - started) * 1000))


def _post(client: httpx.Client, url: str, secrets: Sequence[str], event: ChangeEvent,
          event_settings: Settings, content_mode: str) -> tuple[bool, int | None, str | None]:
    try:
        target = pinned_target(url, allow_private=event_settings.webhook_allow_private_addresses)
    except UnsafeWebhookUrl as exc:
        return False, None, str(exc)
    message_headers, body = http_message(to_cloudevent(event), content_mode)
    headers = {**message_headers, **sign_headers(secrets, str(event.event_id), body, datetime.now(UTC)),
               **target.headers}
    try:
        response = client.post(target.url, content=body.encode(), headers=headers, extensions=target.extensions)
    except httpx.HTTPError as exc:
        return False, None, f"{type(exc).__name__}: {exc}"[:ERROR_TEXT_LIMIT]
    if 200 <= response.status_code < 300:
        return True, response.status_code, None
    return False, response.status_code, f"HTTP {response.status_code}: {response.text[:200]}"


def endpoints_due(session: Session) -> tuple[list[int], datetime | None]:
    """Enabled endpoints whose oldest pending delivery is due now, and when the next not-yet-due one is."""
    return store.endpoints_due(session)


def next_attempt_at(subscription_id: int) -> datetime | None:
    """When the endpoint's next pending delivery falls due (None: nothing pending)."""
    with session_scope() as session:
        return store.next_attempt_at(session, subscription_id)


def deliver_endpoint(subscription_id: int, event_settings: Settings | None = None) -> EndpointRun:
    """Send an endpoint's due deliveries in event order, up to the per-endpoint batch, if no one else is."""
    event_settings = event_settings or get_settings()
    run = EndpointRun(subscription_id)
    with webhook_endpoint_session(subscription_id) as session:
        if session is None:
            run.locked = False
            return run
        with http_client(event_settings) as client:
            for _ in range(event_settings.webhook_batch_per_endpoint):
                if not _deliver_head(session, client, run, event_settings):
                    break
    return run


def _deliver_head(session: Session, client: httpx.Client, run: EndpointRun, event_settings: Settings) -> bool:
    """Attempt the endpoint's oldest pending delivery if due; True if the next one may follow at once."""
    head = store.pending_head(session, run.subscription_id)
    if head is None or not head[3]:
        session.commit()
        return False
    delivery, event, subscription, _ = head
    secrets = signing_secrets(subscription)
    session.commit()  # no transaction stays open during the HTTP call

    result = send(client, subscription.url, secrets, event, event_settings, subscription.content_mode)
    return _record(session, run, delivery, subscription, result, event_settings)


def _record(session: Session, run: EndpointRun, delivery: WebhookDelivery, subscription: WebhookSubscription,
            result: AttemptResult, event_settings: Settings) -> bool:
    """Store the attempt's outcome and its history row: one statement on success, a few more on failure."""
    status = store.record_attempt(
        session, delivery.id, ok=result.ok, status_code=result.status_code, error=result.error,
        duration_ms=result.duration_ms, max_attempts=event_settings.webhook_max_attempts,
        retry_in_seconds=backoff_delay(delivery.attempts + 1, event_settings))
    if status is None:  # removed or replayed meanwhile: nothing to record
        session.commit()
        return False
    if result.ok:
        run.delivered.append(delivery.event_id)
        if subscription.consecutive_failures:
            store.reset_failures(session, subscription.id)
    else:
        run.failed += 1
        if status == DeliveryStatus.DEAD:
            run.dead.append(delivery.event_id)
        failures, enabled = store.count_failure(session, subscription.id)
        if enabled and failures >= event_settings.webhook_disable_after_failures:
            reason = f"disabled automatically after {failures} consecutive failed attempts; last: {result.error}"
            store.disable_endpoint(session, subscription.id, reason[:ERROR_TEXT_LIMIT])
            run.disabled = True
    session.commit()
    return result.ok or status == DeliveryStatus.DEAD
