"""End-to-end sync benchmark: PostgreSQL source → Celery worker (Redis) → PostgreSQL catalog.

    python -m bench.sync_bench                 # 1x50, 1000x10, 10000x50
    python -m bench.sync_bench --sizes 1000x10 --repeat 3

For each size it builds one schema of N tables × M columns, then times, from the crawl request until
the job is closed: the first sync, an unchanged re-sync and a re-sync with 1 % of tables changed.
It also samples the worker's peak memory (largest single process and whole process tree). A few
unmeasured crawls of a one-table source warm the worker up first.
Uses DATABASE_URL's server (default 127.0.0.1:5432) for both the catalog and the sources, in
databases of its own that it drops afterwards; REDIS_URL (default 127.0.0.1:6379) with its own key prefix.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil
import psycopg

from tests.support.pg_source import change_tables, create_wide_schema, register_source

TARGETS = {  # seconds, request → job closed
    ("10000x50", "first"): 10.0, ("10000x50", "unchanged"): 3.0, ("10000x50", "1% changed"): 3.0,
    ("1000x10", "first"): 1.0, ("1x50", "first"): 0.1,
}


@dataclass
class Result:
    size: str
    run: str
    seconds: float
    events: int
    target: float | None = None
    samples: list[float] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        if self.target is None:
            return ""
        return "ok" if self.seconds <= self.target else "MISSED"


class MemorySampler(threading.Thread):
    """Peak RSS of the worker process tree, sampled every 20 ms."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.peak_single = 0
        self.peak_tree = 0
        self.running = True

    def run(self) -> None:
        while self.running:
            try:
                procs = [self.root, *self.root.children(recursive=True)]
                sizes = [p.memory_info().rss for p in procs]
            except psutil.Error:
                sizes = []
            if sizes:
                self.peak_single = max(self.peak_single, max(sizes))
                self.peak_tree = max(self.peak_tree, sum(sizes))
            time.sleep(0.02)


def server_url(database: str) -> str:
    base = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    return f"{base.rsplit('/', 1)[0]}/{database}"


def recreate_database(name: str) -> str:
    with psycopg.connect(server_url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url(name)


def drop_database(name: str) -> None:
    with psycopg.connect(server_url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def timed_crawl(key: str, repeat: int) -> tuple[float, int, list[float]]:
    """Median wall time from request to closed job; the number of change events it emitted."""
    from sqlalchemy import func, select

    from catalog.session import session_factory
    from models import ChangeEvent
    from services.crawl.jobs import start_crawl, wait_for_job

    samples, events = [], 0
    for _ in range(repeat):
        with session_factory()() as session:
            mark = session.scalar(select(func.coalesce(func.max(ChangeEvent.id), 0)))
        started = time.perf_counter()
        report = wait_for_job(start_crawl(session_factory(), [key]), timeout=600, poll=0.005)
        samples.append(time.perf_counter() - started)
        if report["status"] != "succeeded":
            raise RuntimeError(f"benchmark crawl did not succeed: {report}")
        with session_factory()() as session:
            events = session.scalar(select(func.count()).select_from(ChangeEvent).where(
                ChangeEvent.id > mark, ChangeEvent.type != "job.finished")) or 0
    return sorted(samples)[len(samples) // 2], events, samples


def bench_size(size: str, repeat: int) -> list[Result]:
    tables, columns = (int(x) for x in size.split("x"))
    source_name = f"objectsync_bench_src_{size}"
    source = recreate_database(source_name)
    try:
        create_wide_schema(source, "bench", tables, columns)
        key = f"bench-{size}"
        register_source(key, source)
        results = []
        seconds, events, samples = timed_crawl(key, 1)
        results.append(Result(size, "first", seconds, events, TARGETS.get((size, "first")), samples))
        seconds, events, samples = timed_crawl(key, repeat)
        results.append(Result(size, "unchanged", seconds, events, TARGETS.get((size, "unchanged")), samples))
        if tables >= 100:
            changed = change_tables(source, "bench", 0.01)
            seconds, events, samples = timed_crawl(key, 1)
            results.append(Result(size, "1% changed", seconds, events, TARGETS.get((size, "1% changed")), samples))
            results[-1].run = f"1% changed ({changed} tables)"
            results[-1].target = TARGETS.get((size, "1% changed"))
        return results
    finally:
        drop_database(source_name)


def timed_metrics_scrape(repeat: int = 3) -> tuple[float, int]:
    """Median seconds to render /metrics over the catalog the benchmark filled, and its object count."""
    from prometheus_client import generate_latest
    from sqlalchemy import func, select

    from catalog.session import session_factory
    from models import DataObject
    from services.operations.metrics import registry
    from workers.broker_depths import read_broker_depths

    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        generate_latest(registry(read_broker_depths))
        samples.append(time.perf_counter() - started)
    with session_factory()() as session:
        objects = session.scalar(select(func.count()).select_from(DataObject)) or 0
    return sorted(samples)[len(samples) // 2], objects


def warm_up() -> None:
    """Crawl a throwaway one-table source a few times first, so every pool process has opened its catalog
    and Redis connections: the figures are those of a running service, not of a cold start."""
    source = recreate_database("objectsync_bench_warmup")
    try:
        create_wide_schema(source, "warmup", 1, 2)
        register_source("bench-warmup", source)
        timed_crawl("bench-warmup", 4)
    finally:
        drop_database("objectsync_bench_warmup")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1x50,1000x10,10000x50", help="comma-separated TABLESxCOLUMNS")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the unchanged re-sync (median reported)")
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    catalog_name = f"objectsync_bench_{uuid.uuid4().hex[:8]}"
    catalog = recreate_database(catalog_name)
    os.environ["DATABASE_URL"] = catalog
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    os.environ["OBJECTSYNC_REDIS_KEY_PREFIX"] = f"objectsync-bench-{uuid.uuid4().hex[:8]}:"
    os.environ.setdefault("OBJECTSYNC_SECRET_KEY", "k6rZ1m3dW0fV8q2n5J7t9xL4cB6hY1aS3eG5uI7oP9E=")
    os.environ["OBJECTSYNC_INTERNAL_DATABASES"] = json.dumps([catalog_name])

    from catalog.migrate import upgrade
    from workers.celery_app import install_enqueue_sender
    from workers.process import WorkerProcess

    upgrade(catalog)
    install_enqueue_sender()  # start_crawl's messages leave this process after commit
    log_path = Path(tempfile.mkstemp(prefix="objectsync-bench-worker-", suffix=".log")[1])
    worker = WorkerProcess(dict(os.environ), log_path, concurrency=args.concurrency, name="bench")
    sampler: MemorySampler | None = None
    results: list[Result] = []
    try:  # whatever fails, the worker stops and the catalog database goes
        worker.start()
        warm_up()
        assert worker.process is not None  # started just above
        sampler = MemorySampler(worker.process.pid)
        sampler.start()
        for size in args.sizes.split(","):
            results.extend(bench_size(size.strip(), args.repeat))
            print_results(results[-3:])
        scrape_seconds, scraped_objects = timed_metrics_scrape()
    finally:
        if sampler is not None:
            sampler.running = False
        worker.stop()
        from catalog.session import dispose_engines

        dispose_engines()
        drop_database(catalog_name)

    print("\nAll results (seconds, request → job closed, through Celery + Redis + PostgreSQL):")
    print_results(results)
    print(f"\nPeak worker memory: largest process {sampler.peak_single / 2**20:.0f} MiB, "
          f"whole tree {sampler.peak_tree / 2**20:.0f} MiB")
    print(f"Metrics scrape (GET /metrics body) over {scraped_objects} catalog objects: {scrape_seconds * 1000:.0f} ms")
    if args.json:
        args.json.write_text(json.dumps({
            "results": [asdict(r) | {"verdict": r.verdict} for r in results],
            "peak_worker_rss_mib": sampler.peak_single / 2**20, "peak_tree_rss_mib": sampler.peak_tree / 2**20,
            "metrics_scrape_seconds": scrape_seconds, "metrics_scrape_objects": scraped_objects,
        }, indent=2))


def print_results(results: list[Result]) -> None:
    print(f"{'size':>10}  {'run':<26} {'seconds':>8} {'events':>7}  {'target':>7}  verdict")
    for r in results:
        target = f"{r.target:.1f}" if r.target is not None else "-"
        print(f"{r.size:>10}  {r.run:<26} {r.seconds:8.3f} {r.events:7d}  {target:>7}  {r.verdict}")


if __name__ == "__main__":
    main()
