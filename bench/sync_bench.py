"""End-to-end sync benchmark: PostgreSQL source → Celery worker (Redis) → PostgreSQL catalog, against its floor.

    python -m bench.sync_bench                         # 1x50, 1000x10, 10000x50 (tables x columns, one schema)
    python -m bench.sync_bench --huge                  # also 100x1000x50: 100 schemas x 1,000 tables x 50 columns
    python -m bench.sync_bench --sizes 1000x10 --datahub /work/datahub-venv

Sources are realistic: a column name of its own in every table, ten mixed types, a comment on every tenth
column. For each size the benchmark measures, in the same run, the floor: one pg_catalog read of the scope's
columns plus a COPY of them into a table (a first sync cannot do less), and one read alone (nor can a re-sync).
Then it times, from the crawl request until the job is closed, the first sync, an unchanged re-sync and a re-sync
with 1 % of the tables changed, and prints each as a ratio to its floor. A size's first sync runs three times
(once for the largest size), each on a connection of its own right after a floor measurement, and the medians are
compared. Before each measurement the benchmark waits until the outbox relay has published every earlier event.
It also reports the worker tree's memory (concurrency 2, main process and pool children), a single-table manual
crawl's latency, a committed change's latency to a webhook receiver, and with --datahub DataHub's postgres source
→ file sink on the same database.

Uses DATABASE_URL's server (default 127.0.0.1:5432) for the catalog and the sources, in databases of its own
that it drops afterwards; REDIS_URL (default 127.0.0.1:6379) with its own key prefix.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psycopg

from bench.floor import Floor, measure_floor, measure_read
from bench.latency import LatencyRun
from bench.memory import MemorySampler, mib, tree_pss, tree_rss
from bench.scale_out import READ_LATENCY, SCHEMAS, ScaleRun, StormRun, measure_scale_out, measure_storm
from tests.support.pg_source import change_tables, create_realistic_schemas, create_wide_schema, register_source

DEFAULT_SIZES = "1x50,1000x10,10000x50"
HUGE_SIZE = "100x1000x50"
#: Ratio targets: (schemas x tables x columns, run) → at most this many times its floor.
TARGETS = {
    ("1x10000x50", "first"): 1.5, ("1x10000x50", "unchanged"): 1.2, ("1x10000x50", "1% changed"): 1.5,
    ("100x1000x50", "first"): 2.0, ("100x1000x50", "unchanged"): 1.2,
}
MEMORY_TARGET_MIB = 400


@dataclass
class Result:
    size: str
    run: str
    seconds: float
    floor: float
    floor_name: str
    events: int
    target: float | None = None
    samples: list[float] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.seconds / self.floor if self.floor else float("inf")

    @property
    def verdict(self) -> str:
        if self.target is None:
            return ""
        return "ok" if self.ratio <= self.target else "MISSED"


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


def parse_size(size: str) -> tuple[int, int, int]:
    """'TxC' (one schema) or 'SxTxC'."""
    parts = [int(x) for x in size.split("x")]
    return (1, *parts) if len(parts) == 2 else (parts[0], parts[1], parts[2])  # type: ignore[return-value]


def timed_crawl(key: str, repeat: int, **options: object) -> tuple[float, int, list[float]]:
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
        # The job.finished commit wakes the waiter (a notification): polling often would only take CPU from the sync.
        report = wait_for_job(start_crawl(session_factory(), [key], **options), timeout=3600, poll=0.5)
        samples.append(time.perf_counter() - started)
        if report["status"] != "succeeded":
            raise RuntimeError(f"benchmark crawl did not succeed: {report}")
        with session_factory()() as session:
            events = session.scalar(select(func.count()).select_from(ChangeEvent).where(
                ChangeEvent.id > mark, ChangeEvent.type != "job.finished",
                ~ChangeEvent.type.startswith("request."))) or 0
    return sorted(samples)[len(samples) // 2], events, samples


@dataclass
class SizeReport:
    results: list[Result]
    floor: Floor
    read_seconds: float
    tree_rss_after_first: int
    tree_pss_after_first: int
    peak_tree_rss: int
    datahub_seconds: float | None = None
    datahub_error: str | None = None


def wait_for_relay(timeout: float = 600.0) -> None:
    """Until every outbox consumer has relayed the newest event: a relay still publishing an earlier run's events
    (a first sync's 10,000 dictionaries take the worker about a second) would take CPU from the next measurement."""
    from sqlalchemy import text

    from catalog.outbox_cursors import outbox_consumers
    from catalog.session import session_factory
    from settings import get_settings

    consumers = list(outbox_consumers(stream_enabled=get_settings().event_stream_enabled))
    deadline = time.monotonic() + timeout
    while True:
        with session_factory()() as session:
            behind = session.execute(text(
                "SELECT count(*) FROM unnest(CAST(:names AS text[])) AS c(name) "
                "LEFT JOIN relay_cursors r ON r.name = c.name "
                "WHERE coalesce(r.last_event_id, 0) < (SELECT coalesce(max(id), 0) FROM change_events)"),
                {"names": consumers}).scalar_one()
        if not behind:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"the outbox relay did not catch up within {timeout:g} s")
        time.sleep(0.1)


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def bench_size(size: str, repeat: int, first_repeat: int, worker_pid: int, datahub: Path | None) -> SizeReport:
    schemas_count, tables, columns = parse_size(size)
    label = f"{schemas_count}x{tables}x{columns}"
    source_name = f"objectsync_bench_src_{label}"
    source = recreate_database(source_name)
    schemas = [f"s{i:03d}" for i in range(1, schemas_count + 1)]
    try:
        started = time.perf_counter()
        create_realistic_schemas(source, schemas, tables, columns)
        print(f"  built {label} in {time.perf_counter() - started:.0f} s", flush=True)
        sampler = MemorySampler(worker_pid)
        sampler.start()
        # Each first sync is a real one (a connection of its own on the same source), with the floor measured
        # just before it; their median is compared with the floor of the median read and the median COPY.
        floors, firsts, key, events = [], [], "", 0
        for attempt in range(first_repeat):
            wait_for_relay()
            floors.append(measure_floor(source, os.environ["DATABASE_URL"], schemas))
            key = f"bench-{label}-{attempt + 1}"
            register_source(key, source)
            wait_for_relay()
            seconds, events, _ = timed_crawl(key, 1)
            firsts.append(seconds)
        floor = Floor(median([f.read_seconds for f in floors]), median([f.copy_seconds for f in floors]),
                      floors[0].columns)
        read_seconds = min(measure_read(source, schemas) for _ in range(2))
        results = [Result(label, "first", median(firsts), floor.first_sync_seconds, "read + COPY", events,
                          TARGETS.get((label, "first")), firsts)]
        wait_for_relay()
        time.sleep(0.5)  # let the pool settle before measuring it at rest
        rss_after, pss_after = tree_rss(worker_pid), tree_pss(worker_pid)
        seconds, events, samples = timed_crawl(key, repeat)
        results.append(Result(label, "unchanged", seconds, read_seconds, "one read", events,
                              TARGETS.get((label, "unchanged")), samples))
        if tables * schemas_count >= 100:
            changed = sum(change_tables(source, schema, 0.01) for schema in schemas)
            wait_for_relay()
            seconds, events, samples = timed_crawl(key, 1)
            results.append(Result(label, f"1% changed ({changed})", seconds, read_seconds, "one read", events,
                                  TARGETS.get((label, "1% changed")), samples))
        sampler.running = False
        report = SizeReport(results, floor, read_seconds, rss_after, pss_after, sampler.peak_tree)
        if datahub is not None and schemas_count * tables <= 10_000:
            from bench.datahub import run_datahub

            try:
                report.datahub_seconds = run_datahub(datahub, source, schemas)
            except (OSError, RuntimeError) as exc:
                report.datahub_error = str(exc)
        return report
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


def measure_latency() -> list[LatencyRun]:
    from bench.latency import measure_latency as measure

    source = recreate_database("objectsync_bench_latency")
    try:
        return measure(source)
    finally:
        drop_database("objectsync_bench_latency")


def configure_environment() -> str:
    catalog_name = f"objectsync_bench_{uuid.uuid4().hex[:8]}"
    os.environ["DATABASE_URL"] = recreate_database(catalog_name)
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    os.environ["OBJECTSYNC_REDIS_KEY_PREFIX"] = f"objectsync-bench-{uuid.uuid4().hex[:8]}:"
    os.environ.setdefault("OBJECTSYNC_SECRET_KEY", "k6rZ1m3dW0fV8q2n5J7t9xL4cB6hY1aS3eG5uI7oP9E=")
    os.environ["OBJECTSYNC_INTERNAL_DATABASES"] = json.dumps([catalog_name])
    os.environ["OBJECTSYNC_WEBHOOK_ALLOW_PRIVATE_ADDRESSES"] = "true"  # the receiver listens on 127.0.0.1
    return catalog_name


def forget_redis_keys() -> None:
    """Delete the run's Redis keys (its event stream alone holds ~150 MB per 10k x 50 first sync)."""
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    for key in client.scan_iter(match=f"{os.environ['OBJECTSYNC_REDIS_KEY_PREFIX']}*", count=1000):
        client.delete(key)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=DEFAULT_SIZES,
                        help="TABLESxCOLUMNS or SCHEMASxTABLESxCOLUMNS, comma-separated")
    parser.add_argument("--huge", action="store_true", help=f"also {HUGE_SIZE} (building it takes ~15 minutes)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the unchanged re-sync (median reported)")
    parser.add_argument("--first-repeat", type=int, default=0,
                        help="first syncs per size, each on a connection of its own, median reported "
                             f"(default 3, and 1 for {HUGE_SIZE})")
    parser.add_argument("--concurrency", type=int, default=2, help="worker pool processes")
    parser.add_argument("--no-latency", action="store_true", help="skip the latency measurements")
    parser.add_argument("--no-scale-out", action="store_true", help="skip the scale-out measurements")
    parser.add_argument("--datahub", type=Path, metavar="VENV",
                        help="a virtualenv holding acryl-datahub[postgres]: time its postgres source too")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()] + ([HUGE_SIZE] if args.huge else [])

    catalog_name = configure_environment()
    from catalog.migrate import upgrade
    from workers.celery_app import install_enqueue_sender
    from workers.process import WorkerProcess

    upgrade(os.environ["DATABASE_URL"])
    install_enqueue_sender()  # start_crawl's messages leave this process after commit
    log_path = Path(tempfile.mkstemp(prefix="objectsync-bench-worker-", suffix=".log")[1])
    worker = WorkerProcess(dict(os.environ), log_path, concurrency=args.concurrency, name="bench")
    reports: dict[str, SizeReport] = {}
    latency: list[LatencyRun] = []
    scale: list[ScaleRun] = []
    storm: StormRun | None = None
    scrape = (0.0, 0)
    idle_rss = 0
    try:  # whatever fails, the worker stops and the catalog database goes
        worker.start()
        assert worker.process is not None  # started just above
        time.sleep(1)
        idle_rss = tree_rss(worker.process.pid)
        warm_up()
        if not args.no_latency:
            latency = measure_latency()
        for size in sizes:
            print(f"size {size}:", flush=True)
            first_repeat = args.first_repeat or (1 if size == HUGE_SIZE else 3)
            report = bench_size(size, args.repeat, first_repeat, worker.process.pid, args.datahub)
            reports[size] = report
            print_size(report)
        scrape = timed_metrics_scrape()
        worker.stop()
        if not args.no_scale_out:
            scale, storm = measure_scaling()
    finally:
        worker.stop()
        from catalog.session import dispose_engines

        dispose_engines()
        drop_database(catalog_name)
        forget_redis_keys()

    print("\n=== All results (request → job closed, through Celery + Redis + PostgreSQL; ratio to the floor "
          "measured in this run) ===")
    for report in reports.values():
        print_size(report)
    print(f"\nWorker tree idle (concurrency {args.concurrency}): {mib(idle_rss)} RSS")
    for run in latency:
        print(f"Latency at rest, {run.name}: {run.describe()}")
    print(f"Metrics scrape (GET /metrics body) over {scrape[1]} catalog objects: {scrape[0] * 1000:.0f} ms")
    print_scaling(scale, storm)
    if args.json:
        args.json.write_text(json.dumps({
            "sizes": {size: {"results": [asdict(r) | {"ratio": r.ratio, "verdict": r.verdict} for r in rep.results],
                             "floor": asdict(rep.floor), "read_seconds": rep.read_seconds,
                             "tree_rss_after_first_mib": rep.tree_rss_after_first / 2**20,
                             "tree_pss_after_first_mib": rep.tree_pss_after_first / 2**20,
                             "peak_tree_rss_mib": rep.peak_tree_rss / 2**20,
                             "datahub_seconds": rep.datahub_seconds, "datahub_error": rep.datahub_error}
                      for size, rep in reports.items()},
            "idle_tree_rss_mib": idle_rss / 2**20, "latency_seconds": {run.name: run.as_dict() for run in latency},
            "scale_out": [asdict(r) | {"reads_per_second": r.reads_per_second} for r in scale],
            "storm": asdict(storm) if storm else None,
        }, indent=2))


def measure_scaling() -> tuple[list[ScaleRun], StormRun]:
    try:
        scale = measure_scale_out(recreate_database("objectsync_bench_scale"), [
            (1, 2, "prefork", 64), (2, 2, "prefork", 64), (2, 8, "threads", 64), (2, 8, "threads", 3)])
        return scale, measure_storm(recreate_database("objectsync_bench_storm"))
    finally:
        drop_database("objectsync_bench_scale")
        drop_database("objectsync_bench_storm")


def print_scaling(scale: list[ScaleRun], storm: StormRun | None) -> None:
    if scale:
        print(f"\nScale-out: {SCHEMAS} schemas, every remote read {READ_LATENCY * 1000:.0f} ms, distinct node names")
        print(f"  {'workers × slots':<20} {'read cap':>8} {'seconds':>8} {'reads/s':>8} {'peak reads':>10}")
        for r in scale:
            print(f"  {r.label:<20} {r.cap:>8} {r.seconds:8.2f} {r.reads_per_second:8.1f} "
                  f"{r.peak_concurrent_reads:>10}")
    if storm:
        print(f"Storm: {storm.storm} scheduled syncs (one 200 ms schema read each) due at once on one worker × 2, "
              f"then one manual crawl: the manual job closed after {storm.manual_seconds:.2f} s, the storm after "
              f"{storm.storm_seconds:.2f} s")


def print_size(report: SizeReport) -> None:
    floor = report.floor
    size = report.results[0].size
    print(f"{size}: floor {floor.columns} columns: read {floor.read_seconds:.3f} s + COPY {floor.copy_seconds:.3f} s"
          f" = {floor.first_sync_seconds:.3f} s; one read alone {report.read_seconds:.3f} s")
    print(f"  {'run':<22} {'seconds':>8} {'floor':>12} {'ratio':>6} {'events':>7}  {'target':>6}  verdict")
    for r in report.results:
        target = f"≤{r.target:.1f}×" if r.target is not None else "-"
        samples = f"  (median of {', '.join(f'{x:.2f}' for x in r.samples)} s)" if len(r.samples) > 1 else ""
        print(f"  {r.run:<22} {r.seconds:8.3f} {r.floor_name:>12} {r.ratio:5.2f}× {r.events:7d}  {target:>6}  "
              f"{r.verdict}{samples}")
    rss = report.tree_rss_after_first
    verdict = "ok" if rss <= MEMORY_TARGET_MIB * 2**20 else "MISSED"
    print(f"  worker tree after the first sync: {mib(rss)} RSS ({mib(report.tree_pss_after_first)} PSS), target "
          f"≤{MEMORY_TARGET_MIB} MiB {verdict}; peak during the size {mib(report.peak_tree_rss)} RSS")
    if report.datahub_seconds is not None:
        first = report.results[0].seconds
        print(f"  DataHub postgres → file: {report.datahub_seconds:.1f} s = {report.datahub_seconds / first:.0f}× "
              f"our first sync (target ≥50×)")
    elif report.datahub_error:
        print(f"  DataHub: {report.datahub_error}")


if __name__ == "__main__":
    main()
