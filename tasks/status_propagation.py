"""Settings tasks: propagate a status setting change down the subtree."""

from __future__ import annotations

from catalog.session import session_scope
from services.connections.object_settings import propagate_status
from services.enqueue import PROPAGATE_STATUS
from tasks.base import CatalogTask
from workers.celery_app import app


@app.task(name=PROPAGATE_STATUS, base=CatalogTask)
def propagate_status_task(job_id: int) -> dict[str, int] | None:
    with session_scope() as session:
        return propagate_status(session, job_id)
