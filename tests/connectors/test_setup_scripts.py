"""The integrations' setup scripts: every statement parses in its platform's dialect (sqlglot), names are quoted,
and a password appears only in a script the service runs itself."""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp

from connectors.errors import ConfigurationError
from connectors.setup_scripts import PHASES, SQLGLOT_DIALECTS, script, script_text, target_of

CONFIGS = {
    "synapse": {"host": "organization.azure.com", "schema": "sample_schema", "database": "immuta",
                "username": "taylor@synapse.com"},
    "azuresql": {"host": "x.database.windows.net", "database": "objectsync", "username": "reader"},
    "sqlserver": {"host": "sql.internal", "database": "objectsync", "username": "reader"},
    "snowflake": {"host": "org.snowflakecomputing.com", "database": "OBJECTSYNC", "warehouse": "COMPUTE_WH",
                  "databases": ["SALES", 'Odd "Name"'], "username": "READER"},
    "databricks": {"host": "adb-1.azuredatabricks.net", "catalog": "objectsync", "clientId": "sp-app-id",
                   "catalogs": ["main", "sales`x"]},
}
PASSWORD = "Gen3rated#pw'x"


@pytest.mark.parametrize("technology", sorted(CONFIGS))
@pytest.mark.parametrize("automatic", [False, True])
@pytest.mark.parametrize("phase", PHASES)
def test_every_statement_parses_in_its_dialect(technology: str, automatic: bool, phase: str) -> None:
    target = target_of(technology, CONFIGS[technology], automatic=automatic, password=PASSWORD)
    statements = script(phase, target)  # type: ignore[arg-type]
    if phase != "cleanup" or technology != "azuresql":  # Azure SQL has no schema of the service's to drop
        assert statements
    for statement in statements:
        parsed = sqlglot.parse_one(statement, read=SQLGLOT_DIALECTS[technology])
        assert parsed is not None and not isinstance(parsed, exp.Alias)
    text = script_text(statements)
    assert ("Gen3rated#pw" in text) == (automatic and phase == "initial-create" and technology != "databricks")


def test_snowflake_grants_are_parsed_as_grants() -> None:
    target = target_of("snowflake", CONFIGS["snowflake"], automatic=False)
    grants = [sqlglot.parse_one(s, read="snowflake") for s in script("create", target)
              if s.startswith("GRANT USAGE ON DATABASE")]
    assert grants and all(isinstance(g, exp.Grant) for g in grants)
    assert 'GRANT USAGE ON DATABASE "Odd ""Name""" TO ROLE "READER_ROLE"' in script("create", target)


def test_the_documented_system_account_unless_named() -> None:
    assert target_of("synapse", CONFIGS["synapse"], automatic=True).account == "IMMUTA_SYSTEM_ACCOUNT"
    assert target_of("synapse", CONFIGS["synapse"], automatic=False).account == "taylor@synapse.com"
    named = {**CONFIGS["synapse"], "systemAccount": "OBJECTSYNC_READER"}
    assert target_of("synapse", named, automatic=True).account == "OBJECTSYNC_READER"
    assert "CREATE USER [taylor@synapse.com] FROM EXTERNAL PROVIDER" in script(
        "initial-create", target_of("synapse", CONFIGS["synapse"], automatic=False))[0]


def test_databricks_names_are_quoted_and_the_principal_required() -> None:
    text = script_text(script("create", target_of("databricks", CONFIGS["databricks"], automatic=False)))
    assert "ON CATALOG `sales``x` TO `sp-app-id`" in text
    with pytest.raises(ConfigurationError, match="service principal"):
        target_of("databricks", {"catalog": "c"}, automatic=False)
