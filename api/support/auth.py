"""Bearer-token authentication: every endpoint needs `Authorization: Bearer <token>`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.support.deps import DbSession
from domain.errors import NotAuthenticated
from services.access.permissions import Principal
from services.access.tokens import authenticate

bearer = HTTPBearer(auto_error=False, description="an API token from `objectsync token create`")


def current_principal(
    session: DbSession, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Principal:
    """The token's principal. Its use is committed at once, apart from the request's own work, so the token
    row is not held locked while the endpoint runs, and a failed request still counts as a use."""
    if credentials is None or not credentials.credentials:
        raise NotAuthenticated("missing bearer token: send 'Authorization: Bearer <token>'")
    principal = authenticate(session, credentials.credentials)
    session.commit()
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
