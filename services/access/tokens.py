"""API tokens: a random secret shown once, stored only as its SHA-256 hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from catalog.principal_store import insert_global_grants, upsert_user
from catalog.session import Session
from catalog.token_store import insert_token_once, live_token_by_hash, record_token_use, revoke_live_token
from domain.errors import Invalid, NotAuthenticated, NotFound
from models import ApiToken, User
from services.access.permissions import Principal, load_principal
from settings import get_settings

TOKEN_PREFIX = "osk_"
BOOTSTRAP_TOKEN_ENV = "OBJECTSYNC_BOOTSTRAP_TOKEN"
BOOTSTRAP_USER = "admin"
ADMIN_PERMISSIONS = ("APPLICATION_ADMIN", "GOVERNANCE")


class TokenNotFound(NotFound):
    def __init__(self, token_id: int):
        super().__init__(f"no live token with id {token_id}")


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """The only moment the secret exists in clear: handed to the caller, never stored."""

    id: int
    user_id: int
    secret: str


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def generate_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def ensure_user(session: Session, name: str) -> User:
    """The user named `name`, created if new (names are unique)."""
    if not name or name != name.strip() or len(name) > 255:
        raise Invalid("user name must be 1-255 characters without surrounding spaces")
    return upsert_user(session, name)


def grant_global(session: Session, user_id: int, permissions: tuple[str, ...]) -> None:
    insert_global_grants(session, user_id, permissions)


def create_token(
    session: Session, user_name: str, *, admin: bool = False, name: str | None = None, secret: str | None = None
) -> IssuedToken:
    """Issue a token for `user_name` (created if new); `admin` also grants APPLICATION_ADMIN and GOVERNANCE."""
    user = ensure_user(session, user_name)
    if admin:
        grant_global(session, user.id, ADMIN_PERMISSIONS)
    secret = secret or generate_secret()
    token = ApiToken(user_id=user.id, token_hash=hash_token(secret), name=name)
    session.add(token)
    session.flush()
    return IssuedToken(id=token.id, user_id=user.id, secret=secret)


@dataclass(frozen=True, slots=True)
class LiveToken:
    id: int
    user_id: int


def use_token(session: Session, secret: str) -> LiveToken | None:
    """The live token with this secret, its use recorded, or None; compares hashes so timing says nothing about
    secrets."""
    digest = hash_token(secret)
    row = live_token_by_hash(session, digest)
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    record_token_use(session, row.id)
    return LiveToken(id=row.id, user_id=row.user_id)


def verify_token(session: Session, secret: str) -> int | None:
    """The user id a live token belongs to, or None."""
    token = use_token(session, secret)
    return token.user_id if token is not None else None


def authenticate(session: Session, secret: str) -> Principal:
    """The principal a live token acts as; its use is recorded (the caller commits)."""
    user_id = verify_token(session, secret)
    if user_id is None:
        raise NotAuthenticated("invalid or revoked API token")
    return load_principal(session, user_id)


def revoke_token(session: Session, token_id: int) -> None:
    if not revoke_live_token(session, token_id):
        raise TokenNotFound(token_id)


def bootstrap_admin_token(session: Session, secret: str | None = None) -> bool:
    """Make the operator-chosen token (OBJECTSYNC_BOOTSTRAP_TOKEN) an admin token; idempotent.

    Lets a fresh deployment be administered before anyone ran `objectsync token create`.
    """
    secret = secret if secret is not None else get_settings().bootstrap_token
    if not secret:
        return False
    if len(secret) < 16:
        raise Invalid(f"{BOOTSTRAP_TOKEN_ENV} must be at least 16 characters")
    user = ensure_user(session, BOOTSTRAP_USER)
    grant_global(session, user.id, ADMIN_PERMISSIONS)
    insert_token_once(session, user.id, hash_token(secret), "bootstrap")
    return True
