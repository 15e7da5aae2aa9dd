"""A client-side deadline on a read: a network that goes silent after connecting never answers, and a server-side
statement timeout cannot reach the client over it; shutting the socket down under the waiting driver makes the
read fail at once."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

#: How much longer than a connection's timeout (the server's statement timeout) the client waits for an answer.
READ_DEADLINE_GRACE_SECONDS = 5.0


@contextmanager
def read_deadline(seconds: float, driver_connections: Callable[[], Iterable[Any]]) -> Iterator[threading.Event]:
    """Shut the sockets of `driver_connections()` down if the block still runs after `seconds`; the event says
    the deadline passed."""
    expired = threading.Event()

    def cut() -> None:
        expired.set()
        for connection in list(driver_connections()):
            shut_down_socket(connection)

    timer = threading.Timer(seconds, cut)
    timer.daemon = True
    timer.start()
    try:
        yield expired
    finally:
        timer.cancel()


def shut_down_socket(driver_connection: Any) -> None:
    """Shut the socket under a DB-API connection down (psycopg, psycopg2: fileno(); PyMySQL: _sock), so a read
    waiting on it fails at once; drivers that show no socket are left alone."""
    try:
        fileno = driver_connection.fileno() if hasattr(driver_connection, "fileno") \
            else driver_connection._sock.fileno()
        with socket.socket(fileno=os.dup(fileno)) as sock:
            sock.shutdown(socket.SHUT_RDWR)
    except Exception:  # noqa: BLE001 - a closed connection raises its driver's own error: nothing is waiting on it
        return
