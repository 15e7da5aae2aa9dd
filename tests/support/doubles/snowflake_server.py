"""A local Snowflake: fakesnow's HTTP API (DuckDB behind it) with real login checks, on 127.0.0.1.

The real snowflake-connector-python talks to it over HTTP exactly as to Snowflake (login request, query
requests, Arrow result sets, result chunks downloaded from "cloud storage", server error codes), so connection,
authentication and error handling are exercised, not only SQL. Each instance owns an isolated in-memory DuckDB.

On top of fakesnow it behaves as Snowflake documents:
- Listings are filtered by the role's privileges: SHOW DATABASES "lists the databases for which you have access
  privileges" (https://docs.snowflake.com/en/sql-reference/sql/show-databases) and INFORMATION_SCHEMA "only
  displays objects for which the current role for the session has been granted access privileges"
  (https://docs.snowflake.com/en/sql-reference/info-schema#general-usage-notes). `revoke()` hides an object from
  the role; a database it may not use answers 002003 "does not exist or not authorized".
- SHOW … HISTORY lists dropped objects still in Time Travel with a dropped_on column
  (https://docs.snowflake.com/en/sql-reference/sql/show-tables), a row per version; SHOW returns at most 10,000
  rows, paged with LIMIT … FROM '<name>' ("rows following the first row whose name matches").
- INFORMATION_SCHEMA.TABLES lists views too, with every TABLE_TYPE (BASE TABLE, TEMPORARY TABLE, EXTERNAL TABLE,
  EVENT TABLE, VIEW, MATERIALIZED VIEW; dynamic, Iceberg and hybrid tables are BASE TABLE with IS_DYNAMIC,
  IS_ICEBERG, IS_HYBRID: https://docs.snowflake.com/en/sql-reference/info-schema/tables), owners, comments and
  creation times.
- A query that reads a table needs a running warehouse: without one it fails with 000606 "No active warehouse
  selected in the current session" (https://docs.snowflake.com/en/user-guide/warehouses-overview); SHOW does not.
- QUOTED_IDENTIFIERS_IGNORE_CASE (https://docs.snowflake.com/en/sql-reference/parameters#quoted-identifiers-ignore-case):
  when TRUE (account default here, or set for the session) a quoted identifier is resolved in upper case, so a
  mixed-case database name no longer resolves.
- Results larger than `chunk_rows` come as an inline first chunk plus chunks the client downloads from URLs with
  SSE-C headers (the result format in snowflake-connector-python's result_batch.py); `chunk_fault` makes those
  downloads fail (403, as an expired presigned URL) or come back short.
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
from datetime import UTC, datetime
from string import Template
from typing import Any

import fakesnow.arrow as fakesnow_arrow
import fakesnow.cursor as fakesnow_cursor
import fakesnow.info_schema as fakesnow_info_schema
import fakesnow.server as fakesnow_server
import jwt
import pyarrow as pa
import sqlglot
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from fakesnow.expr import normalise_ident
from fakesnow.instance import FakeSnow
from sqlglot import exp
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
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


def _keep_null_timestamps() -> None:
    """fakesnow builds Snowflake's timestamp structs without a validity mask, so a NULL timestamp reaches the client
    as 1970-01-01; Snowflake sends NULL (dropped_on of a live object, for one)."""
    if getattr(fakesnow_arrow, "_objectsync_null_timestamps", False):
        return
    original = fakesnow_arrow.timestamp_to_sf_struct

    def timestamp_to_sf_struct(ts: pa.Array | pa.ChunkedArray) -> pa.Array:
        if isinstance(ts, pa.ChunkedArray):
            ts = ts.combine_chunks()
        struct = original(ts)
        if not ts.null_count:
            return struct
        children = [struct.field(i) for i in range(struct.type.num_fields)]
        return pa.StructArray.from_arrays(children, fields=list(struct.type), mask=ts.is_null())

    fakesnow_arrow.timestamp_to_sf_struct = timestamp_to_sf_struct
    fakesnow_arrow._objectsync_null_timestamps = True


_keep_null_timestamps()


_SESSION_TOKEN = re.compile(r'Snowflake Token="([^"]+)"')
_ALTER_SESSION_IGNORE_CASE = re.compile(
    r"^\s*ALTER\s+SESSION\s+SET\s+QUOTED_IDENTIFIERS_IGNORE_CASE\s*=\s*(TRUE|FALSE)\s*;?\s*$", re.IGNORECASE)
_USE_WAREHOUSE = re.compile(r'^\s*USE\s+WAREHOUSE\s+("?)([^";]+)\1\s*;?\s*$', re.IGNORECASE)
_IDENT = r'(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)'
_SHOW = re.compile(
    r"^\s*SHOW\s+(?P<terse>TERSE\s+)?(?P<what>DATABASES|SCHEMAS|TABLES)(?P<history>\s+HISTORY)?"
    rf"(?:\s+IN\s+(?:DATABASE|SCHEMA)\s+(?P<scope>{_IDENT}(?:\.{_IDENT})?))?"
    r"(?:\s+LIMIT\s+(?P<limit>\d+)(?:\s+FROM\s+'(?P<after>(?:[^']|'')*)')?)?\s*;?\s*$",
    re.IGNORECASE,
)
SHOW_ROW_CAP = 10_000
NO_WAREHOUSE = ("000606", "57P03", "No active warehouse selected in the current session.  Select an active "
                "warehouse with the 'use warehouse' command.\n")
_REGISTRY = "_fs_global._fs_information_schema"
_VIEW_LIKE = ("VIEW", "MATERIALIZED VIEW")
_BASE_TABLE_FLAGS = {"DYNAMIC TABLE": "IS_DYNAMIC", "ICEBERG TABLE": "IS_ICEBERG", "HYBRID TABLE": "IS_HYBRID"}


def _unquote(identifier: str) -> str:
    """A Snowflake identifier as stored: quoted ones exactly, unquoted ones in upper case."""
    if identifier.startswith('"'):
        return identifier[1:-1].replace('""', '"')
    return identifier.upper()


_NAME = r'("(?:[^"]|"")+"|[A-Za-z_][\w$]*)'
_ACCESS_CONTROL = re.compile(r"\s*(CREATE\s+(USER|ROLE)|DROP\s+(USER|ROLE)|GRANT|REVOKE)\b", re.IGNORECASE)
_CREATE_USER = re.compile(rf"CREATE USER (IF NOT EXISTS )?{_NAME}", re.IGNORECASE)
_CREATE_ROLE = re.compile(rf"CREATE ROLE (IF NOT EXISTS )?{_NAME}", re.IGNORECASE)
_DROP_PRINCIPAL = re.compile(rf"DROP (USER|ROLE) (?:IF EXISTS )?{_NAME}", re.IGNORECASE)
_PASSWORD = re.compile(r"PASSWORD = '((?:[^']|'')*)'", re.IGNORECASE)
#: Roles that may manage users, roles and grants.
ADMIN_ROLES = frozenset({"ACCOUNTADMIN", "SECURITYADMIN", "USERADMIN"})


#: SELECT CURRENT_WAREHOUSE() / CURRENT_ROLE(): the session's, as Snowflake answers them.
_CURRENT_CONTEXT = re.compile(r"\s*SELECT\s+CURRENT_(WAREHOUSE|ROLE)\(\)\s*;?\s*$", re.IGNORECASE)


def _sql_literal(value: str | None) -> str:
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"


def _split_qualified(text: str) -> list[str]:
    return [_unquote(part) for part in re.findall(_IDENT, text)]


@dataclass
class Session:
    warehouse: str | None
    ignore_case: bool
    role: str | None = None


@dataclass
class SnowflakeServer:
    """One fake Snowflake account with one user who may log in by password, key pair or OAuth token, and one role
    whose privileges decide what it sees."""

    account: str = "objectsync_test"
    user: str = "OBJECTSYNC"
    password: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    oauth_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    public_key: RSAPublicKey | None = None
    #: Objects the role may use but whose metadata queries answer an access-control error (003001).
    denied_schemas: set[str] = field(default_factory=set)
    denied_databases: set[str] = field(default_factory=set)
    #: Objects the role lost its privileges on: (database,), (database, schema) or (database, schema, table).
    hidden: set[tuple[str, ...]] = field(default_factory=set)
    #: Warehouses the role may use; a login naming another one gets a session without a warehouse.
    warehouses: set[str] = field(default_factory=lambda: {"COMPUTE_WH"})
    quoted_identifiers_ignore_case: bool = False  # the account's default
    #: DATA_RETENTION_TIME_IN_DAYS per database (1 otherwise); at 0 a dropped object is purged at once.
    retention: dict[str, int] = field(default_factory=dict)
    chunk_rows: int | None = 4096  # results with more rows are chunked
    chunk_fault: str | None = None  # None, "forbidden" or "short"
    logins: int = 0
    chunk_downloads: int = 0
    #: Users and roles made with CREATE USER / CREATE ROLE (user → password, None without one), and every access
    #: control statement run (GRANT, REVOKE, DROP USER / ROLE), in order.
    users: dict[str, str | None] = field(default_factory=dict)
    roles: set[str] = field(default_factory=set)
    access_control: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._fake = FakeSnow(create_database_on_connect=False, create_schema_on_connect=False)
        self._admin = self._fake.connect()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._sessions: dict[str, Session] = {}
        self._chunks: dict[str, bytes] = {}
        self._chunk_key = base64.b64encode(secrets.token_bytes(32)).decode()
        self._lock = threading.Lock()
        self.port = 0
        self._duck(f"""
            create table if not exists {_REGISTRY}._objectsync_objects (
                kind varchar, database_name varchar, schema_name varchar, name varchar, table_type varchar,
                owner varchar, comment varchar, created_on timestamptz, last_altered timestamptz,
                primary key (kind, database_name, schema_name, name));
            create table if not exists {_REGISTRY}._objectsync_dropped (
                kind varchar, database_name varchar, schema_name varchar, name varchar, created_on timestamptz,
                dropped_on timestamptz, visible boolean);
            create table if not exists {_REGISTRY}._objectsync_live (
                kind varchar, database_name varchar, schema_name varchar, name varchar, created_on timestamptz);
        """)

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
        return {"account": self.account, "host": "127.0.0.1", "port": self.port, "protocol": "http",
                "warehouse": "COMPUTE_WH"} | overrides

    # -- set-up, as an account administrator would ----------------------------------------------

    def _duck(self, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
        cursor = self._fake.duck_conn.cursor()
        try:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else []
        finally:
            cursor.close()

    def create_schema(self, database: str, schema: str) -> None:
        """CREATE SCHEMA straight in DuckDB: fakesnow's own follows it with an unquoted SET schema that breaks on
        names holding a double quote (which Snowflake allows). Nothing else about a schema is fakesnow's."""
        quoted = ".".join('"' + name.replace('"', '""') + '"' for name in (database, schema))
        self._duck(f"CREATE SCHEMA {quoted}")
        self._created("SCHEMA", database, schema, "")

    def execute(self, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
        """Run DDL or a query as the account administrator; creations and drops are remembered for SHOW … HISTORY
        and the creation times INFORMATION_SCHEMA reports."""
        target = _ddl_target(sql)
        if target is not None and target[0] == "DROP":
            self._dropped(*target[1:])
            if target[1] == "DATABASE":  # fakesnow has no DROP DATABASE; a DuckDB database is detached
                self._duck('DETACH DATABASE "' + target[2][0].replace('"', '""') + '"')
                return []
        cursor = self._admin.cursor()
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        if target is not None and target[0] == "CREATE":
            kind, path = target[1], target[2]
            if kind == "DATABASE":
                self._snowflake_information_schema(path[0])
            self._created(kind, *path, *("",) * (3 - len(path)))
        if target is not None and target[0] == "ALTER" and len(target[2]) == 3:
            self._altered(*target[2])
        return rows

    def set_table_type(self, database: str, schema: str, name: str, table_type: str) -> None:
        """Give an object a type fakesnow cannot create (MATERIALIZED VIEW, EXTERNAL TABLE, EVENT TABLE, DYNAMIC
        TABLE, ICEBERG TABLE, HYBRID TABLE…): create it as a table or view first."""
        self._duck(f"update {_REGISTRY}._objectsync_objects set table_type = ? "
                   "where kind = 'TABLE' and database_name = ? and schema_name = ? and name = ?",
                   [table_type, database, schema, name])

    def set_owner(self, database: str, schema: str, name: str, owner: str) -> None:
        self._duck(f"update {_REGISTRY}._objectsync_objects set owner = ? "
                   "where kind = 'TABLE' and database_name = ? and schema_name = ? and name = ?",
                   [owner, database, schema, name])

    def set_comment(self, database: str, schema: str, name: str, comment: str) -> None:
        """COMMENT ON VIEW (fakesnow keeps no view comments)."""
        self._duck(f"update {_REGISTRY}._objectsync_objects set comment = ? "
                   "where kind = 'TABLE' and database_name = ? and schema_name = ? and name = ?",
                   [comment, database, schema, name])

    def revoke(self, *path: str) -> None:
        """REVOKE the role's privileges on a database, schema or table: it disappears from the role's listings."""
        self.hidden.add(tuple(path))

    def grant(self, *path: str) -> None:
        self.hidden.discard(tuple(path))

    def _is_hidden(self, database: str, schema: str = "", name: str = "") -> bool:
        parts = [p for p in (database, schema, name) if p]
        return any(tuple(parts[:n]) in self.hidden for n in range(1, len(parts) + 1))

    def _created(self, kind: str, database: str, schema: str, name: str) -> None:
        table_type = None
        if kind in ("TABLE", "VIEW"):
            table_type = "VIEW" if kind == "VIEW" else None
            kind = "TABLE"
        self._duck(f"delete from {_REGISTRY}._objectsync_objects where kind = ? and database_name = ? "
                   "and schema_name = ? and name = ?", [kind, database, schema, name])
        # a new creation time for every CREATE, as CREATE OR REPLACE makes a new object
        created = _now()
        self._duck(f"insert into {_REGISTRY}._objectsync_objects values (?, ?, ?, ?, ?, 'SYSADMIN', NULL, ?, ?)",
                   [kind, database, schema, name, table_type, created, created])

    def _altered(self, database: str, schema: str, name: str) -> None:
        """Every ALTER TABLE moves the table's LAST_ALTERED, as Snowflake's DDL does."""
        self._duck(f"update {_REGISTRY}._objectsync_objects set last_altered = ? "
                   "where kind = 'TABLE' and database_name = ? and schema_name = ? and name = ?",
                   [_now(), database, schema, name])

    def _dropped(self, kind: str, path: tuple[str, ...]) -> None:
        database, schema, name = (*path, "", "")[:3]
        if kind in ("TABLE", "VIEW"):
            kind = "TABLE"
        rows = self._duck(f"select created_on from {_REGISTRY}._objectsync_objects where kind = ? and "
                          "database_name = ? and schema_name = ? and name = ?", [kind, database, schema, name])
        created = rows[0][0] if rows else datetime.fromtimestamp(0, UTC)
        if self.retention.get(database, 1) > 0:  # else purged at once: no Time Travel, no history
            self._duck(f"insert into {_REGISTRY}._objectsync_dropped values (?, ?, ?, ?, ?, ?, ?)",
                       [kind, database, schema, name, created, _now(), not self._is_hidden(database, schema, name)])
        self._duck(f"delete from {_REGISTRY}._objectsync_objects where kind = ? and database_name = ? and "
                   "schema_name = ? and name = ?", [kind, database, schema, name])

    def _snowflake_information_schema(self, database: str) -> None:
        """Replace fakesnow's TABLES and VIEWS of a new database with Snowflake's: views and every table type in
        TABLES, owners, comments and creation times from the registry."""
        db = database.replace("'", "''")
        quoted = '"' + database.replace('"', '""') + '"'
        registry_join = (f"left join {_REGISTRY}._objectsync_objects r on r.kind = 'TABLE' "
                         "and r.database_name = o.database_name and r.schema_name = o.schema_name and r.name = o.name")
        flags = ", ".join(f"case when r.table_type = '{t}' then 'YES' else 'NO' end as \"{flag}\""
                          for t, flag in _BASE_TABLE_FLAGS.items())
        base_types = ", ".join(f"'{t}'" for t in _BASE_TABLE_FLAGS)
        self._duck(f"""
            create or replace view {quoted}._fs_information_schema._fs_tables as
            with o as (
                select database_name, schema_name, table_name as name, false as is_view, estimated_size
                from duckdb_tables() where database_name = '{db}' and schema_name != '_fs_information_schema'
                union all
                select database_name, schema_name, view_name, true, 0
                from duckdb_views() where database_name = '{db}' and schema_name != '_fs_information_schema'
                  and not internal
            )
            select o.database_name as "TABLE_CATALOG", o.schema_name as "TABLE_SCHEMA", o.name as "TABLE_NAME",
                coalesce(r.owner, 'SYSADMIN') as "TABLE_OWNER",
                case when r.table_type in ({base_types}) then 'BASE TABLE' when r.table_type is not null
                     then r.table_type when o.is_view then 'VIEW' else 'BASE TABLE' end as "TABLE_TYPE",
                'NO' as "IS_TRANSIENT", null::varchar as "CLUSTERING_KEY", o.estimated_size as "ROW_COUNT",
                0 as "BYTES", 1 as "RETENTION_TIME", null::varchar as "SELF_REFERENCING_COLUMN_NAME",
                null::varchar as "REFERENCE_GENERATION", null::varchar as "USER_DEFINED_TYPE_CATALOG",
                null::varchar as "USER_DEFINED_TYPE_SCHEMA", null::varchar as "USER_DEFINED_TYPE_NAME",
                case when o.is_view then 'NO' else 'YES' end as "IS_INSERTABLE_INTO", 'YES' as "IS_TYPED",
                null::varchar as "COMMIT_ACTION",
                coalesce(r.created_on, to_timestamp(0)) as "CREATED",
                coalesce(r.last_altered, r.created_on, to_timestamp(0)) as "LAST_ALTERED",
                coalesce(r.created_on, to_timestamp(0)) as "LAST_DDL", 'SYSADMIN' as "LAST_DDL_BY",
                'NO' as "AUTO_CLUSTERING_ON", coalesce(e.comment, r.comment) as "COMMENT",
                case when r.table_type = 'TEMPORARY TABLE' then 'YES' else 'NO' end as "IS_TEMPORARY",
                {flags}, 'NO' as "IS_IMMUTABLE"
            from o
            left join _fs_global._fs_information_schema._fs_tables_ext e on e.ext_table_catalog = o.database_name
                and e.ext_table_schema = o.schema_name and e.ext_table_name = o.name
            {registry_join};

            create or replace view {quoted}._fs_information_schema._fs_views as
            select o.database_name as "TABLE_CATALOG", o.schema_name as "TABLE_SCHEMA", o.view_name as "TABLE_NAME",
                coalesce(r.owner, 'SYSADMIN') as "TABLE_OWNER", o.sql as "VIEW_DEFINITION", 'NONE' as "CHECK_OPTION",
                'NO' as "IS_UPDATABLE", 'NO' as "INSERTABLE_INTO", 'NO' as "IS_SECURE",
                coalesce(r.created_on, to_timestamp(0)) as "CREATED",
                coalesce(r.last_altered, r.created_on, to_timestamp(0)) as "LAST_ALTERED",
                coalesce(r.created_on, to_timestamp(0)) as "LAST_DDL", 'SYSADMIN' as "LAST_DDL_BY",
                r.comment as "COMMENT"
            from (select *, view_name as name from duckdb_views()) o
            {registry_join}
            where o.database_name = '{db}' and o.schema_name != '_fs_information_schema' and not o.internal;
        """)

    # -- HTTP ------------------------------------------------------------------------------------

    def _app(self) -> Starlette:
        own = {"/session/v1/login-request": self._login, "/queries/v1/query-request": self._query}
        routes = [Route(path, handler, methods=["POST"]) for path, handler in own.items()]
        routes += [r for r in fakesnow_server.routes if getattr(r, "path", None) not in own]
        routes.append(Route("/telemetry/send", _accept, methods=["POST"]))
        routes.append(Route("/result-chunks/{chunk}", self._chunk, methods=["GET"]))
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
        requested = request.query_params.get("warehouse")
        warehouse = requested.upper() if requested and requested.upper() in self.warehouses else None
        parameters = {k.upper(): v for k, v in (data.get("SESSION_PARAMETERS") or {}).items()}
        ignore_case = parameters.get("QUOTED_IDENTIFIERS_IGNORE_CASE", self.quoted_identifiers_ignore_case)
        token = secrets.token_urlsafe(32)
        fakesnow_server.sessions[token] = self._fake.connect(database, schema)
        self._sessions[token] = Session(warehouse, str(ignore_case).upper() == "TRUE",
                                        normalise_ident(request.query_params.get("roleName") or "PUBLIC"))
        return JSONResponse(
            {
                "data": {
                    "token": token,
                    "masterToken": secrets.token_urlsafe(32),
                    "serverVersion": "9.0.0",
                    "parameters": [{"name": "AUTOCOMMIT", "value": True}],
                    "sessionInfo": {"databaseName": database, "schemaName": schema,
                                    "roleName": self._sessions[token].role,
                                    "warehouseName": warehouse},
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
        created = self.users.get(str(data.get("LOGIN_NAME") or ""))
        if created is not None and created == data.get("PASSWORD"):
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

    async def _query(self, request: Request) -> Response:
        body = await _json_body(request)
        sql = body.get("sqlText", "")
        token = _SESSION_TOKEN.search(request.headers.get("Authorization") or "")
        session = self._sessions.get(token.group(1)) if token else None
        try:
            rewritten = self._rewrite(sql, session)
        except _SnowflakeError as error:
            return error.response()
        if rewritten != sql:
            request._body = json.dumps(body | {"sqlText": rewritten}).encode()
            if request.headers.get("Content-Encoding") == "gzip":
                request._body = gzip.compress(request._body)
        response = await fakesnow_server.query_request(request)
        return self._chunked(request, response)

    def _rewrite(self, sql: str, session: Session | None) -> str:
        """What this account's Snowflake would run for the role: session statements applied, SHOW answered from
        the role's view of the account, INFORMATION_SCHEMA filtered by its privileges."""
        if session is not None and (match := _ALTER_SESSION_IGNORE_CASE.match(sql)):
            session.ignore_case = match.group(1).upper() == "TRUE"
            return "SELECT 'Statement executed successfully.' AS \"status\""
        if session is not None and (match := _USE_WAREHOUSE.match(sql)):
            name = match.group(2) if match.group(1) else match.group(2).upper()
            if name not in self.warehouses:
                raise _SnowflakeError("002043", "02000", "Object does not exist, or operation cannot be performed.")
            session.warehouse = name
            return "SELECT 'Statement executed successfully.' AS \"status\""
        if session is not None and (match := _CURRENT_CONTEXT.match(sql)):
            value = session.warehouse if match.group(1).upper() == "WAREHOUSE" else session.role
            return f"SELECT {_sql_literal(value)} AS \"CURRENT_{match.group(1).upper()}()\""
        if _ACCESS_CONTROL.match(sql):
            return self._access_control(sql, session)
        denied = self._denied_object_in(sql)
        if denied is not None:
            raise _SnowflakeError("003001", "42501",
                                  f"SQL access control error:\nInsufficient privileges to operate on {denied}")
        show = _SHOW.match(sql)
        if show is not None:
            return self._show(show, session)
        try:
            tree = sqlglot.parse_one(sql, read="snowflake")
        except sqlglot.errors.ParseError:
            return sql
        if not any(True for _ in tree.find_all(exp.Table)):
            return sql
        if session is not None and session.warehouse is None:
            raise _SnowflakeError(*NO_WAREHOUSE)
        changed = False
        for table in list(tree.find_all(exp.Table)):
            changed |= self._resolve_case(table, session)
            if table.db.upper() == "INFORMATION_SCHEMA" and table.name.upper() in _VISIBILITY_COLUMNS:
                self._filter_for_role(table)
                changed = True
        return tree.sql(dialect="snowflake") if changed else sql

    def _access_control(self, sql: str, session: Session | None) -> str:
        """Users, roles and grants, which fakesnow does not know: only the administrator roles may change them,
        a created user may log in with its password, and the rest is recorded as it was said."""
        if session is None or session.role not in ADMIN_ROLES:
            raise _SnowflakeError("003001", "42501", "SQL access control error:\nInsufficient privileges to operate "
                                                     "on account")
        statement = " ".join(sql.split())
        if match := _CREATE_USER.match(statement):
            name = _unquote(match[2])
            if name in self.users and not match[1]:
                raise _SnowflakeError("003041", "42710", f"SQL compilation error:\nUser '{name}' already exists.")
            password = _PASSWORD.search(statement)
            self.users.setdefault(name, password[1].replace("''", "'") if password else None)
        elif match := _CREATE_ROLE.match(statement):
            self.roles.add(_unquote(match[2]))
        elif (match := _DROP_PRINCIPAL.match(statement)) and match[1].upper() == "USER":
            self.users.pop(_unquote(match[2]), None)
        elif match:
            self.roles.discard(_unquote(match[2]))
        self.access_control.append(statement)
        return "SELECT 'Statement executed successfully.' AS \"status\""

    def _resolve_case(self, table: exp.Table, session: Session | None) -> bool:
        """With QUOTED_IDENTIFIERS_IGNORE_CASE a quoted database name means its upper-case spelling."""
        catalog = table.args.get("catalog")
        if session is None or not session.ignore_case or not isinstance(catalog, exp.Identifier) \
                or not catalog.quoted or catalog.name == catalog.name.upper():
            return False
        if catalog.name.upper() not in self._databases():
            raise _SnowflakeError("002003", "02000",
                                  f"SQL compilation error:\nDatabase '\"{catalog.name.upper()}\"' does not exist or "
                                  "not authorized.")
        table.set("catalog", exp.Identifier(this=catalog.name.upper(), quoted=True))
        return True

    def _databases(self) -> set[str]:
        return {row[0] for row in self._duck("select database_name from duckdb_databases()")}

    def _filter_for_role(self, table: exp.Table) -> None:
        """Wrap an INFORMATION_SCHEMA view so it shows only what the role holds privileges on."""
        database = table.catalog
        if self._is_hidden(database):
            raise _SnowflakeError("002003", "02000", f"SQL compilation error:\nDatabase '\"{database}\"' does not "
                                  "exist or not authorized.")
        schema_column, name_column = _VISIBILITY_COLUMNS[table.name.upper()]
        hidden = [path[1:] for path in self.hidden if len(path) > 1 and path[0] == database]
        conditions = []
        for path in hidden:
            condition = f"{schema_column} = '{_sql_string(path[0])}'"
            if len(path) == 2:
                if name_column is None:
                    continue
                condition += f" AND {name_column} = '{_sql_string(path[1])}'"
            conditions.append(f"({condition})")
        if not conditions:
            return
        alias = table.alias or table.name
        bare = table.copy()
        bare.set("alias", None)
        where = " OR ".join(conditions)
        select = sqlglot.parse_one(f"SELECT * FROM {bare.sql(dialect='snowflake')} WHERE NOT ({where})",
                                   read="snowflake")
        table.replace(exp.Subquery(this=select, alias=exp.TableAlias(this=exp.to_identifier(alias))))

    def _show(self, show: re.Match[str], session: Session | None) -> str:
        """SHOW DATABASES / SCHEMAS / TABLES [HISTORY], as the role sees them, at most 10,000 rows a page."""
        what = show.group("what").upper()
        history = bool(show.group("history"))
        scope = _split_qualified(show.group("scope") or "")
        if session is not None and session.ignore_case:
            scope = [part.upper() for part in scope]
        limit = min(int(show.group("limit") or SHOW_ROW_CAP), SHOW_ROW_CAP)
        after = show.group("after")
        kind = {"DATABASES": "DATABASE", "SCHEMAS": "SCHEMA", "TABLES": "TABLE"}[what]
        if (what == "SCHEMAS" and len(scope) != 1) or (what == "TABLES" and len(scope) != 2):
            raise _SnowflakeError("001003", "42000", f"SQL compilation error: SHOW {what} needs IN <scope> here")
        if scope and (self._is_hidden(*scope) or scope[0] not in self._databases()):
            raise _SnowflakeError("002003", "02000", f"SQL compilation error:\n'{'.'.join(scope)}' does not exist "
                                  "or not authorized.")
        self._refresh_live()
        where = [f"kind = '{kind}'"]
        columns = ["database_name", "schema_name"][: len(scope)]
        where += [f"{column} = '{_sql_string(value)}'" for column, value in zip(columns, scope, strict=True)]
        level = ("DATABASE", "SCHEMA", "TABLE").index(kind) + 1
        live_rows = self._duck(f"select database_name, schema_name, name from {_REGISTRY}._objectsync_live where "
                               + " and ".join(where))
        hidden = [f"'{_sql_string(row[level - 1])}'" for row in live_rows if self._is_hidden(*row[:level])]
        name = ("database_name", "schema_name", "name")[level - 1]
        retention = " ".join(f"when '{_sql_string(db)}' then {days}" for db, days in self.retention.items())
        retention_time = f"case database_name {retention} else 1 end" if retention else "1"
        live = (f"select created_on, {name} as name, database_name, schema_name, '{kind}' as kind, "
                f"'' as comment, 'SYSADMIN' as owner, {retention_time} as retention_time, "
                "cast(null as timestamptz) as dropped_on "
                f"from {_REGISTRY}._objectsync_live where {' and '.join(where)}"
                + (f" and {name} not in ({', '.join(hidden)})" if hidden else ""))
        rows = live
        if history:
            rows += (f" union all select created_on, {name}, database_name, schema_name, '{kind}', '', 'SYSADMIN', "
                     f"1, dropped_on from {_REGISTRY}._objectsync_dropped where visible and "
                     + " and ".join(where))
        ordered = f"select *, row_number() over (order by name, dropped_on nulls first) as rn from ({rows}) as h"
        page = "select created_on, name, database_name, schema_name, kind, comment, owner, retention_time" + (
            ", dropped_on" if history else "") + f" from ({ordered}) as p"
        if after is not None:
            after = after.replace("''", "'")
            value = _sql_string(after)
            page += (f" where name > '{value}' or (name = '{value}' and rn > (select min(rn) from ({ordered}) as f "
                     f"where name = '{value}'))")
        return page + f" order by rn limit {limit}"

    def _refresh_live(self) -> None:
        """The account's objects right now, with the creation times the registry remembers."""
        registry = f"{_REGISTRY}._objectsync_objects"
        self._duck(f"""
            delete from {_REGISTRY}._objectsync_live;
            insert into {_REGISTRY}._objectsync_live
            select 'DATABASE', d.database_name, '', '', coalesce(r.created_on, to_timestamp(0))
            from duckdb_databases() d left join {registry} r
              on r.kind = 'DATABASE' and r.database_name = d.database_name
            where d.database_name not in ('memory', 'system', 'temp', '_fs_global') and not d.internal;
            insert into {_REGISTRY}._objectsync_live
            select 'SCHEMA', s.database_name, s.schema_name, '', coalesce(r.created_on, to_timestamp(0))
            from duckdb_schemas() s left join {registry} r
              on r.kind = 'SCHEMA' and r.database_name = s.database_name and r.schema_name = s.schema_name
            where s.database_name not in ('memory', 'system', 'temp', '_fs_global') and not s.internal
              and s.schema_name not in ('main', '_fs_information_schema', 'pg_catalog', 'information_schema');
            insert into {_REGISTRY}._objectsync_live
            select 'TABLE', t.database_name, t.schema_name, t.table_name, coalesce(r.created_on, to_timestamp(0))
            from duckdb_tables() t left join {registry} r on r.kind = 'TABLE' and r.database_name = t.database_name
              and r.schema_name = t.schema_name and r.name = t.table_name
            where t.database_name not in ('memory', 'system', 'temp', '_fs_global')
              and t.schema_name != '_fs_information_schema'
              and coalesce(r.table_type, 'BASE TABLE') not in ('VIEW', 'MATERIALIZED VIEW');
        """)

    def _denied_object_in(self, sql: str) -> str | None:
        """A metadata query naming a denied database or schema is refused with an access-control error."""
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

    # -- large results -------------------------------------------------------------------------------

    def _chunked(self, request: Request, response: Response) -> Response:
        """Move all but the first `chunk_rows` rows of a large Arrow result into chunks the client downloads."""
        payload = json.loads(bytes(response.body))
        data = payload.get("data") or {}
        if (self.chunk_rows is None or data.get("queryResultFormat") != "arrow" or not data.get("rowsetBase64")
                or int(data.get("total") or 0) <= self.chunk_rows):
            return response
        table = pa.ipc.open_stream(base64.b64decode(data["rowsetBase64"])).read_all()
        chunks = []
        for start in range(self.chunk_rows, table.num_rows, self.chunk_rows):
            part = table.slice(start, self.chunk_rows)
            body = _ipc(part)
            chunk_id = secrets.token_urlsafe(12)
            with self._lock:
                self._chunks[chunk_id] = body
            chunks.append({"url": f"{request.url.scheme}://{request.url.netloc}/result-chunks/{chunk_id}",
                           "rowCount": part.num_rows, "uncompressedSize": len(body), "compressedSize": len(body)})
        data["rowsetBase64"] = base64.b64encode(_ipc(table.slice(0, self.chunk_rows))).decode()
        data["chunks"] = chunks
        data["qrmk"] = self._chunk_key
        return JSONResponse(payload)

    async def _chunk(self, request: Request) -> Response:
        """A result chunk from "cloud storage": SSE-C key required, as for S3 result chunks."""
        self.chunk_downloads += 1
        body = self._chunks.get(request.path_params["chunk"])
        key = request.headers.get("x-amz-server-side-encryption-customer-key")
        if body is None or key != self._chunk_key or self.chunk_fault == "forbidden":
            return Response("<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
                            status_code=403, media_type="application/xml")
        if self.chunk_fault == "short":
            table = pa.ipc.open_stream(body).read_all()
            body = _ipc(table.slice(0, max(0, table.num_rows - 1)))
        return Response(body, media_type="application/octet-stream")


#: For each INFORMATION_SCHEMA view the role filter applies to: its schema column and object-name column.
_VISIBILITY_COLUMNS: dict[str, tuple[str, str | None]] = {
    "SCHEMATA": ("SCHEMA_NAME", None),
    "TABLES": ("TABLE_SCHEMA", "TABLE_NAME"),
    "COLUMNS": ("TABLE_SCHEMA", "TABLE_NAME"),
    "VIEWS": ("TABLE_SCHEMA", "TABLE_NAME"),
}


class _SnowflakeError(Exception):
    def __init__(self, code: str, sqlstate: str, message: str):
        super().__init__(message)
        self.code, self.sqlstate, self.message = code, sqlstate, message

    def response(self) -> JSONResponse:
        return JSONResponse({"data": {"errorCode": self.code, "sqlState": self.sqlstate}, "code": self.code,
                             "message": self.message, "success": False})


def _ddl_target(sql: str) -> tuple[str, str, tuple[str, ...]] | None:
    """('CREATE' | 'DROP' | 'ALTER', DATABASE | SCHEMA | TABLE | VIEW, the object's path) of a DDL statement, else
    None."""
    try:
        tree = sqlglot.parse_one(sql, read="snowflake")
    except sqlglot.errors.ParseError:
        return None
    if isinstance(tree, exp.Alter) and isinstance(tree.this, exp.Table):
        return "ALTER", str(tree.args.get("kind") or "TABLE").upper(), _names(tree.this)
    if not isinstance(tree, exp.Create | exp.Drop):
        return None
    kind = str(tree.args.get("kind") or "").upper()
    if kind not in ("DATABASE", "SCHEMA", "TABLE", "VIEW"):
        return None
    target = tree.this or next(iter(tree.args.get("tables") or []), None)  # DROP keeps its objects in "tables"
    if isinstance(target, exp.Schema):
        target = target.this
    if not isinstance(target, exp.Table):
        return None
    return ("CREATE" if isinstance(tree, exp.Create) else "DROP"), kind, _names(target)


def _names(target: exp.Table) -> tuple[str, ...]:
    parts = [p for p in (target.args.get("catalog"), target.args.get("db"), target.args.get("this")) if p]
    return tuple(p.name if getattr(p, "quoted", False) else p.name.upper() for p in parts)


def _now() -> datetime:
    return datetime.now(UTC)


def _ipc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


async def _json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if request.headers.get("Content-Encoding") == "gzip":
        raw = gzip.decompress(raw)
    return json.loads(raw)


async def _accept(_: Request) -> JSONResponse:
    return JSONResponse({"success": True})
