"""Connection lifecycle over HTTP against a real PostgreSQL source: test, register, read, edit, re-validate."""

from __future__ import annotations

import logging
import uuid
from urllib.parse import quote

import httpx
import psycopg
from sqlalchemy import select, text

from catalog.session import get_engine, session_factory, session_scope
from models import Connection, Job
from services.connections.validation import revalidate_connections
from tests.api.conftest import source_connection

PASSWORD = "s3cret-Pässwörd-7f1c9e"


def raw_catalog_dump() -> str:
    """Every connection and job row as text, to prove a secret is nowhere in the catalog in clear."""
    with get_engine().connect() as conn:
        rows = conn.execute(text("SELECT c::text FROM connections c UNION ALL SELECT j::text FROM jobs j"))
        return "\n".join(r[0] for r in rows)


def test_dry_run_reports_each_test_and_stores_nothing(admin: httpx.Client, source_db: str) -> None:
    response = admin.post("/data/connection/test", json={"connection": source_connection(source_db, password=PASSWORD)})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["passed"] is True
    assert [r["name"] for r in body["validationResults"]["validationTests"]] == [
        "Initial validation: basic connection test", "Initial validation: database access test",
        "Initial validation: metadata privileges test"]
    assert {r["status"] for r in body["validationResults"]["validationTests"]} == {"passed"}
    assert body["validationResults"]["status"] == "passed"
    with session_scope() as session:
        assert session.scalar(select(Connection.id)) is None

    failing = admin.post("/data/connection/test", json={"connection": source_connection(
        source_db, username="no_such_role_x", password=PASSWORD)})
    assert failing.status_code == 200
    results = failing.json()["validationResults"]["validationTests"]
    assert failing.json()["passed"] is False
    assert results[0]["status"] == "failed" and "no_such_role_x" in results[0]["message"]
    assert [r["status"] for r in results[1:]] == ["skipped", "skipped"]
    assert PASSWORD not in failing.text


def test_malformed_connections_get_clear_4xx(admin: httpx.Client, source_db: str) -> None:
    cases = [
        ({"connection": {"hostname": "h"}}, "connection.technology"),
        ({"connection": {"technology": "postgresql", "port": "abc"}}, "connection.port"),
        ({"connection": {"technology": "postgresql", "port": 70000}}, "connection.port"),
        ({"connection": {"technology": "postgresql", "extra": {"nested": 1}}}, "must be a string, number, boolean"),
        ({"connection": "nope"}, "connection"),
        ({"connection": {"technology": "postgresql"}, "unknown": 1}, "unknown"),
    ]
    for body, fragment in cases:
        response = admin.post("/data/connection/test", json=body)
        assert response.status_code == 422, (body, response.text)
        assert fragment in response.json()["detail"], response.text
    unknown = admin.post("/data/connection/test", json={"connection": {"technology": "oracle9"}})
    assert unknown.status_code == 422
    assert "unknown technology 'oracle9'" in unknown.json()["detail"]
    not_json = admin.post("/data/connection/test", content=b"{not json", headers={"content-type": "application/json"})
    assert not_json.status_code == 422
    secret_in_bad_body = admin.post("/data/connection", json={
        "connectionKey": "pg", "connection": {**source_connection(source_db, password=PASSWORD), "port": "x"}})
    assert secret_in_bad_body.status_code == 422
    assert PASSWORD not in secret_in_bad_body.text


def test_registration_stores_encrypted_credentials_and_never_returns_them(admin: httpx.Client, source_db: str) -> None:
    response = admin.post("/data/connection", json={
        "connectionKey": "Sales DB ünï", "connection": source_connection(source_db, password=PASSWORD),
        "settings": {"isActive": True, "activateNewChildren": True}, "options": {"forceRecursiveCrawl": True},
        "cron": "15 3 * * *",
    })
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["objectPath"] == ["Sales DB ünï"] and body["status"] == "enabled"
    uuid.UUID(body["bulkId"])
    with session_scope() as session:
        job = session.scalar(select(Job).where(Job.bulk_id == uuid.UUID(body["bulkId"])))
        assert job is not None and job.scope_path == ["Sales DB ünï"] and job.requested_by == "admin"

    read = admin.get("/data/connection/" + quote("Sales DB ünï"))
    assert read.status_code == 200, read.text
    view = read.json()
    assert view["status"] == "enabled" and view["cron"] == "15 3 * * *"
    assert view["options"] == {"forceRecursiveCrawl": True}
    assert "password" not in view["connection"] and "username" not in view["connection"]
    assert view["credentialsSet"] == ["password", "username"]
    assert view["connection"]["authenticationType"] == "userPassword"
    assert PASSWORD not in read.text and PASSWORD not in response.text
    assert PASSWORD not in raw_catalog_dump()
    assert PASSWORD.encode() not in raw_catalog_dump().encode()

    duplicate = admin.post("/data/connection", json={
        "connectionKey": "Sales DB ünï", "connection": source_connection(source_db)})
    assert duplicate.status_code == 409
    assert "already exists" in duplicate.json()["detail"]
    assert admin.get("/data/connection/nope").status_code == 404


def test_failed_validation_keeps_the_connection_in_create_error_until_fixed(admin: httpx.Client,
                                                                            source_db: str) -> None:
    response = admin.post("/data/connection", json={
        "connectionKey": "pg", "connection": source_connection(source_db, username="ghost_role", password=PASSWORD)})
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["status"] == 400 and body["connection"]["status"] == "createError" and "bulkId" not in body
    assert "createError" in body["detail"]
    assert body["connection"]["validationResults"]["validationTests"][0]["status"] == "failed"
    assert PASSWORD not in response.text
    with session_scope() as session:
        assert session.scalar(select(Job.id)) is None

    fixed = admin.put("/data/connection/pg", json={"connection": {"username": "postgres"}})
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["status"] == "enabled"
    assert {r["status"] for r in fixed.json()["validationResults"]["validationTests"]} == {"passed"}


def test_a_failed_edit_keeps_the_working_configuration(admin: httpx.Client, register, source_db: str) -> None:
    register("pg")
    broken = admin.put("/data/connection/pg", json={"connection": {"username": "ghost_role", "port": 5432}})
    assert broken.status_code == 400
    assert broken.json()["connection"]["status"] == "editError"
    assert broken.json()["connection"]["validationResults"]["validationTests"][0]["status"] == "failed"
    with session_factory()() as session:
        from catalog.connection_store import get_connection
        from services.crawl.connector_pool import connector_for

        with connector_for(get_connection(session, "pg")) as connector:
            assert {r.status for r in connector.validate()} == {"passed"}
    technology = admin.put("/data/connection/pg", json={"connection": {"technology": "mysql"}})
    assert technology.status_code == 422
    recovered = admin.put("/data/connection/pg", json={"connection": {"hostname": "127.0.0.1"}})
    assert recovered.json()["status"] == "enabled"


def test_cron_is_validated_and_listed_in_the_schedule(admin: httpx.Client, register) -> None:
    register("pg")
    invalid = admin.put("/data/connection/pg", json={"cron": "every day at noon"})
    assert invalid.status_code == 422
    assert "not a valid 5-field cron expression: 'every day at noon'" in invalid.json()["detail"]
    assert admin.put("/data/connection/pg", json={"cron": "61 * * * *"}).status_code == 422
    assert admin.post("/data/connection", json={"connectionKey": "other", "cron": "* * *",
                                                "connection": {"technology": "postgresql"}}).status_code == 422

    updated = admin.put("/data/connection/pg", json={"cron": "30  2 * * 1"})
    assert updated.status_code == 200 and updated.json()["cron"] == "30 2 * * 1"
    schedule = admin.get("/schedule").json()["items"]
    assert [(s["connectionKey"], s["cron"], s["status"]) for s in schedule] == [("pg", "30 2 * * 1", "enabled")]
    assert schedule[0]["nextSyncAt"].startswith("20")
    assert " 02:30:00" in schedule[0]["nextSyncAt"].replace("T", " ")


def test_periodic_revalidation_sets_and_clears_recurring_validation_error(admin: httpx.Client, source_db: str) -> None:
    role = f"os_role_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(source_db, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{role}" LOGIN')
    try:
        response = admin.post("/data/connection", json={
            "connectionKey": "pg", "connection": source_connection(source_db, username=role)})
        assert response.status_code == 201, response.text
        with psycopg.connect(source_db, autocommit=True) as conn:
            conn.execute(f'ALTER ROLE "{role}" NOLOGIN')
        counts = revalidate_connections(session_factory())
        assert counts == {"checked": 1, "failed": 1, "recovered": 0}
        view = admin.get("/data/connection/pg").json()
        assert view["status"] == "recurringValidationError"
        assert view["validationResults"]["validationTests"][0]["status"] == "failed"

        with psycopg.connect(source_db, autocommit=True) as conn:
            conn.execute(f'ALTER ROLE "{role}" LOGIN')
        assert revalidate_connections(session_factory()) == {"checked": 1, "failed": 0, "recovered": 1}
        assert admin.get("/data/connection/pg").json()["status"] == "enabled"
    finally:
        with psycopg.connect(source_db, autocommit=True) as conn:
            conn.execute(f'DROP OWNED BY "{role}"')
            conn.execute(f'DROP ROLE "{role}"')


def test_credentials_never_reach_the_logs(admin: httpx.Client, source_db: str, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    admin.post("/data/connection", json={
        "connectionKey": "pg", "connection": source_connection(source_db, username="ghost_role", password=PASSWORD)})
    admin.put("/data/connection/pg", json={"connection": {"password": PASSWORD, "port": "bad"}})
    admin.put("/data/connection/pg", json={"connection": {"password": PASSWORD + "2"}})
    admin.post("/data/connection/test", json={"connection": source_connection(source_db, password=PASSWORD)})
    assert caplog.records, "expected the server to log something"
    assert not [r for r in caplog.records if PASSWORD in r.getMessage()]
