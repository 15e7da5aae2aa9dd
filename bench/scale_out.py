"""Scale-out, shown: worker processes with node names of their own (as on several machines) crawl a source whose
every read waits 100 ms (bench.slow_connector). Throughput grows with workers × concurrency; the per-connection cap
on concurrent reads holds over all of them; a manual crawl is served ahead of a storm of scheduled ones."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.slow_connector import LATENCY_ENV, TECHNOLOGY, peak_reads, reset_peak
from tests.support.pg_source import connection_settings, create_wide_schema

READ_LATENCY = 0.1
SCHEMAS = 40


@dataclass(frozen=True, slots=True)
class ScaleRun:
    label: str
    workers: int
    concurrency: int
    pool: str
    cap: int
    seconds: float
    reads: int
    peak_concurrent_reads: int

    @property
    def reads_per_second(self) -> float:
        return self.reads / self.seconds


@contextmanager
def workers(count: int, concurrency: int, pool: str, env: dict[str, str]) -> Iterator[None]:
    from workers.process import WorkerProcess

    started = []
    try:
        for node in range(count):
            log = Path(tempfile.mkstemp(prefix=f"objectsync-bench-node{node}-", suffix=".log")[1])
            process = WorkerProcess(env, log, concurrency=concurrency, name=f"node{node}", pool=pool,
                                    app="bench.worker_app")
            process.start()
            started.append(process)
        yield
    finally:
        for process in started:
            process.stop()


def register_slow(key: str, source_url: str) -> None:
    from catalog.session import session_scope
    from connectors.registry import register
    from services.connections.connection_records import store_connection

    register(TECHNOLOGY, "bench.slow_connector:SlowPostgresConnector")
    config, credentials = connection_settings(source_url)
    with session_scope() as session:
        store_connection(session, key=key, technology=TECHNOLOGY, config=config, credentials=credentials,
                         activate_new_children=True)


def crawl_seconds(key: str, **options: object) -> float:
    from catalog.session import session_factory
    from services.crawl.jobs import start_crawl, wait_for_job

    started = time.perf_counter()
    report = wait_for_job(start_crawl(session_factory(), [key], **options), timeout=600, poll=0.01)
    if report["status"] != "succeeded":
        raise RuntimeError(f"scale-out crawl did not succeed: {report}")
    return time.perf_counter() - started


def measure_scale_out(source_url: str, configurations: list[tuple[int, int, str, int]]) -> list[ScaleRun]:
    """Each configuration (workers, concurrency, pool, cap) crawls the same source of SCHEMAS slow schemas."""
    create_wide_schema(source_url, "warm", 1, 2)
    for n in range(SCHEMAS):
        create_wide_schema(source_url, f"slow{n:02d}", 2, 5)
    key = "bench-slow"
    register_slow(key, source_url)
    database = source_url.rsplit("/", 1)[1]
    runs = []
    for count, concurrency, pool, cap in configurations:
        env = dict(os.environ) | {LATENCY_ENV: str(READ_LATENCY), "OBJECTSYNC_REMOTE_READS_PER_CONNECTION": str(cap)}
        with workers(count, concurrency, pool, env):
            crawl_seconds(key)  # warm: every pool slot opens its sessions
            reset_peak(database)
            seconds = crawl_seconds(key, full_read=True)
            runs.append(ScaleRun(f"{count} × {concurrency} {pool}", count, concurrency, pool, cap, seconds,
                                 SCHEMAS + 2, peak_reads(database)))  # + the listing and the warm-up schema
    return runs


@dataclass(frozen=True, slots=True)
class StormRun:
    storm: int
    manual_seconds: float
    storm_seconds: float


def measure_storm(source_url: str, storm: int = 30) -> StormRun:
    """`storm` scheduled syncs fall due at once; a manual crawl asked for right after is served first."""
    from catalog.session import session_factory, session_scope
    from services.crawl.jobs import SCHEDULED_KIND, request_crawl, start_crawl, wait_for_job

    create_wide_schema(source_url, "storm", 1, 3)
    for n in range(storm):
        register_slow(f"bench-due-{n:02d}", source_url)
    register_slow("bench-manual", source_url)
    env = dict(os.environ) | {LATENCY_ENV: "0.2", "OBJECTSYNC_REMOTE_READS_PER_CONNECTION": "8"}
    with workers(1, 2, "prefork", env):
        crawl_seconds("bench-manual")  # warm
        started = time.perf_counter()
        with session_scope() as session:  # as the dispatcher does when they fall due together
            scheduled = [request_crawl(session, [f"bench-due-{n:02d}"], kind=SCHEDULED_KIND, requested_by="schedule")
                         for n in range(storm)]
        manual = start_crawl(session_factory(), ["bench-manual"])
        wait_for_job(manual, timeout=600, poll=0.01)
        manual_seconds = time.perf_counter() - started
        for job in scheduled:
            wait_for_job(job.bulk_id, timeout=600, poll=0.05)
        return StormRun(storm, manual_seconds, time.perf_counter() - started)
