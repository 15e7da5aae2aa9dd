"""One unit of work per request: committed when the endpoint returns and before the response leaves (task
messages included), rolled back when it raises; route modules never commit."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from kombu.exceptions import OperationalError
from sqlalchemy import select

from api.support.deps import DbSession
from api.support.errors import install_error_handlers
from catalog.session import session_factory
from domain.errors import Conflict
from models import Job, User
from services.access.tokens import ensure_user
from services.enqueue import CRAWL_CONNECTION, install_sender
from tests.api.conftest import source_connection
from workers.celery_app import install_enqueue_sender

ROUTES = Path(__file__).resolve().parents[2] / "api" / "routes"


@pytest.fixture
def slow_broker() -> Iterator[list[str]]:
    """The API's task messages, recorded by a sender that takes its time: a response that left before the
    commit (and its messages) finished would reach the client while this list is still empty."""
    sent: list[str] = []

    def send(task: str, args: tuple[Any, ...], options: dict[str, Any]) -> None:
        time.sleep(0.3)
        sent.append(task)

    install_sender(send)
    yield sent
    install_enqueue_sender()


def test_201_and_202_come_after_the_commit_and_its_task_messages(admin: httpx.Client, source_db: str,
                                                                slow_broker: list[str]) -> None:
    created = admin.post("/data/connection", json={"connectionKey": "pg", "connection": source_connection(source_db)})
    assert created.status_code == 201, created.text
    assert slow_broker == [CRAWL_CONNECTION]

    crawl = admin.post("/data/crawl/pg", json={})
    assert crawl.status_code == 202, crawl.text
    assert slow_broker == [CRAWL_CONNECTION, CRAWL_CONNECTION]
    assert admin.get(f"/jobs/{crawl.json()['bulkId']}").status_code == 200


def test_a_broker_refusing_the_message_is_a_503_and_the_job_stays_stored(admin: httpx.Client, source_db: str,
                                                                        slow_broker: list[str]) -> None:
    assert admin.post("/data/connection", json={"connectionKey": "pg",
                                                "connection": source_connection(source_db)}).status_code == 201

    def refuse(task: str, args: tuple[Any, ...], options: dict[str, Any]) -> None:
        raise OperationalError("Error 111 connecting to redis")

    install_sender(refuse)
    crawl = admin.post("/data/crawl/pg", json={})
    assert crawl.status_code == 503, crawl.text
    assert crawl.json()["detail"] == (
        "the task broker (Redis) is unavailable; the request was stored but not dispatched")
    with session_factory()() as session:
        assert [j.status for j in session.scalars(select(Job).order_by(Job.id))] == ["queued", "queued"]


def test_the_request_commits_when_the_endpoint_returns_and_rolls_back_when_it_raises(catalog: None) -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/kept")
    def kept(session: DbSession) -> dict[str, str]:
        ensure_user(session, "kept")
        return {}

    @app.post("/dropped")
    def dropped(session: DbSession) -> dict[str, str]:
        ensure_user(session, "dropped")
        raise Conflict("changed my mind")

    async def call(path: str) -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as client:
            return await client.post(path)

    assert asyncio.run(call("/kept")).status_code == 200
    refused = asyncio.run(call("/dropped"))
    assert refused.status_code == 409 and refused.json()["detail"] == "changed my mind"
    with session_factory()() as session:
        assert session.scalars(select(User.name)).all() == ["kept"]


def test_route_modules_never_commit() -> None:
    committing = [path.name for path in ROUTES.glob("*.py") if ".commit(" in path.read_text()]
    assert committing == []
