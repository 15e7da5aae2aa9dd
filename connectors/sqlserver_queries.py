"""SQL Server metadata queries and the pure parsing of their rows into snapshots.

Two families: the ANSI `INFORMATION_SCHEMA` queries (run by every dialect, and in tests for real through an ODBC
driver against PostgreSQL) and the T-SQL-only ones (`sys.databases`, `sys.extended_properties`, permission
probes), which are tested on rows recorded from SQL Server. Identifiers are always bound as `?` parameters.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
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

#: Databases of the instance (or, on Azure SQL Database, those visible from the connected one).
DATABASES_TSQL = """
SELECT d.name, HAS_DBACCESS(d.name) AS has_access
FROM sys.databases AS d
WHERE d.state_desc = N'ONLINE'
ORDER BY d.name
"""

#: Whether a schema exists and may be read. Metadata visibility hides securables the user has no permission on,
#: so an absent schema is only reported missing when the user may see all of the database's metadata.
SCHEMA_PROBE_TSQL = """
SELECT
    (SELECT s.schema_id FROM sys.schemas AS s WHERE s.name = ?) AS schema_id,
    HAS_PERMS_BY_NAME(QUOTENAME(?), 'SCHEMA', 'VIEW DEFINITION') AS can_view_definition,
    HAS_PERMS_BY_NAME(QUOTENAME(?), 'SCHEMA', 'SELECT') AS can_select,
    (SELECT COUNT(*) FROM sys.objects AS o JOIN sys.schemas AS s ON s.schema_id = o.schema_id
      WHERE s.name = ? AND o.type IN ('U', 'V')) AS visible_objects,
    HAS_PERMS_BY_NAME(NULL, 'DATABASE', 'VIEW DEFINITION') AS sees_all_metadata
"""

#: MS_Description comments of a schema's tables (column_name NULL) and columns, in one query.
COMMENTS_TSQL = """
SELECT o.name AS table_name, c.name AS column_name, CAST(ep.value AS nvarchar(max)) AS comment
FROM sys.extended_properties AS ep
JOIN sys.objects AS o ON o.object_id = ep.major_id
JOIN sys.schemas AS s ON s.schema_id = o.schema_id
LEFT JOIN sys.columns AS c ON c.object_id = ep.major_id AND c.column_id = ep.minor_id
WHERE ep.class = 1 AND ep.name = N'MS_Description' AND o.type IN ('U', 'V') AND s.name = ?
"""

# --- ANSI INFORMATION_SCHEMA ----------------------------------------------------------------------------------

SCHEMAS_ANSI = "SELECT SCHEMA_NAME FROM INFORMATION_SCHEMA.SCHEMATA ORDER BY SCHEMA_NAME"

SCHEMA_EXISTS_ANSI = "SELECT COUNT(*) FROM INFORMATION_SCHEMA.SCHEMATA WHERE SCHEMA_NAME = ?"

_TABLES_ANSI = "SELECT TABLE_NAME, TABLE_TYPE FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = ?"

_COLUMNS_ANSI = """
SELECT TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH,
       NUMERIC_PRECISION, NUMERIC_SCALE, DATETIME_PRECISION, IS_NULLABLE
FROM INFORMATION_SCHEMA.COLUMNS
WHERE TABLE_SCHEMA = ?"""


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


def schema_probe_query(schema: str) -> Query:
    return Query(SCHEMA_PROBE_TSQL, (schema, schema, schema, schema))


def comments_query(schema: str) -> Query:
    return Query(COMMENTS_TSQL, (schema,))


# --- parsing ---------------------------------------------------------------------------------------------------

SchemaAccess = Literal["readable", "missing", "denied"]


def schema_access(probe_row: Sequence[Any]) -> SchemaAccess:
    """Interpret SCHEMA_PROBE_TSQL: a schema nobody can tell apart from a missing one is 'denied', never 'missing'."""
    schema_id, can_view_definition, can_select, visible_objects, sees_all_metadata = probe_row
    if schema_id is None:
        return "missing" if sees_all_metadata == 1 else "denied"
    if can_view_definition == 1 or can_select == 1 or (visible_objects or 0) > 0:
        return "readable"
    return "denied"


def user_databases(rows: Iterable[Sequence[Any]], excluded: Collection[str]) -> tuple[list[str], dict[str, str]]:
    """Split DATABASES_TSQL rows into readable databases and those the login may not open."""
    excluded_folded = {name.casefold() for name in excluded}
    readable: list[str] = []
    failed: dict[str, str] = {}
    for name, has_access in rows:
        if name.casefold() in excluded_folded:
            continue
        if has_access == 1:
            readable.append(name)
        else:
            failed[name] = "the login has no access to this database (HAS_DBACCESS = 0)"
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
) -> SchemaSnapshot:
    """Join the bulk rows in Python: one pass over each result set, whatever the table count."""
    wanted = None if tables is None else set(tables)
    table_comments: dict[str, str] = {}
    column_comments: dict[tuple[str, str], str] = {}
    for table_name, column_name, comment in comment_rows:
        if column_name is None:
            table_comments[table_name] = comment
        else:
            column_comments[(table_name, column_name)] = comment

    columns: dict[str, list[RemoteColumn]] = {}
    for table_name, name, ordinal, data_type, length, precision, scale, dt_precision, is_nullable in column_rows:
        columns.setdefault(table_name, []).append(RemoteColumn(
            name=name,
            ordinal=int(ordinal),
            data_type=column_type(data_type, length, precision, scale, dt_precision),
            nullable=str(is_nullable).upper() == "YES",
            comment=column_comments.get((table_name, name)),
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
        ))
    return SchemaSnapshot(database=database, schema=schema, tables=tuple(result))
