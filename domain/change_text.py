"""A change event's payload as one readable line, the same in the CLI and the console."""

from __future__ import annotations

from typing import Any

#: Members a one-line description leaves out: the job is shown elsewhere, a table's dictionary is its own page.
_NOT_ON_ONE_LINE = frozenset({"column", "bulkId", "dictionary"})


def change_details(payload: dict[str, Any]) -> str:
    subject = f"{payload['column']}: " if "column" in payload else ""
    before, after = payload.get("before"), payload.get("after")
    if isinstance(before, dict) and isinstance(after, dict):
        keys = list(dict.fromkeys([*before, *after]))
        return subject + ", ".join(f"{k} {_value(before.get(k))} → {_value(after.get(k))}" for k in keys)
    if isinstance(after, dict):
        return subject + "added " + _fields(after)
    if isinstance(before, dict):
        return subject + "removed, was " + _fields(before)
    if "message" in payload:
        return str(payload["message"])
    return _fields({k: v for k, v in payload.items() if k not in _NOT_ON_ONE_LINE and not isinstance(v, (list, dict))})


def _fields(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}={_value(v)}" for k, v in values.items() if v is not None)


def _value(value: Any) -> str:
    return "∅" if value is None else str(value)
