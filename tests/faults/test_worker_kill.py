"""SIGKILL a worker in the middle of a large crawl: after a restart the job finishes and the catalog and the
set of change event ids equal those of a clean run, with no duplicated event."""

from __future__ import annotations

import time
from collections.abc import Callable

import kombu

from tests.faults.catalog_state import (
    STALLED_JOB_SECONDS,
    WIDE_SHAPE,
    duplicated,
    picture,
    start_crawl_now,
    subtask_counts,
    wait_for_job_end,
    wait_until,
)
from tests.faults.conftest import VISIBILITY_TIMEOUT, CleanRun, Stack, StackFactory
from tests.support.pipeline import register_source
from workers.queues import QUEUES

SCHEMAS, TABLES, COLUMNS = WIDE_SHAPE


def test_sigkill_mid_crawl_then_restart_equals_a_clean_run(stacks: StackFactory, wide_source: str,
                                                           clean_wide_run: CleanRun, record_property) -> None:
    """Redis broker: the killed worker's tasks come back once the visibility timeout has passed."""
    stack = stacks(OBJECTSYNC_STALLED_JOB_SECONDS=STALLED_JOB_SECONDS)
    kill_mid_crawl_and_restart(stack, wide_source, clean_wide_run, record_property,
                               wait_before_restart=float(VISIBILITY_TIMEOUT) + 1)


def test_sigkill_mid_crawl_on_rabbitmq_redelivers_at_once(stacks: StackFactory, wide_source: str,
                                                          clean_wide_run: CleanRun, rabbitmq_broker: str,
                                                          record_property) -> None:
    """RabbitMQ broker: the killed worker's unacknowledged tasks are back in their queue as soon as its
    connection drops, with no visibility timeout to wait for."""
    stack = stacks(OBJECTSYNC_STALLED_JOB_SECONDS=STALLED_JOB_SECONDS, OBJECTSYNC_BROKER_URL=rabbitmq_broker)
    kill_mid_crawl_and_restart(stack, wide_source, clean_wide_run, record_property, wait_before_restart=0,
                               returned=lambda: ready_messages(rabbitmq_broker) > 0)


def ready_messages(broker_url: str) -> int:
    with kombu.Connection(broker_url, connect_timeout=5) as connection:
        channel = connection.default_channel
        return sum(channel.queue_declare(queue=q.name, passive=True).message_count for q in QUEUES)


def kill_mid_crawl_and_restart(stack: Stack, wide_source: str, clean_wide_run: CleanRun,
                               record_property: Callable[..., None], *, wait_before_restart: float,
                               returned: Callable[[], bool] | None = None) -> None:
    assert clean_wide_run.job["status"] == "succeeded", clean_wide_run.job
    assert clean_wide_run.job["total"] == SCHEMAS + 1  # s1..sN and public
    worker = stack.worker("victim")
    register_source("pg", wide_source)
    bulk_id = start_crawl_now(["pg"])

    def mid_way() -> bool:
        counts = subtask_counts(stack.catalog_url, bulk_id)
        return counts["succeeded"] >= 1 and counts["pending"] >= 2

    wait_until(mid_way, timeout=60, every=0.02, what="crawl half done")
    worker.kill()
    killed_at = time.monotonic()
    # A COMMIT the killed worker had already sent still lands; once the server has settled, nothing moves.
    time.sleep(1)
    before_kill = subtask_counts(stack.catalog_url, bulk_id)
    assert before_kill["pending"] >= 1, "killed before the crawl finished"
    time.sleep(1)
    assert subtask_counts(stack.catalog_url, bulk_id) == before_kill, "nothing may finish after SIGKILL"
    if returned is not None:
        wait_until(returned, timeout=5, what="the killed worker's tasks back in their queue")
        record_property("returned", f"{time.monotonic() - killed_at:.1f} s after the kill")
    # Redis: kombu restores unacknowledged messages older than the visibility timeout, checking on every tenth
    # 10 s tick only (the first at worker start): restarting after the timeout makes the first check count.
    time.sleep(wait_before_restart)
    worker.start(timeout=60)

    job = wait_for_job_end(stack.catalog_url, bulk_id, timeout=90, beat_every=2)
    record_property("outcome", f"killed with {dict(before_kill)}; job {job['status']} "
                               f"{time.monotonic() - killed_at:.1f} s after the kill")
    assert job["status"] == "succeeded", job
    assert (job["total"], job["succeeded"], job["failed"]) == (SCHEMAS + 1, SCHEMAS + 1, 0)
    assert job["summary"] == clean_wide_run.job["summary"], "each schema's changes counted exactly once"

    faulted, clean = picture(stack.catalog_url), clean_wide_run.picture
    assert len(clean.objects) == 1 + 1 + SCHEMAS + 1 + SCHEMAS * TABLES
    assert faulted.differences(clean) == []
    assert duplicated(faulted.event_ids) == []
    assert sum(clean.event_ids.values()) == len(faulted.event_ids)
