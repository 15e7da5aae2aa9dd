"""PostgreSQL advisory locks: one key scheme for every lock the service takes, and the order they are taken in.

A lock's key is a signed 64-bit integer: the first 8 bytes of BLAKE2b over its kind and parts, joined by the
unit separator (`schema␟12␟app␟Sales`). Kinds never share a key by construction, and every process derives
the same key for the same thing. The locks:

- **subtask** (session, tried, never waited for): the delivery running a schema subtask holds it, so a
  duplicate delivery of the same task (a broker redelivering a task that is still running) exits at once
  instead of queueing behind it;
- **connection in use** (transaction): shared by every crawl transaction of the connection (planning and each
  schema), exclusive for deregistering it, which so waits for the crawl transactions under way and is waited
  for by the next ones (which then find their job cancelled);
- **connection** (transaction): planning a crawl reconciles the connection's databases and schemas;
- **schema** (transaction): one schema's crawl is applied by one transaction at a time, exclusively; the
  name-range batches of a large schema hold it shared, each with an exclusive **schema range** lock of its own,
  so the batches of one partition apply side by side (planning gives every job in flight for a schema the same
  partition, see `in_flight_partition`), and a whole-schema crawl waits for them and they for it;
- **outbox** (transaction): taken right before change events are inserted and held to commit, so outbox ids
  become visible in increasing order and a consumer may read `id > cursor`;
- **webhook endpoint** (session): one worker sends an endpoint's deliveries, in order; held on a connection
  of its own across the attempts' commits, and released with that connection if the worker dies;
- **remote read slot** (session): one of a connection's N slots, held on a connection of its own for the
  length of one remote read (outside any transaction), so at most N reads of one platform run at once over
  every worker on every machine.

Lock order, so no two transactions ever wait on each other: the connection-in-use lock first, then a
connection or a schema lock (a transaction takes one of them at most), then rows (the connection, its data
objects, the subtask, then its job, `FOR UPDATE`), the outbox last.
The webhook endpoint's and the read slot's connections take no other advisory lock.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from catalog.session import get_engine, raw_cursor
from domain.schema_batches import TableRange

SEPARATOR = "\x1f"


def lock_key(kind: str, *parts: object) -> int:
    """The advisory lock key of `kind` (connection, schema, outbox, webhook-endpoint) and its parts."""
    name = SEPARATOR.join((kind, *(str(p) for p in parts)))
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


OUTBOX_KEY = lock_key("outbox")


def _hold_for_transaction(session: Session, key: int) -> None:
    raw_cursor(session).execute("SELECT pg_advisory_xact_lock(%s)", (key,))


@contextmanager
def _lock_connection() -> Iterator[Connection]:
    """A pooled connection in autocommit, for session locks only: each statement is one round trip, with no
    BEGIN and COMMIT around it (the lock is the connection's, whatever the transactions)."""
    with get_engine().connect() as conn:
        yield conn.execution_options(isolation_level="AUTOCOMMIT")


@contextmanager
def subtask_claim(subtask_id: int) -> Iterator[bool]:
    """Whether this delivery may run the subtask: its lock, tried (never waited for) on a connection of its own
    and held for the whole run (remote read and apply), or False while another delivery holds it."""
    key = lock_key("subtask", subtask_id)
    with _lock_connection() as conn:
        claimed = bool(conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar())
        try:
            yield claimed
        finally:
            if claimed:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})


def share_connection(session: Session, connection_id: int) -> None:
    """Hold, until the transaction ends, a shared claim on the connection: it cannot be deregistered meanwhile."""
    raw_cursor(session).execute("SELECT pg_advisory_xact_lock_shared(%s)",
                                (lock_key("connection-in-use", connection_id),))


def own_connection(session: Session, connection_id: int) -> None:
    """Wait until no crawl transaction of the connection runs, and hold it exclusively until this one ends."""
    _hold_for_transaction(session, lock_key("connection-in-use", connection_id))


def lock_connection(session: Session, connection_id: int) -> None:
    """Wait for and hold, until the transaction ends, the lock on one connection's hierarchy."""
    _hold_for_transaction(session, lock_key("connection", connection_id))


def lock_schema(session: Session, connection_id: int, database: str, schema: str,
                table_range: TableRange | None = None) -> None:
    """Wait for and hold, until the transaction ends, the lock on one schema of a connection; with
    `table_range`, the schema shared and that name range of it exclusively."""
    key = lock_key("schema", connection_id, database, schema)
    if table_range is None:
        _hold_for_transaction(session, key)
        return
    raw_cursor(session).execute("SELECT pg_advisory_xact_lock_shared(%s)", (key,))
    _hold_for_transaction(session, lock_key("schema-range", connection_id, database, schema,
                                            *(_range_end(end) for end in (table_range.start, table_range.stop))))


def _range_end(end: str | None) -> str:
    return "open" if end is None else f"={end}"


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
    with _lock_connection() as conn:
        while True:
            for key in random.sample(keys, len(keys)):  # no slot is everyone's first try
                locked = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar()
                if locked:
                    try:
                        yield
                    finally:
                        conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                    return
            time.sleep(poll_seconds)
