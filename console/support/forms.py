"""Submitted forms as plain mappings, so page handlers stay synchronous (they call blocking services)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData


async def read_form(request: Request) -> FormData:
    return await request.form()


Form = Annotated[FormData, Depends(read_form)]


def text(form: FormData, name: str, default: str = "") -> str:
    value = form.get(name)
    return value if isinstance(value, str) else default


def checked(form: FormData, name: str) -> bool:
    return text(form, name) in ("on", "true", "1")
