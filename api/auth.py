"""Bearer-token authentication: every endpoint needs `Authorization: Bearer <token>`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api.deps import DbSession
from api.errors import NotAuthenticated
from services.access.permissions import Principal, load_principal
from services.access.tokens import verify_token

bearer = HTTPBearer(auto_error=False, description="an API token from `objectsync token create`")


def current_principal(
    session: DbSession, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Principal:
    if credentials is None or not credentials.credentials:
        raise NotAuthenticated("missing bearer token: send 'Authorization: Bearer <token>'")
    user_id = verify_token(session, credentials.credentials)
    if user_id is None:
        raise NotAuthenticated("invalid or revoked API token")
    principal = load_principal(session, user_id)
    session.commit()  # records last_used_at
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
__all__ = ["CurrentPrincipal", "Session", "current_principal"]
