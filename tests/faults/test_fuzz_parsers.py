"""Connector and path parsers under arbitrary input: a result or the documented domain error, never a crash."""

from __future__ import annotations

import string
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors import (
    ConfigurationError,
    mysql,
    snowflake,
    sqlserver,
    sqlserver_queries,
)
from connectors.databricks import client_config
from connectors.postgresql import PostgresSettings
from domain.paths import InvalidPath, format_path, parse_path

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_scalars = st.none() | st.booleans() | st.integers(-(2**40),
                                                       2**40) | st.floats(allow_nan=False) | st.text(max_size=30)
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.text(max_size=10), inner, max_size=3), max_leaves=6)
CONFIG_KEYS = ["hostname", "host", "port", "database", "databases", "sslmode", "includeAllDatabases", "account",
               "user", "warehouse", "role", "protocol", "authenticationType", "clientId"]
CREDENTIAL_KEYS = ["username", "password", "authenticationType", "privateKey", "privateKeyPassphrase", "token",
                   "clientSecret", "clientId", "user"]


def mappings(keys: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(st.sampled_from(keys) | st.text(max_size=8), json_values, max_size=len(keys))


segments = st.text(min_size=1, max_size=40)


@FUZZ
@given(st.lists(segments, min_size=1, max_size=4))
def test_object_paths_round_trip_exactly(path: list[str]) -> None:
    assert parse_path(format_path(path)) == tuple(path)


@FUZZ
@given(st.text(max_size=80) | st.text(alphabet="/%abcDEF0123456789 ", max_size=40))
def test_any_text_is_a_path_or_an_invalid_path(text: str) -> None:
    try:
        path = parse_path(text)
    except InvalidPath:
        return
    assert 1 <= len(path) <= 4 and all(path)
    assert parse_path(format_path(path)) == path


@FUZZ
@given(mappings(CONFIG_KEYS), mappings(CREDENTIAL_KEYS))
def test_postgresql_settings_parse_or_configuration_error(config: dict, credentials: dict) -> None:
    try:
        parsed = PostgresSettings.parse(config, credentials)
    except ConfigurationError:
        return
    assert 1 <= parsed.port <= 65535 and parsed.hostname.strip() and parsed.username.strip()
    if isinstance(parsed.password, str) and len(parsed.password) > 3:
        assert parsed.password not in repr(parsed)


@FUZZ
@given(mappings(CONFIG_KEYS), mappings(CREDENTIAL_KEYS), st.floats(0.01, 600))
def test_databricks_client_config_or_configuration_error(config: dict, credentials: dict, timeout: float) -> None:
    try:
        arguments = client_config(config, credentials, timeout)
    except ConfigurationError:
        return
    assert arguments["host"].startswith(("http://", "https://")) or "://" in arguments["host"]


@FUZZ
@given(mappings(CONFIG_KEYS), mappings(CREDENTIAL_KEYS), st.floats(0.01, 600))
def test_snowflake_connect_arguments_or_configuration_error(config: dict, credentials: dict, timeout: float) -> None:
    try:
        arguments = snowflake.connect_arguments(config, credentials, timeout)
    except ConfigurationError:
        return
    assert arguments["account"]


@FUZZ
@given(st.text(max_size=60))
def test_snowflake_quoted_identifiers_unquote_to_the_name(name: str) -> None:
    quoted = snowflake.quote_identifier(name)
    assert quoted[0] == quoted[-1] == '"' and quoted[1:-1].replace('""', '"') == name


odbc_keys = st.text(alphabet=string.ascii_letters + string.digits + " _", min_size=1,
                    max_size=12).map(str.strip).filter(bool)
odbc_values = st.text(max_size=30).filter(lambda v: "\x00" not in v)


@FUZZ
@given(st.lists(st.tuples(odbc_keys, odbc_values), max_size=6))
def test_odbc_connection_strings_round_trip(pairs: list[tuple[str, str]]) -> None:
    assert sqlserver.parse_connection_string(sqlserver.format_connection_string(pairs)) == pairs


@FUZZ
@given(st.text(max_size=80) | st.text(alphabet="ab=;{} ", max_size=40))
def test_any_odbc_text_parses_or_is_a_configuration_error(text: str) -> None:
    try:
        pairs = sqlserver.parse_connection_string(text)
    except ConfigurationError:
        return
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in pairs)


names = st.text(min_size=1, max_size=20)
small = st.none() | st.integers(-1, 5000)


@FUZZ
@given(st.lists(st.tuples(names, st.sampled_from(["BASE TABLE", "VIEW", "SYSTEM VIEW"]),
                          st.none() | st.text(max_size=10)),
                max_size=5, unique_by=lambda r: r[0]),
       st.lists(st.tuples(names, names, st.integers(1, 100), st.text(max_size=10), st.sampled_from(["YES", "NO"]),
                          st.none() | st.text(max_size=10)), max_size=15),
       st.none() | st.sets(names, max_size=3))
def test_mysql_snapshot_from_rows(table_rows: list, column_rows: list, tables: set | None) -> None:
    snapshot = mysql.build_snapshot("db", "s", table_rows, column_rows, tables)
    expected = [r[0] for r in table_rows if tables is None or r[0] in tables]
    assert [t.name for t in snapshot.tables] == expected
    for table in snapshot.tables:
        assert [c.ordinal for c in table.columns] == sorted(c.ordinal for c in table.columns)
        assert len(table.columns) == sum(1 for r in column_rows if r[0] == table.name)


@FUZZ
@given(st.text(max_size=20), st.none() | st.sets(st.text(max_size=20), max_size=1200))
def test_narrowed_queries_bind_every_name(schema: str, tables: set | None) -> None:
    sql, params = mysql.narrowed_query("SELECT 1 WHERE TABLE_SCHEMA = %s", schema, tables)
    assert sql.count("%s") == len(params) and params[0] == schema
    query = sqlserver_queries.tables_query(schema, tables)
    assert query.sql.count("?") == len(query.params)


@FUZZ
@given(st.lists(st.tuples(names, st.sampled_from(["BASE TABLE", "VIEW", "table"])), max_size=5,
                unique_by=lambda r: r[0]),
       st.lists(st.tuples(names, names, st.integers(1, 100), st.sampled_from(["int", "nvarchar", "decimal",
                                                                              "datetime2", "x"]),
                          small, small, small, small, st.sampled_from(["YES", "NO", "yes"])), max_size=15),
       st.lists(st.tuples(names, st.none() | names, st.text(max_size=10)), max_size=5))
def test_sqlserver_snapshot_from_rows(table_rows: list, column_rows: list, comment_rows: list) -> None:
    snapshot = sqlserver_queries.build_snapshot("db", "dbo", table_rows, column_rows, comment_rows)
    assert [t.name for t in snapshot.tables] == [r[0] for r in table_rows]
    assert all(c.data_type for t in snapshot.tables for c in t.columns)


@FUZZ
@given(st.tuples(st.none() | st.integers(), st.none() | st.integers(0, 1), st.none() | st.integers(0, 1),
                 st.none() | st.integers(0, 9), st.none() | st.integers(0, 1)))
def test_sqlserver_schema_access_is_never_missing_when_unsure(row: tuple) -> None:
    access = sqlserver_queries.schema_access(row)
    assert access in ("readable", "missing", "denied")
    if access == "missing":
        assert row[0] is None and row[4] == 1


@FUZZ
@given(st.lists(st.tuples(names, names, st.none() | st.sampled_from(["BASE TABLE", "VIEW", "MATERIALIZED VIEW"]),
                          st.none() | st.text(max_size=5), st.none() | st.text(max_size=5), names, st.integers(1, 50),
                          st.sampled_from(["TEXT", "NUMBER", "BINARY", "DATE"]), small, small, small,
                          st.sampled_from(["YES", "NO"]), st.none() | st.text(max_size=5),
                          st.none() | st.datetimes(), *[st.none() | st.sampled_from(["YES", "NO"])] * 3),
                max_size=15))
def test_snowflake_tables_from_rows(rows: list) -> None:
    rows = sorted(rows, key=lambda r: (r[1], r[6]))
    tables = snowflake.tables_from_rows(rows)
    assert [t.name for t in tables] == sorted({r[1] for r in rows}, key=[r[1] for r in rows].index)
    assert sum(len(t.columns) for t in tables) == len(rows)
    assert all(t.kind == ("view" if t.remote_kind in snowflake.VIEW_TYPES else "table") for t in tables)


@pytest.mark.parametrize("text", ["", "/", "a/b/c/d/e", "a//b", "pg/%FF", "pg/%E2%82"])
def test_documented_path_errors(text: str) -> None:
    with pytest.raises(InvalidPath):
        parse_path(text)
