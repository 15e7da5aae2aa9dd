"""SQL Server, Azure SQL Database and Azure Synapse through pyodbc.

Config: hostname, port (1433), database, driver ("ODBC Driver 18 for SQL Server"), encrypt (true),
trustServerCertificate (false), connectionString (replaces the assembled string; UID/PWD or the token are still
added from the credentials), authenticationType "userPassword" (credentials username/password) or
"accessToken" (credentials accessToken, an Azure AD token), and dialect:

- "tsql" (default): databases from sys.databases, comments from MS_Description extended properties, owners and
  object ids from sys.objects, column ids (which prove a rename) from sys.columns, and the permission probes each
  engine supports (see sqlserver_queries).
- "ansi": INFORMATION_SCHEMA only; the one database is the configured one and comments are not read. Lets the
  connector run against any ODBC source with an ANSI INFORMATION_SCHEMA (the test suite uses PostgreSQL). Here a
  schema hidden from the credentials cannot be told apart from a missing one.

Metadata visibility: every listing shows only what the login has some permission on. A listing is complete only
when a probe shows the login sees everything there (VIEW ANY DATABASE with ALTER ANY DATABASE or CREATE DATABASE
for sys.databases; VIEW DEFINITION on the database for its schemas; VIEW DEFINITION or SELECT on a schema, and no
DENY on its objects, for its tables; on the ANSI path the engine's own check, for PostgreSQL its pg_catalog).
Otherwise what vanished is counted as not visible and left as it is: SQL Server drops a table's permissions with
it, so nothing else can prove a drop.

Each database is read over a connection opened on that database: Azure SQL Database does not allow
cross-database queries, and it keeps identifiers out of the SQL text.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, ClassVar

import pyodbc

from connectors import sqlserver_queries as q
from connectors.base import Connector, ValidationResult, ValidationTestNames
from connectors.errors import (
    AuthenticationFailed,
    ConfigurationError,
    ConnectorError,
    ObjectNotFound,
    PermissionDenied,
    RemoteTimeout,
    RemoteUnavailable,
)
from connectors.hierarchy import SchemaListing, collect_hierarchy
from connectors.validation import (
    Warned,
    run_validation,
    visibility_outcome,
)
from domain.redaction import redact
from domain.schema_batches import TableRange
from domain.snapshot import RemoteHierarchy, SchemaSnapshot

DEFAULT_DRIVER = "ODBC Driver 18 for SQL Server"
SQL_COPT_SS_ACCESS_TOKEN = 1256
INTEGRATED_SECURITY_MESSAGE = (
    "Integrated Security is not supported; use username/password or an Azure AD access token"
)
_INTEGRATED_KEYS = {"trusted_connection", "integrated security"}
_CREDENTIAL_KEYS = {"uid", "pwd", "user id", "password", "authentication"}


# --- connection strings ----------------------------------------------------------------------------------------

def parse_connection_string(text: str) -> list[tuple[str, str]]:
    """Split an ODBC connection string into (key, value) pairs, honouring {braced; values} and '}}' escapes."""
    pairs: list[tuple[str, str]] = []
    i, n = 0, len(text)
    while i < n:
        if text[i] in "; ":
            i += 1
            continue
        eq = text.find("=", i)
        if eq < 0:
            raise ConfigurationError("connectionString: expected key=value pairs separated by ';'")
        key = text[i:eq].strip()
        i = eq + 1
        if i < n and text[i] == "{":
            value_chars: list[str] = []
            i += 1
            while True:
                if i >= n:
                    raise ConfigurationError(f"connectionString: unterminated '{{' in the value of {key}")
                if text[i] == "}":
                    if i + 1 < n and text[i + 1] == "}":
                        value_chars.append("}")
                        i += 2
                        continue
                    i += 1
                    break
                value_chars.append(text[i])
                i += 1
            value = "".join(value_chars)
            end = text.find(";", i)
            i = n if end < 0 else end + 1
        else:
            end = text.find(";", i)
            end = n if end < 0 else end
            value = text[i:end].strip()
            i = end + 1
        pairs.append((key, value))
    return pairs


def format_connection_string(pairs: Sequence[tuple[str, str]]) -> str:
    return ";".join(f"{key}={_odbc_value(value)}" for key, value in pairs) + ";"


def _odbc_value(value: str) -> str:
    if value and not any(ch in value for ch in ";{}=") and value == value.strip():
        return value
    return "{" + value.replace("}", "}}") + "}"


def _with(pairs: list[tuple[str, str]], key: str, value: str) -> list[tuple[str, str]]:
    """Set `key` (case-insensitively), replacing any earlier value."""
    return [(k, v) for k, v in pairs if k.lower() != key.lower()] + [(key, value)]


def access_token_attrs(token: str) -> dict[int, bytes]:
    """Connection attributes for an Azure AD token: a little-endian DWORD byte count, then the UTF-16-LE token."""
    encoded = token.encode("utf-16-le")
    return {SQL_COPT_SS_ACCESS_TOKEN: struct.pack(f"<I{len(encoded)}s", len(encoded), encoded)}


def _yes_no(value: Any, default: bool) -> str:
    if value is None:
        return "yes" if default else "no"
    if isinstance(value, str):
        return "yes" if value.strip().lower() in {"yes", "true", "1", "mandatory", "strict"} else "no"
    return "yes" if value else "no"


# --- errors ----------------------------------------------------------------------------------------------------

#: Drivers append each server error's native number before the calling function: "… (4060) (SQLDriverConnect)".
CANNOT_OPEN_DATABASE = 4060
_NATIVE_ERROR = re.compile(r"\((\d+)\)\s*\(SQL\w+\)")


def native_errors(detail: str) -> set[int]:
    return {int(number) for number in _NATIVE_ERROR.findall(detail)}


def map_error(error: pyodbc.Error, context: str, secrets: Collection[str] = (),
              transient_errors: Collection[int] = q.TRANSIENT_ERRORS_SQLSERVER) -> ConnectorError:
    """Map a pyodbc error (SQLSTATE first) to the connector error it means; secrets never reach the message.

    Native error numbers the engine documents as transient come first: they are retried, never taken as a
    refusal (Azure SQL answers 4060 "cannot open database" while a database moves).
    """
    state = str(error.args[0]) if error.args else ""
    detail = redact(str(error.args[1]) if len(error.args) > 1 else str(error), secrets)
    message = f"{context}: {detail}"
    lowered = detail.lower()
    numbers = native_errors(detail)
    if numbers & set(transient_errors):
        return RemoteUnavailable(message)
    if state in {"HYT00", "HYT01"} or "timeout expired" in lowered or "statement timeout" in lowered:
        return RemoteTimeout(message)
    if CANNOT_OPEN_DATABASE in numbers:  # "… The login failed." although the credentials were accepted
        return PermissionDenied(message)
    if state == "28000" or "login failed" in lowered or "password authentication failed" in lowered:
        return AuthenticationFailed(message)
    if state in {"IM002", "IM003", "01000"} and ("driver" in lowered or "lib" in lowered or "data source" in lowered):
        return ConfigurationError(message)
    if state == "42501" or "permission denied" in lowered or "permission was denied" in lowered \
            or "cannot open database" in lowered:
        return PermissionDenied(message)
    if state.startswith("08"):
        if "role" in lowered and "does not exist" in lowered:
            return AuthenticationFailed(message)
        if "does not exist" in lowered:
            return ObjectNotFound(message)
        return RemoteUnavailable(message)
    return ConnectorError(message)


# --- the connector ---------------------------------------------------------------------------------------------

class SqlServerConnector(Connector):
    technology = "sqlserver"
    test_names = ValidationTestNames("Initial validation: connect", "Initial validation: database access test",
                                     "Validate Immuta system user can manage database")
    system_schemas = frozenset({
        "sys", "INFORMATION_SCHEMA", "guest", "db_owner", "db_accessadmin", "db_securityadmin", "db_ddladmin",
        "db_backupoperator", "db_datareader", "db_datawriter", "db_denydatareader", "db_denydatawriter",
    })
    #: Catalogs of other platforms met on the "ansi" path (PostgreSQL through its ODBC driver in tests).
    ansi_system_schemas: ClassVar[frozenset[str]] = frozenset({"information_schema", "pg_catalog", "pg_toast"})
    ansi_system_schema_prefixes: ClassVar[tuple[str, ...]] = ("pg_temp_", "pg_toast_temp_")
    system_databases = frozenset({"master", "tempdb", "model", "msdb"})
    engine: ClassVar[q.Engine] = q.SQL_SERVER

    def __init__(self, config: Any, credentials: Any, **options: Any):
        super().__init__(config, credentials, **options)
        self.dialect = str(self.config.get("dialect") or "tsql").lower()
        if self.dialect not in {"tsql", "ansi"}:
            raise ConfigurationError(f"dialect must be 'tsql' or 'ansi', not {self.dialect!r}")
        self.authentication = str(self.config.get("authenticationType") or "userPassword")
        if self.authentication.lower() in {"integratedsecurity", "integrated", "windows", "trustedconnection"}:
            raise ConfigurationError(INTEGRATED_SECURITY_MESSAGE)
        self.authentication = {"userpassword": "userPassword", "accesstoken": "accessToken"}.get(
            self.authentication.lower(), self.authentication)
        if self.authentication not in {"userPassword", "accessToken"}:
            raise ConfigurationError(
                f"authenticationType must be 'userPassword' or 'accessToken', not {self.authentication!r}")
        self._base_pairs = self._base_connection_pairs()
        self._sessions: dict[str | None, pyodbc.Connection] = {}
        self._dbms: str | None = None  # SQL_DBMS_NAME of the ANSI source, for its visibility probes

    # -- connecting --

    def _base_connection_pairs(self) -> list[tuple[str, str]]:
        if self.config.get("connectionString"):
            pairs = parse_connection_string(str(self.config["connectionString"]))
        else:
            hostname = self.config.get("hostname")
            if not hostname:
                raise ConfigurationError("hostname is required (or a connectionString)")
            pairs = [
                ("Driver", str(self.config.get("driver") or DEFAULT_DRIVER)),
                ("Server", f"tcp:{hostname},{int(self.config.get('port') or 1433)}"),
                ("Encrypt", _yes_no(self.config.get("encrypt"), True)),
                ("TrustServerCertificate", _yes_no(self.config.get("trustServerCertificate"), False)),
            ]
            if self.config.get("database"):
                pairs.append(("Database", str(self.config["database"])))
        for key, value in pairs:
            if key.lower() in _INTEGRATED_KEYS and value.lower() in {"yes", "true", "sspi"}:
                raise ConfigurationError(INTEGRATED_SECURITY_MESSAGE)
        if self.authentication == "accessToken":
            if not self.credentials.get("accessToken"):
                raise ConfigurationError("authenticationType 'accessToken' needs credentials.accessToken")
            pairs = [(k, v) for k, v in pairs if k.lower() not in _CREDENTIAL_KEYS]
        else:
            if self.credentials.get("username") is not None:
                pairs = _with(pairs, "UID", str(self.credentials["username"]))
            if self.credentials.get("password") is not None:
                pairs = _with(pairs, "PWD", str(self.credentials["password"]))
        return pairs

    @property
    def configured_database(self) -> str | None:
        for key, value in self._base_pairs:
            if key.lower() in {"database", "initial catalog"}:
                return value
        return None

    @property
    def _secrets(self) -> list[str]:
        return [str(self.credentials.get(k) or "") for k in ("password", "accessToken")]

    def _connect(self, database: str | None) -> pyodbc.Connection:
        pairs = self._base_pairs if database is None else _with(self._base_pairs, "Database", database)
        attrs = access_token_attrs(str(self.credentials["accessToken"])) if self.authentication == "accessToken" \
            else None
        try:
            connection = pyodbc.connect(format_connection_string(pairs), autocommit=True, readonly=True,
                                        timeout=max(1, int(self.timeout)), attrs_before=attrs)
        except pyodbc.Error as error:
            raise self._map(error, f"could not connect to {database or 'the server'}") from None
        _set_query_timeout(connection, self.timeout)
        if self._dbms is None:
            self._dbms = _dbms_name(connection)
        return connection

    def _map(self, error: pyodbc.Error, context: str) -> ConnectorError:
        return map_error(error, context, self._secrets, self.engine.transient_errors)

    def _reusable_session(self, database: str | None) -> pyodbc.Connection | None:
        """The session kept for this database, if the server still answers on it."""
        connection = self._sessions.pop(database, None)
        if connection is None:
            return None
        try:
            connection.cursor().execute("SELECT 1").fetchall()
        except pyodbc.Error:
            connection.close()
            return None
        return connection

    @contextmanager
    def _cursor(self, database: str | None = None) -> Iterator[pyodbc.Cursor]:
        """A cursor on a session kept per database across calls; a session that failed is closed, not kept."""
        connection = self._reusable_session(database) or self._connect(database)
        try:
            cursor = connection.cursor()
            yield cursor
            cursor.close()
        except pyodbc.Error as error:
            connection.close()
            raise self._map(error, f"metadata query failed in {database or 'the server'}") from None
        except BaseException:
            connection.close()
            raise
        self._sessions[database] = connection

    def close(self) -> None:
        sessions, self._sessions = self._sessions, {}
        for connection in sessions.values():
            connection.close()

    # -- what is excluded --

    def _is_system_schema(self, name: str) -> bool:
        if name in self.system_schemas or name.casefold() == "information_schema":
            return True
        if self.dialect == "ansi":
            return name in self.ansi_system_schemas or name.startswith(self.ansi_system_schema_prefixes)
        return False

    def _excluded_databases(self) -> set[str]:
        return {*self.system_databases, *self.internal_databases}

    # -- the interface --

    def validate(self) -> list[ValidationResult]:
        return run_validation([
            (self.test_names.connect, self._test_connection),
            (self.test_names.access, self._test_database_access),
            (self.test_names.privileges, self._test_metadata_privileges),
        ])

    def _test_connection(self) -> None:
        with self._cursor() as cursor:
            cursor.execute("SELECT 1").fetchall()

    def validate_setup(self, setup: Mapping[str, Any], *, reachable: bool) -> list[ValidationResult]:
        delimiters = setup.get("metadataDelimiters") or {}
        hash_delimiter, array_delimiter = delimiters.get("hashDelimiter", "|"), delimiters.get("arrayDelimiter", ",")
        key_delimiter = delimiters.get("hashKeyDelimiter", "-")
        unique = len({hash_delimiter, array_delimiter, key_delimiter}) == 3
        impersonation = setup.get("impersonation") or {}
        return [
            ValidationResult("Initial validation: delimiters test", "passed" if unique else "failed",
                             None if unique else "Hash delimiter and array delimiter must not have the same value."),
            ValidationResult("Validate automatic: impersonation role does not exist", "skipped",
                             "user impersonation is not set up by this service" if impersonation.get("enabled")
                             else "impersonation is not enabled"),
        ]

    def run_setup(self, statements: Sequence[str]) -> None:
        """In the server's master database (SQL Server: logins and databases are the server's); Synapse and Azure
        SQL Database run it in the configured database, the only one a contained user lives in."""
        database = "master" if self.technology == "sqlserver" else str(self.config.get("database") or "") or None
        with self._cursor(database) as cursor:
            for statement in statements:
                cursor.execute(statement)
            cursor.commit()

    def _test_database_access(self) -> None:
        databases = self._list_databases()[0]
        if not databases:
            raise PermissionDenied("the credentials may not open any user database")

    def _test_metadata_privileges(self) -> str | Warned | None:
        with self._cursor() as cursor:
            cursor.execute(q.SCHEMAS_ANSI).fetchall()
            probe = q.tables_query("INFORMATION_SCHEMA", [])
            cursor.execute(probe.sql, *probe.params).fetchall()
        return visibility_outcome(self._visibility_gaps(), "the login sees every database, schema and table")

    def _visibility_gaps(self) -> list[str]:
        """What the login cannot be shown to see, each naming the permission that would show it."""
        databases, _ = self._list_databases()
        gaps = []
        if self.dialect == "tsql" and not self._database_listing_complete():
            gaps.append(self._missing_database_listing_permission())
        for database in databases[:10]:
            if not self._schema_listing(database).complete:
                gaps.append(self._missing_schema_listing_permission(database))
        return gaps

    def _missing_database_listing_permission(self) -> str:
        if self.engine.database_listing_probe is None:
            return (f"{self.engine.name} offers no check that sys.databases shows every database: one that "
                    "disappears from it is counted as not visible, never marked deleted")
        return ("the login lacks VIEW ANY DATABASE with ALTER ANY DATABASE (or CREATE DATABASE in master): "
                "sys.databases hides OFFLINE databases and those it may not see")

    def _missing_schema_listing_permission(self, database: str) -> str:
        if self.dialect == "ansi":
            if self._is_postgresql:
                return (f"the login has no privilege on some schemas or tables of {database!r} "
                        "(information_schema hides them; grant USAGE on the schemas and SELECT on their tables)")
            return (f"{self._dbms or 'this ODBC source'} offers this connector no visibility check: "
                    f"schemas and tables of {database!r} that disappear are counted as not visible")
        return f"the login lacks VIEW DEFINITION on database {database!r} (schemas and tables it has no permission " \
            "on are hidden)"

    def _list_databases(self) -> tuple[list[str], dict[str, str]]:
        if self.dialect == "ansi":
            database = self.configured_database
            if not database:
                raise ConfigurationError("dialect 'ansi' needs a database (in config or the connectionString)")
            return [database], {}
        with self._cursor() as cursor:
            rows = cursor.execute(self.engine.databases).fetchall()
        return q.user_databases(rows, self._excluded_databases())

    def _database_listing_complete(self) -> bool:
        """The ANSI path reads the one configured database: its listing of databases is complete by definition."""
        if self.dialect == "ansi":
            return True
        if self.engine.database_listing_probe is None:
            return False
        with self._cursor() as cursor:
            return q.database_listing_complete(cursor.execute(self.engine.database_listing_probe).fetchone())

    def list_hierarchy(self) -> RemoteHierarchy:
        """On the ANSI path the one database is the connection itself, so its failure is the listing's."""
        databases, failed = self._list_databases()
        return collect_hierarchy(databases, self._schema_listing, failed, fail_whole_listing=self.dialect == "ansi",
                                 complete=self._database_listing_complete())

    def _schema_listing(self, database: str) -> SchemaListing:
        with self._cursor(database) as cursor:
            rows = cursor.execute(q.SCHEMAS_ANSI).fetchall()
            complete = self._sees_all_schemas(cursor)
        return SchemaListing(tuple(r[0] for r in rows if not self._is_system_schema(r[0])), complete)

    def _schemas(self, database: str) -> tuple[str, ...]:
        return self._schema_listing(database).schemas

    @property
    def _is_postgresql(self) -> bool:
        return (self._dbms or "").casefold().startswith("postgresql")

    def _uses_tsql_probes(self) -> bool:
        return self.dialect == "tsql" or (self._dbms or "").casefold().startswith("microsoft sql server")

    def _sees_all_schemas(self, cursor: pyodbc.Cursor) -> bool:
        if self._uses_tsql_probes():
            if self.engine.probes == "permission_rows":
                return q.PermissionRows.parse(cursor.execute(q.PERMISSIONS_SYNAPSE).fetchall()).sees_all_schemas
            return q.schema_listing_complete(cursor.execute(q.SCHEMA_LISTING_PROBE_TSQL).fetchone())
        if self._is_postgresql:
            return cursor.execute(q.HIDDEN_SCHEMAS_POSTGRESQL).fetchone()[0] == 0
        return False

    def read_schema(self, database: str, schema: str, tables: Collection[str] | None = None) -> SchemaSnapshot:
        return self._read(database, schema, tables, None)

    def read_schema_changes(self, database: str, schema: str, known_tokens: Mapping[str, str],
                            table_range: TableRange | None = None) -> SchemaSnapshot:
        """T-SQL: columns read only for tables whose modify_date (or column comments) moved. The ANSI path has no
        such token and reads everything."""
        snapshot = self._read(database, schema, None, known_tokens if self.dialect == "tsql" else None)
        if table_range is None:
            return snapshot
        return replace(snapshot, tables=tuple(t for t in snapshot.tables if table_range.holds(t.name)))

    def _read(self, database: str, schema: str, tables: Collection[str] | None,
              known_tokens: Mapping[str, str] | None) -> SchemaSnapshot:
        if database in self._excluded_databases() or self._is_system_schema(schema):
            raise ObjectNotFound(f"{database}.{schema} is a system object and is not read")
        if self.dialect == "ansi" and database != self.configured_database:
            raise ObjectNotFound(f"database {database!r} is not the configured one")
        with self._cursor(database) as cursor:
            complete = self._check_schema(cursor, database, schema)
            table_query = q.tables_query(schema, tables)
            table_rows = cursor.execute(table_query.sql, *table_query.params).fetchall()
            comment_rows: list[Any] = []
            object_rows: list[Any] = []
            if self.dialect == "tsql":
                comment_query = q.comments_query(schema)
                comment_rows = cursor.execute(comment_query.sql, *comment_query.params).fetchall()
                object_query = q.objects_query(schema)
                object_rows = cursor.execute(object_query.sql, *object_query.params).fetchall()
            tokens = q.change_tokens(object_rows, comment_rows)
            unmoved: set[str] = set()
            if known_tokens:
                unmoved = {row[0] for row in table_rows
                           if row[0] in tokens and known_tokens.get(row[0]) == tokens[row[0]]}
                tables = [row[0] for row in table_rows if row[0] not in unmoved]
            column_query = q.columns_query(schema, tables)
            column_rows = cursor.execute(column_query.sql, *column_query.params).fetchall()
            column_id_rows: list[Any] = []
            if self.dialect == "tsql":
                id_query = q.column_ids_query(schema, tables)
                column_id_rows = cursor.execute(id_query.sql, *id_query.params).fetchall()
        snapshot = q.build_snapshot(database, schema, table_rows, column_rows, comment_rows,
                                    None if known_tokens else tables, object_rows, column_id_rows)
        snapshot = replace(snapshot, tables=tuple(
            replace(t, change_token=tokens.get(t.name), columns_unread=t.name in unmoved,
                    columns=() if t.name in unmoved else t.columns) for t in snapshot.tables))
        return snapshot if complete else replace(snapshot, complete=False)

    def _check_schema(self, cursor: pyodbc.Cursor, database: str, schema: str) -> bool:
        """Raise unless the schema exists and may be read; returns whether the reader sees all its tables."""
        probe = self._probe_schema(cursor, schema)
        if probe.access == "missing":
            raise ObjectNotFound(f"schema {schema!r} does not exist in database {database!r}")
        if probe.access == "denied":
            raise PermissionDenied(
                f"schema {schema!r} in database {database!r} is not readable with these credentials "
                "(or does not exist and the credentials may not see all metadata)")
        return probe.tables_complete

    def _probe_schema(self, cursor: pyodbc.Cursor, schema: str) -> q.SchemaProbe:
        if self.dialect == "tsql" and self.engine.probes == "permission_rows":
            schema_id = cursor.execute(q.SCHEMA_EXISTS_TSQL, schema).fetchone()
            rows = q.PermissionRows.parse(cursor.execute(q.PERMISSIONS_SYNAPSE).fetchall())
            return rows.schema_probe(schema_id[0] if schema_id else None, schema)
        if self.dialect == "tsql":
            probe = q.schema_probe_query(schema)
            return q.schema_probe(cursor.execute(probe.sql, *probe.params).fetchone())
        found = cursor.execute(q.SCHEMA_EXISTS_ANSI, schema).fetchone()[0]
        if not found:
            return q.SchemaProbe("missing", False)
        if self._is_postgresql:
            return q.SchemaProbe("readable", cursor.execute(q.HIDDEN_TABLES_POSTGRESQL, schema).fetchone()[0] == 0)
        if self._uses_tsql_probes():
            probe = q.schema_probe_query(schema)
            return q.SchemaProbe("readable", q.schema_probe(cursor.execute(probe.sql, *probe.params).fetchone())
                                 .tables_complete)
        return q.SchemaProbe("readable", False)


class AzureSqlConnector(SqlServerConnector):
    """Azure SQL Database: sys.databases lists master and the databases of the logical server."""

    technology = "azuresql"
    engine = q.AZURE_SQL


class SynapseConnector(SqlServerConnector):
    """Azure Synapse (dedicated and serverless SQL pools): also hides the appliance's own databases."""

    technology = "synapse"
    system_databases = frozenset({"master", "tempdb", "model", "msdb", "DWConfiguration", "DWDiagnostics",
                                  "DWQueue"})
    engine = q.SYNAPSE


def _set_query_timeout(connection: pyodbc.Connection, seconds: float) -> None:
    """Bound every query; a driver without query timeouts (psqlodbc) keeps its own, e.g. ConnSettings."""
    try:
        connection.timeout = max(1, int(seconds))
    except pyodbc.Error:
        pass


def _dbms_name(connection: pyodbc.Connection) -> str:
    """The ODBC source's product name (SQLGetInfo SQL_DBMS_NAME), e.g. "Microsoft SQL Server", "PostgreSQL"."""
    try:
        return str(connection.getinfo(pyodbc.SQL_DBMS_NAME) or "")
    except pyodbc.Error:
        return ""
