"""Object paths: lists of segments and their URL-style string form must round-trip exactly."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.paths import InvalidPath, dotted_name, format_path, parse_path, validate_path

ROUND_TRIPS = [
    pytest.param(("pg",), "pg", id="connection"),
    pytest.param(("pg", "app", "public", "orders"), "pg/app/public/orders", id="table"),
    pytest.param(("pg", "app/db", "Sales", "Order Items"), "pg/app%2Fdb/Sales/Order%20Items", id="slash-and-space"),
    pytest.param(("pg", "50%", "a%2Fb"), "pg/50%25/a%252Fb", id="percent-is-escaped"),
    pytest.param(("pg", "Ünï", "表"), "pg/%C3%9Cn%C3%AF/%E8%A1%A8", id="unicode"),
    pytest.param(("pg", 'q"uote', "it's"), "pg/q%22uote/it%27s", id="quotes"),
    pytest.param(("pg", "MiXeD", "a.b"), "pg/MiXeD/a.b", id="case-and-dots-kept"),
    pytest.param(("pg", "..", "."), "pg/%2E%2E/%2E", id="dot-segments-are-names-never-raw"),
    pytest.param(("pg", "...", ".x"), "pg/.../.x", id="other-dots-kept"),
    pytest.param(("pg", " ", "x" * 500), "pg/%20/" + "x" * 500, id="blank-and-very-long"),
    pytest.param(("pg", "a?b#c&d=e+f"), "pg/a%3Fb%23c%26d%3De%2Bf", id="url-specials"),
]


@pytest.mark.parametrize(("path", "text"), ROUND_TRIPS)
def test_format_and_parse_round_trip(path: tuple[str, ...], text: str) -> None:
    assert format_path(path) == text
    assert parse_path(text) == path


@pytest.mark.parametrize(("text", "path"), [
    pytest.param("/pg/app/", ("pg", "app"), id="outer-slashes-ignored"),
    pytest.param("pg/%c3%a9", ("pg", "é"), id="lowercase-escapes"),
    pytest.param("pg/50%off", ("pg", "50%off"), id="bare-percent-kept"),
    pytest.param("pg/Order Items", ("pg", "Order Items"), id="unescaped-space-accepted"),
])
def test_parse_is_lenient_where_unambiguous(text: str, path: tuple[str, ...]) -> None:
    assert parse_path(text) == path


@pytest.mark.parametrize(("text", "message"), [
    pytest.param("", "empty", id="empty"),
    pytest.param("/", "empty", id="only-slash"),
    pytest.param("///", "empty", id="only-slashes"),
    pytest.param("pg//public", "empty", id="empty-segment"),
    pytest.param("pg/a/b/c/d", "1 to 4", id="too-deep"),
    pytest.param("pg/%ff", "UTF-8", id="invalid-utf8-escape"),
    pytest.param("pg/%C3", "UTF-8", id="truncated-utf8-escape"),
])
def test_bad_paths_are_rejected_clearly(text: str, message: str) -> None:
    with pytest.raises(InvalidPath, match=message):
        parse_path(text)


@pytest.mark.parametrize("path", [(), ("pg", ""), ("", "db"), ("a", "b", "c", "d", "e")],
                         ids=["no-segments", "empty-last", "empty-first", "five-segments"])
def test_validate_path_rejects_malformed_lists(path: tuple[str, ...]) -> None:
    with pytest.raises(InvalidPath):
        validate_path(path)


def test_empty_segment_does_not_survive_a_round_trip() -> None:
    with pytest.raises(InvalidPath):
        parse_path(format_path(("pg", "", "x")))


def test_dotted_name_keeps_platform_casing() -> None:
    assert dotted_name(["Pg", "APP", "Sales", "Order Items"]) == "Pg.APP.Sales.Order Items"


SEGMENTS = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)


@settings(max_examples=300, deadline=None)
@given(st.lists(SEGMENTS, min_size=1, max_size=4))
def test_any_valid_path_round_trips(segments: list[str]) -> None:
    path = tuple(segments)
    text = format_path(path)
    assert "//" not in text and not text.startswith("/")
    assert parse_path(text) == path
