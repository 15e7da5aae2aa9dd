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
        )


def _rows(conn: Connection, statement: str) -> list[Any]:
    return [tuple(row) for row in conn.execute(text(statement))]


def _value(conn: Connection, statement: str) -> Any:
    value = conn.execute(text(statement)).scalar()
    return 0 if value is None else value


def _seconds(epoch: Any) -> float | None:
    return None if epoch is None else float(epoch)
