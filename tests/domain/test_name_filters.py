"""Connection filter patterns: matching, validation, and how the crawl boundary keeps the diffs out of their way."""

from __future__ import annotations

import pytest

from domain import change_types as ev
from domain.hierarchy_diff import diff_hierarchy
from domain.name_filters import ConnectionFilters, InvalidNameFilter, NameFilter, normalize_filters, parse_filters
from domain.schema_diff import diff_schema
from domain.snapshot import RemoteColumn, RemoteHierarchy, RemoteTable, SchemaSnapshot
from domain.stored_state import HierarchyScope, SchemaScope, StoredContainer
from tests.domain.diff_model import IdSource, synced_table, with_guard


def name_filter(include: list[str] | None = None, exclude: list[str] | None = None) -> NameFilter:
    return parse_filters({"tables": {"include": include or [], "exclude": exclude or []}}).tables


@pytest.mark.parametrize(("include", "exclude", "name", "kept"), [
    ([], [], "anything", True),
    ([], [], "", True),
    ([], ["tmp_.*"], "tmp_orders", False),
    ([], ["tmp_.*"], "orders_tmp_x", True),  # a full match, not a search
    ([], ["tmp"], "tmp_orders", True),  # 'tmp' does not fully match 'tmp_orders'
    (["sales"], [], "sales", True),
    (["sales"], [], "sales_eu", False),
    (["sales.*"], [], "sales_eu", True),
    (["sales.*", "hr"], [], "hr", True),
    (["sales.*", "hr"], [], "finance", False),
    (["sales.*"], ["sales_tmp"], "sales_tmp", False),  # exclude wins over include
    (["sales.*"], ["sales_tmp"], "sales_eu", True),
    # case-sensitive, as written on the platform
    (["Sales"], [], "Sales", True),
    (["Sales"], [], "sales", False),
    (["(?i)sales"], [], "SaLeS", True),
    ([], ["Mixed Case"], "Mixed Case", False),
    ([], ["Mixed Case"], "mixed case", True),
    # spaces, quotes, unicode
    ([], ["Order Items"], "Order Items", False),
    ([], [r"Order\sItems"], "Order Items", False),
    ([], ["Order Items"], "Order  Items", True),
    ([], ['Ünïcode "quoted"'], 'Ünïcode "quoted"', False),
    ([], ["it's"], "it's", False),
    (["Zürich_.*"], [], "Zürich_2024", True),
    (["Zürich_.*"], [], "Zurich_2024", False),
    ([r"\w+"], [], "日本語テーブル", True),  # \w is unicode-aware
    ([r"[a-z_]+"], [], "café", False),
    (["表.*"], [], "表_売上", True),
    ([], [r"a\.b"], "a.b", False),
    ([], [r"a\.b"], "axb", True),
    ([], ["a.b"], "axb", False),  # an unescaped dot is any character
    ([], [r".*\$.*"], "price$", False),
    ([r"[\w-]+"], [], "ünï-cöde", True),
    ([r"\d+"], [], "٣٤", True),  # Arabic-Indic digits are digits
    ([r"\W"], [], "é", False),
    ([r"\\w"], [], "\\w", True),  # an escaped backslash, then a literal w
])
def test_a_name_is_kept_when_it_fully_matches_an_include_and_no_exclude(
        include: list[str], exclude: list[str], name: str, kept: bool) -> None:
    assert name_filter(include, exclude).keeps(name) is kept


@pytest.mark.parametrize("pattern", ["(a+)+$", "(a|a)*$", "(a|aa)+$", "(.*a){20}$"])
def test_a_catastrophic_backtracking_pattern_matches_in_linear_time(pattern: str) -> None:
    """Python's `re` takes hours on these names; a linear-time engine answers at once (no timing: it would hang)."""
    name = "a" * 62 + "!"
    assert name_filter(exclude=[pattern]).keeps(name) is True
    assert name_filter(include=[pattern]).keeps(name * 1000) is False


@pytest.mark.parametrize(("value", "message"), [
    ({"tables": {"exclude": ["tmp_("]}}, "invalid regular expression 'tmp_(' in filters.tables.exclude"),
    ({"tables": {"exclude": ["((a{100}){100}){100}"]}}, "in filters.tables.exclude: too complex"),
    ({"tables": {"exclude": ["(a)\\1"]}}, "invalid regular expression '(a)\\\\1' in filters.tables.exclude"),
    ({"tables": {"exclude": ["(?=a)a"]}}, "invalid regular expression '(?=a)a' in filters.tables.exclude"),
    ({"tables": {"exclude": ["a{1001}"]}}, "in filters.tables.exclude: too complex"),
    ({"schemas": {"include": ["ok", "[z-a]"]}}, "invalid regular expression '[z-a]' in filters.schemas.include"),
    ({"databases": {"exclude": ["*"]}}, "invalid regular expression '*' in filters.databases.exclude"),
    ({"tabels": {"exclude": []}}, "unknown filters key 'tabels'"),
    ({"tables": {"exclude": [], "only": []}}, "unknown filters.tables key 'only'"),
    ({"tables": {"exclude": "tmp_.*"}}, "filters.tables.exclude must be a list"),
    ({"tables": {"exclude": [3]}}, "filters.tables.exclude patterns must be strings"),
    ({"tables": ["tmp_.*"]}, "filters.tables must be an object"),
    (["tmp_.*"], "filters must be an object"),
    ({"tables": {"exclude": ["x"] * 101}}, "more than 100 patterns"),
    ({"tables": {"exclude": ["x" * 1001]}}, "longer than 1000 characters"),
])
def test_invalid_filters_are_rejected_naming_the_key_or_pattern(value: object, message: str) -> None:
    with pytest.raises(InvalidNameFilter) as raised:
        normalize_filters(value)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value), "one line, for the CLI and the API message"
    assert isinstance(raised.value, ValueError), "the API maps ValueError to 422, the CLI prints it as is"


def test_normalized_filters_keep_levels_with_patterns_and_both_lists() -> None:
    assert normalize_filters(None) == {}
    assert normalize_filters({}) == {}
    assert normalize_filters({"tables": {}, "schemas": {"include": [], "exclude": []}}) == {}
    assert normalize_filters({"tables": {"exclude": ["tmp_.*"]}, "databases": {"include": ["app"]}}) == {
        "databases": {"include": ["app"], "exclude": []}, "tables": {"include": [], "exclude": ["tmp_.*"]}}
    assert parse_filters(None).is_empty and parse_filters({"tables": {"include": []}}).is_empty
    assert not parse_filters({"tables": {"exclude": ["x"]}}).is_empty


# --- at the crawl boundary: both sides filtered before the pure diffs --------------------------------------------

KEY = "pg"
FILTERS = parse_filters({
    "databases": {"exclude": ["scratch"]},
    "schemas": {"exclude": ["tmp_.*", "Ärchiv"]},
    "tables": {"exclude": ["tmp_.*", "Old Orders"]},
})


def containers(listing: dict[str, tuple[str, ...]]) -> dict[tuple[str, ...], StoredContainer]:
    ids = IdSource(100)
    stored: dict[tuple[str, ...], StoredContainer] = {}
    for database, schemas in listing.items():
        for path in [(KEY, database), *((KEY, database, s) for s in schemas)]:
            stored[path] = StoredContainer(ids(), "database" if len(path) == 2 else "schema", path, "inherit",
                                           "enabled")
    return stored


def hscope(**overrides: object) -> HierarchyScope:
    root = StoredContainer(1, "connection", (KEY,), "enabled", "enabled", activate_new_children="enabled")
    return HierarchyScope(root, **with_guard(overrides))  # type: ignore[arg-type]


def test_filtered_out_databases_and_schemas_are_never_created() -> None:
    listing = RemoteHierarchy({"app": ("public", "tmp_load", "Ärchiv"), "scratch": ("public",)},
                              {"scratch": "permission denied"})
    filtered = FILTERS.hierarchy(listing)
    assert filtered.databases == {"app": ("public",)} and filtered.failed_databases == {}
    changes = diff_hierarchy(FILTERS.containers({}), filtered, hscope())
    assert [c.path for c in changes.new_containers] == [(KEY, "app"), (KEY, "app", "public")]


def test_already_ingested_objects_a_new_filter_excludes_are_left_as_they_are() -> None:
    """Gone from the listing (filtered) but also from the stored side: not deleted remotely, not disabled."""
    stored = containers({"app": ("public", "tmp_load", "Ärchiv"), "scratch": ("public", "x")})
    listing = RemoteHierarchy({"app": ("public", "tmp_load", "Ärchiv"), "scratch": ("public", "x")})
    changes = diff_hierarchy(FILTERS.containers(stored), FILTERS.hierarchy(listing), hscope())
    assert changes.is_empty and changes.guard is None
    unfiltered = diff_hierarchy(stored, FILTERS.hierarchy(listing), hscope(mass_deletion_threshold=1.0))
    assert {e.type for e in unfiltered.events} == {ev.OBJECT_DELETED_REMOTELY}, "what filtering only one side would do"


def test_the_mass_deletion_guard_counts_in_scope_objects_only() -> None:
    """Many filtered-out schemas must not dilute the guard: 1 of 2 in-scope schemas vanishing is 50 %, held at 40 %."""
    many = tuple(f"tmp_{i}" for i in range(20))
    stored = containers({"app": ("public", "sales", *many)})
    listing = FILTERS.hierarchy(RemoteHierarchy({"app": ("public", *many)}))
    changes = diff_hierarchy(FILTERS.containers(stored), listing,
                             hscope(mass_deletion_threshold=0.4, mass_deletion_minimum=1))
    assert changes.guard is not None and changes.guard.present == 2
    assert changes.guard.would_delete == ("app/sales",)


def table(name: str) -> RemoteTable:
    return RemoteTable(name, "table", (RemoteColumn("id", 1, "integer"),), "BASE TABLE")


def sscope(**overrides: object) -> SchemaScope:
    values: dict[str, object] = {"schema_path": (KEY, "app", "public"), "schema_effective_status": "enabled",
                                 "activate_new_children": "enabled"}
    return SchemaScope(**with_guard({**values, **overrides}))  # type: ignore[arg-type]


def test_tables_filtered_out_are_neither_created_nor_deleted_remotely() -> None:
    ids = IdSource(1000)
    ingested = [table("orders"), table("tmp_a"), table("Old Orders")]
    stored = {t.name: synced_table(i, t, ids) for i, t in enumerate(ingested, start=1)}
    snapshot = SchemaSnapshot("app", "public", (table("orders"), table("tmp_b")))  # tmp_a, Old Orders dropped
    changes = diff_schema(FILTERS.stored_tables(stored), FILTERS.snapshot(snapshot), sscope())
    assert changes.is_empty, "tmp_b is not created, tmp_a and Old Orders are not marked deleted"


def test_the_table_guard_counts_in_scope_tables_only() -> None:
    ids = IdSource(1000)
    ingested = [table("orders"), table("customers"), *(table(f"tmp_{i}") for i in range(20))]
    stored = {t.name: synced_table(i, t, ids) for i, t in enumerate(ingested, start=1)}
    snapshot = SchemaSnapshot("app", "public", tuple(t for t in ingested if t.name != "customers"))
    changes = diff_schema(FILTERS.stored_tables(stored), FILTERS.snapshot(snapshot),
                          sscope(mass_deletion_threshold=0.4, mass_deletion_minimum=1))
    assert changes.guard is not None and changes.guard.present == 2 and changes.guard.would_delete == ("customers",)


def test_empty_filters_change_nothing() -> None:
    empty = ConnectionFilters()
    listing = RemoteHierarchy({"app": ("public",)}, {"x": "boom"})
    assert empty.hierarchy(listing) is listing
    snapshot = SchemaSnapshot("app", "public", (table("t"),))
    assert empty.snapshot(snapshot) is snapshot
    assert empty.keeps_schema("any", "thing")
