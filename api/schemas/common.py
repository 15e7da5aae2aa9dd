"""The camelCase base model and shared shapes."""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from services.connections.validation import validation_object

#: A status setting: true/false, or the explicit names (and inherit).
StatusSetting = bool | Literal["enabled", "disabled", "inherit"]


class CamelModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class ProblemBody(BaseModel):
    """An RFC 9457 problem, sent as `application/problem+json`."""

    model_config = ConfigDict(extra="allow")
    type: str = Field(default="about:blank", description="a URI naming the kind of problem")
    title: str = Field(description="the HTTP status phrase")
    status: int
    detail: str = Field(description="what went wrong, for a person")
    instance: str | None = Field(default=None, description="the request path")
    errors: list[dict[str, Any]] | None = Field(default=None, description="invalid fields, on a 422")
    statusCode: int = Field(description="the same as status (the reference product's error body)")
    error: str = Field(description="the same as title")
    message: str = Field(description="the same as detail")


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


ItemT = TypeVar("ItemT")


class Page(CamelModel, Generic[ItemT]):
    """The one envelope of every list: a page of items, how many match in all, and where the next page starts."""

    items: list[ItemT]
    total: int = Field(description="number of items matching the request, regardless of paging")
    next_cursor: str | None = Field(description="pass as `cursor` to get the next page; null on the last page")


def status_setting_value(value: StatusSetting | None) -> str | None:
    """true → enabled, false → disabled, names pass through."""
    if value is None or isinstance(value, str):
        return value
    return "enabled" if value else "disabled"
