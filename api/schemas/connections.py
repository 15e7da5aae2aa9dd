"""Bodies of /data/connection: registration, edit, test and the stored view (never with credentials)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.schemas.common import CamelModel, ValidationResultsBody
from api.schemas.integrations import IntegrationBody, native_view
from domain.name_filters import MAX_PATTERNS, normalize_filters
from services.connections.connection_admin import (
    ConnectionChanges,
    ConnectionDetails,
    ConnectionSummary,
    NewConnection,
    Registration,
)
from services.connections.integration_requests import IntegrationRequest

ConfigValue = str | int | float | bool | None


#: Bounds on what one request may list: every list becomes query parameters, and PostgreSQL takes 65,535.
MAX_EXTRA_FIELDS = 50
MAX_LIST_ITEMS = 1000


def _is_name_list(value: Any) -> bool:
    return (isinstance(value, list) and len(value) <= MAX_LIST_ITEMS
            and all(isinstance(item, str) and len(item) <= 1000 for item in value))


class OAuthClientConfig(BaseModel):
    """Databricks OAuth machine-to-machine: the service principal's client id and secret, the identity
    provider's authority URL, and the token scope (default all-apis). Other keys are ignored."""

    model_config = ConfigDict(extra="ignore")

    clientId: str = Field(min_length=1, max_length=1000)
    clientSecret: str = Field(min_length=1, max_length=10000)
    authorityUrl: str | None = Field(default=None, max_length=2000)
    useCertificate: bool = False
    scope: str | None = Field(default=None, max_length=1000)


class ConnectionFields(BaseModel):
    """Technology-specific fields, flat in the `connection` object; secrets among them are stored encrypted.
    The technology is case-insensitive and may be written as people do ("Databricks", "Azure Synapse
    Analytics", "SQL Server")."""

    model_config = ConfigDict(extra="allow")

    technology: str = Field(min_length=1, max_length=100, examples=["Databricks", "postgresql"])
    hostname: str | None = Field(default=None, max_length=1000)
    port: int | None = Field(default=None, ge=1, le=65535)
    database: str | None = Field(default=None, max_length=1000)
    httpPath: str | None = Field(default=None, max_length=1000)
    warehouse: str | None = Field(default=None, max_length=1000)
    authenticationType: str | None = Field(default=None, max_length=100)
    oAuthClientConfig: OAuthClientConfig | None = None

    @model_validator(mode="after")
    def _extra_fields_are_scalars_or_name_lists(self) -> ConnectionFields:
        extra = self.model_extra or {}
        if len(extra) > MAX_EXTRA_FIELDS:
            raise ValueError(f"a connection takes at most {MAX_EXTRA_FIELDS} further fields, got {len(extra)}")
        for key, value in extra.items():
            if len(key) > 100 or not (isinstance(value, ConfigValue) or _is_name_list(value)):
                raise ValueError(f"connection field {key[:100]!r} must be a string, number, boolean or a list of "
                                 f"at most {MAX_LIST_ITEMS} strings (e.g. databases)")
        return self

    def flat(self) -> dict[str, Any]:
        extra = self.model_extra or {}
        return {**self.model_dump(exclude_none=True, exclude=set(extra)), **extra}


class ConnectionEditFields(ConnectionFields):
    technology: str | None = Field(default=None, min_length=1, max_length=100)  # type: ignore[assignment]


class ConnectionSettings(CamelModel):
    is_active: bool = True
    activate_new_children: bool = False


class NamePatterns(CamelModel):
    include: list[str] = Field(default_factory=list, max_length=MAX_PATTERNS,
                               description="kept only if the name fully matches one of these (none: all)")
    exclude: list[str] = Field(default_factory=list, max_length=MAX_PATTERNS,
                               description="names fully matching any of these are out of scope")


class FilterPatterns(CamelModel):
    """Regular expressions (Python `re`, full match, case-sensitive) on database, schema and table names.

    Objects filtered out are out of scope: never ingested, and left as they are if already in the catalog.
    """

    databases: NamePatterns | None = None
    schemas: NamePatterns | None = None
    tables: NamePatterns | None = Field(default=None, examples=[{"exclude": ["tmp_.*", ".*_backup"]}])

    @model_validator(mode="after")
    def _patterns_compile(self) -> FilterPatterns:
        normalize_filters(self.stored())  # InvalidNameFilter (a ValueError too) names the pattern: a 422
        return self

    def stored(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class ConnectionOptions(CamelModel):
    force_recursive_crawl: bool = False
    filters: FilterPatterns | None = None


class ConnectionCreateRequest(CamelModel):
    connection_key: str = Field(min_length=1, max_length=255, examples=["pg-prod"])
    connection: ConnectionFields
    settings: ConnectionSettings = ConnectionSettings()
    options: ConnectionOptions = ConnectionOptions()
    cron: str | None = Field(default=None, max_length=200, examples=["0 1 * * *"])
    native_integration: IntegrationBody | None = Field(
        default=None, description="the platform integration set up from the scripts (same values as for the "
                                  "scripts); its secrets are stored encrypted and never returned")

    def native(self) -> IntegrationRequest | None:
        return self.native_integration.request() if self.native_integration is not None else None

    def new_connection(self) -> NewConnection:
        return NewConnection(
            key=self.connection_key, technology=self.connection.technology, fields=self.connection.flat(),
            is_active=self.settings.is_active, activate_new_children=self.settings.activate_new_children,
            force_recursive_crawl=self.options.force_recursive_crawl,
            filters=self.options.filters.stored() if self.options.filters is not None else None, cron=self.cron,
            native_integration=self.native(),
        )


class ConnectionTestRequest(ConnectionCreateRequest):
    """The create payload (or only its `connection`): nothing is stored."""

    connection_key: str | None = Field(default=None, min_length=1, max_length=255)  # type: ignore[assignment]


class ConnectionTestResponse(CamelModel):
    validation_results: ValidationResultsBody
    passed: bool


class ConnectionCreateResponse(CamelModel):
    connection_key: str
    object_path: list[str]
    bulk_id: str | None
    status: str
    validation_results: ValidationResultsBody

    @classmethod
    def of(cls, registration: Registration) -> ConnectionCreateResponse:
        details = registration.details
        bulk_id = str(registration.first_crawl) if registration.first_crawl is not None else None
        return cls(connection_key=details.key, object_path=[details.key], bulk_id=bulk_id, status=details.status,
                   validation_results=ValidationResultsBody.of(details.validation_results))


class ConnectionEditOptions(CamelModel):
    force_recursive_crawl: bool | None = None
    filters: FilterPatterns | None = Field(default=None, description="replaces the current filters; {} removes them")


class ConnectionEditRequest(CamelModel):
    connection: ConnectionEditFields | None = None
    options: ConnectionEditOptions | None = None
    cron: str | None = Field(default=None, max_length=200, examples=["30 2 * * *"])

    def changes(self) -> ConnectionChanges:
        options = self.options or ConnectionEditOptions()
        return ConnectionChanges(
            fields=self.connection.flat() if self.connection is not None else None,
            force_recursive_crawl=options.force_recursive_crawl,
            filters=options.filters.stored() if options.filters is not None else None, cron=self.cron,
        )


class ConnectionView(CamelModel):
    connection_key: str
    object_path: list[str]
    technology: str
    connection: dict[str, Any] = Field(description="non-secret configuration; credentials are never returned")
    credentials_set: list[str] = Field(description="names of the stored credential fields (never their values)")
    status: str
    validation_results: ValidationResultsBody
    native_integration: dict[str, Any] | None = Field(
        default=None, description="its integration: id, type, status and configuration (secrets redacted)")
    options: dict[str, Any]
    cron: str
    next_sync_at: datetime | None
    last_sync_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, details: ConnectionDetails) -> ConnectionView:
        return cls(
            connection_key=details.key, object_path=[details.key], technology=details.technology,
            connection={"technology": details.technology, **details.config}, credentials_set=details.credentials_set,
            status=details.status, validation_results=ValidationResultsBody.of(details.validation_results),
            native_integration=native_view(details.native_integration),
            options=details.options, cron=details.cron, next_sync_at=details.next_sync_at,
            last_sync_at=details.last_sync_at, created_at=details.created_at, updated_at=details.updated_at,
        )


class ConnectionSummaryView(CamelModel):
    connection_key: str
    technology: str
    status: str
    cron: str
    data_sources: int = Field(description="enabled tables and views still present on the platform")
    next_sync_at: datetime | None
    last_sync_at: datetime | None

    @classmethod
    def of(cls, summary: ConnectionSummary) -> ConnectionSummaryView:
        return cls(connection_key=summary.key, technology=summary.technology, status=summary.status,
                   cron=summary.cron, data_sources=summary.data_sources, next_sync_at=summary.next_sync_at,
                   last_sync_at=summary.last_sync_at)

