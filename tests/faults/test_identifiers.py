"""Identifiers with quotes, semicolons, unicode, spaces, mixed case and PostgreSQL's 63-byte limit round-trip
exactly from the platform through a real crawl into the catalog, and out through the API."""

from __future__ import annotations

import psycopg
from psycopg import sql

from catalog.session import session_scope
from domain.paths import format_path
from services.access.tokens import create_token
from tests.faults.catalog_state import picture, start_crawl_now, wait_for_job_end
from tests.faults.conftest import StackFactory
from tests.support.pipeline import register_source

LONGEST = "é" * 31 + "x"  # 63 bytes in UTF-8, PostgreSQL's identifier limit (NAMEDATALEN - 1)
SCHEMAS = ["Mixed Case", 'quo"te; DROP SCHEMA public;--', "ünï côdé ☃", LONGEST]
TABLES = ["Order Items", "a\"b'c", "x';DROP TABLE y;--", "slash/percent%2F", "dot.ted", "UPPER", "upper", LONGEST,
          "日本語テーブル", " leading and trailing "]
COLUMNS = ["Line No", 'say "hi"', "semi;colon", "ÜBER", "über", LONGEST, "tab\tin name", "%68istory"]


def create_odd_source(url: str) -> None:
    column_list = sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(c)) for c in COLUMNS)
    with psycopg.connect(url, autocommit=True) as conn:
        for schema in SCHEMAS:
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
            for table in TABLES:
                conn.execute(sql.SQL("CREATE TABLE {}.{} ({})").format(
                    sql.Identifier(schema), sql.Identifier(table), column_list))
        names = conn.execute("SELECT DISTINCT attname FROM pg_attribute WHERE attname = %s", (LONGEST,)).fetchall()
    assert names == [(LONGEST,)] and len(LONGEST.encode()) == 63, "the name must not be truncated by the server"


def test_odd_identifiers_round_trip_through_crawl_and_api(stacks: StackFactory, source_db: str) -> None:
    stack = stacks()
    stack.worker("identifiers")
    api = stack.api()
    create_odd_source(source_db)
    register_source("pg", source_db)
    job = wait_for_job_end(stack.catalog_url, start_crawl_now(["pg"]), timeout=120)
    assert job["status"] == "succeeded", job

    database = source_db.rsplit("/", 1)[1]
    found = picture(stack.catalog_url)
    expected_tables = {("pg", database, s, t) for s in SCHEMAS for t in TABLES}
    assert {p for p, v in found.objects.items() if v[0] == "table"} == expected_tables
    assert {p for p, v in found.objects.items() if v[0] == "schema"} == {("pg", database,
                                                                          s) for s in SCHEMAS + ["public"]}
    for path in expected_tables:
        assert [c[0] for c in sorted(found.columns[path], key=lambda c: c[1])] == COLUMNS

    with session_scope() as session:
        token = create_token(session, "identifier-admin", admin=True).secret
    with api.client(token) as client:
        for schema in SCHEMAS:
            for table in TABLES:
                path = ["pg", database, schema, table]
                response = client.get(f"/data/object/{format_path(path)}")
                assert response.status_code == 200, (path, response.text)
                body = response.json()
                assert body["objectPath"] == path and body["name"] == table
                assert [c["name"] for c in body["dictionary"]] == COLUMNS
        schema_page = client.get(f"/data/object/{format_path(['pg', database, LONGEST])}", params={"limit": 100})
        assert schema_page.status_code == 200, schema_page.text
        assert sorted(c["name"] for c in schema_page.json()["children"]["items"]) == sorted(TABLES)
        history = client.get(f"/data/object/{format_path(['pg', database, SCHEMAS[1], TABLES[2]])}/history")
        assert history.status_code == 200 and history.json()["items"][0]["data"]["objectPath"][-1] == TABLES[2]
