"""Worker log lines: Celery's text by default, or one JSON object per line (`OBJECTSYNC_LOG_FORMAT=json`).

Either way every line carries the context its task bound with `structlog.contextvars` (a crawl's bulkId,
connection key and schema), and the idle ticks of the periodic event tasks are logged at DEBUG: those tasks
log what they did themselves, at INFO, when they did something.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

from services.enqueue import DELIVER_WEBHOOKS, RELAY_EVENTS

#: Tasks the beat sends every few seconds: their "received" and "succeeded" lines are DEBUG.
TICK_TASKS = frozenset({RELAY_EVENTS, DELIVER_WEBHOOKS})
#: The Celery loggers that announce each task.
TASK_ANNOUNCERS = ("celery.app.trace", "celery.worker.strategy")

SHARED_PROCESSORS: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.add_log_level,
    structlog.stdlib.ExtraAdder(),
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


class QuietTicks(logging.Filter):
    """Demote the announcements of periodic tick tasks to DEBUG (and drop them unless DEBUG is on)."""

    def filter(self, record: logging.LogRecord) -> bool:
        data = record.args if isinstance(record.args, dict) else getattr(record, "data", None)
        if not isinstance(data, dict) or data.get("name") not in TICK_TASKS:
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return logging.getLogger().isEnabledFor(logging.DEBUG)


class ContextText(logging.Formatter):
    """Celery's text line, followed by the bound context as key=value pairs."""

    def __init__(self, inner: logging.Formatter | None):
        super().__init__()
        self.inner = inner or logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        line = self.inner.format(record)
        context = structlog.contextvars.get_contextvars()
        return line + "".join(f" {k}={v}" for k, v in context.items()) if context else line


def json_formatter() -> logging.Formatter:
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=SHARED_PROCESSORS,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info, structlog.processors.JSONRenderer()],
    )


def configure_structlog() -> None:
    """Lines logged through structlog go through the same handlers (and formatters) as the stdlib's."""
    structlog.configure(
        processors=[*SHARED_PROCESSORS, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(), wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def format_handlers(logger: logging.Logger, log_format: str) -> None:
    """Give the handlers Celery set up on `logger` the chosen line format."""
    for handler in logger.handlers:
        handler.setFormatter(json_formatter() if log_format == "json" else ContextText(handler.formatter))


def quiet_ticks() -> None:
    for name in TASK_ANNOUNCERS:
        announcer = logging.getLogger(name)
        if not any(isinstance(f, QuietTicks) for f in announcer.filters):
            announcer.addFilter(QuietTicks())


def start_json_logging() -> None:
    """JSON from the worker's first line: a root handler before Celery sets up its own (Celery then keeps
    it), and warnings through logging rather than as text on stderr."""
    configure_structlog()
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(json_formatter())
        root.addHandler(handler)
    logging.captureWarnings(True)
