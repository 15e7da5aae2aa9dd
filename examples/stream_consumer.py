"""A Redis consumer group reading the change event stream: run it, crash it, run it again, lose nothing.

    REDIS_URL=redis://127.0.0.1:6379/0 python -m examples.stream_consumer my-service worker-1

The stream key is OBJECTSYNC_REDIS_KEY_PREFIX + OBJECTSYNC_EVENT_STREAM_KEY (default `objectsync:events`).
Each entry carries `id` (the stable event id: dedupe on it), `type`, `source`, `subject`, `sequence` (the
outbox position; the entry id is `<sequence>-0`) and `event`, the whole CloudEvent as JSON.

Pattern: XGROUP CREATE once (from `0` to read what the stream still holds, or `$` for new events only);
XREADGROUP `>` for new entries; XACK after handling; on start, first re-read this consumer's pending
entries (id `0`) so entries it took but never acknowledged before a crash are handled; XAUTOCLAIM takes
over entries a dead consumer of the same group left pending. The stream is trimmed (MAXLEN ~), so a
consumer that falls far behind should resync from the catalog (or from the outbox via webhooks replay).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

import redis

from services.delivery.event_stream import redis_client, stream_key
from settings import get_settings

IDLE_BEFORE_CLAIM_MS = 60_000


def ensure_group(client: redis.Redis, key: str, group: str, start: str = "0") -> None:
    try:
        client.xgroup_create(key, group, id=start, mkstream=True)
    except redis.ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


def consume(
    client: redis.Redis,
    key: str,
    group: str,
    consumer: str,
    handle: Callable[[dict[str, Any]], None],
    *,
    block_ms: int = 5000,
    max_rounds: int | None = None,
) -> int:
    """Hand each CloudEvent to `handle` and acknowledge it afterwards; returns how many were handled."""
    ensure_group(client, key, group)
    handled = 0
    backlog = True  # first our own unacknowledged entries, then new ones
    rounds = 0
    while max_rounds is None or rounds < max_rounds:
        rounds += 1
        _, claimed, _ = client.xautoclaim(key, group, consumer, min_idle_time=IDLE_BEFORE_CLAIM_MS, count=100)
        response = client.xreadgroup(group, consumer, {key: "0" if backlog else ">"}, count=100,
                                     block=None if backlog else block_ms)
        entries = list(claimed) + [entry for _, batch in response for entry in batch]
        if backlog and not any(fields for _, fields in entries):
            backlog = False
        for entry_id, fields in entries:
            if not fields:  # trimmed away while pending: nothing left to handle
                client.xack(key, group, entry_id)
                continue
            handle(json.loads(fields[b"event"]))
            client.xack(key, group, entry_id)
            handled += 1
    return handled


def main(argv: list[str]) -> int:
    group = argv[0] if argv else "objectsync-example"
    consumer = argv[1] if len(argv) > 1 else "consumer-1"
    key = stream_key(get_settings())
    print(f"reading {key} as {consumer} in group {group}; Ctrl-C to stop", flush=True)
    try:
        consume(redis_client(), key, group, consumer,
                lambda event: print(event["sequence"], event["type"], event["subject"], event["id"], flush=True))
    except KeyboardInterrupt:  # an entry being handled stays pending and is read again on the next start
        print("stopped", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
