"""The event contract in the OpenAPI document: one OpenAPI 3.1 webhook per change event type.

Documentation only: FastAPI lists `app.webhooks` operations under `webhooks` and serves no route for them.
The bodies are the contract's CloudEvent models (events/contract), so the document cannot drift from what
the contract tests validate.
"""

# No `from __future__ import annotations`: FastAPI reads the receivers' annotations as the model classes.

import inspect
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Body, FastAPI, Header, Response

from services.delivery.contract import EVENT_MODELS, CloudEvent, cloudevent_type

TAG = "change events"
RESPONSES: dict[int | str, dict[str, Any]] = {
    "default": {"description": "Any other answer (redirects included) is a failed attempt: retried with "
                               "backoff, in event order per endpoint, dead-lettered after the last attempt"},
}

WebhookId = Annotated[str, Header(alias="webhook-id", description="The event `id`: the same on every retry")]
WebhookTimestamp = Annotated[str, Header(alias="webhook-timestamp", description="Unix seconds of this attempt")]
WebhookSignature = Annotated[str, Header(
    alias="webhook-signature",
    description="`v1,<base64 HMAC-SHA256>` of `id.timestamp.body` with the subscription secret (Standard Webhooks)")]


def register_event_webhooks(app: FastAPI) -> None:
    """Add one webhook per event type, named like its CloudEvent `type` (`objectsync.column.added`)."""
    for name, model in EVENT_MODELS.items():
        app.webhooks.post(
            cloudevent_type(model),
            tags=[TAG],
            summary=f"{name} event",
            description=inspect.cleandoc(model.__doc__ or ""),
            operation_id=f"event_{name.replace('.', '_')}",
            response_class=Response,
            response_description="Any 2xx acknowledges the delivery",
            responses=RESPONSES,
        )(_receiver(model))


def _receiver(model: type[CloudEvent]) -> Callable[..., None]:
    def receive(
        event: Annotated[model, Body(media_type="application/cloudevents+json")],  # type: ignore[valid-type]
        webhook_id: WebhookId,
        webhook_timestamp: WebhookTimestamp,
        webhook_signature: WebhookSignature,
    ) -> None:
        """Never called: the operation documents what objectsync sends."""

    return receive
