"""Connection filter patterns end to end: real PostgreSQL sources and catalog, real Redis, a real Celery worker.

Filtered-out objects are out of scope: never ingested, and left exactly as they are when already in the catalog.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from catalog.session import session_factory, session_scope
from models import Connection, DataObject
from services.connections.connection_records import store_connection, updated_options
from tests.conftest import create_database, drop_database
from tests.support.pg_source import connection_settings
from tests.support.pipeline import crawl, events_after, last_event_id, register_source, run_sql

pytestmark = pytest.mark.usefixtures("catalog", "worker")

SOURCE = [
    "CREATE SCHEMA sales",
    "CREATE TABLE sales.customers (id int, name text)",
    "CREATE TABLE sales.orders (id int, amount numeric)",
    "CREATE TABLE sales.tmp_load (id int)",
    "CREATE TABLE sales.tmp_stage (id int)",
    "CREATE VIEW sales.tmp_view AS SELECT id FROM sales.orders",
    'CREATE SCHEMA "Marketing"',
    'CREATE TABLE "Marketing"."Campaigns" (id int)',
    "CREATE SCHEMA staging",
    "CREATE TABLE staging.raw (id int)",
]


def db_name(url: str) -> str:
    return url.rsplit("/", 1)[1]


def objects(key: str = "pg") -> dict[tuple[str, ...], DataObject]:
    with session_factory()() as session:
        return {tuple(o.path): o for o in session.scalars(select(DataObject).where(DataObject.path[1] == key))}


def picture(key: str = "pg") -> dict[tuple[str, ...], tuple]:
    """Each object's state that a crawl could change."""
    return {path: (o.status_setting, o.effective_status, o.remote_state, o.fingerprint, o.revision,
                   o.last_changed_at) for path, o in objects(key).items()}


def set_filters(key: str, filters: dict[str, Any]) -> None:
    with session_scope() as session:
        connection = session.scalar(select(Connection).where(Connection.key == key))
        connection.options = updated_options(connection.options, filters=filters)


def crawl_events(mark: int) -> list[tuple[str, tuple[str, ...]]]:
    return [(e.type, tuple(e.object_path)) for e in events_after(mark)]


@pytest.fixture
def source(source_db: str) -> str:
    run_sql(source_db, *SOURCE)
    return source_db


def test_tables_matching_an_exclusion_are_never_ingested_and_emit_nothing(source: str) -> None:
    db = db_name(source)
    register_source("pg", source, filters={"tables": {"exclude": ["tmp_.*"]}})
    report = crawl(["pg"])
    assert report["status"] == "succeeded", report

    tables = {p[-1] for p in objects() if len(p) == 4}
    assert tables == {"customers", "orders", "Campaigns", "raw"}, "tmp_load, tmp_stage and the view tmp_view left out"
    assert not [e for e in events_after(0) if e.object_path[-1].startswith("tmp_")]
    assert report["summary"]["object.created"] == 1 + 4 + 4  # the database, sales/Marketing/staging/public, 4 tables

    mark = last_event_id()
    run_sql(source, "CREATE TABLE sales.tmp_new (id int)", "ALTER TABLE sales.tmp_load ADD COLUMN x int",
            "CREATE TABLE sales.kept (id int)")
    assert crawl(["pg"])["status"] == "succeeded"
    assert crawl_events(mark) == [("object.created", ("pg", db, "sales", "kept"))]
    assert ("pg", db, "sales", "tmp_new") not in objects()


def test_an_exclusion_added_after_ingestion_leaves_those_objects_as_they_are(source: str) -> None:
    db = db_name(source)
    register_source("pg", source)
    assert crawl(["pg"])["status"] == "succeeded"
    before = picture()
    assert before[("pg", db, "sales", "tmp_load")][:3] == ("inherit", "enabled", "present")

    set_filters("pg", {"tables": {"exclude": ["tmp_.*", "customers", "orders"]}, "schemas": {"exclude": ["Marketing"]}})
    mark = last_event_id()
    report = crawl(["pg"])
    assert report["status"] == "succeeded", report  # not held: nothing in scope vanished
    assert crawl_events(mark) == [], "no object.deleted_remotely, no disabling"
    assert picture() == before

    # Out of scope means out of scope: remote changes to those objects, even drops, are not followed either.
    run_sql(source, "DROP TABLE sales.tmp_stage", "ALTER TABLE sales.customers ADD COLUMN phone text",
            'DROP SCHEMA "Marketing" CASCADE')
    report = crawl(["pg"])
    assert report["status"] == "succeeded", report
    assert crawl_events(mark) == []
    assert picture() == before
    assert report["subtasks"]["total"] == 3, "sales, staging, public; Marketing is no longer crawled"

    set_filters("pg", {})  # back in scope: now the drops and changes are seen
    assert crawl(["pg"])["status"] == "succeeded"
    assert set(crawl_events(mark)) == {
        ("object.deleted_remotely", ("pg", db, "sales", "tmp_stage")),
        ("column.added", ("pg", db, "sales", "customers")),
        ("object.deleted_remotely", ("pg", db, "Marketing")),
        ("data_source.disabled", ("pg", db, "Marketing", "Campaigns")),
    }


def test_include_patterns_limit_schemas(source: str) -> None:
    db = db_name(source)
    register_source("pg", source, filters={"schemas": {"include": ["sales", "Mark.*"]}})
    report = crawl(["pg"])
    assert report["status"] == "succeeded" and report["subtasks"]["total"] == 2, report
    schemas = {p[2] for p in objects() if len(p) == 3}
    assert schemas == {"sales", "Marketing"}, "staging and public are not included"
    assert ("pg", db, "staging", "raw") not in objects()
    assert not [e for e in events_after(0) if e.object_path[2:3] in (["staging"], ["public"])]


@pytest.fixture
def second_source() -> Iterator[str]:
    name = f"objectsync_src_{uuid.uuid4().hex[:10]}"
    url = create_database(name)
    run_sql(url, "CREATE SCHEMA hr", "CREATE TABLE hr.people (id int)")
    yield url
    drop_database(name)


def register_databases(key: str, first: str, second: str, filters: dict[str, Any]) -> None:
    config, credentials = connection_settings(first)
    config["databases"] = [db_name(first), db_name(second)]
    with session_scope() as session:
        store_connection(session, key=key, technology="postgresql", config=config, credentials=credentials,
                            activate_new_children=True, filters=filters)


def test_database_filter(source: str, second_source: str) -> None:
    first, second = db_name(source), db_name(second_source)
    register_databases("pg", source, second_source, {"databases": {"exclude": [re.escape(second)]}})
    report = crawl(["pg"])
    assert report["status"] == "succeeded", report
    databases = {p[1] for p in objects() if len(p) == 2}
    assert databases == {first}
    assert not [e for e in events_after(0) if e.object_path[1:2] == [second]]

    # Swapping the filter: the second database comes in, the first stays as it was (not deleted remotely).
    before = {p: v for p, v in picture().items() if p[1:2] == (first,)}
    mark = last_event_id()
    set_filters("pg", {"databases": {"include": [re.escape(second)]}})
    assert crawl(["pg"])["status"] == "succeeded"
    events = crawl_events(mark)
    assert {p for _, p in events} == {("pg", second), ("pg", second, "hr"), ("pg", second, "public"),
                                      ("pg", second, "hr", "people")}
    assert {t for t, _ in events} == {"object.created"}
    assert {p: v for p, v in picture().items() if p[1:2] == (first,)} == before


def test_odd_identifiers_match_as_written(source_db: str) -> None:
    db = db_name(source_db)
    run_sql(source_db,
            'CREATE SCHEMA "Mixed Case"',
            'CREATE TABLE "Mixed Case"."Order Items" (id int)',
            'CREATE TABLE "Mixed Case"."Ünïcode ""quoted"" tbl" (id int)',
            'CREATE TABLE "Mixed Case"."it\'s" (id int)',
            'CREATE TABLE "Mixed Case"."Zürich Sales" (id int)',
            'CREATE TABLE "Mixed Case"."ORDER ITEMS" (id int)',
            'CREATE SCHEMA "mixed case"',
            'CREATE TABLE "mixed case".t (id int)')
    register_source("pg", source_db, filters={
        "schemas": {"include": ["Mixed Case"]},
        "tables": {"exclude": ['Ünïcode "quoted" tbl', "it's", "Order Items", "Zurich Sales"]},
    })
    report = crawl(["pg"])
    assert report["status"] == "succeeded", report
    found = objects()
    assert {p[2] for p in found if len(p) == 3} == {"Mixed Case"}, "case-sensitive: 'mixed case' is not included"
    assert {p[-1] for p in found if len(p) == 4} == {"ORDER ITEMS", "Zürich Sales"}
    assert ("pg", db, "Mixed Case", "ORDER ITEMS") in found  # 'Order Items' excludes that name only


def test_a_manual_crawl_of_a_filtered_out_path_succeeds_with_nothing_to_do(source: str) -> None:
    db = db_name(source)
    register_source("pg", source)
    crawl(["pg"])
    before = picture()
    set_filters("pg", {"schemas": {"exclude": ["staging"]}, "tables": {"exclude": ["tmp_.*"]}})
    run_sql(source, "ALTER TABLE staging.raw ADD COLUMN x int", "ALTER TABLE sales.tmp_load ADD COLUMN x int",
            "CREATE TABLE sales.tmp_fresh (id int)")
    mark = last_event_id()

    schema = crawl(["pg", db, "staging"])
    assert schema["status"] == "succeeded" and schema["subtasks"]["total"] == 0 and schema["errors"] == []
    assert schema["nothingCrawled"] == {"reason": "filtered", "message": "schema 'staging' is excluded by the "
                                        "connection's filters: filters.schemas matches the exclude pattern 'staging'"}
    table = crawl(["pg", db, "sales", "tmp_load"])
    assert table["status"] == "succeeded" and table["subtasks"]["total"] == 1 and table["errors"] == []
    assert table["nothingCrawled"] == {"reason": "filtered", "message": "table 'tmp_load' is excluded by the "
                                       "connection's filters: filters.tables matches the exclude pattern 'tmp_.*'"}
    new_table = crawl(["pg", db, "sales", "tmp_fresh"], include_disabled=True)
    assert new_table["status"] == "succeeded"
    assert crawl_events(mark) == []
    assert picture() == before and ("pg", db, "sales", "tmp_fresh") not in objects()


def test_invalid_stored_filters_fail_the_crawl_and_change_nothing(source: str) -> None:
    register_source("pg", source)
    crawl(["pg"])
    before = picture()
    with session_scope() as session:  # bypassing validation, as a hand edit of the catalog would
        connection = session.scalar(select(Connection).where(Connection.key == "pg"))
        connection.options = {**connection.options, "filters": {"tables": {"exclude": ["tmp_("]}}}
    report = crawl(["pg"])
    assert report["status"] == "failed"
    assert "invalid regular expression 'tmp_('" in report["errors"][0]["message"]
    assert picture() == before
