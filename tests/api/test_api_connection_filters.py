"""options.filters over HTTP: accepted, validated (422 naming the pattern, nothing stored), returned and honoured."""

from __future__ import annotations

import time
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy import select

from catalog.session import session_scope
from models import Connection, DataObject
from tests.api.conftest import source_connection

pytestmark = pytest.mark.usefixtures("worker", "settled_jobs")

FILTERS = {
    "databases": {"include": [".*"]},
    "schemas": {"exclude": ["staging", "Ärchiv \"alt\""]},
    "tables": {"include": [], "exclude": ["tmp_.*", "Order Items"]},
}
STORED = {
    "databases": {"include": [".*"], "exclude": []},
    "schemas": {"include": [], "exclude": ["staging", "Ärchiv \"alt\""]},
    "tables": {"include": [], "exclude": ["tmp_.*", "Order Items"]},
}


def wait_job(client: httpx.Client, bulk_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/jobs/{bulk_id}").json()
        if job["status"] in ("succeeded", "partial", "failed"):
            return job
        assert time.monotonic() < deadline, f"job {bulk_id} still {job['status']}"
        time.sleep(0.05)


def stored_options(key: str) -> dict[str, Any] | None:
    with session_scope() as session:
        return session.scalar(select(Connection.options).where(Connection.key == key))


def table_names(key: str) -> set[str]:
    with session_scope() as session:
        paths = session.scalars(select(DataObject.path).where(DataObject.path[1] == key,
                                                              DataObject.kind.in_(("table", "view"))))
        return {p[-1] for p in paths}


@pytest.fixture
def source(source_db: str) -> str:
    with psycopg.connect(source_db, autocommit=True) as conn:
        for statement in ("CREATE SCHEMA sales", "CREATE TABLE sales.customers (id int)",
                          "CREATE TABLE sales.tmp_load (id int)", 'CREATE TABLE sales."Order Items" (id int)',
                          'CREATE TABLE sales."ORDER ITEMS" (id int)', "CREATE SCHEMA staging",
                          "CREATE TABLE staging.raw (id int)"):
            conn.execute(statement)
    return source_db


def test_registration_stores_returns_and_honours_filters(admin: httpx.Client, source: str) -> None:
    response = admin.post("/data/connection", json={
        "connectionKey": "pg", "connection": source_connection(source),
        "settings": {"activateNewChildren": True}, "options": {"forceRecursiveCrawl": False, "filters": FILTERS},
    })
    assert response.status_code == 201, response.text
    assert stored_options("pg") == {"forceRecursiveCrawl": False, "filters": STORED}
    assert admin.get("/data/connection/pg").json()["options"] == {"forceRecursiveCrawl": False, "filters": STORED}

    job = wait_job(admin, response.json()["bulkId"])
    assert job["status"] == "succeeded", job
    assert table_names("pg") == {"customers", "ORDER ITEMS"}, "tmp_load, Order Items and staging.raw filtered out"


def test_edit_replaces_or_clears_the_filters_and_keeps_other_options(admin: httpx.Client, register) -> None:
    register("pg", options={"forceRecursiveCrawl": True})
    assert admin.get("/data/connection/pg").json()["options"] == {"forceRecursiveCrawl": True}

    edited = admin.put("/data/connection/pg", json={"options": {"filters": {"tables": {"exclude": ["tmp_.*"]}}}})
    assert edited.status_code == 200, edited.text
    expected = {"forceRecursiveCrawl": True, "filters": {"tables": {"include": [], "exclude": ["tmp_.*"]}}}
    assert edited.json()["options"] == expected and stored_options("pg") == expected

    replaced = admin.put("/data/connection/pg", json={"options": {"filters": {"schemas": {"include": ["sales"]}}}})
    assert replaced.json()["options"]["filters"] == {"schemas": {"include": ["sales"], "exclude": []}}
    untouched = admin.put("/data/connection/pg", json={"options": {"forceRecursiveCrawl": False}})
    assert untouched.json()["options"] == {
        "forceRecursiveCrawl": False, "filters": {"schemas": {"include": ["sales"], "exclude": []}}}

    cleared = admin.put("/data/connection/pg", json={"options": {"filters": {}}})
    assert cleared.status_code == 200 and cleared.json()["options"] == {"forceRecursiveCrawl": False}
    assert stored_options("pg") == {"forceRecursiveCrawl": False}


@pytest.mark.parametrize(("filters", "fragment"), [
    ({"tables": {"exclude": ["tmp_("]}}, "invalid regular expression 'tmp_(' in filters.tables.exclude"),
    ({"schemas": {"include": ["ok", "[z-a]"]}}, "invalid regular expression '[z-a]' in filters.schemas.include"),
    ({"databases": {"exclude": ["*prod"]}}, "invalid regular expression '*prod'"),
    ({"tabels": {"exclude": ["x"]}}, "filters.tabels: Extra inputs are not permitted"),
    ({"tables": {"exclude": ["x"], "only": ["y"]}}, "filters.tables.only: Extra inputs are not permitted"),
    ({"tables": {"exclude": "tmp_.*"}}, "filters.tables.exclude"),
    ({"tables": {"exclude": [3]}}, "filters.tables.exclude"),
])
def test_invalid_filters_are_a_422_naming_the_problem_and_nothing_is_stored(
        admin: httpx.Client, source_db: str, filters: dict[str, Any], fragment: str) -> None:
    created = admin.post("/data/connection", json={
        "connectionKey": "pg", "connection": source_connection(source_db), "options": {"filters": filters}})
    assert created.status_code == 422, created.text
    assert fragment in created.json()["detail"], created.text
    with session_scope() as session:
        assert session.scalar(select(Connection.id)) is None, "no connection stored"

    registered = admin.post("/data/connection", json={
        "connectionKey": "pg", "connection": source_connection(source_db),
        "options": {"filters": {"tables": {"exclude": ["keep_.*"]}}}})
    assert registered.status_code == 201, registered.text
    before = stored_options("pg")
    edited = admin.put("/data/connection/pg", json={"options": {"forceRecursiveCrawl": True, "filters": filters}})
    assert edited.status_code == 422, edited.text
    assert fragment in edited.json()["detail"], edited.text
    assert stored_options("pg") == before, "the whole edit is refused, the stored options are unchanged"
