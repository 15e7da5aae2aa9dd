"""Webhook subscriptions (APPLICATION_ADMIN or GOVERNANCE): CRUD, replay, delivery and attempt history."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Query, Response, status
from pydantic import Field

from api.schemas.common import CamelModel
from api.support.auth import CurrentPrincipal
from api.support.deps import DbSession
from api.support.error_responses import ERROR_RESPONSES
from domain.paths import format_path
from models import ChangeEvent, WebhookDelivery, WebhookDeliveryAttempt, WebhookSubscription
from services.access.permissions import APPLICATION_ADMIN, require_global
from services.delivery import webhook_subscriptions as service
from services.delivery.envelope import event_type_name
from services.enqueue import DELIVER_WEBHOOKS, send_now

log = logging.getLogger(__name__)
router = APIRouter(tags=["webhooks"])

PathPrefix = Annotated[str | list[str] | None, Field(
    description="object path prefix, URL-style ('pg/app/Sales') or as segments; empty: every object")]


class SubscriptionCreate(CamelModel):
    url: str = Field(description="http(s) endpoint; private and loopback addresses are refused unless allowed")
    secret: str | None = Field(default=None, description="'whsec_' + base64 (24-64 bytes); generated if omitted")
    event_types: list[str] = Field(default_factory=list, description="e.g. 'column.added' or 'column.*'; empty: all")
    path_prefix: PathPrefix = None
    enabled: bool = True


class SubscriptionUpdate(CamelModel):
    url: str | None = None
    secret: str | None = None
    event_types: list[str] | None = None
    path_prefix: PathPrefix = None
    enabled: bool | None = Field(default=None, description="true re-enables an automatically disabled endpoint")


class SubscriptionView(CamelModel):
    id: int
    url: str
    event_types: list[str]
    path_prefix: str | None
    enabled: bool
    consecutive_failures: int
    disabled_reason: str | None
    previous_secret_valid_until: datetime | None = Field(
        description="after a rotation: deliveries are also signed with the previous secret until then")
    created_at: datetime


class SubscriptionCreated(SubscriptionView):
    secret: str = Field(description="shown once: receivers verify the webhook-signature header with it")


class SecretRotation(CamelModel):
    secret: str | None = Field(default=None, description="'whsec_' + base64 (24-64 bytes); generated if omitted")
    grace_seconds: int | None = Field(default=None, ge=0, le=30 * 86_400, description=(
        "how long deliveries stay signed with the old secret too; default OBJECTSYNC_WEBHOOK_SECRET_ROTATION_"
        "GRACE_SECONDS, 0 drops it at once"))


class SecretRotated(CamelModel):
    secret: str = Field(description="shown once: the new signing secret")
    previous_secret_valid_until: datetime | None


class ReplayRequest(CamelModel):
    from_event: str | int = Field(description="an outbox id (the CloudEvent 'sequence') or a stable event id ('id')")


class ReplayQueued(CamelModel):
    queued: int


class DeliveryView(CamelModel):
    id: int
    sequence: int
    event_id: str
    type: str
    subject: str
    status: Literal["pending", "delivered", "dead"]
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime


class AttemptView(CamelModel):
    attempt: int = Field(description="1 for the first attempt; counts again from 1 after a replay")
    succeeded: bool
    status_code: int | None
    error: str | None
    duration_ms: int
    attempted_at: datetime


def attempt_view(attempt: WebhookDeliveryAttempt) -> AttemptView:
    return AttemptView(attempt=attempt.attempt, succeeded=attempt.succeeded, status_code=attempt.status_code,
                       error=attempt.error, duration_ms=attempt.duration_ms, attempted_at=attempt.attempted_at)


def subscription_view(subscription: WebhookSubscription) -> SubscriptionView:
    return SubscriptionView(
        id=subscription.id, url=subscription.url, event_types=list(subscription.event_types),
        path_prefix=format_path(subscription.path_prefix) if subscription.path_prefix else None,
        enabled=subscription.enabled, consecutive_failures=subscription.consecutive_failures,
        disabled_reason=subscription.disabled_reason, created_at=subscription.created_at,
        previous_secret_valid_until=service.previous_secret_valid_until(subscription),
    )


def delivery_view(delivery: WebhookDelivery, event: ChangeEvent) -> DeliveryView:
    return DeliveryView(
        id=delivery.id, sequence=event.id, event_id=str(event.event_id), type=event_type_name(event.type),
        subject=format_path(event.object_path or [event.connection_key]),
        status=delivery.status, attempts=delivery.attempts, next_attempt_at=delivery.next_attempt_at,
        last_status_code=delivery.last_status_code, last_error=delivery.last_error,
        delivered_at=delivery.delivered_at, created_at=delivery.created_at,
    )


def kick_delivery() -> None:
    """Deliver now rather than at the next beat; if the broker is down the beat sweep does it. Run as a
    background task: after the request's unit of work committed, so the sweep sees what it changed."""
    try:
        send_now(DELIVER_WEBHOOKS)
    except Exception as exc:  # noqa: BLE001 - the state is committed; only the nudge is lost
        log.warning("could not enqueue a webhook delivery sweep: %s", type(exc).__name__)


@router.post("/webhooks", response_model=SubscriptionCreated, status_code=status.HTTP_201_CREATED,
             responses=ERROR_RESPONSES)
def create_webhook(body: SubscriptionCreate, principal: CurrentPrincipal, session: DbSession) -> SubscriptionCreated:
    require_global(principal, APPLICATION_ADMIN)
    created = service.create_subscription(
        session, url=body.url, secret=body.secret, event_types=body.event_types, path_prefix=body.path_prefix,
        enabled=body.enabled)
    session.refresh(created.subscription)  # created_at, set by the database
    return SubscriptionCreated(**subscription_view(created.subscription).model_dump(), secret=created.secret)


@router.get("/webhooks", response_model=list[SubscriptionView], responses=ERROR_RESPONSES)
def list_webhooks(principal: CurrentPrincipal, session: DbSession) -> list[SubscriptionView]:
    require_global(principal, APPLICATION_ADMIN)
    return [subscription_view(s) for s in service.list_subscriptions(session)]


@router.get("/webhooks/{subscription_id}", response_model=SubscriptionView, responses=ERROR_RESPONSES)
def get_webhook(subscription_id: int, principal: CurrentPrincipal, session: DbSession) -> SubscriptionView:
    require_global(principal, APPLICATION_ADMIN)
    return subscription_view(service.get_subscription(session, subscription_id))


@router.patch("/webhooks/{subscription_id}", response_model=SubscriptionView, responses=ERROR_RESPONSES)
def update_webhook(subscription_id: int, body: SubscriptionUpdate, principal: CurrentPrincipal,
                   session: DbSession, background: BackgroundTasks) -> SubscriptionView:
    require_global(principal, APPLICATION_ADMIN)
    subscription = service.update_subscription(
        session, subscription_id, url=body.url, secret=body.secret, event_types=body.event_types,
        path_prefix=body.path_prefix, enabled=body.enabled)
    if subscription.enabled:
        background.add_task(kick_delivery)
    return subscription_view(subscription)


@router.delete("/webhooks/{subscription_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ERROR_RESPONSES)
def delete_webhook(subscription_id: int, principal: CurrentPrincipal, session: DbSession) -> Response:
    require_global(principal, APPLICATION_ADMIN)
    service.delete_subscription(session, subscription_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/webhooks/{subscription_id}/secret/rotate", response_model=SecretRotated, responses=ERROR_RESPONSES)
def rotate_webhook_secret(subscription_id: int, body: SecretRotation, principal: CurrentPrincipal,
                          session: DbSession) -> SecretRotated:
    """A new signing secret; deliveries carry both signatures during the grace period, so receivers can switch
    to the new secret whenever they like within it."""
    require_global(principal, APPLICATION_ADMIN)
    rotated = service.rotate_secret(session, subscription_id, secret=body.secret, grace_seconds=body.grace_seconds)
    return SecretRotated(secret=rotated.secret, previous_secret_valid_until=rotated.previous_valid_until)


@router.post("/webhooks/{subscription_id}/replay", response_model=ReplayQueued,
             status_code=status.HTTP_202_ACCEPTED, responses=ERROR_RESPONSES)
def replay_webhook(subscription_id: int, body: ReplayRequest, principal: CurrentPrincipal,
                   session: DbSession, background: BackgroundTasks) -> ReplayQueued:
    """Send every matching event from `fromEvent` on again, oldest first (delivered and dead ones too)."""
    require_global(principal, APPLICATION_ADMIN)
    queued = service.replay(session, subscription_id, body.from_event)
    background.add_task(kick_delivery)
    return ReplayQueued(queued=queued)


@router.get("/webhooks/{subscription_id}/deliveries", response_model=list[DeliveryView], responses=ERROR_RESPONSES)
def list_deliveries(
    subscription_id: int,
    principal: CurrentPrincipal,
    session: DbSession,
    delivery_status: Annotated[Literal["pending", "delivered", "dead"] | None, Query(alias="status")] = None,
    after_id: Annotated[int, Query(alias="afterId", ge=0, description="page after this delivery id")] = 0,
    size: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[DeliveryView]:
    require_global(principal, APPLICATION_ADMIN)
    rows = service.delivery_history(session, subscription_id, status=delivery_status, after_id=after_id, limit=size)
    return [delivery_view(d, e) for d, e in rows]


@router.get("/webhooks/{subscription_id}/deliveries/{delivery_id}/attempts", response_model=list[AttemptView],
            responses=ERROR_RESPONSES)
def list_delivery_attempts(subscription_id: int, delivery_id: int, principal: CurrentPrincipal,
                           session: DbSession) -> list[AttemptView]:
    require_global(principal, APPLICATION_ADMIN)
    attempts = service.delivery_attempts(session, subscription_id, delivery_id)
    return [attempt_view(a) for a in attempts]
