"""Running a connector's validation tests and the connection status transitions that follow from them.

creating → enabled | createError, editing → enabled | editError, and the periodic re-validation that moves
enabled ↔ recurringValidationError. Remote calls happen outside any catalog transaction.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from catalog.connection_store import connections_to_revalidate, record_revalidation
from catalog.session import Session
from connectors import ConnectorError, connector_class
from domain.connection_status import RECURRING_STATUSES, ConnectionStatus
from domain.redaction import redact, split_url_password
from models import Connection
from services.access.secrets import decrypt_secret
from settings import get_settings

#: Fields of the `connection` payload that are secrets (or identify who logs in).
CREDENTIAL_FIELDS = frozenset({
    "username", "password", "token", "privateKey", "privateKeyPassword", "clientSecret", "accessToken",
    "personalAccessToken", "refreshToken", "privateKeyPassphrase",
})
#: Credential fields whose values must never appear in a message.
SECRET_FIELDS = CREDENTIAL_FIELDS - {"username"}
#: Any other field whose name says it holds a secret is one too (an extra field a connector reads).
_SECRET_NAME = re.compile(r"(?i)(password|passwd|secret|token|passphrase|private_?key|api_?key|credential)")


def is_secret_field(name: str) -> bool:
    return name in SECRET_FIELDS or bool(_SECRET_NAME.search(name))


#: Non-secret fields some connectors read from the credentials and others from the config.
SHARED_FIELDS = frozenset({"authenticationType"})
PASSED, FAILED = "passed", "failed"


def split_connection_fields(fields: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(non-secret config, credentials) from the flat `connection` payload; `technology` stays out of both."""
    credential = {k for k in fields if k in CREDENTIAL_FIELDS | SHARED_FIELDS or is_secret_field(k)}
    secret_only = credential - SHARED_FIELDS  # shared fields go to both
    config = {k: v for k, v in fields.items() if k not in secret_only and k != "technology" and v is not None}
    credentials = {k: v for k, v in fields.items() if k in credential and v is not None}
    url = config.get("url")
    if isinstance(url, str):
        config["url"], password = split_url_password(url)
        if password is not None:
            credentials.setdefault("password", password)
    return config, credentials


def _scrub(message: str | None, credentials: Mapping[str, Any]) -> str | None:
    """Drivers sometimes echo connection strings: their secret fields are masked (by field, never by searching
    for the secret's value inside words, which would garble the message and reveal a short secret)."""
    if not message:
        return message
    return redact(message, (value for key, value in credentials.items() if is_secret_field(key)))


def run_validation(technology: str, config: Mapping[str, Any], credentials: Mapping[str, Any],
                   setup: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """The connector's validation tests as [{name, status, message, result?}]; failures are reported, never raised.
    `setup` (a platform integration's configuration) adds the tests of that setup.

    An unknown technology raises ConfigurationError: that is a malformed request, not a failed test.
    """
    cls = connector_class(technology)
    first_test = cls.test_names.connect
    try:
        settings = get_settings()
        connector = cls(config, credentials, timeout=settings.remote_timeout_seconds,
                        internal_databases=settings.internal_databases)
    except ConnectorError as exc:
        return [{"name": first_test, "status": FAILED, "message": _scrub(exc.message, credentials)}]
    try:
        tested = connector.validate()
        if setup is not None:
            tested += connector.validate_setup(setup, reachable=all(r.usable for r in tested))
        results = [r.as_dict() for r in tested]
    except ConnectorError as exc:
        results = [{"name": first_test, "status": FAILED, "message": _scrub(exc.message, credentials)}]
    except Exception as exc:  # noqa: BLE001 - a connector bug must read as a failed test, not a 500
        results = [{"name": first_test, "status": FAILED,
                    "message": _scrub(f"{type(exc).__name__}: {exc}", credentials)}]
    finally:
        try:
            connector.close()
        except Exception:  # noqa: BLE001, S110 - closing a broken session is best effort
            pass
    for result in results:
        result["message"] = _scrub(result.get("message"), credentials)
    return results


def overall_status(results: Iterable[Mapping[str, Any]]) -> str:
    """failed if a test failed, else warning if one warned, else passed if one passed (all skipped: skipped)."""
    statuses = {r.get("status") for r in results}
    for status in (FAILED, "warning", PASSED):
        if status in statuses:
            return status
    return "skipped"


def validation_object(results: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The validation results as every door shows them: {status, validationTests: [{name, status, result,
    message}]}."""
    tests = [dict(r) for r in results]
    return {"status": overall_status(tests), "validationTests": tests}


def all_passed(results: Iterable[Mapping[str, Any]]) -> bool:
    return all(r.get("status") != FAILED for r in results)


def describe_failures(results: Iterable[Mapping[str, Any]]) -> str:
    """The failed tests on one line, `Connection test: <why>`, for messages that must stay one line long."""
    failed = [r for r in results if r.get("status") == FAILED]
    return "; ".join(
        f"{r.get('name')}: {' '.join(str(r['message']).split())}" if r.get("message") else str(r.get("name"))
        for r in failed
    ) or "no test failed"


def settled_status(session: Session, connection: Connection) -> str:
    """`enabled`: a connection's status is its validation lifecycle; whether its objects are enabled is their
    `isActive` setting, and object sync runs either way."""
    return ConnectionStatus.ENABLED


def finish_creation(session: Session, connection: Connection, results: list[dict[str, Any]]) -> bool:
    connection.validation_results = results
    passed = all_passed(results)
    connection.status = settled_status(session, connection) if passed else ConnectionStatus.CREATE_ERROR
    return passed


def finish_edit(
    session: Session, connection: Connection, results: list[dict[str, Any]],
    config: dict[str, Any], encrypted_credentials: bytes,
) -> bool:
    """Keep the edited config only if it validates; a failed edit leaves the working one in place."""
    connection.validation_results = results
    passed = all_passed(results)
    if passed:
        connection.config = config
        connection.credentials_encrypted = encrypted_credentials
        connection.status = settled_status(session, connection)
    else:
        connection.status = ConnectionStatus.EDIT_ERROR
    return passed


def revalidate_connections(session_factory: Callable[[], Session]) -> dict[str, int]:
    """Re-run validation of every settled connection; flip enabled ↔ recurringValidationError.

    The status is only written if nobody changed it meanwhile (an edit or delete wins over this sweep).
    """
    with session_factory() as session:
        rows = connections_to_revalidate(session, RECURRING_STATUSES)
    counts = {"checked": 0, "failed": 0, "recovered": 0}
    for row in rows:
        try:
            results = run_validation(row.technology, row.config, decrypt_secret(row.credentials_encrypted))
        except ConnectorError as exc:
            results = [{"name": "Configuration", "status": FAILED, "message": exc.message}]
        new_status = (ConnectionStatus.ENABLED if all_passed(results)
                      else ConnectionStatus.RECURRING_VALIDATION_ERROR)
        with session_factory() as session:
            record_revalidation(session, row.id, RECURRING_STATUSES, new_status, results)
            session.commit()
        counts["checked"] += 1
        counts["failed"] += new_status == ConnectionStatus.RECURRING_VALIDATION_ERROR
        counts["recovered"] += (row.status == ConnectionStatus.RECURRING_VALIDATION_ERROR
                                and new_status == ConnectionStatus.ENABLED)
    return counts
