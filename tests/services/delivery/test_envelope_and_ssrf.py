"""The CloudEvents envelope and the SSRF guard on webhook URLs."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from domain.change_types import event_type_name, outbox_type_name
from models import ChangeEvent
from services.delivery.envelope import event_source, serialize, to_cloudevent
from services.delivery.ssrf import UnsafeWebhookUrl, check_webhook_url
from settings import Settings


def test_a_name_that_is_a_dot_segment_never_appears_raw_in_a_subject() -> None:
    event = ChangeEvent(id=1, event_id=uuid.uuid4(), type="object.created", connection_key="pg",
                        object_path=["pg", "app", "..", "."], payload={}, job_id=None)
    assert to_cloudevent(event)["subject"] == "pg/app/%2E%2E/%2E"


def test_cloudevent_carries_stable_id_type_source_subject_and_before_after() -> None:
    event_id = uuid.uuid4()
    event = ChangeEvent(
        id=42, event_id=event_id, type="column.type_changed", connection_key="pg prod/1",
        object_path=["pg prod/1", "app", "Sales 'Q1'", "Ördér/Items"], object_id=7, job_id=3,
        payload={"column": "amount", "before": {"dataType": "int"}, "after": {"dataType": "bigint"}},
        occurred_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    )
    cloudevent = to_cloudevent(event)
    assert cloudevent["specversion"] == "1.0"
    assert cloudevent["id"] == str(event_id)
    assert cloudevent["type"] == "objectsync.column.type_changed"
    assert cloudevent["source"] == "objectsync://connections/pg%20prod%2F1"
    assert cloudevent["subject"] == "pg%20prod%2F1/app/Sales%20%27Q1%27/%C3%96rd%C3%A9r%2FItems"
    assert cloudevent["time"] == "2026-01-02T03:04:05Z"
    assert cloudevent["datacontenttype"] == "application/json"
    assert cloudevent["sequence"] == "42"
    assert cloudevent["data"]["before"] == {"dataType": "int"}
    assert cloudevent["data"]["after"] == {"dataType": "bigint"}
    assert cloudevent["data"]["objectPath"][3] == "Ördér/Items"
    assert '"Ördér/Items"' in serialize(cloudevent)  # UTF-8, not escaped


def test_events_without_before_or_after_still_have_both_keys() -> None:
    event = ChangeEvent(id=1, event_id=uuid.uuid4(), type="job.finished", connection_key="pg", object_path=["pg"],
                        object_id=None, job_id=9, payload={"status": "succeeded"}, occurred_at=datetime.now(UTC))
    data = to_cloudevent(event)["data"]
    assert data["before"] is None and data["after"] is None and data["status"] == "succeeded"


def test_type_names_round_trip() -> None:
    assert event_type_name("request.created") == "objectsync.request.created"
    assert event_type_name("objectsync.request.created") == "objectsync.request.created"
    assert outbox_type_name("objectsync.column.added") == "column.added"
    assert event_source("a") == "objectsync://connections/a"


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/hook", "http://localhost/hook", "http://[::1]/", "http://10.1.2.3/",
    "http://192.168.0.10/", "http://172.16.5.5/", "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/", "http://0.0.0.0/", "http://[::ffff:127.0.0.1]/", "http://[fe80::1]/",
    "http://[fd00::1]/", "http://224.0.0.1/",
    # IPv6 forms that embed a private IPv4 address (NAT64, 6to4, IPv4-compatible), and port 0
    "http://[64:ff9b::7f00:1]/", "http://[64:ff9b::a9fe:a9fe]/", "http://[2002:7f00:1::]/", "http://[2002:a00:1::]/",
    "http://[::127.0.0.1]/", "http://[::a00:1]/",
])
def test_private_loopback_and_link_local_addresses_are_refused(url: str) -> None:
    with pytest.raises(UnsafeWebhookUrl, match="private, loopback, link-local or reserved"):
        check_webhook_url(url, allow_private=False)


@pytest.mark.parametrize("url, message", [
    ("ftp://example.com/x", "scheme"), ("file:///etc/passwd", "scheme"), ("http://", "no host"),
    ("http://user:pw@example.com/", "credentials"),
    ("http://93.184.216.34:0/", "port"), ("http://exa mple.com/", "spaces"), ("", "non-empty"),
    ("http://example.com:99999/", "malformed"), ("http://no-such-host.invalid/", "does not resolve"),
])
def test_malformed_urls_are_refused_with_a_reason(url: str, message: str) -> None:
    with pytest.raises(UnsafeWebhookUrl, match=message):
        check_webhook_url(url, allow_private=False)


def test_public_addresses_pass_and_the_setting_allows_private_ones() -> None:
    assert check_webhook_url("https://1.1.1.1/hook", allow_private=False) == "https://1.1.1.1/hook"
    assert check_webhook_url("http://127.0.0.1:9/hook", allow_private=True) == "http://127.0.0.1:9/hook"


def test_the_setting_defaults_to_refusing_private_addresses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OBJECTSYNC_WEBHOOK_ALLOW_PRIVATE_ADDRESSES", raising=False)
    assert Settings().webhook_allow_private_addresses is False


def test_pinning_keeps_host_and_tls_name_but_connects_to_the_checked_address() -> None:
    import ipaddress
    from urllib.parse import urlsplit

    from services.delivery.ssrf import pin

    v6 = pin(urlsplit("https://hooks.example.com/in?q=1"), ipaddress.ip_address("2606:4700::1111"))
    assert v6.url == "https://[2606:4700::1111]/in?q=1"
    assert v6.headers == {"host": "hooks.example.com"} and v6.extensions == {"sni_hostname": "hooks.example.com"}
    v4 = pin(urlsplit("http://Hooks.Example.com:8080/in"), ipaddress.ip_address("93.184.216.34"))
    assert v4.url == "http://93.184.216.34:8080/in" and v4.headers == {"host": "Hooks.Example.com:8080"}
    assert v4.extensions == {}


def test_a_pinned_request_reaches_the_pinned_address_with_the_original_host() -> None:
    import ipaddress
    from urllib.parse import urlsplit

    import httpx
    from pytest_httpserver import HTTPServer
    from werkzeug import Request, Response

    from services.delivery.ssrf import pin

    seen: list[str] = []

    def record(request: Request) -> Response:
        seen.append(request.headers["host"])
        return Response("ok")

    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        server.expect_request("/hook").respond_with_handler(record)
        target = pin(urlsplit(f"http://rebinding.invalid:{server.port}/hook"), ipaddress.ip_address("127.0.0.1"))
        with httpx.Client(trust_env=False) as client:
            response = client.post(target.url, headers=target.headers, extensions=target.extensions)
    finally:
        server.stop()
    assert response.status_code == 200
    assert seen == [f"rebinding.invalid:{server.port}"]  # no DNS lookup of the name happened at send time
