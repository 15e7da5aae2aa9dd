"""The floor a sync is measured against: one pg_catalog read of the scope's columns, and a COPY of them.

No sync can do less than read every column once and write every column once; the benchmark prints its
figures as ratios to this, measured in the same run on the same servers.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import psycopg

#: Every column of the named schemas' tables and views, with what the catalog stores of each.
COLUMNS_OF_SCHEMA = """
    SELECT c.relname::text, a.attname::text, a.attnum::int, pg_catalog.format_type(a.atttypid, a.atttypmod),
           NOT a.attnotnull, d.description
    FROM pg_catalog.pg_attribute a
    JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
    LEFT JOIN pg_catalog.pg_description d
           ON d.objoid = a.attrelid AND d.classoid = 'pg_catalog.pg_class'::regclass AND d.objsubid = a.attnum
    WHERE c.relnamespace = %s::regnamespace AND c.relkind IN ('r', 'p', 'f', 'v', 'm') AND NOT c.relispartition
      AND a.attnum > 0 AND NOT a.attisdropped
"""


@dataclass(frozen=True, slots=True)
class Floor:
    read_seconds: float  # one read of every column in scope
    copy_seconds: float  # one binary COPY of them into a table of the catalog's server
    columns: int

    @property
    def first_sync_seconds(self) -> float:
        return self.read_seconds + self.copy_seconds


def measure_floor(source_url: str, catalog_url: str, schemas: list[str]) -> Floor:
    """Read each schema's columns, then COPY them into a scratch table; schema by schema, so memory stays small.

    The scratch table is an ordinary one, created and committed before the COPY: a catalog's writes are logged
    and durable, so a temporary or unlogged table (no WAL) would be a floor no catalog can reach. It has no index.
    """
    read = copy = 0.0
    columns = 0
    table = f"objectsync_bench_floor_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(source_url, autocommit=True) as source, psycopg.connect(catalog_url) as catalog:
        catalog.execute(f"CREATE TABLE {table} (schema_name text, table_name text, name text, ordinal int, "
                        "data_type text, nullable bool, comment text)")
        catalog.commit()
        try:
            for schema in schemas:
                started = time.perf_counter()
                rows = source.execute(COLUMNS_OF_SCHEMA, (f'"{schema}"',)).fetchall()
                read += time.perf_counter() - started
                started = time.perf_counter()
                with catalog.cursor() as cur, cur.copy(f"COPY {table} FROM STDIN (FORMAT BINARY)") as out:
                    out.set_types(["text", "text", "text", "int4", "text", "bool", "text"])
                    for row in rows:
                        out.write_row((schema, *row))
                catalog.commit()
                copy += time.perf_counter() - started
                columns += len(rows)
                del rows
        finally:
            catalog.rollback()
            catalog.execute(f"DROP TABLE {table}")
            catalog.commit()
    return Floor(read, copy, columns)


def measure_read(source_url: str, schemas: list[str]) -> float:
    """One read of every column in scope: what a re-sync of an unchanged source cannot go below."""
    seconds = 0.0
    with psycopg.connect(source_url, autocommit=True) as source:
        for schema in schemas:
            started = time.perf_counter()
            source.execute(COLUMNS_OF_SCHEMA, (f'"{schema}"',)).fetchall()
            seconds += time.perf_counter() - started
    return seconds
