"""The nightly retention task: prunes old change events, webhook deliveries and finished jobs."""

from __future__ import annotations

import logging
from typing import Any

from services.operations.retention import prune_history as run_pruning
from workers.celery_app import app

log = logging.getLogger(__name__)


@app.task(name="objectsync.prune_history")
def prune_history() -> dict[str, Any]:
    """Idempotent: a duplicate or overlapping run finds less to delete (rows are claimed with SKIP LOCKED)."""
    pruning = run_pruning()
    for line in pruning.lines():
        log.info("history retention: %s", line)
    return pruning.as_dict()
