"""The pure hierarchy diff over privilege-filtered listings: a database or schema that merely vanished from an
incomplete listing is left as it is and counted; only what the platform proves dropped is marked deleted."""

from __future__ import annotations

import pytest

from domain import change_types as ev
from domain.hierarchy_diff import diff_hierarchy
from domain.jobs import DATABASES_NOT_VISIBLE, SCHEMAS_NOT_VISIBLE, TABLES_NOT_VISIBLE, summarize
from domain.name_filters import parse_filters
from domain.snapshot import RemoteHierarchy
from tests.domain.test_hierarchy_diff import KEY, containers, hscope, kinds_and_paths

LISTING = {"app": ("public", "sales", "hr"), "warehouse": ("raw", "marts")}


def deleted_paths(changes: object) -> list[tuple[str, ...]]:
    return [path for kind, path in kinds_and_paths(changes) if kind == ev.OBJECT_DELETED_REMOTELY]  # type: ignore[arg-type]


def test_a_complete_listing_deletes_what_it_left_out_as_before() -> None:
    listing = RemoteHierarchy({"app": ("public", "sales")})
    changes = diff_hierarchy(containers(LISTING), listing, hscope(allow_mass_deletion=True))
    assert deleted_paths(changes) == [(KEY, "app", "hr"), (KEY, "warehouse")]
    assert (changes.databases_not_visible, changes.schemas_not_visible) == (0, 0)


@pytest.mark.parametrize(("confirmed", "deleted", "not_visible"), [
    pytest.param(frozenset(), [], 1, id="hidden-database-left-alone"),
    pytest.param(frozenset({"warehouse"}), [(KEY, "warehouse")], 0, id="confirmed-drop-deleted"),
    pytest.param(frozenset({"elsewhere"}), [], 1, id="confirmed-name-not-stored"),
])
def test_incomplete_database_listing(confirmed: frozenset[str], deleted: list[tuple[str, ...]],
                                     not_visible: int) -> None:
    listing = RemoteHierarchy({"app": LISTING["app"]}, complete=False, confirmed_absent=confirmed)
    changes = diff_hierarchy(containers(LISTING), listing, hscope(allow_mass_deletion=True))
    assert deleted_paths(changes) == deleted
    assert changes.databases_not_visible == not_visible
    assert changes.schemas_not_visible == 0, "the schemas of a database not looked into are not counted"
    assert all(u.values.get("remote_state") == "deleted" for u in changes.updates)
    assert len(changes.updates) == len(deleted)


@pytest.mark.parametrize(("confirmed", "deleted", "not_visible"), [
    pytest.param(frozenset(), [], 2, id="hidden-schemas-left-alone"),
    pytest.param(frozenset({"hr"}), [(KEY, "app", "hr")], 1, id="confirmed-drop-deleted"),
])
def test_incomplete_schema_listing_of_one_database(confirmed: frozenset[str], deleted: list[tuple[str, ...]],
                                                    not_visible: int) -> None:
    listing = RemoteHierarchy({"app": ("public",), "warehouse": ("raw",)},
                              incomplete_schemas={"app": confirmed})
    changes = diff_hierarchy(containers(LISTING), listing, hscope(allow_mass_deletion=True))
    # warehouse's own listing is complete: its missing schema is a drop
    assert deleted_paths(changes) == sorted([*deleted, (KEY, "warehouse", "marts")])
    assert (changes.databases_not_visible, changes.schemas_not_visible) == (0, not_visible)


def test_schema_scoped_crawl_of_a_hidden_schema_deletes_nothing() -> None:
    listing = RemoteHierarchy({"app": ("public",)}, complete=False, incomplete_schemas={"app": frozenset()})
    changes = diff_hierarchy(containers(LISTING), listing, hscope(database="app", schema="sales"))
    assert changes.is_empty and changes.schemas_not_visible == 1


def test_a_failed_database_is_neither_deleted_nor_counted_as_not_visible() -> None:
    listing = RemoteHierarchy({"app": LISTING["app"]}, {"warehouse": "boom"}, complete=False)
    changes = diff_hierarchy(containers(LISTING), listing, hscope())
    assert changes.is_empty and changes.databases_not_visible == 0


def test_hidden_schemas_do_not_dilute_the_mass_deletion_guard() -> None:
    stored = containers({"app": ("a", "b", "c", "d")})
    # a and b proven dropped, c hidden, d listed: 2 of the 3 checked schemas would go (over half)
    listing = RemoteHierarchy({"app": ("d",)}, incomplete_schemas={"app": frozenset({"a", "b"})})
    changes = diff_hierarchy(stored, listing, hscope())
    assert changes.guard is not None and changes.guard.present == 3
    assert [e.type for e in changes.events] == [ev.SYNC_GUARD_TRIPPED]
    assert changes.schemas_not_visible == 1, "the held run still says what it could not see"


def test_unchanged_incomplete_listing_is_idempotent() -> None:
    listing = RemoteHierarchy(dict(LISTING), complete=False, incomplete_schemas={"app": frozenset()})
    changes = diff_hierarchy(containers(LISTING), listing, hscope())
    assert changes.is_empty and (changes.databases_not_visible, changes.schemas_not_visible) == (0, 0)


def test_filters_keep_what_the_listing_says_about_its_completeness() -> None:
    listing = RemoteHierarchy({"app": ("public",), "other": ()}, complete=False,
                              confirmed_absent=frozenset({"gone"}), incomplete_schemas={"app": frozenset({"x"})})
    filtered = parse_filters({"databases": {"exclude": ["other"]}}).hierarchy(listing)
    assert filtered.databases == {"app": ("public",)}
    assert (filtered.complete, filtered.confirmed_absent, filtered.incomplete_schemas) == (
        False, frozenset({"gone"}), {"app": frozenset({"x"})})


def test_summary_counts_each_level_only_when_there_is_something_to_say() -> None:
    assert summarize([]) == {}
    assert summarize([], tables_not_visible=1, schemas_not_visible=2, databases_not_visible=3) == {
        TABLES_NOT_VISIBLE: 1, SCHEMAS_NOT_VISIBLE: 2, DATABASES_NOT_VISIBLE: 3}
