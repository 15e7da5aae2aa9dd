"""The Databricks connector through the real databricks-sdk WorkspaceClient against the local Unity Catalog server."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from connectors.databricks import DatabricksConnector, client_config
from connectors.errors import (
    AuthenticationFailed,
    ConfigurationError,
    ConnectorError,
    ObjectNotFound,
    PermissionDenied,
    RemoteUnavailable,
)
from connectors.registry import connector_class
from tests.support.doubles.unity_catalog_server import (
    TABLES_PATH,
    UcColumn,
    UcTable,
    UnityCatalogServer,
)


@pytest.fixture
def server() -> Iterator[UnityCatalogServer]:
    started = UnityCatalogServer(page_size=10).start()
    yield started
    started.stop()


def connector(
    server: UnityCatalogServer, credentials: dict[str, Any] | None = None, internal_databases: tuple[str, ...] = (),
    **config: Any,
) -> DatabricksConnector:
    return DatabricksConnector(
        {"host": server.host, **config}, {"token": server.token} if credentials is None else credentials, timeout=5,
        internal_databases=internal_databases,
    )


def int_table(name: str) -> UcTable:
    return UcTable(name, [UcColumn("id", "int", "INT")])


def test_registered_by_name() -> None:
    assert connector_class("databricks") is DatabricksConnector


def test_reads_tables_views_and_columns(server: UnityCatalogServer) -> None:
    server.create_catalog("main")
    server.create_schema("main", "sales_ünï")
    server.put_table(
        "main",
        "sales_ünï",
        UcTable(
            'Or"ders',
            [
                UcColumn("id", "bigint", "LONG", nullable=False),
                UcColumn("Amount EUR", "decimal(10,2)", "DECIMAL", comment="gross", type_precision=10, type_scale=2),
                UcColumn("tags", "array<string>", "ARRAY"),
            ],
            comment="all orders",
            owner="data-eng",
        ),
    )
    server.put_table(
        "main", "sales_ünï", UcTable("daily", [UcColumn("day", "date", "DATE")], table_type="MATERIALIZED_VIEW")
    )
    server.put_table("main", "sales_ünï", UcTable("v", [UcColumn("id", "bigint", "LONG")], table_type="VIEW"))
    server.put_table("main", "sales_ünï", UcTable("ext", [UcColumn("x", "string", "STRING")], table_type="EXTERNAL"))

    with connector(server) as c:
        snapshot = c.read_schema("main", "sales_ünï")

    tables = {t.name: t for t in snapshot.tables}
    assert {name: (t.kind, t.remote_kind) for name, t in tables.items()} == {
        'or"ders': ("table", "MANAGED"),
        "daily": ("view", "MATERIALIZED_VIEW"),
        "v": ("view", "VIEW"),
        "ext": ("table", "EXTERNAL"),
    }
    orders = tables['or"ders']
    assert (orders.comment, orders.owner) == ("all orders", "data-eng")
    assert [(c.name, c.ordinal, c.data_type, c.nullable, c.comment) for c in orders.columns] == [
        ("id", 1, "bigint", False, None),
        ("Amount EUR", 2, "decimal(10,2)", True, "gross"),
        ("tags", 3, "array<string>", True, None),
    ]


def test_every_list_call_is_paged(server: UnityCatalogServer) -> None:
    for i in range(12):
        server.create_catalog(f"cat_{i:02}")
    for i in range(24):
        server.create_schema("cat_00", f"schema_{i:02}")
    for i in range(25):
        server.put_table("cat_00", "schema_00", int_table(f"t_{i:02}"))

    with connector(server) as c:
        hierarchy = c.list_hierarchy()
        server.requests.clear()
        snapshot = c.read_schema("cat_00", "schema_00")

    assert sorted(hierarchy.databases) == [f"cat_{i:02}" for i in range(12)]
    assert hierarchy.databases["cat_00"] == tuple(f"schema_{i:02}" for i in range(24))  # information_schema left out
    assert [t.name for t in snapshot.tables] == [f"t_{i:02}" for i in range(25)]
    assert server.requests.count(("GET", TABLES_PATH)) == 3  # 25 tables, 10 a page


def test_hierarchy_leaves_out_system_internal_and_excluded_catalogs(server: UnityCatalogServer) -> None:
    for catalog in ("main", "__databricks_internal", "objectsync_catalog", "app_own", "scratch", "samples"):
        server.create_catalog(catalog)
        server.create_schema(catalog, "default")
    with connector(server, internal_databases=("objectsync_catalog",), internalCatalog="APP_OWN",
                   excludedCatalogs=["scratch"]) as c:
        hierarchy = c.list_hierarchy()
    assert hierarchy.databases == {"main": ("default",), "samples": ("default",)}
    assert hierarchy.failed_databases == {}


def test_configured_catalogs_restrict_the_listing_and_missing_ones_fail(server: UnityCatalogServer) -> None:
    for catalog in ("main", "other"):
        server.create_catalog(catalog)
    with connector(server, catalogs=["MAIN", "missing"]) as c:
        hierarchy = c.list_hierarchy()
    assert hierarchy.databases == {"main": ()}
    assert set(hierarchy.failed_databases) == {"missing"}


def test_a_catalog_whose_listing_is_refused_is_reported_and_the_rest_listed(server: UnityCatalogServer) -> None:
    for catalog in ("main", "restricted"):
        server.create_catalog(catalog)
        server.create_schema(catalog, "s")
    server.denied_catalogs.add("restricted")
    with connector(server) as c:
        hierarchy = c.list_hierarchy()
    assert hierarchy.databases == {"main": ("s",)}
    assert "USE CATALOG" in hierarchy.failed_databases["restricted"]


def test_missing_denied_and_system_schemas(server: UnityCatalogServer) -> None:
    server.create_catalog("main")
    server.create_schema("main", "locked")
    server.put_table("main", "locked", int_table("t"))
    server.denied_schemas.add(("main", "locked"))
    with connector(server) as c:
        with pytest.raises(ObjectNotFound, match="main.nope"):
            c.read_schema("main", "nope")
        with pytest.raises(ObjectNotFound):
            c.read_schema("nowhere", "s")
        with pytest.raises(PermissionDenied, match="locked"):
            c.read_schema("main", "locked")
        with pytest.raises(ObjectNotFound):
            c.read_schema("system", "access")
        with pytest.raises(ObjectNotFound):
            c.read_schema("main", "information_schema")


def test_tables_filter_is_case_insensitive_like_unity_catalog(server: UnityCatalogServer) -> None:
    server.create_catalog("main")
    server.create_schema("main", "s")
    for name in ("a", "b", "c"):
        server.put_table("main", "s", int_table(name))
    with connector(server) as c:
        assert [t.name for t in c.read_schema("Main", "S", ["A", "c", "zz"]).tables] == ["a", "c"]
        assert c.read_schema("main", "s", []).tables == ()


def test_validation_passes(server: UnityCatalogServer) -> None:
    server.create_catalog("main")
    server.create_schema("main", "s")
    with connector(server, catalogs=["main"]) as c:
        results = c.validate()
    assert [(r.name, r.status) for r in results] == [
        ("Basic connection test", "passed"),
        ("Metastore validation", "passed"),
        ("Catalog access test", "passed"),
        ("Metadata privileges test", "passed"),
    ]


def test_validation_warns_naming_the_privileges_that_would_show_everything(server: UnityCatalogServer) -> None:
    server.create_catalog("main", readable=False)
    server.create_schema("main", "s")
    server.grant("catalog", "main", server.principal, "USE_CATALOG")
    server.grant("schema", "main.s", "objectsync-readers", "USE_SCHEMA")  # through its group
    server.grant("table", "main.s.t", server.principal, "SELECT")
    with connector(server) as c:
        results = c.validate()
    assert [r.status for r in results] == ["passed", "passed", "passed", "warning"]
    message = results[-1].message or ""
    assert "not the metastore admin" in message
    assert "no USE_SCHEMA (or BROWSE) on catalog main" in message
    assert "no SELECT (or BROWSE) on schema main.s" in message

    server.metastore_owner = "objectsync-readers"  # its group administers the metastore
    with connector(server) as c:
        assert c.validate()[2].status == "passed"


def test_validation_fails_the_metadata_test_when_schemas_cannot_be_listed(server: UnityCatalogServer) -> None:
    server.create_catalog("main")
    server.denied_catalogs.add("main")
    with connector(server, catalogs=["main"]) as c:
        results = c.validate()
    assert [r.status for r in results] == ["passed", "passed", "passed", "failed"]
    assert "USE CATALOG" in (results[-1].message or "")


def test_wrong_token_is_authentication_failed_without_the_secret(server: UnityCatalogServer) -> None:
    wrong = "dapi-not-the-right-one"
    with connector(server, {"token": wrong}) as c:
        with pytest.raises(AuthenticationFailed) as raised:
            c.list_hierarchy()
        results = c.validate()
    assert wrong not in raised.value.message
    assert [r.status for r in results] == ["failed", "skipped", "skipped", "skipped"]
    assert wrong not in str(results)


def test_oauth_m2m_gets_a_token_from_the_workspace_token_endpoint(server: UnityCatalogServer) -> None:
    server.create_catalog("main")
    credentials = {"clientSecret": server.client_secret}
    with connector(server, credentials, authenticationType="oauthM2M", clientId=server.client_id) as c:
        assert c.list_hierarchy().databases == {"main": ()}
    assert len(server.issued_tokens) == 1
    assert ("POST", "/oidc/v1/token") in server.requests

    wrong = {"clientSecret": "dose-wrong-secret"}
    with (
        connector(server, wrong, authenticationType="oauthM2M", clientId=server.client_id) as c,
        pytest.raises(AuthenticationFailed) as raised,
    ):
        c.list_hierarchy()
    assert "dose-wrong-secret" not in raised.value.message


def test_unreachable_workspace_is_remote_unavailable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    started = time.monotonic()
    with (
        DatabricksConnector({"host": f"http://127.0.0.1:{closed_port}"}, {"token": "t"}, timeout=1) as c,
        pytest.raises(RemoteUnavailable) as raised,
    ):
        c.list_hierarchy()
    assert raised.value.transient
    assert time.monotonic() - started < 15


def test_client_config_for_each_authentication_type() -> None:
    pat = client_config({"host": "adb-1.azuredatabricks.net/"}, {"token": "dapi1"}, timeout=7.2)
    assert pat == {
        "host": "https://adb-1.azuredatabricks.net",
        "http_timeout_seconds": 8,
        "retry_timeout_seconds": 8,
        "product": "objectsync",
        "product_version": "0.1.0",
        "auth_type": "pat",
        "token": "dapi1",
    }
    m2m = client_config(
        {"host": "https://x", "authenticationType": "oauthM2M", "clientId": "cid"}, {"clientSecret": "sec"}, 30
    )
    assert (m2m["auth_type"], m2m["client_id"], m2m["client_secret"]) == ("oauth-m2m", "cid", "sec")
    assert "token" not in m2m


@pytest.mark.parametrize(
    ("config", "credentials", "needle"),
    [
        ({}, {"token": "t"}, "host"),
        ({"host": "h"}, {}, "token"),
        ({"host": "h", "authenticationType": "oauthM2M"}, {"clientSecret": "s"}, "clientId"),
        ({"host": "h", "authenticationType": "oauthM2M", "clientId": "c"}, {}, "clientSecret"),
        ({"host": "h", "authenticationType": "azureCli"}, {"token": "t"}, "authenticationType"),
    ],
)
def test_unusable_configuration_is_a_clear_error(config: dict, credentials: dict, needle: str) -> None:
    with pytest.raises(ConfigurationError, match=needle):
        client_config(config, credentials, 30)
    with DatabricksConnector(config, credentials) as c:
        assert [r.status for r in c.validate()] == ["failed", "skipped", "skipped", "skipped"]


# --- permission-filtered listings and what proves a drop ---------------------------------------------------------


def readable_schema(server: UnityCatalogServer, *tables: str) -> None:
    server.create_catalog("main")
    server.create_schema("main", "s")
    for name in tables:
        server.put_table("main", "s", int_table(name))


def test_with_select_on_the_schema_the_table_listing_is_complete(server: UnityCatalogServer) -> None:
    readable_schema(server, "a", "b")
    with connector(server) as c:
        snapshot = c.read_schema("main", "s")
    assert ([t.name for t in snapshot.tables], snapshot.complete) == (["a", "b"], True)


def test_a_revoked_table_is_left_out_and_the_listing_is_incomplete(server: UnityCatalogServer) -> None:
    readable_schema(server, "a", "b", "c")
    # SELECT moves from the catalog to the tables the principal keeps, as an admin revoking one table must do
    server.revoke("catalog", "main", server.principal, "SELECT")
    server.grant("table", "main.s.a", server.principal, "SELECT")
    server.grant("table", "main.s.c", server.principal, "SELECT")
    with connector(server) as c:
        snapshot = c.read_schema("main", "s")
    assert [t.name for t in snapshot.tables] == ["a", "c"], "hidden, not refused"
    assert (snapshot.complete, snapshot.confirmed_absent) == (False, frozenset())


def test_browse_only_tables_are_listed_with_include_browse(server: UnityCatalogServer) -> None:
    readable_schema(server, "a", "b")
    server.revoke("catalog", "main", server.principal, "SELECT")
    server.grant("table", "main.s.a", server.principal, "SELECT")
    server.grant("schema", "main.s", server.principal, "BROWSE")
    with connector(server) as c:
        snapshot = c.read_schema("main", "s")
    assert ([t.name for t in snapshot.tables], snapshot.complete) == (["a", "b"], True)
    assert [c.name for c in snapshot.tables[1].columns] == ["id"], "BROWSE shows the metadata"


def test_a_table_listed_with_deleted_at_is_a_proven_drop(server: UnityCatalogServer) -> None:
    readable_schema(server, "a", "b")
    server.revoke("catalog", "main", server.principal, "SELECT")
    server.grant("schema", "main.s", server.principal, "USE_SCHEMA")
    for name in ("a", "b"):
        server.grant("table", f"main.s.{name}", server.principal, "SELECT")
    server.drop_table("main", "s", "b", soft=True)
    with connector(server) as c:
        snapshot = c.read_schema("main", "s")
    assert [t.name for t in snapshot.tables] == ["a"], "a dropped table is never recorded as present"
    assert (snapshot.complete, snapshot.confirmed_absent) == (False, frozenset({"b"}))


def test_a_catalog_without_use_catalog_is_hidden_and_only_an_admin_listing_is_complete(
        server: UnityCatalogServer) -> None:
    server.create_catalog("main")
    server.create_catalog("hidden", readable=False)
    with connector(server) as c:
        hierarchy = c.list_hierarchy()
    assert set(hierarchy.databases) == {"main"} and not hierarchy.complete
    server.metastore_owner = server.principal
    with connector(server) as c:
        hierarchy = c.list_hierarchy()
    assert set(hierarchy.databases) == {"hidden", "main"} and hierarchy.complete


def test_schema_listing_is_complete_with_use_schema_on_the_catalog(server: UnityCatalogServer) -> None:
    server.create_catalog("main")
    for name in ("a", "b"):
        server.create_schema("main", name)
    with connector(server, catalogs=["main"]) as c:
        assert c.list_hierarchy().incomplete_schemas == {}
    server.revoke("catalog", "main", server.principal, "USE_SCHEMA")
    server.grant("schema", "main.a", server.principal, "USE_SCHEMA")
    with connector(server, catalogs=["main"]) as c:
        hierarchy = c.list_hierarchy()
    assert hierarchy.databases == {"main": ("a",)} and hierarchy.incomplete_schemas == {"main": frozenset()}


def test_unknown_table_and_catalog_types_keep_the_platform_word(server: UnityCatalogServer) -> None:
    readable_schema(server, "t")
    server.put_table("main", "s", UcTable("semantic", [UcColumn("id", "int", "INT")], table_type="SEMANTIC_VIEW"))
    server.put_table("main", "s", UcTable("snap", [UcColumn("id", "int", "INT")], table_type="SNAPSHOT_TABLE"))
    server.create_catalog("future", catalog_type="LAKEBASE_SYNCED_CATALOG")
    with connector(server) as c:
        tables = {t.name: t for t in c.read_schema("main", "s").tables}
        hierarchy = c.list_hierarchy()
        results = c.validate()
    assert (tables["semantic"].kind, tables["semantic"].remote_kind) == ("view", "SEMANTIC_VIEW")
    assert (tables["snap"].kind, tables["snap"].remote_kind) == ("table", "SNAPSHOT_TABLE")
    assert "future" not in hierarchy.databases, "a catalog type it does not know is not ingested"
    assert "future (LAKEBASE_SYNCED_CATALOG)" in (results[-1].message or "")


def test_table_id_changes_when_a_table_is_re_created(server: UnityCatalogServer) -> None:
    readable_schema(server, "t")
    with connector(server) as c:
        first = c.read_schema("main", "s").tables[0].remote_id
        server.drop_table("main", "s", "t")
        server.put_table("main", "s", int_table("t"))
        second = c.read_schema("main", "s").tables[0].remote_id
    assert first and second and first != second


def test_every_list_call_is_paginated_as_unity_catalog_requires(server: UnityCatalogServer) -> None:
    readable_schema(server, "t")
    with connector(server) as c:
        c.list_hierarchy()
        c.read_schema("main", "s")
        c.validate()
    assert server.unpaginated_calls == 0


def test_empty_and_unordered_pages_are_read_to_the_end(server: UnityCatalogServer) -> None:
    readable_schema(server, *(f"t{i:02d}" for i in range(25)))
    server.empty_pages = server.shuffled = True
    with connector(server) as c:
        names = [t.name for t in c.read_schema("main", "s").tables]
    assert sorted(names) == [f"t{i:02d}" for i in range(25)] and len(names) == 25
    assert names != sorted(names), "the double really shuffled"


def test_throttling_is_retried_after_the_retry_after_delay(server: UnityCatalogServer) -> None:
    readable_schema(server, "t")
    server.throttle(2, retry_after=1)
    started = time.monotonic()
    with connector(server) as c:
        assert [t.name for t in c.read_schema("main", "s").tables] == ["t"]
    assert time.monotonic() - started >= 2, "the SDK waited Retry-After before each retry"


def test_throttling_beyond_the_timeout_is_transient_and_deletes_nothing(server: UnityCatalogServer) -> None:
    readable_schema(server, "t")
    server.throttle(1000, retry_after=1)
    with connector(server) as c, pytest.raises(ConnectorError) as raised:
        c.read_schema("main", "s")
    assert raised.value.transient


def test_change_tokens_are_updated_at_and_unmoved_tables_skip_their_columns(server: UnityCatalogServer) -> None:
    server.create_catalog("main")
    server.create_schema("main", "s")
    for name in ("a", "b", "c"):
        server.put_table("main", "s", int_table(name))
    reader = connector(server)
    first = reader.read_schema_changes("main", "s", {})
    tokens = {t.name: t.change_token for t in first.tables}
    assert all(tokens.values()) and first.tables == reader.read_schema("main", "s").tables

    same = reader.read_schema_changes("main", "s", tokens)
    assert [t.name for t in same.tables] == ["a", "b", "c"] and all(t.columns_unread for t in same.tables)

    altered = server.table("main", "s", "b")
    altered.columns.append(UcColumn("note", "string", "STRING"))
    altered.touch()
    server.drop_table("main", "s", "c")
    changed = {t.name: t for t in reader.read_schema_changes("main", "s", tokens).tables}
    assert set(changed) == {"a", "b"} and changed["a"].columns_unread and not changed["b"].columns_unread
    assert [c.name for c in changed["b"].columns] == ["id", "note"] and changed["b"].change_token != tokens["b"]
