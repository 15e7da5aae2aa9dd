"""Secrets never reach a message: masked by field (and long stand-alone tokens by value), never by substring."""

from __future__ import annotations

import pytest

from domain.redaction import redact

LONG = "Xk9-long-secret-value-42"


@pytest.mark.parametrize(("text", "secrets", "expected"), [
    pytest.param("password=hunter2 failed", ["hunter2"], "password=*** failed", id="password-field"),
    pytest.param("PWD=abc;UID=bob", [], "PWD=***;UID=bob", id="odbc-field"),
    pytest.param('{"token": "abc def"} x', [], '{"token": ***} x', id="quoted-json-field"),
    pytest.param("client_secret='s' scope", [], "client_secret=*** scope", id="client-secret"),
    pytest.param("postgresql://bob:p@db:5432/app refused", [], "postgresql://bob:***@db:5432/app refused",
                 id="url-password"),
    pytest.param("connection to server at 127.0.0.1 port 5999 failed: is the server accepting TCP/IP", ["p"],
                 "connection to server at 127.0.0.1 port 5999 failed: is the server accepting TCP/IP",
                 id="a-short-password-never-garbles-or-reveals"),
    pytest.param("password authentication failed for user bob", ["password"],
                 "password authentication failed for user bob", id="a-word-password-is-not-searched-for"),
    pytest.param(f"bad key {LONG} given", [LONG], "bad key *** given", id="long-stand-alone-secret"),
    pytest.param(f"bad key {LONG}x given", [LONG], f"bad key {LONG}x given", id="only-whole-tokens"),
    pytest.param("port 5432 refused", [None, "", 0], "port 5432 refused", id="empty-secrets-ignored"),
    pytest.param("no secret here", [], "no secret here", id="no-secrets"),
])
def test_redact(text: str, secrets: list[object], expected: str) -> None:
    assert redact(text, secrets) == expected
    assert redact(text, iter(secrets)) == expected
