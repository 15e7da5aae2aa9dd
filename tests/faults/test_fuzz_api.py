"""Schemathesis against the API running as a real process: no generated request (with a valid admin token)
may produce a 500, and the server's own output shows no unhandled exception and no secret."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from catalog.session import session_scope
from services.access.tokens import create_token
from services.connections.connection_records import store_connection
from tests.conftest import create_database, drop_database
from tests.faults.conftest import ApiServer, Stack, StackFactory

EXAMPLES_PER_OPERATION = 12
SECRET = f"Fuzz-Secret-{uuid.uuid4().hex}"


@pytest.fixture(scope="module")
def fuzzed_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, ApiServer, str]]:
    factory = StackFactory(tmp_path_factory.mktemp("fuzz-api"), dict(os.environ))
    source = f"objectsync_src_{uuid.uuid4().hex[:10]}"
    create_database(source)
    try:
        stack = factory()
        api = stack.api()
        with session_scope() as session:
            token = create_token(session, "fuzz-admin", admin=True).secret
            store_connection(session, key="pg", technology="postgresql",
                                credentials={"username": "postgres", "password": SECRET},
                                config={"hostname": "127.0.0.1", "port": 5432, "database": source})
        yield stack, api, token
    finally:
        factory.close()
        drop_database(source)


def test_no_generated_request_makes_the_api_fail(fuzzed_api: tuple[Stack, ApiServer, str]) -> None:
    stack, api, _ = fuzzed_api
    stack.activate()
    schema = schemathesis.openapi.from_url(f"{api.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    failures: list[str] = []
    for operation in operations:
        with session_scope() as session:  # a fresh token each: DELETE /tokens/{id} may revoke the previous one
            token = create_token(session, "fuzz-admin", admin=True).secret

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def no_server_error(case: schemathesis.Case) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}  # noqa: B023 - runs in this iteration
            response = case.call(timeout=60)
            case.validate_response(response, checks=[not_a_server_error])

        try:
            no_server_error()
        except Exception as exc:  # noqa: BLE001 - collected so one run reports every failing operation
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:300]}")
    output = (stack.directory / "api.log").read_text(errors="replace")
    assert failures == []
    assert output.count('HTTP/1.1"') >= len(operations) * EXAMPLES_PER_OPERATION // 2, "requests really sent"
    assert "Traceback" not in output and SECRET not in output
