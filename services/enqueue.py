"""Work is sent to the workers only after the catalog transaction that created it commits.

Services call `enqueue(session, TASK, *args)` inside their unit of work; the messages wait in the session
and go out when it commits (or are dropped when it rolls back), so no caller has to remember "commit, then
send", and a worker never picks up a job whose row is not visible yet. The sender is Celery's, installed by
the adapters (`workers.celery_app.install_enqueue_sender`); services never import an adapter.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from catalog.session import Session
from catalog.transaction_hooks import after_commit, after_soft_rollback

log = logging.getLogger(__name__)

# The work a service may ask for, by task name (the tasks in `tasks/` register under these names).
CRAWL_CONNECTION = "objectsync.crawl_connection"
CRAWL_SCHEMA = "objectsync.crawl_schema"
PROPAGATE_STATUS = "objectsync.settings.propagate_status"
RELAY_EVENTS = "objectsync.events.relay"
DELIVER_WEBHOOKS = "objectsync.events.deliver"

#: Crawls asked for by hand (API, CLI, console) travel on a queue of their own, served before scheduled work, so a
#: burst of scheduled syncs never stands between a user and the crawl they asked for.
MANUAL_QUEUE = "objectsync.manual"

_PENDING_KEY = "objectsync.enqueued"

Sender = Callable[[str, tuple[Any, ...], dict[str, Any]], None]


@dataclass(frozen=True, slots=True)
class Message:
    task: str
    args: tuple[Any, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)


class NoSender(RuntimeError):
    """Work was committed but this process has no way to send it (no broker configured)."""


_sender: Sender | None = None


def install_sender(sender: Sender | None) -> Sender | None:
    """Set (or with None, remove) how this process sends task messages; returns the sender it replaced."""
    global _sender
    previous, _sender = _sender, sender
    return previous


def enqueue(session: Session, task: str, *args: Any, **options: Any) -> None:
    """Send `task(*args)` once `session` commits; `options` are Celery's (countdown, priority, …)."""
    session.info.setdefault(_PENDING_KEY, []).append(Message(task, args, options))


def pending(session: Session) -> list[Message]:
    """Messages waiting for the session to commit (for tests and dry runs)."""
    return list(session.info.get(_PENDING_KEY, ()))


def send_now(task: str, *args: Any, **options: Any) -> None:
    """Send outside any transaction: for triggers that read committed state only (relay, delivery)."""
    _send(Message(task, args, options))


def _send(message: Message) -> None:
    if _sender is None:
        raise NoSender(f"cannot send {message.task}: no task sender installed in this process")
    _sender(message.task, message.args, message.options)


@after_commit
def _flush(session: Session) -> None:
    messages = session.info.pop(_PENDING_KEY, None)
    for message in messages or ():
        _send(message)


@after_soft_rollback
def _discard(session: Session, previous_transaction: Any) -> None:
    if session.in_transaction():  # a savepoint rolled back; the outer transaction may still commit
        return
    if session.info.pop(_PENDING_KEY, None):
        log.debug("rolled back: queued task messages dropped")
