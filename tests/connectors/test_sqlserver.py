"""SQL Server connector: pure parts (connection strings, access token packing, T-SQL rows → snapshots) on recorded
rows, and the ANSI INFORMATION_SCHEMA path for real through pyodbc and psqlodbc against PostgreSQL."""

from __future__ import annotations

import re
import struct
import uuid
from collections.abc import Iterator

import psycopg
import pyodbc
import pytest
from psycopg import sql

from connectors import create_connector
from connectors import sqlserver_queries as q
from connectors.errors import (
    AuthenticationFailed,
    ConfigurationError,
    ObjectNotFound,
    PermissionDenied,
    RemoteUnavailable,
)
from connectors.sqlserver import (
    INTEGRATED_SECURITY_MESSAGE,
    SQL_COPT_SS_ACCESS_TOKEN,
    AzureSqlConnector,
    SqlServerConnector,
    SynapseConnector,
    access_token_attrs,
    format_connection_string,
    map_error,
    native_errors,
    parse_connection_string,
)
from domain.snapshot import RemoteColumn, RemoteTable
from tests.conftest import ADMIN_URL

ODBC_DRIVER = "PostgreSQL Unicode"
needs_odbc = pytest.mark.skipif(ODBC_DRIVER not in pyodbc.drivers(),
                                reason="apt-get install odbc-postgresql unixodbc")

# --- connection strings and authentication ---------------------------------------------------------------------


def test_connection_string_round_trips_braced_values() -> None:
    pairs = [("Driver", "ODBC Driver 18 for SQL Server"), ("PWD", "a;b}c{=d"), ("Database", " spaced ")]
    text = format_connection_string(pairs)
    assert text == "Driver=ODBC Driver 18 for SQL Server;PWD={a;b}}c{=d};Database={ spaced };"
    assert parse_connection_string(text) == pairs


def test_connection_string_parse_rejects_garbage() -> None:
    with pytest.raises(ConfigurationError):
        parse_connection_string("Driver={unterminated")
    with pytest.raises(ConfigurationError):
        parse_connection_string("no pairs here")


def test_assembled_connection_string_has_secure_defaults() -> None:
    connector = SqlServerConnector({"hostname": "db.example.com", "database": "Sales"},
                                   {"username": "crawler", "password": "p;w"})
    assert dict(connector._base_pairs) == {
        "Driver": "ODBC Driver 18 for SQL Server", "Server": "tcp:db.example.com,1433", "Encrypt": "yes",
        "TrustServerCertificate": "no", "Database": "Sales", "UID": "crawler", "PWD": "p;w",
    }
    assert "PWD={p;w};" in format_connection_string(connector._base_pairs)


def test_connection_string_override_gets_the_credentials() -> None:
    connector = SqlServerConnector({"connectionString": "Driver={X};Server=h;UID=old;Database=d"},
                                   {"username": "new", "password": "pw"})
    assert dict(connector._base_pairs) == {"Driver": "X", "Server": "h", "Database": "d", "UID": "new", "PWD": "pw"}
    assert connector.configured_database == "d"


def test_access_token_is_packed_as_length_prefixed_utf16() -> None:
    token = "eyJ0eXAiOiJKV1Qi.payload.sig"
    attrs = access_token_attrs(token)
    assert list(attrs) == [SQL_COPT_SS_ACCESS_TOKEN] == [1256]
    packed = attrs[1256]
    (length,) = struct.unpack_from("<I", packed)
    assert length == 2 * len(token) == len(packed) - 4
    assert packed[4:] == b"".join(bytes((b, 0)) for b in token.encode())


def test_access_token_authentication_drops_user_and_password() -> None:
    connector = SqlServerConnector(
        {"connectionString": "Driver={X};Server=h;UID=u;PWD=p;Authentication=ActiveDirectoryPassword",
         "authenticationType": "accessToken"}, {"accessToken": "tok"})
    assert {k.lower() for k, _ in connector._base_pairs} == {"driver", "server"}
    with pytest.raises(ConfigurationError, match="accessToken"):
        SqlServerConnector({"hostname": "h", "authenticationType": "accessToken"}, {})


@pytest.mark.parametrize("config", [
    {"hostname": "h", "authenticationType": "integratedSecurity"},
    {"connectionString": "Driver={X};Server=h;Trusted_Connection=yes"},
    {"connectionString": "Driver={X};Server=h;Integrated Security=SSPI"},
])
def test_integrated_security_is_refused_clearly(config: dict[str, str]) -> None:
    with pytest.raises(ConfigurationError) as raised:
        SqlServerConnector(config, {})
    assert raised.value.message == INTEGRATED_SECURITY_MESSAGE


def test_bad_config_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="hostname"):
        SqlServerConnector({}, {})
    with pytest.raises(ConfigurationError, match="dialect"):
        SqlServerConnector({"hostname": "h", "dialect": "oracle"}, {})


def test_aliases_share_the_connector_and_differ_in_system_databases() -> None:
    for technology, cls in [("sqlserver", SqlServerConnector), ("azuresql", AzureSqlConnector),
                            ("synapse", SynapseConnector)]:
        connector = create_connector(technology, {"hostname": "h"}, {})
        assert type(connector) is cls and connector.technology == technology
    rows = [("master", "ONLINE", 1), ("DWDiagnostics", "ONLINE", 1), ("Sales", "ONLINE", 1)]
    assert q.user_databases(rows, SynapseConnector.system_databases)[0] == ["Sales"]
    assert q.user_databases(rows, SqlServerConnector.system_databases)[0] == ["DWDiagnostics", "Sales"]


# --- T-SQL queries on rows recorded from SQL Server ------------------------------------------------------------

RECORDED_DATABASES = [  # DATABASES_WITH_ACCESS_TSQL (SQL Server 2022); HAS_DBACCESS is 0 for a database not ONLINE
    ("Archive", "OFFLINE", 0), ("HR", "ONLINE", 0), ("master", "ONLINE", 1), ("model", "ONLINE", 1),
    ("msdb", "ONLINE", 1), ("Sales", "ONLINE", 1), ("Staging", "RESTORING", 0), ("tempdb", "ONLINE", 1),
    ("Ventes Été", "ONLINE", 1), ("Warehouse", "RECOVERING", 0),
]

RECORDED_DATABASES_AZURE = [  # DATABASES_TSQL on Azure SQL Database, connected to master (no HAS_DBACCESS there)
    ("master", "ONLINE", None), ("Sales", "ONLINE", None), ("Sales_copy", "COPYING", None),
]

RECORDED_DATABASES_SYNAPSE = [  # DATABASES_WITH_ACCESS_TSQL on a Synapse workspace's dedicated pool endpoint
    ("DWConfiguration", "ONLINE", 1), ("DWDiagnostics", "ONLINE", 1), ("DWQueue", "ONLINE", 1),
    ("master", "ONLINE", 1), ("salespool", "ONLINE", 1), ("tempdb", "ONLINE", 1),
]

RECORDED_TABLES = [  # INFORMATION_SCHEMA.TABLES for schema 'dbo'
    ("Customer", "BASE TABLE"), ("Order Lines", "BASE TABLE"), ("vTopCustomers", "VIEW"),
]

RECORDED_COLUMNS = [  # INFORMATION_SCHEMA.COLUMNS: name, ordinal, DATA_TYPE, char len, precision, scale, dt prec, null
    ("Customer", "CustomerID", 1, "int", None, 10, 0, None, "NO"),
    ("Customer", "Name", 2, "nvarchar", 100, None, None, None, "NO"),
    ("Customer", "Notes", 3, "nvarchar", -1, None, None, None, "YES"),
    ("Customer", "Balance", 4, "decimal", None, 18, 2, None, "YES"),
    ("Customer", "Created", 5, "datetime2", None, None, None, 7, "NO"),
    ("Customer", "Score", 6, "float", None, 53, None, None, "YES"),
    ("Customer", "Legacy", 7, "text", 2147483647, None, None, None, "YES"),
    ("Customer", "Profile", 8, "xml", -1, None, None, None, "YES"),
    ("Customer", "Active", 9, "bit", None, None, None, None, "NO"),
    ("Order Lines", "Line No", 2, "smallint", None, 5, 0, None, "NO"),
    ("Order Lines", "CustomerID", 1, "int", None, 10, 0, None, "NO"),
    ("vTopCustomers", "Name", 1, "nvarchar", 100, None, None, None, "NO"),
]

RECORDED_COMMENTS = [  # sys.extended_properties MS_Description
    ("Customer", None, "People who buy things"),
    ("Customer", "Balance", "Open balance in EUR"),
    ("vTopCustomers", None, "Top 100 by revenue"),
]


def test_databases_split_into_readable_inaccessible_and_not_online() -> None:
    readable, failed = q.user_databases(RECORDED_DATABASES, {*SqlServerConnector.system_databases, "sales"})
    assert readable == ["Ventes Été"]
    assert set(failed) == {"Archive", "HR", "Staging", "Warehouse"} and "HAS_DBACCESS" in failed["HR"]
    # a database restoring or recovering is reported, never taken as dropped: nothing under it changes
    assert "RESTORING" in failed["Staging"] and "left as they are" in failed["Staging"]
    assert "RECOVERING" in failed["Warehouse"] and "OFFLINE" in failed["Archive"]


def test_azure_and_synapse_database_rows() -> None:
    readable, failed = q.user_databases(RECORDED_DATABASES_AZURE, AzureSqlConnector.system_databases)
    assert readable == ["Sales"], "without HAS_DBACCESS a database is opened to learn whether it may be read"
    assert "COPYING" in failed["Sales_copy"]
    assert q.user_databases(RECORDED_DATABASES_SYNAPSE, SynapseConnector.system_databases) == (["salespool"], {})


@pytest.mark.parametrize(("row", "complete"), [
    ((1, 1, 0), True),  # VIEW ANY DATABASE and ALTER ANY DATABASE: sysadmin, dbcreator…
    ((1, 0, 1), True),  # CREATE DATABASE in master
    ((1, 0, 0), False),  # public's default: OFFLINE databases are hidden
    ((0, 1, 1), False),  # VIEW ANY DATABASE denied: only owned databases are listed
    (None, False),  # an engine without the probe proves nothing
])
def test_database_listing_probe(row: tuple[int, int, int] | None, complete: bool) -> None:
    assert q.database_listing_complete(row) is complete


@pytest.mark.parametrize(("row", "complete"), [((1, 0), True), ((0, 0), False), ((1, 2), False)])
def test_schema_listing_probe(row: tuple[int, int], complete: bool) -> None:
    assert q.schema_listing_complete(row) is complete


def test_recorded_rows_become_a_snapshot() -> None:
    snapshot = q.build_snapshot("Sales", "dbo", RECORDED_TABLES, RECORDED_COLUMNS, RECORDED_COMMENTS)
    tables = {t.name: t for t in snapshot.tables}
    assert [c.data_type for c in tables["Customer"].columns] == [
        "int", "nvarchar(100)", "nvarchar(max)", "decimal(18,2)", "datetime2(7)", "float", "text", "xml", "bit",
    ]
    assert tables["Customer"].columns[3] == RemoteColumn("Balance", 4, "decimal(18,2)", True, "Open balance in EUR")
    assert tables["Customer"].columns[0] == RemoteColumn("CustomerID", 1, "int", False, None)
    assert tables["Customer"].comment == "People who buy things"
    assert [c.name for c in tables["Order Lines"].columns] == ["CustomerID", "Line No"]
    assert tables["vTopCustomers"] == RemoteTable(
        "vTopCustomers", "view", (RemoteColumn("Name", 1, "nvarchar(100)", False),), "VIEW", "Top 100 by revenue")


def test_table_filter_applies_to_recorded_rows() -> None:
    snapshot = q.build_snapshot("Sales", "dbo", RECORDED_TABLES, RECORDED_COLUMNS, (), {"Order Lines"})
    assert [t.name for t in snapshot.tables] == ["Order Lines"]


@pytest.mark.parametrize(("row", "access", "complete"), [
    ((5, 1, 1, 3, 1, 0), "readable", True),  # dbo: owner
    ((7, 0, 0, 2, 0, 0), "readable", False),  # SELECT granted on two tables only: others may be hidden
    ((7, 0, 1, 0, 0, 0), "readable", True),  # SELECT on the schema: every table shows
    ((7, 1, 0, 4, 0, 0), "readable", True),  # VIEW DEFINITION on the schema
    ((7, 1, 1, 4, 0, 1), "readable", False),  # … but a DENY on one object may hide it
    ((7, 0, 0, 0, 0, 0), "denied", False),  # visible (e.g. owned by a role) but nothing may be read
    ((None, None, None, 0, 1, 0), "missing", False),  # db_owner sees everything: truly absent
    ((None, None, None, 0, 0, 0), "denied", False),  # hidden by metadata visibility: absent or forbidden
])
def test_schema_probe_rows(row: tuple[object, ...], access: str, complete: bool) -> None:
    assert q.schema_access(row) == access
    assert q.schema_probe(row) == q.SchemaProbe(access, complete)  # type: ignore[arg-type]


RECORDED_PERMISSIONS_SYNAPSE = {  # PERMISSIONS_SYNAPSE on a dedicated SQL pool
    "db_owner": [("DATABASE", None, "CONNECT", "GRANT"), ("DATABASE", None, "CONTROL", "GRANT")],
    "reader_of_sales": [("DATABASE", None, "CONNECT", "GRANT"), ("SCHEMA", "sales", "SELECT", "GRANT"),
                        ("SCHEMA", "sales", "VIEW DEFINITION", "GRANT")],
    "definition_reader": [("DATABASE", None, "CONNECT", "GRANT"), ("DATABASE", None, "VIEW DEFINITION", "GRANT")],
    "denied_one_table": [("DATABASE", None, "VIEW DEFINITION", "GRANT"),
                         ("OBJECT_OR_COLUMN", "sales", "SELECT", "DENY")],
    "connect_only": [("DATABASE", None, "CONNECT", "GRANT")],
}


@pytest.mark.parametrize(("principal", "all_schemas", "sales_tables", "hr_tables"), [
    ("db_owner", True, True, True),
    ("reader_of_sales", False, True, False),
    ("definition_reader", True, True, True),
    ("denied_one_table", False, False, True),
    ("connect_only", False, False, False),
])
def test_synapse_permission_rows(principal: str, all_schemas: bool, sales_tables: bool, hr_tables: bool) -> None:
    rows = q.PermissionRows.parse(RECORDED_PERMISSIONS_SYNAPSE[principal])
    assert rows.sees_all_schemas is all_schemas
    assert (rows.sees_all_tables("sales"), rows.sees_all_tables("hr")) == (sales_tables, hr_tables)
    assert rows.schema_probe(None, "gone") == q.SchemaProbe("missing" if all_schemas else "denied", False)


def test_each_engine_runs_only_the_functions_its_documentation_lists() -> None:
    def queries(connector: type[SqlServerConnector]) -> str:
        engine = connector.engine
        run = [engine.databases, engine.database_listing_probe or "", q.COMMENTS_TSQL, q.OBJECTS_TSQL]
        if engine.probes == "permission_rows":
            run += [q.PERMISSIONS_SYNAPSE, q.SCHEMA_EXISTS_TSQL]
        else:
            run += [q.SCHEMA_LISTING_PROBE_TSQL, q.SCHEMA_PROBE_TSQL]
        return "\n".join(run)

    synapse, azure, sqlserver = queries(SynapseConnector), queries(AzureSqlConnector), queries(SqlServerConnector)
    assert "HAS_PERMS_BY_NAME" not in synapse and "fn_my_permissions" not in synapse
    assert "HAS_DBACCESS" not in azure
    # Azure SQL Database accepts only the DATABASE, OBJECT, ROLE, SCHEMA and USER classes
    classes = set(re.findall(r"HAS_PERMS_BY_NAME\([^,]+,\s*([^,]+),", azure))
    assert classes <= {"'DATABASE'", "'SCHEMA'"}, classes
    assert "HAS_DBACCESS" in sqlserver and "'VIEW ANY DATABASE'" in sqlserver


def test_objects_rows_give_owners_and_identities() -> None:
    objects = [("Customer", "dbo", 901578250), ("vTopCustomers", "reporting", 965578478)]
    snapshot = q.build_snapshot("Sales", "dbo", RECORDED_TABLES, RECORDED_COLUMNS, (), None, objects)
    tables = {t.name: t for t in snapshot.tables}
    assert (tables["Customer"].owner, tables["Customer"].remote_id) == ("dbo", "901578250")
    assert (tables["vTopCustomers"].owner, tables["vTopCustomers"].remote_id) == ("reporting", "965578478")
    assert (tables["Order Lines"].owner, tables["Order Lines"].remote_id) == (None, None)


CANNOT_OPEN = ('42000', '[42000] [Microsoft][ODBC Driver 18 for SQL Server][SQL Server]Cannot open database '
               '"Sales" requested by the login. The login failed. (4060) (SQLDriverConnect)')
RESOURCE_LIMIT = ('HY000', '[HY000] [Microsoft][ODBC Driver 18 for SQL Server][SQL Server]Database \'Sales\' on '
                  'server \'x\' is not currently available. Please retry the connection later. (40613) '
                  '(SQLDriverConnect); [HY000] [Microsoft][ODBC Driver 18 for SQL Server]Login failed (0)')
BUSY = ('HY000', '[HY000] [Microsoft][ODBC Driver 18 for SQL Server][SQL Server]The service is currently busy. '
        'Retry the request after 10 seconds. Incident ID: x. Code: 0x1 (49919) (SQLExecDirectW)')


@pytest.mark.parametrize(("args", "connector", "expected"), [
    (CANNOT_OPEN, SqlServerConnector, PermissionDenied),  # SQL Server: the login may not open it
    (CANNOT_OPEN, AzureSqlConnector, RemoteUnavailable),  # Azure SQL: transient while the database moves
    (CANNOT_OPEN, SynapseConnector, RemoteUnavailable),
    (RESOURCE_LIMIT, AzureSqlConnector, RemoteUnavailable),
    (BUSY, AzureSqlConnector, RemoteUnavailable),
    (BUSY, SynapseConnector, RemoteUnavailable),
])
def test_transient_error_numbers_are_retried_per_engine(args: tuple[str, str], connector: type[SqlServerConnector],
                                                        expected: type[Exception]) -> None:
    error = map_error(pyodbc.Error(*args), "ctx", transient_errors=connector.engine.transient_errors)
    assert type(error) is expected
    assert error.transient is (expected is RemoteUnavailable)
    assert native_errors(args[1]) <= {4060, 40613, 0, 49919}


def test_every_query_binds_as_many_parameters_as_it_has_markers() -> None:
    queries = [
        q.schema_probe_query("dbo"), q.comments_query("dbo"), q.tables_query("dbo", None),
        q.columns_query("dbo", {"a", "b"}), q.tables_query("dbo", set()), q.objects_query("dbo"),
    ]
    for query in queries:
        assert query.sql.count("?") == len(query.params)
        assert "dbo" not in query.sql


def test_large_table_filters_are_applied_in_python() -> None:
    names = {f"t{i}" for i in range(q.MAX_BOUND_TABLE_NAMES + 1)}
    assert q.columns_query("dbo", names).params == ("dbo",)
    assert len(q.columns_query("dbo", set(list(names)[:10])).params) == 11


# --- the ANSI path for real: pyodbc → psqlodbc → PostgreSQL ----------------------------------------------------

@pytest.fixture
def odbc_source(source_db: str) -> Iterator[str]:
    """A scratch PostgreSQL database with a commented table; yields its name."""
    name = source_db.rpartition("/")[2]
    with psycopg.connect(source_db, autocommit=True) as conn:
        conn.execute('CREATE SCHEMA "Sales Ü"')
        conn.execute('CREATE TABLE "Sales Ü"."Order" (id integer NOT NULL, label varchar(40), '
                     'amount numeric(12,3), at timestamp(3))')
        conn.execute("""COMMENT ON TABLE "Sales Ü"."Order" IS 'not read on the ANSI path'""")
    yield name


def odbc_connector(database: str, user: str = "postgres", password: str = "", port: int = 5432,
                   driver: str = ODBC_DRIVER) -> SqlServerConnector:
    text = format_connection_string([("Driver", driver), ("Server", "127.0.0.1"), ("Port", str(port)),
                                     ("Database", database)])
    return SqlServerConnector({"dialect": "ansi", "connectionString": text},
                              {"username": user, "password": password}, timeout=5)


@needs_odbc
def test_ansi_path_reads_information_schema_through_odbc(odbc_source: str) -> None:
    connector = odbc_connector(odbc_source)
    assert connector.list_hierarchy().databases == {odbc_source: ("Sales Ü", "public")}
    snapshot = connector.read_schema(odbc_source, "Sales Ü")
    (table,) = snapshot.tables
    assert (table.name, table.kind, table.remote_kind, table.comment) == ("Order", "table", "BASE TABLE", None)
    assert [(c.name, c.data_type, c.nullable) for c in table.columns] == [
        ("id", "integer", False), ("label", "character varying(40)", True), ("amount", "numeric(12,3)", True),
        ("at", "timestamp without time zone", True),
    ]


@needs_odbc
def test_ansi_path_refuses_other_databases_and_system_schemas(odbc_source: str) -> None:
    connector = odbc_connector(odbc_source)
    with pytest.raises(ObjectNotFound):
        connector.read_schema("postgres", "public")
    with pytest.raises(ObjectNotFound):
        connector.read_schema(odbc_source, "information_schema")
    with pytest.raises(ObjectNotFound):
        connector.read_schema(odbc_source, "pg_catalog")


@needs_odbc
def test_unknown_login_fails_validation_without_leaking_the_password(odbc_source: str) -> None:
    connector = odbc_connector(odbc_source, user=f"nobody_{uuid.uuid4().hex[:6]}", password="s3cret-Pw;x")
    results = connector.validate()
    assert [r.status for r in results] == ["failed", "skipped", "skipped"]
    assert "s3cret-Pw" not in str(results)
    with pytest.raises(AuthenticationFailed):
        connector.list_hierarchy()


@needs_odbc
def test_unreachable_server_and_missing_driver() -> None:
    with pytest.raises(RemoteUnavailable):
        odbc_connector("postgres", port=1).list_hierarchy()
    with pytest.raises(ConfigurationError):
        odbc_connector("postgres", driver="No Such Driver").list_hierarchy()


@needs_odbc
def test_database_the_login_may_not_open_is_permission_denied(odbc_source: str) -> None:
    role = f"objectsync_odbc_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
        admin.execute(sql.SQL("REVOKE CONNECT ON DATABASE {} FROM PUBLIC").format(sql.Identifier(odbc_source)))
    try:
        connector = odbc_connector(odbc_source, user=role)
        with pytest.raises(PermissionDenied):
            connector.read_schema(odbc_source, "Sales Ü")
        with pytest.raises(PermissionDenied):
            connector.list_hierarchy()  # on the ANSI path the configured database is the connection itself
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


@needs_odbc
def test_session_is_reused_and_replaced_when_the_server_dropped_it(odbc_source: str) -> None:
    with odbc_connector(odbc_source) as connector:
        connector.read_schema(odbc_source, "Sales Ü")
        session = connector._sessions[odbc_source]
        connector.read_schema(odbc_source, "Sales Ü")
        assert connector._sessions[odbc_source] is session
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = %s AND pid <> pg_backend_pid()", (odbc_source,))
        assert [t.name for t in connector.read_schema(odbc_source, "Sales Ü").tables] == ["Order"]
        assert connector._sessions[odbc_source] is not session
    assert connector._sessions == {}


@pytest.fixture
def restricted_role(odbc_source: str) -> Iterator[str]:
    """A login role that may use schema "Sales Ü" and read its table "Order" (and a second one, "Lines")."""
    role = f"objectsync_odbc_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
    with psycopg.connect(ADMIN_URL.rpartition("/")[0] + f"/{odbc_source}", autocommit=True) as conn:
        conn.execute('CREATE TABLE "Sales Ü"."Lines" (id integer)')
        conn.execute(sql.SQL('GRANT USAGE ON SCHEMA "Sales Ü" TO {}').format(sql.Identifier(role)))
        conn.execute(sql.SQL('GRANT SELECT ON ALL TABLES IN SCHEMA "Sales Ü" TO {}').format(sql.Identifier(role)))
        conn.execute(sql.SQL("REVOKE ALL ON SCHEMA public FROM PUBLIC"))
    try:
        yield role
    finally:
        with psycopg.connect(ADMIN_URL.rpartition("/")[0] + f"/{odbc_source}", autocommit=True) as conn:
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def _as_admin(database: str, *statements: sql.Composable | str) -> None:
    with psycopg.connect(ADMIN_URL.rpartition("/")[0] + f"/{database}", autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


@needs_odbc
def test_ansi_listing_is_complete_while_the_login_sees_every_table(odbc_source: str, restricted_role: str) -> None:
    with odbc_connector(odbc_source, user=restricted_role) as connector:
        snapshot = connector.read_schema(odbc_source, "Sales Ü")
        assert ([t.name for t in snapshot.tables], snapshot.complete) == (["Lines", "Order"], True)
        hierarchy = connector.list_hierarchy()
        # "public" is hidden from this login (no privilege left on it): the schema listing is incomplete
        assert hierarchy.databases == {odbc_source: ("Sales Ü",)}
        assert hierarchy.incomplete_schemas == {odbc_source: frozenset()} and hierarchy.complete


@needs_odbc
def test_ansi_revoked_table_makes_the_listing_incomplete_not_shorter(odbc_source: str, restricted_role: str) -> None:
    revoke = sql.SQL('REVOKE SELECT ON "Sales Ü"."Lines" FROM {}').format(sql.Identifier(restricted_role))
    _as_admin(odbc_source, revoke)
    with odbc_connector(odbc_source, user=restricted_role) as connector:
        snapshot = connector.read_schema(odbc_source, "Sales Ü")
        results = connector.validate()
    assert [t.name for t in snapshot.tables] == ["Order"]
    assert (snapshot.complete, snapshot.confirmed_absent) == (False, frozenset())
    assert [r.status for r in results] == ["passed", "passed", "warning"]
    assert "no privilege on some schemas or tables" in (results[2].message or "")


@needs_odbc
def test_ansi_validation_passes_without_warning_when_everything_is_visible(odbc_source: str) -> None:
    with odbc_connector(odbc_source) as connector:  # postgres: superuser
        assert [r.status for r in connector.validate()] == ["passed"] * 3
        assert connector.read_schema(odbc_source, "Sales Ü").complete


def test_tsql_change_tokens_follow_modify_date_and_column_comments() -> None:
    from datetime import datetime

    from connectors.sqlserver_queries import change_tokens

    monday, tuesday = datetime(2026, 11, 2, 9, 0), datetime(2026, 11, 3, 9, 0)
    objects = [("orders", "dbo", 7, monday), ("items", "dbo", 8, monday)]
    comments = [("orders", None, "all orders"), ("orders", "id", "the key")]
    before = change_tokens(objects, comments)
    assert set(before) == {"orders", "items"} and before["orders"] != before["items"]
    assert change_tokens(objects, [("orders", None, "renamed"), ("orders", "id", "the key")]) == before
    assert change_tokens(objects, [("orders", "id", "a new text")])["orders"] != before["orders"]
    altered = change_tokens([("orders", "dbo", 7, tuesday), ("items", "dbo", 8, monday)], comments)
    assert altered["orders"] != before["orders"] and altered["items"] == before["items"]


# --- column renames: sys.columns.column_id proves them ---------------------------------------------------------

RECORDED_COLUMN_IDS = [  # _COLUMN_IDS_TSQL: table, column, column_id (Line No was added after a dropped column)
    *[("Customer", row[1], row[2]) for row in RECORDED_COLUMNS if row[0] == "Customer"],
    ("Order Lines", "CustomerID", 1), ("Order Lines", "Line No", 3), ("vTopCustomers", "Name", 1),
]


class RecordedTsqlCursor:
    """A pyodbc cursor answering the T-SQL path's queries with recorded rows."""

    def __init__(self, columns: list[tuple], column_ids: list[tuple], comments: list[tuple]) -> None:
        self.answers: list[tuple[str, list[tuple]]] = [  # matched on a fragment of each query, in this order
            ("HAS_PERMS_BY_NAME(QUOTENAME", [(5, 1, 1, 3, 1, 0)]), ("INFORMATION_SCHEMA.TABLES", RECORDED_TABLES),
            ("MS_Description", comments), ("modify_date", [("Customer", "dbo", 901578250, None)]),
            ("sys.columns AS c", column_ids),
            ("INFORMATION_SCHEMA.COLUMNS", columns),
        ]
        self.rows: list[tuple] = []
        self.queries: list[str] = []

    def execute(self, sql: str, *params: object) -> RecordedTsqlCursor:
        self.queries.append(sql)
        self.rows = next(rows for fragment, rows in self.answers if fragment in sql)
        return self

    def fetchall(self) -> list[tuple]:
        return list(self.rows)

    def fetchone(self) -> tuple | None:
        return self.rows[0] if self.rows else None


def tsql_read(monkeypatch: pytest.MonkeyPatch, renamed: dict[str, str] | None = None) -> RemoteTable:
    """The Customer table as the T-SQL path reads it, with its columns renamed (old → new) if asked."""
    from contextlib import contextmanager

    def name(table: str, column: str | None) -> str | None:
        return (renamed or {}).get(column, column) if table == "Customer" and column else column

    columns = [(r[0], name(r[0], r[1]), *r[2:]) for r in RECORDED_COLUMNS]
    column_ids = [(t, name(t, c), i) for t, c, i in RECORDED_COLUMN_IDS]
    comments = [(t, name(t, c), text) for t, c, text in RECORDED_COMMENTS]  # properties follow the column_id
    connector = SqlServerConnector({"hostname": "h", "database": "Sales"}, {"username": "u", "password": "p"})
    cursor = RecordedTsqlCursor(columns, column_ids, comments)
    monkeypatch.setattr(connector, "_cursor", contextmanager(lambda database=None: iter([cursor])))
    snapshot = connector.read_schema("Sales", "dbo")
    assert any("sys.columns AS c" in sql for sql in cursor.queries), "the T-SQL path reads column ids"
    return {t.name: t for t in snapshot.tables}["Customer"]


def test_tsql_columns_carry_their_column_id_and_a_rename_keeps_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from domain import change_types as ev
    from domain.schema_diff import diff_schema
    from domain.snapshot import SchemaSnapshot
    from domain.stored_state import SchemaScope, StoredColumn, StoredTable

    before = tsql_read(monkeypatch)
    assert {c.name: c.remote_id for c in before.columns}["Balance"] == "4" and before.remote_id == "901578250"
    # EXEC sp_rename 'dbo.Customer.Balance', 'OpenBalance', 'COLUMN': the column keeps column_id 4
    after = tsql_read(monkeypatch, {"Balance": "OpenBalance"})

    stored = StoredTable(
        7, "Customer", "table", "inherit", "enabled", remote_kind=before.remote_kind, comment=before.comment,
        owner=before.owner, remote_id=before.remote_id, fingerprint=before.fingerprint,
        columns={c.name: StoredColumn(100 + c.ordinal, c.name, c.ordinal, c.data_type, c.nullable, c.comment,
                                      remote_id=c.remote_id) for c in before.columns})
    scope = SchemaScope(("mssql", "Sales", "dbo"), "enabled", "enabled")
    changes = diff_schema({"Customer": stored}, SchemaSnapshot("Sales", "dbo", (after,)), scope)

    assert [(e.type, e.payload) for e in changes.events] == [(ev.COLUMN_RENAMED, {
        "column": "OpenBalance", "before": {"name": "Balance"}, "after": {"name": "OpenBalance"}})]
    assert [(u.id, u.renamed_from) for u in changes.column_updates] == [(104, "Balance")]
