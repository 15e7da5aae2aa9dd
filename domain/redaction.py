"""Keeping secrets out of messages: drivers and platforms echo connection strings and passwords in errors."""

from __future__ import annotations

from collections.abc import Iterable


def redact(text: str, secrets: Iterable[object]) -> str:
    """The text with every non-empty secret replaced by `***`, so no message ever carries one."""
    for secret in secrets:
        if secret:
            text = text.replace(str(secret), "***")
    return text
