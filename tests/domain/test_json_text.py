"""JSON text of payloads: a part serialized ahead is written as the value it holds, on either encoder's path."""

from __future__ import annotations

import json

from domain.json_text import dumps, loads, serialized

DICTIONARY = [{"name": "id", "ordinal": 1, "dataType": "integer", "nullable": False, "comment": "clé \"primaire\""},
              {"name": "note", "ordinal": 2, "dataType": "text", "nullable": True, "comment": None}]


def test_a_serialized_part_is_written_as_its_value() -> None:
    payload = {"kind": "table", "columns": 2, "dictionary": DICTIONARY}
    assert dumps({**payload, "dictionary": serialized(DICTIONARY)}) == dumps(payload)
    assert loads(dumps([{"payload": {"dictionary": serialized(DICTIONARY)}}])) == [{"payload": {
        "dictionary": DICTIONARY}}]


def test_a_serialized_part_survives_the_standard_library_fallback() -> None:
    """A lone surrogate elsewhere in the payload sends it through the standard library, which must still write
    the serialized part as its value, not as a string."""
    payload = {"owner": "bad \udc80 owner", "dictionary": serialized(DICTIONARY)}
    written = dumps(payload)
    assert json.loads(written) == {"owner": "bad \udc80 owner", "dictionary": DICTIONARY}


def test_serialized_parts_compare_by_their_text() -> None:
    assert serialized(DICTIONARY) == serialized([dict(c) for c in DICTIONARY])
    assert serialized(DICTIONARY) != serialized(DICTIONARY[:1])
    assert len({serialized(DICTIONARY), serialized(DICTIONARY)}) == 1
