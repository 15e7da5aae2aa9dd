"""Idempotency keys of POST requests: the same key and request within 24 hours gets the first answer again; the
same key with another request is refused.

A key belongs to one caller (a fingerprint of its credentials), so two callers never see each other's answers.
The key is claimed before the request runs, so a repeat that arrives while the first still runs is refused
instead of running twice. An answer of 5xx is not kept: the key is released and the request may be retried.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

from catalog import idempotency_store as store
from catalog.session import session_scope
from domain.errors import Conflict, Invalid

KEPT_FOR = timedelta(hours=24)
MAX_KEY_LENGTH = 255


class KeyReusedForOtherRequest(Invalid):
    def __init__(self) -> None:
        super().__init__("this Idempotency-Key was already used for a different request; use a new key")


class KeyInUse(Conflict):
    def __init__(self) -> None:
        super().__init__("a request with this Idempotency-Key is still being processed; retry shortly")


class InvalidKey(Invalid):
    def __init__(self) -> None:
        super().__init__(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} visible ASCII characters")


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    status_code: int
    headers: dict[str, str]
    body: bytes


class Claim(Enum):
    NEW = "new"


def check_key(key: str) -> None:
    if not 0 < len(key) <= MAX_KEY_LENGTH or not all(" " < ch <= "~" for ch in key):
        raise InvalidKey()


def begin(caller: str, key: str, fingerprint: str) -> StoredAnswer | Claim:
    """The stored answer to repeat, or Claim.NEW when this request is the first with the key and must run."""
    check_key(key)
    with session_scope() as session:
        if store.claim(session, caller=caller, key=key, fingerprint=fingerprint,
                       expires_at=datetime.now(UTC) + KEPT_FOR):
            return Claim.NEW
        found = store.find(session, caller=caller, key=key)
    if found is None:  # expired and swept between the two statements: a rare race, the caller may retry
        raise KeyInUse()
    if found.fingerprint != fingerprint:
        raise KeyReusedForOtherRequest()
    if found.status_code is None:
        raise KeyInUse()
    return StoredAnswer(found.status_code, dict(found.headers or {}), found.body or b"")


def finish(caller: str, key: str, answer: StoredAnswer) -> None:
    """Keep the answer for repeats, or release the key when the answer was a server error."""
    with session_scope() as session:
        if answer.status_code >= 500:
            store.release(session, caller=caller, key=key)
        else:
            store.record_answer(session, caller=caller, key=key, status_code=answer.status_code,
                                headers=answer.headers, body=answer.body)


def abandon(caller: str, key: str) -> None:
    with session_scope() as session:
        store.release(session, caller=caller, key=key)
