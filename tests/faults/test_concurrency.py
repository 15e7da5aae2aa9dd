"""Two beats, two workers and duplicate manual crawls of the same path, all at once: one effective crawl per
schema, the same catalog and event ids as a single clean crawl, and no event written twice."""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import psycopg
from sqlalchemy import update

from catalog.session import session_scope
from models import Connection
from services.access.tokens import create_token
from services.crawl.dispatch import dispatch_due_syncs
from tasks.schedule import dispatch_due_syncs as dispatch_task
from tests.faults.catalog_state import (
    WIDE_SHAPE,
    duplicated,
    picture,
    start_crawl_now,
    subtask_counts,
    wait_for_job_end,
    wait_until,
)
from tests.faults.conftest import CleanRun, StackFactory
from tests.support.pipeline import register_source

SCHEMAS, _, _ = WIDE_SHAPE
MANUAL_CRAWLS = 3


def subtask_summaries(catalog_url: str) -> dict[tuple[str, str], list[dict]]:
    with psycopg.connect(catalog_url) as conn:
        rows = conn.execute("SELECT database, schema, summary FROM job_subtasks WHERE status = 'succeeded'").fetchall()
    found: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for database, schema, summary in rows:
        found[(database, schema)].append(summary)
    return found


def test_two_beats_two_workers_and_duplicate_crawls(stacks: StackFactory, wide_source: str,
                                                    clean_wide_run: CleanRun) -> None:
    stack = stacks()
    stack.worker("first")
    stack.worker("second")
    register_source("pg", wide_source)
    with session_scope() as session:
        session.execute(update(Connection).values(next_sync_at=datetime.now(UTC) - timedelta(minutes=1)))

    dispatched: list[list[str]] = []
    racers = [threading.Thread(target=lambda: dispatched.append(dispatch_due_syncs())) for _ in range(2)]
    manual = [threading.Thread(target=lambda: dispatched.append([str(start_crawl_now(["pg"]))]))
              for _ in range(MANUAL_CRAWLS)]
    for _beat_tick in range(2):  # what two beat processes send at the same tick, served by the two workers
        dispatch_task.delay()
    for thread in racers + manual:
        thread.start()
    for thread in racers + manual:
        thread.join()

    with psycopg.connect(stack.catalog_url) as conn:
        wait_until(lambda: conn.execute("SELECT count(*) FROM jobs").fetchone()[0] >= MANUAL_CRAWLS + 1, 30,
                   what="the scheduled job")
        kinds = conn.execute("SELECT kind, count(*) FROM jobs GROUP BY kind ORDER BY kind").fetchall()
        bulk_ids = [r[0] for r in conn.execute("SELECT bulk_id FROM jobs")]
    assert kinds == [("crawl", MANUAL_CRAWLS), ("scheduled_sync", 1)], "four dispatchers, one scheduled job"

    for bulk_id in bulk_ids:
        job = wait_for_job_end(stack.catalog_url, bulk_id, timeout=180)
        assert job["status"] == "succeeded", job

    per_schema = subtask_summaries(stack.catalog_url)
    assert len(per_schema) == SCHEMAS + 1
    for schema, summaries in per_schema.items():
        assert len(summaries) == MANUAL_CRAWLS + 1
        effective = [s for s in summaries if s]
        expected = 0 if schema[1] == "public" else 1  # public is empty: its schema object comes with the hierarchy
        assert len(effective) == expected, f"{schema}: {len(effective)} crawls changed it: {summaries}"

    found = picture(stack.catalog_url)
    assert found.differences(clean_wide_run.picture) == []
    assert duplicated(found.event_ids) == []


def test_deregistration_during_a_crawl_neither_deadlocks_nor_leaves_work_behind(
        stacks: StackFactory, wide_source: str) -> None:
    """DELETE the connection while its crawl's schema subtasks are applying, twice: the deregistration waits for
    the transactions under way, cancels the job, and answers 200; nothing deadlocks, nothing is left."""
    stack = stacks()
    stack.worker("crawler", concurrency=2)
    api = stack.api()
    with session_scope() as session:
        client = api.client(create_token(session, "deregistrar", admin=True).secret)
    for attempt in range(2):
        key = f"pg{attempt}"
        register_source(key, wide_source)
        bulk_id = start_crawl_now([key])
        wait_until(lambda bulk_id=bulk_id: subtask_counts(stack.catalog_url, bulk_id).get("succeeded", 0) >= 1, 120,
                   what="the crawl applying schemas")
        response = client.delete(f"/data/object/{key}")
        assert response.status_code == 200, response.text
        job = wait_for_job_end(stack.catalog_url, bulk_id, timeout=60)
        assert job["status"] in ("failed", "succeeded"), job
        with psycopg.connect(stack.catalog_url) as conn:
            assert conn.execute("SELECT count(*) FROM data_objects WHERE path[1] = %s", (key,)).fetchone() == (0,)
            assert conn.execute("SELECT count(*) FROM connections WHERE key = %s", (key,)).fetchone() == (0,)
            left = conn.execute("""SELECT count(*) FROM job_subtasks s JOIN jobs j ON j.id = s.job_id
                                   WHERE j.bulk_id = %s AND s.status = 'pending'""", (str(bulk_id),)).fetchone()
        assert left == (0,), "no subtask left pending"
    assert "DeadlockDetected" not in stack.worker_logs() and "deadlock" not in stack.worker_logs().lower()
