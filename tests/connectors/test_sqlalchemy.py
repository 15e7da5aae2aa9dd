"""Generic SQLAlchemy connector against a SQLite file, the local PostgreSQL (postgresql+psycopg) and MariaDB."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import psycopg
import pymysql
import pytest

from connectors import create_connector
from connectors.errors import AuthenticationFailed, ConfigurationError, ObjectNotFound, RemoteUnavailable
from connectors.sqlalchemy_generic import SqlAlchemyConnector
from domain.snapshot import RemoteColumn
from tests.conformance.double_mysql import (  # noqa: F401 - the admin fixture
    ADMIN_PASSWORD,
    ADMIN_USER,
    HOST,
    PORT,
    admin_fixture,
    quote,
    run,
)


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Path:
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as conn:
        conn.executescript('''
            CREATE TABLE "Order Lines" (id INTEGER NOT NULL, "Ünit ""Price""" NUMERIC(10, 2), note VARCHAR(20));
            CREATE TABLE customer (id INTEGER PRIMARY KEY, name TEXT);
            CREATE VIEW big_orders AS SELECT id FROM "Order Lines";
        ''')
    return path


def test_sqlite_file_is_read_in_bulk(sqlite_file: Path) -> None:
    connector = SqlAlchemyConnector({"url": f"sqlite:///{sqlite_file}"}, {})
    assert connector.list_hierarchy().databases == {"shop": ("main",)}
    tables = {t.name: t for t in connector.read_schema("shop", "main").tables}
    assert {name: t.kind for name, t in tables.items()} == {
        "Order Lines": "table", "customer": "table", "big_orders": "view"}
    assert tables["Order Lines"].columns == (
        RemoteColumn("id", 1, "INTEGER", False), RemoteColumn('Ünit "Price"', 2, "NUMERIC(10, 2)", True),
        RemoteColumn("note", 3, "VARCHAR(20)", True),
    )
    narrowed = connector.read_schema("shop", "main", {"customer", "absent"})
    assert [t.name for t in narrowed.tables] == ["customer"]
    assert [r.status for r in connector.validate()] == ["passed"] * 3
    connector.close()


def test_sqlite_label_and_missing_schema(sqlite_file: Path) -> None:
    connector = SqlAlchemyConnector({"url": f"sqlite:///{sqlite_file}", "database": "Shop DB"}, {})
    assert list(connector.list_hierarchy().databases) == ["Shop DB"]
    with pytest.raises(ObjectNotFound):
        connector.read_schema("Shop DB", "attached_nowhere")
    with pytest.raises(ObjectNotFound):
        connector.read_schema("shop", "main")


def test_postgresql_comments_and_credentials_from_the_connection(source_db: str) -> None:
    with psycopg.connect(source_db, autocommit=True) as conn:
        conn.execute('CREATE SCHEMA "Mixed Ü"')
        conn.execute('CREATE TABLE "Mixed Ü".t (id bigint NOT NULL, label varchar(30))')
        conn.execute("""COMMENT ON TABLE "Mixed Ü".t IS 'a table'""")
        conn.execute("""COMMENT ON COLUMN "Mixed Ü".t.label IS 'shown to users'""")
    database = source_db.rpartition("/")[2]
    connector = create_connector("sqlalchemy", {"url": f"postgresql+psycopg://127.0.0.1:5432/{database}"},
                                 {"username": "postgres"})
    assert connector.list_hierarchy().databases == {database: ("Mixed Ü", "public")}
    (table,) = connector.read_schema(database, "Mixed Ü").tables
    assert table.comment == "a table"
    assert [(c.name, c.data_type, c.nullable, c.comment) for c in table.columns] == [
        ("id", "BIGINT", False, None), ("label", "VARCHAR(30)", True, "shown to users")]
    assert connector.read_schema(database, "public").tables == ()
    with pytest.raises(ObjectNotFound):
        connector.read_schema(database, "pg_catalog")
    connector.close()


def test_unknown_role_and_unreachable_server_without_leaking_the_password(source_db: str) -> None:
    database = source_db.rpartition("/")[2]
    unknown = SqlAlchemyConnector({"url": f"postgresql+psycopg://127.0.0.1:5432/{database}"},
                                  {"username": "no_such_role_x", "password": "Sup3r-secret"}, timeout=3)
    with pytest.raises(AuthenticationFailed) as raised:
        unknown.list_hierarchy()
    assert "Sup3r-secret" not in raised.value.message
    results = unknown.validate()
    assert [r.status for r in results] == ["failed", "skipped", "skipped"]
    assert "Sup3r-secret" not in str(results)
    unreachable = SqlAlchemyConnector({"url": "postgresql+psycopg://u:Sup3r-secret@127.0.0.1:1/db"}, {}, timeout=2)
    with pytest.raises(RemoteUnavailable) as raised_unreachable:
        unreachable.list_hierarchy()
    assert "Sup3r-secret" not in raised_unreachable.value.message


@pytest.mark.parametrize("config", [{}, {"url": "not a url"}, {"url": "nosuchdialect://h/db"},
                                    {"url": "postgresql+psycopg://h"}])
def test_bad_urls_are_configuration_errors(config: dict[str, str]) -> None:
    with pytest.raises(ConfigurationError):
        SqlAlchemyConnector(config, {}).list_hierarchy()


def test_listings_of_other_dialects_are_incomplete_and_validation_says_why(
        admin: pymysql.connections.Connection) -> None:
    """MySQL's SHOW TABLES / information_schema hide what the reader holds no privilege on."""
    schema = f"objectsync_sa_{uuid.uuid4().hex[:8]}"
    run(admin, f"CREATE DATABASE {quote(schema)}", f"CREATE TABLE {quote(schema)}.t (id int)")
    try:
        connector = SqlAlchemyConnector({"url": f"mysql+pymysql://{ADMIN_USER}@{HOST}:{PORT}/{schema}"},
                                        {"password": ADMIN_PASSWORD})
        snapshot = connector.read_schema(schema, schema)
        assert ([t.name for t in snapshot.tables], snapshot.complete) == (["t"], False)
        assert connector.list_hierarchy().incomplete_schemas == {schema: frozenset()}
        results = connector.validate()
        assert [r.status for r in results] == ["passed", "passed", "warning"]
        assert "mysql dialect" in (results[2].message or "")
        connector.close()
    finally:
        run(admin, f"DROP DATABASE {quote(schema)}")


def test_sqlite_and_postgresql_listings_are_complete(sqlite_file: Path) -> None:
    connector = SqlAlchemyConnector({"url": f"sqlite:///{sqlite_file}"}, {})
    assert connector.read_schema(connector.database_label, "main").complete
    assert connector.list_hierarchy().incomplete_schemas == {}


def test_a_network_that_goes_silent_after_connect_ends_a_read_within_the_deadline(source_db: str) -> None:
    """Through a proxy that accepts and then passes nothing on, on the connector's kept session (the pool's
    pre-ping) and on a fresh one: each read fails within the timeout plus grace, as a timeout; once the network
    is back, the connector reads again."""
    import time

    from connectors.errors import RemoteTimeout
    from connectors.read_deadline import READ_DEADLINE_GRACE_SECONDS
    from tests.support.silent_proxy import silent_proxy

    with silent_proxy("127.0.0.1", 5432) as proxy:
        url = source_db.replace("postgresql://", "postgresql+psycopg://").replace("127.0.0.1:5432",
                                                                                   f"127.0.0.1:{proxy.port}")
        connector = SqlAlchemyConnector({"url": url}, {}, timeout=1)
        try:
            assert "public" in connector.list_hierarchy().databases[connector.database_label]  # a session is kept
            proxy.silence()
            for _ in range(2):  # the kept session, then the fresh one (its connect answers, nothing else does)
                started = time.monotonic()
                with pytest.raises(RemoteTimeout, match="network went silent|timeout|timed out"):
                    connector.read_schema(connector.database_label, "public")
                assert time.monotonic() - started < 1 + READ_DEADLINE_GRACE_SECONDS + 3
            proxy.resume()
            assert connector.read_schema(connector.database_label, "public").schema == "public"
        finally:
            connector.close()
