"""One relay pass over the outbox: webhook fan-out, the Redis stream; each its own transaction.

Consumers are independent: the stream being down never holds up webhooks, and each loops over batches until it
has caught up or reached the pass's bound (then the pass says there is more). Webhooks go first, and each endpoint
that got a delivery is handed to `on_new_deliveries` as soon as the fan-out commits (the relay task sends it its
delivery task): a change reaches a receiver without waiting for the rest of the pass or for the beat's sweep.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import redis

from catalog.session import session_scope
from services.delivery.event_stream import redis_client, relay_to_stream
from services.delivery.webhook_fanout import relay_to_webhooks
from settings import Settings, get_settings

log = logging.getLogger(__name__)
#: A pass stops after this many batches per consumer and says there is more (the relay task then sends itself
#: again): a large backlog, such as a first sync's dictionaries, goes out in passes of about a second, between
#: which a crawl asked for by hand (its queue is served first) gets a worker.
MAX_BATCHES_PER_PASS = 10


@dataclass(slots=True)
class RelayPass:
    events_relayed: int = 0
    deliveries_created: int = 0
    stream_published: int = 0
    stream_error: str | None = None
    #: A consumer stopped at the pass's bound with events left to relay.
    more: bool = False


def relay_outbox(event_settings: Settings | None = None, *,
                 on_new_deliveries: Callable[[int], None] | None = None) -> RelayPass:
    """`on_new_deliveries(subscription_id)` for each endpoint given a delivery, once its fan-out committed."""
    event_settings = event_settings or get_settings()
    result = RelayPass()
    batch = event_settings.relay_batch_size
    _relay_webhooks(result, batch, on_new_deliveries)
    if event_settings.event_stream_enabled:
        _relay_stream(result, event_settings)
    return result


def _relay_webhooks(result: RelayPass, batch: int, on_new_deliveries: Callable[[int], None] | None) -> None:
    for _ in range(MAX_BATCHES_PER_PASS):
        with session_scope() as session:
            relayed = relay_to_webhooks(session, batch_size=batch)
        result.events_relayed += relayed.events_read
        result.deliveries_created += relayed.deliveries_created
        if on_new_deliveries is not None:
            for endpoint in relayed.endpoints:
                on_new_deliveries(endpoint)
        if relayed.events_read < batch:
            break
    else:
        result.more = True


def _relay_stream(result: RelayPass, event_settings: Settings) -> None:
    try:
        client = redis_client()
        for _ in range(MAX_BATCHES_PER_PASS):
            with session_scope() as session:
                read, published = relay_to_stream(session, client, event_settings)
            result.stream_published += published
            if read < event_settings.relay_batch_size:
                break
        else:
            result.more = True
    except redis.RedisError as exc:  # the cursor did not move: the next pass publishes these again
        result.stream_error = f"{type(exc).__name__}: {exc}"
        log.warning("publishing change events to the Redis stream failed: %s", result.stream_error)
