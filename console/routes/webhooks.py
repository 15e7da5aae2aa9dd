"""Webhook subscriptions (APPLICATION_ADMIN or GOVERNANCE): their deliveries and attempts, replay, re-enable,
secret rotation. A secret is shown once, on the page that follows its creation."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import RedirectResponse, Response

from catalog.session import Session
from console.support.deps import CurrentViewer, DbSession, FormViewer
from console.support.errors import message_of
from console.support.forms import Form, text
from console.support.rendering import PREFIX, page
from domain.errors import ObjectsyncError
from domain.webhook_delivery import DeliveryStatus
from services.access.permissions import APPLICATION_ADMIN, require_global
from services.delivery import webhook_subscriptions as service
from services.enqueue import DELIVER_WEBHOOKS, send_now

log = logging.getLogger(__name__)
router = APIRouter()
DELIVERY_STATUSES = tuple(DeliveryStatus)


def kick_delivery() -> None:
    """Deliver now rather than at the next beat (after the request committed); the beat sweep covers a miss."""
    try:
        send_now(DELIVER_WEBHOOKS)
    except Exception as exc:  # noqa: BLE001 - the state is committed; only the nudge is lost
        log.warning("could not enqueue a webhook delivery sweep: %s", type(exc).__name__)


def _types(value: str) -> list[str]:
    return [t.strip() for t in value.replace("\n", ",").split(",") if t.strip()]


def _list_page(request: Request, session: Session, status_code: int = 200, **context: Any) -> Response:
    return page(request, "webhooks.html", status_code, tab="webhooks",
                subscriptions=service.list_subscriptions(session),
                previous_valid_until=service.previous_secret_valid_until, **context)


@router.get("/webhooks")
def webhooks(request: Request, session: DbSession, viewer: CurrentViewer) -> Response:
    require_global(viewer.principal, APPLICATION_ADMIN)
    return _list_page(request, session, values={}, errors={})


@router.post("/webhooks")
def create(request: Request, session: DbSession, viewer: FormViewer, form: Form) -> Response:
    require_global(viewer.principal, APPLICATION_ADMIN)
    values = {"url": text(form, "url"), "eventTypes": text(form, "eventTypes"), "pathPrefix": text(form, "pathPrefix")}
    try:
        created = service.create_subscription(session, url=values["url"].strip(),
                                              event_types=_types(values["eventTypes"]),
                                              path_prefix=values["pathPrefix"].strip() or None)
        session.flush()
    except ObjectsyncError as exc:
        session.rollback()
        return _list_page(request, session, 422, values=values, errors={"url": message_of(exc)})
    return _list_page(request, session, 201, values={}, errors={},
                      new_secret={"id": created.subscription.id, "secret": created.secret})


def _detail_page(request: Request, session: Session, subscription_id: int, status_code: int = 200,
                 **context: Any) -> Response:
    subscription = service.get_subscription(session, subscription_id)
    status = request.query_params.get("status") or None
    status = status if status in DELIVERY_STATUSES else None
    deliveries = service.delivery_history(session, subscription_id, status=status, limit=200)
    return page(request, "webhook.html", status_code, tab="webhooks", subscription=subscription,
                deliveries=deliveries, status=status,
                previous_valid_until=service.previous_secret_valid_until(subscription), **context)


@router.get("/webhooks/{subscription_id}")
def detail(request: Request, subscription_id: int, session: DbSession, viewer: CurrentViewer) -> Response:
    require_global(viewer.principal, APPLICATION_ADMIN)
    return _detail_page(request, session, subscription_id)


@router.get("/webhooks/{subscription_id}/deliveries/{delivery_id}")
def attempts(request: Request, subscription_id: int, delivery_id: int, session: DbSession,
             viewer: CurrentViewer) -> Response:
    require_global(viewer.principal, APPLICATION_ADMIN)
    subscription = service.get_subscription(session, subscription_id)
    found = service.delivery_attempts(session, subscription_id, delivery_id)
    return page(request, "attempts.html", tab="webhooks", subscription=subscription, delivery_id=delivery_id,
                attempts=found)


@router.post("/webhooks/{subscription_id}/enabled")
def set_enabled(subscription_id: int, session: DbSession, viewer: FormViewer, form: Form,
                background: BackgroundTasks) -> Response:
    """Enable (re-enable an endpoint disabled after failures) or disable."""
    require_global(viewer.principal, APPLICATION_ADMIN)
    enabled = text(form, "enabled") == "true"
    service.update_subscription(session, subscription_id, enabled=enabled)
    if enabled:
        background.add_task(kick_delivery)
    return RedirectResponse(f"{PREFIX}/webhooks/{subscription_id}", status_code=303)


@router.post("/webhooks/{subscription_id}/rotate")
def rotate(request: Request, subscription_id: int, session: DbSession, viewer: FormViewer, form: Form) -> Response:
    require_global(viewer.principal, APPLICATION_ADMIN)
    grace = text(form, "graceSeconds").strip()
    try:
        rotated = service.rotate_secret(session, subscription_id, grace_seconds=int(grace) if grace else None)
    except (ObjectsyncError, ValueError) as exc:
        session.rollback()
        return _detail_page(request, session, subscription_id, 422, errors={"graceSeconds": message_of(exc)})
    return _detail_page(request, session, subscription_id, new_secret=rotated.secret)


@router.post("/webhooks/{subscription_id}/replay")
def replay(request: Request, subscription_id: int, session: DbSession, viewer: FormViewer, form: Form,
           background: BackgroundTasks) -> Response:
    require_global(viewer.principal, APPLICATION_ADMIN)
    reference = text(form, "fromEvent").strip()
    try:
        queued = service.replay(session, subscription_id, int(reference) if reference.isdigit() else reference)
    except ObjectsyncError as exc:
        session.rollback()
        return _detail_page(request, session, subscription_id, 422, errors={"fromEvent": message_of(exc)})
    background.add_task(kick_delivery)
    return _detail_page(request, session, subscription_id, replayed=queued)


@router.post("/webhooks/{subscription_id}/delete")
def delete(subscription_id: int, session: DbSession, viewer: FormViewer) -> Response:
    require_global(viewer.principal, APPLICATION_ADMIN)
    service.delete_subscription(session, subscription_id)
    return RedirectResponse(f"{PREFIX}/webhooks", status_code=303)


