"""The figures the Prometheus metrics show, read from the catalog in one short transaction at scrape time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from catalog.session import get_engine
from domain.jobs import OPEN_STATUSES

#: A scrape never waits on the catalog longer than this.
STATEMENT_TIMEOUT = "10s"
_OPEN_STATUSES = ", ".join(f"'{status}'" for status in sorted(OPEN_STATUSES))


@dataclass(frozen=True, slots=True)
class CatalogFigures:
    connections: list[tuple[str, str, int]]  # technology, status, how many
    sync_times: list[tuple[str, float | None, float | None]]  # connection, last and next sync (epoch seconds)
    objects: list[tuple[str, str, int]]  # kind, effective status, how many
    jobs: list[tuple[str, int]]  # status, how many
    oldest_unfinished_job_seconds: float  # 0: none queued or running
    last_event_id: int  # 0: an empty outbox
    consumer_positions: list[tuple[str, int]]  # outbox consumer, last relayed id
    endpoints: list[tuple[int, bool, int]]  # subscription, enabled, consecutive failures
    deliveries: list[tuple[int, str, int]]  # subscription, pending | dead, how many
    pending_owner_requests: int
    #: Histograms: label values → (cumulative count per bucket of the matching `*_BUCKETS`, count, sum).
    crawl_durations: dict[tuple[str, ...], Observed]  # technology
    schema_read_durations: dict[tuple[str, ...], Observed]  # technology
    delivery_latencies: dict[tuple[str, ...], Observed]  # outcome: delivered | failed
    relay_lags: dict[tuple[str, ...], Observed]  # no labels: event written → webhook delivery created
    last_crawls: list[tuple[str, str, float | None]]  # connection, its last crawl's status, its duration


#: Bucket bounds, in seconds.
CRAWL_BUCKETS = (0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600)
READ_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
DELIVERY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
RELAY_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

Observed = tuple[list[int], int, float]

#: The observations behind each histogram, as (label..., value in seconds) rows. Histograms cover what the
#: catalog still holds, so the retention prune lowers them (a counter reset, as Prometheus sees it).
_CRAWLS = """SELECT c.technology AS label, extract(epoch FROM j.finished_at - j.started_at) AS value FROM jobs j
             JOIN connections c ON c.key = j.connection_key
             WHERE j.kind <> 'settings' AND j.started_at IS NOT NULL AND j.finished_at IS NOT NULL"""
_SCHEMA_READS = """SELECT c.technology AS label, s.read_seconds AS value FROM job_subtasks s
                   JOIN jobs j ON j.id = s.job_id JOIN connections c ON c.key = j.connection_key"""
_DELIVERIES = """SELECT CASE WHEN succeeded THEN 'delivered' ELSE 'failed' END AS label, duration_ms / 1000.0 AS value
                 FROM webhook_delivery_attempts"""
_RELAYS = """SELECT '' AS label, extract(epoch FROM d.created_at - e.occurred_at) AS value FROM webhook_deliveries d
             JOIN change_events e ON e.id = d.event_id"""
_LAST_CRAWLS = """SELECT DISTINCT ON (j.connection_key) j.connection_key, j.status,
                         extract(epoch FROM j.finished_at - j.started_at)
                  FROM jobs j WHERE j.kind <> 'settings' AND j.connection_key IS NOT NULL
                  ORDER BY j.connection_key, j.id DESC"""


def read_catalog_figures() -> CatalogFigures:
    with get_engine().connect() as conn:
        conn.execute(text(f"SET LOCAL statement_timeout = '{STATEMENT_TIMEOUT}'"))
        return CatalogFigures(
            connections=_rows(conn, "SELECT technology, status, count(*) FROM connections GROUP BY 1, 2 ORDER BY 1, 2"),
            sync_times=[(key, _seconds(last), _seconds(next_)) for key, last, next_ in _rows(
                conn, "SELECT key, extract(epoch FROM last_sync_at), extract(epoch FROM next_sync_at) FROM connections "
                      "ORDER BY key")],
            objects=_rows(conn, "SELECT kind, effective_status, count(*) FROM data_objects "
                                "GROUP BY 1, 2 ORDER BY 1, 2"),
            jobs=_rows(conn, "SELECT status, count(*) FROM jobs GROUP BY 1 ORDER BY 1"),
            oldest_unfinished_job_seconds=float(_value(conn, f"""
                SELECT coalesce(extract(epoch FROM now() - min(coalesce(started_at, created_at))), 0) FROM jobs
                WHERE status IN ({_OPEN_STATUSES})""")),
            last_event_id=int(_value(conn, "SELECT coalesce(max(id), 0) FROM change_events")),
            consumer_positions=_rows(conn, "SELECT name, last_event_id FROM relay_cursors ORDER BY name"),
            endpoints=_rows(conn, "SELECT id, enabled, consecutive_failures FROM webhook_subscriptions ORDER BY id"),
            deliveries=_rows(conn, "SELECT subscription_id, status, count(*) FROM webhook_deliveries "
                                   "WHERE status IN ('pending', 'dead') GROUP BY 1, 2 ORDER BY 1, 2"),
            pending_owner_requests=int(_value(conn, "SELECT count(*) FROM owner_requests WHERE status = 'pending'")),
            crawl_durations=_histogram(conn, _CRAWLS, CRAWL_BUCKETS),
            schema_read_durations=_histogram(conn, _SCHEMA_READS, READ_BUCKETS),
            delivery_latencies=_histogram(conn, _DELIVERIES, DELIVERY_BUCKETS),
            relay_lags=_histogram(conn, _RELAYS, RELAY_BUCKETS),
            last_crawls=[(key, status, _seconds(duration)) for key, status, duration in _rows(conn, _LAST_CRAWLS)],
        )


def _histogram(conn: Connection, observations: str, buckets: tuple[float, ...]) -> dict[tuple[str, ...], Observed]:
    """Bucketed by the server: per `label` (empty: none), the cumulative bucket counts, count and sum of the
    `value` column of `observations`."""
    counts = ", ".join(f"count(*) FILTER (WHERE o.value <= {bound})" for bound in buckets)
    rows = conn.execute(text(f"""SELECT o.label, {counts}, count(*), coalesce(sum(o.value), 0)
                                 FROM ({observations}) o WHERE o.value IS NOT NULL GROUP BY o.label""")).all()
    return {
        ((str(row[0]),) if row[0] else ()): ([int(c) for c in row[1:1 + len(buckets)]], int(row[-2]), float(row[-1]))
        for row in rows
    }


def _rows(conn: Connection, statement: str) -> list[Any]:
    return [tuple(row) for row in conn.execute(text(statement))]


def _value(conn: Connection, statement: str) -> Any:
    value = conn.execute(text(statement)).scalar()
    return 0 if value is None else value


def _seconds(epoch: Any) -> float | None:
    return None if epoch is None else float(epoch)
