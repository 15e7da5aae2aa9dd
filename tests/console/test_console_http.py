"""The console's sign-in, session cookie, CSRF and permission checks at the HTTP level (no browser)."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.api.conftest import Users

pytestmark = pytest.mark.usefixtures("catalog")


def login_form(client: httpx.Client) -> str:
    page = client.get("/console/login")
    assert page.status_code == 200
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match
    return match.group(1)


def sign_in(base_url: str, token: str) -> tuple[httpx.Client, httpx.Response]:
    client = httpx.Client(base_url=base_url, timeout=30)
    response = client.post("/console/login", data={"token": token, "csrf_token": login_form(client)})
    return client, response


def csrf_of(client: httpx.Client) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/console/connections").text)
    assert match
    return match.group(1)


def test_session_cookie_is_httponly_strict_and_scoped(api_url: str, users: Users) -> None:
    client, response = sign_in(api_url, users.token("admin", "APPLICATION_ADMIN", "GOVERNANCE"))
    assert response.status_code == 303 and response.headers["location"] == "/console/connections"
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("objectsync_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie, "plain http: a Secure cookie would never come back"
    assert client.get("/console/connections").status_code == 200


def test_secure_cookie_behind_https(api_url: str, users: Users) -> None:
    """Behind a TLS proxy uvicorn sees https (forwarded headers from a trusted proxy) and the cookie is Secure."""
    from fastapi.testclient import TestClient

    from api.app import create_app

    token = users.token("admin", "APPLICATION_ADMIN", "GOVERNANCE")
    with TestClient(create_app(), base_url="https://console.test") as client:
        form = client.get("/console/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert csrf
        response = client.post("/console/login", data={"token": token, "csrf_token": csrf.group(1)},
                               follow_redirects=False)
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("objectsync_session="))
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_wrong_token_sees_nothing(api_url: str, users: Users) -> None:
    users.token("admin", "APPLICATION_ADMIN", "GOVERNANCE")
    client, response = sign_in(api_url, "osk_not-a-token")
    assert response.status_code == 401 and "invalid or revoked API token" in response.text
    assert "objectsync_session" not in client.cookies
    for path in ("/console/connections", "/console/events", "/console/jobs", "/console/requests",
                 "/console/objects/pg"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/console/login", path


def test_login_without_its_form_token_is_refused(api_url: str, users: Users) -> None:
    token = users.token("admin", "APPLICATION_ADMIN", "GOVERNANCE")
    client = httpx.Client(base_url=api_url, timeout=30)
    response = client.post("/console/login", data={"token": token, "csrf_token": "forged"})
    assert response.status_code == 403 and "objectsync_session" not in client.cookies


def test_every_form_needs_the_session_csrf_token(api_url: str, users: Users) -> None:
    client, _ = sign_in(api_url, users.token("admin", "APPLICATION_ADMIN", "GOVERNANCE"))
    forged = client.post("/console/webhooks", data={"url": "https://example.org/hook", "csrf_token": "forged"})
    missing = client.post("/console/logout")
    assert forged.status_code == 403 and missing.status_code == 403
    assert "did not come from this console" in forged.text
    assert client.get("/console/connections").status_code == 200, "still signed in"
    signed_out = client.post("/console/logout", data={"csrf_token": csrf_of(client)}, follow_redirects=False)
    assert signed_out.status_code == 303
    assert client.get("/console/connections", follow_redirects=False).status_code == 303


def test_revoking_the_token_ends_its_sessions(api_url: str, users: Users) -> None:
    from catalog.session import session_scope
    from services.access.tokens import create_token, grant_global, revoke_token

    with session_scope() as session:
        issued = create_token(session, "admin")
        grant_global(session, issued.user_id, ("APPLICATION_ADMIN",))
    client, _ = sign_in(api_url, issued.secret)
    assert client.get("/console/connections", follow_redirects=False).status_code == 200
    with session_scope() as session:
        revoke_token(session, issued.id)
    assert client.get("/console/connections", follow_redirects=False).status_code == 303


def test_the_api_permissions_apply(api_url: str, users: Users) -> None:
    """A user without global permissions may not open the registration form or the webhooks, as in the API."""
    client, _ = sign_in(api_url, users.token("plain-user"))
    assert client.get("/console/connections").status_code == 200
    assert client.get("/console/connections/new").status_code == 403
    assert client.get("/console/webhooks").status_code == 403
    assert client.get("/console/objects/nowhere").status_code == 403


def test_docs_load_swagger_ui_from_the_package(api_url: str) -> None:
    docs = httpx.get(f"{api_url}/docs", timeout=30)
    assert docs.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
    assert assets and all(a.startswith("/") for a in assets), f"external assets: {assets}"
    for asset in assets:
        assert httpx.get(f"{api_url}{asset}", timeout=30).status_code == 200, asset
    assert httpx.get(f"{api_url}/console/static/vendor/swagger-ui/LICENSE", timeout=30).status_code == 200
