"""PostgreSQL advisory locks: one key scheme for every lock the service takes, and the order they are taken in.

A lock's key is a signed 64-bit integer: the first 8 bytes of BLAKE2b over its kind and parts, joined by the
unit separator (`schema␟12␟app␟Sales`). Kinds never share a key by construction, and every process derives
the same key for the same thing. The locks:

- **connection** (transaction): planning a crawl reconciles the connection's databases and schemas;
- **schema** (transaction): one schema's crawl is applied by one transaction at a time;
- **outbox** (transaction): taken right before change events are inserted and held to commit, so outbox ids
  become visible in increasing order and a consumer may read `id > cursor`;
- **webhook endpoint** (session): one worker sends an endpoint's deliveries, in order; held on a connection
  of its own across the attempts' commits, and released with that connection if the worker dies;
- **remote read slot** (session): one of a connection's N slots, held on a connection of its own for the
  length of one remote read (outside any transaction), so at most N reads of one platform run at once over
  every worker on every machine.

Lock order, so no two transactions ever wait on each other: a connection or a schema lock first (a
transaction takes one of them at most), then rows (the subtask, then its job, `FOR UPDATE`), the outbox last.
The webhook endpoint's and the read slot's connections take no other advisory lock.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.orm import Session

from catalog.session import get_engine, raw_cursor

SEPARATOR = "\x1f"


def lock_key(kind: str, *parts: object) -> int:
    """The advisory lock key of `kind` (connection, schema, outbox, webhook-endpoint) and its parts."""
    name = SEPARATOR.join((kind, *(str(p) for p in parts)))
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


OUTBOX_KEY = lock_key("outbox")


def _hold_for_transaction(session: Session, key: int) -> None:
    raw_cursor(session).execute("SELECT pg_advisory_xact_lock(%s)", (key,))


def lock_connection(session: Session, connection_id: int) -> None:
    """Wait for and hold, until the transaction ends, the lock on one connection's hierarchy."""
    _hold_for_transaction(session, lock_key("connection", connection_id))


def lock_schema(session: Session, connection_id: int, database: str, schema: str) -> None:
    """Wait for and hold, until the transaction ends, the lock on one schema of a connection."""
    _hold_for_transaction(session, lock_key("schema", connection_id, database, schema))


def lock_outbox(session: Session) -> None:
    """Wait for and hold, until the transaction ends, the outbox: take it last, right before inserting."""
    _hold_for_transaction(session, OUTBOX_KEY)


@contextmanager
def webhook_endpoint_session(subscription_id: int) -> Iterator[Session | None]:
    """A session whose connection holds the endpoint's lock, or None while another worker holds it.

    The caller commits as it goes (the lock is the connection's, not a transaction's); on leaving, whatever
    is uncommitted is rolled back and the lock released.
    """
    key = lock_key("webhook-endpoint", subscription_id)
    with get_engine().connect() as conn:
        locked = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar()
        conn.commit()
        if not locked:
            yield None
            return
        try:
            with Session(bind=conn, expire_on_commit=False) as session:
                yield session
        finally:
            conn.rollback()
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            conn.commit()


@contextmanager
def remote_read_slot(connection_id: int, slots: int, poll_seconds: float = 0.05) -> Iterator[None]:
    """Hold one of the connection's `slots` read slots while the block runs; wait while all are taken."""
    keys = [lock_key("remote-read", connection_id, n) for n in range(slots)]
    with get_engine().connect() as conn:
        while True:
            for key in random.sample(keys, len(keys)):  # no slot is everyone's first try
                locked = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar()
                conn.commit()
                if locked:
                    try:
                        yield
                    finally:
                        conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                        conn.commit()
                    return
            time.sleep(poll_seconds)
