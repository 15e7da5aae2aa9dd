"""Owner validation requests from a crawl's column events, for inherited owners (or governance); validating
removes `New`."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from catalog.session import session_scope
from domain import change_types as ev
from models import ChangeEvent, OwnerRequest
from services.delivery.owner_requests import (
    OwnerRequestAlreadyResolved,
    OwnerRequestNotFound,
    list_requests,
    validate_request,
)
from tests.support.events import build_hierarchy, column_events, crawl_outbox

pytestmark = pytest.mark.usefixtures("events_catalog")

ORDERS = ("pg", "app", "Sales", "Orders")
DRAFTS = ("pg", "app", "Sales", "Drafts")


def make_owners(ids: dict[tuple[str, ...], int]) -> dict[str, int]:
    """ana owns the connection; bob owns the schema through group 'stewards'; eve owns nothing."""
    with session_scope() as session:
        users = {name: session.execute(text("INSERT INTO users (name) VALUES (:n) RETURNING id"), {"n": name})
                 .scalar_one() for name in ("ana", "bob", "eve")}
        group = session.execute(text("INSERT INTO groups (name) VALUES ('stewards') RETURNING id")).scalar_one()
        session.execute(text("INSERT INTO group_members (group_id, user_id) VALUES (:g, :u)"),
                        {"g": group, "u": users["bob"]})
        session.execute(text("INSERT INTO grants (permission, user_id, object_id) VALUES ('DATA_OWNER', :u, :o)"),
                        {"u": users["ana"], "o": ids[("pg",)]})
        session.execute(text("INSERT INTO grants (permission, group_id, object_id) VALUES ('DATA_OWNER', :g, :o)"),
                        {"g": group, "o": ids[("pg", "app", "Sales")]})
    return users


def add_column(table_id: int, name: str, tags: list[str]) -> None:
    with session_scope() as session:
        session.execute(text("""INSERT INTO columns (table_id, name, ordinal, data_type, nullable, tags)
                                VALUES (:t, :n, 1, 'int', true, :tags)"""), {"t": table_id, "n": name, "tags": tags})


def events_of(event_type: str) -> list[ChangeEvent]:
    with session_scope() as session:
        return list(session.scalars(select(ChangeEvent).where(ChangeEvent.type == event_type).order_by(ChangeEvent.id)))


def test_column_events_on_data_sources_raise_requests_for_inherited_owners() -> None:
    hierarchy = build_hierarchy(tables={"Orders": "enabled", "Drafts": "disabled"})
    users = make_owners(hierarchy.ids)
    ids = hierarchy.ids
    events = [
        *column_events(ORDERS, 1),
        *column_events(ORDERS, 1, start=1, event_type=ev.COLUMN_DELETED),
        *column_events(ORDERS, 1, start=2, event_type=ev.COLUMN_TYPE_CHANGED),  # tagged New: a request too
        *column_events(DRAFTS, 1),  # not a data source: no request
    ]
    assert crawl_outbox("pg", events, {ORDERS: ids[ORDERS], DRAFTS: ids[DRAFTS]}) == 3
    assert crawl_outbox("pg", events, {ORDERS: ids[ORDERS], DRAFTS: ids[DRAFTS]}) == 0  # a redelivery: none twice
    with session_scope() as session:
        requests = list_requests(session)
    assert [(r.kind, r.column_name, r.table_path, r.status) for r in requests] == [
        ("column_added", "c0", ORDERS, "pending"), ("column_deleted", "c1", ORDERS, "pending"),
        ("column_type_changed", "c2", ORDERS, "pending")]

    created = events_of(ev.REQUEST_CREATED)
    assert len(created) == 3
    assert created[0].payload["owners"] == sorted([users["ana"], users["bob"]])
    assert created[0].payload["requestId"] == requests[0].id
    assert created[0].object_path == list(ORDERS) and created[0].object_id == ids[ORDERS]


def test_a_table_without_owners_asks_governance_and_without_anyone_raises_nothing() -> None:
    hierarchy = build_hierarchy()
    assert crawl_outbox("pg", column_events(ORDERS, 1), {ORDERS: hierarchy.ids[ORDERS]}) == 0
    with session_scope() as session:
        gina = session.execute(text("INSERT INTO users (name) VALUES ('gina') RETURNING id")).scalar_one()
        session.execute(text("INSERT INTO grants (permission, user_id) VALUES ('GOVERNANCE', :u)"), {"u": gina})
    assert crawl_outbox("pg", column_events(ORDERS, 1, start=1), {ORDERS: hierarchy.ids[ORDERS]}) == 1
    [created] = events_of(ev.REQUEST_CREATED)
    assert created.payload["owners"] == [gina] and created.payload["column"] == "c1"
    with session_scope() as session:
        assert session.scalar(text(
            "SELECT count(*) FROM change_events WHERE type = :t AND (payload::json->'owners')::jsonb = '[]'"),
            {"t": ev.REQUEST_CREATED}) == 0


def test_validating_a_column_added_request_removes_new_and_emits_an_event() -> None:
    hierarchy = build_hierarchy()
    users = make_owners(hierarchy.ids)
    table_id = hierarchy.ids[ORDERS]
    add_column(table_id, "c0", ["PII", ev.NEW_TAG])
    add_column(table_id, "c1", [ev.NEW_TAG])
    crawl_outbox("pg", column_events(ORDERS, 2), {ORDERS: table_id})
    with session_scope() as session:
        first, _second = list_requests(session)
        resolved = validate_request(session, first.id, user_id=users["bob"])
    assert resolved.status == "validated" and resolved.resolved_by == users["bob"]
    with session_scope() as session:
        tags = dict(session.execute(text("SELECT name, tags FROM columns WHERE table_id = :t"), {"t": table_id}).all())
        assert tags == {"c0": ["PII"], "c1": [ev.NEW_TAG]}  # only the validated column loses New
        with pytest.raises(OwnerRequestAlreadyResolved):
            validate_request(session, first.id, user_id=users["ana"])
        with pytest.raises(OwnerRequestNotFound):
            validate_request(session, 999_999, user_id=None)
    [event] = events_of(ev.REQUEST_RESOLVED)
    assert event.payload["requestId"] == first.id
    assert event.payload["before"] == {"status": "pending", "tags": ["PII", ev.NEW_TAG]}
    assert event.payload["after"] == {"status": "validated", "tags": ["PII"]}


def test_owners_see_only_requests_under_what_they_own() -> None:
    hierarchy = build_hierarchy(tables={"Orders": "enabled", "Items": "enabled"})
    items = ("pg", "app", "Sales", "Items")
    make_owners(hierarchy.ids)
    crawl_outbox("pg", [*column_events(ORDERS, 1), *column_events(items, 1)],
                 {ORDERS: hierarchy.ids[ORDERS], items: hierarchy.ids[items]})
    with session_scope() as session:
        assert len(list_requests(session, owned_paths=[("pg",)])) == 2
        assert [r.table_path for r in list_requests(session, owned_paths=[items])] == [items]
        assert list_requests(session, owned_paths=[("pg", "other")]) == []
        assert list_requests(session, owned_paths=[]) == []
        assert len(list_requests(session, status="pending")) == 2
        assert list_requests(session, status="validated") == []
        assert session.scalar(select(OwnerRequest.id).where(OwnerRequest.status == "validated")) is None


def test_validating_a_type_changed_request_removes_new() -> None:
    hierarchy = build_hierarchy()
    users = make_owners(hierarchy.ids)
    table_id = hierarchy.ids[ORDERS]
    add_column(table_id, "c0", [ev.NEW_TAG])
    crawl_outbox("pg", column_events(ORDERS, 1, event_type=ev.COLUMN_TYPE_CHANGED), {ORDERS: table_id})
    with session_scope() as session:
        [request] = list_requests(session)
        assert request.kind == "column_type_changed"
        validate_request(session, request.id, user_id=users["ana"])
    with session_scope() as session:
        assert session.scalar(text("SELECT tags FROM columns WHERE table_id = :t"), {"t": table_id}) == []


def test_renamed_columns_keep_their_pending_requests_even_when_names_swap() -> None:
    from services.crawl.owner_requests import follow_renamed_columns

    hierarchy = build_hierarchy(tables={"Orders": "enabled"})
    make_owners(hierarchy.ids)
    orders = hierarchy.ids[ORDERS]
    crawl_outbox("pg", [*column_events(ORDERS, 2), *column_events(ORDERS, 1, start=2, event_type=ev.COLUMN_DELETED)],
                 object_ids={ORDERS: orders})
    with session_scope() as session:
        validated = next(r for r in list_requests(session) if r.column_name == "c1")
        session.execute(text("UPDATE owner_requests SET status = 'validated' WHERE id = :id"), {"id": validated.id})

    def renamed(old: str, new: str) -> ev.PlannedEvent:
        return ev.planned(ev.COLUMN_RENAMED, ORDERS, 3, {"column": new, "before": {"name": old},
                                                         "after": {"name": new}}, f"{old}>{new}")

    with session_scope() as session:  # c0 and c2 trade names; c1 (validated) becomes c9
        moved = follow_renamed_columns(session, [renamed("c0", "c2"), renamed("c2", "c0"), renamed("c1", "c9")],
                                       {ORDERS: orders})
    with session_scope() as session:
        kinds = {(r.kind, r.status): r.column_name for r in list_requests(session)}
    assert moved == 1, "only the pending request about a living column moves"
    assert kinds == {("column_added", "pending"): "c2", ("column_added", "validated"): "c1",
                     ("column_deleted", "pending"): "c2"}
