"""The integration use cases, one function each: setup scripts, create, show, list, edit, delete, re-validate.

An integration is the platform side of the service: a system account, its role and the service's own database
(or catalog) with the least privileges object sync needs. With `autoBootstrap` the service runs the setup itself,
with the privileged credentials of that one request (used once, never stored) and creates the system account
with a password of its own; without it, the caller runs the scripts and the request's credentials are the
system account's. Remote calls run outside any catalog transaction: the integration is first put in a busy
status (creating, editing, deleting) and that is committed, then the platform is asked, then it is settled.

Lifecycle: creating → enabled | createError; editing → enabled | editError (the previous configuration kept);
deleting → deleted | deleteError; a forced delete → disabled (nothing removed remotely); the hourly
re-validation enabled ↔ recurringValidationError; migrating → enabled | migrateError when the setup scripts
changed since the integration was set up.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from catalog.integration_store import (
    count_integrations,
    get_integration,
    integration_on_host,
    record_integration_revalidation,
)
from catalog.integration_store import (
    list_integrations as stored_integrations,
)
from catalog.session import Session, transaction_time
from connectors import ConnectorError, connector_class, display_name
from connectors.setup_scripts import SCRIPT_VERSION, Phase, SetupTarget, script, script_text, target_of
from domain.errors import IntegrationBusy, IntegrationExists, Invalid
from models import Integration
from services.access.secrets import decrypt_secret, encrypt_secret
from services.connections.integration_requests import IntegrationRequest
from services.connections.validation import (
    FAILED,
    SHARED_FIELDS,
    all_passed,
    run_validation,
)
from settings import get_settings

BUSY_STATUSES = ("creating", "editing", "deleting", "migrating")
SETTLED_STATUSES = ("enabled", "recurringValidationError")
REDACTED = "<REDACTED>"
BOOTSTRAP_TEST = "Validate automatic bootstrap user grants"


@dataclass(frozen=True, slots=True)
class IntegrationDetails:
    """An integration as every door shows it: credentials only by name, never by value."""

    id: int
    type_name: str
    technology: str
    auto_bootstrap: bool
    status: str
    validation_results: list[dict[str, Any]]
    config: dict[str, Any]
    connection_id: int | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class IntegrationPage:
    items: list[IntegrationDetails]
    total: int
    #: The id to continue after, when more follow.
    next_after: int | None


class SetupFailed(Invalid):
    pass


def integration_details(integration: Integration) -> IntegrationDetails:
    stored = decrypt_secret(integration.credentials_encrypted) or {}
    shown = {**integration.config, **{name: REDACTED for name in stored if name not in SHARED_FIELDS | {"role"}}}
    return IntegrationDetails(
        id=integration.id, type_name=display_name(integration.type), technology=integration.type,
        auto_bootstrap=integration.auto_bootstrap, status=integration.status,
        validation_results=list(integration.validation_results or []), config=shown,
        connection_id=integration.connection_id, created_at=integration.created_at,
        updated_at=integration.updated_at,
    )


# -- scripts ----------------------------------------------------------------------------------------------------


def setup_script(phase: Phase, request: IntegrationRequest) -> str:
    """The script of one phase for a configuration not stored yet (scripts/initial-create, scripts/create, and
    the cleanup of an integration whose creation failed)."""
    return script_text(script(phase, _target(request, automatic=False)))


def integration_script(session: Session, integration_id: int, phase: Phase,
                       request: IntegrationRequest | None = None) -> str:
    """The script of one phase for a stored integration (`request`: the edited configuration, for `edit`)."""
    integration = get_integration(session, integration_id)
    config = dict(request.config) if request is not None else dict(integration.config)
    stored = decrypt_secret(integration.credentials_encrypted) or {}
    if integration.auto_bootstrap and "username" in stored:
        config["systemAccount"] = stored["username"]
    target = target_of(integration.type, {**config, **_account_fields(stored)}, automatic=False)
    return script_text(script(phase, target))


def _account_fields(credentials: Mapping[str, Any]) -> dict[str, Any]:
    return {key: credentials[key] for key in ("username",) if credentials.get(key)}


def _target(request: IntegrationRequest, *, automatic: bool, password: str | None = None) -> SetupTarget:
    config = {**request.config, **_account_fields(request.credentials)}
    principal = None
    if request.technology == "databricks" and not (config.get("servicePrincipal") or config.get("clientId")):
        principal = _current_principal(request)
    return target_of(request.technology, config, automatic=automatic, password=password, principal=principal)


def _current_principal(request: IntegrationRequest) -> str:
    """The Databricks principal a token belongs to, asked of the workspace."""
    settings = get_settings()
    connector = connector_class(request.technology)(request.connector_config(), request.credentials,
                                                    timeout=settings.remote_timeout_seconds)
    try:
        principal = connector.current_principal()
    except ConnectorError as error:
        raise SetupFailed(f"cannot tell which service principal the token belongs to ({error.message}); give "
                          "config.servicePrincipal") from None
    finally:
        connector.close()
    return principal


# -- create, edit, delete -----------------------------------------------------------------------------------------


def create_integration(session: Session, request: IntegrationRequest) -> IntegrationDetails:
    """Store it as `creating` (409 if an integration holds the host), validate, run the setup when automatic,
    then settle it `enabled` or `createError`. Commits."""
    existing = integration_on_host(session, request.technology, request.host)
    if existing is not None:
        raise IntegrationExists(request.type_name, request.host, existing.id)
    integration = Integration(
        type=request.technology, host=request.host, auto_bootstrap=request.auto_bootstrap, config=request.config,
        credentials_encrypted=None if request.auto_bootstrap else encrypt_secret(request.credentials),
        status="creating", validation_results=[], script_version=SCRIPT_VERSION,
    )
    session.add(integration)
    session.commit()
    integration_id = integration.id
    results, system_credentials = _validate_and_set_up(request, phases=("initial-create", "create"),
                                                       on_error=lambda: _settle(session, integration_id,
                                                                                "createError"))
    integration = get_integration(session, integration_id, for_update=True)
    integration.validation_results = results
    integration.status = "enabled" if all_passed(results) else "createError"
    if system_credentials is not None:
        integration.credentials_encrypted = encrypt_secret(system_credentials)
    integration.updated_at = transaction_time()
    session.commit()
    return integration_details(integration)


def edit_integration(session: Session, integration_id: int, request: IntegrationRequest) -> IntegrationDetails:
    """`editing`, validate the new configuration (and run the edit script when automatic), then `enabled` with
    it, or `editError` with the previous one kept. 409 during another transition. Commits."""
    integration = get_integration(session, integration_id, for_update=True)
    if integration.status in (*BUSY_STATUSES, "deleted", "disabled"):
        raise IntegrationBusy(integration_id, integration.status)
    if request.technology != integration.type:
        raise Invalid(f"the type of an integration cannot change (it is {display_name(integration.type)!r})")
    previous_status = integration.status
    integration.status = "editing"
    session.commit()
    stored = decrypt_secret(integration.credentials_encrypted) or {}
    results, _ = _validate_and_set_up(request, phases=("edit",), keep_account=stored,
                                      on_error=lambda: _settle(session, integration_id, previous_status))
    integration = get_integration(session, integration_id, for_update=True)
    integration.validation_results = results
    if all_passed(results):
        integration.config = request.config
        integration.host = request.host
        integration.auto_bootstrap = request.auto_bootstrap
        if not request.auto_bootstrap:
            integration.credentials_encrypted = encrypt_secret(request.credentials)
        integration.status = "enabled"
    else:
        integration.status = "editError"
    integration.updated_at = transaction_time()
    session.commit()
    return integration_details(integration)


def delete_integration(session: Session, integration_id: int, credentials: Mapping[str, Any] | None = None, *,
                       force: bool = False) -> IntegrationDetails:
    """Remove an integration. With the credentials it was set up with (automatic setup), the cleanup and
    post-cleanup scripts run (`deleting` → `deleted` | `deleteError`); without them (manual setup) it is removed
    here only and the caller runs the cleanup scripts; `force` disables it without any cleanup. Commits."""
    integration = get_integration(session, integration_id, for_update=True)
    if integration.status in (*BUSY_STATUSES, "deleted"):
        raise IntegrationBusy(integration_id, integration.status, "delete")
    if force:
        integration.status = "disabled"
        session.commit()
        return integration_details(integration)
    if integration.auto_bootstrap and not credentials:
        raise Invalid("this integration was set up automatically: send the credentials it was configured with "
                      "(authenticationType, username, password) so its resources can be removed, or force=true to "
                      "disable it without cleanup")
    if not credentials:
        integration.status = "deleted"
        session.commit()
        return integration_details(integration)
    previous_status = integration.status
    integration.status = "deleting"
    session.commit()
    request = IntegrationRequest(integration.type, True, dict(integration.config), dict(credentials))
    stored = decrypt_secret(integration.credentials_encrypted) or {}
    try:
        _run_script(request, _stored_target(integration, stored), ("cleanup", "post-cleanup"))
        status, failure = "deleted", None
    except (ConnectorError, SetupFailed) as error:
        status, failure = "deleteError", getattr(error, "message", str(error))
    except BaseException:
        _settle(session, integration_id, previous_status)
        raise
    integration = get_integration(session, integration_id, for_update=True)
    integration.status = status
    if failure is not None:
        integration.validation_results = [*integration.validation_results,
                                          {"name": "Cleanup", "status": FAILED, "message": failure}]
    integration.updated_at = transaction_time()
    session.commit()
    return integration_details(integration)


def migrate_integration(session: Session, integration_id: int, credentials: Mapping[str, Any]) -> IntegrationDetails:
    """Run the current setup script on an integration set up with an older one (`migrating` → `enabled` |
    `migrateError`, the previous state kept on error), with the privileged credentials of this request."""
    integration = get_integration(session, integration_id, for_update=True)
    if integration.status in (*BUSY_STATUSES, "deleted", "disabled"):
        raise IntegrationBusy(integration_id, integration.status, "migrate")
    if integration.script_version >= SCRIPT_VERSION:
        return integration_details(integration)
    integration.status = "migrating"
    session.commit()
    request = IntegrationRequest(integration.type, True, dict(integration.config), dict(credentials))
    stored = decrypt_secret(integration.credentials_encrypted) or {}
    try:
        _run_script(request, _stored_target(integration, stored), ("edit",))
        status = "enabled"
    except (ConnectorError, SetupFailed):
        status = "migrateError"
    integration = get_integration(session, integration_id, for_update=True)
    integration.status = status
    if status == "enabled":
        integration.script_version = SCRIPT_VERSION
    session.commit()
    return integration_details(integration)


def show_integration(session: Session, integration_id: int) -> IntegrationDetails:
    return integration_details(get_integration(session, integration_id))


def list_integrations(session: Session, *, after_id: int | None = None, limit: int = 100) -> IntegrationPage:
    rows = stored_integrations(session, after_id=after_id, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return IntegrationPage([integration_details(row) for row in rows], count_integrations(session),
                           rows[-1].id if more and rows else None)


def revalidate_integrations(session_factory: Callable[[], Session]) -> dict[str, int]:
    """Re-run the validation of every settled integration with its stored system account; flip enabled ↔
    recurringValidationError (only if nobody changed the status meanwhile)."""
    with session_factory() as session:
        rows = stored_integrations(session, statuses=SETTLED_STATUSES)
        work = [(row.id, row.type, dict(row.config), row.auto_bootstrap,
                 decrypt_secret(row.credentials_encrypted) or {}) for row in rows]
    counts = {"checked": 0, "failed": 0}
    for integration_id, technology, config, auto_bootstrap, stored in work:
        request = IntegrationRequest(technology, auto_bootstrap, config, stored)
        results = run_validation(technology, _connector_config(request, stored), stored,
                                 {**request.setup(), "autoBootstrap": False})
        status = "enabled" if all_passed(results) else "recurringValidationError"
        with session_factory() as session:
            record_integration_revalidation(session, integration_id, SETTLED_STATUSES, status, results)
            session.commit()
        counts["checked"] += 1
        counts["failed"] += status != "enabled"
    return counts


# -- the remote part ----------------------------------------------------------------------------------------------


def _validate_and_set_up(request: IntegrationRequest, *, phases: tuple[Phase, ...], on_error: Callable[[], None],
                         keep_account: Mapping[str, Any] | None = None
                         ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The validation results (with the setup's own test when automatic) and, after an automatic setup that
    created one, the new system account's credentials."""
    try:
        results = run_validation(request.technology, request.connector_config(), request.credentials,
                                 request.setup())
        if not request.auto_bootstrap:
            return results, None
        if not all_passed(results):
            results.append({"name": BOOTSTRAP_TEST, "status": "skipped",
                            "message": "skipped because validation failed"})
            return results, None
        account = _system_account(request, keep_account)
        password = account.get("password") if account else None
        try:
            _run_script(request, _target(request, automatic=True, password=password), phases)
        except (ConnectorError, SetupFailed) as error:
            results.append({"name": BOOTSTRAP_TEST, "status": FAILED, "message": getattr(error, "message", str(error))})
            return results, None
        results.append({"name": BOOTSTRAP_TEST, "status": "passed",
                        "message": f"the setup script ran as {request.credentials.get('username') or 'the token'}"})
        return results, account
    except BaseException:
        on_error()
        raise


def _system_account(request: IntegrationRequest, keep: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The system account an automatic setup creates (Databricks: the service principal of the request)."""
    if request.technology == "databricks":
        return dict(request.credentials)
    if keep and keep.get("password"):
        return dict(keep)
    target = target_of(request.technology, request.config, automatic=True)
    account: dict[str, Any] = {"authenticationType": "userPassword", "username": target.account,
                               "password": _new_password()}
    if request.technology == "snowflake":
        account["role"] = target.role
    return account


def _new_password() -> str:
    """Long and random, with every character class password policies ask for."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(32)) + "aZ7#"


def _run_script(request: IntegrationRequest, target: SetupTarget, phases: tuple[Phase, ...]) -> None:
    statements = [statement for phase in phases for statement in script(phase, target)]
    settings = get_settings()
    connector = connector_class(request.technology)(request.connector_config(), request.credentials,
                                                    timeout=settings.remote_timeout_seconds)
    try:
        connector.run_setup(statements)
    finally:
        connector.close()


def _stored_target(integration: Integration, stored: Mapping[str, Any]) -> SetupTarget:
    config = {**integration.config, **_account_fields(stored)}
    if integration.type != "databricks" and stored.get("username"):
        config["systemAccount"] = stored["username"]
    principal = str(config.get("servicePrincipal") or config.get("clientId") or "") or None
    if integration.type == "databricks" and principal is None:
        principal = _current_principal(IntegrationRequest(integration.type, False, dict(integration.config),
                                                          dict(stored)))
    return target_of(integration.type, config, automatic=False, principal=principal)


def _connector_config(request: IntegrationRequest, stored: Mapping[str, Any]) -> dict[str, Any]:
    config = request.connector_config()
    if request.technology == "snowflake":
        config.update({key: stored[key] for key in ("role",) if stored.get(key)})
        if stored.get("username"):
            config["user"] = stored["username"]
    return config


def _settle(session: Session, integration_id: int, status: str) -> None:
    """Leave the integration in `status` when the work could not even run (a bug, Ctrl-C)."""
    session.rollback()
    get_integration(session, integration_id, for_update=True).status = status
    session.commit()
