"""`objectsync integration`: the same scripts and views as /integrations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlglot
import yaml

from catalog.session import session_scope
from models import Integration
from tests.cli.runner import assert_clean_error, objectsync

FIXTURES = Path(__file__).parent.parent / "fixtures" / "documented"
pytestmark = pytest.mark.usefixtures("catalog")


def test_script_from_a_documented_payload_in_yaml() -> None:
    body = yaml.safe_dump(json.loads((FIXTURES / "synapse_create_script.json").read_text()))
    result = objectsync("integration", "script", "create", stdin=body)
    assert result.returncode == 0, result.stderr
    assert "GRANT VIEW DEFINITION TO [taylor@synapse.com]" in result.stdout
    assert "abc1234" not in result.stdout
    for statement in filter(None, (s.strip() for s in result.stdout.split(";\n"))):
        assert sqlglot.parse_one(statement, read="tsql") is not None


def test_list_and_show() -> None:
    with session_scope() as session:
        integration = Integration(type="snowflake", host="org.snowflakecomputing.com", auto_bootstrap=False,
                                  config={"host": "org.snowflakecomputing.com", "database": "OBJECTSYNC"},
                                  status="enabled", validation_results=[{"name": "Initial validation: basic "
                                                                         "connection test", "status": "passed"}])
        session.add(integration)
        session.flush()
        integration_id = integration.id
    listed = objectsync("integration", "list")
    assert listed.returncode == 0 and listed.stdout.split("\t")[:2] == [str(integration_id), "Snowflake"]
    shown = objectsync("integration", "show", str(integration_id), "--json")
    assert json.loads(shown.stdout)["validationResults"]["status"] == "passed"
    assert_clean_error(objectsync("integration", "show", "999999"), "no integration with id 999999", 3)
