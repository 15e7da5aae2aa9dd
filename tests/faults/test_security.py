"""Nobody gets in: every endpoint needs a token, a data owner of one schema can neither read nor crawl another,
secrets never leave the encrypted column, and webhooks cannot be pointed at the service's own network."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest
import redis
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from catalog.session import session_scope
from domain.paths import format_path
from models import DataObject, Grant
from services.access.tokens import create_token, ensure_user
from tests.conftest import create_database, drop_database
from tests.faults.catalog_state import wait_for_job_end, wait_until
from tests.faults.conftest import ApiServer, Stack, StackFactory, free_port
from tests.support.pipeline import run_sql

#: Distinctive enough that any occurrence anywhere is a leak (trust auth on the test server ignores it).
SECRET = f"Fault-Secret-{uuid.uuid4().hex}"
SOURCE = [
    "CREATE SCHEMA sales", "CREATE TABLE sales.orders (id bigint, amount numeric(10,2))",
    "CREATE SCHEMA hr", "CREATE TABLE hr.staff (id int, salary numeric)",
]
PUBLIC_PATHS = {"/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"}
#: The only operations anyone may call without a token: probes that answer "ok" or the failing dependency's kind.
PROBES = {"/health/live", "/health/ready"}


class Secured:
    """One stack with a worker and an API process (SSRF guard on), plus every response body seen."""

    def __init__(self, stack: Stack, api: ApiServer, source_db: str):
        self.stack, self.api, self.source_db = stack, api, source_db
        self.database = source_db.rsplit("/", 1)[1]
        self.responses: list[str] = []
        with session_scope() as session:
            self.admin_token = create_token(session, "security-admin", admin=True).secret
        self.admin = self.client(self.admin_token)

    def client(self, token: str | None) -> httpx.Client:
        client = self.api.client(token)
        client.event_hooks["response"] = [self._keep]
        return client

    def _keep(self, response: httpx.Response) -> None:
        response.read()
        self.responses.append(f"{response.request.method} {response.request.url} {response.status_code} "
                              f"{dict(response.headers)} {response.text}")

    def connection(self, **overrides: Any) -> dict[str, Any]:
        fields = {"technology": "postgresql", "hostname": "127.0.0.1", "port": 5432, "database": self.database,
                  "authenticationType": "userPassword", "username": "postgres", "password": SECRET}
        return {**fields, **overrides}

    def owner_of(self, user: str, path: list[str]) -> httpx.Client:
        with session_scope() as session:
            token = create_token(session, user).secret
            object_id = session.scalar(select(DataObject.id).where(DataObject.path == path))
            session.execute(insert(Grant).values(permission="DATA_OWNER", object_id=object_id,
                                                 user_id=ensure_user(session, user).id, group_id=None))
        return self.client(token)


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Secured]:
    """One stack for the module: catalog, worker, API process with the SSRF guard on, a crawled source."""
    factory = StackFactory(tmp_path_factory.mktemp("security"), dict(os.environ))
    source_name = f"objectsync_src_{uuid.uuid4().hex[:10]}"
    source_db = create_database(source_name)
    try:
        stack = factory()
        stack.worker("security")
        api = stack.api(OBJECTSYNC_WEBHOOK_ALLOW_PRIVATE_ADDRESSES="false")
        run_sql(source_db, *SOURCE)
        secured = Secured(stack, api, source_db)
        created = secured.admin.post("/data/connection", json={
            "connectionKey": "pg", "connection": secured.connection(),
            "settings": {"isActive": True, "activateNewChildren": True}})
        assert created.status_code == 201, created.text
        with psycopg.connect(stack.catalog_url) as conn:
            bulk_id = wait_until(lambda: conn.execute("SELECT bulk_id FROM jobs").fetchone(), 10, what="first crawl")[0]
        assert wait_for_job_end(stack.catalog_url, bulk_id, 60)["status"] == "succeeded"
        yield secured
    finally:
        factory.close()
        drop_database(source_name)


@pytest.fixture(autouse=True)
def _active(secured: Secured) -> None:
    secured.stack.activate()


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", lambda m: "1" if m.group(0).lower().endswith("id}") else "pg", path)


def test_every_endpoint_requires_a_token(secured: Secured) -> None:
    spec = httpx.get(f"{secured.api.url}/openapi.json").json()
    operations = [(method.upper(), path) for path, item in spec["paths"].items() for method in item
                  if method in ("get", "put", "post", "patch", "delete") and path not in PROBES]
    assert len(operations) >= 20 and not PUBLIC_PATHS & set(spec["paths"]) and PROBES <= set(spec["paths"])
    for probe in PROBES:
        assert set(spec["paths"][probe]) == {"get"}
        assert httpx.get(f"{secured.api.url}{probe}").json()["status"] == "ok"
    for token in (None, "not-a-token", secured.admin_token + "x"):
        with secured.client(token) as client:
            for method, path in operations:
                response = client.request(method, concrete(path), json={})
                assert response.status_code == 401, (token, method, path, response.text)
                assert response.headers.get("www-authenticate") == "Bearer"


def test_data_owner_of_one_schema_cannot_read_or_crawl_another(secured: Secured) -> None:
    db = secured.database
    alice = secured.owner_of("alice", ["pg", db, "sales"])
    own, other = ["pg", db, "sales", "orders"], ["pg", db, "hr", "staff"]
    assert alice.get(f"/data/object/{format_path(own)}").status_code == 200
    assert alice.post(f"/data/crawl/{format_path(own)}", json={}).status_code == 202
    for path in (other, other[:3]):
        encoded = format_path(path)
        assert alice.get(f"/data/object/{encoded}").status_code in (403, 404)
        assert alice.get(f"/data/object/{encoded}/history").status_code in (403, 404)
        assert alice.post(f"/data/crawl/{encoded}", json={}).status_code in (403, 404)
        assert alice.put(f"/data/settings/{encoded}", json={"settings": {"isActive": False}}).status_code in (403, 404)
        assert alice.delete(f"/data/object/{encoded}").status_code in (403, 404)
    assert alice.post(f"/data/crawl/{format_path(['pg'])}", json={}).status_code in (403, 404)
    database_view = alice.get(f"/data/object/{format_path(['pg', db])}")
    if database_view.status_code == 200:
        assert [c["name"] for c in database_view.json()["children"]["items"]] == ["sales"]
    assert alice.post("/webhooks", json={"url": "https://93.184.216.34/hook"}).status_code == 403
    with psycopg.connect(secured.stack.catalog_url) as conn:
        assert conn.execute("SELECT count(*) FROM data_objects WHERE path = %s AND effective_status = 'enabled'",
                            (other,)).fetchone()[0] == 1, "the other schema's table was not touched"


def test_secrets_never_appear_in_logs_events_responses_or_outbox(secured: Secured) -> None:
    closed = free_port()
    assert secured.admin.post("/data/connection/test",
                              json={"connection": secured.connection(port=closed)}).status_code == 200
    assert secured.admin.post("/data/connection/test", json={"connection": secured.connection(
        username=f"nobody_{uuid.uuid4().hex[:6]}")}).status_code == 200
    failed = secured.admin.post("/data/connection", json={"connectionKey": "down",
                                                         "connection": secured.connection(port=closed)})
    assert failed.status_code == 400, failed.text
    assert secured.admin.get("/data/connection/pg").status_code == 200
    assert secured.admin.get("/data/connection/down").status_code == 200
    # A password inside a SQLAlchemy URL and an extra secret-named field are secrets too: encrypted, never shown.
    generic = secured.admin.post("/data/connection", json={"connectionKey": "generic", "connection": {
        "technology": "sqlalchemy", "url": f"postgresql+psycopg://postgres:{SECRET}@127.0.0.1:5432/{secured.database}",
        "serviceApiKey": SECRET}})
    assert generic.status_code == 201, generic.text
    assert secured.admin.get("/data/connection/generic").json()["connection"]["url"].startswith(
        "postgresql+psycopg://postgres@127.0.0.1")
    orders = format_path(["pg", secured.database, "sales", "orders"])
    assert secured.admin.get(f"/data/object/{orders}").status_code == 200
    crawl = secured.admin.post("/data/crawl/pg", json={})
    assert crawl.status_code == 202
    assert wait_for_job_end(secured.stack.catalog_url, crawl.json()["bulkId"], 60)["status"] == "succeeded"
    assert secured.admin.get("/jobs").status_code == 200

    places = {"API responses": "\n".join(secured.responses), "worker and API logs": secured.stack.worker_logs()}
    with psycopg.connect(secured.stack.catalog_url) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]
        assert {"change_events", "connections", "jobs", "webhook_deliveries"} <= set(tables)
        for table in tables:
            rows = conn.execute(f'SELECT t::text FROM "{table}" t').fetchall()
            places[f"catalog table {table}"] = "\n".join(r[0] for r in rows)
    client = redis.Redis.from_url(secured.stack.redis_url)
    places["Redis (queues and event stream)"] = "\n".join(
        repr(client.dump(key)) for key in client.scan_iter(match=f"{secured.stack.prefix}*"))
    assert "object.created" in places["catalog table change_events"] and "refused" in places["API responses"]
    leaks = [where for where, text in places.items() if SECRET in text or SECRET.encode().hex() in text]
    assert leaks == []


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9/hook", "http://localhost/hook", "http://[::1]/hook", "http://10.1.2.3/hook",
    "http://192.168.0.1/hook", "http://169.254.169.254/latest/meta-data", "http://0.0.0.0/hook",
    "http://[::ffff:127.0.0.1]/hook", "file:///etc/passwd", "gopher://127.0.0.1/", "http://user:pw@93.184.216.34/",
    "http://[64:ff9b::7f00:1]/hook", "http://[64:ff9b::a00:1]/hook", "http://[2002:7f00:1::]/hook",
    "http://[2002:c0a8:1::1]/hook", "http://[::127.0.0.1]/hook", "http://[::a00:1]/hook",
    "http://93.184.216.34:0/hook",
])
def test_webhook_ssrf_guard_rejects_private_targets(secured: Secured, url: str) -> None:
    response = secured.admin.post("/webhooks", json={"url": url})
    assert 400 <= response.status_code < 500, response.text
    with psycopg.connect(secured.stack.catalog_url) as conn:
        assert conn.execute("SELECT count(*) FROM webhook_subscriptions WHERE url = %s", (url,)).fetchone()[0] == 0


def test_webhook_ssrf_guard_allows_public_and_explicitly_allowed_targets(secured: Secured) -> None:
    assert secured.admin.post("/webhooks", json={"url": "https://93.184.216.34/hook"}).status_code == 201
    allowing = secured.stack.api(OBJECTSYNC_WEBHOOK_ALLOW_PRIVATE_ADDRESSES="true")
    with allowing.client(secured.admin_token) as client:
        assert client.post("/webhooks", json={"url": "http://127.0.0.1:9/hook"}).status_code == 201
