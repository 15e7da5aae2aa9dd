"""Snowflake through snowflake-connector-python.

Config: account, user, warehouse, role, database (restrict to one) or databases (a list), internalDatabase, and
host/port/protocol (PrivateLink or a local endpoint). authenticationType "userPassword" (credentials password),
"keyPair" (credentials privateKey PEM, optional privateKeyPassphrase) or "oauth" (credentials token).

Databases come from SHOW DATABASES (paged, SHOW returns at most 10,000 rows); each database's schemas from its
INFORMATION_SCHEMA.SCHEMATA; a schema is read with one INFORMATION_SCHEMA query joining SCHEMATA, COLUMNS, TABLES
and VIEWS. Snowflake hides objects the role has no privilege on, so a schema the role may not see is reported
as "does not exist or not authorized" (ObjectNotFound); an explicit access-control error is PermissionDenied.
INFORMATION_SCHEMA needs a running warehouse (config warehouse, which the role may use); without one Snowflake
answers 000606 and the connector says which warehouse is missing.

Every listing is filtered by the role's privileges, so none is complete. A drop is proven by SHOW … HISTORY, which
lists dropped databases, schemas and tables still in Time Travel (with dropped_on) to a role that held privileges
on them: an object listed there as dropped and not live is gone; anything else that vanished is counted as not
visible and left as it is (a view, whose drop SHOW TABLES HISTORY does not show, or an object whose retention is
0 days). The session pins QUOTED_IDENTIFIERS_IGNORE_CASE to FALSE so quoted mixed-case names resolve exactly
whatever the account's default. A table's creation time is its identity: a drop and re-create changes it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from itertools import groupby
from typing import Any

import snowflake.connector
from cryptography.hazmat.primitives import serialization
from snowflake.connector import SnowflakeConnection
from snowflake.connector.backoff_policies import exponential_backoff
from snowflake.connector.cursor import SnowflakeCursor
from snowflake.connector.errors import Error as SnowflakeError

from connectors.base import Connector, ValidationResult
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
from connectors.validation import Warned, validate_by_listing, visibility_outcome
from domain.redaction import redact
from domain.schema_batches import TableRange
from domain.snapshot import RemoteColumn, RemoteHierarchy, RemoteTable, SchemaSnapshot

SHOW_PAGE_SIZE = 10_000
VIEW_TYPES = frozenset({"VIEW", "MATERIALIZED VIEW"})
NO_ACTIVE_WAREHOUSE = 606
#: Base tables INFORMATION_SCHEMA.TABLES flags rather than types: flag column → the platform's word kept.
TABLE_FLAGS = (("IS_DYNAMIC", "DYNAMIC TABLE"), ("IS_ICEBERG", "ICEBERG TABLE"), ("IS_HYBRID", "HYBRID TABLE"))
AUTHENTICATION_TYPES = ("userPassword", "keyPair", "oauth")
WAREHOUSE_TEST = "Initial validation: default warehouse access test"
PRIVILEGED_ROLE_TEST = "Initial validation: validate access to privileged role"
DATABASE_ABSENT_TEST = "Validate automatic: database does not exist"
_SECRET_KEYS = ("password", "privateKey", "privateKeyPassphrase", "token")
_ERROR_PREFIX = re.compile(r"^\d{6} \(\w+\): ")


# --- connecting ------------------------------------------------------------------------------------------------


def quote_identifier(name: str) -> str:
    """A Snowflake quoted identifier: exact case, embedded double quotes doubled."""
    return '"' + name.replace('"', '""') + '"'


def private_key_der(pem: str, passphrase: str | None = None) -> bytes:
    """The PKCS#8 DER bytes the connector's `private_key` argument takes, from a (possibly encrypted) PEM key."""
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=passphrase.encode() if passphrase else None)
    except (ValueError, TypeError) as error:
        reason = "wrong or missing passphrase" if "password" in str(error).lower() else "not a PEM private key"
        raise ConfigurationError(f"credentials.privateKey could not be loaded ({reason})") from None
    return key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def account_of_host(host: str) -> str | None:
    """The account identifier in an account URL: organization.us-east-1.snowflakecomputing.com gives
    organization.us-east-1 (None for any other host, such as a PrivateLink or local endpoint)."""
    name = host.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0].lower()
    suffix = ".snowflakecomputing.com"
    return name[: -len(suffix)] or None if name.endswith(suffix) else None


def connect_arguments(config: Mapping[str, Any], credentials: Mapping[str, Any], timeout: float) -> dict[str, Any]:
    """Keyword arguments for snowflake.connector.connect; pure, so every authentication type is testable."""
    account = config.get("account") or account_of_host(str(config.get("host") or ""))
    if not account:
        raise ConfigurationError("account is required (the account identifier, e.g. myorg-myaccount), or a host "
                                 "<account>.snowflakecomputing.com")
    seconds = max(1, math.ceil(timeout))
    arguments: dict[str, Any] = {
        "account": str(account),
        "application": "objectsync",
        "login_timeout": seconds,
        "network_timeout": seconds,
        "socket_timeout": seconds,
        "client_session_keep_alive": False,
        # Retries (logins, result chunk downloads) back off at most a quarter of the timeout at a time, not the
        # client's default 16 s, so a failing call gives up in about the time the connection is configured for.
        "backoff_policy": exponential_backoff(cap=max(1, seconds // 4)),
        # Quoted identifiers (the connector quotes every name it sends) must resolve exactly, whatever the account's
        # QUOTED_IDENTIFIERS_IGNORE_CASE default is.
        "session_parameters": {"STATEMENT_TIMEOUT_IN_SECONDS": seconds, "QUERY_TAG": "objectsync metadata sync",
                               "QUOTED_IDENTIFIERS_IGNORE_CASE": False},
    }
    for key in ("warehouse", "role", "host", "protocol"):
        if config.get(key):
            arguments[key] = str(config[key])
    if config.get("port"):
        port = config["port"]
        if isinstance(port, str) and port.isdigit():
            port = int(port)
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            raise ConfigurationError(f"port must be an integer between 1 and 65535, not {port!r}")
        arguments["port"] = port
    user = config.get("user") or credentials.get("username") or credentials.get("user")
    authentication = str(config.get("authenticationType") or "userPassword")
    authentication = {t.lower(): t for t in AUTHENTICATION_TYPES}.get(authentication.lower(), authentication)
    if authentication == "userPassword":
        if not user or not credentials.get("password"):
            raise ConfigurationError("authenticationType 'userPassword' needs user and credentials.password")
        arguments.update(user=str(user), password=str(credentials["password"]))
    elif authentication == "keyPair":
        if not user or not credentials.get("privateKey"):
            raise ConfigurationError("authenticationType 'keyPair' needs user and credentials.privateKey")
        der = private_key_der(str(credentials["privateKey"]), credentials.get("privateKeyPassphrase"))
        arguments.update(user=str(user), authenticator="SNOWFLAKE_JWT", private_key=der)
    elif authentication == "oauth":
        if not credentials.get("token"):
            raise ConfigurationError("authenticationType 'oauth' needs credentials.token")
        arguments.update(authenticator="oauth", token=str(credentials["token"]))
        if user:
            arguments["user"] = str(user)
    else:
        raise ConfigurationError(
            f"authenticationType must be one of {', '.join(AUTHENTICATION_TYPES)}, not {authentication!r}"
        )
    return arguments


# --- errors ----------------------------------------------------------------------------------------------------


def map_error(error: Exception, context: str, secrets: Iterable[str] = ()) -> ConnectorError:
    """Translate a Snowflake error by its error code; the message never carries a secret."""
    if isinstance(error, ConnectorError):
        return error
    errno = getattr(error, "errno", None) or 0
    detail = redact(" ".join(_ERROR_PREFIX.sub("", getattr(error, "raw_msg", None) or str(error)).split()), secrets)
    message = f"{context}: {detail}"
    if not isinstance(error, SnowflakeError):
        return RemoteUnavailable(message) if isinstance(error, OSError) else ConnectorError(message)
    if 390000 <= errno < 391000:  # the login service refused the credentials (390100 password, 390144 JWT…)
        return AuthenticationFailed(message)
    if errno in (604, 630):  # statement cancelled / reached STATEMENT_TIMEOUT_IN_SECONDS
        return RemoteTimeout(message)
    if errno == NO_ACTIVE_WAREHOUSE:
        return ConfigurationError(f"{context}: no usable warehouse: set config.warehouse to a warehouse this role "
                                  "has USAGE on (INFORMATION_SCHEMA queries need a running warehouse)")
    # 252013: a result chunk held fewer rows than announced; the client already re-downloaded it once
    if errno in (250001, 250002, 250003, 250005, 251011, 252007, 252013) or 290000 <= errno < 291000:
        return RemoteUnavailable(message)
    if getattr(error, "sqlstate", None) == "42501" or 3000 <= errno < 4000:  # SQL access control error
        return PermissionDenied(message)
    if errno == 2003:  # "does not exist or not authorized"
        return ObjectNotFound(message)
    return ConnectorError(message)


# --- data types ------------------------------------------------------------------------------------------------


def data_type_text(data_type: str, char_length: int | None, precision: int | None, scale: int | None) -> str:
    """The type as DESCRIBE shows it (VARCHAR(20), NUMBER(38,0)) from INFORMATION_SCHEMA's split columns."""
    base = data_type.upper()
    if base in ("TEXT", "VARCHAR", "STRING"):
        return f"VARCHAR({char_length})" if char_length else "VARCHAR"
    if base in ("BINARY", "VARBINARY"):
        return f"BINARY({char_length})" if char_length else "BINARY"
    if base == "NUMBER" and precision is not None:
        return f"NUMBER({precision},{scale or 0})"
    return base


def _schema_query(database: str, tables: Collection[str] | None) -> str:
    info = f"{quote_identifier(database)}.INFORMATION_SCHEMA"
    table_filter = "" if tables is None else " AND c.TABLE_NAME IN (%(tables)s)" if tables else " AND 1 = 0"
    return f"""
SELECT s.SCHEMA_NAME, c.TABLE_NAME,
       COALESCE(t.TABLE_TYPE, CASE WHEN v.TABLE_NAME IS NOT NULL THEN 'VIEW' END),
       COALESCE(t.COMMENT, v.COMMENT), COALESCE(t.TABLE_OWNER, v.TABLE_OWNER),
       c.COLUMN_NAME, c.ORDINAL_POSITION, c.DATA_TYPE, c.CHARACTER_MAXIMUM_LENGTH,
       c.NUMERIC_PRECISION, c.NUMERIC_SCALE, c.IS_NULLABLE, c.COMMENT,
       COALESCE(t.CREATED, v.CREATED), t.IS_DYNAMIC, t.IS_ICEBERG, t.IS_HYBRID,
       COALESCE(t.LAST_ALTERED, v.LAST_ALTERED)
FROM {info}.SCHEMATA s
LEFT JOIN {info}.COLUMNS c ON c.TABLE_SCHEMA = s.SCHEMA_NAME{table_filter}
LEFT JOIN {info}.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
LEFT JOIN {info}.VIEWS v ON v.TABLE_SCHEMA = c.TABLE_SCHEMA AND v.TABLE_NAME = c.TABLE_NAME
WHERE s.SCHEMA_NAME = %(schema)s
ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION"""


def _tokens_query(database: str) -> str:
    """Every table and view of the schema with LAST_ALTERED (which any DDL on it, its columns', moves) and the
    table-level fields of the full read, without the columns."""
    info = f"{quote_identifier(database)}.INFORMATION_SCHEMA"
    return f"""
SELECT t.TABLE_NAME, t.TABLE_TYPE, t.COMMENT, t.TABLE_OWNER, t.CREATED, t.IS_DYNAMIC, t.IS_ICEBERG, t.IS_HYBRID,
       t.LAST_ALTERED
FROM {info}.TABLES t
WHERE t.TABLE_SCHEMA = %(schema)s
ORDER BY t.TABLE_NAME"""


def token_of(last_altered: Any) -> str | None:
    return identity(last_altered)


def unread_table(row: tuple[Any, ...]) -> RemoteTable:
    """A table whose LAST_ALTERED did not move: its table-level fields, its columns as stored."""
    name, table_type, comment, owner, created, *flags, last_altered = row
    remote_kind = remote_kind_of(table_type, dict(zip((flag for flag, _ in TABLE_FLAGS), flags, strict=True)))
    return RemoteTable(name=name, kind="view" if remote_kind in VIEW_TYPES else "table", columns=(),
                       remote_kind=remote_kind, comment=comment or None, owner=owner or None,
                       remote_id=identity(created), change_token=token_of(last_altered), columns_unread=True)


def tables_from_rows(rows: Iterable[tuple[Any, ...]]) -> tuple[RemoteTable, ...]:
    """Group the read's rows (ordered by table, ordinal) into tables; a row without a table is the schema itself."""
    tables = []
    for name, group in groupby((r for r in rows if r[1] is not None), key=lambda r: r[1]):
        members = list(group)
        first = members[0]
        remote_kind = remote_kind_of(first[2], dict(zip((flag for flag, _ in TABLE_FLAGS), first[14:17], strict=True)))
        tables.append(
            RemoteTable(
                name=name,
                kind="view" if remote_kind in VIEW_TYPES else "table",
                remote_kind=remote_kind,
                comment=first[3] or None,
                owner=first[4] or None,
                remote_id=identity(first[13]),
                change_token=token_of(first[17]) if len(first) > 17 else None,
                columns=tuple(
                    RemoteColumn(
                        name=r[5],
                        ordinal=int(r[6]),
                        data_type=data_type_text(r[7], r[8], r[9], r[10]),
                        nullable=r[11] == "YES",
                        comment=r[12] or None,
                    )
                    for r in members
                ),
            )
        )
    return tuple(tables)


def remote_kind_of(table_type: str | None, flags: Mapping[str, Any]) -> str | None:
    """TABLE_TYPE, except that a dynamic, Iceberg or hybrid table (a BASE TABLE with a flag) keeps its own word."""
    if table_type == "BASE TABLE":
        for flag, word in TABLE_FLAGS:
            if str(flags.get(flag) or "").upper() == "YES":
                return word
    return table_type


def identity(created: Any) -> str | None:
    """The creation time as a stable string: a table's identity, which a drop and re-create changes."""
    if isinstance(created, datetime):
        return (created if created.tzinfo else created.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    return None if created is None else str(created)


def dropped_only(rows: Iterable[Mapping[str, Any]]) -> frozenset[str]:
    """Names SHOW … HISTORY lists only as dropped: a live row of the same name (re-created) is no drop."""
    live = {row["name"] for row in rows if row.get("dropped_on") is None}
    return frozenset(row["name"] for row in rows if row.get("dropped_on") is not None) - live


# --- the connector ---------------------------------------------------------------------------------------------


class SnowflakeConnector(Connector):
    technology = "snowflake"
    system_databases = frozenset({"SNOWFLAKE", "SNOWFLAKE_SAMPLE_DATA"})
    system_schemas = frozenset({"INFORMATION_SCHEMA"})

    def __init__(self, config: Mapping[str, Any], credentials: Mapping[str, Any], **options: Any):
        super().__init__(config, credentials, **options)
        self._secrets = [str(self.credentials[k]) for k in _SECRET_KEYS if self.credentials.get(k)]
        self._connection: SnowflakeConnection | None = None

    # -- plumbing --

    def _cursor(self) -> SnowflakeCursor:
        if self._connection is None:
            arguments = connect_arguments(self.config, self.credentials, self.timeout)
            try:
                self._connection = snowflake.connector.connect(**arguments)
            except Exception as error:  # noqa: BLE001 - every client failure becomes a domain error
                raise map_error(
                    error, f"cannot log in to Snowflake account {arguments['account']}", self._secrets
                ) from None
        return self._connection.cursor()

    def _run(self, sql: str, params: Mapping[str, Any] | None, context: str) -> tuple[list[str], list[tuple]]:
        cursor = self._cursor()
        try:
            cursor.execute(sql, dict(params) if params is not None else None)
            columns = [d.name.lower() for d in cursor.description or ()]
            return columns, cursor.fetchall()
        except Exception as error:  # noqa: BLE001 - every client failure becomes a domain error
            raise map_error(error, context, self._secrets) from None
        finally:
            cursor.close()

    def _excluded_databases(self) -> set[str]:
        internal = [*self.internal_databases]
        if self.config.get("internalDatabase"):
            internal.append(str(self.config["internalDatabase"]))
        return {name.upper() for name in (*self.system_databases, *internal)}

    def _all_databases(self) -> list[str]:
        """SHOW DATABASES, paged with LIMIT … FROM because SHOW returns at most 10,000 rows."""
        names: list[str] = []
        seen: set[str] = set()
        after: str | None = None
        while True:
            sql = f"SHOW TERSE DATABASES LIMIT {SHOW_PAGE_SIZE}" + (" FROM %(after)s" if after else "")
            columns, rows = self._run(sql, {"after": after} if after else None, "cannot list databases")
            page = [row[columns.index("name")] for row in rows]
            fresh = [name for name in page if name not in seen]
            names += fresh
            seen.update(fresh)
            if len(page) < SHOW_PAGE_SIZE or not fresh:
                return names
            after = page[-1]

    def _show_history(self, what: str, context: str) -> list[dict[str, Any]]:
        """Every row of SHOW <what> HISTORY, paged with LIMIT … FROM (rows following the first one of that name)."""
        rows: list[dict[str, Any]] = []
        seen: set[tuple[Any, Any]] = set()
        after: str | None = None
        while True:
            sql = f"SHOW {what} LIMIT {SHOW_PAGE_SIZE}" + (" FROM %(after)s" if after else "")
            columns, page = self._run(sql, {"after": after} if after else None, context)
            records = [dict(zip(columns, row, strict=True)) for row in page]
            fresh = [r for r in records if (r["name"], r.get("dropped_on")) not in seen]
            rows += fresh
            seen.update((r["name"], r.get("dropped_on")) for r in fresh)
            if len(page) < SHOW_PAGE_SIZE or not fresh:
                return rows
            after = records[-1]["name"]

    def _databases_in_scope(self) -> tuple[list[str], dict[str, str]]:
        """Visible databases, narrowed to the configured ones; configured but invisible ones are failures."""
        excluded = self._excluded_databases()
        visible = [name for name in self._all_databases() if name.upper() not in excluded]
        wanted = [self.config["database"]] if self.config.get("database") else self.config.get("databases") or []
        if not wanted:
            return visible, {}
        found, missing = [], {}
        for name in map(str, wanted):
            match = name if name in visible else next((v for v in visible if v.upper() == name.upper()), None)
            if match is None:
                missing[name] = f"database {name} does not exist or is not authorized for this role"
            elif match not in found:
                found.append(match)
        return found, missing

    def _schemas(self, database: str) -> tuple[str, ...]:
        sql = f"SELECT SCHEMA_NAME FROM {quote_identifier(database)}.INFORMATION_SCHEMA.SCHEMATA ORDER BY SCHEMA_NAME"
        _, rows = self._run(sql, None, f"cannot list the schemas of database {database}")
        return tuple(row[0] for row in rows if row[0].upper() not in self.system_schemas)

    def _schema_listing(self, database: str) -> SchemaListing:
        schemas = self._schemas(database)
        history = self._show_history(f"SCHEMAS HISTORY IN DATABASE {quote_identifier(database)}",
                                     f"cannot list the dropped schemas of database {database}")
        return SchemaListing(schemas, complete=False, confirmed_absent=dropped_only(history))

    # -- the interface --

    def list_hierarchy(self) -> RemoteHierarchy:
        databases, failed = self._databases_in_scope()
        dropped = dropped_only(self._show_history("DATABASES HISTORY", "cannot list the dropped databases"))
        return collect_hierarchy(databases, self._schema_listing, failed, complete=False, confirmed_absent=dropped)

    def read_schema(self, database: str, schema: str, tables: Collection[str] | None = None) -> SchemaSnapshot:
        rows, dropped = self._read(database, schema, tables)
        return SchemaSnapshot(database=database, schema=schema, tables=tables_from_rows(rows), complete=False,
                              confirmed_absent=dropped if tables is None else dropped & set(tables))

    def read_schema_changes(self, database: str, schema: str, known_tokens: Mapping[str, str],
                            table_range: TableRange | None = None) -> SchemaSnapshot:
        """The tables with LAST_ALTERED first; the columns of the tables whose LAST_ALTERED moved."""
        if not known_tokens:
            snapshot = self.read_schema(database, schema)
        else:
            _, listed = self._run(_tokens_query(database), {"schema": schema},
                                  f"cannot read schema {database}.{schema}")
            moved = [row[0] for row in listed if known_tokens.get(row[0]) != token_of(row[-1])]
            rows, dropped = self._read(database, schema, moved)
            read = {t.name: t for t in tables_from_rows(rows)}
            tables = tuple(read[row[0]] if row[0] in read else unread_table(row) for row in listed
                           if row[0] in read or row[0] not in moved)
            snapshot = SchemaSnapshot(database=database, schema=schema, tables=tables, complete=False,
                                      confirmed_absent=dropped)
        if table_range is None:
            return snapshot
        return replace(snapshot, tables=tuple(t for t in snapshot.tables if table_range.holds(t.name)))

    def _read(self, database: str, schema: str, tables: Collection[str] | None,
              ) -> tuple[list[tuple[Any, ...]], frozenset[str]]:
        """The read's rows (one per column, and the schema's own) and the tables SHOW … HISTORY proves dropped."""
        if database.upper() in self._excluded_databases() or schema.upper() in self.system_schemas:
            raise ObjectNotFound(f"{database}.{schema} is a system or internal schema and is never read")
        params: dict[str, Any] = {"schema": schema}
        if tables:
            params["tables"] = tuple(tables)
        _, rows = self._run(_schema_query(database, tables), params, f"cannot read schema {database}.{schema}")
        if not rows:
            raise ObjectNotFound(f"schema {database}.{schema} does not exist or is not authorized for this role")
        history = self._show_history(
            f"TABLES HISTORY IN SCHEMA {quote_identifier(database)}.{quote_identifier(schema)}",
            f"cannot list the dropped tables of schema {database}.{schema}")
        return rows, dropped_only(history)

    def validate(self) -> list[ValidationResult]:
        return validate_by_listing(self._test_connection, self._databases_in_scope, self._schemas,
                                   visibility=self._visibility,
                                   after_connect=[(WAREHOUSE_TEST, self._warehouse_access)])

    def _warehouse_access(self) -> str:
        """The session's warehouse is the configured one, and the role may run a query on it."""
        columns, rows = self._run("SELECT CURRENT_WAREHOUSE()", None,
                                  "Unable to access default warehouse. If this was a manual installation, ensure "
                                  "that the user has been granted usage on the specified warehouse.")
        current = rows[0][0] if rows else None
        if not current:
            raise PermissionDenied("Unable to access default warehouse. If this was a manual installation, ensure "
                                   "that the user has been granted usage on the specified warehouse.")
        return f"warehouse {current}"

    def validate_setup(self, setup: Mapping[str, Any], *, reachable: bool) -> list[ValidationResult]:
        """Before an automatic setup: the privileged role is usable and the integration's database is new."""
        impersonation = setup.get("impersonation") or {}
        skipped_impersonation = ValidationResult(
            "Validate automatic: impersonation role does not exist", "skipped",
            "user impersonation is not set up by this service" if impersonation.get("enabled")
            else "impersonation is not enabled")
        if not setup.get("autoBootstrap"):
            return [skipped_impersonation]
        if not reachable:
            reason = "skipped because the connection tests failed"
            return [ValidationResult(PRIVILEGED_ROLE_TEST, "skipped", reason),
                    ValidationResult(DATABASE_ABSENT_TEST, "skipped", reason), skipped_impersonation]
        return [self._check_role(str(self.config.get("role") or "")),
                self._check_database_absent(str(setup.get("database") or "")), skipped_impersonation]

    def _check_role(self, role: str) -> ValidationResult:
        try:
            _, rows = self._run("SELECT CURRENT_ROLE()", None, "User does not have access to the privileged role.")
        except ConnectorError as error:
            return ValidationResult(PRIVILEGED_ROLE_TEST, "failed", error.message)
        current = str(rows[0][0]) if rows and rows[0][0] else ""
        if role and current.upper() != role.upper():
            return ValidationResult(PRIVILEGED_ROLE_TEST, "failed", "User does not have access to the privileged role.")
        return ValidationResult(PRIVILEGED_ROLE_TEST, "passed", f"acting as role {current}")

    def _check_database_absent(self, database: str) -> ValidationResult:
        try:
            names = {name.upper() for name in self._all_databases()}
        except ConnectorError as error:
            return ValidationResult(DATABASE_ABSENT_TEST, "failed", error.message)
        if database.upper() in names:
            return ValidationResult(DATABASE_ABSENT_TEST, "failed",
                                    "The database already exists. If this database can be safely dropped, please do "
                                    "so and try again. Alternatively, specify a different database name.")
        return ValidationResult(DATABASE_ABSENT_TEST, "passed")

    def run_setup(self, statements: Sequence[str]) -> None:
        for statement in statements:
            self._run(statement, None, f"the setup script failed at {statement.splitlines()[0]!r}")

    def _visibility(self, databases: list[str]) -> str | Warned | None:
        """Drops are proven through Time Travel: a database kept 0 days cannot show them."""
        rows = self._show_history("DATABASES HISTORY", "cannot list databases")
        no_retention = sorted({r["name"] for r in rows if r.get("dropped_on") is None and r["name"] in databases
                               and str(r.get("retention_time")) == "0"})
        return visibility_outcome([
            f"database {name} keeps no Time Travel (DATA_RETENTION_TIME_IN_DAYS = 0), so SHOW … HISTORY cannot "
            "show a drop there" for name in no_retention
        ], "objects the role loses its privileges on are counted as not visible; drops are proven through "
           "SHOW … HISTORY")

    def _test_connection(self) -> None:
        self._cursor().close()

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except SnowflakeError:
                pass
            self._connection = None
