"""JSON encoding for the large documents a crawl writes and publishes (event payloads, CloudEvents, column
fingerprints).

orjson is several times faster than the standard library on the ten thousands of column dictionaries a first
sync serializes, and writes the same text as `json.dumps(value, ensure_ascii=False, separators=(",", ":"),
default=str)`: datetimes and dataclasses go through `str` as they did there. What orjson refuses (a lone
surrogate, which no platform's UTF-8 holds but a driver might still produce; an integer beyond 64 bits) falls
back to the standard library (ASCII-escaped where the text is not UTF-8), so nothing is lost.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def dumps(value: Any, *, sort_keys: bool = False) -> bytes:
    """Compact UTF-8 JSON of `value`; the same text for the same value."""
    try:
        return orjson.dumps(value, default=str, option=_OPTIONS | orjson.OPT_SORT_KEYS if sort_keys else _OPTIONS)
    except (orjson.JSONEncodeError, TypeError):
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=sort_keys, default=str)
    try:
        return text.encode()
    except UnicodeEncodeError:  # a lone surrogate: escaped, as JSON may
        return json.dumps(value, separators=(",", ":"), sort_keys=sort_keys, default=str).encode()


def loads(text: str | bytes) -> Any:
    """Parse JSON; what orjson refuses (an integer beyond 64 bits) the standard library reads."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
