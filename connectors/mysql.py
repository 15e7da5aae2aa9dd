"""MySQL and MariaDB through pymysql.

MySQL has no level between the server and its databases, and calls a database a schema. The connector reports one
database, labelled by config `database` (default "def", the TABLE_CATALOG MySQL reports), whose schemas are the
MySQL databases. Config: hostname, port (3306), database (the label); credentials: username, password.

The information schema lists only what the reader holds a privilege on. A listing is complete when the reader's
own privileges show everything (SHOW DATABASES for the schemas; a schema-wide or global table privilege for a
schema's tables); otherwise only a missing object the reader still holds a grant on is known to be dropped, since
MySQL keeps schema, table and column grants after DROP. Roles' privileges are not in the privilege views, so
privileges held only through a role prove nothing.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import pymysql
import pymysql.cursors

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
from connectors.validation import (
    Warned,
    run_validation,
    visibility_outcome,
)
from domain.redaction import redact
from domain.schema_batches import TableRange
from domain.snapshot import RemoteColumn, RemoteHierarchy, RemoteTable, SchemaSnapshot

DEFAULT_DATABASE_LABEL = "def"

# MySQL error codes (server and client) that mean something to a crawl.
ER_DBACCESS_DENIED = 1044
ER_ACCESS_DENIED = 1045
ER_BAD_DB = 1049
ER_TABLEACCESS_DENIED = 1142
ER_COLUMNACCESS_DENIED = 1143
ER_SPECIFIC_ACCESS_DENIED = 1227
ER_STATEMENT_TIMEOUT = (1969, 3024)  # MariaDB max_statement_time, MySQL max_execution_time
CR_CONNECTION_ERROR = (2002, 2003, 2005, 2006)
CR_SERVER_LOST = 2013

SCHEMAS_QUERY = "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA ORDER BY SCHEMA_NAME"
SCHEMA_VISIBLE_QUERY = "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s"
SEES_ALL_SCHEMAS_QUERY = (
    "SELECT COUNT(*) FROM information_schema.USER_PRIVILEGES WHERE PRIVILEGE_TYPE = 'SHOW DATABASES'"
)
_TABLES_QUERY = """
SELECT TABLE_NAME, TABLE_TYPE, TABLE_COMMENT
FROM information_schema.TABLES
WHERE TABLE_SCHEMA = %s"""
_COLUMNS_QUERY = """
SELECT TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, COLUMN_TYPE, IS_NULLABLE, COLUMN_COMMENT
FROM information_schema.COLUMNS
WHERE TABLE_SCHEMA = %s"""
# A table's change token, computed by the server: the column count and a 64-bit XOR of digests of each column's
# position, name, type, nullability and comment (order-independent to aggregate, the position keeps order in it).
_TOKENS_QUERY = """
SELECT TABLE_NAME, CONCAT(COUNT(*), '-', BIT_XOR(CAST(CONV(SUBSTRING(MD5(CONCAT_WS(CHAR(31), ORDINAL_POSITION,
       COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_COMMENT)), 1, 16), 16, 10) AS UNSIGNED)))
FROM information_schema.COLUMNS
WHERE TABLE_SCHEMA = %s
GROUP BY TABLE_NAME"""
# INFORMATION_SCHEMA.TABLES lists only tables the reader holds some privilege on. These read the reader's own
# grants (never those of its roles: the views do not show them) to tell whether the listing is complete.
CURRENT_USER_QUERY = "SELECT CURRENT_USER()"
PARTIAL_REVOKES_QUERY = "SHOW VARIABLES LIKE 'partial_revokes'"
GLOBAL_PRIVILEGES_QUERY = "SELECT GRANTEE, PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = %s"
SCHEMA_PRIVILEGES_QUERY = (
    "SELECT GRANTEE, TABLE_SCHEMA, PRIVILEGE_TYPE FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE = %s"
)
#: Schemas the reader holds a privilege on, at schema level (a name or pattern) or table level (a name); MySQL
#: keeps these grants after DROP DATABASE.
GRANTED_SCHEMAS_QUERY = """
SELECT DISTINCT TABLE_SCHEMA, 1 FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE = %s
UNION
SELECT DISTINCT TABLE_SCHEMA, 0 FROM information_schema.TABLE_PRIVILEGES WHERE GRANTEE = %s"""
TABLE_GRANTS_QUERY = """
SELECT GRANTEE, TABLE_NAME FROM information_schema.TABLE_PRIVILEGES WHERE GRANTEE = %s AND TABLE_SCHEMA = %s
UNION
SELECT GRANTEE, TABLE_NAME FROM information_schema.COLUMN_PRIVILEGES WHERE GRANTEE = %s AND TABLE_SCHEMA = %s"""
#: Privileges that, held on the server or on a whole schema, make every table of it visible (the server's
#: TABLE_ACLS). Others (EXECUTE, PROCESS, SHOW DATABASES…) do not.
TABLE_VISIBLE_PRIVILEGES = frozenset({
    "SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "DROP", "REFERENCES", "INDEX", "ALTER", "CREATE VIEW",
    "SHOW VIEW", "TRIGGER", "DELETE HISTORY",
})
#: Above this many names a table filter is applied in Python rather than as bound parameters.
MAX_BOUND_TABLE_NAMES = 1000


def narrowed_query(sql: str, schema: str, tables: Collection[str] | None) -> tuple[str, list[str]]:
    params = [schema]
    if tables is not None and len(tables) <= MAX_BOUND_TABLE_NAMES:
        names = sorted(tables)
        if not names:
            return sql + " AND 1 = 0", params
        sql += f" AND TABLE_NAME IN ({', '.join('%s' for _ in names)})"
        params.extend(names)
    return sql, params


def build_snapshot(database: str, schema: str, table_rows: Sequence[Sequence[Any]],
                   column_rows: Sequence[Sequence[Any]], tables: Collection[str] | None = None) -> SchemaSnapshot:
    """Join the two bulk result sets in Python."""
    wanted = None if tables is None else set(tables)
    columns: dict[str, list[RemoteColumn]] = {}
    for table_name, name, ordinal, column_type, is_nullable, comment in column_rows:
        columns.setdefault(table_name, []).append(RemoteColumn(
            name=name, ordinal=int(ordinal), data_type=column_type, nullable=is_nullable == "YES",
            comment=comment or None,
        ))
    result = []
    for table_name, table_type, comment in table_rows:
        if wanted is not None and table_name not in wanted:
            continue
        is_view = table_type in {"VIEW", "SYSTEM VIEW"}
        result.append(RemoteTable(
            name=table_name, kind="view" if is_view else "table",
            columns=tuple(sorted(columns.get(table_name, ()), key=lambda c: c.ordinal)),
            remote_kind=table_type,
            # MySQL reports a view's comment as the word VIEW.
            comment=None if is_view and comment == "VIEW" else (comment or None),
        ))
    return SchemaSnapshot(database=database, schema=schema, tables=tuple(result))


def with_tokens(snapshot: SchemaSnapshot, tokens: Mapping[str, str], known: Mapping[str, str]) -> SchemaSnapshot:
    """Each table with its token; a table whose token did not move was not read (its columns are as stored)."""
    tables = []
    for table in snapshot.tables:
        token = tokens.get(table.name, "")
        unread = known.get(table.name) == token
        columns = () if unread else table.columns
        tables.append(replace(table, change_token=token, columns_unread=unread, columns=columns))
    return replace(snapshot, tables=tuple(tables))


def grantee(current_user: str) -> str:
    """CURRENT_USER() (user@host) as the privilege views spell a grantee ('user'@'host')."""
    user, _, host = current_user.rpartition("@")
    return f"'{user}'@'{host}'"


def schema_grant_matches(pattern: str, schema: str, *, wildcards: bool = True) -> bool:
    """Whether a schema-level grant name covers `schema`: _ and % are wildcards unless escaped with a backslash.

    With MySQL's partial_revokes on, grant names are literal; only an exact name is trusted then.
    """
    if not wildcards:
        return pattern == schema
    regex, chars = [], iter(pattern)
    for char in chars:
        if char == "\\":
            regex.append(re.escape(next(chars, "\\")))
        elif char == "%":
            regex.append(".*")
        elif char == "_":
            regex.append(".")
        else:
            regex.append(re.escape(char))
    return re.fullmatch("".join(regex), schema, re.DOTALL) is not None


def sees_all_tables(schema: str, global_privileges: Iterable[str], schema_grants: Iterable[tuple[str, str]],
                    *, partial_revokes: bool = False) -> bool:
    """Whether the reader's own privileges make every table of `schema` visible in INFORMATION_SCHEMA.TABLES.

    global_privileges: its PRIVILEGE_TYPEs at *.*; schema_grants: (schema name or pattern, PRIVILEGE_TYPE).
    With partial_revokes a global privilege may be revoked for one schema, so it proves nothing.
    """
    if not partial_revokes and TABLE_VISIBLE_PRIVILEGES & set(global_privileges):
        return True
    return any(privilege in TABLE_VISIBLE_PRIVILEGES
               and schema_grant_matches(pattern, schema, wildcards=not partial_revokes)
               for pattern, privilege in schema_grants)


def sees_all_schemas(global_privileges: Iterable[str], *, partial_revokes: bool = False) -> bool:
    """Whether SCHEMATA lists every schema: it shows only schemas the reader holds some privilege on, unless it
    holds SHOW DATABASES (https://dev.mysql.com/doc/refman/8.4/en/show-databases.html) or a privilege on all of
    them (*.*, which partial_revokes may take back for one schema)."""
    privileges = set(global_privileges)
    return "SHOW DATABASES" in privileges or (not partial_revokes and bool(TABLE_VISIBLE_PRIVILEGES & privileges))


def literal_schema(pattern: str, *, wildcards: bool = True) -> str | None:
    """The one schema a schema-level grant name stands for, or None when it holds a wildcard (_ or %)."""
    if not wildcards:
        return pattern
    name, chars = [], iter(pattern)
    for char in chars:
        if char == "\\":
            name.append(next(chars, "\\"))
        elif char in "%_":
            return None
        else:
            name.append(char)
    return "".join(name)


def confirmed_absent(granted: Collection[str], listed: Collection[str],
                     tables: Collection[str] | None = None) -> frozenset[str]:
    """Tables the reader holds a table or column grant on but the listing left out: dropped.

    A grant makes its table visible, and the server keeps table grants after DROP TABLE.
    """
    wanted = set(granted) if tables is None else set(granted) & set(tables)
    return frozenset(wanted - set(listed))


@dataclass(frozen=True, slots=True)
class TableVisibility:
    """What the reader's own grants say about one schema's listing."""

    complete: bool
    granted: frozenset[str] = frozenset()  # tables with a table- or column-level grant (when not complete)

    def __and__(self, other: TableVisibility) -> TableVisibility:
        """Both readings must agree: a grant changed during the listing proves nothing."""
        return TableVisibility(self.complete and other.complete, self.granted & other.granted)


@dataclass(frozen=True, slots=True)
class Grants:
    """The reader's own privileges, as the privilege views show them."""

    reader: str
    partial_revokes: bool
    global_privileges: tuple[str, ...]
    schema_grants: tuple[tuple[str, str], ...]  # (schema name or pattern, PRIVILEGE_TYPE)

    def sees_all_tables(self, schema: str) -> bool:
        return sees_all_tables(schema, self.global_privileges, self.schema_grants,
                               partial_revokes=self.partial_revokes)

    @property
    def sees_all_schemas(self) -> bool:
        return sees_all_schemas(self.global_privileges, partial_revokes=self.partial_revokes)


class MySQLConnector(Connector):
    technology = "mysql"
    system_schemas = frozenset({"mysql", "information_schema", "performance_schema", "sys"})

    def __init__(self, config: Any, credentials: Any, **options: Any):
        super().__init__(config, credentials, **options)
        if not self.config.get("hostname"):
            raise ConfigurationError("hostname is required")
        self.database_label = str(self.config.get("database") or DEFAULT_DATABASE_LABEL)
        self._session: pymysql.connections.Connection | None = None

    @property
    def _secrets(self) -> list[str]:
        return [str(self.credentials.get("password") or "")]

    def _map_error(self, error: pymysql.MySQLError, context: str) -> ConnectorError:
        code = error.args[0] if error.args and isinstance(error.args[0], int) else None
        detail = redact(str(error.args[1]) if len(error.args) > 1 else str(error), self._secrets)
        message = f"{context}: {detail}"
        if code == ER_ACCESS_DENIED:
            return AuthenticationFailed(message)
        if code in {ER_DBACCESS_DENIED, ER_TABLEACCESS_DENIED, ER_COLUMNACCESS_DENIED, ER_SPECIFIC_ACCESS_DENIED}:
            return PermissionDenied(message)
        if code == ER_BAD_DB:
            return ObjectNotFound(message)
        if code in ER_STATEMENT_TIMEOUT or code == CR_SERVER_LOST:
            return RemoteTimeout(message)
        if code in CR_CONNECTION_ERROR:
            return RemoteUnavailable(message)
        return ConnectorError(message)

    def _connect(self) -> pymysql.connections.Connection:
        seconds = max(1, int(self.timeout))
        try:
            return pymysql.connect(
                host=str(self.config["hostname"]), port=int(self.config.get("port") or 3306),
                user=self.credentials.get("username"), password=self.credentials.get("password") or "",
                charset="utf8mb4", autocommit=True, connect_timeout=seconds, read_timeout=seconds,
                write_timeout=seconds, cursorclass=pymysql.cursors.Cursor,
            )
        except pymysql.MySQLError as error:
            raise self._map_error(error, "could not connect") from None

    def _reusable_session(self) -> pymysql.connections.Connection | None:
        """The session kept from the previous call, if the server still answers it."""
        session, self._session = self._session, None
        if session is None:
            return None
        try:
            session.ping(reconnect=False)
        except pymysql.MySQLError:
            session.close()
            return None
        return session

    @contextmanager
    def _connection(self) -> Iterator[pymysql.connections.Connection]:
        """A session kept across calls (crawl tasks reuse connectors); one that failed is never kept."""
        connection = self._reusable_session() or self._connect()
        try:
            yield connection
        except pymysql.MySQLError as error:
            connection.close()
            raise self._map_error(error, "metadata query failed") from None
        except BaseException:
            connection.close()
            raise
        self._session = connection

    def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            session.close()

    def _excluded_schemas(self) -> set[str]:
        return {*self.system_schemas, *self.internal_databases}

    def validate(self) -> list[ValidationResult]:
        return run_validation([
            (self.test_names.connect, self._test_connection),
            (self.test_names.access, self._test_database_access),
            (self.test_names.privileges, self._test_metadata_privileges),
        ])

    def _test_connection(self) -> None:
        with self._connection() as connection, connection.cursor() as cursor:
            cursor.execute("SELECT 1")

    def _test_database_access(self) -> None:
        if not self.list_hierarchy().databases[self.database_label]:
            raise PermissionDenied("the credentials may not see any database (MySQL schema)")

    def _test_metadata_privileges(self) -> str | Warned | None:
        with self._connection() as connection, connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE 1 = 0")
            grants = self._grants(cursor)
        user = grants.reader
        gaps = [] if grants.sees_all_schemas else [
            f"user {user} lacks the global SHOW DATABASES privilege (schemas it holds no privilege on are hidden)"]
        gaps += [
            f"user {user} holds no schema-wide privilege such as SELECT on schema {schema!r} (only its tables with "
            "a table grant are listed, and only their drops are detected)"
            for schema in self.list_hierarchy().databases[self.database_label][:10]
            if not grants.sees_all_tables(schema)
        ]
        return visibility_outcome(gaps, f"user {user} sees every schema and table")

    def list_hierarchy(self) -> RemoteHierarchy:
        with self._connection() as connection, connection.cursor() as cursor:
            before = self._grants(cursor)
            cursor.execute(SCHEMAS_QUERY)
            rows = cursor.fetchall()
            after = self._grants(cursor)
            granted = self._granted_schemas(cursor, before) & self._granted_schemas(cursor, after)
        excluded = self._excluded_schemas()
        schemas = tuple(name for (name,) in rows if name not in excluded)
        hierarchy = RemoteHierarchy(databases={self.database_label: schemas})
        if before.sees_all_schemas and after.sees_all_schemas:
            return hierarchy
        # A schema grant outlives DROP DATABASE: a granted schema missing from the listing was dropped.
        gone = frozenset(granted - set(schemas) - excluded)
        return replace(hierarchy, incomplete_schemas={self.database_label: gone})

    def _grants(self, cursor: pymysql.cursors.Cursor) -> Grants:
        cursor.execute(CURRENT_USER_QUERY)
        reader = grantee(cursor.fetchone()[0])
        cursor.execute(PARTIAL_REVOKES_QUERY)
        partial_revokes = any(str(value).upper() == "ON" for _, value in cursor.fetchall())
        cursor.execute(GLOBAL_PRIVILEGES_QUERY, (reader,))
        global_privileges = tuple(privilege for _, privilege in cursor.fetchall())
        cursor.execute(SCHEMA_PRIVILEGES_QUERY, (reader,))
        schema_grants = tuple((pattern, privilege) for _, pattern, privilege in cursor.fetchall())
        return Grants(reader, partial_revokes, global_privileges, schema_grants)

    def _granted_schemas(self, cursor: pymysql.cursors.Cursor, grants: Grants) -> set[str]:
        """The schemas named exactly by the reader's schema- or table-level grants."""
        cursor.execute(GRANTED_SCHEMAS_QUERY, (grants.reader, grants.reader))
        names = (literal_schema(name, wildcards=bool(pattern) and not grants.partial_revokes)
                 for name, pattern in cursor.fetchall())
        return {name for name in names if name is not None}

    def read_schema(self, database: str, schema: str, tables: Collection[str] | None = None) -> SchemaSnapshot:
        return self._read(database, schema, tables, None)

    def read_schema_changes(self, database: str, schema: str, known_tokens: Mapping[str, str],
                            table_range: TableRange | None = None) -> SchemaSnapshot:
        """Every table listed; columns read for the tables whose server-side checksum moved."""
        snapshot = self._read(database, schema, None, known_tokens)
        if table_range is None:
            return snapshot
        return replace(snapshot, tables=tuple(t for t in snapshot.tables if table_range.holds(t.name)))

    def _read(self, database: str, schema: str, tables: Collection[str] | None,
              known_tokens: Mapping[str, str] | None) -> SchemaSnapshot:
        if database != self.database_label:
            raise ObjectNotFound(f"database {database!r} is not this connection's ({self.database_label!r})")
        if schema in self._excluded_schemas():
            raise ObjectNotFound(f"{schema!r} is a system or internal schema and is not read")
        with self._connection() as connection:
            self._check_schema(connection, schema)
            with connection.cursor() as cursor:
                before = self._table_visibility(cursor, schema)
                cursor.execute(*narrowed_query(_TABLES_QUERY, schema, tables))
                table_rows = cursor.fetchall()
                tokens: dict[str, str] = {}
                if known_tokens is not None:
                    cursor.execute(_TOKENS_QUERY, (schema,))
                    tokens = dict(cursor.fetchall())
                    moved = [row[0] for row in table_rows if known_tokens.get(row[0]) != tokens.get(row[0], "")]
                    cursor.execute(*narrowed_query(_COLUMNS_QUERY, schema, moved if known_tokens else None))
                else:
                    cursor.execute(*narrowed_query(_COLUMNS_QUERY, schema, tables))
                column_rows = cursor.fetchall()
                visibility = before & self._table_visibility(cursor, schema)
        snapshot = build_snapshot(database, schema, table_rows, column_rows, tables)
        if known_tokens is not None:
            snapshot = with_tokens(snapshot, tokens, known_tokens)
        if visibility.complete:
            return snapshot
        listed = [row[0] for row in table_rows]
        return replace(snapshot, complete=False, confirmed_absent=confirmed_absent(visibility.granted, listed, tables))

    def _table_visibility(self, cursor: pymysql.cursors.Cursor, schema: str) -> TableVisibility:
        """Read before and after the listing: only what both readings agree on is trusted."""
        grants = self._grants(cursor)
        if grants.sees_all_tables(schema):
            return TableVisibility(complete=True)
        reader = grants.reader
        cursor.execute(TABLE_GRANTS_QUERY, (reader, schema, reader, schema))
        return TableVisibility(complete=False, granted=frozenset(name for _, name in cursor.fetchall()))

    def _check_schema(self, connection: pymysql.connections.Connection, schema: str) -> None:
        """Open the schema as the default database (COM_INIT_DB: the name travels as data, not SQL text).

        The server answers 'access denied' both for schemas the user may not use and, to users who may not list
        all databases, for missing ones; only a user who sees all schemas learns that one is missing.
        """
        try:
            connection.select_db(schema)
            return
        except pymysql.MySQLError as error:
            code = error.args[0] if error.args else None
            if code == ER_BAD_DB:
                raise ObjectNotFound(f"schema {schema!r} does not exist") from None
            if code != ER_DBACCESS_DENIED:
                raise
        with connection.cursor() as cursor:
            cursor.execute(SCHEMA_VISIBLE_QUERY, (schema,))
            visible = cursor.fetchone()[0] > 0
            cursor.execute(SEES_ALL_SCHEMAS_QUERY)
            sees_all = cursor.fetchone()[0] > 0
        if not visible and sees_all:
            raise ObjectNotFound(f"schema {schema!r} does not exist")
        raise PermissionDenied(f"schema {schema!r} is not readable with these credentials"
                               + ("" if visible else " (or does not exist)"))


class MariaDBConnector(MySQLConnector):
    technology = "mariadb"

