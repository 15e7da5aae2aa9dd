"""Databricks Unity Catalog through databricks-sdk's WorkspaceClient (REST, no SQL warehouse needed).

Config: host (the workspace URL; also read as hostname or workspaceUrl), catalogs (restrict to these),
excludedCatalogs, internalCatalog (the service's own catalog), authenticationType "token" (credentials token, a
personal access token) or "oAuthM2M" (any case; clientId, clientSecret, authorityUrl, scope, flat or nested in
oAuthClientConfig, the secret among the credentials).

Catalogs and their schemas are listed with the paged catalogs/schemas list calls; a schema is read with one paged
tables list call, which carries every table's columns. Unity Catalog names are case-insensitive and stored in
lower case; they are kept exactly as the API reports them. The list calls go through the SDK's API client (its
authentication and its retries, which honour 429 Retry-After) but keep the raw JSON: the SDK turns an enum value
newer than itself into None (`_enum` in databricks/sdk/service/_internal.py), and the platform's own word for a
table or catalog type must not be lost.

Listings show only what the principal may see: catalogs it owns or has USE_CATALOG on, schemas with USE_SCHEMA,
tables with SELECT (and, with include_browse, BROWSE). A listing is complete when the principal's effective
privileges show everything: the metastore admin for catalogs; USE_SCHEMA (or BROWSE, or ALL_PRIVILEGES) on the
catalog, or its ownership, for its schemas; SELECT (or BROWSE, or ALL_PRIVILEGES) on the schema for its tables. A
table listed with deleted_at is proven dropped. Anything else that vanishes is counted as not visible.
"""

from __future__ import annotations

import math
import socket
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from databricks.sdk import WorkspaceClient
from databricks.sdk import errors as sdk_errors
from databricks.sdk.config import Config
from databricks.sdk.service.catalog import CatalogType, TableInfo

from connectors.base import Connector, ValidationResult, ValidationTestNames
from connectors.errors import (
    AuthenticationFailed,
    ConfigurationError,
    ConnectorError,
    ObjectNotFound,
    PermissionDenied,
    RemoteTimeout,
    RemoteUnavailable,
)
from connectors.hierarchy import SchemaListing, collect_hierarchy
from connectors.validation import Warned, validate_by_listing, visibility_outcome
from domain.redaction import redact
from domain.schema_batches import TableRange
from domain.snapshot import RemoteColumn, RemoteHierarchy, RemoteTable, SchemaSnapshot

VIEW_TYPES = frozenset({"VIEW", "MATERIALIZED_VIEW", "METRIC_VIEW"})
HIDDEN_CATALOG_TYPES = frozenset({CatalogType.SYSTEM_CATALOG.value, CatalogType.INTERNAL_CATALOG.value})
KNOWN_CATALOG_TYPES = frozenset(t.value for t in CatalogType)
#: Effective privileges that make every child securable of the kind show in a listing.
SHOWS_ALL_SCHEMAS = frozenset({"USE_SCHEMA", "BROWSE", "ALL_PRIVILEGES"})
SHOWS_ALL_TABLES = frozenset({"SELECT", "BROWSE", "ALL_PRIVILEGES"})
CATALOGS_PATH = "/api/2.1/unity-catalog/catalogs"
SCHEMAS_PATH = "/api/2.1/unity-catalog/schemas"
TABLES_PATH = "/api/2.1/unity-catalog/tables"
AUTHENTICATION_TYPES = ("token", "oAuthM2M")
_OAUTH_REJECTIONS = ("invalid_client", "unauthorized_client", "access_denied", "invalid_grant")
_SECRET_KEYS = ("token", "clientSecret")
T = TypeVar("T")
METASTORE_TEST = "Metastore validation"
MANUAL_CATALOG_TEST = "Manual catalog setup"


def warehouse_id(http_path: str) -> str:
    """The SQL warehouse of an HTTP path such as /sql/1.0/warehouses/abc123 (a cluster path has none)."""
    parts = [part for part in http_path.split("/") if part]
    if len(parts) >= 2 and parts[-2] == "warehouses":
        return parts[-1]
    raise ConfigurationError(f"automatic setup needs the httpPath of a SQL warehouse (/sql/1.0/warehouses/<id>), "
                             f"not {http_path!r}")


def workspace_host(config: Mapping[str, Any]) -> str:
    """The workspace URL, whichever name it was given under (host, hostname or workspaceUrl)."""
    return str(config.get("host") or config.get("hostname") or config.get("workspaceUrl") or "").rstrip("/")


def oauth_discovery_url(authority_url: str) -> str:
    """The OAuth authorization server metadata document of an authority (an authority given with its
    `.well-known` path is taken as it is)."""
    authority = authority_url.rstrip("/")
    if "://" not in authority:
        authority = f"https://{authority}"
    if "/.well-known/" in authority:
        return authority
    return f"{authority}/.well-known/oauth-authorization-server"


def client_config(config: Mapping[str, Any], credentials: Mapping[str, Any], timeout: float) -> dict[str, Any]:
    """Keyword arguments for databricks.sdk Config; pure, so both authentication types are testable.

    OAuth M2M fields may come flat or nested in `oAuthClientConfig` {clientId, clientSecret, authorityUrl,
    useCertificate, scope}: the authority's metadata document is the SDK's discovery URL, the scope its scopes.
    """
    host = workspace_host(config)
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
    if authentication.lower() == "token":
        if not credentials.get("token"):
            raise ConfigurationError("authenticationType 'token' needs credentials.token (a personal access token)")
        arguments.update(auth_type="pat", token=str(credentials["token"]))
    elif authentication.lower() == "oauthm2m":
        arguments.update(_oauth_m2m(config, credentials))
    else:
        raise ConfigurationError(
            f"authenticationType must be one of {', '.join(AUTHENTICATION_TYPES)}, not {authentication!r}"
        )
    return arguments


def _oauth_m2m(config: Mapping[str, Any], credentials: Mapping[str, Any]) -> dict[str, Any]:
    nested_secret = credentials.get("oAuthClientConfig") or {}
    nested = {**(config.get("oAuthClientConfig") or {}), **nested_secret}

    def field(name: str) -> Any:
        return nested.get(name) or config.get(name) or credentials.get(name)

    client_id, client_secret = field("clientId"), field("clientSecret")
    if not client_id or not client_secret:
        raise ConfigurationError("authenticationType 'oAuthM2M' needs oAuthClientConfig.clientId and clientSecret")
    if field("useCertificate") is True:
        raise ConfigurationError("oAuthClientConfig.useCertificate: certificate credentials are not supported; "
                                 "use a client secret")
    arguments: dict[str, Any] = {"auth_type": "oauth-m2m", "client_id": str(client_id),
                                 "client_secret": str(client_secret)}
    if field("authorityUrl"):
        arguments["discovery_url"] = oauth_discovery_url(str(field("authorityUrl")))
    if field("scope"):
        arguments["scopes"] = str(field("scope")).split()
    return arguments


def reachable(url: str, timeout: float) -> None:
    """Fail at once when the workspace's address does not resolve or refuses connections: the SDK would retry
    that for its whole retry budget, twice (host metadata, then the call)."""
    parts = urlsplit(url)
    port = parts.port or (80 if parts.scheme == "http" else 443)
    try:
        socket.create_connection((parts.hostname or "", port), timeout=max(0.1, min(timeout, 10))).close()
    except OSError as error:
        raise RemoteUnavailable(f"cannot connect to the workspace {parts.hostname}:{port} ({error})") from None


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


def table_kind(table_type: str | None, view_definition: str | None = None) -> str:
    """A view for the known view types, any newer type that calls itself one, or anything defined by a query."""
    if table_type in VIEW_TYPES or "VIEW" in (table_type or "").upper() or view_definition:
        return "view"
    return "table"


def _token(raw: Mapping[str, Any]) -> str | None:
    """A table's change token: its updated_at, which every ALTER (columns included) moves."""
    return str(raw["updated_at"]) if raw.get("updated_at") is not None else None


def remote_table(raw: dict[str, Any]) -> RemoteTable:
    """From the tables list call's JSON: the SDK parses the rest, the raw table_type survives unknown values."""
    info = TableInfo.from_dict(raw)
    table_type = raw.get("table_type") or None
    columns = sorted(info.columns or [], key=lambda c: c.position if c.position is not None else 0)
    return RemoteTable(
        name=info.name or "",
        kind=table_kind(table_type, info.view_definition),  # type: ignore[arg-type]
        remote_kind=table_type,
        comment=info.comment or None,
        owner=info.owner or None,
        remote_id=info.table_id or None,
        change_token=_token(raw),
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
    test_names = ValidationTestNames("Basic connection test", "Catalog access test", "Metadata privileges test")
    system_databases = frozenset({"system", "__databricks_internal"})
    system_schemas = frozenset({"information_schema"})

    def __init__(self, config: Mapping[str, Any], credentials: Mapping[str, Any], **options: Any):
        super().__init__(config, credentials, **options)
        self._secrets = [str(self.credentials[k]) for k in _SECRET_KEYS if self.credentials.get(k)]
        self._client: WorkspaceClient | None = None
        self._me: frozenset[str] | None = None

    def _call(self, context: str, action: Callable[[WorkspaceClient], T]) -> T:
        """Run one (paged) API call; the client is built on first use so that its errors are reported too."""
        try:
            if self._client is None:
                arguments = client_config(self.config, self.credentials, self.timeout)
                reachable(arguments["host"], self.timeout)
                if arguments.get("discovery_url"):
                    # The SDK reads the authority's metadata with a retry budget of minutes; reach it within the
                    # connection's timeout first, so an unreachable authority fails like any unreachable host.
                    requests.get(arguments["discovery_url"], timeout=self.timeout).raise_for_status()
                self._client = WorkspaceClient(config=Config(**arguments))
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

    def _list(self, context: str, path: str, key: str, **query: Any) -> list[dict[str, Any]]:
        """Every item of a paged list call. Only an absent next_page_token ends it: a page may be empty and still
        carry one, and pages come in no particular order."""
        items: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            params = {**query, "max_results": 0, **({"page_token": token} if token else {})}

            def fetch(w: WorkspaceClient, params: dict[str, Any] = params) -> Any:
                return w.api_client.do("GET", path, query=params, headers={"Accept": "application/json"})

            page = self._call(context, fetch)
            assert isinstance(page, dict)
            items.extend(page.get(key) or [])
            token = page.get("next_page_token")
            if not token:
                return items

    def _catalog_infos(self) -> list[dict[str, Any]]:
        return self._list("cannot list catalogs", CATALOGS_PATH, "catalogs", include_browse="true")

    def _catalogs_in_scope(self) -> tuple[list[str], dict[str, str]]:
        excluded = self._excluded_catalogs()
        visible = [
            info["name"]
            for info in self._catalog_infos()
            if info.get("name") and info["name"].lower() not in excluded
            and info.get("catalog_type") not in HIDDEN_CATALOG_TYPES
            and (info.get("catalog_type") or "MANAGED_CATALOG") in KNOWN_CATALOG_TYPES
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
        infos = self._list(f"cannot list the schemas of catalog {catalog}", SCHEMAS_PATH, "schemas",
                           catalog_name=catalog, include_browse="true")
        return tuple(info["name"] for info in infos
                     if info.get("name") and info["name"].lower() not in self.system_schemas)

    def _schema_listing(self, catalog: str) -> SchemaListing:
        schemas = self._schemas(catalog)
        return SchemaListing(schemas, complete=self._sees_all(SHOWS_ALL_SCHEMAS, "catalog", catalog))

    # -- what the principal may see --

    def _identities(self) -> frozenset[str]:
        """The principal and its groups, as grants name them (a service principal by its application id)."""
        if self._me is None:
            me = self._call("cannot read the current principal", lambda w: w.api_client.do(
                "GET", "/api/2.0/preview/scim/v2/Me", headers={"Accept": "application/json"}))
            assert isinstance(me, dict)
            groups = {g.get("display") for g in me.get("groups") or [] if g.get("display")}
            self._me = frozenset({me.get("userName") or "", me.get("applicationId") or "", *groups} - {""})
        return self._me

    def _is_metastore_admin(self) -> bool:
        summary = self._call("cannot read the metastore", lambda w: w.api_client.do(
            "GET", "/api/2.1/unity-catalog/metastore_summary", headers={"Accept": "application/json"}))
        return isinstance(summary, dict) and summary.get("owner") in self._identities()

    def _effective_privileges(self, securable_type: str, full_name: str) -> set[str]:
        """The principal's privileges on a securable, inherited ones included; nothing if it may not ask."""
        try:
            result = self._call(f"cannot read the privileges on {full_name}", lambda w: w.api_client.do(
                "GET", f"/api/2.1/unity-catalog/effective-permissions/{securable_type}/{full_name}",
                headers={"Accept": "application/json"}))
        except (PermissionDenied, ObjectNotFound):
            return set()
        assert isinstance(result, dict)
        identities = self._identities()
        return {
            privilege.get("privilege") or ""
            for assignment in result.get("privilege_assignments") or []
            if assignment.get("principal") in identities
            for privilege in assignment.get("privileges") or []
        }

    def _sees_all(self, privileges: frozenset[str], securable_type: str, full_name: str) -> bool:
        return bool(self._effective_privileges(securable_type, full_name) & privileges) or self._is_metastore_admin()

    def list_hierarchy(self) -> RemoteHierarchy:
        catalogs, failed = self._catalogs_in_scope()
        return collect_hierarchy(catalogs, self._schema_listing, failed, complete=self._is_metastore_admin())

    def read_schema(self, database: str, schema: str, tables: Collection[str] | None = None) -> SchemaSnapshot:
        return self._read(database, schema, tables, self._table_infos(database, schema, omit_columns=False))

    def read_schema_changes(self, database: str, schema: str, known_tokens: Mapping[str, str],
                            table_range: TableRange | None = None) -> SchemaSnapshot:
        """The listing without columns first; the columns only if some table's updated_at moved (a column change
        moves it), in a second listing."""
        if not known_tokens:
            return self._in_range(self.read_schema(database, schema), table_range)
        infos = self._table_infos(database, schema, omit_columns=True)
        moved = {i.get("name") for i in infos if known_tokens.get(i.get("name") or "") != _token(i)}
        if moved:
            full = {i.get("name"): i for i in self._table_infos(database, schema, omit_columns=False)}
            infos = [full.get(i.get("name"), i) if i.get("name") in moved else i for i in infos]
        snapshot = self._read(database, schema, None, infos)
        tables = tuple(t if t.name in moved else replace(t, columns=(), columns_unread=True) for t in snapshot.tables)
        return self._in_range(replace(snapshot, tables=tables), table_range)

    @staticmethod
    def _in_range(snapshot: SchemaSnapshot, table_range: TableRange | None) -> SchemaSnapshot:
        if table_range is None:
            return snapshot
        return replace(snapshot, tables=tuple(t for t in snapshot.tables if table_range.holds(t.name)))

    def _table_infos(self, database: str, schema: str, *, omit_columns: bool) -> list[dict[str, Any]]:
        if database.lower() in self._excluded_catalogs() or schema.lower() in self.system_schemas:
            raise ObjectNotFound(f"{database}.{schema} is a system or internal schema and is never read")
        return self._list(f"cannot read schema {database}.{schema}", TABLES_PATH, "tables", catalog_name=database,
                          schema_name=schema, omit_properties="true", include_browse="true",
                          **({"omit_columns": "true"} if omit_columns else {}))

    def _read(self, database: str, schema: str, tables: Collection[str] | None,
              infos: list[dict[str, Any]]) -> SchemaSnapshot:
        wanted = None if tables is None else {name.lower() for name in tables}  # names are case-insensitive
        infos = [info for info in infos if wanted is None or (info.get("name") or "").lower() in wanted]
        deleted = frozenset(info["name"] for info in infos if info.get("deleted_at") and info.get("name"))
        snapshot = SchemaSnapshot(
            database=database,
            schema=schema,
            tables=tuple(remote_table(info) for info in infos if info.get("name") not in deleted),
        )
        if self._sees_all(SHOWS_ALL_TABLES, "schema", f"{database}.{schema}"):
            return snapshot
        return replace(snapshot, complete=False, confirmed_absent=deleted)

    def validate(self) -> list[ValidationResult]:
        return validate_by_listing(self._test_connection, self._catalogs_in_scope, self._schemas, noun="catalog",
                                   visibility=self._visibility, names=self.test_names,
                                   after_connect=[(METASTORE_TEST, self._metastore_assigned)])

    def _metastore_assigned(self) -> str:
        summary = self._call("No metastore is assigned to workspace", lambda w: w.api_client.do(
            "GET", "/api/2.1/unity-catalog/metastore_summary", headers={"Accept": "application/json"}))
        if not isinstance(summary, dict) or not summary.get("metastore_id"):
            raise ObjectNotFound("No metastore is assigned to workspace.")
        return f"metastore {summary.get('name') or summary['metastore_id']} is assigned to the workspace"

    def validate_setup(self, setup: Mapping[str, Any], *, reachable: bool) -> list[ValidationResult]:
        """Manual catalog setup: the integration's catalog (made by the script the caller ran) is there."""
        catalog = str(setup.get("catalog") or "")
        if setup.get("autoBootstrap"):
            return [ValidationResult(MANUAL_CATALOG_TEST, "skipped", "the catalog is created by the automatic setup")]
        if not reachable:
            return [ValidationResult(MANUAL_CATALOG_TEST, "skipped", "skipped because the connection tests failed")]
        try:
            names = {(info.get("name") or "").lower() for info in self._catalog_infos()}
        except ConnectorError as error:
            return [ValidationResult(MANUAL_CATALOG_TEST, "failed", error.message)]
        if catalog.lower() not in names:
            return [ValidationResult(MANUAL_CATALOG_TEST, "failed",
                                     f"Encountered an error looking up catalog metadata for catalog {catalog}: it "
                                     "does not exist or is not visible; run the setup script first")]
        return [ValidationResult(MANUAL_CATALOG_TEST, "passed", f"catalog {catalog} is present")]

    def current_principal(self) -> str:
        """The principal these credentials act as, as grants name it (a service principal by its application id)."""
        me = self._call("cannot read the current principal", lambda w: w.api_client.do(
            "GET", "/api/2.0/preview/scim/v2/Me", headers={"Accept": "application/json"}))
        assert isinstance(me, dict)
        return str(me.get("applicationId") or me.get("userName") or "")

    def run_setup(self, statements: Sequence[str]) -> None:
        """Each statement through the SQL Statement Execution API on the warehouse of `httpPath`."""
        warehouse = warehouse_id(str(self.config.get("httpPath") or ""))
        for statement in statements:
            body = {"statement": statement, "warehouse_id": warehouse, "wait_timeout": "50s"}

            def execute(w: WorkspaceClient, body: dict[str, Any] = body) -> Any:
                return w.api_client.do("POST", "/api/2.0/sql/statements", headers={"Accept": "application/json"},
                                       body=body)

            answer = self._call("the setup script failed", execute)
            state = (answer.get("status") or {}) if isinstance(answer, dict) else {}
            if state.get("state") != "SUCCEEDED":
                error = (state.get("error") or {}).get("message") or state.get("state") or "no answer"
                raise ConnectorError(f"the setup script failed at {statement.split(chr(10))[0]!r}: {error}")

    def _visibility(self, catalogs: list[str]) -> str | Warned | None:
        if self._is_metastore_admin():
            return "the principal is the metastore admin and sees everything"
        gaps = [] if self.config.get("catalogs") else [
            "the principal is not the metastore admin: a catalog that disappears from the listing is counted as "
            "not visible"]
        unknown = sorted({f"{info.get('name')} ({info.get('catalog_type')})" for info in self._catalog_infos()
                          if info.get("catalog_type") and info["catalog_type"] not in KNOWN_CATALOG_TYPES})
        if unknown:
            gaps.append(f"catalogs of a type this connector does not know are not ingested: {', '.join(unknown)}")
        for catalog in catalogs:
            if not self._effective_privileges("catalog", catalog) & SHOWS_ALL_SCHEMAS:
                gaps.append(f"no USE_SCHEMA (or BROWSE) on catalog {catalog}: schemas without their own grant are "
                            "hidden")
            for schema in self._schemas(catalog)[:10]:
                if not self._effective_privileges("schema", f"{catalog}.{schema}") & SHOWS_ALL_TABLES:
                    gaps.append(f"no SELECT (or BROWSE) on schema {catalog}.{schema}: tables without their own "
                                "grant are hidden")
        return visibility_outcome(gaps)

    def _test_connection(self) -> None:
        self._call("cannot connect to the workspace", lambda w: w.api_client.do(
            "GET", CATALOGS_PATH, query={"max_results": 1}, headers={"Accept": "application/json"}))

    def close(self) -> None:
        self._client = None
        self._me = None
