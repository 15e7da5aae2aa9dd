"""`Idempotency-Key` on POST: the same key and request get the first answer again, another request with the key
is refused, and keys belong to their caller."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from catalog.session import session_scope
from models import Job
from services.enqueue import install_sender
from tests.api.conftest import Users
from workers.celery_app import install_enqueue_sender


@pytest.fixture
def no_worker_sends() -> Iterator[None]:
    """Crawl requests stay queued jobs, so the test counts exactly the jobs its requests made."""
    install_sender(lambda *_: None)
    yield
    install_enqueue_sender()


def job_count() -> int:
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(Job)) or 0


def test_a_repeated_crawl_request_returns_the_same_job(admin: httpx.Client, users: Users, no_worker_sends: None,
                                                       register: Callable[..., dict[str, Any]]) -> None:
    register("pg")
    before = job_count()
    first = admin.post("/data/crawl/pg", json={"dryRun": True}, headers={"Idempotency-Key": "crawl-1"})
    assert first.status_code == 202, first.text
    assert first.headers["location"] == f"/jobs/{first.json()['bulkId']}"
    again = admin.post("/data/crawl/pg", json={"dryRun": True}, headers={"Idempotency-Key": "crawl-1"})
    assert (again.status_code, again.json(), again.headers["location"]) == (
        202, first.json(), first.headers["location"])
    assert again.headers["idempotent-replayed"] == "true"
    assert job_count() == before + 1

    other_body = admin.post("/data/crawl/pg", json={"dryRun": False}, headers={"Idempotency-Key": "crawl-1"})
    assert other_body.status_code == 422
    assert other_body.headers["content-type"] == "application/problem+json"
    assert "different request" in other_body.json()["detail"]
    other_path = admin.post("/data/crawl/pg/nope", json={"dryRun": True}, headers={"Idempotency-Key": "crawl-1"})
    assert other_path.status_code == 422

    someone_else = users.as_user("olga", "APPLICATION_ADMIN")
    theirs = someone_else.post("/data/crawl/pg", json={"dryRun": True}, headers={"Idempotency-Key": "crawl-1"})
    assert theirs.status_code == 202 and theirs.json()["bulkId"] != first.json()["bulkId"]
    unkeyed = [admin.post("/data/crawl/pg", json={"dryRun": True}).json()["bulkId"] for _ in range(2)]
    assert len(set(unkeyed)) == 2 and job_count() == before + 4

    assert admin.post("/data/crawl/pg", headers={"Idempotency-Key": "x" * 256}).status_code == 422


def test_errors_are_repeated_too_but_not_server_errors(admin: httpx.Client, no_worker_sends: None) -> None:
    missing = admin.post("/data/crawl/missing", headers={"Idempotency-Key": "missing-1"})
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    repeated = admin.post("/data/crawl/missing", headers={"Idempotency-Key": "missing-1"})
    assert (repeated.status_code, repeated.json()) == (404, missing.json())
    assert repeated.headers["idempotent-replayed"] == "true"


def test_every_post_keeps_its_answer_for_24_hours_then_runs_again(admin: httpx.Client) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import text

    key = {"Idempotency-Key": "user-1"}
    first = admin.post("/users", json={"name": "ivy"}, headers=key)
    assert first.status_code == 201, first.text
    again = admin.post("/users", json={"name": "ivy"}, headers=key)
    assert (again.status_code, again.json(), again.headers["idempotent-replayed"]) == (201, first.json(), "true")
    with session_scope() as session:
        expires = session.execute(text("SELECT expires_at FROM idempotent_requests WHERE key = 'user-1'")).scalar_one()
        assert abs(expires - (datetime.now(UTC) + timedelta(hours=24))) < timedelta(minutes=1)
        session.execute(text("UPDATE idempotent_requests SET expires_at = now() - interval '1 second' "
                             "WHERE key = 'user-1'"))
    expired = admin.post("/users", json={"name": "ivy"}, headers=key)
    assert expired.status_code == 409, "after 24 hours the key is free: the request runs (and ivy exists now)"
    assert "idempotent-replayed" not in expired.headers
