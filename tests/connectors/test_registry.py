"""The connector registry: a technology whose client library (an optional extra) is missing says which extra
to install."""

from __future__ import annotations

import sys

import pytest

from connectors.errors import ConfigurationError
from connectors.registry import EXTRAS, connector_class


@pytest.mark.parametrize(("technology", "client_module", "extra"), [
    ("snowflake", "snowflake.connector", "snowflake"),
    ("databricks", "databricks.sdk", "databricks"),
    ("synapse", "pyodbc", "sqlserver"),
])
def test_a_missing_client_library_names_the_extra(monkeypatch: pytest.MonkeyPatch, technology: str,
                                                  client_module: str, extra: str) -> None:
    module = connector_class(technology).__module__
    monkeypatch.delitem(sys.modules, module)
    monkeypatch.setitem(sys.modules, client_module, None)  # what an install without the extra looks like
    with pytest.raises(ConfigurationError, match=rf"pip install 'objectsync\[{extra}\]'"):
        connector_class(technology)


def test_core_technologies_need_no_extra() -> None:
    assert {"postgresql", "mysql", "mariadb", "sqlalchemy"}.isdisjoint(EXTRAS)
    assert connector_class("postgresql").__name__ == "PostgresConnector"
