"""Jinja2 templates of the console and the helpers they use (object URLs, times, status badges)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from domain.change_text import change_details
from domain.paths import format_path, format_segment

PACKAGE = Path(__file__).resolve().parent.parent  # the console package: templates/ and static/
templates = Jinja2Templates(directory=str(PACKAGE / "templates"))
PREFIX = "/console"

#: Status → badge colour class; anything else is neutral.
TONES = {
    "enabled": "ok", "succeeded": "ok", "passed": "ok", "present": "ok", "validated": "ok", "delivered": "ok",
    "disabled": "muted", "inherit": "muted", "skipped": "muted",
    "queued": "info", "running": "info", "creating": "info", "editing": "info", "deleting": "info",
    "pending": "info",
    "partial": "warn", "warning": "warn", "held": "warn", "recurringValidationError": "warn",
    "failed": "bad", "createError": "bad", "editError": "bad", "deleteError": "bad", "deleted": "bad", "dead": "bad",
}


def object_url(path: Sequence[str], **query: Any) -> str:
    url = f"{PREFIX}/objects/{format_path(list(path))}"
    return url + ("?" + urlencode({k: v for k, v in query.items() if v is not None}) if query else "")


def action_url(action: str, path: Sequence[str]) -> str:
    return f"{PREFIX}/{action}/{format_path(list(path))}"


def when(value: datetime | str | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def tone(status: str | None) -> str:
    return TONES.get(status or "", "neutral")


def display_path(path: Sequence[str]) -> str:
    return " / ".join(path)


def segment(value: str) -> str:
    """One URL path segment: every reserved character escaped."""
    return format_segment(str(value))


templates.env.globals.update(object_url=object_url, action_url=action_url, prefix=PREFIX)
templates.env.filters.update(when=when, tone=tone, display_path=display_path, change_details=change_details,
                            seg=segment)


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    viewer = getattr(request.state, "viewer", None)
    return templates.TemplateResponse(request, template, {"viewer": viewer, **context}, status_code=status_code)
