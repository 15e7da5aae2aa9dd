"""Publishing the outbox to a bounded Redis stream for in-cluster consumers (examples/stream_consumer.py reads it).

Each entry's stream id is `<outbox id>-0`, so a relay that crashed after XADD but before saving its cursor
skips what is already there on the next run: the stream holds every event once, in outbox order.
"""

from __future__ import annotations

from collections.abc import Sequence

import redis
from redis.typing import EncodableT, FieldT

from catalog.outbox_cursors import REDIS_STREAM, advance_cursor, events_after, lock_cursor
from catalog.session import Session
from models import ChangeEvent
from services.delivery.envelope import serialize, to_cloudevent
from settings import Settings, get_settings


def stream_key(event_settings: Settings) -> str:
    return get_settings().redis_key_prefix + event_settings.event_stream_key


def redis_client() -> redis.Redis:
    url = get_settings().redis_url
    if not url:
        raise RuntimeError("REDIS_URL is not set; the event stream needs Redis")
    return redis.Redis.from_url(url)


def stream_fields(event: ChangeEvent) -> dict[FieldT, EncodableT]:
    """Flat fields for filtering without parsing, plus the whole CloudEvent as JSON."""
    cloudevent = to_cloudevent(event)
    return {
        "id": cloudevent["id"],
        "type": cloudevent["type"],
        "source": cloudevent["source"],
        "subject": cloudevent["subject"],
        "sequence": cloudevent["sequence"],
        "event": serialize(cloudevent),
    }


def last_stream_sequence(client: redis.Redis, key: str) -> int:
    """The outbox id of the newest entry already in the stream (0 if none)."""
    newest = client.xrevrange(key, count=1)
    if not newest:
        return 0
    entry_id = newest[0][0]
    return int((entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)).split("-", 1)[0])


def publish(client: redis.Redis, key: str, events: Sequence[ChangeEvent], maxlen: int) -> int:
    """XADD (MAXLEN ~ maxlen) the events not yet in the stream, in one round trip; returns how many."""
    already = last_stream_sequence(client, key)
    fresh = [e for e in events if e.id > already]
    if not fresh:
        return 0
    pipe = client.pipeline(transaction=False)
    for event in fresh:
        pipe.xadd(key, stream_fields(event), id=f"{event.id}-0", maxlen=maxlen, approximate=True)
    pipe.execute()
    return len(fresh)


def relay_to_stream(session: Session, client: redis.Redis, event_settings: Settings) -> tuple[int, int]:
    """Publish one batch of outbox rows after the stream cursor; caller commits.

    Returns (events read, events newly added to the stream).
    """
    cursor = lock_cursor(session, REDIS_STREAM)
    events = events_after(session, cursor, event_settings.relay_batch_size)
    if not events:
        return 0, 0
    published = publish(client, stream_key(event_settings), events, event_settings.event_stream_maxlen)
    advance_cursor(session, REDIS_STREAM, events[-1].id)
    return len(events), published
