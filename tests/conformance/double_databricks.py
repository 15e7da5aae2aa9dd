"""The Databricks source double: the real databricks-sdk client against the local Unity Catalog server."""

from __future__ import annotations

import dataclasses
import re
from typing import ClassVar

from connectors.base import Connector
from connectors.databricks import DatabricksConnector
from tests.conformance.doubles import Revocation
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

    # Catalogs, schemas and tables are listed only with USE_CATALOG, USE_SCHEMA and SELECT (or BROWSE); the
    # crawler's principal holds them on the catalog, inherited downwards, and is not the metastore admin.
    hides_revoked_tables = True
    revoked_schema: Revocation = "hidden"
    revoked_database: Revocation = "hidden"
    has_identity = True  # table_id
    expected_validation_warning = "not the metastore admin"

    def __init__(self, database: str = "source_catalog", page_size: int = 50) -> None:
        self.database = database
        self.server = UnityCatalogServer(page_size=page_size).start()
        self.server.create_catalog(database)

    def connector(self) -> Connector:
        """Every catalog the principal may see (here only the double's own besides the system catalog)."""
        return DatabricksConnector({"host": self.server.host}, {"token": self.server.token}, timeout=10)

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
        target = self.server.table(self.database, schema, table)
        target.columns.append(uc_column(column, type_))
        target.touch()

    def drop_column(self, schema: str, table: str, column: str) -> None:
        target = self.server.table(self.database, schema, table)
        target.columns = [c for c in target.columns if c.name != column]
        target.touch()

    def rename_column(self, schema: str, table: str, column: str, new_name: str) -> None:
        target = self.server.table(self.database, schema, table)
        target.columns = [dataclasses.replace(c, name=new_name) if c.name == column else c for c in target.columns]
        target.touch()

    def retype_column(self, schema: str, table: str, column: str, type_: str) -> None:
        target = self.server.table(self.database, schema, table)
        target.columns = [uc_column(column, type_) if c.name == column else c for c in target.columns]
        target.touch()

    def deny_schema(self, schema: str) -> None:
        self.server.denied_schemas.add((self.database.lower(), schema.lower()))

    def drop_schema(self, schema: str) -> None:
        self.server.drop_schema(self.database, schema)

    def _move_grant(self, privilege: str, level: str, keep: list[str]) -> None:
        """Unity Catalog revokes only what was granted: a catalog-wide privilege becomes one on each kept child."""
        principal = self.server.principal
        self.server.revoke("catalog", self.database, principal, privilege)
        for full_name in keep:
            self.server.grant(level, full_name, principal, privilege)

    def revoke_table(self, schema: str, table: str) -> None:
        catalog = self.server.catalogs[self.database]
        keep = [f"{self.database}.{s}.{t}" for s, sch in catalog.schemas.items() for t in sch.tables
                if (s, t) != (schema.lower(), table.lower())]
        self._move_grant("SELECT", "table", keep)

    def grant_table(self, schema: str, table: str) -> None:
        self.server.grant("table", f"{self.database}.{schema}.{table}".lower(), self.server.principal, "SELECT")

    def revoke_schema(self, schema: str) -> None:
        keep = [f"{self.database}.{s}" for s in self.server.catalogs[self.database].schemas if s != schema.lower()]
        self._move_grant("USE_SCHEMA", "schema", keep)

    def revoke_database(self) -> None:
        self.server.revoke("catalog", self.database, self.server.principal, "USE_CATALOG")

    def reset_grants(self) -> None:
        """Back to the catalog-wide grants the double starts with (a scenario may have narrowed them)."""
        self.server.grant("catalog", self.database, self.server.principal, "USE_CATALOG", "USE_SCHEMA", "SELECT")

    def grant_database(self) -> None:
        self.server.grant("catalog", self.database, self.server.principal, "USE_CATALOG")

    def recreate_table(self, schema: str, table: str, columns: list[tuple[str, str]]) -> None:
        self.drop_table(schema, table)
        self.create_table(schema, table, columns)

    def throttle(self, calls: int) -> None:
        self.server.throttle(calls, retry_after=1)

    def paging_faults(self) -> None:
        self.server.empty_pages = self.server.shuffled = True

    def special_kinds(self, schema: str) -> list[tuple[str, str, str]]:
        made = [("semantic", "SEMANTIC_VIEW", "view"), ("mv", "MATERIALIZED_VIEW", "view"),
                ("stream", "STREAMING_TABLE", "table"), ("ext", "EXTERNAL", "table"),
                ("snap", "SNAPSHOT_TABLE", "table")]  # SEMANTIC_VIEW and SNAPSHOT_TABLE: newer than the SDK
        for name, table_type, _ in made:
            self.server.put_table(self.database, schema, UcTable(name, [uc_column("id", "int")],
                                                                 table_type=table_type))
        return [(name, kind, table_type) for name, table_type, kind in made]

    def close(self) -> None:
        self.server.stop()
