"""Secrets never reach a message: every non-empty secret is replaced wherever it appears."""

from __future__ import annotations

import pytest

from domain.redaction import redact


@pytest.mark.parametrize(("text", "secrets", "expected"), [
    pytest.param("password=hunter2 failed", ["hunter2"], "password=*** failed", id="one-secret"),
    pytest.param("hunter2 hunter2", ["hunter2"], "*** ***", id="every-occurrence"),
    pytest.param("user bob, key s3cr3t", ["s3cr3t", "tok"], "user bob, key ***", id="absent-secret-ignored"),
    pytest.param("port 5432 refused", [None, "", 0], "port 5432 refused", id="empty-secrets-ignored"),
    pytest.param("pin 1234 rejected", [1234], "pin *** rejected", id="non-string-secret"),
    pytest.param("no secret here", [], "no secret here", id="no-secrets"),
])
def test_redact(text: str, secrets: list[object], expected: str) -> None:
    assert redact(text, secrets) == expected
    assert redact(text, iter(secrets)) == expected
