"""The camelCase base model and shared shapes."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

#: A status setting: true/false, or the explicit names (and inherit).
StatusSetting = bool | Literal["enabled", "disabled", "inherit"]


class CamelModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class ErrorBody(BaseModel):
    statusCode: int
    error: str
    message: str
    details: Any | None = None


class ValidationResultBody(BaseModel):
    name: str
    status: Literal["passed", "warning", "failed", "skipped"]
    message: str | None = None


class Page(CamelModel):
    offset: int
    size: int
    count: int = Field(description="total number of items, regardless of paging")


def status_setting_value(value: StatusSetting | None) -> str | None:
    """true → enabled, false → disabled, names pass through."""
    if value is None or isinstance(value, str):
        return value
    return "enabled" if value else "disabled"
