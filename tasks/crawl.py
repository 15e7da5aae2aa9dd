"""Crawl tasks: crawl_connection plans and fans out; crawl_schema does one schema.

A crawl of named tables (one schema's, hence one subtask) is run by crawl_connection itself: a second task
message would cost more than the read. Should that run raise, the subtask is sent as its own task, which then
retries or fails it as any other.

Retries are declared by their base class (tasks/base.py); the services fail a job or subtask at once on a
platform error retrying cannot cure.
"""

from __future__ import annotations

import structlog

from connectors import ConnectorError
from services.crawl.log_context import job_log_context, log_context_header, subtask_log_context
from services.crawl.planning import fail_crawl, plan_job
from services.crawl.schema_crawl import crawl_schema as run_crawl_schema
from services.crawl.schema_crawl import fail_subtask
from services.enqueue import CRAWL_CONNECTION, CRAWL_SCHEMA, MANUAL_QUEUE
from tasks.base import CrawlTask
from tasks.delivery import request_relay
from workers.celery_app import app

log = structlog.get_logger(__name__)


class PlanningTask(CrawlTask):
    def give_up(self, work_id: int, exc: BaseException) -> None:
        if isinstance(exc, ConnectorError):
            fail_crawl(work_id, f"listing databases and schemas failed: {exc.message}")
        else:
            fail_crawl(work_id, f"internal error: {type(exc).__name__}: {exc}")


class SchemaTask(CrawlTask):
    def give_up(self, work_id: int, exc: BaseException) -> None:
        if fail_subtask(work_id, exc):
            request_relay()


@app.task(name=CRAWL_CONNECTION, base=PlanningTask, bind=True)
def crawl_connection(self: PlanningTask, job_id: int) -> int:
    context = job_log_context(job_id)
    structlog.contextvars.bind_contextvars(**context)
    plan = plan_job(job_id)
    subtasks = plan.subtasks
    log.info("crawl planned", subtasks=len(subtasks))
    if plan.inline_subtask is not None and _crawled_here(plan.inline_subtask):
        return len(subtasks)
    # A crawl asked for by hand keeps to the manual queue, so its schemas too go ahead of scheduled work.
    manual = (self.request.delivery_info or {}).get("routing_key") == MANUAL_QUEUE
    for subtask_id in subtasks:
        crawl_schema.apply_async((subtask_id,), headers=log_context_header(context),
                                 **({"queue": MANUAL_QUEUE} if manual else {}))
    if not subtasks:
        request_relay()
    return len(subtasks)


def _crawled_here(subtask_id: int) -> bool:
    """Run the subtask in this task; False when it raised (the caller then sends it as its own task)."""
    try:
        _crawl_one_schema(subtask_id)
    except Exception:  # its own task retries it or records the failure, as for any subtask
        log.warning("schema crawl in the planning task failed; sending it as its own task", exc_info=True)
        return False
    return True


@app.task(name=CRAWL_SCHEMA, base=SchemaTask)
def crawl_schema(subtask_id: int) -> str:
    return _crawl_one_schema(subtask_id)


def _crawl_one_schema(subtask_id: int) -> str:
    structlog.contextvars.bind_contextvars(**subtask_log_context(subtask_id))
    status, closed_job = run_crawl_schema(subtask_id)  # its events are relayed when they commit
    log.info("schema crawled", status=status, closedJob=closed_job)
    return status
