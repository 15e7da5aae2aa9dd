"""MySQL/MariaDB double: throwaway databases (MySQL's schemas) on the local server, crawled as a user of its own
that may list all databases (SHOW DATABASES) but read only the schemas granted to it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Mapping

import pymysql
import pytest

from connectors.base import Connector
from connectors.mysql import DEFAULT_DATABASE_LABEL, MySQLConnector
from tests.conformance.doubles import DoubleUnavailable, Revocation

HOST = os.environ.get("TEST_MYSQL_HOST", "127.0.0.1")
PORT = int(os.environ.get("TEST_MYSQL_PORT", "3306"))
ADMIN_USER = os.environ.get("TEST_MYSQL_USER", "root")
ADMIN_PASSWORD = os.environ.get("TEST_MYSQL_PASSWORD", "")
MYSQL_TYPES = {"numeric(10,2)": "decimal(10,2)"}


def quote(identifier: str) -> str:
    """A backtick-quoted identifier (DDL cannot bind identifiers)."""
    return "`" + identifier.replace("`", "``") + "`"


def grant_pattern(schema: str) -> str:
    """GRANT … ON db.* treats _ and % as wildcards; escape them so a grant names exactly one database."""
    return quote(schema.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%"))


def admin_connection() -> pymysql.connections.Connection:
    try:
        return pymysql.connect(host=HOST, port=PORT, user=ADMIN_USER, password=ADMIN_PASSWORD, charset="utf8mb4",
                               autocommit=True, connect_timeout=5)
    except pymysql.MySQLError as error:
        raise DoubleUnavailable(f"MySQL/MariaDB at {HOST}:{PORT}: {error}") from None


def run(connection: pymysql.connections.Connection, *statements: str) -> None:
    """Run statements in order on an autocommit (admin) connection."""
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


@pytest.fixture(scope="module", name="admin")
def admin_fixture() -> Iterator[pymysql.connections.Connection]:
    """The server's admin connection for a test module (import this fixture); skips when there is no server."""
    try:
        connection = admin_connection()
    except DoubleUnavailable as error:
        pytest.skip(str(error))
    yield connection
    connection.close()


class MySQLDouble:
    technology = "mysql"
    database = DEFAULT_DATABASE_LABEL
    skips: Mapping[str, str] = {}
    # INFORMATION_SCHEMA.TABLES shows only tables the user holds some privilege on
    # (https://dev.mysql.com/doc/refman/8.4/en/information-schema-tables-table.html); with SHOW DATABASES every
    # schema is listed, and one without privileges refuses to be opened.
    hides_revoked_tables = True
    revoked_schema: Revocation = "refused"
    has_identity = False  # no stable table id (CREATE_TIME changes on ALTER TABLE too)

    def __init__(self) -> None:
        self._admin = admin_connection()
        self.user = f"objectsync_conf_{uuid.uuid4().hex[:10]}"
        self.password = uuid.uuid4().hex
        self._schemas: list[str] = []
        self._execute(f"CREATE USER '{self.user}'@'%%' IDENTIFIED BY %s", self.password)
        self._execute(f"GRANT SHOW DATABASES ON *.* TO '{self.user}'@'%'")

    def _execute(self, statement: str, *params: object) -> None:
        with self._admin.cursor() as cursor:
            cursor.execute(statement, params or None)

    def connector(self) -> Connector:
        return MySQLConnector({"hostname": HOST, "port": PORT}, {"username": self.user, "password": self.password})

    def type_ddl(self, logical: str) -> str:
        return MYSQL_TYPES.get(logical, logical)

    def create_schema(self, schema: str) -> None:
        self._execute(f"CREATE DATABASE {quote(schema)} CHARACTER SET utf8mb4")
        self._schemas.append(schema)
        self._execute(f"GRANT SELECT, SHOW VIEW ON {grant_pattern(schema)}.* TO '{self.user}'@'%'")

    def _columns_ddl(self, columns: list[tuple[str, str]]) -> str:
        return ", ".join(f"{quote(name)} {self.type_ddl(type_)}" for name, type_ in columns)

    def create_table(self, schema: str, table: str, columns: list[tuple[str, str]]) -> None:
        self._execute(f"CREATE TABLE {quote(schema)}.{quote(table)} ({self._columns_ddl(columns)})")

    def create_view(self, schema: str, view: str, table: str) -> None:
        self._execute(f"CREATE VIEW {quote(schema)}.{quote(view)} AS SELECT * FROM {quote(schema)}.{quote(table)}")

    def drop_table(self, schema: str, table: str) -> None:
        self._execute(f"DROP TABLE {quote(schema)}.{quote(table)}")

    def add_column(self, schema: str, table: str, column: str, type_: str) -> None:
        self._execute(f"ALTER TABLE {quote(schema)}.{quote(table)} ADD COLUMN {quote(column)} {self.type_ddl(type_)}")

    def drop_column(self, schema: str, table: str, column: str) -> None:
        self._execute(f"ALTER TABLE {quote(schema)}.{quote(table)} DROP COLUMN {quote(column)}")

    def rename_column(self, schema: str, table: str, column: str, new_name: str) -> None:
        self._execute(f"ALTER TABLE {quote(schema)}.{quote(table)} RENAME COLUMN {quote(column)} TO {quote(new_name)}")

    def retype_column(self, schema: str, table: str, column: str, type_: str) -> None:
        self._execute(f"ALTER TABLE {quote(schema)}.{quote(table)} MODIFY COLUMN {quote(column)} "
                      f"{self.type_ddl(type_)}")

    def deny_schema(self, schema: str) -> None:
        self._execute(f"REVOKE ALL PRIVILEGES ON {grant_pattern(schema)}.* FROM '{self.user}'@'%'")

    def drop_schema(self, schema: str) -> None:
        self._execute(f"DROP DATABASE {quote(schema)}")

    def _tables(self, schema: str) -> list[str]:
        with self._admin.cursor() as cursor:
            cursor.execute("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s", (schema,))
            return [row[0] for row in cursor.fetchall()]

    def revoke_table(self, schema: str, table: str) -> None:
        """MySQL revokes only what was granted: the schema-wide grant becomes a grant on every other table."""
        self._execute(f"REVOKE ALL PRIVILEGES ON {grant_pattern(schema)}.* FROM '{self.user}'@'%'")
        for other in self._tables(schema):
            if other != table:
                self._execute(f"GRANT SELECT ON {quote(schema)}.{quote(other)} TO '{self.user}'@'%'")

    def grant_table(self, schema: str, table: str) -> None:
        self._execute(f"GRANT SELECT ON {quote(schema)}.{quote(table)} TO '{self.user}'@'%'")

    def revoke_schema(self, schema: str) -> None:
        self.deny_schema(schema)

    def recreate_table(self, schema: str, table: str, columns: list[tuple[str, str]]) -> None:
        self.drop_table(schema, table)
        self.create_table(schema, table, columns)

    def close(self) -> None:
        for schema in self._schemas:
            self._execute(f"DROP DATABASE IF EXISTS {quote(schema)}")
        self._execute(f"DROP USER IF EXISTS '{self.user}'@'%'")
        self._admin.close()
