"""One event shape everywhere: the same CloudEvent, member for member, in a webhook body, a Redis stream entry, the
`GET /events` feed, an object's history and `objectsync events --json`; and the feed's filters."""

from __future__ import annotations

import json
import os

import httpx
import pytest
import redis

from domain import change_types as ev
from services.delivery.event_stream import stream_key
from services.delivery.outbox_relay import relay_outbox
from services.delivery.webhook_delivery import deliver_endpoint
from settings import Settings
from tests.api.conftest import Users
from tests.cli.runner import objectsync
from tests.support.events import Receiver, build_hierarchy, column_events, write_outbox

pytestmark = pytest.mark.usefixtures("events_catalog")

ORDERS = ("pg", "app", "Sales", "Orders")
CUSTOMERS = ("pg", "app", "Sales", "Customers")


@pytest.fixture
def users(api_url: str) -> Users:
    registry = Users(api_url)
    yield registry
    registry.close()


def test_webhooks_the_stream_the_feed_the_history_and_the_cli_carry_one_shape(users: Users,
                                                                               receiver: Receiver) -> None:
    hierarchy = build_hierarchy(tables={"Orders": "enabled", "Customers": "enabled"})
    admin = users.as_user("admin", "APPLICATION_ADMIN")
    created = admin.post("/webhooks", json={"url": receiver.url})
    assert created.status_code == 201, created.text
    receiver.secret = created.json()["secret"]
    renamed = ev.planned(ev.COLUMN_RENAMED, ORDERS, 3, {"column": "total", "before": {"name": "amount"},
                                                        "after": {"name": "total"}}, '["amount", "total"]')
    ids = write_outbox("pg", [*column_events(ORDERS, 2), renamed, *column_events(CUSTOMERS, 1)],
                       object_ids={ORDERS: hierarchy.ids[ORDERS], CUSTOMERS: hierarchy.ids[CUSTOMERS]})
    relay_outbox()
    deliver_endpoint(created.json()["id"])

    webhooks = {r.body["sequence"]: r.body for r in receiver.received if 200 <= r.answered < 300}
    entries = redis.Redis.from_url(os.environ["REDIS_URL"]).xrange(stream_key(Settings()))
    stream = {json.loads(fields[b"event"])["sequence"]: json.loads(fields[b"event"]) for _, fields in entries}
    feed = {e["sequence"]: e for e in admin.get("/events").json()["items"]}
    cli = objectsync("events", "--json")
    assert cli.returncode == 0, cli.stderr
    printed = {e["sequence"]: e for e in map(json.loads, cli.stdout.splitlines())}
    history = admin.get("/data/object/pg/app/Sales/Orders/history").json()["items"]

    sequences = [str(i) for i in ids]
    assert set(webhooks) == set(stream) == set(feed) == set(printed) == set(sequences)
    for sequence in webhooks:
        assert webhooks[sequence] == stream[sequence] == feed[sequence] == printed[sequence], sequence
        assert webhooks[sequence]["specversion"] == "1.0"
    ours = [e["sequence"] for e in history if e["sequence"] in sequences]
    assert ours == sequences[2::-1], "the table's own events, newest first"
    assert all(e == feed[e["sequence"]] for e in history)
    assert feed[sequences[2]]["data"]["before"] == {"name": "amount"}


def test_the_feed_filters_by_types_and_path_and_pages_with_its_cursor(users: Users) -> None:
    hierarchy = build_hierarchy(tables={"Orders": "enabled", "Customers": "enabled"})
    ids = write_outbox("pg", [*column_events(ORDERS, 3), *column_events(CUSTOMERS, 2, event_type="column.deleted"),
                              *column_events(ORDERS, 1, start=5, event_type="column.changed")],
                       object_ids={ORDERS: hierarchy.ids[ORDERS], CUSTOMERS: hierarchy.ids[CUSTOMERS]})
    admin = users.as_user("admin", "APPLICATION_ADMIN")

    def sequences(**params: object) -> list[int]:
        answer = admin.get("/events", params=params)  # type: ignore[arg-type]
        assert answer.status_code == 200, answer.text
        return [int(e["sequence"]) for e in answer.json()["items"]]

    assert sequences() == ids
    assert sequences(type=["column.deleted", "objectsync.column.changed"]) == ids[3:]
    assert sequences(path="pg/app/Sales/Orders") == ids[:3] + ids[5:]
    assert sequences(path="pg/app/Sales/Customers", type="column.added") == []
    first = admin.get("/events", params={"limit": 2}).json()
    assert ([int(e["sequence"]) for e in first["items"]], first["total"]) == (ids[:2], len(ids))
    assert sequences(cursor=first["nextCursor"]) == ids[2:]
    assert admin.get("/events", params={"type": "column.exploded"}).status_code == 422
    assert admin.get("/events", params={"since": 1}).status_code == 422


def test_unknown_users_see_an_empty_feed(users: Users) -> None:
    build_hierarchy()
    write_outbox("pg", column_events(ORDERS, 1))
    answer = users.as_user("nobody").get("/events")
    assert answer.status_code == 200 and answer.json()["items"] == []
    assert httpx.get(f"{users.base_url}/events").status_code == 401
