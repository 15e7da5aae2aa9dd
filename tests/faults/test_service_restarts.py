"""Restart the broker (a Redis of the test's own) and the catalog (an embedded PostgreSQL of the test's own)
during a crawl: the job ends succeeded or partial with a clear error, and nothing is half-applied."""

from __future__ import annotations

import time
from pathlib import Path

from tests.faults.catalog_state import (
    STALLED_JOB_SECONDS,
    WIDE_SHAPE,
    CatalogPicture,
    broker_messages,
    duplicated,
    picture,
    start_crawl_now,
    subtask_counts,
    wait_for_job_end,
    wait_until,
)
from tests.faults.conftest import (
    VISIBILITY_TIMEOUT,
    CleanRun,
    OwnPostgres,
    OwnRedis,
    StackFactory,
)
from tests.support.pipeline import register_source

SCHEMAS, TABLES, COLUMNS = WIDE_SHAPE
# What a worker logs when its broker goes away: the consumer reconnecting, the result backend retrying, or kombu's
# Redis transport giving up (the supervisor then starts the worker again).
BROKER_LOST_SIGNS = ("Connection to broker lost", "Connection to Redis lost", "Cannot connect to redis",
                     "Unrecoverable error")


def mid_way(catalog_url: str, bulk_id: object) -> bool:
    counts = subtask_counts(catalog_url, bulk_id)
    return counts["succeeded"] >= 1 and counts["pending"] >= 2


def assert_consistent(found: CatalogPicture, job: dict, clean: CleanRun) -> None:
    """Succeeded: equal to the clean run. Partial: each schema all or nothing, and said why."""
    assert duplicated(found.event_ids) == []
    if job["status"] == "succeeded":
        assert found.differences(clean.picture) == []
        return
    assert job["status"] == "partial" and job["errors"], job
    tables = [path for path, values in found.objects.items() if values[0] == "table"]
    incomplete = [path for path in tables if len(found.columns.get(path, ())) != COLUMNS]
    assert incomplete == [], f"half-applied tables: {incomplete[:5]}"
    for path in tables:
        assert found.columns[path] == clean.picture.columns[path]
    assert set(found.event_ids) <= set(clean.picture.event_ids)


def test_redis_restart_mid_crawl(stacks: StackFactory, own_redis: OwnRedis, wide_source: str,
                                 clean_wide_run: CleanRun, record_property) -> None:
    stack = stacks(redis_url=own_redis.url, OBJECTSYNC_STALLED_JOB_SECONDS=STALLED_JOB_SECONDS)
    worker = stack.worker("broker-restart")
    register_source("pg", wide_source)
    bulk_id = start_crawl_now(["pg"])
    wait_until(lambda: mid_way(stack.catalog_url, bulk_id), timeout=60, every=0.02, what="crawl half done")

    own_redis.stop()
    # Down longer than the visibility timeout, so the first restore check after reconnecting (kombu checks on
    # every tenth 10 s tick only) finds the unacknowledged messages old enough to come back.
    time.sleep(float(VISIBILITY_TIMEOUT) + 1)
    own_redis.start()

    job = wait_for_job_end(stack.catalog_url, bulk_id, timeout=90, beat_every=2, supervise=[worker])
    record_property("outcome", f"job {job['status']}, errors: {job['errors']}")
    assert job["status"] in ("succeeded", "partial"), job
    assert_consistent(picture(stack.catalog_url), job, clean_wide_run)
    logs = stack.worker_logs()
    assert any(sign in logs for sign in BROKER_LOST_SIGNS), "the worker met the outage"


def test_redis_restart_losing_its_queues_mid_crawl(stacks: StackFactory, tmp_path: Path, wide_source: str,
                                                   clean_wide_run: CleanRun) -> None:
    volatile = OwnRedis(tmp_path, persistent=False)
    volatile.start()
    try:
        stack = stacks(redis_url=volatile.url, OBJECTSYNC_STALLED_JOB_SECONDS=STALLED_JOB_SECONDS)
        worker = stack.worker("volatile-broker")
        register_source("pg", wide_source)
        bulk_id = start_crawl_now(["pg"])
        wait_until(lambda: mid_way(stack.catalog_url, bulk_id), timeout=60, every=0.02, what="crawl half done")
        volatile.stop()
        time.sleep(1)
        volatile.start()
        assert broker_messages(volatile.url) == 0, "the restarted broker lost every queued task"
        job = wait_for_job_end(stack.catalog_url, bulk_id, timeout=60, beat_every=2,  # the dispatcher resumes it
                               supervise=[worker])
        assert job["status"] in ("succeeded", "partial"), job
        assert_consistent(picture(stack.catalog_url), job, clean_wide_run)
    finally:
        volatile.stop()


def test_catalog_postgres_restart_mid_crawl(stacks: StackFactory, own_postgres: OwnPostgres, wide_source: str,
                                            clean_wide_run: CleanRun, record_property) -> None:
    stack = stacks(catalog_url=own_postgres.create_database("catalog"))
    stack.worker("catalog-restart")
    register_source("pg", wide_source)
    bulk_id = start_crawl_now(["pg"])
    wait_until(lambda: mid_way(stack.catalog_url, bulk_id), timeout=60, every=0.02, what="crawl half done")

    own_postgres.stop()
    time.sleep(2)
    own_postgres.start()

    job = wait_for_job_end(stack.catalog_url, bulk_id, timeout=150)
    logs = stack.worker_logs()
    assert "retry: Retry in" in logs and "OperationalError" in logs, "tasks met the outage and retried"
    record_property("outcome", f"job {job['status']}, errors: {job['errors']}")
    assert job["status"] in ("succeeded", "partial"), job
    assert_consistent(picture(stack.catalog_url), job, clean_wide_run)
