"""What a platform double offers the conformance suite and the connector benchmark, and the list of doubles.

A double owns a scratch space on a real (or faithfully emulated) platform, changes it with the platform's own DDL
and hands out connectors pointed at it whose credentials it can take rights away from, with the platform's own
GRANT and REVOKE. It also says how its platform answers when rights are taken away, so each scenario can assert
what a user of that platform should see.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Literal, Protocol

from connectors.base import Connector

#: Logical column types the scenarios use; each double maps them to its platform's DDL.
LOGICAL_TYPES = ("int", "bigint", "text", "varchar(20)", "numeric(10,2)", "boolean", "date")

#: Scenario names a double may list in `skips` (with the reason) when its platform truly cannot express them.
SCENARIOS = frozenset({"odd_identifiers", "permission_denied", "views", "comments"})

#: How a platform answers once the crawler lost its rights on a schema (or database): it leaves it out of the
#: listing ("hidden": a privilege-filtered listing), still lists it and refuses to read it ("refused"), or refuses
#: the connection itself ("failed", a connection that is one database).
Revocation = Literal["hidden", "refused", "failed"]


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
    def drop_schema(self, schema: str) -> None: ...
    def revoke_table(self, schema: str, table: str) -> None: ...  # the crawler loses its rights on one table
    def grant_table(self, schema: str, table: str) -> None: ...  # … and gets them back
    def revoke_schema(self, schema: str) -> None: ...  # the crawler loses its use of a schema
    def recreate_table(self, schema: str, table: str, columns: list[tuple[str, str]]) -> None: ...  # drop, create
    def close(self) -> None: ...

    #: Whether a table the crawler lost its rights on disappears from its listing (else the listing still shows it).
    hides_revoked_tables: bool
    revoked_schema: Revocation
    #: Whether the connector reads the platform's identity of a table (a drop and re-create changes it).
    has_identity: bool


# Optional capabilities, looked up with getattr; a scenario needing one skips doubles without it:
#   revoke_database() / grant_database() and `revoked_database: Revocation` - the crawler loses its use of the
#       double's database, then gets it back
#   take_offline() / bring_online() - the database stops accepting connections (restoring, offline), then is back
#   throttle(calls) - the next API calls are throttled (429 with Retry-After)
#   paging_faults() - list calls return empty pages with a next token, and pages in no particular order
#   special_kinds(schema) -> [(name, kind, remote kind)] - objects of the platform's other kinds, created
#   expected_validation_warning: str - what the validation warns about with the double's credentials
#   reset_grants() - give the crawler back every right the double started with (after each scenario)
#   rename_column(schema, table, column, new_name), with `proves_column_renames: bool` - whether the connector
#       reads a column identity that proves the rename (else it is a deletion and an addition)


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
