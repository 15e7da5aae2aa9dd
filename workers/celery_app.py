"""`celery -A workers.celery_app worker` — the app reads the settings object when first configured."""

from typing import Any

from celery import Celery
from celery.signals import (
    after_setup_logger,
    after_setup_task_logger,
    celeryd_init,
    task_postrun,
    task_prerun,
    worker_init,
    worker_process_init,
)

from services.enqueue import CRAWL_CONNECTION, CRAWL_SCHEMA, RELAY_EVENTS, install_sender
from workers.config import celery_config

TASK_MODULES = ["tasks.crawl", "tasks.schedule", "tasks.status_propagation", "tasks.validation", "tasks.delivery",
                "tasks.retention"]
app = Celery("objectsync", include=TASK_MODULES)


def install_enqueue_sender() -> None:
    """Let services' after-commit hook send task messages through this app (routes and options apply)."""
    install_sender(lambda task, args, options: app.send_task(task, args=args, **options))


install_enqueue_sender()


@app.on_configure.connect
def _configure(sender: Celery, **_: Any) -> None:
    sender.conf.update(celery_config())


@celeryd_init.connect
def _json_from_the_start(instance: Any, **_: Any) -> None:
    """With JSON lines, every line is JSON: no text banner, no warning printed as text."""
    from settings import get_settings

    if get_settings().log_format == "json":
        from workers.logging_setup import start_json_logging

        instance.quiet = True
        start_json_logging()


@after_setup_logger.connect
@after_setup_task_logger.connect
def _log_lines(logger: Any, **_: Any) -> None:
    """Text or JSON lines (`OBJECTSYNC_LOG_FORMAT`), each with its task's bound context; quiet idle ticks."""
    from settings import get_settings
    from workers.logging_setup import configure_structlog, format_handlers, quiet_ticks

    configure_structlog()
    format_handlers(logger, get_settings().log_format)
    quiet_ticks()


@task_prerun.connect
def _fresh_log_context(**_: Any) -> None:
    """A task's lines carry only what it binds itself, never the previous task's context."""
    import structlog

    structlog.contextvars.clear_contextvars()


@worker_init.connect
def _freeze_imported_objects(**_: Any) -> None:
    """Before the pool forks: what the worker imported moves out of the collector's reach, so collections in a
    pool process never write to those shared pages (each write copies a page into that process alone)."""
    import gc

    gc.collect()
    gc.freeze()


#: Tasks that hold large batches while they run: a crawl's snapshot and events, a relay's pages of outbox payloads.
_LARGE_BATCH_TASKS = frozenset({CRAWL_SCHEMA, CRAWL_CONNECTION, RELAY_EVENTS})


@task_postrun.connect
def _release_batch_memory(task: Any = None, **_: Any) -> None:
    """A crawl's snapshot or a relay's events are gone when its task returns: hand their pages back to the system,
    so a worker process's resident size does not stay at its largest batch's peak."""
    if task is not None and task.name in _LARGE_BATCH_TASKS:
        from workers.memory_release import release_freed_memory

        release_freed_memory()


@worker_process_init.connect
def _fresh_engine_per_child(**_: Any) -> None:
    """Forked children must not share the parent's PostgreSQL connections (nor its span exporter thread)."""
    from catalog.session import dispose_engines
    from workers.tracing import start_tracing

    dispose_engines()
    start_tracing("objectsync-worker")
