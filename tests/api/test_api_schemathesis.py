"""Property-based requests generated from the served OpenAPI document (schemathesis): no input may produce a
500, and every response must match the documented schema.

One pytest test per operation, each running a bounded hypothesis search against the real server.
"""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from api.app import create_app
from catalog.session import session_scope
from services.connections.connection_records import store_connection

HTTP_METHODS = ("get", "put", "post", "delete", "patch")
OPERATIONS = sorted(
    (method.upper(), path)
    for path, item in create_app().openapi()["paths"].items()
    for method in item if method in HTTP_METHODS
)
MAX_EXAMPLES = 40
pytestmark = pytest.mark.usefixtures("worker", "settled_jobs")


@pytest.fixture
def served_schema(api_url: str, admin: httpx.Client, source_db: str):
    """The schema as served, with a registered connection 'pg' so some generated paths reach real objects."""
    with session_scope() as session:
        store_connection(session, key="pg", technology="postgresql", credentials={"username": "postgres"},
                            config={"hostname": "127.0.0.1", "port": 5432, "database": source_db.rsplit("/", 1)[1]})
    return schemathesis.openapi.from_url(f"{api_url}/openapi.json")


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_generated_request_makes_the_api_fail(served_schema, admin: httpx.Client, method: str, path: str) -> None:
    operation = served_schema[path][method]
    headers = {"Authorization": admin.headers["Authorization"]}

    @given(case=operation.as_strategy())
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def no_server_error(case: schemathesis.Case) -> None:
        response = case.call(headers=headers, timeout=60)
        case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

    no_server_error()
