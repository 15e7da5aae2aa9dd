"""The camelCase base model and shared shapes."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from services.connections.validation import validation_object

#: A status setting: true/false, or the explicit names (and inherit).
StatusSetting = bool | Literal["enabled", "disabled", "inherit"]


class CamelModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class ErrorBody(BaseModel):
    statusCode: int
    error: str
    message: str
    details: Any | None = None


ValidationStatus = Literal["passed", "warning", "failed", "skipped"]


class ValidationResultBody(BaseModel):
    """One validation test: `result` holds the rows it read, when it has some to show."""

    name: str
    status: ValidationStatus
    result: list[dict[str, Any]] | None = None
    message: str | None = None


class ValidationResultsBody(BaseModel):
    """Every validation test and their overall status (failed > warning > passed > skipped)."""

    status: ValidationStatus
    validationTests: list[ValidationResultBody]

    @classmethod
    def of(cls, results: list[dict[str, Any]]) -> ValidationResultsBody:
        return cls.model_validate(validation_object(results))


class Page(CamelModel):
    offset: int
    size: int
    count: int = Field(description="total number of items, regardless of paging")


def status_setting_value(value: StatusSetting | None) -> str | None:
    """true → enabled, false → disabled, names pass through."""
    if value is None or isinstance(value, str):
        return value
    return "enabled" if value else "disabled"
