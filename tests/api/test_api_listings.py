"""GET /data/connection and GET /jobs: the one page envelope, their filters, and what data owners see of them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from catalog.session import session_scope
from models import Job
from services.enqueue import install_sender
from tests.api.conftest import Users, source_connection
from workers.celery_app import install_enqueue_sender


@pytest.fixture
def no_worker_sends() -> Iterator[None]:
    """Crawl requests stay queued jobs: what is listed here must not change under the test."""
    install_sender(lambda *_: None)
    yield
    install_enqueue_sender()


def register(admin: httpx.Client, key: str, source_db: str, **body: Any) -> str:
    response = admin.post("/data/connection", json={"connectionKey": key, "connection": source_connection(source_db),
                                                    **body})
    assert response.status_code == 201, response.text
    return response.json()["bulkId"]


def test_connections_and_jobs_are_listed_with_their_filters(users: Users, admin: httpx.Client, source_db: str,
                                                           no_worker_sends: None) -> None:
    pg_crawl = register(admin, "pg", source_db, cron="15 3 * * *")
    other_crawl = register(admin, "other", source_db)
    with session_scope() as session:
        session.execute(update(Job).where(Job.bulk_id == other_crawl).values(status="failed"))

    listed = admin.get("/data/connection")
    assert listed.status_code == 200, listed.text
    assert (listed.json()["total"], listed.json()["nextCursor"]) == (2, None)
    assert [(c["connectionKey"], c["status"], c["cron"], c["dataSources"]) for c in listed.json()["items"]] == [
        ("other", "enabled", "0 1 * * *", 0), ("pg", "enabled", "15 3 * * *", 0)]
    first = admin.get("/data/connection", params={"limit": 1}).json()
    assert ([c["connectionKey"] for c in first["items"]], first["total"]) == (["other"], 2)
    second = admin.get("/data/connection", params={"limit": 1, "cursor": first["nextCursor"]}).json()
    assert ([c["connectionKey"] for c in second["items"]], second["nextCursor"]) == (["pg"], None)
    assert admin.get("/data/connection", params={"technology": "snowflake"}).json()["items"] == []
    both = admin.get("/data/connection", params={"technology": "postgresql", "status": "enabled"}).json()
    assert [c["connectionKey"] for c in both["items"]] == ["other", "pg"]
    assert admin.get("/data/connection", params={"status": "editError"}).json()["total"] == 0
    assert admin.get("/data/connection", params={"cursor": "x"}).status_code == 422

    def bulk_ids(client: httpx.Client, **params: Any) -> list[str]:
        response = client.get("/jobs", params=params)
        assert response.status_code == 200, response.text
        return [j["bulkId"] for j in response.json()["items"]]

    assert bulk_ids(admin) == [other_crawl, pg_crawl]
    assert bulk_ids(admin, status=["failed", "partial"]) == [other_crawl]
    assert bulk_ids(admin, connection="pg") == [pg_crawl]
    assert bulk_ids(admin, connection="pg", status="failed") == []
    assert bulk_ids(admin, kind="crawl") == [other_crawl, pg_crawl]
    assert bulk_ids(admin, kind="settings") == []
    assert admin.get("/jobs", params={"status": "exploded"}).status_code == 422
    assert admin.get(f"/jobs/{pg_crawl}").json()["bulkId"] == pg_crawl

    users.grant_owner(["pg"], user="olga")
    olga = users.as_user("olga")
    assert [c["connectionKey"] for c in olga.get("/data/connection").json()["items"]] == ["pg"]
    assert bulk_ids(olga) == [pg_crawl]
    assert olga.get(f"/jobs/{other_crawl}").status_code == 404
    assert users.as_user("stranger").get("/data/connection").json()["items"] == []
