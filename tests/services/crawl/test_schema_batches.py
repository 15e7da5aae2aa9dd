"""A large schema crawled as name-range batches: complete per range, deletions exact, guard over the schema."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog.session import session_factory, session_scope
from models import DataObject, Job, JobSubtask
from tests.services.crawl.test_change_tokens import crawl_here
from tests.support.pipeline import register_source, run_sql

pytestmark = pytest.mark.usefixtures("catalog")


@pytest.fixture(autouse=True)
def three_tables_per_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    from settings import get_settings

    monkeypatch.setenv("OBJECTSYNC_SCHEMA_BATCH_TABLES", "3")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def tables_present(db: str) -> set[str]:
    with session_factory()() as session:
        return set(session.scalars(select(DataObject.name).where(
            DataObject.kind == "table", DataObject.remote_state == "present",
            DataObject.path[2] == db)))


def last_job() -> tuple[str, list[tuple[int, dict | None]]]:
    with session_factory()() as session:
        job = session.scalars(select(Job).order_by(Job.id.desc()).limit(1)).one()
        subtasks = session.execute(select(JobSubtask.batch, JobSubtask.batch_range)
                                   .where(JobSubtask.job_id == job.id).order_by(JobSubtask.batch)).all()
    return job.status, [(b, r) for b, r in subtasks]


def test_a_large_schema_is_crawled_in_batches_with_exact_deletions(source_db: str) -> None:
    db = source_db.rsplit("/", 1)[1]
    names = [f"t{i}" for i in range(1, 9)]  # t1 … t8 at most three a batch, for two processes: t1, t2–t3 … t8
    run_sql(source_db, "CREATE SCHEMA big", *(f"CREATE TABLE big.{n} (id int)" for n in names))
    register_source("pg", source_db)
    crawl_here()
    assert tables_present(db) == set(names)
    status, subtasks = last_job()
    big = [r for _, r in subtasks if r is not None]
    assert status == "succeeded" and len(big) == 5
    assert big[0]["start"] is None and big[-1]["stop"] is None  # the ranges leave no name out

    # Two of eight go (25 %), both in the second batch (all of its two, past the threshold there): the guard
    # counts the whole schema, so they are marked deleted; a table created after the planning listing is found.
    run_sql(source_db, "DROP TABLE big.t2", "DROP TABLE big.t3", "CREATE TABLE big.t55 (id int)")
    events = crawl_here()
    assert {(e[0], e[2][-1]) for e in events} == {("object.deleted_remotely", "t2"),
                                                  ("object.deleted_remotely", "t3"), ("object.created", "t55")}
    assert tables_present(db) == {"t1", "t4", "t5", "t55", "t6", "t7", "t8"}


def test_the_guard_holds_deletions_counted_over_the_whole_schema(source_db: str) -> None:
    db = source_db.rsplit("/", 1)[1]
    names = [f"t{i}" for i in range(1, 9)]
    run_sql(source_db, "CREATE SCHEMA big", *(f"CREATE TABLE big.{n} (id int)" for n in names))
    register_source("pg", source_db)
    crawl_here()
    # Five of eight go, past half of the schema. Each batch loses one table only, which on its own count would
    # pass (the guard never holds fewer than two); the schema-wide count holds them all the same.
    run_sql(source_db, *(f"DROP TABLE big.{n}" for n in ("t1", "t3", "t4", "t6", "t8")))
    with pytest.raises(AssertionError):
        crawl_here()  # the job is partial, not succeeded
    status, _ = last_job()
    assert status == "partial"
    assert tables_present(db) == set(names)


def test_the_batches_of_one_schema_apply_side_by_side(source_db: str) -> None:
    """Each batch holds the schema shared and its own range exclusively: a second batch's transaction is not
    kept waiting by the first (they used to queue on one schema lock, idling the second worker)."""
    from sqlalchemy import text

    from catalog.locks import lock_key, lock_schema
    from domain.schema_batches import TableRange

    with session_factory()() as one, one.begin():
        lock_schema(one, 7, "db", "big", TableRange(None, "t4"))
        with session_factory()() as other, other.begin():
            def free(key: int) -> bool:
                return bool(other.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": key}))
            def free_shared(key: int) -> bool:
                return bool(other.scalar(text("SELECT pg_try_advisory_xact_lock_shared(:k)"), {"k": key}))

            assert free_shared(lock_key("schema", 7, "db", "big"))  # another batch gets the schema shared
            assert free(lock_key("schema-range", 7, "db", "big", "=t4", "=t7"))  # and its own range
            assert not free(lock_key("schema-range", 7, "db", "big", "open", "=t4"))  # never the same range
        with session_factory()() as whole, whole.begin():
            assert not whole.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"),  # nor a whole-schema crawl
                                    {"k": lock_key("schema", 7, "db", "big")})


def test_a_job_planned_while_another_has_batches_pending_splits_the_schema_alike(source_db: str) -> None:
    """Batches lock their own range, so two jobs in flight must not split one schema differently (their ranges
    would overlap without sharing a lock): the second job reuses the first one's partition."""
    from services.crawl.jobs import request_crawl
    from services.crawl.planning import plan_crawl
    from tests.support.pipeline import task_messages_lost

    names = [f"t{i}" for i in range(1, 9)]
    run_sql(source_db, "CREATE SCHEMA big", *(f"CREATE TABLE big.{n} (id int)" for n in names))
    register_source("pg", source_db)
    crawl_here()
    with task_messages_lost():
        with session_scope() as session:
            pending_job = request_crawl(session, ["pg"]).id
        plan_crawl(pending_job)  # planned, its batches not run
        run_sql(source_db, *(f"CREATE TABLE big.a{i} (id int)" for i in range(1, 7)))  # shifts a fresh split
        with session_scope() as session:
            second_job = request_crawl(session, ["pg"]).id
        plan_crawl(second_job)

    def ranges(job_id: int) -> list[dict | None]:
        with session_factory()() as session:
            return list(session.scalars(select(JobSubtask.batch_range).where(
                JobSubtask.job_id == job_id, JobSubtask.batch_range.is_not(None)).order_by(JobSubtask.batch)))

    first, second = ranges(pending_job), ranges(second_job)
    assert len(first) == 5  # a fresh split of the 14 names would have seven
    assert [(r["start"], r["stop"]) for r in second] == [(r["start"], r["stop"]) for r in first]
