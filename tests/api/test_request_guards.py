"""Checks before any route reads a request: raw dot segments (400), a body without a live token (401, unread),
a body over the cap (413, never buffered)."""

from __future__ import annotations

import select
import socket
from collections.abc import Iterable
from urllib.parse import urlparse

import httpx
import pytest

from tests.api.conftest import Users

pytestmark = pytest.mark.integration


def raw_request(api_url: str, head: str, body_chunks: Iterable[bytes] = ()) -> tuple[int, bytes]:
    """Send a request exactly as written (no client normalises its path) and return (status, body)."""
    url = urlparse(api_url)
    with socket.create_connection((url.hostname, url.port), timeout=30) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n")
        response = b""
        try:
            for chunk in body_chunks:
                if select.select([sock], [], [], 0)[0]:
                    break  # the server answered before the whole body went out, as it should
                sock.sendall(chunk)
            while data := sock.recv(65536):  # every request says "Connection: close"
                response += data
        except (BrokenPipeError, ConnectionResetError):
            if not response:
                response = sock.recv(65536)
    status_line, _, rest = response.partition(b"\r\n")
    return int(status_line.split()[1]), rest


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
