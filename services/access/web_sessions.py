"""Signing in to the console with an API token: a server-side session whose random id is the browser's cookie.

The session acts exactly as its token: the principal is loaded from the token's user on every request, and a
revoked token (or a deleted user) ends every session opened with it. Each session has its own CSRF token,
which every form sends back.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from catalog.session import Session
from catalog.web_session_store import close_session, delete_expired_sessions, live_session, open_session
from domain.errors import NotAuthenticated
from services.access.permissions import Principal, load_principal
from services.access.tokens import use_token

SESSION_LIFETIME = timedelta(hours=12)


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A new session: `session_id` goes into the cookie and exists nowhere else in clear."""

    session_id: str
    csrf_token: str
    principal: Principal


@dataclass(frozen=True, slots=True)
class SessionPrincipal:
    principal: Principal
    csrf_token: str


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def sign_in(session: Session, token_secret: str) -> SignedIn:
    """Open a session for a live API token; NotAuthenticated for a wrong or revoked one. The caller commits."""
    token = use_token(session, token_secret.strip()) if token_secret.strip() else None
    if token is None:
        raise NotAuthenticated("invalid or revoked API token")
    principal = load_principal(session, token.user_id)
    delete_expired_sessions(session)
    session_id, csrf_token = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    open_session(session, session_hash=_hash(session_id), token_id=token.id, csrf_token=csrf_token,
                 expires_at=datetime.now(UTC) + SESSION_LIFETIME)
    return SignedIn(session_id=session_id, csrf_token=csrf_token, principal=principal)


def session_principal(session: Session, session_id: str | None) -> SessionPrincipal:
    """Who the session acts as now; NotAuthenticated once it expired, was closed or its token was revoked."""
    found = live_session(session, _hash(session_id)) if session_id else None
    if found is None:
        raise NotAuthenticated("not signed in, or the session ended: sign in with an API token")
    return SessionPrincipal(principal=load_principal(session, found.user_id), csrf_token=found.csrf_token)


def csrf_matches(expected: str, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(expected.encode(), (sent or "").encode())


def sign_out(session: Session, session_id: str | None) -> None:
    if session_id:
        close_session(session, _hash(session_id))
