"""A connection's `nativeIntegration`: the integration (the platform setup the caller ran from the scripts) the
connection comes with, stored with its secrets encrypted and linked to the connection. One already set up on the
connection's host through /integrations is linked instead of a second one."""

from __future__ import annotations

from typing import Any

from catalog.integration_store import integration_of_connection, integration_on_host
from catalog.session import Session, transaction_time
from connectors.setup_scripts import SCRIPT_VERSION
from models import Connection, Integration
from services.access.secrets import encrypt_secret
from services.connections.integration_requests import IntegrationRequest
from services.connections.validation import all_passed


def attach_native_integration(session: Session, connection: Connection, native: IntegrationRequest) -> Integration:
    """Link the integration on the connection's host, or store this one as `creating`."""
    existing = integration_on_host(session, native.technology, native.host)
    if existing is not None and existing.connection_id in (None, connection.id):
        existing.connection_id = connection.id
        return existing
    integration = Integration(
        type=native.technology, host=native.host, auto_bootstrap=native.auto_bootstrap,
        config={**native.config, **({"unityCatalog": native.unity_catalog} if native.unity_catalog is not None
                                    else {})},
        credentials_encrypted=encrypt_secret(native.credentials), status="creating", validation_results=[],
        script_version=SCRIPT_VERSION, connection_id=connection.id,
    )
    session.add(integration)
    session.flush()
    return integration


def settle_native_integration(session: Session, connection: Connection, results: list[dict[str, Any]]) -> None:
    """The connection's validation is its integration's: `enabled` or `createError` with the same results."""
    integration = integration_of_connection(session, connection.id)
    if integration is None or integration.status not in ("creating", "enabled", "recurringValidationError"):
        return
    integration.validation_results = results
    integration.status = "enabled" if all_passed(results) else "createError"
    integration.updated_at = transaction_time()
