"""The column fingerprint: one digest per column list, whatever order the columns come in, never shared by two
different lists; and the JSON it is computed over never refuses a text."""

from __future__ import annotations

import json

from domain.json_text import dumps
from domain.snapshot import RemoteColumn, RemoteTable, columns_fingerprint


def _columns(*names: str, comment: str | None = None) -> list[RemoteColumn]:
    return [RemoteColumn(name, ordinal, "text", True, comment) for ordinal, name in enumerate(names, start=1)]


def test_the_fingerprint_ignores_the_order_columns_arrive_in() -> None:
    columns = _columns("id", "name", "email")
    assert columns_fingerprint(columns) == columns_fingerprint(list(reversed(columns)))


def test_lists_that_differ_anywhere_have_different_fingerprints() -> None:
    base = columns_fingerprint(_columns("a", "b"))
    assert columns_fingerprint(_columns("a,b")) != base  # no separator can join two names into one
    assert columns_fingerprint(_columns('a", "b')) != columns_fingerprint(_columns("a", "b"))
    assert columns_fingerprint(_columns("a", "b", comment="x")) != base
    assert columns_fingerprint([RemoteColumn("a", 1, "int"), RemoteColumn("b", 2, "text")]) != base
    assert columns_fingerprint([RemoteColumn("a", 1, "text", False), RemoteColumn("b", 2, "text")]) != base
    with_ids = [RemoteColumn(c.name, c.ordinal, c.data_type, remote_id=str(c.ordinal)) for c in _columns("a", "b")]
    assert columns_fingerprint(with_ids) != base  # a platform identity counts where there is one


def test_an_empty_comment_is_no_comment() -> None:
    assert columns_fingerprint(_columns("a", comment="")) == columns_fingerprint(_columns("a"))


def test_a_table_computes_its_fingerprint_once_and_equal_tables_agree() -> None:
    table = RemoteTable("t", "table", tuple(_columns("a", "b")))
    assert table.fingerprint == columns_fingerprint(table.columns) == table.fingerprint
    assert table == RemoteTable("t", "table", tuple(_columns("a", "b")))  # the cached digest is not compared


def test_json_of_texts_orjson_refuses_falls_back_to_escaped_json() -> None:
    lone_surrogate = "bad\ud800name"
    encoded = dumps({"name": lone_surrogate, "n": 1})
    assert json.loads(encoded) == {"name": lone_surrogate, "n": 1}
    assert dumps({"name": "ünïcode\t\x01"}) == json.dumps({"name": "ünïcode\t\x01"}, ensure_ascii=False,
                                                          separators=(",", ":")).encode()
    assert dumps({1: "integer keys"}) == b'{"1":"integer keys"}'


def test_json_text_writes_what_the_standard_library_wrote() -> None:
    import dataclasses
    import uuid
    from datetime import UTC, datetime

    @dataclasses.dataclass
    class Point:
        x: int

    value = {"b": [1, 2.5, None, True], "a": {"z": "ünï\"code\n", "y": uuid.UUID(int=7)},
             "when": datetime(2026, 11, 29, 12, 0, tzinfo=UTC), "point": Point(1), "big": 2**70}
    for sort_keys in (False, True):
        assert dumps(value, sort_keys=sort_keys) == json.dumps(
            value, ensure_ascii=False, separators=(",", ":"), sort_keys=sort_keys, default=str).encode()


def test_json_text_reads_integers_beyond_64_bits() -> None:
    from domain.json_text import loads

    assert loads(b'{"n": 1180591620717411303424}') == {"n": 2**70}


def test_the_digest_of_a_stored_column_list_does_not_change() -> None:
    """Catalogs hold these digests: a new encoding would make every re-read table load its dictionary once."""
    columns = [RemoteColumn("b", 2, "text", True, "", "2"), RemoteColumn("a", 1, "int", False, "id"),
               RemoteColumn('c\t"', 3, "numeric(12,2)", True, None, "7")]
    assert columns_fingerprint(columns) == "3e7c3c6776b6fd0defdc12cf9ba0566a"
