"""`celery -A workers.celery_app worker` — the app reads the settings object when first configured."""

from typing import Any

from celery import Celery
from celery.signals import worker_process_init

from services.enqueue import install_sender
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


@worker_process_init.connect
def _fresh_engine_per_child(**_: Any) -> None:
    """Forked children must not share the parent's PostgreSQL connections."""
    from catalog.session import dispose_engines

    dispose_engines()
