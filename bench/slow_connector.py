"""A benchmark-only connector: PostgreSQL whose every remote read first waits, as a far-away warehouse would.

It also counts the reads in flight per connection in Redis, over every worker process, so the benchmark can show
that the per-connection cap on concurrent reads holds. Registered only by the benchmark's worker app.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import redis

from connectors.postgresql import PostgresConnector
from domain.schema_batches import TableRange
from domain.snapshot import RemoteHierarchy, SchemaSnapshot

TECHNOLOGY = "bench-slow-postgresql"
LATENCY_ENV = "OBJECTSYNC_BENCH_READ_LATENCY"
IN_FLIGHT_KEY = "objectsync-bench:reads-in-flight:"
PEAK_KEY = "objectsync-bench:reads-peak:"

# Keeps the in-flight count and the peak together, atomically, whichever worker reads.
_ENTER = """
local now = redis.call('INCR', KEYS[1])
if now > tonumber(redis.call('GET', KEYS[2]) or '0') then redis.call('SET', KEYS[2], now) end
return now
"""


class SlowPostgresConnector(PostgresConnector):
    technology = TECHNOLOGY

    def __init__(self, config: Mapping[str, Any], credentials: Mapping[str, Any], **options: Any):
        super().__init__(config, credentials, **options)
        self.latency = float(os.environ.get(LATENCY_ENV, "0.1"))
        self.redis = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
        self.label = self.settings.database

    @contextmanager
    def _remote(self) -> Iterator[None]:
        self.redis.eval(_ENTER, 2, IN_FLIGHT_KEY + self.label, PEAK_KEY + self.label)
        try:
            time.sleep(self.latency)
            yield
        finally:
            self.redis.decr(IN_FLIGHT_KEY + self.label)

    def list_hierarchy(self) -> RemoteHierarchy:
        with self._remote():
            return super().list_hierarchy()

    def read_schema_changes(self, database: str, schema: str, known_tokens: Mapping[str, str],
                            table_range: TableRange | None = None) -> SchemaSnapshot:
        with self._remote():
            return super().read_schema_changes(database, schema, known_tokens, table_range)


def peak_reads(database: str) -> int:
    client = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    return int(client.get(PEAK_KEY + database) or 0)


def reset_peak(database: str) -> None:
    client = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    client.delete(PEAK_KEY + database, IN_FLIGHT_KEY + database)
