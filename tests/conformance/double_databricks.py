"""The Databricks source double: the real databricks-sdk client against the local Unity Catalog server."""

from __future__ import annotations

import re
from typing import ClassVar

from connectors.base import Connector
from connectors.databricks import DatabricksConnector
from tests.support.doubles.unity_catalog_server import UcColumn, UcTable, UnityCatalogServer

# The suite's logical types as Unity Catalog reports them: (type_text, type_name).
UC_TYPES = {
    "int": ("int", "INT"),
    "bigint": ("bigint", "LONG"),
    "text": ("string", "STRING"),
    "boolean": ("boolean", "BOOLEAN"),
    "date": ("date", "DATE"),
}
_PARAMETRISED = re.compile(r"^\s*(\w+)\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)\s*$")


def uc_column(name: str, logical: str) -> UcColumn:
    """'varchar(20)' → varchar(20)/STRING, 'numeric(10,2)' → decimal(10,2)/DECIMAL, as Databricks shows them."""
    match = _PARAMETRISED.match(logical)
    if match is None:
        type_text, type_name = UC_TYPES.get(logical.lower(), (logical.lower(), logical.upper()))
        return UcColumn(name, type_text, type_name)
    base, first, second = match.group(1).lower(), int(match.group(2)), match.group(3)
    if base in ("numeric", "decimal"):
        scale = int(second or 0)
        return UcColumn(name, f"decimal({first},{scale})", "DECIMAL", type_precision=first, type_scale=scale)
    return UcColumn(name, f"{base}({first})", "STRING" if base in ("varchar", "char") else base.upper())


class DatabricksDouble:
    technology = "databricks"
    skips: ClassVar[dict[str, str]] = {
        "odd_identifiers": "Unity Catalog stores schema and table names in lower case and refuses spaces and periods",
    }

    def __init__(self, database: str = "source_catalog", page_size: int = 10) -> None:
        self.database = database
        self.server = UnityCatalogServer(page_size=page_size).start()
        self.server.create_catalog(database)

    def connector(self) -> Connector:
        return DatabricksConnector(
            {"host": self.server.host, "catalogs": [self.database]}, {"token": self.server.token}, timeout=10
        )

    def create_schema(self, schema: str) -> None:
        self.server.create_schema(self.database, schema)

    def create_table(self, schema: str, table: str, columns: list[tuple[str, str]]) -> None:
        self.server.put_table(self.database, schema, UcTable(table, [uc_column(n, t) for n, t in columns]))

    def create_view(self, schema: str, view: str, table: str) -> None:
        source = self.server.table(self.database, schema, table)
        columns = [
            UcColumn(c.name, c.type_text, c.type_name, c.nullable, None, c.type_precision, c.type_scale)
            for c in source.columns
        ]
        self.server.put_table(self.database, schema, UcTable(view, columns, table_type="VIEW"))

    def drop_table(self, schema: str, table: str) -> None:
        self.server.drop_table(self.database, schema, table)

    def add_column(self, schema: str, table: str, column: str, type_: str) -> None:
        self.server.table(self.database, schema, table).columns.append(uc_column(column, type_))

    def drop_column(self, schema: str, table: str, column: str) -> None:
        target = self.server.table(self.database, schema, table)
        target.columns = [c for c in target.columns if c.name != column]

    def retype_column(self, schema: str, table: str, column: str, type_: str) -> None:
        target = self.server.table(self.database, schema, table)
        target.columns = [uc_column(column, type_) if c.name == column else c for c in target.columns]

    def deny_schema(self, schema: str) -> None:
        self.server.denied_schemas.add((self.database.lower(), schema.lower()))

    def close(self) -> None:
        self.server.stop()
