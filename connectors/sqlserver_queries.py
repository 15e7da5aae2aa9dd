"""SQL Server metadata queries and the pure parsing of their rows into snapshots.

Two families: the ANSI `INFORMATION_SCHEMA` queries (run by every dialect, and in tests for real through an ODBC
driver against PostgreSQL) and the T-SQL-only ones (`sys.databases`, `sys.extended_properties`, `sys.objects`,
permission probes), which are tested on rows recorded from each engine. Identifiers are always bound as `?`
parameters.

INFORMATION_SCHEMA and the catalog views show only what the reader has some permission on, so each listing comes
with a probe telling whether it is complete; without one, whatever vanished from it is counted as not visible,
never deleted (SQL Server drops a table's grants with it, so no grant survives to prove a drop).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from domain.snapshot import RemoteColumn, RemoteTable, SchemaSnapshot

#: Above this many names a table filter is applied in Python: SQL Server accepts at most 2,100 parameters.
MAX_BOUND_TABLE_NAMES = 500

LENGTH_TYPES = frozenset({
    "char", "varchar", "nchar", "nvarchar", "binary", "varbinary",
    "character", "character varying", "national character", "national character varying", "bit varying",
})
DECIMAL_TYPES = frozenset({"decimal", "numeric"})
FRACTIONAL_SECONDS_TYPES = frozenset({"datetime2", "datetimeoffset", "time"})

# --- T-SQL only -----------------------------------------------------------------------------------------------
#
# Each engine gets the probes its documentation lists: HAS_PERMS_BY_NAME applies to SQL Server and Azure SQL
# Database (https://learn.microsoft.com/en-us/sql/t-sql/functions/has-perms-by-name-transact-sql) and, on Azure SQL
# Database, only to the DATABASE, OBJECT, ROLE, SCHEMA and USER classes (no server-level check); HAS_DBACCESS
# applies to SQL Server and Synapse, not to Azure SQL Database
# (https://learn.microsoft.com/en-us/sql/t-sql/functions/has-dbaccess-transact-sql); Synapse has neither
# HAS_PERMS_BY_NAME nor, in dedicated pools, fn_my_permissions
# (https://learn.microsoft.com/en-us/sql/relational-databases/system-functions/sys-fn-my-permissions-transact-sql),
# so there the reader's own rows of sys.database_permissions and IS_ROLEMEMBER
# (https://learn.microsoft.com/en-us/sql/t-sql/functions/is-rolemember-transact-sql) tell what it may see.

#: Every database with its state and whether the login may open it (SQL Server, Synapse).
DATABASES_WITH_ACCESS_TSQL = """
SELECT d.name, d.state_desc, HAS_DBACCESS(d.name) AS has_access
FROM sys.databases AS d
ORDER BY d.name
"""

#: Azure SQL Database has no HAS_DBACCESS: whether a database opens is learnt by opening it.
DATABASES_TSQL = """
SELECT d.name, d.state_desc, NULL AS has_access
FROM sys.databases AS d
ORDER BY d.name
"""

#: Whether sys.databases shows this login every database: VIEW ANY DATABASE shows the online ones; an OFFLINE
#: database's row needs ALTER ANY DATABASE or CREATE DATABASE in master
#: (https://learn.microsoft.com/en-us/sql/relational-databases/system-catalog-views/sys-databases-transact-sql).
DATABASE_LISTING_PROBE_TSQL = """
SELECT HAS_PERMS_BY_NAME(NULL, NULL, 'VIEW ANY DATABASE') AS view_any_database,
       HAS_PERMS_BY_NAME(NULL, NULL, 'ALTER ANY DATABASE') AS alter_any_database,
       HAS_PERMS_BY_NAME('master', 'DATABASE', 'CREATE DATABASE') AS create_database
"""

#: The reader's own permission rows: its user's and those of the roles it is a member of. "Any user can see their
#: own permissions" (sys.database_permissions); a role's rows it cannot see only make visibility look smaller.
_MY_PERMISSIONS = """
FROM sys.database_permissions AS p
WHERE (p.grantee_principal_id = DATABASE_PRINCIPAL_ID() OR IS_MEMBER(USER_NAME(p.grantee_principal_id)) = 1)"""

#: Whether the reader sees every schema of the database (metadata visibility hides securables it has no
#: permission on: https://learn.microsoft.com/en-us/sql/relational-databases/security/metadata-visibility-configuration).
SCHEMA_LISTING_PROBE_TSQL = f"""
SELECT HAS_PERMS_BY_NAME(NULL, 'DATABASE', 'VIEW DEFINITION') AS sees_all_metadata,
       (SELECT COUNT(*) {_MY_PERMISSIONS} AND p.class IN (1, 3) AND p.state = 'D') AS denies
"""

#: Whether a schema exists, may be read, and shows all its tables: VIEW DEFINITION or SELECT on the schema (or
#: implied from the database or server) makes every table visible, unless a DENY on one of them hides it.
SCHEMA_PROBE_TSQL = f"""
SELECT
    (SELECT s.schema_id FROM sys.schemas AS s WHERE s.name = ?) AS schema_id,
    HAS_PERMS_BY_NAME(QUOTENAME(?), 'SCHEMA', 'VIEW DEFINITION') AS can_view_definition,
    HAS_PERMS_BY_NAME(QUOTENAME(?), 'SCHEMA', 'SELECT') AS can_select,
    (SELECT COUNT(*) FROM sys.objects AS o JOIN sys.schemas AS s ON s.schema_id = o.schema_id
      WHERE s.name = ? AND o.type IN ('U', 'V')) AS visible_objects,
    HAS_PERMS_BY_NAME(NULL, 'DATABASE', 'VIEW DEFINITION') AS sees_all_metadata,
    (SELECT COUNT(*) {_MY_PERMISSIONS} AND p.class = 1 AND p.state = 'D') AS object_denies
"""

#: Synapse: the same questions answered from the reader's permission rows (db_owner sees everything).
PERMISSIONS_SYNAPSE = f"""
SELECT p.class_desc,
       CASE p.class WHEN 3 THEN SCHEMA_NAME(p.major_id) WHEN 1 THEN OBJECT_SCHEMA_NAME(p.major_id) END,
       p.permission_name, p.state_desc
{_MY_PERMISSIONS} AND p.class IN (0, 1, 3)
UNION ALL
SELECT 'DATABASE', NULL, 'CONTROL', 'GRANT' WHERE IS_ROLEMEMBER('db_owner') = 1
"""

SCHEMA_EXISTS_TSQL = "SELECT s.schema_id FROM sys.schemas AS s WHERE s.name = ?"

#: MS_Description comments of a schema's tables (column_name NULL) and columns, in one query.
COMMENTS_TSQL = """
SELECT o.name AS table_name, c.name AS column_name, CAST(ep.value AS nvarchar(max)) AS comment
FROM sys.extended_properties AS ep
JOIN sys.objects AS o ON o.object_id = ep.major_id
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
LEFT JOIN sys.columns AS c ON c.object_id = ep.major_id AND c.column_id = ep.minor_id
WHERE ep.class = 1 AND ep.name = N'MS_Description' AND o.type IN ('U', 'V') AND s.name = ?
"""

#: Each column's column_id, its identity in its table: sp_rename keeps it, a drop and re-add gets a new one.
#: (INFORMATION_SCHEMA's ORDINAL_POSITION is not it.) Wrapped so the ANSI column names narrow it like the others.
_COLUMN_IDS_TSQL = """
SELECT TABLE_NAME, COLUMN_NAME, COLUMN_ID FROM (
    SELECT o.name AS TABLE_NAME, c.name AS COLUMN_NAME, c.column_id AS COLUMN_ID, s.name AS TABLE_SCHEMA
    FROM sys.columns AS c
    JOIN sys.objects AS o ON o.object_id = c.object_id
    JOIN sys.schemas AS s ON s.schema_id = o.schema_id
    WHERE o.type IN ('U', 'V')
) AS ids
WHERE TABLE_SCHEMA = ?"""

#: Each table's and view's owner (its own, else its schema's: principal_id is NULL unless ownership was
#: transferred), object_id, which a drop and re-create changes, and modify_date, which every ALTER of the object
#: (its columns included) moves.
OBJECTS_TSQL = """
SELECT o.name, USER_NAME(COALESCE(o.principal_id, s.principal_id)) AS owner, o.object_id, o.modify_date
FROM sys.objects AS o
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
WHERE o.type IN ('U', 'V') AND s.name = ?
"""

#: Error numbers worth retrying. On Azure SQL Database and Synapse these are the documented transient faults
#: (https://learn.microsoft.com/en-us/azure/azure-sql/database/troubleshoot-common-errors-issues#transient-fault-error-messages-40197-40613-and-others,
#: and SqlClient's list: https://learn.microsoft.com/en-us/dotnet/api/microsoft.data.sqlclient.sqlconfigurableretryfactory.baselinetransienterrors);
#: 4060 "cannot open database" among them, which on SQL Server means the login may not open it.
TRANSIENT_ERRORS_SQLSERVER = frozenset({1205})  # chosen as a deadlock victim
TRANSIENT_ERRORS_AZURE = TRANSIENT_ERRORS_SQLSERVER | frozenset({
    4060, 4221, 10928, 10929, 40143, 40197, 40501, 40540, 40613, 49918, 49919, 49920,
})


@dataclass(frozen=True, slots=True)
class Engine:
    """The T-SQL an engine accepts, per its documentation."""

    name: str
    databases: str
    database_listing_probe: str | None  # None: the engine offers no check that sys.databases shows everything
    probes: Literal["has_perms_by_name", "permission_rows"]
    transient_errors: frozenset[int]


SQL_SERVER = Engine("SQL Server", DATABASES_WITH_ACCESS_TSQL, DATABASE_LISTING_PROBE_TSQL, "has_perms_by_name",
                    TRANSIENT_ERRORS_SQLSERVER)
AZURE_SQL = Engine("Azure SQL Database", DATABASES_TSQL, None, "has_perms_by_name", TRANSIENT_ERRORS_AZURE)
SYNAPSE = Engine("Azure Synapse", DATABASES_WITH_ACCESS_TSQL, None, "permission_rows", TRANSIENT_ERRORS_AZURE)

# --- ANSI INFORMATION_SCHEMA ----------------------------------------------------------------------------------

SCHEMAS_ANSI = "SELECT SCHEMA_NAME FROM INFORMATION_SCHEMA.SCHEMATA ORDER BY SCHEMA_NAME"

SCHEMA_EXISTS_ANSI = "SELECT COUNT(*) FROM INFORMATION_SCHEMA.SCHEMATA WHERE SCHEMA_NAME = ?"

_TABLES_ANSI = "SELECT TABLE_NAME, TABLE_TYPE FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = ?"

_COLUMNS_ANSI = """
SELECT TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH,
       NUMERIC_PRECISION, NUMERIC_SCALE, DATETIME_PRECISION, IS_NULLABLE
FROM INFORMATION_SCHEMA.COLUMNS
WHERE TABLE_SCHEMA = ?"""


# --- visibility probes for ANSI engines reached through ODBC (by SQLGetInfo SQL_DBMS_NAME) --------------------
#
# PostgreSQL's information_schema shows a schema or table only to its owner's roles and to holders of some
# privilege on it (https://www.postgresql.org/docs/current/infoschema-schemata.html,
# https://www.postgresql.org/docs/current/infoschema-tables.html); pg_catalog shows all of them, so these count
# what INFORMATION_SCHEMA hides from the reader.

HIDDEN_SCHEMAS_POSTGRESQL = """
SELECT count(*) FROM pg_catalog.pg_namespace n
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname !~ '^pg_(toast_)?temp_'
  AND NOT (pg_catalog.pg_has_role(n.nspowner, 'USAGE') OR pg_catalog.has_schema_privilege(n.oid, 'CREATE, USAGE'))
"""

HIDDEN_TABLES_POSTGRESQL = """
SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ? AND c.relkind IN ('r', 'v', 'f', 'p')
  AND NOT (pg_catalog.pg_has_role(c.relowner, 'USAGE')
           OR pg_catalog.has_table_privilege(c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
           OR pg_catalog.has_any_column_privilege(c.oid, 'SELECT, INSERT, UPDATE, REFERENCES'))
"""


@dataclass(frozen=True, slots=True)
class Query:
    sql: str
    params: tuple[Any, ...]


def tables_query(schema: str, tables: Collection[str] | None) -> Query:
    return _narrowed(_TABLES_ANSI, schema, tables, order_by="TABLE_NAME")


def columns_query(schema: str, tables: Collection[str] | None) -> Query:
    return _narrowed(_COLUMNS_ANSI, schema, tables, order_by="TABLE_NAME, ORDINAL_POSITION")


def _narrowed(sql: str, schema: str, tables: Collection[str] | None, *, order_by: str) -> Query:
    params: list[Any] = [schema]
    if tables is not None and len(tables) <= MAX_BOUND_TABLE_NAMES:
        names = sorted(tables)
        if not names:
            sql += " AND 1 = 0"
        else:
            sql += f" AND TABLE_NAME IN ({', '.join('?' for _ in names)})"
            params.extend(names)
    return Query(f"{sql} ORDER BY {order_by}", tuple(params))


def column_ids_query(schema: str, tables: Collection[str] | None) -> Query:
    return _narrowed(_COLUMN_IDS_TSQL, schema, tables, order_by="TABLE_NAME, COLUMN_ID")


def schema_probe_query(schema: str) -> Query:
    return Query(SCHEMA_PROBE_TSQL, (schema, schema, schema, schema))


def comments_query(schema: str) -> Query:
    return Query(COMMENTS_TSQL, (schema,))


def objects_query(schema: str) -> Query:
    return Query(OBJECTS_TSQL, (schema,))


# --- parsing ---------------------------------------------------------------------------------------------------

SchemaAccess = Literal["readable", "missing", "denied"]


@dataclass(frozen=True, slots=True)
class SchemaProbe:
    access: SchemaAccess
    tables_complete: bool  # the reader sees every table of the schema: a table missing from it was dropped


def schema_access(probe_row: Sequence[Any]) -> SchemaAccess:
    """Interpret SCHEMA_PROBE_TSQL: a schema nobody can tell apart from a missing one is 'denied', never 'missing'."""
    return schema_probe(probe_row).access


def schema_probe(probe_row: Sequence[Any]) -> SchemaProbe:
    schema_id, can_view_definition, can_select, visible_objects, sees_all_metadata, *rest = probe_row
    object_denies = rest[0] if rest else 0
    sees_all = (can_view_definition == 1 or can_select == 1 or sees_all_metadata == 1) and not object_denies
    if schema_id is None:
        return SchemaProbe("missing" if sees_all_metadata == 1 else "denied", False)
    if can_view_definition == 1 or can_select == 1 or (visible_objects or 0) > 0:
        return SchemaProbe("readable", sees_all)
    return SchemaProbe("denied", False)


@dataclass(frozen=True, slots=True)
class PermissionRows:
    """The reader's effective grants as Synapse lists them (PERMISSIONS_SYNAPSE rows)."""

    database_wide: frozenset[str] = frozenset()  # permissions granted on the database
    by_schema: dict[str, frozenset[str]] = field(default_factory=dict)  # granted on each schema
    denied_schemas: frozenset[str | None] = frozenset()  # schemas (None: unknown) holding a DENY
    database_denied: bool = False

    @classmethod
    def parse(cls, rows: Iterable[Sequence[Any]]) -> PermissionRows:
        database_wide: set[str] = set()
        by_schema: dict[str, set[str]] = {}
        denied: set[str | None] = set()
        database_denied = False
        for class_desc, schema, permission, state in rows:
            level = str(class_desc).upper()
            if str(state).upper() == "DENY":
                if level == "DATABASE":
                    database_denied = database_denied or permission in VISIBILITY_PERMISSIONS
                else:
                    denied.add(schema)
            elif level == "DATABASE":
                database_wide.add(permission)
            elif level == "SCHEMA" and schema is not None:
                by_schema.setdefault(schema, set()).add(permission)
        return cls(frozenset(database_wide), {k: frozenset(v) for k, v in by_schema.items()}, frozenset(denied),
                   database_denied)

    @property
    def sees_all_schemas(self) -> bool:
        return bool(self.database_wide & VISIBILITY_PERMISSIONS) and not self.database_denied \
            and not self.denied_schemas

    def sees_all_tables(self, schema: str) -> bool:
        granted = self.database_wide | self.by_schema.get(schema, frozenset())
        return bool(granted & (VISIBILITY_PERMISSIONS | {"SELECT"})) and not self.database_denied \
            and schema not in self.denied_schemas and None not in self.denied_schemas

    def schema_probe(self, schema_id: Any, schema: str) -> SchemaProbe:
        if schema_id is None:
            return SchemaProbe("missing" if self.sees_all_schemas else "denied", False)
        return SchemaProbe("readable", self.sees_all_tables(schema))


#: Permissions that show every object below where they are granted (CONTROL implies VIEW DEFINITION).
VISIBILITY_PERMISSIONS = frozenset({"VIEW DEFINITION", "CONTROL"})


def database_listing_complete(probe_row: Sequence[Any] | None) -> bool:
    """Interpret DATABASE_LISTING_PROBE_TSQL; None (an engine without the probe) proves nothing."""
    if probe_row is None:
        return False
    view_any, alter_any, create_database = probe_row
    return view_any == 1 and (alter_any == 1 or create_database == 1)


def schema_listing_complete(probe_row: Sequence[Any]) -> bool:
    """Interpret SCHEMA_LISTING_PROBE_TSQL."""
    sees_all_metadata, denies = probe_row
    return sees_all_metadata == 1 and not denies


def user_databases(rows: Iterable[Sequence[Any]], excluded: Collection[str]) -> tuple[list[str], dict[str, str]]:
    """Split sys.databases rows into readable databases and those not to be read this time.

    A database not ONLINE (RESTORING, RECOVERING, OFFLINE…) is reported, not read: nothing under it changes.
    has_access is HAS_DBACCESS where the engine has it (0: the login may not open it) or NULL (try and see).
    """
    excluded_folded = {name.casefold() for name in excluded}
    readable: list[str] = []
    failed: dict[str, str] = {}
    for name, state, has_access in rows:
        if name.casefold() in excluded_folded:
            continue
        if state is not None and str(state).upper() != "ONLINE":
            failed[name] = f"the database is {state}; its schemas and tables are left as they are until it is ONLINE"
        elif has_access == 0:
            failed[name] = "the login has no access to this database (HAS_DBACCESS = 0)"
        else:
            readable.append(name)
    return readable, failed


def column_type(data_type: str, char_length: int | None, precision: int | None, scale: int | None,
                datetime_precision: int | None) -> str:
    """The type as written in DDL, e.g. nvarchar(50), varchar(max), decimal(10,2), datetime2(7)."""
    folded = data_type.lower()
    if folded in LENGTH_TYPES and char_length is not None:
        return f"{data_type}({'max' if char_length == -1 else char_length})"
    if folded in DECIMAL_TYPES and precision is not None:
        return f"{data_type}({precision},{scale or 0})"
    if folded in FRACTIONAL_SECONDS_TYPES and datetime_precision is not None:
        return f"{data_type}({datetime_precision})"
    return data_type


def build_snapshot(
    database: str,
    schema: str,
    table_rows: Iterable[Sequence[Any]],
    column_rows: Iterable[Sequence[Any]],
    comment_rows: Iterable[Sequence[Any]] = (),
    tables: Collection[str] | None = None,
    object_rows: Iterable[Sequence[Any]] = (),
    column_id_rows: Iterable[Sequence[Any]] = (),
) -> SchemaSnapshot:
    """Join the bulk rows in Python: one pass over each result set, whatever the table count."""
    wanted = None if tables is None else set(tables)
    column_ids = {(table_name, name): str(column_id) for table_name, name, column_id in column_id_rows}
    objects = {row[0]: (row[1], None if row[2] is None else str(row[2])) for row in object_rows}
    table_comments, column_comments = _comments(comment_rows)

    columns: dict[str, list[RemoteColumn]] = {}
    for table_name, name, ordinal, data_type, length, precision, scale, dt_precision, is_nullable in column_rows:
        columns.setdefault(table_name, []).append(RemoteColumn(
            name=name,
            ordinal=int(ordinal),
            data_type=column_type(data_type, length, precision, scale, dt_precision),
            nullable=str(is_nullable).upper() == "YES",
            comment=column_comments.get((table_name, name)),
            remote_id=column_ids.get((table_name, name)),
        ))

    result = []
    for table_name, table_type in table_rows:
        if wanted is not None and table_name not in wanted:
            continue
        result.append(RemoteTable(
            name=table_name,
            kind="view" if str(table_type).upper() == "VIEW" else "table",
            columns=tuple(sorted(columns.get(table_name, ()), key=lambda c: c.ordinal)),
            remote_kind=table_type,
            comment=table_comments.get(table_name),
            owner=objects.get(table_name, (None, None))[0],
            remote_id=objects.get(table_name, (None, None))[1],
        ))
    return SchemaSnapshot(database=database, schema=schema, tables=tuple(result))


def _comments(comment_rows: Iterable[Sequence[Any]]) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    table_comments: dict[str, str] = {}
    column_comments: dict[tuple[str, str], str] = {}
    for table_name, column_name, comment in comment_rows:
        if column_name is None:
            table_comments[table_name] = comment
        else:
            column_comments[(table_name, column_name)] = comment
    return table_comments, column_comments


def change_tokens(object_rows: Iterable[Sequence[Any]], comment_rows: Iterable[Sequence[Any]]) -> dict[str, str]:
    """Each table's change token: its modify_date (moved by any ALTER, its columns' included) and a digest of its
    columns' comments (extended properties, which do not move modify_date)."""
    _, column_comments = _comments(comment_rows)
    by_table: dict[str, list[tuple[str, str]]] = {}
    for (table_name, column_name), comment in column_comments.items():
        by_table.setdefault(table_name, []).append((column_name, comment))
    tokens = {}
    for row in object_rows:
        name, modified = row[0], row[3] if len(row) > 3 else None
        if modified is None:
            continue
        comments = hashlib.blake2b(repr(sorted(by_table.get(name, []))).encode(), digest_size=8).hexdigest()
        tokens[name] = f"{modified.isoformat() if hasattr(modified, 'isoformat') else modified}|{comments}"
    return tokens
