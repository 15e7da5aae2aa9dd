"""PostgreSQL double: a scratch database on the local server, crawled as a login role the double can restrict."""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping

import psycopg
from psycopg import sql

from connectors.base import Connector
from tests.conformance.doubles import DoubleUnavailable, Revocation

ADMIN_URL = os.environ.get("TEST_ADMIN_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
TABLES_PER_BATCH = 250
POSTGRES_TYPES = {"int": "integer", "numeric(10,2)": "numeric(10,2)"}


def _url_for(database: str) -> str:
    return f"{ADMIN_URL.rpartition('/')[0]}/{database}"


def _host_port() -> tuple[str, int]:
    info = psycopg.conninfo.conninfo_to_dict(ADMIN_URL)
    return str(info.get("host") or "127.0.0.1"), int(info.get("port") or 5432)


class PostgresDouble:
    technology = "postgresql"
    skips: Mapping[str, str] = {}
    # pg_catalog lists every schema and table whatever the role's privileges
    # (https://www.postgresql.org/docs/current/catalogs.html); reading a schema needs USAGE on it.
    hides_revoked_tables = False
    revoked_schema: Revocation = "refused"
    revoked_database: Revocation = "failed"  # the connection's own database refuses the connection
    has_identity = True  # pg_class.oid
    proves_column_renames = True  # pg_attribute.attnum

    def __init__(self) -> None:
        suffix = uuid.uuid4().hex[:10]
        self.database = f"objectsync_conf_{suffix}"
        self.role = f"objectsync_conf_{suffix}"
        self.hostname, self.port = _host_port()
        try:
            with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.database)))
                admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(self.role)))
        except psycopg.OperationalError as error:
            raise DoubleUnavailable(f"PostgreSQL at {self.hostname}:{self.port}: {error}") from None
        self._ddl = psycopg.connect(_url_for(self.database), autocommit=True)
        self._execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")

    def connector(self) -> Connector:
        from connectors.postgresql import PostgresConnector

        return PostgresConnector(
            {"hostname": self.hostname, "port": self.port, "database": self.database, "databases": [self.database]},
            {"username": self.role},
        )

    def _execute(self, statement: str, *identifiers: str | sql.Composable) -> None:
        parts = [sql.Identifier(i) if isinstance(i, str) else i for i in identifiers]
        self._ddl.execute(sql.SQL(statement).format(*parts))

    def type_ddl(self, logical: str) -> str:
        return POSTGRES_TYPES.get(logical, logical)

    def create_schema(self, schema: str) -> None:
        self._execute("CREATE SCHEMA {}", schema)
        self._execute("GRANT USAGE ON SCHEMA {} TO {}", schema, self.role)
        self._execute("ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT SELECT ON TABLES TO {}", schema, self.role)

    def _columns_ddl(self, columns: list[tuple[str, str]]) -> sql.Composable:
        return sql.SQL(", ").join(
            sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(self.type_ddl(type_))) for name, type_ in columns
        )

    def create_table(self, schema: str, table: str, columns: list[tuple[str, str]]) -> None:
        self._execute("CREATE TABLE {}.{} ({})", schema, table, self._columns_ddl(columns))

    def create_tables(self, schema: str, tables: list[tuple[str, list[tuple[str, str]]]]) -> None:
        """Many tables in a few round trips (the benchmark builds thousands), batched to spare the lock table."""
        statements = [
            sql.SQL("CREATE TABLE {}.{} ({})").format(sql.Identifier(schema), sql.Identifier(name),
                                                       self._columns_ddl(columns))
            for name, columns in tables
        ]
        for start in range(0, len(statements), TABLES_PER_BATCH):
            with self._ddl.transaction():
                self._ddl.execute(sql.SQL("; ").join(statements[start:start + TABLES_PER_BATCH]))

    def create_view(self, schema: str, view: str, table: str) -> None:
        self._execute("CREATE VIEW {}.{} AS SELECT * FROM {}.{}", schema, view, schema, table)

    def drop_table(self, schema: str, table: str) -> None:
        self._execute("DROP TABLE {}.{}", schema, table)

    def add_column(self, schema: str, table: str, column: str, type_: str) -> None:
        self._execute("ALTER TABLE {}.{} ADD COLUMN {} {}", schema, table, column, sql.SQL(self.type_ddl(type_)))

    def drop_column(self, schema: str, table: str, column: str) -> None:
        self._execute("ALTER TABLE {}.{} DROP COLUMN {}", schema, table, column)

    def rename_column(self, schema: str, table: str, column: str, new_name: str) -> None:
        self._execute("ALTER TABLE {}.{} RENAME COLUMN {} TO {}", schema, table, column, new_name)

    def retype_column(self, schema: str, table: str, column: str, type_: str) -> None:
        self._execute("ALTER TABLE {}.{} ALTER COLUMN {} TYPE {}", schema, table, column,
                      sql.SQL(self.type_ddl(type_)))

    def deny_schema(self, schema: str) -> None:
        self._execute("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM {}", schema, self.role)
        self._execute("REVOKE USAGE ON SCHEMA {} FROM {}", schema, self.role)

    def drop_schema(self, schema: str) -> None:
        self._execute("DROP SCHEMA {} CASCADE", schema)

    def revoke_table(self, schema: str, table: str) -> None:
        self._execute("REVOKE ALL ON {}.{} FROM {}", schema, table, self.role)

    def grant_table(self, schema: str, table: str) -> None:
        self._execute("GRANT SELECT ON {}.{} TO {}", schema, table, self.role)

    def revoke_schema(self, schema: str) -> None:
        self._execute("REVOKE USAGE ON SCHEMA {} FROM {}", schema, self.role)

    def recreate_table(self, schema: str, table: str, columns: list[tuple[str, str]]) -> None:
        self.drop_table(schema, table)
        self.create_table(schema, table, columns)

    def revoke_database(self) -> None:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(sql.SQL("REVOKE CONNECT ON DATABASE {} FROM PUBLIC").format(sql.Identifier(self.database)))
            self._terminate_sessions(admin)

    def grant_database(self) -> None:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO PUBLIC").format(sql.Identifier(self.database)))
        self._ddl = psycopg.connect(_url_for(self.database), autocommit=True)

    def take_offline(self) -> None:
        """ALTER DATABASE … ALLOW_CONNECTIONS false, as while a database is restored; open sessions end."""
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(sql.Identifier(self.database)))
            self._terminate_sessions(admin)

    def bring_online(self) -> None:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(sql.Identifier(self.database)))
        self._ddl = psycopg.connect(_url_for(self.database), autocommit=True)

    def _terminate_sessions(self, admin: psycopg.Connection) -> None:
        self._ddl.close()
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND "
                      "usename = %s", (self.database, self.role))

    def special_kinds(self, schema: str) -> list[tuple[str, str, str]]:
        self.create_table(schema, "base", [("id", "int")])
        self._execute("CREATE MATERIALIZED VIEW {}.{} AS SELECT * FROM {}.{}", schema, "counts", schema, "base")
        self._execute("CREATE TABLE {}.{} (id int, at date) PARTITION BY RANGE (at)", schema, "parted")
        return [("counts", "view", "MATERIALIZED VIEW"), ("parted", "table", "PARTITIONED TABLE")]

    def close(self) -> None:
        if not self._ddl.closed:
            self._ddl.close()
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(sql.Identifier(self.database)))
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.database)))
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(self.role)))
