"""Idempotency keys: claim one for a request, record its answer, release it, sweep expired ones."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from models import IdempotentRequest


def claim(session: Session, *, caller: str, key: str, fingerprint: str, expires_at: datetime) -> bool:
    """Take the key for a new request; False if an unexpired request already holds it."""
    delete_expired(session)
    inserted = session.execute(
        insert(IdempotentRequest)
        .values(caller=caller, key=key, fingerprint=fingerprint, expires_at=expires_at)
        .on_conflict_do_nothing().returning(IdempotentRequest.key)
    ).first()
    return inserted is not None


def find(session: Session, *, caller: str, key: str) -> IdempotentRequest | None:
    return session.scalar(select(IdempotentRequest).where(IdempotentRequest.caller == caller,
                                                          IdempotentRequest.key == key))


def record_answer(session: Session, *, caller: str, key: str, status_code: int, headers: dict[str, str],
                  body: bytes) -> None:
    session.execute(update(IdempotentRequest)
                    .where(IdempotentRequest.caller == caller, IdempotentRequest.key == key)
                    .values(status_code=status_code, headers=headers, body=body))


def release(session: Session, *, caller: str, key: str) -> None:
    session.execute(delete(IdempotentRequest).where(IdempotentRequest.caller == caller, IdempotentRequest.key == key))


def delete_expired(session: Session) -> int:
    result = session.execute(delete(IdempotentRequest).where(IdempotentRequest.expires_at <= func.now()))
    return int(getattr(result, "rowcount", 0) or 0)
