"""The request payloads the product's reference documents print (tests/fixtures/documented), sent unchanged, are
answered as the documents describe: validation objects with each technology's test names, integrations with
numeric ids, statuses and scripts, the bare `Authorization: <token>` header and YAML bodies."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlglot
import yaml
from sqlalchemy import select, update

from catalog.session import session_scope
from models import Connection, DataObject, Integration
from services.access.secrets import decrypt_secret
from settings import get_settings
from tests.api.conftest import Users
from tests.api.test_api_objects import wait_job
from tests.support.doubles.unity_catalog_server import UnityCatalogServer

FIXTURES = Path(__file__).parent.parent / "fixtures" / "documented"
DATABRICKS_TESTS = ["Basic connection test", "Metastore validation", "Catalog access test", "Metadata privileges test",
                    "Manual catalog setup"]
SYNAPSE_TESTS = ["Initial validation: connect", "Initial validation: database access test",
                 "Validate Immuta system user can manage database", "Initial validation: delimiters test",
                 "Validate automatic: impersonation role does not exist", "Validate automatic bootstrap user grants"]
SECRETS = ("abc1234", "dapi-service-principal-pat", "client-secret-abc123")


def payload(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


def test_every_documented_payload_is_a_fixture() -> None:
    listed = {line.split("`")[1] for line in (FIXTURES / "README.md").read_text().splitlines()
              if line.startswith("- `")}
    assert listed == {path.name for path in FIXTURES.glob("*.json")}
    assert len(listed) == 16


@pytest.fixture
def quick_remote_timeout(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Hosts in the documents do not resolve; give up on them in a second, not the default half minute."""
    monkeypatch.setenv("OBJECTSYNC_REMOTE_TIMEOUT_SECONDS", "1")
    get_settings.cache_clear()
    yield
    monkeypatch.delenv("OBJECTSYNC_REMOTE_TIMEOUT_SECONDS")
    get_settings.cache_clear()


@pytest.fixture
def bare(users: Users) -> httpx.Client:
    """An administrator sending its token as the documents do: `Authorization: <token>`, no scheme."""
    client = httpx.Client(base_url=users.base_url, timeout=120,
                          headers={"Authorization": users.token("doc-admin", "APPLICATION_ADMIN", "GOVERNANCE")})
    users.clients.append(client)
    return client


def validation_tests(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(t["name"], t["status"]) for t in body["validationResults"]["validationTests"]]


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


@pytest.mark.usefixtures("quick_remote_timeout")
@pytest.mark.parametrize("name", ["databricks_connection_token.json", "databricks_connection_oauth.json"])
def test_databricks_connection_payload_is_validated_with_the_databricks_tests(bare: httpx.Client, name: str) -> None:
    tested = bare.post("/data/connection/test", json=payload(name))
    assert tested.status_code == 200, tested.text
    assert [n for n, _ in validation_tests(tested.json())] == DATABRICKS_TESTS
    assert tested.json()["validationResults"]["status"] == "failed"

    created = bare.post("/data/connection", json=payload(name))
    assert created.status_code == 400, created.text  # the workspace does not resolve: stored as createError
    problem = created.json()  # an RFC 9457 problem; the connection as stored is its `connection` member
    body = problem["connection"]
    assert problem["status"] == 400 and created.headers["content-type"] == "application/problem+json"
    assert body["status"] == "createError" and body["validationResults"]["status"] == "failed"
    assert validation_tests(body)[0] == ("Basic connection test", "failed")
    assert [n for n, _ in validation_tests(body)] == DATABRICKS_TESTS
    assert_no_secret(created.text)
    shown = bare.get("/data/connection/databricks-uc")
    assert shown.status_code == 200
    native = shown.json()["nativeIntegration"]
    assert native["type"] == "Databricks" and native["status"] == "createError" and isinstance(native["id"], int)
    assert native["config"]["catalog"] == "immuta"
    assert_no_secret(shown.text)
    with session_scope() as session:
        connection = session.scalar(select(Connection).where(Connection.key == "databricks-uc"))
        assert connection is not None
        assert connection.technology == "databricks" and connection.config["host"].startswith("www.example")
        assert connection.config["internalCatalog"] == "immuta"
        integration = session.scalar(select(Integration).where(Integration.connection_id == connection.id))
        assert integration is not None
        assert set(decrypt_secret(integration.credentials_encrypted)) & {"token", "clientSecret"}
        assert not set(integration.config) & {"token", "clientSecret"}


@pytest.fixture
def workspace() -> Iterator[UnityCatalogServer]:
    server = UnityCatalogServer(metastore_owner="objectsync@example.com").start()  # the principal is its admin
    server.create_catalog("sales")
    server.create_schema("sales", "crm")
    server.create_catalog("immuta")
    server.create_schema("immuta", "internal")
    yield server
    server.stop()


def reachable(body: dict[str, Any], server: UnityCatalogServer) -> dict[str, Any]:
    """The documented payload with the workspace placeholders filled with the local workspace's values."""
    text = json.dumps(body).replace("www.example-workspace.cloud.databricks.com", server.host)
    text = text.replace("dapi-service-principal-pat", server.token)
    text = text.replace("immuta-service-principal", server.client_id).replace("client-secret-abc123",
                                                                               server.client_secret)
    return json.loads(text.replace("login.example-identity.com/oidc", f"{server.host}/oidc"))


@pytest.mark.usefixtures("worker", "settled_jobs")
@pytest.mark.parametrize("name", ["databricks_connection_token.json", "databricks_connection_oauth.json"])
def test_databricks_connection_registers_and_keeps_its_integration_catalog_out(
    bare: httpx.Client, workspace: UnityCatalogServer, name: str
) -> None:
    created = bare.post("/data/connection", json=reachable(payload(name), workspace))
    assert created.status_code == 201, created.text
    assert validation_tests(created.json()) == [(n, "passed") for n in DATABRICKS_TESTS]
    assert created.json()["validationResults"]["status"] == "passed"
    if "oauth" in name:
        assert workspace.issued_tokens, "the OAuth M2M client credentials were exchanged for a token"
    wait_job(bare, created.json()["bulkId"])
    with session_scope() as session:
        paths = session.scalars(select(DataObject.path).where(DataObject.kind == "database")).all()
    assert ["databricks-uc", "sales"] in paths and ["databricks-uc", "immuta"] not in paths
    native = bare.get("/data/connection/databricks-uc").json()["nativeIntegration"]
    assert native["status"] == "enabled"
    listed = bare.get("/integrations").json()
    assert [item["id"] for item in listed["items"]] == [native["id"]]


@pytest.mark.usefixtures("quick_remote_timeout")
def test_synapse_integration_lifecycle_as_documented(bare: httpx.Client) -> None:
    for name in ("synapse_initial_create_script.json", "synapse_initial_create_script_impersonation.json"):
        script = bare.post("/integrations/scripts/initial-create", json=payload(name))
        assert script.status_code == 200, script.text
        assert "CREATE USER [taylor@synapse.com] FROM EXTERNAL PROVIDER" in script.json()["script"]
    for name in ("synapse_create_script.json", "synapse_create_script_impersonation.json"):
        script = bare.post("/integrations/scripts/create", json=payload(name))
        assert script.status_code == 200, script.text
        text = script.json()["script"]
        assert "GRANT VIEW DEFINITION TO [taylor@synapse.com]" in text and "[sample_schema]" in text
        assert_no_secret(text)
        for statement in filter(None, (s.strip() for s in text.split(";\n"))):
            assert sqlglot.parse_one(statement, read="tsql") is not None

    created = bare.post("/integrations", json=payload("synapse_create_automatic.json"))
    assert created.status_code == 201, created.text
    body = created.json()
    assert isinstance(body["id"], int) and body["status"] == "createError"
    assert [n for n, _ in validation_tests(body)] == SYNAPSE_TESTS
    assert validation_tests(body)[0] == ("Initial validation: connect", "failed")
    assert_no_secret(created.text)
    integration_id = body["id"]

    again = bare.post("/integrations", json=payload("synapse_create_automatic_impersonation.json"))
    assert again.status_code == 409
    assert again.json()["message"] == (f"Azure Synapse Analytics integration already exists on host "
                                       f"organization.azure.com (id = {integration_id})")

    shown = bare.get(f"/integrations/{integration_id}").json()
    assert shown["type"] == "Azure Synapse Analytics" and shown["autoBootstrap"] is True
    assert shown["config"]["host"] == "organization.azure.com" and "password" not in shown["config"]
    listed = bare.get("/integrations").json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == integration_id and listed["nextCursor"] is None

    edited = bare.put(f"/integrations/{integration_id}", json=payload("synapse_update_automatic.json"))
    assert edited.status_code == 200 and edited.json()["status"] == "editError"
    edit_script = bare.post(f"/integrations/{integration_id}/scripts/edit", json=payload("synapse_edit_script.json"))
    assert edit_script.status_code == 200 and "GRANT VIEW DEFINITION" in edit_script.json()["script"]

    with session_scope() as session:
        session.execute(update(Integration).where(Integration.id == integration_id).values(status="editing"))
    busy = bare.put(f"/integrations/{integration_id}", json=payload("synapse_update_manual.json"))
    assert busy.status_code == 409
    assert busy.json()["message"] == f"Unable to edit integration with ID {integration_id} in current state editing."
    with session_scope() as session:
        session.execute(update(Integration).where(Integration.id == integration_id).values(status="editError"))

    deleted = bare.request("DELETE", f"/integrations/{integration_id}", json=payload("synapse_delete.json"))
    assert deleted.status_code == 200 and deleted.json()["status"] == "deleteError"  # the cleanup cannot connect
    forced = bare.delete(f"/integrations/{integration_id}", params={"force": "true"})
    assert forced.status_code == 200 and forced.json()["status"] == "disabled"

    manual = bare.post("/integrations", json=payload("synapse_create_manual.json"))
    assert manual.status_code == 201 and manual.json()["id"] != integration_id
    cleanup = bare.post(f"/integrations/{manual.json()['id']}/scripts/cleanup")
    assert cleanup.status_code == 200 and "DROP SCHEMA IF EXISTS [sample_schema]" in cleanup.json()["script"]
    post_cleanup = bare.post(f"/integrations/{manual.json()['id']}/scripts/post-cleanup")
    assert "DROP USER IF EXISTS [taylor@synapse.com]" in post_cleanup.json()["script"]
    removed = bare.delete(f"/integrations/{manual.json()['id']}")
    assert removed.status_code == 200 and removed.json()["status"] == "deleted"
    assert bare.put(f"/integrations/{manual.json()['id']}", json=payload("synapse_update_manual.json")).status_code \
        == 409


def test_documented_databricks_script_payloads_name_the_catalog(bare: httpx.Client) -> None:
    oauth = bare.post("/integrations/scripts/create", json=payload("databricks_create_script_oauth.json"))
    assert oauth.status_code == 200, oauth.text
    text = oauth.json()["script"]
    assert "CREATE CATALOG IF NOT EXISTS `immuta`" in text
    assert "ALTER CATALOG `immuta` OWNER TO `immuta-service-principal`" in text
    for statement in filter(None, (s.strip() for s in text.split(";\n"))):
        assert sqlglot.parse_one(statement, read="databricks") is not None
    assert_no_secret(oauth.text)


def test_yaml_bodies_are_read_like_json(bare: httpx.Client) -> None:
    body = yaml.safe_dump(payload("synapse_create_script.json"))
    answered = bare.post("/integrations/scripts/create", content=body, headers={"Content-Type": "application/yaml"})
    assert answered.status_code == 200, answered.text
    assert "[sample_schema]" in answered.json()["script"]


def test_bearer_and_bare_tokens_both_authenticate(users: Users) -> None:
    token = users.token("reader", "APPLICATION_ADMIN")
    for header in (f"Bearer {token}", token, f"bearer {token}"):
        assert httpx.get(f"{users.base_url}/integrations", headers={"Authorization": header}).status_code == 200
    assert httpx.get(f"{users.base_url}/integrations", headers={"Authorization": "wrong"}).status_code == 401
    assert httpx.get(f"{users.base_url}/integrations").status_code == 401
