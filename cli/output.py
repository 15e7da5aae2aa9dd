"""Shared rendering: a console that does not squeeze tables when piped, and one-line change events."""

from __future__ import annotations

import sys
from typing import Any

from rich.console import Console


def console(stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    return Console(file=stream, width=None if stream.isatty() else 160, highlight=False)


def display_path(path: list[str] | tuple[str, ...]) -> str:
    """An object path as people read it; only '%', '/' and control characters are escaped, so it still parses."""
    return "/".join("".join(_escape(char) for char in segment) for segment in path)


def _escape(char: str) -> str:
    return f"%{ord(char):02X}" if char in "%/" or ord(char) < 0x20 or ord(char) == 0x7F else char


def describe_change(event_type: str, path: list[str] | tuple[str, ...], payload: dict[str, Any]) -> str:
    """`column.type_changed  demo/db/sales/Order Items  quantity: dataType integer → numeric(10,2)`."""
    return f"{event_type:<24} {display_path(path)}  {change_details(payload)}".rstrip()


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
    return _fields({k: v for k, v in payload.items() if k != "column"})


def _fields(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}={_value(v)}" for k, v in values.items() if v is not None)


def _value(value: Any) -> str:
    return "∅" if value is None else str(value)
