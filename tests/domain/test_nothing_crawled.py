"""Why a crawl read nothing, in words: the pattern that filters the path, the object that disables it."""

from __future__ import annotations

from domain.name_filters import parse_filters
from domain.nothing_crawled import PathStatus, why_nothing_crawled
from domain.snapshot import RemoteHierarchy

REMOTE = RemoteHierarchy(databases={"app": ("sales", "hr")})
NO_FILTERS = parse_filters({})


def why(scope: tuple[str, ...], *, filters: dict | None = None, stored: list[PathStatus] | None = None,
        include_disabled: bool = False, on_platform: int = 2) -> tuple[str, str]:
    found = why_nothing_crawled(scope, parse_filters(filters or {}), REMOTE, stored or [],
                                include_disabled=include_disabled, schemas_on_platform=on_platform)
    return found.reason, found.message


def test_an_include_list_that_misses_the_name_is_named() -> None:
    assert why(("pg", "app", "sales"), filters={"schemas": {"include": ["hr", "ops_.*"]}}) == (
        "filtered", "schema 'sales' is excluded by the connection's filters: filters.schemas matches no include "
                    "pattern ('hr', 'ops_.*')")


def test_a_database_the_platform_does_not_list_is_not_found() -> None:
    assert why(("pg", "gone"))[0] == "not_found"


def test_a_disabled_object_names_itself_or_the_ancestor_it_inherits_from() -> None:
    stored = [PathStatus(("pg",), "enabled", "enabled"), PathStatus(("pg", "app"), "inherit", "enabled"),
              PathStatus(("pg", "app", "sales"), "disabled", "disabled")]
    assert why(("pg", "app", "sales"), stored=stored)[1].startswith("'pg/app/sales' is disabled (set disabled on "
                                                                   "itself)")
    inherited = [PathStatus(("pg",), "disabled", "disabled"), PathStatus(("pg", "app"), "inherit", "disabled")]
    assert "inherited from 'pg', which is set disabled" in why(("pg", "app", "sales"), stored=inherited)[1]


def test_a_scope_without_schemas_is_empty_and_one_with_only_disabled_ones_says_so() -> None:
    assert why(("pg",), on_platform=0) == ("empty", "'pg' holds no schema on the platform that the connection's "
                                                    "filters keep")
    assert why(("pg",)) == ("disabled", "all 2 schema(s) in 'pg' are disabled; enable them, or crawl with "
                                        "--include-disabled (API: forceRecursiveCrawl) to read it anyway")
