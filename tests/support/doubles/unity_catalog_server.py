"""A local Databricks workspace serving the Unity Catalog REST API that databricks-sdk calls, on 127.0.0.1.

Endpoints (shapes from databricks/sdk/service/catalog.py and the SDK's auth flow):
- GET /.well-known/databricks-config, /oidc/.well-known/oauth-authorization-server (client construction)
- POST /oidc/v1/token (OAuth M2M client credentials, HTTP Basic client id/secret)
- GET /api/2.1/unity-catalog/catalogs, /schemas?catalog_name=, /tables?catalog_name=&schema_name=
  with max_results / page_token / next_page_token paging (0 → the server's page size, absent → everything).
Every /api call needs a bearer token: the personal access token or one issued by the token endpoint (401
otherwise). A denied catalog or schema answers 403, a missing one 404, with Databricks' error_code bodies.
"""

from __future__ import annotations

import base64
import bisect
import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

CATALOGS_PATH = "/api/2.1/unity-catalog/catalogs"
SCHEMAS_PATH = "/api/2.1/unity-catalog/schemas"
TABLES_PATH = "/api/2.1/unity-catalog/tables"


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


@dataclass
class UcSchema:
    name: str
    tables: dict[str, UcTable] = field(default_factory=dict)


def uc_name(name: str) -> str:
    """Unity Catalog stores catalog, schema and table names in lower case and refuses '.', ' ', '/' and controls."""
    if not name or any(ch in "./ " or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in name) or len(name) > 255:
        raise ValueError(f"invalid Unity Catalog object name {name!r}")
    return name.lower()


class ApiError(Exception):
    def __init__(self, status: HTTPStatus, error_code: str, message: str):
        super().__init__(message)
        self.status, self.error_code, self.message = status, error_code, message


@dataclass
class UnityCatalogServer:
    """One workspace's metastore, mutated by tests; each request sees the state at that moment."""

    token: str = field(default_factory=lambda: "dapi" + secrets.token_hex(16))
    client_id: str = field(default_factory=lambda: secrets.token_hex(8))
    client_secret: str = field(default_factory=lambda: "dose" + secrets.token_hex(16))
    page_size: int = 10
    catalogs: dict[str, dict[str, UcSchema]] = field(default_factory=dict)
    denied_catalogs: set[str] = field(default_factory=set)
    denied_schemas: set[tuple[str, str]] = field(default_factory=set)
    requests: list[tuple[str, str]] = field(default_factory=list)
    issued_tokens: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self.create_catalog("system")
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

    def create_catalog(self, catalog: str) -> None:
        with self._lock:
            self.catalogs.setdefault(uc_name(catalog), {"information_schema": UcSchema("information_schema")})

    def create_schema(self, catalog: str, schema: str) -> None:
        with self._lock:
            self.catalogs[uc_name(catalog)].setdefault(uc_name(schema), UcSchema(uc_name(schema)))

    def put_table(self, catalog: str, schema: str, table: UcTable) -> None:
        table.name = uc_name(table.name)
        with self._lock:
            self.catalogs[uc_name(catalog)][uc_name(schema)].tables[table.name] = table

    def table(self, catalog: str, schema: str, name: str) -> UcTable:
        return self.catalogs[uc_name(catalog)][uc_name(schema)].tables[uc_name(name)]

    def drop_table(self, catalog: str, schema: str, name: str) -> None:
        with self._lock:
            del self.catalogs[uc_name(catalog)][uc_name(schema)].tables[uc_name(name)]

    # -- HTTP ------------------------------------------------------------------------------------

    def _respond(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        url = urlsplit(handler.path)
        query = {key: values[-1] for key, values in parse_qs(url.query).items()}
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        self.requests.append((method, url.path))
        try:
            status, payload = self._route(method, url.path, query, handler.headers, body)
        except ApiError as error:
            status, payload = error.status, {"error_code": error.error_code, "message": error.message}
        data = json.dumps(payload).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
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
            if method == "GET" and path == CATALOGS_PATH:
                return HTTPStatus.OK, self._catalogs(query)
            if method == "GET" and path == SCHEMAS_PATH:
                return HTTPStatus.OK, self._schemas(query)
            if method == "GET" and path == TABLES_PATH:
                return HTTPStatus.OK, self._tables(query)
        raise ApiError(HTTPStatus.NOT_FOUND, "ENDPOINT_NOT_FOUND", f"No API found for '{method} {path}'")

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

    def _catalog(self, name: str | None) -> dict[str, UcSchema]:
        if not name:
            raise ApiError(HTTPStatus.BAD_REQUEST, "INVALID_PARAMETER_VALUE", "catalog_name is required")
        name = name.lower()
        if name not in self.catalogs:
            raise ApiError(HTTPStatus.NOT_FOUND, "CATALOG_DOES_NOT_EXIST", f"Catalog '{name}' does not exist.")
        if name in self.denied_catalogs:
            raise ApiError(
                HTTPStatus.FORBIDDEN, "PERMISSION_DENIED", f"User does not have USE CATALOG on Catalog '{name}'."
            )
        return self.catalogs[name]

    def _catalogs(self, query: dict[str, str]) -> dict[str, Any]:
        def info(name: str) -> dict[str, Any]:
            system = name == "system"
            return {
                "name": name,
                "full_name": name,
                "catalog_type": "SYSTEM_CATALOG" if system else "MANAGED_CATALOG",
                "owner": "System user" if system else "admins",
            }

        return self._page("catalogs", sorted(self.catalogs), info, query)

    def _schemas(self, query: dict[str, str]) -> dict[str, Any]:
        catalog = self._catalog(query.get("catalog_name"))
        catalog_name = (query.get("catalog_name") or "").lower()
        return self._page(
            "schemas",
            sorted(catalog),
            lambda name: {
                "name": name,
                "catalog_name": catalog_name,
                "full_name": f"{catalog_name}.{name}",
                "owner": "admins",
            },
            query,
        )

    def _tables(self, query: dict[str, str]) -> dict[str, Any]:
        catalog = self._catalog(query.get("catalog_name"))
        catalog_name, schema_name = (query.get("catalog_name") or "").lower(), (query.get("schema_name") or "").lower()
        if not schema_name or schema_name not in catalog:
            raise ApiError(
                HTTPStatus.NOT_FOUND, "SCHEMA_DOES_NOT_EXIST", f"Schema '{catalog_name}.{schema_name}' does not exist."
            )
        if (catalog_name, schema_name) in self.denied_schemas:
            raise ApiError(
                HTTPStatus.FORBIDDEN,
                "PERMISSION_DENIED",
                f"User does not have USE SCHEMA on Schema '{catalog_name}.{schema_name}'.",
            )
        tables = catalog[schema_name].tables
        omit_columns = query.get("omit_columns") == "true"
        return self._page(
            "tables",
            sorted(tables),
            lambda name: _table_info(catalog_name, schema_name, tables[name], omit_columns),
            query,
        )

    def _page(
        self, key: str, names: list[str], info: Callable[[str], dict[str, Any]], query: dict[str, str]
    ) -> dict[str, Any]:
        """Databricks paging: the token is opaque (here the last name served), absent on the last page."""
        if "max_results" not in query:
            return {key: [info(name) for name in names]}
        max_results = int(query["max_results"])
        if max_results < 0:
            raise ApiError(HTTPStatus.BAD_REQUEST, "INVALID_PARAMETER_VALUE", "max_results must not be negative")
        size = self.page_size if max_results == 0 else min(max_results, self.page_size)
        start = bisect.bisect_right(names, _decode_token(query["page_token"])) if query.get("page_token") else 0
        page = names[start : start + size]
        result: dict[str, Any] = {key: [info(name) for name in page]}
        if start + size < len(names):
            result["next_page_token"] = base64.urlsafe_b64encode(page[-1].encode()).decode()
        return result


def _decode_token(token: str) -> str:
    try:
        return base64.urlsafe_b64decode(token.encode()).decode()
    except ValueError:
        raise ApiError(HTTPStatus.BAD_REQUEST, "INVALID_PARAMETER_VALUE", "Invalid page token.") from None


def _table_info(catalog: str, schema: str, table: UcTable, omit_columns: bool) -> dict[str, Any]:
    info: dict[str, Any] = {
        "name": table.name,
        "catalog_name": catalog,
        "schema_name": schema,
        "full_name": f"{catalog}.{schema}.{table.name}",
        "table_type": table.table_type,
        "data_source_format": None if table.table_type in ("VIEW", "MATERIALIZED_VIEW") else "DELTA",
        "owner": table.owner,
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
