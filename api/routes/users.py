"""Users, groups and API tokens (APPLICATION_ADMIN); a token's secret is returned once, at creation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from api.schemas.admin import GroupCreate, GroupView, TokenCreate, TokenIssued, UserCreate, UserView
from api.schemas.common import Page
from api.support.auth import CurrentPrincipal
from api.support.deps import DbSession
from api.support.error_responses import ERROR_RESPONSES
from api.support.paging import PageParams
from services.access import principals
from services.access.permissions import APPLICATION_ADMIN, require_global
from services.access.tokens import revoke_token

router = APIRouter(tags=["users and tokens"])


def user_view(user: principals.UserSummary) -> UserView:
    return UserView(id=user.id, name=user.name, permissions=user.permissions, groups=user.groups)


@router.post("/users", response_model=UserView, status_code=status.HTTP_201_CREATED, responses=ERROR_RESPONSES)
def create_user(body: UserCreate, principal: CurrentPrincipal, session: DbSession) -> UserView:
    require_global(principal, APPLICATION_ADMIN)
    return user_view(principals.create_user(session, body.name, body.permissions))


@router.get("/users", response_model=Page[UserView], responses=ERROR_RESPONSES)
def list_users(principal: CurrentPrincipal, session: DbSession, paging: PageParams) -> Page[UserView]:
    require_global(principal, APPLICATION_ADMIN)
    return paging.page_of_all([user_view(u) for u in principals.list_users(session)])


@router.post("/groups", response_model=GroupView, status_code=status.HTTP_201_CREATED, responses=ERROR_RESPONSES)
def create_group(body: GroupCreate, principal: CurrentPrincipal, session: DbSession) -> GroupView:
    require_global(principal, APPLICATION_ADMIN)
    group = principals.create_group(session, body.name, body.members, body.permissions)
    return GroupView(id=group.id, name=group.name, members=group.members, permissions=group.permissions)


@router.post("/users/{userName}/tokens", response_model=TokenIssued, status_code=status.HTTP_201_CREATED,
             responses=ERROR_RESPONSES)
def issue_token(userName: str, body: TokenCreate, principal: CurrentPrincipal, session: DbSession) -> TokenIssued:
    require_global(principal, APPLICATION_ADMIN)
    issued = principals.issue_token(session, userName, label=body.name)
    return TokenIssued(id=issued.id, user=userName, token=issued.secret)


@router.delete("/tokens/{tokenId}", status_code=status.HTTP_204_NO_CONTENT, responses=ERROR_RESPONSES)
def revoke_api_token(tokenId: Annotated[int, Path(ge=1, le=2**63 - 1)], principal: CurrentPrincipal,
                     session: DbSession) -> None:
    require_global(principal, APPLICATION_ADMIN)
    revoke_token(session, tokenId)
