"""A local Databricks workspace serving the Unity Catalog REST API that databricks-sdk calls, on 127.0.0.1.

Endpoints (shapes from databricks/sdk/service/catalog.py and iam.py, and the SDK's auth flow):
- GET /.well-known/databricks-config, /oidc/.well-known/oauth-authorization-server (client construction)
- POST /oidc/v1/token (OAuth M2M client credentials, HTTP Basic client id/secret)
- GET /api/2.0/preview/scim/v2/Me (the caller and its groups)
- GET /api/2.1/unity-catalog/metastore_summary (the metastore and its owner, the metastore admin)
- GET /api/2.1/unity-catalog/catalogs, /schemas?catalog_name=, /tables?catalog_name=&schema_name=
  with max_results / page_token / next_page_token paging (0 → the server's page size, absent → everything)
- GET /api/2.1/unity-catalog/effective-permissions/{securable_type}/{full_name}[?principal=]

Every /api call needs a bearer token: the personal access token or one issued by the token endpoint (401
otherwise). Both authenticate the same principal, whose privileges (granted to it or to its groups, on a catalog,
schema or table, inherited downwards) decide what each listing shows, as Unity Catalog documents:
- catalogs: all for a metastore admin, else those owned or with USE_CATALOG
  (https://docs.databricks.com/api/workspace/catalogs/list);
- schemas: all for a metastore admin or the catalog's owner, else those owned or with USE_SCHEMA
  (https://docs.databricks.com/api/workspace/schemas/list);
- tables: for a metastore admin or owner of (or holder of SELECT on) the table, with USE_CATALOG and USE_SCHEMA
  (https://docs.databricks.com/api/workspace/tables/list); include_browse adds those with BROWSE only, marked
  browse_only.
Objects the principal may not see are left out of a listing, never refused. A catalog or schema in
`denied_catalogs` / `denied_schemas` answers 403 instead (a securable listed, e.g. owned, but not readable), a
missing one 404, with Databricks' error_code bodies.

Faults the real service shows, on demand: 429 with Retry-After (https://docs.databricks.com/api/workspace/introduction
"Rate limits"), empty pages that still carry a next_page_token and pages in no particular order (both documented
on the list calls: "a page may contain zero results while still providing a next_page_token", "There is no
guarantee of a specific ordering of the elements in the array"), enum values newer than the SDK, and tables that
carry table_id, created_at, updated_at and, once dropped into the undrop window, deleted_at (TableInfo).
"""

from __future__ import annotations

import base64
import json
import random
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

CATALOGS_PATH = "/api/2.1/unity-catalog/catalogs"
SCHEMAS_PATH = "/api/2.1/unity-catalog/schemas"
TABLES_PATH = "/api/2.1/unity-catalog/tables"
EFFECTIVE_PERMISSIONS_PATH = "/api/2.1/unity-catalog/effective-permissions/"
METASTORE_SUMMARY_PATH = "/api/2.1/unity-catalog/metastore_summary"
STATEMENTS_PATH = "/api/2.0/sql/statements"
_NAME = r"(`(?:[^`]|``)+`|\w+)"
_CREATE_CATALOG = re.compile(rf"CREATE CATALOG (IF NOT EXISTS )?{_NAME}", re.IGNORECASE)
_DROP_CATALOG = re.compile(rf"DROP CATALOG (IF EXISTS )?{_NAME}( CASCADE)?", re.IGNORECASE)
_CATALOG_OWNER = re.compile(rf"ALTER CATALOG {_NAME} OWNER TO {_NAME}", re.IGNORECASE)
_CATALOG_GRANT = re.compile(rf"(GRANT|REVOKE) ([A-Z_ ,]+) ON CATALOG {_NAME} (?:TO|FROM) {_NAME}", re.IGNORECASE)


def _unquote(name: str) -> str:
    return name[1:-1].replace("``", "`") if name.startswith("`") else name


def _statement_failed(code: str, message: str) -> dict[str, Any]:
    return {"statement_id": secrets.token_hex(8), "status": {"state": "FAILED",
                                                             "error": {"error_code": code, "message": message}}}
ME_PATH = "/api/2.0/preview/scim/v2/Me"
VIEW_TYPES = ("VIEW", "MATERIALIZED_VIEW", "METRIC_VIEW")


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class UcColumn:
    name: str
    type_text: str
    type_name: str
    nullable: bool = True
    comment: str | None = None
    type_precision: int | None = None
    type_scale: int | None = None


@dataclass
class UcTable:
    name: str
    columns: list[UcColumn]
    table_type: str = "MANAGED"
    comment: str | None = None
    owner: str = "objectsync-test@example.com"
    table_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    created_at: int = field(default_factory=now_ms)
    updated_at: int = field(default_factory=now_ms)
    deleted_at: int | None = None

    def touch(self) -> None:
        """A change to the table (its columns, comment…), as ALTER TABLE would make it."""
        self.updated_at = max(now_ms(), self.updated_at + 1)


@dataclass
class UcSchema:
    name: str
    tables: dict[str, UcTable] = field(default_factory=dict)
    owner: str = "admins"


@dataclass
class UcCatalog:
    schemas: dict[str, UcSchema]
    catalog_type: str = "MANAGED_CATALOG"
    owner: str = "admins"


def uc_name(name: str) -> str:
    """Unity Catalog stores catalog, schema and table names in lower case and refuses '.', ' ', '/' and controls."""
    if not name or any(ch in "./ " or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in name) or len(name) > 255:
        raise ValueError(f"invalid Unity Catalog object name {name!r}")
    return name.lower()


class ApiError(Exception):
    def __init__(self, status: HTTPStatus, error_code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.error_code, self.message = status, error_code, message
        self.headers = headers or {}


@dataclass
class UnityCatalogServer:
    """One workspace's metastore, mutated by tests; each request sees the state at that moment."""

    token: str = field(default_factory=lambda: "dapi" + secrets.token_hex(16))
    client_id: str = field(default_factory=lambda: secrets.token_hex(8))
    client_secret: str = field(default_factory=lambda: "dose" + secrets.token_hex(16))
    page_size: int = 10
    #: Who the tokens authenticate, and the groups it belongs to.
    principal: str = "objectsync@example.com"
    groups: tuple[str, ...] = ("objectsync-readers",)
    metastore_owner: str = "metastore-admins"
    catalogs: dict[str, UcCatalog] = field(default_factory=dict)
    #: (securable type, full name) → principal → privileges granted there.
    grants: dict[tuple[str, str], dict[str, set[str]]] = field(default_factory=dict)
    denied_catalogs: set[str] = field(default_factory=set)
    denied_schemas: set[tuple[str, str]] = field(default_factory=set)
    requests: list[tuple[str, str]] = field(default_factory=list)
    issued_tokens: set[str] = field(default_factory=set)
    #: Faults: the next `throttled` API calls answer 429; empty pages before each page; pages in shuffled order.
    throttled: int = 0
    retry_after: int = 1
    empty_pages: bool = False
    shuffled: bool = False
    #: List calls made without max_results: unpaginated requests "will soon be rejected"
    #: (https://docs.databricks.com/aws/en/data-governance/unity-catalog/paginate-legacy-list-apis).
    unpaginated_calls: int = 0
    #: Statements run through the SQL Statement Execution API, in order.
    statements: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self.create_catalog("system", catalog_type="SYSTEM_CATALOG", owner="System user")
        self.create_schema("system", "access")

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> UnityCatalogServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out in two writes; don't wait for delayed ACKs

            def do_GET(self) -> None:
                server._respond(self, "GET")

            def do_POST(self) -> None:
                server._respond(self, "POST")

            def log_message(self, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, name="unity catalog double", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    @property
    def host(self) -> str:
        assert self._httpd is not None, "start() the server first"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    # -- the metastore, as an administrator changes it --------------------------------------------

    def create_catalog(self, catalog: str, *, catalog_type: str = "MANAGED_CATALOG", owner: str = "admins",
                       readable: bool = True) -> None:
        """`readable`: grant the principal USE_CATALOG, USE_SCHEMA and SELECT on it, inherited by everything in it
        (how a crawler's service principal is usually set up)."""
        with self._lock:
            self.catalogs.setdefault(
                uc_name(catalog),
                UcCatalog({"information_schema": UcSchema("information_schema", owner="System user")}, catalog_type,
                          owner),
            )
        if readable:
            self.grant("catalog", uc_name(catalog), self.principal, "USE_CATALOG", "USE_SCHEMA", "SELECT")

    def drop_catalog(self, catalog: str) -> None:
        with self._lock:
            del self.catalogs[uc_name(catalog)]

    def create_schema(self, catalog: str, schema: str) -> None:
        with self._lock:
            self.catalogs[uc_name(catalog)].schemas.setdefault(uc_name(schema), UcSchema(uc_name(schema)))

    def drop_schema(self, catalog: str, schema: str) -> None:
        with self._lock:
            del self.catalogs[uc_name(catalog)].schemas[uc_name(schema)]

    def put_table(self, catalog: str, schema: str, table: UcTable) -> None:
        """CREATE (OR REPLACE) TABLE: a new table_id, as any re-create gets."""
        table.name = uc_name(table.name)
        with self._lock:
            self.catalogs[uc_name(catalog)].schemas[uc_name(schema)].tables[table.name] = table

    def table(self, catalog: str, schema: str, name: str) -> UcTable:
        return self.catalogs[uc_name(catalog)].schemas[uc_name(schema)].tables[uc_name(name)]

    def drop_table(self, catalog: str, schema: str, name: str, *, soft: bool = False) -> None:
        """DROP TABLE; `soft` keeps it listed with deleted_at, as within the managed-table undrop window."""
        with self._lock:
            tables = self.catalogs[uc_name(catalog)].schemas[uc_name(schema)].tables
            if soft:
                tables[uc_name(name)].deleted_at = now_ms()
            else:
                del tables[uc_name(name)]

    def grant(self, securable_type: str, full_name: str, principal: str, *privileges: str) -> None:
        with self._lock:
            self.grants.setdefault((securable_type, full_name.lower()), {}).setdefault(principal, set()).update(
                privileges)

    def revoke(self, securable_type: str, full_name: str, principal: str, *privileges: str) -> None:
        with self._lock:
            self.grants.get((securable_type, full_name.lower()), {}).get(principal, set()).difference_update(
                privileges)

    def throttle(self, calls: int, retry_after: int = 1) -> None:
        """The next `calls` API calls answer 429 Too Many Requests with this Retry-After."""
        with self._lock:
            self.throttled, self.retry_after = calls, retry_after

    # -- HTTP ------------------------------------------------------------------------------------

    def _respond(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        url = urlsplit(handler.path)
        query = {key: values[-1] for key, values in parse_qs(url.query).items()}
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        self.requests.append((method, url.path))
        headers: dict[str, str] = {}
        try:
            status, payload = self._route(method, url.path, query, handler.headers, body)
        except ApiError as error:
            status, payload = error.status, {"error_code": error.error_code, "message": error.message}
            headers = error.headers
        data = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)

    def _route(
        self, method: str, path: str, query: dict[str, str], headers: Any, body: bytes
    ) -> tuple[HTTPStatus, dict[str, Any]]:
        if method == "GET" and path == "/.well-known/databricks-config":
            return HTTPStatus.OK, {"oidc_endpoint": f"{self.host}/oidc", "workspace_id": "1234567890123456"}
        if method == "GET" and path == "/oidc/.well-known/oauth-authorization-server":
            return HTTPStatus.OK, {
                "authorization_endpoint": f"{self.host}/oidc/v1/authorize",
                "token_endpoint": f"{self.host}/oidc/v1/token",
            }
        if method == "POST" and path == "/oidc/v1/token":
            return self._issue_token(headers.get("Authorization") or "", body)
        if not path.startswith("/api/"):
            raise ApiError(HTTPStatus.NOT_FOUND, "ENDPOINT_NOT_FOUND", f"No API found for '{method} {path}'")
        if headers.get("Authorization") not in {f"Bearer {t}" for t in (self.token, *self.issued_tokens)}:
            raise ApiError(HTTPStatus.UNAUTHORIZED, "UNAUTHENTICATED", "Invalid access token.")
        with self._lock:
            if self.throttled > 0:
                self.throttled -= 1
                raise ApiError(HTTPStatus.TOO_MANY_REQUESTS, "REQUEST_LIMIT_EXCEEDED",
                               "Too many requests. Please wait a moment and try again.",
                               {"Retry-After": str(self.retry_after)})
            if method == "GET" and path == ME_PATH:
                return HTTPStatus.OK, self._me()
            if method == "GET" and path == METASTORE_SUMMARY_PATH:
                return HTTPStatus.OK, {"metastore_id": "6a1b5c0e-0000-4000-8000-000000000001", "name": "metastore",
                                       "owner": self.metastore_owner}
            if method == "GET" and path == CATALOGS_PATH:
                return HTTPStatus.OK, self._catalogs(query)
            if method == "GET" and path == SCHEMAS_PATH:
                return HTTPStatus.OK, self._schemas(query)
            if method == "GET" and path == TABLES_PATH:
                return HTTPStatus.OK, self._tables(query)
            if method == "POST" and path == STATEMENTS_PATH:
                return HTTPStatus.OK, self._statement(json.loads(body or b"{}"))
            if method == "GET" and path.startswith(EFFECTIVE_PERMISSIONS_PATH):
                securable_type, _, full_name = path[len(EFFECTIVE_PERMISSIONS_PATH):].partition("/")
                return HTTPStatus.OK, self._effective_permissions(securable_type.lower(), unquote(full_name), query)
        raise ApiError(HTTPStatus.NOT_FOUND, "ENDPOINT_NOT_FOUND", f"No API found for '{method} {path}'")

    def _statement(self, request: dict[str, Any]) -> dict[str, Any]:
        """The SQL Statement Execution API for the catalog statements a setup script runs (CREATE / DROP / ALTER
        CATALOG ... OWNER, GRANT / REVOKE ... ON CATALOG); only a metastore admin may run them, as only it holds
        CREATE CATALOG here. Anything else fails the way an unsupported statement does."""
        statement = " ".join(str(request.get("statement") or "").split())
        if not request.get("warehouse_id"):
            return _statement_failed("INVALID_PARAMETER_VALUE", "warehouse_id is required")
        if not self._is_admin:
            return _statement_failed("PERMISSION_DENIED", "User does not have CREATE CATALOG on Metastore")
        if match := _CREATE_CATALOG.fullmatch(statement):
            if uc_name(_unquote(match[2])) in self.catalogs and not match[1]:
                return _statement_failed("CATALOG_ALREADY_EXISTS", f"Catalog '{match[2]}' already exists")
            self.catalogs.setdefault(uc_name(_unquote(match[2])), UcCatalog(
                {"information_schema": UcSchema("information_schema", owner="System user")}, "MANAGED_CATALOG",
                self.principal))
        elif match := _DROP_CATALOG.fullmatch(statement):
            if self.catalogs.pop(uc_name(_unquote(match[2])), None) is None and not match[1]:
                return _statement_failed("NO_SUCH_CATALOG_EXCEPTION", f"Catalog '{match[2]}' was not found")
        elif match := _CATALOG_OWNER.fullmatch(statement):
            catalog = self.catalogs.get(uc_name(_unquote(match[1])))
            if catalog is None:
                return _statement_failed("NO_SUCH_CATALOG_EXCEPTION", f"Catalog '{match[1]}' was not found")
            catalog.owner = _unquote(match[2])
        elif match := _CATALOG_GRANT.fullmatch(statement):
            privileges = [p.strip().upper().replace(" ", "_") for p in match[2].split(",")]
            target = (uc_name(_unquote(match[3])), _unquote(match[4]))
            held = self.grants.setdefault(("catalog", target[0]), {}).setdefault(target[1], set())
            if match[1].upper() == "GRANT":
                held.update(privileges)
            else:
                held.difference_update(privileges)
        else:
            return _statement_failed("PARSE_SYNTAX_ERROR", f"unsupported statement: {statement[:80]}")
        self.statements.append(statement)
        return {"statement_id": secrets.token_hex(8), "status": {"state": "SUCCEEDED"}}

    def _issue_token(self, authorization: str, body: bytes) -> tuple[HTTPStatus, dict[str, Any]]:
        form = {key: values[-1] for key, values in parse_qs(body.decode()).items()}
        expected = "Basic " + base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if authorization != expected or form.get("grant_type") != "client_credentials":
            return HTTPStatus.UNAUTHORIZED, {
                "error": "invalid_client",
                "error_description": "Client authentication failed",
            }
        token = secrets.token_urlsafe(24)
        self.issued_tokens.add(token)
        return HTTPStatus.OK, {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": 3600,
            "scope": form.get("scope"),
        }

    def _me(self) -> dict[str, Any]:
        return {"id": "4521837495030291", "userName": self.principal, "active": True,
                "groups": [{"display": group, "value": str(index + 1)} for index, group in enumerate(self.groups)]}

    # -- privileges ------------------------------------------------------------------------------

    @property
    def _identities(self) -> set[str]:
        return {self.principal, *self.groups}

    @property
    def _is_admin(self) -> bool:
        return self.metastore_owner in self._identities

    def _chain(self, *parts: str) -> list[tuple[str, str]]:
        """The securable and its parents, nearest first: (table, schema, catalog) as (type, full name)."""
        types = ("catalog", "schema", "table")
        chain = [(types[len(parts) - 1 - i], ".".join(parts[: len(parts) - i])) for i in range(len(parts))]
        return chain

    def _effective(self, *parts: str) -> dict[str, list[tuple[str, str | None, str | None]]]:
        """principal → [(privilege, inherited_from_type, inherited_from_name)] on the securable, as UC computes."""
        result: dict[str, list[tuple[str, str | None, str | None]]] = {}
        for index, (securable_type, full_name) in enumerate(self._chain(*parts)):
            for principal, privileges in self.grants.get((securable_type, full_name), {}).items():
                for privilege in sorted(privileges):
                    inherited = (securable_type.upper(), full_name) if index else (None, None)
                    result.setdefault(principal, []).append((privilege, *inherited))
        return result

    def _granted(self, *parts: str) -> set[str]:
        """The privileges granted to the principal or its groups on this very securable (not inherited)."""
        types = ("catalog", "schema", "table")
        grants = self.grants.get((types[len(parts) - 1], ".".join(parts)), {})
        return {p for identity in self._identities for p in grants.get(identity, ())}

    def _held(self, *parts: str) -> set[str]:
        """Effective privileges: granted on the securable or any parent."""
        return set().union(*(self._granted(*parts[:n]) for n in range(1, len(parts) + 1)))

    def _holds(self, privilege: str, *parts: str) -> bool:
        held = self._held(*parts)
        return privilege in held or "ALL_PRIVILEGES" in held

    def _catalog_visible(self, name: str, browse: bool) -> bool:
        catalog = self.catalogs[name]
        return (self._is_admin or catalog.owner in self._identities or self._holds("USE_CATALOG", name)
                or (browse and self._holds("BROWSE", name)))

    def _schema_visible(self, catalog: str, schema: str, browse: bool) -> bool:
        owners = {self.catalogs[catalog].owner, self.catalogs[catalog].schemas[schema].owner}
        return (self._is_admin or bool(owners & self._identities) or self._holds("USE_SCHEMA", catalog, schema)
                or (browse and self._holds("BROWSE", catalog, schema)))

    def _table_access(self, catalog: str, schema: str, table: UcTable, browse: bool,
                      inherited: set[str], uses: bool) -> str | None:
        """'full', 'browse' (metadata only) or None (left out of the listing); `inherited`: the privileges held on
        the schema, `uses`: USE_CATALOG and USE_SCHEMA held."""
        if self._is_admin or table.owner in self._identities:
            return "full"
        held = inherited | self._granted(catalog, schema, table.name)
        if "ALL_PRIVILEGES" in held:
            held |= {"SELECT", "BROWSE"}
        if uses and "SELECT" in held:
            return "full"
        if browse and "BROWSE" in held:
            return "browse"
        return None

    def _effective_permissions(self, securable_type: str, full_name: str, query: dict[str, str]) -> dict[str, Any]:
        parts = tuple(full_name.lower().split("."))
        expected = {"catalog": 1, "schema": 2, "table": 3}.get(securable_type)
        if expected is None or len(parts) != expected:
            raise ApiError(HTTPStatus.BAD_REQUEST, "INVALID_PARAMETER_VALUE", f"Invalid securable {full_name!r}.")
        self._resolve(*parts)
        wanted = query.get("principal")
        assignments = [
            {"principal": principal,
             "privileges": [{k: v for k, v in {"privilege": p, "inherited_from_type": t,
                                                "inherited_from_name": n}.items() if v is not None}
                            for p, t, n in privileges]}
            for principal, privileges in sorted(self._effective(*parts).items())
            if wanted is None or principal == wanted
        ]
        return {"privilege_assignments": assignments}

    def _resolve(self, *parts: str) -> None:
        """404 for a securable that does not exist, as Unity Catalog answers."""
        catalog = self.catalogs.get(parts[0])
        if catalog is None:
            raise ApiError(HTTPStatus.NOT_FOUND, "CATALOG_DOES_NOT_EXIST", f"Catalog '{parts[0]}' does not exist.")
        if len(parts) > 1 and parts[1] not in catalog.schemas:
            raise ApiError(HTTPStatus.NOT_FOUND, "SCHEMA_DOES_NOT_EXIST",
                           f"Schema '{parts[0]}.{parts[1]}' does not exist.")
        if len(parts) > 2 and parts[2] not in catalog.schemas[parts[1]].tables:
            raise ApiError(HTTPStatus.NOT_FOUND, "TABLE_DOES_NOT_EXIST", f"Table '{'.'.join(parts)}' does not exist.")

    # -- listings --------------------------------------------------------------------------------

    def _catalog(self, name: str | None) -> UcCatalog:
        if not name:
            raise ApiError(HTTPStatus.BAD_REQUEST, "INVALID_PARAMETER_VALUE", "catalog_name is required")
        name = name.lower()
        if name not in self.catalogs:
            raise ApiError(HTTPStatus.NOT_FOUND, "CATALOG_DOES_NOT_EXIST", f"Catalog '{name}' does not exist.")
        if name in self.denied_catalogs or not self._catalog_visible(name, browse=True):
            raise ApiError(
                HTTPStatus.FORBIDDEN, "PERMISSION_DENIED", f"User does not have USE CATALOG on Catalog '{name}'."
            )
        return self.catalogs[name]

    def _catalogs(self, query: dict[str, str]) -> dict[str, Any]:
        browse = query.get("include_browse") == "true"

        def info(name: str) -> dict[str, Any]:
            catalog = self.catalogs[name]
            return {"name": name, "full_name": name, "catalog_type": catalog.catalog_type, "owner": catalog.owner}

        visible = [name for name in sorted(self.catalogs) if self._catalog_visible(name, browse)]
        return self._page("catalogs", visible, info, query)

    def _schemas(self, query: dict[str, str]) -> dict[str, Any]:
        catalog = self._catalog(query.get("catalog_name"))
        catalog_name = (query.get("catalog_name") or "").lower()
        browse = query.get("include_browse") == "true"
        visible = [name for name in sorted(catalog.schemas) if self._schema_visible(catalog_name, name, browse)]
        return self._page(
            "schemas",
            visible,
            lambda name: {
                "name": name,
                "catalog_name": catalog_name,
                "full_name": f"{catalog_name}.{name}",
                "owner": catalog.schemas[name].owner,
            },
            query,
        )

    def _tables(self, query: dict[str, str]) -> dict[str, Any]:
        catalog = self._catalog(query.get("catalog_name"))
        catalog_name, schema_name = (query.get("catalog_name") or "").lower(), (query.get("schema_name") or "").lower()
        if not schema_name or schema_name not in catalog.schemas:
            raise ApiError(
                HTTPStatus.NOT_FOUND, "SCHEMA_DOES_NOT_EXIST", f"Schema '{catalog_name}.{schema_name}' does not exist."
            )
        if (catalog_name, schema_name) in self.denied_schemas or not self._schema_visible(catalog_name, schema_name,
                                                                                            browse=True):
            raise ApiError(
                HTTPStatus.FORBIDDEN,
                "PERMISSION_DENIED",
                f"User does not have USE SCHEMA on Schema '{catalog_name}.{schema_name}'.",
            )
        tables = catalog.schemas[schema_name].tables
        browse = query.get("include_browse") == "true"
        inherited = self._held(catalog_name, schema_name)
        uses = self._holds("USE_CATALOG", catalog_name) and self._holds("USE_SCHEMA", catalog_name, schema_name)
        access = {name: self._table_access(catalog_name, schema_name, t, browse, inherited, uses)
                  for name, t in tables.items()}
        omit_columns = query.get("omit_columns") == "true"
        return self._page(
            "tables",
            sorted(name for name, level in access.items() if level is not None),
            lambda name: _table_info(catalog_name, schema_name, tables[name], omit_columns, access[name] == "browse"),
            query,
        )

    def _page(
        self, key: str, names: list[str], info: Callable[[str], dict[str, Any]], query: dict[str, str]
    ) -> dict[str, Any]:
        """Databricks paging with an opaque token (here the offset, and whether the empty page was served)."""
        if self.shuffled:
            names = list(names)
            random.Random(len(names)).shuffle(names)
        if "max_results" not in query:
            self.unpaginated_calls += 1
            return {key: [info(name) for name in names]}
        max_results = int(query["max_results"])
        if max_results < 0:
            raise ApiError(HTTPStatus.BAD_REQUEST, "INVALID_PARAMETER_VALUE", "max_results must not be negative")
        size = self.page_size if max_results == 0 else min(max_results, self.page_size)
        start, empty_served = _decode_token(query["page_token"]) if query.get("page_token") else (0, False)
        if self.empty_pages and not empty_served:
            return {key: [], "next_page_token": _encode_token(start, True)}
        page = names[start : start + size]
        result: dict[str, Any] = {key: [info(name) for name in page]}
        if start + size < len(names):
            result["next_page_token"] = _encode_token(start + size, False)
        return result


def _encode_token(offset: int, empty_served: bool) -> str:
    return base64.urlsafe_b64encode(json.dumps([offset, empty_served]).encode()).decode()


def _decode_token(token: str) -> tuple[int, bool]:
    try:
        offset, empty_served = json.loads(base64.urlsafe_b64decode(token.encode()))
        return int(offset), bool(empty_served)
    except (ValueError, TypeError):
        raise ApiError(HTTPStatus.BAD_REQUEST, "INVALID_PARAMETER_VALUE", "Invalid page token.") from None


def _table_info(catalog: str, schema: str, table: UcTable, omit_columns: bool, browse_only: bool) -> dict[str, Any]:
    is_view = "VIEW" in table.table_type
    info: dict[str, Any] = {
        "name": table.name,
        "catalog_name": catalog,
        "schema_name": schema,
        "full_name": f"{catalog}.{schema}.{table.name}",
        "table_type": table.table_type,
        "data_source_format": None if is_view else "DELTA",
        "owner": table.owner,
        "table_id": table.table_id,
        "created_at": table.created_at,
        "created_by": table.owner,
        "updated_at": table.updated_at,
        "updated_by": table.owner,
        "deleted_at": table.deleted_at,
        "view_definition": f"SELECT * FROM {catalog}.{schema}.{table.name}_source" if is_view else None,
        "browse_only": True if browse_only else None,
    }
    if table.comment is not None:
        info["comment"] = table.comment
    if not omit_columns:
        info["columns"] = [
            {
                key: value
                for key, value in {
                    "name": column.name,
                    "position": position,
                    "type_text": column.type_text,
                    "type_name": column.type_name,
                    "type_precision": column.type_precision,
                    "type_scale": column.type_scale,
                    "nullable": column.nullable,
                    "comment": column.comment,
                }.items()
                if value is not None
            }
            for position, column in enumerate(table.columns)
        ]
    return {key: value for key, value in info.items() if value is not None}
