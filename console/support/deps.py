"""Per-request plumbing of the console: the unit of work, who is signed in, CSRF checks, object paths in URLs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from catalog.session import Session, unit_of_work
from domain.errors import Forbidden
from domain.paths import parse_path
from services.access.permissions import Principal
from services.access.web_sessions import csrf_matches, session_principal

SESSION_COOKIE = "objectsync_session"
LOGIN_CSRF_COOKIE = "objectsync_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
COOKIE_PATH = "/console"


#: One catalog session per request (catalog.session.unit_of_work), committed when the page handler returns and
#: rolled back when it raises, before the response leaves (so a redirect to a job page finds the job and its task
#: sent).
DbSession = Annotated[Session, Depends(unit_of_work, scope="function")]


class CsrfRejected(Forbidden):
    def __init__(self) -> None:
        super().__init__("the form expired or did not come from this console; reload the page and try again")


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in principal with the session's CSRF token (rendered into every form)."""

    principal: Principal
    csrf_token: str

    @property
    def is_admin(self) -> bool:
        return self.principal.is_application_admin or self.principal.is_governance


def current_viewer(request: Request, session: DbSession) -> Viewer:
    """The session's principal, re-read on every request; the session check is committed apart from the page's
    work. Unsafe methods must carry the session's CSRF token (form field or header)."""
    found = session_principal(session, request.cookies.get(SESSION_COOKIE))
    session.commit()
    viewer = Viewer(principal=found.principal, csrf_token=found.csrf_token)
    request.state.viewer = viewer
    return viewer


CurrentViewer = Annotated[Viewer, Depends(current_viewer)]


async def require_csrf(request: Request, viewer: CurrentViewer) -> Viewer:
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not csrf_matches(viewer.csrf_token, sent):
        raise CsrfRejected()
    return viewer


#: For handlers of POST forms: signed in, and the form carries the session's CSRF token.
FormViewer = Annotated[Viewer, Depends(require_csrf)]


def path_after(request: Request, marker: str) -> tuple[str, ...]:
    """The object path after `marker` exactly as sent (percent-encoding intact, so '%2F' stays in a name)."""
    raw = request.scope.get("raw_path")
    text = raw.decode("utf-8", errors="replace") if raw else request.url.path
    _, found, rest = text.partition(marker)
    return parse_path(rest if found else request.path_params.get("objectPath", ""))
