"""One CloudEvent model per event type, looked up by either spelling, with its JSON Schema."""

from __future__ import annotations

import json
from functools import cache
from typing import Annotated, Any, Union, get_args

from pydantic import Field, TypeAdapter

from domain.change_types import TYPE_PREFIX, outbox_type_name
from domain.errors import Invalid
from services.delivery.contract.columns import (
    ColumnAddedEvent,
    ColumnChangedEvent,
    ColumnDeletedEvent,
    ColumnRenamedEvent,
    ColumnTypeChangedEvent,
)
from services.delivery.contract.envelope import CloudEvent
from services.delivery.contract.jobs import JobFinishedEvent, SyncGuardTrippedEvent
from services.delivery.contract.objects import (
    DataSourceDisabledEvent,
    DataSourceEnabledEvent,
    ObjectChangedEvent,
    ObjectCreatedEvent,
    ObjectDeletedEvent,
    ObjectDeletedRemotelyEvent,
    ObjectRestoredEvent,
)
from services.delivery.contract.requests import RequestCreatedEvent, RequestResolvedEvent

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

_MODELS: tuple[type[CloudEvent], ...] = (
    ObjectCreatedEvent, ObjectChangedEvent, ObjectDeletedRemotelyEvent, ObjectRestoredEvent, ObjectDeletedEvent,
    DataSourceEnabledEvent, DataSourceDisabledEvent,
    ColumnAddedEvent, ColumnDeletedEvent, ColumnTypeChangedEvent, ColumnChangedEvent, ColumnRenamedEvent,
    RequestCreatedEvent, RequestResolvedEvent, JobFinishedEvent, SyncGuardTrippedEvent,
)


def cloudevent_type(model: type[CloudEvent]) -> str:
    """The `type` a model is bound to: `objectsync.column.added`."""
    (name,) = get_args(model.model_fields["type"].annotation)
    return name


#: Short event type (as the outbox stores it) → the CloudEvent model of that type.
EVENT_MODELS: dict[str, type[CloudEvent]] = {outbox_type_name(cloudevent_type(m)): m for m in _MODELS}


class UnknownEventType(Invalid):
    def __init__(self, name: str):
        super().__init__(f"unknown event type {name!r}; known: {', '.join(EVENT_MODELS)}")


class ContractViolation(ValueError):
    """An event that does not match the contract of its type."""


def event_model(name: str) -> type[CloudEvent]:
    """`column.added` or `objectsync.column.added` → its model."""
    model = EVENT_MODELS.get(outbox_type_name(name.strip()))
    if model is None:
        raise UnknownEventType(name)
    return model


def parse_event(body: str | bytes | dict[str, Any]) -> CloudEvent:
    """Validate one CloudEvent as JSON, strictly (no coercion), against the contract of its `type`."""
    text = json.dumps(body) if isinstance(body, dict) else body
    envelope = json.loads(text)
    name = envelope.get("type") if isinstance(envelope, dict) else None
    if not isinstance(name, str) or not name.startswith(TYPE_PREFIX):
        raise ContractViolation(f"not an objectsync CloudEvent: type {name!r}")
    return event_model(name).model_validate_json(text, strict=True)


def open_for_additions(schema: Any) -> Any:
    """The published schema lets objects carry members it does not list: new fields are added without notice
    (the evolution policy), so a consumer validating against it never breaks on one. The code itself is held
    to the closed models (`parse_event`), so what it sends cannot drift from what is documented."""
    if isinstance(schema, dict):
        return {k: open_for_additions(v) for k, v in schema.items()
                if not (k == "additionalProperties" and v is False)}
    if isinstance(schema, list):
        return [open_for_additions(v) for v in schema]
    return schema


def event_schema(name: str) -> dict[str, Any]:
    """The JSON Schema (2020-12) of one event type's CloudEvent."""
    model = event_model(name)
    return {"$schema": JSON_SCHEMA_DIALECT, **open_for_additions(model.model_json_schema())}


@cache
def _any_event() -> TypeAdapter[Any]:
    any_event: Any = Annotated[Union[_MODELS], Field(discriminator="type")]  # noqa: UP007 - a runtime tuple
    return TypeAdapter(any_event)


def contract_schema() -> dict[str, Any]:
    """The JSON Schema of any objectsync CloudEvent, one branch per type, told apart by `type`."""
    return {"$schema": JSON_SCHEMA_DIALECT, "title": "objectsync change event",
            **open_for_additions(_any_event().json_schema())}
