"""Signing in with an API token and out again."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from console.support.deps import (
    COOKIE_PATH,
    CSRF_FIELD,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    DbSession,
    FormViewer,
)
from console.support.forms import Form, text
from console.support.rendering import PREFIX, page
from domain.errors import NotAuthenticated
from services.access.web_sessions import SESSION_LIFETIME, csrf_matches, sign_in, sign_out

router = APIRouter()


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _login_page(request: Request, status_code: int = 200, error: str | None = None) -> Response:
    """The form carries a fresh token that must match a cookie set with it (CSRF before there is a session)."""
    token = secrets.token_urlsafe(32)
    response = page(request, "login.html", status_code, login_csrf=token, error=error)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request),
                        path=COOKIE_PATH, max_age=3600)
    return response


@router.get("/login")
def login_form(request: Request) -> Response:
    return _login_page(request)


@router.post("/login")
def login(request: Request, session: DbSession, form: Form) -> Response:
    if not csrf_matches(request.cookies.get(LOGIN_CSRF_COOKIE) or "", text(form, CSRF_FIELD)):
        return _login_page(request, 403, "the sign-in form expired; try again")
    try:
        signed_in = sign_in(session, text(form, "token"))
    except NotAuthenticated as exc:
        return _login_page(request, 401, str(exc))
    response = RedirectResponse(f"{PREFIX}/connections", status_code=303)
    response.set_cookie(SESSION_COOKIE, signed_in.session_id, httponly=True, samesite="strict",
                        secure=_secure(request), path=COOKIE_PATH, max_age=int(SESSION_LIFETIME.total_seconds()))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=COOKIE_PATH)
    return response


@router.post("/logout")
def logout(request: Request, session: DbSession, _: FormViewer) -> Response:
    sign_out(session, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse(f"{PREFIX}/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict",
                           secure=_secure(request))
    return response
