"""Advisory locks: one key scheme for every lock, held as long as they should be, against a real PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, text

from catalog.locks import OUTBOX_KEY, lock_key, lock_outbox, lock_schema, webhook_endpoint_session
from catalog.session import session_factory

KEYS = [
    ("schema", 1, "app", "Sales"),
    ("schema", 1, "app", "sales"),
    ("schema", 1, "ap", "pSales"),  # the separator keeps parts apart
    ("schema", 2, "app", "Sales"),
    ("connection", 1),
    ("webhook-endpoint", 1),
    ("outbox",),
]


def test_every_lock_has_a_key_of_its_own_and_the_same_one_in_every_process() -> None:
    keys = [lock_key(*parts) for parts in KEYS]
    assert len(set(keys)) == len(KEYS)
    assert all(-(2**63) <= key < 2**63 for key in keys)  # a PostgreSQL bigint
    assert lock_key("schema", 1, "app", "Sales") == 666869356008987685  # derived, never random: all workers agree
    assert OUTBOX_KEY == lock_key("outbox")


def held_elsewhere(key: int) -> bool:
    """Whether another connection holds the advisory lock `key` (tried without waiting)."""
    with session_factory()() as other, other.begin():
        return not other.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key})


@pytest.mark.usefixtures("catalog")
def test_transaction_locks_are_held_until_the_transaction_ends() -> None:
    schema_key = lock_key("schema", 7, "app", "Sales")
    with session_factory()() as session:
        with session.begin():
            lock_schema(session, 7, "app", "Sales")
            lock_outbox(session)
            assert held_elsewhere(schema_key) and held_elsewhere(OUTBOX_KEY)
            assert not held_elsewhere(lock_key("schema", 7, "app", "Marketing"))
        assert not held_elsewhere(schema_key) and not held_elsewhere(OUTBOX_KEY)


@pytest.mark.usefixtures("catalog")
def test_a_webhook_endpoint_is_served_by_one_session_at_a_time() -> None:
    with webhook_endpoint_session(7) as first:
        assert first is not None
        first.execute(text("SELECT 1"))
        first.commit()  # the deliverer commits after every attempt: the lock outlives its transactions
        with webhook_endpoint_session(7) as second:
            assert second is None
        with webhook_endpoint_session(8) as other_endpoint:
            assert other_endpoint is not None
    with webhook_endpoint_session(7) as again:
        assert again is not None


@pytest.mark.usefixtures("catalog")
def test_a_crawl_transaction_shares_the_connection_and_a_deregistration_waits_for_it() -> None:
    from catalog.locks import own_connection, share_connection

    in_use = lock_key("connection-in-use", 9)
    with session_factory()() as crawl, crawl.begin():
        share_connection(crawl, 9)
        with session_factory()() as other, other.begin():
            assert other.scalar(text("SELECT pg_try_advisory_xact_lock_shared(:key)"), {"key": in_use}), \
                "two crawl transactions share it"
        assert held_elsewhere(in_use), "a deregistration (exclusive) waits"
    with session_factory()() as deregistration, deregistration.begin():
        own_connection(deregistration, 9)
        with session_factory()() as other, other.begin():
            assert not other.scalar(text("SELECT pg_try_advisory_xact_lock_shared(:key)"), {"key": in_use}), \
                "a crawl transaction waits for the deregistration"


@pytest.mark.usefixtures("catalog")
def test_remote_read_slots_cap_the_reads_of_one_connection_at_once() -> None:
    """Six readers of one connection with two slots: never more than two at once, and every one gets its turn."""
    import threading
    import time

    from catalog.locks import remote_read_slot

    inside, peak, done = [0], [0], []
    guard = threading.Lock()

    def read(n: int) -> None:
        with remote_read_slot(9, 2, poll_seconds=0.01):
            with guard:
                inside[0] += 1
                peak[0] = max(peak[0], inside[0])
            time.sleep(0.05)
            with guard:
                inside[0] -= 1
        done.append(n)

    readers = [threading.Thread(target=read, args=(n,)) for n in range(6)]
    for reader in readers:
        reader.start()
    with remote_read_slot(10, 1, poll_seconds=0.01):  # another connection's slots are its own
        pass
    for reader in readers:
        reader.join(10)
    assert sorted(done) == list(range(6)) and peak[0] == 2
    with remote_read_slot(9, 1):  # all released
        pass


@pytest.mark.usefixtures("catalog")
def test_session_locks_are_taken_and_released_outside_transactions() -> None:
    """A subtask claim and a read slot (taken twice per crawl) cost one round trip per statement: no BEGIN, no
    COMMIT around the lock and the unlock."""
    from sqlalchemy import event

    from catalog.locks import remote_read_slot, subtask_claim
    from catalog.session import get_engine

    transactions: list[str] = []

    def begun(connection: Connection) -> None:
        if not connection.connection.driver_connection.autocommit:  # type: ignore[union-attr]
            transactions.append("BEGIN")  # psycopg sends one before the next statement

    def committed(connection: Connection) -> None:
        transactions.append("COMMIT")

    engine = get_engine()
    event.listen(engine, "begin", begun)
    event.listen(engine, "commit", committed)
    try:
        with subtask_claim(123456) as claimed, remote_read_slot(11, 1):
            assert claimed
    finally:
        event.remove(engine, "begin", begun)
        event.remove(engine, "commit", committed)
    assert transactions == []
