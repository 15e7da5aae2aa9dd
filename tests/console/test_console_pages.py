"""Console pages over HTTP: edit (Validate Credentials with the stored secret, a failed edit keeps the working
configuration), deregister behind its confirmation, webhooks (secret shown once, rotation, disable and re-enable,
replay), the same messages as the API next to the field."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.api.conftest import Users
from tests.console.test_console_http import csrf_of, sign_in

pytestmark = pytest.mark.usefixtures("settled_jobs", "worker")


@pytest.fixture
def console(api_url: str, users: Users) -> httpx.Client:
    client, response = sign_in(api_url, users.token("operator", "APPLICATION_ADMIN", "GOVERNANCE"))
    assert response.status_code == 303
    return client


def test_edit_validates_and_keeps_the_working_configuration(console: httpx.Client, admin: httpx.Client,
                                                            register: Callable[..., dict[str, Any]]) -> None:
    register("pg")
    form = console.get("/console/connections/pg/edit")
    assert form.status_code == 200 and 'value="127.0.0.1"' in form.text
    csrf = csrf_of(console)
    database = admin.get("/data/connection/pg").json()["connection"]["database"]
    fields = {"csrf_token": csrf, "technology": "postgresql", "editing": "pg", "hostname": "127.0.0.1",
              "port": "5432", "database": database, "authenticationType": "userPassword", "username": "postgres"}

    validated = console.post("/console/connections/validate", data=fields, headers={"HX-Request": "true"})
    assert validated.status_code == 200 and "validation tests passed" in validated.text, validated.text

    failed = console.post("/console/connections/pg/edit", data={**fields, "hostname": "wrong-host.invalid"})
    assert failed.status_code == 400
    assert "failed validation" in failed.text and "previous configuration" in failed.text
    assert "wrong-host.invalid" in failed.text  # the failing test's message
    stored = admin.get("/data/connection/pg").json()
    assert stored["status"] == "editError" and stored["connection"]["hostname"] == "127.0.0.1"

    bad_cron = console.post("/console/connections/pg/edit", data={**fields, "cron": "every day"})
    assert bad_cron.status_code == 422
    assert re.search(r'id="cron-error" role="alert">not a valid 5-field cron expression', bad_cron.text)

    saved = console.post("/console/connections/pg/edit", data={**fields, "cron": "30 2 * * *"},
                         follow_redirects=False)
    assert saved.status_code == 303
    assert admin.get("/data/connection/pg").json()["cron"] == "30 2 * * *"


def test_register_shows_the_api_messages_next_to_the_field(console: httpx.Client,
                                                           register: Callable[..., dict[str, Any]]) -> None:
    register("pg")
    fields = {"csrf_token": csrf_of(console), "technology": "postgresql", "hostname": "127.0.0.1",
              "database": "postgres", "authenticationType": "userPassword", "username": "postgres"}
    taken = console.post("/console/connections/new", data={**fields, "connectionKey": "pg"})
    assert taken.status_code == 422
    assert re.search(r'id="connectionKey-error" role="alert">a connection with key &#39;pg&#39; already exists',
                     taken.text)
    slash = console.post("/console/connections/new", data={**fields, "connectionKey": "a/b"})
    assert "connectionKey must be 1-255 characters, without &#39;/&#39;" in slash.text
    unknown = console.post("/console/connections/new", data={**fields, "connectionKey": "x", "technology": "nosql"})
    assert unknown.status_code == 422 and "unknown technology &#39;nosql&#39;" in unknown.text


def test_deregister_needs_the_key_typed(console: httpx.Client, admin: httpx.Client,
                                        register: Callable[..., dict[str, Any]]) -> None:
    register("pg")
    assert "Type <strong>pg</strong> to confirm" in console.get("/console/connections/pg/deregister").text
    csrf = csrf_of(console)
    refused = console.post("/console/connections/pg/deregister", data={"csrf_token": csrf, "confirmKey": "p"})
    assert refused.status_code == 422 and "type pg exactly to confirm" in refused.text
    assert admin.get("/data/connection/pg").status_code == 200
    done = console.post("/console/connections/pg/deregister", data={"csrf_token": csrf, "confirmKey": "pg"},
                        follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/console/connections?deregistered=pg"
    assert admin.get("/data/connection/pg").status_code == 404


def test_webhooks(console: httpx.Client, admin: httpx.Client) -> None:
    csrf = csrf_of(console)
    invalid = console.post("/console/webhooks", data={"csrf_token": csrf, "url": "ftp://example.org/hook"})
    assert invalid.status_code == 422 and 'id="url-error"' in invalid.text
    assert admin.get("/webhooks").json()["items"] == []

    created = console.post("/console/webhooks", data={"csrf_token": csrf, "url": "https://93.184.216.34/hook",
                                                      "eventTypes": "column.*, object.created"})
    assert created.status_code == 201
    secret = re.search(r'<code class="secret">(whsec_[^<]+)</code>', created.text)
    assert secret, "the signing secret is shown once"
    [subscription] = admin.get("/webhooks").json()["items"]
    assert subscription["eventTypes"] == ["column.*", "object.created"]
    assert secret.group(1) not in console.get("/console/webhooks").text
    page = f"/console/webhooks/{subscription['id']}"

    rotated = console.post(f"{page}/rotate", data={"csrf_token": csrf, "graceSeconds": "60"})
    new_secret = re.search(r'<code class="secret">(whsec_[^<]+)</code>', rotated.text)
    assert new_secret and new_secret.group(1) != secret.group(1)
    assert admin.get(f"/webhooks/{subscription['id']}").json()["previousSecretValidUntil"] is not None

    console.post(f"{page}/enabled", data={"csrf_token": csrf, "enabled": "false"})
    assert admin.get(f"/webhooks/{subscription['id']}").json()["enabled"] is False
    reenabled = console.post(f"{page}/enabled", data={"csrf_token": csrf, "enabled": "true"}, follow_redirects=True)
    assert reenabled.status_code == 200 and "Disable" in reenabled.text
    assert admin.get(f"/webhooks/{subscription['id']}").json()["enabled"] is True

    missing = console.post(f"{page}/replay", data={"csrf_token": csrf, "fromEvent": "999999"})
    assert missing.status_code == 422 and 'id="fromEvent-error"' in missing.text


def test_events_api_and_console_agree(console: httpx.Client, admin: httpx.Client, users: Users,
                                      register: Callable[..., dict[str, Any]]) -> None:
    from tests.support.pipeline import wait_until

    register("pg")
    events = wait_until(lambda: admin.get("/events", params={"type": "object.created"}).json()["items"], 60,
                        what="object.created events")
    assert all(e["type"] == "objectsync.object.created" for e in events)
    ids = [int(e["sequence"]) for e in events]
    assert ids == sorted(ids)
    after = admin.get("/events", params={"cursor": ids[0]}).json()["items"]
    assert after and all(int(e["sequence"]) > ids[0] for e in after)
    page = console.get("/console/events", params={"type": "object.created"}).text
    assert all(f'<td class="num">{i}</td>' in page for i in ids)
    nothing = users.as_user("nobody").get("/events").json()
    assert (nothing["items"], nothing["total"], nothing["nextCursor"]) == ([], 0, "0")


def test_a_broker_refusing_the_crawl_message_is_a_503_page(console: httpx.Client,
                                                           register: Callable[..., dict[str, Any]]) -> None:
    """The console's unit of work commits before the page answers: a refused task message is the broker's 503,
    not an internal error."""
    from kombu.exceptions import OperationalError

    from services.enqueue import install_sender
    from workers.celery_app import install_enqueue_sender

    register("pg")

    def refuse(task: str, args: tuple[Any, ...], options: dict[str, Any]) -> None:
        raise OperationalError("Error 111 connecting to redis")

    install_sender(refuse)
    try:
        answer = console.post("/console/crawl/pg", data={"csrf_token": csrf_of(console)}, follow_redirects=False)
    finally:
        install_enqueue_sender()
    assert answer.status_code == 503, answer.text[:500]
    assert "the task broker (Redis) is unavailable" in answer.text


def test_the_requests_page_names_each_kind_of_change(console: httpx.Client) -> None:
    from domain import change_types as ev
    from tests.support.events import build_hierarchy, column_events, crawl_outbox

    orders = ("pg", "app", "Sales", "Orders")
    hierarchy = build_hierarchy()
    raised = crawl_outbox("pg", [*column_events(orders, 1),
                                 *column_events(orders, 1, start=1, event_type=ev.COLUMN_DELETED),
                                 *column_events(orders, 1, start=2, event_type=ev.COLUMN_TYPE_CHANGED)],
                          object_ids={orders: hierarchy.ids[orders]})
    assert raised == 3, "the operator (GOVERNANCE) is asked: the table has no owner"
    kinds = re.findall(r'<td class="num">\d+</td>\s*<td>([^<]+)</td>', console.get("/console/requests").text)
    assert sorted(kinds) == ["Column added", "Column deleted", "Column type changed"]
