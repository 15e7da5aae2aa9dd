"""The crawl pipeline end to end: real PostgreSQL source and catalog, real Redis, a real Celery worker process."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from catalog.session import session_factory
from models import ChangeEvent, Column, DataObject, JobSubtask
from services.crawl.dispatch import dispatch_due_syncs
from services.crawl.jobs import wait_for_job
from tests.support.pipeline import (
    crawl,
    events_after,
    jobs,
    last_event_id,
    register_source,
    run_sql,
    task_messages_lost,
)

pytestmark = pytest.mark.usefixtures("catalog", "worker")

SALES = [
    'CREATE SCHEMA sales',
    'CREATE TABLE sales.customers (id int PRIMARY KEY, name text NOT NULL, email varchar(200))',
    'CREATE TABLE sales.orders (id bigint, customer_id int, amount numeric(10,2), placed_at date)',
    'CREATE TABLE sales."Order Items" ("Line No" int, "Ünïcode ""quoted""" text, sku text)',
    'CREATE TABLE sales.returns (id int, reason text)',
    'CREATE VIEW sales.big_orders AS SELECT id, amount FROM sales.orders WHERE amount > 100',
    "COMMENT ON TABLE sales.customers IS 'people who buy'",
    'CREATE SCHEMA "Marketing"',
    'CREATE TABLE "Marketing"."Campaigns" (id int, title text)',
]


def objects() -> dict[tuple[str, ...], DataObject]:
    with session_factory()() as session:
        return {tuple(o.path): o for o in session.scalars(select(DataObject))}


def columns_of(path: list[str]) -> dict[str, Column]:
    with session_factory()() as session:
        table_id = session.scalar(select(DataObject.id).where(DataObject.path == path))
        return {c.name: c for c in session.scalars(select(Column).where(Column.table_id == table_id))}


def catalog_picture() -> set[tuple]:
    """Everything the catalog holds about objects and columns, minus ids and timestamps."""
    with session_factory()() as session:
        objs = {(tuple(o.path), o.kind, o.status_setting, o.effective_status, o.remote_state, o.fingerprint,
                 o.revision) for o in session.scalars(select(DataObject))}
        cols = {(tuple(o.path), c.name, c.ordinal, c.data_type, c.nullable, tuple(c.tags))
                for c, o in session.execute(select(Column, DataObject).join(DataObject,
                                                                            DataObject.id == Column.table_id))}
    return objs | cols


@pytest.fixture
def sales_source(source_db: str) -> str:
    run_sql(source_db, *SALES)
    register_source("pg", source_db)
    return source_db


def test_first_sync_mirrors_the_hierarchy_and_emits_created_events(sales_source: str) -> None:
    db = sales_source.rsplit("/", 1)[1]
    report = crawl(["pg"])
    assert report["status"] == "succeeded", report
    assert report["subtasks"] == {"total": 3, "succeeded": 3, "held": 0, "failed": 0}  # sales, Marketing, public

    found = objects()
    assert found[("pg", db, "sales", "Order Items")].kind == "table"
    assert found[("pg", db, "sales", "big_orders")].kind == "view"
    assert found[("pg", db, "sales", "customers")].comment == "people who buy"
    assert found[("pg", db, "Marketing", "Campaigns")].effective_status == "enabled"
    assert ("pg", db, "public") in found and ("pg", db, "information_schema") not in found
    assert set(columns_of(["pg", db, "sales", "Order Items"])) == {"Line No", 'Ünïcode "quoted"', "sku"}
    customers = columns_of(["pg", db, "sales", "customers"])
    assert customers["email"].data_type == "character varying(200)" and customers["name"].nullable is False
    assert all(c.tags == [] for c in customers.values()), "columns of new tables are not tagged New"

    created = Counter(e.object_path[-1] for e in events_after(0) if e.type == "object.created")
    assert created["customers"] == created["big_orders"] == created["sales"] == 1
    assert report["summary"]["object.created"] == 10  # 1 database, 3 schemas (public too), 6 tables and views


def test_changes_on_the_platform_become_change_events(sales_source: str) -> None:
    db = sales_source.rsplit("/", 1)[1]
    crawl(["pg"])
    mark = last_event_id()
    run_sql(sales_source,
            "ALTER TABLE sales.customers ADD COLUMN phone text",
            "DROP TABLE sales.returns",
            "ALTER TABLE sales.orders ALTER COLUMN customer_id TYPE bigint",
            "ALTER TABLE sales.orders ALTER COLUMN placed_at SET NOT NULL",
            'ALTER TABLE sales."Order Items" DROP COLUMN sku')
    report = crawl(["pg"])
    assert report["status"] == "succeeded", report

    changes = {(e.type, e.object_path[-1], e.payload.get("column")) for e in events_after(mark)}
    assert changes == {
        ("column.added", "customers", "phone"),
        ("object.deleted_remotely", "returns", None),
        ("column.type_changed", "orders", "customer_id"),
        ("column.changed", "orders", "placed_at"),
        ("column.deleted", "Order Items", "sku"),
    }
    assert columns_of(["pg", db, "sales", "customers"])["phone"].tags == ["New"]
    orders = columns_of(["pg", db, "sales", "orders"])
    assert orders["customer_id"].tags == ["New"] and orders["customer_id"].data_type == "bigint"
    assert orders["placed_at"].tags == [] and orders["placed_at"].nullable is False
    assert "sku" not in columns_of(["pg", db, "sales", "Order Items"])
    returns = objects()[("pg", db, "sales", "returns")]
    assert (returns.remote_state, returns.effective_status) == ("deleted", "disabled"), "kept, disabled"

    run_sql(sales_source, "CREATE TABLE sales.returns (id int, reason text)")
    mark = last_event_id()
    crawl(["pg"])
    assert [(e.type, e.object_path[-1]) for e in events_after(mark)] == [("object.restored", "returns")]
    returns = objects()[("pg", db, "sales", "returns")]
    assert (returns.remote_state, returns.effective_status) == ("present", "enabled")


def test_an_unchanged_resync_writes_and_emits_nothing(sales_source: str) -> None:
    crawl(["pg"])
    before = catalog_picture()
    with session_factory()() as session:
        changed_at = session.scalar(select(func.max(DataObject.last_changed_at)))
    mark = last_event_id()
    report = crawl(["pg"])
    assert report["status"] == "succeeded"
    assert events_after(mark) == []
    assert catalog_picture() == before
    with session_factory()() as session:
        assert session.scalar(select(func.max(DataObject.last_changed_at))) == changed_at


def test_concurrent_crawls_of_one_connection_agree_and_never_duplicate_events(sales_source: str) -> None:
    from services.crawl.jobs import start_crawl

    run_sql(sales_source, *[f"CREATE TABLE sales.t{i} (id int, v text)" for i in range(20)])
    bulk_ids = [start_crawl(session_factory(), ["pg"]) for _ in range(3)]
    reports = [wait_for_job(b) for b in bulk_ids]
    assert {r["status"] for r in reports} == {"succeeded"}
    events = events_after(0)
    assert len({e.event_id for e in events}) == len(events)
    created = Counter(tuple(e.object_path) for e in events if e.type == "object.created")
    assert set(created.values()) == {1}
    picture = catalog_picture()
    crawl(["pg"])
    assert catalog_picture() == picture


def test_a_schema_that_cannot_be_read_deletes_nothing(sales_source: str) -> None:
    db = sales_source.rsplit("/", 1)[1]
    reader = f"objectsync_reader_{db[-10:]}"  # roles are cluster-wide: one of this test's own
    run_sql(sales_source, f"CREATE ROLE {reader} LOGIN", f'GRANT CONNECT ON DATABASE "{db}" TO {reader}',
            f"GRANT USAGE ON SCHEMA sales TO {reader}")
    try:
        from models import Connection
        from services.access.secrets import encrypt_secret

        with session_factory()() as session, session.begin():
            connection = session.scalar(select(Connection).where(Connection.key == "pg"))
            connection.credentials_encrypted = encrypt_secret({"username": reader, "password": "x"})
        crawl(["pg"])
        picture = catalog_picture()
        run_sql(sales_source, f"REVOKE USAGE ON SCHEMA sales FROM {reader}")
        report = crawl(["pg"])
        assert report["status"] == "partial", report
        assert any("sales" in e["scope"] for e in report["errors"]), report["errors"]
        assert catalog_picture() == picture, "nothing deleted or disabled"
    finally:
        run_sql(sales_source, f"DROP OWNED BY {reader}", f"DROP ROLE IF EXISTS {reader}")


def test_unreachable_platform_fails_the_job_and_changes_nothing(sales_source: str) -> None:
    from models import Connection

    crawl(["pg"])
    picture = catalog_picture()
    with session_factory()() as session, session.begin():
        connection = session.scalar(select(Connection).where(Connection.key == "pg"))
        connection.config = {**connection.config, "port": 1}
    report = crawl(["pg"], timeout=120)
    assert report["status"] == "failed"
    assert report["errors"] and "listing" in report["errors"][0]["message"]
    assert catalog_picture() == picture


def test_mass_deletion_is_held_until_explicitly_allowed(sales_source: str) -> None:
    """Only the deletions wait; the rest of the schema's changes are applied; every held crawl says so."""
    db = sales_source.rsplit("/", 1)[1]
    crawl(["pg"])
    run_sql(sales_source, "DROP TABLE sales.customers", "DROP TABLE sales.returns", 'DROP TABLE sales."Order Items"',
            "DROP VIEW sales.big_orders", "CREATE TABLE sales.fresh (id int)",
            "ALTER TABLE sales.orders ADD COLUMN note text")
    mark = last_event_id()
    report = crawl(["pg"])
    assert report["status"] == "partial" and report["subtasks"]["held"] == 1
    assert "--allow-mass-deletion" in report["errors"][0]["message"]
    assert "allowMassDeletion" in report["errors"][0]["message"]
    held = [e for e in events_after(mark) if e.type == "sync.guard_tripped"]
    assert len(held) == 1 and held[0].object_id == objects()[("pg", db, "sales")].id
    assert objects()[("pg", db, "sales", "customers")].remote_state == "present"
    assert ("pg", db, "sales", "fresh") in objects(), "a new table is not held"
    assert "note" in columns_of(["pg", db, "sales", "orders"]), "a new column is not held"

    again = crawl(["pg"])
    assert again["status"] == "partial"
    assert [e.type for e in events_after(mark)].count("sync.guard_tripped") == 2, "every held crawl is reported"

    allowed = crawl(["pg", db, "sales"], allow_mass_deletion=True)
    assert allowed["status"] == "succeeded"
    assert {e.object_path[-1] for e in events_after(mark) if e.type == "object.deleted_remotely"} == {
        "customers", "returns", "Order Items", "big_orders"}


def test_a_one_table_schema_losing_its_table_is_applied_with_its_deletion_time(source_db: str) -> None:
    """One deletion is under the guard's minimum count: applied, deletedRemotelyAt set, cleared on return."""
    db = source_db.rsplit("/", 1)[1]
    run_sql(source_db, "CREATE SCHEMA solo", "CREATE TABLE solo.only_one (id int)")
    register_source("pg", source_db)
    crawl(["pg"])
    path = ("pg", db, "solo", "only_one")
    assert objects()[path].deleted_remotely_at is None
    run_sql(source_db, "DROP TABLE solo.only_one")
    report = crawl(["pg"])
    assert report["status"] == "succeeded", report
    gone = objects()[path]
    assert gone.remote_state == "deleted" and gone.deleted_remotely_at is not None
    run_sql(source_db, "CREATE TABLE solo.only_one (id int)")
    crawl(["pg"])
    back = objects()[path]
    assert back.remote_state == "present" and back.deleted_remotely_at is None


def test_dry_run_reports_the_diff_without_applying_it(sales_source: str) -> None:
    db = sales_source.rsplit("/", 1)[1]
    crawl(["pg"])
    picture = catalog_picture()
    run_sql(sales_source, "ALTER TABLE sales.customers ADD COLUMN phone text", "CREATE TABLE sales.fresh (x int)")
    mark = last_event_id()
    report = crawl(["pg"], dry_run=True)
    assert report["status"] == "succeeded"
    planned = {(c["type"], c["path"][-1]) for c in report["plannedChanges"]}
    assert planned == {("column.added", "customers"), ("object.created", "fresh")}
    (created,) = [c for c in report["plannedChanges"] if c["type"] == "object.created"]
    assert created["payload"]["dictionary"] == [
        {"name": "x", "ordinal": 1, "dataType": "integer", "nullable": True, "comment": None}]
    assert catalog_picture() == picture
    assert [e.type for e in events_after(mark, include_jobs=True)] == ["job.finished"]
    assert ("pg", db, "sales", "fresh") not in objects()


def test_a_dry_run_emits_nothing_for_new_or_vanished_schemas_either(sales_source: str) -> None:
    """Planned hierarchy changes stay planned: emitted, they would also swallow the real events (same ids)."""
    db = sales_source.rsplit("/", 1)[1]
    crawl(["pg"])
    run_sql(sales_source, "CREATE SCHEMA fresh", "CREATE TABLE fresh.t (id int)")
    mark = last_event_id()
    report = crawl(["pg"], dry_run=True)
    assert ("object.created", "fresh") in {(c["type"], c["path"][-1]) for c in report["plannedChanges"]}
    assert [e.type for e in events_after(mark, include_jobs=True)] == ["job.finished"]
    assert ("pg", db, "fresh") not in objects()

    crawl(["pg"])
    assert {(e.type, e.object_path[-1]) for e in events_after(mark)} == {
        ("object.created", "fresh"), ("object.created", "t")}


def test_manual_crawl_of_one_table_touches_only_that_table(sales_source: str) -> None:
    db = sales_source.rsplit("/", 1)[1]
    crawl(["pg"])
    run_sql(sales_source, "ALTER TABLE sales.customers ADD COLUMN phone text",
            "ALTER TABLE sales.orders ADD COLUMN note text")
    mark = last_event_id()
    report = crawl(["pg", db, "sales", "customers"])
    assert report["status"] == "succeeded" and report["subtasks"]["total"] == 1
    assert [(e.type, e.object_path[-1]) for e in events_after(mark)] == [("column.added", "customers")]


def test_disabled_objects_are_crawled_only_when_asked(sales_source: str) -> None:
    db = sales_source.rsplit("/", 1)[1]
    crawl(["pg"])
    with session_factory()() as session, session.begin():
        schema = session.scalar(select(DataObject).where(DataObject.path == ["pg", db, "sales"]))
        schema.status_setting = "disabled"
    from catalog.status_propagation import refresh_effective_status

    with session_factory()() as session, session.begin():
        refresh_effective_status(session, [schema.id])
    run_sql(sales_source, "ALTER TABLE sales.customers ADD COLUMN phone text")
    mark = last_event_id()
    assert crawl(["pg"])["subtasks"]["total"] == 2  # Marketing and public; the disabled sales is skipped
    assert events_after(mark) == []
    report = crawl(["pg"], include_disabled=True)
    assert report["status"] == "succeeded"
    assert [(e.type, e.object_path[-1]) for e in events_after(mark)] == [("column.added", "customers")]


def test_new_tables_follow_activate_new_children(source_db: str) -> None:
    db = source_db.rsplit("/", 1)[1]
    run_sql(source_db, "CREATE SCHEMA s", "CREATE TABLE s.a (id int)")
    register_source("off", source_db, activate_new_children=False, force_recursive_crawl=True)
    crawl(["off"])
    found = objects()
    assert found[("off", db, "s")].effective_status == "disabled"
    assert found[("off", db, "s", "a")].effective_status == "disabled"


def test_scheduled_dispatch_is_safe_with_two_beats(sales_source: str) -> None:
    from datetime import UTC, datetime, timedelta

    from models import Connection

    with session_factory()() as session, session.begin():
        connection = session.scalar(select(Connection).where(Connection.key == "pg"))
        connection.next_sync_at = datetime.now(UTC) - timedelta(minutes=1)
    results: list[list[str]] = []
    threads = [threading.Thread(target=lambda: results.append(dispatch_due_syncs())) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bulk_ids = [b for r in results for b in r]
    assert len(bulk_ids) == 1
    assert wait_for_job(bulk_ids[0])["status"] == "succeeded"
    assert [j.kind for j in jobs()] == ["scheduled_sync"]
    with session_factory()() as session:
        nxt = session.scalar(select(Connection.next_sync_at).where(Connection.key == "pg"))
        assert nxt > datetime.now(UTC) and (nxt.hour, nxt.minute) == (1, 0)


def test_subtasks_are_counted_once_per_schema(sales_source: str) -> None:
    report = crawl(["pg"])
    with session_factory()() as session:
        statuses = Counter(session.scalars(select(JobSubtask.status)))
    assert statuses == {"succeeded": report["subtasks"]["total"]}
    with session_factory()() as session:
        assert session.scalar(select(func.count()).select_from(ChangeEvent).where(
            ChangeEvent.type == "job.finished")) == 1


def test_deregistering_deletes_every_child_object_and_column_here_only(sales_source: str) -> None:
    from catalog.session import session_scope
    from services.connections.connection_records import delete_connection_records

    crawl(["pg"])
    with session_factory()() as session:
        assert session.scalar(select(func.count()).select_from(Column)) > 0
    with session_scope() as session:
        delete_connection_records(session, "pg")
    with session_factory()() as session:
        assert session.scalar(select(func.count()).select_from(DataObject)) == 0
        assert session.scalar(select(func.count()).select_from(Column)) == 0
    run_sql(sales_source, "SELECT 1 FROM sales.customers")  # the platform is untouched


def test_a_connection_registered_again_under_its_old_key_emits_fresh_events(sales_source: str) -> None:
    from catalog.session import session_scope
    from services.connections.connection_records import delete_connection_records

    crawl(["pg"])
    first = {e.event_id for e in events_after(0)}
    with session_scope() as session:
        delete_connection_records(session, "pg")
    register_source("pg", sales_source)
    mark = last_event_id()
    crawl(["pg"])
    again = events_after(mark)
    assert Counter(e.type for e in again)["object.created"] == 10
    assert first.isdisjoint(e.event_id for e in again)


def test_a_table_deleted_by_hand_that_is_crawled_again_is_announced_again(sales_source: str) -> None:
    from catalog.session import session_scope
    from services.connections.object_deletion import delete_object

    db = sales_source.rsplit("/", 1)[1]
    crawl(["pg"])
    with session_scope() as session:
        delete_object(session, ["pg", db, "sales", "customers"])
    mark = last_event_id()
    crawl(["pg"])
    assert [(e.type, e.object_path[-1]) for e in events_after(mark)] == [("object.created", "customers")]


def test_jobs_whose_task_messages_were_lost_are_resumed(sales_source: str) -> None:
    from services.crawl.dispatch import requeue_stalled_work
    from services.crawl.jobs import request_crawl
    from services.crawl.planning import plan_crawl
    from services.enqueue import install_sender
    from workers.celery_app import install_enqueue_sender

    with task_messages_lost(), session_factory()() as session, session.begin():
        never_sent = request_crawl(session, ["pg"])  # its crawl_connection message was lost
    with task_messages_lost(), session_factory()() as session, session.begin():
        half_done = request_crawl(session, ["pg"], include_disabled=True)
    assert len(plan_crawl(half_done.id)) == 3  # planned, but its crawl_schema messages were lost

    assert requeue_stalled_work(stale_after_seconds=3600).subtasks == [], "fresh jobs are left alone"
    sent: list[dict] = []
    send = install_sender(None)
    assert send is not None
    install_sender(lambda task, args, options: (sent.append(options["headers"]["logContext"]),
                                                send(task, args, options))[-1])
    try:
        work = requeue_stalled_work(stale_after_seconds=0)
    finally:
        install_enqueue_sender()
    assert work.jobs_to_plan == [never_sent.id] and len(work.subtasks) == 3
    assert sorted(c["bulkId"] for c in sent) == sorted([str(never_sent.bulk_id)] + [str(half_done.bulk_id)] * 3), \
        "a message sent again carries its crawl's log context too"
    assert {c.get("schema") for c in sent} >= {"sales"}
    for job in (never_sent, half_done):
        assert wait_for_job(job.bulk_id)["status"] == "succeeded"
    assert len({e.event_id for e in events_after(0)}) == len(events_after(0))
