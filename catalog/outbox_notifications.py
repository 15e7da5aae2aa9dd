"""Waking when change events commit: every transaction that writes to the outbox NOTIFYs `objectsync_events`
with its connection key (catalog/outbox.py), and PostgreSQL delivers the notification as that transaction
commits. A waiter listens instead of polling: no query every few milliseconds, no poll interval of delay.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg

from catalog.outbox import NOTIFY_CHANNEL
from catalog.session import get_engine

#: `wait(seconds, connection_key)`: True as soon as events of that connection commit, False after `seconds`.
EventWait = Callable[[float, str | None], bool]


@contextmanager
def outbox_commits() -> Iterator[EventWait]:
    """Listen on a pooled catalog connection (in autocommit meanwhile, and left listening to nothing)."""
    pooled = get_engine().raw_connection()
    connection = pooled.driver_connection
    assert isinstance(connection, psycopg.Connection)
    try:
        try:
            connection.rollback()  # idle, so autocommit may be switched on
            connection.autocommit = True
            connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
        except psycopg.Error:  # no LISTEN here (a pooler in transaction mode): the waiter only polls
            yield _sleep
            return

        def wait(seconds: float, connection_key: str | None) -> bool:
            deadline = time.monotonic() + seconds
            while (left := deadline - time.monotonic()) > 0:
                for notification in connection.notifies(timeout=left, stop_after=1):
                    if connection_key is None or notification.payload == connection_key:
                        return True
            return False

        yield wait
    finally:
        try:
            connection.execute("UNLISTEN *")
            connection.autocommit = False
        except psycopg.Error:
            pooled.invalidate()  # a broken connection never goes back to the pool
        pooled.close()


def _sleep(seconds: float, connection_key: str | None) -> bool:
    time.sleep(seconds)
    return False
