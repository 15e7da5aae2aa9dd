"""The Redis stream: XADD contents, bounded length, exactly-once publishing, and a consumer group."""

from __future__ import annotations

import json

import pytest
import redis
from sqlalchemy import text

from catalog.session import session_scope
from examples.stream_consumer import consume, ensure_group
from services.delivery.event_stream import relay_to_stream, stream_key
from settings import Settings
from tests.support.events import build_hierarchy, column_events, write_outbox

pytestmark = pytest.mark.usefixtures("events_catalog")

TABLE = ("pg", "app", "Sales", "Orders")


@pytest.fixture
def client(redis_env: str) -> redis.Redis:
    import os

    return redis.Redis.from_url(os.environ["REDIS_URL"])


def publish_all(client: redis.Redis, settings: Settings) -> int:
    total = 0
    while True:
        with session_scope() as session:
            read, published = relay_to_stream(session, client, settings)
        total += published
        if read == 0:
            return total


def test_xadd_entries_carry_the_cloudevent_keyed_by_outbox_id(client: redis.Redis, redis_env: str) -> None:
    hierarchy = build_hierarchy()
    settings = Settings()
    events = column_events(TABLE, 3)
    outbox_ids = write_outbox("pg", events, {TABLE: hierarchy.ids[TABLE]})
    assert publish_all(client, settings) == 3

    key = stream_key(settings)
    assert key == f"{redis_env}objectsync:events"  # the deployment's key prefix is honoured
    entries = client.xrange(key)
    assert [entry_id.decode() for entry_id, _ in entries] == [f"{i}-0" for i in outbox_ids]
    _, fields = entries[0]
    cloudevent = json.loads(fields[b"event"])
    assert fields[b"id"].decode() == str(events[0].event_id) == cloudevent["id"]
    assert fields[b"type"] == b"objectsync.column.added"
    assert fields[b"subject"] == b"pg/app/Sales/Orders"
    assert fields[b"sequence"].decode() == str(outbox_ids[0])
    assert cloudevent["data"]["objectId"] == hierarchy.ids[TABLE]


def test_republishing_after_a_lost_cursor_adds_nothing_twice(client: redis.Redis) -> None:
    build_hierarchy()
    settings = Settings()
    write_outbox("pg", column_events(TABLE, 5))
    assert publish_all(client, settings) == 5
    with session_scope() as session:  # as if the relay crashed after XADD, before saving its cursor
        session.execute(text("UPDATE relay_cursors SET last_event_id = 2 WHERE name = 'redis_stream'"))
    write_outbox("pg", column_events(TABLE, 2, start=5))
    assert publish_all(client, settings) == 2
    assert client.xlen(stream_key(settings)) == 7


def test_stream_length_is_bounded(client: redis.Redis) -> None:
    build_hierarchy()
    settings = Settings(event_stream_maxlen=50, relay_batch_size=100)
    write_outbox("pg", column_events(TABLE, 600))
    assert publish_all(client, settings) == 600
    length = client.xlen(stream_key(settings))
    assert 50 <= length < 300  # MAXLEN ~ trims whole nodes: near the bound, never the whole history
    newest = client.xrevrange(stream_key(settings), count=1)[0][0].decode()
    assert newest == "600-0"


def test_a_consumer_group_reads_every_event_once_even_after_a_crash(client: redis.Redis) -> None:
    build_hierarchy()
    settings = Settings()
    events = column_events(TABLE, 10)
    write_outbox("pg", events)
    publish_all(client, settings)
    key = stream_key(settings)

    ensure_group(client, key, "auditors")
    taken = client.xreadgroup("auditors", "a1", {key: ">"}, count=4)  # a1 takes 4, then crashes unacknowledged
    assert len(taken[0][1]) == 4

    seen: list[str] = []
    assert consume(client, key, "auditors", "a1", lambda e: seen.append(e["id"]), block_ms=10, max_rounds=4) == 10
    assert seen == [str(e.event_id) for e in events]
    assert client.xpending(key, "auditors")["pending"] == 0

    write_outbox("pg", column_events(TABLE, 1, start=10))
    publish_all(client, settings)
    later: list[str] = []
    consume(client, key, "auditors", "a2", lambda e: later.append(e["type"]), block_ms=10, max_rounds=2)
    assert later == ["objectsync.column.added"]  # the group resumes where it stood, for any consumer


def test_redis_down_holds_the_stream_back_but_not_webhooks(client: redis.Redis,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from services.delivery.outbox_relay import relay_outbox
    from settings import get_settings

    build_hierarchy()
    settings = Settings()
    write_outbox("pg", column_events(TABLE, 3))
    with session_scope() as session:
        from services.delivery.webhook_subscriptions import create_subscription

        create_subscription(session, url="http://127.0.0.1:9/hook")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    get_settings.cache_clear()
    try:
        down = relay_outbox(settings)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert down.deliveries_created == 3 and down.stream_published == 0
    assert down.stream_error and "ConnectionError" in down.stream_error
    assert client.xlen(stream_key(settings)) == 0

    back = relay_outbox(settings)  # the stream catches up from its own cursor; webhooks add nothing twice
    assert back.stream_published == 3 and back.deliveries_created == 0 and back.stream_error is None
    assert client.xlen(stream_key(settings)) == 3


def test_the_example_consumer_stops_on_ctrl_c_without_a_traceback(client: redis.Redis) -> None:
    """Run as a user runs it, against real Redis: it prints the events, then SIGINT ends it cleanly."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    hierarchy = build_hierarchy()
    write_outbox("pg", column_events(TABLE, 2), {TABLE: hierarchy.ids[TABLE]})
    assert publish_all(client, Settings()) == 2
    process = subprocess.Popen([sys.executable, "-m", "examples.stream_consumer", "sigint-group", "c1"],
                               cwd=Path(__file__).resolve().parents[3], env=dict(os.environ),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(3)]  # the banner and both events
        assert lines[0].startswith("reading ") and all("objectsync.column.added" in line for line in lines[1:])
        time.sleep(0.3)  # blocked in XREADGROUP now
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=20)
    finally:
        process.kill()
    assert "Traceback" not in stderr, stderr
    assert process.returncode == 130 and stderr.strip() == "stopped"


def test_a_backlog_goes_out_in_bounded_passes_each_saying_whether_more_is_left(
        client: redis.Redis, monkeypatch: pytest.MonkeyPatch) -> None:
    import services.delivery.outbox_relay as outbox_relay

    build_hierarchy()
    settings = Settings(relay_batch_size=2)
    write_outbox("pg", column_events(TABLE, 5))
    monkeypatch.setattr(outbox_relay, "MAX_BATCHES_PER_PASS", 2)
    first = outbox_relay.relay_outbox(settings)
    assert (first.events_relayed, first.stream_published, first.more) == (4, 4, True)
    second = outbox_relay.relay_outbox(settings)
    assert (second.events_relayed, second.stream_published, second.more) == (1, 1, False)
    assert client.xlen(stream_key(settings)) == 5


def test_the_relay_task_sends_itself_again_while_a_pass_leaves_more(monkeypatch: pytest.MonkeyPatch) -> None:
    import tasks.delivery
    from services.delivery.outbox_relay import RelayPass

    sent: list[str] = []
    monkeypatch.setattr(tasks.delivery.relay, "delay", lambda: sent.append("relay"))
    for more in (True, False):
        passed = RelayPass(events_relayed=1, more=more)
        monkeypatch.setattr(tasks.delivery, "relay_outbox", lambda passed=passed, **_: passed)
        tasks.delivery.relay()
    assert sent == ["relay"]
