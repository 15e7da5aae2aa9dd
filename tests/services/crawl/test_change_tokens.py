"""Re-syncs read columns only where the platform's change token moved; deletions stay exact; full reads."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update

from catalog.session import session_factory, session_scope
from models import ChangeEvent, DataObject, Job
from services.crawl.jobs import request_crawl
from services.crawl.planning import plan_crawl
from services.crawl.schema_crawl import crawl_schema
from tests.support.pg_source import connection_settings
from tests.support.pipeline import register_source, run_sql, task_messages_lost

pytestmark = pytest.mark.usefixtures("catalog")


def crawl_here(**options: Any) -> list[tuple[str, str, list[str]]]:
    """One crawl of connection 'pg', planned and run in this process; the change events it wrote."""
    with task_messages_lost():
        with session_scope() as session:
            job_id = request_crawl(session, ["pg"], **options).id
        with session_factory()() as session:
            mark = session.scalar(select(ChangeEvent.id).order_by(ChangeEvent.id.desc()).limit(1)) or 0
        for subtask in plan_crawl(job_id):
            crawl_schema(subtask)
    with session_factory()() as session:
        assert session.scalar(select(Job.status).where(Job.id == job_id)) == "succeeded"
        events = session.execute(select(ChangeEvent.type, ChangeEvent.payload, ChangeEvent.object_path)
                                 .where(ChangeEvent.id > mark, ChangeEvent.type != "job.finished")
                                 .order_by(ChangeEvent.id)).all()
    return [(t, (d or {}).get("column", ""), p) for t, d, p in events]


def stored_token(path: list[str]) -> str | None:
    with session_factory()() as session:
        return session.scalar(select(DataObject.change_token).where(DataObject.path == path))


def current_token(source_db: str, schema: str, table: str) -> str | None:
    from connectors.postgresql import PostgresConnector

    config, credentials = connection_settings(source_db)
    with PostgresConnector(config, credentials) as connector:
        tables = connector.read_schema(config["database"], schema, [table]).tables
    return tables[0].change_token


def test_a_resync_reads_the_columns_of_moved_tables_only(source_db: str) -> None:
    db = source_db.rsplit("/", 1)[1]
    run_sql(source_db, "CREATE SCHEMA s", "CREATE TABLE s.kept (id int)", "CREATE TABLE s.altered (id int)",
            "CREATE TABLE s.dropped (id int)", "CREATE TABLE s.hidden (id int)")
    register_source("pg", source_db)
    crawl_here()
    assert stored_token(["pg", db, "s", "kept"]) == current_token(source_db, "s", "kept")
    assert crawl_here() == []  # unchanged: nothing to say

    run_sql(source_db, "ALTER TABLE s.altered ADD COLUMN note text", "DROP TABLE s.dropped",
            "CREATE TABLE s.added (id int)", "ALTER TABLE s.hidden ADD COLUMN secret text")
    # Pretend the platform did not move hidden's token: its columns must then not be read at all.
    with session_scope() as session:
        session.execute(update(DataObject).where(DataObject.path == ["pg", db, "s", "hidden"])
                        .values(change_token=current_token(source_db, "s", "hidden")))
    events = crawl_here()
    assert ("column.added", "note", ["pg", db, "s", "altered"]) in events
    assert ("object.deleted_remotely", "", ["pg", db, "s", "dropped"]) in events  # deletions stay exact
    assert ("object.created", "", ["pg", db, "s", "added"]) in events
    assert not [e for e in events if e[2][-1] in ("hidden", "kept")]
    assert stored_token(["pg", db, "s", "altered"]) == current_token(source_db, "s", "altered")

    # A full read (asked for, or every N-th crawl) trusts no token and finds what the token missed.
    assert crawl_here(full_read=True) == [("column.added", "secret", ["pg", db, "s", "hidden"])]
    assert crawl_here(full_read=True) == []


def test_every_nth_crawl_reads_in_full(source_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    db = source_db.rsplit("/", 1)[1]
    monkeypatch.setenv("OBJECTSYNC_FULL_READ_EVERY", "3")
    from settings import get_settings

    get_settings.cache_clear()
    run_sql(source_db, "CREATE SCHEMA s", "CREATE TABLE s.t (id int)")
    register_source("pg", source_db)
    crawl_here()  # 1: nothing stored, everything read
    run_sql(source_db, "ALTER TABLE s.t ADD COLUMN missed int")
    with session_scope() as session:  # a platform whose token did not move
        session.execute(update(DataObject).where(DataObject.path == ["pg", db, "s", "t"])
                        .values(change_token=current_token(source_db, "s", "t")))
    assert crawl_here() == []  # 2: trusts the token
    assert crawl_here() == [("column.added", "missed", ["pg", db, "s", "t"])]  # 3: a full read
    with session_factory()() as session:
        full = session.scalars(select(Job.options["fullRead"].as_boolean()).order_by(Job.id)).all()
    assert full == [False, False, True]
    get_settings.cache_clear()


def test_hand_asked_crawls_travel_on_the_manual_queue(source_db: str) -> None:
    """Served before scheduled work, so a storm of due syncs never stands between a user and their crawl."""
    from services.crawl.jobs import SCHEDULED_KIND
    from services.enqueue import CRAWL_CONNECTION, MANUAL_QUEUE, pending

    register_source("pg", source_db)
    with session_factory()() as session:
        request_crawl(session, ["pg"])
        request_crawl(session, ["pg"], kind=SCHEDULED_KIND)
        sent = pending(session)
        session.rollback()
    assert [(m.task, m.options.get("queue")) for m in sent] == [(CRAWL_CONNECTION, MANUAL_QUEUE),
                                                                 (CRAWL_CONNECTION, None)]


def test_names_and_comments_with_copy_escapes_are_stored_as_read(source_db: str) -> None:
    """Columns are written as one COPY text buffer: tabs, newlines, backslashes and a literal \\N survive."""
    from sqlalchemy import text

    odd = ["tab\there", "new\nline", "back\\slash", "\\N", "cr\rhere", "quote\"d {x,y}", "ünïcode"]
    quoted = {name: '"' + name.replace('"', '""') + '"' for name in odd}
    columns = ", ".join(f"{quoted[name]} int" for name in odd)
    comments = [f"COMMENT ON COLUMN s.odd.{quoted[name]} IS $c${name}|\\.$c$" for name in odd]
    run_sql(source_db, "CREATE SCHEMA s", f"CREATE TABLE s.odd ({columns})", *comments)
    register_source("pg", source_db)
    crawl_here()
    with session_factory()() as session:
        stored = dict(session.execute(text(
            "SELECT c.name, c.comment FROM columns c JOIN data_objects o ON o.id = c.table_id "
            "WHERE o.name = 'odd'")).all())
    assert stored == {name: f"{name}|\\." for name in odd}


def test_fingerprints_of_an_older_encoding_are_relearnt_silently_on_a_full_read(source_db: str) -> None:
    """A catalog upgraded across a change of the fingerprint's encoding: each table's dictionary is loaded once,
    found unchanged and the new digest stored, with no event and no new revision."""
    db = source_db.rsplit("/", 1)[1]
    run_sql(source_db, "CREATE SCHEMA s", "CREATE TABLE s.orders (id int NOT NULL, note text)",
            "COMMENT ON COLUMN s.orders.note IS 'free text'")
    register_source("pg", source_db)
    crawl_here()
    path = ["pg", db, "s", "orders"]
    with session_factory()() as session:
        fingerprint, revision = session.execute(select(DataObject.fingerprint, DataObject.revision)
                                                .where(DataObject.path == path)).one()
    with session_scope() as session:
        session.execute(update(DataObject).where(DataObject.path == path).values(fingerprint="an-older-digest"))
    assert crawl_here(full_read=True) == []
    with session_factory()() as session:
        assert session.execute(select(DataObject.fingerprint, DataObject.revision)
                               .where(DataObject.path == path)).one() == (fingerprint, revision)
