"""Users and groups administered by hand: creating them, listing them, issuing a user's API tokens."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from catalog.principal_store import (
    all_users,
    global_permissions_by_user,
    group_named,
    group_names_by_user,
    insert_group,
    user_ids_by_name,
    user_named,
)
from catalog.session import Session
from domain.errors import Conflict, NotFound
from models import User
from services.access.tokens import IssuedToken, create_token, ensure_user, grant_global


class UserNotFound(NotFound):
    def __init__(self, name: str):
        super().__init__(f"no user named {name!r}")


class PrincipalExists(Conflict):
    def __init__(self, kind: str, name: str):
        super().__init__(f"a {kind} named {name!r} already exists")


@dataclass(frozen=True, slots=True)
class UserSummary:
    id: int
    name: str
    permissions: list[str]
    groups: list[str]


@dataclass(frozen=True, slots=True)
class GroupSummary:
    id: int
    name: str
    members: list[str]
    permissions: list[str]


def _summaries(session: Session, users: list[User]) -> list[UserSummary]:
    ids = [u.id for u in users]
    permissions = global_permissions_by_user(session, ids)
    groups = group_names_by_user(session, ids)
    return [UserSummary(u.id, u.name, permissions.get(u.id, []), groups.get(u.id, [])) for u in users]


def create_user(session: Session, name: str, permissions: Collection[str] = ()) -> UserSummary:
    if user_named(session, name) is not None:
        raise PrincipalExists("user", name)
    user = ensure_user(session, name)
    grant_global(session, user.id, tuple(sorted(set(permissions))))
    return _summaries(session, [user])[0]


def list_users(session: Session) -> list[UserSummary]:
    return _summaries(session, all_users(session))


def create_group(session: Session, name: str, members: Collection[str] = (),
                 permissions: Collection[str] = ()) -> GroupSummary:
    """A group of existing users; an unknown member fails the whole request."""
    if group_named(session, name) is not None:
        raise PrincipalExists("group", name)
    member_names = sorted(set(members))
    found = user_ids_by_name(session, member_names)
    missing = [m for m in member_names if m not in found]
    if missing:
        raise UserNotFound(missing[0])
    granted = sorted(set(permissions))
    group = insert_group(session, name, list(found.values()), granted)
    return GroupSummary(group.id, group.name, member_names, granted)


def issue_token(session: Session, user_name: str, *, label: str | None = None) -> IssuedToken:
    """A new token for an existing user (the CLI's `token create` also creates the user)."""
    if user_named(session, user_name) is None:
        raise UserNotFound(user_name)
    return create_token(session, user_name, name=label)
