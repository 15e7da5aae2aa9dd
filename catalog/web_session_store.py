"""Console sessions: open, find (only while unexpired and its token is live), close, and sweep expired ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from models import ApiToken, WebSession


@dataclass(frozen=True, slots=True)
class LiveSession:
    user_id: int
    csrf_token: str


def open_session(session: Session, *, session_hash: str, token_id: int, csrf_token: str,
                 expires_at: datetime) -> None:
    session.add(WebSession(session_hash=session_hash, token_id=token_id, csrf_token=csrf_token,
                           expires_at=expires_at))
    session.flush()


def live_session(session: Session, session_hash: str) -> LiveSession | None:
    """The session, if unexpired and opened with a token that is still live."""
    row = session.execute(
        select(ApiToken.user_id, WebSession.csrf_token).join(ApiToken, ApiToken.id == WebSession.token_id)
        .where(WebSession.session_hash == session_hash, WebSession.expires_at > func.now(),
               ApiToken.revoked_at.is_(None))
    ).first()
    return LiveSession(user_id=row.user_id, csrf_token=row.csrf_token) if row is not None else None


def close_session(session: Session, session_hash: str) -> None:
    session.execute(delete(WebSession).where(WebSession.session_hash == session_hash))


def delete_expired_sessions(session: Session) -> int:
    result = session.execute(delete(WebSession).where(WebSession.expires_at <= func.now()))
    return int(getattr(result, "rowcount", 0) or 0)
