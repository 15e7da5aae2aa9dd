"""JSON encoding for the large documents a crawl writes and publishes (event payloads, CloudEvents, column
fingerprints).

orjson is several times faster than the standard library on the ten thousands of column dictionaries a first
sync serializes, and writes the same text as `json.dumps(value, ensure_ascii=False, separators=(",", ":"),
default=str)`: datetimes and dataclasses go through `str` as they did there. What orjson refuses (a lone
surrogate, which no platform's UTF-8 holds but a driver might still produce; an integer beyond 64 bits) falls
back to the standard library (ASCII-escaped where the text is not UTF-8), so nothing is lost.

`serialized` turns a large part of a document into its text at once (a new table's dictionary of columns): the
objects it was built from are freed while still in cache instead of piling up until the whole document is written,
and `dumps` embeds the text as it is.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def dumps(value: Any, *, sort_keys: bool = False) -> bytes:
    """Compact UTF-8 JSON of `value`; the same text for the same value, whether parts of it are `serialized`."""
    try:
        return orjson.dumps(value, default=_embedded,
                            option=_OPTIONS | orjson.OPT_SORT_KEYS if sort_keys else _OPTIONS)
    except (orjson.JSONEncodeError, TypeError):
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=sort_keys, default=_plain)
    try:
        return text.encode()
    except UnicodeEncodeError:  # a lone surrogate: escaped, as JSON may
        return json.dumps(value, separators=(",", ":"), sort_keys=sort_keys, default=_plain).encode()


class Serialized:
    """A value's JSON text, written by `dumps` where the value would have been."""

    __slots__ = ("text",)

    def __init__(self, text: bytes) -> None:
        self.text = text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Serialized) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    def __repr__(self) -> str:
        return f"Serialized({len(self.text)} bytes of JSON)"


def serialized(value: Any) -> Serialized:
    """`value` as JSON text now (see the module's docstring); its keys stay in the order they had (`sort_keys`
    does not reach into it)."""
    return Serialized(dumps(value))


def _embedded(value: Any) -> Any:
    """What orjson writes for a value it has no encoding of."""
    if isinstance(value, Serialized):
        return orjson.Fragment(value.text)
    return str(value)


def _plain(value: Any) -> Any:
    """What the standard library writes for a value it has no encoding of."""
    if isinstance(value, Serialized):
        return loads(value.text)
    return str(value)


def loads(text: str | bytes) -> Any:
    """Parse JSON; what orjson refuses (an integer beyond 64 bits) the standard library reads."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
