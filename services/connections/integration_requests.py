"""What an integration request says, checked: its type (any spelling), whether the service runs the setup
itself (`autoBootstrap`), and its configuration made into what the connectors read, secrets apart."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connectors import canonical_technology, display_name
from connectors.setup_scripts import INTEGRATION_TYPES
from domain.errors import Invalid
from services.connections.payloads import connection_fields
from services.connections.validation import split_connection_fields

#: Databricks: a catalog name of letters, digits and underscores, not starting with a digit.
CATALOG_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
DEFAULT_PORTS = {"synapse": 1433, "sqlserver": 1433, "azuresql": 1433, "snowflake": 443, "databricks": 443}
_REQUIRED = {
    "synapse": ("host", "database", "schema"),
    "azuresql": ("host", "database"),
    "sqlserver": ("host", "database"),
    "snowflake": ("host", "warehouse", "database"),
    "databricks": ("host", "catalog"),
}


class InvalidIntegration(Invalid):
    pass


@dataclass(frozen=True, slots=True)
class IntegrationRequest:
    """`config` is flat (nested objects such as metadataDelimiters kept as they are); `credentials` are the
    secret fields of the request, apart."""

    technology: str
    auto_bootstrap: bool
    config: dict[str, Any]
    credentials: dict[str, Any]
    unity_catalog: bool | None = None

    @property
    def type_name(self) -> str:
        return display_name(self.technology)

    @property
    def host(self) -> str:
        return normalized_host(str(self.config.get("host") or ""))

    def connector_config(self) -> dict[str, Any]:
        """The configuration a connector reads to reach the platform as this request's account."""
        config = dict(self.config)
        config.setdefault("port", DEFAULT_PORTS.get(self.technology))
        if self.technology in ("synapse", "sqlserver", "azuresql"):
            config.setdefault("hostname", config.get("host"))
        if self.technology == "databricks":
            config["internalCatalog"] = config.get("catalog")
        elif self.technology in ("snowflake", "sqlserver"):
            # The integration's database is the service's own (made by the setup), not the scope to read.
            config["internalDatabase"] = config.pop("database", None)
            if self.technology == "snowflake":
                config.setdefault("user", self.credentials.get("username"))
        return {key: value for key, value in config.items() if value is not None}

    def setup(self) -> dict[str, Any]:
        """What the setup tests look at."""
        return {**self.config, "autoBootstrap": self.auto_bootstrap}


def normalized_host(host: str) -> str:
    return host.split("://", 1)[-1].rstrip("/").lower()


def integration_request(type_name: str, auto_bootstrap: bool, config: Mapping[str, Any],
                        unity_catalog: bool | None = None) -> IntegrationRequest:
    technology = canonical_technology(type_name)
    if technology not in INTEGRATION_TYPES:
        known = ", ".join(sorted({display_name(t) for t in INTEGRATION_TYPES}))
        raise InvalidIntegration(f"integrations are available for {known}; not {type_name!r}")
    flat = connection_fields(technology, config)
    missing = [name for name in _REQUIRED[technology] if not flat.get(name)]
    if missing:
        raise InvalidIntegration(f"config.{', config.'.join(missing)} required for a {display_name(technology)} "
                                 "integration")
    if technology == "databricks" and not CATALOG_NAME.fullmatch(str(flat["catalog"])):
        raise InvalidIntegration("config.catalog may only contain letters, numbers and underscores and cannot start "
                                 "with a number")
    for name in ("database", "schema", "catalog", "warehouse", "systemAccount"):
        value = flat.get(name)
        if value is not None and (not isinstance(value, str) or not 0 < len(value) <= 255 or "\x00" in value):
            raise InvalidIntegration(f"config.{name} must be a name of 1-255 characters")
    for name in ("databases", "catalogs", "workspaceIds"):
        value = flat.get(name)
        if value is not None and (not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
            raise InvalidIntegration(f"config.{name} must be a list of names")
    for name in ("metadataDelimiters", "impersonation", "audit"):
        if flat.get(name) is not None and not isinstance(flat[name], dict):
            raise InvalidIntegration(f"config.{name} must be an object")
    non_secret, credentials = split_connection_fields(flat)
    return IntegrationRequest(technology, auto_bootstrap, non_secret, credentials, unity_catalog)


def check_matches_connection(request: IntegrationRequest, technology: str, connection_config: Mapping[str, Any]
                             ) -> None:
    """A connection's nativeIntegration is of the connection's technology and on its host."""
    if request.technology != canonical_technology(technology):
        raise InvalidIntegration(f"nativeIntegration.type {request.type_name!r} is not the connection's technology "
                                 f"{display_name(technology)!r}")
    host = normalized_host(str(connection_config.get("host") or connection_config.get("hostname") or ""))
    if host and request.host and host != request.host:
        raise InvalidIntegration(f"nativeIntegration.config.host {request.host!r} is not the connection's host "
                                 f"{host!r}")
