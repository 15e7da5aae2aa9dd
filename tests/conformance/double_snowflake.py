"""The Snowflake source double: the real connector against the local fakesnow-backed Snowflake server."""

from __future__ import annotations

from typing import ClassVar

from connectors.base import Connector
from connectors.snowflake import SnowflakeConnector, quote_identifier
from tests.conformance.doubles import Revocation
from tests.support.doubles.snowflake_server import SnowflakeServer

# The suite's logical types, spelled as Snowflake DDL. INT and BIGINT are both NUMBER(38,0) in Snowflake, so the
# integers get explicit precisions (as migration tools declare them); widening 10 → 19 digits is an ALTER Snowflake
# allows.
SNOWFLAKE_TYPES = {
    "int": "NUMBER(10,0)",
    "bigint": "NUMBER(19,0)",
    "text": "TEXT",
    "boolean": "BOOLEAN",
    "date": "DATE",
}


def snowflake_type(logical: str) -> str:
    """'varchar(20)' → VARCHAR(20), 'numeric(10,2)' → NUMBER(10,2); the rest from SNOWFLAKE_TYPES."""
    name, _, arguments = logical.partition("(")
    if arguments:
        base = {"numeric": "NUMBER", "decimal": "NUMBER"}.get(name.lower(), name.upper())
        return f"{base}({arguments}"
    return SNOWFLAKE_TYPES.get(logical.lower(), logical.upper())


class SnowflakeDouble:
    technology = "snowflake"
    skips: ClassVar[dict[str, str]] = {
        "permission_denied": "Snowflake hides a schema the role may not use, so it reads as 'does not exist or not "
        "authorized' (ObjectNotFound); no metadata query answers with an access error",
    }

    # SHOW and INFORMATION_SCHEMA list only what the role holds privileges on; SHOW … HISTORY proves drops.
    hides_revoked_tables = True
    revoked_schema: Revocation = "hidden"
    revoked_database: Revocation = "hidden"
    has_identity = True  # INFORMATION_SCHEMA.TABLES.CREATED

    def __init__(self, database: str = "SOURCE_DB") -> None:
        self.database = database
        self.server = SnowflakeServer().start()
        self.server.execute(f"CREATE DATABASE {quote_identifier(database)}")

    def connector(self) -> Connector:
        return SnowflakeConnector(  # every database the role may see: here the double's own
            self.server.connection_config(user=self.server.user),
            {"password": self.server.password},
            timeout=10,
        )

    def _qualified(self, schema: str, name: str | None = None) -> str:
        parts = [self.database, schema] + ([name] if name is not None else [])
        return ".".join(quote_identifier(part) for part in parts)

    def create_schema(self, schema: str) -> None:
        self.server.create_schema(self.database, schema)

    def create_table(self, schema: str, table: str, columns: list[tuple[str, str]]) -> None:
        body = ", ".join(f"{quote_identifier(name)} {snowflake_type(type_)}" for name, type_ in columns)
        self.server.execute(f"CREATE TABLE {self._qualified(schema, table)} ({body})")

    def create_view(self, schema: str, view: str, table: str) -> None:
        self.server.execute(
            f"CREATE VIEW {self._qualified(schema, view)} AS SELECT * FROM {self._qualified(schema, table)}"
        )

    def drop_table(self, schema: str, table: str) -> None:
        self.server.execute(f"DROP TABLE {self._qualified(schema, table)}")

    def add_column(self, schema: str, table: str, column: str, type_: str) -> None:
        self.server.execute(
            f"ALTER TABLE {self._qualified(schema, table)} "
            f"ADD COLUMN {quote_identifier(column)} {snowflake_type(type_)}"
        )

    def drop_column(self, schema: str, table: str, column: str) -> None:
        self.server.execute(f"ALTER TABLE {self._qualified(schema, table)} DROP COLUMN {quote_identifier(column)}")

    def rename_column(self, schema: str, table: str, column: str, new_name: str) -> None:
        self.server.execute(f"ALTER TABLE {self._qualified(schema, table)} RENAME COLUMN {quote_identifier(column)} "
                            f"TO {quote_identifier(new_name)}")

    def retype_column(self, schema: str, table: str, column: str, type_: str) -> None:
        self.server.execute(
            f"ALTER TABLE {self._qualified(schema, table)} ALTER COLUMN {quote_identifier(column)} "
            f"SET DATA TYPE {snowflake_type(type_)}"
        )

    def deny_schema(self, schema: str) -> None:
        """Refuse metadata queries naming the schema with Snowflake's access-control error (003001)."""
        self.server.denied_schemas.add(schema)

    def drop_schema(self, schema: str) -> None:
        self.server.execute(f"DROP SCHEMA {self._qualified(schema)}")

    def revoke_table(self, schema: str, table: str) -> None:
        self.server.revoke(self.database, schema, table)

    def grant_table(self, schema: str, table: str) -> None:
        self.server.grant(self.database, schema, table)

    def revoke_schema(self, schema: str) -> None:
        self.server.revoke(self.database, schema)

    def revoke_database(self) -> None:
        self.server.revoke(self.database)

    def reset_grants(self) -> None:
        self.server.hidden.clear()

    def grant_database(self) -> None:
        self.server.grant(self.database)

    def recreate_table(self, schema: str, table: str, columns: list[tuple[str, str]]) -> None:
        self.drop_table(schema, table)
        self.create_table(schema, table, columns)

    def special_kinds(self, schema: str) -> list[tuple[str, str, str]]:
        self.create_table(schema, "base", [("id", "int")])
        made = []
        for name, table_type, kind, remote_kind in [
            ("mv", "MATERIALIZED VIEW", "view", "MATERIALIZED VIEW"),
            ("ext", "EXTERNAL TABLE", "table", "EXTERNAL TABLE"),
            ("events", "EVENT TABLE", "table", "EVENT TABLE"),
            ("dyn", "DYNAMIC TABLE", "table", "DYNAMIC TABLE"),
            ("ice", "ICEBERG TABLE", "table", "ICEBERG TABLE"),
        ]:
            if kind == "view":
                self.create_view(schema, name, "base")
            else:
                self.create_table(schema, name, [("id", "int")])
            self.server.set_table_type(self.database, schema, name, table_type)
            made.append((name, kind, remote_kind))
        return made

    def close(self) -> None:
        self.server.stop()
