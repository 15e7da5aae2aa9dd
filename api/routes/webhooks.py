"""Webhook subscriptions (APPLICATION_ADMIN or GOVERNANCE): CRUD, replay, delivery and attempt history."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, BackgroundTasks, Query, Response, status
from pydantic import Field

from api.schemas.common import CamelModel, Page
from api.support.auth import CurrentPrincipal
from api.support.deps import DbSession
from api.support.error_responses import ERROR_RESPONSES, accepted
from api.support.paging import PageParams
from domain.paths import format_path
from models import ChangeEvent, WebhookDelivery, WebhookDeliveryAttempt, WebhookSubscription
from services.access.permissions import APPLICATION_ADMIN, require_global
from services.delivery import webhook_subscriptions as service
from services.delivery.envelope import event_type_name
from services.enqueue import DELIVER_WEBHOOKS, send_now

log = logging.getLogger(__name__)
router = APIRouter(tags=["webhooks"])

ContentMode = Annotated[Literal["structured", "binary"], Field(
    description="CloudEvents HTTP content mode: structured (the event as an application/cloudevents+json body) "
                "or binary (its data as the body, its attributes in ce-* headers)")]
PathPrefix = Annotated[str | list[str] | None, Field(
    description="object path prefix, URL-style ('pg/app/Sales') or as segments; empty: every object")]


class SubscriptionCreate(CamelModel):
    url: str = Field(description="http(s) endpoint; private and loopback addresses are refused unless allowed")
    secret: str | None = Field(default=None, description="'whsec_' + base64 (24-64 bytes); generated if omitted")
    event_types: list[str] = Field(default_factory=list, description="e.g. 'column.added' or 'column.*'; empty: all")
    path_prefix: PathPrefix = None
    enabled: bool = True
    content_mode: ContentMode = "structured"


class SubscriptionUpdate(CamelModel):
    url: str | None = None
    secret: str | None = None
    event_types: list[str] | None = None
    path_prefix: PathPrefix = None
    enabled: bool | None = Field(default=None, description="true re-enables an automatically disabled endpoint")
    content_mode: ContentMode | None = None


class SubscriptionView(CamelModel):
    id: int
    url: str
    event_types: list[str]
    path_prefix: str | None
    enabled: bool
    consecutive_failures: int
    disabled_reason: str | None
    content_mode: ContentMode
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
        disabled_reason=subscription.disabled_reason, content_mode=subscription.content_mode,
        created_at=subscription.created_at,
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
        enabled=body.enabled, content_mode=body.content_mode)
    session.refresh(created.subscription)  # created_at, set by the database
    return SubscriptionCreated(**subscription_view(created.subscription).model_dump(), secret=created.secret)


@router.get("/webhooks", response_model=Page[SubscriptionView], responses=ERROR_RESPONSES)
def list_webhooks(principal: CurrentPrincipal, session: DbSession, paging: PageParams) -> Page[SubscriptionView]:
    require_global(principal, APPLICATION_ADMIN)
    return paging.page_of_all([subscription_view(s) for s in service.list_subscriptions(session)])


@router.get("/webhooks/{subscriptionId}", response_model=SubscriptionView, responses=ERROR_RESPONSES)
def get_webhook(subscriptionId: int, principal: CurrentPrincipal, session: DbSession) -> SubscriptionView:
    require_global(principal, APPLICATION_ADMIN)
    return subscription_view(service.get_subscription(session, subscriptionId))


@router.patch("/webhooks/{subscriptionId}", response_model=SubscriptionView, responses=ERROR_RESPONSES)
def update_webhook(subscriptionId: int, body: SubscriptionUpdate, principal: CurrentPrincipal,
                   session: DbSession, background: BackgroundTasks) -> SubscriptionView:
    require_global(principal, APPLICATION_ADMIN)
    subscription = service.update_subscription(
        session, subscriptionId, url=body.url, secret=body.secret, event_types=body.event_types,
        path_prefix=body.path_prefix, enabled=body.enabled, content_mode=body.content_mode)
    if subscription.enabled:
        background.add_task(kick_delivery)
    return subscription_view(subscription)


@router.delete("/webhooks/{subscriptionId}", status_code=status.HTTP_204_NO_CONTENT, responses=ERROR_RESPONSES)
def delete_webhook(subscriptionId: int, principal: CurrentPrincipal, session: DbSession) -> Response:
    require_global(principal, APPLICATION_ADMIN)
    service.delete_subscription(session, subscriptionId)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/webhooks/{subscriptionId}/secret/rotate", response_model=SecretRotated, responses=ERROR_RESPONSES)
def rotate_webhook_secret(subscriptionId: int, body: SecretRotation, principal: CurrentPrincipal,
                          session: DbSession) -> SecretRotated:
    """A new signing secret; deliveries carry both signatures during the grace period, so receivers can switch
    to the new secret whenever they like within it."""
    require_global(principal, APPLICATION_ADMIN)
    rotated = service.rotate_secret(session, subscriptionId, secret=body.secret, grace_seconds=body.grace_seconds)
    return SecretRotated(secret=rotated.secret, previous_secret_valid_until=rotated.previous_valid_until)


@router.post("/webhooks/{subscriptionId}/replay", response_model=ReplayQueued,
             status_code=status.HTTP_202_ACCEPTED,
             responses=accepted("The endpoint's deliveries: `/webhooks/{subscriptionId}/deliveries`"))
def replay_webhook(subscriptionId: int, body: ReplayRequest, principal: CurrentPrincipal,
                   session: DbSession, background: BackgroundTasks, response: Response) -> ReplayQueued:
    """Send every matching event from `fromEvent` on again, oldest first (delivered and dead ones too);
    `Location` lists the endpoint's deliveries."""
    require_global(principal, APPLICATION_ADMIN)
    queued = service.replay(session, subscriptionId, body.from_event)
    background.add_task(kick_delivery)
    response.headers["Location"] = f"/webhooks/{subscriptionId}/deliveries"
    return ReplayQueued(queued=queued)


@router.get("/webhooks/{subscriptionId}/deliveries", response_model=Page[DeliveryView], responses=ERROR_RESPONSES)
def list_deliveries(
    subscriptionId: int,
    principal: CurrentPrincipal,
    session: DbSession,
    paging: PageParams,
    delivery_status: Annotated[Literal["pending", "delivered", "dead"] | None, Query(alias="status")] = None,
) -> Page[DeliveryView]:
    """Deliveries oldest first."""
    require_global(principal, APPLICATION_ADMIN)
    rows = service.delivery_history(session, subscriptionId, status=delivery_status, after_id=paging.after_id,
                                    limit=paging.limit)
    total = service.count_deliveries(session, subscriptionId, status=delivery_status, after_id=paging.after_id)
    return paging.page_after([delivery_view(d, e) for d, e in rows], total, rows[-1][0].id if rows else None)


@router.get("/webhooks/{subscriptionId}/deliveries/{deliveryId}/attempts", response_model=Page[AttemptView],
            responses=ERROR_RESPONSES)
def list_delivery_attempts(subscriptionId: int, deliveryId: int, principal: CurrentPrincipal,
                           session: DbSession, paging: PageParams) -> Page[AttemptView]:
    require_global(principal, APPLICATION_ADMIN)
    attempts = service.delivery_attempts(session, subscriptionId, deliveryId)
    return paging.page_of_all([attempt_view(a) for a in attempts])
