"""Crawl, jobs, objects, history, settings propagation and deletion over HTTP with a real worker."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

import httpx
import psycopg
import pytest
from sqlalchemy import func, select

from catalog.session import session_scope
from models import ChangeEvent, Connection, DataObject, Job

pytestmark = pytest.mark.usefixtures("worker", "settled_jobs")


def url_path(*segments: str) -> str:
    return "/".join(quote(s, safe="") for s in segments)


def wait_job(client: httpx.Client, bulk_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(f"/jobs/{bulk_id}")
        assert response.status_code == 200, response.text
        job = response.json()
        if job["status"] in ("succeeded", "partial", "failed"):
            return job
        assert time.monotonic() < deadline, f"job {bulk_id} still {job['status']}"
        time.sleep(0.05)


@pytest.fixture
def source(source_db: str) -> str:
    with psycopg.connect(source_db, autocommit=True) as conn:
        conn.execute('CREATE SCHEMA "Sales"')
        conn.execute('CREATE TABLE "Sales"."Order Items" (id integer NOT NULL, "Näme" text)')
        conn.execute('CREATE TABLE "Sales"."a/b%c" (id integer)')
        conn.execute("CREATE TABLE public.t1 (id integer)")
        conn.execute("COMMENT ON TABLE public.t1 IS 'plain table'")
    return source_db


@pytest.fixture
def crawled(admin: httpx.Client, register, source: str) -> str:
    """The source registered as 'pg' with new children active, after its first crawl; returns the database name."""
    body = register("pg", settings={"isActive": True, "activateNewChildren": True})
    job = wait_job(admin, body["bulkId"])
    assert job["status"] == "succeeded", job
    return source.rsplit("/", 1)[1]


def test_first_crawl_and_object_views(admin: httpx.Client, crawled: str) -> None:
    root = admin.get("/data/object/pg").json()
    assert root["kind"] == "connection" and root["effectiveStatus"] == "enabled"
    assert root["settings"] == {"isActive": "enabled", "activateNewChildren": "enabled", "dataOwners": []}
    assert [c["name"] for c in root["children"]["items"]] == [crawled]

    schema = admin.get(f"/data/object/{url_path('pg', crawled, 'Sales')}").json()
    assert schema["children"]["total"] == 2
    assert [c["name"] for c in schema["children"]["items"]] == ["Order Items", "a/b%c"]
    first = admin.get(f"/data/object/{url_path('pg', crawled, 'Sales')}", params={"limit": 1}).json()["children"]
    assert [c["name"] for c in first["items"]] == ["Order Items"] and first["nextCursor"]
    page = admin.get(f"/data/object/{url_path('pg', crawled, 'Sales')}",
                     params={"limit": 1, "cursor": first["nextCursor"]}).json()
    assert [c["name"] for c in page["children"]["items"]] == ["a/b%c"] and page["children"]["total"] == 2
    assert page["children"]["nextCursor"] is None

    table = admin.get(f"/data/object/{url_path('pg', crawled, 'Sales', 'Order Items')}")
    assert table.status_code == 200, table.text
    view = table.json()
    assert view["kind"] == "table" and view["effectiveStatus"] == "enabled"
    assert view["dataSourceName"] == f"pg.{crawled}.Sales.Order Items"
    assert [(c["name"], c["dataType"], c["nullable"]) for c in view["dictionary"]] == [
        ("id", "integer", False), ("Näme", "text", True)]
    assert view["children"]["total"] == 0
    assert view["tags"] == [{"name": f"Immuta Connections.PostgreSQL.pg.Sales.{crawled}", "system": True}]
    slashed = admin.get(f"/data/object/{url_path('pg', crawled, 'Sales', 'a/b%c')}")
    assert slashed.status_code == 200 and slashed.json()["objectPath"] == ["pg", crawled, "Sales", "a/b%c"]

    history = admin.get(f"/data/object/{url_path('pg', crawled, 'Sales', 'Order Items')}/history").json()
    assert [e["type"] for e in history["items"]] == ["objectsync.object.created"]
    assert history["items"][0]["data"]["bulkId"] is not None

    assert admin.get(f"/data/object/{url_path('pg', crawled, 'nope')}").status_code == 404
    too_deep = admin.get("/data/object/pg/a/b/c/d")
    assert too_deep.status_code == 422 and "1 to 4 segments" in too_deep.json()["detail"]
    assert admin.get("/data/object/pg", params={"limit": 0}).status_code == 422
    unknown = admin.get("/data/object/pg", params={"size": 1})
    assert unknown.status_code == 422 and "unknown query parameter(s): size" in unknown.json()["detail"]


def test_manual_crawl_finds_new_tables_and_reports_the_job(admin: httpx.Client, crawled: str, source: str) -> None:
    with psycopg.connect(source, autocommit=True) as conn:
        conn.execute('CREATE TABLE "Sales"."Returns" (id integer)')
    dry = admin.post(f"/data/crawl/{url_path('pg', crawled, 'Sales')}", json={"dryRun": True})
    assert dry.status_code == 202, dry.text
    dry_job = wait_job(admin, dry.json()["bulkId"])
    assert dry_job["status"] == "succeeded" and dry_job["options"]["dryRun"] is True
    assert admin.get(f"/data/object/{url_path('pg', crawled, 'Sales', 'Returns')}").status_code == 404

    real = admin.post(f"/data/crawl/{url_path('pg', crawled, 'Sales')}", json={"forceRecursiveCrawl": True})
    job = wait_job(admin, real.json()["bulkId"])
    assert job["status"] == "succeeded" and job["options"]["includeDisabled"] is True
    assert job["subtasks"]["total"] == 1 and job["requestedBy"] == "admin"
    assert admin.get(f"/data/object/{url_path('pg', crawled, 'Sales', 'Returns')}").status_code == 200
    assert admin.post("/data/crawl/missing").status_code == 404
    assert admin.get("/jobs/not-a-uuid").status_code == 422
    missing = admin.get("/jobs/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["status"] == 404 and missing.json()["instance"] == missing.url.path
    assert admin.get("/jobs").json()["total"] == 3
    assert real.headers["location"] == f"/jobs/{real.json()['bulkId']}"


def data_source_events(path: list[str]) -> list[str]:
    with session_scope() as session:
        return list(session.scalars(
            select(ChangeEvent.type).where(ChangeEvent.object_path == path, ChangeEvent.type.like("data_source.%"))
            .order_by(ChangeEvent.id)))


def test_status_changes_propagate_as_a_background_job(admin: httpx.Client, crawled: str) -> None:
    schema = ["pg", crawled, "Sales"]
    table = [*schema, "Order Items"]
    response = admin.put(f"/data/settings/{url_path(*schema)}", json={"settings": {"isActive": False}})
    assert response.status_code == 200, response.text
    assert response.json()["settings"]["isActive"] == "disabled"
    job = wait_job(admin, response.json()["bulkId"])
    assert job["kind"] == "settings" and job["status"] == "succeeded"
    assert job["summary"] == {"objectsChanged": 3, "dataSourcesEnabled": 0, "dataSourcesDisabled": 2}
    with session_scope() as session:
        job_id = select(Job.id).where(Job.bulk_id == job["bulkId"]).scalar_subquery()
        [finished] = session.execute(select(ChangeEvent.object_path, ChangeEvent.payload).where(
            ChangeEvent.type == "job.finished", ChangeEvent.job_id == job_id)).all()
    assert finished.object_path == schema
    assert finished.payload == {"bulkId": job["bulkId"], "jobKind": "settings", "status": "succeeded",
                                "summary": job["summary"]}
    assert admin.get(f"/data/object/{url_path(*table)}").json()["effectiveStatus"] == "disabled"
    assert admin.get(f"/data/object/{url_path(*table)}").json()["dataSourceName"] is None
    assert admin.get(f"/data/object/{url_path(*table)}").json()["tags"] == []
    assert data_source_events(table) == ["data_source.disabled"]
    assert admin.get(f"/data/object/{url_path('pg', crawled, 'public', 't1')}").json()["effectiveStatus"] == "enabled"

    unchanged = admin.put(f"/data/settings/{url_path(*schema)}", json={"settings": {"isActive": "disabled"}})
    assert unchanged.json()["bulkId"] is None

    table_on = admin.put(f"/data/settings/{url_path(*table)}", json={"settings": {"isActive": "enabled"}})
    wait_job(admin, table_on.json()["bulkId"])
    back = admin.put(f"/data/settings/{url_path(*schema)}", json={"settings": {"isActive": "inherit"}})
    assert wait_job(admin, back.json()["bulkId"])["summary"]["dataSourcesEnabled"] == 1
    assert data_source_events(table) == ["data_source.disabled", "data_source.enabled"]
    assert admin.get(f"/data/object/{url_path(*table)}").json()["tags"] == [
        {"name": f"Immuta Connections.PostgreSQL.pg.Sales.{crawled}", "system": True}]
    history = admin.get(f"/data/object/{url_path(*table)}/history").json()
    assert [e["type"] for e in history["items"]] == [  # newest first; the table-scoped settings job's end too
        "objectsync.job.finished", "objectsync.data_source.enabled", "objectsync.data_source.disabled",
        "objectsync.object.created"]

    inherit_root = admin.put("/data/settings/pg", json={"settings": {"isActive": "inherit"}})
    assert inherit_root.status_code == 422 and "no parent" in inherit_root.json()["detail"]
    off = admin.put("/data/settings/pg", json={"settings": {"isActive": False, "activateNewChildren": False}})
    wait_job(admin, off.json()["bulkId"])
    assert admin.get("/data/connection/pg").json()["status"] == "enabled"  # isActive is not the lifecycle
    assert admin.get("/data/object/pg").json()["settings"]["activateNewChildren"] == "disabled"
    bad = admin.put("/data/settings/pg", json={"settings": {"isActive": "sometimes"}})
    assert bad.status_code == 422 and "settings.isActive" in bad.json()["detail"]


def test_data_owners_see_crawl_and_delete_only_their_subtree(users, admin: httpx.Client, crawled: str) -> None:
    sales = ["pg", crawled, "Sales"]
    owned_table = [*sales, "Order Items"]
    assert admin.post("/users", json={"name": "olga"}).status_code == 201
    users.add_to_group("gus", "stewards")
    set_owners = admin.put(f"/data/settings/{url_path(*sales)}",
                           json={"settings": {"dataOwners": ["olga", {"type": "group", "name": "stewards"}]}})
    assert set_owners.status_code == 200, set_owners.text
    assert set_owners.json()["bulkId"] is None
    assert set_owners.json()["settings"]["dataOwners"] == [
        {"type": "user", "name": "olga"}, {"type": "group", "name": "stewards"}]
    unknown = admin.put(f"/data/settings/{url_path(*sales)}", json={"settings": {"dataOwners": ["ghost"]}})
    assert unknown.status_code == 422 and "no user named 'ghost'" in unknown.json()["detail"]

    with session_scope() as session:
        from services.access.permissions import data_owners_of

        table_id = session.scalar(select(DataObject.id).where(DataObject.path == owned_table))
        owner_names = set(data_owners_of(session, table_id))
        assert len(owner_names) == 2

    olga = users.client(users.token("olga"))
    gus = users.client(users.token("gus"))
    for owner in (olga, gus):
        assert owner.get(f"/data/object/{url_path(*owned_table)}").status_code == 200
        assert owner.get(f"/data/object/{url_path(*owned_table)}/history").status_code == 200
        assert owner.get(f"/data/object/{url_path('pg', crawled, 'public', 't1')}").status_code == 403
        assert owner.get(f"/data/object/{url_path('pg', crawled, 'public', 't1')}/history").status_code == 403
        assert owner.post(f"/data/crawl/{url_path('pg', crawled, 'public')}").status_code == 403
        assert owner.delete(f"/data/object/{url_path('pg', crawled, 'public', 't1')}").status_code == 403
        assert owner.put(f"/data/settings/{url_path(*sales)}",
                         json={"settings": {"isActive": False}}).status_code == 403
        assert owner.put("/data/connection/pg", json={"cron": "0 0 * * *"}).status_code == 403
        assert owner.get("/data/connection/pg").status_code == 200  # a data owner anywhere in it may read it
        assert "password" not in owner.get("/data/connection/pg").json()["connection"]
        root = owner.get("/data/object/pg").json()
        assert [c["name"] for c in root["children"]["items"]] == [crawled]
        database = owner.get(f"/data/object/{url_path('pg', crawled)}").json()
        assert [c["name"] for c in database["children"]["items"]] == ["Sales"]

    crawl = olga.post(f"/data/crawl/{url_path(*sales)}")
    assert crawl.status_code == 202
    assert wait_job(olga, crawl.json()["bulkId"])["status"] == "succeeded"
    first_job = admin.get("/jobs").json()["items"][-1]["bulkId"]
    assert olga.get(f"/jobs/{first_job}").status_code == 404
    assert [j["requestedBy"] for j in olga.get("/jobs").json()["items"]] == ["olga"]
    assert [s["connectionKey"] for s in olga.get("/schedule").json()["items"]] == ["pg"]
    assert users.as_user("stranger").get("/schedule").json()["items"] == []

    deleted = gus.delete(f"/data/object/{url_path(*owned_table)}")
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["objectsDeleted"] == 1
    assert admin.get(f"/data/object/{url_path(*owned_table)}").status_code == 404
    history = gus.get(f"/data/object/{url_path(*owned_table)}/history")
    assert history.status_code == 200
    assert [e["type"] for e in history.json()["items"]] == ["objectsync.object.deleted", "objectsync.object.created"]
    assert history.json()["items"][0]["data"]["requestedBy"] == "gus"
    assert admin.get(f"/data/object/{url_path(*sales, 'never')}/history").status_code == 404


def test_deleting_the_connection_path_deregisters_it_and_keeps_the_platform(
    admin: httpx.Client, crawled: str, source: str
) -> None:
    with session_scope() as session:
        objects_before = session.scalar(select(func.count()).select_from(DataObject))
    assert objects_before == 7
    response = admin.delete("/data/object/pg")
    assert response.status_code == 200, response.text
    assert response.json() == {"objectPath": ["pg"], "objectsDeleted": 7}
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(DataObject)) == 0
        assert session.scalar(select(Connection.id)) is None
        deleted_events = session.scalars(
            select(ChangeEvent.object_path).where(ChangeEvent.type == "object.deleted").order_by(ChangeEvent.id)).all()
    assert sorted(map(tuple, deleted_events)) == sorted([
        ("pg",), ("pg", crawled, "Sales", "Order Items"), ("pg", crawled, "Sales", "a/b%c"),
        ("pg", crawled, "public", "t1")])
    assert admin.get("/data/connection/pg").status_code == 404
    assert admin.delete("/data/object/pg").status_code == 404
    with psycopg.connect(source) as conn:
        assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname IN ('Sales', 'public')").fetchone()[0] == 3
    again = admin.post("/data/connection", json={"connectionKey": "pg", "connection": {
        "technology": "postgresql", "hostname": "127.0.0.1", "database": source.rsplit("/", 1)[1],
        "username": "postgres"}})
    assert again.status_code == 201


def test_the_worker_runs_the_periodic_revalidation(admin: httpx.Client, source: str) -> None:
    from beat_schedule import BEAT_SCHEDULE
    from tasks.validation import revalidate_connections

    assert BEAT_SCHEDULE["revalidate-connections"]["task"] == revalidate_connections.name
    role = f"os_reval_{time.monotonic_ns()}"
    with psycopg.connect(source, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{role}" LOGIN')
    try:
        created = admin.post("/data/connection", json={"connectionKey": "pg", "connection": {
            "technology": "postgresql", "hostname": "127.0.0.1", "database": source.rsplit("/", 1)[1],
            "username": role}})
        assert created.status_code == 201, created.text
        with psycopg.connect(source, autocommit=True) as conn:
            conn.execute(f'ALTER ROLE "{role}" NOLOGIN')
        revalidate_connections.delay()
        deadline = time.monotonic() + 30
        while admin.get("/data/connection/pg").json()["status"] != "recurringValidationError":
            assert time.monotonic() < deadline, "the worker did not re-validate the connection"
            time.sleep(0.1)
    finally:
        with psycopg.connect(source, autocommit=True) as conn:
            conn.execute(f'DROP OWNED BY "{role}"')
            conn.execute(f'DROP ROLE "{role}"')
