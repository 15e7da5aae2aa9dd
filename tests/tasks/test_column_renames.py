"""A column renamed on a real PostgreSQL source, synced through the real worker: one `column.renamed`, and the
catalog keeps the column's row, tags, data owners and pending owner request."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from catalog.session import session_factory, session_scope
from models import Column, DataObject, OwnerRequest
from services.access.permissions import data_owners_of
from services.delivery.owner_requests import list_requests
from tasks.delivery import relay
from tests.support.pipeline import crawl, events_after, last_event_id, register_source, run_sql, wait_until

pytestmark = pytest.mark.usefixtures("catalog", "worker")


def columns_of(path: list[str]) -> dict[str, Column]:
    with session_factory()() as session:
        table_id = session.scalar(select(DataObject.id).where(DataObject.path == path))
        return {c.name: c for c in session.scalars(select(Column).where(Column.table_id == table_id))}


def pending_requests() -> list[OwnerRequest]:
    with session_scope() as session:
        return [r for r in list_requests(session) if r.status == "pending"]  # type: ignore[misc]


@pytest.mark.integration
def test_a_renamed_column_keeps_its_row_tags_owners_and_requests(source_db: str) -> None:
    db = source_db.rsplit("/", 1)[1]
    path = ["pg", db, "sales", "customers"]
    run_sql(source_db, "CREATE SCHEMA sales", "CREATE TABLE sales.customers (id int, email text, phone text)")
    register_source("pg", source_db)
    assert crawl(["pg"])["status"] == "succeeded"

    with session_scope() as session:
        table_id = session.execute(select(DataObject.id).where(DataObject.path == path)).scalar_one()
        session.execute(text("UPDATE columns SET tags = ARRAY['PII'] WHERE table_id = :t AND name = 'email'"),
                        {"t": table_id})
        ana = session.execute(text("INSERT INTO users (name) VALUES ('ana') RETURNING id")).scalar_one()
        session.execute(text("INSERT INTO grants (permission, user_id, object_id) VALUES ('DATA_OWNER', :u, :t)"),
                        {"u": ana, "t": table_id})
    run_sql(source_db, "ALTER TABLE sales.customers ADD COLUMN mobile text")  # an owner request, pending
    assert crawl(["pg"])["status"] == "succeeded"
    (request,) = wait_until(pending_requests, 60, nudge=relay.delay, what="the owner request for mobile")
    assert (request.column_name, request.kind) == ("mobile", "column_added")
    before = columns_of(path)

    mark = last_event_id()
    run_sql(source_db, "ALTER TABLE sales.customers RENAME COLUMN email TO email_address",
            "ALTER TABLE sales.customers RENAME COLUMN mobile TO cell")
    report = crawl(["pg"])
    assert report["status"] == "succeeded"

    events = events_after(mark)
    assert sorted((e.type, e.payload["before"]["name"], e.payload["column"]) for e in events) == [
        ("column.renamed", "email", "email_address"), ("column.renamed", "mobile", "cell")]
    assert all(e.object_path == path and e.object_id == table_id for e in events)
    assert {e.payload["bulkId"] for e in events} == {report["bulkId"]}

    after = columns_of(path)
    assert set(after) == {"id", "email_address", "phone", "cell"}
    # the same rows, updated in place: a row inserted by this crawl would have been first seen now
    assert (after["email_address"].first_seen_at, after["email_address"].tags) == (before["email"].first_seen_at,
                                                                                    ["PII"])
    assert (after["cell"].first_seen_at, after["cell"].tags) == (before["mobile"].first_seen_at, ["New"])
    assert after["phone"].updated_at == before["phone"].updated_at  # untouched
    assert after["cell"].updated_at > before["mobile"].updated_at
    assert after["email_address"].remote_id == before["email"].remote_id == "2"
    with session_scope() as session:
        assert data_owners_of(session, table_id) == [ana]

    def request_follows() -> list[OwnerRequest]:
        return [r for r in pending_requests() if r.id == request.id and r.column_name == "cell"]

    wait_until(request_follows, 60, nudge=relay.delay, what="the pending request renamed with its column")

    mark = last_event_id()
    assert crawl(["pg"])["status"] == "succeeded"
    assert events_after(mark) == [], "a second crawl finds nothing more"
