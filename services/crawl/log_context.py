"""What a crawl's log lines carry: the bulkId its requester got, the connection key and the schema."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from catalog.job_listing_store import job_labels, subtask_labels
from catalog.session import session_scope

#: The task message header carrying a crawl's log context, so the worker's own line about the message ("Task …
#: received", logged before the task runs) carries it too.
LOG_CONTEXT_HEADER = "logContext"


def log_context_header(context: Mapping[str, Any]) -> dict[str, Any]:
    """The `headers` option of a crawl task message carrying `context`."""
    return {LOG_CONTEXT_HEADER: dict(context)}


def job_log_context(job_id: int) -> dict[str, Any]:
    with session_scope() as session:
        labels = job_labels(session, job_id)
    if labels is None:
        return {"jobId": job_id}
    bulk_id, connection_key = labels
    return {"bulkId": str(bulk_id), "connectionKey": connection_key}


def subtask_log_context(subtask_id: int) -> dict[str, Any]:
    with session_scope() as session:
        labels = subtask_labels(session, subtask_id)
    if labels is None:
        return {"subtaskId": subtask_id}
    bulk_id, connection_key, database, schema = labels
    return {"bulkId": str(bulk_id), "connectionKey": connection_key, "database": database, "schema": schema}
