"""Latency at rest: a single-table manual crawl from request to closed job, and a committed change until a
webhook receiver has it.

    python -m bench.latency            # alone: its own catalog, Redis key prefix and worker (concurrency 2)

`python -m bench.sync_bench` runs the same measurements after its warm-up. At rest means: the worker has
nothing else to do (each sample waits until the previous one's follow-up work, such as relaying its
job.finished event, is over), and the machine is otherwise idle, which the report can only state: it prints
the load average before and after, and says when the machine was busy.
"""

from __future__ import annotations

import json
import os
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg

from tests.support.pg_source import create_wide_schema, register_source

#: Targets at rest (issue 12): p50 of each measurement, seconds.
MANUAL_CRAWL_TARGET = 0.050
WEBHOOK_TARGET = 0.250
#: Pause after each sample, so the next one starts with the worker idle (its relay of job.finished is done).
REST_SECONDS = 0.3
MANUAL_RUNS = 40
WEBHOOK_RUNS = 30


@dataclass
class LatencyRun:
    name: str
    samples: list[float]
    target: float
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    @property
    def verdict(self) -> str:
        return "ok" if self.p50 <= self.target else "MISSED"

    def describe(self) -> str:
        busy = "" if at_rest(self.load_before) else " - the machine was NOT idle, so this is not an at-rest figure"
        return (f"p50 {self.p50 * 1000:.0f} ms, p95 {self.p95 * 1000:.0f} ms (min {min(self.samples) * 1000:.0f}, "
                f"max {max(self.samples) * 1000:.0f}, n={len(self.samples)}), target p50 ≤{self.target * 1000:.0f} ms "
                f"{self.verdict}; load average {self.load_before[0]:.2f} before, {self.load_after[0]:.2f} after on "
                f"{os.cpu_count()} cores{busy}")

    def as_dict(self) -> dict[str, object]:
        return {"samples": self.samples, "p50": self.p50, "p95": self.p95, "target": self.target,
                "load_before": self.load_before, "load_after": self.load_after}


def at_rest(load: tuple[float, float, float]) -> bool:
    """A 1-minute load average under half the cores: nothing else competes much for the CPU."""
    return load[0] < (os.cpu_count() or 1) / 2


def measured(name: str, target: float, measure: Callable[[], list[float]]) -> LatencyRun:
    before = os.getloadavg()
    samples = measure()
    return LatencyRun(name, samples, target, before, os.getloadavg())


def manual_crawl_latency(source_url: str, key: str, runs: int = MANUAL_RUNS) -> list[float]:
    """Seconds from request to closed job for a manual crawl of one table (nothing changed)."""
    from catalog.session import session_factory
    from services.crawl.jobs import start_crawl, wait_for_job

    create_wide_schema(source_url, "latency", 1, 10)
    register_source(key, source_url)
    path = [key, source_url.rsplit("/", 1)[1], "latency", "t00001"]
    wait_for_job(start_crawl(session_factory(), [key]), timeout=60)  # the catalog learns the table
    samples = []
    for _ in range(runs):
        time.sleep(REST_SECONDS)
        started = time.perf_counter()
        report = wait_for_job(start_crawl(session_factory(), path), timeout=60)
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


def webhook_latency(source_url: str, key: str, runs: int = WEBHOOK_RUNS) -> list[float]:
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
                time.sleep(REST_SECONDS)
                column = f"added_{run}"
                source.execute(f'ALTER TABLE latency.t00001 ADD COLUMN "{column}" integer')
                bulk_id = start_crawl(session_factory(), path)
                wait_for_job(bulk_id, timeout=60)
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


def measure_latency(source_url: str, key: str = "bench-latency") -> list[LatencyRun]:
    """Both measurements against a source database of the caller's (one table is created in it)."""
    runs = [measured("manual single-table crawl, request → closed job", MANUAL_CRAWL_TARGET,
                     lambda: manual_crawl_latency(source_url, key)),
            measured("committed change → webhook receiver", WEBHOOK_TARGET, lambda: webhook_latency(source_url, key))]
    for run in runs:
        print(f"Latency at rest, {run.name}: {run.describe()}", flush=True)
    return runs


def main() -> None:
    import tempfile
    from pathlib import Path

    from bench.sync_bench import configure_environment, drop_database, recreate_database, warm_up

    catalog_name = configure_environment()
    from catalog.migrate import upgrade
    from workers.celery_app import install_enqueue_sender
    from workers.process import WorkerProcess

    upgrade(os.environ["DATABASE_URL"])
    install_enqueue_sender()  # start_crawl's messages leave this process after commit
    log_path = Path(tempfile.mkstemp(prefix="objectsync-latency-worker-", suffix=".log")[1])
    worker = WorkerProcess(dict(os.environ), log_path, concurrency=2, name="latency")
    try:  # whatever fails, the worker stops and the databases go
        worker.start()
        warm_up()
        source = recreate_database("objectsync_bench_latency")
        try:
            measure_latency(source)
        finally:
            drop_database("objectsync_bench_latency")
    finally:
        worker.stop()
        from catalog.session import dispose_engines

        dispose_engines()
        drop_database(catalog_name)


if __name__ == "__main__":
    main()
