"""The PostgreSQL connector against the real local server: catalog reads, odd names, privileges, failures."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql

from connectors import (
    AuthenticationFailed,
    ConfigurationError,
    ObjectNotFound,
    PermissionDenied,
    RemoteTimeout,
    RemoteUnavailable,
    create_connector,
)
from connectors.postgresql import PostgresConnector
from domain.snapshot import RemoteColumn, RemoteTable
from tests.conftest import create_database, drop_database
from tests.support.pg_source import change_tables, create_wide_schema, drop_schema

PASSWORD = "Zx9-s3cr3t-Pa55word"

CONNECT, ACCESS, PRIVILEGES = ("Initial validation: basic connection test", "Initial validation: database access test",
                               "Initial validation: metadata privileges test")


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def connector_for(url: str, **config: object) -> PostgresConnector:
    parts = urlsplit(url)
    base = {"hostname": parts.hostname, "port": parts.port or 5432, "database": database_name(url)}
    credentials = {"authenticationType": "userPassword", "username": parts.username or "postgres",
                   "password": PASSWORD}
    if "username" in config:
        credentials["username"] = str(config.pop("username"))
    timeout = float(config.pop("timeout", 10.0))  # type: ignore[arg-type]
    internal = tuple(config.pop("internal_databases", ()))  # type: ignore[arg-type]
    return PostgresConnector({**base, **config}, credentials, timeout=timeout, internal_databases=internal)


def run(url: str, *statements: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)  # type: ignore[arg-type]


def by_name(tables: tuple[RemoteTable, ...]) -> dict[str, RemoteTable]:
    return {t.name: t for t in tables}


@pytest.fixture
def role(source_db: str) -> Iterator[str]:
    """A login role of the test's own (local auth is trust), dropped with its grants in source_db afterwards."""
    name = f"os_reader_{uuid.uuid4().hex[:8]}"
    admin = os.environ.get("TEST_ADMIN_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    run(admin, f'CREATE ROLE "{name}" LOGIN PASSWORD \'{PASSWORD}\'')
    yield name
    run(source_db, f'DROP OWNED BY "{name}"')
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = {}").format(
            sql.Literal(name)))
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


# -- reading a schema ------------------------------------------------------------------------------------


def test_reads_tables_views_and_columns_with_types_comments_and_nullability(source_db: str) -> None:
    run(source_db,
        "CREATE SCHEMA app",
        "CREATE TYPE app.mood AS ENUM ('happy', 'sad')",
        "CREATE TABLE app.customers (id integer PRIMARY KEY, name varchar(20) NOT NULL, balance numeric(10,2),"
        " tags text[], mood app.mood, scores integer[])",
        "CREATE TABLE app.orders (id bigint NOT NULL, customer_id integer REFERENCES app.customers(id))",
        "COMMENT ON TABLE app.customers IS 'People who buy'",
        "COMMENT ON COLUMN app.customers.balance IS 'Open amount, EUR'",
        "CREATE VIEW app.rich AS SELECT id, balance FROM app.customers WHERE balance > 1000",
        "CREATE MATERIALIZED VIEW app.order_counts AS SELECT customer_id, count(*) AS n FROM app.orders GROUP BY 1",
        "CREATE TABLE app.events (id integer, at date NOT NULL) PARTITION BY RANGE (at)",
        "CREATE TABLE app.events_2024 PARTITION OF app.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
        "CREATE TABLE app.events_2025 PARTITION OF app.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
        "ALTER TABLE app.orders ADD COLUMN gone integer, ADD COLUMN note text",
        "ALTER TABLE app.orders DROP COLUMN gone")

    with connector_for(source_db) as connector:
        snapshot = connector.read_schema(database_name(source_db), "app")

    assert (snapshot.database, snapshot.schema) == (database_name(source_db), "app")
    tables = by_name(snapshot.tables)
    assert sorted(tables) == ["customers", "events", "order_counts", "orders", "rich"]  # partitions left out
    with psycopg.connect(source_db) as conn:
        oid = conn.execute("SELECT 'app.customers'::regclass::oid::text").fetchone()[0]
    assert tables["customers"] == RemoteTable(
        name="customers", kind="table", remote_kind="BASE TABLE", comment="People who buy", owner="postgres",
        remote_id=oid, columns=(
            RemoteColumn("id", 1, "integer", False, None),
            RemoteColumn("name", 2, "character varying(20)", False, None),
            RemoteColumn("balance", 3, "numeric(10,2)", True, "Open amount, EUR"),
            RemoteColumn("tags", 4, "text[]", True, None),
            RemoteColumn("mood", 5, "app.mood", True, None),
            RemoteColumn("scores", 6, "integer[]", True, None),
        ),
    )
    # A dropped column leaves a gap: ordinals are the platform's attnum.
    assert tables["orders"].columns == (
        RemoteColumn("id", 1, "bigint", False), RemoteColumn("customer_id", 2, "integer", True),
        RemoteColumn("note", 4, "text", True),
    )
    assert (tables["rich"].kind, tables["rich"].remote_kind) == ("view", "VIEW")
    assert [c.name for c in tables["rich"].columns] == ["id", "balance"]
    assert (tables["order_counts"].kind, tables["order_counts"].remote_kind) == ("view", "MATERIALIZED VIEW")
    assert (tables["events"].kind, tables["events"].remote_kind) == ("table", "PARTITIONED TABLE")
    assert tables["events"].columns == (RemoteColumn("id", 1, "integer"), RemoteColumn("at", 2, "date", False))


def test_zero_column_table_is_still_a_table(source_db: str) -> None:
    run(source_db, "CREATE SCHEMA s", "CREATE TABLE s.empty ()", "CREATE TABLE s.dropped_all (x int)",
        "ALTER TABLE s.dropped_all DROP COLUMN x")
    with connector_for(source_db) as connector:
        tables = by_name(connector.read_schema(database_name(source_db), "s").tables)
    assert tables["empty"].columns == () and tables["empty"].kind == "table"
    assert tables["dropped_all"].columns == ()


def test_empty_schema_reads_as_empty(source_db: str) -> None:
    run(source_db, "CREATE SCHEMA nothing_here")
    with connector_for(source_db) as connector:
        assert connector.read_schema(database_name(source_db), "nothing_here").tables == ()


ODD_SCHEMA = 'Odd "Schema"; DROP SCHEMA public; --'
ODD_TABLES = [
    "MixedCase",
    'with "quotes"',
    "with space",
    "semi;colon'); DROP TABLE x; --",
    "ünïcødé 表",
    "a" * 63,
    "é" * 31 + "x",  # 63 bytes in UTF-8
]


def test_odd_identifiers_round_trip_exactly(source_db: str) -> None:
    with psycopg.connect(source_db, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(ODD_SCHEMA)))
        for name in ODD_TABLES:
            conn.execute(sql.SQL("CREATE TABLE {} ({} int, {} text)").format(
                sql.Identifier(ODD_SCHEMA, name), sql.Identifier(name), sql.Identifier("Col " + name[:20])))

    with connector_for(source_db) as connector:
        snapshot = connector.read_schema(database_name(source_db), ODD_SCHEMA)
        hierarchy = connector.list_hierarchy()
        narrowed = connector.read_schema(database_name(source_db), ODD_SCHEMA, tables=ODD_TABLES[1:4])

    assert sorted(t.name for t in snapshot.tables) == sorted(ODD_TABLES)
    for table in snapshot.tables:
        assert [c.name for c in table.columns] == [table.name, "Col " + table.name[:20]]
    assert ODD_SCHEMA in hierarchy.databases[database_name(source_db)]
    assert sorted(t.name for t in narrowed.tables) == sorted(ODD_TABLES[1:4])
    with psycopg.connect(source_db) as conn:  # the "injections" were data, not SQL
        assert conn.execute("SELECT count(*) FROM pg_namespace WHERE nspname = 'public'").fetchone() == (1,)


def test_tables_filter_narrows_the_read(source_db: str) -> None:
    run(source_db, "CREATE SCHEMA s", "CREATE TABLE s.a (x int)", "CREATE TABLE s.b (y int)",
        "CREATE VIEW s.v AS SELECT x FROM s.a", "CREATE TABLE s.p (d date) PARTITION BY RANGE (d)",
        "CREATE TABLE s.p1 PARTITION OF s.p FOR VALUES FROM ('2020-01-01') TO ('2021-01-01')")
    database = database_name(source_db)
    with connector_for(source_db) as connector:
        assert [t.name for t in connector.read_schema(database, "s", tables=["a", "v", "missing"]).tables] == [
            "a", "v"]
        assert connector.read_schema(database, "s", tables=["p1"]).tables == ()  # a partition is never a table
        assert connector.read_schema(database, "s", tables=[]).tables == ()
        assert connector.read_schema(database, "s", tables={"b"}).tables[0].name == "b"
        assert [t.name for t in connector.read_schema(database, "s", tables="b").tables] == ["b"]


def test_missing_schema_and_database_are_not_found(source_db: str) -> None:
    database = database_name(source_db)
    with connector_for(source_db) as connector:
        with pytest.raises(ObjectNotFound, match="no_such_schema"):
            connector.read_schema(database, "no_such_schema")
        with pytest.raises(ObjectNotFound, match="no_such_db_"):
            connector.read_schema("no_such_db_" + uuid.uuid4().hex[:6], "public")


def test_schema_without_usage_is_permission_denied_never_empty(source_db: str, role: str) -> None:
    run(source_db, "CREATE SCHEMA hidden", "CREATE TABLE hidden.t (x int)", "CREATE SCHEMA visible",
        "CREATE TABLE visible.t (x int)", f'GRANT USAGE ON SCHEMA visible TO "{role}"')
    database = database_name(source_db)
    with connector_for(source_db, username=role) as connector:
        with pytest.raises(PermissionDenied, match="USAGE") as raised:
            connector.read_schema(database, "hidden")
        assert [t.name for t in connector.read_schema(database, "visible").tables] == ["t"]
        assert {"hidden", "visible"} <= set(connector.list_hierarchy().databases[database])
    assert PASSWORD not in str(raised.value)


# -- failures ---------------------------------------------------------------------------------------------


def assert_password_free(error: BaseException) -> None:
    assert PASSWORD not in str(error) and PASSWORD not in repr(error)
    assert error.__cause__ is None and error.__context__ is None  # the driver error holds the password


def test_unknown_role_is_authentication_failed(source_db: str) -> None:
    connector = connector_for(source_db, username="no_such_role_" + uuid.uuid4().hex[:6])
    with pytest.raises(AuthenticationFailed) as raised:
        connector.read_schema(database_name(source_db), "public")
    assert not raised.value.transient
    assert_password_free(raised.value)


def test_role_that_may_not_log_in_is_authentication_failed(source_db: str, role: str) -> None:
    run(source_db, f'ALTER ROLE "{role}" NOLOGIN')
    connector = connector_for(source_db, username=role)
    with pytest.raises(AuthenticationFailed, match="not permitted to log in") as raised:
        connector.list_hierarchy()
    assert_password_free(raised.value)
    assert [r.status for r in connector.validate()] == ["failed", "skipped", "skipped"]


def test_ssl_required_by_config_but_not_offered_is_a_configuration_error(source_db: str) -> None:
    with psycopg.connect(source_db) as conn:
        if conn.execute("SHOW ssl").fetchone() != ("off",):
            pytest.skip("the local server offers TLS")
    with pytest.raises(ConfigurationError, match="sslmode 'require'"):
        connector_for(source_db, sslmode="require").read_schema(database_name(source_db), "public")


def test_closed_port_is_unavailable_quickly() -> None:
    connector = PostgresConnector({"hostname": "127.0.0.1", "port": 1, "database": "postgres"},
                                  {"username": "postgres", "password": PASSWORD})
    started = time.monotonic()
    with pytest.raises(RemoteUnavailable) as raised:
        connector.list_hierarchy()
    assert time.monotonic() - started < 2
    assert raised.value.transient
    assert "127.0.0.1:1" in str(raised.value)
    assert_password_free(raised.value)
    assert PASSWORD not in repr(connector.settings)


def test_unknown_host_is_unavailable() -> None:
    connector = PostgresConnector({"hostname": "no-such-host.invalid", "database": "postgres"},
                                  {"username": "postgres", "password": PASSWORD})
    with pytest.raises(RemoteUnavailable) as raised:
        connector.read_schema("postgres", "public")
    assert_password_free(raised.value)


def test_statement_timeout_is_remote_timeout_and_the_session_recovers(source_db: str) -> None:
    run(source_db, "CREATE SCHEMA s", "CREATE TABLE s.t (x int)")
    database = database_name(source_db)
    with connector_for(source_db, timeout=0.5) as connector:
        connector.read_schema(database, "s")  # session open before the catalog gets locked
        with psycopg.connect(source_db) as locker:
            locker.execute("LOCK TABLE pg_catalog.pg_namespace IN ACCESS EXCLUSIVE MODE")
            started = time.monotonic()
            with pytest.raises(RemoteTimeout) as raised:
                connector.read_schema(database, "s")
            assert time.monotonic() - started < 3
            locker.rollback()
        assert raised.value.transient
        assert [t.name for t in connector.read_schema(database, "s").tables] == ["t"]


def test_a_read_of_more_tables_than_a_stream_chunk_holds_is_whole_and_in_order(source_db: str) -> None:
    from connectors.postgresql import STREAM_CHUNK_ROWS

    count = 2 * STREAM_CHUNK_ROWS + 7
    run(source_db, "CREATE SCHEMA s", *(f"CREATE TABLE s.t{i:04d} (id int, c{i} text NOT NULL)" for i in range(count)))
    with connector_for(source_db) as connector:
        tables = connector.read_schema(database_name(source_db), "s").tables
    assert [t.name for t in tables] == [f"t{i:04d}" for i in range(count)]
    assert all([(c.name, c.nullable) for c in t.columns] == [("id", True), (f"c{int(t.name[1:])}", False)]
               for t in tables)


def test_a_streamed_read_that_times_out_is_remote_timeout_and_the_session_recovers(source_db: str) -> None:
    run(source_db, "CREATE SCHEMA s", "CREATE TABLE s.t (x int)")
    database = database_name(source_db)
    with connector_for(source_db, timeout=0.5) as connector:
        connector.read_schema(database, "s")
        with psycopg.connect(source_db) as locker:  # the schema is found; its columns cannot be read
            locker.execute("LOCK TABLE pg_catalog.pg_attribute IN ACCESS EXCLUSIVE MODE")
            with pytest.raises(RemoteTimeout):
                connector.read_schema(database, "s")
            locker.rollback()
        assert [t.name for t in connector.read_schema(database, "s").tables] == ["t"]


def test_one_session_per_database_kept_and_replaced_when_dropped(source_db: str) -> None:
    run(source_db, "CREATE SCHEMA s", "CREATE TABLE s.t (x int)")
    database = database_name(source_db)

    def sessions() -> list[int]:
        with psycopg.connect(source_db, autocommit=True) as conn:
            return [r[0] for r in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND application_name = 'objectsync'",
                (database,))]

    connector = connector_for(source_db)
    for _ in range(3):
        connector.read_schema(database, "s")
    connector.list_hierarchy()
    assert len(sessions()) == 1
    run(source_db, f"SELECT pg_terminate_backend({sessions()[0]})")
    assert [t.name for t in connector.read_schema(database, "s").tables] == ["t"]
    assert len(sessions()) == 1
    connector.close()
    deadline = time.monotonic() + 5
    while sessions() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sessions() == []


@pytest.mark.parametrize(
    ("config", "credentials", "message"),
    [
        ({"port": 5432, "database": "d"}, {"username": "u"}, "hostname"),
        ({"hostname": "h"}, {"username": "u"}, "database"),
        ({"hostname": "h", "database": "d"}, {}, "username"),
        ({"hostname": "h", "database": "d", "port": "abc"}, {"username": "u"}, "port"),
        ({"hostname": "h", "database": "d", "port": 70000}, {"username": "u"}, "port"),
        ({"hostname": "h", "database": "d", "sslmode": "sometimes"}, {"username": "u"}, "sslmode"),
        ({"hostname": "h", "database": "d", "databases": "d"}, {"username": "u"}, "databases"),
        ({"hostname": "h", "database": "d", "includeAllDatabases": "yes"}, {"username": "u"}, "includeAllDatabases"),
        ({"hostname": "h", "database": "d"}, {"authenticationType": "oauth", "username": "u"}, "authenticationType"),
    ],
)
def test_bad_configuration_is_a_clear_configuration_error(config: dict, credentials: dict, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        create_connector("postgresql", config, credentials)


def test_unix_socket_directory_as_hostname(source_db: str) -> None:
    socket_dir = "/var/run/postgresql"
    if not os.path.exists(f"{socket_dir}/.s.PGSQL.5432"):
        pytest.skip("no local PostgreSQL socket")
    run(source_db, "CREATE SCHEMA s", "CREATE TABLE s.t (x int)")
    with PostgresConnector({"hostname": socket_dir, "database": database_name(source_db)},
                           {"username": "postgres"}) as connector:
        assert [t.name for t in connector.read_schema(database_name(source_db), "s").tables] == ["t"]


# -- validation -------------------------------------------------------------------------------------------


def statuses(connector: PostgresConnector) -> list[tuple[str, str]]:
    return [(r.name, r.status) for r in connector.validate()]


def test_validate_good_configuration(source_db: str) -> None:
    with connector_for(source_db) as connector:
        results = connector.validate()
    assert [(r.name, r.status) for r in results] == [
        (CONNECT, "passed"), (ACCESS, "passed"), (PRIVILEGES, "passed")]


def test_validate_reports_failures_and_skips_later_tests(source_db: str, role: str) -> None:
    unreachable = PostgresConnector({"hostname": "127.0.0.1", "port": 1, "database": "postgres"},
                                    {"username": "postgres", "password": PASSWORD})
    results = unreachable.validate()
    assert [(r.name, r.status) for r in results] == [
        (CONNECT, "failed"), (ACCESS, "skipped"), (PRIVILEGES, "skipped")]
    assert all(PASSWORD not in (r.message or "") for r in results)

    missing_db = connector_for(source_db, database="no_such_db_" + uuid.uuid4().hex[:6])
    assert statuses(missing_db) == [
        (CONNECT, "passed"), (ACCESS, "failed"), (PRIVILEGES, "skipped")]

    bad_role = connector_for(source_db, username="no_such_role_" + uuid.uuid4().hex[:6])
    assert statuses(bad_role)[0] == (CONNECT, "failed")

    run(source_db, "REVOKE ALL ON SCHEMA public FROM PUBLIC")
    no_usage = connector_for(source_db, username=role)
    results = no_usage.validate()
    no_usage.close()
    assert [(r.name, r.status) for r in results] == [
        (CONNECT, "passed"), (ACCESS, "passed"), (PRIVILEGES, "failed")]
    assert "USAGE" in (results[2].message or "")


# -- hierarchy --------------------------------------------------------------------------------------------


@pytest.fixture
def second_db() -> Iterator[str]:
    name = f"objectsync_src2_{uuid.uuid4().hex[:10]}"
    url = create_database(name)
    yield url
    drop_database(name)


def test_list_hierarchy_scopes_databases_and_hides_system_schemas(source_db: str, second_db: str) -> None:
    first, second = database_name(source_db), database_name(second_db)
    run(source_db, "CREATE SCHEMA sales", "CREATE SCHEMA \"Mixed Case\"")
    run(second_db, "CREATE SCHEMA hr")
    with psycopg.connect(source_db) as temp_session:  # brings pg_temp_N / pg_toast_temp_N into existence
        temp_session.execute("CREATE TEMP TABLE scratch (x text)")

        with connector_for(source_db) as only_entry:
            assert only_entry.list_hierarchy().databases == {first: ("Mixed Case", "public", "sales")}

        with connector_for(source_db, includeAllDatabases=True, databases=[first, second, "template1"]) as both:
            hierarchy = both.list_hierarchy()
        assert hierarchy.databases == {first: ("Mixed Case", "public", "sales"), second: ("hr", "public")}
        assert hierarchy.failed_databases == {}

        with connector_for(source_db, includeAllDatabases=True) as everything:
            all_databases = everything.list_hierarchy().databases
        assert {first, second} <= set(all_databases)
        assert not {"template0", "template1"} & set(all_databases)
        for schemas in all_databases.values():
            assert not [s for s in schemas if s.startswith("pg_") or s == "information_schema"]


def test_internal_databases_are_never_listed(source_db: str, second_db: str) -> None:
    with connector_for(source_db, databases=[database_name(source_db), database_name(second_db)],
                       internal_databases=(database_name(second_db),)) as connector:
        assert set(connector.list_hierarchy().databases) == {database_name(source_db)}


def test_database_that_cannot_be_listed_is_reported_apart(source_db: str, second_db: str, role: str) -> None:
    first, second = database_name(source_db), database_name(second_db)
    run(second_db, f'REVOKE CONNECT ON DATABASE "{second}" FROM PUBLIC')
    with connector_for(source_db, username=role, includeAllDatabases=True, databases=[first, second]) as connector:
        hierarchy = connector.list_hierarchy()
    assert hierarchy.databases == {first: ("public",)}
    assert set(hierarchy.failed_databases) == {second}
    assert "permission denied" in hierarchy.failed_databases[second]
    assert PASSWORD not in hierarchy.failed_databases[second]


def test_database_not_accepting_connections_is_reported_not_dropped(source_db: str, second_db: str) -> None:
    first, second = database_name(source_db), database_name(second_db)
    run(source_db, f'ALTER DATABASE "{second}" ALLOW_CONNECTIONS false')
    try:
        with connector_for(source_db, databases=[first, second]) as connector:
            hierarchy = connector.list_hierarchy()
        assert hierarchy.databases == {first: ("public",)} and hierarchy.complete
        assert "ALLOW_CONNECTIONS false" in hierarchy.failed_databases[second]
    finally:
        run(source_db, f'ALTER DATABASE "{second}" ALLOW_CONNECTIONS true')


# -- benchmark source generator ---------------------------------------------------------------------------


def test_wide_schema_generator_and_changes(source_db: str) -> None:
    database = database_name(source_db)
    create_wide_schema(source_db, "wide", tables=12, columns=7)
    with connector_for(source_db) as connector:
        before = by_name(connector.read_schema(database, "wide").tables)
        assert len(before) == 12 and {len(t.columns) for t in before.values()} == {7}
        assert before["t00001"].columns[0] == RemoteColumn("c001", 1, "integer", False)
        assert len({c.data_type for c in before["t00001"].columns}) == 7

        assert change_tables(source_db, "wide", 0.25, seed=3) == 3
        after = by_name(connector.read_schema(database, "wide").tables)
        assert sum(after[n].fingerprint != before[n].fingerprint for n in before) == 3

        assert change_tables(source_db, "wide", 0.25, seed=3) == 3  # the same tables change again
        again = by_name(connector.read_schema(database, "wide").tables)
        assert sum(again[n].fingerprint != after[n].fingerprint for n in after) == 3

        drop_schema(source_db, "wide")
        with pytest.raises(ObjectNotFound):
            connector.read_schema(database, "wide")


def test_wide_schema_with_unique_column_names(source_db: str) -> None:
    create_wide_schema(source_db, "Wide Unique", tables=3, columns=2, unique_column_names=True)
    with connector_for(source_db) as connector:
        tables = by_name(connector.read_schema(database_name(source_db), "Wide Unique").tables)
    assert [c.name for c in tables["t00002"].columns] == ["t00002_c001", "t00002_c002"]


def test_table_names_of_several_schemas_in_one_listing(source_db: str, role: str) -> None:
    """For batch planning: one pass over pg_class whatever the number of schemas; a schema missing or not to be
    looked into is left out (and read as one, where its read says why)."""
    run(source_db, "CREATE SCHEMA a", "CREATE SCHEMA b", "CREATE SCHEMA closed", "CREATE SCHEMA \"Odd.Name\"",
        "CREATE TABLE a.t1 (id int)", "CREATE VIEW a.v1 AS SELECT 1 AS one", "CREATE TABLE b.t2 (id int)",
        "CREATE TABLE b.p (id int, at date) PARTITION BY RANGE (at)",
        "CREATE TABLE b.p_2024 PARTITION OF b.p FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
        "CREATE TABLE closed.secret (id int)", "CREATE TABLE \"Odd.Name\".\"T 1\" (id int)",
        f'GRANT USAGE ON SCHEMA a, b, "Odd.Name" TO "{role}"')
    with connector_for(source_db, username=role) as connector:
        listed = connector.list_table_names(database_name(source_db), ["a", "b", "closed", "Odd.Name", "nowhere"])
    assert {schema: sorted(names) for schema, names in (listed or {}).items()} == {
        "a": ["t1", "v1"], "b": ["p", "t2"], "Odd.Name": ["T 1"]}  # partitions belong to their parent


# -- change tokens ------------------------------------------------------------------------------------------


def test_change_token_moves_with_every_column_change_and_only_then(source_db: str) -> None:
    database = database_name(source_db)
    run(source_db, "CREATE SCHEMA tok", "CREATE TABLE tok.a (id integer, name text)",
        "CREATE TABLE tok.b (id integer)", "CREATE TABLE tok.c (id integer)", "CREATE TABLE tok.d (id integer)",
        "CREATE TABLE tok.e (id integer)", "CREATE TABLE tok.f (id integer)")
    with connector_for(source_db) as connector:
        first = connector.read_schema(database, "tok")
        tokens = {t.name: t.change_token for t in first.tables}
        assert all(tokens.values()) and len(set(tokens.values())) == 2  # equal columns, equal token

        unchanged = connector.read_schema_changes(database, "tok", tokens)
        assert [t.name for t in unchanged.tables] == list(tokens)
        assert all(t.columns_unread and t.columns == () for t in unchanged.tables)
        assert {t.name: t.change_token for t in unchanged.tables} == tokens

        run(source_db, "ALTER TABLE tok.a ADD COLUMN extra date", "COMMENT ON COLUMN tok.b.id IS 'the key'",
            "ALTER TABLE tok.c ALTER COLUMN id TYPE bigint", "ALTER TABLE tok.d ALTER COLUMN id SET NOT NULL",
            "ALTER TABLE tok.e RENAME COLUMN id TO key", "DROP TABLE tok.f", "CREATE TABLE tok.g (id integer)",
            "COMMENT ON TABLE tok.a IS 'table comments travel without the token'")
        changed = by_name(connector.read_schema_changes(database, "tok", tokens).tables)
        assert set(changed) == {"a", "b", "c", "d", "e", "g"}  # f is gone: the listing stays complete
        assert not any(t.columns_unread for t in changed.values())
        assert changed == by_name(connector.read_schema(database, "tok").tables)
        assert changed["a"].comment == "table comments travel without the token"

        moved = {t.name: t.change_token for t in changed.values()}
        assert all(moved[n] != tokens[n] for n in "abcde")
        assert connector.read_schema_changes(database, "tok", {}).tables == connector.read_schema(
            database, "tok").tables  # nothing known: everything read


def test_change_token_covers_typmods_swapped_names_and_tables_without_columns(source_db: str) -> None:
    database = database_name(source_db)
    run(source_db, "CREATE SCHEMA tok2", "CREATE TABLE tok2.v (code varchar(10))",
        "CREATE TABLE tok2.s (a integer, b integer)", "CREATE TABLE tok2.empty ()", "CREATE TABLE tok2.void ()")
    with connector_for(source_db) as connector:
        tokens = {t.name: t.change_token for t in connector.read_schema(database, "tok2").tables}
        assert tokens["empty"] == tokens["void"] and tokens["empty"]  # no columns: a token all the same
        run(source_db, "ALTER TABLE tok2.v ALTER COLUMN code TYPE varchar(20)",
            "ALTER TABLE tok2.s RENAME COLUMN a TO tmp", "ALTER TABLE tok2.s RENAME COLUMN b TO a",
            "ALTER TABLE tok2.s RENAME COLUMN tmp TO b", "ALTER TABLE tok2.void ADD COLUMN x int")
        moved = {t.name: t.change_token for t in connector.read_schema_changes(database, "tok2", tokens).tables}
        assert {n for n in tokens if moved[n] != tokens[n]} == {"v", "s", "void"}
