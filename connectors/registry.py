"""Technologies by name; modules are imported on first use so a worker loads only the clients it needs."""

from __future__ import annotations

import importlib
import re
from collections.abc import Collection, Mapping
from typing import Any

from connectors.base import Connector
from connectors.errors import ConfigurationError

_CONNECTORS: dict[str, str] = {
    "postgresql": "connectors.postgresql:PostgresConnector",
    "mysql": "connectors.mysql:MySQLConnector",
    "mariadb": "connectors.mysql:MariaDBConnector",
    "sqlserver": "connectors.sqlserver:SqlServerConnector",
    "azuresql": "connectors.sqlserver:AzureSqlConnector",
    "synapse": "connectors.sqlserver:SynapseConnector",
    "sqlalchemy": "connectors.sqlalchemy_generic:SqlAlchemyConnector",
    "snowflake": "connectors.snowflake:SnowflakeConnector",
    "databricks": "connectors.databricks:DatabricksConnector",
}


#: Names the technologies are written as elsewhere, squeezed (lower case, no spaces or punctuation).
_ALIASES: dict[str, str] = {
    "postgres": "postgresql",
    "databricksunitycatalog": "databricks",
    "unitycatalog": "databricks",
    "azuresynapseanalytics": "synapse",
    "azuresynapse": "synapse",
    "azuresqldatabase": "azuresql",
    "microsoftsqlserver": "sqlserver",
}
#: How each technology is written for people (integration types, connection tags).
DISPLAY_NAMES: dict[str, str] = {
    "postgresql": "PostgreSQL", "mysql": "MySQL", "mariadb": "MariaDB", "sqlserver": "SQL Server",
    "azuresql": "Azure SQL Database", "synapse": "Azure Synapse Analytics", "sqlalchemy": "SQLAlchemy",
    "snowflake": "Snowflake", "databricks": "Databricks",
}


def canonical_technology(name: str) -> str:
    """The registered name for a technology written in any case and spacing: "Azure Synapse Analytics",
    "SQL Server", "Databricks" and "databricks" all resolve; an unknown name comes back as written, so
    messages quote what the user typed."""
    squeezed = re.sub(r"[\s_\-().]+", "", name).lower()
    known = _ALIASES.get(squeezed, squeezed)
    return known if known in _CONNECTORS else name


def display_name(technology: str) -> str:
    canonical = canonical_technology(technology)
    return DISPLAY_NAMES.get(canonical, technology)


#: Technologies whose client library is an optional extra: `pip install 'objectsync[<extra>]'`.
EXTRAS: dict[str, str] = {
    "snowflake": "snowflake", "databricks": "databricks",
    "sqlserver": "sqlserver", "azuresql": "sqlserver", "synapse": "sqlserver",
}


class MissingClientLibrary(ConfigurationError):
    def __init__(self, technology: str, extra: str, module: str | None):
        super().__init__(f"the {technology} connector needs its client library ({module or 'a module'} is not "
                         f"installed): pip install 'objectsync[{extra}]'")


def register(technology: str, target: str) -> None:
    """Register a connector class given as 'module:Class'."""
    _CONNECTORS[technology] = target


def technologies() -> list[str]:
    return sorted(_CONNECTORS)


def connector_class(technology: str) -> type[Connector]:
    try:
        module_name, class_name = _CONNECTORS[canonical_technology(technology)].split(":")
    except KeyError:
        raise ConfigurationError(
            f"unknown technology {technology!r}; known: {', '.join(technologies())}"
        ) from None
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if technology not in EXTRAS:
            raise
        raise MissingClientLibrary(technology, EXTRAS[technology], exc.name) from None
    return getattr(module, class_name)


def create_connector(
    technology: str, config: Mapping[str, Any], credentials: Mapping[str, Any], *, timeout: float = 30.0,
    internal_databases: Collection[str] = (),
) -> Connector:
    return connector_class(technology)(config, credentials, timeout=timeout, internal_databases=internal_databases)
