"""Bearer tokens: 401 without or with a bad token, 403 without the permission; tokens are stored hashed."""

from __future__ import annotations

import hashlib

import httpx
import pytest
from sqlalchemy import select

from catalog.session import session_scope
from models import ApiToken
from services.access.tokens import bootstrap_admin_token

ENDPOINTS = [
    ("GET", "/schedule"), ("GET", "/jobs"), ("GET", "/data/connection"), ("GET", "/data/object/pg"),
    ("GET", "/data/connection/pg"),
    ("POST", "/data/connection/test"), ("POST", "/data/connection"), ("PUT", "/data/connection/pg"),
    ("POST", "/data/crawl/pg"), ("PUT", "/data/settings/pg"), ("DELETE", "/data/object/pg"),
    ("GET", "/data/object/pg/history"), ("GET", "/users"), ("POST", "/users"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_every_endpoint_requires_a_token(users, method: str, path: str) -> None:
    anonymous = users.client(None)
    response = anonymous.request(method, path, json={})
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == "Bearer"
    assert "bearer token" in response.json()["detail"]

    forged = users.client("osk_not-a-real-token")
    response = forged.request(method, path, json={})
    assert response.status_code == 401
    assert response.json()["detail"] == "invalid or revoked API token"


def test_tokens_are_stored_as_sha256_and_work_until_revoked(users, admin: httpx.Client) -> None:
    assert admin.post("/users", json={"name": "ann"}).status_code == 201
    issued = admin.post("/users/ann/tokens", json={"name": "laptop"})
    assert issued.status_code == 201
    secret = issued.json()["token"]
    with session_scope() as session:
        stored = session.scalars(select(ApiToken.token_hash)).all()
    assert hashlib.sha256(secret.encode()).hexdigest() in stored
    assert all(secret not in h for h in stored)

    ann = users.client(secret)
    assert ann.get("/schedule").status_code == 200
    assert ann.post("/users", json={"name": "bob"}).status_code == 403
    assert admin.delete(f"/tokens/{issued.json()['id']}").status_code == 204
    assert ann.get("/schedule").status_code == 401
    assert admin.delete(f"/tokens/{issued.json()['id']}").status_code == 404


def test_global_permissions_are_distinguished(users) -> None:
    nobody = users.as_user("nobody")
    app_admin = users.as_user("appadmin", "APPLICATION_ADMIN")
    governance = users.as_user("gov", "GOVERNANCE")

    body = {"connection": {"technology": "postgresql", "hostname": "127.0.0.1", "database": "x"}}
    forbidden = nobody.post("/data/connection/test", json=body)
    assert forbidden.status_code == 403
    assert "APPLICATION_ADMIN" in forbidden.json()["detail"]
    assert app_admin.post("/data/connection/test", json=body).status_code == 200
    assert governance.post("/data/connection/test", json=body).status_code == 200
    assert nobody.get("/users").status_code == 403
    assert app_admin.get("/users").status_code == 200


def test_group_membership_carries_global_permissions(users, admin: httpx.Client) -> None:
    assert admin.post("/users", json={"name": "carol"}).status_code == 201
    response = admin.post("/groups", json={"name": "admins", "members": ["carol"],
                                           "permissions": ["APPLICATION_ADMIN"]})
    assert response.status_code == 201, response.text
    carol = users.client(admin.post("/users/carol/tokens", json={}).json()["token"])
    assert carol.get("/users").status_code == 200
    assert {u["name"]: u["groups"] for u in carol.get("/users").json()["items"]}["carol"] == ["admins"]
    assert admin.post("/groups", json={"name": "admins"}).status_code == 409
    assert admin.post("/groups", json={"name": "x", "members": ["ghost"]}).status_code == 404


def test_bootstrap_token_from_the_environment_is_an_admin_token(users, monkeypatch) -> None:
    secret = "bootstrap-secret-0123456789"
    with session_scope() as session:
        assert bootstrap_admin_token(session, secret)
        assert bootstrap_admin_token(session, secret)  # idempotent
    operator = users.client(secret)
    assert operator.get("/users").status_code == 200
    with session_scope() as session, pytest.raises(ValueError, match="at least 16"):
        bootstrap_admin_token(session, "short")


def test_values_the_catalog_cannot_hold_are_rejected_with_4xx(admin: httpx.Client) -> None:
    nul = admin.post("/users", json={"name": "a\u0000b"})
    assert nul.status_code == 422
    assert "NUL" in nul.json()["detail"]
    assert admin.get("/data/object/pg%00x").status_code == 422
    assert admin.delete(f"/tokens/{2**70}").status_code == 422
    assert admin.get("/jobs", params={"cursor": -1}).status_code == 422
    assert admin.get("/jobs", params={"limit": 0}).status_code == 422
