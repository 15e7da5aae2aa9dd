"""Any database SQLAlchemy has a dialect for, read through its Inspector.

Config: url (a SQLAlchemy URL; credentials username/password, when given, replace the URL's), database (the label
of the one database reported; default the URL's database, or the file's stem for SQLite). Schemas are the
dialect's schema names; each schema is read with the Inspector's bulk `get_multi_*` calls.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import PurePath
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.engine.reflection import Inspector, ObjectKind

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
from connectors.read_deadline import READ_DEADLINE_GRACE_SECONDS, read_deadline
from connectors.validation import (
    Warned,
    run_validation,
)
from domain.redaction import redact
from domain.snapshot import RemoteColumn, RemoteHierarchy, RemoteTable, SchemaSnapshot

#: Dialects whose Inspector reads catalogs that list every schema and table whatever the reader's privileges
#: (PostgreSQL's pg_catalog, SQLite's sqlite_schema). Elsewhere (information_schema, SHOW TABLES, ALL_TABLES…)
#: listings show only what the reader may use, so what vanishes is counted as not visible, never deleted.
COMPLETE_LISTING_DIALECTS = frozenset({"postgresql", "sqlite"})

#: Per dialect: a bound query telling whether the credentials may use a schema. Catalogs such as PostgreSQL's
#: pg_catalog show every schema's tables whatever the privileges, so the Inspector alone cannot tell.
SCHEMA_USABLE_QUERIES: dict[str, str] = {
    "postgresql": "SELECT has_schema_privilege(:schema, 'USAGE')",
}


def url_carries_password(value: str) -> bool:
    """Whether a SQLAlchemy URL names a password; a malformed URL names none."""
    try:
        return make_url(value).password is not None
    except exc.ArgumentError:
        return False


def _timeout_args(url: URL, seconds: int) -> dict[str, Any]:
    """Connect (and, where the driver allows, read) timeouts and keepalives in each driver's own words."""
    driver = url.get_driver_name()
    backend = url.get_backend_name()
    if backend == "postgresql" and driver in {"psycopg", "psycopg2"}:
        # Keepalives find a peer that vanished while idle; tcp_user_timeout ends a send nobody acknowledges.
        return {"connect_timeout": seconds, "options": f"-c statement_timeout={seconds * 1000}",
                "keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3,
                "tcp_user_timeout": int((seconds + READ_DEADLINE_GRACE_SECONDS) * 1000)}
    if driver == "pymysql":
        return {"connect_timeout": seconds, "read_timeout": seconds, "write_timeout": seconds}
    if backend == "sqlite":
        return {"timeout": seconds}
    return {}


class SqlAlchemyConnector(Connector):
    technology = "sqlalchemy"
    system_schemas = frozenset({
        "information_schema", "INFORMATION_SCHEMA", "pg_catalog", "pg_toast", "mysql", "performance_schema", "sys",
    })

    def __init__(self, config: Any, credentials: Any, **options: Any):
        super().__init__(config, credentials, **options)
        if not self.config.get("url"):
            raise ConfigurationError("url (a SQLAlchemy URL) is required")
        try:
            url = make_url(str(self.config["url"]))
        except exc.ArgumentError:
            raise ConfigurationError("url is not a valid SQLAlchemy URL") from None
        if self.credentials.get("username") is not None:
            url = url.set(username=str(self.credentials["username"]))
        if self.credentials.get("password") is not None:
            url = url.set(password=str(self.credentials["password"]))
        self.url = url
        self.database_label = str(self.config.get("database") or self._default_label(url))
        self._engine: Engine | None = None
        #: The DB-API connections the engine opened, by id: the sockets a read deadline shuts down.
        self._driver_connections: dict[int, Any] = {}

    @staticmethod
    def _default_label(url: URL) -> str:
        if url.get_backend_name() == "sqlite":
            return PurePath(url.database).stem if url.database and url.database != ":memory:" else "main"
        if not url.database:
            raise ConfigurationError("database (a label) is required when the url names no database")
        return url.database

    @property
    def engine(self) -> Engine:
        """Kept until close(): crawl tasks reuse connectors, so one pooled session serves many reads."""
        if self._engine is None:
            try:
                self._engine = sa.create_engine(
                    self.url, pool_pre_ping=True,
                    connect_args=_timeout_args(self.url, max(1, int(self.timeout))),
                )
            except (exc.ArgumentError, exc.NoSuchModuleError, ImportError) as error:
                raise ConfigurationError(f"cannot use this url: {type(error).__name__}") from None
            self._driver_connections = {}
            sa.event.listen(self._engine, "connect", self._remember_driver_connection)
        return self._engine

    def _remember_driver_connection(self, driver_connection: Any, _record: Any) -> None:
        self._driver_connections[id(driver_connection)] = driver_connection

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
            self._driver_connections = {}

    def _map_error(self, error: Exception, context: str) -> ConnectorError:
        original = getattr(error, "orig", None) or error
        lines = str(original).strip().splitlines()
        detail = redact(lines[0] if lines else type(original).__name__,
                        (self.credentials.get("password"), self.url.password))
        message = f"{context}: {detail}"
        lowered = detail.lower()
        if "timeout" in lowered or "timed out" in lowered or "canceling statement" in lowered:
            return RemoteTimeout(message)
        if "password authentication failed" in lowered or "access denied for user" in lowered \
                or ("role" in lowered and "does not exist" in lowered):
            return AuthenticationFailed(message)
        if "permission denied" in lowered or "insufficient privilege" in lowered:
            return PermissionDenied(message)
        if "does not exist" in lowered or "unknown database" in lowered or "unable to open database" in lowered:
            return ObjectNotFound(message)
        if isinstance(error, exc.OperationalError) or isinstance(error, exc.InterfaceError):
            return RemoteUnavailable(message)
        return ConnectorError(message)

    @contextmanager
    def _inspector(self) -> Iterator[tuple[sa.Connection, Inspector]]:
        engine = self.engine
        # A server-side statement timeout never arrives over a network that went silent, and a driver without a read
        # timeout of its own would wait forever, in a query or in the pool's pre-ping.
        with read_deadline(self.timeout + READ_DEADLINE_GRACE_SECONDS, self._driver_connections.values) as expired:
            try:
                with engine.connect() as connection:
                    yield connection, sa.inspect(connection)
                return
            except exc.SQLAlchemyError as error:
                if not expired.is_set():
                    raise self._map_error(error, "metadata read failed") from None
        self.close()  # every kept session went through the silent network: none is reused
        raise RemoteTimeout(f"metadata read failed: no answer within {self.timeout + READ_DEADLINE_GRACE_SECONDS:g} s "
                            "(the network went silent)")

    def _is_excluded(self, schema: str) -> bool:
        return schema in self.system_schemas or schema in self.internal_databases \
            or schema.startswith(("pg_temp_", "pg_toast_temp_"))

    def validate(self) -> list[ValidationResult]:
        return run_validation([
            (self.test_names.connect, self._test_connection),
            (self.test_names.access, self._test_database_access),
            (self.test_names.privileges, self._test_metadata_privileges),
        ])

    def _test_connection(self) -> None:
        with self._inspector() as (connection, _):
            connection.execute(sa.text("SELECT 1"))

    def _test_database_access(self) -> None:
        if not self.list_hierarchy().databases[self.database_label]:
            raise PermissionDenied("the credentials may not see any schema")

    def _test_metadata_privileges(self) -> str | Warned | None:
        with self._inspector() as (_, inspector):
            for schema in self.list_hierarchy().databases[self.database_label][:1]:
                inspector.get_table_names(schema=schema)
        if self._complete_listings:
            return None
        return Warned(f"the {self.url.get_backend_name()} dialect's listings show only what these credentials may "
                      "use, and this connector has no privilege check for it: a schema or table that disappears "
                      "is counted as not visible and never marked deleted")

    @property
    def _complete_listings(self) -> bool:
        return self.url.get_backend_name() in COMPLETE_LISTING_DIALECTS

    def list_hierarchy(self) -> RemoteHierarchy:
        with self._inspector() as (_, inspector):
            names = inspector.get_schema_names()
        return RemoteHierarchy(
            databases={self.database_label: tuple(n for n in names if not self._is_excluded(n))},
            incomplete_schemas={} if self._complete_listings else {self.database_label: frozenset()},
        )

    def read_schema(self, database: str, schema: str, tables: Collection[str] | None = None) -> SchemaSnapshot:
        if database != self.database_label:
            raise ObjectNotFound(f"database {database!r} is not this connection's ({self.database_label!r})")
        if self._is_excluded(schema):
            raise ObjectNotFound(f"{schema!r} is a system or internal schema and is not read")
        with self._inspector() as (connection, inspector):
            if schema not in inspector.get_schema_names():
                raise ObjectNotFound(f"schema {schema!r} does not exist")
            usable_query = SCHEMA_USABLE_QUERIES.get(self.url.get_backend_name())
            if usable_query and not connection.execute(sa.text(usable_query), {"schema": schema}).scalar():
                raise PermissionDenied(f"schema {schema!r} is not readable with these credentials")
            snapshot = self._read(inspector, database, schema, tables)
        return snapshot if self._complete_listings else replace(snapshot, complete=False)

    def _type_text(self, type_: sa.types.TypeEngine[Any]) -> str:
        """The type as the platform's dialect writes it in DDL."""
        return _type_text_for(type_, self.engine.dialect)

    def _read(self, inspector: Inspector, database: str, schema: str,
              tables: Collection[str] | None) -> SchemaSnapshot:
        table_names = set(inspector.get_table_names(schema=schema))
        view_names = set(inspector.get_view_names(schema=schema))
        wanted = None if tables is None else set(tables)
        names = [n for n in sorted(table_names | view_names) if wanted is None or n in wanted]
        if not names:
            return SchemaSnapshot(database=database, schema=schema, tables=())
        filter_names = names if wanted is not None else None
        columns = inspector.get_multi_columns(schema=schema, filter_names=filter_names, kind=ObjectKind.ANY)
        comments: dict[Any, Any]
        try:
            comments = inspector.get_multi_table_comment(schema=schema, filter_names=filter_names,
                                                         kind=ObjectKind.ANY)
        except NotImplementedError:
            comments = {}
        result = []
        for name in names:
            key = (schema, name) if (schema, name) in columns else (None, name)
            result.append(RemoteTable(
                name=name,
                kind="view" if name in view_names and name not in table_names else "table",
                remote_kind="VIEW" if name in view_names and name not in table_names else "TABLE",
                columns=tuple(
                    RemoteColumn(name=c["name"], ordinal=i, data_type=self._type_text(c["type"]),
                                 nullable=bool(c.get("nullable", True)), comment=c.get("comment") or None)
                    for i, c in enumerate(columns.get(key, ()), start=1)
                ),
                comment=(comments.get(key) or {}).get("text") or None,
            ))
        return SchemaSnapshot(database=database, schema=schema, tables=tuple(result))


def _type_text_for(type_: sa.types.TypeEngine[Any], dialect: sa.Dialect) -> str:
    try:
        return type_.compile(dialect=dialect)
    except exc.CompileError:
        return type(type_).__name__.upper()

