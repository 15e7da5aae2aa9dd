"""What a crawl's log lines carry: the bulkId its requester got, the connection key and the schema."""

from __future__ import annotations

from typing import Any

from catalog.job_listing_store import job_labels, subtask_labels
from catalog.session import session_scope


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
