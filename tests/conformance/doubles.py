"""What a platform double offers the conformance suite and the connector benchmark, and the list of doubles.

A double owns a scratch space on a real (or faithfully emulated) platform, changes it with the platform's own DDL
and hands out connectors pointed at it whose credentials it can take rights away from.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Protocol

from connectors.base import Connector

#: Logical column types the scenarios use; each double maps them to its platform's DDL.
LOGICAL_TYPES = ("int", "bigint", "text", "varchar(20)", "numeric(10,2)", "boolean", "date")

#: Scenario names a double may list in `skips` (with the reason) when its platform truly cannot express them.
SCENARIOS = frozenset({"odd_identifiers", "permission_denied", "views", "comments"})


class DoubleUnavailable(Exception):
    """The platform behind a double is not reachable here (service down, driver not installed)."""


class SourceDouble(Protocol):
    technology: str
    database: str  # the database name the connector reports
    #: Optional: scenario name → why this platform cannot express it. Read with getattr(double, "skips", {}).
    skips: Mapping[str, str]

    def connector(self) -> Connector: ...  # a fresh connector pointed at the double
    def create_schema(self, schema: str) -> None: ...
    def create_table(self, schema: str, table: str, columns: list[tuple[str, str]]) -> None: ...
    def create_view(self, schema: str, view: str, table: str) -> None: ...
    def drop_table(self, schema: str, table: str) -> None: ...
    def add_column(self, schema: str, table: str, column: str, type_: str) -> None: ...
    def drop_column(self, schema: str, table: str, column: str) -> None: ...
    def retype_column(self, schema: str, table: str, column: str, type_: str) -> None: ...
    def deny_schema(self, schema: str) -> None: ...  # make it unreadable for the connector's credentials
    def close(self) -> None: ...


def _lazy(target: str) -> Callable[[], SourceDouble]:
    """Import a double's module only when it is built, so one missing client library skips only its double."""

    def build() -> SourceDouble:
        module_name, class_name = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as error:
            raise DoubleUnavailable(f"{target}: {error}") from None
        return getattr(module, class_name)()

    return build


#: Every double the suite and the benchmark run, by name. Add a platform with one line.
DOUBLE_FACTORIES: dict[str, Callable[[], SourceDouble]] = {
    "postgresql": _lazy("tests.conformance.double_postgresql:PostgresDouble"),
    "mysql": _lazy("tests.conformance.double_mysql:MySQLDouble"),
    "sqlserver-odbc": _lazy("tests.conformance.double_sqlserver_odbc:SqlServerOdbcDouble"),
    "sqlalchemy": _lazy("tests.conformance.double_sqlalchemy:SqlAlchemyDouble"),
    "snowflake": _lazy("tests.conformance.double_snowflake:SnowflakeDouble"),
    "databricks": _lazy("tests.conformance.double_databricks:DatabricksDouble"),
}


def skip_reason(double: SourceDouble, scenario: str) -> str | None:
    return dict(getattr(double, "skips", {}) or {}).get(scenario)
