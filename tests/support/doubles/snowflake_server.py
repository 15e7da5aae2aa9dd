"""A local Snowflake: fakesnow's HTTP API (DuckDB behind it) with real login checks, on 127.0.0.1.

The real snowflake-connector-python talks to it over HTTP exactly as to Snowflake (login request, query
requests, Arrow result sets, server error codes), so connection, authentication and error handling are
exercised, not only SQL. Each instance owns an isolated in-memory DuckDB.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import json
import logging
import re
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from string import Template
from typing import Any

import fakesnow.cursor as fakesnow_cursor
import fakesnow.info_schema as fakesnow_info_schema
import fakesnow.server as fakesnow_server
import jwt
import sqlglot
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from fakesnow.expr import normalise_ident
from fakesnow.instance import FakeSnow
from sqlglot import exp
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

# Snowflake's own login failure codes, as the real service returns them.
INCORRECT_USERNAME_OR_PASSWORD = ("390100", "Incorrect username or password was specified.")
JWT_TOKEN_INVALID = ("390144", "JWT token is invalid.")
OAUTH_TOKEN_INVALID = ("390303", "Invalid OAuth access token.")


def _sql_string(value: str) -> str:
    return value.replace("'", "''")


class _NameEscapingTemplate(Template):
    def substitute(self, mapping: Any = None, /, **kws: Any) -> str:
        values = {**(mapping or {}), **kws}
        if isinstance(values.get("name"), str):
            values["name"] = _sql_string(values["name"])
        return super().substitute(values)


def _quote_names_in_fakesnow_bookkeeping() -> None:
    """fakesnow pastes object names into SQL string literals unescaped (table comments, VARCHAR lengths, "Table …
    successfully created." replies), so a name holding a single quote breaks its DDL; Snowflake accepts such
    names, so escape them here."""
    if getattr(fakesnow_info_schema, "_objectsync_quoting_fixed", False):
        return
    for attribute, value in vars(fakesnow_cursor).items():
        if attribute.startswith("SQL_") and isinstance(value, Template) and "${name}" in value.template:
            setattr(fakesnow_cursor, attribute, _NameEscapingTemplate(value.template))
    comment_sql, lengths_sql = (
        fakesnow_info_schema.insert_table_comment_sql,
        fakesnow_info_schema.insert_text_lengths_sql,
    )

    def insert_table_comment_sql(catalog: str, schema: str, table: str, comment: str) -> str:
        return comment_sql(_sql_string(catalog), _sql_string(schema), _sql_string(table), _sql_string(comment))

    def insert_text_lengths_sql(catalog: str, schema: str, table: str, text_lengths: list[tuple[str, int]]) -> str:
        escaped = [(_sql_string(name), size) for name, size in text_lengths]
        return lengths_sql(_sql_string(catalog), _sql_string(schema), _sql_string(table), escaped)

    fakesnow_info_schema.insert_table_comment_sql = insert_table_comment_sql
    fakesnow_info_schema.insert_text_lengths_sql = insert_text_lengths_sql
    fakesnow_info_schema._objectsync_quoting_fixed = True


_quote_names_in_fakesnow_bookkeeping()


@dataclass
class SnowflakeServer:
    """One fake Snowflake account with one user who may log in by password, key pair or OAuth token."""

    account: str = "objectsync_test"
    user: str = "OBJECTSYNC"
    password: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    oauth_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    public_key: RSAPublicKey | None = None
    denied_schemas: set[str] = field(default_factory=set)
    denied_databases: set[str] = field(default_factory=set)
    logins: int = 0

    def __post_init__(self) -> None:
        self._fake = FakeSnow(create_database_on_connect=False, create_schema_on_connect=False)
        self._admin = self._fake.connect()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> SnowflakeServer:
        logging.getLogger("fakesnow.server").setLevel(logging.WARNING)  # it logs every failed statement at INFO
        with contextlib.closing(socket.socket()) as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self._server = uvicorn.Server(
            uvicorn.Config(self._app(), host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        )
        self._thread = threading.Thread(target=self._server.run, name="snowflake double", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the Snowflake double did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            assert self._thread is not None
            self._thread.join(timeout=10)
            self._server = None
        self._admin.close()
        self._fake.duck_conn.close()

    def connection_config(self, **overrides: Any) -> dict[str, Any]:
        """The connector config that points at this server instead of <account>.snowflakecomputing.com."""
        return {"account": self.account, "host": "127.0.0.1", "port": self.port, "protocol": "http"} | overrides

    # -- set-up, as an account administrator would ----------------------------------------------

    def create_schema(self, database: str, schema: str) -> None:
        """CREATE SCHEMA straight in DuckDB: fakesnow's own follows it with an unquoted SET schema that breaks on
        names holding a double quote (which Snowflake allows). Nothing else about a schema is fakesnow's."""
        quoted = ".".join('"' + name.replace('"', '""') + '"' for name in (database, schema))
        self._fake.duck_conn.cursor().execute(f"CREATE SCHEMA {quoted}")

    def execute(self, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
        cursor = self._admin.cursor()
        cursor.execute(sql, params)
        return cursor.fetchall()

    # -- HTTP ------------------------------------------------------------------------------------

    def _app(self) -> Starlette:
        own = {"/session/v1/login-request": self._login, "/queries/v1/query-request": self._query}
        routes = [Route(path, handler, methods=["POST"]) for path, handler in own.items()]
        routes += [r for r in fakesnow_server.routes if getattr(r, "path", None) not in own]
        routes.append(Route("/telemetry/send", _accept, methods=["POST"]))
        return Starlette(routes=routes)

    async def _login(self, request: Request) -> JSONResponse:
        body = await _json_body(request)
        data = body["data"]
        failure = self._check_credentials(data)
        if failure is not None:
            code, message = failure
            return JSONResponse({"data": None, "code": code, "message": message, "success": False})
        self.logins += 1
        database = (d := request.query_params.get("databaseName")) and normalise_ident(d)
        schema = (s := request.query_params.get("schemaName")) and normalise_ident(s)
        token = secrets.token_urlsafe(32)
        fakesnow_server.sessions[token] = self._fake.connect(database, schema)
        return JSONResponse(
            {
                "data": {
                    "token": token,
                    "masterToken": secrets.token_urlsafe(32),
                    "serverVersion": "9.0.0",
                    "parameters": [{"name": "AUTOCOMMIT", "value": True}],
                    "sessionInfo": {"databaseName": database, "schemaName": schema, "roleName": data.get("ROLE")},
                },
                "success": True,
            }
        )

    def _check_credentials(self, data: dict[str, Any]) -> tuple[str, str] | None:
        authenticator = (data.get("AUTHENTICATOR") or "SNOWFLAKE").upper()
        if authenticator == "OAUTH":
            return None if data.get("TOKEN") == self.oauth_token else OAUTH_TOKEN_INVALID
        if authenticator == "SNOWFLAKE_JWT":
            return None if self._valid_jwt(str(data.get("TOKEN"))) else JWT_TOKEN_INVALID
        if (data.get("LOGIN_NAME") or "").upper() == self.user and data.get("PASSWORD") == self.password:
            return None
        return INCORRECT_USERNAME_OR_PASSWORD

    def _valid_jwt(self, token: str) -> bool:
        if self.public_key is None:
            return False
        der = self.public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        fingerprint = "SHA256:" + base64.b64encode(hashlib.sha256(der).digest()).decode()
        principal = f"{self.account.upper()}.{self.user}"
        try:
            claims = jwt.decode(token, self.public_key, algorithms=["RS256"])
        except jwt.PyJWTError:
            return False
        return claims.get("sub") == principal and claims.get("iss") == f"{principal}.{fingerprint}"

    async def _query(self, request: Request) -> JSONResponse:
        body = await _json_body(request)
        sql = body.get("sqlText", "")
        denied = self._denied_object_in(sql)
        if denied is not None:
            code = "003001"
            return JSONResponse(
                {
                    "data": {"errorCode": code, "sqlState": "42501"},
                    "code": code,
                    "message": f"SQL access control error:\nInsufficient privileges to operate on {denied}",
                    "success": False,
                }
            )
        paged = _paged_show_databases(sql)
        if paged is not None:
            # fakesnow ignores LIMIT … FROM on SHOW; Snowflake honours it (and caps SHOW at 10,000 rows)
            request._body = json.dumps(body | {"sqlText": paged}).encode()
            if request.headers.get("Content-Encoding") == "gzip":
                request._body = gzip.compress(request._body)
        return await fakesnow_server.query_request(request)

    def _denied_object_in(self, sql: str) -> str | None:
        """A metadata query naming a denied database or schema is refused, as for a role lacking USAGE."""
        if not (self.denied_schemas or self.denied_databases) or "information_schema" not in sql.lower():
            return None
        try:
            tree = sqlglot.parse_one(sql, read="snowflake")
        except sqlglot.errors.ParseError:
            return None
        for table in tree.find_all(exp.Table):
            if table.catalog in self.denied_databases:
                return f"database '{table.catalog}'"
        for literal in tree.find_all(exp.Literal):
            if literal.is_string and literal.this in self.denied_schemas:
                return f"schema '{literal.this}'"
        return None


_SHOW_DATABASES = re.compile(
    r"^\s*SHOW\s+(?:TERSE\s+)?DATABASES\s+LIMIT\s+(\d+)(?:\s+FROM\s+'([^'\\]*)')?\s*;?\s*$", re.IGNORECASE
)


def _paged_show_databases(sql: str) -> str | None:
    match = _SHOW_DATABASES.match(sql)
    if match is None:
        return None
    limit, after = int(match.group(1)), match.group(2)
    where = f" WHERE \"name\" > '{after}'" if after is not None else ""
    return f'SELECT * FROM _fs_global._fs_information_schema._fs_show_databases{where} ORDER BY "name" LIMIT {limit}'


async def _json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if request.headers.get("Content-Encoding") == "gzip":
        raw = gzip.decompress(raw)
    return json.loads(raw)


async def _accept(_: Request) -> JSONResponse:
    return JSONResponse({"success": True})
