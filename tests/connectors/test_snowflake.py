"""The Snowflake connector through the real snowflake-connector-python, over HTTP, against the local double."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
import snowflake.connector
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from snowflake.connector.errors import ProgrammingError

import connectors.snowflake as snowflake_module
from connectors.errors import (
    AuthenticationFailed,
    ConfigurationError,
    ConnectorError,
    ObjectNotFound,
    PermissionDenied,
    RemoteTimeout,
    RemoteUnavailable,
)
from connectors.registry import connector_class
from connectors.snowflake import SnowflakeConnector, connect_arguments, map_error
from tests.support.doubles.snowflake_server import SnowflakeServer

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

PASSPHRASE = "correct horse battery staple"


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def server(key: rsa.RSAPrivateKey) -> Iterator[SnowflakeServer]:
    started = SnowflakeServer(public_key=key.public_key()).start()
    yield started
    started.stop()


def pem(key: rsa.RSAPrivateKey, passphrase: str | None = None) -> str:
    encryption = (
        serialization.BestAvailableEncryption(passphrase.encode()) if passphrase else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption).decode()


def connector(server: SnowflakeServer, credentials: dict[str, Any] | None = None,
              internal_databases: tuple[str, ...] = (), **config: Any) -> SnowflakeConnector:
    return SnowflakeConnector(
        server.connection_config(user="objectsync", **config),
        {"password": server.password} if credentials is None else credentials,
        timeout=5, internal_databases=internal_databases,
    )


def test_registered_by_name() -> None:
    assert connector_class("snowflake") is SnowflakeConnector


def test_reads_tables_views_types_comments_and_platform_casing(server: SnowflakeServer) -> None:
    server.execute("CREATE DATABASE ANALYTICS")
    server.create_schema("ANALYTICS", "Sales Ünï")
    server.execute(
        'CREATE TABLE ANALYTICS."Sales Ünï".orders_unquoted (id INT NOT NULL, "Mixed ""Case""" VARCHAR(20), '
        "amount NUMBER(10,2), paid BOOLEAN, placed DATE, body TEXT, ratio FLOAT, seen_at TIMESTAMP_NTZ) "
        "COMMENT = 'all orders'"
    )
    server.execute("COMMENT ON COLUMN ANALYTICS.\"Sales Ünï\".orders_unquoted.amount IS 'in EUR'")
    server.execute(
        'CREATE VIEW ANALYTICS."Sales Ünï"."paid view" AS SELECT id FROM ANALYTICS."Sales Ünï".orders_unquoted'
    )

    with connector(server) as c:
        snapshot = c.read_schema("ANALYTICS", "Sales Ünï")

    assert (snapshot.database, snapshot.schema) == ("ANALYTICS", "Sales Ünï")
    tables = {t.name: t for t in snapshot.tables}
    assert set(tables) == {"ORDERS_UNQUOTED", "paid view"}  # unquoted names upper-cased, quoted ones kept
    orders = tables["ORDERS_UNQUOTED"]
    assert (orders.kind, orders.remote_kind, orders.comment) == ("table", "BASE TABLE", "all orders")
    assert [(col.name, col.ordinal, col.data_type, col.nullable) for col in orders.columns] == [
        ("ID", 1, "NUMBER(38,0)", False),
        ('Mixed "Case"', 2, "VARCHAR(20)", True),
        ("AMOUNT", 3, "NUMBER(10,2)", True),
        ("PAID", 4, "BOOLEAN", True),
        ("PLACED", 5, "DATE", True),
        ("BODY", 6, "VARCHAR(16777216)", True),
        ("RATIO", 7, "FLOAT", True),
        ("SEEN_AT", 8, "TIMESTAMP_NTZ", True),
    ]
    assert {col.name: col.comment for col in orders.columns}["AMOUNT"] == "in EUR"
    view = tables["paid view"]
    assert (view.kind, view.remote_kind, [col.name for col in view.columns]) == ("view", "VIEW", ["ID"])


def test_tables_filter_narrows_the_one_query(server: SnowflakeServer) -> None:
    server.execute("CREATE DATABASE D")
    server.create_schema("D", "S")
    for name in ("A", "B", "it's"):
        server.execute(f'CREATE TABLE D.S."{name}" (x INT)')
    with connector(server) as c:
        assert [t.name for t in c.read_schema("D", "S", ["it's", "B", "gone"]).tables] == ["B", "it's"]
        assert c.read_schema("D", "S", []).tables == ()
        with pytest.raises(ObjectNotFound):
            c.read_schema("D", "nope", [])


def test_missing_schema_or_database_is_object_not_found(server: SnowflakeServer) -> None:
    server.execute("CREATE DATABASE D")
    with connector(server) as c:
        with pytest.raises(ObjectNotFound, match="D.nope"):
            c.read_schema("D", "nope")
        with pytest.raises(ObjectNotFound):
            c.read_schema("NO_SUCH_DB", "S")
        with pytest.raises(ObjectNotFound):
            c.read_schema("D", "INFORMATION_SCHEMA")


def test_access_control_error_is_permission_denied_not_an_empty_schema(server: SnowflakeServer) -> None:
    server.execute("CREATE DATABASE D")
    server.create_schema("D", "Locked")
    server.execute('CREATE TABLE D."Locked".T (x INT)')
    server.denied_schemas.add("Locked")
    with connector(server) as c, pytest.raises(PermissionDenied, match="Locked"):
        c.read_schema("D", "Locked")


def test_hierarchy_excludes_system_and_internal_databases_and_schemas(server: SnowflakeServer) -> None:
    for database in ("ANALYTICS", "SNOWFLAKE", "SNOWFLAKE_SAMPLE_DATA", "OBJECTSYNC_CATALOG", "APP_OWN", "EMPTY"):
        server.execute(f"CREATE DATABASE {database}")
        server.create_schema(database, "PUBLIC")
    server.create_schema("ANALYTICS", "raw data")

    with connector(server, internal_databases=("objectsync_catalog",), internalDatabase="app_own") as c:
        hierarchy = c.list_hierarchy()

    assert hierarchy.databases == {"ANALYTICS": ("PUBLIC", "raw data"), "EMPTY": ("PUBLIC",)}
    assert hierarchy.failed_databases == {}


def test_configured_databases_restrict_the_listing_and_missing_ones_fail(server: SnowflakeServer) -> None:
    for database in ("ANALYTICS", "OTHER"):
        server.execute(f"CREATE DATABASE {database}")
        server.create_schema(database, "S")
    with connector(server, databases=["analytics", "MISSING"]) as c:
        hierarchy = c.list_hierarchy()
    assert hierarchy.databases == {"ANALYTICS": ("S",)}
    assert set(hierarchy.failed_databases) == {"MISSING"}
    with connector(server, database="OTHER") as c:
        assert c.list_hierarchy().databases == {"OTHER": ("S",)}


def test_a_database_whose_listing_fails_is_reported_and_the_rest_listed(server: SnowflakeServer) -> None:
    for database in ("GOOD", "SHARED"):
        server.execute(f"CREATE DATABASE {database}")
        server.create_schema(database, "S")
    server.denied_databases.add("SHARED")
    with connector(server) as c:
        hierarchy = c.list_hierarchy()
    assert hierarchy.databases == {"GOOD": ("S",)}
    assert "Insufficient privileges" in hierarchy.failed_databases["SHARED"]


def test_show_databases_is_paged(server: SnowflakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    names = [f"DB_{i}" for i in range(7)]
    for database in names:
        server.execute(f"CREATE DATABASE {database}")
    monkeypatch.setattr(snowflake_module, "SHOW_PAGE_SIZE", 3)
    with connector(server) as c:
        assert sorted(c.list_hierarchy().databases) == names


def test_validation_passes_and_uses_one_login(server: SnowflakeServer) -> None:
    server.execute("CREATE DATABASE D")
    with connector(server) as c:
        results = c.validate()
    assert [(r.name, r.status) for r in results] == [
        ("Initial validation: basic connection test", "passed"),
        ("Initial validation: default warehouse access test", "passed"),
        ("Initial validation: database access test", "passed"),
        ("Initial validation: metadata privileges test", "passed"),
    ]
    assert server.logins == 1


def test_validation_reports_a_missing_configured_database(server: SnowflakeServer) -> None:
    server.execute("CREATE DATABASE D")
    with connector(server, database="ELSEWHERE") as c:
        statuses = [(r.status, r.message) for r in c.validate()]
    assert statuses[0] == ("passed", None)
    assert statuses[2][0] == "failed" and "ELSEWHERE" in statuses[2][1]
    assert statuses[3] == ("skipped", "skipped because Initial validation: database access test did not pass")


def test_wrong_password_is_authentication_failed_without_the_secret(server: SnowflakeServer) -> None:
    wrong = "hunter2-not-it"
    with connector(server, {"password": wrong}) as c:
        with pytest.raises(AuthenticationFailed) as raised:
            c.list_hierarchy()
        assert wrong not in raised.value.message and "Incorrect username or password" in raised.value.message
        results = c.validate()
    assert [r.status for r in results] == ["failed", "skipped", "skipped", "skipped"]
    assert wrong not in str(results)


def test_key_pair_login_signs_a_jwt_the_double_verifies(server: SnowflakeServer, key: rsa.RSAPrivateKey) -> None:
    server.execute("CREATE DATABASE D")
    server.create_schema("D", "S")
    encrypted = {"privateKey": pem(key, PASSPHRASE), "privateKeyPassphrase": PASSPHRASE}
    with connector(server, encrypted, authenticationType="keyPair") as c:
        assert c.list_hierarchy().databases == {"D": ("S",)}
    with connector(server, {"privateKey": pem(key)}, authenticationType="keyPair") as c:
        assert c.list_hierarchy().databases == {"D": ("S",)}

    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with (
        connector(server, {"privateKey": pem(stranger)}, authenticationType="keyPair") as c,
        pytest.raises(AuthenticationFailed, match="JWT"),
    ):
        c.list_hierarchy()


def test_wrong_passphrase_is_a_configuration_error_without_the_key(
    server: SnowflakeServer, key: rsa.RSAPrivateKey
) -> None:
    credentials = {"privateKey": pem(key, PASSPHRASE), "privateKeyPassphrase": "wrong passphrase"}
    with connector(server, credentials, authenticationType="keyPair") as c:
        with pytest.raises(ConfigurationError) as raised:
            c.list_hierarchy()
        results = c.validate()
    assert "passphrase" in raised.value.message
    assert "wrong passphrase" not in raised.value.message and "PRIVATE KEY" not in raised.value.message
    assert [r.status for r in results] == ["failed", "skipped", "skipped", "skipped"]


def test_oauth_token_login(server: SnowflakeServer) -> None:
    server.execute("CREATE DATABASE D")
    with connector(server, {"token": server.oauth_token}, authenticationType="oauth") as c:
        assert list(c.list_hierarchy().databases) == ["D"]
    bad = "expired-token-value"
    with (
        connector(server, {"token": bad}, authenticationType="oauth") as c,
        pytest.raises(AuthenticationFailed) as raised,
    ):
        c.list_hierarchy()
    assert bad not in raised.value.message


def test_unreachable_host_is_remote_unavailable_within_the_timeout() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    config = {"account": "nowhere", "user": "u", "host": "127.0.0.1", "port": closed_port, "protocol": "http"}
    started = time.monotonic()
    with SnowflakeConnector(config, {"password": "p"}, timeout=2) as c, pytest.raises(RemoteUnavailable) as raised:
        c.list_hierarchy()
    assert time.monotonic() - started < 10
    assert raised.value.transient


def test_connect_arguments_for_each_authentication_type(key: rsa.RSAPrivateKey) -> None:
    base = {"account": "myorg-acct", "user": "SVC", "warehouse": "WH", "role": "READER"}
    password = connect_arguments(base, {"password": "pw"}, timeout=12.5)
    assert password["user"] == "SVC" and password["password"] == "pw" and "authenticator" not in password
    assert (password["login_timeout"], password["network_timeout"], password["socket_timeout"]) == (13, 13, 13)
    assert password["session_parameters"]["STATEMENT_TIMEOUT_IN_SECONDS"] == 13
    assert (password["warehouse"], password["role"]) == ("WH", "READER")

    key_pair = connect_arguments(
        base | {"authenticationType": "keyPair"},
        {"privateKey": pem(key, PASSPHRASE), "privateKeyPassphrase": PASSPHRASE},
        30,
    )
    assert key_pair["authenticator"] == "SNOWFLAKE_JWT" and "password" not in key_pair
    loaded = serialization.load_der_private_key(key_pair["private_key"], password=None)
    assert loaded.private_numbers() == key.private_numbers()

    oauth = connect_arguments({"account": "a", "authenticationType": "oauth"}, {"token": "tok"}, 30)
    assert (oauth["authenticator"], oauth["token"]) == ("oauth", "tok") and "user" not in oauth


@pytest.mark.parametrize(
    ("config", "credentials", "needle"),
    [
        ({"user": "u"}, {"password": "p"}, "account"),
        ({"account": "a"}, {"password": "p"}, "user"),
        ({"account": "a", "user": "u"}, {}, "password"),
        ({"account": "a", "user": "u", "authenticationType": "keyPair"}, {}, "privateKey"),
        ({"account": "a", "user": "u", "authenticationType": "keyPair"}, {"privateKey": "not a key"}, "PEM"),
        ({"account": "a", "authenticationType": "oauth"}, {}, "token"),
        ({"account": "a", "authenticationType": "kerberos"}, {"password": "p"}, "authenticationType"),
    ],
)
def test_unusable_configuration_is_a_clear_error(config: dict, credentials: dict, needle: str) -> None:
    with pytest.raises(ConfigurationError, match=needle):
        connect_arguments(config, credentials, 30)


def test_error_codes_map_to_domain_errors() -> None:
    def mapped(errno: int, sqlstate: str = "") -> type:
        error = ProgrammingError(msg="boom s3cret-Pa55word", errno=errno, sqlstate=sqlstate)
        return type(map_error(error, "ctx", ["s3cret-Pa55word"]))

    assert mapped(630) is RemoteTimeout
    assert mapped(390100) is AuthenticationFailed
    assert mapped(2003) is ObjectNotFound
    assert mapped(3001, "42501") is PermissionDenied
    assert mapped(250001) is RemoteUnavailable
    message = map_error(ProgrammingError(msg="boom s3cret-Pa55word", errno=1), "ctx", ["s3cret-Pa55word"]).message
    assert "s3cret-Pa55word" not in message


# --- privilege-filtered listings, and SHOW … HISTORY as the proof of a drop ------------------------------------


def sales(server: SnowflakeServer, *tables: str) -> None:
    server.execute("CREATE DATABASE D")
    server.create_schema("D", "S")
    for name in tables:
        server.execute(f'CREATE TABLE D.S."{name}" (x INT)')


def test_a_revoked_table_is_hidden_not_refused_and_proves_nothing(server: SnowflakeServer) -> None:
    sales(server, "A", "B")
    server.revoke("D", "S", "B")
    with connector(server) as c:
        snapshot = c.read_schema("D", "S")
    assert [t.name for t in snapshot.tables] == ["A"]
    assert (snapshot.complete, snapshot.confirmed_absent) == (False, frozenset())


def test_a_dropped_table_is_proven_by_show_tables_history_until_it_is_re_created(server: SnowflakeServer) -> None:
    sales(server, "A", "B")
    with connector(server) as c:
        first = {t.name: t.remote_id for t in c.read_schema("D", "S").tables}
        server.execute('DROP TABLE D.S."B"')
        snapshot = c.read_schema("D", "S")
        assert ([t.name for t in snapshot.tables], snapshot.confirmed_absent) == (["A"], {"B"})
        assert c.read_schema("D", "S", ["A"]).confirmed_absent == frozenset(), "a narrowed read confirms its own"
        server.execute('CREATE TABLE D.S."B" (x INT, y INT)')
        again = c.read_schema("D", "S")
    assert again.confirmed_absent == frozenset(), "dropped once, live again: no drop"
    ids = {t.name: t.remote_id for t in again.tables}
    assert ids["A"] == first["A"] and ids["B"] != first["B"], "re-created: a new creation time"


def test_a_table_revoked_before_its_drop_stays_unproven(server: SnowflakeServer) -> None:
    sales(server, "A", "B")
    server.revoke("D", "S", "B")
    server.execute('DROP TABLE D.S."B"')
    with connector(server) as c:
        assert c.read_schema("D", "S").confirmed_absent == frozenset()


def test_without_time_travel_a_drop_cannot_be_proven_and_validation_says_so(server: SnowflakeServer) -> None:
    sales(server, "A", "B")
    server.retention["D"] = 0
    server.execute('DROP TABLE D.S."B"')
    with connector(server) as c:
        assert c.read_schema("D", "S").confirmed_absent == frozenset()
        results = c.validate()
    assert results[-1].status == "warning" and "DATA_RETENTION_TIME_IN_DAYS = 0" in (results[-1].message or "")


def test_revoked_and_dropped_schemas_and_databases(server: SnowflakeServer) -> None:
    for database in ("D", "E", "F"):
        server.execute(f"CREATE DATABASE {database}")
        for schema in ("S1", "S2", "S3"):
            server.create_schema(database, schema)
    server.revoke("D", "S2")
    server.execute("DROP SCHEMA D.S3")
    server.revoke("E")
    server.execute("DROP DATABASE F")
    with connector(server) as c:
        hierarchy = c.list_hierarchy()
    assert hierarchy.databases == {"D": ("S1",)}
    assert (hierarchy.complete, hierarchy.confirmed_absent) == (False, frozenset({"F"}))
    assert hierarchy.incomplete_schemas == {"D": frozenset({"S3"})}


def test_a_database_the_role_lost_is_not_authorized(server: SnowflakeServer) -> None:
    sales(server, "A")
    server.revoke("D")
    with connector(server) as c, pytest.raises(ObjectNotFound, match="not authorized"):
        c.read_schema("D", "S")


def test_show_returns_at_most_the_cap_and_the_listing_pages_through_it(
        server: SnowflakeServer, monkeypatch: pytest.MonkeyPatch) -> None:
    import tests.support.doubles.snowflake_server as double

    names = [f"DB_{i:02d}" for i in range(12)]
    for database in names:
        server.execute(f"CREATE DATABASE {database}")
    monkeypatch.setattr(double, "SHOW_ROW_CAP", 5)
    assert len(server.execute("SHOW DATABASES")) == 12, "the administrator's own session is not the role's"
    monkeypatch.setattr(snowflake_module, "SHOW_PAGE_SIZE", 5)
    with connector(server) as c:
        assert sorted(c.list_hierarchy().databases) == names
    monkeypatch.setattr(snowflake_module, "SHOW_PAGE_SIZE", 100)  # asking past the cap would lose rows
    with connector(server) as c:
        assert len(c.list_hierarchy().databases) == 5


# --- what Snowflake reports about objects ----------------------------------------------------------------------


@pytest.mark.parametrize(("create", "table_type", "kind", "remote_kind"), [
    ("TABLE", "MATERIALIZED VIEW", "view", "MATERIALIZED VIEW"),
    ("TABLE", "EXTERNAL TABLE", "table", "EXTERNAL TABLE"),
    ("TABLE", "EVENT TABLE", "table", "EVENT TABLE"),
    ("TABLE", "TEMPORARY TABLE", "table", "TEMPORARY TABLE"),
    ("TABLE", "DYNAMIC TABLE", "table", "DYNAMIC TABLE"),
    ("TABLE", "ICEBERG TABLE", "table", "ICEBERG TABLE"),
    ("TABLE", "HYBRID TABLE", "table", "HYBRID TABLE"),
    ("VIEW", None, "view", "VIEW"),
    ("TABLE", None, "table", "BASE TABLE"),
])
def test_every_table_type(server: SnowflakeServer, create: str, table_type: str | None, kind: str,
                          remote_kind: str) -> None:
    sales(server, "BASE")
    if create == "VIEW":
        server.execute('CREATE VIEW D.S."T" AS SELECT x FROM D.S."BASE"')
    else:
        server.execute('CREATE TABLE D.S."T" (x INT)')
    if table_type:
        server.set_table_type("D", "S", "T", table_type)
    with connector(server) as c:
        table = {t.name: t for t in c.read_schema("D", "S").tables}["T"]
    assert (table.kind, table.remote_kind, [col.name for col in table.columns]) == (kind, remote_kind, ["X"])


def test_view_comments_and_owners(server: SnowflakeServer) -> None:
    sales(server, "BASE")
    server.execute('CREATE VIEW D.S."V" AS SELECT x FROM D.S."BASE"')
    server.set_comment("D", "S", "V", "the view")
    server.set_owner("D", "S", "V", "REPORTING")
    with connector(server) as c:
        view = {t.name: t for t in c.read_schema("D", "S").tables}["V"]
    assert (view.kind, view.comment, view.owner) == ("view", "the view", "REPORTING")


def test_quoted_identifiers_resolve_exactly_whatever_the_account_default(server: SnowflakeServer) -> None:
    server.execute('CREATE DATABASE "Mixed_Db"')
    server.create_schema("Mixed_Db", "S")
    server.execute('CREATE TABLE "Mixed_Db".S."T" (x INT)')
    server.quoted_identifiers_ignore_case = True  # ALTER ACCOUNT SET QUOTED_IDENTIFIERS_IGNORE_CASE = TRUE
    with connector(server) as c:
        assert [t.name for t in c.read_schema("Mixed_Db", "S").tables] == ["T"]
        assert c.list_hierarchy().databases["Mixed_Db"] == ("S",)
    unpinned = snowflake.connector.connect(
        user=server.user, password=server.password, **server.connection_config(), login_timeout=5)
    try:  # what the connector would meet without pinning the parameter
        with pytest.raises(ProgrammingError, match="MIXED_DB"):
            unpinned.cursor().execute('SELECT * FROM "Mixed_Db".INFORMATION_SCHEMA.SCHEMATA')
    finally:
        unpinned.close()


def test_without_a_warehouse_validation_names_it_and_the_listing_fails_once(server: SnowflakeServer) -> None:
    sales(server, "A")
    with connector(server, warehouse=None) as c:
        results = c.validate()
        assert [r.status for r in results] == ["passed", "failed", "skipped", "skipped"]
        assert results[1].name == "Initial validation: default warehouse access test"
        with pytest.raises(ConfigurationError, match="warehouse"):
            c.list_hierarchy()  # one clear failure, not every database failed
    with connector(server, warehouse="NOT_GRANTED") as c, pytest.raises(ConfigurationError, match="USAGE"):
        c.read_schema("D", "S")


# --- large results arrive in chunks ----------------------------------------------------------------------------


def wide_schema(server: SnowflakeServer, tables: int = 4, columns: int = 5) -> None:
    sales(server)
    for t in range(tables):
        body = ", ".join(f"C{c} INT" for c in range(columns))
        server.execute(f'CREATE TABLE D.S."T{t}" ({body})')


def test_a_large_result_is_downloaded_chunk_by_chunk(server: SnowflakeServer) -> None:
    wide_schema(server)
    server.chunk_rows = 3
    with connector(server) as c:
        snapshot = c.read_schema("D", "S")
    assert [len(t.columns) for t in snapshot.tables] == [5, 5, 5, 5]
    assert server.chunk_downloads >= 6, "twenty rows in chunks of three"


@pytest.mark.parametrize("fault", ["short", "forbidden"])
def test_a_failing_chunk_fails_the_read_rather_than_shortening_it(server: SnowflakeServer, fault: str) -> None:
    wide_schema(server)
    server.chunk_rows, server.chunk_fault = 3, fault
    with connector(server) as c, pytest.raises(ConnectorError) as raised:
        c.read_schema("D", "S")
    assert raised.value.transient, "retried later; meanwhile the schema's tables are left as they are"


def test_change_tokens_are_last_altered_and_unmoved_tables_skip_their_columns(server: SnowflakeServer) -> None:
    server.execute("CREATE DATABASE D")
    server.create_schema("D", "S")
    for name in ("A", "B", "C"):
        server.execute(f"CREATE TABLE D.S.{name} (x INT)")
    with connector(server) as c:
        first = c.read_schema_changes("D", "S", {})
        tokens = {t.name: t.change_token for t in first.tables}
        assert set(tokens) == {"A", "B", "C"} and all(tokens.values())

        same = c.read_schema_changes("D", "S", tokens)
        assert [t.name for t in same.tables] == ["A", "B", "C"] and all(t.columns_unread for t in same.tables)
        assert [(t.kind, t.remote_kind, t.remote_id) for t in same.tables] == [
            (t.kind, t.remote_kind, t.remote_id) for t in first.tables]

        server.execute("ALTER TABLE D.S.B ADD COLUMN NOTE VARCHAR")
        server.execute("DROP TABLE D.S.C")
        changed = c.read_schema_changes("D", "S", tokens)
        tables = {t.name: t for t in changed.tables}
        assert set(tables) == {"A", "B"} and tables["A"].columns_unread and not tables["B"].columns_unread
        assert [col.name for col in tables["B"].columns] == ["X", "NOTE"]
        assert "C" in changed.confirmed_absent  # the drop is still proven, as in a full read
