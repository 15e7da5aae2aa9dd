"""Object sync as the connections guide states it: the periodic sync runs for every connection whatever its
isActive, enabling a connection enables its whole hierarchy, GOVERNANCE or APPLICATION_ADMIN manage every
connection's settings, and the data-source endpoints connections replace answer 400 naming the /data endpoint."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy import select, update

from catalog.session import session_scope
from models import Connection, DataObject, Job
from services.crawl.dispatch import dispatch_due_syncs
from tests.api.conftest import Users
from tests.api.test_api_objects import wait_job

pytestmark = pytest.mark.usefixtures("worker", "settled_jobs")


@pytest.fixture
def source(source_db: str) -> str:
    with psycopg.connect(source_db, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA sales")
        conn.execute("CREATE TABLE sales.orders (id int)")
        conn.execute("CREATE TABLE sales.items (id int)")
    return source_db


def effective_statuses() -> dict[str, str]:
    with session_scope() as session:
        rows = session.execute(select(DataObject.kind, DataObject.name, DataObject.effective_status)).all()
    return {f"{kind}:{name}": status for kind, name, status in rows if kind != "connection"}


def test_inactive_connection_is_synced_and_enabling_it_enables_everything(
    admin: httpx.Client, register: Any, source: str
) -> None:
    body = register("pg", settings={"isActive": False}, options={"forceRecursiveCrawl": True})
    assert body["status"] == "enabled"
    wait_job(admin, body["bulkId"])
    assert set(effective_statuses().values()) == {"disabled"}

    with psycopg.connect(source, autocommit=True) as conn:
        conn.execute("CREATE TABLE sales.refunds (id int)")
    with session_scope() as session:
        session.execute(update(Connection).values(next_sync_at=datetime.now(UTC) - timedelta(minutes=1)))
    [bulk_id] = dispatch_due_syncs()
    job = wait_job(admin, bulk_id)
    assert job["kind"] == "scheduled_sync"
    assert "table:refunds" in effective_statuses()

    enabled = admin.put("/data/settings/pg", json={"settings": {"isActive": True}})
    assert enabled.status_code == 200, enabled.text
    wait_job(admin, enabled.json()["bulkId"])
    statuses = effective_statuses()
    assert set(statuses.values()) == {"enabled"}, statuses
    assert {"table:orders", "table:items", "table:refunds", "schema:sales"} <= set(statuses)


def test_application_admins_and_governors_manage_settings(users: Users, register: Any, source: str) -> None:
    register("pg")
    for name, permission in (("appadmin", "APPLICATION_ADMIN"), ("governor", "GOVERNANCE")):
        client = users.as_user(name, permission)
        changed = client.put("/data/settings/pg", json={"settings": {"activateNewChildren": True}})
        assert changed.status_code == 200, changed.text
        assert client.get("/data/connection/pg").status_code == 200
    nobody = users.as_user("nobody")
    assert nobody.put("/data/settings/pg", json={"settings": {"isActive": False}}).status_code == 403


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/schemas"), ("POST", "/dataSource"), ("PUT", "/dataSource/42"), ("POST", "/api/v2/data"),
    ("DELETE", "/dictionary/42"), ("POST", "/subscription/deny/bulk"), ("POST", "/sdd/run"),
])
def test_blocked_legacy_endpoints_point_to_the_data_endpoint(admin: httpx.Client, method: str, path: str) -> None:
    answered = admin.request(method, path)
    assert answered.status_code == 400
    assert answered.json()["message"].endswith("Use the /data endpoint.")
    with session_scope() as session:
        assert session.scalar(select(Job.id).limit(1)) is None
