"""Shared rendering: a console that does not squeeze tables when piped, and one-line change events."""

from __future__ import annotations

import sys
from typing import Any

from rich.console import Console

from domain.change_text import change_details
from domain.paths import DOT_SEGMENTS

#: The width of piped output: wide enough that no row is cut or wrapped (tables take only the width they need).
PIPED_WIDTH = 1000


def console(stderr: bool = False) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    return Console(file=stream, width=None if stream.isatty() else PIPED_WIDTH, highlight=False)


def display_path(path: list[str] | tuple[str, ...]) -> str:
    """An object path as people read it; only '%', '/', control characters and dot segments are escaped, so it
    still parses to the same names."""
    return "/".join(segment.replace(".", "%2E") if segment in DOT_SEGMENTS else "".join(_escape(c) for c in segment)
                    for segment in path)


def _escape(char: str) -> str:
    return f"%{ord(char):02X}" if char in "%/" or ord(char) < 0x20 or ord(char) == 0x7F else char


def describe_change(event_type: str, path: list[str] | tuple[str, ...], payload: dict[str, Any]) -> str:
    """`column.type_changed  demo/db/sales/Order Items  quantity: dataType integer → numeric(10,2)`."""
    return f"{event_type:<24} {display_path(path)}  {change_details(payload, event_type)}".rstrip()

