"""Time PostgresConnector.read_schema on a generated wide schema (a measurement, not a test).

    python -m bench.pg_read_timing                       # 10000 tables x 50 columns, 5 reads
    python -m bench.pg_read_timing --tables 1000 --columns 10 --unique-columns

Builds the schema in a scratch database of its own on ADMIN_URL's server and drops it afterwards.
--unique-columns gives every table its own column names: the worst case for the reader, which
shares identical column lists between tables.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import uuid
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

from connectors.postgresql import PostgresConnector
from tests.support.pg_source import create_wide_schema

ADMIN_URL = os.environ.get("TEST_ADMIN_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tables", type=int, default=10_000)
    parser.add_argument("--columns", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--unique-columns", action="store_true")
    args = parser.parse_args()

    database = f"objectsync_readbench_{uuid.uuid4().hex[:8]}"
    base, _, _ = ADMIN_URL.rpartition("/")
    url = f"{base}/{database}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    try:
        started = time.perf_counter()
        create_wide_schema(url, "wide", args.tables, args.columns, unique_column_names=args.unique_columns)
        print(f"create_wide_schema {args.tables}x{args.columns}: {time.perf_counter() - started:.2f} s")
        parts = urlsplit(url)
        connector = PostgresConnector(
            {"hostname": parts.hostname, "port": parts.port or 5432, "database": database},
            {"username": parts.username or "postgres", "password": parts.password},
        )
        samples = []
        with connector:
            for attempt in range(args.repeat):
                started = time.perf_counter()
                snapshot = connector.read_schema(database, "wide")
                samples.append(time.perf_counter() - started)
                columns = sum(len(t.columns) for t in snapshot.tables)
                print(f"read {attempt + 1} ({'new session' if attempt == 0 else 'kept session'}):"
                      f" {len(snapshot.tables)} tables, {columns} columns in {samples[-1]:.3f} s")
        print(f"read_schema median {statistics.median(samples):.3f} s, best {min(samples):.3f} s")
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))


if __name__ == "__main__":
    main()
