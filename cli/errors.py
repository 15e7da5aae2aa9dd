"""One place that turns known failures into a single clear line instead of a traceback."""

from __future__ import annotations

import psycopg
import redis
from kombu.exceptions import OperationalError as BrokerUnavailable
from sqlalchemy.exc import DBAPIError

from catalog.session import CatalogNotConfigured
from connectors.errors import ConnectorError
from domain.errors import ConnectionExists, ConnectionNotFound, DataObjectNotFound
from services.access.secrets import SecretKeyError


class CliError(Exception):
    """A user-facing failure with its own exit code."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


_AS_IS = (ConnectionExists, ConnectionNotFound, DataObjectNotFound, ConnectorError, SecretKeyError, ValueError)


def describe_error(exc: BaseException) -> str | None:
    """The message to show for a known failure, or None to let it propagate."""
    if isinstance(exc, CatalogNotConfigured):
        return f"{exc} (point DATABASE_URL at the catalog, or try `objectsync demo`)"
    if isinstance(exc, _AS_IS):
        return str(exc)
    if isinstance(exc, DBAPIError):
        original = exc.orig
        if isinstance(original, psycopg.errors.UndefinedTable):
            return "the catalog is not migrated (run `objectsync migrate`)"
        if isinstance(original, psycopg.OperationalError):
            return f"cannot reach the catalog database: {_first_line(original)}"
        return None
    if isinstance(exc, psycopg.OperationalError):
        return f"cannot reach the database: {_first_line(exc)}"
    if isinstance(exc, redis.ConnectionError | BrokerUnavailable):
        return f"cannot reach Redis (REDIS_URL): {_first_line(exc)}"
    return None


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
