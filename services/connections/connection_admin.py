"""The connection use cases, one function each, called alike by the API, the CLI and the console: test
(`run_connection_test`), register, edit, show and list. Deregistering is in `object_deletion`, with the
other deletions.

Registering and editing run the connector's validation tests against the platform, never inside a catalog
transaction (a remote call may last the whole remote timeout): the connection is first put in a busy status
(`creating`, `editing`) and that is committed, then the tests run, then a second transaction settles it
(`enabled` | `createError`, `enabled` | `editError`). So `register_connection` and `edit_connection` commit the
session they are given; the read functions leave it to the caller.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from catalog.connection_listing_store import connections_with_data_sources
from catalog.connection_store import get_connection
from catalog.integration_store import integration_of_connection
from catalog.session import Session
from connectors import canonical_technology, connector_class
from domain.connection_status import BUSY_STATUSES, ConnectionStatus
from domain.errors import ConnectionBusy, Invalid
from domain.name_filters import normalize_filters
from domain.redaction import redact
from domain.schedule import next_run, validate_cron
from models import Connection
from services.access.secrets import decrypt_secret, encrypt_secret
from services.connections.connection_records import store_connection, updated_options, validate_connection_key
from services.connections.integration_requests import IntegrationRequest, check_matches_connection
from services.connections.integrations import IntegrationDetails, integration_details
from services.connections.native_integrations import attach_native_integration, settle_native_integration
from services.connections.payloads import connection_fields
from services.connections.validation import (
    SHARED_FIELDS,
    all_passed,
    describe_failures,
    finish_creation,
    finish_edit,
    run_validation,
    split_connection_fields,
)
from services.crawl.jobs import request_crawl


@dataclass(frozen=True, slots=True)
class NewConnection:
    """What registering needs. `fields` is the flat `connection` payload (config and credentials mixed; a
    `technology` entry in it is ignored): secrets among them are told apart and stored encrypted."""

    key: str
    technology: str
    fields: Mapping[str, Any] = field(default_factory=dict)
    is_active: bool = True
    activate_new_children: bool = False
    force_recursive_crawl: bool = False
    filters: Mapping[str, Any] | None = None
    cron: str | None = None
    #: The platform integration this connection comes with (its own catalog or database is never ingested).
    native_integration: IntegrationRequest | None = None


@dataclass(frozen=True, slots=True)
class ConnectionChanges:
    """An edit; None leaves a part as it is. `fields` are merged over the stored ones (a `technology` entry
    must repeat the stored one); `filters` replace the current ones, and an empty mapping removes them."""

    fields: Mapping[str, Any] | None = None
    force_recursive_crawl: bool | None = None
    filters: Mapping[str, Any] | None = None
    cron: str | None = None


@dataclass(frozen=True, slots=True)
class ConnectionDetails:
    """A connection as every door shows it: credentials only by name, never by value."""

    key: str
    technology: str
    config: dict[str, Any]
    credentials_set: list[str]
    status: str
    validation_results: list[dict[str, Any]]
    options: dict[str, Any]
    cron: str
    next_sync_at: datetime | None
    last_sync_at: datetime | None
    created_at: datetime
    updated_at: datetime
    native_integration: IntegrationDetails | None = None


@dataclass(frozen=True, slots=True)
class ConnectionSummary:
    key: str
    technology: str
    status: str
    cron: str
    data_sources: int
    next_sync_at: datetime | None
    last_sync_at: datetime | None


@dataclass(frozen=True, slots=True)
class ValidationReport:
    results: list[dict[str, Any]]

    @property
    def passed(self) -> bool:
        return all_passed(self.results)


@dataclass(frozen=True, slots=True)
class Registration:
    details: ConnectionDetails
    #: The first crawl's job, requested once validation passed (None when the caller asked for none).
    first_crawl: uuid.UUID | None


class ConnectionValidationFailed(Invalid):
    """The platform rejected the connection. `details` is what is stored now: status createError after a
    registration, or editError with the previous, working configuration after an edit."""

    def __init__(self, message: str, details: ConnectionDetails):
        super().__init__(message)
        self.details = details


class TechnologyChange(Invalid):
    def __init__(self, technology: str):
        super().__init__(f"the technology of a connection cannot change (it is {technology!r})")


def connection_details(connection: Connection, session: Session | None = None) -> ConnectionDetails:
    native = integration_of_connection(session, connection.id) if session is not None else None
    return ConnectionDetails(
        key=connection.key, technology=connection.technology, config=shown_config(connection.config or {}),
        credentials_set=sorted(set(decrypt_secret(connection.credentials_encrypted)) - SHARED_FIELDS),
        status=connection.status, validation_results=list(connection.validation_results or []),
        options=dict(connection.options or {}), cron=connection.cron, next_sync_at=connection.next_sync_at,
        last_sync_at=connection.last_sync_at, created_at=connection.created_at, updated_at=connection.updated_at,
        native_integration=integration_details(native) if native is not None else None,
    )


def shown_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """The config as it may be shown: a URL's password (of a row stored before passwords left URLs) masked."""
    return {k: redact(v) if isinstance(v, str) and "://" in v else v for k, v in config.items()}


def run_connection_test(technology: str, fields: Mapping[str, Any],
                        native_integration: IntegrationRequest | None = None) -> ValidationReport:
    """Testing a connection (the create payload): its validation tests, and those of its native integration's
    setup, run on a payload that is not stored; nothing is written."""
    technology = canonical_technology(technology)
    connector_class(technology)
    config, credentials = split_connection_fields(connection_fields(technology, fields))
    if native_integration is not None:
        check_matches_connection(native_integration, technology, config)
        config = {**config, **_internal_object(native_integration)}
    setup = native_integration.setup() if native_integration is not None else None
    return ValidationReport(run_validation(technology, config, credentials, setup))


def _internal_object(native: IntegrationRequest) -> dict[str, Any]:
    """The integration's own catalog (database), never ingested by the connection."""
    if native.technology == "databricks":
        return {"internalCatalog": native.config["catalog"]}
    return {"internalDatabase": native.config["database"]}


def run_edit_test(session: Session, key: str, fields: Mapping[str, Any]) -> ValidationReport:
    """Testing an edit before saving it: the changed fields over the stored ones (a secret left out keeps the
    stored one). Nothing is written; the read transaction ends before the platform is asked."""
    connection = get_connection(session, key)
    changed = connection_fields(connection.technology, fields)
    new_config, new_credentials = split_connection_fields(changed)
    technology = connection.technology
    config = {**(connection.config or {}), **new_config}
    credentials = {**decrypt_secret(connection.credentials_encrypted), **new_credentials}
    session.rollback()
    return ValidationReport(run_validation(technology, config, credentials))


def register_connection(session: Session, new: NewConnection, *, requested_by: str | None = None,
                        first_crawl: bool = True) -> Registration:
    """Validate the request, store the connection as `creating`, run the validation tests, then settle it:
    `enabled` (and request the first crawl) or `createError` with the results stored, raising
    ConnectionValidationFailed. Commits."""
    validate_connection_key(new.key)
    technology = canonical_technology(new.technology)
    connector_class(technology)
    updated_options({}, force_recursive_crawl=new.force_recursive_crawl, filters=new.filters)
    if new.cron is not None:
        validate_cron(new.cron)
    config, credentials = split_connection_fields(connection_fields(technology, new.fields))
    native = new.native_integration
    if native is not None:
        check_matches_connection(native, technology, config)
        config = {**config, **_internal_object(native)}
    stored = store_connection(
        session, key=new.key, technology=technology, config=config, credentials=credentials,
        is_active=new.is_active, activate_new_children=new.activate_new_children,
        force_recursive_crawl=new.force_recursive_crawl, filters=new.filters, cron=new.cron,
        status=ConnectionStatus.CREATING,
    )
    if native is not None:
        attach_native_integration(session, stored, native)
    session.commit()  # the key is taken and the status visible while the platform is asked
    results = _validate_or_settle(session, new.key, ConnectionStatus.CREATE_ERROR, technology, config, credentials,
                                  native.setup() if native is not None else None)
    connection = _locked(session, new.key)
    passed = finish_creation(session, connection, results)
    if native is not None:
        settle_native_integration(session, connection, results)
    job = request_crawl(session, [new.key], requested_by=requested_by) if passed and first_crawl else None
    session.commit()
    details = connection_details(connection, session)
    if not passed:
        raise ConnectionValidationFailed(
            f"connection {new.key!r} failed validation ({describe_failures(results)}); it is stored with status "
            "createError: edit it to fix it, or deregister it", details)
    return Registration(details, job.bulk_id if job is not None else None)


def edit_connection(session: Session, key: str, changes: ConnectionChanges) -> ConnectionDetails:
    """Change cron, options and fields. New fields are validated first (`editing` → `enabled` | `editError`);
    a failed validation keeps the previous, working configuration and raises ConnectionValidationFailed.
    Commits."""
    cron = validate_cron(changes.cron) if changes.cron is not None else None
    if changes.filters is not None:
        normalize_filters(changes.filters)
    fields = dict(changes.fields) if changes.fields is not None else None
    technology = fields.pop("technology", None) if fields is not None else None
    connection = get_connection(session, key, for_update=True)
    if connection.status in BUSY_STATUSES:
        raise ConnectionBusy(key, connection.status)
    if fields is not None:
        fields = connection_fields(connection.technology, fields)
    if technology is not None and canonical_technology(technology) != connection.technology:
        raise TechnologyChange(connection.technology)
    if cron is not None:
        connection.cron = cron
        connection.next_sync_at = next_run(cron)
    if changes.force_recursive_crawl is not None or changes.filters is not None:
        connection.options = updated_options(connection.options, force_recursive_crawl=changes.force_recursive_crawl,
                                             filters=changes.filters)
    if fields is None:
        session.commit()
        return connection_details(connection, session)
    new_config, new_credentials = split_connection_fields(fields)
    config = {**(connection.config or {}), **new_config}
    credentials = {**decrypt_secret(connection.credentials_encrypted), **new_credentials}
    previous_status = connection.status
    connection.status = ConnectionStatus.EDITING
    session.commit()  # cron and options are kept whatever the validation says
    results = _validate_or_settle(session, key, previous_status, connection.technology, config, credentials)
    connection = _locked(session, key)
    passed = finish_edit(session, connection, results, config, encrypt_secret(credentials))
    session.commit()
    details = connection_details(connection, session)
    if not passed:
        raise ConnectionValidationFailed(
            f"connection {key!r} failed validation ({describe_failures(results)}); the previous configuration "
            "is kept (status editError)", details)
    return details


def show_connection(session: Session, key: str) -> ConnectionDetails:
    return connection_details(get_connection(session, key), session)


def list_connections(session: Session, *, only_keys: Collection[str] | None = None, technology: str | None = None,
                     status: str | None = None, offset: int = 0,
                     limit: int | None = None) -> tuple[list[ConnectionSummary], int]:
    """A page of connections by key (among `only_keys`, of one technology or status), with their number of
    enabled data sources, and how many match in all."""
    rows, total = connections_with_data_sources(session, only_keys, technology=technology, status=status,
                                                 offset=offset, limit=limit)
    return [
        ConnectionSummary(key=c.key, technology=c.technology, status=c.status, cron=c.cron, data_sources=count,
                          next_sync_at=c.next_sync_at, last_sync_at=c.last_sync_at)
        for c, count in rows
    ], total


def _locked(session: Session, key: str) -> Connection:
    """The connection re-read under a row lock: others may have changed it while the platform was asked."""
    session.expire_all()
    return get_connection(session, key, for_update=True)


def _validate_or_settle(session: Session, key: str, status_on_error: str, technology: str,
                        config: Mapping[str, Any], credentials: Mapping[str, Any],
                        setup: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """Run validation; if it cannot run at all (a bug, Ctrl-C), leave the connection in `status_on_error`
    rather than stuck in a busy status nobody may change."""
    try:
        return run_validation(technology, config, credentials, setup)
    except BaseException:
        session.rollback()
        _locked(session, key).status = status_on_error
        session.commit()
        raise
