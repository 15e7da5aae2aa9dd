"""An integration walked through every status of its lifecycle against the local Unity Catalog workspace, which
runs the setup scripts' statements (SQL Statement Execution API) on its metastore: creating, enabled,
recurringValidationError, editing, editError, migrating, migrateError, deleting, deleteError, deleted,
createError and disabled."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select, text, update

from catalog.session import session_factory, session_scope
from models import Integration
from services.access.secrets import decrypt_secret
from services.connections.integrations import revalidate_integrations
from settings import get_settings
from tests.api.conftest import Users
from tests.support.doubles.snowflake_server import SnowflakeServer
from tests.support.doubles.unity_catalog_server import UnityCatalogServer

ALL_STATUSES = {"creating", "enabled", "recurringValidationError", "editing", "editError", "migrating",
                "migrateError", "deleting", "deleteError", "deleted", "createError", "disabled"}


class StatusRecorder:
    """Every status any integration is written with while the requests run, recorded by a trigger in the
    catalog (a poller could miss a status that lasted less than its period on a loaded machine)."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def __enter__(self) -> StatusRecorder:
        with session_scope() as session:
            session.execute(text("CREATE TABLE test_integration_statuses (status text NOT NULL)"))
            session.execute(text("""
                CREATE FUNCTION test_record_integration_status() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN INSERT INTO test_integration_statuses VALUES (NEW.status); RETURN NEW; END $$"""))
            session.execute(text("""
                CREATE TRIGGER test_record_integration_status AFTER INSERT OR UPDATE OF status ON integrations
                FOR EACH ROW EXECUTE FUNCTION test_record_integration_status()"""))
        return self

    def __exit__(self, *exc: object) -> None:
        with session_scope() as session:
            self.seen.update(session.scalars(text("SELECT DISTINCT status FROM test_integration_statuses")))
            session.execute(text("DROP TRIGGER test_record_integration_status ON integrations"))
            session.execute(text("DROP FUNCTION test_record_integration_status()"))
            session.execute(text("DROP TABLE test_integration_statuses"))


@pytest.fixture
def workspace() -> Iterator[UnityCatalogServer]:
    server = UnityCatalogServer(metastore_owner="objectsync@example.com", retry_after=1).start()
    server.create_catalog("sales")
    server.create_schema("sales", "crm")
    yield server
    server.stop()


def request(server: UnityCatalogServer, *, auto: bool = True, token: str | None = None) -> dict[str, Any]:
    return {"type": "Databricks", "autoBootstrap": auto, "config": {
        "workspaceUrl": server.host, "httpPath": "/sql/1.0/warehouses/abc123", "authenticationType": "token",
        "token": token or server.token, "catalog": "objectsync_internal", "catalogs": ["sales"],
        "audit": {"enabled": False}}}


def test_an_integration_reaches_every_status(users: Users, workspace: UnityCatalogServer,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    admin = users.as_user("integrator", "APPLICATION_ADMIN")
    with StatusRecorder() as recorder:
        workspace.throttled = 2  # slow the platform down so the busy statuses can be seen
        created = admin.post("/integrations", json=request(workspace))
        assert created.status_code == 201, created.text
        body = created.json()
        integration_id = body["id"]
        assert body["status"] == "enabled", body
        tests = {t["name"]: t["status"] for t in body["validationResults"]["validationTests"]}
        assert tests["Basic connection test"] == "passed"
        assert tests["Validate automatic bootstrap user grants"] == "passed"
        assert tests["Manual catalog setup"] == "skipped"
        assert workspace.statements[:2] == ["CREATE CATALOG IF NOT EXISTS `objectsync_internal`",
                                            "ALTER CATALOG `objectsync_internal` OWNER TO `objectsync@example.com`"]
        assert workspace.catalogs["objectsync_internal"].owner == "objectsync@example.com"
        assert "BROWSE" in workspace.grants[("catalog", "sales")]["objectsync@example.com"]
        assert workspace.token not in created.text

        good_token, workspace.token = workspace.token, "dapi-revoked"
        assert revalidate_integrations(session_factory()) == {"checked": 1, "failed": 1}
        assert admin.get(f"/integrations/{integration_id}").json()["status"] == "recurringValidationError"
        workspace.token = good_token
        assert revalidate_integrations(session_factory()) == {"checked": 1, "failed": 0}

        workspace.throttled = 2
        broken = admin.put(f"/integrations/{integration_id}", json=request(workspace, auto=False, token="dapi-x"))
        assert broken.json()["status"] == "editError"
        fixed = admin.put(f"/integrations/{integration_id}", json=request(workspace, auto=False))
        assert fixed.json()["status"] == "enabled"
        tests = {t["name"]: t["status"] for t in fixed.json()["validationResults"]["validationTests"]}
        assert tests["Manual catalog setup"] == "passed"  # the catalog the setup created is there

        with session_scope() as session:
            session.execute(update(Integration).values(script_version=0))
        workspace.metastore_owner = "someone-else"  # may no longer run the script
        workspace.throttled = 2
        failed = admin.post(f"/integrations/{integration_id}/migrate", json={"token": workspace.token})
        assert failed.json()["status"] == "migrateError"
        workspace.metastore_owner = "objectsync@example.com"
        migrated = admin.post(f"/integrations/{integration_id}/migrate", json={"token": workspace.token})
        assert migrated.json()["status"] == "enabled"

        workspace.metastore_owner = "someone-else"
        workspace.throttled = 2
        refused = admin.request("DELETE", f"/integrations/{integration_id}", json={"token": workspace.token})
        assert refused.json()["status"] == "deleteError"
        workspace.metastore_owner = "objectsync@example.com"
        deleted = admin.request("DELETE", f"/integrations/{integration_id}", json={"token": workspace.token})
        assert deleted.json()["status"] == "deleted"
        assert "objectsync_internal" not in workspace.catalogs
        assert admin.put(f"/integrations/{integration_id}", json=request(workspace)).status_code == 409

        monkeypatch.setenv("OBJECTSYNC_REMOTE_TIMEOUT_SECONDS", "1")  # give up on the closed port at once
        get_settings.cache_clear()
        unreachable = request(workspace)
        unreachable["config"]["workspaceUrl"] = "http://127.0.0.1:9"
        failed_create = admin.post("/integrations", json=unreachable)
        assert failed_create.json()["status"] == "createError"
        forced = admin.delete(f"/integrations/{failed_create.json()['id']}", params={"force": "true"})
        assert forced.json()["status"] == "disabled"
    monkeypatch.delenv("OBJECTSYNC_REMOTE_TIMEOUT_SECONDS")
    get_settings.cache_clear()
    assert recorder.seen == ALL_STATUSES, ALL_STATUSES - recorder.seen


@pytest.fixture
def snowflake() -> Iterator[SnowflakeServer]:
    server = SnowflakeServer().start()
    server.execute("CREATE DATABASE SALES")
    server.create_schema("SALES", "CRM")
    yield server
    server.stop()


def test_snowflake_automatic_setup_creates_the_system_account(users: Users, snowflake: SnowflakeServer) -> None:
    admin = users.as_user("integrator", "APPLICATION_ADMIN")
    config = {**snowflake.connection_config(), "database": "OBJECTSYNC_DB", "databases": ["SALES"],
              "authenticationType": "userPassword", "username": snowflake.user, "password": snowflake.password,
              "role": "ACCOUNTADMIN"}
    created = admin.post("/integrations", json={"type": "Snowflake", "autoBootstrap": True, "config": config})
    assert created.status_code == 201, created.text
    body = created.json()
    tests = {t["name"]: t["status"] for t in body["validationResults"]["validationTests"]}
    assert body["status"] == "enabled", body
    assert tests["Initial validation: validate access to privileged role"] == "passed"
    assert tests["Validate automatic: database does not exist"] == "passed"
    assert tests["Validate automatic bootstrap user grants"] == "passed"
    assert snowflake.roles == {"IMMUTA_SYSTEM_ACCOUNT_ROLE"}
    assert set(snowflake.users) == {"IMMUTA_SYSTEM_ACCOUNT"}
    assert 'GRANT REFERENCES ON FUTURE TABLES IN DATABASE "SALES" TO ROLE "IMMUTA_SYSTEM_ACCOUNT_ROLE"' \
        in snowflake.access_control
    assert snowflake.password not in created.text and body["config"]["password"] == "<REDACTED>"
    with session_scope() as session:
        stored = decrypt_secret(session.scalar(select(Integration.credentials_encrypted)))
    assert stored["username"] == "IMMUTA_SYSTEM_ACCOUNT" and stored["password"] != snowflake.password
    assert snowflake.users["IMMUTA_SYSTEM_ACCOUNT"] == stored["password"]
    logins = snowflake.logins
    assert revalidate_integrations(session_factory()) == {"checked": 1, "failed": 0}  # as the system account
    assert snowflake.logins > logins

    again = admin.post("/integrations", json={"type": "snowflake", "autoBootstrap": True, "config": config})
    assert again.status_code == 409 and f"(id = {body['id']})" in again.json()["message"]
