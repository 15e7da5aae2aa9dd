"""One schema subtask run in this process against a real catalog and a real PostgreSQL source."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from catalog.locks import subtask_claim
from catalog.session import session_factory, session_scope
from models import ChangeEvent, DataObject, Job
from services.connections.object_deletion import delete_object
from services.crawl.jobs import request_crawl
from services.crawl.planning import plan_crawl
from services.crawl.schema_crawl import crawl_schema
from tests.support.pipeline import register_source, run_sql, task_messages_lost

pytestmark = pytest.mark.usefixtures("catalog")


def test_a_schema_deleted_by_hand_after_planning_is_left_alone(source_db: str) -> None:
    """Its subtask creates nothing (no table without a parent) and announces nothing."""
    db = source_db.rsplit("/", 1)[1]
    run_sql(source_db, "CREATE SCHEMA sales", "CREATE TABLE sales.orders (id int)")
    register_source("pg", source_db)
    with task_messages_lost(), session_factory()() as session, session.begin():
        job = request_crawl(session, ["pg"])
    public, sales = plan_crawl(job.id)
    with session_scope() as session:
        delete_object(session, ["pg", db, "sales"])

    assert crawl_schema(public) == ("succeeded", False)
    assert crawl_schema(sales) == ("succeeded", True)
    with session_factory()() as session:
        paths = session.scalars(select(DataObject.path)).all()
        orphans = session.scalars(select(DataObject.path).where(DataObject.parent_id.is_(None))).all()
        created = session.scalars(select(ChangeEvent.object_path).where(ChangeEvent.type == "object.created",
                                                                       ChangeEvent.id > 0)).all()
        finished = session.scalar(select(Job).where(Job.id == job.id))
    assert orphans == [["pg"]]
    assert ["pg", db, "sales", "orders"] not in paths
    assert ["pg", db, "sales", "orders"] not in created
    assert finished is not None and finished.status == "succeeded"


def test_a_duplicate_delivery_of_a_running_subtask_exits_at_once(source_db: str) -> None:
    """While one delivery runs the subtask, another finds its lock taken and returns without queueing on it;
    the subtask is still done exactly once."""
    run_sql(source_db, "CREATE SCHEMA sales", "CREATE TABLE sales.orders (id int)")
    register_source("pg", source_db)
    with task_messages_lost(), session_factory()() as session, session.begin():
        job = request_crawl(session, ["pg"])
    subtasks = plan_crawl(job.id)
    with subtask_claim(subtasks[0]) as claimed:  # the first delivery, mid-way
        assert claimed
        assert crawl_schema(subtasks[0]) == ("duplicate", False)
    assert crawl_schema(subtasks[0])[0] == "succeeded"
    assert crawl_schema(subtasks[0])[0] == "succeeded", "a later redelivery finds it done"


def _crawl_in_process(path: list[str]) -> Job:
    with task_messages_lost(), session_factory()() as session, session.begin():
        job = request_crawl(session, path)
    for subtask in plan_crawl(job.id):
        crawl_schema(subtask)
    with session_factory()() as session:
        done = session.scalar(select(Job).where(Job.id == job.id))
    assert done is not None
    return done


def test_a_type_change_raises_its_owner_request_inside_the_crawl_before_the_job_finishes(source_db: str) -> None:
    """The request belongs to the job: written in the subtask's transaction with the job's id and bulkId,
    after its column event and before job.finished; the column is tagged New."""
    run_sql(source_db, "CREATE TABLE public.orders (id int, amount int)")
    register_source("pg", source_db)
    with session_scope() as session:
        ana = session.execute(text("INSERT INTO users (name) VALUES ('ana') RETURNING id")).scalar_one()
        session.execute(text("INSERT INTO grants (permission, user_id, object_id) "
                             "SELECT 'DATA_OWNER', :u, id FROM data_objects WHERE path = ARRAY['pg']"), {"u": ana})
    assert _crawl_in_process(["pg"]).status == "succeeded"
    run_sql(source_db, "ALTER TABLE public.orders ALTER COLUMN amount TYPE bigint")
    job = _crawl_in_process(["pg"])
    assert job.status == "succeeded"
    with session_factory()() as session:
        events = session.execute(select(ChangeEvent.type, ChangeEvent.job_id, ChangeEvent.payload)
                                 .where(ChangeEvent.job_id == job.id).order_by(ChangeEvent.id)).all()
        tags = session.scalar(text("SELECT tags FROM columns WHERE name = 'amount'"))
    types = [t for t, _, _ in events]
    assert types[-1] == "job.finished"
    assert types.index("column.type_changed") < types.index("request.created") < types.index("job.finished")
    [created] = [payload for t, _, payload in events if t == "request.created"]
    assert created["bulkId"] == str(job.bulk_id) and created["owners"] == [ana]
    assert created["kind"] == "column_type_changed" and created["column"] == "amount"
    assert tags == ["New"]


def _finished_payload(job: Job) -> dict:
    with session_factory()() as session:
        return session.scalar(select(ChangeEvent.payload).where(ChangeEvent.job_id == job.id,
                                                                ChangeEvent.type == "job.finished"))


def test_a_crawl_that_reads_nothing_says_why(source_db: str) -> None:
    """A disabled path names the ancestor it inherits from; a filtered one names the pattern; a schema or table
    on neither side says it is not found; each in the job (as GET /jobs/{bulkId} shows it) and in job.finished."""
    from services.crawl.jobs import job_report

    db = source_db.rsplit("/", 1)[1]
    run_sql(source_db, "CREATE SCHEMA sales", "CREATE TABLE sales.orders (id int)", "CREATE SCHEMA tmp_x")
    register_source("pg", source_db, filters={"schemas": {"include": [], "exclude": ["tmp_.*"]}})
    assert _crawl_in_process(["pg"]).nothing_crawled is None
    with session_scope() as session:
        session.execute(text("UPDATE data_objects SET status_setting = 'disabled', effective_status = 'disabled' "
                             "WHERE path = ARRAY['pg', :db]"), {"db": db})
        session.execute(text("UPDATE data_objects SET effective_status = 'disabled' WHERE path[2] = :db"), {"db": db})

    disabled = _crawl_in_process(["pg", db, "sales"])
    assert (disabled.status, disabled.subtasks_total) == ("succeeded", 0)
    assert job_report(disabled)["nothingCrawled"] == {
        "reason": "disabled", "message": f"'pg/{db}/sales' is disabled (inherited from 'pg/{db}', which is set "
                                         "disabled); crawl with --include-disabled (API: forceRecursiveCrawl) to "
                                         "read it anyway"}
    assert _finished_payload(disabled)["nothingCrawled"] == disabled.nothing_crawled
    assert _crawl_in_process(["pg", db]).nothing_crawled["reason"] == "disabled"

    filtered = _crawl_in_process(["pg", db, "tmp_x"])
    assert filtered.nothing_crawled == {"reason": "filtered", "message": "schema 'tmp_x' is excluded by the "
                                        "connection's filters: filters.schemas matches the exclude pattern 'tmp_.*'"}
    with session_scope() as session:
        session.execute(text("UPDATE data_objects SET status_setting = 'inherit', effective_status = 'enabled' "
                             "WHERE path[2] = :db"), {"db": db})
    missing = _crawl_in_process(["pg", db, "nope"])
    assert missing.nothing_crawled is not None and missing.nothing_crawled["reason"] == "not_found"
    assert "schema 'nope' is not in database" in missing.nothing_crawled["message"]
    ghost = _crawl_in_process(["pg", db, "sales", "ghost"])
    assert ghost.nothing_crawled is not None and ghost.nothing_crawled["reason"] == "not_found"
    assert "table 'ghost' is neither on the platform" in ghost.nothing_crawled["message"]
    assert _finished_payload(ghost)["nothingCrawled"] == ghost.nothing_crawled
    assert _crawl_in_process(["pg", db, "sales", "orders"]).nothing_crawled is None


def test_a_late_subtask_never_rewrites_a_job_that_was_closed_meanwhile(source_db: str) -> None:
    """The job failed (planning's task gave up after the plan committed) while a subtask's message was still on
    its way: the subtask, delivered late, finds its job closed and neither runs nor touches the job."""
    from services.crawl.planning import fail_crawl

    run_sql(source_db, "CREATE SCHEMA sales", "CREATE TABLE sales.orders (id int)")
    register_source("pg", source_db)
    with task_messages_lost(), session_factory()() as session, session.begin():
        job = request_crawl(session, ["pg"])
    subtasks = plan_crawl(job.id)
    fail_crawl(job.id, "internal error: SoftTimeLimitExceeded")
    with session_factory()() as session:
        closed = session.scalar(select(Job).where(Job.id == job.id))
    assert closed is not None and closed.status == "failed"

    for subtask in subtasks:
        assert crawl_schema(subtask)[0] != "succeeded"
    with session_factory()() as session:
        after = session.scalar(select(Job).where(Job.id == job.id))
        tables = session.scalars(select(DataObject.path).where(DataObject.kind == "table")).all()
    assert after is not None
    assert (after.status, after.subtasks_succeeded, after.summary, after.finished_at) == (
        "failed", 0, closed.summary, closed.finished_at)
    assert tables == []
