"""Periodic re-validation of registered connections (sets or clears recurringValidationError)."""

from __future__ import annotations

from catalog.session import session_factory
from services.connections.validation import revalidate_connections as run_revalidation
from workers.celery_app import app


@app.task(name="objectsync.revalidate_connections")
def revalidate_connections() -> dict[str, int]:
    return run_revalidation(session_factory())
