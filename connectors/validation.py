"""The validation tests every connector runs, by name, in order."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from connectors.base import ValidationResult
from connectors.errors import ConnectorError, PermissionDenied

CONNECTION_TEST = "Connection test"
DATABASE_ACCESS_TEST = "Database access test"
METADATA_PRIVILEGES_TEST = "Metadata privileges test"


def run_validation(tests: Sequence[tuple[str, Callable[[], str | None]]]) -> list[ValidationResult]:
    """A test passes unless it raises a ConnectorError (its return value is the message); after the first
    failure the remaining tests are skipped, since they depend on what failed."""
    results: list[ValidationResult] = []
    for name, test in tests:
        if results and results[-1].status != "passed":
            results.append(ValidationResult(name, "skipped", f"skipped because {results[-1].name} did not pass"))
            continue
        try:
            message = test()
        except ConnectorError as error:
            results.append(ValidationResult(name, "failed", error.message))
        else:
            results.append(ValidationResult(name, "passed", message))
    return results


def validate_by_listing(
    test_connection: Callable[[], None],
    databases_in_scope: Callable[[], tuple[list[str], dict[str, str]]],
    list_schemas: Callable[[str], object],
    noun: str = "database",
) -> list[ValidationResult]:
    """The three tests for platforms reached through one session: connect, see the databases (catalogs)
    in scope, then list the schemas of the first few of them."""

    def visible() -> list[str]:
        databases, missing = databases_in_scope()
        if missing:
            raise PermissionDenied("; ".join(missing.values()))
        if not databases:
            raise PermissionDenied(f"these credentials see no {noun} besides system and internal ones")
        return databases

    def metadata_privileges() -> None:
        for database in visible()[:10]:
            list_schemas(database)

    return run_validation([
        (CONNECTION_TEST, test_connection),
        (DATABASE_ACCESS_TEST, lambda: f"{len(visible())} {noun}(s) visible"),
        (METADATA_PRIVILEGES_TEST, metadata_privileges),
    ])
