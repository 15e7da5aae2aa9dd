"""The webhook and owner-request endpoints over real HTTP, with real tokens and permissions."""

from __future__ import annotations

import time

import httpx
import pytest
from sqlalchemy import text

from catalog.session import session_scope
from domain import change_types as ev
from services.delivery.webhook_delivery import deliver_endpoint
from services.delivery.webhook_fanout import relay_to_webhooks
from tests.api.conftest import Users
from tests.support.events import Receiver, build_hierarchy, column_events, crawl_outbox, write_outbox

pytestmark = pytest.mark.usefixtures("events_catalog")

ORDERS = ("pg", "app", "Sales", "Orders")


def settle(admin: httpx.Client, sid: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while admin.get(f"/webhooks/{sid}/deliveries", params={"status": "pending"}).json()["items"]:
        assert time.monotonic() < deadline, "deliveries did not settle"
        deliver_endpoint(sid)
        time.sleep(0.05)


@pytest.fixture
def users(api_url: str) -> Users:
    registry = Users(api_url)
    yield registry
    registry.close()


def test_webhook_lifecycle_replay_and_history(users: Users, receiver: Receiver) -> None:
    build_hierarchy()
    admin = users.as_user("admin", "APPLICATION_ADMIN")
    created = admin.post("/webhooks", json={"url": receiver.url, "eventTypes": ["objectsync.column.*"],
                                            "pathPrefix": "pg/app"})
    assert created.status_code == 201, created.text
    body = created.json()
    receiver.secret = body["secret"]
    sid = body["id"]
    assert body["eventTypes"] == ["column.*"] and body["pathPrefix"] == "pg/app" and body["enabled"]
    assert "secret" not in admin.get(f"/webhooks/{sid}").json()
    assert [w["id"] for w in admin.get("/webhooks").json()["items"]] == [sid]
    assert body["contentMode"] == "structured"

    outbox_ids = write_outbox("pg", column_events(ORDERS, 3))
    with session_scope() as session:
        relay_to_webhooks(session)
    deliver_endpoint(sid)
    history = admin.get(f"/webhooks/{sid}/deliveries").json()["items"]
    assert [(d["sequence"], d["status"], d["type"]) for d in history] == [
        (i, "delivered", "objectsync.column.added") for i in outbox_ids]
    first_page = admin.get(f"/webhooks/{sid}/deliveries", params={"limit": 2}).json()
    assert (len(first_page["items"]), first_page["total"]) == (2, 3)
    rest = admin.get(f"/webhooks/{sid}/deliveries", params={"cursor": first_page["nextCursor"]}).json()
    assert [d["sequence"] for d in rest["items"]] == outbox_ids[2:] and rest["nextCursor"] is None

    replayed = admin.post(f"/webhooks/{sid}/replay", json={"fromEvent": history[1]["eventId"]})
    assert replayed.status_code == 202 and replayed.json() == {"queued": 2}
    assert replayed.headers["location"] == f"/webhooks/{sid}/deliveries"
    assert admin.get(f"/webhooks/{sid}/deliveries", params={"status": "pending"}).json()["total"] <= 2
    settle(admin, sid)  # the replay also nudged a worker, if one runs: whoever holds the endpoint delivers
    assert receiver.delivered_sequences() == outbox_ids + outbox_ids[1:]
    assert all(r.verified for r in receiver.received)
    assert {r.mode for r in receiver.received} == {"structured"}
    assert all(r.attribute("type") == "objectsync.column.added" for r in receiver.received)
    replayed_delivery = admin.get(f"/webhooks/{sid}/deliveries").json()["items"][1]["id"]
    attempts = admin.get(f"/webhooks/{sid}/deliveries/{replayed_delivery}/attempts")
    assert attempts.status_code == 200, attempts.text
    assert [(a["attempt"], a["succeeded"], a["statusCode"], a["error"]) for a in attempts.json()["items"]] == [
        (1, True, 200, None), (1, True, 200, None)]  # the first delivery and the replay
    assert set(attempts.json()["items"][0]) == {
        "attempt", "succeeded", "statusCode", "error", "durationMs", "attemptedAt"}
    assert admin.get(f"/webhooks/{sid}/deliveries/{replayed_delivery + 1000}/attempts").status_code == 404

    rotated = admin.post(f"/webhooks/{sid}/secret/rotate", json={"graceSeconds": 600})
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["secret"].startswith("whsec_") and rotated.json()["secret"] != receiver.secret
    view = admin.get(f"/webhooks/{sid}").json()
    assert view["previousSecretValidUntil"] == rotated.json()["previousSecretValidUntil"] is not None
    assert rotated.json()["secret"] not in admin.get(f"/webhooks/{sid}").text
    assert admin.post(f"/webhooks/{sid}/secret/rotate", json={"graceSeconds": -1}).status_code == 422
    assert admin.post(f"/webhooks/{sid}/secret/rotate", json={"secret": "hunter2"}).status_code == 422
    assert admin.post(f"/webhooks/{sid + 1000}/secret/rotate", json={}).status_code == 404
    dropped = admin.post(f"/webhooks/{sid}/secret/rotate", json={"graceSeconds": 0})
    assert dropped.json()["previousSecretValidUntil"] is None
    assert admin.get(f"/webhooks/{sid}").json()["previousSecretValidUntil"] is None

    paused = admin.patch(f"/webhooks/{sid}", json={"enabled": False})
    assert paused.status_code == 200 and paused.json()["enabled"] is False
    assert admin.delete(f"/webhooks/{sid}").status_code == 204
    assert admin.get(f"/webhooks/{sid}").status_code == 404
    assert admin.post(f"/webhooks/{sid}/replay", json={"fromEvent": 1}).status_code == 404


@pytest.mark.parametrize("payload, message", [
    ({"url": "ftp://example.com/"}, "scheme"),
    ({"url": "http://example.com/", "eventTypes": ["column.exploded"]}, "unknown event type"),
    ({"url": "http://example.com/", "contentMode": "text"}, "contentMode"),
    ({"url": "http://example.com/", "pathPrefix": ["a", "b", "c", "d", "e"]}, "path prefix"),
    ({"url": "http://example.com/", "secret": "hunter2"}, "secret"),
])
def test_bad_subscriptions_get_clear_422s(users: Users, payload: dict, message: str) -> None:
    admin = users.as_user("admin", "APPLICATION_ADMIN")
    response = admin.post("/webhooks", json=payload)
    assert response.status_code == 422 and message in response.json()["detail"]
    assert "hunter2" not in response.text


def test_only_admins_manage_webhooks(users: Users) -> None:
    owner = users.as_user("olga")
    assert owner.get("/webhooks").status_code == 403
    assert owner.post("/webhooks", json={"url": "http://example.com/"}).status_code == 403
    assert owner.get("/webhooks/1/deliveries/1/attempts").status_code == 403
    assert owner.post("/webhooks/1/secret/rotate", json={}).status_code == 403
    governance = users.as_user("gina", "GOVERNANCE")
    assert governance.get("/webhooks").status_code == 200
    assert httpx.get(f"{users.base_url}/webhooks").status_code == 401


def test_owners_see_and_validate_their_requests(users: Users) -> None:
    hierarchy = build_hierarchy(tables={"Orders": "enabled", "Items": "enabled"})
    items = ("pg", "app", "Sales", "Items")
    with session_scope() as session:
        session.execute(text("INSERT INTO columns (table_id, name, ordinal, data_type, nullable, tags) "
                             "VALUES (:t, 'c0', 1, 'int', true, ARRAY['New'])"), {"t": hierarchy.ids[ORDERS]})
    users.grant_owner(list(ORDERS), group="order-stewards")
    users.add_to_group("olga", "order-stewards")
    olga = users.as_user("olga")
    stranger = users.as_user("sam")
    governance = users.as_user("gina", "GOVERNANCE")  # Items has no owner: its request is governance's
    crawl_outbox("pg", [*column_events(ORDERS, 1), *column_events(items, 1)],
                 {ORDERS: hierarchy.ids[ORDERS], items: hierarchy.ids[items]})

    assert governance.get("/requests").json()["total"] == 2
    mine = olga.get("/requests", params={"status": "pending"}).json()["items"]
    assert [(r["objectPath"], r["column"], r["kind"]) for r in mine] == [(list(ORDERS), "c0", "column_added")]
    assert stranger.get("/requests").json() == {"items": [], "total": 0, "nextCursor": None}
    first = governance.get("/requests", params={"limit": 1}).json()
    second = governance.get("/requests", params={"limit": 1, "cursor": first["nextCursor"]}).json()
    assert first["items"][0]["id"] < second["items"][0]["id"] and second["nextCursor"] is None

    others = next(r for r in governance.get("/requests").json()["items"] if r["objectPath"] == list(items))
    assert olga.post(f"/requests/{others['id']}/validate").status_code == 403
    validated = olga.post(f"/requests/{mine[0]['id']}/validate")
    assert validated.status_code == 200 and validated.json()["status"] == "validated"
    assert olga.post(f"/requests/{mine[0]['id']}/validate").status_code == 409
    assert olga.post("/requests/999999/validate").status_code == 404
    with session_scope() as session:
        assert session.execute(text("SELECT tags FROM columns WHERE name = 'c0'")).scalar_one() == []
        resolved = session.execute(text("SELECT count(*) FROM change_events WHERE type = :t"),
                                   {"t": ev.REQUEST_RESOLVED}).scalar_one()
    assert resolved == 1


def test_binary_mode_endpoints_get_ce_headers_and_the_data_as_body(users: Users, receiver: Receiver) -> None:
    """An endpoint set to binary mode: a strict receiver finds every attribute in a `ce-` header (percent-encoded
    where the binding says) and the event's data as the JSON body, signed like structured deliveries."""
    build_hierarchy(tables={"Ördérs 1": "enabled"})
    table = ("pg", "app", "Sales", "Ördérs 1")
    admin = users.as_user("admin", "APPLICATION_ADMIN")
    created = admin.post("/webhooks", json={"url": receiver.url, "contentMode": "binary"})
    assert created.status_code == 201 and created.json()["contentMode"] == "binary", created.text
    receiver.secret, sid = created.json()["secret"], created.json()["id"]
    [outbox_id] = write_outbox("pg", column_events(table, 1))
    with session_scope() as session:
        relay_to_webhooks(session)
    deliver_endpoint(sid)

    [received] = receiver.received
    assert received.verified and received.mode == "binary" and received.cloudevent is not None
    assert (received.attribute("type"), received.attribute("source"), received.attribute("sequence")) == (
        "objectsync.column.added", "objectsync://connections/pg", str(outbox_id))
    assert received.attribute("subject") == "pg/app/Sales/%C3%96rd%C3%A9rs%201"  # the subject itself is URL-style
    data = received.cloudevent.get_data()
    assert data["objectPath"] == list(table) and data["column"] == "c0"
    assert received.body == data  # the signed body is the data itself

    switched = admin.patch(f"/webhooks/{sid}", json={"contentMode": "structured"})
    assert switched.status_code == 200 and switched.json()["contentMode"] == "structured"
