"""Webhook subscriptions: create, change, remove, list, replay, and their delivery and attempt history."""

from __future__ import annotations

import base64
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from catalog import webhook_store as store
from catalog.session import Session
from domain.errors import Invalid, NotFound
from domain.webhook_delivery import DeliveryStatus
from models import ChangeEvent, WebhookDelivery, WebhookDeliveryAttempt, WebhookSubscription
from services.access.secrets import decrypt_secret, encrypt_secret
from services.delivery.ssrf import check_webhook_url
from services.delivery.subscription_filters import normalize_event_types, normalize_path_prefix
from settings import get_settings

SECRET_PREFIX = "whsec_"
DELIVERY_STATUSES = tuple(DeliveryStatus)


class SubscriptionNotFound(NotFound):
    def __init__(self, subscription_id: int):
        super().__init__(f"no webhook subscription with id {subscription_id}")


class EventNotFound(NotFound):
    def __init__(self, reference: str):
        super().__init__(f"no change event {reference!r}")


class DeliveryNotFound(NotFound):
    def __init__(self, subscription_id: int, delivery_id: int):
        super().__init__(f"webhook subscription {subscription_id} has no delivery {delivery_id}")


class InvalidSecret(Invalid):
    pass


@dataclass(frozen=True, slots=True)
class CreatedSubscription:
    subscription: WebhookSubscription
    #: Shown once, at creation: receivers verify signatures with it.
    secret: str


def generate_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def validate_secret(secret: str) -> str:
    """Standard Webhooks secrets: `whsec_` + base64 of 24 to 64 random bytes."""
    body = secret.removeprefix(SECRET_PREFIX)
    try:
        raw = base64.b64decode(body, validate=True)
    except ValueError:
        raise InvalidSecret("webhook secret must be 'whsec_' followed by base64") from None
    if not 24 <= len(raw) <= 64:
        raise InvalidSecret("webhook secret must encode 24 to 64 bytes")
    return SECRET_PREFIX + body


def subscription_secret(subscription: WebhookSubscription) -> str:
    return decrypt_secret(subscription.secret_encrypted)


def previous_secret_valid_until(subscription: WebhookSubscription, now: datetime | None = None) -> datetime | None:
    """When the secret before the last rotation stops signing; None when it no longer does."""
    expires = subscription.previous_secret_expires_at
    if subscription.previous_secret_encrypted and expires and expires > (now or datetime.now(UTC)):
        return expires
    return None


def signing_secrets(subscription: WebhookSubscription, now: datetime | None = None) -> list[str]:
    """The current secret, then the previous one while its rotation grace lasts."""
    secrets_now = [subscription_secret(subscription)]
    if previous_secret_valid_until(subscription, now):
        secrets_now.append(decrypt_secret(subscription.previous_secret_encrypted))
    return secrets_now


@dataclass(frozen=True, slots=True)
class RotatedSecret:
    subscription: WebhookSubscription
    #: Shown once: receivers switch to it; the old one keeps verifying until `previous_valid_until`.
    secret: str
    previous_valid_until: datetime | None


def rotate_secret(session: Session, subscription_id: int, *, secret: str | None = None,
                  grace_seconds: int | None = None) -> RotatedSecret:
    """A new signing secret (given or generated); the old one stays valid for the grace period."""
    subscription = get_subscription(session, subscription_id, for_update=True)
    plain = validate_secret(secret) if secret else generate_secret()
    _replace_secret(subscription, plain, grace_seconds)
    session.flush()
    return RotatedSecret(subscription, plain, subscription.previous_secret_expires_at)


def _replace_secret(subscription: WebhookSubscription, plain: str, grace_seconds: int | None) -> None:
    grace = get_settings().webhook_secret_rotation_grace_seconds if grace_seconds is None else grace_seconds
    if grace < 0:
        raise InvalidSecret("the rotation grace period cannot be negative")
    if grace:
        subscription.previous_secret_encrypted = subscription.secret_encrypted
        subscription.previous_secret_expires_at = datetime.now(UTC) + timedelta(seconds=grace)
    else:
        subscription.previous_secret_encrypted = subscription.previous_secret_expires_at = None
    subscription.secret_encrypted = encrypt_secret(plain)


def create_subscription(
    session: Session,
    *,
    url: str,
    secret: str | None = None,
    event_types: Sequence[str] = (),
    path_prefix: str | Sequence[str] | None = None,
    enabled: bool = True,
    content_mode: str = "structured",
) -> CreatedSubscription:
    check_webhook_url(url, allow_private=get_settings().webhook_allow_private_addresses)
    plain = validate_secret(secret) if secret else generate_secret()
    subscription = WebhookSubscription(
        url=url, secret_encrypted=encrypt_secret(plain), event_types=normalize_event_types(event_types),
        path_prefix=normalize_path_prefix(path_prefix), enabled=enabled, consecutive_failures=0,
        content_mode=content_mode,
    )
    session.add(subscription)
    session.flush()
    return CreatedSubscription(subscription, plain)


def get_subscription(session: Session, subscription_id: int, *, for_update: bool = False) -> WebhookSubscription:
    subscription = store.find_subscription(session, subscription_id, for_update=for_update)
    if subscription is None:
        raise SubscriptionNotFound(subscription_id)
    return subscription


def list_subscriptions(session: Session) -> list[WebhookSubscription]:
    return store.all_subscriptions(session)


def update_subscription(
    session: Session,
    subscription_id: int,
    *,
    url: str | None = None,
    secret: str | None = None,
    event_types: Sequence[str] | None = None,
    path_prefix: str | Sequence[str] | None = None,
    enabled: bool | None = None,
    content_mode: str | None = None,
) -> WebhookSubscription:
    """Change what is given; enabling by hand clears an automatic disable and its failure count."""
    subscription = get_subscription(session, subscription_id, for_update=True)
    if url is not None:
        subscription.url = check_webhook_url(url, allow_private=get_settings().webhook_allow_private_addresses)
    if secret is not None:
        _replace_secret(subscription, validate_secret(secret), None)
    if event_types is not None:
        subscription.event_types = normalize_event_types(event_types)
    if path_prefix is not None:
        subscription.path_prefix = normalize_path_prefix(path_prefix)
    if content_mode is not None:
        subscription.content_mode = content_mode
    if enabled is not None:
        if enabled and not subscription.enabled:
            subscription.consecutive_failures = 0
            subscription.disabled_reason = None
        subscription.enabled = enabled
    session.flush()
    return subscription


def delete_subscription(session: Session, subscription_id: int) -> None:
    session.delete(get_subscription(session, subscription_id))
    session.flush()


def resolve_event_reference(session: Session, reference: int | str) -> int:
    """An outbox id (the CloudEvent `sequence`) or a stable event id (the CloudEvent `id`) → outbox id."""
    text_ref = str(reference).strip()
    if text_ref.isdigit():
        found = store.find_outbox_id(session, int(text_ref))
    else:
        try:
            event_uuid = uuid.UUID(text_ref)
        except ValueError:
            raise EventNotFound(text_ref) from None
        found = store.find_outbox_id(session, event_uuid)
    if found is None:
        raise EventNotFound(text_ref)
    return found


def replay(session: Session, subscription_id: int, from_event: int | str) -> int:
    """Queue again every matching event from `from_event` on, oldest first; returns how many were queued.

    Already delivered or dead deliveries go back to pending with a fresh attempt budget; the endpoint's
    ordering still holds because deliveries go out by event id.
    """
    get_subscription(session, subscription_id)
    start = resolve_event_reference(session, from_event)
    return store.requeue_deliveries(session, subscription_id, start)


def delivery_history(
    session: Session,
    subscription_id: int,
    *,
    status: str | None = None,
    after_id: int = 0,
    limit: int = 100,
) -> list[tuple[WebhookDelivery, ChangeEvent]]:
    """Deliveries of one subscription with their events, oldest event first, paged by delivery id."""
    get_subscription(session, subscription_id)
    if status is not None and status not in DELIVERY_STATUSES:
        raise ValueError(f"status must be one of {', '.join(DELIVERY_STATUSES)}")
    return store.deliveries(session, subscription_id, status=status, after_id=after_id,
                            limit=max(1, min(limit, 1000)))


def count_deliveries(session: Session, subscription_id: int, *, status: str | None = None, after_id: int = 0) -> int:
    """How many deliveries `delivery_history` would list without a limit."""
    return store.count_deliveries(session, subscription_id, status=status, after_id=after_id)


def delivery_attempts(session: Session, subscription_id: int, delivery_id: int) -> list[WebhookDeliveryAttempt]:
    """Every attempt at one delivery of a subscription, oldest first."""
    get_subscription(session, subscription_id)
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.subscription_id != subscription_id:
        raise DeliveryNotFound(subscription_id, delivery_id)
    return store.attempts(session, delivery_id)
