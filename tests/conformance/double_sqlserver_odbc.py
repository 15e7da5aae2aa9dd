"""SQL Server connector double: its ANSI INFORMATION_SCHEMA path run through a real ODBC driver (psqlodbc)
against a scratch PostgreSQL database. The T-SQL-only queries are tested on recorded rows instead."""

from __future__ import annotations

from collections.abc import Mapping

import pyodbc

from connectors.base import Connector
from connectors.sqlserver import SqlServerConnector, format_connection_string
from tests.conformance.double_postgresql import PostgresDouble
from tests.conformance.doubles import DoubleUnavailable, Revocation

ODBC_DRIVER = "PostgreSQL Unicode"


class SqlServerOdbcDouble(PostgresDouble):
    technology = "sqlserver"
    # INFORMATION_SCHEMA shows only what the login has some privilege on, as SQL Server's metadata visibility does
    # (https://learn.microsoft.com/en-us/sql/relational-databases/security/metadata-visibility-configuration).
    hides_revoked_tables = True
    revoked_schema: Revocation = "hidden"
    has_identity = False  # INFORMATION_SCHEMA has no object ids (the T-SQL path reads sys.objects.object_id)
    proves_column_renames = False  # nor column ids (the T-SQL path reads sys.columns.column_id)
    special_kinds = None  # type: ignore[assignment]  # INFORMATION_SCHEMA.TABLES knows BASE TABLE and VIEW only
    skips: Mapping[str, str] = {
        "permission_denied": (
            "ANSI INFORMATION_SCHEMA hides a schema the credentials may not use, so through it a denied schema is "
            "indistinguishable from a missing one; the T-SQL probe (HAS_PERMS_BY_NAME) is tested on recorded rows "
            "in tests/connectors/test_sqlserver.py"
        ),
    }

    def __init__(self) -> None:
        if ODBC_DRIVER not in pyodbc.drivers():
            raise DoubleUnavailable(
                f"ODBC driver {ODBC_DRIVER!r} is not installed (apt-get install odbc-postgresql unixodbc)")
        super().__init__()

    def connection_string(self) -> str:
        return format_connection_string([
            ("Driver", ODBC_DRIVER), ("Server", self.hostname), ("Port", str(self.port)),
            ("Database", self.database),
        ])

    def connector(self) -> Connector:
        return SqlServerConnector({"dialect": "ansi", "connectionString": self.connection_string()},
                                  {"username": self.role, "password": ""})
