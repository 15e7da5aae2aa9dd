"""One relay pass over the outbox: webhook fan-out, the Redis stream; each its own transaction.

Consumers are independent: the stream being down never holds up webhooks, and each loops over batches
until it has caught up (bounded, so one task never runs forever).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import redis

from catalog.session import session_scope
from services.delivery.event_stream import redis_client, relay_to_stream
from services.delivery.webhook_fanout import relay_to_webhooks
from settings import Settings, get_settings

log = logging.getLogger(__name__)
MAX_BATCHES_PER_PASS = 50


@dataclass(slots=True)
class RelayPass:
    events_relayed: int = 0
    deliveries_created: int = 0
    stream_published: int = 0
    stream_error: str | None = None


def relay_outbox(event_settings: Settings | None = None) -> RelayPass:
    event_settings = event_settings or get_settings()
    result = RelayPass()
    batch = event_settings.relay_batch_size
    for _ in range(MAX_BATCHES_PER_PASS):
        with session_scope() as session:
            relayed = relay_to_webhooks(session, batch_size=batch)
        result.events_relayed += relayed.events_read
        result.deliveries_created += relayed.deliveries_created
        if relayed.events_read < batch:
            break
    if event_settings.event_stream_enabled:
        _relay_stream(result, event_settings)
    return result


def _relay_stream(result: RelayPass, event_settings: Settings) -> None:
    try:
        client = redis_client()
        for _ in range(MAX_BATCHES_PER_PASS):
            with session_scope() as session:
                read, published = relay_to_stream(session, client, event_settings)
            result.stream_published += published
            if read < event_settings.relay_batch_size:
                break
    except redis.RedisError as exc:  # the cursor did not move: the next pass publishes these again
        result.stream_error = f"{type(exc).__name__}: {exc}"
        log.warning("publishing change events to the Redis stream failed: %s", result.stream_error)
