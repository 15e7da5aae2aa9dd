"""Build and mutate large PostgreSQL schemas quickly, to benchmark and test crawls of wide sources.

DDL is generated client-side (identifiers quoted by psycopg.sql) and sent in a few multi-statement
batches: one round trip per batch, one transaction per batch so the lock table never overflows.
"""

from __future__ import annotations

import random
from typing import Any
from urllib.parse import urlparse

import psycopg
from psycopg import sql

#: Column types cycled through so a wide schema exercises typmods, arrays and several type families.
COLUMN_TYPES: tuple[str, ...] = (
    "integer", "text", "varchar(40)", "numeric(12,2)", "timestamptz", "boolean", "bigint", "date",
    "jsonb", "text[]",
)
TABLES_PER_BATCH = 250


def table_name(index: int) -> str:
    return f"t{index:05d}"


def column_name(index: int) -> str:
    return f"c{index:03d}"


def _connect(conninfo: str) -> psycopg.Connection:
    conn = psycopg.connect(conninfo, autocommit=True)
    conn.execute("SET synchronous_commit = off")
    return conn


def _column_definitions(columns: int, prefix: str = "") -> str:
    """Generated names only (never user input), so plain formatting is safe and ~10x faster than sql.Composed."""
    return ", ".join(
        f'"{prefix}{column_name(c)}" {COLUMN_TYPES[(c - 1) % len(COLUMN_TYPES)]}{" NOT NULL" if c == 1 else ""}'
        for c in range(1, columns + 1)
    )


def create_wide_schema(
    conninfo: str, schema: str, tables: int, columns: int, *, unique_column_names: bool = False,
    comment_every: int = 0,
) -> None:
    """Create `schema` holding `tables` empty tables t00001… of `columns` columns c001… each.

    With unique_column_names every table's columns are prefixed by its table name (t00001_c001…), the
    worst case for a reader that shares equal column objects between tables. With comment_every N, every
    N-th column of each table carries a comment.
    """
    with _connect(conninfo) as conn:
        quoted_schema = sql.Identifier(schema).as_string(conn)
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        shared_definitions = _column_definitions(columns)

        def definitions(index: int) -> str:
            return _column_definitions(columns, f"{table_name(index)}_") if unique_column_names else shared_definitions

        for start in range(1, tables + 1, TABLES_PER_BATCH):
            stop = min(start + TABLES_PER_BATCH, tables + 1)
            conn.execute("\n".join(
                f'CREATE TABLE {quoted_schema}."{table_name(i)}" ({definitions(i)});'
                + _comments(quoted_schema, i, columns, comment_every, unique_column_names)
                for i in range(start, stop)
            ).encode())


def _comments(quoted_schema: str, index: int, columns: int, every: int, unique_column_names: bool) -> str:
    if not every:
        return ""
    prefix = f"{table_name(index)}_" if unique_column_names else ""
    return "".join(
        f'COMMENT ON COLUMN {quoted_schema}."{table_name(index)}"."{prefix}{column_name(c)}" '
        f"IS 'column {c} of table {index}';"
        for c in range(every, columns + 1, every)
    )


def create_realistic_schemas(conninfo: str, schemas: list[str], tables: int, columns: int) -> None:
    """What a real platform looks like to a reader: a column name of its own in every table, ten mixed types,
    a comment on every tenth column."""
    for schema in schemas:
        create_wide_schema(conninfo, schema, tables, columns, unique_column_names=True, comment_every=10)


def change_tables(conninfo: str, schema: str, fraction: float, seed: int = 0) -> int:
    """Alter `fraction` of the schema's tables (add, retype or drop one column each); returns how many changed.

    Every chosen table really changes, also when called again with the same seed.
    """
    with _connect(conninfo) as conn:
        rows = conn.execute(
            """
            SELECT c.relname,
                   max(a.attnum) AS max_attnum,
                   (array_agg(a.attname ORDER BY a.attnum) FILTER (WHERE NOT a.attisdropped)) AS names,
                   (array_agg(format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum)
                        FILTER (WHERE NOT a.attisdropped)) AS types
            FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
            WHERE n.nspname = %s AND c.relkind IN ('r', 'p') AND NOT c.relispartition
            GROUP BY c.relname
            ORDER BY c.relname
            """,
            (schema,),
        ).fetchall()
        if not rows or fraction <= 0:
            return 0
        count = min(len(rows), max(1, round(fraction * len(rows))))
        chosen = random.Random(seed).sample(rows, count)
        statements = [
            _change_statement(schema, position, name, max_attnum or 0, names or [], types or [])
            for position, (name, max_attnum, names, types) in enumerate(chosen)
        ]
        for start in range(0, len(statements), TABLES_PER_BATCH):
            conn.execute(sql.SQL("\n").join(statements[start:start + TABLES_PER_BATCH]).as_string(conn).encode())
        return count


def _change_statement(
    schema: str, position: int, table: str, max_attnum: int, names: list[str], types: list[str]
) -> sql.Composed:
    target = sql.SQL("ALTER TABLE {}.{}").format(sql.Identifier(schema), sql.Identifier(table))
    action = position % 3
    if action == 1 and names:
        new_type = "varchar(255)" if types[-1] == "text" else "text"
        return sql.SQL("{} ALTER COLUMN {} TYPE {} USING {}::{};").format(
            target, sql.Identifier(names[-1]), sql.SQL(new_type), sql.Identifier(names[-1]), sql.SQL(new_type)
        )
    if action == 2 and len(names) > 1:
        return sql.SQL("{} DROP COLUMN {};").format(target, sql.Identifier(names[-1]))
    # max(attnum) counts dropped columns too, so the new name is always unused.
    return sql.SQL("{} ADD COLUMN {} integer;").format(target, sql.Identifier(f"added_{max_attnum + 1}"))


def drop_schema(conninfo: str, schema: str) -> None:
    """Drop the schema and everything in it, in batches so the lock table never overflows."""
    with _connect(conninfo) as conn:
        names = [r[0] for r in conn.execute(
            """
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = %s AND c.relkind IN ('r', 'p') AND NOT c.relispartition
            """,
            (schema,),
        )]
        for start in range(0, len(names), TABLES_PER_BATCH):
            batch = sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(sql.SQL(", ").join(
                sql.Identifier(schema, name) for name in names[start:start + TABLES_PER_BATCH]
            ))
            conn.execute(batch)
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def connection_settings(source_url: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The postgresql connector's config and credentials for a libpq URL."""
    url = urlparse(source_url)
    config = {"hostname": url.hostname or "127.0.0.1", "port": url.port or 5432, "database": url.path.lstrip("/")}
    return config, {"username": url.username or "postgres", "password": url.password or ""}


def register_source(key: str, source_url: str, **options: Any) -> None:
    """Register a PostgreSQL database as a connection (new objects activated unless told otherwise)."""
    from catalog.session import session_scope
    from services.connections.connection_records import store_connection

    config, credentials = connection_settings(source_url)
    options.setdefault("activate_new_children", True)
    with session_scope() as session:
        store_connection(session, key=key, technology="postgresql", config=config, credentials=credentials,
                            **options)

