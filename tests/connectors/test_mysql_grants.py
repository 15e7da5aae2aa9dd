"""Grant-filtered listings on MySQL/MariaDB: deciding completeness and confirmed drops from the reader's grants.

INFORMATION_SCHEMA.TABLES shows only tables the reader holds some privilege on. The pure parts run on rows
recorded from MariaDB 10.11; the rest against the local server with throwaway users, roles and schemas.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pymysql
import pytest

from connectors.mysql import (
    MySQLConnector,
    TableVisibility,
    confirmed_absent,
    grantee,
    literal_schema,
    schema_grant_matches,
    sees_all_schemas,
    sees_all_tables,
)
from tests.conformance.double_mysql import HOST, PORT, admin_fixture, grant_pattern, quote, run  # noqa: F401 - the admin fixture

# --- pure: recorded rows ----------------------------------------------------------------------------------------


def test_grantee_is_spelled_like_the_privilege_views() -> None:
    assert grantee("os_probe_u@%") == "'os_probe_u'@'%'"
    assert grantee("a@b@127.0.0.1") == "'a@b'@'127.0.0.1'"


@pytest.mark.parametrize(("pattern", "schema", "matches"), [
    ("shop", "shop", True),
    ("shop", "Shop", False),
    ("shop", "shop2", False),
    (r"os\_probe\_db", "os_probe_db", True),
    (r"os\_probe\_db", "osXprobe_db", False),
    ("os_probe_db", "osXprobeYdb", True),  # an unescaped _ is a wildcard
    (r"os\_probe%", "os_probe_db", True),
    (r"os\_probe%", "os_probe", True),
    (r"os\_probe%", "os-probe_db", False),
    (r"50\%", "50%", True),
    (r"50\%", "500", False),
    ("%", "anything", True),
    ("a.b", "aXb", False),  # regex metacharacters are literal
    ("line%", "line\nbreak", True),
])
def test_schema_grant_names_follow_mysql_wildcards(pattern: str, schema: str, matches: bool) -> None:
    assert schema_grant_matches(pattern, schema) is matches


def test_with_partial_revokes_grant_names_are_literal() -> None:
    assert schema_grant_matches("shop", "shop", wildcards=False)
    assert not schema_grant_matches("sho%", "shop", wildcards=False)
    assert not schema_grant_matches(r"os\_probe", "os_probe", wildcards=False)


@pytest.mark.parametrize(("global_privileges", "schema_grants", "partial_revokes", "complete"), [
    pytest.param(["USAGE"], [], False, False, id="table-grants-only"),
    pytest.param(["SELECT"], [], False, True, id="global-select"),
    pytest.param(["SHOW VIEW"], [], False, True, id="global-show-view"),
    pytest.param(["PROCESS", "SHOW DATABASES", "RELOAD"], [], False, False, id="global-non-table-privileges"),
    pytest.param(["SELECT"], [], True, False, id="global-select-with-partial-revokes"),
    pytest.param(["USAGE"], [(r"os\_probe\_db", "SELECT")], False, True, id="schema-grant"),
    pytest.param(["USAGE"], [(r"os\_probe%", "SELECT")], False, True, id="schema-wildcard-grant"),
    pytest.param(["USAGE"], [(r"os\_probe%", "SELECT")], True, False, id="wildcard-grant-with-partial-revokes"),
    pytest.param(["USAGE"], [("os_probe_db", "SELECT")], True, True, id="exact-grant-with-partial-revokes"),
    pytest.param(["USAGE"], [(r"os\_probe\_db", "EXECUTE")], False, False, id="schema-execute-only"),
    pytest.param(["USAGE"], [(r"os\_probe\_db", "CREATE ROUTINE"), (r"other", "SELECT")], False, False,
                 id="other-schema-grant"),
    pytest.param(["USAGE"], [(r"os\_probe\_db", "DELETE HISTORY")], False, True, id="mariadb-delete-history"),
])
def test_completeness_from_the_readers_own_privileges(global_privileges: list[str],
                                                      schema_grants: list[tuple[str, str]],
                                                      partial_revokes: bool, complete: bool) -> None:
    assert sees_all_tables("os_probe_db", global_privileges, schema_grants,
                           partial_revokes=partial_revokes) is complete


@pytest.mark.parametrize(("global_privileges", "partial_revokes", "complete"), [
    (["USAGE"], False, False),
    (["SHOW DATABASES"], False, True),
    (["SHOW DATABASES"], True, True),  # a global-only privilege: partial_revokes cannot take it back
    (["SELECT"], False, True),
    (["SELECT"], True, False),
    (["PROCESS", "RELOAD"], False, False),
])
def test_schema_listing_completeness(global_privileges: list[str], partial_revokes: bool, complete: bool) -> None:
    assert sees_all_schemas(global_privileges, partial_revokes=partial_revokes) is complete


@pytest.mark.parametrize(("pattern", "wildcards", "name"), [
    (r"os\_probe\_db", True, "os_probe_db"),
    ("os_probe_db", True, None),
    (r"os\_probe%", True, None),
    (r"50\%", True, "50%"),
    ("os_probe_db", False, "os_probe_db"),
])
def test_a_schema_grant_names_one_schema_only_without_wildcards(pattern: str, wildcards: bool,
                                                                name: str | None) -> None:
    assert literal_schema(pattern, wildcards=wildcards) == name


def test_confirmed_absent_is_granted_but_not_listed() -> None:
    granted = {"t1", "t3", "t4"}  # TABLE_PRIVILEGES and COLUMN_PRIVILEGES rows, recorded after DROP t3, t4
    assert confirmed_absent(granted, ["t1"]) == {"t3", "t4"}
    assert confirmed_absent(granted, ["t1", "t3", "t4"]) == frozenset()
    assert confirmed_absent(granted, ["t1"], tables={"t3", "t9"}) == {"t3"}, "a narrowed read confirms only its own"
    assert confirmed_absent(set(), ["t1"]) == frozenset()


def test_visibility_readings_before_and_after_the_listing_must_agree() -> None:
    granted = TableVisibility(False, frozenset({"t1", "t3"}))
    assert TableVisibility(True) & TableVisibility(True) == TableVisibility(True)
    assert (TableVisibility(True) & granted).complete is False
    assert (granted & TableVisibility(False, frozenset({"t1"}))).granted == {"t1"}, "a grant added meanwhile"


# --- the local MariaDB ---------------------------------------------------------------------------------------------


@pytest.fixture
def schema(admin: pymysql.connections.Connection) -> Iterator[str]:
    name = f"objectsync_grants_{uuid.uuid4().hex[:10]}"
    run(admin, f"CREATE DATABASE {quote(name)}",
        *(f"CREATE TABLE {quote(name)}.{t} (id int, note text)" for t in ("t1", "t2", "t3", "t4")))
    yield name
    run(admin, f"DROP DATABASE IF EXISTS {quote(name)}")


@pytest.fixture
def user(admin: pymysql.connections.Connection) -> Iterator[tuple[str, MySQLConnector]]:
    name, password = f"objectsync_g_{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE USER '{name}'@'%%' IDENTIFIED BY %s", (password,))
    connector = MySQLConnector({"hostname": HOST, "port": PORT}, {"username": name, "password": password},
                               timeout=5)
    yield f"'{name}'@'%'", connector
    connector.close()
    run(admin, f"DROP USER IF EXISTS '{name}'@'%'")


def names(snapshot: object) -> list[str]:
    return sorted(t.name for t in snapshot.tables)  # type: ignore[attr-defined]


def test_table_grants_make_an_incomplete_listing_that_confirms_dropped_tables(
        admin: pymysql.connections.Connection, schema: str, user: tuple[str, MySQLConnector]) -> None:
    account, connector = user
    s = quote(schema)
    run(admin, f"GRANT SELECT ON {s}.t1 TO {account}", f"GRANT SELECT ON {s}.t2 TO {account}",
        f"GRANT INSERT ON {s}.t3 TO {account}", f"GRANT SELECT (id) ON {s}.t4 TO {account}")
    snapshot = connector.read_schema("def", schema)
    assert (names(snapshot), snapshot.complete, snapshot.confirmed_absent) == (
        ["t1", "t2", "t3", "t4"], False, frozenset())

    run(admin, f"REVOKE SELECT ON {s}.t2 FROM {account}")
    snapshot = connector.read_schema("def", schema)  # the same session: a revoke applies to its next statement
    assert (names(snapshot), snapshot.complete, snapshot.confirmed_absent) == (["t1", "t3", "t4"], False, frozenset())

    # MariaDB keeps table and column grants after DROP TABLE: granted but not listed means dropped.
    run(admin, f"DROP TABLE {s}.t3", f"DROP TABLE {s}.t4")
    snapshot = connector.read_schema("def", schema)
    assert (names(snapshot), snapshot.complete, snapshot.confirmed_absent) == (["t1"], False, {"t3", "t4"})
    narrowed = connector.read_schema("def", schema, {"t2", "t3"})
    assert (names(narrowed), narrowed.confirmed_absent) == ([], {"t3"})

    run(admin, f"CREATE TABLE {s}.t3 (id int)")
    snapshot = connector.read_schema("def", schema)
    assert (names(snapshot), snapshot.confirmed_absent) == (["t1", "t3"], {"t4"}), "recreated: the grant applies"


@pytest.mark.parametrize("grant", ["SELECT ON {pattern}.*", "SHOW VIEW ON {prefix}.*", "SELECT ON *.*"])
def test_schema_or_global_grants_make_a_complete_listing(
        admin: pymysql.connections.Connection, schema: str, user: tuple[str, MySQLConnector], grant: str) -> None:
    account, connector = user
    prefix = quote(grant_pattern(schema).strip("`")[:-6] + "%")  # an escaped prefix, then a wildcard
    run(admin, f"GRANT {grant.format(pattern=grant_pattern(schema), prefix=prefix)} TO {account}")
    snapshot = connector.read_schema("def", schema)
    assert (names(snapshot), snapshot.complete, snapshot.confirmed_absent) == (
        ["t1", "t2", "t3", "t4"], True, frozenset())


def test_a_schema_grant_that_shows_no_table_keeps_the_listing_incomplete(
        admin: pymysql.connections.Connection, schema: str, user: tuple[str, MySQLConnector]) -> None:
    account, connector = user
    run(admin, f"GRANT EXECUTE ON {grant_pattern(schema)}.* TO {account}",
        f"GRANT SELECT ON {quote(schema)}.t1 TO {account}")
    snapshot = connector.read_schema("def", schema)
    assert (names(snapshot), snapshot.complete) == (["t1"], False)


def test_privileges_through_a_role_are_not_trusted(
        admin: pymysql.connections.Connection, schema: str, user: tuple[str, MySQLConnector]) -> None:
    """A role's schema grant shows every table, but the privilege views do not show it: stay conservative."""
    account, connector = user
    role = f"objectsync_r_{uuid.uuid4().hex[:8]}"
    run(admin, f"CREATE ROLE {role}")
    try:
        run(admin, f"GRANT SELECT ON {grant_pattern(schema)}.* TO {role}", f"GRANT {role} TO {account}",
            f"SET DEFAULT ROLE {role} FOR {account}", f"GRANT SELECT ON {quote(schema)}.t1 TO {account}")
        snapshot = connector.read_schema("def", schema)
        assert (names(snapshot), snapshot.complete, snapshot.confirmed_absent) == (
            ["t1", "t2", "t3", "t4"], False, frozenset())
        run(admin, f"DROP TABLE {quote(schema)}.t1", f"DROP TABLE {quote(schema)}.t2")
        snapshot = connector.read_schema("def", schema)
        assert (names(snapshot), snapshot.complete, snapshot.confirmed_absent) == (["t3", "t4"], False, {"t1"})
    finally:
        run(admin, f"DROP ROLE IF EXISTS {role}")


def test_root_sees_a_complete_listing(schema: str) -> None:
    snapshot = MySQLConnector({"hostname": HOST, "port": PORT}, {"username": "root", "password": ""}).read_schema(
        "def", schema)
    assert snapshot.complete and snapshot.confirmed_absent == frozenset()


def test_without_show_databases_a_revoked_schema_is_hidden_and_a_dropped_granted_one_confirmed(
        admin: pymysql.connections.Connection, schema: str, user: tuple[str, MySQLConnector]) -> None:
    account, connector = user
    other = f"objectsync_grants_{uuid.uuid4().hex[:10]}"
    run(admin, f"CREATE DATABASE {quote(other)}", f"GRANT SELECT ON {grant_pattern(schema)}.* TO {account}",
        f"GRANT SELECT ON {grant_pattern(other)}.* TO {account}")
    try:
        hierarchy = connector.list_hierarchy()
        assert set(hierarchy.databases["def"]) == {schema, other}
        assert hierarchy.incomplete_schemas == {"def": frozenset()}
        results = connector.validate()
        assert [r.status for r in results] == ["passed", "passed", "warning"]
        assert "SHOW DATABASES" in (results[2].message or "")

        run(admin, f"REVOKE SELECT ON {grant_pattern(schema)}.* FROM {account}")
        hierarchy = connector.list_hierarchy()
        assert hierarchy.databases["def"] == (other,)
        assert hierarchy.incomplete_schemas == {"def": frozenset()}, "hidden, not proven gone"

        run(admin, f"DROP DATABASE {quote(other)}")  # MariaDB keeps the schema grant: the drop is confirmed
        hierarchy = connector.list_hierarchy()
        assert hierarchy.databases["def"] == ()
        assert hierarchy.incomplete_schemas == {"def": frozenset({other})}
    finally:
        run(admin, f"DROP DATABASE IF EXISTS {quote(other)}")


def test_with_show_databases_the_schema_listing_is_complete(
        admin: pymysql.connections.Connection, schema: str, user: tuple[str, MySQLConnector]) -> None:
    account, connector = user
    run(admin, f"GRANT SHOW DATABASES ON *.* TO {account}", f"GRANT SELECT ON {grant_pattern(schema)}.* TO {account}")
    hierarchy = connector.list_hierarchy()
    assert schema in hierarchy.databases["def"] and hierarchy.incomplete_schemas == {}
    # SHOW DATABASES lists the server's other schemas too, where this user may read no table
    message = connector.validate()[2].message or ""
    assert "SHOW DATABASES" not in message and f"schema {schema!r}" not in message
