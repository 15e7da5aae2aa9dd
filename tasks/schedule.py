"""The beat-driven dispatcher task."""

from services.crawl.dispatch import dispatch_due_syncs as run_dispatch
from services.crawl.dispatch import requeue_stalled_work
from workers.celery_app import app


@app.task(name="objectsync.dispatch_due_syncs")
def dispatch_due_syncs() -> list[str]:
    """Every minute: start due scheduled syncs, and resume jobs whose task messages were lost."""
    requeue_stalled_work()
    return run_dispatch()
