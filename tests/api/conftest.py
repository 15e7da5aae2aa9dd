"""The API served by a real uvicorn on a free port, clients holding real bearer tokens, a real source database."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
import uvicorn
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from catalog.session import session_scope
from models import DataObject, Grant, Group, GroupMember, Job
from services.access.tokens import create_token, ensure_user, grant_global


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def api_url(catalog_url: str, redis_env: str) -> Iterator[str]:
    from api.app import create_app

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, name="api-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the API server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def source_connection(source_url: str, **overrides: Any) -> dict[str, Any]:
    """The `connection` block of a registration for a PostgreSQL source URL."""
    url = urlparse(source_url)
    fields = {
        "technology": "postgresql", "hostname": url.hostname or "127.0.0.1", "port": url.port or 5432,
        "database": url.path.lstrip("/"), "authenticationType": "userPassword",
        "username": url.username or "postgres", "password": url.password or "",
    }
    fields.update(overrides)
    return fields


class Users:
    """Creates users with permissions and hands out HTTP clients acting as them."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.clients: list[httpx.Client] = []

    def client(self, token: str | None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        client = httpx.Client(base_url=self.base_url, headers=headers, timeout=60)
        self.clients.append(client)
        return client

    def token(self, name: str, *permissions: str) -> str:
        with session_scope() as session:
            issued = create_token(session, name)
            grant_global(session, issued.user_id, permissions)
        return issued.secret

    def as_user(self, name: str, *permissions: str) -> httpx.Client:
        return self.client(self.token(name, *permissions))

    def grant_owner(self, path: list[str], *, user: str | None = None, group: str | None = None) -> None:
        """DATA_OWNER on the object at `path`, for a user or a group (both created if new)."""
        with session_scope() as session:
            object_id = session.scalar(select(DataObject.id).where(DataObject.path == path))
            assert object_id is not None, f"no object at {path}"
            values: dict[str, Any] = {"permission": "DATA_OWNER", "object_id": object_id}
            if user:
                values.update(user_id=ensure_user(session, user).id, group_id=None)
            else:
                session.execute(insert(Group).values(name=group).on_conflict_do_nothing())
                values.update(user_id=None, group_id=session.scalar(select(Group.id).where(Group.name == group)))
            session.execute(insert(Grant).values(**values).on_conflict_do_nothing())

    def add_to_group(self, user: str, group: str) -> None:
        with session_scope() as session:
            session.execute(insert(Group).values(name=group).on_conflict_do_nothing())
            group_id = session.scalar(select(Group.id).where(Group.name == group))
            session.execute(insert(GroupMember).values(group_id=group_id, user_id=ensure_user(session, user).id)
                            .on_conflict_do_nothing())

    def close(self) -> None:
        for client in self.clients:
            client.close()


@pytest.fixture
def users(api_url: str, catalog: None) -> Iterator[Users]:
    registry = Users(api_url)
    yield registry
    registry.close()


@pytest.fixture
def settled_jobs(catalog: None) -> Iterator[None]:
    """Let the worker finish every job a test started before the catalog is emptied under it."""
    yield
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with session_scope() as session:
            if not session.scalar(select(func.count()).select_from(Job).where(Job.status.in_(("queued", "running")))):
                return
        time.sleep(0.1)


@pytest.fixture
def admin(users: Users) -> httpx.Client:
    """APPLICATION_ADMIN and GOVERNANCE."""
    return users.as_user("admin", "APPLICATION_ADMIN", "GOVERNANCE")


@pytest.fixture
def register(admin: httpx.Client, source_db: str) -> Callable[..., dict[str, Any]]:
    """Register the scratch source database under a key through the API; returns the response body."""

    def _register(key: str = "pg", **body: Any) -> dict[str, Any]:
        payload = {"connectionKey": key, "connection": source_connection(source_db), **body}
        response = admin.post("/data/connection", json=payload)
        assert response.status_code == 201, response.text
        return response.json()

    return _register
