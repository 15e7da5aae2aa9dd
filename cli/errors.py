"""Errors → exit codes, in one place, and one clear line on stderr instead of a traceback.

| Exit | Meaning |
|---|---|
| 0 | done (a job waited for succeeded) |
| 1 | a job waited for failed, or an unexpected error |
| 2 | invalid: bad arguments or input, a connection that does not validate |
| 3 | not found |
| 4 | conflict: a duplicate, or a connection busy with another change |
| 5 | unavailable: the catalog, the broker or the key cannot be used, or a job did not finish in time |
| 6 | not authenticated or forbidden |
| 7 | a job waited for ended partial (held by the mass-deletion guard, or some schemas failed) |
"""

from __future__ import annotations

import psycopg
import redis
from kombu.exceptions import OperationalError as BrokerUnavailable

from catalog.errors import DataError, DBAPIError, IntegrityError
from catalog.session import CatalogNotConfigured
from domain.errors import Conflict, Forbidden, Invalid, NotAuthenticated, NotFound, ObjectsyncError, Unavailable

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INVALID = 2
EXIT_NOT_FOUND = 3
EXIT_CONFLICT = 4
EXIT_UNAVAILABLE = 5
EXIT_FORBIDDEN = 6
EXIT_PARTIAL = 7

#: Most specific first: the first matching kind decides the exit code.
EXIT_CODE_BY_KIND: tuple[tuple[type[ObjectsyncError], int], ...] = (
    (Invalid, EXIT_INVALID),
    (NotFound, EXIT_NOT_FOUND),
    (Conflict, EXIT_CONFLICT),
    (Unavailable, EXIT_UNAVAILABLE),
    (NotAuthenticated, EXIT_FORBIDDEN),
    (Forbidden, EXIT_FORBIDDEN),
)

#: A finished job's status → the exit code of a command that waited for it.
EXIT_CODE_BY_JOB_STATUS = {"succeeded": EXIT_OK, "partial": EXIT_PARTIAL, "failed": EXIT_FAILED}


class UsageError(Invalid):
    """Arguments that cannot work together, or an environment variable a flag names that is not set."""


class ServersNotConfigured(Unavailable):
    """A command that runs a service process without the servers it needs."""


def job_exit_code(status: str) -> int:
    return EXIT_CODE_BY_JOB_STATUS.get(status, EXIT_FAILED)


def exit_code(exc: ObjectsyncError) -> int:
    for kind, code in EXIT_CODE_BY_KIND:
        if isinstance(exc, kind):
            return code
    return EXIT_FAILED


def describe_error(exc: BaseException) -> tuple[str, int] | None:
    """The message and exit code of a known failure, or None to let it propagate."""
    if isinstance(exc, CatalogNotConfigured):
        return f"{exc} (point DATABASE_URL at the catalog, or try `objectsync demo`)", EXIT_UNAVAILABLE
    if isinstance(exc, ObjectsyncError):
        return _one_line(exc), exit_code(exc)
    if isinstance(exc, IntegrityError):
        return "the request conflicts with data stored meanwhile (for example a duplicate name); retry", EXIT_CONFLICT
    if isinstance(exc, DataError):
        return f"a value cannot be stored in the catalog: {_first_line(exc.orig)}", EXIT_INVALID
    if isinstance(exc, DBAPIError):
        original = exc.orig
        if isinstance(original, psycopg.errors.UndefinedTable):
            return "the catalog is not migrated (run `objectsync migrate`)", EXIT_UNAVAILABLE
        if isinstance(original, psycopg.errors.LockNotAvailable):
            return f"another change holds the rows this one needs; retry ({_first_line(original)})", EXIT_CONFLICT
        if isinstance(original, psycopg.OperationalError):
            return f"cannot reach the catalog database: {_first_line(original)}", EXIT_UNAVAILABLE
        return None
    if isinstance(exc, psycopg.errors.LockNotAvailable):  # raised through a raw cursor, not wrapped
        return f"another change holds the rows this one needs; retry ({_first_line(exc)})", EXIT_CONFLICT
    if isinstance(exc, psycopg.OperationalError):
        return f"cannot reach the database: {_first_line(exc)}", EXIT_UNAVAILABLE
    if isinstance(exc, redis.ConnectionError | BrokerUnavailable):
        return f"cannot reach Redis (REDIS_URL): {_first_line(exc)}", EXIT_UNAVAILABLE
    return None


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _first_line(exc: BaseException | None) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
