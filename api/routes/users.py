"""Users, groups and API tokens (APPLICATION_ADMIN); a token's secret is returned once, at creation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from api.auth import CurrentPrincipal
from api.deps import DbSession
from api.errors import Conflict, NotFound
from api.routes.connections import ERRORS
from api.schemas.admin import GroupCreate, GroupView, TokenCreate, TokenIssued, UserCreate, UserView
from models import Grant, Group, GroupMember, User
from services.access.permissions import APPLICATION_ADMIN, require_global
from services.access.tokens import create_token, grant_global, revoke_token

router = APIRouter(tags=["users and tokens"])


def _user_views(session: Session, users: list[User]) -> list[UserView]:
    ids = [u.id for u in users]
    permissions: dict[int, list[str]] = {}
    for user_id, permission in session.execute(
        select(Grant.user_id, Grant.permission)
        .where(Grant.user_id.in_(ids), Grant.object_id.is_(None)).order_by(Grant.permission)
    ):
        permissions.setdefault(user_id, []).append(permission)
    groups: dict[int, list[str]] = {}
    for user_id, name in session.execute(
        select(GroupMember.user_id, Group.name).join(Group, Group.id == GroupMember.group_id)
        .where(GroupMember.user_id.in_(ids)).order_by(Group.name)
    ):
        groups.setdefault(user_id, []).append(name)
    return [UserView(id=u.id, name=u.name, permissions=permissions.get(u.id, []), groups=groups.get(u.id, []))
            for u in users]


def _user_named(session: Session, name: str) -> User:
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise NotFound(f"no user named {name!r}")
    return user


@router.post("/users", response_model=UserView, status_code=status.HTTP_201_CREATED, responses=ERRORS)
def create_user(body: UserCreate, principal: CurrentPrincipal, session: DbSession) -> UserView:
    require_global(principal, APPLICATION_ADMIN)
    if session.scalar(select(User.id).where(User.name == body.name)) is not None:
        raise Conflict(f"a user named {body.name!r} already exists")
    user = User(name=body.name)
    session.add(user)
    session.flush()
    grant_global(session, user.id, tuple(body.permissions))
    session.commit()
    return _user_views(session, [user])[0]


@router.get("/users", response_model=list[UserView], responses=ERRORS)
def list_users(principal: CurrentPrincipal, session: DbSession) -> list[UserView]:
    require_global(principal, APPLICATION_ADMIN)
    return _user_views(session, list(session.scalars(select(User).order_by(User.name))))


@router.post("/groups", response_model=GroupView, status_code=status.HTTP_201_CREATED, responses=ERRORS)
def create_group(body: GroupCreate, principal: CurrentPrincipal, session: DbSession) -> GroupView:
    require_global(principal, APPLICATION_ADMIN)
    if session.scalar(select(Group.id).where(Group.name == body.name)) is not None:
        raise Conflict(f"a group named {body.name!r} already exists")
    members = sorted(set(body.members))
    found = dict(session.execute(select(User.name, User.id).where(User.name.in_(members))).tuples().all())
    missing = [m for m in members if m not in found]
    if missing:
        raise NotFound(f"no user named {missing[0]!r}")
    group = Group(name=body.name)
    session.add(group)
    session.flush()
    if found:
        session.execute(insert(GroupMember).values([{"group_id": group.id, "user_id": uid} for uid in found.values()]))
    for permission in sorted(set(body.permissions)):
        session.execute(insert(Grant).values(permission=permission, group_id=group.id, user_id=None, object_id=None)
                        .on_conflict_do_nothing())
    session.commit()
    return GroupView(id=group.id, name=group.name, members=members, permissions=sorted(set(body.permissions)))


@router.post("/users/{userName}/tokens", response_model=TokenIssued, status_code=status.HTTP_201_CREATED,
             responses=ERRORS)
def issue_token(userName: str, body: TokenCreate, principal: CurrentPrincipal, session: DbSession) -> TokenIssued:
    require_global(principal, APPLICATION_ADMIN)
    user = _user_named(session, userName)
    issued = create_token(session, user.name, name=body.name)
    session.commit()
    return TokenIssued(id=issued.id, user=user.name, token=issued.secret)


@router.delete("/tokens/{tokenId}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS)
def revoke(tokenId: Annotated[int, Path(ge=1, le=2**63 - 1)], principal: CurrentPrincipal, session: DbSession) -> None:
    require_global(principal, APPLICATION_ADMIN)
    if not revoke_token(session, tokenId):
        raise NotFound(f"no live token with id {tokenId}")
    session.commit()
