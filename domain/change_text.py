"""A change event's payload as one readable line, the same in the CLI and the console."""

from __future__ import annotations

from typing import Any

from domain.change_types import COLUMN_ADDED, COLUMN_DELETED, OBJECT_CREATED

#: Members a one-line description leaves out: the job is shown elsewhere, a table's dictionary is its own page,
#: the event a request answers is its own line.
_NOT_ON_ONE_LINE = frozenset({"column", "bulkId", "dictionary", "sourceEventId", "before", "after"})
#: The types whose payload holds only the new or only the old state of what they add or remove.
_ADDING = frozenset({COLUMN_ADDED, OBJECT_CREATED})
_REMOVING = frozenset({COLUMN_DELETED})


def change_details(payload: dict[str, Any], event_type: str) -> str:
    """The payload in words; "added" and "removed" only for the types that add or remove something (a request
    about a deleted column, or a data source disabled, lists its fields instead)."""
    subject = f"{payload['column']}: " if "column" in payload else ""
    before, after = payload.get("before"), payload.get("after")
    if isinstance(before, dict) and isinstance(after, dict):
        keys = list(dict.fromkeys([*before, *after]))
        return subject + ", ".join(f"{k} {_value(before.get(k))} → {_value(after.get(k))}" for k in keys)
    if event_type in _ADDING and isinstance(after, dict):
        return subject + "added " + _fields(after)
    if event_type in _REMOVING and isinstance(before, dict):
        return subject + "removed, was " + _fields(before)
    if "message" in payload:
        return str(payload["message"])
    fields = {k: v for k, v in payload.items() if k not in _NOT_ON_ONE_LINE and not isinstance(v, (list, dict))}
    for state in (before, after):
        if isinstance(state, dict):
            fields |= {k: v for k, v in state.items() if not isinstance(v, (list, dict))}
    return subject + _fields(fields)


def _fields(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}={_value(v)}" for k, v in values.items() if v is not None)


def _value(value: Any) -> str:
    return "∅" if value is None else str(value)
