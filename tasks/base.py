"""Base classes of the tasks that retry: the retries are declared once, as Celery's own options.

A retried task is sent again with an exponential, jittered countdown (1 s, 2 s, 4 s… capped at a minute,
each drawn from 0 up to that bound), so a catalog restart or a platform blip is ridden out without a
thundering herd of retries.
"""

from __future__ import annotations

from typing import Any

from celery import Task

from catalog.errors import CatalogUnavailable
from connectors import ConnectorError, RemoteTimeout, RemoteUnavailable
from settings import get_settings

#: Attempts again at a catalog that is down or restarting, about five minutes at most.
CATALOG_RETRIES = 10


class CatalogTask(Task):
    """Retries while the catalog is unreachable (`CatalogUnavailable`); after that the task fails."""

    autoretry_for: tuple[type[BaseException], ...] = (CatalogUnavailable,)
    max_retries = CATALOG_RETRIES
    retry_backoff = True
    retry_backoff_max = 60
    retry_jitter = True


class CrawlTask(CatalogTask):
    """Also retries transient platform errors, at most `settings.schema_read_retries` times.

    When retries run out, or on any error that is not worth retrying, `give_up` records the failure with its
    reason. A catalog still unreachable after its retries records nothing: the work stays pending and the
    stalled-work sweep sends it again.
    """

    autoretry_for = (CatalogUnavailable, RemoteUnavailable, RemoteTimeout)
    #: Remembers the log context the message carries, for the worker's "received" line.
    Request = "workers.logging_setup:ContextRequest"

    def retry(self, args: Any = None, kwargs: Any = None, exc: BaseException | None = None, throw: bool = True,
              eta: Any = None, countdown: float | None = None, max_retries: int | None = None,
              **options: Any) -> Any:
        # The limit follows the error, whatever `max_retries` comes in: Celery keeps the last explicit one on
        # the (per-process) task object and hands it to every later automatic retry.
        limit = get_settings().schema_read_retries if isinstance(exc, ConnectorError) else self.max_retries
        return super().retry(args, kwargs, exc, throw, eta, countdown, limit, **options)

    def on_failure(self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        if not isinstance(exc, CatalogUnavailable):
            self.give_up(args[0], exc)

    def give_up(self, work_id: int, exc: BaseException) -> None:
        """Record that the work `work_id` (a job, a subtask) failed because of `exc`."""
        raise NotImplementedError
