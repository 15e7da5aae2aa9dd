"""Checks before any route reads a request: raw dot segments (400), a body without a live token (401, unread),
a body over the cap (413, never buffered)."""

from __future__ import annotations

import httpx
import pytest

from tests.api.conftest import Users
from tests.support.raw_http import raw_request

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("path", [
    "/data/object/pg/db/s/..", "/data/object/pg/db/s/.", "/data/object/pg/../other", "/data/connection/..",
    "/data/object/pg/db/s/../history",
])
def test_a_raw_dot_segment_is_refused_before_any_route(api_url: str, admin: httpx.Client, path: str) -> None:
    """`DELETE …/s/..` would otherwise be read as the database above it once a client normalised it."""
    token = admin.headers["Authorization"]
    status, body = raw_request(api_url, f"DELETE {path} HTTP/1.1\nHost: x\nAuthorization: {token}\n"
                                        "Connection: close\n")
    assert status == 400, body
    assert b"dot segment" in body or b"'.' or '..'" in body


def test_a_percent_encoded_dot_segment_names_an_object(api_url: str, admin: httpx.Client) -> None:
    """`%2E%2E` is a table named '..': looked up as that name (404 here), never as the parent."""
    token = admin.headers["Authorization"]
    status, _ = raw_request(api_url, f"GET /data/object/nokey/db/s/%2E%2E HTTP/1.1\nHost: x\nAuthorization: {token}\n"
                                     "Connection: close\n")
    assert status == 404


def test_an_unauthenticated_body_is_refused_without_being_read(api_url: str, users: Users) -> None:
    """A declared 100 MB body without a token: the 401 comes back after the headers alone."""
    status, _ = raw_request(api_url, "POST /data/connection HTTP/1.1\nHost: x\nContent-Type: application/json\n"
                                     f"Content-Length: {100 * 1024 * 1024}\nConnection: close\n")
    assert status == 401
    status, _ = raw_request(api_url, "POST /data/connection HTTP/1.1\nHost: x\nAuthorization: Bearer not-a-token\n"
                                     f"Content-Length: {100 * 1024 * 1024}\nConnection: close\n")
    assert status == 401


def test_a_body_over_the_cap_is_refused_with_413(api_url: str, admin: httpx.Client) -> None:
    token = admin.headers["Authorization"]
    status, _ = raw_request(api_url, f"POST /data/connection HTTP/1.1\nHost: x\nAuthorization: {token}\n"
                                     f"Content-Type: application/json\nContent-Length: {2 * 1024 * 1024}\n"
                                     "Connection: close\n")
    assert status == 413
    chunk = b"x" * 65536
    chunked = (b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(64))  # 4 MB, no length declared
    status, _ = raw_request(api_url, f"POST /data/connection HTTP/1.1\nHost: x\nAuthorization: {token}\n"
                                     "Content-Type: application/json\nTransfer-Encoding: chunked\n"
                                     "Connection: close\n", chunked)
    assert status == 413


def test_a_body_under_the_cap_still_works(admin: httpx.Client) -> None:
    response = admin.post("/data/connection", json={"connectionKey": "", "connection": {"technology": "postgresql"}})
    assert response.status_code in (400, 422), response.text


def test_lists_over_their_cap_are_refused_with_422(admin: httpx.Client) -> None:
    """Each list becomes query parameters (PostgreSQL takes 65,535): past the cap a 422, never a 503."""
    owners = admin.put("/data/settings/pg", json={"settings": {"dataOwners": [f"u{i}" for i in range(70_000)]}})
    assert owners.status_code == 422, owners.text[:300]
    group = admin.post("/groups", json={"name": "crowd", "members": [f"u{i}" for i in range(70_000)]})
    assert group.status_code == 422, group.text[:300]
    extra = {f"field{i}": "x" for i in range(60)}
    fields = admin.post("/data/connection/test", json={"connection": {"technology": "postgresql", **extra}})
    assert fields.status_code == 422, fields.text[:300]


def test_a_list_of_database_names_is_a_connection_field(admin: httpx.Client, source_db: str) -> None:
    """PostgreSQL's `databases` (the databases to crawl) is a list: accepted, not refused as a non-scalar."""
    from tests.api.conftest import source_connection

    database = source_db.rsplit("/", 1)[1]
    tested = admin.post("/data/connection/test",
                        json={"connection": source_connection(source_db, databases=[database])})
    assert tested.status_code == 200, tested.text
    assert "failed" not in str(tested.json()["validationResults"]), tested.text


def test_a_path_holding_a_newline_or_a_tab_reaches_the_object_routes(admin: httpx.Client) -> None:
    """Names may hold control characters; the router must hand such a path to the route, not answer itself."""
    for name in ("new%0Aline", "tab%09bed"):
        response = admin.get(f"/data/object/pg/db/s/{name}")
        assert response.status_code == 404
        assert "no data object at path" in response.text, response.text


@pytest.mark.parametrize("key", [".", "..", "new\nline", "tab\tbed"])
def test_a_connection_key_that_no_path_could_reach_is_refused_at_registration(admin: httpx.Client, key: str) -> None:
    response = admin.post("/data/connection", json={"connectionKey": key, "connection": {"technology": "postgresql"}})
    assert response.status_code in (400, 422), response.text
    assert "connectionKey" in response.text, response.text
    assert admin.get("/data/connection").json()["total"] == 0
