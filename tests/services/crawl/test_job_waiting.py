"""Waiting for a job: the waiter wakes when the job's closing commits, not at its next poll."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from catalog.session import session_factory
from services.crawl.jobs import request_crawl, wait_for_job
from services.crawl.planning import plan_crawl
from services.crawl.schema_crawl import crawl_schema
from tests.support.pipeline import register_source, task_messages_lost

pytestmark = pytest.mark.usefixtures("catalog")


@pytest.fixture(autouse=True)
def no_task_messages() -> Iterator[None]:
    """This process plays the worker: the crawl's messages (its relay) go nowhere."""
    with task_messages_lost():
        yield


def test_a_waiter_wakes_as_the_job_closes_not_at_its_next_poll(source_db: str) -> None:
    register_source("pg", source_db)
    with session_factory()() as session, session.begin():
        job = request_crawl(session, ["pg"])

    def crawl_later() -> None:  # the worker's part, a moment after the waiter started waiting
        time.sleep(0.5)
        for subtask_id in plan_crawl(job.id):
            crawl_schema(subtask_id)
        closed.append(time.monotonic())

    closed: list[float] = []
    worker = threading.Thread(target=crawl_later)
    worker.start()
    report = wait_for_job(job.bulk_id, timeout=30, poll=20)
    seen = time.monotonic()
    worker.join(10)
    assert report["status"] == "succeeded"
    assert seen - closed[0] < 1.0, "woken by the closing's commit, long before the 20 s poll"


def test_a_job_that_is_already_closed_is_reported_at_once(source_db: str) -> None:
    register_source("pg", source_db)
    with session_factory()() as session, session.begin():
        job = request_crawl(session, ["pg"])
    for subtask_id in plan_crawl(job.id):
        crawl_schema(subtask_id)
    started = time.monotonic()
    assert wait_for_job(job.bulk_id, timeout=30, poll=20)["status"] == "succeeded"
    assert time.monotonic() - started < 1.0


def test_where_listen_is_refused_the_waiter_polls(source_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import catalog.outbox_notifications

    monkeypatch.setattr(catalog.outbox_notifications, "NOTIFY_CHANNEL", "not a channel name")  # LISTEN fails
    register_source("pg", source_db)
    with session_factory()() as session, session.begin():
        job = request_crawl(session, ["pg"])
    worker = threading.Thread(target=lambda: [crawl_schema(s) for s in plan_crawl(job.id)])
    worker.start()
    assert wait_for_job(job.bulk_id, timeout=30, poll=0.05)["status"] == "succeeded"
    worker.join(10)
    with session_factory()() as session:  # the pooled connection went back as it came
        assert session.scalar(text("SELECT 1")) == 1
