"""MySQL/MariaDB connector against the local MariaDB: types, comments, exclusions, errors and permissions."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pymysql
import pytest

from connectors import create_connector
from connectors.errors import (
    AuthenticationFailed,
    ConfigurationError,
    ObjectNotFound,
    PermissionDenied,
    RemoteUnavailable,
)
from connectors.mysql import MAX_BOUND_TABLE_NAMES, MariaDBConnector, MySQLConnector, narrowed_query
from tests.conformance.double_mysql import HOST, PORT, admin_fixture, quote, run  # noqa: F401 - the admin fixture


@pytest.fixture
def schema(admin: pymysql.connections.Connection) -> Iterator[str]:
    name = f"objectsync_test_{uuid.uuid4().hex[:10]}"
    run(admin, f"CREATE DATABASE {quote(name)}")
    yield name
    run(admin, f"DROP DATABASE IF EXISTS {quote(name)}")


@pytest.fixture
def limited_user(admin: pymysql.connections.Connection) -> Iterator[tuple[str, str]]:
    """A user with no privilege at all (not even SHOW DATABASES)."""
    user, password = f"objectsync_u_{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE USER '{user}'@'%%' IDENTIFIED BY %s", (password,))
    yield user, password
    run(admin, f"DROP USER IF EXISTS '{user}'@'%'")


def root(internal_databases: tuple[str, ...] = (), **config: object) -> MySQLConnector:
    return MySQLConnector({"hostname": HOST, "port": PORT, **config}, {"username": "root", "password": ""}, timeout=5,
                          internal_databases=internal_databases)


def test_types_comments_and_nullability_come_from_the_catalog(admin: pymysql.connections.Connection,
                                                              schema: str) -> None:
    run(admin,
        f"CREATE TABLE {quote(schema)}.orders (id int NOT NULL COMMENT 'order key', total decimal(10,2), "
        f"paid boolean, note varchar(20), body text) COMMENT 'Customer orders'",
        f"CREATE VIEW {quote(schema)}.open_orders AS SELECT id FROM {quote(schema)}.orders")
    snapshot = root().read_schema("def", schema)
    tables = {t.name: t for t in snapshot.tables}
    orders = tables["orders"]
    assert (orders.kind, orders.remote_kind, orders.comment) == ("table", "BASE TABLE", "Customer orders")
    assert [(c.name, c.data_type, c.nullable, c.comment) for c in orders.columns] == [
        ("id", "int(11)", False, "order key"), ("total", "decimal(10,2)", True, None),
        ("paid", "tinyint(1)", True, None), ("note", "varchar(20)", True, None), ("body", "text", True, None),
    ]
    view = tables["open_orders"]
    assert (view.kind, view.remote_kind, view.comment, [c.name for c in view.columns]) == (
        "view", "VIEW", None, ["id"])


def test_hierarchy_is_one_labelled_database_without_system_or_internal_schemas(
        admin: pymysql.connections.Connection, schema: str) -> None:
    hierarchy = root(database="prod-mysql").list_hierarchy()
    assert list(hierarchy.databases) == ["prod-mysql"]
    schemas = set(hierarchy.databases["prod-mysql"])
    assert schema in schemas and not schemas & MySQLConnector.system_schemas
    assert schema not in root(internal_databases=(schema,)).list_hierarchy().databases["def"]
    with pytest.raises(ObjectNotFound):
        root(internal_databases=(schema,)).read_schema("def", schema)


def test_wrong_database_label_and_system_schema_are_not_found(schema: str) -> None:
    with pytest.raises(ObjectNotFound):
        root().read_schema("other", schema)
    with pytest.raises(ObjectNotFound):
        root().read_schema("def", "mysql")


def test_large_table_filter_is_applied_after_the_read(admin: pymysql.connections.Connection, schema: str) -> None:
    run(admin, f"CREATE TABLE {quote(schema)}.kept (id int)", f"CREATE TABLE {quote(schema)}.other (id int)")
    names = {"kept", *(f"absent_{i}" for i in range(MAX_BOUND_TABLE_NAMES))}
    sql, params = narrowed_query("SELECT 1 WHERE TABLE_SCHEMA = %s", schema, names)
    assert params == [schema] and "IN" not in sql
    assert [t.name for t in root().read_schema("def", schema, names).tables] == ["kept"]


def test_user_who_cannot_list_databases_gets_permission_denied_even_for_missing_schemas(
        limited_user: tuple[str, str], schema: str) -> None:
    user, password = limited_user
    connector = MySQLConnector({"hostname": HOST, "port": PORT}, {"username": user, "password": password})
    for name in (schema, f"objectsync_test_missing_{uuid.uuid4().hex[:6]}"):
        with pytest.raises(PermissionDenied):
            connector.read_schema("def", name)
    results = connector.validate()
    assert [r.status for r in results] == ["passed", "failed", "skipped"]


def test_wrong_password_fails_validation_without_leaking_it(limited_user: tuple[str, str]) -> None:
    user, _ = limited_user
    connector = MySQLConnector({"hostname": HOST, "port": PORT}, {"username": user, "password": "Wr0ng-secret"})
    results = connector.validate()
    assert [r.status for r in results] == ["failed", "skipped", "skipped"]
    assert "Wr0ng-secret" not in str(results)
    with pytest.raises(AuthenticationFailed):
        connector.list_hierarchy()


def test_unreachable_server_and_missing_hostname() -> None:
    with pytest.raises(RemoteUnavailable):
        MySQLConnector({"hostname": "127.0.0.1", "port": 1}, {"username": "x"}, timeout=2).list_hierarchy()
    with pytest.raises(ConfigurationError):
        MySQLConnector({}, {})


def test_mariadb_alias() -> None:
    connector = create_connector("mariadb", {"hostname": HOST}, {})
    assert isinstance(connector, MariaDBConnector) and connector.technology == "mariadb"
    assert isinstance(create_connector("mysql", {"hostname": HOST}, {}), MySQLConnector)


def test_session_is_reused_and_replaced_when_the_server_dropped_it(admin: pymysql.connections.Connection,
                                                                  schema: str) -> None:
    run(admin, f"CREATE TABLE {quote(schema)}.t (id int)")
    with root() as connector:
        connector.read_schema("def", schema)
        first = connector._session.thread_id()
        connector.read_schema("def", schema)
        assert connector._session.thread_id() == first
        run(admin, f"KILL {int(first)}")
        assert [t.name for t in connector.read_schema("def", schema).tables] == ["t"]
        assert connector._session.thread_id() != first
    assert connector._session is None


def test_change_tokens_are_server_side_checksums_of_the_columns(admin: pymysql.connections.Connection,
                                                                 schema: str) -> None:
    s = quote(schema)
    run(admin, f"CREATE TABLE {s}.a (id int, name text)", f"CREATE TABLE {s}.b (id int)",
        f"CREATE TABLE {s}.c (id int)", f"CREATE TABLE {s}.d (id int)")
    connector = root()
    first = connector.read_schema_changes("def", schema, {})
    tokens = {t.name: t.change_token for t in first.tables}
    assert all(tokens.values()) and not any(t.columns_unread for t in first.tables)
    assert first.tables == connector.read_schema("def", schema).tables

    same = connector.read_schema_changes("def", schema, tokens)
    assert all(t.columns_unread and t.columns == () for t in same.tables) and len(same.tables) == 4

    run(admin, f"ALTER TABLE {s}.a MODIFY name varchar(10)", f"ALTER TABLE {s}.b MODIFY id int COMMENT 'key'",
        f"ALTER TABLE {s}.c MODIFY id int NOT NULL", f"DROP TABLE {s}.d", f"CREATE TABLE {s}.e (id int)")
    changed = {t.name: t for t in connector.read_schema_changes("def", schema, tokens).tables}
    assert set(changed) == {"a", "b", "c", "e"} and not any(t.columns_unread for t in changed.values())
    assert changed == {t.name: t for t in connector.read_schema("def", schema).tables}
