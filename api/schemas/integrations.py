"""Bodies of /integrations: a platform integration's request, its view (secrets redacted), scripts."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import ValidationResultsBody
from services.connections.integration_requests import IntegrationRequest, integration_request
from services.connections.integrations import IntegrationDetails, IntegrationPage


class IntegrationBody(BaseModel):
    """A platform integration: its type ("Azure Synapse Analytics", "Snowflake", "Databricks", "SQL Server";
    any case), whether the service runs the setup itself, and its configuration."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(min_length=1, max_length=100, examples=["Azure Synapse Analytics"])
    autoBootstrap: bool = Field(default=False, description="true: the service runs the setup with the credentials "
                                "of this request, used once and never stored; false: you run the scripts")
    unityCatalog: bool | None = None
    config: dict[str, Any] = Field(examples=[{
        "host": "organization.azure.com", "schema": "sample_schema", "database": "immuta",
        "username": "taylor@synapse.com", "password": "abc1234", "authenticationType": "userPassword"}])

    def request(self) -> IntegrationRequest:
        return integration_request(self.type, self.autoBootstrap, self.config, self.unityCatalog)


class IntegrationCredentials(BaseModel):
    """The credentials the integration was set up with, to remove what the setup created."""

    model_config = ConfigDict(extra="allow")

    authenticationType: str | None = Field(default=None, max_length=100)
    username: str | None = Field(default=None, max_length=1000)
    password: str | None = Field(default=None, max_length=10000)


class IntegrationView(BaseModel):
    id: int
    status: str
    validationResults: ValidationResultsBody
    type: str
    autoBootstrap: bool
    config: dict[str, Any] = Field(description="as configured; credentials are shown as <REDACTED>")
    connectionId: int | None = None

    @classmethod
    def of(cls, details: IntegrationDetails) -> IntegrationView:
        return cls(id=details.id, status=details.status,
                   validationResults=ValidationResultsBody.of(details.validation_results),
                   type=details.type_name, autoBootstrap=details.auto_bootstrap, config=details.config,
                   connectionId=details.connection_id)


class IntegrationPageView(BaseModel):
    items: list[IntegrationView]
    total: int
    nextCursor: str | None = Field(description="pass as `cursor` to get the next page; null on the last page")

    @classmethod
    def of(cls, page: IntegrationPage) -> IntegrationPageView:
        return cls(items=[IntegrationView.of(item) for item in page.items], total=page.total,
                   nextCursor=str(page.next_after) if page.next_after is not None else None)


class ScriptView(BaseModel):
    script: str = Field(description="run it on the platform, as a user with the privileges it needs")


def native_view(details: IntegrationDetails | None) -> dict[str, Any] | None:
    if details is None:
        return None
    return IntegrationView.of(details).model_dump(mode="json")
