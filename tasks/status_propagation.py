"""Settings tasks: propagate a status setting change down the subtree."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError

from catalog.session import session_scope
from services.connections.object_settings import propagate_status
from services.enqueue import PROPAGATE_STATUS
from workers.celery_app import app

CATALOG_RETRIES = 10


@app.task(name=PROPAGATE_STATUS, bind=True, max_retries=CATALOG_RETRIES)
def propagate_status_task(self, job_id: int) -> dict[str, int] | None:
    try:
        with session_scope() as session:
            return propagate_status(session, job_id)
    except OperationalError as exc:  # the catalog is down or restarting
        raise self.retry(countdown=min(60.0, 0.5 * 2**self.request.retries), exc=exc) from exc
