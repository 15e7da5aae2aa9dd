"""Databricks Unity Catalog through databricks-sdk's WorkspaceClient (REST, no SQL warehouse needed).

Config: host (the workspace URL), catalogs (restrict to these), excludedCatalogs, internalCatalog (the service's
own catalog), authenticationType "token" (credentials token, a personal access token) or "oauthM2M" (clientId in
config or credentials, credentials clientSecret).

Catalogs and their schemas are listed with the paged catalogs/schemas list calls; a schema is read with one paged
tables list call, which carries every table's columns. Unity Catalog names are case-insensitive and stored in
lower case; they are kept exactly as the API reports them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any, TypeVar

import requests
from databricks.sdk import WorkspaceClient
from databricks.sdk import errors as sdk_errors
from databricks.sdk.config import Config
from databricks.sdk.service.catalog import CatalogType, TableInfo

from connectors.base import Connector, ValidationResult
from connectors.errors import (
    AuthenticationFailed,
    ConfigurationError,
    ConnectorError,
    ObjectNotFound,
    PermissionDenied,
    RemoteTimeout,
    RemoteUnavailable,
)
from connectors.hierarchy import collect_hierarchy
from connectors.validation import validate_by_listing
from domain.redaction import redact
from domain.snapshot import RemoteColumn, RemoteHierarchy, RemoteTable, SchemaSnapshot

VIEW_TYPES = frozenset({"VIEW", "MATERIALIZED_VIEW", "METRIC_VIEW"})
HIDDEN_CATALOG_TYPES = frozenset({CatalogType.SYSTEM_CATALOG, CatalogType.INTERNAL_CATALOG})
AUTHENTICATION_TYPES = ("token", "oauthM2M")
_OAUTH_REJECTIONS = ("invalid_client", "unauthorized_client", "access_denied", "invalid_grant")
_SECRET_KEYS = ("token", "clientSecret")
T = TypeVar("T")


def client_config(config: Mapping[str, Any], credentials: Mapping[str, Any], timeout: float) -> dict[str, Any]:
    """Keyword arguments for databricks.sdk Config; pure, so both authentication types are testable."""
    host = str(config.get("host") or "").rstrip("/")
    if not host:
        raise ConfigurationError("host is required (the workspace URL, e.g. https://adb-123.azuredatabricks.net)")
    if "://" not in host:
        host = f"https://{host}"
    seconds = max(1, math.ceil(timeout))
    arguments: dict[str, Any] = {
        "host": host,
        "http_timeout_seconds": seconds,
        "retry_timeout_seconds": seconds,
        "product": "objectsync",
        "product_version": "0.1.0",
    }
    authentication = str(config.get("authenticationType") or "token")
    if authentication == "token":
        if not credentials.get("token"):
            raise ConfigurationError("authenticationType 'token' needs credentials.token (a personal access token)")
        arguments.update(auth_type="pat", token=str(credentials["token"]))
    elif authentication == "oauthM2M":
        client_id = config.get("clientId") or credentials.get("clientId")
        if not client_id or not credentials.get("clientSecret"):
            raise ConfigurationError("authenticationType 'oauthM2M' needs clientId and credentials.clientSecret")
        arguments.update(
            auth_type="oauth-m2m", client_id=str(client_id), client_secret=str(credentials["clientSecret"])
        )
    else:
        raise ConfigurationError(
            f"authenticationType must be one of {', '.join(AUTHENTICATION_TYPES)}, not {authentication!r}"
        )
    return arguments


def map_error(error: BaseException, context: str, secrets: Iterable[str] = ()) -> ConnectorError:
    """Translate SDK, HTTP and OAuth errors; the SDK's appended config dump and any secret are left out."""
    if isinstance(error, ConnectorError):
        return error
    detail = redact(str(error).split(" Config: ", 1)[0].strip(), secrets)
    message = f"{context}: {detail or type(error).__name__}"
    if isinstance(error, sdk_errors.Unauthenticated):
        return AuthenticationFailed(message)
    if isinstance(error, sdk_errors.PermissionDenied):
        return PermissionDenied(message)
    if isinstance(error, sdk_errors.NotFound):
        return ObjectNotFound(message)
    if isinstance(error, sdk_errors.DeadlineExceeded):
        return RemoteTimeout(message)
    if isinstance(error, sdk_errors.TemporarilyUnavailable | sdk_errors.TooManyRequests | sdk_errors.InternalError):
        return RemoteUnavailable(message)
    if isinstance(error, sdk_errors.DatabricksError):
        return ConnectorError(message)
    if isinstance(error, TimeoutError):  # the SDK's retry budget ran out; the cause says on what
        cause = error.__cause__
        if isinstance(cause, requests.ConnectionError):
            return RemoteUnavailable(f"{context}: cannot connect to the workspace")
        return RemoteTimeout(message)
    if isinstance(error, requests.Timeout):
        return RemoteTimeout(message)
    if isinstance(error, requests.ConnectionError):
        return RemoteUnavailable(f"{context}: cannot connect to the workspace")
    if isinstance(error, ValueError):
        if any(rejection in detail for rejection in _OAUTH_REJECTIONS):
            return AuthenticationFailed(message)
        return ConfigurationError(message)
    return ConnectorError(message)


def remote_table(info: TableInfo) -> RemoteTable:
    table_type = info.table_type.value if info.table_type else None
    columns = sorted(info.columns or [], key=lambda c: c.position if c.position is not None else 0)
    return RemoteTable(
        name=info.name or "",
        kind="view" if table_type in VIEW_TYPES else "table",
        remote_kind=table_type,
        comment=info.comment or None,
        owner=info.owner or None,
        columns=tuple(
            RemoteColumn(
                name=column.name or "",
                # Unity Catalog positions start at 0; ordinals here start at 1 like INFORMATION_SCHEMA's.
                ordinal=(column.position if column.position is not None else index) + 1,
                data_type=column.type_text or (column.type_name.value if column.type_name else ""),
                nullable=column.nullable is not False,
                comment=column.comment or None,
            )
            for index, column in enumerate(columns)
        ),
    )


class DatabricksConnector(Connector):
    technology = "databricks"
    system_databases = frozenset({"system", "__databricks_internal"})
    system_schemas = frozenset({"information_schema"})

    def __init__(self, config: Mapping[str, Any], credentials: Mapping[str, Any], **options: Any):
        super().__init__(config, credentials, **options)
        self._secrets = [str(self.credentials[k]) for k in _SECRET_KEYS if self.credentials.get(k)]
        self._client: WorkspaceClient | None = None

    def _call(self, context: str, action: Callable[[WorkspaceClient], T]) -> T:
        """Run one (paged) API call; the client is built on first use so that its errors are reported too."""
        try:
            if self._client is None:
                self._client = WorkspaceClient(
                    config=Config(**client_config(self.config, self.credentials, self.timeout))
                )
            return action(self._client)
        except ConnectorError:
            raise
        except Exception as error:  # noqa: BLE001 - every client failure becomes a domain error
            raise map_error(error, context, self._secrets) from None

    def _excluded_catalogs(self) -> set[str]:
        names = [
            *self.system_databases,
            *self.internal_databases,
            *(self.config.get("excludedCatalogs") or []),
        ]
        if self.config.get("internalCatalog"):
            names.append(str(self.config["internalCatalog"]))
        return {name.lower() for name in names}

    def _catalogs_in_scope(self) -> tuple[list[str], dict[str, str]]:
        infos = self._call("cannot list catalogs", lambda w: list(w.catalogs.list()))
        excluded = self._excluded_catalogs()
        visible = [
            info.name
            for info in infos
            if info.name and info.name.lower() not in excluded and info.catalog_type not in HIDDEN_CATALOG_TYPES
        ]
        wanted = [str(name) for name in self.config.get("catalogs") or []]
        if not wanted:
            return visible, {}
        by_lower = {name.lower(): name for name in visible}
        found = [by_lower[name.lower()] for name in dict.fromkeys(wanted) if name.lower() in by_lower]
        missing = {
            name: f"catalog {name} does not exist or is not visible to these credentials"
            for name in wanted
            if name.lower() not in by_lower
        }
        return list(dict.fromkeys(found)), missing

    def _schemas(self, catalog: str) -> tuple[str, ...]:
        infos = self._call(
            f"cannot list the schemas of catalog {catalog}", lambda w: list(w.schemas.list(catalog_name=catalog))
        )
        return tuple(info.name for info in infos if info.name and info.name.lower() not in self.system_schemas)

    def list_hierarchy(self) -> RemoteHierarchy:
        catalogs, failed = self._catalogs_in_scope()
        return collect_hierarchy(catalogs, self._schemas, failed)

    def read_schema(self, database: str, schema: str, tables: Collection[str] | None = None) -> SchemaSnapshot:
        if database.lower() in self._excluded_catalogs() or schema.lower() in self.system_schemas:
            raise ObjectNotFound(f"{database}.{schema} is a system or internal schema and is never read")
        infos = self._call(
            f"cannot read schema {database}.{schema}",
            lambda w: list(w.tables.list(catalog_name=database, schema_name=schema, omit_properties=True)),
        )
        wanted = None if tables is None else {name.lower() for name in tables}  # names are case-insensitive
        return SchemaSnapshot(
            database=database,
            schema=schema,
            tables=tuple(remote_table(info) for info in infos if wanted is None or (info.name or "").lower() in wanted),
        )

    def validate(self) -> list[ValidationResult]:
        return validate_by_listing(self._test_connection, self._catalogs_in_scope, self._schemas, noun="catalog")

    def _test_connection(self) -> None:
        self._call("cannot connect to the workspace", lambda w: next(iter(w.catalogs.list(max_results=1)), None))

    def close(self) -> None:
        self._client = None
