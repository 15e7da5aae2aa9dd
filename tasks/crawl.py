"""Crawl tasks: crawl_connection plans and fans out; crawl_schema does one schema."""

from __future__ import annotations

import logging

from sqlalchemy.exc import OperationalError

from connectors import ConnectorError
from services.crawl.planning import fail_crawl, plan_crawl
from services.crawl.schema_crawl import crawl_schema as run_crawl_schema
from services.crawl.schema_crawl import fail_subtask
from services.enqueue import CRAWL_CONNECTION, CRAWL_SCHEMA
from settings import get_settings
from tasks.delivery import request_relay
from workers.celery_app import app

log = logging.getLogger(__name__)
CATALOG_RETRIES = 10


def backoff(retries: int) -> float:
    return min(60.0, 0.5 * 2**retries)


@app.task(name=CRAWL_CONNECTION, bind=True, max_retries=None)
def crawl_connection(self, job_id: int) -> int:
    try:
        subtasks = plan_crawl(job_id)
    except ConnectorError as exc:  # transient only: permanent ones already failed the job
        if self.request.retries < get_settings().schema_read_retries:
            raise self.retry(countdown=backoff(self.request.retries), exc=exc) from exc
        fail_crawl(job_id, f"listing databases and schemas failed: {exc.message}")
        return 0
    except OperationalError as exc:  # the catalog is down or restarting
        if self.request.retries < CATALOG_RETRIES:
            raise self.retry(countdown=backoff(self.request.retries), exc=exc) from exc
        raise
    except Exception as exc:
        log.exception("planning crawl job %s failed", job_id)
        fail_crawl(job_id, f"internal error: {type(exc).__name__}: {exc}")
        return 0
    for subtask_id in subtasks:
        crawl_schema.delay(subtask_id)
    if not subtasks:
        request_relay()
    return len(subtasks)


@app.task(name=CRAWL_SCHEMA, bind=True, max_retries=None)
def crawl_schema(self, subtask_id: int) -> str:
    try:
        status, closed_job = run_crawl_schema(subtask_id)
    except ConnectorError as exc:
        if exc.transient and self.request.retries < get_settings().schema_read_retries:
            raise self.retry(countdown=backoff(self.request.retries), exc=exc) from exc
        fail_subtask(subtask_id, exc)
        return "failed"
    except OperationalError as exc:
        if self.request.retries < CATALOG_RETRIES:
            raise self.retry(countdown=backoff(self.request.retries), exc=exc) from exc
        raise
    except Exception as exc:
        log.exception("schema subtask %s failed", subtask_id)
        fail_subtask(subtask_id, exc)
        return "failed"
    if closed_job:
        request_relay()  # publish the job's events now rather than at the next beat sweep
    return status
