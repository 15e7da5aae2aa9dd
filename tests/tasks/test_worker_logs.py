"""The worker's log lines: JSON with `OBJECTSYNC_LOG_FORMAT=json`, each line of a crawl carrying its bulkId,
connection key and schema, and the idle ticks of the event tasks kept out of INFO."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.enqueue import DELIVER_WEBHOOKS, RELAY_EVENTS, send_now
from tests.support.pipeline import crawl, register_source, run_sql, wait_until
from tests.support.sole_worker import sole_worker
from workers.process import WorkerProcess

pytestmark = pytest.mark.usefixtures("catalog")


@pytest.fixture
def json_worker(worker: WorkerProcess, tmp_path: Path) -> Iterator[WorkerProcess]:
    """The only worker while the test runs (the session's is stopped meanwhile), logging JSON."""
    with sole_worker(worker, {**os.environ, "OBJECTSYNC_LOG_FORMAT": "json"}, tmp_path / "worker.log",
                     name="json") as process:
        yield process


def log_lines(process: WorkerProcess) -> list[dict]:
    text = process.log_path.read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_json_lines_carry_the_crawl_context_and_idle_ticks_stay_quiet(json_worker: WorkerProcess,
                                                                      source_db: str) -> None:
    send_now(RELAY_EVENTS)  # nothing to relay or deliver: idle ticks, received before the crawl's tasks
    send_now(DELIVER_WEBHOOKS)
    run_sql(source_db, "CREATE SCHEMA sales", "CREATE TABLE sales.orders (id int)")
    register_source("pg", source_db)
    report = crawl(["pg"])
    assert report["status"] == "succeeded", report
    bulk_id = report["bulkId"]

    lines = wait_until(lambda: [line for line in log_lines(json_worker) if line.get("event") == "schema crawled"
                                and line.get("schema") == "sales"], 30, what="the sales schema's log line")
    assert lines[0]["bulkId"] == bulk_id and lines[0]["level"] == "info" and lines[0]["timestamp"]
    crawl_lines = [line for line in log_lines(json_worker) if line.get("bulkId") == bulk_id]
    assert {line["connectionKey"] for line in crawl_lines} == {"pg"}
    assert any(line["event"] == "crawl planned" for line in crawl_lines)
    assert any("succeeded in" in line["event"] and "crawl_schema" in line["event"] for line in crawl_lines), \
        "Celery's own task lines carry the context too"
    schema_lines = [line for line in crawl_lines if "schema" in line]
    assert "sales" in {line["schema"] for line in schema_lines}
    assert all(line["database"] == source_db.rsplit("/", 1)[1] for line in schema_lines)

    every = log_lines(json_worker)
    assert any("Task objectsync.crawl_schema" in line.get("event", "") and "received" in line.get("event", "")
               for line in every), "task announcements are logged at INFO"
    for task in ("crawl_connection", "crawl_schema"):  # Celery's own lines, before and after the task runs
        for announced in ("received", "succeeded in"):
            own = [line for line in every if f"objectsync.{task}[" in line.get("event", "")
                   and announced in line["event"]]
            assert own and all(line.get("bulkId") == bulk_id and line.get("connectionKey") == "pg" for line in own), \
                (task, announced, own)
    ticks = [line for line in every if RELAY_EVENTS in line.get("event", "")
             or DELIVER_WEBHOOKS in line.get("event", "")]
    assert ticks == [], "idle ticks are DEBUG, below the worker's INFO level"


def test_text_is_the_default_and_carries_the_context_too(worker: WorkerProcess, source_db: str) -> None:
    run_sql(source_db, "CREATE SCHEMA sales", "CREATE TABLE sales.orders (id int)")
    register_source("pg", source_db)
    bulk_id = crawl(["pg"])["bulkId"]

    def crawl_lines() -> list[str]:
        text = worker.log_path.read_text(encoding="utf-8", errors="replace")
        return [line for line in text.splitlines() if f"bulkId={bulk_id}" in line]

    lines = wait_until(lambda: [line for line in crawl_lines() if "schema crawled" in line and "schema=sales" in line],
                       30, what="the sales schema's text line")
    assert not lines[0].lstrip().startswith("{") and "connectionKey=pg" in lines[0]
    assert any("objectsync.crawl_schema[" in line and "received" in line for line in crawl_lines())


def test_text_lines_carry_the_received_message_context_once() -> None:
    import logging

    from workers.logging_setup import RECEIVED, ContextText, ReceivedContext

    RECEIVED.remember("t-1", {"bulkId": "b-1", "connectionKey": "pg", "name": "not a context key"})
    data = {"id": "t-1", "name": "objectsync.crawl_schema", "args": "(7,)", "kwargs": "{}", "eta": None}

    def received() -> logging.LogRecord:
        record = logging.LogRecord("celery.worker.strategy", logging.INFO, __file__, 1,
                                   "Task %(name)s[%(id)s] received", (data,), None)
        assert ReceivedContext().filter(record)
        return record

    text = ContextText(logging.Formatter("%(message)s"))
    assert text.format(received()) == "Task objectsync.crawl_schema[t-1] received bulkId=b-1 connectionKey=pg"
    assert text.format(received()) == "Task objectsync.crawl_schema[t-1] received", "taken by its one line"
