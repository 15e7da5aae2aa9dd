"""Worker log lines: Celery's text by default, or one JSON object per line (`OBJECTSYNC_LOG_FORMAT=json`).

Either way every line carries the context its task bound with `structlog.contextvars` (a crawl's bulkId,
connection key and schema), the consumer's "received" line of a crawl task the context its message header
carries (`services.crawl.log_context`), and the idle ticks of the periodic event tasks are logged at DEBUG: those tasks
log what they did themselves, at INFO, when they did something.
"""

from __future__ import annotations

import logging
import sys
from collections import OrderedDict
from typing import Any

import structlog
from celery.worker.request import Request

from services.crawl.log_context import LOG_CONTEXT_HEADER
from services.enqueue import DELIVER_WEBHOOKS, RELAY_EVENTS

#: Tasks the beat sends every few seconds: their "received" and "succeeded" lines are DEBUG.
TICK_TASKS = frozenset({RELAY_EVENTS, DELIVER_WEBHOOKS})
#: The Celery loggers that announce each task.
TASK_ANNOUNCERS = ("celery.app.trace", "celery.worker.strategy")
#: The logger of the consumer's "Task … received" line.
RECEIVED_ANNOUNCER = "celery.worker.strategy"
#: Keys of a crawl's log context: a message header may set only these on a log line.
CONTEXT_KEYS = ("bulkId", "connectionKey", "database", "schema")

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


class ReceivedMessages:
    """The log context of messages just received, by task id, until their "received" line takes it (bounded:
    with that line below the log level, nothing takes it)."""

    def __init__(self, limit: int = 10_000):
        self.limit = limit
        self.contexts: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def remember(self, task_id: str, context: dict[str, Any]) -> None:
        self.contexts[task_id] = {k: context[k] for k in CONTEXT_KEYS if k in context}
        while len(self.contexts) > self.limit:
            self.contexts.popitem(last=False)

    def take(self, task_id: str) -> dict[str, Any]:
        return self.contexts.pop(task_id, {})


RECEIVED = ReceivedMessages()


class ContextRequest(Request):
    """A crawl task's request, which the consumer builds before it logs "received": it remembers the log context
    the message's header carries (its sender's bulkId and connection key) for that line."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        context = self._request_dict.get(LOG_CONTEXT_HEADER)
        if isinstance(context, dict):
            RECEIVED.remember(self.id, context)


class ReceivedContext(logging.Filter):
    """Put the remembered context of a received message on its "received" line, as record attributes."""

    def filter(self, record: logging.LogRecord) -> bool:
        data = record.args if isinstance(record.args, dict) else getattr(record, "data", None)
        if isinstance(data, dict) and data.get("id"):
            for key, value in RECEIVED.take(str(data["id"])).items():
                setattr(record, key, value)
        return True


def line_context(record: logging.LogRecord) -> dict[str, Any]:
    """The bound context, and what a message header set on this line."""
    context = dict(structlog.contextvars.get_contextvars())
    for key in CONTEXT_KEYS:
        if key not in context and hasattr(record, key):
            context[key] = getattr(record, key)
    return context


class ContextText(logging.Formatter):
    """Celery's text line, followed by the line's context as key=value pairs."""

    def __init__(self, inner: logging.Formatter | None):
        super().__init__()
        self.inner = inner or logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        line = self.inner.format(record)
        context = line_context(record)
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
    received = logging.getLogger(RECEIVED_ANNOUNCER)
    if not any(isinstance(f, ReceivedContext) for f in received.filters):
        received.addFilter(ReceivedContext())


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
