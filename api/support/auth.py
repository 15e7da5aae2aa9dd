"""Token authentication: every endpoint needs `Authorization: Bearer <token>`, or the bare `Authorization:
<token>` as well."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import APIKeyHeader

from api.support.deps import DbSession
from domain.errors import NotAuthenticated
from services.access.permissions import Principal
from services.access.tokens import authenticate

authorization = APIKeyHeader(
    name="Authorization", auto_error=False,
    description="an API token from `objectsync token create`, as `Bearer <token>` or bare",
)


#: What a request without a token is told.
MISSING_TOKEN = "missing bearer token: send 'Authorization: Bearer <token>' (or 'Authorization: <token>')"
#: What a token that is no API token, or a revoked one, is told (the same words as the token service's).
INVALID_TOKEN = "invalid or revoked API token"


def token_of(header: str | None) -> str | None:
    """The token in an Authorization header: after the Bearer scheme (any case), or the whole value."""
    if not header or not header.strip():
        return None
    scheme, _, rest = header.strip().partition(" ")
    if rest and scheme.lower() == "bearer":
        return rest.strip() or None
    return None if rest else scheme


def current_principal(session: DbSession, header: Annotated[str | None, Depends(authorization)]) -> Principal:
    """The token's principal. Its use is committed at once, apart from the request's own work, so the token
    row is not held locked while the endpoint runs, and a failed request still counts as a use."""
    token = token_of(header)
    if token is None:
        raise NotAuthenticated(MISSING_TOKEN)
    principal = authenticate(session, token)
    session.commit()
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
