"""PostgreSQL connector: one bulk pg_catalog read per schema over psycopg 3, one session per database."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, LiteralString, TypeVar

import psycopg
from psycopg import errors as pg_errors

from connectors import postgresql_queries as queries
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
from connectors.read_deadline import READ_DEADLINE_GRACE_SECONDS, read_deadline
from domain.gc import paused_gc
from domain.redaction import redact
from domain.schema_batches import TableRange
from domain.snapshot import RemoteColumn, RemoteHierarchy, RemoteTable, SchemaSnapshot

T = TypeVar("T")

#: Rows per chunk of a streamed read (chunked rows need libpq 17; an older one streams row by row).
STREAM_CHUNK_ROWS = 100 if psycopg.pq.version() >= 170000 else 1
SSL_MODES = frozenset({"disable", "allow", "prefer", "require", "verify-ca", "verify-full"})

#: relkind → (our kind, the platform's own word for it).
RELATION_KINDS: dict[str, tuple[str, str]] = {
    "r": ("table", "BASE TABLE"),
    "p": ("table", "PARTITIONED TABLE"),
    "f": ("table", "FOREIGN TABLE"),
    "v": ("view", "VIEW"),
    "m": ("view", "MATERIALIZED VIEW"),
}

# Connection failures carry no SQLSTATE in libpq, only the server's FATAL text or the client's own message.
_AUTHENTICATION_FAILURE = re.compile(
    r"password authentication failed|authentication failed|role \".*\" does not exist|no pg_hba\.conf entry"
    r"|no password supplied|password is required|not permitted to log in",
    re.IGNORECASE,
)
_DATABASE_MISSING = re.compile(r"database \".*\" does not exist", re.IGNORECASE)
_DATABASE_FORBIDDEN = re.compile(r"permission denied for database", re.IGNORECASE)
_TIMED_OUT = re.compile(r"timeout expired|timed out", re.IGNORECASE)
# TLS set-ups that cannot work as configured; retrying would not help.
_TLS_MISCONFIGURED = re.compile(
    r"does not support SSL|root certificate|certificate verify failed|server certificate", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class PostgresSettings:
    """The connection's configuration, checked once so every later failure is about the server, not the input."""

    hostname: str
    port: int
    database: str
    username: str
    password: str | None = field(repr=False)
    sslmode: str | None
    databases: tuple[str, ...] | None
    include_all_databases: bool

    @classmethod
    def parse(cls, config: Mapping[str, Any], credentials: Mapping[str, Any]) -> PostgresSettings:
        auth_type = credentials.get("authenticationType", "userPassword")
        if auth_type != "userPassword":
            raise ConfigurationError(
                f"PostgreSQL supports authenticationType 'userPassword' only, not {auth_type!r}"
            )
        sslmode = config.get("sslmode")
        if sslmode is not None and (not isinstance(sslmode, str) or sslmode not in SSL_MODES):
            raise ConfigurationError(f"sslmode must be one of {', '.join(sorted(SSL_MODES))}, not {sslmode!r}")
        include_all = config.get("includeAllDatabases", False)
        if not isinstance(include_all, bool):
            raise ConfigurationError("includeAllDatabases must be true or false")
        password = credentials.get("password")
        if password is not None and not isinstance(password, str):
            raise ConfigurationError("credentials.password must be a string")
        return cls(
            hostname=_required_text(config, "hostname", "config"),
            port=_port(config.get("port", 5432)),
            database=_required_text(config, "database", "config"),
            username=_required_text(credentials, "username", "credentials"),
            password=password,
            sslmode=sslmode,
            databases=_database_list(config.get("databases")),
            include_all_databases=include_all,
        )


def _required_text(values: Mapping[str, Any], key: str, where: str) -> str:
    value = values.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(f"{where}.{key} is required (a non-empty string)")
    return value


def _port(value: Any) -> int:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise ConfigurationError(f"port must be an integer between 1 and 65535, not {value!r}")
    return value


def _database_list(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v for v in value):
        raise ConfigurationError("databases must be a list of database names")
    return tuple(value)


class PostgresConnector(Connector):
    technology: ClassVar[str] = "postgresql"
    system_schemas: ClassVar[frozenset[str]] = frozenset(queries.SYSTEM_SCHEMAS)
    system_databases: ClassVar[frozenset[str]] = frozenset({"template0", "template1"})

    def __init__(self, config: Mapping[str, Any], credentials: Mapping[str, Any], **options: Any):
        super().__init__(config, credentials, **options)
        self.settings = PostgresSettings.parse(self.config, self.credentials)
        self._connections: dict[str, psycopg.Connection[tuple[Any, ...]]] = {}

    # -- the interface -------------------------------------------------------------------------------

    def validate(self) -> list[ValidationResult]:
        names = [self.test_names.connect, self.test_names.access, self.test_names.privileges]
        results: list[ValidationResult] = []
        database = self.settings.database
        try:
            self._connection(database)
        except (ObjectNotFound, PermissionDenied) as error:
            # The server answered and accepted the credentials; only the entry database is out of reach.
            results.append(ValidationResult(names[0], "passed", f"reached {self._server}"))
            results.append(ValidationResult(names[1], "failed", error.message))
        except ConnectorError as error:
            results.append(ValidationResult(names[0], "failed", error.message))
        else:
            results.append(ValidationResult(names[0], "passed", f"reached {self._server}"))
            results.append(self._check(names[1], lambda: self._database_access(database)))
        if results[-1].status == "passed":
            results.append(self._check(names[2], lambda: self._metadata_privileges(database)))
        results.extend(
            ValidationResult(name, "skipped", f"skipped because {results[-1].name} failed")
            for name in names[len(results):]
        )
        return results

    def list_hierarchy(self) -> RemoteHierarchy:
        """Connectable databases in scope, each with its user schemas; a database that fails is reported apart."""
        entry = self.settings.database
        rows = self._fetch(entry, queries.DATABASES)
        in_scope = set(self._databases_in_scope([name for name, _ in rows]))
        closed = {name: "the database does not accept connections (ALLOW_CONNECTIONS false); its schemas and "
                        "tables are left as they are" for name, allowed in rows if name in in_scope and not allowed}
        return collect_hierarchy(
            [name for name, allowed in rows if name in in_scope and allowed],
            lambda database: tuple(row[0] for row in self._fetch(database, queries.USER_SCHEMAS)),
            closed,
        )

    def read_schema(self, database: str, schema: str, tables: Collection[str] | None = None) -> SchemaSnapshot:
        namespace = self._namespace(database, schema)
        if tables is not None and not tables:
            return SchemaSnapshot(database=database, schema=schema, tables=())
        return SchemaSnapshot(database=database, schema=schema, tables=self._tables(database, namespace, tables))

    def read_schema_changes(self, database: str, schema: str, known_tokens: Mapping[str, str],
                            table_range: TableRange | None = None) -> SchemaSnapshot:
        """Tokens first (one short row per table); then the columns of the tables whose token moved."""
        namespace = self._namespace(database, schema)
        within = table_range or TableRange()
        bounds = {"start": within.start, "stop": within.stop}
        if not known_tokens:
            return SchemaSnapshot(database=database, schema=schema,
                                  tables=self._tables(database, namespace, None, bounds))
        listed = self._fetch(database, queries.TABLE_TOKENS_IN_SCHEMA, {"namespace": namespace, **bounds})
        moved = {row[0] for row in listed if known_tokens.get(row[0]) != row[5]}
        read = {t.name: t for t in self._tables(database, namespace, moved)} if moved else {}
        tables: list[RemoteTable] = []
        for name, relkind, owner, comment, oid, token in listed:
            if name in read:
                tables.append(read[name])
            elif name not in moved:  # a moved table missing from the second read was dropped in between
                kind, remote_kind = RELATION_KINDS[relkind]
                tables.append(RemoteTable(name, kind, (), remote_kind, comment, owner, oid,  # type: ignore[arg-type]
                                          change_token=token, columns_unread=True))
        return SchemaSnapshot(database=database, schema=schema, tables=tuple(tables))

    def _namespace(self, database: str, schema: str) -> int:
        """The schema's oid; ObjectNotFound or PermissionDenied rather than an empty schema."""
        access = self._fetch(database, queries.SCHEMA_ACCESS, {"schema": schema})
        if not access:
            raise ObjectNotFound(f"schema {schema!r} does not exist in database {database!r} on {self._server}")
        namespace, has_usage = access[0]
        if not has_usage:
            raise PermissionDenied(
                f"user {self.settings.username!r} has no USAGE privilege on schema {schema!r} "
                f"in database {database!r} on {self._server}"
            )
        return int(namespace)

    def list_table_names(self, database: str, schemas: Collection[str]) -> dict[str, list[str]] | None:
        names: dict[str, list[str]] = {}
        for schema, table in self._fetch(database, queries.TABLE_NAMES_IN_SCHEMAS, {"schemas": list(schemas)}):
            names.setdefault(schema, []).append(table)
        return names

    def _tables(self, database: str, namespace: int, tables: Collection[str] | None,
                bounds: Mapping[str, str | None] | None = None) -> tuple[RemoteTable, ...]:
        params: dict[str, Any] = {"namespace": namespace}
        if tables is None:
            query = queries.TABLES_IN_SCHEMA
            params |= bounds or {"start": None, "stop": None}
        else:
            names = [tables] if isinstance(tables, str) else list(tables)
            query, params["tables"] = queries.NAMED_TABLES_IN_SCHEMA, names
        with paused_gc():
            return self._stream(database, query, params, _remote_tables)

    def close(self) -> None:
        connections, self._connections = self._connections, {}
        for connection in connections.values():
            try:
                connection.close()
            except psycopg.Error:
                pass

    # -- sessions and error translation ----------------------------------------------------------------

    @property
    def _server(self) -> str:
        return f"{self.settings.hostname}:{self.settings.port}"

    def _databases_in_scope(self, listed: list[str]) -> list[str]:
        if self.settings.databases is not None:
            wanted = set(self.settings.databases)
        elif self.settings.include_all_databases:
            wanted = set(listed)
        else:
            wanted = {self.settings.database}
        excluded = self.system_databases | set(self.internal_databases)
        return [name for name in listed if name in wanted and name not in excluded]

    def _connection(self, database: str) -> psycopg.Connection[tuple[Any, ...]]:
        """The session kept open for `database`; a broken one is replaced."""
        connection = self._connections.get(database)
        if connection is not None and not connection.closed and not connection.broken:
            return connection
        self._connections.pop(database, None)
        connection = self._guarded(database, lambda: self._connect(database))
        self._connections[database] = connection
        return connection

    def _connect(self, database: str) -> psycopg.Connection[tuple[Any, ...]]:
        s = self.settings
        options: dict[str, Any] = {
            "host": s.hostname, "port": s.port, "dbname": database, "user": s.username,
            "connect_timeout": max(2, math.ceil(self.timeout)), "application_name": "objectsync",
            "client_encoding": "UTF8",
        }
        if s.password is not None:
            options["password"] = s.password
        if s.sslmode is not None:
            options["sslmode"] = s.sslmode
        # Keepalives find a peer that vanished while idle; tcp_user_timeout ends a send nobody acknowledges.
        options.update(keepalives=1, keepalives_idle=30, keepalives_interval=10, keepalives_count=3,
                       tcp_user_timeout=int((self.timeout + READ_DEADLINE_GRACE_SECONDS) * 1000))
        # No server-side prepared statements, so connection poolers in transaction mode work too.
        connection = psycopg.connect(autocommit=True, prepare_threshold=None, **options)
        # A fixed search_path makes format_type() qualify user-defined types the same way whatever the
        # role's own search_path is, and keeps unqualified names in our queries from resolving elsewhere.
        try:
            connection.execute(
                "SELECT pg_catalog.set_config('statement_timeout', %s, false),"
                " pg_catalog.set_config('search_path', 'pg_catalog', false)",
                (f"{int(self.timeout * 1000)}ms",),
            )
        except BaseException:
            connection.close()
            raise
        return connection

    def _fetch(
        self, database: str, query: LiteralString, params: Mapping[str, Any] | tuple[Any, ...] | None = None
    ) -> list[tuple[Any, ...]]:
        """Run a catalog read; a kept session the server dropped meanwhile is replaced once (reads are repeatable)."""
        # Binary results: the columns' arrays decode several times faster than their text form.
        return self._run_read(database, lambda connection: connection.execute(query, params, binary=True).fetchall())

    def _stream(self, database: str, query: LiteralString, params: Mapping[str, Any],
                consume: Callable[[Iterable[tuple[Any, ...]]], T]) -> T:
        """`_fetch` with the rows streamed into `consume` as they arrive: it builds the first tables while the
        server still reads the catalog for the next ones."""
        return self._run_read(database, lambda connection: consume(
            connection.cursor().stream(query, params, binary=True, size=STREAM_CHUNK_ROWS)))

    def _run_read(self, database: str, read: Callable[[psycopg.Connection[tuple[Any, ...]]], T]) -> T:
        """`read` on the database's kept session, replaced once if the server dropped it meanwhile."""
        connection = self._connection(database)
        try:
            return self._read(database, connection, read)
        except RemoteUnavailable:
            if not connection.broken:
                raise
        return self._read(database, self._connection(database), read)

    def _read(self, database: str, connection: psycopg.Connection[tuple[Any, ...]],
              read: Callable[[psycopg.Connection[tuple[Any, ...]]], T]) -> T:
        """One query under a client-side deadline: a network that goes silent cannot hold the read forever.

        The server's statement_timeout ends a slow query; the deadline (a little later) covers an answer that
        never arrives, by shutting the socket down under the waiting driver, which then fails at once.
        """
        with read_deadline(self.timeout + READ_DEADLINE_GRACE_SECONDS, lambda: [connection]) as expired:
            try:
                return self._guarded(database, lambda: read(connection))
            except RemoteUnavailable:
                if not expired.is_set():
                    raise
        self._discard_broken(database)
        raise RemoteTimeout(f"PostgreSQL {self._server}, database {database!r}: no answer within "
                            f"{self.timeout + READ_DEADLINE_GRACE_SECONDS:g} s (the network went silent)")

    def _check(self, name: str, test: Callable[[], str]) -> ValidationResult:
        try:
            return ValidationResult(name, "passed", test())
        except ConnectorError as error:
            return ValidationResult(name, "failed", error.message)

    def _database_access(self, database: str) -> str:
        self._fetch(database, "SELECT 1")
        return f"database {database!r} is reachable"

    def _metadata_privileges(self, database: str) -> str:
        _catalog_rows, usable, total = self._fetch(database, queries.METADATA_PRIVILEGES)[0]
        if not usable:
            raise PermissionDenied(
                f"user {self.settings.username!r} has USAGE on none of the {total} schemas of database {database!r}"
            )
        return f"pg_catalog is readable; USAGE on {usable} of {total} schemas"

    def _guarded(self, database: str, call: Callable[[], T]) -> T:
        """Run a driver call, turning driver errors into domain errors that never carry the password.

        The domain error is raised outside the except block so the psycopg error (whose connection
        object holds the password) is not attached as its context.
        """
        try:
            return call()
        except psycopg.Error as exc:
            error = self._translate(exc, database)
        if isinstance(error, RemoteUnavailable):
            self._discard_broken(database)
        raise error

    def _discard_broken(self, database: str) -> None:
        connection = self._connections.get(database)
        if connection is not None and (connection.broken or connection.closed):
            self._connections.pop(database, None)

    def _translate(self, exc: psycopg.Error, database: str) -> ConnectorError:
        text = self._redact(" ".join(str(exc).split()).removeprefix("connection failed: "))
        where = f"PostgreSQL {self._server}, database {database!r}"
        timeout = f"no answer within {self.timeout:g} s"
        if isinstance(exc, pg_errors.QueryCanceled):
            return RemoteTimeout(f"{where}: {timeout} ({text})")
        if isinstance(exc, pg_errors.InsufficientPrivilege) or _DATABASE_FORBIDDEN.search(text):
            return PermissionDenied(f"{where}: {text}")
        if isinstance(exc, pg_errors.InvalidCatalogName) or _DATABASE_MISSING.search(text):
            return ObjectNotFound(f"{where}: {text}")
        if isinstance(exc, pg_errors.InvalidAuthorizationSpecification | pg_errors.InvalidPassword) or (
            exc.sqlstate is None and _AUTHENTICATION_FAILURE.search(text)
        ):
            return AuthenticationFailed(f"{where}: authentication failed for user {self.settings.username!r} ({text})")
        if exc.sqlstate is None and _TLS_MISCONFIGURED.search(text):
            return ConfigurationError(f"{where}: sslmode {self.settings.sslmode!r} cannot be used: {text}")
        if isinstance(exc, pg_errors.ConnectionTimeout) or (exc.sqlstate is None and _TIMED_OUT.search(text)):
            return RemoteTimeout(f"{where}: {timeout} ({text})")
        if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
            return RemoteUnavailable(f"{where}: {text}")
        return ConnectorError(f"{where}: {text}")

    def _redact(self, text: str) -> str:
        return redact(text, (self.settings.password,))


#: Column identities as text, shared: attnum runs from 1 to at most 1,664 (PostgreSQL's most columns in any
#: relation, dropped ones counted), and a large schema repeats the same few (str() made a new string per column,
#: four times the time of this lookup).
_ATTNUM_TEXT = tuple(str(attnum) for attnum in range(1665))


def _remote_tables(rows: Iterable[tuple[Any, ...]]) -> tuple[RemoteTable, ...]:
    """Build the snapshot's tables; tables whose columns have the same change token share one immutable tuple of
    columns (partition-like schemas repeat one column list thousands of times)."""
    shared: dict[str, tuple[RemoteColumn, ...]] = {}
    tables = []
    for name, relkind, owner, comment, names, ordinals, types, nullables, comments, oid, token in rows:
        kind, remote_kind = RELATION_KINDS[relkind]
        columns = shared.get(token)
        if columns is None or [c.name for c in columns] != names:  # the token covers the type by oid only
            # attnum is the column's identity: RENAME COLUMN keeps it, a drop and re-add gets a new one
            identities = map(_ATTNUM_TEXT.__getitem__, ordinals)
            columns = shared[token] = tuple(map(RemoteColumn, names, ordinals, types, nullables, comments, identities))
        tables.append(RemoteTable(name, kind, columns, remote_kind, comment, owner, oid,  # type: ignore[arg-type]
                                  change_token=token))
    return tuple(tables)
