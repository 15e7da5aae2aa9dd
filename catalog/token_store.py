"""API token rows: finding a live token by its hash, recording its use, revoking it, storing one once."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Row, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from catalog.session import affected_rows
from models import ApiToken


def live_token_by_hash(session: Session, digest: str) -> Row[int, int, str] | None:
    """(id, user_id, token_hash) of the unrevoked token with this hash, or None."""
    return session.execute(
        select(ApiToken.id, ApiToken.user_id, ApiToken.token_hash)
        .where(ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None))
    ).first()


def record_token_use(session: Session, token_id: int) -> None:
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=datetime.now(UTC)))


def revoke_live_token(session: Session, token_id: int) -> bool:
    """Revoke the token if it is live; False when there was no live token with that id."""
    result = session.execute(
        update(ApiToken).where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )
    return bool(affected_rows(result))


def insert_token_once(session: Session, user_id: int, token_hash: str, name: str) -> None:
    """Store a token with this hash unless one already exists."""
    session.execute(
        insert(ApiToken).values(user_id=user_id, token_hash=token_hash, name=name)
        .on_conflict_do_nothing(index_elements=[ApiToken.token_hash])
    )
