"""The published contract of change events: the CloudEvent envelope and, per event type, its `data`.

The models follow what the code emits; the contract tests run real crawls and validate every event, so
drift between the two fails them. Webhook consumers get the same models as OpenAPI webhooks
(`api/event_webhooks.py`) and as JSON Schema (`objectsync events schema [TYPE]`).
"""

from services.delivery.contract.envelope import CloudEvent
from services.delivery.contract.registry import (
    EVENT_MODELS,
    ContractViolation,
    UnknownEventType,
    cloudevent_type,
    contract_schema,
    event_model,
    event_schema,
    open_for_additions,
    parse_event,
)

__all__ = [
    "EVENT_MODELS", "CloudEvent", "ContractViolation", "UnknownEventType", "cloudevent_type", "contract_schema",
    "event_model", "event_schema", "open_for_additions", "parse_event",
]
