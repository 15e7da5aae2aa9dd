"""The pure schema diff over an incomplete (grant-filtered) listing: only confirmed drops are deleted."""

from __future__ import annotations

import dataclasses

import pytest

from domain import change_types as ev
from domain.jobs import TABLES_NOT_VISIBLE, summarize
from domain.schema_diff import diff_schema
from domain.snapshot import RemoteTable, SchemaSnapshot
from tests.domain.test_schema_diff import ORDERS, SCHEMA, catalog, col, run, scope, table

T1, T2, T3 = table("t1"), table("t2"), table("t3")


def listing(*tables: RemoteTable, complete: bool = False, confirmed: frozenset[str] = frozenset()) -> SchemaSnapshot:
    return SchemaSnapshot("app", "public", tables, complete=complete, confirmed_absent=confirmed)


@pytest.mark.parametrize(("remote", "complete", "confirmed", "deleted", "not_visible"), [
    pytest.param((T1, T3), True, frozenset(), {"t2"}, 0, id="complete-listing-deletes-as-before"),
    pytest.param((T1, T3), True, frozenset({"t3"}), {"t2"}, 0, id="complete-listing-ignores-confirmed"),
    pytest.param((T1, T3), False, frozenset(), set(), 1, id="incomplete-unconfirmed-left-alone"),
    pytest.param((T1,), False, frozenset({"t3"}), {"t3"}, 1, id="incomplete-confirmed-drop-deleted"),
    pytest.param((T1,), False, frozenset({"t2", "t3"}), {"t2", "t3"}, 0, id="incomplete-all-confirmed"),
    pytest.param((T1, T2, T3), False, frozenset({"t2"}), set(), 0, id="listed-table-wins-over-confirmed"),
    pytest.param((), False, frozenset(), set(), 3, id="empty-incomplete-listing-deletes-nothing"),
    pytest.param((T1,), False, frozenset({"unknown"}), set(), 2, id="confirmed-name-not-stored"),
])
def test_incomplete_listing_marks_deleted_only_confirmed_tables(
        remote: tuple[RemoteTable, ...], complete: bool, confirmed: frozenset[str], deleted: set[str],
        not_visible: int) -> None:
    stored = catalog(T1, T2, T3)
    changes = run(stored, listing(*remote, complete=complete, confirmed=confirmed), scope(allow_mass_deletion=True))
    assert {e.path[-1] for e in changes.events if e.type == ev.OBJECT_DELETED_REMOTELY} == deleted
    assert {u.name for u in changes.table_updates} == deleted, "no write for a table the listing could not see"
    assert [e.type for e in changes.events] == [ev.OBJECT_DELETED_REMOTELY] * len(deleted)
    assert changes.tables_not_visible == not_visible


def test_tables_in_an_incomplete_listing_are_diffed_as_usual() -> None:
    stored = catalog(ORDERS, T2)
    changed = dataclasses.replace(ORDERS, columns=(*ORDERS.columns, col("paid", 4, "boolean")))
    changes = run(stored, listing(changed, table("new")))
    assert sorted((e.type, e.path[-1]) for e in changes.events) == [
        (ev.COLUMN_ADDED, "orders"), (ev.OBJECT_CREATED, "new")]
    assert changes.tables_not_visible == 1


def test_tables_not_visible_are_not_counted_by_the_guard() -> None:
    """Four stored tables, two not visible, one confirmed dropped: 1 of 2 visible ones, not over 50 %."""
    stored = catalog(T1, T2, T3, table("t4"))
    changes = run(stored, listing(T1, confirmed=frozenset({"t3"})), scope(mass_deletion_threshold=0.5))
    assert changes.guard is None
    assert [(e.type, e.path[-1]) for e in changes.events] == [(ev.OBJECT_DELETED_REMOTELY, "t3")]
    assert changes.tables_not_visible == 2


def test_guard_holds_confirmed_drops_only_and_still_reports_tables_not_visible() -> None:
    stored = catalog(T1, T2, T3)
    changes = run(stored, listing(confirmed=frozenset({"t1", "t2"})), scope(mass_deletion_threshold=0.5))
    assert changes.guard is not None
    assert (changes.guard.would_delete, changes.guard.present) == (("t1", "t2"), 2)
    assert changes.tables_not_visible == 1


def test_deleted_or_out_of_scope_tables_are_not_counted_as_not_visible() -> None:
    stored = catalog(T1, T2, T3, t2={"remote_state": "deleted", "status_setting": "disabled",
                                     "effective_status": "disabled"},
                     t3={"status_setting": "disabled", "effective_status": "disabled"})
    changes = diff_schema(stored, listing(), scope())
    assert changes.is_empty and changes.tables_not_visible == 1  # t1 only


def test_summary_reports_tables_not_visible_only_when_there_are_some() -> None:
    event = ev.planned(ev.OBJECT_DELETED_REMOTELY, (*SCHEMA, "t3"), 2, {})
    assert summarize([event]) == {ev.OBJECT_DELETED_REMOTELY: 1}
    assert summarize([event], tables_not_visible=2) == {ev.OBJECT_DELETED_REMOTELY: 1, TABLES_NOT_VISIBLE: 2}
