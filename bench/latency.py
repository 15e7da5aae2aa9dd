"""Latency at rest: a single-table manual crawl from request to closed job, and a committed change until a
webhook receiver has it."""

from __future__ import annotations

import json
import statistics
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg

from tests.support.pg_source import create_wide_schema, register_source


def p50(samples: list[float]) -> float:
    return statistics.median(samples)


def manual_crawl_latency(source_url: str, key: str, runs: int = 25) -> list[float]:
    """Seconds from request to closed job for a manual crawl of one table (nothing changed)."""
    from catalog.session import session_factory
    from services.crawl.jobs import start_crawl, wait_for_job

    create_wide_schema(source_url, "latency", 1, 10)
    register_source(key, source_url)
    path = [key, source_url.rsplit("/", 1)[1], "latency", "t00001"]
    wait_for_job(start_crawl(session_factory(), [key]), timeout=60, poll=0.002)  # the catalog learns the table
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        report = wait_for_job(start_crawl(session_factory(), path), timeout=60, poll=0.002)
        samples.append(time.perf_counter() - started)
        if report["status"] != "succeeded":
            raise RuntimeError(f"manual crawl did not succeed: {report}")
    return samples


class _Receiver(BaseHTTPRequestHandler):
    arrivals: list[tuple[float, dict]] = []
    arrived = threading.Condition()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        now = time.time()
        self.send_response(200)
        self.end_headers()
        with self.arrived:
            self.arrivals.append((now, json.loads(body)))
            self.arrived.notify_all()

    def log_message(self, *args: object) -> None:
        pass


def webhook_latency(source_url: str, key: str, runs: int = 15) -> list[float]:
    """Seconds from the commit of a change (the closing of its job, in the same transaction) until the receiver
    has the change's webhook. Each run adds a column and crawls the table by hand."""
    from catalog.session import session_factory, session_scope
    from services.crawl.jobs import get_job, start_crawl, wait_for_job
    from services.delivery.webhook_subscriptions import create_subscription

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with session_scope() as session:
            create_subscription(session, url=f"http://127.0.0.1:{server.server_port}/hook",
                                event_types=["column.added"], path_prefix=[key])
        path = [key, source_url.rsplit("/", 1)[1], "latency", "t00001"]
        samples = []
        with psycopg.connect(source_url, autocommit=True) as source:
            for run in range(runs):
                column = f"added_{run}"
                source.execute(f'ALTER TABLE latency.t00001 ADD COLUMN "{column}" integer')
                bulk_id = start_crawl(session_factory(), path)
                wait_for_job(bulk_id, timeout=60, poll=0.002)
                with _Receiver.arrived:
                    found = _Receiver.arrived.wait_for(lambda c=column: _arrival(c) is not None, timeout=30)
                if not found:
                    raise RuntimeError(f"no webhook for {column} within 30 s")
                with session_scope() as session:
                    job = get_job(session, bulk_id)
                    finished: datetime = job.finished_at  # type: ignore[union-attr, assignment]
                samples.append(_arrival(column) - finished.timestamp())  # type: ignore[operator]
        return samples
    finally:
        server.shutdown()


def _arrival(column: str) -> float | None:
    for arrived, body in _Receiver.arrivals:
        if f'"{column}"' in json.dumps(body):
            return arrived
    return None
