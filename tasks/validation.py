"""Periodic re-validation of registered connections and integrations (sets or clears recurringValidationError)."""

from __future__ import annotations

from catalog.session import session_factory
from services.connections.integrations import revalidate_integrations
from services.connections.validation import revalidate_connections as run_revalidation
from workers.celery_app import app


@app.task(name="objectsync.revalidate_connections")
def revalidate_connections() -> dict[str, int]:
    counts = run_revalidation(session_factory())
    integrations = revalidate_integrations(session_factory())
    return {**counts, "integrationsChecked": integrations["checked"], "integrationsFailed": integrations["failed"]}
